// Terminal manners in one place: results on stdout (tables, JSON, CSV), progress and notices on stderr,
// colour only on a TTY without NO_COLOR, spinners only when someone is watching.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Ora } from 'ora';

// ora loads only when a spinner may be shown: `--help` and JSON output stay fast.
let oraModule: typeof import('ora').default | null = null;
/** Loads ora ahead of time when stderr (or the given stream) is a terminal: spinners are shown only there. */
export async function preloadSpinner(stream: { isTTY?: boolean } = process.stderr): Promise<void> {
  if (!oraModule && stream.isTTY) oraModule = (await import('ora')).default;
}

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  /**
   * Warnings held back and shown only by flushWarnings() (the command failed): default `quiet`. `--quiet` means
   * results and errors only, so a cron job that succeeds mails nothing; one that fails shows its warnings too.
   */
  quietWarnings?: boolean;
  verbose: boolean;
  /** Colour on stdout (results). */
  color: boolean;
  /** Colour on stderr (notices, errors, the spinner); defaults to `color`. Decide it from stderr's own TTY-ness. */
  stderrColor?: boolean;
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

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Zero-width: combining marks, variation selectors, zero-width space/joiners. */
const ZERO_WIDTH = /^(?:\p{M}|[\u200b-\u200f\u2060\ufe00-\ufe0f\u{e0100}-\u{e01ef}])$/u;
/** Two columns: East Asian wide and fullwidth characters, emoji shown as pictures. */
const DOUBLE_WIDTH =
  /^(?:\p{Emoji_Presentation}|[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{1b000}-\u{1b2ff}\u{1f200}-\u{1f2ff}\u{20000}-\u{3fffd}])$/u;

/** Terminal columns taken by a line of clean text (no control characters): ASCII at once, else per code point. */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x300) w += 1;
    else if (ZERO_WIDTH.test(ch)) continue;
    else w += DOUBLE_WIDTH.test(ch) ? 2 : 1;
  }
  return w;
}

/** Tables longer than this are printed as plain aligned columns even on a terminal (no box drawing). */
export const BOX_MAX_ROWS = 200;
/** Big tables reach stdout in pieces of about this many characters, never as one giant string. */
const TABLE_CHUNK = 64 * 1024;

/** Each row's cells as inert one-line text (cleanCell) with their display widths; widens `widths` to fit them. */
function measureCells<T>(rows: T[], columns: Column<T>[], widths: number[]): { cells: string[][]; cellWidths: number[][] } {
  const n = columns.length;
  const cells: string[][] = new Array(rows.length);
  const cellWidths: number[][] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const line: string[] = new Array(n);
    const lw: number[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const v = cleanCell(columns[j]!.value(rows[i]!));
      const w = displayWidth(v);
      line[j] = v;
      lw[j] = w;
      if (w > widths[j]!) widths[j] = w;
    }
    cells[i] = line;
    cellWidths[i] = lw;
  }
  return { cells, cellWidths };
}

