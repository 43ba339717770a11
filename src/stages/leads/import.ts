// Streaming CSV import of leads: header aliases, delimiter sniffing, BOM, quoted newlines, normalized
// domains and emails, duplicates merged into one lead (also across imports). Syntax checks only: no network.
// By default the whole file is one transaction: any bad row and nothing is written.
import {
  accessSync, closeSync, constants as fsConstants, createReadStream, createWriteStream, fstatSync, mkdtempSync, openSync, realpathSync, rmSync, statSync,
  writeSync, type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { csvLine } from '../../domain/csv.js';
import type { Db } from '../../db/open.js';
import { addSuppression, domainAndParents, erasureHash, type SuppressionReason } from '../../db/suppressions.js';
import { canonicalPath, databaseFileOf } from '../../db/files.js';
import { isRoleAddress, plusBase } from '../../domain/normalize.js';
import { UserError, UsageError } from '../../errors.js';

import { checkMap, sniffDelimiter } from './import-parse.js';
import { FIELD_SEP, NULL_MARK, ROW_WIDTH, TAG_SEP, threadCpu, type WorkerInit } from './import-worker-protocol.js';

export { IMPORT_FIELDS, checkMap, headerKey, sniffDelimiter, mapHeader, toRow, type ImportField, type Row } from './import-parse.js';

export interface ImportOptions {
  /** Path, or '-' for stdin. */
  file: string;
  /** Overrides for stdin (tests). */
  input?: NodeJS.ReadableStream;
  /** Explicit `column=field` mappings (--map). */
  map?: Record<string, string>;
  skipInvalid?: boolean;
  rejectsFile?: string;
  source?: string;
  tags?: string[];
  signal?: AbortSignal;
  onProgress?: (rows: number) => void;
}

export interface RejectedRow {
  line: number;
  reason: string;
  record: string[];
}

/** At most this many rejected rows are kept for the console and --json (memory stays flat on any number of them). */
export const REJECTS_KEPT = 1000;

export interface ImportResult {
  file: string;
  rows: number;
  leadsCreated: number;
  leadsMerged: number;
  contacts: number;
  /**
   * The first REJECTS_KEPT rejected rows, in file order, without their cells (`record` is empty): the --rejects
   * file gets every one of them, cells included, as they come.
   */
  rejected: RejectedRow[];
  /** All the rejected rows (malformed records included). */
  rejectedCount: number;
  /** The first REJECTS_KEPT rows imported with a value left out (an unknown country), in file order. */
  warnings: { line: number; message: string }[];
  /** All the rows imported with a value left out. */
  warningCount: number;
  /** Rows or contacts not stored because that store or person was forgotten (GDPR erasure). */
  skippedForgotten: number;
  /**
   * Rows whose address or store is on the suppression list (unsubscribed, bounced, added by hand): stored like
   * any row, and never mailed (send checks the list right before each message); counted so the user knows.
   */
  suppressed: number;
  /**
   * Rows the file itself marks as never to be mailed (a `suppressed` cell, as `leads export` writes it, or a stage
   * `unsubscribed`/`bounced` in a file without that column): their addresses (or, for a row with none, the store's
   * domain) are on the suppression list after the import. `suppressionsAdded` of them were not on it before.
   */
  suppressedFromFile: number;
  suppressionsAdded: number;
  ignoredColumns: string[];
  /** Records whose cells were all blank (`,,,,` as a spreadsheet writes): skipped like empty lines, not rows. */
  skippedBlank: number;
  /** The --rejects file as written: its rejected rows (0: only the header, so no earlier run's rows are left in it). */
  rejectsWritten?: number;
  delimiter: string;
  committed: boolean;
  /** CPU seconds of the inserting (main) thread and of the parser thread, where the OS tells (Linux). */
  cpu?: { main: number; parser: number };
}

/** Reads the first bytes of a stream (to sniff) and returns them with a stream of everything. */
async function peek(stream: NodeJS.ReadableStream, bytes = 65536): Promise<{ head: string; all: Readable }> {
  const it = (stream as Readable)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as string);
    chunks.push(b);
    size += b.length;
    if (b.includes(10)) break;
  }
  const head = Buffer.concat(chunks).toString('utf8');
  async function* rest() {
    for (const c of chunks) yield c;
    if (done) return;
    while (true) {
      const r = await it.next();
      if (r.done) return;
      yield r.value as Buffer;
    }
  }
  return { head, all: Readable.from(rest(), { objectMode: false }) };
}

/** Where an import's input comes from: a regular file read directly, or a stream (stdin, a pipe) to spool first. */
interface InputSource {
  /** A regular file to read. */
  path: string | null;
  /** Otherwise the stream to copy to a temporary file before the import starts. */
  stream: NodeJS.ReadableStream | null;
  /** The input's identity (device and inode) and real path where known: --rejects must not name it. */
  stat: Stats | null;
  realPath: string | null;
}

