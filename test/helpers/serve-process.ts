// `outreach serve` as a real process (the built binary) on a free port, and a second SQLite connection
// holding the write lock of the same file (BEGIN IMMEDIATE), as a long `leads import` or a sqlite3 shell
// would. For the tests of serve under a busy database (serve-lock) and of send honouring what serve spooled.
import { spawn, type ChildProcess } from 'node:child_process';
import { openDb, type Db } from '../../src/db/open.js';
import { BIN } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

/** Starts `outreach --db DB serve --port 0 --log` and resolves once it printed its address. */
export function startServeProcess(dbPath: string, cwd: string, secret: string, children: ChildProcess[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, '--db', dbPath, 'serve', '--port', '0', '--log'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', OUTREACH_SECRET: secret, OUTREACH_DASHBOARD_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start\n${out}\n${err}`)), 30_000);
    const check = () => {
      const m = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err, exit });
      }
    };
    child.stdout!.on('data', check);
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`serve exited before listening\n${out}\n${err}`));
    });
  });
}

export interface LockHolder {
  db: Db;
  held(): boolean;
  release(): void;
}

/** Another connection takes the database's write lock (BEGIN IMMEDIATE + a write) and keeps it until release(). */
export function holdWriteLock(dbPath: string): LockHolder {
  const db = openDb(dbPath, { migrate: false, busyTimeoutMs: 5000 });
  db.sqlite.exec('BEGIN IMMEDIATE');
  db.sqlite.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('test-lock-holder', ?)`).run(String(process.pid));
  return {
    db,
    held: () => db.sqlite.inTransaction,
    release() {
      if (!db.sqlite.open) return;
      if (db.sqlite.inTransaction) db.sqlite.exec('COMMIT');
      db.close();
    },
  };
}

/** Polls until fn() is truthy (the test's own timeout bounds it). */
export async function until<T>(fn: () => T | undefined | null | false, everyMs = 100): Promise<T> {
  for (;;) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Suppression row of an email address, read through a fresh connection. */
export function suppressionOf(dbPath: string, email: string): { reason: string; source: string; note: string | null; created_at: string } | undefined {
  const db = openDb(dbPath, { migrate: false });
  try {
    return db.sqlite.prepare(`SELECT reason, source, note, created_at FROM suppressions WHERE kind = 'email' AND value = ?`).get(email.toLowerCase()) as
      | { reason: string; source: string; note: string | null; created_at: string }
      | undefined;
  } finally {
    db.close();
  }
}
