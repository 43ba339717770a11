// The demo's loopback servers: the fixture web (one port, stores told apart by their Host header), a
// SearXNG-compatible search API, and an SMTP server (the `smtp-server` package) that keeps what it receives.
// All bind 127.0.0.1 on a free port; each returns a handle whose close() is safe to call twice.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import dnsPromises from 'node:dns/promises';
import { syncBuiltinESMExports } from 'node:module';
import { STORES, storePage, type DemoStore } from './stores.js';

export interface Handle {
  port: number;
  close(): Promise<void>;
}

function listenHttp(server: Server): Promise<Handle> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      let closing: Promise<void> | null = null;
      resolve({
        port,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          })),
      });
    });
  });
}

export const STORE_TLD = 'localhost';
export const storeHost = (s: DemoStore) => `${s.slug}.${STORE_TLD}`;

/**
 * `*.localhost` names mean this machine (RFC 6761 §6.3). Browsers and systemd-resolved answer them so, but a
 * plain resolver (glibc without nss-myhostname, macOS) does not: inside the demo process they are answered
 * with 127.0.0.1 here, so the stores keep realistic host names. Returns a function that undoes it.
 */
export function resolveLocalhostNames(): () => void {
  const original = dnsPromises.lookup;
  const patched = (async (hostname: string, options?: unknown) => {
    const h = String(hostname).toLowerCase().replace(/\.$/, '');
    if (h === STORE_TLD || h.endsWith('.' + STORE_TLD)) {
      // The demo's servers listen on 127.0.0.1 only, so that is the answer for either family.
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      return all ? [{ address: '127.0.0.1', family: 4 }] : { address: '127.0.0.1', family: 4 };
    }
    return (original as (h: string, o?: unknown) => Promise<unknown>)(hostname, options);
  }) as typeof dnsPromises.lookup;
  dnsPromises.lookup = patched;
  syncBuiltinESMExports();
  return () => {
    if (dnsPromises.lookup === patched) {
      dnsPromises.lookup = original;
      syncBuiltinESMExports();
    }
  };
}

export interface FixtureWeb extends Handle {
  url(store: DemoStore): string;
  requests: number;
}

/** Every store on one port, routed by Host. Unknown hosts get a 404 like a parked domain. */
export async function startFixtureWeb(): Promise<FixtureWeb> {
  const byHost = new Map(STORES.map((s) => [storeHost(s), s]));
  const stats = { requests: 0 };
  const server = createServer((req, res) => {
    stats.requests++;
    const hostHeader = String(req.headers.host ?? '');
    const store = byHost.get(hostHeader.replace(/:\d+$/, '').toLowerCase());
    const url = new URL(req.url ?? '/', 'http://x');
    if (!store) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('No such site');
      return;
    }
    const page = storePage(store, hostHeader, url);
    const headers: Record<string, string | string[]> = { 'content-type': page.type, 'cache-control': 'no-cache' };
    if (store.platform === 'shopify') {
      headers['x-shopid'] = String(60_000 + STORES.indexOf(store));
      headers['x-shopify-stage'] = 'production';
      headers['powered-by'] = 'Shopify';
      headers['set-cookie'] = ['_shopify_y=demo; Path=/; SameSite=Lax', 'localization=' + store.country + '; Path=/'];
    } else if (store.platform === 'woocommerce') {
      headers['link'] = `<http://${hostHeader}/wp-json/>; rel="https://api.w.org/"`;
    } else if (store.platform === 'squarespace') {
      headers['server'] = 'Squarespace';
    } else if (store.platform === 'wix') {
      headers['x-wix-request-id'] = '1712345678.123';
    }
    res.writeHead(page.status, headers);
    res.end(req.method === 'HEAD' ? undefined : page.body);
  });
  const h = await listenHttp(server);
  return {
    ...h,
    url: (s) => `http://${storeHost(s)}:${h.port}/`,
    get requests() {
      return stats.requests;
    },
  };
}

export interface FakeSearch extends Handle {
  baseUrl: string;
  queries: string[];
}

/**
 * A SearXNG instance's JSON API (`GET /search?q=...&format=json&pageno=N`) that knows one keyword: the demo
 * stores (plus a social profile and a marketplace page, which discover leaves out) on page 1 of each query.
 */
export async function startFakeSearch(keyword: string, hits: { url: string; title: string; content: string }[]): Promise<FakeSearch> {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/search') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('format') !== 'json') {
      res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>403 Forbidden</h1>');
      return;
    }
    const q = url.searchParams.get('q') ?? '';
    queries.push(q);
    const page = Number(url.searchParams.get('pageno') ?? '1');
    const results = q.toLowerCase().includes(keyword.toLowerCase()) && page === 1 ? hits : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ query: q, number_of_results: results.length, results: results.map((r) => ({ ...r, engine: 'demo', engines: ['demo'], score: 1 })), answers: [], suggestions: [], unresponsive_engines: [] }));
  });
  const h = await listenHttp(server);
  return { ...h, baseUrl: `http://127.0.0.1:${h.port}`, queries };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SmtpSink extends Handle {
  received: ReceivedMail[];
  user: string;
  password: string;
}

/** An SMTP server with AUTH PLAIN/LOGIN (no TLS: it only listens on loopback) that keeps every message. */
export async function startSmtpSink(user: string, password: string): Promise<SmtpSink> {
  const { SMTPServer } = await import('smtp-server');
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    name: 'mx.demo.localhost',
    banner: 'outreach demo SMTP server',
    secure: false,
    disabledCommands: ['STARTTLS'],
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    authOptional: false,
    size: 10 * 1024 * 1024,
    logger: false,
    closeTimeout: 1000,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user });
      else cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        cb(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    port,
    received,
    user,
    password,
    close: () => (closing ??= new Promise<void>((done) => server.close(() => done()))),
  };
}
