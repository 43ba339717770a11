// The discover stage over the fixture web and a fake search provider, with a real SQLite file:
// verdicts, lead stages, events, re-runs that add only what is new, and the private-address guard.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { createHttp } from '../../src/adapters/http.js';
import { createProvider } from '../../src/adapters/search/index.js';
import { discover, candidatesFromLines } from '../../src/stages/discover/index.js';
import { addSuppression, erasureHash } from '../../src/db/suppressions.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { startFakeSearch, FAKE_KEY, type FakeSearch } from '../helpers/fake-search.js';
import { tempDir } from '../helpers/cli.js';

let web: FixtureWeb;
let brave: FakeSearch;
const t = tempDir();
beforeAll(async () => {
  web = await startFixtureWeb({ slowMs: 3000 });
  brave = await startFakeSearch('brave');
});
afterAll(async () => {
  await web.close();
  await brave.close();
  t.cleanup();
});

const http = () => createHttp({ allowPrivate: true, hosts: web.hosts, perHostDelayMs: 0, timeoutMs: 800, retryBaseMs: 10 });
const EXPECT: Record<string, { shopify: boolean | null; status: string; headless?: boolean; error?: RegExp }> = {
  'liquid-old': { shopify: true, status: 'open' },
  'liquid-new': { shopify: true, status: 'open' },
  hydrogen: { shopify: true, status: 'open', headless: true },
  password: { shopify: true, status: 'password' },
  broken: { shopify: true, status: 'open' },
  injection: { shopify: true, status: 'open' },
  json404: { shopify: true, status: 'open' },
  json429: { shopify: true, status: 'open' },
  huge: { shopify: true, status: 'open' },
  flaky: { shopify: true, status: 'open' },
  buybutton: { shopify: false, status: 'open' },
  woocommerce: { shopify: false, status: 'open' },
  squarespace: { shopify: false, status: 'open' },
  wix: { shopify: false, status: 'open' },
  bigcommerce: { shopify: false, status: 'open' },
  slow: { shopify: null, status: 'unreachable', error: /did not answer/ },
  loop: { shopify: null, status: 'unreachable', error: /redirect loop/ },
  metadata: { shopify: null, status: 'unreachable', error: /169\.254\.169\.254.*metadata/ },
  'robots-blocked': { shopify: null, status: 'unreachable', error: /robots\.txt disallows/ },
};

