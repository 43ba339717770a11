// Session 10 review of issue 9, the WARM-reply notifiers (real SQLite, real loopback HTTP servers, a real
// command, and the built CLI in a subprocess):
// - D3: mail-derived text in the Slack `text` is escaped (`&`, `<`, `>`): a reply cannot ping @here/@channel or
//   show a disguised link; the raw `reply` object is posted unchanged, and Slack is told to link no names and
//   unfurl nothing.
// - D4: a webhook that never answers (or fails twice in a row) is turned off for the rest of the run: one call,
//   not one per pending reply; the replies stay pending and the next run notifies them; the run says so once.
// - D5: the notify command gets a minimal environment, never outreach's secrets.
import { describe, it, expect, beforeEach, afterEach, beforeAll, afterAll } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { importMail, syncInbox, SYNC_LOCK } from '../../src/stages/inbox/index.js';
import { acquireLock, releaseLock } from '../../src/stages/inbox/lock.js';
import { createNotifier, COMMAND_ENV, REPLY_ENV, type ReplySummary } from '../../src/adapters/notify.js';
import { startHttp, type HttpHandle } from '../helpers/http.js';
import { runCli, tempDir } from '../helpers/cli.js';

const NOW = () => new Date('2026-03-02T12:00:00Z');
const base = { classifier: null, now: NOW, softBounceLimit: 3 };
let tmp: { dir: string; cleanup: () => void };
let db: Db;
let dbFile: string;

/** Six leads with a contact, an active enrollment and one sent message each (and a mailbox whose password is BOB_PW). */
function seed(d: Db) {
  const q = d.sqlite;
  q.prepare(`INSERT INTO mailboxes (name, email, smtp_host, smtp_password_env, imap_password_env) VALUES ('main', 'sam@acme.test', '127.0.0.1', 'BOB_PW', 'BOB_IMAP_PW')`).run();
  q.prepare(`INSERT INTO campaigns (name) VALUES ('spring')`).run();
  q.prepare(`INSERT INTO steps (campaign_id, position) VALUES (1, 1)`).run();
  for (const n of [1, 2, 3, 4, 5, 6]) {
    q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`store${n}.example`);
    q.prepare(`INSERT INTO contacts (lead_id, email, is_primary) VALUES (?, ?, 1)`).run(n, `person${n}@store${n}.example`);
    q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id, thread_message_id) VALUES (1, ?, ?, 1, ?)`).run(n, n, `out-${n}@acme.test`);
    q.prepare(
      `INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, step_id, mailbox_id, to_email, from_email, subject, message_id, state, sent_at)
       VALUES (?, ?, ?, 1, 1, 1, ?, 'sam@acme.test', 'Quick question', ?, 'sent', '2026-03-02T09:00:00Z')`,
    ).run(n, n, n, `person${n}@store${n}.example`, `out-${n}@acme.test`);
  }
}

/** A reply of lead n (threaded by In-Reply-To) written to DIR/NAME. */
function reply(dir: string, n: number, body: string, subject = 'Re: Quick question', id = `warm-${n}`): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${id}.eml`);
  const h = [
    `From: Person ${n} <person${n}@store${n}.example>`,
    'To: sam@acme.test',
    `Subject: ${subject}`,
    'Date: Mon, 02 Mar 2026 10:00:00 +0000',
    `Message-ID: <${id}@store${n}.example>`,
    `In-Reply-To: <out-${n}@acme.test>`,
    'Content-Type: text/plain; charset=utf-8',
  ];
  writeFileSync(path, h.join('\r\n') + '\r\n\r\n' + body.replace(/\n/g, '\r\n') + '\r\n');
  return path;
}

/** A folder of WARM replies from leads 1..n. */
function warmFolder(name: string, n: number): string {
  const dir = join(tmp.dir, name);
  for (let i = 1; i <= n; i++) reply(dir, i, 'Yes, we are interested! Please call me on Thursday to talk pricing.');
  return dir;
}

const pending = () =>
  db.sqlite.prepare(`SELECT message_id, notify_error FROM inbound WHERE label = 'WARM' AND notified_at IS NULL ORDER BY id`).all() as { message_id: string; notify_error: string | null }[];

