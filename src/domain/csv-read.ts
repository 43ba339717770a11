// A streaming RFC 4180 record reader for `leads import`, written for the import's hot loop.
//
// Why not csv-parse: on a 1,000,000-row file csv-parse took a third of the parser thread's time (it decodes
// and scans byte by byte and builds each field from buffer slices); this reader scans decoded text with
// indexOf and charCodeAt and takes about a fifth of that (bench/import.mjs; see the issue note). It also
// reports errors at the line where the bad record STARTS and recovers from them line by line, where
// csv-parse reports an unclosed quote at the end of the file and loses everything after it.
//
// Accepted: a delimiter of one character; fields quoted with `"` and `""` inside them; quoted newlines;
// records ended by LF, CRLF or a lone CR; a UTF-8 BOM; quotes inside an unquoted field kept as they are
// (as csv-parse's relax_quotes). Errors: a quoted field that is not followed by a delimiter or the end of
// the line, and a quote that is never closed (or that stays open for more than MAX_QUOTED characters,
// which in a leads file means the same thing) are reported with the record's first line; the reader then
// goes on from the line after it.

export interface CsvRecordError {
  /** 1-based line where the bad record starts. */
  line: number;
  message: string;
  /** The raw text of the bad record's first line. */
  raw: string;
}

/** A quoted field longer than this is taken for an unclosed quote (and keeps memory bounded). */
export const MAX_QUOTED = 1 << 20;

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvReader {
  private buf = '';
  private line = 1;
  private started = false;
  private readonly d: number;

  constructor(
    delimiter: string,
    private readonly onRecord: (record: string[], line: number) => void,
    private readonly onError: (err: CsvRecordError) => void,
  ) {
    if (delimiter.length !== 1) throw new Error('the CSV delimiter must be one character');
    this.d = delimiter.charCodeAt(0);
  }

  /** Feeds decoded text; records completed by it are emitted at once. */
  push(text: string): void {
    if (!this.started) {
      if (!text) return;
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buf = this.buf ? this.buf + text : text;
    this.parse(false);
  }

  /** The line (1-based) the text fed so far ends on. */
  get lineAtEnd(): number {
    return this.line + lineBreaks(this.buf);
  }

  /** Ends the input: the last record (without a newline) is emitted, an open quote is an error. */
  end(): void {
    this.parse(true);
    this.buf = '';
  }

  private parse(last: boolean): void {
    const s = this.buf;
    const n = s.length;
    const d = this.d;
    let i = 0;
    let start = 0;
    let pending = -1;
    outer: while (i < n) {
      start = i;
      const startLine = this.line;
      let nl = 0; // newlines inside quoted fields of this record
      const record: string[] = [];
      for (;;) {
        // one field, starting at i
        if (i < n && s.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          let value = '';
          for (;;) {
            const k = s.indexOf('"', j);
            if (k === -1 || (k === n - 1 && !last)) {
              // the closing quote is not here yet
              if (!last && n - start <= MAX_QUOTED) { pending = start; break outer; }
              this.fail(start, startLine, 'a quoted field is never closed (a quote without its closing quote)');
              i = this.skipLine(start, 0);
              continue outer;
            }
            if (k + 1 < n && s.charCodeAt(k + 1) === QUOTE) {
              value += s.slice(j, k + 1);
              j = k + 2;
              continue;
            }
            value += s.slice(j, k);
            nl += lineBreaks(value);
            i = k + 1;
            break;
          }
          record.push(value);
          if (i >= n) {
            if (!last) { pending = start; break outer; }
            this.emit(record, startLine, nl);
            i = n;
            continue outer;
          }
          const c = s.charCodeAt(i);
          if (c === d) {
            i++;
            continue;
          }
          if (c === LF || c === CR) {
            if (c === CR && i + 1 >= n && !last) { pending = start; break outer; } // CR, maybe CRLF across chunks
            i += c === CR && s.charCodeAt(i + 1) === LF ? 2 : 1;
            this.emit(record, startLine, nl + 1);
            continue outer;
          }
          this.fail(start, startLine, `a quoted field is followed by "${s[i]}" instead of the delimiter or the end of the line`);
          i = this.skipLine(i, nl);
          continue outer;
        }
        // an unquoted field: up to the delimiter or the end of the line
        let j = i;
        let c = 0;
        while (j < n) {
          c = s.charCodeAt(j);
          if (c === d || c === LF || c === CR) break;
          j++;
        }
        if (j >= n) {
          if (!last) { pending = start; break outer; }
          record.push(s.slice(i, j));
          this.emit(record, startLine, nl);
          i = n;
          continue outer;
        }
        record.push(s.slice(i, j));
        if (c === d) {
          i = j + 1;
          if (i >= n && last) {
            record.push('');
            this.emit(record, startLine, nl);
            continue outer;
          }
          continue;
        }
        if (c === CR && j + 1 >= n && !last) { pending = start; break outer; }
        i = j + (c === CR && s.charCodeAt(j + 1) === LF ? 2 : 1);
        this.emit(record, startLine, nl + 1);
        continue outer;
      }
    }
    // keep the incomplete record for the next chunk (re-parsed from its start)
    this.buf = pending >= 0 ? s.slice(pending) : '';
  }

  private emit(record: string[], line: number, lines: number): void {
    this.line += lines;
    this.onRecord(record, line);
  }

  private fail(start: number, line: number, message: string): void {
    const s = this.buf;
    this.onError({ line, message, raw: s.slice(start, lineEnd(s, start)) });
  }

  /** Skips to the start of the line after position p; `lines` line breaks between the record start and p. */
  private skipLine(p: number, lines: number): number {
    const s = this.buf;
    const e = lineEnd(s, p);
    this.line += lines + 1;
    if (e >= s.length) return s.length;
    return s.charCodeAt(e) === CR && s.charCodeAt(e + 1) === LF ? e + 2 : e + 1;
  }
}

/** Where the line that position p is on ends: its LF or CR (a file may end its lines with a lone CR), or the end. */
function lineEnd(s: string, p: number): number {
  const lf = s.indexOf('\n', p);
  const cr = s.indexOf('\r', p);
  if (cr === -1) return lf === -1 ? s.length : lf;
  return lf === -1 || cr < lf ? cr : lf;
}

/** The line breaks in s: LF, CRLF (one) and a lone CR, as the records themselves are ended. */
function lineBreaks(s: string): number {
  let n = 0;
  for (let p = s.indexOf('\n'); p !== -1; p = s.indexOf('\n', p + 1)) n++;
  // The common case (no CR at all) costs one scan more.
  for (let p = s.indexOf('\r'); p !== -1; p = s.indexOf('\r', p + 1)) if (s.charCodeAt(p + 1) !== LF) n++;
  return n;
}
