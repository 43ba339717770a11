// Reads mail from files for `inbox import`: one .eml file, a folder of mail files, a Maildir (cur/ and/or
// new/), an mbox, or a pipe (`-` or /dev/stdin: an .eml or an mbox, read sequentially). Streams: an mbox
// of any size is read line by line, one message in memory at a time.
import { createReadStream, existsSync, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join, basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { UserError } from '../errors.js';

export interface MailFile {
  /** Where the message came from: a file path, or `NAME:N` for the Nth message of an mbox. */
  name: string;
  source: Buffer;
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

/**
 * Why a buffer is not an RFC 5322 message (null when it is one): empty, NUL-heavy binary, or no header
 * section with at least one of From, Date, Message-ID, Subject or Received before the first blank line.
 * Cheap: looks at the first 64 KB only.
 */
export function notMailReason(buf: Buffer): string | null {
  if (buf.length === 0) return 'empty file';
  const head = buf.subarray(0, Math.min(buf.length, SNIFF));
  let nul = 0;
  for (let i = 0; i < Math.min(head.length, 4096); i++) if (head[i] === 0) nul++;
  if (nul > 16 && nul * 20 > Math.min(head.length, 4096)) return 'binary data (NUL bytes), not a mail message';
  const text = head.toString('latin1');
  const blank = /\r?\n\r?\n|\r\r/.exec(text);
  const section = blank ? text.slice(0, blank.index) : text;
  const first = section.split(/\r?\n|\r/, 1)[0] ?? '';
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

/** At most MAX_FILE bytes of a regular file (a huge message: the parser only reads the start anyway). */
function readCapped(path: string): Buffer {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, MAX_FILE));
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, null);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

interface Candidate {
  path: string;
  kind: 'eml' | 'mbox';
}

/** Files of a Maildir (cur/ and new/; tmp/ holds messages still being delivered and is not read). */
function* maildirFiles(dir: string): Generator<Candidate> {
  for (const sub of ['cur', 'new']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isFile()) yield { path: p, kind: 'eml' };
    }
  }
}

interface FolderScan {
  files: number;
  skipped: string[];
}

/**
 * Mail files under a folder: .eml/.mbox/.mbx by name, Maildirs inside it, and any other file whose
 * content is a message or an mbox (a folder of saved messages without extensions). What is neither is
 * counted in `scan.skipped`. (.msg is Outlook's binary format, not RFC 5322.)
 */
function* walkFolder(dir: string, scan: FolderScan, depth = 0): Generator<Candidate> {
  if (depth > 8) return;
  const names = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
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
    const head = readHead(p, SNIFF);
    if (isMboxSeparator(firstLine(head))) yield { path: p, kind: 'mbox' };
    else if (ext === '.eml' || notMailReason(head) === null) yield { path: p, kind: 'eml' };
    else if (scan.skipped.length < 1000) scan.skipped.push(p);
  }
}

/** The lines of a stream (latin1: bytes map 1:1 to code units, so the original bytes come back unchanged). */
function linesOf(input: Readable): AsyncIterable<string> {
  return createInterface({ input, crlfDelay: Infinity });
}

async function* readMbox(lines: AsyncIterable<string>, label: string): AsyncGenerator<MailFile> {
  let buf: string[] = [];
  let size = 0;
  let n = 0;
  let truncated = false;
  const flush = (): MailFile | null => {
    // The blank line(s) before the next "From " belong to the mbox, not the message.
    while (buf.length && buf[buf.length - 1] === '') buf.pop();
    if (!buf.length) return null;
    const m = { name: `${label}:${++n}`, source: Buffer.from(buf.join('\r\n') + '\r\n', 'latin1') };
    buf = [];
    size = 0;
    truncated = false;
    return m;
  };
  let started = false;
  for await (const line of lines) {
    if (isMboxSeparator(line)) {
      const m = started ? flush() : null;
      started = true;
      if (m) yield m;
      continue;
    }
    if (!started || truncated) continue;
    // mboxrd: ">From " quoting of body lines.
    const l = line.charCodeAt(0) === 62 && /^>+From /.test(line) ? line.slice(1) : line;
    size += l.length + 2;
    if (size > MAX_FILE) {
      truncated = true;
      continue;
    }
    buf.push(l);
  }
  const last = flush();
  if (last) yield last;
}

