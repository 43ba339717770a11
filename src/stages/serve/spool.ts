// Unsubscribes that could not be written to the database at once: another process (a long `leads import`,
// a VACUUM, an operator's sqlite3 shell) held its write lock. `serve` must neither block its event loop
// waiting for that lock nor lose the request, so it writes the verified request durably here, answers 200,
// and applies it to the database later: its retry timer, its next start, and every `send` run (which
// applies the spool before it chooses whom to mail, and again in each claiming transaction).
//
// The spool is a folder next to the database (`outreach.db-unsubscribes/`, mode 0700) holding one small
// file per request (mode 0600, one JSON line: the message id from the HMAC-verified token, how and when).
// One file per request, written to a temporary name, fsync'd and renamed in (then the folder fsync'd),
// needs no lock between processes: two `serve`s and a `send` may add and apply entries at once. An entry
// is removed only after the transaction that applied it committed; applying one twice changes nothing.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { isDbBusy } from '../../errors.js';
import { findMessage, unsubscribeInTx } from './queries.js';

export interface SpoolEntry {
  /** The Message-ID the verified token names. */
  messageId: string;
  /** 'one-click' (RFC 8058 POST from a mail provider) or 'confirmation page' (the button of GET /u/). */
  via: string;
  /** When the request arrived (ISO). */
  at: string;
  /** The entry's file name in the spool folder. */
  file: string;
}

/** The spool folder of a database file (null for an in-memory database). */
export function spoolDirFor(dbPath: string): string | null {
  return dbPath === ':memory:' || dbPath === '' ? null : `${dbPath}-unsubscribes`;
}

function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the file itself is synced.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

const ENTRY_RE = /^\d{13}-[0-9a-f-]{36}\.json$/;
/** A temporary file older than this was left by a process killed while writing it (never answered 200). */
const STALE_TMP_MS = 3600_000;

const bare = (id: string) => id.replace(/^<|>$/g, '');

export class UnsubscribeSpool {
  /** Entries this object wrote or saw at its last full listing (file → bare message id): has() reads no file. */
  private readonly known = new Map<string, string>();

  constructor(readonly dir: string) {}

  static forDb(db: Pick<Db, 'path'>): UnsubscribeSpool | null {
    const dir = spoolDirFor(db.path);
    return dir ? new UnsubscribeSpool(dir) : null;
  }

  /** Writes one entry durably (file and folder fsync'd) before returning; throws when it cannot. */
  add(messageId: string, via: string, at: Date = new Date()): SpoolEntry {
    let created = false;
    try {
      statSync(this.dir);
    } catch {
      mkdirSync(this.dir, { mode: 0o700 });
      created = true;
    }
    const id = randomUUID();
    const file = `${String(at.getTime()).padStart(13, '0')}-${id}.json`;
    const tmp = join(this.dir, `.tmp-${id}`);
    const line = `${JSON.stringify({ v: 1, messageId, via, at: at.toISOString() })}\n`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, file));
    fsyncDir(this.dir);
    if (created) fsyncDir(dirname(this.dir));
    this.known.set(file, bare(messageId));
    return { messageId, via, at: at.toISOString(), file };
  }

  /** The entries waiting, oldest first. Cheap when the folder does not exist (the usual case). */
  list(limit = Infinity): SpoolEntry[] {
    if (!statSync(this.dir, { throwIfNoEntry: false })) {
      this.known.clear();
      return [];
    }
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: SpoolEntry[] = [];
    const now = Date.now();
    let complete = true;
    for (const name of names.sort()) {
      if (out.length >= limit) {
        complete = false;
        break;
      }
      if (name.startsWith('.tmp-')) {
        // Never renamed in: its request was not answered 200 (the provider or person will try again).
        try {
          if (now - statSync(join(this.dir, name)).mtimeMs > STALE_TMP_MS) unlinkSync(join(this.dir, name));
        } catch {
          // gone already
        }
        continue;
      }
      if (!ENTRY_RE.test(name)) continue;
      try {
        const e = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as Partial<SpoolEntry>;
        if (typeof e.messageId === 'string' && e.messageId) {
          out.push({ messageId: e.messageId, via: typeof e.via === 'string' ? e.via : 'one-click', at: typeof e.at === 'string' ? e.at : new Date(Number(name.slice(0, 13))).toISOString(), file: name });
        }
      } catch {
        // Removed by another process between readdir and read, or unreadable: the next pass sees it again.
      }
    }
    if (complete) {
      this.known.clear();
      for (const e of out) this.known.set(e.file, bare(e.messageId));
    }
    return out;
  }

  /**
   * Is an unsubscribe for this message waiting? From memory (what this object wrote, and its last full listing:
   * serve's retry timer lists the spool while it holds entries), so a burst of GETs reads no file.
   */
  has(messageId: string): boolean {
    const id = bare(messageId);
    for (const v of this.known.values()) if (v === id) return true;
    return false;
  }

  /** Removes entries (only after the transaction that applied them committed). */
  remove(entries: SpoolEntry[]): void {
    if (!entries.length) return;
    for (const e of entries) {
      this.known.delete(e.file);
      try {
        unlinkSync(join(this.dir, e.file));
      } catch {
        // another process applied and removed it too
      }
    }
    fsyncDir(this.dir);
  }
}

