// The inbox's model path when the model fails (review-s8-issue9 D7, D10): a loopback server speaking the Anthropic
// Messages API (test/helpers/fake-anthropic.ts) with the REAL SDK pointed at it through ANTHROPIC_BASE_URL, and the
// CLI run as a subprocess. A run stops calling a model that keeps failing (3 failed messages in a row, a failure
// budget of 3 request timeouts, or at once on 401/403), says so once on stderr, reports `model_errors` and
// `model_disabled` in --json, records the spend of billed answers it refused, and Ctrl-C prints an honest summary.
// Also the reader's size cap at the stage level (a message over it is not buffered; its real size is kept).
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { queryDb } from '../helpers/db.js';
import { openDb } from '../../src/db/open.js';
import { readMailFiles, type MailFile } from '../../src/adapters/mailfile.js';
import { runCli, tempDir, BIN, ROOT } from '../helpers/cli.js';
import { startFakeAnthropic, defaultResponder, type FakeAnthropic } from '../helpers/fake-anthropic.js';

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: 'sk-ant-fake-s8-key-0123456789' });
});
afterAll(async () => {
  await fake.close();
});

let t: ReturnType<typeof tempDir>;
let env: Record<string, string>;
beforeEach(() => {
  t = tempDir('outreach-inbox-model-s8-');
  fake.reset();
  fake.setLatency(0);
  fake.setResponder(defaultResponder);
  env = {
    OUTREACH_DB: join(t.dir, 'o.db'),
    OUTREACH_SETTINGS: join(t.dir, 'none.yaml'),
    ANTHROPIC_API_KEY: fake.apiKey,
    ANTHROPIC_BASE_URL: fake.url,
    AWS_BEARER_TOKEN_BEDROCK: '',
  };
  openDb(env.OUTREACH_DB!).close(); // an existing pipeline: inbox import does not create a database (session 9)
});
afterEach(() => t.cleanup());

/** Human replies with no automatic or unsubscribe cue: their intent goes to the model. */
const TEXTS = [
  'Sounds interesting. What would this cost for a store like ours?',
  'Thanks, we will think about it and get back to you.',
  'Who are you and how did you find us?',
  'Maybe. Can you tell me more about how it works?',
  'Not sure this is for us, but go on.',
  'Interesting timing, we were just talking about site speed.',
];

function replies(n: number): string {
  const dir = join(t.dir, 'replies');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    writeFileSync(
      join(dir, `${String(i).padStart(2, '0')}.eml`),
      `From: P${i} <p${i}@store${i}.example>\r\nTo: tom@speedlane.io\r\nSubject: Re: Quick question\r\nDate: Wed, 25 Nov 2026 10:0${i}:00 +0000\r\nMessage-ID: <m${i}@s8model.example>\r\n\r\n${TEXTS[i % TEXTS.length]}\r\n`,
    );
  }
  return dir;
}

const rows = (sql: string): any[] => queryDb(env.OUTREACH_DB!, sql);

const modelCalls = (f: FakeAnthropic = fake) => f.requests.filter((r) => r.path.startsWith('/v1/messages')).length;

/**
 * A server of its own that never answers: a hanging request wakes up (and would take a scripted error queued for
 * a later test) long after its client gave up, so it must not share the main fake.
 */
async function withHangingServer(fn: (f: FakeAnthropic, env: Record<string, string>) => Promise<void>): Promise<void> {
  const f = await startFakeAnthropic({ apiKey: fake.apiKey, latencyMs: 30_000 });
  try {
    await fn(f, { ...env, ANTHROPIC_BASE_URL: f.url });
  } finally {
    await f.close();
  }
}

