// Brave Search API (https://api.search.brave.com/res/v1/web/search): key in X-Subscription-Token,
// `count` up to 20, `offset` in pages (0..9), results under web.results, more under query.more_results_available.
import { requestJson, joinUrl, errorDetail } from './client.js';
import { SearchError, type ProviderConfig, type SearchPage, type SearchProvider, type SearchRequest } from './types.js';

export const BRAVE_BASE_URL = 'https://api.search.brave.com/res/v1';

interface BraveBody {
  query?: { more_results_available?: boolean };
  web?: { results?: { url?: string; title?: string; description?: string }[] };
  error?: { code?: string; detail?: string; status?: number };
}

export function brave(cfg: ProviderConfig): SearchProvider {
  const name = 'brave';
  if (!cfg.apiKey) {
    throw new SearchError(name, 'config', 'Brave Search needs an API key (BRAVE_API_KEY).', {
      hint: 'Get one at https://brave.com/search/api/ and put BRAVE_API_KEY=... in .env.',
    });
  }
  return {
    name,
    pageSize: 20,
    maxPages: 10,
    queries(keyword) {
      // Brave has site: but no inurl:; quoted phrases steer it to storefront footers and collection pages.
      return [`site:myshopify.com ${keyword}`, `${keyword} "powered by shopify"`, `${keyword} shop "collections/all"`];
    },
    async search(req: SearchRequest): Promise<SearchPage> {
      const url = joinUrl(cfg.baseUrl ?? BRAVE_BASE_URL, 'web/search');
      url.searchParams.set('q', req.query);
      url.searchParams.set('count', '20');
      url.searchParams.set('offset', String(req.page));
      url.searchParams.set('result_filter', 'web');
      if (req.country) url.searchParams.set('country', req.country.toLowerCase());
      const res = await requestJson(name, cfg, { url, headers: { 'x-subscription-token': cfg.apiKey! }, signal: req.signal }, (r) => {
        const b = r.body as BraveBody | null;
        const code = b?.error?.code ?? '';
        const detail = errorDetail(r.body, r.text);
        if (code === 'SUBSCRIPTION_TOKEN_INVALID' || r.status === 401) {
          return new SearchError(name, 'auth', `Brave Search refused the API key (${r.status}: ${detail})`, { status: r.status, hint: 'Check BRAVE_API_KEY in .env.' });
        }
        if (code === 'QUOTA_LIMITED' || code === 'SUBSCRIPTION_LIMIT_EXCEEDED') {
          return new SearchError(name, 'quota', `Brave Search: the plan's monthly quota is used up (${detail})`, { status: r.status, hint: 'Wait for the quota to reset, upgrade the plan, or use --provider serper/serpapi/searxng.' });
        }
        return null;
      });
      const body = res.body as BraveBody;
      const hits = (body.web?.results ?? [])
        .filter((h) => typeof h.url === 'string')
        .map((h) => ({ url: h.url!, title: h.title ?? '', snippet: h.description ?? '' }));
      return { hits, hasMore: body.query?.more_results_available ?? hits.length >= 20 };
    },
  };
}
