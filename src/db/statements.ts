// Prepared statements cached per connection. The hot loops (send, draft, enrich, inbox sync, suppression
// checks, the timeline) run the same few queries for every lead or message, and preparing a statement costs
// more than running it. One cache for the whole program: a statement is found by its SQL text.
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';

const cache = new WeakMap<Db['sqlite'], Map<string, Statement>>();

/** The statement for this SQL on this connection, prepared on first use. Pass constant SQL text. */
export function cached(db: Db, sql: string): Statement {
  let m = cache.get(db.sqlite);
  if (!m) cache.set(db.sqlite, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.sqlite.prepare(sql)));
  return st;
}
