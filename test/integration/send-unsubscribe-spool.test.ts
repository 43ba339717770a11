// `send` never mails an address whose one-click unsubscribe is waiting in serve's spool (serve answered 200
// while another process held the database's write lock, then died before it could record it): the real
// `outreach serve` spools it, is killed, and the send stage (against a scriptable SMTP server on loopback)
// records it before mailing anyone; an unsubscribe spooled during a run is honoured by the next claim;
// --dry-run shows the spooled address as suppressed and changes nothing.
import { describe, it, expect, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { startFaultSmtp, type FaultSmtp } from '../helpers/fault-smtp.js';
import { tempDir } from '../helpers/cli.js';
import { seedCampaign, addTestMailbox, testSettings, openTestDb } from '../helpers/send-fixture.js';
import { startServeProcess, holdWriteLock, suppressionOf } from '../helpers/serve-process.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { SmtpClient } from '../../src/adapters/smtp.js';
import { runSend, type SendAdapters } from '../../src/stages/send/index.js';
import { smtpConfigOf } from '../../src/stages/mailbox/index.js';
import { makeUnsubscribeToken } from '../../src/domain/unsubscribe.js';

const t = tempDir('outreach-send-spool-');
const SECRET = 'send-spool-secret-0123456789';
const children: ChildProcess[] = [];
let smtp: FaultSmtp | null = null;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await smtp?.close();
  t.cleanup();
});

const adapters = (clock: ManualClock): SendAdapters => ({
  clock,
  smtp: (m) => new SmtpClient({ ...smtpConfigOf(m, (n) => ({ PW: 'p' } as Record<string, string>)[n]), socketTimeoutMs: 5000 }),
  sentFolder: async () => null,
  isAlive: () => true,
  hostname: hostname(),
  pid: process.pid,
});

describe('send honours unsubscribes spooled by serve', () => {
  it('never mails a spooled address: recorded at the start of the run, and again in each claim', async () => {
    const dbPath = join(t.dir, 'o.db');
    const spoolDir = `${dbPath}-unsubscribes`;
    const spoolFiles = () => (existsSync(spoolDir) ? readdirSync(spoolDir).filter((f) => f.endsWith('.json')) : []);
    // lead2's follow-up is refused only if it ever reaches the server with lead2 unsubscribed (see below).
    let spoolDuringRun: (() => void) | null = null;
    smtp = await startFaultSmtp({
      users: { u: 'p' },
      rcpt: (address) => {
        // While lead1's follow-up is being sent, lead2 unsubscribes (serve spools it: the database is busy).
        if (address === 'lead1@one.example' && spoolDuringRun) {
          spoolDuringRun();
          spoolDuringRun = null;
        }
        return undefined;
      },
    });
    const db = openTestDb(dbPath);
    const seeded = seedCampaign(db, { leads: 3, steps: [0, 1], email: (i) => `lead${i}@${['zero', 'one', 'two'][i]}.example` });
    addTestMailbox(db, { name: 'a', email: 'a@sender.test', host: smtp.host, port: smtp.port, user: 'u', passwordEnv: 'PW' });
    // Monday: the first emails go to all three.
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    expect(await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).toMatchObject({ sent: 3 });
    const firstOf = (email: string) => (db.sqlite.prepare(`SELECT message_id FROM messages WHERE to_email = ?`).get(email) as { message_id: string }).message_id;

    // lead0 clicks "unsubscribe" in its mail client while another process holds the write lock; serve answers
    // 200 (spooled) and is then killed before the lock is released: nobody has recorded it.
    const serve = await startServeProcess(dbPath, t.dir, SECRET, children);
    const holder = holdWriteLock(dbPath);
    const guard = setTimeout(() => holder.release(), 20_000); // without a spool, serve cannot answer until then
    let heldWhenAnswered: boolean;
    try {
      const r = await fetch(`${serve.url}/u/${makeUnsubscribeToken(SECRET, firstOf('lead0@zero.example'))}`, {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(r.status).toBe(200);
      heldWhenAnswered = holder.held();
      serve.child.kill('SIGKILL');
      await serve.exit;
    } finally {
      clearTimeout(guard);
      holder.release();
    }
    expect(heldWhenAnswered).toBe(true);
    expect(spoolFiles()).toHaveLength(1);
    expect(suppressionOf(dbPath, 'lead0@zero.example')).toBeUndefined();

    // Tuesday: the follow-ups are due. --dry-run already shows lead0 as unsubscribed, and changes nothing.
    clock.set('2026-12-01T10:00:00Z');
    const plan = (await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET, dryRun: true })).plan!;
    const row = (email: string) => plan.find((p) => p.to === email)!;
    expect(row('lead0@zero.example')).toMatchObject({ action: 'cancel', reason: expect.stringMatching(/unsubscribed/) });
    expect(row('lead1@one.example')).toMatchObject({ action: 'send' });
    expect(spoolFiles()).toHaveLength(1);
    expect(suppressionOf(dbPath, 'lead0@zero.example')).toBeUndefined();

    // The real run records the spooled unsubscribe before it mails anyone; lead2's, spooled while lead1's
    // follow-up is with the server, is honoured by the next claim.
    const { UnsubscribeSpool } = await import('../../src/stages/serve/spool.js');
    spoolDuringRun = () => new UnsubscribeSpool(spoolDir).add(firstOf('lead2@two.example'), 'one-click');
    const before = smtp.received.length;
    const r2 = await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET });
    const mailed = smtp.received.slice(before).flatMap((m) => m.to);
    expect(mailed).toEqual(['lead1@one.example']);
    expect(r2).toMatchObject({ sent: 1, spooledUnsubscribes: 1 });
    expect(suppressionOf(dbPath, 'lead0@zero.example')).toMatchObject({ reason: 'unsubscribed', source: 'serve' });
    expect(suppressionOf(dbPath, 'lead2@two.example')).toMatchObject({ reason: 'unsubscribed', source: 'serve' });
    const stopped = db.sqlite.prepare(`SELECT id, status FROM enrollments ORDER BY id`).all() as { id: number; status: string }[];
    expect(stopped.find((e) => e.id === seeded.enrollments[0]!.id)?.status).toBe('stopped');
    expect(stopped.find((e) => e.id === seeded.enrollments[2]!.id)?.status).toBe('stopped');
    expect(spoolFiles()).toHaveLength(0);
    // Nothing is left to send to them, ever.
    clock.set('2026-12-08T10:00:00Z');
    const before3 = smtp.received.length;
    await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET });
    expect(smtp.received.slice(before3)).toHaveLength(0);
    db.close();
  });
});