export interface SpoolApplied {
  /** Entries applied (each suppressed its address, or found it already suppressed). */
  applied: number;
  /** Entries whose message is not in this database (nothing to do). */
  unknown: number;
}

/** Applies entries inside the caller's write transaction (idempotent: an entry applied twice changes nothing). */
export function applySpoolEntries(db: Db, entries: SpoolEntry[]): SpoolApplied {
  let applied = 0;
  let unknown = 0;
  for (const e of entries) {
    const m = findMessage(db, e.messageId);
    if (!m) {
      unknown++;
      continue;
    }
    unsubscribeInTx(db, m, e.via, e.at);
    applied++;
  }
  return { applied, unknown };
}

/**
 * Applies what the spool holds in one write transaction, then removes those entries. Throws what the
 * database throws (SQLITE_BUSY when its lock is still held after the connection's busy timeout): the
 * entries stay for the next attempt.
 */
export function drainSpool(db: Db, spool: UnsubscribeSpool | null, batch = 500): SpoolApplied & { pending: number } {
  const total: SpoolApplied = { applied: 0, unknown: 0 };
  if (!spool) return { ...total, pending: 0 };
  for (;;) {
    const entries = spool.list(batch);
    if (!entries.length) return { ...total, pending: 0 };
    const r = tx(db, () => applySpoolEntries(db, entries));
    spool.remove(entries);
    total.applied += r.applied;
    total.unknown += r.unknown;
    if (entries.length < batch) return { ...total, pending: 0 };
  }
}

/** Addresses with an unsubscribe waiting in the spool (lower case), read only: for `send --dry-run`. */
export function spooledAddresses(db: Db, spool: UnsubscribeSpool | null): Set<string> {
  const out = new Set<string>();
  if (!spool) return out;
  for (const e of spool.list()) {
    const m = findMessage(db, e.messageId);
    if (m) out.add(m.to_email.toLowerCase());
  }
  return out;
}


export interface SpoolApplier {
  /** An entry was just added: try again soon. */
  kick(): void;
  /** One attempt now (never waits longer than the connection's busy timeout). */
  attempt(): void;
  stop(): void;
}

/**
 * serve's retry loop: applies the spool whenever it holds entries, retrying while the database is locked
 * (from `retryMs`, doubling up to `maxRetryMs`), and looks for entries left by other processes every
 * `idleMs`. Each attempt blocks the event loop for at most the connection's (short) busy timeout.
 */
export function startSpoolApplier(
  db: Db,
  spool: UnsubscribeSpool,
  o: { retryMs?: number; maxRetryMs?: number; idleMs?: number; onApplied?: (r: SpoolApplied) => void; onError?: (err: unknown) => void } = {},
): SpoolApplier {
  const retryMs = o.retryMs ?? 250;
  const maxRetryMs = o.maxRetryMs ?? 5000;
  const idleMs = o.idleMs ?? 30_000;
  let delay = retryMs;
  let timer: NodeJS.Timeout | null = null;
  let dueAt = 0;
  let stopped = false;
  let lastError = '';
  const schedule = (ms: number) => {
    if (stopped) return;
    const at = Date.now() + ms;
    if (timer && dueAt <= at) return;
    if (timer) clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const attempt = (): boolean => {
    try {
      const r = drainSpool(db, spool);
      if (r.applied || r.unknown) o.onApplied?.(r);
      lastError = '';
      return true;
    } catch (err) {
      // Busy is expected while another process writes; anything else is reported once until it changes.
      const text = String((err as Error)?.message ?? err);
      if (!isDbBusy(err) && text !== lastError) o.onError?.(err);
      lastError = text;
      return false;
    }
  };
  function run(): void {
    timer = null;
    if (stopped) return;
    if (attempt()) {
      delay = retryMs;
      schedule(idleMs);
    } else {
      schedule(delay);
      delay = Math.min(maxRetryMs, delay * 2);
    }
  }
  schedule(idleMs);
  return {
    kick() {
      delay = retryMs;
      schedule(retryMs);
    },
    attempt() {
      if (!attempt()) this.kick();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
