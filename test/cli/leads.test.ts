import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFileSync, existsSync, writeFileSync, readdirSync, mkdirSync, chmodSync, symlinkSync, lstatSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { queryDb } from '../helpers/db.js';
import { openDb } from '../../src/db/open.js';
import { runCli, runProcess, tempDir, ROOT, BIN } from '../helpers/cli.js';

const FIX = resolve(ROOT, 'test/fixtures/leads');
let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], input?: string) => runCli(['--db', db, ...args], { cwd: t.dir, input });

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
});
afterEach(() => t.cleanup());

const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] => queryDb<T>(db, sql, ...params);

describe('leads import', () => {
  it('imports a messy CSV: BOM, semicolons, quoted newlines, duplicates merged, IDN, country names', async () => {
    const r = await cli(['leads', 'import', join(FIX, 'messy.csv'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ committed: true, rows: 5, leads_created: 4, leads_merged: 1, contacts_added: 5 });
    const leads = query<{ domain: string; company: string; country: string; domain_unicode: string }>('SELECT domain, company, country, domain_unicode FROM leads ORDER BY domain');
    expect(leads.map((l) => l.domain)).toEqual(['evil-formulas.com', 'lumiere-bijoux.fr', 'oakandivy.com', 'xn--bcher-kva.de']);
    const oak = leads.find((l) => l.domain === 'oakandivy.com')!;
    expect(oak.company).toBe('Oak & Ivy\r\nHome Goods'); // first import wins, the duplicate only fills gaps
    expect(oak.country).toBe('US');
    expect(leads.find((l) => l.domain === 'lumiere-bijoux.fr')!.country).toBe('FR');
    expect(leads.find((l) => l.domain === 'xn--bcher-kva.de')!.domain_unicode).toBe('bücher.de');
    const emails = query<{ email: string }>('SELECT email FROM contacts ORDER BY email').map((c) => c.email);
    expect(emails).toContain('claire@lumiere-bijoux.fr');
    expect(emails).toContain('info@xn--bcher-kva.de');
    expect(emails.filter((e) => e.endsWith('@oakandivy.com'))).toHaveLength(2);
    const tags = query<{ tag: string }>('SELECT tag FROM lead_tags ORDER BY tag').map((x) => x.tag);
    expect(tags).toEqual(['books', 'decor', 'home', 'jewelry']);
  });

  it('merges duplicates across imports and never duplicates a contact', async () => {
    expect((await cli(['leads', 'import', join(FIX, 'messy.csv')])).code).toBe(0);
    const r = await cli(['leads', 'import', join(FIX, 'messy.csv'), '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ leads_created: 0, leads_merged: 5, contacts_added: 0 });
    expect(query('SELECT * FROM leads')).toHaveLength(4);
    expect(query('SELECT * FROM contacts')).toHaveLength(5);
  });

  it('refuses the whole file on bad rows and lists each as FILE:LINE: reason', async () => {
    const r = await cli(['leads', 'import', join(FIX, 'invalid.csv')]);
    expect(r.code).toBe(1);
    const f = join(FIX, 'invalid.csv');
    expect(r.stderr).toContain(`${f}:3: invalid website/domain`);
    expect(r.stderr).toContain(`${f}:4: invalid email`);
    expect(r.stderr).toContain(`${f}:5: no website/domain, and gmail.com is a free-mail provider`);
    // an unknown country is no bad row (session 11): the row stays, its country empty, with a warning
    expect(r.stderr).toContain(`${f}:6: warning: unknown country left empty`);
    expect(r.stderr).toContain(`${f}:7: 5 fields, but the header has 4`);
    expect(r.stderr).toContain('nothing was imported');
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('--skip-invalid imports the good rows and writes the rejects', async () => {
    const rejects = join(t.dir, 'rejects.csv');
    const r = await cli(['leads', 'import', join(FIX, 'invalid.csv'), '--skip-invalid', '--rejects', rejects]);
    expect(r.code, r.stderr).toBe(0);
    expect(query<{ domain: string }>('SELECT domain FROM leads ORDER BY domain').map((l) => l.domain)).toEqual(['fine.com', 'good.com', 'last.com']);
    const lines = readFileSync(rejects, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('line,reason,company,website,email,country');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^3,/);
  });

  it('reports malformed quoting with the line, and writes nothing', async () => {
    const r = await cli(['leads', 'import', join(FIX, 'broken-quote.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken-quote\.csv:\d+: malformed CSV/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(query('SELECT * FROM leads')).toHaveLength(0);
  });

  it('maps columns with --map and reads stdin', async () => {
    const csv = readFileSync(join(FIX, 'mapped.csv'), 'utf8');
    const r = await cli(['leads', 'import', '-', '--map', 'Shop URL=domain', '--map', 'Owner=full_name', '--map', 'Contact Mail=email', '--json'], csv);
    expect(r.code, r.stderr).toBe(0);
    const c = query<{ email: string; first_name: string; last_name: string }>('SELECT email, first_name, last_name FROM contacts ORDER BY email');
    expect(c[0]).toEqual({ email: 'ana@alpha.com', first_name: 'Ana', last_name: 'Lima' });
    const bad = await cli(['leads', 'import', '-', '--map', 'Shop URL=nonsense'], csv);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown field "nonsense"');
  });

  it('a missing file is a clear error', async () => {
    const r = await cli(['leads', 'import', join(t.dir, 'nope.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no such file');
  });
});

describe('leads export', () => {
  it('exports RFC 4180 CSV with formula cells neutralized, and --excel adds a BOM', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const r = await cli(['leads', 'export', '--sort', 'domain']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe('domain,company,email,first_name,last_name,title,phone,country,stage,is_shopify,fit,intent,tags,url,source,created_at,suppressed,notes,suppressed_domain');
    const evil = lines.find((l) => l.startsWith('evil-formulas.com'))!;
    expect(evil).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(evil).toContain(",'@SUM(1),'-2,");
    expect(r.stdout).toContain('"Oak & Ivy\r\nHome Goods"');
    const file = join(t.dir, 'x.csv');
    expect((await cli(['leads', 'export', '--excel', '-o', file])).code).toBe(0);
    expect(readFileSync(file).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('exports JSON (one object per lead) and JSON Lines, with filters', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const j = await cli(['leads', 'export', '--format', 'json']);
    const arr = JSON.parse(j.stdout);
    expect(arr).toHaveLength(4);
    for (const k of ['domain', 'company', 'email', 'country', 'stage']) expect(arr[0]).toHaveProperty(k);
    const l = await cli(['leads', 'export', '--format', 'jsonl', '--country', 'FR']);
    const rows = l.stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(rows.map((x) => x.domain)).toEqual(['lumiere-bijoux.fr']);
    const tagged = JSON.parse((await cli(['leads', 'export', '--format', 'json', '--tag', 'home'])).stdout);
    expect(tagged.map((x: { domain: string }) => x.domain)).toEqual(['oakandivy.com']);
    const empty = JSON.parse((await cli(['leads', 'export', '--format', 'json', '--stage', 'replied'])).stdout);
    expect(empty).toEqual([]);
    expect((await cli(['leads', 'export', '--stage', 'bogus'])).code).toBe(2);
  });
});

describe('leads export -o failures', () => {
  it('a missing folder or a folder as -o is a clear error (exit 1), and no file is left', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const missing = join(t.dir, 'nope', 'x.csv');
    const r = await cli(['leads', 'export', '-o', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot write ${missing}: no such file or directory`);
    expect(r.stderr).not.toContain('Exported');
    expect(existsSync(join(t.dir, 'nope'))).toBe(false);
    mkdirSync(join(t.dir, 'folder'));
    const dir = await cli(['leads', 'export', '--format', 'json', '-o', join(t.dir, 'folder')]);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain(`Cannot write ${join(t.dir, 'folder')}: it is a folder`);
    expect(readdirSync(join(t.dir, 'folder'))).toEqual([]);
    expect(readdirSync(t.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a write failing midway (file size limit) is an error and leaves neither the file nor its temp', async () => {
    const rows = ['domain,company'];
    for (let i = 0; i < 1500; i++) rows.push(`shop${i}.com,Company number ${i} with a fairly long name`);
    writeFileSync(join(t.dir, 'many.csv'), rows.join('\n') + '\n');
    expect((await cli(['leads', 'import', join(t.dir, 'many.csv')])).code).toBe(0);
    const out = join(t.dir, 'big.csv');
    for (const format of ['csv', 'json']) {
      // ulimit -f 64: writing past 64 KiB fails with EFBIG (Node ignores SIGXFSZ); the export is ~100 KiB
      const r = await runProcess(
        'bash',
        ['-c', 'ulimit -f 64; exec "$0" "$@"', process.execPath, BIN, '--db', db, 'leads', 'export', '--format', format, '-o', out],
        { cwd: t.dir, env: { ...(process.env as Record<string, string>), NO_COLOR: '1' } },
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`Cannot write ${out}: file too large`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(t.dir).filter((f) => f.startsWith('big.csv'))).toEqual([]);
    }
    // without the limit the same export works, in full
    expect((await cli(['leads', 'export', '-o', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\r\n')).toHaveLength(1501);
    expect(readdirSync(t.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('leads export -o over what is there', () => {
  it('writes through a symbolic link (the link stays), keeps a private file private, and writes into a pipe in place', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const real = join(t.dir, 'real.csv');
    writeFileSync(real, 'old\n');
    chmodSync(real, 0o600);
    const link = join(t.dir, 'latest.csv');
    symlinkSync('real.csv', link);
    expect((await cli(['leads', 'export', '-o', link])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toMatch(/^domain,/);
    expect(statSync(real).mode & 0o777).toBe(0o600);
    // a dangling link: its target is created
    symlinkSync('made.csv', join(t.dir, 'dangling.csv'));
    expect((await cli(['leads', 'export', '-o', join(t.dir, 'dangling.csv')])).code).toBe(0);
    expect(readFileSync(join(t.dir, 'made.csv'), 'utf8')).toMatch(/^domain,/);
    // -o /dev/stdout (a pipe here) is written in place, never replaced
    const piped = await cli(['leads', 'export', '--format', 'json', '-o', '/dev/stdout']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).length).toBeGreaterThan(0);
    expect(readdirSync(t.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('control characters in data', () => {
  it('tables and show print them as inert text; JSON and CSV keep the data as it is', async () => {
    const ESC_RED = '\x1b[31mRED\x1b[0m';
    writeFileSync(join(t.dir, 'ctl.csv'), `domain,company,tags\nred.com,"${ESC_RED}\x1b]0;pwned\x07",x\ncr.com,"a\rb\nc\td",y\nnul.com,a\x07b,z\n`);
    expect((await cli(['leads', 'import', join(t.dir, 'ctl.csv')])).code).toBe(0);
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const list = await cli(['leads', 'list', '--sort', 'domain']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(list.stdout).not.toContain('pwned');
    expect(list.stdout).toMatch(/^red\.com +RED +new/m);
    expect(list.stdout).toMatch(/^cr\.com +a b c d +new/m);
    expect(list.stdout).toMatch(/^nul\.com +a\?b +new/m);
    expect(list.stdout).toMatch(/^oakandivy\.com +Oak & Ivy Home Goods +/m);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(8); // the header and 7 leads: no CR or LF broke a row

    for (const d of ['red.com', 'cr.com', 'oakandivy.com']) {
      const show = await cli(['leads', 'show', d]);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    }
    expect((await cli(['leads', 'show', 'cr.com'])).stdout.split('\n')[0]).toBe('cr.com  a b c d');
    expect((await cli(['leads', 'show', 'red.com'])).stdout.split('\n')[0]).toBe('red.com  RED');

    const json = JSON.parse((await cli(['leads', 'list', '--json'])).stdout) as { domain: string; company: string }[];
    expect(json.find((x) => x.domain === 'red.com')!.company).toBe(`${ESC_RED}\x1b]0;pwned\x07`);
    expect(json.find((x) => x.domain === 'cr.com')!.company).toBe('a\rb\nc\td');
    const csv = await cli(['leads', 'export']);
    expect(csv.stdout).toContain(ESC_RED);
  });
});

describe('leads list, show, tag', () => {
  it('lists with scores, sorts by fit and filters by --min-fit', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const d = new Database(db);
    d.exec(`INSERT INTO scores (lead_id, fit, intent, factors, profile_version)
            SELECT id, CASE domain WHEN 'oakandivy.com' THEN 80 WHEN 'lumiere-bijoux.fr' THEN 65 ELSE 20 END, 50, '[]', 'v1' FROM leads`);
    d.close();
    const r = await cli(['leads', 'list', '--sort', 'fit', '--min-fit', '60', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { domain: string; fit: number }) => [x.domain, x.fit])).toEqual([
      ['oakandivy.com', 80],
      ['lumiere-bijoux.fr', 65],
    ]);
    const table = await cli(['leads', 'list', '--sort', 'fit']);
    expect(table.stdout.split('\n')[1]).toMatch(/^oakandivy\.com/);
  });

  it('shows a lead and its timeline, and tags it', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    expect((await cli(['leads', 'tag', 'www.oakandivy.com', 'Priority', 'vip'])).code).toBe(0);
    const s = await cli(['leads', 'show', 'https://oakandivy.com/', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const j = JSON.parse(s.stdout);
    expect(j.tags).toEqual(['decor', 'home', 'priority', 'vip']);
    expect(j.contacts).toHaveLength(2);
    expect(j.timeline.map((e: { type: string }) => e.type)).toContain('tagged');
    const human = await cli(['leads', 'show', 'oakandivy.com']);
    expect(human.stdout).toContain('Timeline');
    expect((await cli(['leads', 'show', 'unknown.com'])).code).toBe(1);
  });

  it("splits tags on ; , and | like the import, and list --json gives them as an array like export", async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const r = await cli(['leads', 'tag', 'oakandivy.com', 'Hot;Lead', 'a, b', 'c|d', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const want = ['a', 'b', 'c', 'd', 'decor', 'home', 'hot', 'lead'];
    expect(JSON.parse(r.stdout).tags).toEqual(want);
    expect(query<{ tag: string }>(`SELECT tag FROM lead_tags WHERE tag LIKE '%;%' OR tag LIKE '%,%' OR tag LIKE '%|%'`)).toEqual([]);
    const exp = JSON.parse((await cli(['leads', 'export', '--format', 'json', '--tag', 'hot'])).stdout) as { tags: string[] }[];
    expect(exp.map((x) => x.tags)).toEqual([want]);
    const list = JSON.parse((await cli(['leads', 'list', '--json', '--sort', 'domain'])).stdout) as { domain: string; tags: unknown }[];
    expect(list.find((x) => x.domain === 'oakandivy.com')!.tags).toEqual(want);
    expect(list.find((x) => x.domain === 'xn--bcher-kva.de')!.tags).toEqual(['books']);
    expect(list.every((x) => Array.isArray(x.tags))).toBe(true);
    const removed = await cli(['leads', 'tag', 'oakandivy.com', 'hot;lead', '--remove', '--json']);
    expect(JSON.parse(removed.stdout).tags).toEqual(['a', 'b', 'c', 'd', 'decor', 'home']);
    expect((await cli(['leads', 'tag', 'oakandivy.com', ' ;, '])).code).toBe(2);
  });
});

describe('forget and suppress', () => {
  it('forget EMAIL erases the person everywhere and a re-import does not bring them back', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const d = new Database(db);
    const lead = d.prepare(`SELECT id FROM leads WHERE domain = 'oakandivy.com'`).get() as { id: number };
    d.prepare(`INSERT INTO inbound (message_id, from_email, subject, lead_id, raw, body_text) VALUES ('m1@x', 'sam@oakandivy.com', 'Re: hi', ?, ?, 'Thanks Sam')`).run(lead.id, Buffer.from('From: sam@oakandivy.com\r\n\r\nhi'));
    d.prepare(`INSERT INTO facts (lead_id, key, value) VALUES (?, 'contact.email', '"sam@oakandivy.com"')`).run(lead.id);
    d.close();
    const r = await cli(['leads', 'forget', 'Sam@OakAndIvy.com', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ contactsDeleted: 1, inboundDeleted: 1, factsDeleted: 1 });
    const raw = readFileSync(db).toString('latin1') + (existsSync(db + '-wal') ? readFileSync(db + '-wal').toString('latin1') : '');
    expect(raw).not.toContain('sam@oakandivy.com');
    expect(query(`SELECT * FROM suppressions WHERE kind = 'email_hash' AND reason = 'forgotten'`)).toHaveLength(1);
    // the store and its other contact stay
    expect(query(`SELECT email FROM contacts WHERE lead_id = ?`, lead.id)).toEqual([{ email: 'hello@oakandivy.com' }]);
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    expect(query(`SELECT * FROM contacts WHERE email = 'sam@oakandivy.com'`)).toHaveLength(0);
  });

  it('forget DOMAIN removes the store and blocks its re-import', async () => {
    await cli(['leads', 'import', join(FIX, 'messy.csv')]);
    const r = await cli(['leads', 'forget', 'oakandivy.com', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(query(`SELECT * FROM leads WHERE domain = 'oakandivy.com'`)).toHaveLength(0);
    const again = await cli(['leads', 'import', join(FIX, 'messy.csv'), '--json']);
    expect(JSON.parse(again.stdout).skipped_forgotten).toBe(2);
    expect(query(`SELECT * FROM leads WHERE domain = 'oakandivy.com'`)).toHaveLength(0);
    expect((await cli(['leads', 'forget', 'oakandivy.com'])).code).toBe(1); // no --yes without a TTY
  });

  it('suppress add/list/remove/import; protected reasons need --force', async () => {
    openDb(db).close(); // an existing pipeline: suppress does not create a database (session 9)
    expect((await cli(['suppress', 'add', 'Jane@Shop.com', 'competitor.com'])).code).toBe(0);
    expect((await cli(['suppress', 'add', 'not valid'])).code).toBe(2);
    const list = JSON.parse((await cli(['suppress', 'list', '--json'])).stdout);
    expect(list.map((s: { kind: string; value: string }) => `${s.kind}:${s.value}`)).toEqual(['email:jane@shop.com', 'domain:competitor.com']);
    expect((await cli(['suppress', 'add', 'u@shop.com', '--reason', 'unsubscribed'])).code).toBe(0);
    expect((await cli(['suppress', 'remove', 'u@shop.com'])).code).toBe(1);
    expect((await cli(['suppress', 'remove', 'u@shop.com', '--force'])).code).toBe(0);
    const imp = await cli(['suppress', 'import', '-', '--json'], 'a@one.com\nb@two.com\n# comment\nthree.com\n');
    expect(JSON.parse(imp.stdout)).toMatchObject({ added: 3, committed: true });
    const csv = await cli(['suppress', 'list', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe('kind,value,reason,source,note,created_at');
  });

  it('suppress import of a missing file or a folder is a clear error; remove says when a value was not listed', async () => {
    openDb(db).close(); // an existing pipeline (session 9)
    for (const [file, why] of [
      [join(t.dir, 'nofile.csv'), 'no such file'],
      [t.dir, 'it is a folder, not a file'],
    ]) {
      const r = await cli(['suppress', 'import', file!]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Cannot read ${file}: ${why}`);
      expect(r.stderr).not.toMatch(/node:events|\n\s+at /);
    }
    expect((await cli(['suppress', 'add', 'known@x.com'])).code).toBe(0);
    const r = await cli(['suppress', 'remove', 'Unknown@X.com', 'known@x.com']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('unknown@x.com was not on the suppression list');
    expect(r.stderr).toContain('Removed 1.');
    const j = await cli(['suppress', 'remove', 'unknown@x.com', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ removed: 0, unknown: ['unknown@x.com'] });
    const none = await cli(['suppress', 'remove', 'other.com']);
    expect(none.stderr).toContain('other.com was not on the suppression list');
    expect(none.stderr).toContain('Nothing removed.');
    expect((await cli(['suppress', 'remove', 'not valid'])).code).toBe(2);
  });
});
