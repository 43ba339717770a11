// A small node:http server for `serve`: listen on a host and port (0 picks a free one), read request
// bodies with a size cap, parse cookies and forms, and close cleanly. No framework, no database.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface ServerHandle {
  url: string;
  host: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts listening; errors in the handler become a plain 500 (never a stack to the client). */
export async function listen(handler: Handler, { host = '127.0.0.1', port = 0, onError }: { host?: string; port?: number; onError?: (err: unknown) => void } = {}): Promise<ServerHandle> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (!(err instanceof HttpError)) onError?.(err);
        if (!res.headersSent) {
          res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
          res.end(err instanceof HttpError ? err.message : 'Internal error');
        } else res.destroy();
      });
  });
  // Slow-loris and idle limits: a dashboard and an unsubscribe endpoint need no long requests.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeIdleConnections?.();
        setTimeout(() => server.closeAllConnections?.(), 1000).unref();
      }),
  };
}

/** Reads the body up to `limit` bytes (413 beyond). */
export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'Request body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Form fields from an application/x-www-form-urlencoded or multipart/form-data body (text fields only).
 * Repeated names keep every value.
 */
export function parseForm(contentType: string | undefined, body: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => out.set(k, [...(out.get(k) ?? []), v]);
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('multipart/form-data')) {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
    const boundary = m?.[1] ?? m?.[2];
    if (!boundary) return out;
    const text = body.toString('utf8');
    for (const part of text.split(`--${boundary.trim()}`)) {
      const sep = part.indexOf('\r\n\r\n');
      if (sep < 0) continue;
      const head = part.slice(0, sep);
      const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
      if (name === undefined || /filename=/i.test(head)) continue;
      add(name, part.slice(sep + 4).replace(/\r\n$/, ''));
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) add(k, v);
  return out;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (!k) continue;
    try {
      out[k] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      out[k] = part.slice(i + 1).trim();
    }
  }
  return out;
}

/** Is this a loopback address (the dashboard's default binding)? */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
