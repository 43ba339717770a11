// The parser half of `leads import`, on its own thread: CSV reading (src/domain/csv-read.ts), header mapping and the
// normalization of every row run here while the main thread does nothing but the SQLite inserts. On a
// 1,000,000-row file the two halves cost about the same CPU, so the import takes about half the time it
// takes on one thread (bench/import.mjs).
//
// Protocol (every message is ordered on the one port):
//   in:  {t:'chunk', b: Uint8Array} (transferred) | {t:'end'}
//   out: {t:'header', header, fields, ignored}  once, before any batch
//        {t:'batch', s?: string, a?: unknown[][], n, rejects: RejectedRow[], sup?, warnings?: [line, message, ...]}  rows of one or more chunks
//        {t:'ack'}  after each chunk, once every row it completed has been posted (the main thread's credit)
//        {t:'done', parseErrors} | {t:'error', ...}  (parseErrors: only a file with no header has any left; the
//        malformed records of a file with one go with the batches, as its bad rows do)
// Rows travel as one string per batch (fields joined by U+001F, null as U+001E): a structured clone of
// arrays of strings costs the main thread about three times as much to receive (measured). A file that
// contains those control characters anywhere switches to arrays for the rest of the import.
import { parentPort, workerData } from 'node:worker_threads';
import { StringDecoder } from 'node:string_decoder';
import { CsvReader } from '../../domain/csv-read.js';
import { isPlaceholder, isRoleAddress, normalizeDomain } from '../../domain/normalize.js';
import { restoreCell } from '../../domain/csv.js';
import { isBlankRecord, mapHeader, suppressionOf, toRow, type ImportField } from './import-parse.js';
import { FIELD_SEP, NULL_MARK, TAG_SEP, threadCpu, type WorkerInit } from './import-worker-protocol.js';

interface RejectedRow {
  line: number;
  reason: string;
  record: string[];
}

const port = parentPort!;
/** sepLine: the file starts with Excel's `sep=X` line (import.ts read X as the delimiter): its first record is skipped. */
const init = workerData as WorkerInit & { sepLine?: boolean };
let sepLine = init.sepLine === true;

const decoder = new StringDecoder('utf8');
// A malformed record is a bad row like any other: the reader goes on, so a refused file lists every bad row,
// not only the rows before the first quoting error. It goes with the batch of its rows, in file order (the main
// thread streams the rejects to --rejects as they come and keeps only the first ones: memory stays flat). One
// before the header (the header itself malformed) waits for the header, which the main thread needs first.
const reader = new CsvReader(init.delimiter, onRecord, (e) => {
  const bad = { line: e.line, reason: `malformed CSV: ${e.message}`, record: [e.raw] };
  if (!header) parseErrors.push(bad);
  else {
    n++;
    rejects.push(bad);
    if (n >= 4096) flush();
  }
});

let header: string[] | null = null;
let fields: (ImportField | null)[] = [];
/** Where the `suppressed` and `stage` columns are (-1: none). A file with neither skips suppressionOf entirely. */
let suppressedAt = -1;
let stageAt = -1;
let suppressedDomainAt = -1;
let readsSuppression = false;
/**
 * The suppressions the file states (its `suppressed` or `stage` cells), sent with the batch of their rows, flat:
 * line, the row's domain, its addresses (space-separated, '' for none), reason. Only files with those columns
 * fill it: the rows themselves travel as before.
 */
let sups: (string | number)[] = [];
let prevLine = 0;
let unsafe = false; // the input holds U+001C..U+001F somewhere: rows go as arrays
let parts: string[] = [];
let arrays: unknown[][] = [];
let n = 0;
let rejects: RejectedRow[] = [];
/** Rows imported with something left out (an unknown country): line and message, flat, sent with their batch. */
let warns: (string | number)[] = [];
const parseErrors: RejectedRow[] = [];
let failed = false;

const N = (v: string | null) => (v === null ? NULL_MARK : v);

function flush(): void {
  if (!n && !rejects.length) return;
  const sup = sups.length ? sups : undefined;
  const warnings = warns.length ? warns : undefined;
  if (unsafe) port.postMessage({ t: 'batch', a: arrays, n, rejects, sup, warnings });
  else port.postMessage({ t: 'batch', s: parts.join(FIELD_SEP), n, rejects, sup, warnings });
  if (sup) sups = [];
  if (warnings) warns = [];
  parts = [];
  arrays = [];
  n = 0;
  rejects = [];
}