describe('discover --from-file over the fixture web', () => {
  let db: Db;
  beforeAll(() => {
    db = openDb(join(t.dir, 'file.db'));
  });
  afterAll(() => db.close());

  it('confirms Shopify stores, rejects the others, records the unreachable ones with their error', async () => {
    const sites = Object.keys(EXPECT);
    const { candidates } = candidatesFromLines(sites.map((s) => web.url(s)).join('\n'));
    const h = http();
    const r = await discover(db, { http: h }, { candidates, concurrency: 6 });
    h.close();
    expect(r.candidates.map((c) => c.domain)).toEqual(sites.map((s) => web.domain(s)));
    for (const c of r.candidates) {
      const site = c.domain.split('.test')[0]!;
      const want = EXPECT[site]!;
      expect(c.status, site).toBe(want.status);
      expect(c.is_shopify, site).toBe(want.shopify === true);
      expect(c.headless, site).toBe(want.headless ?? false);
      expect(Array.isArray(c.evidence) && c.evidence.length > 0, site).toBe(true);
      if (want.error) expect(c.error, site).toMatch(want.error);
      expect(c.new).toBe(true);
    }
    expect(r.counts).toMatchObject({ candidates: sites.length, new: sites.length, checked: sites.length, shopify: 10, notShopify: 5, unreachable: 4 });

    const rows = db.sqlite.prepare('SELECT domain, stage, is_shopify, shopify_confidence, shopify_evidence, store_status, checked_at, source, url FROM leads').all() as any[];
    expect(rows).toHaveLength(sites.length);
    const byDomain = new Map(rows.map((row) => [row.domain.split('.test')[0], row]));
    expect(byDomain.get('liquid-old')).toMatchObject({ stage: 'confirmed', is_shopify: 1, store_status: 'open', source: 'file', url: web.url('liquid-old') });
    expect(JSON.parse(byDomain.get('liquid-old').shopify_evidence)).toContain('header x-shopid: 5631');
    expect(byDomain.get('password')).toMatchObject({ stage: 'confirmed', store_status: 'password' });
    expect(byDomain.get('buybutton')).toMatchObject({ stage: 'rejected', is_shopify: 0 });
    expect(byDomain.get('slow')).toMatchObject({ stage: 'new', is_shopify: null, store_status: 'unreachable' });
    const events = db.sqlite.prepare('SELECT type, count(*) n FROM events GROUP BY type').all() as { type: string; n: number }[];
    expect(Object.fromEntries(events.map((e) => [e.type, e.n]))).toEqual({ discovered: 19, confirmed: 10, rejected: 5 });
  });

  it('a re-run adds nothing new: checked stores are not fetched again, unreachable ones are retried', async () => {
    const before = web.requests.length;
    const { candidates } = candidatesFromLines(['liquid-old', 'wix', 'loop'].map((s) => web.url(s)).join('\n'));
    const h = http();
    const r = await discover(db, { http: h }, { candidates });
    h.close();
    expect(r.counts).toMatchObject({ new: 0, skipped: 2, checked: 1 });
    const fetched = web.requests.slice(before).map((q) => q.site);
    expect(fetched).not.toContain('liquid-old');
    expect(fetched).not.toContain('wix');
    expect(r.candidates[0]).toMatchObject({ is_shopify: true, checked: false, new: false });
    expect((db.sqlite.prepare(`SELECT count(*) n FROM events WHERE type = 'discovered'`).get() as { n: number }).n).toBe(19);
  });

  it('--refresh checks again and may confirm a store rejected earlier', async () => {
    db.sqlite.prepare(`UPDATE leads SET stage = 'rejected', is_shopify = 0 WHERE domain = ?`).run(web.domain('liquid-new'));
    const { candidates } = candidatesFromLines(web.url('liquid-new'));
    const h = http();
    const r = await discover(db, { http: h }, { candidates, refresh: true });
    h.close();
    expect(r.candidates[0]).toMatchObject({ checked: true, is_shopify: true });
    expect(db.sqlite.prepare('SELECT stage FROM leads WHERE domain = ?').get(web.domain('liquid-new'))).toEqual({ stage: 'confirmed' });
  });

  it('--unchecked checks leads imported without a verdict', async () => {
    db.sqlite.prepare(`INSERT INTO leads (domain, url, source) VALUES ('imported.test:1', ?, 'import')`).run(web.url('squarespace'));
    const h = http();
    const r = await discover(db, { http: h }, { unchecked: true });
    h.close();
    const sq = r.candidates.find((c) => c.domain === 'imported.test:1')!;
    expect(sq).toMatchObject({ checked: true, is_shopify: false, status: 'open' });
  });
});

