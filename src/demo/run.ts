// `outreach demo`, the whole pipeline on loopback: fixture stores, a SearXNG-compatible search API, an SMTP
// server and the one-click unsubscribe endpoint run in this process, and every stage is the REAL command,
// run in-process (as `outreach run` does) against the demo's own folder, database, settings and secret.
// Nothing reads the user's database, settings or .env; nothing leaves 127.0.0.1.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CommanderError } from 'commander';
import { ExitError, UserError, errorMessage } from '../errors.js';
import type { Output } from '../cli/output.js';
import { DEMO_KEYWORD, STORES, type DemoStore, type ReplyRole } from './stores.js';
import { resolveLocalhostNames, startFakeSearch, startFixtureWeb, startSmtpSink, type Handle } from './servers.js';
import { buildReply, oneClickUrl, readSent, writeMaildir, type ReplyKind, type SentMessage } from './mail.js';

export interface DemoOptions {
  dir?: string;
  keyword?: string;
  verbose?: boolean;
  /** false with --no-color: passed on to the commands. */
  color?: boolean;
  json: boolean;
  out: Output;
}

export interface DemoSummary {
  dir: string;
  database: string;
  report_html: string;
  seconds: number;
  keyword: string;
  stores: number;
  funnel: Record<string, number>;
  sent: number;
  replies: Record<string, number>;
  unsubscribed: string[];
  bounced: string[];
  suppressions: { kind: string; value: string; reason: string; source: string | null }[];
}

const SENDER = { name: 'Ana Lima', company: 'Lima Studio', email: 'ana@lima-studio.example', website: 'https://lima-studio.example' };
const MAILBOX = 'demo';
const CAMPAIGN = 'demo-jewelry';
const SMTP_USER = 'ana';
const SMTP_PASSWORD_ENV = 'DEMO_SMTP_PASSWORD';

/** Environment variables of the user's that must not reach the demo's commands (keys, providers, hooks). */
const SCRUB = /^(OUTREACH_|ANTHROPIC_|AWS_|BRAVE_|SERPER_|SERPAPI_|SEARXNG_)/;

/** The package root (dist/demo/run.js or src/demo/run.ts → ../..). */
const PACKAGE_ROOT = resolve(import.meta.dirname, '../..');

interface StageResult {
  stdout: string;
  stderr: string;
}

export class DemoError extends UserError {}

/**
 * Runs one outreach command in this process, its stdout and stderr captured (they are shown when the
 * step fails, or with --verbose). Throws a DemoError naming the step when the command fails.
 */
async function runCommand(argv: string[], opts: { db: string; verbose?: boolean; color?: boolean; out: Output }): Promise<StageResult> {
  const { buildProgram } = await import('../cli/main.js');
  let stdout = '';
  let stderr = '';
  const outWrite = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  const capture = (which: 'out' | 'err') =>
    ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (which === 'out') stdout += text;
      else stderr += text;
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') (done as () => void)();
      return true;
    }) as typeof process.stdout.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  let error: string | undefined;
  process.stdout.write = capture('out');
  process.stderr.write = capture('err');
  try {
    // --quiet: no spinners or notices (captured anyway); --verbose shows them after the step.
    await buildProgram().parseAsync(['node', 'outreach', '--db', opts.db, ...(opts.color === false ? ['--no-color'] : []), ...(opts.verbose ? [] : ['--quiet']), ...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode !== 0) error = err.message;
    } else if (err instanceof ExitError) {
      if (err.exitCode !== 0) error = `exit ${err.exitCode}`;
    } else {
      error = err instanceof UserError ? err.message + (err.hint ? ` (${err.hint})` : '') : errorMessage(err);
    }
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
  }
  const code = process.exitCode;
  process.exitCode = before;
  if (!error && code) error = `exit ${code}`;
  if (opts.verbose) {
    opts.out.debug(`$ outreach ${argv.join(' ')}`);
    const lines = stdout.trimEnd().split('\n');
    const shown = [...(lines.length > 24 ? [...lines.slice(0, 24), `… (${lines.length - 24} more lines)`] : lines), ...stderr.trimEnd().split('\n')];
    for (const l of shown) if (l.trim()) opts.out.debug(`  ${l}`);
  }
  if (error) {
    throw new DemoError(
      `\`outreach ${argv.join(' ')}\` failed: ${error}${stderr.trim() ? `\n${stderr.trim()}` : ''}${!stderr.trim() && stdout.trim() ? `\n${stdout.trim().slice(0, 2000)}` : ''}`,
    );
  }
  return { stdout, stderr };
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DemoError(`${what} did not print JSON: ${text.slice(0, 300)}`);
  }
}

