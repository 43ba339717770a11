// Review s8 (issue 2) of `suppress`: forgotten people stay hash-only (#2, #14), `suppress import` reads what
// `suppress list --format csv` writes (#6), reports the first line of a record and refuses non-emails in an email
// column (#13), and streams its file inside one transaction (#15). The built CLI against a temp database.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { queryDb } from '../helpers/db.js';
import { openDb } from '../../src/db/open.js';
import { runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], input?: string, dbPath = db) => runCli(['--db', dbPath, ...args], { cwd: t.dir, input, timeoutMs: 120_000 });
const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] => queryDb<T>(db, sql, ...params);
const file = (name: string, text: string) => {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
};
/** Every byte of the database file and its write-ahead log, for "stored in clear anywhere?" checks. */
const rawBytes = (path = db) => Buffer.concat([readFileSync(path), existsSync(path + '-wal') ? readFileSync(path + '-wal') : Buffer.alloc(0)]).toString('latin1').toLowerCase();

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
  openDb(db).close(); // an existing pipeline: suppress and forget no longer create a database (session 9)
});
afterEach(() => t.cleanup());

describe('forgotten people stay hash-only (#2, #14)', () => {
  it('suppress add / import of a forgotten email or domain stores nothing and counts it as already suppressed', async () => {
    expect((await cli(['leads', 'forget', 'erased@person.com', '--yes', '-q'])).code).toBe(0);
    expect((await cli(['leads', 'forget', 'gone-store.com', '--yes', '--force', '-q'])).code).toBe(0);
    const uns = file('uns.csv', 'email\nErased@Person.com\nother@x.com\nsomeone@shop.gone-store.com\n');
    const r = await cli(['suppress', 'import', uns, '--reason', 'unsubscribed', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ added: 1, existing: 2, forgotten: 2, committed: true });
    const human = await cli(['suppress', 'import', uns]);
    expect(human.stderr).toContain('forgotten on request');
    const add = await cli(['suppress', 'add', 'erased@person.com', 'gone-store.com', 'sub.gone-store.com', '--json']);
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ added: 0, existing: 3 });
    // domains import too
    const doms = file('doms.csv', 'domain\ngone-store.com\nfine.com\n');
    expect(JSON.parse((await cli(['suppress', 'import', doms, '--json'])).stdout)).toMatchObject({ added: 1, forgotten: 1 });
    expect(query(`SELECT kind, value FROM suppressions WHERE kind IN ('email', 'domain') ORDER BY value`)).toEqual([
      { kind: 'domain', value: 'fine.com' },
      { kind: 'email', value: 'other@x.com' },
    ]);
    // neither in a table nor in the audit rows (the commands' arguments), nor anywhere in the file
    const raw = rawBytes();
    expect(raw).not.toContain('erased@person.com');
    expect(raw).not.toContain('gone-store.com');
  });

  it('suppress remove of a forgotten address says so and exits 1, with or without --force', async () => {
    expect((await cli(['leads', 'forget', 'gone@forgot.com', '--yes', '-q'])).code).toBe(0);
    for (const extra of [[], ['--force']]) {
      const r = await cli(['suppress', 'remove', 'gone@forgot.com', ...extra]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('gone@forgot.com was forgotten on request (erasure): it stays suppressed forever and cannot be removed');
      expect(r.stderr).not.toContain('was not on the suppression list');
    }
    const j = await cli(['suppress', 'remove', 'x@forgot.com', 'Gone@Forgot.com', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ removed: 0, forgotten: ['gone@forgot.com'], unknown: ['x@forgot.com'] });
    expect(query(`SELECT count(*) AS n FROM suppressions WHERE kind = 'email_hash'`)).toEqual([{ n: 1 }]);
  });
});

