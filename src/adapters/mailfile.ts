// Reads mail from files for `inbox import`: one .eml file, a folder of mail files, a Maildir (cur/ and/or
// new/), an mbox, or a pipe (`-` or /dev/stdin: an .eml or an mbox, read sequentially). Streams: an mbox
// of any size is read chunk by chunk, one message in memory at a time, and at most `maxBytes` of one
// message (the rest is counted, not kept). A file that cannot be read inside a folder is reported by name
// and skipped; the path given itself being unreadable is a UserError naming it.
import { createReadStream, existsSync, openSync, readSync, closeSync, readdirSync, statSync, fstatSync } from 'node:fs';
import { join, basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { UserError, fsReason } from '../errors.js';
import { isJunkFolderName } from '../domain/mail-folders.js';

export interface MailFile {
  /** Where the message came from: a file path, or `NAME:LINE` for a message of an mbox (LINE: its From_ line). */
  name: string;
  /** The message (CRLF line ends for an mbox message), or its first `maxBytes` only when `size` is set. */
  source: Buffer;
  /** The whole message's size in bytes when it was larger than `maxBytes` (source holds its start only). */
  size?: number;
  /** The file could not be read (permission denied, a folder, removed meanwhile, an I/O error): source is empty. */
  error?: string;
}

export interface ReadMailOptions {
  /** Most bytes of one message kept in memory (default 64 MB); a larger message is cut and its size reported. */
  maxBytes?: number;
}

export type MailSourceKind = 'eml' | 'folder' | 'maildir' | 'mbox';

const MAX_FILE = 64 * 1024 * 1024;
const SNIFF = 64 * 1024;

/**
 * An mbox separator line ("From " line) as mboxo/mboxrd writers produce it (qmail's mbox(5), Python's
 * mailbox, Thunderbird's "From - "): `From `, the envelope sender (an address, MAILER-DAEMON, or `-`),
 * then an asctime date (`Mon Nov 30 10:00:00 2026`, seconds optional, a zone before or after the year).
 * A body line that merely starts with "From " (`From me to you: ...`) is not one.
 */
const SEPARATOR =
  /^From \S{1,500} +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?(?: +(?:[A-Z]{1,5}|[+-]\d{4}))? +\d{4}(?: +(?:[A-Z]{1,5}|[+-]\d{4}))?(?: .*)?$/;

export function isMboxSeparator(line: string): boolean {
  return line.startsWith('From ') && SEPARATOR.test(line.endsWith('\r') ? line.slice(0, -1) : line);
}

/** The header names one of which every mail message has before its first blank line. */
const KEY_HEADER = /^(?:from|date|message-id|subject|received)[ \t]*:/im;
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const FIRST_LINE_END = /\r?\n|\r/;
const LF_CR_LF = Buffer.from('\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');
const CR_CR = Buffer.from('\r\r', 'latin1');

/**
 * Where /\r?\n\r?\n|\r\r/ first matches in the latin1 text of `head` (-1: nowhere), by native searches, without
 * making that text. The first alternative's leftmost match starts at the first LF followed by LF or CRLF (the
 * first LF CR LF, or an LF LF before it), or at the CR just before that LF (a match further left would need such
 * an LF further left); the second, at the first CR CR; the regex gives the leftmost of the two.
 */
function blankLineIndex(head: Buffer): number {
  const crlf = head.indexOf(LF_CR_LF);
  const lflf = (crlf === -1 ? head : head.subarray(0, crlf + 1)).indexOf(LF_LF);
  const i = lflf !== -1 ? lflf : crlf;
  const lf = i === -1 ? -1 : i > 0 && head[i - 1] === 0x0d ? i - 1 : i;
  const cr = (lf === -1 ? head : head.subarray(0, lf + 1)).indexOf(CR_CR);
  return cr !== -1 ? cr : lf;
}

/**
 * Why a buffer is not an RFC 5322 message (null when it is one): empty, NUL-heavy binary, or no header
 * section with at least one of From, Date, Message-ID, Subject or Received before the first blank line.
 * Cheap: looks at the first 64 KB only.
 */
export function notMailReason(buf: Buffer): string | null {
  if (buf.length === 0) return 'empty file';
  const head = buf.subarray(0, Math.min(buf.length, SNIFF));
  const probe = Math.min(head.length, 4096);
  // NUL bytes counted from the first one on (a native search: most messages have none, and then nothing is counted).
  const firstNul = head.indexOf(0);
  if (firstNul >= 0 && firstNul < probe) {
    let nul = 0;
    for (let i = firstNul; i < probe; i++) if (head[i] === 0) nul++;
    if (nul > 16 && nul * 20 > probe) return 'binary data (NUL bytes), not a mail message';
  }
  const blank = blankLineIndex(head);
  const section = head.toString('latin1', 0, blank === -1 ? head.length : blank);
  const first = section.split(FIRST_LINE_END, 1)[0] ?? '';
  // A message saved from an mbox keeps its separator line, in whatever shape the writer gave it
  // ("From MAILER-DAEMON Mon 1 Jan 2015 00:00:00 +0900", "From () 2019-10-02 ..."): any "From " line will do
  // here (splitting an mbox needs the strict form, a single message does not).
  if (!HEADER_LINE.test(first) && !first.startsWith('From ')) return 'no mail header section (not a mail message)';
  if (!KEY_HEADER.test(section)) return 'no From, Date, Message-ID, Subject or Received header (not a mail message)';
  return null;
}

/** The first line that is not blank, from the start of a buffer. */
function firstLine(head: Buffer): string {
  const text = head.toString('latin1').replace(/^[\r\n]+/, '');
  return text.split(/\r?\n|\r/, 1)[0] ?? '';
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function isMaildir(dir: string): boolean {
  for (const sub of ['cur', 'new']) {
    try {
      if (statSync(join(dir, sub)).isDirectory()) return true;
    } catch {
      // not there
    }
  }
  return false;
}

/** What the path holds. Pipes, FIFOs and character devices (and `-`) are read as 'eml' or 'mbox' by content. */
export function detectKind(path: string): MailSourceKind {
  if (path === '-') return 'eml';
  if (!existsSync(path)) throw new Error(`no such file or folder: ${path}`);
  const st = statSync(path);
  if (st.isDirectory()) return isMaildir(path) ? 'maildir' : 'folder';
  if (!st.isFile()) return 'eml'; // a stream: its content decides, when it is read (readMailFiles)
  return isMboxSeparator(firstLine(readHead(path, 4096))) ? 'mbox' : 'eml';
}

/** A regular file's first `max` bytes, and its whole size (a huge message: the parser only reads the start anyway). */
function readCapped(path: string, max: number): { source: Buffer; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, max));
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, null);
      if (n === 0) break;
      off += n;
    }
    return { source: buf.subarray(0, off), size: Math.max(size, off) };
  } finally {
    closeSync(fd);
  }
}

