// Which paths are the database's own files: `leads export -o`, `leads import --rejects` and `db backup` refuse to
// write over them, whatever path, symbolic link or hard link names them.
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The real path of p: symbolic links followed (a dangling one too), and for a path not there yet, its folder's. */
export function canonicalPath(p: string, depth = 0): string {
  try {
    return realpathSync(p);
  } catch {
    // does not exist (or a dangling link): follow the link by hand, else canonicalize the folder
  }
  try {
    if (depth < 32 && lstatSync(p).isSymbolicLink()) return canonicalPath(resolve(dirname(p), readlinkSync(p)), depth + 1);
  } catch {
    // nothing at p
  }
  const abs = resolve(p);
  const dir = dirname(abs);
  return dir === abs ? abs : join(depth < 32 ? canonicalPath(dir, depth + 1) : dir, basename(abs));
}

export const DB_FILE_SUFFIXES = ['', '-wal', '-shm', '-journal'] as const;

/**
 * Which of the database's files `target` is: '' (the database itself), '-wal', '-shm' or '-journal'; null when
 * none. Compared by canonical path and by device + inode (a hard link). `targetStat`: what is at target, when the
 * caller knows it already (null: nothing there).
 */
export function databaseFileOf(target: string, dbPath: string, targetStat?: Stats | null): (typeof DB_FILE_SUFFIXES)[number] | null {
  if (!dbPath || dbPath === ':memory:') return null;
  const t = canonicalPath(target);
  let st = targetStat;
  if (st === undefined) {
    try {
      st = statSync(target);
    } catch {
      st = null; // not there yet
    }
  }
  // The journal files sit next to the database's real file, and next to the name it was opened by.
  for (const live of new Set([canonicalPath(dbPath), resolve(dbPath)])) {
    for (const suffix of DB_FILE_SUFFIXES) {
      const f = live + suffix;
      if (t === f) return suffix;
      if (!st) continue;
      try {
        const s = statSync(f);
        if (s.dev === st.dev && s.ino === st.ino) return suffix;
      } catch {
        // that file does not exist
      }
    }
  }
  return null;
}
