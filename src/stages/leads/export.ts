// Streaming export of leads as CSV (RFC 4180, formula cells neutralized), JSON (an array) or JSON Lines.
import type { Db } from '../../db/open.js';
import { csvLine } from '../../domain/csv.js';
import { buildLeadQuery, LEAD_COLUMNS, type LeadFilter, type LeadRow, type LeadSort } from './query.js';

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
  const stmt = db.sqlite.prepare(sql);
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
  for (const r of stmt.iterate(...params) as IterableIterator<LeadRow>) {
    if (opts.format === 'csv') {
      const row = LEAD_COLUMNS.map((c) => (c === 'is_shopify' ? (r.is_shopify === null ? null : Boolean(r.is_shopify)) : r[c]));
      buf += csvLine(row);
    } else {
      const obj: Record<string, unknown> = {};
      for (const c of LEAD_COLUMNS) obj[c] = c === 'is_shopify' ? (r.is_shopify === null ? null : Boolean(r.is_shopify)) : c === 'tags' ? (r.tags ? r.tags.split(';') : []) : r[c];
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
