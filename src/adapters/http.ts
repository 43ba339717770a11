// The crawler's only way onto the web: a polite, bounded, SSRF-guarded fetcher over got.
// Politeness (robots.txt, per-host concurrency and delay, a user agent naming the tool), safety (addresses are
// checked after DNS resolution and on every redirect hop; sizes, types and times are capped) and conditional
// requests (validators are passed in by the caller: adapters never touch the database).
import got, { type Got } from 'got';
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { getMaxListeners, setMaxListeners } from 'node:events';
import ipaddr from 'ipaddr.js';
import pLimit, { type LimitFunction } from 'p-limit';
import robotsParserCjs from 'robots-parser';

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}
// robots-parser is CommonJS whose typings declare an ES default export; at runtime the default is the function.
const robotsParser = ((robotsParserCjs as unknown as { default?: unknown }).default ?? robotsParserCjs) as (url: string, text: string) => Robot;

export const USER_AGENT_TOKEN = 'outreach';
export const DEFAULT_USER_AGENT = `${USER_AGENT_TOKEN}/0.1 (Shopify store research; honours robots.txt)`;

/** The user agent: the tool, its version, and where a site owner can find the operator (their website). */
export function userAgentFor(version: string, operatorUrl?: string): string {
  const contact = operatorUrl && /^https?:\/\/\S+$/i.test(operatorUrl.trim()) ? `+${operatorUrl.trim()}; ` : '';
  return `${USER_AGENT_TOKEN}/${version} (${contact}Shopify store research; honours robots.txt)`;
}

export interface HttpConfig {
  /** Sent with every request; names the tool. */
  userAgent?: string;
  /** Token matched against robots.txt `User-agent:` groups. */
  robotsToken?: string;
  /** Allow loopback and private (RFC 1918, ULA, CGNAT) addresses. Link-local and metadata addresses stay refused. */
  allowPrivate?: boolean;
  /** Whole request (connect + headers + body), per attempt. */
  timeoutMs?: number;
  /** Extra attempts after a retryable failure (network reset, 408, 429, 5xx). */
  retries?: number;
  /** First backoff delay; doubles each attempt, with jitter. */
  retryBaseMs?: number;
  /** A Retry-After longer than this is not waited for: the request gives up with a clear message. */
  maxRetryAfterMs?: number;
  /** Response body cap (decompressed bytes). */
  maxBytes?: number;
  maxRedirects?: number;
  perHostConcurrency?: number;
  /** Minimum time between two request starts on one host (a robots.txt Crawl-delay may raise it). */
  perHostDelayMs?: number;
  globalConcurrency?: number;
  /** Honour robots.txt (default true). */
  robots?: boolean;
  /** Host name → IP address overrides, like curl --resolve (`*.example` wildcards allowed). The guard still applies. */
  hosts?: Record<string, string>;
  /** Custom resolver (tests, benchmarks); default: the system resolver. */
  resolve?: (hostname: string) => Promise<string[]>;
  keepAlive?: boolean;
}

export type Accept = 'html' | 'json' | 'text' | 'any';

export interface FetchOptions {
  accept?: Accept;
  /** Validators from the previous fetch (the `http_cache` table): sends If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
  /** HTML is cut at the size cap and parsed as far as it goes; JSON and others fail. Default: by accept. */
  oversize?: 'truncate' | 'error';
  /** Skip the robots.txt check (robots.txt itself). */
  skipRobots?: boolean;
}

export interface FetchResult {
  url: string;
  finalUrl: string;
  status: number;
  ok: boolean;
  headers: Record<string, string | string[] | undefined>;
  contentType: string;
  body: string;
  bytes: number;
  truncated: boolean;
  notModified: boolean;
  redirects: string[];
  etag: string | null;
  lastModified: string | null;
  /** Cookie names set by the response chain (values are not kept). */
  cookies: string[];
}

export type HttpErrorCode =
  | 'blocked' // SSRF guard
  | 'robots' // disallowed by robots.txt
  | 'timeout'
  | 'too_large'
  | 'content_type'
  | 'redirects'
  | 'rate_limited'
  | 'network'
  | 'bad_url'
  | 'aborted';

