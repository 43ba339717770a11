// `send --dry-run` shows what the real `send` would send now, including the follow-ups of a sequence whose
// out-of-office pause is over (the real run resumes it first), and changes nothing. Checked against the
// real run right after, on a scriptable SMTP server on loopback.
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { startFaultSmtp, type FaultSmtp } from '../helpers/fault-smtp.js';
import { tempDir } from '../helpers/cli.js';
import { seedCampaign, addTestMailbox, testSettings, openTestDb } from '../helpers/send-fixture.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { SmtpClient } from '../../src/adapters/smtp.js';
import { runSend, type SendAdapters } from '../../src/stages/send/index.js';
import { smtpConfigOf } from '../../src/stages/mailbox/index.js';

const t = tempDir('outreach-send-dryrun-');
let smtp: FaultSmtp | null = null;
afterAll(async () => {
  await smtp?.close();
  t.cleanup();
});
const SECRET = 's3cret';
const adapters = (clock: ManualClock): SendAdapters => ({
  clock,
  smtp: (m) => new SmtpClient({ ...smtpConfigOf(m, (n) => ({ PW: 'p' } as Record<string, string>)[n]), socketTimeoutMs: 5000 }),
  sentFolder: async () => null,
  isAlive: () => true,
  hostname: hostname(),
  pid: process.pid,
});

describe('send --dry-run', () => {
  it('shows the follow-ups of an out-of-office pause that is over, exactly as the real run then sends them', async () => {
    smtp = await startFaultSmtp({ users: { u: 'p' } });
    const db = openTestDb(join(t.dir, 'o.db'));
    const seeded = seedCampaign(db, { leads: 3, steps: [0, 1], email: (i) => `lead${i}@shop${i}.example` });
    addTestMailbox(db, { name: 'a', email: 'a@sender.test', host: smtp.host, port: smtp.port, user: 'u', passwordEnv: 'PW' });
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    expect(await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET })).toMatchObject({ sent: 3 });

    // Out-of-office replies paused lead0 until Wednesday 00:00 (over by Thursday) and lead1 until next Monday.
    const pause = db.sqlite.prepare(`UPDATE enrollments SET status = 'paused', stop_reason = 'out_of_office', paused_until = ? WHERE id = ?`);
    pause.run('2026-12-02T00:00:00.000Z', seeded.enrollments[0]!.id);
    pause.run('2026-12-07T00:00:00.000Z', seeded.enrollments[1]!.id);
    const snapshot = () => db.sqlite.prepare(`SELECT id, status, stop_reason, paused_until FROM enrollments ORDER BY id`).all();
    const before = snapshot();

    // Thursday: the follow-ups are due.
    clock.set('2026-12-03T10:00:00Z');
    const dry = await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET, dryRun: true });
    const wouldSend = dry.plan!.filter((p) => p.action === 'send').map((p) => p.to).sort();
    expect(wouldSend).toEqual(['lead0@shop0.example', 'lead2@shop2.example']);
    expect(dry.plan!.find((p) => p.to === 'lead0@shop0.example')!.reason).toMatch(/would resume/);
    // lead1's pause is not over: it waits, in the plan and in the real run.
    expect(dry.plan!.find((p) => p.to === 'lead1@shop1.example')).toBeUndefined();
    expect(dry.resumed).toBe(1);
    // A dry run changes nothing.
    expect(snapshot()).toEqual(before);
    expect(smtp.received).toHaveLength(3);

    const real = await runSend(db, adapters(clock), { settings: testSettings(), secret: SECRET });
    expect(real).toMatchObject({ resumed: 1, sent: 2 });
    expect(real.sentMessages.map((m) => m.to).sort()).toEqual(wouldSend);
    expect(smtp.received.slice(3).flatMap((m) => m.to).sort()).toEqual(wouldSend);
    db.close();
  });
});
