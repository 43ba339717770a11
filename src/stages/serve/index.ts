// `serve`: binds the dashboard and public endpoints (./app.ts) to a host and port and returns a handle.
import type { Db } from '../../db/open.js';
import { listen, isLoopback, type ServerHandle } from '../../adapters/http-server.js';
import { createApp, type ServeOptions } from './app.js';
import { UnsubscribeSpool, drainSpool, startSpoolApplier, type SpoolApplied } from './spool.js';

export { createApp, deriveDashboardToken, type ServeOptions } from './app.js';
export { draftStageReviewer, type DraftReviewer } from './review.js';
export { makeTrackingToken, verifyTrackingToken, openPixelUrl, clickUrl } from './tracking.js';
export { UnsubscribeSpool, drainSpool, spoolDirFor, type SpoolApplied } from './spool.js';

/**
 * How long a request waits for a lock held by another process before serve stops waiting: better-sqlite3 is
 * synchronous, so this is how long the whole server may stand still. Unsubscribes that meet a longer lock go
 * to the spool; pages answer 503 with Retry-After.
 */
export const SERVE_BUSY_TIMEOUT_MS = 50;

export interface StartOptions extends Omit<ServeOptions, 'allowedHosts' | 'spool' | 'onSpooled'> {
  host: string;
  port: number;
  /** Busy timeout of the server's connection (default SERVE_BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
  /** First retry of spooled unsubscribes while the database stays locked (ms, doubling up to 5 s; default 250). */
  spoolRetryMs?: number;
  /** Called when spooled unsubscribes were applied to the database (the CLI logs it). */
  onSpoolApplied?: (r: SpoolApplied) => void;
}

/**
 * Starts the server. On a loopback binding the dashboard answers only to loopback host names
 * (so a web page cannot reach it through DNS rebinding); elsewhere the dashboard token guards it.
 */
export async function startServe(db: Db, opts: StartOptions): Promise<ServerHandle & { loopback: boolean }> {
  const loopback = isLoopback(opts.host);
  if (!loopback && !opts.dashboardToken) {
    throw new Error('a dashboard token is required when serving on a non-loopback address');
  }
  // Never wait long for another process's lock: the event loop would stand still for every request.
  db.sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? SERVE_BUSY_TIMEOUT_MS))}`);
  const spool = UnsubscribeSpool.forDb(db);
  let allowedHosts: string[] = [];
  const app = (req: Parameters<ReturnType<typeof createApp>>[0], res: Parameters<ReturnType<typeof createApp>>[1]) => handler(req, res);
  let handler: ReturnType<typeof createApp> = async (_req, res) => {
    res.writeHead(503, { 'retry-after': '1' }).end();
  };
  const handle = await listen(app, { host: opts.host, port: opts.port, onError: opts.onError });
  if (loopback) {
    const p = handle.port;
    allowedHosts = [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, `${opts.host}:${p}`];
  }
  // Unsubscribes spooled while the database was locked (by this server before it was stopped or killed,
  // or by another one) are applied now, then whenever the spool holds some.
  const applier = spool ? startSpoolApplier(db, spool, { retryMs: opts.spoolRetryMs, onApplied: opts.onSpoolApplied, onError: opts.onError }) : null;
  applier?.attempt();
  handler = createApp(db, { ...opts, allowedHosts, spool, onSpooled: () => applier?.kick() });
  return {
    ...handle,
    loopback,
    close: async () => {
      await handle.close();
      applier?.stop();
      // A last attempt: what stays is applied at the next start or by the next `send`.
      if (spool) {
        try {
          drainSpool(db, spool);
        } catch {
          // still locked
        }
      }
    },
  };
}
