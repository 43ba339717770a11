// Settling unknown messages of a mailbox whose server keeps no Sent copy (--append-sent), against the real
// loopback Postfix + Dovecot started with MAILSTACK_SENT_COPY=0: the connection "drops" right after the
// server accepted each message (it really was delivered), so every one is unknown and none is in Sent.
// --resolve-unknown settles those that a bounce or a reply names; the operator settles the rest by hand.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { tempDir } from '../helpers/cli.js';
import { seedCampaign, addTestMailbox, testSettings, openTestDb, messageStates } from '../helpers/send-fixture.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { SmtpClient, SmtpError } from '../../src/adapters/smtp.js';
import { SentFolder, InboxFolder } from '../../src/adapters/imap-sent.js';
import { runSend, resolveUnknown, listUnknown, settleMessage, SettleError, type SendAdapters } from '../../src/stages/send/index.js';
import { smtpConfigOf, imapConfigOf } from '../../src/stages/mailbox/index.js';

const SECRET = 'resolve-secret';

describe.skipIf(!mailstackAvailable() && !process.env.CI)('send --resolve-unknown and --settle for an --append-sent mailbox', () => {
  let ms: Mailstack;
  const t = tempDir();
  beforeAll(async () => {
    const before = process.env.MAILSTACK_SENT_COPY;
    process.env.MAILSTACK_SENT_COPY = '0'; // this server keeps no copy of what alice submits
    try {
      ms = await startMailstack();
    } finally {
      if (before === undefined) delete process.env.MAILSTACK_SENT_COPY;
      else process.env.MAILSTACK_SENT_COPY = before;
    }
  });
  afterAll(async () => {
    await ms?.stop();
    t.cleanup();
  });

  const env = (name: string) => ({ ALICE_PW: ms.users.alice.pass } as Record<string, string>)[name];
  const adapters = (clock: ManualClock, dropAfterAccept: boolean): SendAdapters => ({
    clock,
    smtp: (m) => {
      const real = new SmtpClient(smtpConfigOf(m, env));
      if (!dropAfterAccept) return real;
      // The server accepts the message (250), then we lose the reply: what a crash or a drop after DATA leaves.
      return {
        send: async (envelope, raw, onBody) => {
          await real.send(envelope, raw, onBody);
          throw new SmtpError('Connection closed unexpectedly', 'data', { code: 'ECONNECTION' });
        },
        close: () => real.close(),
      };
    },
    sentFolder: async (m) => {
      const cfg = imapConfigOf(m, env);
      return cfg ? SentFolder.open(cfg, m.sent_folder) : null;
    },
    inbox: async (m) => {
      const cfg = imapConfigOf(m, env);
      return cfg ? InboxFolder.open(cfg) : null;
    },
    isAlive: () => true,
    hostname: hostname(),
    pid: process.pid,
  });

  it('settles from a bounce and a reply in the INBOX, leaves the rest to the operator, who settles them as sent, failed or retry', async () => {
    const db = openTestDb(join(t.dir, 'resolve.db'));
    const tag = `rs${Date.now()}`;
    // Lead 0 is a local user that does not exist: Postfix bounces it back to alice with a DSN.
    seedCampaign(db, { campaign: tag, leads: 6, email: (i) => (i === 0 ? `nobody-${tag}@${ms.domain}` : `${tag}-lead${i}@example.com`) });
    addTestMailbox(db, { name: 'alice', email: ms.users.alice.user, host: ms.host, port: ms.smtpPort, passwordEnv: 'ALICE_PW', imapPort: ms.imapPort, appendSent: true });
    const clock = new ManualClock(new Date());
    const r = await runSend(db, adapters(clock, true), { settings: testSettings(), secret: SECRET });
    expect(r).toMatchObject({ sent: 0, unknown: 6 });
    const ids = (db.sqlite.prepare(`SELECT message_id, to_email FROM messages ORDER BY id`).all() as { message_id: string; to_email: string }[]).map((x) => x.message_id);

    // They really arrived (5 at the sink, 1 bounced back to alice); none is in alice's Sent folder.
    await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.filter((x) => x.to.some((a) => a.startsWith(tag))).length >= 5);
    const bounced = await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.some((x) => x.source.toString().includes(ids[0]!)));
    expect(bounced.some((x) => /multipart\/report/i.test(x.source.toString()))).toBe(true);
    expect(await ms.list(ms.users.alice, 'Sent')).toHaveLength(0);
    // Lead 1 replies.
    await ms.deliver(
      `From: ${tag}-lead1@example.com\r\nTo: ${ms.users.alice.user}\r\nSubject: Re: Quick question for Shop 1\r\nMessage-ID: <reply-${tag}@example.com>\r\n` +
        `In-Reply-To: <${ids[1]}>\r\nReferences: <${ids[1]}>\r\nDate: ${new Date().toUTCString()}\r\n\r\nSure, tell me more.\r\n`,
      ms.users.alice.user,
    );
    // A forwarded note quoting lead 2's id only as a longer id must not count.
    await ms.deliver(
      `From: x@example.com\r\nTo: ${ms.users.alice.user}\r\nSubject: fwd\r\nMessage-ID: <fwd-${tag}@example.com>\r\nDate: ${new Date().toUTCString()}\r\n\r\nsee <x${ids[2]}>\r\n`,
      ms.users.alice.user,
    );

    const res = await resolveUnknown(db, adapters(clock, false), { settleAfterMs: 0 });
    expect(res).toMatchObject({ checked: 6, sent: 2, requeued: 0, stillUnknown: 4 });
    expect(res.problems).toEqual([]);
    const byId = new Map(res.details.map((d) => [d.messageId, d]));
    expect(byId.get(ids[0]!)).toMatchObject({ outcome: 'sent', evidence: { source: 'inbox', kind: 'bounce' } });
    expect(byId.get(ids[1]!)).toMatchObject({ outcome: 'sent', evidence: { source: 'inbox', kind: 'reply', from: `${tag}-lead1@example.com` } });
    expect(byId.get(ids[2]!)).toMatchObject({ outcome: 'unknown' });
    expect(byId.get(ids[2]!)!.reason).toMatch(/does not keep sent copies itself and no reply or bounce names it.*--settle/);
    const sentRow = db.sqlite.prepare(`SELECT state, smtp_response FROM messages WHERE message_id = ?`).get(ids[0]) as { state: string; smtp_response: string };
    expect(sentRow).toMatchObject({ state: 'sent' });
    expect(sentRow.smtp_response).toMatch(/a bounce .*in the INBOX names it/);

    // What the inbox stage already read is evidence too, without IMAP (a reply to lead 3, as it records one).
    db.sqlite
      .prepare(`INSERT INTO inbound (message_id, in_reply_to, "references", from_email, subject, label) VALUES (?, ?, ?, ?, 'Re: hi', 'WARM')`)
      .run(`<in-${tag}@example.com>`, `<${ids[3]}>`, `<${ids[3]}>`, `${tag}-lead3@example.com`);
    const res2 = await resolveUnknown(db, adapters(clock, false), { settleAfterMs: 0 });
    expect(res2).toMatchObject({ checked: 4, sent: 1, stillUnknown: 3 });
    expect(res2.details.find((d) => d.outcome === 'sent')).toMatchObject({ messageId: ids[3], evidence: { source: 'inbound', how: 'reply' } });

    // The operator's list, then verdicts.
    const list = listUnknown(db, adapters(clock, false));
    expect(list.unknown.map((u) => u.messageId)).toEqual([ids[2], ids[4], ids[5]]);
    expect(list.unknown[0]).toMatchObject({ to: `${tag}-lead2@example.com`, mailbox: 'alice', serverKeepsSentCopy: false, campaign: tag, step: 1 });
    expect(list.unknown[0]!.reason).toMatch(/no reply after DATA/);

    expect(settleMessage(db, adapters(clock, false), { ref: `<${ids[2]}>`, as: 'sent', note: 'seen in the provider log' })).toMatchObject({ to_state: 'sent' });
    const id4 = (db.sqlite.prepare(`SELECT id FROM messages WHERE message_id = ?`).get(ids[4]) as { id: number }).id;
    expect(settleMessage(db, adapters(clock, false), { ref: String(id4), as: 'failed' })).toMatchObject({ to_state: 'failed' });
    expect(settleMessage(db, adapters(clock, false), { ref: ids[5]!, as: 'retry' })).toMatchObject({ to_state: 'queued' });
    expect(() => settleMessage(db, adapters(clock, false), { ref: ids[2]!, as: 'failed' })).toThrow(SettleError);
    expect(() => settleMessage(db, adapters(clock, false), { ref: 'nope@nowhere', as: 'sent' })).toThrow(/no message/);
    const ev = db.sqlite.prepare(`SELECT type, data FROM events WHERE message_id = (SELECT id FROM messages WHERE message_id = ?) ORDER BY id DESC LIMIT 1`).get(ids[2]) as { type: string; data: string };
    expect(ev.type).toBe('sent');
    expect(JSON.parse(ev.data)).toMatchObject({ resolvedFrom: 'unknown' });
    expect((db.sqlite.prepare(`SELECT smtp_response FROM messages WHERE message_id = ?`).get(ids[2]) as { smtp_response: string }).smtp_response).toBe('settled by hand as sent: seen in the provider log');
    expect(messageStates(db)).toEqual({ sent: 4, failed: 1, queued: 1 });
    expect(listUnknown(db, adapters(clock, false)).unknown).toEqual([]);

    // The retried one goes again, with its Message-ID; the sink now has it twice (the operator's call).
    const again = await runSend(db, adapters(clock, false), { settings: testSettings(), secret: SECRET });
    expect(again).toMatchObject({ sent: 1, unknown: 0 });
    expect(again.sentMessages.map((m) => m.messageId)).toEqual([ids[5]]);
    const sink = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.filter((x) => x.messageId === `<${ids[5]}>`).length >= 2);
    expect(sink.filter((x) => x.messageId === `<${ids[5]}>`)).toHaveLength(2);
    // Sent normally this time, so we appended the copy ourselves.
    const sent = await ms.waitFor(ms.users.alice, 'Sent', (m) => m.length >= 1);
    expect(sent.map((m) => m.messageId)).toEqual([`<${ids[5]}>`]);
    expect(messageStates(db)).toEqual({ sent: 5, failed: 1 });
    db.close();
  });
});
