// `outreach report` names the WARM replies (who, which store, what they wrote) in every form: terminal,
// --json, CSV (`report warm --format csv`) and HTML. Replies enter a real SQLite file the way a user's do,
// through `outreach inbox import` (parsing, threading and the offline classifier); the report runs as the
// built binary.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../src/db/open.js';
import { buildReport, excerptOf, queriesFor, warmRepliesReport, type WarmReply } from '../../src/stages/report/index.js';
import { renderReportHtml } from '../../src/domain/report-html.js';
import { runCli, tempDir } from '../helpers/cli.js';

const t = tempDir('outreach-cli-report-warm-');
const dbPath = join(t.dir, 'o.db');
const env = { OUTREACH_DB: dbPath, OUTREACH_SETTINGS: join(t.dir, 'none.yaml'), ANTHROPIC_API_KEY: '', AWS_ACCESS_KEY_ID: '' };
const run = (...args: string[]) => runCli(args, { env, cwd: t.dir });

const NOW = Date.now();
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
const SCRIPT_SUBJECT = 'Re: Quick question <script>window.__pwned=1</script>';
const FORMULA_SUBJECT = '=HYPERLINK("http://evil.example","click")';

/** Leads with a contact, an enrollment and one sent message each: store1-3 in "spring", store4 in "autumn". */
function seedOutbound(): void {
  const db = openDb(dbPath);
  const q = db.sqlite;
  q.prepare(`INSERT INTO mailboxes (name, email, smtp_host) VALUES ('main', 'sam@acme.test', '127.0.0.1')`).run();
  q.prepare(`INSERT INTO campaigns (name) VALUES ('spring'), ('autumn')`).run();
  q.prepare(`INSERT INTO steps (campaign_id, position) VALUES (1, 1), (2, 1)`).run();
  for (const n of [1, 2, 3, 4]) {
    const campaign = n === 4 ? 2 : 1;
    q.prepare(`INSERT INTO leads (domain, company, stage) VALUES (?, ?, 'contacted')`).run(`store${n}.example`, `Store ${n} Ltd`);
    q.prepare(`INSERT INTO contacts (lead_id, email, is_primary) VALUES (?, ?, 1)`).run(n, `person${n}@store${n}.example`);
    q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id, thread_message_id) VALUES (?, ?, ?, 1, ?)`).run(campaign, n, n, `out-${n}@acme.test`);
    q.prepare(
      `INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, step_id, mailbox_id, to_email, from_email, subject, message_id, state, sent_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, 'sam@acme.test', 'Quick question', ?, 'sent', ?)`,
    ).run(n, n, n, campaign, campaign, `person${n}@store${n}.example`, `out-${n}@acme.test`, ago(3 * 24 * 60));
  }
  db.close();
}

function eml(dir: string, name: string, headers: Record<string, string>, body: string): void {
  const h = { Date: new Date(NOW).toUTCString(), To: 'sam@acme.test', 'Content-Type': 'text/plain; charset=utf-8', ...headers };
  writeFileSync(join(dir, name), Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n\r\n' + body.replace(/\n/g, '\r\n') + '\r\n');
}

const reply = (dir: string, n: number, body: string, extra: Record<string, string> = {}) =>
  eml(dir, `r${n}.eml`, { From: `Person ${n} <person${n}@store${n}.example>`, Subject: 'Re: Quick question', 'Message-ID': `<r${n}@store${n}.example>`, 'In-Reply-To': `<out-${n}@acme.test>`, ...extra }, body);

/** When each reply "arrived" (received_at), so the order and --since are known. */
const RECEIVED: Record<string, number> = { 'r1@store1.example': 60, 'r2@store2.example': 120, 'r3@store3.example': 90, 'r4@store4.example': 180, 'stranger@elsewhere.example': 30 };

beforeAll(async () => {
  seedOutbound();
  const mail = join(t.dir, 'mail');
  mkdirSync(mail);
  reply(mail, 1, 'Sounds great, can we talk on Thursday at 3pm?\n\nOn Mon, Sam <sam@acme.test> wrote:\n> Unsubscribe: https://u.acme.test/x');
  // hostile text: a script in the subject and body, a terminal escape sequence and a CR in the body
  reply(mail, 2, 'Yes, we are very interested! Let\'s set up a call next week. <script>window.__pwned=2</script> \x1b]0;pwned\x07\x1b[2J & "more"\rover', { Subject: SCRIPT_SUBJECT, From: `"<b>Eve</b>" <person2@store2.example>` });
  reply(mail, 3, 'No thanks, we already have an agency.');
  reply(mail, 4, 'Interested, please send pricing and let us book a demo.');
  // not threaded to any message or lead: the operator must still see it (unless a campaign scope is asked)
  eml(mail, 'stranger.eml', { From: 'Walk In <walkin@elsewhere.example>', Subject: FORMULA_SUBJECT, 'Message-ID': '<stranger@elsewhere.example>' }, 'Hello, a friend forwarded your note. We would love to talk, are you free tomorrow?');
  const r = await run('inbox', 'import', mail, '--json');
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).by_label).toEqual({ WARM: 4, COLD: 1 });
  // place the replies in time (import stamps them all "now")
  const db = openDb(dbPath);
  const upd = db.sqlite.prepare('UPDATE inbound SET received_at = ? WHERE message_id = ?');
  for (const [id, minutes] of Object.entries(RECEIVED)) expect(upd.run(ago(minutes), id).changes).toBe(1);
  db.close();
}, 60_000);
afterAll(() => t.cleanup());

describe('outreach report: WARM replies', () => {
  it('--json lists every WARM reply of the scope, newest first, with who, which store and what they wrote', async () => {
    const r = await run('report', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { warm_replies: WarmReply[]; warm_replies_total: number; funnel: { counts: { warm: number } } };
    expect(j.warm_replies_total).toBe(4);
    expect(j.warm_replies.map((w) => w.message_id)).toEqual(['stranger@elsewhere.example', 'r1@store1.example', 'r2@store2.example', 'r4@store4.example']);
    expect(j.funnel.counts.warm).toBe(3); // leads (the stranger is no lead); the list is every reply
    const first = j.warm_replies[1]!;
    expect(Object.keys(first).sort()).toEqual(
      ['campaign', 'classifier', 'company', 'confidence', 'excerpt', 'from', 'from_name', 'id', 'lead', 'lead_stage', 'message_id', 'reason', 'received_at', 'subject'].sort(),
    );
    expect(first).toMatchObject({
      from: 'person1@store1.example', from_name: 'Person 1', lead: 'store1.example', company: 'Store 1 Ltd', campaign: 'spring', lead_stage: 'replied',
      subject: 'Re: Quick question', received_at: ago(60), excerpt: 'Sounds great, can we talk on Thursday at 3pm?', classifier: 'offline',
    });
    expect(first.confidence).toBeGreaterThan(0);
    expect(first.confidence).toBeLessThanOrEqual(1);
    expect(first.reason).toEqual(expect.any(String));
    expect(first.reason!.length).toBeGreaterThan(0);
    // the quoted original (with its "Unsubscribe" footer) is not part of the excerpt
    expect(first.excerpt).not.toMatch(/unsubscribe/i);
    expect(j.warm_replies[0]).toMatchObject({ from: 'walkin@elsewhere.example', lead: null, campaign: null, subject: FORMULA_SUBJECT });
    expect(j.warm_replies[3]).toMatchObject({ lead: 'store4.example', campaign: 'autumn' });
    // JSON keeps the data as data: the script is there verbatim (escaping is the HTML's job)
    expect(j.warm_replies[2]!.subject).toBe(SCRIPT_SUBJECT);
    expect(j.warm_replies[2]!.excerpt).toContain('<script>window.__pwned=2</script>');
    expect(j.warm_replies[2]!.excerpt).not.toMatch(/[\r\n]/);
    expect(JSON.stringify(j.warm_replies)).not.toContain('store3.example'); // COLD is not listed
  });

  it('follows the scope: --campaign and --since', async () => {
    const ids = async (...args: string[]) => {
      const r = await run('report', 'warm', '--json', ...args);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { warm_replies: WarmReply[]; warm_replies_total: number };
      expect(j.warm_replies_total).toBe(j.warm_replies.length);
      return j.warm_replies.map((w) => w.message_id);
    };
    expect(await ids('--campaign', 'spring')).toEqual(['r1@store1.example', 'r2@store2.example']);
    expect(await ids('--campaign', 'autumn')).toEqual(['r4@store4.example']);
    expect(await ids('--since', new Date(NOW - 150 * 60_000).toISOString())).toEqual(['stranger@elsewhere.example', 'r1@store1.example', 'r2@store2.example']);
    expect(await ids('--since', '2h', '--campaign', 'spring')).toEqual(['r1@store1.example']);
    expect(await ids('--since', '2099-01-01')).toEqual([]);
  });

  it('`report warm --json` has only the replies; other single reports leave them out', async () => {
    const w = JSON.parse((await run('report', 'warm', '--json')).stdout) as Record<string, unknown>;
    expect(Object.keys(w).sort()).toEqual(['generatedAt', 'scope', 'warm_replies', 'warm_replies_total']);
    const f = JSON.parse((await run('report', 'funnel', '--json')).stdout) as Record<string, unknown>;
    expect(f).not.toHaveProperty('warm_replies');
    expect(f).toHaveProperty('funnel');
  });

  it('--warm-limit caps the list, never the total', async () => {
    const j = JSON.parse((await run('report', '--json', '--warm-limit', '1')).stdout) as { warm_replies: WarmReply[]; warm_replies_total: number };
    expect(j.warm_replies.map((w) => w.message_id)).toEqual(['stranger@elsewhere.example']);
    expect(j.warm_replies_total).toBe(4);
    const tbl = await run('report', 'warm', '--warm-limit', '2');
    expect(tbl.stdout).toContain('the 2 newest of 4: all of them with `outreach inbox list --label WARM`');
    const zero = JSON.parse((await run('report', 'warm', '--json', '--warm-limit', '0')).stdout) as { warm_replies: WarmReply[]; warm_replies_total: number };
    expect(zero).toMatchObject({ warm_replies: [], warm_replies_total: 4 });
    for (const args of [['report', 'funnel', '--warm-limit', '3'], ['report', '--warm-limit', '-1'], ['report', '--warm-limit', 'x']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('prints the WARM replies first in the terminal, one clean line each', async () => {
    const r = await run('report');
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out.indexOf('WARM replies: 4 to answer, newest first')).toBeGreaterThan(0);
    expect(out.indexOf('WARM replies: 4 to answer')).toBeLessThan(out.indexOf('\nFunnel\n'));
    const lines = out.split('\n');
    const head = lines.findIndex((l) => /^received\s+from\s+store\s+subject\s+excerpt\s+conf$/.test(l));
    expect(head).toBeGreaterThan(0);
    const rows = lines.slice(head + 1, head + 5);
    expect(rows[0]).toMatch(new RegExp(`^${ago(30).replace('T', ' ').slice(0, 16)}\\s+Walk In <walkin@elsewhere\\.example>\\s+\\(no lead\\)\\s+=HYPERLINK`));
    expect(rows[1]).toMatch(/Person 1 <person1@store1\.example>\s+store1\.example\s+Re: Quick question\s+Sounds great, can we talk on Thursday at 3pm\?\s+0\.\d+$/);
    // the hostile one: shown as inert text, clipped to fit (the name is the sender's own "<b>Eve</b>")
    expect(rows[2]).toMatch(/^\S+ \S+\s+<b>Eve<\/b> <person2@store2\.example>\s+store2\.example\s+/);
    const re = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(rows[2]).toMatch(new RegExp(`${re(SCRIPT_SUBJECT.slice(0, 39))}…\\s+${re("Yes, we are very interested! Let's set up a call next week. <script>w")}…\\s+0\\.\\d+$`));
    expect(rows[3]).toMatch(/store4\.example/);
    expect(lines[head + 5]).toBe('');
    // the escape sequences and the CR in the reply never reach the terminal
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(out).not.toContain('store3.example');
    expect(r.stderr).toBe('');
  });

  it('writes the replies as CSV with every field, formulas neutralized', async () => {
    const r = await run('report', 'warm', '--format', 'csv');
    expect(r.code, r.stderr).toBe(0);
    const { parse } = await import('csv-parse/sync');
    const rows = parse(r.stdout) as string[][];
    expect(rows[0]).toEqual(['received_at', 'from', 'from_name', 'lead', 'company', 'campaign', 'subject', 'excerpt', 'confidence', 'reason', 'classifier', 'message_id']);
    expect(rows).toHaveLength(5);
    expect(rows[1]!.slice(0, 7)).toEqual([ago(30), 'walkin@elsewhere.example', 'Walk In', '', '', '', `'${FORMULA_SUBJECT}`]);
    expect(rows[2]).toMatchObject({ 1: 'person1@store1.example', 3: 'store1.example', 5: 'spring', 7: 'Sounds great, can we talk on Thursday at 3pm?', 11: 'r1@store1.example' });
    expect(Number(rows[2]![8])).toBeGreaterThan(0);
    // the existing CSV reports keep their columns
    const v = await run('report', 'funnel', '--format', 'csv');
    expect(v.stdout.split('\n')[0]).toBe('stage,count,unit,of_discovered');
  });

  it('puts the replies near the top of the HTML report, every value escaped', async () => {
    const file = join(t.dir, 'report.html');
    const r = await run('report', '--format', 'html', '-o', file);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(file, 'utf8');
    const at = html.indexOf('<section id="warm-replies">');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('<section id="funnel">'));
    const section = html.slice(at, html.indexOf('</section>', at));
    expect(section).toContain('<h2>WARM replies: 4 to answer</h2>');
    for (const s of ['person1@store1.example', 'store1.example', 'Store 1 Ltd', 'spring', 'Sounds great, can we talk on Thursday at 3pm?', 'walkin@elsewhere.example']) expect(section).toContain(s);
    expect(section).toContain('Re: Quick question &lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(section).toContain('&lt;script&gt;window.__pwned=2&lt;/script&gt;');
    expect(section).toContain('&lt;b&gt;Eve&lt;/b&gt;');
    expect(section).toContain('href="mailto:person1%40store1.example?subject=Re%3A%20Quick%20question"');
    expect(html).not.toMatch(/<script|<b>Eve|onerror=/i);
    expect(html).not.toContain('\x1b');
    // newest first, in the page too
    expect(section.indexOf('walkin@elsewhere.example')).toBeLessThan(section.indexOf('person1@store1.example'));
    expect(section.indexOf('person2@store2.example')).toBeLessThan(section.indexOf('person4@store4.example'));
  });

  it('says so when there are none', async () => {
    const emptyEnv = { ...env, OUTREACH_DB: join(t.dir, 'empty.db') };
    expect((await runCli(['db', 'migrate'], { env: emptyEnv, cwd: t.dir })).code).toBe(0);
    const j = JSON.parse((await runCli(['report', '--json'], { env: emptyEnv, cwd: t.dir })).stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ warm_replies: [], warm_replies_total: 0 });
    const tbl = await runCli(['report'], { env: emptyEnv, cwd: t.dir });
    expect(tbl.stdout).toMatch(/^WARM replies\n {2}no WARM replies in this scope\n/m);
    const file = join(t.dir, 'empty.html');
    await runCli(['report', '--format', 'html', '-o', file], { env: emptyEnv, cwd: t.dir });
    expect(readFileSync(file, 'utf8')).toContain('No WARM replies in this period.');
  });
});

