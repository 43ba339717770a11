// Errors the user can act on (exit 1, or 2 for usage) versus bugs (stack with --verbose).
// The CLI entry point is the only place that catches and maps them to exit codes.

export class UserError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  constructor(message: string, hint?: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/** A usage error: unknown flag, missing or malformed argument. Exit code 2. */
export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, 2);
    this.name = 'UsageError';
  }
}

/** Thrown to stop quietly with a given exit code (the message, if any, was already printed). */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const FS_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
};
/** Reading a file names the file, not the path: `no such file`, `it is a folder, not a file`. */
const FS_READ_WORDS: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a folder, not a file' };

/** An fs error as a few words for the user (`no such file or directory`, not `ENOENT: ..., open '...'`). */
export function fsReason(err: unknown, op: 'read' | 'write' = 'write'): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  return (op === 'read' && FS_READ_WORDS[code]) || FS_WORDS[code] || e?.message || String(err);
}

/**
 * Is this a "the database is locked by someone else" error (retry later), as opposed to a bug? SQLite's busy and
 * locked codes with their extended forms (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY, SQLITE_LOCKED_SHAREDCACHE...).
 */
export function isDbBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
