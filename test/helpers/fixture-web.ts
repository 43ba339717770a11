// The fixture web: the stores in test/fixtures/web/<site>/ served on loopback, plus a few misbehaving
// sites made in code (slow, huge, redirect loop, redirect to the metadata address). One server routes by
// Host header (`<site>.test:PORT`, reached through the http adapter's hosts map); `perSitePorts` also gives
// each site its own 127.0.0.1 port, for the CLI (`http://127.0.0.1:PORT` with --allow-private).
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURE_WEB = resolve(import.meta.dirname, '../fixtures/web');

interface SiteConfig {
  headers?: Record<string, string>;
  cookies?: string[];
  redirects?: Record<string, string>;
  status?: Record<string, number>;
  lastModified?: string;
  generateProducts?: number;
  rateLimit?: Record<string, { first?: number; always?: boolean; retryAfter: string }>;
}

export interface RequestLog {
  site: string;
  method: string;
  path: string;
  userAgent: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  status: number;
}

export interface FixtureWeb {
  /** The host-routing server's port. */
  port: number;
  /** `http://<site>.test:PORT` (needs `hosts` in the http adapter). */
  url(site: string): string;
  /** The lead key of a site in host-routing mode. */
  domain(site: string): string;
  /** `http://127.0.0.1:PORT` of a site's own port (perSitePorts only). */
  portUrl(site: string): string;
  /** Host map for the http adapter: every *.test name to loopback. */
  hosts: Record<string, string>;
  requests: RequestLog[];
  sites: string[];
  /** Slow site delay in ms (tests set a shorter timeout than this). */
  slowMs: number;
  close(): Promise<void>;
}

/** Sites made in code rather than files. */
export const DYNAMIC_SITES = ['slow', 'huge', 'loop', 'metadata', 'flaky'] as const;