type Candidate = { path: string; kind: 'eml' | 'mbox' } | { path: string; error: string };

const EMPTY = Buffer.alloc(0);

/** Why a file or folder cannot be read, in a few words ("permission denied", "it is a folder, not a file"). */
function whyUnreadable(err: unknown): string {
  return fsReason(err, 'read');
}

/**
 * A Maildir's Maildir++ subfolders (`.Junk`, `.Spam`, `.Sent`, `.INBOX.Spam` ...: dot-named folders with cur/
 * and/or new/), split by the rule `inbox sync` uses for IMAP folders: the junk/spam ones are read with the
 * Maildir (a reply filed as spam is still a reply), the others (.Sent, .Trash, .Drafts, .Archive ...) are not.
 */
export function maildirSubfolders(dir: string): { junk: string[]; other: string[] } {
  const out = { junk: [] as string[], other: [] as string[] };
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out; // the Maildir itself being unreadable is reported by its caller
  }
  for (const name of names) {
    if (!name.startsWith('.') || name === '.' || name === '..' || name.length < 2) continue;
    const p = join(dir, name);
    try {
      if (!statSync(p).isDirectory() || !isMaildir(p)) continue;
    } catch {
      continue;
    }
    (isJunkFolderName(name.slice(1)) ? out.junk : out.other).push(p);
  }
  return out;
}

