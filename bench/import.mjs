#!/usr/bin/env node
// `npm run bench -- import [--rows N] [--runs R]`: generates an N-row leads CSV (default 1,000,000) and prints, side by side:
//   - wall time of `outreach leads import` vs the sqlite3 CLI's `.import --csv` into an equivalent table (goal ≤ 2.0x)
//   - peak RSS of `outreach leads import` (goal < 250 MB: streaming)
//   - wall time of `outreach leads export` vs `sqlite3 -csv` running the same query over the same rows (goal ≤ 1.5x)
// Each pair runs R times (default 3), the two tools alternating, and the medians are compared: on a shared VM
// the CPU's speed drifts by a quarter from one minute to the next (the sqlite3 baseline alone took 4.7 s in one
// run and 6.1 s in another), and a single pair measured the drift as much as the tools.
import { spawnSync, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const rows = Number(args[args.indexOf('--rows') + 1] || 0) || 1_000_000;
const runs = Math.max(1, Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 3) || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const out = join(root, 'bench/out/import');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

function ensureSqlite3() {
  if (spawnSync('sqlite3', ['--version']).status === 0) return;
  if (process.getuid?.() === 0) {
    console.error('installing the sqlite3 CLI (apt-get) for the baseline...');
    spawnSync('bash', ['-c', 'apt-get install -y -qq sqlite3 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null)'], { stdio: 'inherit' });
  }
  if (spawnSync('sqlite3', ['--version']).status !== 0) {
    console.error('the sqlite3 command-line tool is needed for the baseline: apt-get install sqlite3');
    process.exit(1);
  }
}

const COUNTRIES = ['US', 'GB', 'CA', 'AU', 'DE', 'FR', 'NL', 'ES', 'IT', 'SE'];
const FIRST = ['Ana', 'Ben', 'Chloé', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun'];
async function writeCsv(file, n) {
  const ws = createWriteStream(file);
  let buf = 'Store Name,Website,Email,First Name,Last Name,Country\n';
  for (let i = 0; i < n; i++) {
    // about 2% duplicates of earlier stores with another contact, as real lists have
    const id = i % 50 === 49 ? i - 7 : i;
    const first = FIRST[i % FIRST.length];
    buf += `"Store ${id}, Inc.",https://www.store-${id}.com/collections/all,${first.toLowerCase()}${i}@store-${id}.com,${first},Lee,${COUNTRIES[i % COUNTRIES.length]}\n`;
    if (buf.length > 1 << 16) {
      if (!ws.write(buf)) await new Promise((r) => ws.once('drain', r));
      buf = '';
    }
  }
  ws.write(buf);
  await new Promise((r) => ws.end(r));
}

/** Runs a command under GNU time: wall seconds and peak RSS (MB). */
function timed(cmd, cmdArgs, opts = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...cmdArgs], { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (r.status !== 0) {
    console.error(r.stderr);
    throw new Error(`${cmd} ${cmdArgs.join(' ')} failed`);
  }
  const last = r.stderr.trim().split('\n').pop().split(' ');
  return { wall: Number(last[0]), rssMb: Number(last[1]) / 1024, cpu: Number(last[2]) + Number(last[3]), stderr: r.stderr };
}

ensureSqlite3();
if (!existsSync(join(root, 'dist/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const csv = join(out, 'leads.csv');
console.log(`generating ${rows.toLocaleString('en-US')} rows...`);
await writeCsv(csv, rows);
console.log(`  ${csv} (${(statSync(csv).size / 1e6).toFixed(0)} MB)`);

const db = join(out, 'outreach.db');
const bin = join(root, 'bin/outreach');
const plainDb = join(out, 'plain.db');
// The equivalent table: the same columns, keyed by website (duplicates ignored) with the email indexed,
// as `leads` is keyed by domain with contacts indexed by email.
const schema = `CREATE TABLE leads_plain (company TEXT, website TEXT UNIQUE ON CONFLICT IGNORE, email TEXT, first_name TEXT, last_name TEXT, country TEXT);
CREATE INDEX leads_plain_email ON leads_plain (email);`;
const fresh = (file) => {
  for (const x of ['', '-wal', '-shm', '-journal']) rmSync(file + x, { force: true });
};
const imps = [];
const bases = [];
let threads = null;
for (let i = 0; i < runs; i++) {
  // alternate which tool goes first
  const pair = [
    () => {
      fresh(db);
      const r = timed(process.execPath, [bin, '--db', db, 'leads', 'import', csv, '-v']);
      imps.push(r);
      // -v prints the CPU of each thread: the main thread inserts, the parser thread reads and normalizes
      threads = /CPU: ([\d.]+) s inserting \(main thread\), ([\d.]+) s parsing/.exec(r.stderr) ?? threads;
    },
    () => {
      fresh(plainDb);
      execFileSync('sqlite3', [plainDb, schema]);
      bases.push(timed('sqlite3', [plainDb, '-cmd', 'PRAGMA journal_mode=WAL', `.import --csv --skip 1 ${csv} leads_plain`]));
    },
  ];
  if (i % 2) pair.reverse();
  for (const f of pair) f();
  console.log(`  run ${i + 1}/${runs}: outreach ${imps[i].wall.toFixed(2)} s, sqlite3 ${bases[i].wall.toFixed(2)} s`);
}

// Export: the same query both ways, over the same database.
const { buildLeadQuery } = await import(join(root, 'dist/stages/leads/query.js'));
const { sql } = buildLeadQuery({}, 'created');
const expOut = join(out, 'export.csv');
const plainExp = join(out, 'plain-export.csv');
const exps = [];
const expBases = [];
for (let i = 0; i < runs; i++) {
  const pair = [
    () => exps.push(timed(process.execPath, [bin, '--db', db, 'leads', 'export', '-o', expOut, '--quiet'])),
    () => expBases.push(timed('bash', ['-c', `sqlite3 -csv -header ${db} "${sql.replace(/\n/g, ' ').replace(/"/g, '\\"')}" > ${plainExp}`])),
  ];
  if (i % 2) pair.reverse();
  for (const f of pair) f();
}
const exp1 = timed(process.execPath, [bin, '--db', db, 'leads', 'export', '-o', expOut + '.1', '--threads', '1', '--quiet']);
const sameBytes = spawnSync('cmp', ['-s', expOut, expOut + '.1']).status === 0;
const leads = Number(execFileSync('sqlite3', [db, 'SELECT count(*) FROM leads']).toString().trim());
/** The median run of each tool (by wall time), as the figures to print. */
const mid = (xs) => xs.find((x) => x.wall === median(xs.map((y) => y.wall)));
const imp = mid(imps);
const base = mid(bases);
const exp = mid(exps);
const expBase = mid(expBases);
const fmt = (x) => x.toFixed(2).padStart(8);
console.log(`\nleads import, ${rows.toLocaleString('en-US')} rows (${leads.toLocaleString('en-US')} leads after merging duplicates), median of ${runs} runs`);
console.log(`                             wall s   cpu s`);
console.log(`  outreach leads import     ${fmt(imp.wall)} ${fmt(imp.cpu)}   peak RSS ${Math.max(...imps.map((x) => x.rssMb)).toFixed(0)} MB, highest of the runs (goal < 250 MB)`);
console.log(`  sqlite3 .import --csv     ${fmt(base.wall)} ${fmt(base.cpu)}`);
console.log(`  ratio of the medians      ${fmt(imp.wall / base.wall)} ${fmt(imp.cpu / base.cpu)} x`);
console.log(`  ratio, median of the runs ${fmt(median(imps.map((x, i) => x.wall / bases[i].wall)))} ${fmt(median(imps.map((x, i) => x.cpu / bases[i].cpu)))} x (goal ≤ 2.0; each run, wall: ${imps.map((x, i) => (x.wall / bases[i].wall).toFixed(2)).join(', ')})`);
if (threads) console.log(`  outreach CPU by thread: ${threads[1]} s inserting (main), ${threads[2]} s parsing (parser thread)`);
console.log(`\nleads export, ${leads.toLocaleString('en-US')} leads, median of ${runs} runs`);
console.log(`  outreach leads export     ${fmt(exp.wall)} ${fmt(exp.cpu)}   peak RSS ${exp.rssMb.toFixed(0)} MB (2 worker threads)`);
console.log(`  ... --threads 1           ${fmt(exp1.wall)} ${fmt(exp1.cpu)}   peak RSS ${exp1.rssMb.toFixed(0)} MB (same bytes: ${sameBytes ? 'yes' : 'NO'})`);
console.log(`  sqlite3 -csv (same query) ${fmt(expBase.wall)} ${fmt(expBase.cpu)}`);
console.log(`  ratio of the medians      ${fmt(exp.wall / expBase.wall)} ${fmt(exp.cpu / expBase.cpu)} x`);
console.log(`  ratio, median of the runs ${fmt(median(exps.map((x, i) => x.wall / expBases[i].wall)))} ${fmt(median(exps.map((x, i) => x.cpu / expBases[i].cpu)))} x (goal ≤ 1.5; each run, wall: ${exps.map((x, i) => (x.wall / expBases[i].wall).toFixed(2)).join(', ')})`);
console.log(`\n(load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores: wall times on a busy machine are inflated; cpu s is user+sys)`);
