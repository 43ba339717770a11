// Managing the suppression list by hand or from files. Suppressing also stops the affected leads'
// active campaign enrollments, so nothing queued goes out afterwards. A person or store forgotten on request
// (GDPR erasure) is on the list only as a keyed hash: adding or importing them again stores nothing in clear.
import { createReadStream, statSync } from 'node:fs';
import type { Db } from '../db/open.js';
import { tx } from '../db/open.js';
import { addSuppression, domainAndParents, erasureHash, forgottenChecker, isForgotten, type Suppression, type SuppressionKind, type SuppressionReason } from '../db/suppressions.js';
import { addEvent } from '../db/events.js';
import { cached } from '../db/statements.js';
import { CONTACT_EMAIL_IS, contactEmailKey } from '../db/contacts.js';
import { normalizeDomain, normalizeEmail } from '../domain/normalize.js';
import { CsvReader } from '../domain/csv-read.js';
import { restoreCell } from '../domain/csv.js';
import { UserError, fsReason } from '../errors.js';
import { headerKey, sniffDelimiter } from './leads/import-parse.js';

export interface ParsedValue {
  kind: 'email' | 'domain';
  value: string;
}

export function parseSuppressionValue(raw: string): ParsedValue | { error: string } {
  const v = raw.trim();
  if (v.includes('@')) {
    const e = normalizeEmail(v);
    return e.ok ? { kind: 'email', value: e.value.email } : { error: e.reason };
  }
  const d = normalizeDomain(v);
  return d.ok ? { kind: 'domain', value: d.value.domain.replace(/:\d+$/, '') } : { error: d.reason };
}

/** Stops a lead's active enrollments because of a new suppression, with an event on its timeline. */
function stopLead(db: Db, leadId: number, p: ParsedValue, reason: string): number {
  const n = cached(db, `UPDATE enrollments SET status = 'stopped', stop_reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE lead_id = ? AND status IN ('active','paused')`)
    .run(`suppressed: ${reason}`, leadId).changes;
  addEvent(db, { leadId, type: 'suppressed', data: { [p.kind]: p.value, reason } });
  return n;
}

/** Stops the active enrollments of leads whose contact is this email, or whose domain is this domain (or below it). */
function stopEnrollments(db: Db, p: ParsedValue, reason: string): number {
  const leads =
    p.kind === 'email'
      ? (cached(db, `SELECT DISTINCT lead_id AS id FROM contacts WHERE ${CONTACT_EMAIL_IS}`).all(...contactEmailKey(p.value)) as { id: number }[])
      : (cached(db, `SELECT id FROM leads WHERE domain = ? OR domain LIKE ? ESCAPE '\\'`).all(p.value, `%.${p.value.replace(/[\\%_]/g, (m) => '\\' + m)}`) as { id: number }[]);
  let n = 0;
  for (const l of leads) n += stopLead(db, l.id, p, reason);
  return n;
}

export function suppressValues(
  db: Db,
  values: string[],
  o: { reason: SuppressionReason; note?: string; source: string },
): { added: number; existing: number; forgotten: string[]; enrollmentsStopped: number; invalid: { value: string; reason: string }[] } {
  const parsed = values.map((v) => ({ raw: v, p: parseSuppressionValue(v) }));
  const invalid = parsed.filter((x) => 'error' in x.p).map((x) => ({ value: x.raw, reason: (x.p as { error: string }).error }));
  const res = { added: 0, existing: 0, forgotten: [] as string[], enrollmentsStopped: 0, invalid };
  if (invalid.length) return res;
  tx(db, () => {
    const forgotten = forgottenChecker(db);
    for (const { raw, p } of parsed) {
      const v = p as ParsedValue;
      // Already suppressed by its erasure hash: storing it in clear would undo the erasure.
      if (forgotten?.(v.kind, v.value)) {
        res.existing++;
        res.forgotten.push(raw);
        continue;
      }
      if (addSuppression(db, { kind: v.kind, value: v.value, reason: o.reason, source: o.source, note: o.note })) res.added++;
      else res.existing++;
      res.enrollmentsStopped += stopEnrollments(db, v, o.reason);
    }
  });
  return res;
}

const PROTECTED: SuppressionReason[] = ['unsubscribed', 'bounced', 'complained', 'forgotten'];