function mboxFile(path: string): AsyncGenerator<MailFile> {
  return readMbox(linesOf(createReadStream(path, { encoding: 'latin1', highWaterMark: 256 * 1024 })), basename(path));
}

function isStdin(path: string): boolean {
  return path === '-' || path === '/dev/stdin' || path === '/dev/fd/0' || path === '/proc/self/fd/0';
}

/**
 * A pipe, FIFO or character device (or stdin for `-`): read sequentially (no positioned reads, which
 * fail with ESPIPE), an mbox when its first line is a separator, else one message capped at MAX_FILE.
 */
async function* readStream(path: string): AsyncGenerator<MailFile> {
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
    async function* rest(): AsyncGenerator<string> {
      yield head.toString('latin1');
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield typeof r.value === 'string' ? r.value : r.value.toString('latin1');
      }
    }
    yield* readMbox(linesOf(Readable.from(rest())), name);
    return;
  }
  const parts: Buffer[] = [head];
  await fill(parts, head.length, MAX_FILE);
  if (!done) await it.return?.(); // capped: the rest is not read
  const source = Buffer.concat(parts).subarray(0, MAX_FILE);
  const why = notMailReason(source);
  if (why) throw new UserError(`${name}: ${why}.`, 'Give `inbox import` an .eml file, an mbox, a Maildir or a folder of mail files.');
  yield { name, source };
}

/** Every message at the path, one at a time. */
export async function* readMailFiles(path: string): AsyncGenerator<MailFile> {
  if (path === '-' || (isStdin(path) && !statSync(path).isFile() && !statSync(path).isDirectory())) {
    yield* readStream(path);
    return;
  }
  if (!existsSync(path)) throw new Error(`no such file or folder: ${path}`);
  const st = statSync(path);
  if (!st.isDirectory() && !st.isFile()) {
    yield* readStream(path);
    return;
  }
  const kind = detectKind(path);
  if (kind === 'eml') {
    const source = readCapped(path);
    // One file that is not mail: nothing at all could be read.
    const why = notMailReason(source);
    if (why) throw new UserError(`${path}: ${why}.`, 'Give `inbox import` an .eml file, an mbox, a Maildir or a folder of mail files.');
    yield { name: path, source };
    return;
  }
  if (kind === 'mbox') {
    yield* mboxFile(path);
    return;
  }
  const scan: FolderScan = { files: 0, skipped: [] };
  // Messages that look like mail; the others are still handed over (the parser refuses them, and the
  // import reports each one) but when there is none at all, the folder holds no mail: say so.
  let good = 0;
  const refused: string[] = [];
  const files = kind === 'maildir' ? maildirFiles(path) : walkFolder(path, scan);
  for (const f of files) {
    if (f.kind === 'mbox') {
      for await (const m of mboxFile(f.path)) {
        if (notMailReason(m.source) === null) good++;
        else if (refused.length < 1000) refused.push(m.name);
        yield m;
      }
      continue;
    }
    const source = readCapped(f.path);
    if (notMailReason(source) === null) good++;
    else if (refused.length < 1000) refused.push(f.path);
    yield { name: f.path, source };
  }
  if (good === 0 && (refused.length > 0 || scan.skipped.length > 0)) {
    const found = [...refused, ...scan.skipped];
    const shown = found.slice(0, 5).map((p) => basename(p));
    const n = kind === 'maildir' ? refused.length : scan.files;
    throw new UserError(
      `No mail found in ${path}: ${n} file${n === 1 ? '' : 's'} (${shown.join(', ')}${found.length > shown.length ? ', …' : ''}), none of them a mail message.`,
      'Give `inbox import` .eml files, an mbox, or a Maildir (a folder with cur/ and/or new/).',
    );
  }
}