describe('suppress list --format csv → suppress import round-trips (#6)', () => {
  it('into a new database: kinds, reasons, sources, notes, neutralized cells and forgotten hashes', async () => {
    expect((await cli(['suppress', 'add', 'jane@shop.com', '--reason', 'unsubscribed', '--note', '=HYPERLINK("x") asked by phone'])).code).toBe(0);
    expect((await cli(['suppress', 'add', '--', '-dash@shop.com', 'competitor.com'])).code).toBe(0);
    expect((await cli(['suppress', 'add', 'b@bounce.com', '--reason', 'bounced'])).code).toBe(0);
    expect((await cli(['suppress', 'import', '-', '--reason', 'complained'], 'c@complain.com\n')).code).toBe(0);
    expect((await cli(['leads', 'forget', 'erased@person.com', '--yes', '-q'])).code).toBe(0);
    const list = await cli(['suppress', 'list', '--format', 'csv']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`'-dash@shop.com`); // the export neutralizes it ...
    expect(list.stdout).toContain(`'=HYPERLINK`);
    const csv = file('list.csv', list.stdout);
    const other = join(t.dir, 'other.db');
    openDb(other).close();
    const r = await cli(['suppress', 'import', csv, '--json'], undefined, other);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ added: 6, hashes: 1, invalidCount: 0, committed: true });
    const rows = (p: string) =>
      queryDb<{ kind: string; value: string; reason: string; source: string; note: string | null }>(p, 'SELECT kind, value, reason, source, note FROM suppressions ORDER BY id');
    // ... and the import takes the apostrophe off again: the same list
    expect(rows(other)).toEqual(rows(db));
    expect(rows(other).map((x) => x.value)).toContain('-dash@shop.com');
    // a second round trip changes nothing
    const again = await cli(['suppress', 'import', csv, '--json'], undefined, other);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, existing: 6 });
    openDb(join(t.dir, 'third.db')).close();
    const human = await cli(['suppress', 'import', csv], undefined, join(t.dir, 'third.db'));
    expect(human.stderr).toContain('1 forgotten entries were imported as hashes');
  });

  it('a reason column sets each line\'s reason; an unknown one gets --reason with a warning; "forgotten" is stored as a hash', async () => {
    const f = file('r.csv', 'email,reason\na@x.com,bounced\nb@x.com,hard bounce\nc@x.com,\nd@x.com,Hard Bounce\ne@x.com,forgotten\n');
    const r = await cli(['suppress', 'import', f, '--reason', 'unsubscribed']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${f}:3: unknown reason "hard bounce" (2 lines): stored with reason unsubscribed.`);
    expect(query('SELECT kind, value, reason FROM suppressions ORDER BY id').map((x) => Object.values(x).join(':'))).toEqual([
      'email:a@x.com:bounced',
      'email:b@x.com:unsubscribed',
      'email:c@x.com:unsubscribed',
      'email:d@x.com:unsubscribed',
      expect.stringMatching(/^email_hash:[0-9a-f]{64}:forgotten$/),
    ]);
    expect(rawBytes()).not.toContain('e@x.com');
    // and a later add of that address stores nothing either
    expect(JSON.parse((await cli(['suppress', 'add', 'e@x.com', '--json'])).stdout)).toMatchObject({ added: 0, forgotten: ['e@x.com'] });
  });

  it('refuses a bad kind or hash in a list file with FILE:LINE', async () => {
    const f = file('l.csv', 'kind,value,reason\nemail,a@x.com,manual\nphone,123,manual\nemail_hash,nothex,forgotten\ndomain,a@x.com,manual\n');
    const r = await cli(['suppress', 'import', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:3: unknown kind "phone"`);
    expect(r.stderr).toContain(`${f}:4: "nothex" is not an erasure hash`);
    expect(r.stderr).toContain(`${f}:5: "a@x.com" in the value column is an email address, not a domain`);
    expect(query('SELECT * FROM suppressions')).toHaveLength(0);
  });
});