export function colorEnabled(flag: boolean | undefined, stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  // A terminal that declares it cannot show escape sequences (Emacs shell, some CI logs): as chalk decides.
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

/** Warnings held back under --quiet beyond this many are counted, not kept. */
const MAX_HELD_WARNINGS = 1000;

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
  /** Colours for text a command builds; each stream drops them when its own colour is off (see print, note). */
  readonly c: ChalkInstance;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  private readonly color: boolean;
  private readonly stderrColor: boolean;
  /** Colours for what goes to stdout only (table headers). */
  private readonly cOut: ChalkInstance;
  /** Colours for what goes to stderr only (spinner marks). */
  private readonly cErr: ChalkInstance;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;
  private readonly quietWarnings: boolean;
  /** Warnings held back (quietWarnings) and how many more were dropped. */
  private held: string[] = [];
  private heldDropped = 0;

  constructor(opts: OutputOptions) {
    this.json = opts.json;
    this.quiet = opts.quiet;
    this.quietWarnings = opts.quietWarnings ?? opts.quiet;
    this.verbose = opts.verbose;
    this.color = opts.color;
    this.stderrColor = opts.stderrColor ?? opts.color;
    this.c = new Chalk({ level: this.color || this.stderrColor ? 1 : 0 });
    this.cOut = new Chalk({ level: this.color ? 1 : 0 });
    this.cErr = new Chalk({ level: this.stderrColor ? 1 : 0 });
    this.stdout = opts.stdout ?? resultSink ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
  }

  /** A result line on stdout, for a person: control characters in it are neutralized (see cleanText). */
  print(text = ''): void {
    this.stdout.write(cleanText(text, this.color) + '\n');
  }

  /** A line on stderr, neutralized like print(); colour kept only when stderr itself may be coloured. */
  private note(text: string): void {
    this.stderr.write(cleanText(text, this.stderrColor) + '\n');
  }

  /** Raw text on stdout (CSV, already terminated lines): written as is, data stays data. */
  write(text: string): void {
    this.stdout.write(text);
  }

  printJson(value: unknown): void {
    this.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /**
   * A JSON array, written as its items come (the same bytes as printJson of the whole array): a list of a
   * million rows never has to be held in memory, as objects or as one string.
   */
  printJsonArray(items: Iterable<unknown>): void {
    for (const piece of jsonArrayPieces(items)) this.stdout.write(piece.text);
  }

  /**
   * printJsonArray for a long list written to a reader that may be slow or stop: after each piece (about 64 KB)
   * `between()` runs (it waits for the reader, lets a signal in) and answers whether to go on. Stopped, the array
   * is left unclosed: a truncated list must not parse as a complete one. Returns the number of items written.
   */
  async streamJsonArray(items: Iterable<unknown>, between: () => Promise<boolean>): Promise<number> {
    let n = 0;
    for (const piece of jsonArrayPieces(items)) {
      this.stdout.write(piece.text);
      n = piece.count;
      if (!piece.last && !(await between())) break;
    }
    return n;
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

  /**
   * A warning on stderr. Under --quiet it is held back and shown only if the command fails (flushWarnings);
   * `always`: shown at once even then (an interruption).
   */
  warn(text: string, opts: { always?: boolean } = {}): void {
    const line = this.c.yellow('! ') + text;
    if (!this.quietWarnings || opts.always) return this.note(line);
    if (this.held.length < MAX_HELD_WARNINGS) this.held.push(line);
    else this.heldDropped++;
  }

  /** Shows the warnings held back under --quiet (the command failed: they may say why). */
  flushWarnings(): void {
    const lines = this.held;
    this.held = [];
    for (const l of lines) this.note(l);
    if (this.heldDropped) this.note(this.c.yellow('! ') + `... and ${this.heldDropped} more warnings`);
    this.heldDropped = 0;
  }

  error(text: string, hint?: string): void {
    this.note(this.c.red('✖ ') + text);
    if (hint) this.note('  ' + this.c.dim(hint));
  }

  /**
   * Rows as a table on stdout, in time linear in the number of cells. Every cell is one line of inert text
   * (cleanCell): no escape sequence reaches the terminal, no CR or LF breaks the table. A small table on a
   * terminal gets box drawing; a long one, or one piped to a file or `grep`, gets plain columns padded to their
   * widest cell and separated by four spaces (no trailing blanks), written in pieces as it is built.
   */
  table<T>(rows: T[], columns: Column<T>[]): void {
    const interactive = Boolean((this.stdout as NodeJS.WriteStream).isTTY);
    if (!(interactive && rows.length <= BOX_MAX_ROWS)) {
      this.plainTable(columns).write(rows);
      return;
    }
    const heads = columns.map((c) => cleanCell(c.header));
    const widths = heads.map(displayWidth);
    const right = columns.map((c) => c.align === 'right');
    const { cells, cellWidths } = measureCells(rows, columns, widths);
    const pad = (v: string, w: number, j: number) =>
      w >= widths[j]! ? v : right[j] ? ' '.repeat(widths[j]! - w) + v : v + ' '.repeat(widths[j]! - w);
    const headCells = heads.map((h, j) => {
      const fill = ' '.repeat(Math.max(0, widths[j]! - displayWidth(h)));
      const b = this.cOut.bold(h);
      return right[j] ? fill + b : b + fill;
    });
    const rule = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
    const out: string[] = [rule('┌', '┬', '┐'), '│ ' + headCells.join(' │ ') + ' │'];
    for (let i = 0; i < cells.length; i++) {
      out.push(rule('├', '┼', '┤'));
      out.push('│ ' + cells[i]!.map((v, j) => pad(v, cellWidths[i]![j]!, j)).join(' │ ') + ' │');
    }
    out.push(rule('└', '┴', '┘'));
    this.stdout.write(out.join('\n') + '\n');
  }

  /**
   * Plain columns on stdout, written piece by piece: each write() measures its rows, widens a column where a
   * cell is wider than any before (widths only grow), prints the header before the first piece, and writes the
   * rows padded to the widths so far, separated by four spaces, with no trailing blanks, in chunks of TABLE_CHUNK.
   * One write() of every row is table()'s long-table layout; `leads list` writes a million leads 2,000 at a time.
   */
  plainTable<T>(columns: Column<T>[]): { write(rows: T[]): void } {
    const SEP = '    ';
    const n = columns.length;
    const heads = columns.map((c) => cleanCell(c.header));
    const widths = heads.map(displayWidth);
    const right = columns.map((c) => c.align === 'right');
    let headerDone = false;
    return {
      write: (rows: T[]) => {
        const { cells, cellWidths } = measureCells(rows, columns, widths);
        let chunk = '';
        if (!headerDone) {
          headerDone = true;
          const headCells = heads.map((h, j) => {
            const fill = ' '.repeat(Math.max(0, widths[j]! - displayWidth(h)));
            const b = this.cOut.bold(h);
            return right[j] ? fill + b : b + fill;
          });
          chunk = headCells.join(SEP).trimEnd() + '\n';
        }
        for (let i = 0; i < cells.length; i++) {
          const line = cells[i]!;
          const lw = cellWidths[i]!;
          let text = '';
          for (let j = 0; j < n; j++) {
            const v = line[j]!;
            const w = lw[j]!;
            text += (j ? SEP : '') + (w >= widths[j]! ? v : right[j] ? ' '.repeat(widths[j]! - w) + v : v + ' '.repeat(widths[j]! - w));
          }
          chunk += text.trimEnd() + '\n';
          if (chunk.length >= TABLE_CHUNK) {
            this.stdout.write(chunk);
            chunk = '';
          }
        }
        if (chunk) this.stdout.write(chunk);
      },
    };
  }

  /**
   * A spinner on stderr when it is a terminal with a usable width and we are not quiet or printing JSON;
   * otherwise silent (the final line then shows with --verbose, a failure always). A terminal that reports
   * zero columns (`stty cols 0`, some CI pseudo-terminals) gets no animation: ora would loop forever there.
   */
  spinner(text: string): Spinner {
    const s = this.stderr as NodeJS.WriteStream;
    // TERM=dumb: a terminal without cursor movement either; the animation would print a line per frame.
    if (this.quiet || this.json || !s.isTTY || !s.columns || !oraModule || process.env.TERM === 'dumb') {
      return { update() {}, succeed: (t) => t && this.debug(t), fail: (t) => t && this.warn(t), stop() {} };
    }
    const clean = (t: string | undefined) => (t === undefined ? undefined : cleanText(t, this.stderrColor));
    const sp: Ora = oraModule({ text: clean(text), stream: s, color: this.stderrColor ? 'cyan' : false, isEnabled: true }).start();
    // A terminal shrunk to zero columns while spinning: stop animating (and clearing) before ora divides by 0.
    const onResize = () => {
      if (!s.columns) sp.isEnabled = false;
    };
    s.on?.('resize', onResize);
    const done = () => s.off?.('resize', onResize);
    return {
      update: (t) => {
        sp.text = clean(t)!;
      },
      succeed: (t) => {
        done();
        sp.stopAndPersist({ symbol: this.cErr.green('✔'), text: clean(t) });
      },
      fail: (t) => {
        done();
        sp.stopAndPersist({ symbol: this.cErr.red('✖'), text: clean(t) });
      },
      stop: () => {
        done();
        sp.stop();
      },
    };
  }
}

/** The text of a JSON array (printJson's bytes) in pieces of about 64 KB, with the count of items written so far. */
function* jsonArrayPieces(items: Iterable<unknown>): Generator<{ text: string; count: number; last: boolean }> {
  let buf = '[';
  let n = 0;
  for (const item of items) {
    buf += (n ? ',\n  ' : '\n  ') + JSON.stringify(item, null, 2).replace(/\n/g, '\n  ');
    n++;
    if (buf.length >= 65_536) {
      yield { text: buf, count: n, last: false };
      buf = '';
    }
  }
  yield { text: buf + (n ? '\n]\n' : ']\n'), count: n, last: true };
}