function siteConfig(site: string): SiteConfig {
  const f = join(FIXTURE_WEB, site, '_site.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as SiteConfig) : {};
}

function fileFor(site: string, path: string): string | null {
  const dir = join(FIXTURE_WEB, site);
  const clean = decodeURIComponent(path).replace(/\/+$/, '') || '/';
  if (clean.includes('..')) return null;
  const candidates = clean === '/' ? ['index.html'] : [clean.slice(1), clean.slice(1) + '.html'];
  for (const c of candidates) {
    const p = join(dir, c);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

function contentType(file: string): string {
  if (file.endsWith('.json')) return 'application/json; charset=utf-8';
  if (file.endsWith('.txt')) return 'text/plain; charset=utf-8';
  return 'text/html; charset=utf-8';
}

function generatedProducts(total: number, page: number, limit: number): string {
  const start = (page - 1) * limit;
  const products = [];
  for (let i = start; i < Math.min(total, start + limit); i++) {
    products.push({
      id: 1000 + i,
      title: `Tea ${i + 1}`,
      handle: `tea-${i + 1}`,
      vendor: i % 3 === 0 ? 'Maison Thé' : 'Camellia Farms',
      product_type: i % 2 ? 'Loose leaf' : 'Tea bags',
      created_at: new Date(Date.UTC(2024, 0, 1) + i * 86400_000).toISOString(),
      updated_at: new Date(Date.UTC(2024, 0, 2) + i * 86400_000).toISOString(),
      variants: [{ id: i, price: (5 + (i % 40)).toFixed(2) }],
    });
  }
  return JSON.stringify({ products });
}

const HUGE_BYTES = 6 * 1024 * 1024;

export async function startFixtureWeb(opts: { perSitePorts?: boolean; slowMs?: number } = {}): Promise<FixtureWeb> {
  const slowMs = opts.slowMs ?? 3000;
  const requests: RequestLog[] = [];
  const fileSites = readdirSync(FIXTURE_WEB).filter((d) => statSync(join(FIXTURE_WEB, d)).isDirectory());
  const sites = [...fileSites, ...DYNAMIC_SITES];
  const configs = new Map(fileSites.map((s) => [s, siteConfig(s)]));
  const hits = new Map<string, number>();
  const openSockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();

  function handle(site: string, req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const log: RequestLog = {
      site,
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      userAgent: String(req.headers['user-agent'] ?? ''),
      ifNoneMatch: req.headers['if-none-match'] as string | undefined,
      ifModifiedSince: req.headers['if-modified-since'] as string | undefined,
      status: 0,
    };
    requests.push(log);
    const send = (status: number, body: string | Buffer, headers: Record<string, string | string[]> = {}) => {
      log.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    const path = url.pathname;

    // --- a store's myshopify.com address redirects to its own domain (as Shopify does once one is set up)
    if (site.startsWith('myshopify:')) {
      const port = (req.headers.host ?? '').split(':')[1];
      return send(301, '', { location: `http://${site.slice('myshopify:'.length)}.test:${port}${url.pathname}${url.search}` });
    }

    // --- code-made sites
    switch (site) {
      case 'slow': {
        if (path === '/robots.txt') return send(404, 'not found');
        const t = setTimeout(() => {
          timers.delete(t);
          send(200, '<html><head><script>Shopify.theme = {"name":"Dawn"};</script></head><body>finally</body></html>', { 'content-type': 'text/html' });
        }, slowMs);
        timers.add(t);
        return;
      }
      case 'huge': {
        if (path === '/robots.txt') return send(404, 'not found');
        if (path !== '/') return send(404, 'not found', { 'content-type': 'text/html' });
        log.status = 200;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-shopid': '77' });
        res.write('<html><head><title>Huge</title><script>Shopify.theme = {"name":"Dawn","schema_name":"Dawn"};</script></head><body><p>sales@hugestore.shop</p>');
        const chunk = Buffer.alloc(64 * 1024, '<div class="shopify-section">x</div>\n');
        let sent = 0;
        const pump = () => {
          while (sent < HUGE_BYTES) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end('</body></html>');
        };
        res.on('error', () => {});
        return pump();
      }
      case 'loop':
        if (path === '/robots.txt') return send(404, 'not found');
        return send(302, '', { location: path === '/' ? '/a' : path === '/a' ? '/b' : '/' });
      case 'metadata':
        if (path === '/robots.txt') return send(404, 'not found');
        return send(302, '', { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' });
      case 'flaky': {
        // 503 with Retry-After on the first home-page request, then a Shopify page.
        if (path === '/robots.txt') return send(404, 'not found');
        const n = (hits.get('flaky' + path) ?? 0) + 1;
        hits.set('flaky' + path, n);
        if (path === '/' && n === 1) return send(503, 'busy', { 'retry-after': '1', 'content-type': 'text/plain' });
        if (path === '/') return send(200, '<html><head><script>Shopify.theme = {"name":"Dawn"};</script></head><body class="shopify-section">ok</body></html>', { 'content-type': 'text/html', 'x-shopid': '3' });
        return send(404, 'not found', { 'content-type': 'text/html' });
      }
    }

    const cfg = configs.get(site);
    if (!cfg) return send(404, `no site ${site}`, { 'content-type': 'text/plain' });
    const redirect = cfg.redirects?.[path];
    if (redirect) return send(302, '', { location: redirect, 'set-cookie': cfg.cookies ?? [] });
    const forced = cfg.status?.[path];
    if (forced) return send(forced, JSON.stringify({ errors: 'Not Found' }), { 'content-type': 'application/json' });
    const rl = cfg.rateLimit?.[path];
    if (rl) {
      const n = (hits.get(site + path) ?? 0) + 1;
      hits.set(site + path, n);
      if (rl.always || n <= (rl.first ?? 0)) {
        return send(429, JSON.stringify({ errors: 'Too Many Requests' }), { 'content-type': 'application/json', 'retry-after': rl.retryAfter });
      }
    }
    let body: string | null = null;
    let type = 'text/html; charset=utf-8';
    if (path === '/products.json' && cfg.generateProducts) {
      const page = Number(url.searchParams.get('page') ?? 1);
      const limit = Math.min(250, Number(url.searchParams.get('limit') ?? 30));
      body = generatedProducts(cfg.generateProducts, page, limit);
      type = 'application/json; charset=utf-8';
    } else {
      const file = fileFor(site, path);
      if (file) {
        type = contentType(file);
        body = readFileSync(file, 'utf8');
        if (path === '/products.json' && Number(url.searchParams.get('page') ?? 1) > 1) body = '{"products":[]}';
      }
    }
    if (body === null) {
      return send(404, '<html><body><h1>404 Page not found</h1></body></html>', { 'content-type': 'text/html; charset=utf-8', ...(cfg.headers ?? {}) });
    }
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
    const headers: Record<string, string | string[]> = { 'content-type': type, etag, ...(cfg.headers ?? {}) };
    if (cfg.lastModified) headers['last-modified'] = cfg.lastModified;
    if (type.startsWith('text/html') && cfg.cookies) headers['set-cookie'] = cfg.cookies;
    if (req.headers['if-none-match'] === etag) return send(304, '', { etag });
    return send(200, body, headers);
  }

  function siteFromHost(host: string | undefined): string {
    const h = (host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (h.endsWith('.myshopify.com')) return 'myshopify:' + h.slice(0, -'.myshopify.com'.length);
    return h.endsWith('.test') ? h.slice(0, -'.test'.length) : h;
  }

  const servers: Server[] = [];
  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> => {
    const server = createServer(handler);
    server.on('connection', (s) => {
      openSockets.add(s);
      s.on('close', () => openSockets.delete(s));
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
    servers.push(server);
    return (server.address() as AddressInfo).port;
  };

  const port = await listen((req, res) => handle(siteFromHost(req.headers.host), req, res));
  const sitePorts = new Map<string, number>();
  if (opts.perSitePorts) {
    for (const s of sites) sitePorts.set(s, await listen((req, res) => handle(s, req, res)));
  }

  return {
    port,
    url: (site) => `http://${site}.test:${port}`,
    domain: (site) => `${site}.test:${port}`,
    portUrl: (site) => {
      const p = sitePorts.get(site);
      if (!p) throw new Error(`no port for ${site} (start with perSitePorts)`);
      return `http://127.0.0.1:${p}`;
    },
    hosts: { '*.test': '127.0.0.1' },
    requests,
    sites,
    slowMs,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of openSockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
    },
  };
}
