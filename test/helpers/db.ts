// Reads a test's database the way a second process would: its own read-only connection, closed after.
import { Database } from '../../src/db/driver.js';

export function withReadOnlyDb<T>(file: string, fn: (d: InstanceType<typeof Database>) => T): T {
  const d = new Database(file, { readonly: true });
  try {
    return fn(d);
  } finally {
    d.close();
  }
}

/** All rows of one query. */
export function queryDb<T = Record<string, unknown>>(file: string, sql: string, ...params: unknown[]): T[] {
  return withReadOnlyDb(file, (d) => d.prepare(sql).all(...params) as T[]);
}
