// The send stage against a scriptable SMTP server (smtp-server): temporary failures defer with backoff,
// a recipient refused with 5xx is a hard bounce (suppressed), a connection cut after DATA is unknown
// (never resent), a slow server is waited for, and a refused login stops only that mailbox.
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { startFaultSmtp, type FaultSmtp } from '../helpers/fault-smtp.js';
import { tempDir } from '../helpers/cli.js';
import { seedCampaign, addTestMailbox, testSettings, openTestDb, messageStates } from '../helpers/send-fixture.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { SmtpClient } from '../../src/adapters/smtp.js';
import { runSend, recoverStaleClaims, type SendAdapters } from '../../src/stages/send/index.js';
import { smtpConfigOf } from '../../src/stages/mailbox/index.js';
import { findSuppression, addSuppression } from '../../src/db/suppressions.js';
import type { Db } from '../../src/db/open.js';

const t = tempDir();
const servers: FaultSmtp[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  t.cleanup();
});

const adapters = (clock: ManualClock): SendAdapters => ({
  clock,
  smtp: (m) => new SmtpClient({ ...smtpConfigOf(m, (n) => ({ PW: 'p', BAD: 'wrong' } as Record<string, string>)[n]), socketTimeoutMs: 5000 }),
  sentFolder: async () => null,
  isAlive: () => true,
  hostname: hostname(),
  pid: process.pid,
});
let n = 0;
const fresh = (): Db => openTestDb(join(t.dir, `faults-${++n}.db`));
const start = async (o: Parameters<typeof startFaultSmtp>[0] = {}) => {
  const s = await startFaultSmtp({ users: { u: 'p' }, ...o });
  servers.push(s);
  return s;
};
const box = (db: Db, s: FaultSmtp, name = 'a', pwEnv = 'PW') =>
  addTestMailbox(db, { name, email: `${name}@sender.test`, host: s.host, port: s.port, user: 'u', passwordEnv: pwEnv });
const SECRET = 's3cret';

