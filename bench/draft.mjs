#!/usr/bin/env node
// `npm run bench -- draft [--drafts 1000] [--latency 400] [--concurrency 16]`
// Drafts N emails with the real Anthropic SDK against the fake Claude API (test/helpers/fake-anthropic.ts, run in
// a child process so its CPU does not count against ours) answering each call after LATENCY ms. Prints the wall
// time beside the ideal (calls × latency / concurrency): goal ≤ 1.2x; and the share of input tokens read from the
// prompt cache: goal > 80%. Needs a build (`npm run build`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const N = arg('drafts', 1000);
const LATENCY = arg('latency', 400);
const CONCURRENCY = arg('concurrency', 16);

const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { openDb } = await dist('db/open.js');
const { loadSettings } = await dist('config.js');
const { createModelAdapter } = await dist('adapters/llm/index.js');
const { createCampaign } = await dist('stages/campaign/index.js');
const { runDraft } = await dist('stages/draft/index.js');

const work = mkdtempSync(join(tmpdir(), 'outreach-bench-draft-'));
let child;
try {
  // The fake API, transpiled from the test helper, in its own process.
  const ts = createRequire(import.meta.url)(join(root, 'node_modules/typescript'));
  const src = readFileSync(join(root, 'test/helpers/fake-anthropic.ts'), 'utf8');
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(join(work, 'fake.mjs'), out);
  writeFileSync(
    join(work, 'runner.mjs'),
    `import { startFakeAnthropic } from './fake.mjs';
     const f = await startFakeAnthropic({ latencyMs: ${LATENCY} });
     process.stdout.write(JSON.stringify({ url: f.url, apiKey: f.apiKey }) + '\\n');
     process.stdin.on('data', () => process.stdout.write(JSON.stringify(f.stats) + '\\n'));
     process.stdin.on('end', () => f.close().then(() => process.exit(0)));`,
  );
  child = spawn(process.execPath, [join(work, 'runner.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      const line = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const nextLine = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiters.push(r)));
  const fake = await nextLine();

  // Leads: N stores with a contact, facts with sources, and a score.
  const db = openDb(join(work, 'bench.db'));
  const insLead = db.sqlite.prepare(`INSERT INTO leads (domain, company, country, stage) VALUES (?, ?, 'US', 'scored') RETURNING id`);
  const insContact = db.sqlite.prepare(`INSERT INTO contacts (lead_id, email, first_name, is_primary, validation) VALUES (?, ?, ?, 1, 'valid')`);
  const insFact = db.sqlite.prepare(`INSERT INTO facts (lead_id, key, value, source_url) VALUES (?, ?, ?, ?)`);
  const insScore = db.sqlite.prepare(`INSERT INTO scores (lead_id, fit, intent, factors, profile_version) VALUES (?, 70, 50, ?, 'bench')`);
  const factors = JSON.stringify([{ kind: 'fit', name: 'keywords', observed: ['jewelry'], weight: 25, points: 25, status: 'match', note: 'sells jewelry', evidence: [] }]);
  db.sqlite.transaction(() => {
    for (let i = 0; i < N; i++) {
      const domain = `bench-store-${i}.example.com`;
      const { id } = insLead.get(domain, `Bench Store ${i}`);
      insContact.run(id, `owner@${domain}`, `Owner${i}`);
      const facts = {
        'store.name': `Bench Store ${i}`,
        'store.description': `Handmade jewelry from a small studio, store number ${i}: rings, necklaces and earrings in recycled silver.`,
        'store.currency': 'USD',
        'catalog.size': 40 + (i % 300),
        'catalog.price_median': 35 + (i % 90),
        'catalog.product_type': 'Rings',
        'catalog.sample_product': `Moon Ring ${i}`,
        app: 'klaviyo',
      };
      for (const [k, v] of Object.entries(facts)) insFact.run(id, k, JSON.stringify(v), `https://${domain}/products.json`);
      insScore.run(id, factors);
    }
  })();

  const settings = loadSettings(join(root, 'test/fixtures/draft/outreach.yaml'));
  const templateDirs = [join(root, 'templates')];
  createCampaign(db, { name: 'bench', niche: 'jewelry', offer: 'email-flows', steps: [{ delayDays: 0, variants: [{ label: 'A', weight: 1, template: 'jewelry-intro' }] }] }, templateDirs);
  const adapter = createModelAdapter({ provider: 'anthropic', apiKey: fake.apiKey, baseURL: fake.url, model: 'claude-sonnet-4-6' });
  const profileText = readFileSync(join(root, 'templates/profile.yaml'), 'utf8');

  global.gc?.();
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Time each call as the client sees it: on a busy machine the fake's 400 ms timer and our socket reads run late.
  let callMs = 0;
  const timed = Object.create(adapter);
  timed.writeEmail = async (req, o) => {
    const s0 = performance.now();
    try {
      return await adapter.writeEmail(req, o);
    } finally {
      callMs += performance.now() - s0;
    }
  };
  const res = await runDraft(db, { settings, profileText, templateDirs, adapterFor: () => timed, concurrency: CONCURRENCY });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  child.stdin.write('stats\n');
  const stats = await nextLine();
  db.close();

  const calls = stats.calls;
  const ideal = (calls * LATENCY) / 1000 / CONCURRENCY;
  const u = res.usage;
  const inputAll = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const cacheShare = u.cacheReadTokens / inputAll;
  const rss = process.memoryUsage().rss / 1024 / 1024;
  const row = (k, v) => console.log(`  ${k.padEnd(34)} ${v}`);
  console.log(`draft benchmark: ${N} drafts, fake Claude API with ${LATENCY} ms latency per call, concurrency ${CONCURRENCY}`);
  row('drafts written (pending/blocked/failed)', `${res.drafts} (${res.pending}/${res.blocked}/${res.failed})`);
  row('model calls (max in flight)', `${calls} (${stats.maxInFlight})`);
  row('wall time', `${wall.toFixed(2)} s`);
  row('ideal: calls × latency / concurrency', `${ideal.toFixed(2)} s`);
  row('ratio (goal ≤ 1.2x)', `${(wall / ideal).toFixed(3)}x  ${wall / ideal <= 1.2 ? 'OK' : 'MISSED'}`);
  const observed = callMs / Math.max(1, calls);
  row('call time seen by the client (mean)', `${observed.toFixed(0)} ms (fake latency ${LATENCY} ms)`);
  row('wall vs calls × observed / concurrency', `${(wall / ((calls * observed) / 1000 / CONCURRENCY)).toFixed(3)}x (overhead of the drafting loop itself)`);
  row('input tokens: uncached / cache write', `${u.inputTokens} / ${u.cacheWriteTokens}`);
  row('input tokens read from cache', `${u.cacheReadTokens} (${(cacheShare * 100).toFixed(1)}%, goal > 80%: ${cacheShare > 0.8 ? 'OK' : 'MISSED'})`);
  row('output tokens', `${u.outputTokens}`);
  row('recorded cost (claude-sonnet-4-6 prices)', `$${res.spentUsd.toFixed(4)}`);
  row('throughput', `${(res.drafts / wall).toFixed(1)} drafts/s`);
  row('CPU of this process (per draft)', `${cpuS.toFixed(2)} s (${((cpuS / Math.max(1, res.drafts)) * 1000).toFixed(1)} ms)`);
  row('event-loop delay mean / p99', `${(loop.mean / 1e6).toFixed(1)} ms / ${(loop.percentile(99) / 1e6).toFixed(1)} ms`);
  row('RSS', `${rss.toFixed(0)} MB`);
  const { loadavg, cpus } = await import('node:os');
  row('machine load (1 min) / CPUs', `${loadavg()[0].toFixed(1)} / ${cpus().length}`);
  process.exitCode = wall / ideal <= 1.2 && cacheShare > 0.8 && res.failed === 0 ? 0 : 1;
} finally {
  child?.stdin.end();
  rmSync(work, { recursive: true, force: true });
}