function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  const e = err as Error & { code?: string; lines?: number; hint?: string; exitCode?: number };
  port.postMessage({
    t: 'error',
    name: e?.name ?? 'Error',
    message: e?.message ?? String(err),
    hint: e?.hint,
    lines: e?.lines ?? prevLine + 1,
  });
}

/** Rows whose cells are all blank (`,,,,`), skipped like empty lines. */
let blankRows = 0;

function onRecord(record: string[], line: number): void {
  if (failed) return;
  prevLine = line;
  // A record of blank cells (`,,,,` as Excel writes a formatted empty row, or an empty line) is skipped: before
  // the header too. The first cell decides most records at once.
  if ((record[0] ?? '').trim() === '' && isBlankRecord(record)) {
    if (header && record.length > 1) blankRows++;
    return;
  }
  if (!header) {
    if (sepLine) {
      sepLine = false;
      return;
    }
    header = record.map((h) => h.trim());
    try {
      const m = mapHeader(header, init.map);
      fields = m.fields;
      suppressedAt = fields.indexOf('suppressed');
      // The stage is read only from a file without a `suppressed` column (a CRM's export): where both are, the
      // `suppressed` cell is per contact, the stage per lead (an --all-contacts export repeats a bounced lead's stage
      // on its colleagues' rows, who may be mailed).
      stageAt = suppressedAt >= 0 ? -1 : fields.indexOf('stage');
      suppressedDomainAt = fields.indexOf('suppressed_domain');
      readsSuppression = suppressedAt >= 0 || stageAt >= 0 || suppressedDomainAt >= 0;
      const ignored = m.ignored;
      const stageCol = fields.indexOf('stage');
      if (stageCol >= 0 && stageAt < 0) ignored.push(`${header[stageCol]} (not imported: the suppressed column tells which rows must never be mailed)`);
      port.postMessage({ t: 'header', header, fields, ignored });
      // malformed records before the header go first, with the first batch
      for (const bad of parseErrors.splice(0)) {
        n++;
        rejects.push(bad);
      }
    } catch (err) {
      fail(err);
    }
    return;
  }
  if (record.length > header.length && record.slice(header.length).some((c) => c.trim() !== '')) {
    n++;
    rejects.push({ line, reason: `${record.length} fields, but the header has ${header.length}`, record });
    return;
  }
  const row = toRow(record, fields);
  n++;
  if (typeof row === 'string') {
    rejects.push({ line, reason: row, record });
    return;
  }
  if (row.warning !== undefined) warns.push(line, row.warning);
  if (readsSuppression) {
    const sup = suppressionOf(record, suppressedAt, stageAt);
    if (sup !== null && 'error' in sup) {
      rejects.push({ line, reason: sup.error, record });
      return;
    }
    // The suppressed domain an export names (`suppressed_domain`): the whole domain goes back on the list as a
    // domain, with the row's reason (a file that names a domain and no reason: `imported`).
    const sdCell = suppressedDomainAt >= 0 ? (record[suppressedDomainAt] ?? '').trim() : '';
    let sd = '';
    if (sdCell !== '' && !isPlaceholder(sdCell)) {
      const d = normalizeDomain(restoreCell(sdCell));
      if (!d.ok || d.value.isIp) {
        rejects.push({ line, reason: `invalid suppressed_domain "${sdCell}": ${d.ok ? 'an IP address is no domain' : d.reason}`, record });
        return;
      }
      sd = d.value.domain;
    }
    if (sup !== null || sd !== '') {
      sups.push(line, row.domain, row.email === null ? '' : [row.email, ...row.otherEmails].join(' '), sup?.reason ?? 'imported', sd);
    }
  }
  const role = row.email !== null && isRoleAddress(row.email) ? '1' : '0';
  // More addresses from the cell ride in the email field, space-separated (a normalized address has no space).
  const email = row.otherEmails.length ? [row.email, ...row.otherEmails].join(' ') : row.email;
  if (unsafe) {
    arrays.push([line, row.domain, row.unicode, row.url, row.company, row.country, email, row.firstName, row.lastName, row.title, row.phone, row.tags, row.notes, role]);
  } else {
    // One string per row, joined again per batch: one join of 57,000 fields costs twice as much as 4,096 joins of
    // 14 and one of 4,096 (measured: 0.81 s against 0.44 s for 1,000,000 rows).
    parts.push(
      [
        String(line), row.domain, row.unicode, N(row.url), N(row.company), N(row.country), N(email), N(row.firstName), N(row.lastName),
        N(row.title), N(row.phone), row.tags.join(TAG_SEP), N(row.notes), role,
      ].join(FIELD_SEP),
    );
  }
  if (n >= 4096) flush();
}

