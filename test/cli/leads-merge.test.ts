// The import stores rows in multi-row batches and merges duplicates only when a batch comes back short.
// Whatever the batching, the result must be the row-by-row rules: one lead per domain, one contact per
// (lead, email), and for every field the first non-empty value in file order (across imports too).
// A reference model of those rules, computed here, is compared with what the database holds.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { prng } from '../helpers/prng.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[]) => runCli(['--db', db, ...args], { cwd: t.dir });

interface Row {
  domain: string;
  company: string;
  email: string;
  first: string;
  last: string;
  phone: string;
  country: string;
  tags: string;
}

/** Rows over a small pool of stores and people, so duplicates fall inside batches, across them and across files. */
function rows(seed: number, n: number, stores: number): Row[] {
  const r = prng(seed);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const s = Math.floor(r() * stores);
    const domain = `shop-${s}.com`;
    out.push({
      domain,
      company: r() < 0.4 ? '' : `Shop ${s} v${i}`,
      email: r() < 0.15 ? '' : `${pick(['ann', 'bo', 'cy'])}@${domain}`,
      first: r() < 0.5 ? '' : pick(['Ann', 'Bo', 'Cy', 'Di']) + i,
      last: r() < 0.6 ? '' : `L${i}`,
      phone: r() < 0.7 ? '' : `+1 555 01${String(i).padStart(4, '0')}`,
      country: r() < 0.5 ? '' : pick(['US', 'DE', 'FR']),
      tags: r() < 0.2 ? pick(['a', 'b', 'a;b']) : '',
    });
  }
  return out;
}

function writeCsv(file: string, data: Row[]) {
  const lines = ['Company,Website,Email,First Name,Last Name,Phone,Country,Tags'];
  for (const x of data) lines.push([x.company, `https://www.${x.domain}/products`, x.email, x.first, x.last, x.phone, x.country, x.tags].join(','));
  writeFileSync(file, lines.join('\n') + '\n');
}

/** The row-by-row rules. */
class Model {
  leads = new Map<string, { company: string | null; country: string | null; tags: Set<string> }>();
  contacts = new Map<string, { first: string | null; last: string | null; phone: string | null }>();
  apply(data: Row[], extraTags: string[] = []) {
    let created = 0;
    let added = 0;
    const nz = (v: string) => v || null;
    for (const x of data) {
      let l = this.leads.get(x.domain);
      if (!l) {
        l = { company: null, country: null, tags: new Set() };
        this.leads.set(x.domain, l);
        created++;
      }
      l.company ??= nz(x.company);
      l.country ??= nz(x.country);
      for (const tag of [...x.tags.split(';').filter(Boolean), ...extraTags]) l.tags.add(tag);
      if (!x.email) continue;
      const key = `${x.domain} ${x.email}`;
      let c = this.contacts.get(key);
      if (!c) {
        c = { first: null, last: null, phone: null };
        this.contacts.set(key, c);
        added++;
      }
      c.first ??= nz(x.first);
      c.last ??= nz(x.last);
      c.phone ??= nz(x.phone);
    }
    return { created, merged: data.length - created, added };
  }
}

function snapshot() {
  const d = new Database(db, { readonly: true });
  try {
    const leads = new Map<string, { company: string | null; country: string | null; tags: Set<string> }>();
    for (const l of d.prepare('SELECT domain, company, country FROM leads').all() as { domain: string; company: string | null; country: string | null }[]) {
      leads.set(l.domain, { company: l.company, country: l.country, tags: new Set() });
    }
    for (const g of d.prepare('SELECT l.domain, g.tag FROM lead_tags g JOIN leads l ON l.id = g.lead_id').all() as { domain: string; tag: string }[]) {
      leads.get(g.domain)!.tags.add(g.tag);
    }
    const contacts = new Map<string, { first: string | null; last: string | null; phone: string | null }>();
    const cs = d
      .prepare('SELECT l.domain, c.email, c.first_name AS first, c.last_name AS last, c.phone FROM contacts c JOIN leads l ON l.id = c.lead_id')
      .all() as { domain: string; email: string; first: string | null; last: string | null; phone: string | null }[];
    for (const c of cs) contacts.set(`${c.domain} ${c.email}`, { first: c.first, last: c.last, phone: c.phone });
    const ids = d.prepare('SELECT count(*) AS n, count(DISTINCT domain) AS d FROM leads').get() as { n: number; d: number };
    // every lead is reached at https://DOMAIN (the files give https://www.DOMAIN/products), its ASCII name not repeated
    const odd = d.prepare(`SELECT domain, url, domain_unicode FROM leads WHERE url IS NOT 'https://' || domain OR domain_unicode IS NOT NULL`).all();
    const orphans = d.prepare('PRAGMA foreign_key_check').all();
    return { leads, contacts, ids, odd, orphans };
  } finally {
    d.close();
  }
}