export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly url: string;
  readonly status?: number;
  constructor(code: HttpErrorCode, url: string, message: string, status?: number) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.url = url;
    this.status = status;
  }
}

export interface HttpStats {
  requests: number;
  bytes: number;
  retries: number;
  blocked: number;
  robotsDenied: number;
  notModified: number;
}

// ---------------------------------------------------------------------------------------------
// SSRF guard: which addresses a crawler may connect to.

/** Cloud metadata endpoints outside the link-local range (always refused). */
const METADATA = new Set(['fd00:ec2::254', '100.100.100.200']);

function embeddedIPv4(a: ipaddr.IPv6): ipaddr.IPv4 | null {
  if (a.isIPv4MappedAddress()) return a.toIPv4Address();
  const r = a.range();
  const p = a.parts;
  if (r === 'rfc6052' || r === 'rfc6145') return ipaddr.IPv4.parse(`${p[6]! >> 8}.${p[6]! & 255}.${p[7]! >> 8}.${p[7]! & 255}`);
  if (r === '6to4') return ipaddr.IPv4.parse(`${p[1]! >> 8}.${p[1]! & 255}.${p[2]! >> 8}.${p[2]! & 255}`);
  return null;
}

/**
 * Why a crawler must not connect to this address, or null when it may. `allowPrivate` admits loopback and
 * private ranges (tests, the demo, an intranet store) but never link-local or cloud metadata addresses.
 */
export function addressBlockReason(ip: string, allowPrivate = false): string | null {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip.replace(/^\[|\]$/g, ''));
  } catch {
    return `"${ip}" is not an IP address`;
  }
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (METADATA.has(v6.toString())) {
      return `${ip} is a cloud metadata address`;
    }
    const v4 = embeddedIPv4(v6);
    if (v4) {
      const inner = addressBlockReason(v4.toString(), allowPrivate);
      return inner ? `${ip} embeds ${v4.toString()}: ${inner}` : null;
    }
  }
  const s = addr.toString();
  if (METADATA.has(s)) return `${ip} is a cloud metadata address`;
  const range = addr.range();
  switch (range) {
    case 'unicast':
      return null;
    case 'linkLocal':
      return s === '169.254.169.254' ? `${ip} is the cloud metadata address` : `${ip} is a link-local address`;
    case 'loopback':
      return allowPrivate ? null : `${ip} is a loopback address`;
    case 'private':
    case 'uniqueLocal':
    case 'carrierGradeNat':
      return allowPrivate ? null : `${ip} is a private address`;
    default:
      return `${ip} is a ${range} address`;
  }
}

/** Only loopback and private addresses can be allowed; say so when that is the reason. */
function privateHint(reason: string): string {
  return /loopback|private/.test(reason) ? ' (pass --allow-private for stores on your own machine or network)' : '';
}