function settingsYaml(unsubscribeBase: string): string {
  return `# outreach.yaml of the demo (written by \`outreach demo\`): your own is not touched.
sender:
  name: "${SENDER.name}"
  company: "${SENDER.company}"
  email: "${SENDER.email}"
  postal_address: "Lima Studio, 1200 Alder Street, Portland, OR 97205, USA"
  sending_domain: "lima-studio.example"
  website: "${SENDER.website}"
  timezone: "UTC"
compliance:
  lawful_basis: legitimate_interest
  lawful_basis_note: "Demo: B2B offer relevant to the store's business; see README, Compliance."
sending:
  # The demo sends at once: every day, all day, no spacing between messages.
  days: [mon, tue, wed, thu, fri, sat, sun]
  start: "00:00"
  end: "00:00"
  recipient_timezone: false
  min_gap_seconds: 0
  max_gap_seconds: 0
  per_domain_per_hour: 10
unsubscribe:
  base_url: "${unsubscribeBase}"
draft:
  provider: offline
`;
}

/** The demo folder: the one given (must not hold a database yet), or a new temp folder. */
function prepareDir(dir: string | undefined): string {
  if (!dir) return mkdtempSync(join(tmpdir(), 'outreach-demo-'));
  const d = resolve(dir);
  mkdirSync(d, { recursive: true });
  if (existsSync(join(d, 'outreach.db'))) {
    throw new UserError(`${d} already holds a demo database (outreach.db).`, 'Give an empty folder with --dir, or leave --dir out for a new temp folder.');
  }
  return d;
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const keyword = o.keyword ?? DEMO_KEYWORD;
  const out = o.out;
  const dir = prepareDir(o.dir);
  const db = join(dir, 'outreach.db');
  const reportHtml = join(dir, 'report.html');
  const total = 11;
  let stepNo = 0;
  const step = (text: string) => {
    stepNo++;
    if (!o.json) out.info(`${out.c.dim(`[${String(stepNo).padStart(2)}/${total}]`)} ${text}`);
  };
  const note = (text: string) => {
    if (!o.json) out.info(`        ${out.c.dim(text)}`);
  };

  // --- isolation: the demo's own folder, environment and .env --------------------------------------
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  for (const k of Object.keys(process.env)) if (SCRUB.test(k)) delete process.env[k];
  const secret = randomBytes(24).toString('base64url');
  const smtpPassword = randomBytes(12).toString('hex');
  writeFileSync(
    join(dir, '.env'),
    `# Written by \`outreach demo\` for its own run.\nOUTREACH_SECRET=${secret}\n${SMTP_PASSWORD_ENV}=${smtpPassword}\n`,
    { mode: 0o600 },
  );
  Object.assign(process.env, {
    OUTREACH_DB: db,
    OUTREACH_SETTINGS: join(dir, 'outreach.yaml'),
    OUTREACH_PROFILE: join(dir, 'profile.yaml'),
    OUTREACH_ENV_FILE: join(dir, '.env'),
    OUTREACH_SECRET: secret,
    [SMTP_PASSWORD_ENV]: smtpPassword,
  });
  const profileTemplate = join(PACKAGE_ROOT, 'templates', 'profile.yaml');
  if (existsSync(profileTemplate)) copyFileSync(profileTemplate, join(dir, 'profile.yaml'));
  process.chdir(dir);

  const handles: Handle[] = [];
  const undoDns = resolveLocalhostNames();
  let closed = false;
  const cleanup = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(handles.map((h) => h.close()));
    undoDns();
    try {
      process.chdir(savedCwd);
    } catch {
      // the user's folder may be gone; nothing to restore then
    }
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  };
  // Ctrl-C or a kill: close the servers, say where the demo's files are, and stop.
  const writeErr = process.stderr.write.bind(process.stderr); // the real one: commands' output is captured
  const onSignal = (sig: NodeJS.Signals) => {
    const stop = new Promise((r) => setTimeout(r, 2000).unref());
    void Promise.race([cleanup(), stop]).finally(() => {
      writeErr(`\noutreach demo: interrupted (${sig}); servers stopped. Its files are in ${dir}\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const cmd = (argv: string[]) => runCommand(argv, { db, verbose: o.verbose, color: o.color, out });

  try {
    if (!o.json) out.info(`outreach demo: the whole pipeline on 127.0.0.1, in ${dir}`);

    // --- 1. servers ------------------------------------------------------------------------------
    step('Starting the fixture web, a SearXNG-compatible search API, an SMTP server and the unsubscribe endpoint');
    const web = await startFixtureWeb();
    handles.push(web);
    const hits = STORES.map((s, i) => ({
      url: `${web.url(s)}${i % 3 === 0 ? 'collections/all' : ''}`,
      title: `${s.name} – ${s.tagline}`,
      content: s.description,
    }));
    hits.splice(3, 0, { url: 'https://www.instagram.com/aurorarings/', title: 'Aurora Rings (@aurorarings) • Instagram', content: 'Handmade rings' });
    hits.splice(7, 0, { url: 'https://www.etsy.com/market/silver_jewelry', title: 'Silver jewelry - Etsy', content: 'Shop silver jewelry' });
    const search = await startFakeSearch(keyword, hits);
    handles.push(search);
    const smtp = await startSmtpSink(SMTP_USER, smtpPassword);
    handles.push(smtp);
    const { openDb } = await import('../db/open.js');
    const { startServe } = await import('../stages/serve/index.js');
    const serveDb = openDb(db);
    const serve = await startServe(serveDb, { host: '127.0.0.1', port: 0, secret, dashboardToken: null, tracking: false });
    handles.push({ port: serve.port, close: async () => { await serve.close(); serveDb.close(); } });
    const unsubscribeBase = `http://127.0.0.1:${serve.port}`;
    writeFileSync(join(dir, 'outreach.yaml'), settingsYaml(unsubscribeBase));
    process.env.SEARXNG_URL = search.baseUrl;
    note(`${STORES.length} stores at http://<name>.localhost:${web.port} · search ${search.baseUrl} · SMTP 127.0.0.1:${smtp.port} · serve ${unsubscribeBase}`);

    // --- 2. discover -------------------------------------------------------------------------------
    step(`discover --keyword ${keyword}: search, then check which candidates run Shopify`);
    const disc = parseJson<{ domain: string; is_shopify: boolean; status: string }[]>(
      (await cmd(['--json', 'discover', '--keyword', keyword, '--provider', 'searxng', '--allow-private', '--delay', '0', '--limit', '50'])).stdout,
      'discover',
    );
    const shopify = disc.filter((c) => c.is_shopify).length;
    note(`${search.queries.length} searches → ${disc.length} candidates (social and marketplace hits dropped): ${shopify} Shopify, ${disc.length - shopify} not`);

    // --- 3. enrich ---------------------------------------------------------------------------------
    step('enrich: catalogue, contacts, apps and socials of each Shopify store');
    const enr = parseJson<{ domain: string; status: string; emails: { email: string }[] }[]>(
      (await cmd(['--json', 'enrich', '--allow-private', '--delay', '0', '--no-mx', '--concurrency', '8'])).stdout,
      'enrich',
    );
    note(`${enr.filter((r) => r.status === 'done').length} enriched, ${enr.reduce((n, r) => n + r.emails.length, 0)} email addresses found (MX lookups off: no network)`);

    // --- 4. score ----------------------------------------------------------------------------------
    step('score: fit and intent against the jewelry profile');
    const sc = parseJson<{ scored: number; top: { domain: string; fit: number; intent: number }[] }>((await cmd(['--json', 'score', '--top', '3'])).stdout, 'score');
    note(`${sc.scored} scored; best: ${sc.top.map((t) => `${t.domain.replace(/:\d+$/, '')} (fit ${t.fit}, intent ${t.intent})`).join(', ')}`);

    // --- 5. campaign and mailbox -------------------------------------------------------------------
    step(`campaign create ${CAMPAIGN} --auto-approve, and mailbox add ${MAILBOX} (the local SMTP server)`);
    await cmd(['campaign', 'create', CAMPAIGN, '--niche', 'jewelry', '--offer', 'email-flows', '--min-fit', '60', '--provider', 'offline', '--auto-approve']);
    await cmd([
      'mailbox', 'add', MAILBOX, '--email', SENDER.email, '--from-name', SENDER.name,
      '--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-security', 'none',
      '--smtp-user', SMTP_USER, '--smtp-password-env', SMTP_PASSWORD_ENV,
      '--daily-cap', '50', '--ramp-start', '50', '--ramp-step', '10',
    ]);

    // --- 6. draft and approve ----------------------------------------------------------------------
    step('draft --provider offline, then draft review --approve-all (compliance checked on each)');
    await cmd(['draft', '--campaign', CAMPAIGN, '--provider', 'offline']);
    await cmd(['draft', 'review', '--approve-all', '--campaign', CAMPAIGN]);
    const counts = serveDb.sqlite
      .prepare(`SELECT status, count(*) AS n FROM drafts GROUP BY status`)
      .all() as { status: string; n: number }[];
    const left = serveDb.sqlite
      .prepare(`SELECT l.domain, s.fit FROM leads l JOIN scores s ON s.lead_id = l.id WHERE NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.lead_id = l.id) ORDER BY l.domain`)
      .all() as { domain: string; fit: number }[];
    const enrolled = serveDb.sqlite.prepare(`SELECT count(*) FROM enrollments`).pluck().get() as number;
    note(`${enrolled} leads enrolled${left.length ? `; left out by --min-fit 60: ${left.map((l) => `${l.domain.replace(/:\d+$/, '')} (fit ${l.fit})`).join(', ')}` : ''}`);
    note(`drafts: ${counts.map((c) => `${c.n} ${c.status}`).join(', ')} (a 3-step sequence each; the follow-ups wait for their business day)`);

    // --- 7. send -----------------------------------------------------------------------------------
    step('send: the approved first emails through the SMTP server (pacing off in the demo settings)');
    await cmd(['send', '--campaign', CAMPAIGN]);
    const sent: SentMessage[] = smtp.received.flatMap((m) => m.to.map((to) => readSent(m.raw, to)));
    if (!sent.length) throw new DemoError('The SMTP server received no message: nothing to reply to.');
    note(`the SMTP server received ${sent.length} message(s), each with a Message-ID and a List-Unsubscribe header`);

    // --- 8. who answers what -----------------------------------------------------------------------
    const roles = assignRoles(sent);
    const unsub = roles.get('unsubscribe');
    step(`unsubscribe: ${unsub ? unsub.to : '(no message)'} clicks one-click unsubscribe (RFC 8058 POST to the List-Unsubscribe URL)`);
    let unsubscribed: string | null = null;
    if (unsub) {
      const url = oneClickUrl(unsub.listUnsubscribe);
      if (!url) throw new DemoError(`The message to ${unsub.to} has no http(s) List-Unsubscribe URL: "${unsub.listUnsubscribe}"`);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      if (!res.ok) throw new DemoError(`POST ${url} answered ${res.status}`);
      unsubscribed = unsub.to;
      note(`POST ${url.replace(/\/u\/.{12}.*/, '/u/…')} → ${res.status}`);
    }

    // --- 9. replies → Maildir → inbox import -------------------------------------------------------
    step('inbox import: warm, cold, out-of-office and bounce replies, threaded to the sent Message-IDs');
    const now = new Date();
    const replies: string[] = [];
    for (const kind of ['warm', 'cold', 'out_of_office', 'bounce'] as ReplyKind[]) {
      const s = roles.get(kind);
      if (!s) continue;
      const store = STORES.find((x) => x.email === s.to);
      replies.push(buildReply({ kind, sent: s, mailbox: SENDER.email, senderName: SENDER.name, contactName: store?.contactName, now }));
    }
    const maildir = writeMaildir(join(dir, 'Maildir'), replies);
    const imp = parseJson<{ stored: number; by_label: Record<string, number> }>(
      (await cmd(['--json', 'inbox', 'import', maildir, '--offline'])).stdout,
      'inbox import',
    );
    note(`${imp.stored} replies classified: ${Object.entries(imp.by_label ?? {}).map(([k, v]) => `${v} ${k}`).join(', ')}`);
    note('(a real setup runs `outreach inbox sync` over IMAP: same classification and effects; the demo has no IMAP server, so it imports the Maildir)');

    // --- 10. report --------------------------------------------------------------------------------
    step('report: the funnel');
    const funnelTable = (await cmd(['report', 'funnel'])).stdout;
    const reportJson = parseJson<Record<string, unknown>>((await cmd(['report', 'funnel', '--json'])).stdout, 'report --json');
    if (!o.json) process.stdout.write('\n' + funnelTable.trimEnd() + '\n\n');

    step('report --format html');
    await cmd(['report', '--format', 'html', '-o', reportHtml]);

    // --- summary -----------------------------------------------------------------------------------
    const q = serveDb.sqlite;
    const replyCounts = Object.fromEntries(
      (q.prepare(`SELECT label, count(*) AS n FROM inbound WHERE label IS NOT NULL GROUP BY label ORDER BY label`).all() as { label: string; n: number }[]).map((r) => [r.label, r.n]),
    );
    const suppressions = q.prepare(`SELECT kind, value, reason, source FROM suppressions ORDER BY id`).all() as DemoSummary['suppressions'];
    const sentCount = (q.prepare(`SELECT count(*) FROM messages WHERE state = 'sent'`).pluck().get() as number) ?? 0;
    const summary: DemoSummary = {
      dir,
      database: db,
      report_html: reportHtml,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      keyword,
      stores: STORES.length,
      funnel: funnelCounts(reportJson),
      sent: sentCount,
      replies: replyCounts,
      unsubscribed: suppressions.filter((s) => s.reason === 'unsubscribed').map((s) => s.value),
      bounced: suppressions.filter((s) => s.reason === 'bounced').map((s) => s.value),
      suppressions,
    };
    if (unsubscribed && !summary.unsubscribed.includes(unsubscribed)) {
      throw new DemoError(`${unsubscribed} unsubscribed through the one-click endpoint but is not in the suppression list.`);
    }
    return summary;
  } catch (err) {
    if (err instanceof UserError && !err.hint) throw new DemoError(err.message, `The demo's files are in ${dir} (run with --verbose to see each command's output).`);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/** The funnel stages of `report funnel --json`, as name → count. */
function funnelCounts(report: Record<string, unknown>): Record<string, number> {
  const f = (report.funnel ?? report) as { stages?: { key?: string; stage?: string; name?: string; count?: number; value?: number }[] } & Record<string, unknown>;
  const out: Record<string, number> = {};
  if (Array.isArray(f.stages)) {
    for (const s of f.stages) {
      const name = s.key ?? s.stage ?? s.name;
      const n = s.count ?? s.value;
      if (name && typeof n === 'number') out[name] = n;
    }
    return out;
  }
  for (const [k, v] of Object.entries(f)) if (typeof v === 'number') out[k] = v;
  return out;
}

/**
 * Who answers what: each store's own role when its contact was mailed; roles whose store was not mailed
 * (filtered out by fit, say) go to contacts that would otherwise stay silent, so every kind is shown.
 */
function assignRoles(sent: SentMessage[]): Map<Exclude<ReplyRole, 'none'>, SentMessage> {
  const roles = new Map<Exclude<ReplyRole, 'none'>, SentMessage>();
  const used = new Set<string>();
  const storeOf = (s: SentMessage): DemoStore | undefined => STORES.find((x) => x.email === s.to);
  for (const s of sent) {
    const r = storeOf(s)?.reply;
    if (r && r !== 'none' && !roles.has(r)) {
      roles.set(r, s);
      used.add(s.to);
    }
  }
  const wanted: Exclude<ReplyRole, 'none'>[] = ['warm', 'cold', 'out_of_office', 'bounce', 'unsubscribe'];
  for (const r of wanted) {
    if (roles.has(r)) continue;
    const spare = sent.find((s) => !used.has(s.to));
    if (!spare) break;
    roles.set(r, spare);
    used.add(spare.to);
  }
  return roles;
}

