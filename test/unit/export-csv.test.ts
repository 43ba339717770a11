// `leads export` in CSV has SQLite join each row's columns with NUL characters and splits them in JS
// (prepareRows, src/stages/leads/export.ts), reading a row again by id when its own text holds a NUL. This
// compares a whole export of generated values (quotes, commas, CR/LF, formula starts, NUL, non-ASCII, NULL),
// on one thread and on worker threads, with csvLine applied to the rows of the same query read as values.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { csvLine } from '../../src/domain/csv.js';
import { openDb, type Db } from '../../src/db/open.js';
import { buildLeadQuery, LEAD_COLUMNS } from '../../src/stages/leads/query.js';
import { prng } from '../helpers/prng.js';
import { tempDir } from '../helpers/cli.js';

const t = tempDir();
let db: Db;
const rand = prng(20261128);
const ALPHABET = ['a', 'Z', '0', ' ', '"', ',', '\n', '\r', '\t', '=', '+', '-', '@', "'", ';', '\0', 'é', '€', '中', '😀', '[', ']', '*', '?', '\\'];
function randomText(): string | null {
  const r = rand();
  if (r < 0.05) return null;
  if (r < 0.1) return '';
  let s = '';
  const n = 1 + Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) s += rand() < 0.5 ? 'x' : ALPHABET[Math.floor(rand() * ALPHABET.length)]!;
  return s;
}

beforeAll(() => {
  db = openDb(join(t.dir, 'csv.db'));
});
afterAll(() => {
  db.sqlite.close();
  t.cleanup();
});

// The built module (the global setup builds dist/): its worker threads load dist/stages/leads/export-worker.js.
const root = join(import.meta.dirname, '../..');
async function exportText(threads: number): Promise<string> {
  const { exportLeads } = (await import(join(root, 'dist/stages/leads/export.js'))) as typeof import('../../src/stages/leads/export.js');
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  await exportLeads(db, out, { format: 'csv', filter: {}, threads });
  out.end();
  return chunks.join('');
}

describe('leads export, CSV', () => {
  it('a whole export, on one thread and on workers, is csvLine of the query\'s rows', async () => {
    const q = db.sqlite;
    const lead = q.prepare(`INSERT INTO leads (domain, company, country, url, is_shopify) VALUES (?, ?, ?, ?, ?) RETURNING id`).pluck();
    const contact = q.prepare(`INSERT INTO contacts (lead_id, email, first_name, last_name, title, phone) VALUES (?, ?, ?, ?, ?, ?)`);
    const tag = q.prepare(`INSERT OR IGNORE INTO lead_tags (lead_id, tag) VALUES (?, ?)`);
    const score = q.prepare(`INSERT INTO scores (lead_id, fit, intent, factors, profile_version) VALUES (?, ?, ?, '[]', 'v1')`);
    q.transaction(() => {
      for (let i = 0; i < 60_000; i++) {
        const id = lead.get(`store-${i}.example`, randomText(), randomText(), randomText(), i % 3 === 0 ? null : i % 3 - 1) as number;
        if (i % 2) contact.run(id, `p${i}@store-${i}.example`, randomText(), randomText(), randomText(), randomText());
        if (i % 5 === 0) tag.run(id, randomText() || 'vip');
        if (i % 7 === 0) score.run(id, i % 101, (i * 3) % 101);
      }
    })();
    const { sql, params } = buildLeadQuery({}, 'created');
    const stmt = q.prepare(sql);
    let expected = csvLine(LEAD_COLUMNS);
    for (const r of stmt.all(...params) as Record<string, unknown>[]) {
      expected += csvLine(LEAD_COLUMNS.map((c) => (c === 'is_shopify' && r[c] !== null ? Boolean(r[c]) : r[c])));
    }
    const one = await exportText(1);
    expect(one === expected, 'one thread').toBe(true);
    const two = await exportText(2);
    expect(two === expected, 'worker threads').toBe(true);
  });
});
