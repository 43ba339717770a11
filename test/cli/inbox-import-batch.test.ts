// `outreach inbox import` of a large mbox commits in batches (offline): a process killed mid-import loses
// nothing and doubles nothing. The next import stores exactly what the first did not, and each reply's
// effects (events, the lead's stage, suppressions) happen once.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { withReadOnlyDb } from '../helpers/db.js';

const N = 3000;
const LEADS = 300;

function mbox(): string {
  const out: string[] = [];
  for (let i = 0; i < N; i++) {
    const lead = (i % LEADS) + 1;
    const unsub = i % 10 === 3;
    out.push(
      `From owner${lead}@shop${lead}.example Mon Mar  2 10:00:00 2026\n` +
        `From: Owner ${lead} <owner${lead}@shop${lead}.example>\nTo: sam@acme.test\nSubject: Re: Quick question\n` +
        `Message-ID: <r${i}@shop${lead}.example>\nIn-Reply-To: <out-${lead}@acme.test>\nDate: Mon, 02 Mar 2026 10:00:00 +0000\n\n` +
        (unsub ? 'Please remove me from your list.\n' : i % 2 ? 'Interesting, what does it cost for us? Can we talk next week?\n' : 'Not interested, thanks.\n') +
        `\nOwner ${lead}\n`,
    );
  }
  return out.join('\n');
}

function seed(path: string): void {
  const d = new Database(path);
  d.exec(`INSERT INTO campaigns (name) VALUES ('c')`);
  const lead = d.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`);
  const contact = d.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`);
  const enr = d.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, thread_message_id) VALUES (1, ?, ?, ?)`);
  const msg = d.prepare(`INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, to_email, subject, message_id, state) VALUES (?, ?, ?, 1, ?, 'Quick question', ?, 'sent')`);
  d.transaction(() => {
    for (let n = 1; n <= LEADS; n++) {
      lead.run(`shop${n}.example`);
      contact.run(n, `owner${n}@shop${n}.example`);
      enr.run(n, n, `out-${n}@acme.test`);
      msg.run(n, n, n, `owner${n}@shop${n}.example`, `out-${n}@acme.test`);
    }
  })();
  d.close();
}

describe('inbox import: killed mid-import', () => {
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  beforeAll(async () => {
    tmp = tempDir('outreach-cli-inbox-batch-');
    env = { OUTREACH_DB: join(tmp.dir, 'o.db'), OUTREACH_SETTINGS: join(tmp.dir, 'none.yaml'), ANTHROPIC_API_KEY: '' };
    expect((await runCli(['db', 'migrate'], { env, cwd: tmp.dir })).code).toBe(0);
    seed(env.OUTREACH_DB!);
    writeFileSync(join(tmp.dir, 'big.mbox'), mbox());
  });
  afterAll(() => tmp.cleanup());

  it('a kill -9 after the first batch committed: the next import stores the rest once, with effects once', async () => {
    const count = () => withReadOnlyDb(env.OUTREACH_DB!, (d) => d.prepare('SELECT count(*) FROM inbound').pluck().get() as number);
    const child = spawn(process.execPath, [BIN, 'inbox', 'import', join(tmp.dir, 'big.mbox')], { cwd: tmp.dir, env: { ...process.env, ...env }, stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let killedAt = -1;
    // Polls the database until a first batch is in, then kills the import without warning.
    for (let i = 0; i < 2000 && child.exitCode === null; i++) {
      const n = count();
      if (n > 0) {
        child.kill('SIGKILL');
        killedAt = n;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await exited;
    const afterKill = count();
    // Killed after its first batch (1,000 messages or 1 s) and long before its last: what was committed is whole.
    expect(killedAt).toBeGreaterThan(0);
    expect(afterKill).toBeGreaterThanOrEqual(killedAt);
    expect(afterKill).toBeLessThan(N);

    const r = await runCli(['inbox', 'import', join(tmp.dir, 'big.mbox'), '--json'], { env, cwd: tmp.dir });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { stored: number; duplicates: number };
    expect(s.stored + s.duplicates).toBe(N);
    expect(s.stored).toBe(N - afterKill);

    withReadOnlyDb(env.OUTREACH_DB!, (d) => {
      expect(d.prepare('SELECT count(*), count(DISTINCT message_id) FROM inbound').raw().get()).toEqual([N, N]);
      // one `replied`/`unsubscribed` event per stored message of those kinds, never two
      const events = d.prepare(`SELECT count(*) FROM events WHERE type IN ('replied', 'unsubscribed')`).pluck().get() as number;
      const labelled = d.prepare(`SELECT count(*) FROM inbound WHERE label IN ('WARM', 'COLD', 'NEUTRAL', 'UNSUBSCRIBE')`).pluck().get() as number;
      expect(labelled).toBe(N);
      expect(events).toBe(N);
      // every lead asked to be removed (one message in ten) is suppressed exactly once
      expect(d.prepare(`SELECT count(*) FROM suppressions WHERE kind = 'email'`).pluck().get()).toBe(LEADS / 10);
    });
  }, 120_000);
});