/**
 * Takes values off the list. `unknown`: valid emails or domains that were not on it; `forgotten`: values forgotten
 * on request (only their hash is kept), which are never removed, even with force; `invalid`: values that are
 * neither (nothing is removed when there is one, like suppressValues).
 */
export function unsuppressValues(
  db: Db,
  values: string[],
  force: boolean,
): { removed: number; kept: { value: string; reason: string }[]; forgotten: string[]; unknown: string[]; invalid: { value: string; reason: string }[] } {
  const parsed = values.map((raw) => ({ raw, p: parseSuppressionValue(raw) }));
  const invalid = parsed.filter((x) => 'error' in x.p).map((x) => ({ value: x.raw, reason: (x.p as { error: string }).error }));
  const res = { removed: 0, kept: [] as { value: string; reason: string }[], forgotten: [] as string[], unknown: [] as string[], invalid };
  if (invalid.length) return res;
  tx(db, () => {
    for (const { p: parsedValue } of parsed) {
      const p = parsedValue as ParsedValue;
      const row = db.sqlite.prepare('SELECT id, reason FROM suppressions WHERE kind = ? AND value = ?').get(p.kind, p.value) as { id: number; reason: SuppressionReason } | undefined;
      if (!row) {
        if (isForgotten(db, p.kind, p.value)) {
          if (!res.forgotten.includes(p.value)) res.forgotten.push(p.value);
        } else if (!res.unknown.includes(p.value)) res.unknown.push(p.value);
        continue;
      }
      if (PROTECTED.includes(row.reason) && !force) {
        res.kept.push({ value: p.value, reason: row.reason });
        continue;
      }
      db.sqlite.prepare('DELETE FROM suppressions WHERE id = ?').run(row.id);
      res.removed++;
    }
  });
  return res;
}

/** Suppressions, oldest first; at most `limit` (0 or none: all). */
export function listSuppressions(db: Db, reason?: string, limit = 0): Suppression[] {
  const where = reason ? 'WHERE reason = ?' : '';
  const params: (string | number)[] = reason ? [reason] : [];
  return db.sqlite.prepare(`SELECT * FROM suppressions ${where} ORDER BY id LIMIT ?`).all(...params, limit > 0 ? limit : -1) as Suppression[];
}

export function countSuppressions(db: Db, reason?: string): number {
  return (reason
    ? db.sqlite.prepare('SELECT count(*) FROM suppressions WHERE reason = ?').pluck().get(reason)
    : db.sqlite.prepare('SELECT count(*) FROM suppressions').pluck().get()) as number;
}


/** Every reason the list stores, as `suppress list` writes them. */
export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['unsubscribed', 'bounced', 'complained', 'forgotten', 'manual', 'imported', 'left_company'];
const KINDS: readonly SuppressionKind[] = ['email', 'domain', 'email_hash', 'domain_hash'];

/** Header names (as headerKey leaves them) of the column that holds the values. */
const EMAIL_HEADERS = ['email', 'emailaddress', 'address', 'mail'];
const DOMAIN_HEADERS = ['domain', 'website'];

/** Invalid lines kept in the result (the count goes on): a file of a million bad lines must not fill the memory. */
const MAX_INVALID = 1000;

export interface ImportSuppressionsResult {
  file: string;
  /** Values read (header, empty and comment lines not counted). */
  values: number;
  added: number;
  /** Already on the list, forgotten ones included. */
  existing: number;
  /** Of `existing`: forgotten on request, already suppressed by their erasure hash; nothing was stored for them. */
  forgotten: number;
  /** Forgotten entries imported as hashes (kind email_hash / domain_hash): they only match in their own database or a copy of it. */
  hashes: number;
  enrollmentsStopped: number;
  /** The first bad lines (at most 1000); `invalidCount` counts them all. */
  invalid: { line: number; value: string; reason: string }[];
  invalidCount: number;
  /** Values of a `reason` column that are not a reason this list knows: stored with the --reason value instead. */
  unknownReasons: { value: string; line: number; count: number }[];
  committed: boolean;
}

type ColumnKind = 'email' | 'domain' | 'any';

interface Layout {
  /** The column with the values, and what it may hold. */
  col: number;
  header: string;
  expect: ColumnKind;
  /** `suppress list --format csv`: a kind column says what each value is. */
  kindCol: number;
  reasonCol: number;
  noteCol: number;
  sourceCol: number;
}

