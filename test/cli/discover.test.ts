// `outreach discover` as a user runs it: the built binary, a temp database, the fixture web on loopback
// ports (reached with --allow-private) and a fake search provider reached through its base-URL variable.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startFakeSearch, FAKE_KEY, type FakeSearch } from '../helpers/fake-search.js';

let web: FixtureWeb;
let serper: FakeSearch;
const t = tempDir();
const NO_KEYS = { BRAVE_API_KEY: undefined, SERPER_API_KEY: undefined, SERPAPI_API_KEY: undefined, SEARXNG_URL: undefined, OUTREACH_ENV_FILE: join(t.dir, 'none.env') };
beforeAll(async () => {
  web = await startFixtureWeb({ perSitePorts: true });
  serper = await startFakeSearch('serper', (q) => (q.includes('jewelry') ? ['https://aurora.example/collections/rings', 'https://www.facebook.com/aurora', 'https://luna.myshopify.com/'] : []));
});
afterAll(async () => {
  await web.close();
  await serper.close();
  t.cleanup();
});

const db = join(t.dir, 'o.db');
const run = (args: string[], opts: Parameters<typeof runCli>[1] = {}) => runCli(['--db', db, ...args], { cwd: t.dir, ...opts, env: { ...NO_KEYS, ...opts.env } });

describe('outreach discover', () => {
  it('--from-file with ports and --allow-private: one JSON object per candidate', async () => {
    const file = join(t.dir, 'stores.txt');
    writeFileSync(file, ['# fixture stores', ...['liquid-old', 'hydrogen', 'password', 'buybutton', 'woocommerce', 'metadata'].map((s) => web.portUrl(s)), 'not a domain'].join('\n'));
    const r = await run(['discover', '--from-file', file, '--allow-private', '--delay', '0', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stores\.txt:8: skipped "not"/);
    const out = JSON.parse(r.stdout) as any[];
    expect(out).toHaveLength(6);
    for (const c of out) {
      expect(c.domain).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(typeof c.is_shopify).toBe('boolean');
      expect(typeof c.confidence).toBe('number');
      expect(Array.isArray(c.evidence) && c.evidence.every((e: unknown) => typeof e === 'string')).toBe(true);
    }
    expect(out.map((c) => [c.is_shopify, c.status])).toEqual([
      [true, 'open'],
      [true, 'open'],
      [true, 'password'],
      [false, 'open'],
      [false, 'open'],
      [false, 'unreachable'],
    ]);
    expect(out[1].headless).toBe(true);
    expect(out[5].error).toMatch(/169\.254\.169\.254/);
  });

  it('re-running adds only what is new; stdin works too; the table names what it did', async () => {
    writeFileSync(join(t.dir, 'outreach.yaml'), 'sender:\n  website: "https://lima.studio"\n');
    const mark = web.requests.length;
    const r = await run(['discover', '--from-file', '-', '--allow-private', '--delay', '0'], { input: `${web.portUrl('liquid-old')}\n${web.portUrl('wix')}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/127\.0\.0\.1:\d+\s+yes\s+1\.00\s+open \(known\)/);
    expect(r.stdout).toMatch(/127\.0\.0\.1:\d+\s+no\s+0\.00\s+open/);
    expect(r.stderr).toMatch(/Checked 1: 0 Shopify, 1 not Shopify, 0 unreachable; 1 already checked/);
    const ua = web.requests.slice(mark).find((q) => q.site === 'wix')!.userAgent;
    expect(ua).toMatch(/^outreach\/\d+\.\d+\.\d+ \(\+https:\/\/lima\.studio; Shopify store research; honours robots\.txt\)$/);
  });

  it('refuses loopback stores without --allow-private, saying why', async () => {
    const r = await runCli(['--db', join(t.dir, 'guard.db'), 'discover', '--from-file', '-', '--json'], { input: web.portUrl('liquid-old'), env: NO_KEYS });
    expect(r.code).toBe(0);
    const [c] = JSON.parse(r.stdout);
    expect(c).toMatchObject({ is_shopify: false, status: 'unreachable' });
    expect(c.error).toMatch(/loopback address.*--allow-private/);
  });

  it('--keyword through a provider reached by its base URL (dry run lists candidates, writes nothing)', async () => {
    const r = await run(['discover', '--keyword', 'jewelry', '--country', 'United States', '--provider', 'serper', '--dry-run', '--json'], {
      env: { SERPER_API_KEY: FAKE_KEY, SERPER_BASE_URL: serper.url },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((c: any) => c.domain)).toEqual(['aurora.example', 'luna.myshopify.com']);
    expect(serper.requests[0]).toMatchObject({ query: 'site:myshopify.com jewelry', country: 'us', auth: FAKE_KEY });
  });

  it('a refused key is a clear error (exit 1), not a stack', async () => {
    const r = await run(['discover', '--keyword', 'jewelry', '--provider', 'serper'], { env: { SERPER_API_KEY: 'wrong', SERPER_BASE_URL: serper.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Serper refused the API key \(403: Unauthorized\.\)/);
    expect(r.stderr).toMatch(/SERPER_API_KEY/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors exit 2; no provider configured exits 1 with what to set', async () => {
    expect((await run(['discover'])).code).toBe(2);
    expect((await run(['discover', '--keyword', 'x', '--provider', 'bing'], { env: { SERPER_API_KEY: 'k' } })).code).toBe(2);
    expect((await run(['discover', '--keyword', 'x', '--country', 'Atlantis'])).code).toBe(2);
    const r = await run(['discover', '--keyword', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No search provider is configured/);
    expect(r.stderr).toMatch(/BRAVE_API_KEY/);
  });

  it('--help has examples', async () => {
    const r = await runCli(['discover', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:[\s\S]*--keyword jewelry/);
  });
});
