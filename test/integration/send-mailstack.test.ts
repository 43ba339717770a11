// The test mail stack itself: two independent Postfix+Dovecot instances at once, SMTP AUTH, LMTP delivery,
// DSN bounces, and the scriptable fault server's behaviours as nodemailer sees them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import nodemailer from 'nodemailer';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { startFaultSmtp } from '../helpers/fault-smtp.js';

describe.skipIf(!mailstackAvailable() && !process.env.CI)('loopback mail stack', () => {
  let a: Mailstack;
  let b: Mailstack;
  beforeAll(async () => {
    [a, b] = await Promise.all([startMailstack(), startMailstack()]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('runs two independent instances at once', async () => {
    expect(new Set([a.smtpPort, a.imapPort, a.lmtpPort, b.smtpPort, b.imapPort, b.lmtpPort]).size).toBe(6);
    for (const [ms, tag] of [[a, 'A'], [b, 'B']] as const) {
      const t = nodemailer.createTransport({ host: ms.host, port: ms.smtpPort, secure: false, ignoreTLS: true, auth: ms.users.alice });
      await t.sendMail({ from: ms.users.alice.user, to: 'prospect@example.com', subject: `to ${tag}`, text: 'x', messageId: `<${tag}@test.local>` });
      t.close();
    }
    const inA = await a.waitFor(a.users.sink, 'INBOX', (m) => m.length >= 1);
    const inB = await b.waitFor(b.users.sink, 'INBOX', (m) => m.length >= 1);
    expect(inA.map((m) => m.messageId)).toEqual(['<A@test.local>']);
    expect(inB.map((m) => m.messageId)).toEqual(['<B@test.local>']);
    // Like Gmail, the server keeps a copy of what alice submitted in her Sent folder.
    const sent = await a.waitFor(a.users.alice, 'Sent', (m) => m.length >= 1);
    expect(sent.map((m) => m.messageId)).toEqual(['<A@test.local>']);
  });

  it('rejects a wrong password with 535 and bounces unknown local users with a DSN', async () => {
    const bad = nodemailer.createTransport({ host: a.host, port: a.smtpPort, secure: false, ignoreTLS: true, auth: { user: a.users.alice.user, pass: 'nope' } });
    await expect(bad.verify()).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    bad.close();
    const t = nodemailer.createTransport({ host: a.host, port: a.smtpPort, secure: false, ignoreTLS: true, auth: a.users.alice });
    await t.sendMail({ from: a.users.alice.user, to: `nobody@${a.domain}`, subject: 'bounce me', text: 'x', messageId: '<bounce1@test.local>' });
    t.close();
    const inbox = await a.waitFor(a.users.alice, 'INBOX', (m) => m.some((x) => x.source.toString().includes('bounce1@test.local')));
    expect(inbox.some((x) => /multipart\/report/i.test(x.source.toString()))).toBe(true);
  });

  it('delivers over LMTP and appends over IMAP', async () => {
    await a.deliver(`From: p@example.com\r\nTo: ${a.users.bob.user}\r\nSubject: hi\r\nMessage-ID: <lmtp1@example.com>\r\n\r\nhello\r\n`, a.users.bob.user);
    const uid = await a.append(a.users.bob, 'Sent', `From: ${a.users.bob.user}\r\nTo: p@example.com\r\nSubject: s\r\nMessage-ID: <sent1@test.local>\r\n\r\nx\r\n`);
    expect(uid).toBeGreaterThan(0);
    expect((await a.list(a.users.bob, 'INBOX')).map((m) => m.messageId)).toContain('<lmtp1@example.com>');
    expect((await a.list(a.users.bob, 'Sent')).map((m) => m.messageId)).toContain('<sent1@test.local>');
  });
});

describe('scriptable fault SMTP server', () => {
  it('tempfails, rejects per recipient, drops mid-DATA, is slow and fails AUTH on demand', async () => {
    const f = await startFaultSmtp({ users: { u: 'p' }, slowMs: 300 });
    const t = nodemailer.createTransport({ host: f.host, port: f.port, secure: false, ignoreTLS: true, auth: { user: 'u', pass: 'p' } });
    await expect(t.sendMail({ from: 'a@x.test', to: 'tempfail-1@example.com', subject: 's', text: 'x' })).rejects.toMatchObject({ responseCode: 451 });
    await expect(t.sendMail({ from: 'a@x.test', to: 'reject-1@example.com', subject: 's', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
    const partial = await t.sendMail({ from: 'a@x.test', to: ['ok@example.com', 'reject-2@example.com'], subject: 's', text: 'x' });
    expect(partial.rejected).toEqual(['reject-2@example.com']);
    const dropped = await t.sendMail({ from: 'a@x.test', to: 'drop-1@example.com', subject: 's', text: 'x', messageId: '<d1@x.test>' }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(Error);
    expect(f.received.find((m) => m.messageId === 'd1@x.test')?.outcome).toBe('dropped');
    const t0 = Date.now();
    await t.sendMail({ from: 'a@x.test', to: 'slow-1@example.com', subject: 's', text: 'x' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    t.close();
    const bad = nodemailer.createTransport({ host: f.host, port: f.port, secure: false, ignoreTLS: true, auth: { user: 'u', pass: 'wrong' } });
    await expect(bad.verify()).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    bad.close();
    await f.close();
  });
});
