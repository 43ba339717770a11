// The parser half of `leads import`, on its own thread: CSV reading (src/domain/csv-read.ts), header mapping and the
// normalization of every row run here while the main thread does nothing but the SQLite inserts. On a
// 1,000,000-row file the two halves cost about the same CPU, so the import takes about half the time it
// takes on one thread (bench/import.mjs).
//
// Protocol (every message is ordered on the one port):
//   in:  {t:'chunk', b: Uint8Array} (transferred) | {t:'end'}
//   out: {t:'header', header, fields, ignored}  once, before any batch
//        {t:'batch', s?: string, a?: unknown[][], n, rejects: RejectedRow[]}  rows of one or more chunks
//        {t:'ack'}  after each chunk, once every row it completed has been posted (the main thread's credit)
//        {t:'done', parseErrors} | {t:'error', ...}
// Rows travel as one string per batch (fields joined by U+001F, null as U+001E): a structured clone of
// arrays of strings costs the main thread about three times as much to receive (measured). A file that
// contains those control characters anywhere switches to arrays for the rest of the import.
import { parentPort, workerData } from 'node:worker_threads';
import { StringDecoder } from 'node:string_decoder';
import { CsvReader } from '../../domain/csv-read.js';
import { isRoleAddress } from '../../domain/normalize.js';
import { mapHeader, toRow, type ImportField } from './import-parse.js';
import { FIELD_SEP, NULL_MARK, TAG_SEP, threadCpu, type WorkerInit } from './import-worker-protocol.js';

interface RejectedRow {
  line: number;
  reason: string;
  record: string[];
}

const port = parentPort!;
const init = workerData as WorkerInit;

const decoder = new StringDecoder('utf8');
const reader = new CsvReader(init.delimiter, onRecord, (e) => {
  if (init.skipInvalid) parseErrors.push({ line: e.line, reason: `malformed CSV: ${e.message}`, record: [e.raw] });
  else fail(Object.assign(new Error(e.message), { code: 'CSV_MALFORMED', lines: e.line }));
});

let header: string[] | null = null;
let fields: (ImportField | null)[] = [];
let prevLine = 0;
let unsafe = false; // the input holds U+001C..U+001F somewhere: rows go as arrays
let parts: string[] = [];
let arrays: unknown[][] = [];
let n = 0;
let rejects: RejectedRow[] = [];
const parseErrors: RejectedRow[] = [];
let failed = false;

const N = (v: string | null) => (v === null ? NULL_MARK : v);

function flush(): void {
  if (!n && !rejects.length) return;
  if (unsafe) port.postMessage({ t: 'batch', a: arrays, n, rejects });
  else port.postMessage({ t: 'batch', s: parts.join(FIELD_SEP), n, rejects });
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
    csv: e?.code === 'CSV_MALFORMED',
    lines: e?.lines ?? prevLine + 1,
  });
}

function onRecord(record: string[], line: number): void {
  if (failed) return;
  prevLine = line;
  if (!header) {
    header = record.map((h) => h.trim());
    try {
      const m = mapHeader(header, init.map);
      fields = m.fields;
      port.postMessage({ t: 'header', header, fields, ignored: m.ignored });
    } catch (err) {
      fail(err);
    }
    return;
  }
  if (record.length === 1 && record[0]!.trim() === '') return; // blank line
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
  const role = row.email !== null && isRoleAddress(row.email) ? '1' : '0';
  if (unsafe) {
    arrays.push([line, row.domain, row.unicode, row.url, row.company, row.country, row.email, row.firstName, row.lastName, row.title, row.phone, row.tags, row.notes, role]);
  } else {
    // One string per row, joined again per batch: one join of 57,000 fields costs twice as much as 4,096 joins of
    // 14 and one of 4,096 (measured: 0.81 s against 0.44 s for 1,000,000 rows).
    parts.push(
      [
        String(line), row.domain, row.unicode, row.url, N(row.company), N(row.country), N(row.email), N(row.firstName), N(row.lastName),
        N(row.title), N(row.phone), row.tags.join(TAG_SEP), N(row.notes), role,
      ].join(FIELD_SEP),
    );
  }
  if (n >= 4096) flush();
}

port.on('message', (m: { t: 'chunk'; b: Uint8Array } | { t: 'end' }) => {
  if (failed) return;
  if (m.t === 'end') {
    reader.push(decoder.end());
    reader.end();
    if (failed) return;
    flush();
    port.postMessage({ t: 'done', parseErrors, header, cpu: threadCpu() });
    return;
  }
  const b = Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength);
  if (!unsafe && (b.includes(0x1c) || b.includes(0x1d) || b.includes(0x1e) || b.includes(0x1f))) {
    flush(); // the rows so far go as a string, the rest as arrays: order is kept
    unsafe = true;
  }
  reader.push(decoder.write(b));
  flush();
  port.postMessage({ t: 'ack' });
});

