// What every web-search provider offers discover: one page of results for one query, and its own query
// syntax for favouring Shopify stores. Errors carry a code so callers can branch on it, never on text.

export interface SearchHit {
  url: string;
  title: string;
  snippet: string;
}

export interface SearchPage {
  hits: SearchHit[];
  /** The provider says (or the page was full, so it may be) there is another page. */
  hasMore: boolean;
}

export interface SearchRequest {
  query: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string;
  /** 0-based page number. */
  page: number;
  signal?: AbortSignal;
}

export interface SearchProvider {
  readonly name: string;
  /** Results asked for per page. */
  readonly pageSize: number;
  /** How deep the provider lets us paginate. */
  readonly maxPages: number;
  /** Queries built to favour Shopify stores, in the provider's own operator syntax. */
  queries(keyword: string, country?: string): string[];
  search(req: SearchRequest): Promise<SearchPage>;
}

export interface ProviderConfig {
  apiKey?: string;
  /** The API's base URL (tests point it at a loopback fake; a self-hosted SearXNG lives here). */
  baseUrl?: string;
  timeoutMs?: number;
  /** Retries after 429/5xx. */
  retries?: number;
  /** First backoff delay after a 5xx or a 429 without Retry-After (doubles each time). */
  retryBaseMs?: number;
  /** Longest Retry-After we wait for before giving up with a clear message. */
  maxRetryAfterMs?: number;
  userAgent?: string;
}

export type SearchErrorCode = 'auth' | 'quota' | 'rate_limited' | 'server' | 'bad_request' | 'bad_response' | 'network' | 'config';

export class SearchError extends Error {
  readonly code: SearchErrorCode;
  readonly provider: string;
  readonly status?: number;
  readonly hint?: string;
  constructor(provider: string, code: SearchErrorCode, message: string, opts: { status?: number; hint?: string } = {}) {
    super(message);
    this.name = 'SearchError';
    this.provider = provider;
    this.code = code;
    this.status = opts.status;
    this.hint = opts.hint;
  }
}
