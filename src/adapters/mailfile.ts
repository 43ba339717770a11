// Reads mail from files for `inbox import`: one .eml file, a folder of .eml files, a Maildir (cur/ and
// new/), or an mbox. Streams: an mbox of any size is read line by line, one message in memory at a time.
import { createReadStream, existsSync, openSync, readSync, closeSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { createInterface } from 'node:readline';

export interface MailFile {
  /** Where the message came from: a file path, or `mbox:N` for the Nth message of an mbox. */
  name: string;
  source: Buffer;
}

export type MailSourceKind = 'eml' | 'folder' | 'maildir' | 'mbox';

function startsWithFrom(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(5);
    const n = readSync(fd, buf, 0, 5, 0);
    return n === 5 && buf.toString('latin1') === 'From ';
  } finally {
    closeSync(fd);
  }
}

export function detectKind(path: string): MailSourceKind {
  if (!existsSync(path)) throw new Error(`no such file or folder: ${path}`);
  const st = statSync(path);
  if (st.isDirectory()) {
    const entries = new Set(readdirSync(path));
    if (entries.has('cur') && entries.has('new')) return 'maildir';
    return 'folder';
  }
  return startsWithFrom(path) ? 'mbox' : 'eml';
}

const MAX_FILE = 64 * 1024 * 1024;

function readCapped(path: string): Buffer {
  const size = statSync(path).size;
  if (size <= MAX_FILE) return readFileSync(path);
  // A huge file: the parser only reads the start anyway.
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_FILE);
    readSync(fd, buf, 0, MAX_FILE, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

function* walkFolder(dir: string, depth = 0): Generator<string> {
  if (depth > 8) return;
  const names = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of names) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const inner = new Set(readdirSync(p));
      if (inner.has('cur') && inner.has('new')) yield* maildirFiles(p);
      else yield* walkFolder(p, depth + 1);
    } else if (e.isFile() && /\.(eml|mbox|mbx)$/i.test(e.name)) yield p; // .msg is Outlook's binary format, not RFC 5322
  }
}

function* maildirFiles(dir: string): Generator<string> {
  for (const sub of ['cur', 'new']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isFile()) yield p;
    }
  }
}

async function* readMbox(path: string): AsyncGenerator<MailFile> {
  // latin1 maps bytes 1:1 to code units, so the original bytes come back unchanged.
  const rl = createInterface({ input: createReadStream(path, { encoding: 'latin1', highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
  let lines: string[] = [];
  let size = 0;
  let n = 0;
  let truncated = false;
  const flush = (): MailFile | null => {
    if (!lines.length) return null;
    // The blank line before the next "From " belongs to the mbox, not the message.
    if (lines[lines.length - 1] === '') lines.pop();
    const m = { name: `${basename(path)}:${++n}`, source: Buffer.from(lines.join('\r\n') + '\r\n', 'latin1') };
    lines = [];
    size = 0;
    truncated = false;
    return m;
  };
  let started = false;
  for await (const line of rl) {
    if (line.startsWith('From ') && (!started || lines.length === 0 || lines[lines.length - 1] === '')) {
      const m = started ? flush() : null;
      started = true;
      if (m) yield m;
      continue;
    }
    if (!started) continue;
    if (truncated) continue;
    // mboxrd: ">From " quoting of body lines.
    const l = /^>+From /.test(line) ? line.slice(1) : line;
    size += l.length + 2;
    if (size > MAX_FILE) {
      truncated = true;
      continue;
    }
    lines.push(l);
  }
  const last = flush();
  if (last) yield last;
}

/** Every message at the path, one at a time. */
export async function* readMailFiles(path: string): AsyncGenerator<MailFile> {
  const kind = detectKind(path);
  if (kind === 'eml') {
    yield { name: path, source: readCapped(path) };
    return;
  }
  if (kind === 'mbox') {
    yield* readMbox(path);
    return;
  }
  const files = kind === 'maildir' ? maildirFiles(path) : walkFolder(path);
  for (const f of files) {
    if (kind === 'folder' && /\.(mbox|mbx)$/i.test(f)) {
      yield* readMbox(f);
      continue;
    }
    yield { name: f, source: readCapped(f) };
  }
}
