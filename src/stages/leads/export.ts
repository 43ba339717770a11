// Streaming export of leads as CSV (RFC 4180, formula cells neutralized), JSON (an array) or JSON Lines.
import type { Db } from '../../db/open.js';
import { csvLine } from '../../domain/csv.js';
import { buildLeadQuery, LEAD_COLUMNS, type LeadFilter, type LeadSort } from './query.js';

export type ExportFormat = 'csv' | 'json' | 'jsonl';

export interface ExportOptions {
  format: ExportFormat;
  filter: LeadFilter;
  sort?: LeadSort;
  /** Prepend a UTF-8 BOM so Excel reads the file as UTF-8. */
  excel?: boolean;
  limit?: number;
  signal?: AbortSignal;
}

/** Writes every matching lead to `out`, honouring back-pressure. Returns the number of leads written. */
export async function exportLeads(db: Db, out: NodeJS.WritableStream, opts: ExportOptions): Promise<number> {
  const { sql, params } = buildLeadQuery(opts.filter, opts.sort ?? 'created', opts.limit);
  // Rows as arrays, not objects: a third of the export's time on a million leads (measured).
  const stmt = db.sqlite.prepare(sql).raw(true);
  const names = stmt.columns().map((c) => c.name);
  const idx = LEAD_COLUMNS.map((c) => names.indexOf(c));
  const shopifyAt = LEAD_COLUMNS.indexOf('is_shopify');
  const tagsAt = LEAD_COLUMNS.indexOf('tags');
  let buf = '';
  let n = 0;
  const flush = async () => {
    if (!buf) return;
    const ok = out.write(buf);
    buf = '';
    if (!ok) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  if (opts.format === 'csv') {
    if (opts.excel) buf += '\ufeff';
    buf += csvLine(LEAD_COLUMNS);
  } else if (opts.format === 'json') buf += '[';
  const values: unknown[] = new Array(LEAD_COLUMNS.length);
  for (const r of stmt.iterate(...params) as IterableIterator<unknown[]>) {
    for (let i = 0; i < idx.length; i++) values[i] = r[idx[i]!];
    values[shopifyAt] = values[shopifyAt] === null ? null : Boolean(values[shopifyAt]);
    if (opts.format === 'csv') {
      buf += csvLine(values);
    } else {
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < LEAD_COLUMNS.length; i++) obj[LEAD_COLUMNS[i]!] = values[i];
      obj.tags = values[tagsAt] ? String(values[tagsAt]).split(';') : [];
      const text = JSON.stringify(obj);
      buf += opts.format === 'json' ? (n ? ',\n' : '\n') + text : text + '\n';
    }
    n++;
    if (buf.length > 1 << 16) {
      await flush();
      if (opts.signal?.aborted) break;
    }
  }
  if (opts.format === 'json') buf += n ? '\n]\n' : ']\n';
  await flush();
  return n;
}
