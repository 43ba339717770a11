// Every migration is tested as an upgrade: the schema before it, with a row in every table, then the
// migration applied: the data survives, foreign keys and integrity hold. Generic, so new migrations
// are covered the moment drizzle-kit writes them.
import { describe, it, expect, afterAll } from 'vitest';
import type BetterSqlite3 from 'better-sqlite3';
import { Database } from '../../src/db/driver.js';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations, migrate, MIGRATIONS_DIR, openDb } from '../../src/db/open.js';
import { importMail } from '../../src/stages/inbox/index.js';
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

// Review s10 (issue 2) defect 2: migration 0006 added inbound.notified_at with no backfill, so the first inbox run after
// an upgrade announced again (webhook/command, printed as "stored by an earlier run") every WARM reply of the last 7
// days, although the version that stored them had announced them. 0007 marks announced only the rows stored before
// 0006 was applied; one stored since with notified_at NULL (a killed run) is still announced. Checked through the real
// stage (importMail, whose announcement pass reads notified_at), as `inbox import` runs it.
describe('0007: WARM replies stored before 0006 are not announced again after the upgrade', () => {
  const all = loadMigrations();
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const HOUR = 3_600_000;
  const reply = (from: string, id: string, body: string, inReplyTo?: string) =>
    [
      `From: ${from}`, 'To: me@test.local', 'Subject: Re: Quick question', `Message-ID: <${id}>`, `Date: ${new Date(Date.now() - 60_000).toUTCString()}`,
      ...(inReplyTo ? [`In-Reply-To: <${inReplyTo}>`] : []), 'Content-Type: text/plain; charset=utf-8', '', body, '',
    ].join('\r\n');

  /** Two leads and, as a build before 0006 stored them (no notified_at column yet), their replies: 2 WARM, 1 COLD. */
  function oldDatabase(file: string): void {
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    migrate(db, truncatedDir(6));
    expect((db.prepare('SELECT max(idx) AS m FROM schema_migrations').get() as { m: number }).m).toBe(5);
    expect((db.prepare(`SELECT count(*) AS n FROM pragma_table_info('inbound') WHERE name = 'notified_at'`).get() as { n: number }).n).toBe(0);
    const ins = db.prepare(
      `INSERT INTO inbound (message_id, from_email, subject, lead_id, label, confidence, reason, body_text, received_at, processed_at)
       VALUES (?, ?, 'Re: Quick question', ?, ?, 0.9, 'interested', 'Yes, send pricing', ?, ?)`,
    );
    for (const n of [1, 2]) {
      db.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'replied')`).run(`old${n}.example.com`);
      db.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `ceo@old${n}.example.com`);
    }
    ins.run('old-warm-1@old1.example.com', 'ceo@old1.example.com', 1, 'WARM', iso(3 * HOUR), iso(3 * HOUR));
    ins.run('old-warm-2@old2.example.com', 'ceo@old2.example.com', 2, 'WARM', iso(2 * HOUR), iso(2 * HOUR));
    ins.run('old-cold@old1.example.com', 'cfo@old1.example.com', 1, 'COLD', iso(2 * HOUR), iso(2 * HOUR));
    db.close();
  }

  function notifierLog() {
    const posted: string[] = [];
    return { posted, notifier: { configured: true, notify: async (r: { messageId: string }) => void posted.push(r.messageId) } };
  }

  it('an upgrade from before 0006 marks the old WARM replies announced: the next inbox import notifies and lists none', async () => {
    const file = join(t.dir, 'notify-up5.db');
    oldDatabase(file);
    const d = openDb(file); // the current build: applies 0006 and 0007
    try {
      const applied = d.sqlite.prepare('SELECT idx, applied_at FROM schema_migrations WHERE idx >= 6 ORDER BY idx').all() as { idx: number; applied_at: string }[];
      expect(applied.map((r) => r.idx)).toEqual(all.slice(6).map((m) => m.idx));
      const rows = d.sqlite.prepare('SELECT message_id, label, notified_at, processed_at FROM inbound ORDER BY id').all() as { message_id: string; label: string; notified_at: string | null; processed_at: string }[];
      // announced when they were stored; the COLD one is no announcement at all
      expect(rows.map((r) => [r.message_id, r.notified_at === r.processed_at])).toEqual([
        ['old-warm-1@old1.example.com', true],
        ['old-warm-2@old2.example.com', true],
        ['old-cold@old1.example.com', false],
      ]);
      expect(rows[2]!.notified_at).toBeNull();

      const mail = join(t.dir, 'unrelated.eml');
      writeFileSync(mail, reply('A <a@unrelated.example>', 'x1@unrelated.example', 'hello'));
      const { posted, notifier } = notifierLog();
      const s = await importMail(d, mail, { classifier: null, notifier: notifier as never });
      expect(s.scanned).toBe(1);
      expect(posted).toEqual([]);
      expect(s.notified).toBe(0);
      expect(s.warm).toEqual([]);
    } finally {
      d.close();
    }
  });

  it('a database already on 0006 still announces a WARM reply a killed run left unannounced (stored after 0006)', async () => {
    const file = join(t.dir, 'notify-at6.db');
    oldDatabase(file);
    // Upgraded to 0006 (not 0007) an hour ago by the build that introduced it
    const at6 = openDb(file, { migrationsDir: truncatedDir(7) });
    expect((at6.sqlite.prepare('SELECT max(idx) AS m FROM schema_migrations').get() as { m: number }).m).toBe(6);
    at6.sqlite.prepare('UPDATE schema_migrations SET applied_at = ? WHERE idx = 6').run(iso(HOUR));
    // that build announced the old replies again (the defect) on its first run: old-warm-1 is marked by it now
    at6.sqlite.prepare(`UPDATE inbound SET notified_at = ? WHERE message_id = 'old-warm-1@old1.example.com'`).run(iso(HOUR - 1000));
    // since then, its inbox runs stored two WARM replies: one announced, one left unannounced by a run killed
    // after its commit (SIGKILL: nothing after the commit ran)
    at6.sqlite.prepare(`INSERT INTO leads (domain, stage) VALUES ('new3.example.com', 'contacted')`).run();
    at6.sqlite.prepare(`INSERT INTO contacts (lead_id, email) VALUES (3, 'ceo@new3.example.com')`).run();
    // what they reply to: our first email (a reply to a lead we never mailed is no WARM lead)
    at6.sqlite
      .prepare(`INSERT INTO messages (lead_id, contact_id, to_email, subject, message_id, state, sent_at) VALUES (3, 3, 'ceo@new3.example.com', 'Quick question', 'out-3@test.local', 'sent', ?)`)
      .run(iso(3 * HOUR));
    const dir = join(t.dir, 'after6');
    mkdirSync(dir);
    writeFileSync(join(dir, '1.eml'), reply('Ceo <ceo@new3.example.com>', 'new-warm-1@new3.example.com', 'Yes, interested! Send pricing and let us talk Thursday.', 'out-3@test.local'));
    writeFileSync(join(dir, '2.eml'), reply('Cto <cto@new3.example.com>', 'new-warm-2@new3.example.com', 'Yes, interested! Send pricing and let us talk Thursday.', 'out-3@test.local'));
    const first = notifierLog();
    const stored = await importMail(at6, dir, { classifier: null, notifier: first.notifier as never });
    // the 0006 build notified the new ones and, with the defect, old-warm-2 again
    expect(first.posted).toEqual(['old-warm-2@old2.example.com', 'new-warm-1@new3.example.com', 'new-warm-2@new3.example.com']);
    expect(stored.warm.filter((w) => !w.earlier).map((w) => w.messageId)).toEqual(['new-warm-1@new3.example.com', 'new-warm-2@new3.example.com']);
    at6.sqlite.prepare(`UPDATE inbound SET notified_at = NULL WHERE message_id = 'new-warm-2@new3.example.com'`).run();
    // and a pre-0006 reply that the 0006 build never got to announce (its run was killed first) is old: marked too
    at6.sqlite.prepare(`UPDATE inbound SET notified_at = NULL WHERE message_id = 'old-warm-2@old2.example.com'`).run();
    at6.close();

    const d = openDb(file); // applies 0007 only
    try {
      expect((d.sqlite.prepare('SELECT group_concat(idx) AS i FROM schema_migrations WHERE idx >= 6').get() as { i: string }).i).toBe(all.slice(6).map((m) => m.idx).join(','));
      const { posted, notifier } = notifierLog();
      const mail = join(t.dir, 'unrelated2.eml');
      writeFileSync(mail, reply('A <a@unrelated.example>', 'x2@unrelated.example', 'hello'));
      const s = await importMail(d, mail, { classifier: null, notifier: notifier as never });
      expect(posted).toEqual(['new-warm-2@new3.example.com']);
      expect(s.warm.map((w) => [w.messageId, w.earlier])).toEqual([['new-warm-2@new3.example.com', true]]);
      expect(d.sqlite.prepare(`SELECT count(*) AS n FROM inbound WHERE label = 'WARM' AND notified_at IS NULL`).get()).toEqual({ n: 0 });
      // and never again
      const again = notifierLog();
      const s2 = await importMail(d, mail, { classifier: null, notifier: again.notifier as never });
      expect(again.posted).toEqual([]);
      expect(s2.warm).toEqual([]);
    } finally {
      d.close();
    }
  });

  it('a new database gets every migration, 0007 included, with nothing to change', () => {
    const d = openDb(join(t.dir, 'notify-new.db'));
    try {
      expect((d.sqlite.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(all.length);
      expect(d.sqlite.prepare('SELECT count(*) AS n FROM inbound').get()).toEqual({ n: 0 });
    } finally {
      d.close();
    }
  });
});
