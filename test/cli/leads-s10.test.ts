// Review s10 (issue 2) findings on leads, as a user meets them: an import of the tool's own export keeps its
// suppressions (#1); the export's email is a contact that may be mailed, --exclude-suppressed keeps a store with
// a mailable colleague, --all-contacts exports every contact and round-trips (#3); an empty --tag/--stage/--search
// is a usage error, never "no filter" (#4); the `leads show` timeline has no duplicates and each item at its own
// time (#6); `leads tag` and `leads forget` record what they did in `runs` (#7); --excel with JSON is a usage
// error (#8).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], dbFile = db) => runCli(['--db', dbFile, ...args], { cwd: t.dir });
const ok = async (args: string[], dbFile = db) => {
  const r = await cli(args, dbFile);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const file = (name: string, text: string) => {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
};
const suppressions = (dbFile: string) =>
  queryDb<{ kind: string; value: string; reason: string; source: string }>(dbFile, 'SELECT kind, value, reason, source FROM suppressions ORDER BY kind, value');

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'old.db');
});
afterEach(() => t.cleanup());

describe('#1 leads import keeps the suppressions of an export', () => {
  async function moved(): Promise<string> {
    await ok(['leads', 'import', file('leads.csv', 'domain,company,email\nshop-a.com,Shop A,jane@shop-a.com\nshop-b.com,Shop B,bob@shop-b.com\nshop-c.com,Shop C,\nshop-d.com,Shop D,dan@shop-d.com\n')]);
    await ok(['suppress', 'add', 'jane@shop-a.com', '--reason', 'unsubscribed', '-q']);
    await ok(['suppress', 'add', 'dan@shop-d.com', '--reason', 'bounced', '-q']);
    await ok(['suppress', 'add', 'shop-c.com', '--reason', 'manual', '-q']);
    const out = join(t.dir, 'moved.csv');
    await ok(['leads', 'export', '-o', out, '-q']);
    return out;
  }

  it('export → import into a new database: the unsubscribed and bounced addresses (and a suppressed store) stay suppressed', async () => {
    const csv = await moved();
    const fresh = join(t.dir, 'new.db');
    const r = await ok(['leads', 'import', csv, '--json'], fresh);
    const j = JSON.parse(r.stdout);
    expect(j.suppressed_from_file).toBe(3);
    expect(j.suppressions_added).toBe(3);
    expect(j.ignored_columns).toContain('stage (not imported: the suppressed column tells which rows must never be mailed)');
    expect(j.ignored_columns.some((c: string) => c.startsWith('suppressed'))).toBe(false);
    expect(suppressions(fresh)).toEqual([
      { kind: 'domain', value: 'shop-c.com', reason: 'manual', source: 'import' },
      { kind: 'email', value: 'dan@shop-d.com', reason: 'bounced', source: 'import' },
      { kind: 'email', value: 'jane@shop-a.com', reason: 'unsubscribed', source: 'import' },
    ]);
    // the new database's export says the same as the old one's
    const again = await ok(['leads', 'export'], fresh);
    expect(again.stdout).toMatch(/shop-a\.com,Shop A,jane@shop-a\.com,.*,unsubscribed,,\r\n/);
    expect(again.stdout).toMatch(/shop-d\.com,Shop D,dan@shop-d\.com,.*,bounced,,\r\n/);
    expect(again.stdout).toMatch(/shop-b\.com,Shop B,bob@shop-b\.com,.*,,\r\n/);
    // the summary line says it
    const text = await ok(['leads', 'import', csv], join(t.dir, 'third.db'));
    expect(text.stderr + text.stdout).toMatch(/3 suppressed from the file \(3 new on the suppression list\)/);
    // and the audit row counts it
    const runs = queryDb<{ counts: string }>(fresh, `SELECT counts FROM runs WHERE command = 'leads import'`);
    expect(JSON.parse(runs[0]!.counts)).toMatchObject({ suppressed_from_file: 3, suppressions_added: 3 });
  });

  it('an existing suppression is never changed, and an import back into the same database adds nothing', async () => {
    const csv = await moved();
    const before = suppressions(db);
    const r = await ok(['leads', 'import', csv, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ suppressed_from_file: 3, suppressions_added: 0 });
    expect(suppressions(db)).toEqual(before);
    // another reason in the file does not replace the first one recorded
    await ok(['leads', 'import', file('other.csv', 'domain,email,suppressed\nshop-a.com,jane@shop-a.com,manual\n')]);
    expect(suppressions(db).find((s) => s.value === 'jane@shop-a.com')!.reason).toBe('unsubscribed');
  });

  it('an unknown suppressed value refuses the row (FILE:LINE), any case of a known reason is accepted; a refused file adds nothing', async () => {
    const bad = file('bad.csv', 'domain,email,suppressed\nx.com,a@x.com,Unsubscribed\ny.com,b@y.com,maybe\nz.com,c@z.com,\n');
    const r = await cli(['leads', 'import', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:3: invalid suppressed value "maybe"`);
    expect(suppressions(db)).toEqual([]);
    const skip = await ok(['leads', 'import', bad, '--skip-invalid', '--json']);
    expect(JSON.parse(skip.stdout)).toMatchObject({ leads_created: 2, suppressed_from_file: 1, rejected: [{ line: 3 }] });
    expect(suppressions(db)).toEqual([{ kind: 'email', value: 'a@x.com', reason: 'unsubscribed', source: 'import' }]);
  });

  it('a stage of unsubscribed or bounced suppresses in a file without a suppressed column (a CRM export); not where that column is', async () => {
    await ok(['leads', 'import', file('crm.csv', 'website,email,stage\nu.com,u@u.com,Unsubscribed\nb.com,b@b.com,bounced\nn.com,n@n.com,Customer\n')]);
    expect(suppressions(db).map((s) => `${s.value}:${s.reason}`)).toEqual(['b@b.com:bounced', 'u@u.com:unsubscribed']);
    // our own export: the suppressed cell is per contact, the stage per lead
    await ok(['leads', 'import', file('ours.csv', 'domain,email,stage,suppressed\nm.com,ok@m.com,bounced,\n')]);
    expect(suppressions(db).some((s) => s.value === 'ok@m.com')).toBe(false);
  });

  it('a forgotten person in the file is not stored again in clear, nor is the suppression', async () => {
    await ok(['leads', 'import', file('a.csv', 'domain,email\nshop.com,jane@shop.com\n')]);
    await ok(['leads', 'forget', 'jane@shop.com', '--yes', '-q']);
    await ok(['leads', 'import', file('b.csv', 'domain,email,suppressed\nshop.com,jane@shop.com,unsubscribed\n')]);
    expect(suppressions(db).filter((s) => s.value.includes('jane'))).toEqual([]);
    expect(queryDb(db, `SELECT 1 FROM contacts WHERE email LIKE '%jane%'`)).toEqual([]);
  });
});

describe('#3 leads export: the contact that may be mailed, and every contact with --all-contacts', () => {
  beforeEach(async () => {
    await ok(['leads', 'import', file('m.csv', 'domain,company,email,first_name\nmulti.com,Multi Co,alice@multi.com,Alice\nmulti.com,Multi Co,bob@multi.com,Bob\nmulti.com,Multi Co,carl@multi.com,Carl\nsolo.com,Solo,sam@solo.com,Sam\nnone.com,None,,\n')]);
    await ok(['suppress', 'add', 'alice@multi.com', '--reason', 'unsubscribed', '-q']);
  });
  const jsonl = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('email is the first contact that may be mailed; --exclude-suppressed keeps the store of a mailable colleague', async () => {
    const all = jsonl((await ok(['leads', 'export', '--format', 'jsonl'])).stdout);
    expect(all.map((x) => [x.domain, x.email, x.first_name, x.suppressed])).toEqual([
      ['multi.com', 'bob@multi.com', 'Bob', null],
      ['solo.com', 'sam@solo.com', 'Sam', null],
      ['none.com', null, null, null],
    ]);
    const kept = jsonl((await ok(['leads', 'export', '--format', 'jsonl', '--exclude-suppressed'])).stdout);
    expect(kept.map((x) => x.email)).toEqual(['bob@multi.com', 'sam@solo.com', null]);
    // an address that fails validation comes after one that does not
    const d = new Database(db);
    d.prepare(`UPDATE contacts SET validation = 'no_mx' WHERE email = 'bob@multi.com'`).run();
    d.close();
    const csv = (await ok(['leads', 'export'])).stdout;
    expect(csv).toMatch(/\r\nmulti\.com,Multi Co,carl@multi\.com,Carl,/);
    // every contact suppressed: the first one is exported, marked; --exclude-suppressed leaves the store out
    await ok(['suppress', 'add', 'bob@multi.com', 'carl@multi.com', '-q']);
    expect((await ok(['leads', 'export'])).stdout).toMatch(/\r\nmulti\.com,Multi Co,alice@multi\.com,Alice,.*,unsubscribed,,\r\n/);
    expect((await ok(['leads', 'export', '--exclude-suppressed'])).stdout).not.toContain('multi.com');
  });

  it('--all-contacts: one row per contact in CSV, JSONL and JSON; the file imports back with every contact and suppression', async () => {
    const rows = jsonl((await ok(['leads', 'export', '--format', 'jsonl', '--all-contacts'])).stdout);
    expect(rows.map((x) => [x.domain, x.email, x.suppressed])).toEqual([
      ['multi.com', 'bob@multi.com', null],
      ['multi.com', 'carl@multi.com', null],
      ['multi.com', 'alice@multi.com', 'unsubscribed'],
      ['solo.com', 'sam@solo.com', null],
      ['none.com', null, null],
    ]);
    const arr = JSON.parse((await ok(['leads', 'export', '--format', 'json', '--all-contacts', '--exclude-suppressed'])).stdout) as Record<string, unknown>[];
    expect(arr.map((x) => x.email)).toEqual(['bob@multi.com', 'carl@multi.com', 'sam@solo.com', null]);
    for (const k of ['domain', 'company', 'email', 'country', 'stage']) expect(arr[0]).toHaveProperty(k);
    const out = join(t.dir, 'all.csv');
    await ok(['leads', 'export', '--all-contacts', '-o', out, '-q']);
    expect(readFileSync(out, 'utf8').split('\r\n').filter((l) => l.startsWith('multi.com,'))).toHaveLength(3);
    const fresh = join(t.dir, 'new.db');
    await ok(['leads', 'import', out, '-q'], fresh);
    const contacts = JSON.parse((await ok(['leads', 'show', 'multi.com', '--json'], fresh)).stdout).contacts.map((c: { email: string }) => c.email);
    expect(contacts.sort()).toEqual(['alice@multi.com', 'bob@multi.com', 'carl@multi.com']);
    expect(suppressions(fresh)).toEqual([{ kind: 'email', value: 'alice@multi.com', reason: 'unsubscribed', source: 'import' }]);
  });
});

describe('#4 an empty filter value is a usage error', () => {
  it.each([
    [['leads', 'export', '--tag=']],
    [['leads', 'export', '--tag', ' ']],
    [['leads', 'export', '--stage=']],
    [['leads', 'export', '--stage', ',']],
    [['leads', 'export', '--search=']],
    [['leads', 'list', '--tag=', '--json']],
    [['leads', 'list', '--stage=']],
    [['leads', 'list', '--search', '']],
    [['campaign', 'create', 't1', '--niche', 'apparel', '--tag', '']],
  ])('%j exits 2 and names the flag', async (args) => {
    await ok(['leads', 'import', file('a.csv', 'domain,email\na.com,x@a.com\n'), '-q']);
    const r = await cli(args);
    expect(r.code).toBe(2);
    const flag = args.find((a) => a.startsWith('--') && a !== '--json' && a !== '--niche')!.replace(/=$/, '');
    expect(r.stderr).toContain(`${flag}: no `);
    expect(r.stdout).not.toContain('a.com');
    expect(queryDb(db, 'SELECT name FROM campaigns')).toEqual([]);
  });
});

describe('#8 --excel applies to CSV only', () => {
  it.each([[['--format', 'json']], [['--format', 'jsonl']], [['--json']]])('--excel %j exits 2', async (fmt) => {
    await ok(['leads', 'import', file('a.csv', 'domain,email\na.com,x@a.com\n'), '-q']);
    const r = await cli(['leads', 'export', '--excel', ...fmt]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--excel applies to CSV only');
    const csv = await ok(['leads', 'export', '--excel']);
    expect(csv.stdout.startsWith('\ufeffdomain,')).toBe(true);
  });
});

describe('#7 leads tag and leads forget record what they did', () => {
  it('runs.counts: tags added/removed; the erasure counts, without the person', async () => {
    await ok(['leads', 'import', file('au.csv', 'domain,email\na.com,x@a.com\nb.com,y@b.com\nb.com,z@b.com\n'), '-q']);
    await ok(['leads', 'tag', 'a.com', 'hot', 'vip', '-q']);
    await ok(['leads', 'tag', 'a.com', 'hot', 'cold', '--remove', '-q']);
    await ok(['leads', 'forget', 'b.com', '--yes', '-q']);
    const runs = queryDb<{ command: string; counts: string; args: string }>(db, 'SELECT command, counts, args FROM runs ORDER BY id');
    const counts = (cmd: string, i = 0) => JSON.parse(runs.filter((r) => r.command === cmd)[i]!.counts);
    expect(counts('leads tag', 0)).toEqual({ added: 2, already_there: 0 });
    expect(counts('leads tag', 1)).toEqual({ removed: 1, missing: 1 });
    expect(counts('leads forget')).toMatchObject({ leads_deleted: 1, contacts_deleted: 2, messages_anonymized: 0, inbound_deleted: 0, suppressions_hashed: expect.any(Number) });
    const row = JSON.stringify(runs.filter((r) => r.command === 'leads forget'));
    expect(row).not.toMatch(/b\.com|y@|z@/);
  });
});

describe('#6 leads show: a timeline without duplicates, each item at its own time', () => {
  it('drafts, messages and replies told by events appear once; a stopped sequence once; a draft with no event at its own times', async () => {
    await ok(['leads', 'import', file('a.csv', 'domain,email\nshop.com,jane@shop.com\n'), '-q']);
    const d = new Database(db);
    const T = (s: number) => `2026-11-29T07:27:${String(s).padStart(2, '0')}.000Z`;
    d.exec(`
      INSERT INTO campaigns (id, name) VALUES (1, 'c1');
      INSERT INTO steps (id, campaign_id, position) VALUES (1, 1, 1), (2, 1, 2), (3, 1, 3);
      INSERT INTO enrollments (id, campaign_id, lead_id, status, stop_reason, created_at, updated_at) VALUES (1, 1, 1, 'stopped', 'replied', '${T(10)}', '${T(50)}');
    `);
    const draft = d.prepare(`INSERT INTO drafts (id, enrollment_id, step_id, lead_id, subject, body_text, status, provider, created_at, reviewed_at, updated_at)
      VALUES (?, 1, ?, 1, ?, 'body', ?, 'offline', ?, ?, ?)`);
    draft.run(1, 1, 'Hello', 'sent', T(20), T(25), T(45));
    draft.run(2, 2, 'Follow-up', 'approved', T(20), T(25), T(25));
    draft.run(3, 3, 'Old one', 'approved', T(21), T(30), T(30)); // drafted by an older build: no event
    d.exec(`
      INSERT INTO messages (id, draft_id, lead_id, campaign_id, to_email, subject, message_id, state, sent_at, created_at, updated_at)
        VALUES (1, 1, 1, 1, 'jane@shop.com', 'Hello', 'm1@x', 'sent', '${T(45)}', '${T(40)}', '${T(45)}'),
               (2, NULL, 1, 1, 'jane@shop.com', 'Old', 'm2@x', 'cancelled', NULL, '${T(41)}', '${T(47)}');
      INSERT INTO inbound (id, message_id, lead_id, received_at, label, from_email, subject) VALUES (1, 'r1@x', 1, '${T(50)}', 'WARM', 'jane@shop.com', 'Re: Hello');
    `);
    const ev = d.prepare(`INSERT INTO events (lead_id, type, at, campaign_id, message_id, data) VALUES (1, ?, ?, 1, ?, ?)`);
    ev.run('drafted', T(20), null, JSON.stringify({ draftId: 1, step: 1 }));
    ev.run('approved', T(25), null, JSON.stringify({ draftId: 1, step: 1 }));
    ev.run('drafted', T(20), null, JSON.stringify({ draftId: 2, step: 2 }));
    ev.run('approved', T(25), null, JSON.stringify({ draftId: 2, step: 2 }));
    ev.run('queued', T(40), 1, JSON.stringify({ messageId: 'm1@x' }));
    ev.run('sent', T(45), 1, JSON.stringify({ messageId: 'm1@x' }));
    ev.run('replied', T(50), 1, JSON.stringify({ inbound: 1, label: 'WARM' }));
    d.close();

    const s = JSON.parse((await ok(['leads', 'show', 'shop.com', '--json'])).stdout) as { timeline: { at: string; kind: string; type: string; summary: string }[] };
    const items = s.timeline.filter((x) => x.kind !== 'lead').map((x) => `${x.at.slice(17, 19)} ${x.type}`);
    expect(items).toEqual([
      '20 drafted', // events, draft 1
      '20 drafted', // events, draft 2
      '21 drafted', // draft 3, from its row (no event)
      '25 approved',
      '25 approved',
      '30 draft approved', // draft 3's review, at its review time
      '40 queued',
      '45 sent',
      '47 message cancelled', // no event tells it
      '50 replied',
      '50 sequence stopped',
    ]);
    expect(s.timeline.find((x) => x.type === 'sequence stopped')!.summary).toBe('c1 (replied)');
    // times never go back
    const at = s.timeline.map((x) => x.at);
    expect([...at].sort()).toEqual(at);
    // the human text shows the same items
    const text = (await ok(['leads', 'show', 'shop.com'])).stdout;
    expect(text.match(/sequence stopped/g)).toHaveLength(1);
    expect(text).not.toMatch(/draft sent|message sent|reply WARM/);
  });
});

// Session 11: a domain suppression moves as a domain (the export's `suppressed_domain` column), not only as the
// exported address: a colleague found later at that store is never mailed either.
describe('suppressed_domain: a domain suppression moves as a domain', () => {
  it('export names the covering domain; import puts the domain (not the store\'s subdomain) back on the list', async () => {
    await ok(['leads', 'import', file('in.csv', 'website,email\nshop-a.com,ann@shop-a.com\nshop-b.com,bob@shop-b.com\nsub.shop-c.com,\n')]);
    await ok(['suppress', 'add', 'shop-a.com', '--reason', 'unsubscribed', '-q']);
    await ok(['suppress', 'add', 'shop-c.com', '--reason', 'manual', '-q']);
    const out = join(t.dir, 'out.csv');
    await ok(['leads', 'export', '-o', out, '-q']);

    const json = JSON.parse((await ok(['leads', 'export', '--format', 'json'])).stdout) as { domain: string; suppressed: string | null; suppressed_domain: string | null }[];
    expect(json.map((r) => [r.domain, r.suppressed, r.suppressed_domain])).toEqual([
      ['shop-a.com', 'unsubscribed', 'shop-a.com'],
      ['shop-b.com', null, null],
      ['sub.shop-c.com', 'manual', 'shop-c.com'],
    ]);
    const list = JSON.parse((await ok(['leads', 'list', '--json'])).stdout) as { domain: string; suppressed_domain: string | null }[];
    expect(list.find((r) => r.domain === 'sub.shop-c.com')!.suppressed_domain).toBe('shop-c.com');

    const fresh = join(t.dir, 'new.db');
    const r = JSON.parse((await ok(['leads', 'import', out, '--json'], fresh)).stdout);
    expect(r.suppressed_from_file).toBe(2);
    expect(suppressions(fresh)).toEqual([
      { kind: 'domain', value: 'shop-a.com', reason: 'unsubscribed', source: 'import' },
      { kind: 'domain', value: 'shop-c.com', reason: 'manual', source: 'import' },
      // the export cannot tell whether the address was on the list itself: one entry too many never mails anyone
      { kind: 'email', value: 'ann@shop-a.com', reason: 'unsubscribed', source: 'import' },
    ]);

    // A colleague at the suppressed store, imported later into the new database, is suppressed too.
    await ok(['leads', 'import', file('later.csv', 'website,email\nshop-a.com,carl@shop-a.com\nother.shop-c.com,dee@other.shop-c.com\n')], fresh);
    const later = JSON.parse((await ok(['leads', 'export', '--format', 'json', '--all-contacts'], fresh)).stdout) as { email: string | null; suppressed: string | null }[];
    expect(later.find((x) => x.email === 'carl@shop-a.com')!.suppressed).toBe('unsubscribed');
    expect(later.find((x) => x.email === 'dee@other.shop-c.com')!.suppressed).toBe('manual');
  });

  it('a bad suppressed_domain cell refuses the row with FILE:LINE; a cell without a reason is `imported`', async () => {
    const bad = await cli(['leads', 'import', file('bad.csv', 'website,email,suppressed_domain\nshop-x.com,,=cmd\n')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.csv:2: invalid suppressed_domain "=cmd"/);
    await ok(['leads', 'import', file('good.csv', 'website,email,suppressed_domain\nx.com,a@x.com,X.com\n')]);
    expect(suppressions(db)).toEqual([
      { kind: 'domain', value: 'x.com', reason: 'imported', source: 'import' },
      { kind: 'email', value: 'a@x.com', reason: 'imported', source: 'import' },
    ]);
  });
});
