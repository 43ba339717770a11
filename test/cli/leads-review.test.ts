// Defects found by review (session 6), each reproduced through the CLI against a temp database: input that is
// not UTF-8 CSV text, every bad row listed even after a quoting error, --rejects that cannot be written,
// GDPR erasure that reaches notes, the audit table and mail that names the person, and imports that
// must not bring a forgotten store back under another spelling of its domain.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { queryDb } from '../helpers/db.js';
import { openDb } from '../../src/db/open.js';
import { runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], input?: string) => runCli(['--db', db, ...args], { cwd: t.dir, input });
const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] => queryDb<T>(db, sql, ...params);
const file = (name: string, content: string | Buffer) => {
  const p = join(t.dir, name);
  writeFileSync(p, content);
  return p;
};
/** Every byte of the database file and its WAL, lower-cased: what a disk image would show. */
const diskBytes = () => (readFileSync(db).toString('latin1') + (existsSync(db + '-wal') ? readFileSync(db + '-wal').toString('latin1') : '')).toLowerCase();

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
});
afterEach(() => t.cleanup());

describe('leads import: input that is not UTF-8 CSV text', () => {
  it('a Windows-1252 file is refused with its line and how to convert it, nothing imported', async () => {
    const f = file('latin1.csv', Buffer.concat([Buffer.from('Company,Website\nA,a.com\nM'), Buffer.from([0xfc]), Buffer.from('ller GmbH,mueller.de\n')]));
    const r = await cli(['leads', 'import', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/latin1\.csv:3: the file has bytes that are not UTF-8/);
    expect(r.stderr).toMatch(/iconv -f WINDOWS-1252 -t UTF-8/);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('a genuine U+FFFD in a UTF-8 file is text, not an error', async () => {
    const f = file('ok.csv', 'Company,Website\nOdd \uFFFD Shop,odd.com\n');
    const r = await cli(['leads', 'import', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(query<{ company: string }>('SELECT company FROM leads')[0]!.company).toBe('Odd \uFFFD Shop');
  });

  it('UTF-16 (Excel "Unicode Text") and binary files are named as such', async () => {
    const u16 = file('u16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Company,Website\nA,a.com\n', 'utf16le')]));
    const r1 = await cli(['leads', 'import', u16]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/u16\.csv:1: the file is UTF-16 text/);
    const bin = Buffer.alloc(4096);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919 + 13) % 256;
    const r2 = await cli(['leads', 'import', file('sheet.xlsx', Buffer.concat([Buffer.from('PK\u0003\u0004'), bin]))]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/sheet\.xlsx:\d+: the file is not a CSV text file \(binary data/);
    expect(r2.stderr.length).toBeLessThan(1000); // no dump of the bytes
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });
});

describe('leads import: bad rows', () => {
  it('a quoting error does not hide the other bad rows: all are listed, nothing imported', async () => {
    const f = file('inv.csv', 'Company,Website,Email\nA,a.com,a@a.com\nB,not a domain,b@b.com\nC,c.com,bad-email\n"D,d.com,d@d.com\n');
    const r = await cli(['leads', 'import', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inv\.csv:3: invalid website/);
    expect(r.stderr).toMatch(/inv\.csv:4: invalid email/);
    expect(r.stderr).toMatch(/inv\.csv:5: malformed CSV/);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('--rejects into a folder that does not exist fails before anything is imported', async () => {
    const f = file('inv.csv', 'Company,Website\nA,a.com\nB,not a domain\n');
    const r = await cli(['leads', 'import', f, '--skip-invalid', '--rejects', join(t.dir, 'nope', 'rej.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot write the rejected rows to .*rej\.csv: the folder .*nope does not exist/);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
    const r2 = await cli(['leads', 'import', f, '--skip-invalid', '--rejects', t.dir]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/is a folder/);
  });
});

describe('leads forget reaches everything that names the person', () => {
  it('notes, the audit table and mail that mentions the address are erased; only the hash is left', async () => {
    const f = file('l.csv', 'Company,Website,Email,First Name,Last Name,Notes\nAcme,acme.com,jane@acme.com,Jane,Roe,"Met Jane Roe (jane@acme.com) at a fair"\nOther,other.com,bob@other.com,Bob,Poe,"Jane@Acme.com referred us"\n');
    expect((await cli(['leads', 'import', f])).code).toBe(0);
    expect((await cli(['suppress', 'add', 'JANE@acme.com'])).code).toBe(0);
    const d = new Database(db);
    // a bounce about her address, from the mailer daemon (her address only in the body and the raw mail)
    d.prepare(`INSERT INTO inbound (message_id, from_email, subject, raw, body_text) VALUES ('b1@mx', 'mailer-daemon@mx.example', 'Undelivered', ?, ?)`).run(
      Buffer.from('From: mailer-daemon@mx.example\r\n\r\nDelivery to jane@acme.com failed.'),
      'Delivery to jane@acme.com failed.',
    );
    d.close();
    expect(query('SELECT * FROM runs WHERE lower(args) LIKE ?', '%jane@acme.com%').length).toBeGreaterThan(0);
    const r = await cli(['leads', 'forget', 'JANE@acme.com', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ contactsDeleted: 1, inboundDeleted: 1 });
    expect(query('SELECT * FROM runs WHERE lower(args) LIKE ?', '%jane@acme.com%')).toHaveLength(0);
    const notes = query<{ domain: string; notes: string }>('SELECT domain, notes FROM leads ORDER BY domain');
    expect(notes).toEqual([
      { domain: 'acme.com', notes: 'Met [forgotten] ([forgotten]) at a fair' },
      { domain: 'other.com', notes: '[forgotten] referred us' },
    ]);
    const bytes = diskBytes();
    expect(bytes).not.toContain('jane@acme.com');
    expect(bytes).not.toContain('jane roe');
  });

  it('a forgotten store stays out under its subdomains, and so do addresses at it on other rows', async () => {
    const f = file('a.csv', 'Company,Website,Email\nBooks,bücher.de,anna@bücher.de\n');
    expect((await cli(['leads', 'import', f])).code).toBe(0);
    expect((await cli(['leads', 'forget', 'xn--bcher-kva.de', '--yes'])).code).toBe(0);
    const g = file('b.csv', 'Company,Website,Email\nOther,othersite.com,newperson@xn--bcher-kva.de\nSub,sub.bücher.de,x@sub.bücher.de\nFine,fine.com,ok@fine.com\n');
    const r = await cli(['leads', 'import', g, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).skipped_forgotten).toBe(2);
    expect(query<{ domain: string }>('SELECT domain FROM leads ORDER BY domain').map((x) => x.domain)).toEqual(['fine.com', 'othersite.com']);
    expect(query<{ email: string }>('SELECT email FROM contacts ORDER BY email').map((x) => x.email)).toEqual(['ok@fine.com']);
  });
});

describe('leads import and the suppression list', () => {
  it('counts rows that name a suppressed address or domain (stored, never mailed) and says so', async () => {
    openDb(db).close(); // an existing pipeline: suppress add does not create a database (session 9)
    expect((await cli(['suppress', 'add', 'competitor.com', 'jane@acme.com'])).code).toBe(0);
    const f = file('s.csv', 'Company,Website,Email\nRival,shop.competitor.com,info@shop.competitor.com\nAcme,acme.com,jane@acme.com\nFine,fine.com,ok@fine.com\n');
    const r = await cli(['leads', 'import', f, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ leads_created: 3, suppressed: 2 });
    const human = await cli(['leads', 'import', f]);
    expect(human.stderr).toMatch(/2 rows name a suppressed address or domain: stored, and never mailed/);
  });
});

describe('init with a --db in a folder that does not exist', () => {
  it('fails before writing .env or the YAML files', async () => {
    const r = await runCli(['--db', join(t.dir, 'nope', 'x.db'), 'init', '--yes'], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the folder .*nope does not exist/);
    for (const f of ['.env', 'outreach.yaml', 'profile.yaml']) expect(existsSync(join(t.dir, f))).toBe(false);
  });
});

describe('leads import: an email cell with several addresses', () => {
  it('gives a contact for each (the row\'s name goes with the first), checked against forgotten and suppressed ones', async () => {
    expect((await cli(['leads', 'import', file('f.csv', 'Website,Email\ngone.com,old@gone.com\n')])).code).toBe(0);
    expect((await cli(['leads', 'forget', 'old@gone.com', '--yes'])).code).toBe(0);
    expect((await cli(['suppress', 'add', 'nomail@acme.com'])).code).toBe(0);
    const f = file(
      'multi.csv',
      'Company,Website,Email,First Name\n' +
        'Acme,acme.com,"Jane@Acme.com; Sales <SALES@acme.com>, nomail@acme.com jane@acme.com",Jane\n' +
        'Beta,beta.com,"bob@beta.com; n/a",Bob\n' +
        'Gone,gone.com,"new@gone.com, old@gone.com",Neo\n',
    );
    const r = await cli(['leads', 'import', f, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ contacts_added: 5, suppressed: 1, skipped_forgotten: 1 });
    const rows = query<{ domain: string; email: string; first_name: string | null; is_role: number }>(
      'SELECT l.domain, c.email, c.first_name, c.is_role FROM contacts c JOIN leads l ON l.id = c.lead_id ORDER BY c.id',
    );
    expect(rows).toEqual([
      { domain: 'acme.com', email: 'jane@acme.com', first_name: 'Jane', is_role: 0 },
      { domain: 'acme.com', email: 'sales@acme.com', first_name: null, is_role: 1 },
      { domain: 'acme.com', email: 'nomail@acme.com', first_name: null, is_role: 0 },
      { domain: 'beta.com', email: 'bob@beta.com', first_name: 'Bob', is_role: 0 },
      { domain: 'gone.com', email: 'new@gone.com', first_name: 'Neo', is_role: 0 },
    ]);
  });

  it('one bad address in the cell refuses the row, naming it', async () => {
    const r = await cli(['leads', 'import', file('bad.csv', 'Website,Email\nacme.com,"jane@acme.com; bob@@acme.com"\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv:2: invalid email: "bob@@acme\.com"/);
    expect(query('SELECT * FROM contacts')).toHaveLength(0);
  });
});
