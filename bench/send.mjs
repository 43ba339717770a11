#!/usr/bin/env node
// `npm run bench -- send [--messages N] [--rounds R] [--db-dir DIR] [--keep] [--no-delivery-check]`
// Sends N messages (default 2,000) to a loopback Postfix (scripts/mailstack, started here on free ports)
// with pacing off, through the real send stage (claim in a transaction, Message-ID, SMTP, commit, events),
// side by side with a plain nodemailer pooled loop sending the same messages to the same server.
// Prints wall time of each, the ratio (goal <= 1.3) and peak RSS (goal < 200 MB); then checks over IMAP
// that all of them (warm-up, baseline, ours) reached the mailbox. BENCH_PROF=1 writes CPU profiles to /tmp/sendprof/.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, hostname, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const N = Number(flag('--messages', 2000));
const SECRET = 'bench-secret-0123456789';
const BASE_URL = 'https://u.bench.test';
const MARK = '[[UNSUBSCRIBE_URL]]';

const body = (i) => `Hi Owner${i},\n\nI noticed Shop ${i} sells handmade jewelry and wanted to ask a quick question about your reviews.\n\nAna, Lima Studio, 1 Main St, Austin TX 78701\nUnsubscribe: ${MARK}\n`;
const html = (i) => `<p>Hi Owner${i},</p><p>I noticed Shop ${i} sells handmade jewelry and wanted to ask a quick question about your reviews.</p><p>Ana, Lima Studio, 1 Main St, Austin TX 78701</p><p><a href="${MARK}">Unsubscribe</a></p>`;
const subject = (i) => `Quick question for Shop ${i}`;
const to = (i) => `owner${i}@shop${i % 97}.bench.example`;

async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((ok) => { const s = createServer(); s.listen(0, '127.0.0.1', () => ok(s)); })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

// ---- child: our send stage ------------------------------------------------------------------
async function runOurs(dbPath, smtpPort) {
  const { openDb } = await import(join(root, 'dist/db/open.js'));
  const { runSend } = await import(join(root, 'dist/stages/send/index.js'));
  const { SmtpClient } = await import(join(root, 'dist/adapters/smtp.js'));
  const { smtpConfigOf } = await import(join(root, 'dist/stages/mailbox/index.js'));
  const { systemClock } = await import(join(root, 'dist/adapters/clock.js'));
  const db = openDb(dbPath);
  const env = (n) => ({ BENCH_PW: 'alicepass' })[n];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runSend(
    db,
    { clock: systemClock, smtp: (m) => new SmtpClient(smtpConfigOf(m, env)), sentFolder: async () => null, isAlive: () => true, hostname: hostname(), pid: process.pid },
    {
      settings: {
        sender: { name: 'Ana Lima', email: 'alice@test.local', timezone: 'UTC' },
        sending: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00', recipient_timezone: false, min_gap_seconds: 0, max_gap_seconds: 0, per_domain_per_hour: 1_000_000 },
        unsubscribe: { base_url: BASE_URL, mailto: '' },
      },
      secret: SECRET,
    },
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  db.close();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, userMs: cpu.user / 1000, sysMs: cpu.system / 1000, maxRssKb: process.resourceUsage().maxRSS, sent: r.sent, failed: r.failed + r.deferred + r.unknown }));
}

