// What every command gets: the global options, the output, the database (opened lazily, migrated),
// settings, an abort signal for Ctrl-C, and an audit row in `runs` for commands that change things.
import type { Command } from 'commander';
import type { Db } from '../db/open.js';
import type { Settings } from '../config.js';
import { dbPathFrom, loadDotEnv, settingsPath, profilePath } from '../paths.js';
import { Output, colorEnabled, preloadSpinner } from './output.js';
import { errorMessage, ExitError, UserError } from '../errors.js';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface GlobalOptions {
  db?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export interface DbOptions {
  /**
   * Create the database file when it does not exist. Default: decided by the command (CREATING_COMMANDS):
   * only the commands that start a pipeline create one; every other command says "No database at PATH".
   */
  create?: boolean;
}

/**
 * The commands that may start a pipeline, and so create the database when it is not there: `init`, `db migrate`,
 * `leads import` and `discover` (the two ways leads come in), and `run` (which discovers). `demo` makes its own in
 * its own folder. Every other command acts on an existing pipeline: run in the wrong folder, or with a mistyped
 * --db/$OUTREACH_DB, it must not report success against a new empty database nobody uses (a `suppress add` or
 * `leads forget` that lands there leaves the real database mailing that person).
 */
export const CREATING_COMMANDS: ReadonlySet<string> = new Set(['init', 'db migrate', 'leads import', 'discover', 'run']);

export interface CtxMeta {
  /** The command path (`suppress add`): decides whether the database may be created. */
  command?: string;
  /** The command changes the database: its files must be writable (checked when it is opened). */
  writes?: boolean;
  /** Warnings held back until the end, shown only if the command fails (default: with --quiet). */
  quietWarnings?: boolean;
  /**
   * A --dry-run, or a stage of `outreach run --dry-run` whose database did not exist: a dry run never creates the
   * database. Where the command would have created it, it works on an empty one in memory instead (discover finds
   * nothing known, run's stages have nothing to do), and says so.
   */
  dryRun?: boolean;
}

export class Ctx {
  readonly out: Output;
  readonly dbPath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly controller = new AbortController();
  /** Counts reported by the command, stored with its audit row. */
  readonly counts: Record<string, number> = {};
  runId: number | null = null;
  /** Why the run failed when the command reports a failure itself (exit code 1 without throwing). */
  private runFailure: string | null = null;
  private _db: Db | null = null;
  private _settings: Settings | null = null;
  readonly command: string | undefined;
  readonly writes: boolean;
  readonly dryRun: boolean;
  /** This dry run works on an empty database in memory: the file did not exist, and a dry run creates nothing. */
  inMemory = false;
  /** The handler has returned (or thrown): a signal now interrupts nothing left to do. */
  settling = false;

  constructor(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env, meta: CtxMeta = {}) {
    this.env = env;
    this.json = Boolean(opts.json);
    this.verbose = Boolean(opts.verbose);
    this.quiet = Boolean(opts.quiet);
    this.dbPath = dbPathFrom(opts.db, env);
    this.command = meta.command;
    this.writes = Boolean(meta.writes);
    this.dryRun = Boolean(meta.dryRun);
    this.out = new Output({
      json: this.json,
      quiet: this.quiet,
      quietWarnings: meta.quietWarnings,
      verbose: this.verbose,
      color: colorEnabled(opts.color, process.stdout),
      stderrColor: colorEnabled(opts.color, process.stderr),
    });
    // A command that refuses its input prints an error and sets the exit code rather than throwing: the first such
    // error is the audit row's message.
    const printError = this.out.error.bind(this.out);
    this.out.error = (text: string, hint?: string) => {
      this.runFailure ??= text;
      printError(text, hint);
    };
  }

  /** Marks this run failed in the audit table with this message (for commands that exit 1 without throwing). */
  failRun(message: string): void {
    this.runFailure = message;
  }

  /** The failure to record for a handler that returned: its own message, or the non-zero exit code it set. */
  returnedFailure(): string | null {
    const code = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0);
    if (!code) return null;
    return this.runFailure ?? `exited with code ${code}`;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether this command may create the database (see CREATING_COMMANDS; a context made outside action() may). */
  get createsDb(): boolean {
    return this.command === undefined || CREATING_COMMANDS.has(this.command);
  }

  /**
   * The database, opened (and migrated) on first use. Only the commands that start a pipeline (CREATING_COMMANDS)
   * create it; for every other one a mistyped `--db` or the wrong folder is "No database at PATH" (exit 1, with a
   * hint to run `outreach init`), never a new empty database that answers "nothing found" or records a
   * suppression nobody reads. `{ create: false }` refuses to create whatever the command.
   */
  db(opts: DbOptions = {}): Db {
    if (!this._db) {
      const create = opts.create ?? this.createsDb;
      if (this.dryRun && (create || this.inMemory) && !existsSync(this.dbPath)) {
        if (!this.inMemory) this.out.info(`No database at ${this.dbPath} yet: this dry run works on an empty one in memory and creates no file.`);
        this.inMemory = true;
        this._db = heavy!.open.openDb(':memory:', { create: true, write: true });
        return this._db;
      }
      if (!create) requireDb(this.dbPath);
      this._db = heavy!.open.openDb(this.dbPath, { create, write: this.writes });
    }
    return this._db;
  }

  get settingsFile(): string {
    return settingsPath(this.env);
  }

  get profileFile(): string {
    return profilePath(this.env);
  }

  settings(): Settings {
    if (!config) throw new Error('internal: this command reads the settings but was declared without them (action option settings: false)');
    if (!this._settings) this._settings = config.loadSettings(this.settingsFile);
    return this._settings;
  }

  count(name: string, by = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + by;
  }

  startRun(command: string, args: string[]): void {
    const db = this.db();
    markDeadRuns(db);
    const r = db.sqlite
      .prepare(`INSERT INTO runs (command, args, pid, status) VALUES (?, ?, ?, 'running') RETURNING id`)
      .get(command, JSON.stringify(redactForgotten(db, redactArgs(args))), process.pid) as { id: number };
    this.runId = r.id;
  }

  finishRun(status: 'ok' | 'failed' | 'interrupted', error?: unknown): void {
    if (this.runId === null || !this._db) return;
    try {
      // error_count: the command's own count of errors, else its rejected rows (leads import), else 1 for a failure
      const errorCount = this.counts.errors ?? (error ? (status === 'failed' ? (this.counts.rejected ?? 1) : 1) : 0);
      this._db.sqlite
        .prepare(
          `UPDATE runs SET ended_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), status = ?, counts = ?, error_count = ?, error = ? WHERE id = ?`,
        )
        .run(status, JSON.stringify(this.counts), errorCount, error ? errorMessage(error) : null, this.runId);
    } catch {
      // The audit row must never hide the command's own outcome.
    }
    this.runId = null;
  }

  close(): void {
    this._db?.close();
    this._db = null;
  }
}

/**
 * Runs left `running` by a process that no longer exists (killed with SIGKILL, out of memory, a power cut) are marked
 * `interrupted`, so `running` means running. The pid is checked on this host: a WAL database is only shared by
 * processes of one host (its -shm file is shared memory), so every pid in `runs` is local. A pid reused since by
 * another process leaves the row `running` (the safe side).
 */
function markDeadRuns(db: Db): void {
  try {
    const rows = db.sqlite.prepare(`SELECT id, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL AND pid != ?`).all(process.pid) as { id: number; pid: number }[];
    const dead = rows.filter((r) => !pidAlive(r.pid)).map((r) => r.id);
    if (!dead.length) return;
    db.sqlite
      .prepare(
        `UPDATE runs SET status = 'interrupted', error_count = error_count + 1,
           error = coalesce(error, 'the process (pid ' || pid || ') ended without finishing: killed or crashed')
         WHERE status = 'running' AND id IN (SELECT value FROM json_each(?))`,
      )
      .run(JSON.stringify(dead));
  } catch {
    // bookkeeping: never stop a command (a locked or read-only database is reported by the command itself)
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/**
 * A command that acts on an existing pipeline, and no database at its path: say so, and which part of the path is
 * wrong when its folder is missing.
 */
function requireDb(path: string): void {
  if (existsSync(path)) return;
  const dir = dirname(path);
  const hint = 'Check the --db path (or $OUTREACH_DB), or run `outreach init` to create a database.';
  if (!existsSync(dir)) throw new UserError(`No database at ${path}: the folder ${dir} does not exist.`, hint);
  if (!statSync(dir).isDirectory()) throw new UserError(`No database at ${path}: ${dir} is not a folder.`, hint);
  throw new UserError(
    `No database at ${path}: run \`outreach init\` here, or pass --db / set OUTREACH_DB.`,
    'Only init, db migrate, leads import, discover and run create a database; this command works on an existing one.',
  );
}

/**
 * An argument naming a person or store forgotten on request (`suppress add`, `suppress remove`, `leads show` of an
 * erased address) is not written back into the audit table in clear: it becomes [forgotten].
 */
function redactForgotten(db: Db, args: string[]): string[] {
  const { hasForgotten, isForgotten } = heavy!.suppressions;
  const { normalizeEmail, normalizeDomain } = heavy!.normalize;
  try {
    if (!hasForgotten(db)) return args;
    return args.map((a) => {
      const v = a.includes('=') && a.startsWith('-') ? a.slice(a.indexOf('=') + 1) : a;
      if (v.startsWith('-') || !v.includes('.') || /\s/.test(v.trim())) return a;
      let forgotten = false;
      if (v.includes('@')) {
        const e = normalizeEmail(v);
        forgotten = e.ok && isForgotten(db, 'email', e.value.email);
      } else {
        const d = normalizeDomain(v);
        forgotten = d.ok && isForgotten(db, 'domain', d.value.domain.replace(/:\d+$/, ''));
      }
      return forgotten ? a.replace(v, '[forgotten]') : a;
    });
  } catch {
    return args;
  }
}

/** Never store a secret passed on the command line in the audit table. */
function redactArgs(args: string[]): string[] {
  const out: string[] = [];
  let redactNext = false;
  for (const a of args) {
    if (redactNext) {
      out.push('***');
      redactNext = false;
      continue;
    }
    if (/^--?(password|pass|token|secret|key|api-key)(=|$)/i.test(a)) {
      if (a.includes('=')) out.push(a.split('=')[0] + '=***');
      else {
        out.push(a);
        redactNext = true;
      }
      continue;
    }
    out.push(a);
  }
  return out;
}

export interface ActionOptions {
  /** Record the run in the `runs` table (commands that change the database). */
  audit?: boolean;
  /**
   * false: the command never reads outreach.yaml, so the settings modules (zod and yaml: 0.1-0.3 s to load, more
   * than the rest of the start) are not loaded. Default true.
   */
  settings?: boolean;
}

type Handler = (ctx: Ctx, opts: any, ...args: any[]) => Promise<void> | void;

let envLoaded = false;

// The database and settings modules (better-sqlite3, zod, yaml) load only when a command runs,
// so `outreach --help` and usage errors stay fast; the settings modules only for commands that read them.
let heavy: {
  open: typeof import('../db/open.js');
  suppressions: typeof import('../db/suppressions.js');
  normalize: typeof import('../domain/normalize.js');
} | null = null;
let config: typeof import('../config.js') | null = null;
async function loadHeavy(settings: boolean) {
  if (!heavy) {
    const [open, suppressions, normalize] = await Promise.all([
      import('../db/open.js'),
      import('../db/suppressions.js'),
      import('../domain/normalize.js'),
    ]);
    heavy = { open, suppressions, normalize };
  }
  if (settings) config ??= await import('../config.js');
  await preloadSpinner();
}

/** Exit code of a command stopped by a signal: 128 + the signal's number (SIGINT 130, SIGTERM 143). */
export const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

// Signals, one rule for every command: the first SIGINT (Ctrl-C) or SIGTERM aborts ctx.signal of every running
// command (`run` runs its stages as nested commands) and says so once; the command finishes its current item
// and stops; it then exits 128 + the signal's number (130, 143), whatever it did after (a command whose normal
// end is a signal, `serve`, sets exit code 0 itself). A second signal stops the process at once, with its code.
const running = new Set<Ctx>();
let stoppedBy: NodeJS.Signals | null = null;

function onSignal(sig: NodeJS.Signals): void {
  if (stoppedBy) process.exit(SIGNAL_EXIT[sig] ?? 130);
  stoppedBy = sig;
  const first = running.values().next().value as Ctx | undefined;
  // Noticed only once the command's work was done (it ran without yielding, e.g. a one-step backup): say so.
  const done = [...running].every((c) => c.settling);
  first?.out.warn(
    done
      ? `Interrupted (${sig}) as the command finished: its work above is complete.`
      : sig === 'SIGINT'
        ? 'Interrupted: finishing the current item, then stopping (press Ctrl-C again to quit now).'
        : `Stopping (${sig}): finishing the current item first; a second ${sig} stops at once.`,
    { always: true },
  );
  for (const c of running) c.controller.abort();
}

function enter(ctx: Ctx): void {
  if (running.size === 0) {
    stoppedBy = null;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  running.add(ctx);
}

function leave(ctx: Ctx): void {
  running.delete(ctx);
  if (running.size === 0) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Lets a signal that arrived while the command ran without yielding (a one-step backup, a synchronous list) reach
 * onSignal before the outcome is decided: it is read from libuv's signal pipe in the next poll phase.
 */
async function settleSignals(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Wraps a command handler: builds the context from the global options, loads `.env`, records the run,
 * turns Ctrl-C and SIGTERM into an abort signal (one exit code rule, above), and always closes the database.
 * Under --quiet, warnings are held back and shown only when the command fails (cron mails nothing on success).
 */
export function action(handler: Handler, options: ActionOptions = {}) {
  return async function (this: Command, ...raw: any[]) {
    const cmd = raw[raw.length - 1] as Command;
    const opts = raw[raw.length - 2] as Record<string, unknown>;
    const positional = raw.slice(0, -2);
    await loadHeavy(options.settings ?? true);
    if (!envLoaded) {
      loadDotEnv();
      envLoaded = true;
    }
    // A stage run by `outreach run` (always with --quiet) shows its warnings as the outer command would.
    const outer = running.values().next().value as Ctx | undefined;
    const globals = cmd.optsWithGlobals() as GlobalOptions;
    const name = commandPath(cmd);
    const ctx = new Ctx(globals, process.env, {
      command: name,
      writes: Boolean(options.audit),
      quietWarnings: outer ? outer.quiet : Boolean(globals.quiet),
      dryRun: Boolean(opts.dryRun) || Boolean(outer?.dryRun),
    });
    // A stage of `run --dry-run` over a database that does not exist works on an empty one in memory too.
    if (outer?.inMemory) ctx.inMemory = true;
    enter(ctx);
    let failed = false;
    try {
      if (options.audit) ctx.startRun(name, process.argv.slice(2));
      await handler(ctx, opts, ...positional);
      ctx.settling = true;
      await settleSignals();
      if (ctx.signal.aborted) {
        // serve ends on a signal by design and says so with exit code 0 (its run is `ok`); every other command was interrupted.
        ctx.finishRun(process.exitCode === 0 ? 'ok' : 'interrupted', ctx.returnedFailure() ?? undefined);
        if (process.exitCode !== 0) process.exitCode = SIGNAL_EXIT[stoppedBy ?? 'SIGINT'];
        failed = process.exitCode !== 0;
      } else {
        const failure = ctx.returnedFailure();
        ctx.finishRun(failure ? 'failed' : 'ok', failure ?? undefined);
        failed = Boolean(failure);
      }
    } catch (err) {
      failed = true;
      ctx.settling = true;
      await settleSignals();
      if (ctx.signal.aborted) {
        ctx.finishRun('interrupted', err);
        ctx.out.flushWarnings();
        // What the command said about the interruption ("… was not written") is shown; an abort error of a
        // library (a cancelled request) is the interruption itself, not a bug.
        if (err instanceof UserError) ctx.out.error(err.message, err.hint);
        else if (!(err instanceof ExitError)) ctx.out.debug(errorMessage(err));
        throw new ExitError(SIGNAL_EXIT[stoppedBy ?? 'SIGINT']!);
      }
      ctx.finishRun('failed', err);
      ctx.out.flushWarnings();
      // SQLite refusing a write (a read-only file, -wal or -shm, folder or file system) is the user's to fix.
      if (!(err instanceof UserError) && heavy!.open.isReadonlyError(err)) throw heavy!.open.readonlyDbError(ctx.dbPath, err);
      throw err;
    } finally {
      if (failed) ctx.out.flushWarnings();
      leave(ctx);
      ctx.close();
    }
  };
}

export function commandPath(cmd: Command): string {
  const names: string[] = [];
  let c: Command | null = cmd;
  while (c && c.parent) {
    names.unshift(c.name());
    c = c.parent;
  }
  return names.join(' ');
}

