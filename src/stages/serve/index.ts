// `serve`: binds the dashboard and public endpoints (./app.ts) to a host and port and returns a handle.
import type { Db } from '../../db/open.js';
import { listen, isLoopback, type ServerHandle } from '../../adapters/http-server.js';
import { createApp, type ServeOptions } from './app.js';

export { createApp, deriveDashboardToken, type ServeOptions } from './app.js';
export { draftStageReviewer, type DraftReviewer } from './review.js';
export { makeTrackingToken, verifyTrackingToken, openPixelUrl, clickUrl } from './tracking.js';

export interface StartOptions extends Omit<ServeOptions, 'allowedHosts'> {
  host: string;
  port: number;
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
  handler = createApp(db, { ...opts, allowedHosts });
  return { ...handle, loopback };
}
