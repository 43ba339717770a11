// Review s8 (issue 2) findings on `leads export` and output, as a user meets them: -o never replaces the
// database (or its journal files, or another SQLite file) and `-o -` is stdout (#3); suppressed contacts are
// marked, or left out with --exclude-suppressed (#5); notes are exported, after the older columns (#12); a
// failed write to stdout is one line and exit 1 (#16); --json with --format csv is a usage error (#18);
// formula starts hidden behind blanks are neutralized (#19).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, linkSync, readFileSync, readdirSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Database } from '../../src/db/driver.js';
import { openDb } from '../../src/db/open.js';
import { queryDb } from '../helpers/db.js';
import { runCli, runProcess, tempDir, BIN } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], input?: string) => runCli(['--db', db, ...args], { cwd: t.dir, input });
const sh = (line: string) =>
  runProcess('bash', ['-c', line], { cwd: t.dir, env: { ...(process.env as Record<string, string>), NO_COLOR: '1', OUTREACH_DB: db, O: `${process.execPath} ${BIN}` } });
const md5 = (f: string) => createHash('md5').update(readFileSync(f)).digest('hex');

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
});
afterEach(() => t.cleanup());

const OLD_COLUMNS = 'domain,company,email,first_name,last_name,title,phone,country,stage,is_shopify,fit,intent,tags,url,source,created_at';

async function seed(): Promise<void> {
  writeFileSync(
    join(t.dir, 'in.csv'),
    [
      'domain,company,email,notes',
      'plain.com,Plain,ann@plain.com,"met at a fair, twice\nsecond line"',
      'unsub.com,Unsub,x@unsub.com,',
      'shop.com,Shop,y@eu.bounce.org,', // the contact's address is at a suppressed domain's subdomain
      'gone.example.com,Gone,,', // no contact: the lead's own domain is suppressed (a parent of it)
      'left.com,Left,bob@left.com,',
    ].join('\n') + '\n',
  );
  const r = await cli(['leads', 'import', join(t.dir, 'in.csv')]);
  expect(r.code, r.stderr).toBe(0);
  for (const [v, reason] of [['x@unsub.com', 'unsubscribed'], ['bounce.org', 'bounced'], ['example.com', 'manual'], ['portshop.com', 'manual']]) {
    const s = await cli(['suppress', 'add', v, '--reason', reason, '-q']);
    expect(s.code, s.stderr).toBe(0);
  }
  // left_company comes from `inbox sync` (an auto-reply saying the person left), not from `suppress add`
  const d = new Database(db);
  d.prepare(`INSERT INTO suppressions (kind, value, reason, source) VALUES ('email', 'bob@left.com', 'left_company', 'inbox')`).run();
  // a lead keyed with a port (as older imports stored `portshop.com:8443`): the domain without it is suppressed
  d.prepare(`INSERT INTO leads (domain, company) VALUES ('portshop.com:8443', 'Port')`).run();
  d.close();
}

const EXPECTED_SUPPRESSED: Record<string, string | null> = {
  'plain.com': null,
  'unsub.com': 'unsubscribed',
  'shop.com': 'bounced',
  'gone.example.com': 'manual',
  'left.com': 'left_company',
  'portshop.com:8443': 'manual',
};