/**
 * Files of a Maildir (cur/ and new/; tmp/ holds messages still being delivered and is not read), then those of
 * its junk/spam Maildir++ subfolders (see maildirSubfolders).
 */
function* maildirFiles(dir: string, subfolders = true): Generator<Candidate> {
  for (const sub of ['cur', 'new']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch (err) {
      yield { path: d, error: whyUnreadable(err) };
      continue;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      try {
        if (statSync(p).isFile()) yield { path: p, kind: 'eml' };
      } catch (err) {
        // gone between the listing and now (a mail client moved it), or not reachable
        yield { path: p, error: whyUnreadable(err) };
      }
    }
  }
  if (subfolders) for (const sub of maildirSubfolders(dir).junk) yield* maildirFiles(sub, false);
}

/**
 * The Maildir++ subfolders an import of `path` reads (junk/spam ones) and skips (the others: the user can import
 * one by giving its path), for a Maildir and for the Maildirs inside a folder (as readMailFiles walks it).
 */
export function maildirSubfolderReport(path: string): { read: string[]; skipped: string[] } {
  const report = { read: [] as string[], skipped: [] as string[] };
  const visit = (dir: string, depth: number) => {
    if (isMaildir(dir)) {
      const { junk, other } = maildirSubfolders(dir);
      report.read.push(...junk);
      report.skipped.push(...other);
      return;
    }
    if (depth > 8) return;
    let names;
    try {
      names = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of names) if (!e.name.startsWith('.') && e.isDirectory()) visit(join(dir, e.name), depth + 1);
  };
  try {
    if (path !== '-' && statSync(path).isDirectory()) visit(path, 0);
  } catch {
    // not there or not readable: the import reports it
  }
  return report;
}

interface FolderScan {
  files: number;
  skipped: string[];
}

/**
 * Mail files under a folder: .eml/.mbox/.mbx by name, Maildirs inside it, and any other file whose
 * content is a message or an mbox (a folder of saved messages without extensions). What is neither is
 * counted in `scan.skipped`; what cannot be read is handed over as an error. (.msg is Outlook's binary
 * format, not RFC 5322.) The top folder itself being unreadable throws.
 */
function* walkFolder(dir: string, scan: FolderScan, depth = 0): Generator<Candidate> {
  if (depth > 8) return;
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    if (depth === 0) throw new UserError(`Cannot read the folder ${dir}: ${whyUnreadable(err)}.`);
    yield { path: dir, error: whyUnreadable(err) };
    return;
  }
  for (const e of names) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (isMaildir(p)) {
        for (const c of maildirFiles(p)) {
          scan.files++;
          yield c;
        }
      } else yield* walkFolder(p, scan, depth + 1);
      continue;
    }
    if (!e.isFile()) continue;
    scan.files++;
    const ext = extname(e.name).toLowerCase();
    if (ext === '.mbox' || ext === '.mbx') {
      yield { path: p, kind: 'mbox' };
      continue;
    }
    let head: Buffer;
    try {
      head = readHead(p, SNIFF);
    } catch (err) {
      yield { path: p, error: whyUnreadable(err) };
      continue;
    }
    if (isMboxSeparator(firstLine(head))) yield { path: p, kind: 'mbox' };
    else if (ext === '.eml' || notMailReason(head) === null) yield { path: p, kind: 'eml' };
    else if (scan.skipped.length < 1000) scan.skipped.push(p);
  }
}

const CRLF = Buffer.from('\r\n');
const FROM_ = Buffer.from('From ');
const CONTENT_LENGTH = /^content-length[ \t]*:[ \t]*(\d{1,15})[ \t]*\r?\n?$/i;

function lineIsSeparator(line: Buffer): boolean {
  if (line.length < 6 || line[0] !== 0x46 || !line.subarray(0, 5).equals(FROM_)) return false;
  let s = line.subarray(0, Math.min(line.length, 1200)).toString('latin1');
  if (s.endsWith('\n')) s = s.slice(0, -1);
  return isMboxSeparator(s);
}