let sawFirst = false;

/**
 * Where the decoded text stops being text: a NUL, or a U+FFFD that the decoder put in for bytes that are not
 * UTF-8 (a U+FFFD the file really holds is the bytes EF BF BD: those are counted out). -1 when it is all text.
 */
function notTextAt(text: string, raw: Buffer): number {
  const nul = text.indexOf('\0');
  let rep = text.indexOf('\uFFFD');
  if (rep >= 0) {
    let inText = 0;
    for (let p = rep; p !== -1; p = text.indexOf('\uFFFD', p + 1)) inText++;
    let inRaw = 0;
    for (let p = raw.indexOf(REPLACEMENT); p !== -1; p = raw.indexOf(REPLACEMENT, p + 3)) inRaw++;
    if (inText <= inRaw) rep = -1;
  }
  if (nul < 0) return rep;
  return rep < 0 ? nul : Math.min(nul, rep);
}
const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/** The file is not UTF-8 CSV text: the import stops with a message naming the file and the line. */
function notText(line: number, what: string, hint?: string): void {
  fail(Object.assign(new Error(`${init.label}:${line}: the file ${what}. Nothing was imported.`), { name: 'UserError', hint }));
}

port.on('message', (m: { t: 'chunk'; b: Uint8Array } | { t: 'end' }) => {
  if (failed) return;
  if (m.t === 'end') {
    reader.push(decoder.end());
    reader.end();
    if (failed) return;
    flush();
    port.postMessage({ t: 'done', parseErrors, header, blankRows, cpu: threadCpu() });
    return;
  }
  const b = Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength);
  if (!sawFirst) {
    sawFirst = true;
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
      return notText(1, 'is UTF-16 text (Excel "Unicode Text"?), not UTF-8', 'Save it as "CSV UTF-8" (Excel: File > Save As), or convert it: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8.csv');
    }
  }
  if (!unsafe && (b.includes(0x1c) || b.includes(0x1d) || b.includes(0x1e) || b.includes(0x1f))) {
    flush(); // the rows so far go as a string, the rest as arrays: order is kept
    unsafe = true;
  }
  const text = decoder.write(b);
  const bad = notTextAt(text, b);
  if (bad >= 0) {
    reader.push(text.slice(0, bad));
    // Binary data (an archive, a spreadsheet's .xlsx, UTF-16 without its BOM) has control bytes all through
    // it; 8-bit text (Windows-1252, Latin-1) has none, however short the file and however many accented
    // letters it has: the bytes of the chunk decide, not the share of undecodable characters (a two-line
    // Latin-1 file is mostly accents).
    let controls = 0;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) controls++;
    }
    const binary = controls > 1 && controls * 100 > b.length;
    if (!binary && text.charCodeAt(bad) === 0) {
      return notText(reader.lineAtEnd, 'has a NUL byte (character 0) on this line, which CSV text never has', 'Remove it (tr -d \'\\000\' < FILE > FILE.clean.csv), or export the file again.');
    }
    return notText(
      reader.lineAtEnd,
      binary ? 'is not a CSV text file (binary data: an .xlsx, an archive, or UTF-16 without its byte order mark?)' : 'has bytes that are not UTF-8 (Windows-1252 or Latin-1?)',
      binary ? 'Export the sheet as "CSV UTF-8" and import that file.' : 'Save it as "CSV UTF-8", or convert it: iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8.csv',
    );
  }
  reader.push(text);
  flush();
  port.postMessage({ t: 'ack' });
});

