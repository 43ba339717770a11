// `npm run bench -- enrich [--stores 2000] [--concurrency 32]`: the enrich stage over N fixture stores, each on
// its own host name mapped to loopback (the http adapter's hosts map, no /etc/hosts), per-host politeness off.
// Prints stores/s, the stage's CPU time next to a bare cheerio parse of the same pages, and RSS as the count grows.
// The fixture web runs in a child process so its CPU is not counted. Needs a build (`npm run build`).
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const FIX = join(here, '../test/fixtures/web/liquid-old');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? def : Number(process.argv[i + 1]);
};

// ---------------------------------------------------------------------------------------------
// The stores: the liquid-old fixture, made distinct per store, with a realistic product grid (~60 KB home).

const tpl = {
  home: readFileSync(join(FIX, 'index.html'), 'utf8'),
  contact: readFileSync(join(FIX, 'pages/contact.html'), 'utf8'),
  about: readFileSync(join(FIX, 'pages/about-us.html'), 'utf8'),
  policy: readFileSync(join(FIX, 'policies/contact-information.html'), 'utf8'),
  meta: readFileSync(join(FIX, 'meta.json'), 'utf8'),
  collections: readFileSync(join(FIX, 'collections.json'), 'utf8'),
  robots: readFileSync(join(FIX, 'robots.txt'), 'utf8'),
};

function grid(n) {
  let s = '<div id="shopify-section-template--featured" class="shopify-section"><ul class="grid product-grid">';
  for (let i = 0; i < 60; i++) {
    s += `<li class="grid__item"><div class="card-wrapper product-card-wrapper"><div class="card card--standard card--media">
<div class="card__inner ratio" style="--ratio-percent: 100%;"><div class="card__media"><div class="media media--transparent media--hover-effect">
<img srcset="//store${n}.bench.test/cdn/shop/files/p${i}.jpg?v=1&width=165 165w, //store${n}.bench.test/cdn/shop/files/p${i}.jpg?v=1&width=360 360w" src="//store${n}.bench.test/cdn/shop/files/p${i}.jpg?v=1&width=533" alt="Product ${i}" class="motion-reduce" loading="lazy" width="1000" height="1000">
</div></div></div><div class="card__content"><div class="card__information"><h3 class="card__heading h5"><a href="/products/product-${i}" class="full-unstyled-link">Silver Ring ${i} of store ${n}</a></h3>
<div class="card-information"><span class="caption-large light"></span><div class="price"><div class="price__container"><div class="price__regular"><span class="visually-hidden">Regular price</span><span class="price-item price-item--regular">$${(20 + i).toFixed(2)} USD</span></div></div></div></div></div></div></div></div></li>\n`;
  }
  return s + '</ul></div>';
}

export function storePages(n) {
  const name = `Store ${n} Jewelry`;
  const domain = `store${n}-jewelry.com`;
  const sub = (s) => s.replaceAll('Aurora Jewelry', name).replaceAll('aurora-jewelry', `store${n}-jewelry`).replaceAll('aurorajewelry', `store${n}jewelry`);
  return {
    '/': sub(tpl.home).replace('</main>', grid(n) + '</main>'),
    '/pages/contact': sub(tpl.contact),
    '/pages/about-us': sub(tpl.about),
    '/policies/contact-information': sub(tpl.policy),
    '/meta.json': sub(tpl.meta),
    '/collections.json': tpl.collections,
    '/robots.txt': tpl.robots,
    domain,
  };
}

function productsJson(n) {
  const products = [];
  for (let i = 0; i < 30; i++) {
    products.push({
      id: n * 1000 + i, title: `Silver Ring ${i}`, handle: `ring-${i}`, vendor: i % 4 ? `Store ${n} Jewelry` : 'Partner Studio', product_type: i % 2 ? 'Rings' : 'Necklaces',
      created_at: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(), updated_at: new Date(Date.UTC(2024, 5, 1 + i)).toISOString(),
      variants: [{ id: i, price: (20 + i).toFixed(2) }, { id: i + 1, price: (25 + i).toFixed(2) }],
    });
  }
  return JSON.stringify({ products });
}

// ---------------------------------------------------------------------------------------------
// Server mode (child process): routes by Host header, store<N>.bench.test.