/** Bytes of the line ending (\n or \r\n) at the end of a line (0: no ending, the last line of the file). */
function endingOf(line: Buffer): number {
  const n = line.length;
  if (n === 0 || line[n - 1] !== 0x0a) return 0;
  return n >= 2 && line[n - 2] === 0x0d ? 2 : 1;
}

const isBlank = (line: Buffer) => line.length > 0 && line.length === endingOf(line);

/** mboxrd: a body line ">From ", ">>From " ... had one ">" added by the writer. */
function isQuotedFrom(line: Buffer, at: number): boolean {
  if (line[at] !== 0x3e) return false;
  let i = at;
  while (line[i] === 0x3e) i++;
  return line.length - i >= 5 && line.subarray(i, i + 5).equals(FROM_);
}

/**
 * Splits an mbox into messages, fed line by line (each line with its ending; a line longer than the cap may come
 * in pieces). mboxo/mboxrd: a From_ separator line starts a message (">From " quoting is undone). mboxcl2: a
 * message with a `Content-Length:` header whose length ends on a line boundary followed only by blank lines and
 * then a separator (or the end of the file) keeps a From_ line inside that length as body text; a length that
 * does not land there is ignored (the message is split at From_ lines, as without the header). Messages are
 * named FILE:LINE (the line of their From_ line). At most `cap` bytes of a message are kept; `size` is counted
 * in full (CRLF line ends, as the message is handed over and as IMAP counts it).
 */
class MboxSplitter {
  readonly out: MailFile[] = [];
  private started = false;
  /** The current message's lines, its From_ line first, with their file offsets and line numbers. */
  private lines: Buffer[] = [];
  private offs: number[] = [];
  private nos: number[] = [];
  /** Whether each stored buffer starts a line (false: a continuation piece of a very long line). */
  private starts: boolean[] = [];
  private kept = 0;
  private size = 0;
  private blankTail = 0;
  private truncated = false;
  private inBody = false;
  private contentLength = -1;
  private clEnd = -1;
  private noCl = false;
  /** Index (in lines) of the first From_ line met inside the Content-Length body, -1 when none. */
  private pendingAt = -1;
  private atLineStart = true;

  constructor(
    private readonly label: string,
    private readonly cap: number,
  ) {}

  feed(line: Buffer, off: number, no: number, lineStart = true): void {
    const complete = endingOf(line) > 0;
    if (lineStart && lineIsSeparator(line)) {
      if (!this.started) {
        this.start(line, off, no);
        return;
      }
      if (this.clEnd >= 0) {
        if (off < this.clEnd) {
          // Inside the declared body: body text, if the length turns out right.
          if (this.pendingAt < 0) this.pendingAt = this.lines.length;
          this.add(line, off, no, lineStart, complete);
          return;
        }
        // At or after the declared end (only blank lines in between, checked as they came): a real separator.
      }
      this.flush();
      this.start(line, off, no);
      return;
    }
    if (!this.started) return; // before the first separator
    if (this.clEnd >= 0) {
      const end = off + line.length;
      const broken = (off < this.clEnd && end > this.clEnd) || (off >= this.clEnd && !isBlank(line));
      if (broken) {
        if (this.pendingAt >= 0) {
          this.fallback();
          this.feed(line, off, no, lineStart);
          return;
        }
        this.clEnd = -1; // a wrong length, and nothing split differently because of it: ignored
      }
    }
    this.add(line, off, no, lineStart, complete);
  }

  /** The end of the file at offset `eof`. */
  end(eof: number): void {
    if (!this.started) return;
    if (this.clEnd >= 0 && this.pendingAt >= 0 && eof < this.clEnd) {
      this.fallback();
      this.end(eof);
      return;
    }
    this.flush();
    this.started = false;
  }

