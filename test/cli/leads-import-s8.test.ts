// Review s8 (issue 2) defects of `leads import`, each reproduced through the built CLI against a temp database:
// --rejects that would overwrite the database or the input (#3), stdin held open while the write lock is taken
// (#4), the export's injection apostrophe kept on re-import (#6), a CRM `Name` column taken for the company (#7),
// rows of empty cells refusing the file (#8), email-only rows keyed by a mail host (#9), and the messages and
// counts of #18.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir, ROOT, BIN } from '../helpers/cli.js';

const FIX = resolve(ROOT, 'test/fixtures/leads-s8');
let t: ReturnType<typeof tempDir>;
let db: string;
let tmp: string; // the TMPDIR of every command: where a spooled input would be left behind
const env = () => ({ TMPDIR: tmp });
const cli = (args: string[], input?: string | Buffer, timeoutMs?: number) => runCli(['--db', db, ...args], { cwd: t.dir, input, env: env(), timeoutMs });
const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] => queryDb<T>(db, sql, ...params);
const file = (name: string, content: string | Buffer) => {
  const p = join(t.dir, name);
  writeFileSync(p, content);
  return p;
};
const children: ChildProcess[] = [];

/** `outreach leads import ...` with its stdin left open to the test: the test is the (slow) producer. */
function startImport(args: string[]) {
  const child = spawn(process.execPath, [BIN, '--db', db, 'leads', 'import', ...args], {
    cwd: t.dir,
    env: { ...process.env, NO_COLOR: '1', ...env() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((ok) =>
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })),
  );
  /** Writes to the import's stdin; resolves once the bytes are in the pipe (the import has read all but the pipe's buffer). */
  const write = (text: string) => new Promise<void>((ok, fail) => child.stdin!.write(text, (err) => (err ? fail(err) : ok())));
  return { child, done, write };
}

