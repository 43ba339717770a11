// Opens the one SQLite file: checks that it is ours, sets the pragmas that let cron jobs, `send` and
// `serve` share it (WAL, busy timeout), and applies pending migrations from migrations/ (forward-only).
import type BetterSqlite3 from 'better-sqlite3';
import { Database } from './driver.js';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants as fsConstants, existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
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
  /**
   * The caller will write (a command that changes the database): the file and its existing -wal/-shm must be
   * writable by this user, checked before anything is opened, so the error names the file to fix.
   */
  write?: boolean;
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

/** Who upgrades the database, for its audit row in `runs` (see migrate). */
export interface MigrationAudit {
  command: string;
  args: string[];
}

/** What `openDb` records for the migrations it applies when it opens a database made by an older version. */
export const AUTOMATIC_MIGRATION: MigrationAudit = { command: 'db migrate', args: ['(automatic, on open)'] };

/**
 * Applies every migration not yet recorded, each in its own IMMEDIATE transaction. onApplied is called with
 * each migration this call applied (not those another process applied meanwhile): `outreach db migrate` reports them.
 * With `audit`, an upgrade (a database that had migrations already, and that this call changed or failed to change)
 * leaves a `runs` row: counts { migrations_applied, migrations }, status ok or failed with the error. A new database
 * gets none: creating it is part of the command that created it.
 */
export function migrate(
  sqlite: BetterSqlite3.Database,
  dir = MIGRATIONS_DIR,
  path = '',
  onApplied?: (m: Migration) => void,
  audit?: MigrationAudit,
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
  if (all.every((m) => applied.has(m.idx))) return 0;
  const startedAt = new Date().toISOString();
  const upgrade = applied.size > 0;
  try {
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
  } catch (err) {
    if (audit && upgrade) recordMigrationRun(sqlite, audit, startedAt, count, err);
    throw err;
  }
  if (audit && upgrade && count > 0) recordMigrationRun(sqlite, audit, startedAt, count);
  return count;
}

