// Streaming CSV import of leads: header aliases, delimiter sniffing, BOM, quoted newlines, normalized
// domains and emails, duplicates merged into one lead (also across imports). Syntax checks only: no network.
// By default the whole file is one transaction: any bad row and nothing is written.
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { csvLine } from '../../domain/csv.js';
import type { Db } from '../../db/open.js';
import { normalizeCountry, normalizeDomain, normalizeEmail, FREEMAIL, isRoleAddress } from '../../domain/normalize.js';
import { erasureHash } from '../../db/suppressions.js';
import { UserError, UsageError } from '../../errors.js';

export const IMPORT_FIELDS = [
  'domain', 'company', 'email', 'first_name', 'last_name', 'full_name', 'country', 'title', 'phone', 'tags', 'notes',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Header aliases, compared after lower-casing and removing everything but letters and digits. */
const ALIASES: Record<ImportField, string[]> = {
  domain: ['domain', 'website', 'url', 'site', 'web', 'homepage', 'storeurl', 'shopurl', 'websiteurl', 'companywebsite', 'companydomain', 'shopdomain', 'storedomain', 'webaddress'],
  company: ['company', 'store', 'name', 'companyname', 'storename', 'shop', 'shopname', 'business', 'businessname', 'organization', 'organisation', 'brand', 'account'],
  email: ['email', 'mail', 'emailaddress', 'contactemail', 'workemail', 'emails'],
  first_name: ['firstname', 'first', 'givenname', 'fname', 'forename', 'prenom', 'vorname'],
  last_name: ['lastname', 'last', 'surname', 'familyname', 'lname', 'nom', 'nachname'],
  full_name: ['fullname', 'contactname', 'contact', 'person', 'contactperson'],
  country: ['country', 'countrycode', 'countryname', 'nation', 'land', 'pays'],
  title: ['title', 'jobtitle', 'role', 'position'],
  phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile'],
  tags: ['tags', 'tag', 'labels', 'label', 'segment'],
  notes: ['notes', 'note', 'comment', 'comments'],
};

const aliasIndex = new Map<string, ImportField>();
for (const [field, names] of Object.entries(ALIASES) as [ImportField, string[]][]) {
  for (const n of names) aliasIndex.set(n, field);
}

export const headerKey = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

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

export interface ImportResult {
  file: string;
  rows: number;
  leadsCreated: number;
  leadsMerged: number;
  contacts: number;
  rejected: RejectedRow[];
  /** Rows or contacts not stored because that store or person was forgotten (GDPR erasure). */
  skippedForgotten: number;
  ignoredColumns: string[];
  delimiter: string;
  committed: boolean;
}

/** Sniffs the delimiter from the header line: the most frequent of , ; tab outside quotes. */
export function sniffDelimiter(head: string): string {
  const line = head.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuotes = false;
  for (const ch of line) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && ch in counts) counts[ch]!++;
  }
  let best = ',';
  for (const d of [';', '\t']) if (counts[d]! > counts[best]!) best = d;
  return best;
}

/** Maps header cells to fields; explicit --map entries win. Throws a usage error for an unknown field. */
export function mapHeader(header: string[], map: Record<string, string> = {}): { fields: (ImportField | null)[]; ignored: string[] } {
  const explicit = new Map<string, ImportField>();
  for (const [col, field] of Object.entries(map)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw new UsageError(`--map ${col}=${field}: unknown field "${field}"`, `Fields: ${IMPORT_FIELDS.join(', ')}`);
    }
    explicit.set(headerKey(col), field as ImportField);
  }
  for (const col of Object.keys(map)) {
    if (!header.some((h) => headerKey(h) === headerKey(col))) {
      throw new UsageError(`--map ${col}=${map[col]}: the file has no column "${col}"`, `Columns: ${header.join(', ')}`);
    }
  }
  const used = new Set<ImportField>();
  const fields: (ImportField | null)[] = [];
  const ignored: string[] = [];
  for (const h of header) {
    const k = headerKey(h);
    let f = explicit.get(k) ?? null;
    if (!f) {
      const alias = aliasIndex.get(k) ?? null;
      // An alias never takes a field that an explicit mapping (or an earlier column) already holds.
      f = alias && !used.has(alias) && ![...explicit.values()].includes(alias) ? alias : null;
    }
    if (f) used.add(f);
    else if (h.trim()) ignored.push(h);
    fields.push(f);
  }
  if (!used.has('domain') && !used.has('email')) {
    throw new UserError(
      `No column for the store's website/domain or an email in the header: ${header.join(', ')}`,
      'Name a column website, domain or email, or map one with --map "Column=domain".',
    );
  }
  return { fields, ignored };
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

interface Row {
  domain: string;
  unicode: string;
  url: string;
  company: string | null;
  country: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  tags: string[];
  notes: string | null;
}

const clean = (v: string | undefined): string | null => {
  if (v === undefined) return null;
  const t = v.trim();
  return t ? t : null;
};

