// Serper (https://google.serper.dev/search): Google results, POST JSON {q, gl, num, page}, key in X-API-KEY,
// results under `organic`. Errors come as {message, statusCode}: 403 "Unauthorized.", 400 "Not enough credits".
import { requestJson, joinUrl, errorDetail } from './client.js';
import { SearchError, type ProviderConfig, type SearchPage, type SearchProvider, type SearchRequest } from './types.js';

export const SERPER_BASE_URL = 'https://google.serper.dev';

interface SerperBody {
  organic?: { link?: string; title?: string; snippet?: string }[];
  message?: string;
}

export function serper(cfg: ProviderConfig): SearchProvider {
  const name = 'serper';
  if (!cfg.apiKey) {
    throw new SearchError(name, 'config', 'Serper needs an API key (SERPER_API_KEY).', { hint: 'Get one at https://serper.dev and put SERPER_API_KEY=... in .env.' });
  }
  return {
    name,
    pageSize: 10,
    maxPages: 10,
    queries: googleQueries,
    async search(req: SearchRequest): Promise<SearchPage> {
      const url = joinUrl(cfg.baseUrl ?? SERPER_BASE_URL, 'search');
      const json: Record<string, unknown> = { q: req.query, num: 10, page: req.page + 1 };
      if (req.country) json.gl = req.country.toLowerCase();
      const res = await requestJson(name, cfg, { method: 'POST', url, json, headers: { 'x-api-key': cfg.apiKey! }, signal: req.signal }, (r) => {
        const detail = errorDetail(r.body, r.text);
        if (/credits/i.test(detail)) {
          return new SearchError(name, 'quota', `Serper: no search credits left (${detail})`, { status: r.status, hint: 'Top up at serper.dev, or use another --provider.' });
        }
        if (r.status === 401 || r.status === 403) {
          return new SearchError(name, 'auth', `Serper refused the API key (${r.status}: ${detail})`, { status: r.status, hint: 'Check SERPER_API_KEY in .env.' });
        }
        return null;
      });
      const body = res.body as SerperBody;
      const hits = (body.organic ?? [])
        .filter((h) => typeof h.link === 'string')
        .map((h) => ({ url: h.link!, title: h.title ?? '', snippet: h.snippet ?? '' }));
      return { hits, hasMore: hits.length >= 10 };
    },
  };
}

/** Google operator syntax (Serper and SerpApi both search Google). */
export function googleQueries(keyword: string): string[] {
  return [`site:myshopify.com ${keyword}`, `"powered by shopify" ${keyword}`, `${keyword} inurl:/collections/`, `${keyword} inurl:/products/ "add to cart"`];
}