  private start(line: Buffer, off: number, no: number): void {
    this.started = true;
    this.lines = [line];
    this.offs = [off];
    this.nos = [no];
    this.starts = [true];
    this.kept = 0;
    this.size = 0;
    this.blankTail = 0;
    this.truncated = false;
    this.inBody = false;
    this.contentLength = -1;
    this.clEnd = -1;
    this.noCl = false;
    this.pendingAt = -1;
    this.atLineStart = true;
  }

  private add(line: Buffer, off: number, no: number, lineStart: boolean, complete: boolean): void {
    const ending = endingOf(line);
    const quoted = lineStart && isQuotedFrom(line, 0) ? 1 : 0;
    const n = line.length - ending - quoted + (complete ? 2 : 0);
    this.size += n;
    if (lineStart && complete && ending === line.length) this.blankTail++;
    else this.blankTail = 0;
    if (!this.inBody && lineStart) {
      if (ending === line.length && complete) {
        this.inBody = true;
        // mboxcl2: honoured only when the whole message fits under the cap (it may have to be split again).
        if (this.contentLength >= 0 && !this.noCl && !this.truncated && off + line.length + this.contentLength - this.offs[0]! <= this.cap) {
          this.clEnd = off + line.length + this.contentLength;
        }
      } else if ((line[0] === 0x43 || line[0] === 0x63) && line.length < 200) {
        const m = CONTENT_LENGTH.exec(line.toString('latin1'));
        if (m) this.contentLength = this.contentLength === -1 ? Number(m[1]) : -2; // two of them: trust neither
      }
    }
    if (this.truncated) return;
    if (this.clEnd < 0 && this.kept + n > this.cap) {
      this.truncated = true;
      return;
    }
    this.kept += n;
    this.lines.push(line);
    this.offs.push(off);
    this.nos.push(no);
    this.starts.push(lineStart);
  }

  /** The Content-Length did not hold: the message ends at its first From_ line and what follows is read again. */
  private fallback(): void {
    const at = this.pendingAt;
    const rest = { lines: this.lines.slice(at), offs: this.offs.slice(at), nos: this.nos.slice(at), starts: this.starts.slice(at) };
    const head = { lines: this.lines.slice(1, at), offs: this.offs.slice(1, at), nos: this.nos.slice(1, at), starts: this.starts.slice(1, at) };
    this.start(this.lines[0]!, this.offs[0]!, this.nos[0]!);
    this.noCl = true;
    for (let i = 0; i < head.lines.length; i++) this.add(head.lines[i]!, head.offs[i]!, head.nos[i]!, head.starts[i]!, endingOf(head.lines[i]!) > 0);
    this.flush();
    this.started = false;
    for (let i = 0; i < rest.lines.length; i++) this.feed(rest.lines[i]!, rest.offs[i]!, rest.nos[i]!, rest.starts[i]!);
  }

  private flush(): void {
    // The blank line(s) before the next "From " belong to the mbox, not the message.
    let last = this.lines.length;
    if (!this.truncated) {
      let blanks = this.blankTail;
      while (blanks > 0 && last > 1 && isBlank(this.lines[last - 1]!)) {
        last--;
        blanks--;
      }
    }
    const size = this.size - 2 * this.blankTail;
    const parts: Buffer[] = [];
    for (let i = 1; i < last; i++) {
      const l = this.lines[i]!;
      const ending = endingOf(l);
      const from = this.starts[i] && isQuotedFrom(l, 0) ? 1 : 0;
      parts.push(l.subarray(from, l.length - ending));
      if (ending || i === last - 1) parts.push(CRLF);
    }
    const name = `${this.label}:${this.nos[0]}`;
    this.lines = [];
    this.offs = [];
    this.nos = [];
    this.starts = [];
    if (size <= 0 || parts.length === 0) return;
    const source = Buffer.concat(parts);
    this.out.push(this.truncated ? { name, source, size } : { name, source });
  }
}

/**
 * The messages of an mbox read as byte chunks. Lines are cut at \n; a line longer than the cap (no newline in
 * megabytes: binary) is fed in pieces so it is never held whole.
 */
