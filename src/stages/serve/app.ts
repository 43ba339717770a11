// The `serve` stage: one request handler for the local dashboard and the public endpoints mail needs
// (one-click unsubscribe per RFC 8058, optional open/click tracking). The CLI reads the secrets and
// binds the socket; this module decides who may do what:
//   - /u/<token>, /o/<token>, /c/<token>, /healthz and /static/* are public;
//   - everything else is the dashboard: on a loopback binding it trusts the machine but checks the Host
//     header (DNS rebinding); elsewhere it requires the dashboard token (cookie after ?token=, or Bearer);
//   - every POST of the dashboard carries a CSRF token and must come from our own origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/open.js';
import { HttpError, parseCookies, parseForm, readBody } from '../../adapters/http-server.js';
import { verifyUnsubscribeToken } from '../../domain/unsubscribe.js';
import { renderReportHtml } from '../../domain/report-html.js';
import { buildReport, campaignsReport, variantsReport, REPORT_KINDS } from '../report/index.js';
import * as q from './queries.js';
import * as pages from './pages.js';
import { verifyTrackingToken, PIXEL_GIF } from './tracking.js';
import type { DraftReviewer } from './review.js';
import { isDbBusy } from '../../errors.js';
import type { UnsubscribeSpool } from './spool.js';

export interface ServeOptions {
  /** OUTREACH_SECRET: verifies unsubscribe and tracking tokens. Without it /u/ answers 503. */
  secret: string | null;
  /** Required for the dashboard when set (the CLI sets it whenever the binding is not loopback). */
  dashboardToken: string | null;
  /** Host names the dashboard answers to (anti DNS-rebinding), e.g. 127.0.0.1:8080, localhost:8080. Empty: any. */
  allowedHosts: string[];
  /** Open and click tracking endpoints (off by default). */
  tracking: boolean;
  /**
   * Draft review. The CLI passes the draft stage's rules (./review.ts: compliance re-checked, a rejection
   * stops the sequence); without one, a minimal built-in review (pending → approved/rejected) is used.
   */
  reviewer?: DraftReviewer;
  /**
   * Where an unsubscribe goes when the database cannot take it at once (another process holds the write
   * lock): written durably there, answered 200, applied later (./spool.ts). Without one, such a request
   * gets a 503 with Retry-After.
   */
  spool?: UnsubscribeSpool | null;
  /** Called after an unsubscribe was spooled (serve's retry timer applies it when the lock is free). */
  onSpooled?: () => void;
  /** Called with unexpected errors (the CLI logs them). */
  onError?: (err: unknown) => void;
  /** Called for each request, for an access log. */
  onRequest?: (line: string) => void;
}

const SESSION_COOKIE = 'outreach_session';

