#!/usr/bin/env node
// `npm run bench -- score [--leads N] [--batch-size N] [--fresh] [--dir DIR]`
// Scores N leads (default 1,000,000) with about 18 fact rows each, side by side with a plain SQL pass in
// the `sqlite3` tool computing the same fit and intent sums over the same rows, then checks that both
// agree lead by lead. Prints wall time, the ratio (goal <= 3.0) and peak RSS.
// The generated database is kept in DIR (default /tmp/outreach-bench) and reused; --fresh rebuilds it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};

const OBSERVED = '2026-11-20T10:00:00.000Z';

const PROFILE_YAML = `# bench profile
keywords: [jewelry, rings]
product_types: [Jewelry, Necklaces, Rings]
countries: [US, GB, CA]
currencies: [USD, GBP, CAD]
catalog_size: { min: 20, max: 2000 }
price: { min: 15, max: 500 }
apps: { fit: [klaviyo, judgeme, yotpo], misfit: [gorgias] }
`;
// Default weights (src/domain/profile.ts): fit 25,15,15,5,15,10,10,5 = 100; intent 20,20,25,10,10,15 = 100.


async function child(dbPath, profilePath, batchSize) {
  const { openDb } = await import(join(root, 'dist/db/open.js'));
  const { loadProfileFile } = await import(join(root, 'dist/stages/score/profile-file.js'));
  const { scoreLeads } = await import(join(root, 'dist/stages/score/index.js'));
  const db = openDb(dbPath);
  const p = loadProfileFile(profilePath);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const summary = scoreLeads(db, { profile: p.profile, batchSize: batchSize || undefined, top: 3 });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  db.close();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, maxRssKb: process.resourceUsage().maxRSS, summary }));
}

function sqlite3Path() {
  const r = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  if (r.status === 0) return 'sqlite3';
  if (process.getuid?.() === 0) {
    console.error('sqlite3 not found: installing it (apt-get install -y sqlite3)...');
    spawnSync('apt-get', ['install', '-y', 'sqlite3'], { stdio: 'inherit' });
    if (spawnSync('sqlite3', ['-version']).status === 0) return 'sqlite3';
  }
  console.error('The sqlite3 command-line tool is needed for the baseline: `sudo apt-get install -y sqlite3` (Debian/Ubuntu) or `brew install sqlite`.');
  process.exit(1);
}

/** Runs SQL in the sqlite3 tool; with GNU time installed, also its peak RSS (KB). */
function sqlite3(db, sql) {
  const gnuTime = existsSync('/usr/bin/time');
  const cmd = gnuTime ? ['/usr/bin/time', ['-f', 'maxrss=%M cpu=%U+%S', sqlite3Bin, '-bail', '-batch', db]] : [sqlite3Bin, ['-bail', '-batch', db]];
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd[1], { input: sql, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  const m = /maxrss=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? '');
  return { ms, out: r.stdout.trim(), maxRssKb: m ? Number(m[1]) : null, cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : null };
}

let sqlite3Bin = 'sqlite3';

