// Fetches what the Shopify signal table looks at (home page headers, cookies and HTML, then /meta.json and,
// when still unsure, /products.json) and returns the verdict. Never throws: an unreachable store is a verdict.
import type { Http, FetchResult } from '../../adapters/http.js';
import { HttpError } from '../../adapters/http.js';
import { judge, type Observation, type Verdict } from '../../domain/shopify-signals.js';

export interface StoreCheck {
  verdict: Verdict | null;
  status: 'open' | 'password' | 'unreachable';
  error: string | null;
  finalUrl: string | null;
  home: FetchResult | null;
}

async function tryJson(http: Http, url: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const r = await http.fetch(url, { accept: 'json', signal });
    return r.ok ? r.body : undefined;
  } catch (err) {
    if (err instanceof HttpError && (err.code === 'aborted' || err.code === 'blocked')) throw err;
    return undefined; // 404, 429, HTML instead of JSON, robots: just no confirmation from this endpoint
  }
}

export async function checkStore(http: Http, baseUrl: string, signal?: AbortSignal): Promise<StoreCheck> {
  let home: FetchResult;
  try {
    home = await http.fetch(baseUrl + '/', { accept: 'html', signal });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { verdict: null, status: 'unreachable', error: msg, finalUrl: null, home: null };
  }
  const obs: Observation = { finalUrl: home.finalUrl, headers: home.headers, cookies: home.cookies, html: home.body };
  if (home.status >= 500 || (home.status >= 400 && home.status !== 401 && home.status !== 403 && home.status !== 404)) {
    // A dead or rate-limiting home page may still carry Shopify headers; judge them, but say what happened.
    const v = judge(obs);
    if (!v.isShopify) return { verdict: null, status: 'unreachable', error: `${home.finalUrl} answered ${home.status}`, finalUrl: home.finalUrl, home };
  }
  // Same origin as where the home page ended up (a redirect to www. or to a custom domain is followed).
  const origin = new URL(home.finalUrl).origin;
  try {
    let v = judge(obs);
    if (v.platforms.length && v.confidence < 0.05) {
      return { verdict: v, status: 'open', error: null, finalUrl: home.finalUrl, home }; // clearly another platform
    }
    obs.metaJson = await tryJson(http, origin + '/meta.json', signal);
    v = judge(obs);
    if (v.confidence < 0.9 && !v.headless) {
      obs.productsJson = await tryJson(http, origin + '/products.json?limit=1', signal);
      v = judge(obs);
    }
    return { verdict: v, status: v.isShopify ? v.status : 'open', error: null, finalUrl: home.finalUrl, home };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { verdict: null, status: 'unreachable', error: msg, finalUrl: home.finalUrl, home };
  }
}