function inputSource(opts: ImportOptions, label: string): InputSource {
  if (opts.input) return { path: null, stream: opts.input, stat: null, realPath: null };
  if (opts.file === '-') {
    let stat: Stats | null = null;
    try {
      stat = fstatSync(0);
    } catch {
      // no stdin at all: read as an empty stream
    }
    return { path: null, stream: process.stdin, stat, realPath: null };
  }
  let stat: Stats;
  try {
    stat = statSync(opts.file);
  } catch (err) {
    throw new UserError(`Cannot read ${label}: ${readReason(err as NodeJS.ErrnoException)}`);
  }
  if (stat.isDirectory()) throw new UserError(`Cannot read ${label}: it is a folder, not a file.`, 'Name the CSV file to import (or - for standard input).');
  const realPath = realpathSync(opts.file);
  // A pipe, a FIFO, /dev/stdin or <(...): spooled like stdin, so a slow producer never holds the write lock.
  if (!stat.isFile()) return { path: null, stream: createReadStream(opts.file), stat, realPath };
  return { path: opts.file, stream: null, stat, realPath };
}

const readReason = (err: NodeJS.ErrnoException): string =>
  err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'it is a folder, not a file' : err.message;

/**
 * Copies a stream (stdin, a pipe) to a private temporary file (a folder of its own in os.tmpdir(), the file
 * mode 0600), so that the import reads a regular file and takes the database's write lock only once the whole
 * input is there: a slow producer (`curl … | outreach leads import -`, or input typed at a terminal) never
 * blocks `send`, `inbox sync`, `serve`'s unsubscribe or `suppress` meanwhile. The copy streams (memory stays
 * flat) and is removed by `remove()`, on an error or an interrupt here, and when the process exits whatever
 * happened (a second Ctrl-C exits at once).
 */
async function spool(stream: NodeJS.ReadableStream, label: string, signal?: AbortSignal): Promise<{ path: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'outreach-import-'));
  const path = join(dir, 'input.csv');
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // already gone
    }
  };
  process.on('exit', remove);
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  let writeError: NodeJS.ErrnoException | null = null;
  out.once('error', (err) => (writeError ??= err));
  try {
    await pipeline(stream as Readable, out, signal ? { signal } : {});
  } catch (err) {
    remove();
    if (signal?.aborted) throw new UserError('Interrupted: nothing was imported.');
    if (writeError) {
      const e = writeError as NodeJS.ErrnoException;
      throw new UserError(
        `Cannot keep a copy of ${label} in ${tmpdir()} while it is read: ${e.code === 'ENOSPC' ? 'no space left on the device' : e.message}`,
        'Free some space there, or set TMPDIR to a folder with room.',
      );
    }
    throw new UserError(`Cannot read ${label}: ${readReason(err as NodeJS.ErrnoException)}`);
  }
  return { path, remove };
}

export async function importLeads(db: Db, opts: ImportOptions): Promise<ImportResult> {
  const label = opts.file === '-' ? '<stdin>' : opts.file;
  // Usage errors first, before any input is read.
  checkMap(opts.map);
  const source = inputSource(opts, label);
  // A rejects file that could not be written, or that is the database or the input, is found out before
  // anything is read or imported, not after the commit.
  if (opts.rejectsFile) {
    checkWritable(opts.rejectsFile);
    refuseOverwrite(opts.rejectsFile, db.path, source, label);
  }
  let spooled: { path: string; remove: () => void } | null = null;
  try {
    let path = source.path;
    if (path === null) {
      spooled = await spool(source.stream!, label, opts.signal);
      path = spooled.path;
    }
    const input = createReadStream(path);
    await new Promise<void>((ok, fail) => {
      input.once('readable', ok).once('error', (err: NodeJS.ErrnoException) => fail(new UserError(`Cannot read ${label}: ${readReason(err)}`)));
    });
    let bytes: number | null = null;
    try {
      bytes = statSync(path).size;
    } catch {
      // not a regular file's size: the import decides as it goes
    }
    return await importInput(db, opts, label, input, bytes);
  } finally {
    spooled?.remove();
  }
}

