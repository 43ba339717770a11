// Every migration is tested as an upgrade: the schema before it, with a row in every table, then the
// migration applied: the data survives, foreign keys and integrity hold. Generic, so new migrations
// are covered the moment drizzle-kit writes them.
import { describe, it, expect, afterAll } from 'vitest';
import type BetterSqlite3 from 'better-sqlite3';
import { Database } from '../../src/db/driver.js';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations, migrate, MIGRATIONS_DIR, openDb } from '../../src/db/open.js';
import { tempDir } from '../helpers/cli.js';

const t = tempDir();
afterAll(() => t.cleanup());

/** A migrations folder holding only the first n migrations. */
function truncatedDir(n: number): string {
  const dir = join(t.dir, `m${n}`);
  mkdirSync(join(dir, 'meta'), { recursive: true });
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.slice(0, n);
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
  return dir;
}

interface Col {
  name: string;
  type: string;
  notnull: number;
  dflt_value: unknown;
  pk: number;
}

/** Inserts one row into every table, in foreign-key order, filling every required column. */
function seedEveryTable(db: BetterSqlite3.Database): Record<string, number> {
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'`).all() as { name: string }[]).map((r) => r.name);
  const fks = new Map(tables.map((tb) => [tb, db.prepare(`PRAGMA foreign_key_list(${tb})`).all() as { table: string; from: string; to: string }[]]));
  const done = new Set<string>();
  const ids = new Map<string, unknown>();
  const counts: Record<string, number> = {};
  while (done.size < tables.length) {
    const before = done.size;
    for (const tb of tables) {
      if (done.has(tb)) continue;
      const deps = fks.get(tb)!.filter((f) => f.table !== tb);
      if (deps.some((d) => !done.has(d.table))) continue;
      const cols = db.prepare(`PRAGMA table_info(${tb})`).all() as Col[];
      const names: string[] = [];
      const values: unknown[] = [];
      for (const c of cols) {
        const fk = fks.get(tb)!.find((f) => f.from === c.name);
        if (fk && fk.table !== tb) {
          names.push(c.name);
          values.push(ids.get(fk.table));
        } else if (c.notnull && c.dflt_value === null && !(c.pk && /INT/i.test(c.type))) {
          names.push(c.name);
          values.push(/INT/i.test(c.type) ? 1 : /REAL/i.test(c.type) ? 1.5 : /BLOB/i.test(c.type) ? Buffer.from('x') : `seed-${tb}-${c.name}`);
        }
      }
      const r = db.prepare(`INSERT INTO ${tb} (${names.join(',')}) VALUES (${names.map(() => '?').join(',')}) RETURNING rowid AS id`).get(...values) as { id: number };
      const pkCol = cols.find((c) => c.pk === 1 && cols.filter((x) => x.pk).length === 1);
      ids.set(tb, pkCol ? (db.prepare(`SELECT ${pkCol.name} AS v FROM ${tb} WHERE rowid = ?`).get(r.id) as { v: unknown }).v : r.id);
      counts[tb] = 1;
      done.add(tb);
    }
    if (done.size === before) throw new Error(`cannot order tables by foreign keys: ${tables.filter((x) => !done.has(x)).join(', ')}`);
  }
  return counts;
}

describe('migrations', () => {
  const all = loadMigrations();

  it('are numbered in order and each applies on an empty database', () => {
    expect(all.length).toBeGreaterThan(0);
    all.forEach((m, i) => expect(m.idx).toBe(i));
    const db = new Database(join(t.dir, 'fresh.db'));
    expect(migrate(db)).toBe(all.length);
    expect(migrate(db)).toBe(0); // idempotent
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  for (let i = 1; i < all.length; i++) {
    it(`upgrades from before ${all[i]!.tag} with data in every table`, () => {
      const file = join(t.dir, `up${i}.db`);
      const db = new Database(file);
      db.pragma('foreign_keys = ON');
      migrate(db, truncatedDir(i));
      const seeded = seedEveryTable(db);
      migrate(db, MIGRATIONS_DIR);
      for (const tb of Object.keys(seeded)) {
        expect((db.prepare(`SELECT count(*) AS n FROM ${tb}`).get() as { n: number }).n, tb).toBe(1);
      }
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    });
  }

  it('the newest schema takes a row in every table (the seed itself works)', () => {
    const db = new Database(join(t.dir, 'seed.db'));
    db.pragma('foreign_keys = ON');
    migrate(db);
    expect(Object.keys(seedEveryTable(db)).length).toBeGreaterThan(15);
    db.close();
  });

  it('refuses a database migrated by a newer version', () => {
    const file = join(t.dir, 'newer.db');
    const db = new Database(file);
    migrate(db);
    db.prepare(`INSERT INTO schema_migrations (idx, tag, hash, applied_at) VALUES (999, '0999_future', 'x', 'now')`).run();
    db.close();
    expect(() => openDb(file)).toThrow(/newer version of outreach/);
  });

  it('opens in WAL mode with foreign keys and a busy timeout', () => {
    const d = openDb(join(t.dir, 'pragmas.db'));
    expect(d.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(d.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(d.sqlite.pragma('busy_timeout', { simple: true }))).toBeGreaterThanOrEqual(5000);
    d.close();
  });
});
