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

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const N = Number(flag('--messages', 10000));
const LEADS = 3000;
const USER = 'alice@test.local';
const PASS = 'alicepass';

async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((ok) => { const s = createServer(); s.listen(0, '127.0.0.1', () => ok(s)); })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

const REPLIES = [
  'Thanks for reaching out. We are interested - what does it cost for a store our size?',
  "Not interested, thanks. We already work with an agency and we're happy with them.",
  'Can you send me more details? If it looks relevant I will loop in our head of growth.',
  'Please remove me from your list.',
  'Klingt interessant. Können wir nächste Woche kurz telefonieren?',
  "Non merci, nous avons déjà un prestataire.",
  'Ahora mismo no, escríbeme más adelante.',
  'Who are you and how did you get my email?',
];
const QUOTE = `\r\n\r\nOn Mon, Mar 2, 2026 at 9:00 AM Sam Baker <${USER}> wrote:\r\n` + Array.from({ length: 12 }, (_, i) => `> Line ${i} of our original email about abandoned carts and how we help stores like yours.`).join('\r\n') + '\r\n> Not interested? Unsubscribe: https://u.bench.test/u/abc\r\n';

function message(i) {
  const lead = (i % LEADS) + 1;
  const date = 'Mon, 02 Mar 2026 10:00:00 +0000';
  const kind = i % 20;
  if (kind === 0) {
    return `From: Mail Delivery System <MAILER-DAEMON@mx.bench.example>\r\nTo: ${USER}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-${i}@mx.bench.example>\r\nDate: ${date}\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B${i}"\r\n\r\n--B${i}\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.bench.example.\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--B${i}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.bench.example\r\n\r\nFinal-Recipient: rfc822; owner${lead}@shop${lead}.bench.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n--B${i}\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: ${USER}\r\nTo: owner${lead}@shop${lead}.bench.example\r\nMessage-ID: <out-${lead}@bench.test>\r\nSubject: Quick question\r\n\r\n--B${i}--\r\n`;
  }
  const headers = `From: Owner ${lead} <owner${lead}@shop${lead}.bench.example>\r\nTo: ${USER}\r\nSubject: ${kind < 3 ? 'Automatic reply: Quick question' : 'Re: Quick question'}\r\nMessage-ID: <reply-${i}@shop${lead}.bench.example>\r\nIn-Reply-To: <out-${lead}@bench.test>\r\nReferences: <out-${lead}@bench.test>\r\nDate: ${date}\r\n${kind < 3 ? 'Auto-Submitted: auto-replied\r\n' : ''}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;
  const body = kind < 3 ? 'I am out of the office until 16 March with limited access to email.' : REPLIES[i % REPLIES.length];
  return headers + body + '\r\n\r\nBest,\r\nOwner ' + lead + QUOTE;
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

function seed(dbPath, imapPort) {
  return import(join(root, 'dist/db/open.js')).then(({ openDb, tx }) => {
    const db = openDb(dbPath);
    const q = db.sqlite;
    tx(db, () => {
      q.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES ('bench', ?, '127.0.0.1', '127.0.0.1', ?, 'none', ?, 'BENCH_PW')`).run(USER, imapPort, USER);
      q.prepare(`INSERT INTO campaigns (name) VALUES ('bench')`).run();
      for (let n = 1; n <= LEADS; n++) {
        q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`shop${n}.bench.example`);
        q.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `owner${n}@shop${n}.bench.example`);
        q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id, thread_message_id) VALUES (1, ?, ?, 1, ?)`).run(n, n, `out-${n}@bench.test`);
        q.prepare(`INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, mailbox_id, to_email, subject, message_id, state) VALUES (?, ?, ?, 1, 1, ?, 'Quick question', ?, 'sent')`).run(n, n, n, `owner${n}@shop${n}.bench.example`, `out-${n}@bench.test`);
      }
    });
    db.close();
  });
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
    await seed(dbPath, imap);
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