/** Turns a mapped record into a row, or a reason why it cannot be imported. */
export function toRow(record: string[], fields: (ImportField | null)[]): Row | string {
  const v: Partial<Record<ImportField, string | null>> = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f) v[f] = clean(record[i]);
  }
  let email: string | null = null;
  let emailDomain: string | null = null;
  if (v.email) {
    const first = v.email.split(/[;,\s]+/).filter(Boolean)[0] ?? '';
    const e = normalizeEmail(first);
    if (!e.ok) return `invalid email: ${e.reason}`;
    email = e.value.email;
    emailDomain = e.value.domain;
  }
  let d;
  if (v.domain) {
    d = normalizeDomain(v.domain);
    if (!d.ok) return `invalid website/domain: ${d.reason}`;
  } else if (emailDomain && !FREEMAIL.has(emailDomain)) {
    d = normalizeDomain(emailDomain);
    if (!d.ok) return `invalid domain from email: ${d.reason}`;
  } else {
    return emailDomain ? `no website/domain, and ${emailDomain} is a free-mail provider` : 'no website/domain and no email';
  }
  let country: string | null = null;
  if (v.country) {
    const c = normalizeCountry(v.country);
    if (!c.ok) return `invalid country: ${c.reason}`;
    country = c.value;
  }
  let firstName = v.first_name ?? null;
  let lastName = v.last_name ?? null;
  if (!firstName && !lastName && v.full_name) {
    const parts = v.full_name.split(/\s+/);
    firstName = parts[0] ?? null;
    lastName = parts.length > 1 ? parts.slice(1).join(' ') : null;
  }
  return {
    domain: d.value.domain,
    unicode: d.value.unicode,
    url: d.value.url,
    company: v.company ?? null,
    country,
    email,
    firstName,
    lastName,
    title: v.title ?? null,
    phone: v.phone ?? null,
    tags: v.tags ? v.tags.split(/[;,|]/).map((t) => t.trim().toLowerCase()).filter(Boolean) : [],
    notes: v.notes ?? null,
  };
}