/** Sources the list records (`suppress list` writes them); another value becomes `import`. */
const SOURCES = ['cli', 'import', 'inbox', 'serve', 'send'];

/** Reads the header (or decides there is none): see the `suppress import` help for the rules. */
function layoutOf(record: string[]): Layout | null {
  const keys = record.map((h) => headerKey(restoreCell(h.trim())));
  const find = (names: string[]) => keys.findIndex((k) => names.includes(k));
  const reasonCol = find(['reason']);
  const noteCol = find(['note', 'notes']);
  const sourceCol = find(['source']);
  const kindCol = find(['kind']);
  const valueCol = find(['value']);
  const email = find(EMAIL_HEADERS);
  const domain = find(DOMAIN_HEADERS);
  const base = { kindCol: -1, reasonCol, noteCol, sourceCol };
  if (kindCol >= 0 && valueCol >= 0) return { ...base, col: valueCol, header: record[valueCol]!, expect: 'any', kindCol };
  // An email column wins over a domain column (a leads export has both: its people are suppressed, not its stores).
  if (email >= 0) return { ...base, col: email, header: record[email]!, expect: 'email' };
  if (domain >= 0) return { ...base, col: domain, header: record[domain]!, expect: 'domain' };
  if (valueCol >= 0) return { ...base, col: valueCol, header: record[valueCol]!, expect: 'any' };
  return null;
}

type Parsed = ParsedValue | { kind: 'email_hash' | 'domain_hash'; value: string };

function parseCell(raw: string, expect: ColumnKind | SuppressionKind, header: string): Parsed | { error: string } {
  switch (expect) {
    case 'email': {
      if (!raw.includes('@')) {
        return { error: `"${raw}" in the ${header} column is not an email address (to suppress a whole domain, put it in a "domain" column, or run \`outreach suppress add DOMAIN\`)` };
      }
      const e = normalizeEmail(raw);
      return e.ok ? { kind: 'email', value: e.value.email } : { error: e.reason };
    }
    case 'domain': {
      if (raw.includes('@')) return { error: `"${raw}" in the ${header} column is an email address, not a domain` };
      const d = normalizeDomain(raw);
      return d.ok ? { kind: 'domain', value: d.value.domain.replace(/:\d+$/, '') } : { error: d.reason };
    }
    case 'email_hash':
    case 'domain_hash':
      return /^[0-9a-f]{64}$/i.test(raw) ? { kind: expect, value: raw.toLowerCase() } : { error: `"${raw}" is not an erasure hash (64 hexadecimal digits)` };
    default:
      return parseSuppressionValue(raw);
  }
}

/**
 * Suppresses every value of a CSV file or a one-value-a-line list, streamed: the file is read in chunks and the
 * values written as they come, inside one write transaction that is rolled back when the file is refused (a bad
 * line without skipInvalid, an interruption), so memory stays flat whatever the file's size and a refused file
 * writes nothing. FILE:LINE is the first physical line of a record (a quoted note may span lines).
 */
