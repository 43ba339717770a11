// Opens the one SQLite file: checks that it is ours, sets the pragmas that let cron jobs, `send` and
// `serve` share it (WAL, busy timeout), and applies pending migrations from migrations/ (forward-only).
import type BetterSqlite3 from 'better-sqlite3';
import { Database } from './driver.js';
import { createHash } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, errorMessage } from '../errors.js';

export interface Db {
  /** The better-sqlite3 handle. Every query is SQL through it. The schema is written with drizzle-orm
   * (src/db/schema.ts), from which drizzle-kit generates migrations/. drizzle-orm is not loaded at run time:
   * on Node 24 loading it (its 179 KB package.json, parsed at every import of one of its modules) took 0.3-0.5 s
   * of each command's start and 120 MB of short-lived heap, which grew the young generation to 128 MB. */
  sqlite: BetterSqlite3.Database;
  path: string;
  close(): void;
}

export interface OpenOptions {
  /**
   * Create the file if it does not exist (default true). Its folder must exist: a typo in `--db /typo/dir/x.db`
   * is an error, not a new empty database somewhere.
   */
  create?: boolean;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  readonly?: boolean;
  /** Milliseconds to wait for a lock held by another process. */
  busyTimeoutMs?: number;
  /** Override the migrations folder (tests of upgrades). */
  migrationsDir?: string;
}

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');
const SQLITE_MAGIC = 'SQLite format 3\u0000';
/**
 * How long a command waits for another's write transaction. Every writer commits within a second or two (send and
 * inbox sync commit per message or per second), except `leads import`, which is one transaction so that a bad row
 * writes nothing: about 10-20 s per million rows on two cores. Five minutes lets `send`, `inbox sync` and `serve`
 * wait out the import of a file of several million rows instead of failing with "database is locked".
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 300_000;

export interface Migration {
  idx: number;
  tag: string;
  hash: string;
  statements: string[];
}

/** Reads the drizzle-kit journal and SQL files, in order. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const journalPath = resolve(dir, 'meta/_journal.json');
  if (!existsSync(journalPath)) throw new Error(`migrations journal not found at ${journalPath}`);
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
  return journal.entries
    .slice()
    .sort((a, b) => a.idx - b.idx)
    .map((e) => {
      const text = readFileSync(resolve(dir, `${e.tag}.sql`), 'utf8');
      return {
        idx: e.idx,
        tag: e.tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    });
}

function checkHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return; // an empty file becomes a new database
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n < 16 || buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new UserError(
        `${path} is not an outreach database (it is not an SQLite file).`,
        'Pass the right file with --db PATH, or a new path to create a database there.',
      );
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Applies every migration not yet recorded, each in its own IMMEDIATE transaction. onApplied is called with
 * each migration this call applied (not those another process applied meanwhile): `outreach db migrate` reports them.
 */
export function migrate(
  sqlite: BetterSqlite3.Database,
  dir = MIGRATIONS_DIR,
  path = '',
  onApplied?: (m: Migration) => void,
): number {
  const all = loadMigrations(dir);
  sqlite.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (idx INTEGER PRIMARY KEY, tag TEXT NOT NULL, hash TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  );
  const applied = new Map(
    (sqlite.prepare('SELECT idx, tag FROM schema_migrations').all() as { idx: number; tag: string }[]).map((r) => [
      r.idx,
      r.tag,
    ]),
  );
  const known = new Set(all.map((m) => m.idx));
  const newer = [...applied.keys()].filter((i) => !known.has(i));
  if (newer.length) {
    throw new UserError(
      `${path || 'The database'} was upgraded by a newer version of outreach (migration ${applied.get(newer[0]!)}).`,
      'Install the newer outreach version; migrations are forward-only.',
    );
  }
  let count = 0;
  for (const m of all) {
    if (applied.has(m.idx)) continue;
    const apply = sqlite.transaction(() => {
      // Another process may have applied it while we waited for the lock.
      if (sqlite.prepare('SELECT 1 FROM schema_migrations WHERE idx = ?').get(m.idx)) return false;
      for (const stmt of m.statements) sqlite.exec(stmt);
      sqlite
        .prepare('INSERT INTO schema_migrations (idx, tag, hash, applied_at) VALUES (?, ?, ?, ?)')
        .run(m.idx, m.tag, m.hash, new Date().toISOString());
      return true;
    });
    if (apply.immediate()) {
      count++;
      onApplied?.(m);
    }
  }
  return count;
}