// ---- child: plain nodemailer pooled loop ------------------------------------------------------
async function runPlain(smtpPort) {
  const nodemailer = (await import('nodemailer')).default;
  const { makeUnsubscribeToken, unsubscribeUrl } = await import(join(root, 'dist/domain/unsubscribe.js'));
  const { randomUUID } = await import('node:crypto');
  const t = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, auth: { user: 'alice@test.local', pass: 'alicepass' } });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  for (let i = 0; i < N; i++) {
    const mid = `${randomUUID()}@test.local`;
    const url = unsubscribeUrl(BASE_URL, makeUnsubscribeToken(SECRET, mid));
    await t.sendMail({
      from: { name: 'Ana Lima', address: 'alice@test.local' },
      to: to(i),
      subject: subject(i),
      text: body(i).split(MARK).join(url),
      html: html(i).split(MARK).join(url),
      messageId: `<${mid}>`,
      date: new Date(),
      headers: { 'List-Unsubscribe': `<${url}>, <mailto:alice@test.local?subject=unsubscribe>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    sent++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  t.close();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, userMs: cpu.user / 1000, sysMs: cpu.system / 1000, maxRssKb: process.resourceUsage().maxRSS, sent }));
}

// ---- parent -----------------------------------------------------------------------------------
async function seed(dbPath, smtpPort) {
  const { openDb } = await import(join(root, 'dist/db/open.js'));
  const db = openDb(dbPath);
  const q = db.sqlite;
  q.transaction(() => {
    const c = q.prepare(`INSERT INTO campaigns (name) VALUES ('bench') RETURNING id`).get().id;
    const s = q.prepare(`INSERT INTO steps (campaign_id, position, delay_days) VALUES (?, 1, 0) RETURNING id`).get(c).id;
    for (let i = 0; i < N; i++) {
      const l = q.prepare(`INSERT INTO leads (domain, company, country, stage) VALUES (?, ?, 'GB', 'drafted') RETURNING id`).get(`shop${i}.bench.example`, `Shop ${i}`).id;
      const ct = q.prepare(`INSERT INTO contacts (lead_id, email, is_primary) VALUES (?, ?, 1) RETURNING id`).get(l, to(i)).id;
      const e = q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id) VALUES (?, ?, ?) RETURNING id`).get(c, l, ct).id;
      q.prepare(`INSERT INTO drafts (enrollment_id, step_id, lead_id, contact_id, subject, body_text, body_html, status, provider) VALUES (?, ?, ?, ?, ?, ?, ?, 'approved', 'offline')`).run(e, s, l, ct, subject(i), body(i), html(i));
    }
    q.prepare(`INSERT INTO mailboxes (name, email, smtp_host, smtp_port, smtp_security, smtp_user, smtp_password_env, daily_cap, ramp_start, ramp_step) VALUES ('alice', 'alice@test.local', '127.0.0.1', ?, 'none', 'alice@test.local', 'BENCH_PW', 1000000, 0, 0)`).run(smtpPort);
  })();
  db.close();
}