// The webhooks: one that answers 200 (and records each POST), one that answers 500, one that accepts and never answers.
let ok: HttpHandle;
let fail: HttpHandle;
let hang: HttpHandle;
const posts: any[] = [];
const hits = { fail: 0, hang: 0 };
beforeAll(async () => {
  ok = await startHttp(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    posts.push(JSON.parse(body));
    res.end('ok');
  });
  fail = await startHttp(async (req, res) => {
    for await (const _ of req);
    hits.fail++;
    res.statusCode = 500;
    res.end('oops');
  });
  hang = await startHttp(async (req) => {
    for await (const _ of req);
    hits.hang++; // never answers
  });
});
afterAll(async () => {
  await Promise.all([ok.close(), fail.close(), hang.close()]);
});

beforeEach(() => {
  tmp = tempDir('outreach-notify-s10-');
  dbFile = join(tmp.dir, 'outreach.db');
  db = openDb(dbFile);
  seed(db);
  posts.length = 0;
  hits.fail = 0;
  hits.hang = 0;
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

describe('D3: the Slack text escapes everything that comes from the mail', () => {
  it('a reply with <!here>, a disguised link and & in it: escaped in `text`, raw in `reply`, no names linked, nothing unfurled', async () => {
    const subject = 'Re: Quick question <!here> & <!channel>';
    const body = 'Yes, we are interested, call me! <https://evil.example/pay|Approve in outreach>\n<!everyone> <@U024BE7LH> & thanks';
    const notifier = createNotifier({ webhookUrl: ok.url });
    const s = await importMail(db, reply(join(tmp.dir, 'in'), 1, body, subject), { ...base, notifier });
    expect(s).toMatchObject({ notified: 1, notifyErrors: [] });
    const post = posts.at(-1);
    expect(Object.keys(post).sort()).toEqual(['link_names', 'reply', 'text', 'unfurl_links', 'unfurl_media']);
    expect(post).toMatchObject({ link_names: false, unfurl_links: false, unfurl_media: false });
    // Slack reads `<...>` as a mention or a link and `&...;` as an entity: none of the mail's are left (the only
    // `>` is ours: the quote marker that starts each excerpt line).
    expect(post.text.replace(/^> /gm, '')).not.toMatch(/[<>]/);
    expect(post.text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(post.text).toContain('"Re: Quick question &lt;!here&gt; &amp; &lt;!channel&gt;"');
    expect(post.text).toContain('> Yes, we are interested, call me! &lt;https://evil.example/pay|Approve in outreach&gt;');
    expect(post.text).toContain('> &lt;!everyone&gt; &lt;@U024BE7LH&gt; &amp; thanks');
    expect(post.text).toMatch(/^:fire: WARM reply from person1@store1\.example \(store1\.example\): /);
    // The structured summary is posted as stored: a receiver other than Slack gets the exact text.
    expect(post.reply).toMatchObject({ label: 'WARM', subject, from: 'person1@store1.example', leadDomain: 'store1.example', messageId: 'warm-1@store1.example' });
    expect(post.reply.excerpt).toContain('<https://evil.example/pay|Approve in outreach>');
  });

  it('every piece of the text is escaped: address, lead domain, reason (a model read the mail), subject; no line break escapes the header line', async () => {
    const notifier = createNotifier({ webhookUrl: ok.url });
    const summary: ReplySummary = {
      label: 'WARM',
      from: '"<!channel>"@evil.example',
      subject: 'Hello\n<!here> & more',
      leadId: 1,
      leadDomain: 'a&b<c>.example',
      confidence: 0.9,
      reason: 'asks for a call <https://evil.example|click>',
      excerpt: 'line one <!subteam^S123>\r\n\r\nline two &gt; not an entity',
      messageId: 'x@evil.example',
    };
    await notifier.notify(summary);
    const { text, reply: raw } = posts.at(-1);
    expect(text.replace(/^> /gm, '')).not.toMatch(/[<>]/);
    expect(text.split('\n')).toEqual([
      ':fire: WARM reply from "&lt;!channel&gt;"@evil.example (a&amp;b&lt;c&gt;.example): "Hello &lt;!here&gt; &amp; more" (90%): asks for a call &lt;https://evil.example|click&gt;',
      '> line one &lt;!subteam^S123&gt;',
      '> line two &amp;gt; not an entity',
    ]);
    expect(raw).toEqual(summary);
  });
});

describe('D4: a webhook that does not answer is turned off for the rest of the run', () => {
  it('never answers: one call (not one per reply), the others stay pending, said once; the next run notifies them all', async () => {
    const hanging = createNotifier({ webhookUrl: hang.url, timeoutMs: 300 });
    const s = await importMail(db, warmFolder('in', 4), { ...base, notifier: hanging });
    expect(s.stored).toBe(4);
    expect(hits.hang).toBe(1);
    expect(s.notified).toBe(0);
    expect(s.notifyErrors).toEqual([expect.stringMatching(/^person1@store1\.example: webhook did not answer within 300 ms$/)]);
    expect(s.notifyDisabled).toMatch(/did not answer within 300 ms/);
    expect(s.notifySkipped).toBe(3);
    // All four stay pending (notified_at NULL) for the next run; the three not tried say why.
    const rows = pending();
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => /^not tried: notifications were turned off/.test(r.notify_error ?? ''))).toHaveLength(3);
    // The webhook is back: the next run (a sync, under its lock) notifies the four, and does not print them again
    // as replies an earlier run never announced (they were printed by the import).
    const next = await syncInbox(db, [], { ...base, notifier: createNotifier({ webhookUrl: ok.url }) });
    expect(next).toMatchObject({ notified: 4, notifyErrors: [], notifyDisabled: null, notifySkipped: 0, warm: [] });
    expect(posts.map((p) => p.reply.messageId).sort()).toEqual([1, 2, 3, 4].map((i) => `warm-${i}@store${i}.example`));
    expect(pending()).toEqual([]);
  });

  it('a sync with pending replies and a hanging webhook: one call in the whole run, the lock is released, the rows stay pending', async () => {
    // Four WARM replies whose notification failed before (the webhook was down).
    const down = await importMail(db, warmFolder('in', 4), { ...base, notifier: createNotifier({ webhookUrl: fail.url }) });
    expect(down.notifyErrors).toHaveLength(2); // 500, 500: the breaker opens after two in a row
    expect(hits.fail).toBe(2);
    const s = await syncInbox(db, [], { ...base, notifier: createNotifier({ webhookUrl: hang.url, timeoutMs: 300 }) });
    expect(hits.hang).toBe(1);
    expect(s.notifyErrors).toEqual([expect.stringMatching(/\(an earlier reply, tried again\): webhook did not answer/)]);
    expect(s).toMatchObject({ notified: 0, notifySkipped: 3 });
    expect(pending()).toHaveLength(4);
    expect(acquireLock(db, SYNC_LOCK)).toEqual({ ok: true });
    releaseLock(db, SYNC_LOCK);
  });

  it('a webhook answering 500 still fails fast, and is turned off after two failures in a row', async () => {
    const s = await importMail(db, warmFolder('in', 4), { ...base, notifier: createNotifier({ webhookUrl: fail.url }) });
    expect(hits.fail).toBe(2);
    expect(s.notifyErrors).toEqual([expect.stringMatching(/HTTP 500/), expect.stringMatching(/HTTP 500/)]);
    expect(s.notifyDisabled).toMatch(/^2 notifications failed in a row, the last: webhook answered HTTP 500/);
    expect(s.notifySkipped).toBe(2);
    expect(pending()).toHaveLength(4);
  });

  it('one failure then a success keeps the notifier on (no breaker for a single failure)', async () => {
    let calls = 0;
    const flaky = await startHttp(async (req, res) => {
      for await (const _ of req);
      res.statusCode = ++calls === 1 ? 500 : 200;
      res.end();
    });
    try {
      const s = await importMail(db, warmFolder('in', 4), { ...base, notifier: createNotifier({ webhookUrl: flaky.url }) });
      expect(calls).toBe(4);
      expect(s).toMatchObject({ notified: 3, notifyDisabled: null, notifySkipped: 0 });
      expect(s.notifyErrors).toHaveLength(1);
    } finally {
      await flaky.close();
    }
  });

  it('a notify command that hangs is killed at its timeout (with what it started) and turned off for the run', async () => {
    const pidFile = join(tmp.dir, 'sleep.pid');
    const command = `sleep 30 & echo $! > '${pidFile}'; wait`;
    const s = await importMail(db, warmFolder('in', 3), { ...base, notifier: createNotifier({ command, timeoutMs: 300 }) });
    expect(s.notifyErrors).toEqual([expect.stringMatching(/command: did not finish within 300 ms \(killed\)/)]);
    expect(s).toMatchObject({ notified: 0, notifySkipped: 2 });
    expect(s.notifyDisabled).toMatch(/did not finish/);
    // The command's own child is gone too (its process group was killed).
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Running, or gone / a zombie (killed; an init that does not reap, as in some containers, leaves it so).
    const running = () => {
      try {
        return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && running(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(running()).toBe(false);
  });

  it('CLI: `inbox import --json` with a webhook that never answers: exit 1, the warning once on stderr, notify_disabled/notify_skipped in the JSON', async () => {
    const project = join(tmp.dir, 'p');
    mkdirSync(project);
    writeFileSync(join(project, 'outreach.yaml'), `notify:\n  webhook_url: "${hang.url}/hook"\n`);
    const dir = warmFolder('in', 3);
    const env = { OUTREACH_SETTINGS: undefined, OUTREACH_ENV_FILE: undefined, OUTREACH_DB: undefined, ANTHROPIC_API_KEY: undefined };
    const r = await runCli(['--db', dbFile, '--json', 'inbox', 'import', '--offline', dir], { cwd: project, env });
    expect(hits.hang).toBe(1);
    expect(r.code).toBe(1); // a WARM reply the operator was not told about fails the run, as before
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ stored: 3, notified: 0, notify_skipped: 2, notify_disabled: expect.stringMatching(/did not answer within 5 s/) });
    expect(out.notify_errors).toHaveLength(1);
    expect(r.stderr.match(/Notifications were turned off for the rest of this run/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/2 WARM notifications left for the next run/);
    // The next run, with the webhook back, notifies the three and exits 0.
    writeFileSync(join(project, 'outreach.yaml'), `notify:\n  webhook_url: "${ok.url}/hook"\n`);
    const again = await runCli(['--db', dbFile, '--json', 'inbox', 'import', '--offline', reply(join(tmp.dir, 'next'), 5, 'No thanks, not interested.')], { cwd: project, env });
    expect(JSON.parse(again.stdout)).toMatchObject({ notified: 3, notify_errors: [], notify_disabled: null, notify_skipped: 0 });
    expect(posts).toHaveLength(3);
    expect(pending()).toEqual([]);
  }, 30_000);
});

describe('D5: the notify command gets a minimal environment', () => {
  const ALLOWED = new Set<string>([...COMMAND_ENV, ...REPLY_ENV, 'PWD', 'SHLVL', '_', 'OLDPWD']); // the last four: set by sh itself
  const SECRETS: Record<string, string> = {
    ANTHROPIC_API_KEY: 'sk-ant-SECRETKEY123',
    AWS_ACCESS_KEY_ID: 'AKIASECRETID0000',
    AWS_SECRET_ACCESS_KEY: 'aws-secret-value-123',
    AWS_SESSION_TOKEN: 'aws-session-token-123',
    AWS_BEARER_TOKEN_BEDROCK: 'bedrock-bearer-123',
    OUTREACH_SECRET: 'a35d83f0c0ffee-unsubscribe-hmac',
    OUTREACH_DASHBOARD_TOKEN: 'dashboard-token-123456',
    BRAVE_API_KEY: 'brave-key-123',
    SERPER_API_KEY: 'serper-key-123',
    OUTREACH_DKIM_PRIVATE_KEY: 'dkim-private-key-123',
    OUTREACH_SMTP_PASSWORD: 'smtp-password-123',
    BOB_PW: 'bobpass-secret',
    BOB_IMAP_PW: 'bob-imap-secret',
    LC_SECRET: 'not-a-locale-secret',
  };

  /** A real script that dumps its environment (NUL-separated) and its stdin. */
  function dumpScript(): { path: string; env: () => Record<string, string>; stdin: () => any } {
    const dir = join(tmp.dir, 'dump');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'notify.sh');
    writeFileSync(path, `#!/bin/sh\ncat > '${dir}/stdin.json'\nenv -0 > '${dir}/env.bin'\n`);
    chmodSync(path, 0o755);
    return {
      path,
      env: () =>
        Object.fromEntries(
          readFileSync(join(dir, 'env.bin'), 'utf8')
            .split('\0')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        ),
      stdin: () => JSON.parse(readFileSync(join(dir, 'stdin.json'), 'utf8')),
    };
  }

  it('no secret of the environment reaches the command: only the allowlist and OUTREACH_REPLY_*', async () => {
    const dump = dumpScript();
    const saved = { ...process.env };
    Object.assign(process.env, SECRETS, { LANG: 'C.UTF-8', LC_TIME: 'C', TZ: 'UTC' });
    try {
      const s = await importMail(db, reply(join(tmp.dir, 'in'), 2, 'Yes, interested - call me tomorrow.'), { ...base, notifier: createNotifier({ command: dump.path }) });
      expect(s).toMatchObject({ notified: 1, notifyErrors: [] });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    const env = dump.env();
    expect(Object.keys(env).filter((k) => !ALLOWED.has(k))).toEqual([]);
    const all = JSON.stringify(env);
    for (const v of Object.values(SECRETS)) expect(all).not.toContain(v);
    expect(env).toMatchObject({
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      LC_TIME: 'C',
      TZ: 'UTC',
      OUTREACH_REPLY_LABEL: 'WARM',
      OUTREACH_REPLY_FROM: 'person2@store2.example',
      OUTREACH_REPLY_SUBJECT: 'Re: Quick question',
      OUTREACH_REPLY_LEAD: 'store2.example',
      OUTREACH_REPLY_EXCERPT: 'Yes, interested - call me tomorrow.',
      OUTREACH_REPLY_MESSAGE_ID: 'warm-2@store2.example',
    });
    expect(dump.stdin()).toMatchObject({ label: 'WARM', from: 'person2@store2.example', messageId: 'warm-2@store2.example' });
  });

  it('CLI: secrets in .env (API keys, AWS, OUTREACH_SECRET, the mailbox password variables) never reach the command', async () => {
    const dump = dumpScript();
    const project = join(tmp.dir, 'p');
    mkdirSync(project);
    writeFileSync(join(project, 'outreach.yaml'), `notify:\n  command: "${dump.path}"\n`);
    writeFileSync(join(project, '.env'), Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    const env: Record<string, string | undefined> = { OUTREACH_SETTINGS: undefined, OUTREACH_ENV_FILE: undefined, OUTREACH_DB: undefined };
    for (const k of Object.keys(SECRETS)) env[k] = undefined; // from .env only
    const r = await runCli(['--db', dbFile, 'inbox', 'import', '--offline', reply(join(tmp.dir, 'in'), 3, 'Sounds great, we are interested. Call me on Monday?')], { cwd: project, env });
    expect(r.stderr).not.toMatch(/fail|!/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^WARM reply from person3@store3\.example \(store3\.example\)/m);
    const got = dump.env();
    expect(Object.keys(got).filter((k) => !ALLOWED.has(k))).toEqual([]);
    const all = JSON.stringify(got);
    for (const v of Object.values(SECRETS)) expect(all).not.toContain(v);
    expect(got).toMatchObject({ PATH: process.env.PATH, OUTREACH_REPLY_FROM: 'person3@store3.example', OUTREACH_REPLY_LEAD: 'store3.example' });
    expect(dump.stdin()).toMatchObject({ label: 'WARM', messageId: 'warm-3@store3.example' });
  }, 30_000);
});