function userTables(sqlite: BetterSqlite3.Database): string[] {
  return (
    sqlite
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all() as { name: string }[]
  ).map((r) => r.name);
}

/** A new database's folder must exist (and be a folder): `openDb` checks it, and `init` before it writes any file. */
export function checkDbFolder(file: string): void {
  const path = resolve(file);
  const dir = dirname(path);
  if (!existsSync(dir)) {
    throw new UserError(`Cannot create the database ${path}: the folder ${dir} does not exist.`, 'Check the --db path (or $OUTREACH_DB), or create the folder first.');
  }
  if (!statSync(dir).isDirectory()) throw new UserError(`Cannot create the database ${path}: ${dir} is not a folder.`, 'Check the --db path (or $OUTREACH_DB).');
  try {
    accessSync(dir, fsConstants.W_OK);
  } catch {
    throw new UserError(`Cannot create the database ${path}: this user may not write in the folder ${dir}.`, 'Check the --db path (or $OUTREACH_DB), or the folder\'s permissions.');
  }
}

export function openDb(file: string, opts: OpenOptions = {}): Db {
  const path = file === ':memory:' ? file : resolve(file);
  const create = opts.create ?? true;
  const exists = path !== ':memory:' && existsSync(path);
  if (path !== ':memory:') {
    if (!exists) {
      if (!create || opts.readonly) {
        throw new UserError(`No database at ${path}.`, 'Run `outreach init` or `outreach db migrate` to create it.');
      }
      checkDbFolder(path);
    } else {
      if (statSync(path).isDirectory()) throw new UserError(`${path} is a directory, not a database file.`);
      checkHeader(path);
    }
  }
  const isNew = !exists || statSync(path).size === 0;
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: !create });
  } catch (err) {
    throw new UserError(`Cannot open the database ${path}: ${errorMessage(err)}`);
  }
  try {
    sqlite.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    // Another application's SQLite file is refused before anything is changed in it (journal mode included).
    const tables = userTables(sqlite);
    if (tables.length > 0 && !tables.includes('schema_migrations')) {
      throw new UserError(
        `${path} is an SQLite database, but not an outreach one (it has tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}).`,
        'Pass a new path with --db to create an outreach database, or the right file.',
      );
    }
    if (!opts.readonly) {
      // A new database gets 8 KiB pages (SQLite's default is 4 KiB), set before WAL mode and the first table: fewer,
      // fuller B-tree pages for rows of 100-300 bytes. Measured on a million-row import (SQLite alone, the import's
      // own statements): 18% less time in 7 alternating runs. An existing database keeps its page size.
      if (isNew) sqlite.pragma('page_size = 8192');
      sqlite.pragma('journal_mode = WAL');
      // FULL: a commit (e.g. "sending" before the SMTP call) survives a power cut, not only a killed process.
      sqlite.pragma('synchronous = FULL');
    }
    sqlite.pragma('foreign_keys = ON');
    if (opts.migrate ?? true) {
      if (opts.readonly) throw new Error('cannot migrate a read-only database');
      migrate(sqlite, opts.migrationsDir, path);
    }
  } catch (err) {
    sqlite.close();
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
      throw new UserError(
        `Cannot use the database ${path}: this user may not write it (${errorMessage(err)}).`,
        `outreach writes to the database and next to it (${basename(path)}-wal, ${basename(path)}-shm), even to read: check the permissions of the file and of its folder, or copy it somewhere writable.`,
      );
    }
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new UserError(
        `${path} is damaged or not an outreach database (${errorMessage(err)}).`,
        'Restore it from a backup (`outreach db backup FILE` makes one), or pass another path with --db.',
      );
    }
    throw err;
  }
  return {
    sqlite,
    path,
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Runs fn in a write transaction taken at once (BEGIN IMMEDIATE), so that two processes never
 * both read then fail to upgrade their lock: the second waits (busy timeout) instead of failing.
 */
export function tx<T>(db: Db, fn: () => T): T {
  return db.sqlite.transaction(fn).immediate();
}

export function nowIso(d: Date = new Date()): string {
  return d.toISOString();
}