describe('send against a faulty SMTP server', () => {
  it('defers on 4xx with backoff and sends on a later attempt, keeping the Message-ID', async () => {
    let tries = 0;
    const s = await start({ rcpt: () => (++tries <= 2 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : 'accept') });
    const db = fresh();
    seedCampaign(db, { leads: 1 });
    box(db, s);
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    const r1 = await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET });
    expect(r1).toMatchObject({ sent: 0, deferred: 1 });
    const m1 = db.sqlite.prepare(`SELECT * FROM messages`).get() as Record<string, string | number>;
    expect(m1.state).toBe('deferred');
    expect(m1.last_error).toMatch(/451 4\.7\.1 Greylisted/);
    expect(m1.next_attempt_at).toBe('2026-11-30T10:05:00.000Z');
    // Not due yet: nothing happens.
    clock.set('2026-11-30T10:04:00Z');
    expect((await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).deferred).toBe(0);
    clock.set('2026-11-30T10:06:00Z');
    expect((await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).deferred).toBe(1);
    expect((db.sqlite.prepare(`SELECT next_attempt_at FROM messages`).get() as { next_attempt_at: string }).next_attempt_at).toBe('2026-11-30T10:16:00.000Z');
    clock.set('2026-11-30T10:20:00Z');
    expect((await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).sent).toBe(1);
    const m2 = db.sqlite.prepare(`SELECT * FROM messages`).get() as Record<string, string | number>;
    expect(m2).toMatchObject({ state: 'sent', attempts: 3, message_id: m1.message_id });
    expect(s.accepted().map((x) => x.messageId)).toEqual([m1.message_id]);
    db.close();
  });

  it('an out-of-office pause holds a deferred message until it ends (never cancels it), and send resumes the pause itself', async () => {
    let tries = 0;
    const s = await start({ rcpt: () => (++tries <= 1 ? { code: 451, message: '4.7.1 Try again later' } : 'accept') });
    const db = fresh();
    const seeded = seedCampaign(db, { leads: 1 });
    box(db, s);
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    expect(await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).toMatchObject({ deferred: 1 });
    const id = (db.sqlite.prepare(`SELECT message_id FROM messages`).get() as { message_id: string }).message_id;
    // An out-of-office reply paused the sequence (what the inbox does) until Wednesday.
    db.sqlite
      .prepare(`UPDATE enrollments SET status = 'paused', stop_reason = 'out_of_office', paused_until = '2026-12-02T00:00:00.000Z' WHERE id = ?`)
      .run(seeded.enrollments[0]!.id);
    clock.set('2026-11-30T10:06:00Z'); // the retry is due, the pause is not over
    expect(await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).toMatchObject({ sent: 0, cancelled: 0, resumed: 0 });
    expect(db.sqlite.prepare(`SELECT state, last_error FROM messages`).get()).toMatchObject({ state: 'deferred' });
    // Wednesday: send itself resumes the pause (no inbox sync ran) and the message goes, with its Message-ID.
    clock.set('2026-12-02T10:00:00Z');
    expect(await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).toMatchObject({ sent: 1, cancelled: 0, resumed: 1 });
    expect(db.sqlite.prepare(`SELECT state, message_id FROM messages`).get()).toEqual({ state: 'sent', message_id: id });
    const types = (db.sqlite.prepare(`SELECT type FROM events WHERE lead_id = ? ORDER BY id`).all(seeded.enrollments[0]!.leadId) as { type: string }[]).map((x) => x.type);
    expect(types).toContain('resumed');
    db.close();
  });

  it('records a hard bounce for a recipient refused with 5xx, suppresses it, and goes on with the others', async () => {
    const s = await start();
    const db = fresh();
    const seeded = seedCampaign(db, { leads: 3, steps: [0, 1], email: (i) => (i === 1 ? 'reject-me@gone.example' : `ok${i}@fine.example`) });
    box(db, s);
    const r = await runSend(db, adapters(new ManualClock('2026-11-30T10:00:00Z')), { settings: testSettings(), secret: SECRET });
    expect(r).toMatchObject({ sent: 2, failed: 1, bounced: 1 });
    expect(findSuppression(db, 'reject-me@gone.example')).toMatchObject({ reason: 'bounced' });
    const lead = db.sqlite.prepare(`SELECT stage FROM leads WHERE id = ?`).get(seeded.enrollments[1]!.leadId) as { stage: string };
    expect(lead.stage).toBe('bounced');
    const e = db.sqlite.prepare(`SELECT status, stop_reason FROM enrollments WHERE id = ?`).get(seeded.enrollments[1]!.id);
    expect(e).toEqual({ status: 'stopped', stop_reason: 'bounced' });
    const types = (db.sqlite.prepare(`SELECT type FROM events WHERE lead_id = ? ORDER BY id`).all(seeded.enrollments[1]!.leadId) as { type: string }[]).map((x) => x.type);
    expect(types).toEqual(['queued', 'failed', 'bounced']);
    db.close();
  });

  it('a connection dropped after DATA makes the message unknown, and it is never resent blindly', async () => {
    const s = await start();
    const db = fresh();
    seedCampaign(db, { leads: 2, email: (i) => (i === 0 ? 'drop-me@x.example' : 'fine@y.example') });
    box(db, s);
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    const r = await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET });
    expect(r).toMatchObject({ unknown: 1, sent: 1 });
    expect(messageStates(db)).toEqual({ unknown: 1, sent: 1 });
    // The server does have it: that is why it must not be sent again.
    expect(s.received.filter((m) => m.outcome === 'dropped')).toHaveLength(1);
    clock.set('2026-12-01T10:00:00Z');
    const again = await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET });
    expect(again).toMatchObject({ sent: 0, unknown: 0 });
    expect(s.received.filter((m) => m.to.includes('drop-me@x.example'))).toHaveLength(1);
    db.close();
  });

  it('waits for a slow server', async () => {
    const s = await start({ allSlowMs: 1200 });
    const db = fresh();
    seedCampaign(db, { leads: 2 });
    box(db, s);
    const r = await runSend(db, adapters(new ManualClock('2026-11-30T10:00:00Z')), { settings: testSettings(), secret: SECRET });
    expect(r.sent).toBe(2);
    db.close();
  });

  it('a refused login stops that mailbox with a clear message; the other mailbox goes on', async () => {
    const good = await start();
    const bad = await start({ authFail: true });
    const db = fresh();
    seedCampaign(db, { leads: 4 });
    const badId = box(db, bad, 'bad', 'BAD');
    box(db, good, 'good');
    // Make the bad mailbox the first choice of the rotation.
    db.sqlite.prepare(`UPDATE mailboxes SET daily_cap = 5000 WHERE id = ?`).run(badId);
    const r = await runSend(db, adapters(new ManualClock('2026-11-30T10:00:00Z')), { settings: testSettings(), secret: SECRET });
    expect(r.sent).toBe(4);
    expect(r.mailboxProblems).toHaveLength(1);
    expect(r.mailboxProblems[0]!.mailbox).toBe('bad');
    expect(r.mailboxProblems[0]!.problem).toMatch(/SMTP login refused: 535 5\.7\.8.*auth_failed.*outreach mailbox test bad/);
    const mb = db.sqlite.prepare(`SELECT status, status_reason FROM mailboxes WHERE id = ?`).get(badId) as { status: string; status_reason: string };
    expect(mb.status).toBe('auth_failed');
    expect(good.accepted()).toHaveLength(4);
    expect(bad.accepted()).toHaveLength(0);
    expect(messageStates(db)).toEqual({ sent: 4 });
    // Next run: the stopped mailbox is not tried again.
    const before = bad.stats.auths;
    seedCampaign(db, { campaign: 'second', leads: 1 });
    await runSend(db, adapters(new ManualClock('2026-11-30T11:00:00Z')), { settings: testSettings(), secret: SECRET });
    expect(bad.stats.auths).toBe(before);
    db.close();
  });

  it('spaces messages with random gaps and keeps to the per-domain limit', async () => {
    const s = await start();
    const db = fresh();
    seedCampaign(db, { leads: 4, email: (i) => `p${i}@same.example` });
    box(db, s);
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    const r = await runSend(db, adapters(clock), {
      settings: testSettings({ min_gap_seconds: 60, max_gap_seconds: 120, per_domain_per_hour: 3 }),
      secret: SECRET,
      until: new Date('2026-11-30T10:30:00Z'),
    });
    expect(r.sent).toBe(3);
    const times = (db.sqlite.prepare(`SELECT sent_at FROM messages WHERE state = 'sent' ORDER BY sent_at`).all() as { sent_at: string }[]).map((x) => Date.parse(x.sent_at));
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(60_000);
      expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(121_000);
    }
    expect(messageStates(db)).toEqual({ sent: 3 });
    db.close();
  });

  it('an unsubscribe committed while messages are claimed ahead stops the one to that address (checked when it starts)', async () => {
    let db!: Db;
    let seeded!: ReturnType<typeof seedCampaign>;
    // While the server takes the second message, the fourth recipient unsubscribes (the send has already
    // claimed it ahead, pacing being off); the clock has not moved, so no time-based re-check would catch it.
    const s = await start({
      rcpt: (_address, count) => {
        if (count === 2) addSuppression(db, { kind: 'email', value: seeded.enrollments[3]!.email, reason: 'unsubscribed', source: 'test' });
        return 'accept';
      },
    });
    db = fresh();
    seeded = seedCampaign(db, { leads: 6 });
    box(db, s);
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    const r = await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET });
    const to = s.accepted().flatMap((m) => m.to);
    expect(to).toHaveLength(5);
    expect(to).not.toContain(seeded.enrollments[3]!.email);
    expect(r.sent).toBe(5);
    expect(messageStates(db).sent).toBe(5);
    db.close();
  });
});