function child(mode, extra) {
  const r = spawnSync(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=/tmp/sendprof/${mode}`] : []), fileURLToPath(import.meta.url), '--child', mode, ...extra, '--messages', String(N)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.stderr) console.error(r.stderr);
  if (r.status !== 0) {
    console.error(r.stderr || r.stdout);
    process.exit(1);
  }
  return JSON.parse(r.stdout);
}

async function countInbox(imapPort) {
  const { ImapFlow } = await import('imapflow');
  const c = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, doSTARTTLS: false, auth: { user: 'sink@test.local', pass: 'sinkpass' }, logger: false });
  await c.connect();
  const st = await c.status('INBOX', { messages: true });
  await c.logout();
  return st.messages;
}

async function main() {
  if (args[0] === '--child') {
    if (args[1] === 'ours') return runOurs(args[2], Number(args[3]));
    return runPlain(Number(args[2]));
  }
  if (!existsSync(join(root, 'dist/stages/send/index.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(1);
  }
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/postfix') || !existsSync('/usr/sbin/dovecot')) {
    console.error('This benchmark needs Postfix and Dovecot and root: `sudo bash scripts/mailstack/mailstack.sh install`, then run it as root.');
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'outreach-bench-send-'));
  chmodSync(dir, 0o755);
  const [smtp, imap, lmtp, auth] = await freePorts(4);
  const env = { ...process.env, MAILSTACK_DIR: join(dir, 'mail'), SMTP_PORT: String(smtp), IMAP_PORT: String(imap), LMTP_PORT: String(lmtp), AUTH_PORT: String(auth) };
  const script = join(root, 'scripts/mailstack/mailstack.sh');
  execFileSync('bash', [script, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    // --db-dir puts the database elsewhere (e.g. /dev/shm, to see the cost of the disk flush alone).
    const dbDir = flag('--db-dir', null);
    const rounds = Number(flag('--rounds', 3));
    const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`send bench: ${N} messages to the loopback Postfix (127.0.0.1:${smtp}), pacing off, one mailbox, ${rounds} round(s), ${hostname()}, Node ${process.version}`);
    console.log(`  both sides send one message at a time over one SMTP connection (the baseline awaits each sendMail, so its pool of 5 holds one busy connection)`);
    // Warm Postfix's process pool once so neither side pays for it.
    child('plain', [String(smtp)]);
    const rate = (x) => ((x.sent / x.ms) * 1000).toFixed(0);
    const mb = (kb) => (kb / 1024).toFixed(0);
    const line = (what, x, l) =>
      console.log(`  ${what.padEnd(44)} ${(x.ms / 1000).toFixed(2).padStart(7)}s ${(x.cpuMs / 1000).toFixed(2).padStart(7)}s ${x.userMs !== undefined ? `(${(x.userMs / 1000).toFixed(2)} user ${(x.sysMs / 1000).toFixed(2)} sys)` : ''.padEnd(22)} ${rate(x).padStart(6)} ${mb(x.maxRssKb).padStart(5)} MB   ${l}`);
    console.log('');
    console.log(`  ${'what'.padEnd(44)} ${'wall'.padStart(8)} ${'CPU'.padStart(8)} ${''.padEnd(22)} ${'msg/s'.padStart(6)} ${'RSS'.padStart(8)}   load (1/5/15 min, at start)`);
    const plains = [];
    const ourss = [];
    const states = [];
    const { openDb } = await import(join(root, 'dist/db/open.js'));
    for (let r = 0; r < rounds; r++) {
      const dbPath = dbDir ? join(mkdtempSync(join(dbDir, 'outreach-bench-')), 'bench.db') : join(dir, `bench-${r}.db`);
      await seed(dbPath, smtp);
      // Alternate who goes first so a load spike does not always hit the same side.
      for (const who of r % 2 ? ['ours', 'plain'] : ['plain', 'ours']) {
        const l = load();
        if (who === 'plain') {
          const x = child('plain', [String(smtp)]);
          plains.push(x);
          line(`round ${r + 1}: nodemailer pooled loop (baseline)`, x, l);
        } else {
          const x = child('ours', [dbPath, String(smtp)]);
          ourss.push(x);
          line(`round ${r + 1}: outreach send stage`, x, l);
        }
      }
      const db = openDb(dbPath);
      states.push(db.sqlite.prepare(`SELECT state, COUNT(*) AS n FROM messages GROUP BY state`).all());
      db.close();
    }
    const median = (xs, k) => [...xs].sort((a, b) => a[k] - b[k])[Math.floor(xs.length / 2)][k];
    const plain = { ms: median(plains, 'ms'), cpuMs: median(plains, 'cpuMs'), maxRssKb: Math.max(...plains.map((x) => x.maxRssKb)), sent: N };
    const ours = { ms: median(ourss, 'ms'), cpuMs: median(ourss, 'cpuMs'), maxRssKb: Math.max(...ourss.map((x) => x.maxRssKb)), sent: N };
    console.log('');
    line('median: nodemailer pooled loop (baseline)', plain, '');
    line('median: outreach send stage (claim/commit/events)', ours, '');
    const ratio = ours.ms / plain.ms;
    console.log('');
    console.log(`  ratio ${ratio.toFixed(2)}x wall (goal <= 1.3) ${ratio <= 1.3 ? 'OK' : 'OVER'}; CPU ratio ${(ours.cpuMs / plain.cpuMs).toFixed(2)}x; RSS ${mb(ours.maxRssKb)} MB (goal < 200) ${ours.maxRssKb < 200 * 1024 ? 'OK' : 'OVER'}; load now ${load()}`);
    console.log(`  our messages per round: ${states.map((x) => JSON.stringify(x)).join(' ')}`);
    const expected = (1 + 2 * rounds) * N;
    // Postfix delivers (with the Sent copies) in the background: wait until the count stops growing.
    let inbox = -1;
    for (let i = 0; i < (args.includes('--no-delivery-check') ? 0 : 180); i++) {
      const n = await countInbox(imap);
      if (n === inbox || n >= expected) {
        inbox = n;
        if (n >= expected) break;
      }
      inbox = n;
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`  delivered to the sink mailbox: ${inbox} (expected ${expected}: warm-up + baseline + ours, every round)`);
  } finally {
    if (!args.includes('--keep')) {
      execFileSync('bash', [script, 'stop'], { env, stdio: ['ignore', 'ignore', 'ignore'] });
      rmSync(dir, { recursive: true, force: true });
    } else console.log(`kept ${dir}`);
  }
}

await main();
