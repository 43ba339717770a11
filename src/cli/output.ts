// Terminal manners in one place: results on stdout (tables, JSON, CSV), progress and notices on stderr,
// colour only on a TTY without NO_COLOR, spinners only when someone is watching.
import { Chalk, type ChalkInstance } from 'chalk';
import { createRequire } from 'node:module';
import type { Ora } from 'ora';

// cli-table3 and ora load only when a table or a spinner is shown: `--help` and JSON output stay fast.
const require = createRequire(import.meta.url);
let oraModule: typeof import('ora').default | null = null;
/** Loads ora ahead of time when stderr is a terminal (spinners are shown only there). */
export async function preloadSpinner(): Promise<void> {
  if (!oraModule && process.stderr.isTTY) oraModule = (await import('ora')).default;
}

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  stdout?: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
}

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  align?: 'left' | 'right';
}

export function colorEnabled(flag: boolean | undefined, stream: { isTTY?: boolean } = process.stdout): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/**
 * Where results go when a command is run inside another one (`outreach run` runs each stage in-process and
 * prints its own summary): set while the inner command runs, read when its Output is made.
 */
let resultSink: NodeJS.WritableStream | null = null;
export async function withResultSink<T>(sink: NodeJS.WritableStream | null, fn: () => Promise<T>): Promise<T> {
  const before = resultSink;
  resultSink = sink;
  try {
    return await fn();
  } finally {
    resultSink = before;
  }
}

export class Output {
  readonly c: ChalkInstance;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;

  constructor(opts: OutputOptions) {
    this.json = opts.json;
    this.quiet = opts.quiet;
    this.verbose = opts.verbose;
    this.c = new Chalk({ level: opts.color ? 1 : 0 });
    this.stdout = opts.stdout ?? resultSink ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
  }

  /** A result line on stdout. */
  print(text = ''): void {
    this.stdout.write(text + '\n');
  }

  /** Raw text on stdout (CSV, already terminated lines). */
  write(text: string): void {
    this.stdout.write(text);
  }

  printJson(value: unknown): void {
    this.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** A notice on stderr, silenced by --quiet. */
  info(text: string): void {
    if (!this.quiet) this.stderr.write(text + '\n');
  }

  /** Detail shown only with --verbose. */
  debug(text: string): void {
    if (this.verbose) this.stderr.write(this.c.dim(text) + '\n');
  }

  success(text: string): void {
    this.info(this.c.green('✔ ') + text);
  }

  warn(text: string): void {
    this.stderr.write(this.c.yellow('! ') + text + '\n');
  }

  error(text: string, hint?: string): void {
    this.stderr.write(this.c.red('✖ ') + text + '\n');
    if (hint) this.stderr.write('  ' + this.c.dim(hint) + '\n');
  }

  table<T>(rows: T[], columns: Column<T>[]): void {
    const interactive = Boolean((this.stdout as NodeJS.WriteStream).isTTY);
    const Table = require('cli-table3') as typeof import('cli-table3');
    const t = new Table({
      head: columns.map((c) => this.c.bold(c.header)),
      colAligns: columns.map((c) => c.align ?? 'left'),
      style: { head: [], border: [] },
      ...(interactive
        ? {}
        : {
            // Plain text tables when piped: no box drawing, easy to grep.
            chars: {
              top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
              bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
              left: '', 'left-mid': '', mid: '', 'mid-mid': '',
              right: '', 'right-mid': '', middle: '  ',
            },
          }),
    });
    for (const r of rows) {
      t.push(
        columns.map((c) => {
          const v = c.value(r);
          return v === null || v === undefined ? '' : String(v);
        }),
      );
    }
    this.print(interactive ? t.toString() : t.toString().split('\n').map((l) => l.trimEnd().replace(/^ /, '')).join('\n'));
  }

  /** A spinner on stderr when it is a TTY and we are not quiet or printing JSON; otherwise silent. */
  spinner(text: string): Spinner {
    const s = this.stderr as NodeJS.WriteStream;
    if (this.quiet || this.json || !s.isTTY || !oraModule) {
      return { update() {}, succeed: (t) => t && this.debug(t), fail: (t) => t && this.warn(t), stop() {} };
    }
    const sp: Ora = oraModule({ text, stream: s, color: 'cyan', isEnabled: true }).start();
    return {
      update: (t) => {
        sp.text = t;
      },
      succeed: (t) => sp.succeed(t),
      fail: (t) => sp.fail(t),
      stop: () => sp.stop(),
    };
  }
}
