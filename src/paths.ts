// Where things are: the database, the settings and profile files, and `.env`. Kept free of heavy imports
// because every command (and `--help`) loads it.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { UserError, UsageError } from './errors.js';

export const DEFAULT_DB = 'outreach.db';
export const DEFAULT_SETTINGS_FILE = 'outreach.yaml';
export const DEFAULT_PROFILE_FILE = 'profile.yaml';

/** Loads `.env` from the working folder (or $OUTREACH_ENV_FILE) without overriding the real environment. */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const file = env.OUTREACH_ENV_FILE ? resolve(cwd, env.OUTREACH_ENV_FILE) : resolve(cwd, '.env');
  if (!existsSync(file)) return null;
  let parsed: Record<string, string>;
  try {
    parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new UserError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  for (const [k, v] of Object.entries(parsed)) {
    if (env[k] === undefined) env[k] = v;
  }
  return file;
}

export function settingsPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.OUTREACH_SETTINGS || DEFAULT_SETTINGS_FILE);
}

export function profilePath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.OUTREACH_PROFILE || DEFAULT_PROFILE_FILE);
}

/**
 * The database file: `--db PATH`, else $OUTREACH_DB (an empty variable counts as unset), else ./outreach.db.
 * An empty `--db ''` (an unset shell variable in a script) is a usage error, not a silent ./outreach.db.
 */
export function dbPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag.trim() === '') {
    throw new UsageError('--db needs a file path, got an empty string.', 'Pass --db PATH, or leave --db out to use $OUTREACH_DB or ./outreach.db.');
  }
  return resolve(flag ?? (env.OUTREACH_DB || DEFAULT_DB));
}
