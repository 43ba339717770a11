// One of the threads of a big `leads export` (export.ts): opens the database read-only, starts a read
// transaction (its snapshot is taken while the main thread holds the write lock, so every worker sees the
// same data), then formats the ranges of lead ids it is handed.
import { parentPort, workerData } from 'node:worker_threads';
import { Database } from '../../db/driver.js';
import { buildLeadQuery, type LeadFilter } from './query.js';
import { formatRows, prepareRows, type ExportFormat } from './export.js';

const { path, filter, format, allContacts } = workerData as { path: string; filter: LeadFilter; format: ExportFormat; allContacts: boolean };
const port = parentPort!;
try {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 30000');
  sqlite.exec('BEGIN');
  sqlite.prepare('SELECT id FROM leads LIMIT 1').get(); // the read snapshot starts here
  const { sql } = buildLeadQuery(filter, 'created', undefined, undefined, [0, 0], false, true);
  const rows = prepareRows(sqlite, sql, format, filter, allContacts); // in the snapshot: the suppressed domains too
  port.on('message', (m: { t: 'range'; seq: number; range: [number, number] }) => {
    try {
      const { params } = buildLeadQuery(filter, 'created', undefined, undefined, m.range, false, true);
      const gen = formatRows(rows, params);
      const parts: string[] = [];
      let r = gen.next();
      for (; !r.done; r = gen.next()) parts.push(r.value);
      port.postMessage({ t: 'rows', seq: m.seq, parts, n: r.value }); // pieces, not joined: one copy less
    } catch (err) {
      port.postMessage({ t: 'error', message: (err as Error).message });
    }
  });
  port.postMessage({ t: 'ready' });
} catch (err) {
  port.postMessage({ t: 'error', message: (err as Error).message });
}
