#!/usr/bin/env node
// `npm run bench -- report [--leads N] [--events N] [--rebuild] [--runs N]`
// Builds (once, in bench/out/) a database of 1,000,000 leads and 5,000,000 events with campaigns,
// drafts, messages, replies, bounces, spend and suppressions in realistic proportions, then times each
// report as `outreach report` computes it (better-sqlite3 + shaping in JS) against the same SQL text run
// by the `sqlite3` tool (its own `.timer` figures), side by side. Goal: each report ≤ 1.5x sqlite3.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const LEADS = opt('leads', 1_000_000);
const EVENTS = opt('events', 5_000_000);
const RUNS = opt('runs', 3);
const rebuild = args.includes('--rebuild');
const NOW = '2026-11-20T12:00:00.000Z';

const dist = join(here, '..', 'dist');
if (!existsSync(join(dist, 'stages/report/index.js'))) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(1);
}
const { openDb } = await import(join(dist, 'db/open.js'));
const report = await import(join(dist, 'stages/report/index.js'));

const sqliteBin = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
if (sqliteBin.status !== 0) {
  console.error('The sqlite3 tool is missing: apt-get install -y sqlite3');
  process.exit(1);
}

const outDir = join(here, 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `report-${LEADS}-${EVENTS}.db`);

function build() {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  const t0 = performance.now();
  const db = openDb(file);
  const s = db.sqlite;
  s.pragma('synchronous = OFF');
  s.pragma('cache_size = -1000000');
  // Bulk load: drop the events indexes and rebuild them after (a sort instead of random B-tree inserts).
  s.exec('DROP INDEX IF EXISTS events_lead_at_idx; DROP INDEX IF EXISTS events_type_at_idx;');
  const ts = (expr) => `strftime('%Y-%m-%dT%H:%M:%fZ', '${NOW}', ${expr})`;
  const step = (label, sql) => {
    const t = performance.now();
    s.exec(sql);
    console.error(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  console.error(`Building ${file} (${LEADS.toLocaleString()} leads, ${EVENTS.toLocaleString()} events)...`);
  s.exec('BEGIN');
  step('campaigns, steps, variants, mailboxes', `
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 4)
    INSERT INTO campaigns (id, name, status, offer) SELECT i, 'campaign-' || i, 'active', 'offer ' || i FROM c;
    INSERT INTO steps (id, campaign_id, position, delay_days) SELECT id * 2 - 1, id, 1, 0 FROM campaigns;
    INSERT INTO steps (id, campaign_id, position, delay_days) SELECT id * 2, id, 2, 3 FROM campaigns;
    INSERT INTO variants (step_id, label) SELECT id, 'A' FROM steps;
    INSERT INTO variants (step_id, label) SELECT id, 'B' FROM steps WHERE id % 2 = 1;
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5)
    INSERT INTO mailboxes (id, name, email, smtp_host, daily_cap, ramp_start, ramp_step, ramp_started_at)
      SELECT i, 'mb' || i, 'mb' || i || '@sender.example', 'smtp.example', 400, 20, 10, ${ts("'-40 days'")} FROM c;`);
  step('leads', `
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${LEADS})
    INSERT INTO leads (id, domain, company, country, stage, source, is_shopify, enrich_status, created_at, updated_at, checked_at, enriched_at)
    SELECT i, 'shop-' || i || '.example', 'Shop ' || i, substr('USGBCADEAUFRNL', 1 + (i % 7) * 2, 2), 'new', 'search:bench',
      CASE WHEN i % 4 < 3 THEN 1 WHEN i % 8 = 3 THEN 0 ELSE NULL END,
      CASE WHEN i % 4 < 3 AND i % 5 < 4 THEN 'done' WHEN i % 4 < 3 THEN 'error' ELSE NULL END,
      ${ts("'-' || (i % 90) || ' days'")}, ${ts("'-' || (i % 90) || ' days'")},
      CASE WHEN i % 8 = 7 THEN NULL ELSE ${ts("'-' || (i % 89) || ' days'")} END,
      CASE WHEN i % 4 < 3 AND i % 5 < 4 THEN ${ts("'-' || (i % 88) || ' days'")} END
    FROM c;`);
  step('contacts', `INSERT INTO contacts (lead_id, email, is_primary, validation) SELECT id, 'owner@' || domain, 1, 'valid' FROM leads WHERE enrich_status = 'done';`);
  step('scores', `
    INSERT INTO scores (lead_id, fit, intent, factors, profile_version, scored_at)
    SELECT id, (id * 37) % 101, (id * 53) % 101, '[]', 'v1', enriched_at FROM leads WHERE enrich_status = 'done' AND id % 10 < 9;`);
  step('enrollments', `
    INSERT INTO enrollments (id, campaign_id, lead_id, contact_id, status, mailbox_id, created_at)
    SELECT s.lead_id, 1 + s.lead_id % 4, s.lead_id, c.id, CASE WHEN s.lead_id % 11 = 0 THEN 'stopped' ELSE 'active' END, 1 + s.lead_id % 5, s.scored_at
    FROM scores s JOIN contacts c ON c.lead_id = s.lead_id WHERE s.lead_id % 3 = 0;`);
  step('drafts', `
    INSERT INTO drafts (id, enrollment_id, step_id, variant_id, lead_id, contact_id, subject, body_text, status, provider, model, input_tokens, output_tokens, cost_usd, reviewed_at, created_at, updated_at)
    SELECT e.id * 2 - 1, e.id, e.campaign_id * 2 - 1, (SELECT v.id FROM variants v WHERE v.step_id = e.campaign_id * 2 - 1 AND v.label = CASE WHEN e.id % 2 = 0 THEN 'A' ELSE 'B' END),
      e.lead_id, e.contact_id, 'Quick question', 'Hello https://sender.example/x [[UNSUBSCRIBE_URL]]',
      CASE WHEN e.id % 20 = 0 THEN 'pending' WHEN e.id % 20 = 1 THEN 'rejected' ELSE 'sent' END, 'anthropic', 'claude', 900, 250, 0.0021,
      ${ts("'-' || (e.id % 30) || ' days'")}, ${ts("'-' || (e.id % 30 + 1) || ' days'")}, ${ts("'-' || (e.id % 30) || ' days'")}
    FROM enrollments e;
    INSERT INTO drafts (id, enrollment_id, step_id, variant_id, lead_id, contact_id, subject, body_text, status, provider, model, input_tokens, output_tokens, cost_usd, reviewed_at, created_at, updated_at)
    SELECT e.id * 2, e.id, e.campaign_id * 2, (SELECT v.id FROM variants v WHERE v.step_id = e.campaign_id * 2 AND v.label = 'A'),
      e.lead_id, e.contact_id, 'Re: Quick question', 'Following up [[UNSUBSCRIBE_URL]]', 'sent', 'anthropic', 'claude', 800, 200, 0.0018,
      ${ts("'-' || (e.id % 25) || ' days'")}, ${ts("'-' || (e.id % 25) || ' days'")}, ${ts("'-' || (e.id % 25) || ' days'")}
    FROM enrollments e WHERE e.id % 2 = 0 AND e.id % 20 > 1;`);
  step('messages', `
    INSERT INTO messages (id, draft_id, enrollment_id, lead_id, contact_id, campaign_id, step_id, variant_id, mailbox_id, to_email, from_email, subject, message_id, state, attempts, smtp_response, last_error, sent_at, created_at, updated_at)
    SELECT d.id, d.id, d.enrollment_id, d.lead_id, d.contact_id, e.campaign_id, d.step_id, d.variant_id, e.mailbox_id, c.email, 'mb@sender.example', d.subject,
      '<' || d.id || '@sender.example>', CASE WHEN d.id % 37 = 0 THEN 'failed' ELSE 'sent' END, 1,
      CASE WHEN d.id % 37 = 0 THEN '550 5.1.1 user unknown' ELSE '250 ok' END, CASE WHEN d.id % 37 = 0 THEN '550 5.1.1 user unknown' END,
      CASE WHEN d.id % 37 = 0 THEN NULL ELSE d.reviewed_at END, d.created_at, d.reviewed_at
    FROM drafts d JOIN enrollments e ON e.id = d.enrollment_id JOIN contacts c ON c.id = d.contact_id WHERE d.status = 'sent';`);
  step('inbound', `
    INSERT INTO inbound (mailbox_id, folder, uid, message_id, from_email, received_at, lead_id, outbound_id, label, bounce_type, classifier, body_text)
    SELECT m.mailbox_id, 'INBOX', m.id, '<in' || m.id || '@x>', CASE WHEN m.id % 100 < 3 THEN 'MAILER-DAEMON@x' ELSE m.to_email END,
      strftime('%Y-%m-%dT%H:%M:%fZ', m.sent_at, '+' || (1 + m.id % 70) || ' hours'),
      CASE WHEN m.id % 100 < 3 THEN NULL ELSE m.lead_id END, m.id,
      CASE WHEN m.id % 100 < 3 THEN 'BOUNCE' WHEN m.id % 100 < 6 THEN 'WARM' WHEN m.id % 100 < 8 THEN 'COLD' WHEN m.id % 100 < 10 THEN 'NEUTRAL'
           WHEN m.id % 100 < 11 THEN 'UNSUBSCRIBE' ELSE 'AUTO_REPLY' END,
      CASE WHEN m.id % 100 < 3 THEN 'hard' END, 'offline', 'reply text'
    FROM messages m WHERE m.state = 'sent' AND (m.id % 100 < 11 OR m.id % 100 = 50);`);
  step('suppressions', `
    INSERT OR IGNORE INTO suppressions (kind, value, reason, source, created_at)
    SELECT 'email', m.to_email, CASE WHEN m.id % 1000 < 2 THEN 'complained' ELSE 'unsubscribed' END, 'serve', m.sent_at
    FROM messages m WHERE m.state = 'sent' AND m.id % 1000 < 12;
    INSERT OR IGNORE INTO suppressions (kind, value, reason, source) SELECT 'email', from_email, 'bounced', 'inbox' FROM inbound WHERE label = 'BOUNCE' AND from_email IS NOT NULL;`);
  step('spend', `
    INSERT INTO spend (purpose, draft_id, campaign_id, provider, model, input_tokens, output_tokens, cost_usd, at)
    SELECT 'draft', d.id, e.campaign_id, 'anthropic', 'claude', d.input_tokens, d.output_tokens, d.cost_usd, d.created_at FROM drafts d JOIN enrollments e ON e.id = d.enrollment_id;
    INSERT INTO spend (purpose, inbound_id, campaign_id, provider, model, input_tokens, output_tokens, cost_usd, at)
    SELECT 'classify', i.id, m.campaign_id, 'anthropic', 'claude-haiku', 300, 20, 0.0004, i.received_at FROM inbound i JOIN messages m ON m.id = i.outbound_id;`);
  step('events', `
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${EVENTS})
    INSERT INTO events (lead_id, type, at, campaign_id, data)
    SELECT 1 + (i * 7919) % ${LEADS},
      CASE i % 20 WHEN 0 THEN 'imported' WHEN 1 THEN 'discovered' WHEN 2 THEN 'confirmed' WHEN 3 THEN 'enriched' WHEN 4 THEN 'scored'
        WHEN 5 THEN 'enrolled' WHEN 6 THEN 'drafted' WHEN 7 THEN 'approved' WHEN 8 THEN 'sent' WHEN 9 THEN 'sent' WHEN 10 THEN 'replied'
        WHEN 11 THEN 'bounced' WHEN 12 THEN 'opened' WHEN 13 THEN 'clicked' WHEN 14 THEN 'unsubscribed' WHEN 15 THEN 'tagged'
        WHEN 16 THEN 'queued' WHEN 17 THEN 'auto_reply' WHEN 18 THEN 'deferred' ELSE 'enrich_failed' END,
      ${ts("'-' || (i % 120) || ' days', '+' || (i % 86400) || ' seconds'")}, CASE WHEN i % 3 = 0 THEN 1 + i % 4 END, NULL
    FROM c;`);
  step('events indexes', 'CREATE INDEX events_lead_at_idx ON events (lead_id, at); CREATE INDEX events_type_at_idx ON events (type, at);');
  s.exec('COMMIT');
  step('checkpoint', 'PRAGMA wal_checkpoint(TRUNCATE);');
  db.close();
  console.error(`Built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (rebuild || !existsSync(file)) build();

const db = openDb(file);
const now = new Date(NOW);
const counts = Object.fromEntries(
  ['leads', 'events', 'messages', 'inbound', 'drafts', 'scores', 'enrollments', 'suppressions', 'spend'].map((t) => [t, db.sqlite.prepare(`SELECT count(*) AS n FROM ${t}`).get().n]),
);
console.log(`Database: ${file}`);
console.log(Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString()}`).join(', '));

const kinds = [...report.REPORT_KINDS, 'activity'];
const runOurs = {
  funnel: () => report.funnelReport(db, {}),
  campaigns: () => report.campaignsReport(db, {}),
  variants: () => report.variantsReport(db, {}),
  mailboxes: () => report.mailboxesReport(db, { now }),
  spend: () => report.spendReport(db, {}),
  responses: () => report.responsesReport(db, {}),
  activity: () => report.activityReport(db, { now }),
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the same SQL text in the sqlite3 tool and sums its `.timer` real times. */
function sqlite3Time(queries) {
  const sql = ['.timer on', '.output /dev/null', ...queries.map((q) => report.inlineSql(q).replace(/\s*;?\s*$/, ';'))].join('\n') + '\n';
  const r = spawnSync('sqlite3', ['-batch', file], { input: sql, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  const times = [...(r.stdout + r.stderr).matchAll(/Run Time: real ([\d.]+) user ([\d.]+) sys ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2]) + Number(m[3])]);
  if (times.length < queries.length) throw new Error(`sqlite3 printed ${times.length} timings for ${queries.length} queries:\n${r.stderr}`);
  return { wall: times.reduce((a, [w]) => a + w, 0) * 1000, cpu: times.reduce((a, [, c]) => a + c, 0) * 1000 };
}

const rows = [];
for (const kind of kinds) {
  const queries = report.queriesFor(kind, { now });
  runOurs[kind](); // warm the page cache and statement cache
  const ours = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    runOurs[kind]();
    const d = process.cpuUsage(c);
    ours.push({ wall: performance.now() - t, cpu: (d.user + d.system) / 1000 });
  }
  sqlite3Time(queries); // warm
  const theirs = [];
  for (let i = 0; i < RUNS; i++) theirs.push(sqlite3Time(queries));
  const o = { wall: median(ours.map((x) => x.wall)), cpu: median(ours.map((x) => x.cpu)) };
  const s = { wall: median(theirs.map((x) => x.wall)), cpu: median(theirs.map((x) => x.cpu)) };
  rows.push({ kind, queries: queries.length, ours: o, sqlite3: s, ratio: o.cpu / s.cpu, wallRatio: o.wall / s.wall });
}
db.close();

const pad = (v, n, right = true) => (right ? String(v).padStart(n) : String(v).padEnd(n));
console.log('');
console.log(`${pad('report', 11, false)} ${pad('queries', 7)} ${pad('outreach cpu ms', 16)} ${pad('sqlite3 cpu ms', 15)} ${pad('ratio', 6)}   ${pad('outreach wall', 14)} ${pad('sqlite3 wall', 13)} ${pad('ratio', 6)}  goal ≤ 1.5x`);
for (const r of rows) {
  console.log(
    `${pad(r.kind, 11, false)} ${pad(r.queries, 7)} ${pad(r.ours.cpu.toFixed(1), 16)} ${pad(r.sqlite3.cpu.toFixed(1), 15)} ${pad(r.ratio.toFixed(2), 6)}   ${pad(r.ours.wall.toFixed(1), 14)} ${pad(r.sqlite3.wall.toFixed(1), 13)} ${pad(r.wallRatio.toFixed(2), 6)}  ${r.ratio <= 1.5 ? 'ok' : 'SLOW'}`,
  );
}
const rss = process.memoryUsage().rss / 1024 / 1024;
console.log(`\nmedian of ${RUNS} runs each; outreach = better-sqlite3 + shaping in JS (process CPU time and wall time), sqlite3 = the same SQL text (sum of its .timer user+sys and real).\nThe verdict uses CPU time, which other load on the machine does not inflate; load average now ${(await import('node:os')).loadavg()[0].toFixed(1)}. RSS ${rss.toFixed(0)} MB`);
if (rows.some((r) => r.ratio > 1.5)) process.exitCode = 1;