async function* readMbox(chunks: AsyncIterable<Buffer | string>, label: string, cap: number): AsyncGenerator<MailFile> {
  const sp = new MboxSplitter(label, cap);
  let carry: Buffer[] = [];
  let carried = 0;
  let off = 0; // file offset of the next byte to feed
  let no = 0;
  let lineStart = true;
  const pieceMax = Math.max(64 * 1024, Math.min(cap, 8 * 1024 * 1024));
  for await (const c of chunks) {
    const chunk = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) break;
      let line = chunk.subarray(pos, nl + 1);
      if (carried) {
        line = Buffer.concat([...carry, line]);
        carry = [];
        carried = 0;
      }
      if (lineStart) no++;
      sp.feed(line, off, no, lineStart);
      off += line.length;
      lineStart = true;
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      // Copied: a chunk is not kept alive by a few bytes of it.
      const rest = Buffer.from(chunk.subarray(pos));
      carry.push(rest);
      carried += rest.length;
      if (carried > pieceMax) {
        const piece = Buffer.concat(carry);
        carry = [];
        carried = 0;
        if (lineStart) no++;
        sp.feed(piece, off, no, lineStart);
        off += piece.length;
        lineStart = false;
      }
    }
    if (sp.out.length) yield* sp.out.splice(0);
  }
  if (carried) {
    const piece = Buffer.concat(carry);
    if (lineStart) no++;
    sp.feed(piece, off, no, lineStart);
    off += piece.length;
  }
  sp.end(off);
  yield* sp.out.splice(0);
}

function mboxFile(path: string, cap: number): AsyncGenerator<MailFile> {
  return readMbox(createReadStream(path, { highWaterMark: 256 * 1024 }), basename(path), cap);
}

function isStdin(path: string): boolean {
  return path === '-' || path === '/dev/stdin' || path === '/dev/fd/0' || path === '/proc/self/fd/0';
}

/**
 * A pipe, FIFO or character device (or stdin for `-`): read sequentially (no positioned reads, which
 * fail with ESPIPE), an mbox when its first line is a separator, else one message capped at `cap` (the rest is
 * read and counted, not kept).
 */
async function* readStream(path: string, cap: number): AsyncGenerator<MailFile> {
  // Standard input by name: read through process.stdin (opening /dev/stdin fails when it is a socket).
  const input: Readable = isStdin(path) ? process.stdin : createReadStream(path, { highWaterMark: 256 * 1024 });
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let done = false;
  /** Reads chunks into `into` until `limit` bytes or the end; returns the bytes held. */
  const fill = async (into: Buffer[], have: number, limit: number): Promise<number> => {
    while (!done && have < limit) {
      const r = await it.next();
      if (r.done) done = true;
      else {
        const b = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
        into.push(b);
        have += b.length;
      }
    }
    return have;
  };
  // Enough to see the first non-blank line.
  const chunks: Buffer[] = [];
  await fill(chunks, 0, 4096);
  const head = Buffer.concat(chunks);
  const name = path === '-' ? 'stdin' : path;
  if (isMboxSeparator(firstLine(head.subarray(0, 4096)))) {
    async function* rest(): AsyncGenerator<Buffer> {
      yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
      }
    }
    yield* readMbox(rest(), name, cap);
    return;
  }
  const parts: Buffer[] = [head];
  let size = await fill(parts, head.length, cap);
  let source = Buffer.concat(parts);
  if (source.length > cap) source = Buffer.from(source.subarray(0, cap));
  parts.length = 0;
  // Over the cap: the rest is read (a writer must not block on a full pipe) and counted.
  while (!done) {
    const r = await it.next();
    if (r.done) done = true;
    else size += typeof r.value === 'string' ? Buffer.byteLength(r.value, 'latin1') : r.value.length;
  }
  const why = notMailReason(source);
  if (why) throw new UserError(`${name}: ${why}.`, 'Give `inbox import` an .eml file, an mbox, a Maildir or a folder of mail files.');
  yield size > source.length ? { name, source, size } : { name, source };
}