export async function importLeads(db: Db, opts: ImportOptions): Promise<ImportResult> {
  const label = opts.file === '-' ? '<stdin>' : opts.file;
  let input: NodeJS.ReadableStream;
  if (opts.input) input = opts.input;
  else if (opts.file === '-') input = process.stdin;
  else {
    input = createReadStream(opts.file);
    await new Promise<void>((ok, fail) => {
      (input as Readable).once('readable', ok).once('error', (err: NodeJS.ErrnoException) =>
        fail(new UserError(`Cannot read ${label}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`)),
      );
    });
  }
  const { head, all } = await peek(input);
  if (!head.replace(/^\ufeff/, '').trim()) throw new UserError(`${label} is empty: nothing to import.`);
  const delimiter = sniffDelimiter(head);

  const parser = all.pipe(
    parse({
      bom: true,
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      skip_records_with_error: Boolean(opts.skipInvalid),
    }),
  );

  const sqlite = db.sqlite;
  const forgotten = new Set(
    (sqlite.prepare(`SELECT value FROM suppressions WHERE kind IN ('email_hash','domain_hash')`).all() as { value: string }[]).map((r) => r.value),
  );
  // Insert first, merge only on a duplicate: plain inserts with lastInsertRowid are a third faster than an
  // upsert with RETURNING (measured on 200,000 rows), and duplicates are the exception.
  const insertLead = sqlite.prepare(
    `INSERT OR IGNORE INTO leads (domain, domain_unicode, url, company, country, source, notes, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const findLead = sqlite.prepare('SELECT id FROM leads WHERE domain = ?').pluck();
  const mergeLead = sqlite.prepare(
    `UPDATE leads SET company = COALESCE(company, ?), country = COALESCE(country, ?), domain_unicode = COALESCE(domain_unicode, ?),
       url = COALESCE(url, ?), notes = COALESCE(notes, ?), updated_at = ? WHERE id = ?`,
  );
  const insertContact = sqlite.prepare(
    `INSERT OR IGNORE INTO contacts (lead_id, email, first_name, last_name, title, phone, is_role, validation, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'syntax_ok', ?, ?, ?)`,
  );
  const mergeContact = sqlite.prepare(
    `UPDATE contacts SET first_name = COALESCE(first_name, ?), last_name = COALESCE(last_name, ?), title = COALESCE(title, ?),
       phone = COALESCE(phone, ?), updated_at = ? WHERE lead_id = ? AND email = ?`,
  );
  const addTag = sqlite.prepare(`INSERT OR IGNORE INTO lead_tags (lead_id, tag) VALUES (?, ?)`);
  const extraTags = (opts.tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean);
  const source = opts.source ?? 'import';

  const result: ImportResult = {
    file: label,
    rows: 0,
    leadsCreated: 0,
    leadsMerged: 0,
    contacts: 0,
    rejected: [],
    skippedForgotten: 0,
    ignoredColumns: [],
    delimiter,
    committed: false,
  };

  let header: string[] | null = null;
  let fields: (ImportField | null)[] = [];
  let prevLine = 0;
  const parseErrors: RejectedRow[] = [];
  parser.on('skip', (err: Error & { lines?: number; record?: string[]; raw?: string }) => {
    if (err.lines) prevLine = err.lines;
    parseErrors.push({ line: err.lines ?? prevLine + 1, reason: `malformed CSV: ${err.message.replace(/ at line \d+.*$/, '')}`, record: err.record ?? [err.raw ?? ''] });
  });

  // A large page cache for the bulk upserts: the domain and contact indexes stay in memory instead of
  // being spilled to the WAL and read back (measured: the SQLite share of a 1M-row import halves).
  const cacheBefore = sqlite.pragma('cache_size', { simple: true }) as number;
  sqlite.pragma('cache_size = -131072');
  const now = new Date().toISOString();
  sqlite.exec('BEGIN IMMEDIATE');
  let ok = false;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (opts.signal?.aborted) throw new UserError('Interrupted: nothing was imported (the import is one transaction).');
      // Line numbers without csv-parse's per-record info objects (measured: 10% of the import):
      // a record spans one line plus the newlines inside its quoted fields.
      const line = prevLine + 1;
      let end = line;
      for (const f of record) {
        for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) end++;
      }
      prevLine = end;
      if (!header) {
        header = record.map((h) => h.trim());
        const m = mapHeader(header, opts.map);
        fields = m.fields;
        result.ignoredColumns = m.ignored;
        continue;
      }
      if (record.length === 1 && record[0]!.trim() === '') continue; // blank line
      result.rows++;
      if (record.length > header.length && record.slice(header.length).some((c) => c.trim() !== '')) {
        result.rejected.push({ line, reason: `${record.length} fields, but the header has ${header.length}`, record });
        continue;
      }
      const row = toRow(record, fields);
      if (typeof row === 'string') {
        result.rejected.push({ line, reason: row, record });
        continue;
      }
      if (forgotten.size) {
        if (forgotten.has(erasureHash(db, row.domain))) {
          result.skippedForgotten++;
          continue;
        }
        if (row.email && forgotten.has(erasureHash(db, row.email))) {
          // The store stays; the person who asked to be forgotten is not stored again.
          row.email = row.firstName = row.lastName = row.title = row.phone = null;
          result.skippedForgotten++;
        }
      }
      let leadId: number;
      const ins = insertLead.run(row.domain, row.unicode, row.url, row.company, row.country, source, row.notes, now, now);
      if (ins.changes) {
        leadId = Number(ins.lastInsertRowid);
        result.leadsCreated++;
      } else {
        leadId = findLead.get(row.domain) as number;
        mergeLead.run(row.company, row.country, row.unicode, row.url, row.notes, now, leadId);
        result.leadsMerged++;
      }
      if (row.email) {
        const c = insertContact.run(leadId, row.email, row.firstName, row.lastName, row.title, row.phone, isRoleAddress(row.email) ? 1 : 0, source, now, now);
        if (c.changes) result.contacts++;
        else mergeContact.run(row.firstName, row.lastName, row.title, row.phone, now, leadId, row.email);
      }
      for (const t of row.tags) addTag.run(leadId, t);
      for (const t of extraTags) addTag.run(leadId, t);
      if (opts.onProgress && result.rows % 10000 === 0) opts.onProgress(result.rows);
    }
    ok = true;
  } catch (err) {
    sqlite.exec('ROLLBACK');
    const e = err as Error & { code?: string; lines?: number };
    if (err instanceof CsvError) {
      throw new UserError(`${label}:${e.lines ?? prevLine + 1}: malformed CSV: ${e.message.replace(/ at line \d+.*$/, '')}. Nothing was imported.`,
        'Fix the quoting on that line, or pass --skip-invalid to import the other rows.');
    }
    throw err;
  } finally {
    if (!ok && sqlite.inTransaction) sqlite.exec('ROLLBACK');
  }
  sqlite.pragma(`cache_size = ${cacheBefore}`);
  if (!header) throw new UserError(`${label} has no header row.`);
  result.rejected.push(...parseErrors);
  result.rejected.sort((a, b) => a.line - b.line);

  if (result.rejected.length && !opts.skipInvalid) {
    sqlite.exec('ROLLBACK');
    result.leadsCreated = result.leadsMerged = result.contacts = 0;
  } else {
    sqlite.exec('COMMIT');
    result.committed = true;
  }
  if (opts.rejectsFile && result.rejected.length) {
    await writeRejects(opts.rejectsFile, header, result.rejected);
  }
  return result;
}

async function writeRejects(file: string, header: string[], rows: RejectedRow[]): Promise<void> {
  const out = createWriteStream(file);
  out.write(csvLine(['line', 'reason', ...header]));
  for (const r of rows) out.write(csvLine([r.line, r.reason, ...r.record]));
  await new Promise<void>((ok, fail) => out.end(() => ok()).once('error', fail));
}
