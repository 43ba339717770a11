// Review s11 of issue #2: bad rows never pile up in memory (#8: streamed to --rejects, at most 1,000 kept for the
// console and --json), Excel's `sep=;` first line (#12), line numbers in lone-CR files (#11), and a forgotten
// person's row stores nothing at all (#3).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryDb } from '../helpers/db.js';
import { openDb } from '../../src/db/open.js';
import { runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[]) => runCli(['--db', db, ...args], { cwd: t.dir, timeoutMs: 120_000 });
const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] => queryDb<T>(db, sql, ...params);
const ok = async (args: string[]) => {
  const r = await cli(args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const file = (name: string, text: string) => {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
};

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
  openDb(db).close(); // an existing pipeline: forget needs one
});
afterEach(() => t.cleanup());

/** 3,000 bad rows (a website with a space), then one good row. */
function badFile(): string {
  const rows = ['company,website,email'];
  for (let i = 0; i < 3000; i++) rows.push(`Co ${i},bad site ${i},o${i}@s${i}.com`);
  rows.push('Good,good.com,ann@good.com');
  return file('bad.csv', rows.join('\n') + '\n');
}

describe('#8 bad rows: the first 1,000 kept, all of them streamed to --rejects', () => {
  it('--json lists 1,000 and counts them all; the rejects file has every one, in file order', async () => {
    const rejects = join(t.dir, 'rejects.csv');
    const r = await cli(['leads', 'import', badFile(), '--skip-invalid', '--rejects', rejects, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ committed: true, rows: 3001, leads_created: 1, rejected_count: 3000, rejects_file: rejects });
    expect(j.rejected).toHaveLength(1000);
    expect(j.rejected[0]).toEqual({ line: 2, reason: expect.stringContaining('bad site 0') });
    expect(j.rejected[999].line).toBe(1001);
    const lines = readFileSync(rejects, 'utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(3001);
    expect(lines[0]).toBe('line,reason,company,website,email');
    expect(lines[1]).toMatch(/^2,.*,Co 0,bad site 0,o0@s0\.com$/);
    expect(lines[3000]).toMatch(/^3001,.*,Co 2999,bad site 2999,o2999@s2999\.com$/);
    const human = await cli(['leads', 'import', badFile(), '--skip-invalid', '--rejects', rejects]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toContain(`… and 2,980 more bad rows (all of them are in ${rejects})`);
    expect(human.stderr).toContain('3000 rejected');
  });

  it('a refused file prints the first 1,000 bad rows, then one line for the rest', async () => {
    const r = await cli(['leads', 'import', badFile()]);
    expect(r.code, r.stderr.slice(0, 500)).toBe(1);
    const listed = r.stderr.split('\n').filter((l) => /bad\.csv:\d+: invalid website/.test(l));
    expect(listed).toHaveLength(1000);
    expect(r.stderr).toContain('… and 2,000 more bad rows');
    expect(r.stderr).toContain('3,000 bad rows; nothing was imported.');
    expect(query('SELECT * FROM leads')).toEqual([]);
  });

  it('malformed records go to the rejects file in file order with the other bad rows', async () => {
    const rejects = join(t.dir, 'rj.csv');
    const f = file('m.csv', 'company,website\nA,"a.com"x\nB,bad site\nC,c.com\nD,"d.com"y\n');
    const r = await cli(['leads', 'import', f, '--skip-invalid', '--rejects', rejects, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 4, leads_created: 1, rejected_count: 3, rejected: [{ line: 2 }, { line: 3 }, { line: 5 }] });
    const lines = readFileSync(rejects, 'utf8').trim().split(/\r?\n/);
    expect(lines.map((l) => l.split(',')[0])).toEqual(['line', '2', '3', '5']);
  });
});

describe("#12 Excel's sep= first line", () => {
  it('sets the delimiter and is not the header', async () => {
    for (const [name, text] of [
      ['semi.csv', 'sep=;\ncompany;website\nA;a.com\n'],
      ['bom.csv', '\ufeffsep=;\r\ncompany;website;notes\r\nB;b.com;x,y\r\n'],
      ['comma.csv', 'sep=,\ncompany,website\nC,c.com\n'],
      ['tab.csv', 'sep=\t\ncompany\twebsite\nD\td.com\n'],
    ] as const) {
      const r = await cli(['leads', 'import', file(name, text), '--json']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout), name).toMatchObject({ rows: 1, leads_created: 1, rejected: [] });
    }
    expect(query('SELECT domain, company, notes FROM leads ORDER BY domain')).toEqual([
      { domain: 'a.com', company: 'A', notes: null },
      { domain: 'b.com', company: 'B', notes: 'x,y' },
      { domain: 'c.com', company: 'C', notes: null },
      { domain: 'd.com', company: 'D', notes: null },
    ]);
  });

  it('bad rows after it keep their real line numbers', async () => {
    const r = await cli(['leads', 'import', file('s.csv', 'sep=;\ncompany;website\nA;a.com\nB;bad site\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('s.csv:4: invalid website/domain');
  });
});

describe('#11 line numbers in a lone-CR file', () => {
  it('a bad row after a quoted multi-line cell is reported at its own line', async () => {
    const r = await cli(['leads', 'import', file('cr.csv', 'company,website,notes\rA,a.com,"l1\rl2\rl3"\rB,bad site,x\r')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cr.csv:5: invalid website/domain');
  });
});

describe('#3 a forgotten person\'s row stores nothing', () => {
  it('no notes, tags, company or country; no lead made or updated; counted only as skipped', async () => {
    expect((await cli(['leads', 'import', file('a.csv', 'website,email,company\nshop.com,bob@shop.com,\n'), '-q'])).code).toBe(0);
    expect((await cli(['leads', 'forget', 'jane@janedoe.com', '--yes', '-q'])).code).toBe(0);
    expect((await cli(['leads', 'forget', 'kim@shop.com', '--yes', '-q'])).code).toBe(0);
    const f = file(
      'b.csv',
      'email,website,first name,notes,country,tags,company\n' +
        'jane@janedoe.com,,Jane,Jane private mobile 555-1234,FR,jane-vip,Jane Doe Jewelry\n' +
        '"kim@shop.com, other@shop.com",shop.com,Kim,Kim private note,DE,kim-vip,Kim Shop\n',
    );
    const r = await cli(['leads', 'import', f, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 2, leads_created: 0, leads_merged: 0, contacts_added: 0, skipped_forgotten: 2 });
    expect(query('SELECT domain, company, notes, country FROM leads')).toEqual([{ domain: 'shop.com', company: null, notes: null, country: null }]);
    expect(query('SELECT tag FROM lead_tags')).toEqual([]);
    expect(query('SELECT email FROM contacts')).toEqual([{ email: 'bob@shop.com' }]);
    const human = await cli(['leads', 'import', f]);
    expect(human.stderr).toMatch(/0 new leads, 0 merged into existing, 0 new contacts, 2 skipped \(forgotten on request\)/);
  });

  it('a suppressed row of a forgotten person puts nothing of them on the list in clear', async () => {
    expect((await cli(['leads', 'forget', 'jane@janedoe.com', '--yes', '-q'])).code).toBe(0);
    const f = file('s.csv', 'email,suppressed\njane@janedoe.com,unsubscribed\n');
    expect((await cli(['leads', 'import', f, '-q'])).code).toBe(0);
    expect(query(`SELECT kind, value FROM suppressions WHERE kind IN ('email', 'domain')`)).toEqual([]);
    expect(query('SELECT * FROM leads')).toEqual([]);
  });
});

describe('#9 a plus-address reaches the mailbox of its base address', () => {
  it('counts as suppressed when ann@ is, and as forgotten when ann@ was; stored unchanged otherwise', async () => {
    await ok(['suppress', 'add', 'ann@d.com', '--reason', 'unsubscribed', '-q']);
    await ok(['leads', 'forget', 'jo@e.com', '--yes', '-q']);
    const f = file('p.csv', 'website,email,notes\nd.com,Ann+News@d.com,\ne.com,jo+shop@e.com,private\nf.com,bo+x@f.com,\n');
    const r = await ok(['leads', 'import', f, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 3, leads_created: 2, contacts_added: 2, suppressed: 1, skipped_forgotten: 1 });
    expect(query('SELECT email FROM contacts ORDER BY email')).toEqual([{ email: 'ann+news@d.com' }, { email: 'bo+x@f.com' }]);
    expect(query('SELECT domain FROM leads ORDER BY domain')).toEqual([{ domain: 'd.com' }, { domain: 'f.com' }]);
  });
});
