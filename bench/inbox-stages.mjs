#!/usr/bin/env node
// `npm run bench -- inbox-stages [--messages N] [--rounds R]`: what one message costs in each step of `inbox sync`,
// in this process, with no IMAP server: the bench's N (default 10,000) messages (bench/_inbox-data.mjs) are
//   - parsed (parseMessage: first pass, cold JIT, then warm),
//   - classified offline (classifyOffline, warm),
//   - stored (storeAnalyzed into a new seeded database, in batches of 1,000 as the sync commits them),
// and each step's CPU time per message is printed (median of R rounds; the store step gets a new database each round).
// The sync runs parse + classify on worker threads and the store on the main thread: on a 2-core machine its wall time
// is bounded below by the sum of all of them (plus IMAP), which `npm run bench -- inbox` measures end to end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { message, seed } from './_inbox-data.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const N = Number(flag('--messages', 10000));
const ROUNDS = Number(flag('--rounds', 3));

const { parseMessage, DEFAULT_LIMITS } = await import(join(root, 'dist/stages/inbox/parse.js'));
const { classifyOffline } = await import(join(root, 'dist/stages/inbox/analyze.js'));
const { storeAnalyzed } = await import(join(root, 'dist/stages/inbox/process.js'));
const { ownAddresses } = await import(join(root, 'dist/stages/inbox/store.js'));
const { CommitBatch } = await import(join(root, 'dist/stages/inbox/batch.js'));
const { openDb } = await import(join(root, 'dist/db/open.js'));

const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sources = Array.from({ length: N }, (_, i) => Buffer.from(message(i)));

// Parse: the first pass pays for the JIT's warm-up (as a sync does on its first messages), later passes do not.
const parseRuns = [];
let parsed = [];
for (let r = 0; r <= ROUNDS; r++) {
  const out = [];
  const t0 = cpuUs();
  for (const s of sources) out.push(await parseMessage(s, DEFAULT_LIMITS));
  parseRuns.push((cpuUs() - t0) / N);
  parsed = out;
}
const classifyRuns = [];
let classified = [];
for (let r = 0; r <= ROUNDS; r++) {
  const out = [];
  const t0 = cpuUs();
  for (const p of parsed) out.push(classifyOffline(p));
  classifyRuns.push((cpuUs() - t0) / N);
  classified = out;
}
// What the worker hands the main thread: no classifier input.
const analyzed = parsed.map((p, i) => ({ p: { ...p, input: null }, c: classified[i] }));
const storeRuns = [];
let labels = {};
for (let r = 0; r < ROUNDS; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'outreach-bench-stages-'));
  try {
    await seed(root, join(dir, 'b.db'), 1);
    const db = openDb(join(dir, 'b.db'));
    const po = { classifier: null, ownAddresses: ownAddresses(db), softBounceLimit: 3, limits: DEFAULT_LIMITS };
    const batch = new CommitBatch(db, { max: 1000, ms: 1e9 });
    const t0 = cpuUs();
    for (let i = 0; i < N; i++) {
      batch.begin();
      storeAnalyzed(db, analyzed[i], { mailboxId: 1, folder: 'INBOX', uid: i + 1, uidValidity: 1, classifier: 'offline' }, po);
      batch.added();
    }
    batch.commit();
    storeRuns.push((cpuUs() - t0) / N);
    labels = Object.fromEntries(db.sqlite.prepare('SELECT label, COUNT(*) AS n FROM inbound GROUP BY label ORDER BY label').all().map((x) => [x.label, x.n]));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x) => x.toFixed(1).padStart(7);
console.log(`inbox stages: ${N} bench messages, CPU time per message (us), ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, Node ${process.version}`);
console.log(`  parse     first pass ${f(parseRuns[0])}   warm (median of ${ROUNDS}) ${f(median(parseRuns.slice(1)))}   (worker thread)`);
console.log(`  classify  first pass ${f(classifyRuns[0])}   warm (median of ${ROUNDS}) ${f(median(classifyRuns.slice(1)))}   (worker thread)`);
console.log(`  store     median of ${ROUNDS} ${f(median(storeRuns))}   runs ${storeRuns.map((x) => x.toFixed(1)).join(' ')}   (main thread, batches of 1,000)`);
const warm = median(parseRuns.slice(1)) + median(classifyRuns.slice(1)) + median(storeRuns);
console.log(`  sum (warm) ${warm.toFixed(1)} us a message = ${((warm * N) / 1e6).toFixed(2)} s of CPU for ${N} messages, besides IMAP`);
console.log(`  stored labels: ${JSON.stringify(labels)}`);
