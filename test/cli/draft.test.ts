// `outreach draft ...` through the built binary: offline by default, the Claude API and Bedrock through the fake
// server (env vars read by the CLI), dry runs, spend limits, and review in its scripted and non-TTY forms.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';

/** stdout as JSON, or a failure that shows what the command said. */
function json(r: CliResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}
import { openDb } from '../../src/db/open.js';
import { seedLeads } from '../fixtures/draft/seed.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';

const t = tempDir();
let fake: FakeAnthropic;
const fixtureSettings = resolve(import.meta.dirname, '../fixtures/draft/outreach.yaml');

function setup(name: string, leads = 3) {
  const db = join(t.dir, `${name}.db`);
  const h = openDb(db);
  seedLeads(h, leads);
  h.close();
  const env = { OUTREACH_DB: db, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined, OUTREACH_SETTINGS: join(t.dir, 'outreach.yaml') };
  return { db, run: (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { cwd: t.dir, env: { ...env, ...extra } }) };
}

beforeAll(async () => {
  copyFileSync(fixtureSettings, join(t.dir, 'outreach.yaml'));
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
  t.cleanup();
});

describe('outreach draft', () => {
  it('offline by default: dry run writes nothing, then drafts, list, show, approve-all', async () => {
    const { run } = setup('offline');
    expect((await run(['campaign', 'create', 'spring', '--niche', 'jewelry', '--offer', 'email-flows'])).code).toBe(0);
    const dry = await run(['draft', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(json(dry)).toMatchObject({ dryRun: true, drafts: 9, estimatedUsd: 0 });
    expect(json(await run(['draft', 'list', '--json']))).toEqual([]);

    const r = await run(['draft', '--limit', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Drafted 6 emails for 2 leads: 6 pending review/);
    const list = json(await run(['draft', 'list', '--json']));
    expect(list).toHaveLength(6);
    expect(list[0]).toMatchObject({ provider: 'offline', status: 'pending', step: 1 });
    const show = await run(['draft', 'show', String(list[0].id)]);
    expect(show.stdout).toMatch(/compliance checks pass/);
    expect(show.stdout).toContain('[[UNSUBSCRIBE_URL]]');

    const all = await run(['draft', 'review', '--approve-all', '--json']);
    expect(all.code).toBe(0);
    expect(json(all).approved).toHaveLength(6);
    expect(json(await run(['draft', 'list', '--status', 'approved', '--json']))).toHaveLength(6);
  });

  it('interactive review without a TTY explains the scripted form instead of hanging', async () => {
    const { run } = setup('notty', 1);
    const t0 = Date.now();
    const r = await run(['draft', 'review']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a terminal/);
    expect(r.stderr).toMatch(/--approve-all/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('uses the Claude API when ANTHROPIC_API_KEY is set (ANTHROPIC_BASE_URL points at the fake), with --max-spend', async () => {
    const { run } = setup('claude', 4);
    await run(['campaign', 'create', 'c1', '--step', 'jewelry-intro', '--offer', 'email-flows']);
    fake.reset();
    const env = { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url };
    const r = await run(['draft', '--json', '--limit', '2'], env);
    expect(r.code).toBe(0);
    const res = json(r);
    expect(res).toMatchObject({ drafts: 2, pending: 2 });
    expect(res.items[0]).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-6' });
    expect(res.spentUsd).toBeGreaterThan(0);
    expect(fake.requests.filter((q) => q.path === '/v1/messages')).toHaveLength(2);
    // A tiny budget: stops before the first call.
    const tight = await run(['draft', '--max-spend', '0.000001'], env);
    expect(tight.code).toBe(0);
    expect(tight.stderr).toMatch(/Stopped before passing --max-spend/);
    expect(fake.requests.filter((q) => q.path === '/v1/messages')).toHaveLength(2);
    // A bad key is a clear error and exit 1.
    const bad = await run(['draft'], { ...env, ANTHROPIC_API_KEY: 'wrong' });
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/refused the key \(401\)/);
  });

  it('uses Amazon Bedrock with --provider bedrock (SigV4 from the standard AWS env credentials)', async () => {
    const { run } = setup('bedrock', 1);
    await run(['campaign', 'create', 'b1', '--step', 'jewelry-intro', '--offer', 'email-flows']);
    fake.reset();
    const r = await run(['draft', '--provider', 'bedrock', '--json'], {
      AWS_REGION: fake.aws.region,
      AWS_ACCESS_KEY_ID: fake.aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fake.aws.secretAccessKey,
      AWS_PROFILE: undefined,
      AWS_BEARER_TOKEN_BEDROCK: undefined,
      ANTHROPIC_BEDROCK_BASE_URL: fake.bedrockUrl,
    });
    expect(r.stderr).toBe('');
    expect(json(r)).toMatchObject({ drafts: 1, pending: 1, items: [{ provider: 'bedrock' }] });
    expect(fake.requests[0]!.path).toMatch(/^\/model\/us\.anthropic\.claude-sonnet-4-6[^/]*\/invoke$/);
  });

  it('--provider anthropic without a key says what to set', async () => {
    const { run } = setup('nokey', 1);
    await run(['campaign', 'create', 'k', '--step', 'jewelry-intro', '--offer', 'x']);
    const r = await run(['draft', '--provider', 'anthropic']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect((await run(['draft', '--provider', 'gpt'])).code).toBe(2);
  });
});