async function importInput(db: Db, opts: ImportOptions, label: string, input: NodeJS.ReadableStream, bytes: number | null): Promise<ImportResult> {
  const { head, all } = await peek(input);
  // About how many rows the file has, from its size and the length of its first lines (quoted newlines make it
  // an overestimate): decides whether the secondary index is dropped before the first row (below).
  const headLines = head.split('\n').length - 1;
  const estimatedRows = bytes !== null && headLines > 1 ? Math.round(bytes / (Buffer.byteLength(head) / headLines)) : 0;
  if (!head.replace(/^\ufeff/, '').trim()) throw new UserError(`${label} is empty: nothing to import.`);
  // Excel's `sep=;` first line (it writes and reads it; users add it so Excel splits the columns) names the
  // delimiter: it wins over sniffing, and the parser skips that line (it is not the header).
  const sep = excelSepLine(head);
  const delimiter = sep ?? sniffDelimiter(head);

  const sqlite = db.sqlite;
  const source = opts.source ?? 'import';
  const forgotten = new Set(
    (sqlite.prepare(`SELECT value FROM suppressions WHERE kind IN ('email_hash','domain_hash')`).all() as { value: string }[]).map((r) => r.value),
  );
  const suppressedEmails = new Set<string>();
  const suppressedDomains = new Set<string>();
  for (const r of sqlite.prepare(`SELECT kind, value FROM suppressions WHERE kind IN ('email','domain')`).iterate() as IterableIterator<{ kind: string; value: string }>) {
    (r.kind === 'email' ? suppressedEmails : suppressedDomains).add(r.value);
  }
  /** A suppressed domain covers its subdomains, as findSuppression reads it. */
  const underSuppressed = (host: string): boolean => suppressedDomains.size > 0 && domainAndParents(host).some((d) => suppressedDomains.has(d));
  // A forgotten store is its domain and every host under it (sub.shop.com, and shop.com:8443: `leads forget`
  // keeps the hash of the host without its port), as findDomainSuppression reads them; the answer per host is
  // kept (rows of one store repeat its host).
  const forgottenHosts = new Map<string, boolean>();
  const domainForgotten = (domain: string): boolean => {
    const host = domain.toLowerCase().replace(/:\d+$/, '');
    let hit = forgottenHosts.get(host);
    if (hit === undefined) {
      hit = domainAndParents(host).some((d) => forgotten.has(erasureHash(db, d)));
      if (forgottenHosts.size > 100_000) forgottenHosts.clear();
      forgottenHosts.set(host, hit);
    }
    return hit;
  };
  /** The person asked to be forgotten: the address, or the mailbox its +tag reaches (stored unchanged otherwise). */
  const personForgotten = (email: string): boolean => {
    if (forgotten.has(erasureHash(db, email))) return true;
    const base = plusBase(email);
    return base !== null && forgotten.has(erasureHash(db, base));
  };
  /** An address whose person (or whose domain) was forgotten. */
  const emailForgotten = (email: string): boolean => personForgotten(email) || domainForgotten(email.slice(email.lastIndexOf('@') + 1));
  /** An address on the suppression list, itself, through the mailbox its +tag reaches, or through its domain. */
  const emailSuppressed = (email: string): boolean => {
    if (suppressedEmails.has(email) || underSuppressed(email.slice(email.lastIndexOf('@') + 1))) return true;
    const base = suppressedEmails.size ? plusBase(email) : null;
    return base !== null && suppressedEmails.has(base);
  };
  // Rows are stored in batches of BATCH through multi-row INSERT OR IGNORE statements whose lead ids are given
  // explicitly (the next free ids): one statement per 64 rows instead of one per row, and no RETURNING, is
  // about a third less time on the main thread (measured on 1,000,000 rows; an UPSERT that looks the lead id
  // up for each contact was no faster than single rows). A batch where fewer rows went in than were sent had
  // duplicates (of a lead already stored, or of a row before it in the file): only then are its ids read back
  // and the duplicates merged, row by row, in file order, with the same COALESCE rules as before.
  // The values every row shares (source, time) are SQL literals of the prepared statements, not bound
  // parameters: each bound string is converted and copied once per row (measured: 5% of the main thread).
  // A batch's values go to run() as arguments (spread), not as one array: better-sqlite3 reads an array's
  // elements through V8's generic property lookup, arguments directly (measured: 448 values per statement
  // bind a third faster; the main thread's CPU on 1,000,000 rows went from 9.2-9.7 s to 8.0-8.5 s in
  // alternating runs, 6.0-7.2 s with the single contacts email index of migration 0005).
  const now = new Date().toISOString();
  const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const BATCH = 64;
  const leadsSql = (k: number) =>
    `INSERT OR IGNORE INTO leads (id, domain, domain_unicode, url, company, country, source, notes, created_at, updated_at) VALUES ` +
    Array(k).fill(`(?, ?, ?, ?, ?, ?, ${lit(source)}, ?, ${lit(now)}, ${lit(now)})`).join(', ');
  const contactsSql = (k: number) =>
    `INSERT OR IGNORE INTO contacts (lead_id, email, first_name, last_name, title, phone, is_role, validation, source, created_at, updated_at) VALUES ` +
    Array(k).fill(`(?, ?, ?, ?, ?, ?, ?, 'syntax_ok', ${lit(source)}, ${lit(now)}, ${lit(now)})`).join(', ');
  const insertLeads = sqlite.prepare(leadsSql(BATCH));
  const insertLead = sqlite.prepare(leadsSql(1));
  const insertContacts = sqlite.prepare(contactsSql(BATCH));
  const insertContact = sqlite.prepare(contactsSql(1));
  const leadIdsIn = sqlite.prepare('SELECT id FROM leads WHERE id BETWEEN ? AND ?').pluck();
  const findLead = sqlite.prepare('SELECT id FROM leads WHERE domain = ?').pluck();
  const mergeLead = sqlite.prepare(
    `UPDATE leads SET company = COALESCE(company, ?), country = COALESCE(country, ?), domain_unicode = COALESCE(domain_unicode, ?),
       url = COALESCE(url, ?), notes = COALESCE(notes, ?), updated_at = ? WHERE id = ?`,
  );
  const mergeContact = sqlite.prepare(
    `UPDATE contacts SET first_name = COALESCE(first_name, ?), last_name = COALESCE(last_name, ?), title = COALESCE(title, ?),
       phone = COALESCE(phone, ?), updated_at = ? WHERE lead_id = ? AND email = ?`,
  );
  const addTag = sqlite.prepare(`INSERT OR IGNORE INTO lead_tags (lead_id, tag) VALUES (?, ?)`);
  const extraTags = (opts.tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean);

  const result: ImportResult = {
    file: label,
    rows: 0,
    leadsCreated: 0,
    leadsMerged: 0,
    contacts: 0,
    rejected: [],
    rejectedCount: 0,
    warnings: [],
    warningCount: 0,
    skippedForgotten: 0,
    suppressed: 0,
    suppressedFromFile: 0,
    suppressionsAdded: 0,
    ignoredColumns: [],
    skippedBlank: 0,
    delimiter,
    committed: false,
  };
  let header: string[] | null = null;
  let parseErrors: RejectedRow[] = [];
  // The --rejects file is written as the rejected rows come (its header line once the file's header is read): a
  // file of a million bad rows never sits in memory. Opened (truncated) only then, so a run that stops earlier
  // (an empty or binary file) leaves it as it was.
  let rejectsFd: number | null = null;
  const openRejects = (cols: string[]) => {
    if (!opts.rejectsFile || rejectsFd !== null) return;
    try {
      rejectsFd = openSync(opts.rejectsFile, 'w');
    } catch (err) {
      throw rejectsError(opts.rejectsFile, err as NodeJS.ErrnoException);
    }
    writeRejectLines(csvLine(['line', 'reason', ...cols]));
  };
  const writeRejectLines = (text: string) => {
    try {
      writeSync(rejectsFd!, text);
    } catch (err) {
      throw rejectsError(opts.rejectsFile!, err as NodeJS.ErrnoException);
    }
  };
  const takeRejects = (rs: RejectedRow[]) => {
    result.rejectedCount += rs.length;
    for (let i = 0; i < rs.length && result.rejected.length < REJECTS_KEPT; i++) result.rejected.push({ line: rs[i]!.line, reason: rs[i]!.reason, record: [] });
    if (rejectsFd !== null) {
      let text = '';
      for (const r of rs) text += csvLine([r.line, r.reason, ...r.record]);
      writeRejectLines(text);
    }
  };
  const closeRejects = () => {
    if (rejectsFd === null) return;
    const fd = rejectsFd;
    rejectsFd = null;
    closeSync(fd);
  };

  // The secondary (non-unique) index of contacts, keyed by email domain and email, is dropped once an import is
  // bigger than the table it goes into, and rebuilt before the commit: building an index from sorted keys once
  // is cheaper than a million random inserts into it (measured: a sixth of the SQLite time on 1,000,000 rows). It all
  // happens inside the import's transaction, so no other connection ever sees the tables without them.
  // leads_stage_idx stays: every new lead's entry ('new', rising id) lands at the same end of the same
  // leaf pages, which costs less than rebuilding it (0.5 s on 1,000,000 rows).
  // The size of the table from its next id (read under the write lock below; count(*) would read every row on
  // each import, however small): ids only grow, so this is never below the count.
  let dropAfter = 0;
  let dropped: { name: string; sql: string }[] | null = null;
  const dropIndexes = () => {
    dropped = sqlite
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'`)
      .all() as { name: string; sql: string }[];
    for (const ix of dropped) sqlite.exec(`DROP INDEX "${ix.name.replace(/"/g, '""')}"`);
  };

  // Rows waiting for the next batch, in flat arrays (no object per row): 7 lead values each (id, domain,
  // domain_unicode, url, company, country, notes), 6 contact values each (email or NULL, first and last name,
  // title, phone, is_role), stored once the row's lead id is known, and the row's tags.
  let nextId = 0; // set once the write lock is held: the next id no lead ever had (AUTOINCREMENT never reuses one)
  // Fixed-size arrays written by index, with a count of the rows in each (not push and length = 0: the
  // growing and the megamorphic stores cost 4% of the main thread).
  const leadVals: (string | number | null)[] = new Array<null>(BATCH * 7).fill(null);
  const rowContacts: (string | number | null)[] = new Array<null>(BATCH * 6).fill(null);
  const rowTags: string[][] = new Array<string[]>(BATCH).fill([]);
  const rowMore: (string[] | null)[] = new Array<null>(BATCH).fill(null);
  const contactVals: (string | number | null)[] = new Array<null>(BATCH * 7).fill(null);
  let rows = 0; // rows in leadVals, rowContacts and rowTags
  let contactRows = 0; // contacts in contactVals
  const flushContacts = () => {
    const n = contactRows;
    if (!n) return;
    let changes = 0;
    if (n === BATCH) changes = insertContacts.run(...contactVals).changes;
    else for (let i = 0; i < n; i++) changes += insertContact.run(contactVals.slice(i * 7, i * 7 + 7)).changes;
    result.contacts += changes;
    // Fewer went in than were sent: some (lead, email) pairs were there already; merge each row (for a row
    // just inserted, the merge changes nothing: its own values, the same time).
    if (changes < n) {
      for (let i = 0; i < n; i++) {
        const o = i * 7;
        mergeContact.run(contactVals[o + 2], contactVals[o + 3], contactVals[o + 4], contactVals[o + 5], now, contactVals[o], contactVals[o + 1]);
      }
    }
    contactRows = 0;
  };
  const flushLeads = () => {
    const n = rows;
    if (!n) return;
    const first = nextId;
    nextId += n;
    let changes = 0;
    if (n === BATCH) changes = insertLeads.run(...leadVals).changes;
    else for (let i = 0; i < n; i++) changes += insertLead.run(leadVals.slice(i * 7, i * 7 + 7)).changes;
    result.leadsCreated += changes;
    const present = changes === n ? null : new Set(leadIdsIn.all(first, first + n - 1) as number[]);
    for (let i = 0; i < n; i++) {
      const o = i * 7;
      let leadId = first + i;
      if (present && !present.has(leadId)) {
        // a duplicate: merge into the lead that has this domain, as if this row came on its own
        leadId = findLead.get(leadVals[o + 1]) as number;
        mergeLead.run(leadVals[o + 4], leadVals[o + 5], leadVals[o + 2], leadVals[o + 3], leadVals[o + 6], now, leadId);
        result.leadsMerged++;
      }
      const c = i * 6;
      if (rowContacts[c] !== null) {
        const k = contactRows * 7;
        contactVals[k] = leadId;
        for (let j = 0; j < 6; j++) contactVals[k + 1 + j] = rowContacts[c + j]!;
        if (++contactRows === BATCH) flushContacts();
      }
      const more = rowMore[i];
      if (more) {
        for (const e of more) {
          const k = contactRows * 7;
          contactVals[k] = leadId;
          contactVals[k + 1] = e;
          contactVals[k + 2] = contactVals[k + 3] = contactVals[k + 4] = contactVals[k + 5] = null;
          contactVals[k + 6] = isRoleAddress(e) ? 1 : 0;
          if (++contactRows === BATCH) flushContacts();
        }
        rowMore[i] = null;
      }
      for (const t of rowTags[i]!) addTag.run(leadId, t);
      for (const t of extraTags) addTag.run(leadId, t);
    }
    rows = 0;
  };
  const store = (domain: string, unicode: string, url: string | null, company: string | null, country: string | null, email: string | null,
    firstName: string | null, lastName: string | null, title: string | null, phone: string | null, tags: string[], notes: string | null, role: number) => {
    // More addresses from the row's email cell (space-separated by the parser): more contacts of the same lead.
    let more: string[] | null = null;
    if (email !== null && email.indexOf(' ') >= 0) {
      more = email.split(' ');
      email = more.shift()!;
    }
    if (forgotten.size) {
      if (domainForgotten(domain)) {
        result.skippedForgotten++;
        return;
      }
      if (email && emailForgotten(email)) {
        if (personForgotten(email)) {
          // The row is the forgotten person's (its first address, whose name, title and phone these are): nothing
          // of it is stored, not its notes, tags, company or country, no lead made from the address's domain and
          // no existing lead updated (an email-only row's store IS the person's own domain). Counted once, as
          // skipped; its other addresses are not stored either.
          result.skippedForgotten++;
          return;
        }
        // An address at a forgotten store, on another store's row (that store's own domain is not forgotten:
        // above): that store stays; the address is not stored again.
        email = firstName = lastName = title = phone = null;
        result.skippedForgotten++;
      }
      if (more) {
        const before = more.length;
        more = more.filter((e) => !emailForgotten(e));
        result.skippedForgotten += before - more.length;
      }
    }
    if (suppressedEmails.size || suppressedDomains.size) {
      if ((email !== null && emailSuppressed(email)) || underSuppressed(domain) || more?.some(emailSuppressed)) result.suppressed++;
    }
    const o = rows * 7;
    leadVals[o] = nextId + rows;
    leadVals[o + 1] = domain;
    leadVals[o + 2] = unicode === domain ? null : unicode;
    leadVals[o + 3] = url;
    leadVals[o + 4] = company;
    leadVals[o + 5] = country;
    leadVals[o + 6] = notes;
    const c = rows * 6;
    rowContacts[c] = email;
    rowContacts[c + 1] = firstName;
    rowContacts[c + 2] = lastName;
    rowContacts[c + 3] = title;
    rowContacts[c + 4] = phone;
    rowContacts[c + 5] = role;
    rowTags[rows] = tags;
    rowMore[rows] = more?.length ? more : null;
    if (++rows === BATCH) flushLeads();
  };
  const flushAll = () => {
    flushLeads();
    flushContacts();
  };
  const NUL = NULL_MARK;
  const NO_TAGS: string[] = [];
  const n = (v: string): string | null => (v === NUL ? null : v);
  let nextProgress = 10_000;
  /**
   * The suppressions a file states (import-worker.ts: line, domain, addresses, reason, suppressed domain or empty; flat), added to the list in
   * the import's transaction (a refused file adds none). addSuppression never changes an entry that is there (its
   * first reason stays, nothing is re-activated), and a forgotten person or store is never stored again in clear:
   * its hash is on the list already.
   */
  const applySuppressions = (sup: (string | number)[]) => {
    for (let i = 0; i + 5 <= sup.length; i += 5) {
      const domain = sup[i + 1] as string;
      const emails = sup[i + 2] as string;
      const reason = sup[i + 3] as SuppressionReason;
      let suppressedDomain = sup[i + 4] as string;
      if (forgotten.size && domainForgotten(domain)) continue; // the row is not stored either (store)
      // A forgotten person's row (its first address) stores nothing in clear: not its domain (an email-only row's
      // store is the person's own domain); its other addresses still go on the list (below, unless forgotten too).
      if (forgotten.size > 0 && emails !== '' && personForgotten(emails.split(' ', 1)[0]!)) suppressedDomain = '';
      const note = `leads import ${label}:${sup[i]}`;
      let recorded = false;
      if (suppressedDomain) {
        recorded = true;
        if (addSuppression(db, { kind: 'domain', value: suppressedDomain, reason, source: 'import', note })) result.suppressionsAdded++;
      }
      if (emails) {
        // With a suppressed domain too, the addresses go on the list as well: the export cannot tell whether they
        // were on it themselves, and one entry too many never mails anyone.
        for (const e of emails.split(' ')) {
          if (forgotten.size && emailForgotten(e)) continue;
          recorded = true;
          if (addSuppression(db, { kind: 'email', value: e, reason, source: 'import', note })) result.suppressionsAdded++;
        }
      } else if (!suppressedDomain) {
        recorded = true;
        if (addSuppression(db, { kind: 'domain', value: domain.replace(/:\d+$/, ''), reason, source: 'import', note })) result.suppressionsAdded++;
      }
      if (recorded) result.suppressedFromFile++;
    }
  };
  const onBatch = (m: { s?: string; a?: unknown[][]; n: number; rejects: RejectedRow[]; sup?: (string | number)[]; warnings?: (string | number)[] }) => {
    if (opts.signal?.aborted) throw new UserError('Interrupted: nothing was imported (the import is one transaction).');
    result.rows += m.n;
    if (m.rejects.length) takeRejects(m.rejects);
    if (m.warnings) {
      for (let i = 0; i + 2 <= m.warnings.length; i += 2) {
        result.warningCount++;
        if (result.warnings.length < REJECTS_KEPT) result.warnings.push({ line: m.warnings[i] as number, message: m.warnings[i + 1] as string });
      }
    }
    if (m.s !== undefined) {
      const f = m.s.split(FIELD_SEP);
      for (let i = 0; i + ROW_WIDTH <= f.length; i += ROW_WIDTH) {
        const tags = f[i + 11]!;
        store(f[i + 1]!, f[i + 2]!, n(f[i + 3]!), n(f[i + 4]!), n(f[i + 5]!), n(f[i + 6]!), n(f[i + 7]!), n(f[i + 8]!), n(f[i + 9]!), n(f[i + 10]!),
          tags ? tags.split(TAG_SEP) : NO_TAGS, n(f[i + 12]!), f[i + 13] === '1' ? 1 : 0);
      }
    } else {
      for (const r of m.a!) {
        store(r[1] as string, r[2] as string, r[3] as string | null, r[4] as string | null, r[5] as string | null, r[6] as string | null, r[7] as string | null,
          r[8] as string | null, r[9] as string | null, r[10] as string | null, r[11] as string[], r[12] as string | null, r[13] === '1' ? 1 : 0);
      }
    }
    if (m.sup) applySuppressions(m.sup);
    if (!dropped && result.leadsCreated > dropAfter) dropIndexes();
    youngGen.check();
    if (opts.onProgress && result.rows >= nextProgress) {
      opts.onProgress(result.rows);
      nextProgress = result.rows + 10_000;
    }
  };

  // A larger page cache for the bulk inserts: the unique domain and contact indexes stay in memory instead
  // of being spilled to the WAL and read back. 64 MB: with the secondary indexes dropped during big imports,
  // 128 MB was no faster and cost 70 MB of peak RSS (measured on 1,000,000 rows).
  const cacheBefore = sqlite.pragma('cache_size', { simple: true }) as number;
  const youngGen = capYoungGeneration();
  sqlite.pragma('cache_size = -65536');
  const worker = youngGen.startWorker(
    () =>
      new Worker(new URL('./import-worker.js', import.meta.url), {
        workerData: { label, delimiter, map: opts.map ?? {}, skipInvalid: Boolean(opts.skipInvalid), sepLine: sep !== null } satisfies WorkerInit & { sepLine: boolean },
        // the parser's young generation at Node 20's size (16 MB semi-spaces): see capYoungGeneration
        resourceLimits: { maxYoungGenerationSizeMb: 48 },
      }),
  );
  // Foreign keys are checked by construction here (every contact and tag goes to the id of a lead this import
  // just stored or found), so the import skips SQLite's parent lookup per contact (measured: 0.4 s of the
  // main thread on 1,000,000 rows). The pragma cannot change inside a transaction: it is set before, and the
  // connection's setting restored after.
  const fkBefore = sqlite.pragma('foreign_keys', { simple: true }) as number;
  /** Whatever happened: no transaction left open, and the connection's foreign keys as they were. */
  const settle = () => {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    sqlite.pragma(`foreign_keys = ${fkBefore ? 'ON' : 'OFF'}`);
  };
  let stopped = false;
  let wake: (() => void) | null = null;
  try {
    sqlite.pragma('foreign_keys = OFF');
    sqlite.exec('BEGIN IMMEDIATE');
    nextId = sqlite
      .prepare(`SELECT max(COALESCE((SELECT max(id) FROM leads), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'leads'), 0)) + 1`)
      .pluck()
      .get() as number;
    dropAfter = Math.max(100_000, nextId - 1);
    // A file that looks bigger than the table drops the index before its first row, not after its first 100,000:
    // then no page of the index is written to the WAL and freed again in this transaction (measured on 1,000,000
    // rows: 35,000 fewer page writes, 14% of them).
    if (estimatedRows > dropAfter) dropIndexes();
    // The main thread feeds the worker chunks of the file, at most MAX_CHUNKS ahead of the rows it has
    // stored (the worker acknowledges each chunk after posting its rows): memory stays flat on any size.
    const MAX_CHUNKS = 8;
    let inflight = 0;
    const finished = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { t: string } & Record<string, unknown>) => {
        try {
          if (m.t === 'batch') onBatch(m as never);
          else if (m.t === 'ack') {
            inflight--;
            wake?.();
          } else if (m.t === 'header') {
            header = m.header as string[];
            result.ignoredColumns = m.ignored as string[];
            openRejects(header);
          } else if (m.t === 'done') {
            // CPU seconds of each thread (shown with -v; bench/import.mjs reads them): which half bounds the import
            const main = threadCpu();
            if (main !== null && typeof m.cpu === 'number') result.cpu = { main, parser: m.cpu };
            header = (m.header as string[] | null) ?? header;
            parseErrors = m.parseErrors as RejectedRow[];
            result.skippedBlank = (m.blankRows as number | undefined) ?? 0;
            resolve();
          } else if (m.t === 'error') reject(workerError(m));
        } catch (err) {
          reject(err);
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the import's parser thread stopped (exit code ${code})`)));
    });
    const pump = async () => {
      for await (const chunk of all as AsyncIterable<Buffer>) {
        if (stopped) break;
        while (inflight >= MAX_CHUNKS && !stopped) await new Promise<void>((r) => (wake = r));
        if (stopped) break;
        const b = new Uint8Array(chunk.length);
        b.set(chunk);
        worker.postMessage({ t: 'chunk', b }, [b.buffer]);
        inflight++;
      }
      if (!stopped) worker.postMessage({ t: 'end' });
    };
    await Promise.all([pump(), finished]);
    flushAll();
  } catch (err) {
    stopped = true;
    (wake as (() => void) | null)?.();
    all.destroy();
    settle();
    closeRejects();
    throw err;
  } finally {
    stopped = true;
    void worker.terminate();
    sqlite.pragma(`cache_size = ${cacheBefore}`);
    youngGen.release();
  }
  try {
    if (!header) {
      sqlite.exec('ROLLBACK');
      throw new UserError(`${label} has no header row${parseErrors.length ? ` (${label}:${parseErrors[0]!.line}: malformed CSV)` : ''}.`);
    }
    // A malformed record is a row of the file like the others (the worker sends it with its batch): the
    // summary's counts add up to `rows`.
    closeRejects();
    if (result.rejectedCount && !opts.skipInvalid) {
      sqlite.exec('ROLLBACK');
      result.leadsCreated = result.leadsMerged = result.contacts = result.suppressionsAdded = 0;
    } else if (result.rejectedCount && result.rejectedCount >= result.rows) {
      // --skip-invalid, and not one row could be imported: a failure, not a success with 0 leads.
      sqlite.exec('ROLLBACK');
      result.leadsCreated = result.leadsMerged = result.contacts = result.suppressionsAdded = 0;
      const n = result.rejectedCount;
      const shown = result.rejected.slice(0, 5).map((r) => `${label}:${r.line}: ${r.reason}`);
      throw new UserError(
        `${label}: ${n === 1 ? 'the only row was' : `all ${n} rows were`} rejected; nothing was imported.\n  ${shown.join('\n  ')}${n > shown.length ? `\n  ... and ${n - shown.length} more` : ''}`,
        opts.rejectsFile ? `The rejected rows, with their reasons, are in ${opts.rejectsFile}.` : 'Fix the file (pass --rejects FILE to get the rejected rows with their reasons).',
      );
    } else {
      if (dropped) for (const ix of dropped as { name: string; sql: string }[]) sqlite.exec(ix.sql);
      sqlite.exec('COMMIT');
      result.committed = true;
    }
  } finally {
    settle();
    closeRejects();
  }
  // Written even when no row was rejected (the header only): a rejects file always belongs to the last run,
  // never an earlier run's rows left looking current.
  if (opts.rejectsFile) result.rejectsWritten = result.rejectedCount;
  return result;
}

