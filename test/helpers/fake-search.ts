// Fake web-search APIs on loopback, each speaking its provider's documented wire format (request shape,
// authentication, JSON response and error bodies), so the real provider clients run against them unchanged.
import { startHttp, type HttpHandle } from './http.js';

export type FakeKind = 'brave' | 'serper' | 'serpapi' | 'searxng';
export const FAKE_KEY = 'test-key';

export interface FakeRequest {
  method: string;
  path: string;
  query: string;
  page: number;
  country?: string;
  auth?: string;
}

export interface FakeFailure {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FakeSearch {
  kind: FakeKind;
  /** Base URL to give the provider (its *_BASE_URL / SEARXNG_URL). */
  url: string;
  requests: FakeRequest[];
  /** The URLs a query returns, all pages together (paginated by the fake). */
  results: (query: string) => string[];
  /** Queue failures for the next requests, in order. */
  fail(...f: FakeFailure[]): void;
  close(): Promise<void>;
}

const PAGE = { brave: 20, serper: 10, serpapi: 10, searxng: 10 } as const;

export async function startFakeSearch(kind: FakeKind, results: (query: string) => string[] = () => []): Promise<FakeSearch> {
  const queue: FakeFailure[] = [];
  const requests: FakeRequest[] = [];
  const fake: FakeSearch = {
    kind,
    url: '',
    requests,
    results,
    fail: (...f) => queue.push(...f),
    close: async () => handle.close(),
  };
  const handle: HttpHandle = await startHttp(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    let body = '';
    for await (const c of req) body += c;
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(value));
    };
    let q = '';
    let page = 0;
    let country: string | undefined;
    let auth: string | undefined;
    switch (kind) {
      case 'brave':
        if (u.pathname !== '/res/v1/web/search') return json(404, { type: 'ErrorResponse', error: { code: 'NOT_FOUND', status: 404 } });
        q = u.searchParams.get('q') ?? '';
        page = Number(u.searchParams.get('offset') ?? 0);
        country = u.searchParams.get('country') ?? undefined;
        auth = req.headers['x-subscription-token'] as string | undefined;
        break;
      case 'serper': {
        if (u.pathname !== '/search' || req.method !== 'POST') return json(404, { message: 'Not found', statusCode: 404 });
        const b = JSON.parse(body || '{}') as { q?: string; page?: number; gl?: string };
        q = b.q ?? '';
        page = (b.page ?? 1) - 1;
        country = b.gl;
        auth = req.headers['x-api-key'] as string | undefined;
        break;
      }
      case 'serpapi':
        if (u.pathname !== '/search.json') return json(404, { error: 'Not found' });
        q = u.searchParams.get('q') ?? '';
        page = Math.floor(Number(u.searchParams.get('start') ?? 0) / 10);
        country = u.searchParams.get('gl') ?? undefined;
        auth = u.searchParams.get('api_key') ?? undefined;
        break;
      case 'searxng':
        if (u.pathname !== '/search') return json(404, {});
        if (u.searchParams.get('format') !== 'json') {
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html>results</html>');
        }
        q = u.searchParams.get('q') ?? '';
        page = Number(u.searchParams.get('pageno') ?? 1) - 1;
        break;
    }
    requests.push({ method: req.method ?? 'GET', path: u.pathname, query: q, page, country, auth });
    const f = queue.shift();
    if (f) return json(f.status, f.body, f.headers);

    // Authentication, as each API answers it.
    if (kind === 'brave' && auth !== FAKE_KEY) {
      return json(422, { type: 'ErrorResponse', error: { id: 'x', status: 422, code: 'SUBSCRIPTION_TOKEN_INVALID', detail: 'The provided subscription token is invalid.' } });
    }
    if (kind === 'serper' && auth !== FAKE_KEY) return json(403, { message: 'Unauthorized.', statusCode: 403 });
    if (kind === 'serpapi' && auth !== FAKE_KEY) return json(401, { error: 'Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key' });

    const all = fake.results(q);
    const size = PAGE[kind];
    const slice = all.slice(page * size, (page + 1) * size);
    const more = all.length > (page + 1) * size;
    switch (kind) {
      case 'brave':
        return json(200, {
          type: 'search',
          query: { original: q, more_results_available: more },
          web: { type: 'search', results: slice.map((url, i) => ({ title: `Result ${i}`, url, description: `about ${q}`, type: 'search_result' })) },
        });
      case 'serper':
        return json(200, {
          searchParameters: { q, gl: country, num: 10, page: page + 1, type: 'search', engine: 'google' },
          organic: slice.map((link, i) => ({ title: `Result ${i}`, link, snippet: `about ${q}`, position: page * 10 + i + 1 })),
          credits: 1,
        });
      case 'serpapi':
        if (!slice.length) return json(200, { search_metadata: { status: 'Success' }, error: "Google hasn't returned any results for this query." });
        return json(200, {
          search_metadata: { id: 'abc', status: 'Success' },
          search_parameters: { engine: 'google', q, gl: country },
          organic_results: slice.map((link, i) => ({ position: page * 10 + i + 1, title: `Result ${i}`, link, snippet: `about ${q}` })),
          ...(more ? { serpapi_pagination: { current: page + 1, next: `https://serpapi.com/search.json?start=${(page + 1) * 10}` } } : {}),
        });
      case 'searxng':
        return json(200, {
          query: q,
          number_of_results: all.length,
          results: slice.map((url, i) => ({ url, title: `Result ${i}`, content: `about ${q}`, engine: 'duckduckgo', score: 1 })),
          answers: [],
          suggestions: [],
          unresponsive_engines: [],
        });
    }
  });
  fake.url = kind === 'brave' ? `${handle.url}/res/v1` : handle.url;
  return fake;
}
