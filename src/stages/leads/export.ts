// Streaming export of leads as CSV (RFC 4180, formula cells neutralized), JSON (an array) or JSON Lines.
// A big export in the default order (by creation) is split into ranges of lead ids that two worker threads
// format at once over one consistent snapshot (export-worker.ts), written out in order by this thread.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Db } from '../../db/open.js';
import { csvCell, csvLine } from '../../domain/csv.js';
import { buildLeadQuery, DomainSuppressions, LEAD_COLUMNS, LEAD_WITH_CONTACT_SQL, UNMAILABLE_VALIDATION, type LeadFilter, type LeadSort } from './query.js';

export type ExportFormat = 'csv' | 'json' | 'jsonl';

export interface ExportOptions {
  format: ExportFormat;
  filter: LeadFilter;
  sort?: LeadSort;
  /** Prepend a UTF-8 BOM so Excel reads the file as UTF-8. */
  excel?: boolean;
  limit?: number;
  signal?: AbortSignal;
  /** Worker threads for a big export (default 2; 0 or 1 = this thread only). */
  threads?: number;
  /**
   * One row per contact (the lead's columns repeated), the one that may be mailed first; a lead without contacts
   * is one row. `leads import` merges rows by domain, so such a file imports back as the same leads and contacts.
   */
  allContacts?: boolean;
}

/** Leads per range handed to a worker. */
const RANGE = 8_192;
/** Below this many leads one thread is as fast (a worker costs ~40 ms to start). */
const PARALLEL_FROM = 50_000;

/** A lead query (buildLeadQuery) prepared for formatRows. */
export interface PreparedRows {
  format: ExportFormat;
  stmt: Database.Statement;
  /** CSV: the lead query's row of one lead id, for a row whose text holds a NUL character (see prepareRows). */
  byId?: Database.Statement;
  /** The suppressed domains, for the `suppressed` column (the query itself joins the suppressed addresses). */
  domains: DomainSuppressions;
  /** --exclude-suppressed: leave out a lead when none of its contacts may be mailed (a row, with allContacts). */
  exclude: boolean;
  allContacts: boolean;
  /** A lead's contacts, in the order the query picks its first: id, email, unmailable validation (1), suppression reason. */
  contacts: Database.Statement;
  /** The export's row of a lead with a given contact ({lead, contact}), and where each of LEAD_COLUMNS is in it. */
  withContact: Database.Statement;
  withContactIdx: number[];
}

/**
 * Prepares a lead query for formatRows. For CSV, SQLite joins each row's columns into one string, with NUL
 * characters between them (a subquery: its columns, the tags included, are computed once per row), and JS
 * splits it and formats the cells (csvCell): one string per row crosses from SQLite to JS instead of an
 * array of 17 values (measured on 980,000 leads, one thread: 5.7 s instead of 7.5-9.9 s). A row whose text
 * holds a NUL itself splits into too many fields: it is read again, by id, as an array.
 * The outer SELECT has no ORDER BY, join or aggregate of its own, so SQLite hands the subquery's rows on in
 * the subquery's order (a co-routine); test/unit/export-csv.test.ts compares whole exports in order.
 * JSON rows come as arrays, not objects (a third of the time on a million leads, measured).
 */
export function prepareRows(sqlite: Database.Database, sql: string, format: ExportFormat, filter: LeadFilter, allContacts = false): PreparedRows {
  const domains = DomainSuppressions.load(sqlite);
  const exclude = Boolean(filter.excludeSuppressed);
  const withContact = sqlite.prepare(LEAD_WITH_CONTACT_SQL).raw(true);
  const common = {
    domains,
    exclude,
    allContacts,
    contacts: sqlite
      .prepare(
        `SELECT c.id, c.email, c.validation IN ${UNMAILABLE_VALIDATION}, se.reason FROM contacts c
         LEFT JOIN suppressions se ON se.kind = 'email' AND se.value = c.email
         WHERE c.lead_id = ? ORDER BY c.is_primary DESC, c.is_role ASC, c.id`,
      )
      .raw(true),
    withContact,
    withContactIdx: columnsOf(withContact),
  };
  if (format !== 'csv') return { format, stmt: sqlite.prepare(sql).raw(true), ...common };
  const cells = LEAD_COLUMNS.map((c) =>
    c === 'is_shopify' ? `CASE WHEN "is_shopify" IS NULL THEN '' WHEN "is_shopify" THEN 'true' ELSE 'false' END` : `COALESCE("${c}", '')`,
  );
  const byId = buildLeadQuery({}, 'created', undefined, undefined, [0, 0], false, true).sql;
  return {
    format,
    // the first field: the lead id times 2, plus 1 when its contact may not be mailed (validation), one number
    stmt: sqlite.prepare(`SELECT ("id" * 2 + COALESCE("contact_bad", 0)) || char(0) || ${cells.join(' || char(0) || ')} FROM (${sql})`).pluck(),
    byId: sqlite.prepare(byId).raw(true),
    ...common,
  };
}