beforeAll(() => {
  t = tempDir();
  db = join(t.dir, 'merge.db');
});
afterAll(() => t.cleanup());

describe('batched import merges exactly as row by row', () => {
  const model = new Model();
  // 1,000 rows over 150 stores: most 64-row batches hold duplicates of each other and of earlier batches;
  // the second file (900 rows over 260 stores) both merges into leads of the first and adds new ones;
  // the third has a single short batch (the row-by-row statements).
  // The second also carries --tag, added to every row's lead, merged or not.
  const files: [string, Row[], string[]][] = [
    ['one.csv', rows(1, 1000, 150), []],
    ['two.csv', rows(2, 900, 260), ['fair']],
    ['three.csv', rows(3, 37, 300), []],
  ];
  for (const [name, data, extra] of files) {
    it(`imports ${name} (${data.length} rows) with the counts and values the rules give`, async () => {
      const file = join(t.dir, name);
      writeCsv(file, data);
      const r = await cli(['leads', 'import', file, '--json', ...extra.flatMap((x) => ['--tag', x])]);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      const want = model.apply(data, extra);
      expect({ created: j.leads_created, merged: j.leads_merged, added: j.contacts_added }).toEqual(want);
      const got = snapshot();
      expect(got.ids.n).toBe(got.ids.d);
      expect(got.odd).toEqual([]);
      expect(got.orphans).toEqual([]);
      expect(got.leads).toEqual(model.leads);
      expect(got.contacts).toEqual(model.contacts);
    });
  }

  it('shows the domain as its Unicode name when the two are the same (stored once)', async () => {
    const r = await cli(['leads', 'show', 'shop-1.com', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(r.stdout))).toMatch(/"domain_unicode":"shop-1\.com"/);
  });

  it('never reuses the id of a forgotten store', async () => {
    const d = new Database(db, { readonly: true });
    const top = d.prepare(`SELECT domain, id FROM leads ORDER BY id DESC LIMIT 1`).get() as { domain: string; id: number };
    d.close();
    expect((await cli(['leads', 'forget', top.domain, '--yes'])).code).toBe(0);
    const file = join(t.dir, 'four.csv');
    writeCsv(file, rows(4, 70, 1000).map((x) => ({ ...x, domain: `new-${x.domain}` })));
    expect((await cli(['leads', 'import', file])).code).toBe(0);
    const e = new Database(db, { readonly: true });
    const min = e.prepare(`SELECT min(id) AS id FROM leads WHERE domain LIKE 'new-%'`).get() as { id: number };
    e.close();
    expect(min.id).toBeGreaterThan(top.id);
  });
});

// The import turns foreign keys off for its own transaction (it checks them by construction); whatever
// happens, the connection gets them back. Called in-process, on the built modules (the parser thread is a
// compiled file), as a long-lived caller such as `serve` or `run` would.
describe('foreign keys after an import', () => {
  const root = join(import.meta.dirname, '..', '..');
  type Mods = {
    openDb: (file: string, opts?: { busyTimeoutMs?: number }) => { sqlite: InstanceType<typeof Database>; close(): void };
    importLeads: (db: unknown, opts: { file: string }) => Promise<{ committed: boolean }>;
  };
  const load = async (): Promise<Mods> => ({
    ...(await import(join(root, 'dist/db/open.js'))),
    ...(await import(join(root, 'dist/stages/leads/import.js'))),
  });

  it('are back on after a good file, a refused file and a database locked by another writer', async () => {
    const m = await load();
    const file = join(t.dir, 'fk.db');
    const db = m.openDb(file, { busyTimeoutMs: 50 });
    try {
      const fk = () => db.sqlite.pragma('foreign_keys', { simple: true });
      expect(fk()).toBe(1);
      const good = join(t.dir, 'fk-good.csv');
      writeCsv(good, rows(5, 100, 40));
      expect((await m.importLeads(db, { file: good })).committed).toBe(true);
      expect(fk()).toBe(1);
      const bad = join(t.dir, 'fk-bad.csv');
      writeFileSync(bad, 'Website,Email\nshop-1.com,not-an-email\n');
      expect((await m.importLeads(db, { file: bad })).committed).toBe(false);
      expect(fk()).toBe(1);
      const other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
      try {
        await expect(m.importLeads(db, { file: good })).rejects.toThrow(/locked|busy/i);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(fk()).toBe(1);
      expect(db.sqlite.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });
});