if (process.argv.includes('--serve')) {
  const cache = new Map();
  const server = createServer((req, res) => {
    const m = /^store(\d+)\.bench\.test/.exec(req.headers.host ?? '');
    if (!m) return res.writeHead(404).end();
    const n = Number(m[1]);
    let pages = cache.get(n);
    if (!pages) {
      pages = storePages(n);
      cache.set(n, pages);
      if (cache.size > 200) cache.delete(cache.keys().next().value);
    }
    const path = req.url.split('?')[0];
    if (path === '/products.json') {
      const page = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(page === 1 ? productsJson(n) : '{"products":[]}');
    }
    const body = pages[path];
    if (body === undefined || path === 'domain') return res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
    const type = path.endsWith('.json') ? 'application/json' : path.endsWith('.txt') ? 'text/plain' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'x-shopid': String(n), 'set-cookie': ['_shopify_y=1; Path=/'] });
    res.end(body);
  });
  server.keepAliveTimeout = 2000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function main() {
  const STORES = arg('--stores', 2000);
  const CONCURRENCY = arg('--concurrency', 32);
  const { openDb } = await import('../dist/db/open.js');
  const { createHttp } = await import('../dist/adapters/http.js');
  const { enrich } = await import('../dist/stages/enrich/index.js');
  const cheerio = await import('cheerio');

  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((ok) => child.once('message', (m) => ok(m.port)));
  const dir = mkdtempSync(join(tmpdir(), 'outreach-bench-'));
  const db = openDb(join(dir, 'bench.db'));
  db.sqlite.pragma('synchronous = NORMAL'); // WAL + NORMAL: still crash-safe for a killed process
  const insert = db.sqlite.prepare(`INSERT INTO leads (domain, url, stage, is_shopify, shopify_confidence, store_status, checked_at, source) VALUES (?, ?, 'confirmed', 1, 0.99, 'open', '2024-01-01', 'file')`);
  db.sqlite.transaction(() => {
    for (let n = 0; n < STORES; n++) insert.run(`store${n}.bench.test:${port}`, `http://store${n}.bench.test:${port}`);
  })();

  const http = createHttp({
    allowPrivate: true,
    hosts: { '*.bench.test': '127.0.0.1' },
    perHostDelayMs: 0,
    perHostConcurrency: 4,
    globalConcurrency: CONCURRENCY * 4,
    timeoutMs: 30_000,
  });
  console.log(`enrich bench: ${STORES} stores on their own host names (*.bench.test → 127.0.0.1:${port}), concurrency ${CONCURRENCY}, politeness off, robots.txt on, MX lookups off`);

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const rss = [];
  const marks = new Set([500, 1000, 2000, STORES]);
  let done = 0;
  global.gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await enrich(db, { http }, {
    concurrency: CONCURRENCY,
    checkMx: false,
    onResult: () => {
      done++;
      if (marks.has(done)) {
        const m = process.memoryUsage();
        rss.push([done, m.rss, m.heapUsed]);
      }
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const enrichCpu = (cpu.user + cpu.system) / 1e6;
  http.close();
  const facts = db.sqlite.prepare('SELECT count(*) n FROM facts').get().n;
  const contacts = db.sqlite.prepare('SELECT count(*) n FROM contacts').get().n;

  // Baseline: parse the same HTML pages the stage read (home, contact, about, policy) with a bare cheerio.load.
  const pagesOf = (n) => {
    const p = storePages(n);
    return [p['/'], p['/pages/contact'], p['/pages/about-us'], p['/policies/contact-information']];
  };
  const all = [];
  let bytes = 0;
  for (let n = 0; n < STORES; n++) for (const h of pagesOf(n)) {
    all.push(h);
    bytes += h.length;
  }
  global.gc?.();
  const timeParse = (fn) => {
    const c0 = process.cpuUsage();
    for (const h of all) fn(h);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  const parse5Cpu = timeParse((h) => cheerio.load(h));
  const h2Cpu = timeParse((h) => cheerio.load(h, { xml: { xmlMode: false, decodeEntities: true } }));

  const mb = (b) => (b / 1024 / 1024).toFixed(0) + ' MB';
  console.log('');
  console.log(`stores enriched      ${r.counts.done} ok, ${r.counts.errors} failed   (${facts} facts, ${contacts} contacts)`);
  console.log(`wall time            ${wall.toFixed(2)} s`);
  console.log(`throughput           ${(r.counts.done / wall).toFixed(1)} stores/s   (goal ≥ 40; machine load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} CPUs)`);
  console.log(`CPU-bound ceiling    ${(r.counts.done / enrichCpu).toFixed(1)} stores per CPU-second of the stage`);
  console.log(`requests             ${http.stats.requests} (${(http.stats.requests / STORES).toFixed(1)}/store), ${mb(http.stats.bytes)} read`);
  console.log('');
  console.log(`CPU, same ${all.length} HTML pages (${mb(bytes)}):`);
  console.log(`  enrich stage (fetch + parse + extract + validate + SQLite)   ${enrichCpu.toFixed(2)} s`);
  console.log(`  bare cheerio.load (default parser, parse5)                  ${parse5Cpu.toFixed(2)} s   ratio ${(enrichCpu / parse5Cpu).toFixed(2)}x (goal ≤ 2x)`);
  console.log(`  bare cheerio.load (htmlparser2, what the stage uses)        ${h2Cpu.toFixed(2)} s   ratio ${(enrichCpu / h2Cpu).toFixed(2)}x`);
  console.log('');
  console.log('RSS as the count grows (goal < 300 MB, flat):');
  console.log(`  before the run         ${mb(rssBefore)}   (modules loaded, database filled)`);
  for (const [n, b, h] of rss) console.log(`  after ${String(n).padStart(5)} stores   ${mb(b)}   (JS heap in use ${mb(h)})`);

  db.close();
  rmSync(dir, { recursive: true, force: true });
  child.disconnect();
  child.kill();
}
