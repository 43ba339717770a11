// Which better-sqlite3 to load. On Node 22 and later: better-sqlite3 13 (installed as the optional
// dependency `better-sqlite3-napi`; Node-API, prebuilt), because better-sqlite3 12 on Node 24 can abort the
// process at exit ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook, from its
// ObjectWrap destructors running in the final garbage collection, most often when a worker thread ends):
// seen in `npm run test:node` on 24. Version 13 needs Node >= 22 (its prebuilt binary crashes on 20),
// so Node 20 keeps better-sqlite3 12, compiled at install. The two have the same API.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

function load(): { Database: typeof BetterSqlite3; name: string } {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) {
    try {
      return { Database: require('better-sqlite3-napi') as typeof BetterSqlite3, name: 'better-sqlite3-napi' };
    } catch {
      // not installed (e.g. npm ci ran on Node 20): version 12 works, minus the exit-time fix
    }
  }
  return { Database: require('better-sqlite3') as typeof BetterSqlite3, name: 'better-sqlite3' };
}

const loaded = load();
/** The better-sqlite3 Database class for this Node version. */
export const Database = loaded.Database;
export type Database = BetterSqlite3.Database;
/** The package it came from. */
export const driverPackage = loaded.name;
