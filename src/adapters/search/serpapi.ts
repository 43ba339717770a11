// SerpApi (https://serpapi.com/search.json?engine=google): key in the api_key parameter, `start` offset,
// results under organic_results. Errors come as {"error": "..."}: 401 invalid key, 429 out of searches or
// hourly throughput; a 200 with "hasn't returned any results" is an empty page, not a failure.
import { requestJson, joinUrl, errorDetail } from './client.js';
import { googleQueries } from './serper.js';
import { SearchError, type ProviderConfig, type SearchPage, type SearchProvider, type SearchRequest } from './types.js';

export const SERPAPI_BASE_URL = 'https://serpapi.com';

interface SerpApiBody {
  organic_results?: { link?: string; title?: string; snippet?: string }[];
  serpapi_pagination?: { next?: string };
  error?: string;
}

export function serpapi(cfg: ProviderConfig): SearchProvider {
  const name = 'serpapi';
  if (!cfg.apiKey) {
    throw new SearchError(name, 'config', 'SerpApi needs an API key (SERPAPI_API_KEY).', { hint: 'Get one at https://serpapi.com and put SERPAPI_API_KEY=... in .env.' });
  }
  return {
    name,
    pageSize: 10,
    maxPages: 10,
    queries: googleQueries,
    async search(req: SearchRequest): Promise<SearchPage> {
      const url = joinUrl(cfg.baseUrl ?? SERPAPI_BASE_URL, 'search.json');
      url.searchParams.set('engine', 'google');
      url.searchParams.set('q', req.query);
      url.searchParams.set('num', '10');
      url.searchParams.set('start', String(req.page * 10));
      if (req.country) url.searchParams.set('gl', req.country.toLowerCase());
      url.searchParams.set('api_key', cfg.apiKey!);
      let empty = false;
      const res = await requestJson(name, cfg, { url, signal: req.signal }, (r) => {
        const detail = errorDetail(r.body, r.text);
        if (r.status >= 200 && r.status < 300) {
          if ((r.body as SerpApiBody | null)?.error) {
            if (/hasn't returned any results/i.test(detail)) {
              empty = true;
              return null;
            }
            return new SearchError(name, 'bad_request', `SerpApi: ${detail}`, { status: r.status });
          }
          return null;
        }
        if (r.status === 401) return new SearchError(name, 'auth', `SerpApi refused the API key (401: ${detail})`, { status: 401, hint: 'Check SERPAPI_API_KEY in .env.' });
        if (/run out of searches|plan|upgrade/i.test(detail)) {
          return new SearchError(name, 'quota', `SerpApi: the account's searches are used up (${detail})`, { status: r.status, hint: 'Wait for the monthly reset, upgrade, or use another --provider.' });
        }
        return null;
      });
      if (empty) return { hits: [], hasMore: false };
      const body = res.body as SerpApiBody;
      const hits = (body.organic_results ?? [])
        .filter((h) => typeof h.link === 'string')
        .map((h) => ({ url: h.link!, title: h.title ?? '', snippet: h.snippet ?? '' }));
      return { hits, hasMore: Boolean(body.serpapi_pagination?.next) };
    },
  };
}