/** Literal IP hosts (the URL parser already turned decimal, octal and hex forms into dotted quads). */
export function checkUrlHost(url: URL, allowPrivate: boolean): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} URLs are not fetched`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return addressBlockReason(host, allowPrivate);
  if (host === 'localhost' || host.endsWith('.localhost')) return allowPrivate ? null : `${host} is a loopback name`;
  return null;
}

function hostOverride(hosts: Record<string, string> | undefined, hostname: string): string | undefined {
  if (!hosts) return undefined;
  const h = hostname.toLowerCase();
  if (hosts[h]) return hosts[h];
  let i = h.indexOf('.');
  while (i !== -1) {
    const w = hosts['*' + h.slice(i)];
    if (w) return w;
    i = h.indexOf('.', i + 1);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

interface HostState {
  limit: LimitFunction;
  nextAt: number;
  delayMs: number;
}

type RobotsVerdict = { allow: true } | { allow: false; reason: string } | { robot: Robot };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((ok, fail) => {
    if (ms <= 0) return ok();
    if (signal?.aborted) return fail(new HttpError('aborted', '', 'aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      ok();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      fail(new HttpError('aborted', '', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(['ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

function acceptHeader(a: Accept): string {
  switch (a) {
    case 'html':
      return 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1';
    case 'json':
      return 'application/json,text/javascript;q=0.5';
    case 'text':
      return 'text/plain,*/*;q=0.1';
    default:
      return '*/*';
  }
}

function typeMatches(accept: Accept, contentType: string): boolean {
  const t = contentType.split(';')[0]!.trim().toLowerCase();
  switch (accept) {
    case 'html':
      return t === '' || t === 'text/html' || t === 'application/xhtml+xml';
    case 'json':
      return t === 'application/json' || t.endsWith('+json') || t === 'text/javascript' || t === 'application/javascript';
    case 'text':
      return t === '' || t.startsWith('text/');
    default:
      return true;
  }
}

function decode(buf: Buffer, contentType: string): string {
  const m = /charset=["']?([\w-]+)/i.exec(contentType);
  const label = m?.[1]?.toLowerCase();
  if (!label || label === 'utf-8' || label === 'utf8') return buf.toString('utf8');
  try {
    return new TextDecoder(label).decode(buf);
  } catch {
    return buf.toString('utf8');
  }
}

function cookieNames(setCookie: string[] | undefined): string[] {
  if (!setCookie) return [];
  return setCookie.map((c) => c.split('=')[0]!.trim()).filter(Boolean);
}

export interface Http {
  fetch(url: string, opts?: FetchOptions): Promise<FetchResult>;
  /** Whether robots.txt lets us fetch this URL (fetches and caches robots.txt per origin). */
  robotsAllows(url: string, signal?: AbortSignal): Promise<{ allowed: boolean; reason?: string }>;
  readonly stats: HttpStats;
  readonly userAgent: string;
  close(): void;
}

export function createHttp(config: HttpConfig = {}): Http {
  const cfg = {
    userAgent: config.userAgent ?? DEFAULT_USER_AGENT,
    robotsToken: config.robotsToken ?? USER_AGENT_TOKEN,
    allowPrivate: config.allowPrivate ?? false,
    timeoutMs: config.timeoutMs ?? 15_000,
    retries: config.retries ?? 2,
    retryBaseMs: config.retryBaseMs ?? 500,
    maxRetryAfterMs: config.maxRetryAfterMs ?? 60_000,
    maxBytes: config.maxBytes ?? 3 * 1024 * 1024,
    maxRedirects: config.maxRedirects ?? 5,
    perHostConcurrency: config.perHostConcurrency ?? 2,
    perHostDelayMs: config.perHostDelayMs ?? 1000,
    globalConcurrency: config.globalConcurrency ?? 16,
    robots: config.robots ?? true,
    keepAlive: config.keepAlive ?? true,
  };
  const stats: HttpStats = { requests: 0, bytes: 0, retries: 0, blocked: 0, robotsDenied: 0, notModified: 0 };
  const global = pLimit(cfg.globalConcurrency);
  const hostStates = new Map<string, HostState>();
  const robotsCache = new Map<string, Promise<RobotsVerdict>>();

  const resolveHost = async (hostname: string): Promise<string[]> => {
    const override = hostOverride(config.hosts, hostname);
    if (override) return [override];
    if (config.resolve) return config.resolve(hostname);
    const r = await dnsLookup(hostname, { all: true, verbatim: true });
    return r.map((a) => a.address);
  };

  // Every connection goes through this lookup: the guard sees the addresses the socket will use.
  const guardedLookup = ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const opts = (typeof options === 'object' && options ? options : {}) as { all?: boolean; family?: number };
    resolveHost(hostname).then(
      (addrs) => {
        if (!addrs.length) {
          const e = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
          return callback(e);
        }
        for (const a of addrs) {
          const why = addressBlockReason(a, cfg.allowPrivate);
          if (why) {
            const e = Object.assign(new Error(`refused to connect to ${hostname} (${why})`), { code: 'EBLOCKED' });
            return callback(e);
          }
        }
        const family = opts.family === 4 || opts.family === 6 ? opts.family : 0;
        const usable = family ? addrs.filter((a) => isIP(a) === family) : addrs;
        const list = usable.length ? usable : addrs;
        if (opts.all) callback(null, list.map((address) => ({ address, family: isIP(address) })));
        else callback(null, list[0], isIP(list[0]!));
      },
      (err: unknown) => callback(err),
    );
  }) as unknown as LookupFunction;

  const agentOpts = { keepAlive: cfg.keepAlive, maxSockets: Math.max(cfg.perHostConcurrency, 1) * 2, maxFreeSockets: 2, timeout: cfg.timeoutMs };
  const agent = { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) };

  const client: Got = got.extend({
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    decompress: true,
    http2: false,
    dnsLookup: guardedLookup,
    agent,
    timeout: { request: cfg.timeoutMs },
    headers: { 'user-agent': cfg.userAgent, 'accept-encoding': 'gzip, deflate, br' },
  });

  function hostState(host: string): HostState {
    let s = hostStates.get(host);
    if (!s) {
      s = { limit: pLimit(cfg.perHostConcurrency), nextAt: 0, delayMs: cfg.perHostDelayMs };
      hostStates.set(host, s);
    }
    return s;
  }

  interface Attempt {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
    truncated: boolean;
  }

  /** One HTTP exchange (no redirects, no retries), with the body capped. */
  async function exchange(url: URL, headers: Record<string, string>, opts: FetchOptions, accept: Accept): Promise<Attempt> {
    stats.requests++;
    const stream = client.stream(url, { headers, signal: opts.signal });
    stream.on('error', () => {}); // errors are read below; never let one escape as unhandled
    try {
      const response = await new Promise<http.IncomingMessage & { statusCode: number }>((ok, fail) => {
        stream.once('response', ok);
        stream.once('error', fail);
      });
      const status = response.statusCode;
      const resHeaders = response.headers as Record<string, string | string[] | undefined>;
      const ctype = String(resHeaders['content-type'] ?? '');
      const isSuccess = status >= 200 && status < 300;
      if (isSuccess && !typeMatches(accept, ctype)) {
        stream.destroy();
        throw new HttpError('content_type', url.href, `${url.href} answered ${ctype || 'no content type'}, expected ${accept}`, status);
      }
      const oversize = opts.oversize ?? (accept === 'html' || accept === 'text' ? 'truncate' : 'error');
      const declared = Number(resHeaders['content-length'] ?? NaN);
      if (declared > cfg.maxBytes && oversize === 'error') {
        stream.destroy();
        throw new HttpError('too_large', url.href, `${url.href} is ${declared} bytes, over the ${cfg.maxBytes}-byte cap`, status);
      }
      // Error pages and redirects: keep only a little of the body.
      const cap = isSuccess ? cfg.maxBytes : Math.min(cfg.maxBytes, 64 * 1024);
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (size + chunk.length > cap) {
          if (oversize === 'error' && isSuccess) {
            stream.destroy();
            throw new HttpError('too_large', url.href, `${url.href} is over the ${cfg.maxBytes}-byte cap`, status);
          }
          chunks.push(chunk.subarray(0, cap - size));
          size = cap;
          truncated = true;
          stream.destroy();
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
      stats.bytes += size;
      return { status, headers: resHeaders, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), truncated };
    } catch (err) {
      stream.destroy();
      throw toHttpError(err, url.href, opts.signal);
    }
  }

  function toHttpError(err: unknown, url: string, signal?: AbortSignal): HttpError {
    if (err instanceof HttpError) return err;
    const e = err as { code?: string; name?: string; message?: string };
    if (signal?.aborted || e.name === 'AbortError') return new HttpError('aborted', url, `${url}: aborted`);
    if (e.code === 'EBLOCKED') {
      stats.blocked++;
      return new HttpError('blocked', url, `${e.message}${privateHint(e.message ?? '')}`);
    }
    if (e.code === 'ETIMEDOUT' || e.name === 'TimeoutError') {
      return new HttpError('timeout', url, `${url} did not answer within ${Math.round(cfg.timeoutMs / 100) / 10}s`);
    }
    const detail = e.code && e.code !== 'ERR_GOT_REQUEST_ERROR' ? `${e.code}: ${e.message}` : e.message;
    const httpErr = new HttpError('network', url, `${url}: ${detail ?? 'network error'}`);
    (httpErr as { netCode?: string }).netCode = e.code;
    return httpErr;
  }

  /** One hop with politeness and retries. */
  async function hop(url: URL, opts: FetchOptions, accept: Accept, headers: Record<string, string>): Promise<Attempt> {
    const hs = hostState(url.host);
    return hs.limit(async () => {
      for (let attempt = 0; ; attempt++) {
        // Space request starts on one host.
        const now = Date.now();
        const at = Math.max(now, hs.nextAt);
        hs.nextAt = at + hs.delayMs;
        if (at > now) await sleep(at - now, opts.signal);
        let res: Attempt | null = null;
        let error: HttpError | null = null;
        try {
          res = await global(() => exchange(url, headers, opts, accept));
        } catch (err) {
          error = err as HttpError;
        }
        const retryable = res
          ? RETRY_STATUS.has(res.status)
          : error!.code === 'network' && RETRY_CODES.has((error as { netCode?: string }).netCode ?? '');
        if (!retryable || attempt >= cfg.retries) {
          if (error) throw error;
          if (res!.status === 429) {
            const wait = parseRetryAfter(res!.headers['retry-after']);
            throw new HttpError(
              'rate_limited',
              url.href,
              `${url.host} is rate-limiting us (429${wait !== null ? `, Retry-After ${Math.ceil(wait / 1000)}s` : ''}) after ${attempt + 1} attempt(s)`,
              429,
            );
          }
          return res!;
        }
        let wait = cfg.retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
        const retryAfter = res ? parseRetryAfter(res.headers['retry-after']) : null;
        if (retryAfter !== null) {
          if (retryAfter > cfg.maxRetryAfterMs) {
            throw new HttpError(
              'rate_limited',
              url.href,
              `${url.host} asked us to wait ${Math.ceil(retryAfter / 1000)}s (Retry-After), longer than the ${Math.ceil(cfg.maxRetryAfterMs / 1000)}s we wait; try later`,
              res!.status,
            );
          }
          wait = Math.max(wait, retryAfter);
        }
        stats.retries++;
        await sleep(wait, opts.signal);
      }
    });
  }

  async function robotsFor(origin: string, signal?: AbortSignal): Promise<RobotsVerdict> {
    let p = robotsCache.get(origin);
    if (!p) {
      p = (async (): Promise<RobotsVerdict> => {
        const robotsUrl = origin + '/robots.txt';
        let r: FetchResult;
        try {
          r = await doFetch(robotsUrl, { accept: 'any', skipRobots: true, signal, oversize: 'truncate' });
        } catch (err) {
          const e = err as HttpError;
          if (e.code === 'content_type') return { allow: true };
          throw err;
        }
        if (r.status >= 400 && r.status < 500) return { allow: true }; // RFC 9309: unavailable means allowed
        if (r.status >= 500 || r.status < 200 || r.status >= 300) {
          return { allow: false, reason: `robots.txt answered ${r.status}; RFC 9309 says to treat the site as disallowed until it recovers` };
        }
        const robot = robotsParser(robotsUrl, r.body);
        const delay = robot.getCrawlDelay(cfg.robotsToken);
        if (typeof delay === 'number' && delay > 0 && cfg.perHostDelayMs > 0) {
          const hs = hostState(new URL(origin).host);
          hs.delayMs = Math.max(hs.delayMs, Math.min(delay * 1000, 30_000));
        }
        return { robot };
      })();
      robotsCache.set(origin, p);
      // A failed robots fetch (network) is not cached forever: the next call retries.
      p.catch(() => robotsCache.delete(origin));
    }
    return p;
  }

  async function robotsAllows(url: string, signal?: AbortSignal): Promise<{ allowed: boolean; reason?: string }> {
    if (!cfg.robots) return { allowed: true };
    const u = new URL(url);
    const v = await robotsFor(u.origin, signal);
    if ('robot' in v) {
      const ok = v.robot.isAllowed(u.href, cfg.robotsToken) !== false;
      return ok ? { allowed: true } : { allowed: false, reason: `robots.txt disallows ${u.pathname} for ${cfg.robotsToken}` };
    }
    return v.allow ? { allowed: true } : { allowed: false, reason: v.reason };
  }

  async function doFetch(input: string, opts: FetchOptions = {}): Promise<FetchResult> {
    const accept = opts.accept ?? 'html';
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new HttpError('bad_url', input, `"${input}" is not a valid URL`);
    }
    const redirects: string[] = [];
    const seen = new Set<string>();
    const cookies: string[] = [];
    for (;;) {
      const why = checkUrlHost(url, cfg.allowPrivate);
      if (why) {
        stats.blocked++;
        const via = redirects.length ? ` (redirected from ${redirects[0]})` : '';
        throw new HttpError('blocked', url.href, `refused to fetch ${url.href}${via}: ${why}${privateHint(why)}`);
      }
      if (!opts.skipRobots) {
        const r = await robotsAllows(url.href, opts.signal);
        if (!r.allowed) {
          stats.robotsDenied++;
          throw new HttpError('robots', url.href, `${url.href}: ${r.reason}`);
        }
      }
      seen.add(url.href);
      const headers: Record<string, string> = { accept: acceptHeader(accept) };
      if (redirects.length === 0) {
        if (opts.etag) headers['if-none-match'] = opts.etag;
        if (opts.lastModified) headers['if-modified-since'] = opts.lastModified;
      }
      const res = await hop(url, opts, accept, headers);
      const sc = res.headers['set-cookie'];
      cookies.push(...cookieNames(Array.isArray(sc) ? sc : sc ? [sc] : undefined));
      const location = res.headers['location'];
      if ([301, 302, 303, 307, 308].includes(res.status) && typeof location === 'string' && location) {
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new HttpError('redirects', url.href, `${url.href} redirects to an invalid address "${location}"`, res.status);
        }
        redirects.push(url.href);
        if (seen.has(next.href)) {
          throw new HttpError('redirects', input, `redirect loop: ${[...redirects, next.href].join(' → ')}`, res.status);
        }
        if (redirects.length > cfg.maxRedirects) {
          throw new HttpError('redirects', input, `more than ${cfg.maxRedirects} redirects from ${input}`, res.status);
        }
        url = next;
        continue;
      }
      const contentType = String(res.headers['content-type'] ?? '');
      if (res.status === 304) stats.notModified++;
      const header = (n: string) => {
        const v = res.headers[n];
        return (Array.isArray(v) ? v[0] : v) ?? null;
      };
      return {
        url: input,
        finalUrl: url.href,
        status: res.status,
        ok: res.status >= 200 && res.status < 300,
        headers: res.headers,
        contentType,
        body: res.status === 304 ? '' : decode(res.body, contentType),
        bytes: res.body.length,
        truncated: res.truncated,
        notModified: res.status === 304,
        redirects,
        etag: header('etag'),
        lastModified: header('last-modified'),
        cookies,
      };
    }
  }

  // Each request in flight (and each per-host wait) listens on the caller's abort signal. Allow that many,
  // plus some for the caller's own listeners, without Node's "possible EventTarget memory leak" warning on
  // stderr (which cron would mail to the user). Done here because this adapter owns the concurrency.
  const listenerRoom = cfg.globalConcurrency * 2 + 16;
  const roomMade = new WeakSet<AbortSignal>();
  const makeRoom = (signal: AbortSignal | undefined) => {
    if (!signal || roomMade.has(signal)) return;
    roomMade.add(signal);
    if (getMaxListeners(signal) < listenerRoom) setMaxListeners(listenerRoom, signal);
  };

  return {
    fetch: (input: string, opts: FetchOptions = {}) => {
      makeRoom(opts.signal);
      return doFetch(input, opts);
    },
    robotsAllows: (url: string, signal?: AbortSignal) => {
      makeRoom(signal);
      return robotsAllows(url, signal);
    },
    stats,
    userAgent: cfg.userAgent,
    close() {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}