/**
 * The delimiter named by Excel's `sep=X` first line (`sep=;`, `sep=,`, `sep=|`, a tab, or `\t` as typed), or null
 * when the file has none.
 */
export function excelSepLine(head: string): string | null {
  const m = /^\ufeff?sep=(\\t|[^\r\n"])[ \t]*(?:\r\n|\r|\n|$)/i.exec(head);
  if (!m) return null;
  return m[1] === '\\t' ? '\t' : m[1]!;
}


/**
 * Keeps V8's young generation near 16 MB for the length of an import. Under an import's allocation rate the
 * new space of the main thread grows to its limit: 32 MB on Node 20, 64 MB on 22, 128 MB on 24. The limit
 * cannot change once a heap exists, but the growth factor is read at each growth: once the main thread's new
 * space reaches 16 MB it is set to 1 (no more growth; V8 flags are per process), and put back when the import
 * ends. With the parser thread's young generation capped too (resourceLimits), peak RSS of a 1,000,000-row
 * import went from 236-241 to 196-200 MB on Node 20 and from 264-273 to 235-247 MB on Node 22, at the same
 * speed. On Node 24 the cap came too late while the command's start-up (loading drizzle-orm, no longer done:
 * see Db in src/db/open.ts) grew the new space to 128 MB first: 343-351 MB; now 217-240 MB. With startWorker
 * below, Node 20 peaks at 201-210 MB and Node 22 at 220 MB.
 */
function capYoungGeneration(): { check(): void; release(): void; startWorker(create: () => Worker): Worker } {
  // the user's own setting of the young generation wins
  if (/semi[-_]space/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) return { check() {}, release() {}, startWorker: (create) => create() };
  const CAP = 16 << 20;
  const DEFAULT_GROWTH = 2; // V8's default --semi-space-growth-factor (Node 20 to 24)
  let capped = false;
  return {
    check() {
      if (capped) return;
      const space = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
      if (space && space.space_size >= CAP) {
        v8.setFlagsFromString('--semi-space-growth-factor=1');
        capped = true;
      }
    },
    release() {
      if (capped) v8.setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH}`);
      capped = false;
    },
    // The growth factor is per process: set to 1, it also stops the parser thread's new space, at 1-2 MB
    // semi-spaces: 1,800 scavenges, 1.2-1.3 s of its CPU on 1,000,000 rows. Where memory allows, the parser's
    // heap starts at 8 MB semi-spaces instead (V8 reads --min-semi-space-size when a heap is set up; it is put
    // back to V8's default, 0, once the thread runs): 410-430 scavenges, 0.48 s, for 10 MB more peak RSS.
    // Not on Node 24: with it, one measurement peaked at 246-247 MB, too close to 250.
    startWorker(create) {
      if (Number(process.versions.node.split('.')[0]) >= 24) return create();
      v8.setFlagsFromString('--min-semi-space-size=8');
      let reset = () => {
        v8.setFlagsFromString('--min-semi-space-size=0');
        reset = () => {};
      };
      try {
        const w = create();
        w.once('online', () => reset()).once('error', () => reset()).once('exit', () => reset());
        return w;
      } catch (err) {
        reset();
        throw err;
      }
    },
  };
}

/** The error a worker reported, as the error the CLI shows. */
function workerError(m: Record<string, unknown>): Error {
  const message = String(m.message);
  if (m.name === 'UsageError') return new UsageError(message, m.hint as string | undefined);
  if (m.name === 'UserError') return new UserError(message, m.hint as string | undefined);
  return new Error(`import parser: ${message}`);
}

function checkWritable(file: string): void {
  let st: Stats | null = null;
  try {
    st = statSync(file);
  } catch {
    // a new file: its folder must exist and be writable
  }
  if (st?.isDirectory()) throw new UserError(`--rejects ${file} is a folder, not a file.`);
  const dir = dirname(resolve(file));
  try {
    accessSync(st ? file : dir, fsConstants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`Cannot write the rejected rows to ${file}: ${code === 'ENOENT' ? `the folder ${dir} does not exist` : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
}

/**
 * Refuses a --rejects file that is the database (or its -wal, -shm or -journal file) or the input: writing the
 * rejected rows there would destroy it. Compared by real path (symbolic links followed, also a dangling one)
 * and by device and inode (a hard link).
 */
function refuseOverwrite(file: string, dbPath: string, input: InputSource, label: string): void {
  let targetStat: Stats | null = null;
  try {
    targetStat = statSync(file);
  } catch {
    // a new file
  }
  const suffix = databaseFileOf(file, dbPath, targetStat);
  if (suffix !== null) {
    throw new UserError(
      `--rejects ${file} is the database${suffix ? `'s ${suffix.slice(1)} file` : ''} (${canonicalPath(dbPath)}${suffix}): refusing to overwrite it.`,
      'Name another file for the rejected rows.',
    );
  }
  const sameInput =
    (input.realPath !== null && input.realPath === canonicalPath(file)) ||
    (input.stat !== null && targetStat !== null && input.stat.dev === targetStat.dev && input.stat.ino === targetStat.ino);
  if (sameInput) {
    throw new UserError(`--rejects ${file} is the input file ${label}: refusing to overwrite it.`, 'Name another file for the rejected rows.');
  }
}

/** A rejects file that cannot be written is an error that says so (never a silent success). */
function rejectsError(file: string, err: NodeJS.ErrnoException): UserError {
  return new UserError(
    `Cannot write the rejected rows to ${file}: ${err.code === 'ENOENT' ? 'no such folder' : err.code === 'EISDIR' ? 'it is a folder' : err.code === 'ENOSPC' ? 'no space left on the device' : err.message}`,
  );
}