/** The CSV rows (RFC 4180, CRLF, quoted newlines) as arrays. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else cell += ch;
  }
  return rows;
}

describe('#3 leads export -o never replaces the database', () => {
  it('refuses the database, its -wal/-shm/-journal files, a symbolic or hard link to it, and any SQLite file; exit 1, nothing written', async () => {
    await seed();
    const before = md5(db);
    linkSync(db, join(t.dir, 'hard.db'));
    symlinkSync('test.db', join(t.dir, 'link.db'));
    symlinkSync(join(t.dir, 'test.db-wal'), join(t.dir, 'walink')); // a dangling link to the (absent) -wal
    const other = join(t.dir, 'other.sqlite');
    copyFileSync(db, other);
    const otherSum = md5(other);
    const cases: [string, RegExp][] = [
      [db, /is the database itself/],
      ['test.db', /is the database itself/],
      ['./sub/../test.db', /is the database itself/],
      ['link.db', /is the database itself/],
      ['hard.db', /is the database itself/],
      ['test.db-wal', /is the database's wal file/],
      ['test.db-shm', /is the database's shm file/],
      ['test.db-journal', /is the database's journal file/],
      ['walink', /is the database's wal file/],
      [other, /is an SQLite database: refusing to overwrite it/],
    ];
    for (const [i, [out, msg]] of cases.entries()) {
      for (const format of i === 0 ? ['csv', 'json'] : ['csv']) {
        const r = await cli(['leads', 'export', '--format', format, '-o', out]);
        expect(r.code, `${out}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr).not.toContain('Exported');
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    }
    expect(md5(db)).toBe(before);
    expect(md5(other)).toBe(otherSum);
    expect(readdirSync(t.dir).filter((f) => f.includes('.tmp-') || /-(journal)$/.test(f))).toEqual([]);
    expect((await cli(['leads', 'list', '--json'])).code).toBe(0);
    expect(queryDb<{ n: number }>(db, 'SELECT count(*) AS n FROM leads')[0]!.n).toBe(6);
  });

  it('overwrites another existing file as before, and -o - is stdout (no file named -)', async () => {
    await seed();
    const txt = join(t.dir, 'existing.txt');
    writeFileSync(txt, 'not a database\n');
    const r = await cli(['leads', 'export', '-o', txt]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(txt, 'utf8')).toMatch(/^domain,company,/);
    const dash = await cli(['leads', 'export', '--format', 'jsonl', '-o', '-']);
    expect(dash.code, dash.stderr).toBe(0);
    expect(dash.stdout.trim().split('\n').map((l) => JSON.parse(l).domain)).toHaveLength(6);
    expect(existsSync(join(t.dir, '-'))).toBe(false);
  });
});

describe('#5 suppressed contacts are marked, or left out', () => {
  it('CSV: a suppressed column (empty or the reason: address, its domain or a parent, or the lead\'s domain); notes after it', async () => {
    await seed();
    const r = await cli(['leads', 'export', '--sort', 'domain']);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]!.join(',')).toBe(`${OLD_COLUMNS},suppressed,notes,suppressed_domain`);
    const got = Object.fromEntries(rows.slice(1).map((x) => [x[0], x[16] || null]));
    expect(got).toEqual(EXPECTED_SUPPRESSED);
    for (const x of rows) expect(x).toHaveLength(19);
    expect(rows.find((x) => x[0] === 'plain.com')![17]).toBe('met at a fair, twice\nsecond line');
  });

  it('JSON and JSON Lines: suppressed is null or the reason; notes is a field; list --json has both', async () => {
    await seed();
    for (const args of [['--format', 'json'], ['--json']]) {
      const r = await cli(['leads', 'export', ...args]);
      expect(r.code, r.stderr).toBe(0);
      const arr = JSON.parse(r.stdout) as { domain: string; suppressed: string | null; notes: string | null }[];
      expect(Object.fromEntries(arr.map((x) => [x.domain, x.suppressed]))).toEqual(EXPECTED_SUPPRESSED);
      expect(arr.find((x) => x.domain === 'plain.com')!.notes).toBe('met at a fair, twice\nsecond line');
      expect(arr.find((x) => x.domain === 'unsub.com')!.notes).toBeNull();
      expect(Object.keys(arr[0]!).slice(-3)).toEqual(['suppressed', 'notes', 'suppressed_domain']);
    }
    const l = await cli(['leads', 'export', '--format', 'jsonl']);
    const rows = l.stdout.trim().split('\n').map((x) => JSON.parse(x) as { domain: string; suppressed: string | null });
    expect(Object.fromEntries(rows.map((x) => [x.domain, x.suppressed]))).toEqual(EXPECTED_SUPPRESSED);
    const list = JSON.parse((await cli(['leads', 'list', '--json'])).stdout) as { domain: string; suppressed: string | null; notes: string | null }[];
    expect(Object.fromEntries(list.map((x) => [x.domain, x.suppressed]))).toEqual(EXPECTED_SUPPRESSED);
    expect(list.find((x) => x.domain === 'plain.com')!.notes).toBe('met at a fair, twice\nsecond line');
  });

  it('--exclude-suppressed leaves them out, in every format; --help documents it with an example', async () => {
    await seed();
    const csv = await cli(['leads', 'export', '--exclude-suppressed']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(parseCsv(csv.stdout).slice(1).map((x) => x[0])).toEqual(['plain.com']);
    for (const format of ['json', 'jsonl']) {
      const r = await cli(['leads', 'export', '--format', format, '--exclude-suppressed']);
      const rows = format === 'json' ? JSON.parse(r.stdout) : r.stdout.trim().split('\n').map((x) => JSON.parse(x));
      expect(rows.map((x: { domain: string }) => x.domain)).toEqual(['plain.com']);
    }
    const file = join(t.dir, 'crm.csv');
    const f = await cli(['leads', 'export', '--exclude-suppressed', '-o', file]);
    expect(f.stderr).toContain('Exported 1 leads');
    const help = await cli(['leads', 'export', '--help']);
    expect(help.stdout).toContain('--exclude-suppressed');
    expect(help.stdout).toMatch(/\$ outreach leads export --exclude-suppressed/);
  });

  it('on worker threads (50,000+ leads): the same bytes as one thread, suppressions marked and excluded alike', async () => {
    const d = openDb(db);
    d.sqlite.transaction(() => {
      const lead = d.sqlite.prepare(`INSERT INTO leads (domain, company, notes) VALUES (?, ?, ?) RETURNING id`).pluck();
      const contact = d.sqlite.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`);
      for (let i = 0; i < 52_000; i++) {
        const id = lead.get(`s${i}.com`, `Store ${i}`, i % 10 ? null : `note ${i}`) as number;
        if (i % 2) contact.run(id, i % 6 === 1 ? `p${i}@mail.dom${i % 100}.org` : `p${i}@s${i}.com`);
      }
      const sup = d.sqlite.prepare(`INSERT INTO suppressions (kind, value, reason) VALUES (?, ?, ?)`);
      for (let i = 1; i < 52_000; i += 97) sup.run('email', `p${i}@s${i}.com`, 'unsubscribed');
      sup.run('domain', 'dom7.org', 'bounced'); // every p…@mail.dom7.org
      sup.run('domain', 's500.com', 'manual'); // a lead without a contact
    })();
    d.close();
    for (const format of ['csv', 'jsonl']) {
      for (const extra of [[], ['--exclude-suppressed']]) {
        const one = join(t.dir, `one.${format}`);
        const two = join(t.dir, `two.${format}`);
        expect((await cli(['leads', 'export', '--format', format, '--threads', '1', '-o', one, ...extra])).code).toBe(0);
        expect((await cli(['leads', 'export', '--format', format, '--threads', '2', '-o', two, ...extra])).code).toBe(0);
        expect(md5(two), `${format} ${extra.join(' ')}`).toBe(md5(one));
      }
    }
    const expected = (i: number): string | null => {
      if (i % 2 === 0) return i === 500 ? 'manual' : null;
      if (i % 6 === 1) return i % 100 === 7 ? 'bounced' : null;
      return (i - 1) % 97 === 0 ? 'unsubscribed' : null;
    };
    const all = (await cli(['leads', 'export', '--format', 'jsonl'])).stdout.trim().split('\n').map((x) => JSON.parse(x) as { domain: string; suppressed: string | null; notes: string | null });
    expect(all).toHaveLength(52_000);
    all.forEach((x, i) => {
      expect(x.domain).toBe(`s${i}.com`);
      expect(x.suppressed, x.domain).toBe(expected(i));
      expect(x.notes).toBe(i % 10 ? null : `note ${i}`);
    });
    const counts = new Map<string | null, number>();
    for (let i = 0; i < 52_000; i++) counts.set(expected(i), (counts.get(expected(i)) ?? 0) + 1);
    expect(counts.get('bounced')).toBeGreaterThan(10);
    expect(counts.get('unsubscribed')).toBeGreaterThan(100);
    // the last export above (two.jsonl, on threads) left them out
    const kept = readFileSync(join(t.dir, 'two.jsonl'), 'utf8').trim().split('\n').map((x) => (JSON.parse(x) as { domain: string }).domain);
    expect(kept).toEqual(all.filter((x) => x.suppressed === null).map((x) => x.domain));
  });
});

describe('#16 writing to stdout fails', () => {
  it('disk full: one line naming the problem, exit 1, no stack; EPIPE stays a quiet exit 0', async () => {
    await seed();
    for (const cmd of ['$O leads export', '$O leads export --format json', '$O db path', '$O leads list --json']) {
      const r = await sh(`${cmd} > /dev/full`);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual(['✖ Cannot write to standard output: no space left on the device']);
    }
    const v = await sh('$O leads export --verbose > /dev/full');
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/^✖ Cannot write to standard output: no space left on the device\n/);
    expect(v.stderr).toMatch(/\n\s+at /); // the stack, asked for
    const pipe = await sh('$O leads export | head -c 10 >/dev/null; echo "rc=${PIPESTATUS[0]}"');
    expect(pipe.stdout.trim()).toBe('rc=0');
    expect(pipe.stderr).toBe('');
  });
});

describe('#18 --json and --format', () => {
  it('--json with --format csv is a usage error naming both; --json alone is JSON; --format jsonl keeps JSON Lines', async () => {
    await seed();
    const bad = await cli(['--json', 'leads', 'export', '--format', 'csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--json and --format csv disagree');
    expect(bad.stdout).toBe('');
    const after = await cli(['leads', 'export', '--format', 'csv', '--json']);
    expect(after.code).toBe(2);
    expect(JSON.parse((await cli(['leads', 'export', '--json'])).stdout)).toHaveLength(6);
    const jl = await cli(['leads', 'export', '--json', '--format', 'jsonl']);
    expect(jl.code, jl.stderr).toBe(0);
    expect(jl.stdout.trim().split('\n')).toHaveLength(6);
    expect((await cli(['leads', 'export'])).stdout).toMatch(/^domain,company,/);
  });

  it('an empty score range (--min-fit above --max-fit) is a usage error, for export and list', async () => {
    await seed();
    for (const cmd of ['export', 'list']) {
      const r = await cli(['leads', cmd, '--min-fit', '80', '--max-fit', '20']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('--min-fit 80 is above --max-fit 20');
      expect(r.stdout).toBe('');
      const i = await cli(['leads', cmd, '--min-intent', '9', '--max-intent', '3']);
      expect(i.code).toBe(2);
      expect(i.stderr).toContain('--min-intent 9 is above --max-intent 3');
    }
    expect((await cli(['leads', 'export', '--min-fit', '20', '--max-fit', '20'])).code).toBe(0);
  });
});

describe('#19 formula starts after blanks', () => {
  it('company "  =1+1", "\\n=cmd", NBSP+@ are neutralized in the export; JSON keeps the data as it is', async () => {
    await seed();
    const d = new Database(db);
    d.prepare(`UPDATE leads SET company = ? WHERE domain = 'plain.com'`).run('  =1+1');
    d.prepare(`UPDATE leads SET company = ? WHERE domain = 'unsub.com'`).run('\n=cmd|calc');
    d.prepare(`UPDATE leads SET company = ? WHERE domain = 'shop.com'`).run('\u00a0@SUM(A1)');
    d.prepare(`UPDATE leads SET notes = ? WHERE domain = 'left.com'`).run('\t \u3000-2');
    d.close();
    const rows = parseCsv((await cli(['leads', 'export', '--sort', 'domain'])).stdout);
    const by = Object.fromEntries(rows.slice(1).map((x) => [x[0], x]));
    expect(by['plain.com']![1]).toBe(`'  =1+1`);
    expect(by['unsub.com']![1]).toBe(`'\n=cmd|calc`);
    expect(by['shop.com']![1]).toBe(`'\u00a0@SUM(A1)`);
    expect(by['left.com']![17]).toBe(`'\t \u3000-2`);
    const json = JSON.parse((await cli(['leads', 'export', '--format', 'json'])).stdout) as { domain: string; company: string }[];
    expect(json.find((x) => x.domain === 'plain.com')!.company).toBe('  =1+1');
  });
});
