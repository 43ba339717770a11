#!/usr/bin/env node
// `npm run bench -- inbox [--messages N] [--keep] [--profile DIR]`: N (default 10,000) messages in a loopback Dovecot INBOX
// (scripts/mailstack, started here on free ports), then side by side:
//   - a plain imapflow fetch of the same messages (source of every message, nothing else): the baseline;
//   - `outreach inbox sync` (stage syncInbox, offline classifier): parse, classify, thread, store, effects.
//     It fetches the same bytes (BODY[] of every message, plus RFC822.SIZE, after one UID SEARCH), in
//     chunks of 250 UIDs; parsing and classifying run on worker threads (one per spare core), IMAP and SQLite on the main one;
//   - an empty re-sync (nothing new: goal < 1 s);
// with peak RSS of each and RSS samples during our sync (memory flat: the mailbox is streamed).
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, hostname, loadavg, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LEADS, USER, message, seed } from './_inbox-data.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const N = Number(flag('--messages', 10000));
const PASS = 'alicepass';

async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((ok) => { const s = createServer(); s.listen(0, '127.0.0.1', () => ok(s)); })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

async function fill(imapPort) {
  const { ImapFlow } = await import('imapflow');
  const c = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASS }, logger: false });
  await c.connect();
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const m = message(i);
    bytes += Buffer.byteLength(m);
    await c.append('INBOX', m, ['\\Seen']);
  }
  await c.logout();
  return bytes;
}

async function runPlain(imapPort) {
  const { ImapFlow } = await import('imapflow');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const c = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASS }, logger: false });
  await c.connect();
  const lock = await c.getMailboxLock('INBOX', { readOnly: true });
  let n = 0;
  let bytes = 0;
  try {
    for await (const m of c.fetch('1:*', { uid: true, source: true })) {
      n++;
      bytes += m.source.length;
    }
  } finally {
    lock.release();
  }
  await c.logout();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ n, bytes, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

