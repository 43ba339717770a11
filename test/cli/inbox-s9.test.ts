// `outreach inbox sync` killed with SIGKILL after it committed WARM replies (review-s9-issue9 D4): the next run
// announces every one of them, exactly once: notified (webhook) and printed; with no notifier configured, printed.
// Real Postfix/Dovecot on loopback, the built CLI in a subprocess, a loopback webhook.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { startHttp, type HttpHandle } from '../helpers/http.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';

const warm = (n: number, domain = `shop${n}.example.com`, id = `warm-${n}@${domain}`) =>
  [
    `From: Ceo ${n} <ceo@${domain}>`,
    'To: alice@test.local',
    `Subject: Re: Quick question for Shop ${n}`,
    `Message-ID: <${id}>`,
    `In-Reply-To: <s9cli-out-${n}@test.local>`,
    'Date: Wed, 25 Nov 2026 10:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Yes, very interested! Send me pricing and let us talk on Thursday.',
    '',
  ].join('\r\n');

describe.skipIf(!mailstackAvailable() && !process.env.CI)('inbox sync killed after a commit (SIGKILL)', () => {
  let ms: Mailstack;
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let stuck: HttpHandle; // a webhook that never answers: the run hangs in its first notification
  let hook: HttpHandle;
  const stuckPosts: string[] = [];
  const posts: string[] = [];
  const q = (sql: string) => {
    const d = new Database(env.OUTREACH_DB!);
    try {
      return d.prepare(sql).all() as Record<string, unknown>[];
    } finally {
      d.close();
    }
  };

  beforeAll(async () => {
    ms = await startMailstack();
    tmp = tempDir('outreach-cli-inbox-s9-');
    env = { OUTREACH_DB: join(tmp.dir, 'o.db'), OUTREACH_SETTINGS: join(tmp.dir, 'none.yaml'), ANTHROPIC_API_KEY: '', AWS_BEARER_TOKEN_BEDROCK: '', ALICE_PW: ms.users.alice.pass, OUTREACH_NOTIFY_WEBHOOK_URL: '', OUTREACH_NOTIFY_COMMAND: '' };
    const m = await runCli(['db', 'migrate'], { env, cwd: tmp.dir });
    expect(m.code, m.stderr).toBe(0);
    const d = new Database(env.OUTREACH_DB!);
    d.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES ('main', ?, '127.0.0.1', '127.0.0.1', ?, 'none', ?, 'ALICE_PW')`).run(ms.users.alice.user, ms.imapPort, ms.users.alice.user);
    d.prepare(`INSERT INTO campaigns (name) VALUES ('c')`).run();
    for (let n = 1; n <= 12; n++) {
      d.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`shop${n}.example.com`);
      d.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `ceo@shop${n}.example.com`);
      d.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id) VALUES (1, ?, ?, 1)`).run(n, n);
      d.prepare(`INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, mailbox_id, to_email, subject, message_id, state) VALUES (?, ?, ?, 1, 1, ?, ?, ?, 'sent')`).run(n, n, n, `ceo@shop${n}.example.com`, `Quick question for Shop ${n}`, `s9cli-out-${n}@test.local`);
    }
    d.close();
    stuck = await startHttp(async (req) => {
      let body = '';
      for await (const c of req) body += c;
      stuckPosts.push(JSON.parse(body).reply.messageId);
      // never answers
    });
    hook = await startHttp(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      posts.push(JSON.parse(body).reply.messageId);
      res.end('ok');
    });
  }, 120_000);
  afterAll(async () => {
    await stuck?.close();
    await hook?.close();
    await ms?.stop();
    tmp?.cleanup();
  });

  /** Runs `inbox sync` with the stuck webhook and SIGKILLs it once it hangs in a notification (after its commits). */
  async function syncKilledInNotification(): Promise<{ stdout: string }> {
    const before = stuckPosts.length;
    const child = spawn(process.execPath, [BIN, 'inbox', 'sync'], { cwd: tmp.dir, env: { ...process.env, NO_COLOR: '1', ...env, OUTREACH_NOTIFY_WEBHOOK_URL: `${stuck.url}/hook` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (b) => (stdout += b));
    const exited = new Promise<string | null>((ok) => child.on('exit', (_code, signal) => ok(signal)));
    const deadline = Date.now() + 30_000;
    while (stuckPosts.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(stuckPosts.length).toBeGreaterThan(before);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    return { stdout };
  }

  it('with a webhook: the next run notifies and prints every WARM reply the killed run committed, once', async () => {
    for (const n of [1, 2, 3, 4, 5]) await ms.deliver(warm(n), ms.users.alice.user);
    await ms.deliver(warm(99, 'nolead-vendor.example', 'warm-stranger@nolead-vendor.example'), ms.users.alice.user);
    await ms.append(ms.users.alice, 'Junk', warm(6));
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 6);

    const killed = await syncKilledInNotification();
    expect(killed.stdout).toBe(''); // killed before it printed anything
    // INBOX was committed (its WARM replies stored), none of them announced.
    const stored = q(`SELECT message_id, lead_id, notified_at FROM inbound WHERE label = 'WARM' ORDER BY id`);
    expect(stored.map((r) => r.message_id)).toEqual([1, 2, 3, 4, 5].map((n) => `warm-${n}@shop${n}.example.com`).concat('warm-stranger@nolead-vendor.example'));
    expect(stored.every((r) => r.notified_at === null)).toBe(true);

    const next = await runCli(['inbox', 'sync'], { env: { ...env, OUTREACH_NOTIFY_WEBHOOK_URL: `${hook.url}/hook` }, cwd: tmp.dir });
    expect(next.code, next.stderr).toBe(0);
    const leadIds = [1, 2, 3, 4, 5, 6].map((n) => `warm-${n}@shop${n}.example.com`);
    // Each lead's WARM reply notified exactly once (the earlier run's five, and the one in Junk this run stored).
    expect(posts.slice().sort()).toEqual(leadIds.slice().sort());
    const lines = next.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    for (const n of [1, 2, 3, 4, 5]) expect(next.stdout).toMatch(new RegExp(`^WARM reply from ceo@shop${n}\\.example\\.com \\(shop${n}\\.example\\.com\\): .*\\[stored by an earlier run that was stopped before announcing it\\]$`, 'm'));
    expect(next.stdout).toMatch(/^WARM reply from ceo@shop6\.example\.com \(shop6\.example\.com\): "Re: Quick question for Shop 6" \(\d+%\): [^[]*$/m);
    // Mail from someone who is no lead: printed as such, never notified.
    expect(next.stdout).toMatch(/^WARM reply from ceo@nolead-vendor\.example \(not a lead: no lead matched; not notified\): .*earlier run/m);
    expect(q(`SELECT COUNT(*) AS n FROM inbound WHERE label = 'WARM' AND notified_at IS NULL`)).toEqual([{ n: 0 }]);

    // Nothing is announced twice.
    const third = await runCli(['inbox', 'sync', '--json'], { env: { ...env, OUTREACH_NOTIFY_WEBHOOK_URL: `${hook.url}/hook` }, cwd: tmp.dir });
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ warm: [], notified: 0 });
    expect(posts).toHaveLength(6);
  }, 90_000);

  it('with no notifier configured: the next run prints what the killed run committed (announced by printing), once', async () => {
    for (const n of [7, 8]) await ms.deliver(warm(n), ms.users.alice.user);
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 8);
    await syncKilledInNotification();
    expect(q(`SELECT message_id FROM inbound WHERE label = 'WARM' AND notified_at IS NULL ORDER BY id`).map((r) => r.message_id)).toEqual(['warm-7@shop7.example.com', 'warm-8@shop8.example.com']);

    const next = await runCli(['inbox', 'sync', '--json'], { env, cwd: tmp.dir });
    expect(next.code, next.stderr).toBe(0);
    const j = JSON.parse(next.stdout);
    expect(j.warm.map((w: { message_id: string; earlier: boolean; lead: string }) => [w.message_id, w.earlier, w.lead])).toEqual([
      ['warm-7@shop7.example.com', true, 'shop7.example.com'],
      ['warm-8@shop8.example.com', true, 'shop8.example.com'],
    ]);
    expect(q(`SELECT COUNT(*) AS n FROM inbound WHERE label = 'WARM' AND notified_at IS NULL`)).toEqual([{ n: 0 }]);
    const quiet = await runCli(['inbox', 'sync'], { env, cwd: tmp.dir });
    expect(quiet).toMatchObject({ code: 0, stdout: '' });
    expect(posts).toHaveLength(6);
  }, 90_000);
});