/** Resolves once `check` is true (polling); the test's own timeout bounds it. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 25));
}

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
  tmp = join(t.dir, 'tmp');
  mkdirSync(tmp);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  t.cleanup();
});

describe('--rejects never overwrites the database or the input (#3)', () => {
  const bad = 'domain,email,company\nr1.com,bad-email,A\nr2.com,ok@r2.com,B\n';

  it('refuses the database, a symlink to it, its -wal/-shm/-journal files, before importing anything', async () => {
    const rr = file('rr.csv', bad);
    expect((await cli(['leads', 'import', rr, '--skip-invalid'])).code).toBe(0);
    symlinkSync(db, join(t.dir, 'link.db'));
    symlinkSync(db + '-journal', join(t.dir, 'dangling'));
    for (const target of [db, 'test.db', './link.db', db + '-wal', db + '-shm', db + '-journal', 'dangling']) {
      const r = await cli(['leads', 'import', file('more.csv', 'domain\nmore.com\nbad dom\n'), '--skip-invalid', '--rejects', target]);
      expect(r.code, `${target}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/--rejects .* is the database.*refusing to overwrite it/);
    }
    expect(readFileSync(db).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0'); // still the database
    expect(query<{ domain: string }>('SELECT domain FROM leads').map((l) => l.domain)).toEqual(['r2.com']);
    expect(existsSync(db + '-journal')).toBe(false);
    const list = await cli(['leads', 'list']);
    expect(list.code, list.stderr).toBe(0);
  });

  it('refuses the input file, by path, through a symlink and through a hard link; the input is left intact', async () => {
    const rr = file('rr.csv', bad);
    symlinkSync(rr, join(t.dir, 'rr-link.csv'));
    linkSync(rr, join(t.dir, 'rr-hard.csv'));
    for (const target of ['rr.csv', rr, 'rr-link.csv', 'rr-hard.csv']) {
      const r = await cli(['leads', 'import', 'rr.csv', '--skip-invalid', '--rejects', target]);
      expect(r.code, `${target}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/--rejects .* is the input file rr\.csv: refusing to overwrite it/);
    }
    expect(readFileSync(rr, 'utf8')).toBe(bad);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('refuses the input given on stdin from that file (`< rr.csv`)', async () => {
    const rr = file('rr.csv', bad);
    const r = await new Promise<{ code: number | null; stderr: string }>((ok) => {
      const fd = openSync(rr, 'r');
      const child = spawn(process.execPath, [BIN, '--db', db, 'leads', 'import', '-', '--skip-invalid', '--rejects', 'rr.csv'], {
        cwd: t.dir,
        env: { ...process.env, NO_COLOR: '1', ...env() },
        stdio: [fd, 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
      child.on('close', (code) => {
        closeSync(fd);
        ok({ code, stderr });
      });
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/is the input file <stdin>: refusing/);
    expect(readFileSync(rr, 'utf8')).toBe(bad);
  });

  it('another file is written as before', async () => {
    const r = await cli(['leads', 'import', file('rr.csv', bad), '--skip-invalid', '--rejects', 'rej.csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(t.dir, 'rej.csv'), 'utf8')).toMatch(/^line,reason,domain,email,company\r\n2,"invalid email/);
  });
});

describe('stdin and pipes are spooled before the write lock is taken (#4)', () => {
  it('another writer (suppress add) completes while the import is still waiting for its input', async () => {
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    const imp = startImport(['-']);
    // More than a pipe buffer and the first read together: once write() has handed it all to the pipe, the
    // import has read well past its first chunk. Before the fix it had taken BEGIN IMMEDIATE by then, and held
    // it while waiting for the rest.
    const rows = ['domain'];
    for (let i = 0; i < 30_000; i++) rows.push(`bulk${i}.example.com`);
    await imp.write(rows.join('\n') + '\n');
    const other = await cli(['suppress', 'add', 'x@y.com'], undefined, 30_000);
    expect(other.code, other.stderr).toBe(0);
    // the order is the point: the other writer is done, and the import has not yet seen the end of its input
    expect(imp.child.exitCode).toBeNull();
    await imp.write('late.com\n');
    imp.child.stdin!.end();
    const r = await imp.done;
    expect(r.code, r.stderr).toBe(0);
    expect(query<{ n: number }>('SELECT count(*) AS n FROM leads')[0]!.n).toBe(30_001);
    expect(query('SELECT * FROM leads WHERE domain = ?', 'late.com')).toHaveLength(1);
    expect(query('SELECT * FROM suppressions WHERE value = ?', 'x@y.com')).toHaveLength(1);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('the spooled copy is private (0600) while the import reads, and removed after a success', async () => {
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    const imp = startImport(['-']);
    await imp.write('domain,company\nfirst.com,First\n');
    await until(() => readdirSync(tmp).length > 0 && readdirSync(join(tmp, readdirSync(tmp)[0]!)).length > 0);
    const dir = join(tmp, readdirSync(tmp)[0]!);
    expect(readdirSync(tmp)[0]).toMatch(/^outreach-import-/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, readdirSync(dir)[0]!)).mode & 0o777).toBe(0o600);
    imp.child.stdin!.end('second.com,Second\n');
    const r = await imp.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/<stdin>: 2 rows/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('removed after Ctrl-C while waiting for input: nothing imported, exit 130', async () => {
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    const imp = startImport(['-']);
    await imp.write('domain\nfirst.com\n');
    await until(() => readdirSync(tmp).length > 0 && readdirSync(join(tmp, readdirSync(tmp)[0]!)).length > 0);
    imp.child.kill('SIGINT');
    const r = await imp.done;
    expect(r.code).toBe(130); // 128 + SIGINT: one rule for every interrupted command (session 9)
    expect(r.stderr).toMatch(/Interrupted: nothing was imported/);
    expect(readdirSync(tmp)).toEqual([]);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('removed after a second Ctrl-C (immediate exit) too', async () => {
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    const imp = startImport(['-']);
    await imp.write('domain\nfirst.com\n');
    await until(() => readdirSync(tmp).length > 0 && readdirSync(join(tmp, readdirSync(tmp)[0]!)).length > 0);
    // the second signal right after the first: whichever of them ends it, no copy is left
    imp.child.kill('SIGINT');
    imp.child.kill('SIGINT');
    await imp.done;
    expect(readdirSync(tmp)).toEqual([]);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('removed after a refused import and after empty input; stdin behaves as before', async () => {
    const bad = await cli(['leads', 'import', '-'], 'domain,email\nok.com,a@ok.com\nbad dom,\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/<stdin>:3: invalid website/);
    expect(readdirSync(tmp)).toEqual([]);
    const empty = await cli(['leads', 'import', '-'], '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/<stdin> is empty/);
    expect(readdirSync(tmp)).toEqual([]);
    const bom = await cli(['leads', 'import', '-', '--json'], '\ufeffdomain;company\r\nbom.com;Bom\r\n');
    expect(bom.code, bom.stderr).toBe(0);
    expect(JSON.parse(bom.stdout)).toMatchObject({ file: '<stdin>', rows: 1, leads_created: 1 });
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a FIFO is spooled too', async () => {
    const fifo = join(t.dir, 'in.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return; // no mkfifo on this system
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    const imp = spawn(process.execPath, [BIN, '--db', db, 'leads', 'import', fifo], { cwd: t.dir, env: { ...process.env, NO_COLOR: '1', ...env() }, stdio: 'pipe' });
    children.push(imp);
    let stderr = '';
    imp.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((ok) => imp.on('close', ok));
    writeFileSync(fifo, 'domain\nfifo.com\n');
    expect(await done, stderr).toBe(0);
    expect(query<{ domain: string }>('SELECT domain FROM leads').map((l) => l.domain)).toEqual(['fifo.com']);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('export → import round trip keeps values that start with + - = @ (#6)', () => {
  it('phones, companies and emails come back without the apostrophe', async () => {
    const src = file('rt0.csv', 'domain,email,phone,company\nrt.com,+1@rt.com,+33 6 12 34 56 78,-Minus Co\nat.com,a@at.com,=1+2,@Handle\n');
    expect((await cli(['leads', 'import', src])).code).toBe(0);
    const out = join(t.dir, 'rt.csv');
    const ex = await cli(['leads', 'export', '-o', out]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain("'+33 6 12 34 56 78"); // the export does neutralize
    const before = query('SELECT l.domain, l.company, c.email, c.phone FROM leads l JOIN contacts c ON c.lead_id = l.id ORDER BY l.domain');
    const db2 = db;
    db = join(t.dir, 'second.db');
    const r = await cli(['leads', 'import', out]);
    expect(r.code, r.stderr).toBe(0);
    const after = query('SELECT l.domain, l.company, c.email, c.phone FROM leads l JOIN contacts c ON c.lead_id = l.id ORDER BY l.domain');
    expect(after).toEqual(before);
    expect(after).toContainEqual({ domain: 'rt.com', company: '-Minus Co', email: '+1@rt.com', phone: '+33 6 12 34 56 78' });
    db = db2;
  });

  it("only a leading apostrophe before = + - @ TAB CR is removed (O'Brien, 'quoted' stay)", async () => {
    const r = await cli(['leads', 'import', file('q.csv', "domain,company,first_name,email\nq.com,'Quoted',O'Brien,o@q.com\n")]);
    expect(r.code, r.stderr).toBe(0);
    expect(query('SELECT company FROM leads')).toEqual([{ company: "'Quoted'" }]);
    expect(query('SELECT first_name FROM contacts')).toEqual([{ first_name: "O'Brien" }]);
  });
});

describe('header mapping of a CRM export (#7)', () => {
  it('Name,Email,Company,Website: Company is the store, Name the person', async () => {
    const r = await cli(['leads', 'import', join(FIX, 'crm-export.csv'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ignored_columns).toEqual([]);
    expect(query('SELECT domain, company FROM leads ORDER BY domain')).toEqual([
      { domain: 'acme.com', company: 'Acme Inc' },
      { domain: 'beta.io', company: 'Beta Labs' },
    ]);
    expect(query('SELECT email, first_name, last_name, phone FROM contacts ORDER BY email')).toEqual([
      { email: 'bob@beta.io', first_name: 'Bob', last_name: 'Roe', phone: null },
      { email: 'jane@acme.com', first_name: 'Jane', last_name: 'Doe', phone: '+1 555 0100' },
    ]);
  });

  it('Store,Company and website,domain: one column is used, the other named as ignored with the reason', async () => {
    const r = await cli(['leads', 'import', file('sc.csv', 'Store,Company,website,domain\nMy Store,My Company,a.com,b.com\n')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Ignored columns: Store \(another company column: Company is used\), domain \(another domain column: website is used\)/);
    expect(query('SELECT domain, company FROM leads')).toEqual([{ domain: 'a.com', company: 'My Company' }]);
  });

  it('Name alone is still the company', async () => {
    const r = await cli(['leads', 'import', file('n.csv', 'Name,Website\nAcme,acme.com\n')]);
    expect(r.code, r.stderr).toBe(0);
    expect(query('SELECT company FROM leads')).toEqual([{ company: 'Acme' }]);
  });
});

describe('blank rows and blank lines before the header (#8)', () => {
  it('rows of empty cells (Excel) are skipped, not rejected; blank lines before the header too', async () => {
    const r = await cli(['leads', 'import', join(FIX, 'excel-blank-rows.csv'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ committed: true, rows: 2, leads_created: 2, rejected: [] });
    expect(query<{ domain: string }>('SELECT domain FROM leads ORDER BY domain').map((l) => l.domain)).toEqual(['xl.com', 'xl2.com']);
  });

  it('blank lines before a semicolon header', async () => {
    const r = await cli(['leads', 'import', file('top.csv', '\n\n\ndomain;company\nblank-top.com;Top\n')]);
    expect(r.code, r.stderr).toBe(0);
    expect(query('SELECT domain, company FROM leads')).toEqual([{ domain: 'blank-top.com', company: 'Top' }]);
  });
});

describe('an email-only row is the store of the email’s registrable domain (#9)', () => {
  it('mail.shop.com and eu.shop.co.uk are shop.com and shop.co.uk; free mail stays rejected', async () => {
    const r = await cli(['leads', 'import', join(FIX, 'email-only.csv'), '--skip-invalid', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rejected).toEqual([{ line: 6, reason: 'no website/domain, and gmail.com is a free-mail provider' }]);
    expect(query('SELECT l.domain, c.email FROM contacts c JOIN leads l ON l.id = c.lead_id ORDER BY c.email')).toEqual([
      { domain: 'shop.com', email: 'a@shop.com' },
      { domain: 'shop.com', email: 'b@mail.shop.com' },
      { domain: 'shop.co.uk', email: 'e@eu.shop.co.uk' },
      { domain: 'store.myshopify.com', email: 'x@store.myshopify.com' },
    ]);
  });
});

describe('messages and counts (#18)', () => {
  it('a short Latin-1 file is named as not UTF-8 (with the line), not as binary', async () => {
    const r = await cli(['leads', 'import', join(FIX, 'latin1-short.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/latin1-short\.csv:2: the file has bytes that are not UTF-8 \(Windows-1252 or Latin-1\?\)/);
    expect(r.stderr).toMatch(/iconv -f WINDOWS-1252/);
    expect(r.stderr).not.toMatch(/binary/);
  });

  it('a NUL byte in one cell names its line, not "binary data"', async () => {
    const r = await cli(['leads', 'import', file('nul.csv', Buffer.from('domain,company\na.com,A\nb.com,B\u0000x\n'))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nul\.csv:3: the file has a NUL byte/);
  });

  it('two columns mapped to one field: usage error naming both, exit 2, nothing read', async () => {
    const r = await cli(['leads', 'import', file('map.csv', 'Shop URL,Owner\nmapped.com,Jane Roe\n'), '--map', 'Shop URL=domain', '--map', 'Owner=domain']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--map: both Shop URL and Owner are mapped to domain/);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('a folder as input is named as such (no raw errno)', async () => {
    const r = await cli(['leads', 'import', t.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot read .*: it is a folder, not a file/);
    expect(r.stderr).not.toMatch(/EISDIR/);
  });

  it('--rejects with no rejected row leaves a header-only file, not an earlier run’s rows', async () => {
    const rej = file('r.csv', 'OLD\r\n');
    const r = await cli(['leads', 'import', file('g1.csv', 'domain\ngood.com\n'), '--skip-invalid', '--rejects', rej]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(rej, 'utf8')).toBe('line,reason,domain\r\n');
  });

  it('--skip-invalid with every row rejected fails (exit 1), lists the rows, writes the rejects file', async () => {
    const rej = join(t.dir, 'rej.csv');
    const r = await cli(['leads', 'import', file('all-bad.csv', 'domain,email\nbad dom,\n,nope\n'), '--skip-invalid', '--rejects', rej]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/all-bad\.csv: all 2 rows were rejected; nothing was imported/);
    expect(r.stderr).toMatch(/all-bad\.csv:2: invalid website/);
    expect(r.stderr).toMatch(/all-bad\.csv:3: invalid email/);
    expect(readFileSync(rej, 'utf8').split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
    expect(query('SELECT status FROM runs')).toEqual([{ status: 'failed' }]);
  });

  it('the summary adds up: malformed records count as rows', async () => {
    const f = file('rl.csv', 'domain,company\nfew.com\nmany.com,Many,extra,extra2\n"unterminated.com,X\nnext.com,N\n');
    const r = await cli(['leads', 'import', f, '--skip-invalid', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows).toBe(out.leads_created + out.leads_merged + out.rejected.length);
    expect(out).toMatchObject({ rows: 4, leads_created: 2 });
    expect(out.rejected.map((x: { line: number }) => x.line)).toEqual([3, 4]);
  });
});
