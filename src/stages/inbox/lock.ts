// A named lock in the database so two overlapping cron runs never sync at once. The second run sees
// the holder and steps aside; a lock whose process is gone (crash, kill -9) or that expired is taken over.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { hostname } from 'node:os';

export interface LockHolder {
  holder: string;
  pid: number | null;
  acquiredAt: string;
}

function alive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock, or returns who holds it. */
export function acquireLock(db: Db, name: string, ttlMs = 6 * 3600_000, pid = process.pid): { ok: true } | { ok: false; holder: LockHolder } {
  const me = `${hostname()}:${pid}`;
  type Row = { holder: string; pid: number | null; acquired_at: string; expires_at: string | null };
  const read = () => db.sqlite.prepare('SELECT holder, pid, acquired_at, expires_at FROM locks WHERE name = ?').get(name) as Row | undefined;
  const heldByOther = (row: Row | undefined) => {
    if (!row) return null;
    const sameHost = row.holder.startsWith(`${hostname()}:`);
    const expired = row.expires_at !== null && row.expires_at < new Date().toISOString();
    const stale = expired || (sameHost && !alive(row.pid));
    return !stale && row.holder !== me ? { ok: false as const, holder: { holder: row.holder, pid: row.pid, acquiredAt: row.acquired_at } } : null;
  };
  // A plain read first: a live holder is seen without waiting for the write lock, which the running sync
  // holds for up to a second at a time while it commits.
  const seen = heldByOther(read());
  if (seen) return seen;
  return tx(db, () => {
    const held = heldByOther(read());
    if (held) return held;
    db.sqlite
      .prepare(`INSERT INTO locks (name, holder, pid, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`)
      .run(name, me, pid, new Date().toISOString(), new Date(Date.now() + ttlMs).toISOString());
    return { ok: true as const };
  });
}

export function releaseLock(db: Db, name: string, pid = process.pid): void {
  try {
    db.sqlite.prepare('DELETE FROM locks WHERE name = ? AND holder = ?').run(name, `${hostname()}:${pid}`);
  } catch {
    // Closing down: a lock left behind is stale and taken over by the next run.
  }
}
