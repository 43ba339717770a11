// Contacts are looked up by address through one index keyed (email domain, email): contacts_domain_email_idx.
// SQLite uses an index on an expression only where a query names the same expression, so these tests check
// the plans of the lookups, that the JS half of the key matches the SQL one, and that no query in src/ looks
// a contact up by `email = ?` alone (since migration 0005 that would read the whole table).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { CONTACT_EMAIL_IS, EMAIL_DOMAIN_SQL, contactEmailKey } from '../../src/db/contacts.js';
import { INBOX_SQL } from '../../src/stages/inbox/store.js';
import { tempDir } from '../helpers/cli.js';

const t = tempDir();
let db: Db;
beforeAll(() => {
  db = openDb(join(t.dir, 'c.db'));
  const lead = db.sqlite.prepare(`INSERT INTO leads (domain) VALUES ('shop.example') RETURNING id`).pluck().get() as number;
  const add = db.sqlite.prepare('INSERT INTO contacts (lead_id, email) VALUES (?, ?)');
  for (const e of ['ana@shop.example', 'ben@shop.example', 'ana@other.example', 'odd@sub@shop.example', 'noat.example']) add.run(lead, e);
});
afterAll(() => {
  db.sqlite.close();
  t.cleanup();
});

const plan = (sql: string, ...params: unknown[]) =>
  (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');

describe('contacts_domain_email_idx', () => {
  it('serves a lookup by exact address on both of its columns', () => {
    expect(plan(`SELECT id FROM contacts WHERE ${CONTACT_EMAIL_IS}`, ...contactEmailKey('ana@shop.example'))).toMatch(
      /SEARCH contacts USING (COVERING )?INDEX contacts_domain_email_idx \(<expr>=\? AND email=\?\)/,
    );
    expect(plan(`DELETE FROM contacts WHERE ${CONTACT_EMAIL_IS}`, ...contactEmailKey('ana@shop.example'))).toMatch(/contacts_domain_email_idx \(<expr>=\? AND email=\?\)/);
  });

  it('serves a lookup by email domain (a colleague at the same company)', () => {
    const p = plan(INBOX_SQL.contactByDomain, 'shop.example');
    expect(p).toMatch(/SEARCH contacts USING INDEX contacts_domain_email_idx \(<expr>=\?\)/);
    expect(p).not.toMatch(/TEMP B-TREE/); // one entry read, not every contact at the domain sorted
  });

  it('finds exactly the address, computing its domain as SQLite does (first @, or none)', () => {
    const find = db.sqlite.prepare(`SELECT email FROM contacts WHERE ${CONTACT_EMAIL_IS}`).pluck();
    for (const e of ['ana@shop.example', 'ben@shop.example', 'ana@other.example', 'odd@sub@shop.example', 'noat.example']) {
      expect(find.all(...contactEmailKey(e))).toEqual([e]);
      const sqlDomain = db.sqlite.prepare(`SELECT ${EMAIL_DOMAIN_SQL} FROM (SELECT ? AS email)`).pluck().get(e);
      expect(contactEmailKey(e)[0]).toBe(sqlDomain);
    }
    expect(find.all(...contactEmailKey('nobody@shop.example'))).toEqual([]);
  });

  it('no query in src/ looks a contact up by email alone (it would read the whole table)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          // over the whole text (\s spans line breaks): a query split across lines is caught too
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(/FROM\s+contacts(\s+(?!WHERE)\w+)?\s+WHERE\s+(\w+\.)?email\s*(=|IN\b)/gi)) {
            offenders.push(`${p}:${text.slice(0, m.index).split('\n').length}`);
          }
        }
      }
    };
    walk(join(import.meta.dirname, '../../src'));
    expect(offenders).toEqual([]);
  });
});