/** Every message at the path, one at a time. Items with `error` are files that could not be read (skipped). */
export async function* readMailFiles(path: string, opts: ReadMailOptions = {}): AsyncGenerator<MailFile> {
  const cap = Math.max(64 * 1024, opts.maxBytes ?? MAX_FILE);
  if (path === '-' || (isStdin(path) && !statSync(path).isFile() && !statSync(path).isDirectory())) {
    yield* readStream(path, cap);
    return;
  }
  if (!existsSync(path)) throw new Error(`no such file or folder: ${path}`);
  const st = statSync(path);
  if (!st.isDirectory() && !st.isFile()) {
    yield* readStream(path, cap);
    return;
  }
  let kind: MailSourceKind;
  try {
    kind = detectKind(path);
  } catch (err) {
    throw new UserError(`Cannot read ${path}: ${whyUnreadable(err)}.`);
  }
  if (kind === 'eml') {
    let got: { source: Buffer; size: number };
    try {
      got = readCapped(path, cap);
    } catch (err) {
      throw new UserError(`Cannot read ${path}: ${whyUnreadable(err)}.`);
    }
    // One file that is not mail: nothing at all could be read.
    const why = notMailReason(got.source);
    if (why) throw new UserError(`${path}: ${why}.`, 'Give `inbox import` an .eml file, an mbox, a Maildir or a folder of mail files.');
    yield got.size > got.source.length ? { name: path, source: got.source, size: got.size } : { name: path, source: got.source };
    return;
  }
  if (kind === 'mbox') {
    let n = 0;
    try {
      for await (const m of mboxFile(path, cap)) {
        n++;
        yield m;
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`Cannot read ${path}${n ? ` after ${n} message${n === 1 ? '' : 's'}` : ''}: ${whyUnreadable(err)}.`);
    }
    return;
  }
  if (kind === 'maildir') {
    try {
      readdirSync(path);
    } catch (err) {
      throw new UserError(`Cannot read the folder ${path}: ${whyUnreadable(err)}.`);
    }
  }
  const scan: FolderScan = { files: 0, skipped: [] };
  // Messages that look like mail; the others are still handed over (the parser refuses them, and the
  // import reports each one) but when there is none at all, the folder holds no mail: say so.
  let good = 0;
  let unreadable = 0;
  const refused: string[] = [];
  const files = kind === 'maildir' ? maildirFiles(path) : walkFolder(path, scan);
  for (const f of files) {
    if ('error' in f) {
      unreadable++;
      yield { name: f.path, source: EMPTY, error: f.error };
      continue;
    }
    if (f.kind === 'mbox') {
      try {
        for await (const m of mboxFile(f.path, cap)) {
          if (notMailReason(m.source) === null) good++;
          else if (refused.length < 1000) refused.push(m.name);
          yield m;
        }
      } catch (err) {
        // What was read of it is in; the rest of this file is reported, the other files go on.
        unreadable++;
        yield { name: f.path, source: EMPTY, error: whyUnreadable(err) };
      }
      continue;
    }
    let got: { source: Buffer; size: number };
    try {
      got = readCapped(f.path, cap);
    } catch (err) {
      unreadable++;
      yield { name: f.path, source: EMPTY, error: whyUnreadable(err) };
      continue;
    }
    if (notMailReason(got.source) === null) good++;
    else if (refused.length < 1000) refused.push(f.path);
    yield got.size > got.source.length ? { name: f.path, source: got.source, size: got.size } : { name: f.path, source: got.source };
  }
  if (good === 0 && unreadable === 0 && (refused.length > 0 || scan.skipped.length > 0)) {
    const found = [...refused, ...scan.skipped];
    const shown = found.slice(0, 5).map((p) => basename(p));
    const n = kind === 'maildir' ? refused.length : scan.files;
    throw new UserError(
      `No mail found in ${path}: ${n} file${n === 1 ? '' : 's'} (${shown.join(', ')}${found.length > shown.length ? ', …' : ''}), none of them a mail message.`,
      'Give `inbox import` .eml files, an mbox, or a Maildir (a folder with cur/ and/or new/).',
    );
  }
}