describe('a failing model: circuit breaker, one warning, exit code', () => {
  it('a 500 server: 3 messages tried (with retries), then the rest offline; one warning; exit 0', async () => {
    fake.fail({ status: 500, times: 1000 });
    const dir = replies(6);
    const r = await runCli(['inbox', 'import', dir, '--json'], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.stored).toBe(6);
    expect(j.model_errors).toBe(3);
    expect(j.model_offline).toBe(6);
    expect(j.model_disabled).toMatch(/^3 failed calls in a row, the last: the model API failed \(500\)/);
    // 3 messages x (1 + 2 retries), then nothing.
    expect(modelCalls()).toBe(9);
    const warnings = r.stderr.split('\n').filter((l) => /model/i.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^! The model was turned off for this run: 3 failed calls in a row.*\(500\).*; 6 messages classified offline\.$/);
    // Every message is labelled (offline) and says why.
    const stored = rows('SELECT label, classifier, problem FROM inbound ORDER BY id');
    expect(stored).toHaveLength(6);
    for (const s of stored) {
      expect(s.classifier).toBe('offline');
      expect(s.label).toMatch(/^(WARM|COLD|NEUTRAL)$/);
      expect(s.problem).toMatch(/model classification failed, used offline/);
    }
    expect(stored.slice(3).every((s) => /model turned off for this run/.test(s.problem))).toBe(true);
  });

  it('a server that never answers: the failure budget (3 request timeouts) turns the model off after one message', async () => {
    await withHangingServer(async (hang, hangEnv) => {
      const dir = replies(5);
      const r = await runCli(['inbox', 'import', dir, '--json'], { env: { ...hangEnv, OUTREACH_INBOX_MODEL_TIMEOUT_MS: '300' } });
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.stored).toBe(5);
      expect(j.model_errors).toBe(1);
      expect(j.model_disabled).toMatch(/^failing calls took \d+ s, the last: .*timed out/i);
      // One message: the first attempt and 2 retries, each cut by the timeout; the other 4 never call the model.
      expect(modelCalls(hang)).toBeGreaterThanOrEqual(1);
      expect(modelCalls(hang)).toBeLessThanOrEqual(3);
      expect(r.stderr).toMatch(/! The model was turned off for this run: failing calls took/);
    });
  });

  it('a refused key (401): one call, the rest offline, the key never printed, exit 1', async () => {
    const dir = replies(4);
    const wrong = 'sk-ant-wrong-key-abcdef123456';
    const r = await runCli(['inbox', 'import', dir], { env: { ...env, ANTHROPIC_API_KEY: wrong } });
    expect(r.code).toBe(1);
    expect(modelCalls()).toBe(1);
    expect(r.stderr).toMatch(/! The model was turned off for this run: The Claude API refused the key \(401\).*; 4 messages classified offline\. Fix the key/);
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(rows('SELECT COUNT(*) AS n FROM inbound')[0].n).toBe(4);
    const j = JSON.parse((await runCli(['inbox', 'import', dir, '--json'], { env: { ...env, ANTHROPIC_API_KEY: wrong } })).stdout);
    expect(j.duplicates).toBe(4); // already stored: not classified again, no model call
    expect(j.model_errors).toBe(0);
  });

  it('one failure between successes does not turn the model off; the warning names it', async () => {
    fake.fail({ status: 400, message: 'bad request for this one' });
    const dir = replies(4);
    const r = await runCli(['inbox', 'import', dir, '--json'], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.model_errors, j.model_offline, j.model_disabled]).toEqual([1, 1, null]);
    expect(r.stderr).toMatch(/! The model failed for 1 message \(last: the model API rejected the request \(400\).*\); 1 message classified offline\./);
    expect(rows(`SELECT COUNT(*) AS n FROM inbound WHERE classifier = 'anthropic'`)[0].n).toBe(3);
  });

  it('billed answers that failed validation still record their spend', async () => {
    fake.setResponder((req) => (req.tool === 'classify_reply' ? { text: 'I think this one is WARM.' } : defaultResponder(req)));
    const dir = replies(4);
    const r = await runCli(['inbox', 'import', dir, '--json'], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.model_errors).toBe(3);
    expect(j.model_disabled).toMatch(/invalid classification twice/);
    expect(modelCalls()).toBe(6); // 2 per message, 3 messages
    const spend = rows(`SELECT s.provider, s.model, s.input_tokens, s.output_tokens, s.cost_usd FROM spend s WHERE s.purpose = 'classify'`);
    expect(spend).toHaveLength(3);
    for (const s of spend) {
      expect(s.provider).toBe('anthropic');
      expect(s.input_tokens).toBeGreaterThan(0);
      expect(s.output_tokens).toBeGreaterThan(0);
      expect(s.cost_usd).toBeGreaterThan(0);
    }
  });
});

describe('Ctrl-C during a model call', () => {
  it('prints what was read and stored, not "0 of 0"; exit 130; the next import finishes the job', async () => {
    const dir = replies(3);
    await withHangingServer(async (hang, hangEnv) => {
      const child = spawn(process.execPath, [BIN, 'inbox', 'import', dir], { cwd: ROOT, env: { ...process.env, ...hangEnv, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      for (let i = 0; i < 600 && modelCalls(hang) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(modelCalls(hang)).toBe(1);
      child.kill('SIGINT');
      const code = await closed;
      expect(code).toBe(130);
      expect(stderr).toContain('Interrupted: imported 0 new messages of 1 read; 1 not finished. Run the import again to continue');
      expect(stderr).not.toContain('of 0.');
    });
    const again = await runCli(['inbox', 'import', dir, '--json'], { env });
    expect(JSON.parse(again.stdout).stored).toBe(3);
  });
});

describe('the reader keeps at most maxBytes of one message', () => {
  it('an .eml and an mbox message over the cap: source cut, size real, the next message whole', async () => {
    const body = 'x'.repeat(75) + '\n';
    const msg = `From: A <a@b.example>\nSubject: big\nMessage-ID: <big@b.example>\n\n${body.repeat(20_000)}`;
    writeFileSync(join(t.dir, 'big.eml'), msg);
    const small = 'From: C <c@d.example>\nSubject: small\nMessage-ID: <small@d.example>\n\nhello\n';
    writeFileSync(join(t.dir, 'big.mbox'), `From a@b.example Wed Nov 25 10:00:00 2026\n${msg}\nFrom c@d.example Wed Nov 25 10:01:00 2026\n${small}`);
    const read = async (p: string) => {
      const out: MailFile[] = [];
      for await (const m of readMailFiles(p, { maxBytes: 100_000 })) out.push(m);
      return out;
    };
    const [eml] = await read(join(t.dir, 'big.eml'));
    expect(eml!.source.length).toBe(100_000);
    expect(eml!.size).toBe(Buffer.byteLength(msg));
    const box = await read(join(t.dir, 'big.mbox'));
    expect(box.map((m) => m.name)).toEqual(['big.mbox:1', `big.mbox:${msg.split('\n').length + 2}`]);
    expect(box[0]!.source.length).toBeLessThanOrEqual(100_000);
    expect(box[0]!.size).toBe(Buffer.byteLength(msg) + msg.split('\n').length - 1); // CRLF line ends
    expect(box[1]!.size).toBeUndefined();
    expect(box[1]!.source.toString()).toBe(small.replace(/\n/g, '\r\n'));
  });
});
