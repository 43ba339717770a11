// Prepared statements cached per connection: the send loop runs the same few queries for every message,
// and preparing them each time cost more than running them.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/open.js';

const cache = new WeakMap<Db['sqlite'], Map<string, Statement>>();

export function q(db: Db, sql: string): Statement {
  let m = cache.get(db.sqlite);
  if (!m) cache.set(db.sqlite, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.sqlite.prepare(sql)));
  return st;
}