async function runOurs(dbPath, imapPort) {
  const { openDb } = await import(join(root, 'dist/db/open.js'));
  const { syncInbox } = await import(join(root, 'dist/stages/inbox/index.js'));
  const db = openDb(dbPath);
  const mailbox = { id: 1, name: 'bench', email: USER, imap: { host: '127.0.0.1', port: imapPort, security: 'none', user: USER, pass: PASS } };
  const samples = [];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const s = await syncInbox(db, [mailbox], {
    classifier: null,
    onProgress: () => {
      if (samples.length === 0 || performance.now() - samples[samples.length - 1].t > 1000) samples.push({ t: performance.now(), n: 0, rssMb: Math.round(process.memoryUsage().rss / 1048576) });
    },
    onMessage: () => {
      if (samples.length) samples[samples.length - 1].n++;
    },
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0); // every thread of the process (the worker too)
  // How busy the main thread (IMAP + SQLite) was: near 1 means it, not the worker, sets the pace.
  const mainBusy = performance.eventLoopUtilization(elu0).utilization;
  const t1 = performance.now();
  const again = await syncInbox(db, [mailbox], { classifier: null });
  const emptyMs = performance.now() - t1;
  db.close();
  process.stdout.write(JSON.stringify({ n: s.scanned, byLabel: s.byLabel, errors: s.errors.length, ms, cpuMs: (cpu.user + cpu.system) / 1000, emptyMs, emptyScanned: again.scanned, mainBusy, maxRssKb: process.resourceUsage().maxRSS, rss: samples.map((x) => x.rssMb) }) + '\n');
}

function child(kind, rest) {
  // --profile DIR: a CPU profile of each thread of our sync (node --cpu-prof), to read in Chrome's DevTools
  const prof = kind === 'ours' && flag('--profile', null) ? ['--cpu-prof', `--cpu-prof-dir=${resolve(flag('--profile'))}`] : [];
  const r = spawnSync(process.execPath, [...prof, fileURLToPath(import.meta.url), '--child', kind, ...rest], { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, BENCH_PW: PASS } });
  if (r.status !== 0) throw new Error(`${kind} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function main() {
  if (args[0] === '--child') {
    if (args[1] === 'ours') return runOurs(args[2], Number(args[3]));
    return runPlain(Number(args[2]));
  }
  if (!existsSync(join(root, 'dist/stages/inbox/index.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(1);
  }
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/postfix') || !existsSync('/usr/sbin/dovecot')) {
    console.error('This benchmark needs Postfix and Dovecot and root: `sudo bash scripts/mailstack/mailstack.sh install`, then run it as root.');
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'outreach-bench-inbox-'));
  chmodSync(dir, 0o755);
  const [smtp, imap, lmtp, auth] = await freePorts(4);
  const env = { ...process.env, MAILSTACK_DIR: join(dir, 'mail'), SMTP_PORT: String(smtp), IMAP_PORT: String(imap), LMTP_PORT: String(lmtp), AUTH_PORT: String(auth) };
  const script = join(root, 'scripts/mailstack/mailstack.sh');
  execFileSync('bash', [script, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const dbPath = join(dir, 'bench.db');
    await seed(root, dbPath, imap);
    const t0 = performance.now();
    const bytes = await fill(imap);
    console.log(`inbox bench: ${N} messages (${(bytes / 1048576).toFixed(1)} MB) appended to a loopback Dovecot INBOX in ${((performance.now() - t0) / 1000).toFixed(1)}s; ${hostname()}, Node ${process.version}`);
    child('plain', [String(imap)]); // warm Dovecot's index and page cache once so neither side pays for it
    const plain = child('plain', [String(imap)]);
    const ours = child('ours', [dbPath, String(imap)]);
    const mb = (kb) => (kb / 1024).toFixed(0);
    const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log('');
    console.log(`  ${'what'.padEnd(46)} ${'messages'.padStart(8)} ${'wall'.padStart(9)} ${'CPU'.padStart(9)} ${'msg/s'.padStart(7)} ${'peak RSS'.padStart(9)}`);
    console.log(`  ${'plain imapflow fetch of the sources (baseline)'.padEnd(46)} ${String(plain.n).padStart(8)} ${(plain.ms / 1000).toFixed(2).padStart(8)}s ${(plain.cpuMs / 1000).toFixed(2).padStart(8)}s ${((plain.n / plain.ms) * 1000).toFixed(0).padStart(7)} ${mb(plain.maxRssKb).padStart(6)} MB`);
    console.log(`  ${'outreach inbox sync (first, offline classifier)'.padEnd(46)} ${String(ours.n).padStart(8)} ${(ours.ms / 1000).toFixed(2).padStart(8)}s ${(ours.cpuMs / 1000).toFixed(2).padStart(8)}s ${((ours.n / ours.ms) * 1000).toFixed(0).padStart(7)} ${mb(ours.maxRssKb).padStart(6)} MB`);
    console.log(`  ${'outreach inbox sync (again, nothing new)'.padEnd(46)} ${String(ours.emptyScanned).padStart(8)} ${(ours.emptyMs / 1000).toFixed(2).padStart(8)}s`);
    const ratio = ours.ms / plain.ms;
    console.log('');
    console.log(`  first sync ratio ${ratio.toFixed(2)}x (goal <= 1.5) ${ratio <= 1.5 ? 'OK' : 'OVER'}; CPU ratio ${(ours.cpuMs / plain.cpuMs).toFixed(2)}x; empty re-sync ${(ours.emptyMs / 1000).toFixed(2)}s (goal < 1) ${ours.emptyMs < 1000 ? 'OK' : 'OVER'}`);
    console.log(`  same bytes on both sides: each fetches BODY[] (imapflow \`source\`) of all ${N} messages (${(plain.bytes / 1048576).toFixed(1)} MB); ours adds RFC822.SIZE and one UID SEARCH`);
    console.log(`  CPU = user + system of the whole process (ours: main thread + its parse/classify workers); ${cpus().length} cores, load average ${load()} (1/5/15 min) at the end`);
    console.log(`  our main thread (IMAP + SQLite) was busy ${(ours.mainBusy * 100).toFixed(0)}% of the sync (event-loop utilization; near 100% = it sets the pace, not the worker)`);
    console.log(`  RSS during our sync, one sample a second (MB): ${ours.rss.join(' ')}`);
    console.log(`  labels: ${JSON.stringify(ours.byLabel)}; errors: ${ours.errors}`);
  } finally {
    if (!args.includes('--keep')) {
      execFileSync('bash', [script, 'stop'], { env, stdio: ['ignore', 'ignore', 'ignore'] });
      rmSync(dir, { recursive: true, force: true });
    } else console.log(`kept ${dir}`);
  }
}

await main();
