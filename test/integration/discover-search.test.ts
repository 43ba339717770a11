// The real search provider clients against loopback fakes speaking each API's wire format: results and
// pagination, and 401/403, 429 with Retry-After, 5xx and quota errors turned into clear, coded messages.
import { describe, it, expect, afterEach } from 'vitest';
import { createProvider, SearchError, configuredProviders, type ProviderName } from '../../src/adapters/search/index.js';
import { startFakeSearch, FAKE_KEY, type FakeSearch } from '../helpers/fake-search.js';

const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://store${i}.example/collections/all`);
let fake: FakeSearch | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function provider(kind: ProviderName, key: string | undefined = FAKE_KEY, results = urls(25)) {
  fake = await startFakeSearch(kind, () => results);
  return createProvider(kind, { apiKey: kind === 'searxng' ? undefined : key, baseUrl: fake.url, retries: 2, maxRetryAfterMs: 3000, retryBaseMs: 20 });
}

async function failure(p: Promise<unknown>): Promise<SearchError> {
  const e = await p.then(() => null, (err) => err);
  expect(e).toBeInstanceOf(SearchError);
  return e as SearchError;
}

describe.each(['brave', 'serper', 'serpapi', 'searxng'] as const)('%s', (kind) => {
  it('returns hits page by page, with the query, page and country on the wire', async () => {
    const p = await provider(kind);
    const first = await p.search({ query: 'site:myshopify.com jewelry', page: 0, country: 'US' });
    expect(first.hits[0]!.url).toBe('https://store0.example/collections/all');
    expect(first.hits).toHaveLength(p.pageSize);
    expect(first.hasMore).toBe(true);
    const second = await p.search({ query: 'site:myshopify.com jewelry', page: 1, country: 'US' });
    expect(second.hits[0]!.url).toBe(`https://store${p.pageSize}.example/collections/all`);
    const req = fake!.requests[0]!;
    expect(req.query).toBe('site:myshopify.com jewelry');
    if (kind !== 'searxng') {
      expect(req.auth).toBe(FAKE_KEY);
      expect(req.country?.toLowerCase()).toBe('us');
    }
    expect(fake!.requests[1]!.page).toBe(1);
  });

  it('builds queries that favour Shopify stores', async () => {
    const p = await provider(kind);
    const qs = p.queries('jewelry');
    expect(qs.some((q) => q.includes('site:myshopify.com'))).toBe(true);
    expect(qs.some((q) => /powered by shopify/i.test(q))).toBe(true);
    expect(qs.every((q) => q.includes('jewelry'))).toBe(true);
  });

  it('retries a 429 after Retry-After, then succeeds', async () => {
    const p = await provider(kind);
    fake!.fail({ status: 429, body: { error: 'slow down', message: 'slow down' }, headers: { 'retry-after': '1' } });
    const t0 = Date.now();
    const r = await p.search({ query: 'q', page: 0 });
    expect(r.hits.length).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('a Retry-After longer than we wait is a clear rate-limit error', async () => {
    const p = await provider(kind);
    fake!.fail({ status: 429, body: { error: 'rate limited' }, headers: { 'retry-after': '600' } });
    const e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('rate_limited');
    expect(e.message).toMatch(/wait 600s/);
  });

  it('5xx: retried, then a server error naming the provider', async () => {
    const p = await provider(kind);
    for (let i = 0; i < 3; i++) fake!.fail({ status: 502, body: { error: 'bad gateway' } });
    const e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('server');
    expect(e.message).toContain(kind);
    expect(e.message).toMatch(/502/);
    expect(fake!.requests).toHaveLength(3);
  });
});

describe('authentication and quota, in each API’s own words', () => {
  it('brave: invalid token (422 SUBSCRIPTION_TOKEN_INVALID) and 401', async () => {
    const p = await provider('brave', 'wrong');
    const e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('auth');
    expect(e.message).toMatch(/Brave Search refused the API key.*subscription token is invalid/);
    expect(e.hint).toMatch(/BRAVE_API_KEY/);
    fake!.fail({ status: 401, body: { type: 'ErrorResponse', error: { code: 'UNAUTHORIZED', detail: 'Unauthorized', status: 401 } } });
    expect((await failure(p.search({ query: 'q', page: 0 }))).code).toBe('auth');
  });

  it('brave: quota (429 QUOTA_LIMITED) is not retried', async () => {
    const p = await provider('brave');
    fake!.fail({ status: 429, body: { type: 'ErrorResponse', error: { code: 'QUOTA_LIMITED', detail: 'Monthly quota exceeded', status: 429 } } });
    const e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/quota is used up/);
    expect(fake!.requests).toHaveLength(1);
  });

  it('serper: 403 Unauthorized and 400 Not enough credits', async () => {
    let p = await provider('serper', 'wrong');
    let e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('auth');
    expect(e.message).toMatch(/Serper refused the API key \(403: Unauthorized\.\)/);
    await fake!.close();
    p = await provider('serper');
    fake!.fail({ status: 400, body: { message: 'Not enough credits', statusCode: 400 } });
    e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/no search credits left/);
  });

  it('serpapi: 401 invalid key, 429 out of searches, and an empty result that is not an error', async () => {
    let p = await provider('serpapi', 'wrong');
    let e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('auth');
    expect(e.message).toMatch(/Invalid API key/);
    await fake!.close();
    p = await provider('serpapi');
    fake!.fail({ status: 429, body: { error: 'Your account has run out of searches.' } });
    e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('quota');
    await fake!.close();
    p = await provider('serpapi', FAKE_KEY, []);
    expect(await p.search({ query: 'nothing', page: 0 })).toEqual({ hits: [], hasMore: false });
  });

  it('searxng: an instance without the JSON format says how to enable it', async () => {
    const p = await provider('searxng');
    fake!.fail({ status: 403, body: {} });
    const e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('config');
    expect(e.hint).toMatch(/search\.formats/);
  });

  it('missing keys are configuration errors; configured providers come from the environment', () => {
    expect(() => createProvider('brave', {})).toThrow(/BRAVE_API_KEY/);
    expect(() => createProvider('searxng', {})).toThrow(/SEARXNG_URL/);
    expect(configuredProviders({ SERPER_API_KEY: 'x', SEARXNG_URL: 'http://localhost:8888' })).toEqual(['serper', 'searxng']);
  });

  it('an unreachable provider is a network error naming the address', async () => {
    const p = createProvider('searxng', { baseUrl: 'http://127.0.0.1:9', retries: 0 });
    const e = await failure(p.search({ query: 'q', page: 0 }));
    expect(e.code).toBe('network');
    expect(e.message).toMatch(/cannot reach searxng at http:\/\/127\.0\.0\.1:9/);
  });
});