describe('claims left by a stopped run', () => {
  it('the started claim becomes unknown, claims still marked ahead go back to the queue; after a reboot all are unknown', async () => {
    const s = await start();
    const db = fresh();
    seedCampaign(db, { leads: 6 });
    box(db, s);
    await runSend(db, adapters(new ManualClock('2026-11-30T10:00:00Z')), { settings: testSettings(), secret: SECRET });
    const ids = (db.sqlite.prepare(`SELECT id FROM messages ORDER BY id`).all() as { id: number }[]).map((r) => r.id);
    const claim = db.sqlite.prepare(`UPDATE messages SET state = 'sending', sent_at = NULL, claimed_by = ?, claimed_at = ? WHERE id = ?`);
    const h = hostname();
    claim.run(`${h}:900001:boot-a`, '2026-11-30T10:00:00.000Z', ids[0]); // alone
    claim.run(`${h}:900002:boot-a`, '2026-11-30T10:00:00.000Z', ids[1]); // on the wire
    claim.run(`${h}:900002:boot-a:ahead`, '2026-11-30T10:00:00.005Z', ids[2]); // claimed ahead, never started
    claim.run(`${h}:900002:boot-a:ahead`, '2026-11-30T10:00:00.005Z', ids[5]); // same batch
    claim.run(`${h}:900003:boot-old`, '2026-11-30T10:00:00.000Z', ids[3]); // before a reboot: the ahead mark may be stale, both unknown
    claim.run(`${h}:900003:boot-old:ahead`, '2026-11-30T10:00:00.005Z', ids[4]);
    const n = recoverStaleClaims(db, { clock: new ManualClock('2026-11-30T10:01:00Z'), hostname: h, bootId: 'boot-a', isAlive: (pid) => pid < 900000 }, {});
    expect(n).toBe(4);
    const st = (db.sqlite.prepare(`SELECT state FROM messages ORDER BY id`).all() as { state: string }[]).map((r) => r.state);
    expect(st).toEqual(['unknown', 'unknown', 'queued', 'unknown', 'unknown', 'queued']);
    // A live claimer is left alone.
    claim.run(`${h}:${process.pid}:boot-a`, '2026-11-30T10:00:00.000Z', ids[2]);
    expect(recoverStaleClaims(db, { clock: new ManualClock('2026-11-30T12:00:00Z'), hostname: h, bootId: 'boot-a', isAlive: (pid) => pid === process.pid }, {})).toBe(0);
    db.close();
  });
});
