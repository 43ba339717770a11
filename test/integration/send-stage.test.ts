// The send stage against the real loopback Postfix + Dovecot: what arrives is counted by reading Dovecot
// over IMAP. Headers, threading of follow-ups, business-day delays, checks right before each message,
// warm-up caps, and settling unknown messages from the Sent folder.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { simpleParser } from 'mailparser';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { tempDir } from '../helpers/cli.js';
import { seedCampaign, addTestMailbox, testSettings, openTestDb, messageStates } from '../helpers/send-fixture.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { SmtpClient } from '../../src/adapters/smtp.js';
import { SentFolder } from '../../src/adapters/imap-sent.js';
import { runSend, resolveUnknown, type SendAdapters } from '../../src/stages/send/index.js';
import { smtpConfigOf, imapConfigOf } from '../../src/stages/mailbox/index.js';
import { verifyUnsubscribeToken } from '../../src/domain/unsubscribe.js';
import { addSuppression } from '../../src/db/suppressions.js';
import type { Db } from '../../src/db/open.js';

const SECRET = 'test-secret-123';

describe.skipIf(!mailstackAvailable() && !process.env.CI)('send stage with Postfix and Dovecot', () => {
  let ms: Mailstack;
  const t = tempDir();
  beforeAll(async () => {
    ms = await startMailstack();
  });
  afterAll(async () => {
    await ms?.stop();
    t.cleanup();
  });

  const envOf = (ms: Mailstack) => (name: string) => ({ ALICE_PW: ms.users.alice.pass, BOB_PW: ms.users.bob.pass } as Record<string, string>)[name];
  const adaptersFor = (clock: ManualClock, alive: (pid: number) => boolean = () => true): SendAdapters => ({
    clock,
    smtp: (m) => new SmtpClient(smtpConfigOf(m, envOf(ms))),
    sentFolder: async (m) => {
      const cfg = imapConfigOf(m, envOf(ms));
      return cfg ? SentFolder.open(cfg, m.sent_folder) : null;
    },
    isAlive: alive,
    hostname: hostname(),
    pid: process.pid,
  });
  let n = 0;
  const freshDb = (): Db => openTestDb(join(t.dir, `send-${++n}.db`));
  const alice = (db: Db, extra: Partial<Parameters<typeof addTestMailbox>[1]> = {}) =>
    addTestMailbox(db, { name: 'alice', email: ms.users.alice.user, host: ms.host, port: ms.smtpPort, passwordEnv: 'ALICE_PW', imapPort: ms.imapPort, ...extra });

  it('sends each approved first email once, with compliant headers, then follow-ups in the same thread after the delay', async () => {
    const db = freshDb();
    const tag = `t1-${Date.now()}`;
    const seeded = seedCampaign(db, { campaign: tag, leads: 3, steps: [0, 2], html: true, email: (i) => `${tag}-lead${i}@example.com` });
    const mb = alice(db);
    // Friday 10:00 UTC.
    const clock = new ManualClock('2026-11-27T10:00:00Z');
    const settings = testSettings({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' });
    const r1 = await runSend(db, adaptersFor(clock), { settings, secret: SECRET });
    expect(r1).toMatchObject({ sent: 3, deferred: 0, failed: 0, unknown: 0 });
    // The follow-ups wait 2 business days: Tuesday.
    expect(r1.nextAt).toBe('2026-12-01T10:00:00.000Z');

    const sink = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.filter((x) => x.subject?.startsWith('Quick question') && x.to.some((a) => a.startsWith(tag))).length >= 3);
    const mine = sink.filter((x) => x.to.some((a) => a.startsWith(tag)));
    expect(mine).toHaveLength(3);
    const parsed = await simpleParser(mine[0]!.source);
    const row = db.sqlite.prepare(`SELECT * FROM messages WHERE message_id = ?`).get(parsed.messageId!.replace(/^<|>$/g, '')) as Record<string, unknown>;
    expect(row.state).toBe('sent');
    expect(String(row.message_id)).toMatch(/@test\.local$/);
    expect(row.smtp_response).toMatch(/^250 /);
    expect(parsed.headers.get('date')).toBeTruthy();
    expect(String(parsed.headers.get('content-type') && (parsed.headers.get('content-type') as { value: string }).value)).toBe('multipart/alternative');
    const raw = mine[0]!.source.toString();
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    const url = /<(https:\/\/u\.example\.com\/u\/[^>]+)>/.exec(raw.replace(/\r?\n\s+/g, ' '))![1]!;
    expect(raw.replace(/\r?\n\s+/g, ' ')).toMatch(/List-Unsubscribe: <https:\/\/u\.example\.com\/u\/[^>]+>, <mailto:unsubscribe@test\.local\?subject=unsubscribe>/);
    expect(verifyUnsubscribeToken(SECRET, url.split('/u/')[1]!)).toBe(row.message_id);
    expect(parsed.text).toContain(url);
    expect(parsed.text).not.toContain('[[UNSUBSCRIBE_URL]]');
    expect(parsed.html).toContain(url);

    const e = db.sqlite.prepare(`SELECT * FROM enrollments WHERE id = ?`).get(seeded.enrollments[0]!.id) as Record<string, unknown>;
    expect(e.mailbox_id).toBe(mb);
    expect(e.thread_message_id).toBeTruthy();
    expect((db.sqlite.prepare(`SELECT stage FROM leads WHERE id = ?`).get(seeded.enrollments[0]!.leadId) as { stage: string }).stage).toBe('contacted');
    expect((db.sqlite.prepare(`SELECT COUNT(*) AS n FROM drafts WHERE status = 'sent'`).get() as { n: number }).n).toBe(3);
    const types = (db.sqlite.prepare(`SELECT type FROM events WHERE lead_id = ? ORDER BY id`).all(seeded.enrollments[0]!.leadId) as { type: string }[]).map((x) => x.type);
    expect(types).toEqual(['queued', 'sent']);

    // Monday: still too early for the follow-ups; nothing goes, nothing printed.
    clock.set('2026-11-30T12:00:00Z');
    expect((await runSend(db, adaptersFor(clock), { settings, secret: SECRET })).sent).toBe(0);
    // Tuesday 10:00: the follow-ups go, threaded.
    clock.set('2026-12-01T10:00:00Z');
    const r2 = await runSend(db, adaptersFor(clock), { settings, secret: SECRET });
    expect(r2.sent).toBe(3);
    const all = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.filter((x) => x.to.some((a) => a.startsWith(tag))).length >= 6);
    const fu = all.filter((x) => x.to.some((a) => a.startsWith(`${tag}-lead0@`)));
    expect(fu).toHaveLength(2);
    const first = fu.find((x) => !x.inReplyTo)!;
    const second = fu.find((x) => x.inReplyTo)!;
    expect(second.subject).toBe(`Re: ${first.subject}`);
    expect(second.inReplyTo).toBe(first.messageId);
    expect(second.source.toString()).toMatch(new RegExp(`^References: ${first.messageId!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    expect(second.from).toBe(ms.users.alice.user);
    expect((db.sqlite.prepare(`SELECT status FROM enrollments WHERE id = ?`).get(seeded.enrollments[0]!.id) as { status: string }).status).toBe('completed');
    // Nothing left: a third run does nothing.
    expect(await runSend(db, adaptersFor(clock), { settings, secret: SECRET })).toMatchObject({ sent: 0, cancelled: 0 });
    db.close();
  });

  it('re-checks suppression and replies right before sending, and respects the warm-up ramp', async () => {
    const db = freshDb();
    const tag = `t2-${Date.now()}`;
    const seeded = seedCampaign(db, { campaign: tag, leads: 5, email: (i) => `${tag}-lead${i}@example.com` });
    alice(db, { dailyCap: 50, rampStart: 2, rampStep: 1 });
    addSuppression(db, { kind: 'email', value: seeded.enrollments[0]!.email, reason: 'unsubscribed', source: 'serve' });
    db.sqlite.prepare(`INSERT INTO inbound (message_id, lead_id, label) VALUES ('reply-1@example.com', ?, 'WARM')`).run(seeded.enrollments[1]!.leadId);
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    const r = await runSend(db, adaptersFor(clock), { settings: testSettings(), secret: SECRET });
    expect(r).toMatchObject({ sent: 2, cancelled: 2 });
    const stopped = db.sqlite.prepare(`SELECT id, stop_reason FROM enrollments WHERE status = 'stopped' ORDER BY id`).all() as { stop_reason: string }[];
    expect(stopped.map((s) => s.stop_reason)).toEqual(['suppressed: unsubscribed', 'replied']);
    // Day 2 of the ramp: 3 a day; one lead is left.
    clock.set('2026-12-01T10:00:00Z');
    expect((await runSend(db, adaptersFor(clock), { settings: testSettings(), secret: SECRET })).sent).toBe(1);
    const got = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.filter((x) => x.to.some((a) => a.startsWith(tag))).length >= 3);
    const to = got.filter((x) => x.to.some((a) => a.startsWith(tag))).map((x) => x.to[0]);
    expect(to.sort()).toEqual([2, 3, 4].map((i) => `${tag}-lead${i}@example.com`));
    db.close();
  });

  it('a claim left by a killed process becomes unknown, and --resolve-unknown settles it from the Sent folder', async () => {
    const db = freshDb();
    const tag = `t3-${Date.now()}`;
    seedCampaign(db, { campaign: tag, leads: 2, email: (i) => `${tag}-lead${i}@example.com` });
    alice(db);
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    // Send both, then pretend the process died before committing: put them back to 'sending' under a dead pid.
    await runSend(db, adaptersFor(clock), { settings: testSettings(), secret: SECRET });
    const rows = db.sqlite.prepare(`SELECT id, message_id FROM messages ORDER BY id`).all() as { id: number; message_id: string }[];
    db.sqlite.prepare(`UPDATE messages SET state = 'sending', sent_at = NULL, claimed_by = ?, claimed_at = ? WHERE id = ?`).run(`${hostname()}:999999`, '2026-11-30T10:00:00.000Z', rows[0]!.id);
    // The second never reached the server: a claim with a Message-ID nobody has.
    // (another dead run: a process never has two messages on the wire)
    db.sqlite.prepare(`UPDATE messages SET state = 'sending', sent_at = NULL, message_id = ?, claimed_by = ?, claimed_at = ? WHERE id = ?`).run(`never-${tag}@test.local`, `${hostname()}:999998`, '2026-11-30T10:00:00.000Z', rows[1]!.id);
    // ...and undo the side effects of 'sent', as if the commit never happened.
    db.sqlite.exec(`UPDATE drafts SET status = 'approved'; UPDATE enrollments SET status = 'active', thread_message_id = NULL, mailbox_id = NULL; DELETE FROM events WHERE type = 'sent'`);
    const dead = adaptersFor(clock, (pid) => pid < 999998);
    await ms.waitFor(ms.users.alice, 'Sent', (m) => m.some((x) => x.messageId === `<${rows[0]!.message_id}>`));
    clock.set('2026-11-30T10:30:00Z');
    const r = await resolveUnknown(db, dead, { settleAfterMs: 60_000 });
    expect(r).toMatchObject({ staleToUnknown: 2, checked: 2, sent: 1, requeued: 1, stillUnknown: 0 });
    expect(messageStates(db)).toEqual({ sent: 1, queued: 1 });
    // The requeued one goes out with its Message-ID by the next run; the other is not sent again.
    const r2 = await runSend(db, dead, { settings: testSettings(), secret: SECRET });
    expect(r2.sent).toBe(1);
    expect(messageStates(db)).toEqual({ sent: 2 });
    const sink = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.filter((x) => x.to.some((a) => a.startsWith(tag))).length >= 3);
    const ids = sink.filter((x) => x.to.some((a) => a.startsWith(tag))).map((x) => x.messageId);
    expect(ids).toContain(`<never-${tag}@test.local>`);
    expect(new Set(ids).size).toBe(ids.length);
    db.close();
  });

  it('appends a copy to Sent for servers that keep none (append_sent)', async () => {
    const db = freshDb();
    const tag = `t4-${Date.now()}`;
    seedCampaign(db, { campaign: tag, leads: 1, email: (i) => `${tag}-lead${i}@example.com` });
    addTestMailbox(db, { name: 'bob', email: ms.users.bob.user, host: ms.host, port: ms.smtpPort, passwordEnv: 'BOB_PW', imapPort: ms.imapPort, appendSent: true });
    const r = await runSend(db, adaptersFor(new ManualClock('2026-11-30T10:00:00Z')), { settings: testSettings(), secret: SECRET });
    expect(r.sent).toBe(1);
    const mid = `<${r.sentMessages[0]!.messageId}>`;
    // One copy from the server (this stack keeps one, like Gmail) and one appended by us.
    const sent = await ms.waitFor(ms.users.bob, 'Sent', (m) => m.filter((x) => x.messageId === mid).length >= 2);
    expect(sent.filter((x) => x.messageId === mid)).toHaveLength(2);
    db.close();
  });
});
