// Managing the suppression list by hand or from files. Suppressing also stops the affected leads'
// active campaign enrollments, so nothing queued goes out afterwards.
import { createReadStream, statSync } from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import type { Db } from '../db/open.js';
import { tx } from '../db/open.js';
import { addSuppression, type Suppression, type SuppressionReason } from '../db/suppressions.js';
import { addEvent } from '../db/events.js';
import { CONTACT_EMAIL_IS, contactEmailKey } from '../db/contacts.js';
import { normalizeDomain, normalizeEmail } from '../domain/normalize.js';
import { UserError, fsReason } from '../errors.js';
import { headerKey } from './leads/import.js';

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

/** Stops the active enrollments of leads whose contact is this email, or whose domain is this domain. */
function stopEnrollments(db: Db, p: ParsedValue, reason: string): number {
  const q = db.sqlite;
  const leads =
    p.kind === 'email'
      ? (q.prepare(`SELECT DISTINCT lead_id AS id FROM contacts WHERE ${CONTACT_EMAIL_IS}`).all(...contactEmailKey(p.value)) as { id: number }[])
      : (q.prepare(`SELECT id FROM leads WHERE domain = ? OR domain LIKE ? ESCAPE '\\'`).all(p.value, `%.${p.value.replace(/[\\%_]/g, (m) => '\\' + m)}`) as { id: number }[]);
  let n = 0;
  for (const l of leads) {
    n += q
      .prepare(`UPDATE enrollments SET status = 'stopped', stop_reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE lead_id = ? AND status IN ('active','paused')`)
      .run(`suppressed: ${reason}`, l.id).changes;
    addEvent(db, { leadId: l.id, type: 'suppressed', data: { [p.kind]: p.value, reason } });
  }
  return n;
}

export function suppressValues(
  db: Db,
  values: string[],
  o: { reason: SuppressionReason; note?: string; source: string },
): { added: number; existing: number; enrollmentsStopped: number; invalid: { value: string; reason: string }[] } {
  const parsed = values.map((v) => ({ raw: v, p: parseSuppressionValue(v) }));
  const invalid = parsed.filter((x) => 'error' in x.p).map((x) => ({ value: x.raw, reason: (x.p as { error: string }).error }));
  const res = { added: 0, existing: 0, enrollmentsStopped: 0, invalid };
  if (invalid.length) return res;
  tx(db, () => {
    for (const { p } of parsed) {
      const v = p as ParsedValue;
      if (addSuppression(db, { kind: v.kind, value: v.value, reason: o.reason, source: o.source, note: o.note })) res.added++;
      else res.existing++;
      res.enrollmentsStopped += stopEnrollments(db, v, o.reason);
    }
  });
  return res;
}

const PROTECTED: SuppressionReason[] = ['unsubscribed', 'bounced', 'complained', 'forgotten'];

/**
 * Takes values off the list. `unknown`: valid emails or domains that were not on it; `invalid`: values that are
 * neither (nothing is removed when there is one, like suppressValues).
 */
export function unsuppressValues(
  db: Db,
  values: string[],
  force: boolean,
): { removed: number; kept: { value: string; reason: string }[]; unknown: string[]; invalid: { value: string; reason: string }[] } {
  const parsed = values.map((raw) => ({ raw, p: parseSuppressionValue(raw) }));
  const invalid = parsed.filter((x) => 'error' in x.p).map((x) => ({ value: x.raw, reason: (x.p as { error: string }).error }));
  const res = { removed: 0, kept: [] as { value: string; reason: string }[], unknown: [] as string[], invalid };
  if (invalid.length) return res;
  tx(db, () => {
    for (const { p: parsedValue } of parsed) {
      const p = parsedValue as ParsedValue;
      const row = db.sqlite.prepare('SELECT id, reason FROM suppressions WHERE kind = ? AND value = ?').get(p.kind, p.value) as { id: number; reason: SuppressionReason } | undefined;
      if (!row) {
        if (!res.unknown.includes(p.value)) res.unknown.push(p.value);
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

export async function importSuppressions(
  db: Db,
  file: string,
  o: { reason: SuppressionReason; skipInvalid: boolean },
): Promise<{ file: string; added: number; existing: number; invalid: { line: number; value: string; reason: string }[]; committed: boolean }> {
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
  const input = file === '-' ? process.stdin : createReadStream(file);
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, delimiter: [',', ';', '\t'], info: true }));
  // a read error (permissions, I/O) ends the parse with it, instead of an unhandled 'error' event
  input.once('error', (err: Error) => parser.destroy(err));
  const values: { line: number; p: ParsedValue }[] = [];
  const invalid: { line: number; value: string; reason: string }[] = [];
  let col = 0;
  let first = true;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (first) {
        first = false;
        const idx = record.findIndex((h) => ['email', 'emailaddress', 'domain', 'value', 'address', 'website'].includes(headerKey(h)));
        if (idx >= 0) {
          col = idx;
          continue;
        }
      }
      const raw = (record[col] ?? '').trim();
      if (!raw || raw.startsWith('#')) continue;
      const p = parseSuppressionValue(raw);
      if ('error' in p) invalid.push({ line: info.lines, value: raw, reason: p.error });
      else values.push({ line: info.lines, p });
    }
  } catch (err) {
    if (err instanceof CsvError) throw new UserError(`${label}:${(err as CsvError & { lines?: number }).lines ?? '?'}: malformed CSV: ${err.message}`);
    if (typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).code!.startsWith('E')) {
      throw new UserError(`Cannot read ${label}: ${fsReason(err, 'read')}`);
    }
    throw err;
  }
  const res = { file: label, added: 0, existing: 0, invalid, committed: false };
  if (invalid.length && !o.skipInvalid) return res;
  tx(db, () => {
    for (const { p } of values) {
      if (addSuppression(db, { kind: p.kind, value: p.value, reason: o.reason, source: 'import' })) res.added++;
      else res.existing++;
      stopEnrollments(db, p, o.reason);
    }
  });
  res.committed = true;
  return res;
}