describe('suppress import: lines and columns (#13)', () => {
  it('names the first line of a record that spans lines', async () => {
    const f = file('sq2.csv', 'email,note\nbad-one,"note\nspanning\nthree lines"\nok2@a.com,y\n');
    const r = await cli(['suppress', 'import', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:2: "bad-one" in the email column is not an email address`);
    expect(r.stderr).not.toContain(`${f}:4`);
    // BOM + semicolons + CRLF, the bad record starting on line 3
    const g = file('sq3.csv', '\ufeffemail;note\r\nok@a.com;x\r\nnope;"multi\r\nline"\r\nok3@a.com;y\r\n');
    const s = await cli(['suppress', 'import', g]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`${g}:3: "nope" in the email column`);
    const skip = await cli(['suppress', 'import', g, '--skip-invalid', '--json']);
    expect(JSON.parse(skip.stdout)).toMatchObject({ added: 2, invalidCount: 1, committed: true, invalid: [{ line: 3, value: 'nope' }] });
  });

  it('a domain in an email column is an error, never a whole-domain suppression; domains come from a domain column or a headerless list', async () => {
    const f = file('e.csv', 'Email Address,name\na@x.com,A\ngmail.com,G\n');
    const r = await cli(['suppress', 'import', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:3: "gmail.com" in the Email Address column is not an email address`);
    expect(query(`SELECT * FROM suppressions`)).toHaveLength(0);
    const skipped = await cli(['suppress', 'import', f, '--skip-invalid', '--json']);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ added: 1, invalidCount: 1 });
    expect(query(`SELECT kind FROM suppressions WHERE kind = 'domain'`)).toHaveLength(0);
    // a domain column (a leads export has both: its email column wins)
    const d = file('d.csv', 'domain\nrival.com\nhttps://www.Other.com/shop\n');
    expect(JSON.parse((await cli(['suppress', 'import', d, '--json'])).stdout)).toMatchObject({ added: 2 });
    const both = file('b.csv', 'domain,company,email\nstore.com,Store,owner@store.com\n');
    expect(JSON.parse((await cli(['suppress', 'import', both, '--json'])).stdout)).toMatchObject({ added: 1 });
    // the documented headerless list: one email or domain a line
    const plain = file('p.txt', 'x@y.com\n# a comment\nwhole.com\n');
    expect(JSON.parse((await cli(['suppress', 'import', plain, '--json'])).stdout)).toMatchObject({ added: 2 });
    expect(query(`SELECT kind, value FROM suppressions WHERE kind = 'domain' ORDER BY value`).map((x) => x.value)).toEqual(['other.com', 'rival.com', 'whole.com']);
    expect(query(`SELECT value FROM suppressions WHERE value LIKE '%store.com'`).map((x) => x.value)).toEqual(['owner@store.com']);
  });
});

describe('suppress import streams inside one transaction (#15)', () => {
  it('a big file with quoted newlines across read chunks imports every value; a bad last line writes nothing', async () => {
    const lines = ['email,note'];
    for (let i = 0; i < 30_000; i++) lines.push(i % 997 === 0 ? `u${i}@d${i % 300}.com,"a note\nover two lines, ${'x'.repeat(i % 50)}"` : `u${i}@d${i % 300}.com,n${i}`);
    const good = file('big.csv', lines.join('\n') + '\n');
    const bad = file('bad.csv', lines.join('\n') + '\nnot-an-email,z\n');
    const refused = await cli(['suppress', 'import', bad]);
    expect(refused.code).toBe(1);
    const badLine = lines.length + lines.filter((l) => l.includes('\n')).length + 1;
    expect(refused.stderr).toContain(`${bad}:${badLine}: "not-an-email"`);
    expect(query('SELECT count(*) AS n FROM suppressions')).toEqual([{ n: 0 }]);
    const r = await cli(['suppress', 'import', good, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ values: 30_000, added: 30_000, committed: true });
    expect(query(`SELECT count(*) AS n FROM suppressions WHERE kind = 'email'`)).toEqual([{ n: 30_000 }]);
  });

  it('stops the campaign enrollments of the leads it suppresses (per email, and per domain in one pass)', async () => {
    const leads = file('leads.csv', 'domain,email\na.com,x@a.com\nb.com,y@b.com\nshop.c.com,z@shop.c.com\nd.com,w@d.com\n');
    expect((await cli(['leads', 'import', leads, '-q'])).code).toBe(0);
    const d = new Database(db);
    d.exec(`INSERT INTO campaigns (name) VALUES ('c1')`);
    d.exec(`INSERT INTO enrollments (campaign_id, lead_id) SELECT 1, id FROM leads`);
    d.close();
    const e = await cli(['suppress', 'import', '-', '--json'], 'email\nx@a.com\n');
    expect(JSON.parse(e.stdout)).toMatchObject({ added: 1, enrollmentsStopped: 1 });
    const dm = await cli(['suppress', 'import', '-', '--json'], 'domain\nc.com\nb.com\n');
    expect(JSON.parse(dm.stdout)).toMatchObject({ added: 2, enrollmentsStopped: 2 });
    expect(query(`SELECT l.domain, e.status, e.stop_reason FROM enrollments e JOIN leads l ON l.id = e.lead_id ORDER BY l.domain`)).toEqual([
      { domain: 'a.com', status: 'stopped', stop_reason: 'suppressed: imported' },
      { domain: 'b.com', status: 'stopped', stop_reason: 'suppressed: imported' },
      { domain: 'd.com', status: 'active', stop_reason: null },
      { domain: 'shop.c.com', status: 'stopped', stop_reason: 'suppressed: imported' },
    ]);
  });
});
