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

// Data printed for a person (tables, `show` views, notices) is shown, never obeyed by the terminal: a company
// name holding `\x1b]0;...` or `\x1b[2J` must not retitle or clear the window, and a CR or LF inside a cell must
// not break a table. JSON (`printJson`) and CSV (`write`) are not touched: there, data stays data.

/** Escape sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings ended by BEL or ST, other ESC pairs, C1 CSI. */
const ESC_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]/g;
/** SGR (colour) sequences, the only ones our own output (chalk) emits. */
const SGR = /^\x1b\[[0-9;]*m$/;
/** Anything a terminal may act on: C0 and C1 controls, DEL, line/paragraph separators, bidi overrides. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_G = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function otherControl(ch: string): string {
  // bidi overrides are dropped (they only reorder what follows); every other control shows as `?`
  return /[\u202a-\u202e\u2066-\u2069]/.test(ch) ? '' : '?';
}

/**
 * One value as a single line of terminal text: escape sequences removed, CR, LF, TAB (and other line breaks)
 * turned into a space, any other control character shown as `?`. For table cells and `key: value` lines.
 */
export function cleanCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  if (!UNSAFE.test(s)) return s;
  return s
    .replace(ESC_SEQUENCE, '')
    .replace(/\r\n|[\r\n\t\v\f\u2028\u2029]/g, ' ')
    .replace(UNSAFE_G, otherControl);
}

/**
 * Text of several lines for the terminal (the safety net under every human-readable line we print):
 * LF and TAB are kept, CRLF becomes LF, a lone CR a space; escape sequences are removed, except colour
 * (SGR) sequences when colour is on (ours come from chalk); other control characters show as `?`.
 */
export function cleanText(text: string, keepColour = false): string {
  if (!UNSAFE.test(text.replace(/[\n\t]/g, ''))) return text;
  return text
    .replace(ESC_SEQUENCE, (m) => (keepColour && SGR.test(m) ? m : ''))
    .replace(/\r\n/g, '\n')
    .replace(/[\r\v\f\u2028\u2029]/g, ' ')
    .replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9a\x9c-\x9f\u202a-\u202e\u2066-\u2069]/g, otherControl)
    .replace(keepColour ? /\x1b(?!\[[0-9;]*m)|\x9b/g : /[\x1b\x9b]/g, '?');
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
  private readonly color: boolean;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;

  constructor(opts: OutputOptions) {
    this.json = opts.json;
    this.quiet = opts.quiet;
    this.verbose = opts.verbose;
    this.color = opts.color;
    this.c = new Chalk({ level: opts.color ? 1 : 0 });
    this.stdout = opts.stdout ?? resultSink ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
  }

  /** A result line on stdout, for a person: control characters in it are neutralized (see cleanText). */
  print(text = ''): void {
    this.stdout.write(cleanText(text, this.color) + '\n');
  }

  /** A line on stderr, neutralized like print(). */
  private note(text: string): void {
    this.stderr.write(cleanText(text, this.color) + '\n');
  }

  /** Raw text on stdout (CSV, already terminated lines): written as is, data stays data. */
  write(text: string): void {
    this.stdout.write(text);
  }

  printJson(value: unknown): void {
    this.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** A notice on stderr, silenced by --quiet. */
  info(text: string): void {
    if (!this.quiet) this.note(text);
  }

  /** Detail shown only with --verbose. */
  debug(text: string): void {
    if (this.verbose) this.note(this.c.dim(text));
  }

  success(text: string): void {
    this.info(this.c.green('✔ ') + text);
  }

  warn(text: string): void {
    this.note(this.c.yellow('! ') + text);
  }

  error(text: string, hint?: string): void {
    this.note(this.c.red('✖ ') + text);
    if (hint) this.note('  ' + this.c.dim(hint));
  }

  table<T>(rows: T[], columns: Column<T>[]): void {
    const interactive = Boolean((this.stdout as NodeJS.WriteStream).isTTY);
    const Table = require('cli-table3') as typeof import('cli-table3');
    const t = new Table({
      head: columns.map((c) => this.c.bold(cleanCell(c.header))),
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
      // every cell is one line of inert text: no escape sequence reaches the terminal, no CR breaks the table
      t.push(columns.map((c) => cleanCell(c.value(r))));
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