/** The dashboard token derived from OUTREACH_SECRET when OUTREACH_DASHBOARD_TOKEN is not set. */
export function deriveDashboardToken(secret: string): string {
  return createHmac('sha256', secret).update('outreach:dashboard-token').digest().subarray(0, 24).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function securityHeaders(nonce: string | null): Record<string, string> {
  const style = nonce ? `'self' 'nonce-${nonce}'` : `'self'`;
  return {
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src ${style}; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on our own form posts.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
    'cache-control': 'no-store',
  };
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/html; charset=utf-8', extra: Record<string, string> = {}, nonce: string | null = null): void {
  res.writeHead(status, { ...securityHeaders(nonce), 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function redirect(res: ServerResponse, location: string, status = 303, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...securityHeaders(null), location, 'content-length': '0', ...extra });
  res.end();
}

/** Only same-site relative paths are followed after a form post. */
function safeBack(v: string | undefined, fallback: string): string {
  return v && /^\/(?!\/)[\w\-./?=&%+~:;,@]*$/.test(v) && !v.includes('\\') ? v : fallback;
}

function withFlash(path: string, kind: 'flash' | 'error', text: string): string {
  const [p, query = ''] = path.split('?');
  const params = new URLSearchParams(query);
  params.delete('flash');
  params.delete('error');
  params.set(kind, text.slice(0, 300));
  return `${p}?${params.toString()}`;
}

function intParam(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function filterFrom(get: (k: string) => string | null | undefined): q.LeadFilter {
  const sort = get('sort') ?? undefined;
  const shopify = get('shopify');
  return {
    q: get('q') ?? undefined,
    stage: get('stage') || undefined,
    tag: get('tag') || undefined,
    country: get('country') || undefined,
    minFit: intParam(get('minFit')),
    minIntent: intParam(get('minIntent')),
    shopify: shopify === 'yes' || shopify === 'no' ? shopify : undefined,
    sort: sort && sort in q.SORTS ? sort : undefined,
    dir: get('dir') === 'asc' ? 'asc' : get('dir') === 'desc' ? 'desc' : undefined,
    page: intParam(get('page')),
  };
}

export function createApp(db: Db, opts: ServeOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Per-process keys: restarting `serve` logs dashboard sessions out and expires CSRF tokens.
  const csrfKey = randomBytes(32);
  // A session cookie is "<expiry>.<HMAC(token, expiry)>": it expires on the server too, and changing
  // the token logs every browser out. The token itself never goes into a cookie.
  const SESSION_DAYS = 7;
  const sessionMac = (expiry: string) => createHmac('sha256', opts.dashboardToken ?? '').update(`session:${expiry}`).digest('base64url');
  const newSession = () => {
    const expiry = String(Math.floor(Date.now() / 1000) + SESSION_DAYS * 86_400);
    return `${expiry}.${sessionMac(expiry)}`;
  };
  const validSession = (cookie: string | undefined) => {
    const m = /^(\d{1,12})\.([\w-]+)$/.exec(cookie ?? '');
    return Boolean(m && opts.dashboardToken && Number(m[1]) * 1000 > Date.now() && safeEqual(m[2]!, sessionMac(m[1]!)));
  };
  const allowed = new Set(opts.allowedHosts.map((h) => h.toLowerCase()));

  const csrfFor = (req: IncomingMessage) => {
    // Bound to the session cookie when there is one, so a token leaked from one browser is useless elsewhere.
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? 'local';
    return createHmac('sha256', csrfKey).update(sid).digest('base64url');
  };

  const authorized = (req: IncomingMessage): boolean => {
    if (!opts.dashboardToken) return true;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), opts.dashboardToken)) return true;
    return validSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
  };

  const checkPost = async (req: IncomingMessage): Promise<Map<string, string[]>> => {
    // Browsers send Origin on POST; a form on another site shows its own origin here.
    const origin = req.headers.origin;
    const host = req.headers.host ?? '';
    if (origin && origin !== 'null') {
      let ok = false;
      try {
        ok = new URL(origin).host.toLowerCase() === host.toLowerCase();
      } catch {
        ok = false;
      }
      if (!ok) throw new HttpError(403, 'Cross-site request refused.');
    } else if (origin === 'null') {
      throw new HttpError(403, 'Cross-site request refused.');
    }
    if (req.headers['sec-fetch-site'] && !['same-origin', 'none'].includes(String(req.headers['sec-fetch-site']))) {
      throw new HttpError(403, 'Cross-site request refused.');
    }
    const form = parseForm(req.headers['content-type'], await readBody(req, 2_000_000));
    const token = form.get('csrf')?.[0] ?? String(req.headers['x-csrf-token'] ?? '');
    if (!token || !safeEqual(token, csrfFor(req))) throw new HttpError(403, 'Missing or expired form token: reload the page and try again.');
    return form;
  };

  // The filter drop-downs scan the leads table: recomputed at most once a minute.
  let options: { at: number; value: ReturnType<typeof q.filterOptions> } | null = null;
  const filterOptions = () => {
    if (!options || Date.now() - options.at > 60_000) options = { at: Date.now(), value: q.filterOptions(db) };
    return options.value;
  };

  const pageCtx = (req: IncomingMessage, url: URL): pages.PageCtx => ({
    csrf: csrfFor(req),
    flash: url.searchParams.get('flash'),
    error: url.searchParams.get('error'),
  });

  // ----- public endpoints -------------------------------------------------------------------

  /** A read that may find the database unavailable (locked in an exclusive mode, I/O error): undefined then. */
  const tryRead = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!isDbBusy(err)) opts.onError?.(err);
      return undefined;
    }
  };

  let skipDbUntil = 0;

  async function unsubscribeRoute(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
      return send(res, 405, 'Method not allowed', 'text/plain; charset=utf-8', { allow: 'GET, POST' });
    }
    if (!opts.secret) return send(res, 503, pages.plainPage('Unavailable', '<h1>Unsubscribe is not configured</h1><p>Please reply to the email with "unsubscribe".</p>'));
    const messageId = verifyUnsubscribeToken(opts.secret, token);
    if (!messageId) {
      return send(res, 404, pages.plainPage('Invalid link', '<h1>This unsubscribe link is not valid</h1><p>Please reply to the email with "unsubscribe" and we will remove you.</p>'));
    }
    // undefined: the database could not be read just now (the token is valid all the same).
    const m = tryRead(() => q.findMessage(db, messageId));
    if (req.method === 'POST') {
      // RFC 8058: the body is "List-Unsubscribe=One-Click" (urlencoded or multipart). No CSRF token:
      // the signed token is the capability, and mail providers post without cookies or origins.
      const form = parseForm(req.headers['content-type'], await readBody(req, 64_000));
      const value = form.get('List-Unsubscribe')?.[0];
      if (value !== 'One-Click') {
        return send(res, 400, pages.plainPage('Unsubscribe', '<h1>Missing List-Unsubscribe=One-Click</h1>'));
      }
      const via = req.headers['sec-fetch-mode'] === 'navigate' ? 'confirmation page' : 'one-click';
      if (m !== null) {
        // The connection's busy timeout is short (tens of ms): a lock held longer by another process
        // (a big import, a VACUUM) must not freeze the server, and the request must not be lost either.
        // Right after a request found the lock held, the next ones go straight to the spool for a moment:
        // a burst of unsubscribes during a long import must not each stand the server still for the timeout.
        let recorded = false;
        if (m && (!opts.spool || Date.now() >= skipDbUntil)) {
          try {
            q.unsubscribe(db, m, via);
            recorded = true;
          } catch (err) {
            if (isDbBusy(err)) skipDbUntil = Date.now() + 1000;
            else opts.onError?.(err);
          }
        }
        if (!recorded) {
          try {
            if (!opts.spool) throw new Error('the database is busy and there is no unsubscribe spool');
            opts.spool.add(messageId, via);
          } catch (err) {
            opts.onError?.(err);
            return send(
              res,
              503,
              pages.plainPage('Unsubscribe', '<h1>Please try again in a minute</h1><p>We could not record your request just now. You can also reply to the email with "unsubscribe".</p>'),
              'text/html; charset=utf-8',
              { 'retry-after': '60' },
            );
          }
          opts.onSpooled?.();
        }
      }
      return send(res, 200, pages.unsubscribeConfirmPage(token, m?.to_email ?? null, true));
    }
    // GET (and HEAD) never change anything: link scanners and previews follow GETs.
    const done = (m ? tryRead(() => q.isEmailSuppressed(db, m.to_email)) === true : false) || Boolean(opts.spool?.has(messageId));
    return send(res, 200, pages.unsubscribeConfirmPage(token, m?.to_email ?? null, done), 'text/html; charset=utf-8', { 'x-robots-tag': 'noindex' });
  }

  /** Tracking is best effort: while the database is locked an open or click is not recorded (never a failed pixel or redirect). */
  const tryTrack = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (!isDbBusy(err)) throw err;
    }
  };

  function openRoute(res: ServerResponse, token: string): void {
    const id = opts.secret ? verifyTrackingToken(opts.secret, token.replace(/\.gif$/, '')) : null;
    const m = id ? tryRead(() => q.findMessage(db, id)) : null;
    if (m) tryTrack(() => q.recordTracking(db, m, 'opened', {}));
    // Always the pixel: a broken image tells nobody anything.
    send(res, 200, PIXEL_GIF, 'image/gif', { 'cross-origin-resource-policy': 'cross-origin' });
  }

  function clickRoute(res: ServerResponse, token: string, url: URL): void {
    const target = url.searchParams.get('u') ?? '';
    const id = opts.secret ? verifyTrackingToken(opts.secret, token) : null;
    const m = id ? q.findMessage(db, id) : null;
    if (!m) return send(res, 404, pages.plainPage('Invalid link', '<h1>This link is not valid</h1>'));
    const href = pages.safeHref(target);
    // Only a URL this message carried: never an open redirect to whatever the query says.
    if (!href || !(q.messageLinks(db, m).has(target) || q.messageLinks(db, m).has(href))) {
      return send(res, 400, pages.plainPage('Unknown link', '<h1>This link was not in the email</h1>'));
    }
    tryTrack(() => q.recordTracking(db, m, 'clicked', { url: target }));
    redirect(res, href, 302);
  }

  // ----- dashboard ------------------------------------------------------------------------------

  async function dashboard(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    // HEAD is answered like GET (node sends the headers only).
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    if (method === 'GET' && path === '/') return redirect(res, '/leads', 302);
    if (method === 'GET' && path === '/leads') {
      const f = filterFrom((k) => url.searchParams.get(k));
      return send(res, 200, pages.leadsPage(q.listLeads(db, f), f, filterOptions(), pageCtx(req, url)));
    }
    const leadMatch = /^\/leads\/(\d+)$/.exec(path);
    if (method === 'GET' && leadMatch) {
      const d = q.leadDetail(db, Number(leadMatch[1]));
      if (!d) return send(res, 404, pages.plainPage('Not found', '<h1>No such lead</h1><p><a href="/leads">Back to leads</a></p>'));
      return send(res, 200, pages.leadPage(d, pageCtx(req, url)));
    }
    if (method === 'POST' && path === '/leads/bulk') {
      const form = await checkPost(req);
      const get = (k: string) => form.get(k)?.[0];
      const back = safeBack(get('back'), '/leads');
      const action = get('action');
      let ids = (form.get('ids') ?? []).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
      if (get('scope') === 'all') ids = q.matchingLeadIds(db, filterFrom((k) => get(`f_${k}`)));
      if (!ids.length) return redirect(res, withFlash(back, 'error', 'Select at least one lead.'));
      if (action === 'tag') {
        const tag = (get('tag') ?? '').trim();
        if (!q.TAG_RE.test(tag)) return redirect(res, withFlash(back, 'error', 'A tag is 1 to 64 letters, digits, spaces, dots, colons, dashes or underscores.'));
        const n = q.tagLeads(db, ids, tag);
        return redirect(res, withFlash(back, 'flash', `Tagged ${n} lead${n === 1 ? '' : 's'} "${tag}".`));
      }
      if (action === 'suppress') {
        const n = q.suppressLeads(db, ids);
        return redirect(res, withFlash(back, 'flash', `Suppressed ${n} lead${n === 1 ? '' : 's'}: their domains will never be mailed.`));
      }
      if (action === 'export') {
        const { stringify } = await import('csv-stringify/sync');
        const csv = stringify(q.exportLeads(db, ids).map((r) => r.map((v) => (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v))));
        return send(res, 200, csv, 'text/csv; charset=utf-8', { 'content-disposition': `attachment; filename="leads-${new Date().toISOString().slice(0, 10)}.csv"` });
      }
      throw new HttpError(400, 'Unknown action.');
    }
    if (method === 'GET' && path === '/drafts') {
      const status = url.searchParams.get('status') ?? 'pending';
      if (!['pending', 'approved', 'rejected', 'blocked', 'sent'].includes(status)) throw new HttpError(400, 'Unknown status.');
      return send(res, 200, pages.draftsPage(q.listDrafts(db, status), status, q.draftCounts(db), pageCtx(req, url)));
    }
    const draftMatch = /^\/drafts\/(\d+)$/.exec(path);
    if (method === 'POST' && draftMatch) {
      const form = await checkPost(req);
      const get = (k: string) => form.get(k)?.[0];
      const back = safeBack(get('back'), '/drafts');
      const action = get('action');
      if (action !== 'approve' && action !== 'reject' && action !== 'save') throw new HttpError(400, 'Unknown action.');
      const id = Number(draftMatch[1]);
      const r = opts.reviewer
        ? action === 'approve'
          ? opts.reviewer.approve(id, get('note'))
          : action === 'reject'
            ? opts.reviewer.reject(id, get('note'))
            : opts.reviewer.edit(id, get('subject') ?? '', get('body') ?? '')
        : q.reviewDraft(db, id, action, { note: get('note'), subject: get('subject'), body: get('body') });
      return redirect(res, r.ok ? withFlash(back, 'flash', action === 'save' ? 'Draft saved.' : `Draft ${r.status}.`) : withFlash(back, 'error', r.reason));
    }
    if (method === 'GET' && path === '/campaigns') {
      return send(res, 200, pages.campaignsPage(campaignsReport(db).campaigns, variantsReport(db).steps, pageCtx(req, url)));
    }
    if (method === 'GET' && path === '/report') {
      const nonce = randomBytes(16).toString('base64');
      const report = buildReport(db, REPORT_KINDS, { activity: true });
      return send(res, 200, renderReportHtml(report, { nonce }), 'text/html; charset=utf-8', {}, nonce);
    }
    if (method === 'GET' && path === '/api/report') {
      return send(res, 200, JSON.stringify(buildReport(db, REPORT_KINDS, { activity: true })), 'application/json; charset=utf-8');
    }
    return send(res, 404, pages.plainPage('Not found', '<h1>Not found</h1><p><a href="/leads">Back to leads</a></p>'));
  }

  // ----- the handler ----------------------------------------------------------------------------

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    res.on('finish', () => opts.onRequest?.(`${req.method} ${(req.url ?? '').replace(/\/(u|o|c)\/[^/?]+/, '/$1/…').replace(/token=[^&]+/, 'token=…')} ${res.statusCode} ${Date.now() - started}ms`));
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, 'Bad request');
    }
    const path = url.pathname;
    if (path === '/healthz') return send(res, 200, 'ok\n', 'text/plain; charset=utf-8');
    if (path === '/static/app.css') return send(res, 200, pages.DASHBOARD_CSS, 'text/css; charset=utf-8', { 'cache-control': 'public, max-age=300' });
    if (path === '/static/app.js') return send(res, 200, pages.APP_JS, 'text/javascript; charset=utf-8', { 'cache-control': 'public, max-age=300' });
    if (path === '/favicon.ico') return send(res, 204, '', 'image/x-icon');
    const u = /^\/u\/([^/]+)$/.exec(path);
    if (u) {
      let token = u[1]!;
      try {
        token = decodeURIComponent(token);
      } catch {
        // a malformed escape is just an invalid token
      }
      return unsubscribeRoute(req, res, token);
    }
    if (opts.tracking) {
      const o = /^\/o\/([^/]+)$/.exec(path);
      if (o && req.method === 'GET') return openRoute(res, o[1]!);
      const c = /^\/c\/([^/]+)$/.exec(path);
      if (c && req.method === 'GET') return clickRoute(res, c[1]!, url);
    }
    // The dashboard from here on.
    if (allowed.size && !allowed.has(String(req.headers.host ?? '').toLowerCase())) {
      return send(res, 421, 'Unknown host name: open the dashboard at the address `outreach serve` printed.', 'text/plain; charset=utf-8');
    }
    if (opts.dashboardToken) {
      const given = url.searchParams.get('token');
      if (given !== null && req.method === 'GET') {
        if (!safeEqual(given, opts.dashboardToken)) return send(res, 401, pages.plainPage('Sign in', '<h1>Wrong dashboard token</h1>'));
        url.searchParams.delete('token');
        const rest = url.searchParams.toString();
        return redirect(res, `${url.pathname}${rest ? `?${rest}` : ''}`, 303, {
          // Secure when a TLS-terminating proxy says the browser came over HTTPS.
          'set-cookie': `${SESSION_COOKIE}=${newSession()}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_DAYS * 86_400}${req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : ''}`,
        });
      }
      if (!authorized(req)) {
        return send(res, 401, pages.plainPage('Sign in', '<h1>Dashboard token required</h1><p>Open the address with <code>?token=…</code> that <code>outreach serve</code> printed.</p>'), 'text/html; charset=utf-8', {
          'www-authenticate': 'Bearer realm="outreach"',
        });
      }
    }
    return dashboard(req, res, url);
  };

  // The connection's busy timeout is short: a page that needs the database while another process holds
  // it in a way that stops readers too gets a clear 503 with Retry-After (never a frozen server).
  return async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      if (!isDbBusy(err) || res.headersSent) throw err;
      send(
        res,
        503,
        pages.plainPage('Busy', '<h1>The database is busy</h1><p>Another outreach command is writing to it (an import, a vacuum). Try again in a few seconds.</p>'),
        'text/html; charset=utf-8',
        { 'retry-after': '5' },
      );
    }
  };
}