export async function importSuppressions(
  db: Db,
  file: string,
  o: { reason: SuppressionReason; skipInvalid: boolean; signal?: AbortSignal; onProgress?: (values: number) => void },
): Promise<ImportSuppressionsResult> {
  const label = file === '-' ? '<stdin>' : file;
  if (file !== '-') {
    // A missing file or a folder is said plainly, before any stream is opened (a read stream's error would
    // otherwise surface as an unhandled 'error' event).
    let isDir = false;
    try {
      isDir = statSync(file).isDirectory();
    } catch (err) {
      throw new UserError(`Cannot read ${label}: ${fsReason(err, 'read')}`);
    }
    if (isDir) throw new UserError(`Cannot read ${label}: it is a folder, not a file`);
  }
  const res: ImportSuppressionsResult = {
    file: label,
    values: 0,
    added: 0,
    existing: 0,
    forgotten: 0,
    hashes: 0,
    enrollmentsStopped: 0,
    invalid: [],
    invalidCount: 0,
    unknownReasons: [],
    committed: false,
  };
  const q = db.sqlite;
  let inTx = false;
  let forgotten: ReturnType<typeof forgottenChecker> = null;
  let sinceId = 0;
  let domainsAdded = false;
  // Enrollments of the people suppressed: probed per new email while that is cheaper than one pass over the
  // contacts at the end (a small list against a big database, or the reverse).
  let contactsCount = 0;
  let emailsProbed = 0;
  let emailPassFrom = -1;
  let layout: Layout | null | undefined;
  const unknownReasons = new Map<string, { value: string; line: number; count: number }>();
  const refused = () => res.invalidCount > 0 && !o.skipInvalid;
  const bad = (line: number, value: string, reason: string) => {
    res.invalidCount++;
    if (res.invalid.length < MAX_INVALID) res.invalid.push({ line, value, reason });
  };
  // A bigger page cache for the import's transaction, as `leads import` does: the unique index (kind, value) of a
  // million random addresses does not fit SQLite's default 2 MB, and every insert would re-read index pages.
  const cacheBefore = q.pragma('cache_size', { simple: true }) as number;
  const begin = () => {
    q.pragma('cache_size = -65536');
    q.exec('BEGIN IMMEDIATE');
    inTx = true;
    forgotten = forgottenChecker(db);
    sinceId = (q.prepare('SELECT coalesce(max(id), 0) FROM suppressions').pluck().get() as number) ?? 0;
    contactsCount = q.prepare('SELECT count(*) FROM contacts').pluck().get() as number;
  };

  const onRecord = (record: string[], line: number) => {
    if (layout === undefined) {
      layout = layoutOf(record);
      if (layout) return; // the header
    }
    const l = layout ?? { col: 0, header: 'first', expect: 'any' as const, kindCol: -1, reasonCol: -1, noteCol: -1, sourceCol: -1 };
    const raw = restoreCell((record[l.col] ?? '').trim()).trim();
    if (!raw || raw.startsWith('#')) return;
    res.values++;
    let expect: ColumnKind | SuppressionKind = l.expect;
    if (l.kindCol >= 0) {
      const k = restoreCell((record[l.kindCol] ?? '').trim()).trim().toLowerCase();
      if (k && !(KINDS as readonly string[]).includes(k)) return bad(line, raw, `unknown kind "${k}" (${KINDS.join(', ')})`);
      if (k) expect = k as SuppressionKind;
    }
    const p = parseCell(raw, expect, l.header);
    if ('error' in p) return bad(line, raw, p.error);
    let reason = o.reason;
    if (l.reasonCol >= 0) {
      const r = restoreCell((record[l.reasonCol] ?? '').trim()).trim().toLowerCase();
      if ((SUPPRESSION_REASONS as readonly string[]).includes(r)) reason = r as SuppressionReason;
      else if (r) {
        const u = unknownReasons.get(r);
        if (u) u.count++;
        else if (unknownReasons.size < 20) unknownReasons.set(r, { value: r, line, count: 1 });
      }
    }
    if (refused()) return; // still reading, to list every bad line; nothing will be written
    if (!inTx) begin();
    const note = l.noteCol >= 0 ? restoreCell(record[l.noteCol] ?? '').trim() || undefined : undefined;
    const src = l.sourceCol >= 0 ? (record[l.sourceCol] ?? '').trim().toLowerCase() : '';
    const source = SOURCES.includes(src) ? src : 'import';
    if (p.kind === 'email_hash' || p.kind === 'domain_hash') {
      if (addSuppression(db, { kind: p.kind, value: p.value, reason, source, note })) {
        res.added++;
        res.hashes++;
      } else res.existing++;
      return;
    }
    if (forgotten?.(p.kind, p.value)) {
      // already suppressed by its erasure hash: storing it in clear would undo the erasure
      res.existing++;
      res.forgotten++;
      return;
    }
    if (reason === 'forgotten') {
      // another list's erasure: kept as this database's hash only, like `leads forget` does
      const kind = p.kind === 'email' ? 'email_hash' : 'domain_hash';
      if (addSuppression(db, { kind, value: erasureHash(db, p.value), reason, source })) {
        res.added++;
        res.forgotten++;
        if (forgotten) forgotten.added(kind);
        else forgotten = forgottenChecker(db);
      } else res.existing++;
      return;
    }
    if (!addSuppression(db, { kind: p.kind, value: p.value, reason, source, note })) {
      res.existing++;
      return;
    }
    res.added++;
    if (p.kind === 'domain') domainsAdded = true;
    else if (emailPassFrom < 0 && contactsCount > 0) {
      if (++emailsProbed <= contactsCount) res.enrollmentsStopped += stopEnrollments(db, { kind: 'email', value: p.value }, reason);
      else emailPassFrom = (q.prepare('SELECT max(id) FROM suppressions').pluck().get() as number) - 1;
    }
  };

  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
  input.setEncoding('utf8');
  let reader: CsvReader | null = null;
  let head = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      if (o.signal?.aborted) throw new UserError(`${label}: interrupted; nothing was imported.`);
      if (!reader) {
        // the delimiter is sniffed from the first line (comma, semicolon or tab)
        head += chunk;
        if (!head.includes('\n') && head.length < 65536) continue;
        reader = new CsvReader(sniffDelimiter(head), onRecord, (e) => bad(e.line, e.raw, `malformed CSV: ${e.message}`));
        reader.push(head);
        head = '';
      } else reader.push(chunk);
      o.onProgress?.(res.values);
    }
    if (!reader && head) {
      reader = new CsvReader(sniffDelimiter(head), onRecord, (e) => bad(e.line, e.raw, `malformed CSV: ${e.message}`));
      reader.push(head);
    }
    reader?.end();
    if (o.signal?.aborted) throw new UserError(`${label}: interrupted; nothing was imported.`);
    res.unknownReasons = [...unknownReasons.values()];
    if (refused()) {
      if (inTx) q.exec('ROLLBACK');
      inTx = false;
      res.added = res.existing = res.forgotten = res.hashes = res.enrollmentsStopped = 0;
      return res;
    }
    if (domainsAdded) res.enrollmentsStopped += stopEnrollmentsForNewDomains(db, sinceId);
    if (emailPassFrom >= 0) res.enrollmentsStopped += stopEnrollmentsForNewEmails(db, emailPassFrom);
    if (inTx) q.exec('COMMIT');
    inTx = false;
    res.committed = true;
    return res;
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).code!.startsWith('E')) {
      throw new UserError(`Cannot read ${label}: ${fsReason(err, 'read')}`);
    }
    throw err;
  } finally {
    if (inTx && q.inTransaction) q.exec('ROLLBACK');
    q.pragma(`cache_size = ${cacheBefore}`);
    if (file !== '-') (input as ReturnType<typeof createReadStream>).destroy();
  }
}