/**
 * Formats the rows of a prepared lead query, in pieces of about 64 KB; returns the number of rows written (a
 * row left out by --exclude-suppressed formats as ''). JSON objects are each preceded by ",\n" (the writer
 * drops the very first comma).
 */
export function* formatRows(rows: PreparedRows, params: unknown[]): Generator<string, number> {
  const text = rows.format === 'csv' ? csvRow(rows) : jsonRow(rows, rows.format);
  let buf = '';
  let n = 0;
  for (const r of rows.stmt.iterate(...params) as IterableIterator<never>) {
    const t = text(r);
    if (!t) continue;
    buf += t;
    n++;
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
  return n;
}

const SUPPRESSED_AT = LEAD_COLUMNS.indexOf('suppressed');
const EMAIL_AT = LEAD_COLUMNS.indexOf('email');
const DOMAIN_AT = LEAD_COLUMNS.indexOf('domain');
const SUPPRESSED_DOMAIN_AT = LEAD_COLUMNS.indexOf('suppressed_domain');

/**
 * Fills in a row's `suppressed_domain` when a suppressed domain covers it, and its `suppressed` value when its
 * address is not suppressed itself but that domain is. `values` holds LEAD_COLUMNS from index `at` on (the CSV
 * statement's fields start with the lead id: at = 1); an empty value is null (JSON) or '' (CSV).
 */
function completeSuppressed(rows: PreparedRows, values: unknown[], at = 0): void {
  const d = rows.domains.domainFor(values[at + EMAIL_AT] as string | null, values[at + DOMAIN_AT] as string);
  if (d === null) return;
  values[at + SUPPRESSED_DOMAIN_AT] = d;
  const own = values[at + SUPPRESSED_AT];
  if (own === null || own === '') values[at + SUPPRESSED_AT] = rows.domains.reasonOf(d);
}

/**
 * The rows to write for one lead (LEAD_COLUMNS values), from the query's row (`first`: its first contact, the
 * `suppressed` value completed), when that contact may not be mailed or every contact is wanted (allContacts).
 * The lead's email is its first contact that may be mailed (not suppressed, validation not invalid/no_mx/
 * disposable), else the first that is not suppressed, else the first; --exclude-suppressed leaves out only rows
 * whose contact is suppressed (the lead, when all are). [] leaves the lead out.
 */
function leadRows(rows: PreparedRows, leadId: number, first: unknown[]): unknown[][] {
  const domain = first[DOMAIN_AT] as string;
  const email = first[EMAIL_AT];
  const contacts = email ? (rows.contacts.all(leadId) as [number, string, number | null, string | null][]) : [];
  // no contact, or this one only (or none left since the query read it): the row as it is
  if (contacts.length <= 1) return rows.exclude && first[SUPPRESSED_AT] ? [] : [first];
  const ranked = contacts.map(([id, address, bad, reason]) => ({
    id,
    address,
    rank: (reason ?? rows.domains.reasonFor(address, domain)) !== null ? 2 : bad ? 1 : 0,
  }));
  ranked.sort((a, b) => a.rank - b.rank); // stable: the contacts' own order within a rank
  const out: unknown[][] = [];
  for (const c of ranked) {
    if (rows.exclude && c.rank === 2) break; // the rest are suppressed too
    if (c.address === email) out.push(first);
    else {
      const values = leadValues(rows.withContact.get({ lead: leadId, contact: c.id }) as unknown[], rows.withContactIdx);
      completeSuppressed(rows, values);
      out.push(values);
    }
    if (!rows.allContacts) break;
  }
  return out;
}

/** A CSV line from a row of prepareRows' CSV statement (the id and the columns, joined by NUL characters). */
function csvRow(rows: PreparedRows): (joined: string) => string {
  const width = LEAD_COLUMNS.length + 1; // the id, then the columns
  const lines = (leadId: number, values: unknown[]) => {
    let text = '';
    for (const v of leadRows(rows, leadId, values)) text += csvLine(v);
    return text;
  };
  return (joined) => {
    const f = joined.split('\0');
    if (f.length !== width) {
      // a NUL in the row's own text: read it again, as values
      const id = Math.floor(Number(f[0]) / 2);
      const values = leadValues(rows.byId!.get(id, id + 1) as unknown[], columnsOf(rows.byId!));
      completeSuppressed(rows, values);
      return lines(id, values);
    }
    // the columns are f[1..]: f[i + 1] is LEAD_COLUMNS[i]
    completeSuppressed(rows, f, 1);
    const key = Number(f[0]);
    const bad = key % 2 === 1;
    // A contact that may not be mailed (or every contact wanted): the lead's other contacts decide. The common
    // row (one mailable contact) goes straight on.
    if (rows.allContacts || ((bad || f[SUPPRESSED_AT + 1] !== '') && f[EMAIL_AT + 1] !== '')) return lines((key - (bad ? 1 : 0)) / 2, f.slice(1));
    if (rows.exclude && f[SUPPRESSED_AT + 1] !== '') return '';
    let line = csvCell(f[1]);
    for (let i = 2; i < width; i++) line += ',' + csvCell(f[i]);
    return line + '\r\n';
  };
}

/** A JSON object (preceded by ",\n" for an array) or JSON Lines line from a raw row of the lead query. */
function jsonRow(rows: PreparedRows, format: 'json' | 'jsonl'): (r: unknown[]) => string {
  const tagsAt = LEAD_COLUMNS.indexOf('tags');
  const idx = columnsOf(rows.stmt);
  const names = rows.stmt.columns().map((c) => c.name);
  const idAt = names.indexOf('id');
  const badAt = names.indexOf('contact_bad');
  const object = (values: unknown[]) => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < LEAD_COLUMNS.length; i++) obj[LEAD_COLUMNS[i]!] = values[i];
    obj.tags = values[tagsAt] ? String(values[tagsAt]).split(';') : [];
    const text = JSON.stringify(obj);
    return format === 'json' ? ',\n' + text : text + '\n';
  };
  return (r) => {
    const values = leadValues(r, idx);
    completeSuppressed(rows, values);
    const bad = Boolean(r[badAt]);
    if (rows.allContacts || ((bad || values[SUPPRESSED_AT]) && values[EMAIL_AT])) {
      let text = '';
      for (const v of leadRows(rows, r[idAt] as number, values)) text += object(v);
      return text;
    }
    if (rows.exclude && values[SUPPRESSED_AT]) return '';
    return object(values);
  };
}

