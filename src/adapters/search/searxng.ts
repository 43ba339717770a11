// SearXNG (a user's own metasearch instance): GET /search?q=...&format=json&pageno=N, no key.
// The instance must list `json` under search.formats in its settings.yml, or it answers 403.
import { requestJson, joinUrl } from './client.js';
import { SearchError, type ProviderConfig, type SearchPage, type SearchProvider, type SearchRequest } from './types.js';

interface SearxBody {
  results?: { url?: string; title?: string; content?: string }[];
}

export function searxng(cfg: ProviderConfig): SearchProvider {
  const name = 'searxng';
  if (!cfg.baseUrl) {
    throw new SearchError(name, 'config', 'SearXNG needs the address of your instance (SEARXNG_URL).', {
      hint: 'Put SEARXNG_URL=http://localhost:8888 in .env (the instance must allow the json format).',
    });
  }
  return {
    name,
    pageSize: 10,
    maxPages: 5,
    queries(keyword) {
      return [`site:myshopify.com ${keyword}`, `${keyword} "powered by shopify"`, `${keyword} shop collections`];
    },
    async search(req: SearchRequest): Promise<SearchPage> {
      const url = joinUrl(cfg.baseUrl!, 'search');
      url.searchParams.set('q', req.query);
      url.searchParams.set('format', 'json');
      url.searchParams.set('pageno', String(req.page + 1));
      const headers: Record<string, string> = {};
      if (cfg.apiKey) headers.authorization = `Bearer ${cfg.apiKey}`;
      const res = await requestJson(name, cfg, { url, headers, signal: req.signal }, (r) => {
        if (r.status === 403) {
          return new SearchError(name, 'config', `SearXNG at ${cfg.baseUrl} refused the JSON format (403)`, {
            status: 403,
            hint: 'Add "json" to search.formats in the instance settings.yml, then restart it.',
          });
        }
        return null;
      });
      const body = res.body as SearxBody;
      const hits = (body.results ?? [])
        .filter((h) => typeof h.url === 'string')
        .map((h) => ({ url: h.url!, title: h.title ?? '', snippet: h.content ?? '' }));
      return { hits, hasMore: hits.length > 0 };
    },
  };
}