/** After a bulk import: stops the enrollments of leads with a contact whose email was added since `sinceId`. */
function stopEnrollmentsForNewEmails(db: Db, sinceId: number): number {
  const probe = cached(db, `SELECT value, reason FROM suppressions WHERE kind = 'email' AND value = ? AND id > ?`);
  const hits: { id: number; value: string; reason: string }[] = [];
  for (const c of db.sqlite.prepare('SELECT lead_id, email FROM contacts').iterate() as Iterable<{ lead_id: number; email: string }>) {
    const s = probe.get(c.email, sinceId) as { value: string; reason: string } | undefined;
    if (s) hits.push({ id: c.lead_id, value: s.value, reason: s.reason });
  }
  let n = 0;
  for (const h of hits) n += stopLead(db, h.id, { kind: 'email', value: h.value }, h.reason);
  return n;
}

/**
 * After a bulk import: stops the enrollments of leads whose domain (or a parent of it) is one of the domains
 * added since `sinceId`. One pass over the leads with an index probe per domain level, rather than a LIKE scan
 * of all leads per imported domain.
 */
function stopEnrollmentsForNewDomains(db: Db, sinceId: number): number {
  const probe = cached(db, `SELECT value, reason FROM suppressions WHERE kind = 'domain' AND value = ? AND id > ?`);
  const hits: { id: number; value: string; reason: string }[] = [];
  for (const l of db.sqlite.prepare('SELECT id, domain FROM leads').iterate() as Iterable<{ id: number; domain: string }>) {
    for (const d of domainAndParents(l.domain)) {
      const s = probe.get(d, sinceId) as { value: string; reason: string } | undefined;
      if (s) {
        hits.push({ id: l.id, value: s.value, reason: s.reason });
        break;
      }
    }
  }
  let n = 0;
  for (const h of hits) n += stopLead(db, h.id, { kind: 'domain', value: h.value }, h.reason);
  return n;
}
