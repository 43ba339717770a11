// The HTTP part shared by the search providers: JSON requests with retries on 429 and 5xx that honour
// Retry-After (within a bound), and every failure turned into a SearchError with a code and a clear message.
import got, { type Method } from 'got';
import { parseRetryAfter } from '../http.js';
import { SearchError, type ProviderConfig } from './types.js';

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export interface JsonRequest {
  method?: Method;
  url: URL;
  headers?: Record<string, string>;
  json?: unknown;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((ok) => {
    const t = setTimeout(ok, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      ok();
    }, { once: true });
  });

/** Describes an error body in a few words, whatever shape the provider uses. */
export function errorDetail(body: unknown, text: string): string {
  const b = body as Record<string, unknown> | null;
  if (b && typeof b === 'object') {
    const e = b.error as Record<string, unknown> | string | undefined;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object') return String(e.detail ?? e.message ?? e.code ?? JSON.stringify(e));
    if (typeof b.message === 'string') return b.message;
    if (typeof b.detail === 'string') return b.detail;
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

export type Classifier = (res: JsonResponse) => SearchError | null;

/**
 * Sends a request; retries 429 and 5xx (with Retry-After when given); returns a 2xx JSON response or throws
 * the SearchError the provider's classifier (or the generic one) makes of the failure.
 */
export async function requestJson(provider: string, cfg: ProviderConfig, req: JsonRequest, classify: Classifier): Promise<JsonResponse> {
  const retries = cfg.retries ?? 2;
  const maxWait = cfg.maxRetryAfterMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    let res: JsonResponse;
    try {
      const r = await got(req.url, {
        method: req.method ?? 'GET',
        headers: { accept: 'application/json', 'user-agent': cfg.userAgent ?? 'outreach/0.1', ...req.headers },
        json: req.json,
        throwHttpErrors: false,
        retry: { limit: 0 },
        timeout: { request: cfg.timeoutMs ?? 20_000 },
        signal: req.signal,
      });
      let body: unknown = null;
      try {
        body = r.body ? JSON.parse(r.body) : null;
      } catch {
        body = null;
      }
      res = { status: r.statusCode, headers: r.headers, body, text: r.body };
    } catch (err) {
      const e = err as { code?: string; message?: string; name?: string };
      if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
        throw new SearchError(provider, 'network', `${provider} did not answer within ${Math.round((cfg.timeoutMs ?? 20_000) / 1000)}s`);
      }
      throw new SearchError(provider, 'network', `cannot reach ${provider} at ${req.url.origin}: ${e.code ?? e.message}`, {
        hint: 'Check the network, or the base URL setting for this provider.',
      });
    }
    if (res.status >= 200 && res.status < 300) {
      const specific = classify(res);
      if (specific) throw specific;
      if (res.body === null || typeof res.body !== 'object') {
        throw new SearchError(provider, 'bad_response', `${provider} answered ${res.status} with something that is not JSON: ${res.text.slice(0, 120)}`);
      }
      return res;
    }
    const error = classify(res) ?? genericError(provider, res);
    const retryable = error.code === 'rate_limited' || error.code === 'server';
    if (!retryable || attempt >= retries) throw error;
    const after = parseRetryAfter(res.headers['retry-after']);
    if (after !== null && after > maxWait) {
      throw new SearchError(provider, 'rate_limited', `${provider} asks us to wait ${Math.ceil(after / 1000)}s before the next search (Retry-After)`, {
        status: res.status,
        hint: 'Run discover again later, or use another provider with --provider.',
      });
    }
    await sleep(after ?? (cfg.retryBaseMs ?? 500) * 2 ** attempt, req.signal);
    if (req.signal?.aborted) throw error;
  }
}

export function genericError(provider: string, res: JsonResponse): SearchError {
  const detail = errorDetail(res.body, res.text);
  const s = res.status;
  if (s === 401 || s === 403) {
    return new SearchError(provider, 'auth', `${provider} refused the API key (${s}${detail ? `: ${detail}` : ''})`, {
      status: s,
      hint: `Check the ${provider} API key in .env.`,
    });
  }
  if (s === 402) return new SearchError(provider, 'quota', `${provider}: the plan's search quota is used up (${detail})`, { status: s, hint: 'Wait for the quota to reset or upgrade the plan.' });
  if (s === 429) {
    const after = parseRetryAfter(res.headers['retry-after']);
    return new SearchError(provider, 'rate_limited', `${provider} is rate-limiting us (429${after !== null ? `, retry after ${Math.ceil(after / 1000)}s` : ''})${detail ? `: ${detail}` : ''}`, {
      status: s,
      hint: 'Run discover again later, or lower --limit.',
    });
  }
  if (s >= 500) return new SearchError(provider, 'server', `${provider} had a server error (${s})${detail ? `: ${detail}` : ''}`, { status: s, hint: 'Try again later.' });
  return new SearchError(provider, 'bad_request', `${provider} rejected the search (${s})${detail ? `: ${detail}` : ''}`, { status: s });
}

export function joinUrl(base: string, path: string): URL {
  const b = base.endsWith('/') ? base : base + '/';
  return new URL(path.replace(/^\//, ''), b);
}
