// The crash test of `outreach send`: 500 messages, the real `outreach send` process killed with SIGKILL at
// 20 random moments and restarted each time, against the loopback Postfix + Dovecot. Then
// `send --resolve-unknown` settles what the kills left unknown from the Sent folder, and a last `send`
// sends what never reached the server. What arrived is counted by Message-ID over IMAP:
// 0 duplicates, 0 lost, no more unknown than kills. Ends with one line of counts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { seedCampaign, openTestDb, addTestMailbox, sendSettingsYaml } from '../helpers/send-fixture.js';

const MESSAGES = Number(process.env.CRASH_MESSAGES ?? 500);
const KILLS = Number(process.env.CRASH_KILLS ?? 20);

const YAML = sendSettingsYaml('alice@test.local');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!mailstackAvailable() && !process.env.CI)('send survives SIGKILL at random moments', () => {
  let ms: Mailstack;
  const t = tempDir('outreach-crash-');
  const dbPath = join(t.dir, 'crash.db');
  let env: Record<string, string>;
  beforeAll(async () => {
    ms = await startMailstack();
    writeFileSync(join(t.dir, 'outreach.yaml'), YAML);
    env = { OUTREACH_DB: dbPath, OUTREACH_SECRET: 'crash-secret', ALICE_PW: ms.users.alice.pass, NO_COLOR: '1' };
    const db = openTestDb(dbPath);
    seedCampaign(db, { campaign: 'crash', leads: MESSAGES, email: (i) => `lead${i}@crash${i % 37}.example` });
    addTestMailbox(db, { name: 'alice', email: ms.users.alice.user, host: ms.host, port: ms.smtpPort, passwordEnv: 'ALICE_PW', imapPort: ms.imapPort, dailyCap: 100_000 });
    db.close();
  });
  afterAll(async () => {
    await ms?.stop();
    t.cleanup();
  });

  const sentCount = (): number => {
    const db = openTestDb(dbPath);
    try {
      return (db.sqlite.prepare(`SELECT COUNT(*) AS n FROM messages WHERE state = 'sent'`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it(`${MESSAGES} messages, ${KILLS} kills: 0 duplicates, 0 lost, unknown ≤ kills`, async () => {
    let kills = 0;
    let runs = 0;
    let seed = 20261128;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    while (kills < KILLS) {
      runs++;
      const before = sentCount();
      if (before >= MESSAGES) break;
      const child = spawn(process.execPath, [BIN, 'send'], { cwd: t.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // Kill at a random moment once it is sending: wait for its first commit, then a random delay.
      const t0 = Date.now();
      let done = false;
      void exited.then(() => (done = true));
      while (!done && sentCount() === before && Date.now() - t0 < 30_000) await sleep(20);
      // Up to 150 ms: a run sends about a dozen messages before its kill, so all the kills land well before the
      // queue runs out (with 400 ms, a fast machine emptied the queue first and the loop spun to the timeout).
      await sleep(Math.floor(rand() * 150));
      if (!done) {
        child.kill('SIGKILL');
        kills++;
      }
      const code = await exited;
      if (!done && code !== null) expect.fail(`send exited on its own with ${code}: ${stderr}`);
      // A run that ended by itself without sending anything: nothing is left to send (only unknowns).
      if (done && sentCount() === before) break;
    }
    // Let the last runs finish the queue without kills.
    for (let i = 0; i < 3 && sentCount() < MESSAGES; i++) {
      const r = await runCli(['send'], { cwd: t.dir, env, timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
    }
    // Everything Postfix accepted reaches Dovecot (and its Sent copy) before we look.
    for (let i = 0; i < 200 && ms.queueSize() > 0; i++) await sleep(100);
    const db = openTestDb(dbPath);
    const unknownEvents = (db.sqlite.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'unknown'`).get() as { n: number }).n;
    const unknownBefore = (db.sqlite.prepare(`SELECT COUNT(*) AS n FROM messages WHERE state IN ('unknown','sending')`).get() as { n: number }).n;
    db.close();
    const resolve = await runCli(['send', '--resolve-unknown', '--settle-after', '0', '--json'], { cwd: t.dir, env, timeoutMs: 300_000 });
    expect(resolve.code, resolve.stderr).toBe(0);
    const settled = JSON.parse(resolve.stdout) as { checked: number; sent: number; requeued: number; stillUnknown: number };
    expect(settled.stillUnknown).toBe(0);
    const last = await runCli(['send'], { cwd: t.dir, env, timeoutMs: 300_000 });
    expect(last.code, last.stderr).toBe(0);
    for (let i = 0; i < 200 && ms.queueSize() > 0; i++) await sleep(100);

    const db2 = openTestDb(dbPath);
    const states = db2.sqlite.prepare(`SELECT state, COUNT(*) AS n FROM messages GROUP BY state`).all() as { state: string; n: number }[];
    const ids = new Set((db2.sqlite.prepare(`SELECT message_id FROM messages`).all() as { message_id: string }[]).map((r) => `<${r.message_id}>`));
    const draftsSent = (db2.sqlite.prepare(`SELECT COUNT(*) AS n FROM drafts WHERE status = 'sent'`).get() as { n: number }).n;
    db2.close();
    const inbox = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.length >= MESSAGES, 30_000);
    const seen = new Map<string, number>();
    for (const m of inbox) if (m.messageId) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
    const delivered = [...seen.keys()].filter((id) => ids.has(id)).length;
    const duplicates = [...seen.values()].reduce((a, n) => a + (n - 1), 0);
    const deliveredLeads = new Set(inbox.map((m) => m.to[0]));
    const lost = MESSAGES - deliveredLeads.size;
    const unknown = Math.max(unknownEvents, unknownBefore);
    console.log(`crash test: messages=${MESSAGES} delivered=${delivered} duplicates=${duplicates} lost=${lost} unknown=${unknown} kills=${kills} (runs=${runs}, resolved sent=${settled.sent} requeued=${settled.requeued})`);
    expect(kills, `the queue ran out after ${kills} kills (runs=${runs}): too few messages for the kills`).toBe(KILLS);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(delivered).toBe(MESSAGES);
    expect(unknown).toBeLessThanOrEqual(kills);
    expect(states).toEqual([{ state: 'sent', n: MESSAGES }]);
    expect(draftsSent).toBe(MESSAGES);
  });
});