describe('the stage behind it', () => {
  it('finds WARM replies through the label index and builds them into the full report only', () => {
    const db = openDb(dbPath);
    try {
      const list = queriesFor('warm', {})[0]!;
      const plan = (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${list.sql}`).all(list.params) as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(plan).toMatch(/inbound_label_idx/);
      expect(warmRepliesReport(db, { campaignId: 2 }).replies.map((w) => w.lead)).toEqual(['store4.example']);
      expect(buildReport(db).warm_replies).toHaveLength(4);
      expect(buildReport(db, ['funnel']).warm_replies).toBeUndefined();
      expect(buildReport(db, ['funnel'], { warm: 2 }).warm_replies).toHaveLength(2);
      // the dashboard renders the same report: the section is in it
      expect(renderReportHtml(buildReport(db))).toContain('<section id="warm-replies">');
    } finally {
      db.close();
    }
  });

  it('excerpts: one line, cut at a word, marked when cut', () => {
    expect(excerptOf(null)).toBe('');
    expect(excerptOf('  Yes,\n\n  call me\tTuesday. ')).toBe('Yes, call me Tuesday.');
    const long = excerptOf('word '.repeat(200), 50);
    expect(long.length).toBeLessThanOrEqual(50);
    expect(long).toMatch(/word…$/);
    expect(excerptOf('x'.repeat(100), 20)).toBe('x'.repeat(19) + '…');
  });
});
