// Big imports and exports take other paths: the import parses on a worker thread and, past 100,000 new
// leads, drops the secondary indexes and rebuilds them before its commit; an export of 50,000 leads or more
// in the default order is formatted by worker threads over one snapshot. Same results as the small paths.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { CONTACT_EMAIL_IS } from '../../src/db/contacts.js';

const ROWS = 110_000;
let t: ReturnType<typeof tempDir>;
let db: string;
let csv: string;
const cli = (args: string[]) => runCli(['--db', db, ...args], { cwd: t.dir });
const INDEXES = `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('leads', 'contacts') ORDER BY name`;

const query = <T = Record<string, unknown>>(sql: string): T[] => queryDb<T>(db, sql);

beforeAll(() => {
  t = tempDir();
  db = join(t.dir, 'bulk.db');
  csv = join(t.dir, 'bulk.csv');
  const lines = ['Store,Website,Email,First Name,Country,Tags'];
  for (let i = 0; i < ROWS; i++) {
    const id = i % 50 === 49 ? i - 7 : i; // 2% duplicates, merged
    // a formula cell, quotes, a quoted newline and non-ASCII now and then
    const company = i % 1000 === 0 ? `"=HYPERLINK(""x"")"` : i % 777 === 0 ? `"Ünïcode ""Shop""\nLine 2"` : `Store ${id}`;
    lines.push(`${company},https://www.store-${id}.com/,x${i}@store-${id}.com,Ann,${i % 2 ? 'US' : 'Germany'},${i % 3 ? 'a;b' : ''}`);
  }
  writeFileSync(csv, lines.join('\n') + '\n');
});
afterAll(() => t.cleanup());

describe('big imports and exports', () => {
  it('a failing big import writes nothing and leaves every index in place', async () => {
    const bad = join(t.dir, 'bad.csv');
    writeFileSync(bad, readFileSync(csv, 'utf8') + 'not a domain,nope,,,\n');
    expect((await cli(['db', 'migrate'])).code).toBe(0);
    const before = query(INDEXES);
    const r = await cli(['leads', 'import', bad]);
    expect(r.code).toBe(1);
    const quotedNewlines = Array.from({ length: ROWS }, (_, i) => i % 777 === 0 && i % 1000 !== 0).filter(Boolean).length;
    expect(r.stderr).toMatch(new RegExp(`bad\\.csv:${ROWS + 2 + quotedNewlines}: invalid`));
    expect(query<{ n: number }>('SELECT count(*) AS n FROM leads')[0]!.n).toBe(0);
    expect(query(INDEXES)).toEqual(before);
    expect(before.map((x) => (x as { name: string }).name)).toEqual(expect.arrayContaining(['leads_stage_idx', 'contacts_domain_email_idx']));
  });

  it('imports 110,000 rows on two threads and rebuilds the indexes it dropped', async () => {
    const before = query(INDEXES);
    const r = await cli(['leads', 'import', csv, '--json', '-v']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows).toBe(ROWS);
    expect(j.leads_created + j.leads_merged).toBe(ROWS);
    expect(j.leads_merged).toBe(ROWS / 50);
    expect(j.contacts_added).toBe(ROWS);
    expect(r.stderr).toMatch(/CPU: [\d.]+ s inserting \(main thread\), [\d.]+ s parsing \(parser thread\)/);
    expect(query(INDEXES)).toEqual(before);
    expect(query<{ integrity_check: string }>('PRAGMA integrity_check')[0]!.integrity_check).toBe('ok');
    const l = query<{ company: string; country: string }>(`SELECT company, country FROM leads WHERE domain = 'store-777.com'`)[0]!;
    expect(l).toEqual({ company: 'Ünïcode "Shop"\nLine 2', country: 'US' });
    expect(query<{ n: number }>(`SELECT count(*) AS n FROM lead_tags`)[0]!.n).toBeGreaterThan(ROWS / 2);
    // the planner uses the rebuilt index
    const plan = query<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE ${CONTACT_EMAIL_IS}`.replace(/\?/g, "'x'"));
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/contacts_domain_email_idx \(<expr>=\? AND email=\?\)/);
  });

  it('exports the same bytes on worker threads as on one thread, in CSV, JSON and JSON Lines', async () => {
    for (const format of ['csv', 'json', 'jsonl']) {
      const one = join(t.dir, `one.${format}`);
      const two = join(t.dir, `two.${format}`);
      expect((await cli(['leads', 'export', '--format', format, '--threads', '1', '-o', one])).code).toBe(0);
      const r = await cli(['leads', 'export', '--format', format, '-o', two]);
      expect(r.code, r.stderr).toBe(0);
      const a = readFileSync(one, 'utf8');
      expect(readFileSync(two, 'utf8') === a, `${format} exports differ`).toBe(true);
      if (format === 'json') {
        const rows = JSON.parse(a) as { domain: string; company: string }[];
        expect(rows).toHaveLength(ROWS - ROWS / 50);
        expect(rows[0]!.domain).toBe('store-0.com');
        expect(rows[0]!.company).toBe('=HYPERLINK("x")'); // JSON is data, not a spreadsheet: not neutralized
      }
      if (format === 'csv') {
        expect(a.split('\n')[1]).toMatch(/^store-0\.com,"'=HYPERLINK\(""x""\)"/);
        expect(a.match(/\n(?=store-)/g)!.length).toBe(ROWS - ROWS / 50);
      }
    }
  });

  it('a filtered export on threads keeps only the matching leads, in order', async () => {
    const r = await cli(['leads', 'export', '--format', 'jsonl', '--tag', 'a', '--threads', '2']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { domain: string; tags: string[] });
    expect(rows.length).toBeGreaterThan(50_000);
    expect(rows.every((x) => x.tags.includes('a'))).toBe(true);
    const ids = rows.map((x) => Number(/store-(\d+)/.exec(x.domain)![1]));
    expect(ids.every((v, i) => i === 0 || v > ids[i - 1]!)).toBe(true);
  });
});