/** The upgrade's audit row (best effort: bookkeeping never fails the command, nor hides a migration's own error). */
function recordMigrationRun(sqlite: BetterSqlite3.Database, audit: MigrationAudit, startedAt: string, count: number, error?: unknown): void {
  try {
    const total = (sqlite.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n;
    sqlite
      .prepare(
        `INSERT INTO runs (command, args, pid, started_at, ended_at, status, counts, error_count, error)
         VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?, ?, ?, ?)`,
      )
      .run(
        audit.command,
        JSON.stringify(audit.args),
        process.pid,
        startedAt,
        error ? 'failed' : 'ok',
        JSON.stringify({ migrations_applied: count, migrations: total }),
        error ? 1 : 0,
        error ? errorMessage(error) : null,
      );
  } catch {
    // no runs table (not ours), a locked or read-only file: the command reports what matters itself
  }
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
      const st = statSync(path);
      if (st.isDirectory()) throw new UserError(`${path} is a directory, not a database file.`);
      // A device (/dev/null, /dev/zero), a FIFO or a socket: SQLite would open it and leave PATH-journal next to it.
      if (!st.isFile()) {
        throw new UserError(
          `${path} is not a regular file (it is ${kindOf(st)}): it cannot hold a database.`,
          'Pass a database file with --db PATH (or $OUTREACH_DB), or a new path to create one there.',
        );
      }
      checkHeader(path);
      if (opts.write && !opts.readonly) checkWritable(path);
    }
  }
  const isNew = !exists || statSync(path).size === 0;
  // A database this user may only read: SQLite still creates -wal and -shm next to it (WAL needs them), with the
  // file's own mode, so read-only; they would keep every write failing after the owner makes the file writable.
  const readOnlyFile = exists && !opts.readonly && !writable(path) ? { wal: existsSync(`${path}-wal`), shm: existsSync(`${path}-shm`) } : null;
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
    if (readOnlyFile) ownSideFilesWritable(path, readOnlyFile);
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
      migrate(sqlite, opts.migrationsDir, path, undefined, AUTOMATIC_MIGRATION);
    }
  } catch (err) {
    sqlite.close();
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
      throw readonlyDbError(path, err);
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

function kindOf(st: import('node:fs').Stats): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function writable(file: string): boolean {
  try {
    accessSync(file, fsConstants.W_OK);
    return true;
  } catch (err) {
    // gone meanwhile: nothing in the way
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * The -wal and -shm that this process just created next to a database it may only read are made writable by
 * their owner (this user): a later write, once the database file itself is writable again, then works. Changing
 * the mode of a file in use affects no open descriptor or mapping.
 */
function ownSideFilesWritable(path: string, existed: { wal: boolean; shm: boolean }): void {
  const uid = process.getuid?.();
  for (const [suffix, had] of [['-wal', existed.wal], ['-shm', existed.shm]] as const) {
    if (had) continue;
    try {
      const st = statSync(path + suffix);
      if (st.uid === uid && (st.mode & 0o200) === 0) chmodSync(path + suffix, (st.mode & 0o7777) | 0o200);
    } catch {
      // not there (not created yet) or not ours: nothing to do
    }
  }
}

/** The database's own files that this user may not write: the file, its -wal and -shm, or the folder (new ones). */
export function unwritableDbFiles(path: string): string[] {
  const bad: string[] = [];
  if (existsSync(path) && !writable(path)) bad.push(path);
  for (const f of [`${path}-wal`, `${path}-shm`]) if (existsSync(f) && !writable(f)) bad.push(f);
  const dir = dirname(path);
  if ((!existsSync(`${path}-wal`) || !existsSync(`${path}-shm`)) && !writable(dir)) bad.push(dir);
  return bad;
}

/**
 * A database this user may read but not write, as one clear error naming what to fix. A -wal/-shm left read-only
 * (SQLite gives them the database file's mode: a read while the file was read-only leaves them so) keeps every
 * write failing after the file itself is fixed: the hint says to fix them too.
 */
export function readonlyDbError(path: string, cause?: unknown): UserError {
  const bad = unwritableDbFiles(path);
  const detail = cause ? ` (${errorMessage(cause)})` : '';
  const name = basename(path);
  const dir = dirname(path);
  const side = bad.filter((f) => f !== path && f !== dir);
  // Deleting is safe for the -shm (rebuilt from the -wal) and an empty -wal; a -wal with content holds commits.
  const deletable = side.filter((f) => f.endsWith('-shm') || sizeOf(f) === 0);
  const parts = [
    ...(bad.includes(path) || bad.length === 0 ? ['it'] : []),
    ...side.map((f) => basename(f)),
    ...(bad.includes(dir) ? [`the folder ${dir}`] : []),
  ];
  const what = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}` : parts[0]!;
  const fix = [
    ...(bad.includes(path) ? [`make it writable (chmod u+w ${path})`] : []),
    ...(side.length
      ? [
          `make ${side.map((f) => basename(f)).join(' and ')} writable (chmod u+w ${side.join(' ')})` +
            (deletable.length ? ` or delete ${deletable.map((f) => basename(f)).join(' and ')} while no outreach command runs` : '') +
            ' (a read while the database was read-only leaves them so)',
        ]
      : []),
    ...(bad.includes(dir) ? [`make the folder writable`] : []),
  ];
  return new UserError(
    `Cannot use the database ${path}: this user may not write ${what}${detail}.`,
    `outreach writes to the database and next to it (${name}-wal, ${name}-shm), even to read: ` +
      (fix.length ? `${fix.join('; ')}; ` : 'check the permissions of the file, of those two and of its folder, and that the disk is not mounted read-only; ') +
      'or copy it somewhere writable and pass --db.',
  );
}

/** An error of SQLite that means "this file may not be written" (read-only file, -shm, folder or file system). */
export function isReadonlyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM');
}

/** Refuses, before opening, a database that a writing command could open but then not write. */
function checkWritable(path: string): void {
  if (unwritableDbFiles(path).length) throw readonlyDbError(path);
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