describe('discover --keyword through a search provider', () => {
  it('takes storefronts from the results, skips platforms and duplicates, stops at the limit', async () => {
    const db = openDb(join(t.dir, 'search.db'));
    brave.results = (q) =>
      q.startsWith('site:myshopify.com')
        ? [
            web.url('liquid-old') + '/collections/rings',
            'https://www.instagram.com/aurora/',
            web.url('liquid-old') + '/products/luna-ring',
            web.url('woocommerce') + '/shop',
            'https://apps.shopify.com/klaviyo',
            web.url('hydrogen') + '/',
            web.url('wix') + '/',
          ]
        : [web.url('liquid-new') + '/'];
    const provider = createProvider('brave', { apiKey: FAKE_KEY, baseUrl: brave.url });
    const h = http();
    const r = await discover(db, { http: h }, { keyword: 'jewelry', country: 'US', limit: 3, providers: [provider] });
    h.close();
    expect(r.candidates.map((c) => c.domain)).toEqual([web.domain('liquid-old'), web.domain('woocommerce'), web.domain('hydrogen')]);
    expect(r.candidates.map((c) => c.is_shopify)).toEqual([true, false, true]);
    expect(brave.requests[0]).toMatchObject({ query: 'site:myshopify.com jewelry', country: 'us', page: 0 });
    const lead = db.sqlite.prepare('SELECT source, keyword FROM leads WHERE domain = ?').get(web.domain('liquid-old'));
    expect(lead).toEqual({ source: 'search:brave', keyword: 'jewelry' });
    db.close();
  });

  it('a provider failure is reported, not thrown', async () => {
    const db = openDb(join(t.dir, 'fail.db'));
    const provider = createProvider('brave', { apiKey: 'wrong', baseUrl: brave.url });
    const h = http();
    const r = await discover(db, { http: h }, { keyword: 'tea', providers: [provider] });
    h.close();
    expect(r.candidates).toEqual([]);
    expect(r.searchFailures[0]).toMatchObject({ provider: 'brave', code: 'auth' });
    db.close();
  });
});

describe('private addresses', () => {
  it('are refused without allowPrivate, with a message saying why', async () => {
    const db = openDb(join(t.dir, 'guard.db'));
    const h = createHttp({ hosts: web.hosts, perHostDelayMs: 0 });
    const { candidates } = candidatesFromLines(`${web.url('liquid-old')}\nhttp://127.0.0.2:${web.port}`);
    const r = await discover(db, { http: h }, { candidates });
    h.close();
    for (const c of r.candidates) {
      expect(c.status).toBe('unreachable');
      expect(c.error).toMatch(/loopback/);
    }
    expect(web.requests.some((q) => q.site === '127.0.0.2')).toBe(false);
    db.close();
  });
});

describe('suppressed domains', () => {
  it('are never added back as leads (a forgotten store stays forgotten)', async () => {
    const db = openDb(join(t.dir, 'sup.db'));
    addSuppression(db, { kind: 'domain_hash', value: erasureHash(db, 'wix.test'), reason: 'forgotten' });
    const h = http();
    const { candidates } = candidatesFromLines(`${web.url('wix')}\n${web.url('bigcommerce')}`);
    const r = await discover(db, { http: h }, { candidates });
    h.close();
    expect(r.candidates[0]).toMatchObject({ checked: false, error: 'suppressed (forgotten): not added' });
    expect(r.candidates[1]).toMatchObject({ checked: true, is_shopify: false });
    expect(db.sqlite.prepare('SELECT domain FROM leads').all()).toEqual([{ domain: web.domain('bigcommerce') }]);
    db.close();
  });
});

describe('a myshopify.com address that redirects to the store’s own domain', () => {
  it('becomes one lead under the own domain, whichever candidate came first', async () => {
    const db = openDb(join(t.dir, 'canon.db'));
    const h = createHttp({ allowPrivate: true, hosts: { ...web.hosts, '*.myshopify.com': '127.0.0.1' }, perHostDelayMs: 0 });
    const { candidates } = candidatesFromLines(`http://liquid-old.myshopify.com:${web.port}\n${web.url('liquid-old')}\nhttp://hydrogen.myshopify.com:${web.port}`);
    const r = await discover(db, { http: h }, { candidates });
    h.close();
    expect(r.candidates.map((c) => [c.domain, c.is_shopify, c.new])).toEqual([
      [web.domain('liquid-old'), true, true],
      [web.domain('hydrogen'), true, true],
    ]);
    expect((db.sqlite.prepare('SELECT domain, url FROM leads ORDER BY domain').all() as any[]).map((l) => l.domain)).toEqual([web.domain('hydrogen'), web.domain('liquid-old')]);
    db.close();
  });
});