async function main() {
  const n = Number(flag('--leads', '1000000'));
  const batchSize = Number(flag('--batch-size', '0'));
  const dir = resolve(flag('--dir', '/tmp/outreach-bench'));
  sqlite3Bin = sqlite3Path();
  if (!existsSync(join(root, 'dist/stages/score/index.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(1);
  }
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, `score-${n}.db`);
  const profilePath = join(dir, 'score-profile.yaml');
  writeFileSync(profilePath, PROFILE_YAML);

  if (args.includes('--fresh') || !existsSync(dbPath)) await generate(dbPath, n);
  const { openDb } = await import(join(root, 'dist/db/open.js'));

  // Every measured run is a first run: no stored scores, every row written.
  const reset = () => {
    const db = openDb(dbPath);
    db.sqlite.exec(`DELETE FROM scores; DELETE FROM events WHERE type = 'scored'; UPDATE leads SET stage = 'enriched'; DROP TABLE IF EXISTS sql_scores;`);
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  };
  reset();
  const factRows = sqlite3(dbPath, 'SELECT count(*) FROM facts;').out;

  // The plain SQL pass: the same factor sums, over the same rows, written to a table.
  const baseline = sqlite3(dbPath, BASELINE_SQL);

  const run = () => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dbPath, profilePath, String(batchSize)], {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error('score run failed');
    return JSON.parse(r.stdout);
  };
  const first = run();
  const again = run(); // idempotent re-run: nothing changed, nothing written

  // Lead-by-lead agreement between the stage and the SQL pass.
  const check = sqlite3(
    dbPath,
    `SELECT count(*), sum(s.fit = q.fit AND s.intent = q.intent), sum(abs(s.fit - q.fit) > 1 OR abs(s.intent - q.intent) > 1),
            sum(s.fit), sum(q.fit), sum(s.intent), sum(q.intent)
     FROM scores s JOIN sql_scores q ON q.lead_id = s.lead_id;`,
  ).out.split('|');

  const ratio = first.ms / baseline.ms;
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const cpu = (ms) => (ms === null || ms === undefined ? '' : ` (CPU ${(ms / 1000).toFixed(2)} s)`);
  const rows = [
    ['leads', n.toLocaleString('en-US')],
    ['fact rows', Number(factRows).toLocaleString('en-US')],
    ['sqlite3 plain SQL pass (same sums, written to a table)', fmt(baseline.ms) + cpu(baseline.cpuMs) + (baseline.maxRssKb ? `, peak RSS ${(baseline.maxRssKb / 1024).toFixed(0)} MB` : '')],
    ['outreach score stage (first run: every row written, events)', `${fmt(first.ms)}${cpu(first.cpuMs)}, peak RSS ${(first.maxRssKb / 1024).toFixed(0)} MB`],
    ['outreach score stage (re-run: nothing changed)', `${fmt(again.ms)}${cpu(again.cpuMs)}, peak RSS ${(again.maxRssKb / 1024).toFixed(0)} MB`],
    ['leads per second (first run)', Math.round((n / first.ms) * 1000).toLocaleString('en-US')],
    ['ratio stage / sqlite3, wall time (goal <= 3.0)', `${ratio.toFixed(2)} ${ratio <= 3 ? 'OK' : 'ABOVE GOAL'}`],
    ...(baseline.cpuMs ? [['ratio stage / sqlite3, CPU time', (first.cpuMs / baseline.cpuMs).toFixed(2)]] : []),
    ['leads compared', `${check[0]}: ${check[1]} identical, ${check[2]} differ by more than 1 point`],
    ['sum of fit (stage / sqlite3)', `${check[3]} / ${check[4]}`],
    ['sum of intent (stage / sqlite3)', `${check[5]} / ${check[6]}`],
    ['first run summary', JSON.stringify({ scored: first.summary.scored, changed: first.summary.changed, excluded: first.summary.excluded })],
    ['re-run summary', JSON.stringify({ scored: again.summary.scored, unchanged: again.summary.unchanged, changed: again.summary.changed })],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`\nscore benchmark (${dbPath})`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  if (args.includes('--clean')) rmSync(dbPath, { force: true });
}

async function generate(dbPath, n) {
  console.error(`Generating ${n.toLocaleString('en-US')} leads with facts in ${dbPath} (once; --fresh rebuilds)...`);
  for (const f of [dbPath, dbPath + '-wal', dbPath + '-shm']) rmSync(f, { force: true });
  const { openDb } = await import(join(root, 'dist/db/open.js'));
  openDb(dbPath).close(); // the real schema, through the real migrations
  const t0 = performance.now();
  const o = `'${OBSERVED}'`;
  const pickRaw = (expr, list) => `(CASE ${expr} ${list.map((v, i) => `WHEN ${i} THEN '${v}'`).join(' ')} END)`;
  const pick = (expr, list) => pickRaw(expr, list.map((v) => JSON.stringify(v)));
  const daysAgo = (expr) => `'"' || strftime('%Y-%m-%dT%H:%M:%SZ', ${o}, '-' || (${expr}) || ' days') || '"'`;
  const facts = [
    ['store.name', `'"Store ' || id || ' ' || ${pickRaw('id % 5', ['Jewelry', 'Rings and Things', 'Hardware', 'Outdoor Gear', 'Jewelry Rings'])} || '"'`, `'/'`],
    ['store.description', pick('id % 3', ['Handmade silver rings and necklaces', 'Tools for professionals', 'Quality goods since 1999']), `'/'`],
    ['store.country', pick('id % 5', ['US', 'GB', 'DE', 'FR', 'CA']), `'/pages/contact'`],
    ['store.currency', pick('id % 5', ['USD', 'GBP', 'EUR', 'EUR', 'CAD']), `'/meta.json'`],
    ['store.hiring', `CASE WHEN id % 7 = 0 THEN 'true' ELSE 'false' END`, `'/pages/careers'`],
    ['catalog.size', `CAST((id * 7919) % 5000 AS TEXT)`, `'/products.json'`],
    ['catalog.price_median', `CAST(((id * 104729) % 80000) / 100.0 AS TEXT)`, `'/products.json'`],
    ['catalog.product_type', pick('id % 6', ['Rings', 'Necklaces', 'Tools', 'Tents', 'Jewelry', 'Candles']), `'/products.json'`],
    ['catalog.product_type', pick('(id % 6 + 1 + (id / 6) % 5) % 6', ['Rings', 'Necklaces', 'Tools', 'Tents', 'Jewelry', 'Candles']), `'/products.json'`],
    ['catalog.collection', `'"All"'`, `'/collections.json'`],
    ['catalog.collection', pick('id % 4', ['Christmas Gifts', 'Summer Sale', 'Bestsellers', 'Bestsellers']), `'/collections.json'`],
    ['catalog.updated_at', daysAgo('id % 120'), `'/products.json'`],
    ['catalog.new_products_30d', `CAST(id % 9 AS TEXT)`, `'/products.json'`],
    ['catalog.oldest_product_at', daysAgo('(id * 31) % 1500'), `'/products.json'`],
    ['app', pick('id % 4', ['klaviyo', 'judgeme', 'recharge', 'privy']), `'/'`],
    ['app', pick('id % 3', ['gorgias', 'omnisend', 'yotpo']), `'/'`],
    ['pixel', pick('id % 2', ['meta', 'google_analytics']), `'/'`],
    ['pixel', pick('id % 3', ['tiktok', 'hotjar', 'google_ads']), `'/'`],
  ];
  const sql = [
    'PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;',
    'BEGIN;',
    'DROP INDEX facts_lead_key_value_uq; DROP INDEX facts_key_idx;',
    `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n})
     INSERT INTO leads (id, domain, url, stage, enrich_status, enriched_at)
     SELECT i, 'store' || i || '.example', 'https://store' || i || '.example', 'enriched', 'done', ${o} FROM seq;`,
    // One lead's facts side by side in the table, the way enrich writes them (CROSS JOIN keeps leads outer).
    `CREATE TEMP TABLE ks (k INTEGER PRIMARY KEY); INSERT INTO temp.ks (k) VALUES ${facts.map((_, i) => `(${i})`).join(', ')};`,
    `INSERT INTO facts (lead_id, key, value, source_url, observed_at)
     SELECT id,
       CASE k ${facts.map(([key], i) => `WHEN ${i} THEN '${key}'`).join(' ')} END,
       CASE k ${facts.map(([, value], i) => `WHEN ${i} THEN ${value}`).join(' ')} END,
       url || CASE k ${facts.map(([, , path], i) => `WHEN ${i} THEN ${path}`).join(' ')} END,
       ${o}
     FROM leads CROSS JOIN temp.ks ORDER BY id, k;`,
    'CREATE UNIQUE INDEX `facts_lead_key_value_uq` ON `facts` (`lead_id`,`key`,`value`);',
    'CREATE INDEX `facts_key_idx` ON `facts` (`key`);',
    'COMMIT;',
    'PRAGMA journal_mode = WAL;',
  ].join('\n');
  const r = spawnSync(sqlite3Bin, ['-bail', '-batch', dbPath], { input: sql, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`generation failed: ${r.stderr}`);
  console.error(`Generated in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
}

// The same factors as src/domain/scoring.ts under PROFILE_YAML, for data where every factor is known:
// points rounded to 2 decimals, score = round(100 * sum(points) / sum(weights)).
const W = { keywords: 25, product_types: 15, country: 15, currency: 5, catalog_size: 15, price: 10, fit_apps: 10, misfit_apps: 5 };
const IW = { fresh_products: 20, recent_launches: 20, paid_ads: 25, hiring: 10, new_store: 10, seasonal_collections: 15 };
const word = (w) => `(' ' || lower(trim(value, '"')) || ' ') LIKE '% ${w} %'`;
const BASELINE_SQL = `
CREATE TABLE sql_scores AS
WITH per AS (
  SELECT lead_id,
    max(key IN ('store.name','store.description','catalog.product_type','catalog.collection') AND ${word('jewelry')}) AS kw_jewelry,
    max(key IN ('store.name','store.description','catalog.product_type','catalog.collection') AND (${word('rings')} OR ${word('ring')})) AS kw_rings,
    count(DISTINCT CASE WHEN key = 'catalog.product_type' THEN lower(value) END) AS types,
    count(DISTINCT CASE WHEN key = 'catalog.product_type' AND value IN ('"Jewelry"','"Necklaces"','"Rings"') THEN lower(value) END) AS types_ok,
    max(key = 'store.country' AND value IN ('"US"','"GB"','"CA"')) AS country_ok,
    max(key = 'store.currency' AND value IN ('"USD"','"GBP"','"CAD"')) AS currency_ok,
    max(CASE WHEN key = 'catalog.size' THEN CAST(value AS REAL) END) AS size,
    max(CASE WHEN key = 'catalog.price_median' THEN CAST(value AS REAL) END) AS price,
    max(key = 'app' AND value IN ('"klaviyo"','"judgeme"','"yotpo"')) AS fit_app,
    max(key = 'app' AND value = '"gorgias"') AS misfit_app,
    max(CASE WHEN key = 'catalog.updated_at' THEN julianday(observed_at) - julianday(trim(value, '"')) END) AS fresh_age,
    max(CASE WHEN key = 'catalog.new_products_30d' THEN CAST(value AS REAL) END) AS launches,
    max(key = 'pixel' AND value IN ('"meta"','"tiktok"','"google_ads"','"pinterest"','"snapchat"','"x"','"reddit"','"bing"','"linkedin"','"criteo"')) AS ads,
    max(key = 'store.hiring' AND value = 'true') AS hiring,
    max(CASE WHEN key = 'catalog.oldest_product_at' THEN julianday(observed_at) - julianday(trim(value, '"')) END) AS store_age,
    max(key = 'catalog.collection' AND (lower(value) LIKE '%christmas%' OR lower(value) LIKE '%summer%')) AS seasonal
  FROM facts GROUP BY lead_id
), pts AS (
  SELECT lead_id,
    round(${W.keywords} * min(1.0, (kw_jewelry + kw_rings) / 2.0), 2)
    + round(${W.product_types} * (types_ok * 1.0 / types), 2)
    + ${W.country} * country_ok + ${W.currency} * currency_ok
    + round(${W.catalog_size} * (CASE WHEN size < 20 THEN size / 20.0 WHEN size > 2000 THEN 2000.0 / size ELSE 1 END), 2)
    + round(${W.price} * (CASE WHEN price < 15 THEN price / 15.0 WHEN price > 500 THEN 500.0 / price ELSE 1 END), 2)
    + ${W.fit_apps} * fit_app + ${W.misfit_apps} * (1 - misfit_app) AS fit_points,
    ${IW.fresh_products} * (CASE WHEN fresh_age <= 30 THEN 1 WHEN fresh_age <= 90 THEN 0.5 ELSE 0 END)
    + round(${IW.recent_launches} * min(1.0, launches / 5.0), 2)
    + ${IW.paid_ads} * ads + ${IW.hiring} * hiring
    + ${IW.new_store} * (CASE WHEN store_age <= 365 THEN 1 WHEN store_age <= 730 THEN 0.5 ELSE 0 END)
    + ${IW.seasonal_collections} * seasonal AS intent_points
  FROM per
)
SELECT lead_id, CAST(round(100.0 * fit_points / 100) AS INTEGER) AS fit, CAST(round(100.0 * intent_points / 100) AS INTEGER) AS intent
FROM pts;
`;

if (args[0] === '--child') await child(args[1], args[2], Number(args[3]));
else await main();