/** Where each of LEAD_COLUMNS is in the raw rows of a lead query's statement. */
function columnsOf(stmt: Database.Statement): number[] {
  const names = stmt.columns().map((c) => c.name);
  return LEAD_COLUMNS.map((c) => names.indexOf(c));
}

const SHOPIFY_AT = LEAD_COLUMNS.indexOf('is_shopify');
/** A raw row of the lead query as the values of LEAD_COLUMNS, in order, is_shopify as a boolean. */
function leadValues(r: unknown[], idx: number[]): unknown[] {
  const values = idx.map((i) => r[i]);
  values[SHOPIFY_AT] = values[SHOPIFY_AT] === null ? null : Boolean(values[SHOPIFY_AT]);
  return values;
}

/** Writes the pieces of `formatRows` as they come; returns the number of rows. */
async function writeRows(gen: Generator<string, number>, write: (text: string) => Promise<void>, signal?: AbortSignal): Promise<number> {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
    await write(r.value);
    if (signal?.aborted) {
      gen.return(0);
      return 0;
    }
  }
}

/** Writes every matching lead to `out`, honouring back-pressure. Returns the number of leads written. */
export async function exportLeads(db: Db, out: NodeJS.WritableStream, opts: ExportOptions): Promise<number> {
  const sort = opts.sort ?? 'created';
  let head = '';
  if (opts.format === 'csv') head = (opts.excel ? '\ufeff' : '') + csvLine(LEAD_COLUMNS);
  else if (opts.format === 'json') head = '[';
  const put = async (text: string) => {
    if (text && !out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  let first = opts.format === 'json'; // JSON: the first object's leading comma is dropped
  const write = async (text: string) => {
    if (first && text) {
      text = text.slice(1);
      first = false;
    }
    await put(text);
  };
  await put(head);

  const threads = opts.threads ?? 2;
  let n: number;
  const bounds = sort === 'created' && !opts.limit && threads > 1 && db.path !== ':memory:' ? idBounds(db) : null;
  if (bounds && bounds.count >= PARALLEL_FROM) {
    n = await exportParallel(db, opts, bounds, threads, write);
  } else {
    const { sql, params } = buildLeadQuery(opts.filter, sort, opts.limit, undefined, undefined, false, true);
    n = await writeRows(formatRows(prepareRows(db.sqlite, sql, opts.format, opts.filter, Boolean(opts.allContacts)), params), write, opts.signal);
  }
  if (opts.format === 'json') await put(n ? '\n]\n' : ']\n');
  return n;
}

function idBounds(db: Db): { min: number; max: number; count: number } | null {
  const r = db.sqlite.prepare('SELECT min(id) AS min, max(id) AS max, count(*) AS count FROM leads').get() as { min: number | null; max: number | null; count: number };
  return r.min === null || r.max === null ? null : { min: r.min, max: r.max, count: r.count };
}

async function exportParallel(
  db: Db,
  opts: ExportOptions,
  bounds: { min: number; max: number },
  threads: number,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const ranges: [number, number][] = [];
  for (let a = bounds.min; a <= bounds.max; a += RANGE) ranges.push([a, Math.min(a + RANGE, bounds.max + 1)]);
  // One snapshot for every worker: this connection holds the write lock (no commit can happen) while the
  // workers open their read transactions, then lets go. If another process is writing right now, export
  // on this thread instead of waiting for it.
  const sqlite = db.sqlite;
  const busy = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 2000');
  try {
    sqlite.exec('BEGIN IMMEDIATE');
  } catch {
    sqlite.pragma(`busy_timeout = ${busy}`);
    const { sql, params } = buildLeadQuery(opts.filter, 'created', undefined, undefined, undefined, false, true);
    return writeRows(formatRows(prepareRows(sqlite, sql, opts.format, opts.filter, Boolean(opts.allContacts)), params), write, opts.signal);
  }
  sqlite.pragma(`busy_timeout = ${busy}`);
  const workers: Worker[] = [];
  let locked = true;
  const results = new Map<number, { parts: string[]; n: number }>();
  let wakeWriter: (() => void) | null = null;
  let failure: Error | null = null;
  let next = 0; // next range to hand out
  const MAX_AHEAD = threads * 2; // ranges handed out but not yet written: bounds memory
  let written = 0;
  const idle: Worker[] = [];
  const assign = () => {
    while (idle.length && next < ranges.length && next - written < MAX_AHEAD) {
      const w = idle.shift()!;
      w.postMessage({ t: 'range', seq: next, range: ranges[next] });
      next++;
    }
  };
  try {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < Math.min(threads, ranges.length); i++) {
      const w = new Worker(new URL('./export-worker.js', import.meta.url), {
        workerData: { path: db.path, filter: opts.filter, format: opts.format, allContacts: Boolean(opts.allContacts) },
      });
      workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: { t: string; seq?: number; parts?: string[]; n?: number; message?: string }) => {
            if (m.t === 'ready') {
              idle.push(w);
              resolve();
            } else if (m.t === 'rows') {
              results.set(m.seq!, { parts: m.parts!, n: m.n! });
              idle.push(w);
              wakeWriter?.();
            } else if (m.t === 'error') {
              failure = new Error(`export worker: ${m.message}`);
              reject(failure);
              wakeWriter?.();
            }
          });
          w.on('error', (err) => {
            failure = err;
            reject(err);
            wakeWriter?.();
          });
        }),
      );
    }
    await Promise.all(ready);
    sqlite.exec('ROLLBACK');
    locked = false;
    assign();
    let n = 0;
    while (written < ranges.length) {
      if (failure) throw failure;
      if (opts.signal?.aborted) break;
      const r = results.get(written);
      if (!r) {
        await new Promise<void>((resolve) => (wakeWriter = resolve));
        wakeWriter = null;
        continue;
      }
      results.delete(written);
      written++;
      assign();
      n += r.n;
      for (const p of r.parts) await write(p);
    }
    return n;
  } finally {
    if (locked && sqlite.inTransaction) sqlite.exec('ROLLBACK');
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
