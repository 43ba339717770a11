// Review s8 (issue 2) of `leads forget`: no byte of the person is left in the database file or its WAL (#1: stale
// cells in free blocks and index pages, old page images in the log), and their unsent mail is cancelled (#11 note).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Database } from '../../src/db/driver.js';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir, ROOT } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], input?: string) => runCli(['--db', db, ...args], { cwd: t.dir, input, timeoutMs: 120_000 });
const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] => queryDb<T>(db, sql, ...params);
const file = (name: string, text: string) => {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
};
/** The raw bytes of the database file and its WAL, decoded as UTF-8 and lower-cased. */
const rawText = () =>
  Buffer.concat([readFileSync(db), existsSync(db + '-wal') ? readFileSync(db + '-wal') : Buffer.alloc(0)])
    .toString('utf8')
    .toLowerCase();

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
});
afterEach(() => t.cleanup());

/** The review's repro: the person among 6,000 other leads, imported, then merged by a second import (an UPDATE). */
async function seedPerson(): Promise<void> {
  const rows = ['domain,email,first_name,last_name,company'];
  for (let i = 0; i < 3000; i++) rows.push(`filler${i}.com,someone${i}@filler${i}.com,F${i},L${i},Filler ${i}`);
  rows.push('walperson.com,walter.secret@walperson.com,Walter,Secretson,Walperson Goods');
  for (let i = 3000; i < 6000; i++) rows.push(`filler${i}.com,someone${i}@filler${i}.com,F${i},L${i},Filler ${i}`);
  expect((await cli(['leads', 'import', file('d1.csv', rows.join('\n') + '\n'), '-q'])).code).toBe(0);
  const merge = file('d1b.csv', 'domain,email,title,notes\nwalperson.com,Walter.Secret@walperson.com,Founder,Call Walter Secretson\n');
  expect((await cli(['leads', 'import', merge, '-q'])).code).toBe(0);
  // facts and events about the person and the store, updated once (old cell images in free blocks)
  const d = new Database(db);
  const lead = (d.prepare(`SELECT id FROM leads WHERE domain = 'walperson.com'`).get() as { id: number }).id;
  d.prepare(`INSERT INTO facts (lead_id, key, value) VALUES (?, 'contact.email', '"walter.secret@walperson.com"')`).run(lead);
  d.prepare(`UPDATE facts SET value = '"walter.secret@walperson.com" (site)' WHERE lead_id = ?`).run(lead);
  d.close();
}

describe('leads forget leaves no byte of the person in the file (#1)', () => {
  it('EMAIL, then DOMAIN: the raw bytes of the db and its -wal hold neither', async () => {
    await seedPerson();
    expect(rawText()).toContain('walter.secret@walperson.com'); // the check can see it
    const r = await cli(['leads', 'forget', 'walter.secret@walperson.com', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ contactsDeleted: 1, factsDeleted: 1, fileCleaned: true });
    let raw = rawText();
    expect(raw).not.toContain('walter.secret@walperson.com');
    expect(raw).not.toContain('secretson');
    expect(raw).toContain('walperson.com'); // the store itself is still a lead
    const r2 = await cli(['leads', 'forget', 'WalPerson.com', '--yes']);
    expect(r2.code, r2.stderr).toBe(0);
    raw = rawText();
    expect(raw).not.toContain('walperson');
    // the other leads are intact and the database is sound
    expect(query('SELECT count(*) AS n FROM leads')).toEqual([{ n: 6000 }]);
    expect(query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it('waits for another process\'s read to end, then cleans the file', async () => {
    await seedPerson();
    const reader = await holdRead(1500);
    const r = await cli(['leads', 'forget', 'walter.secret@walperson.com', '--yes']);
    await reader.closed;
    expect(r.code, r.stderr).toBe(0);
    expect(rawText()).not.toContain('walter.secret@walperson.com');
  });

  it('says so, without claiming a clean file, when another process keeps reading (the rows are erased all the same)', async () => {
    await seedPerson();
    const { forget } = (await import(resolve(ROOT, 'dist/stages/leads/forget.js'))) as typeof import('../../src/stages/leads/forget.js');
    const { openDb } = (await import(resolve(ROOT, 'dist/db/open.js'))) as typeof import('../../src/db/open.js');
    const reader = await holdRead(20_000);
    const d = openDb(db);
    try {
      expect(() => forget(d, 'walter.secret@walperson.com', { checkpointWaitMs: 300 })).toThrow(
        /The records are erased, but another process is still reading the database, so old copies of the erased bytes stay in the file/,
      );
    } finally {
      d.close();
      reader.kill('SIGKILL');
    }
    await reader.closed;
    expect(query(`SELECT count(*) AS n FROM contacts WHERE email LIKE 'walter%'`)).toEqual([{ n: 0 }]);
    // once the reader is gone, `db vacuum` finishes the job
    expect((await cli(['db', 'vacuum'])).code).toBe(0);
    expect(rawText()).not.toContain('walter.secret@walperson.com');
  });
});

describe('leads forget cancels the person\'s unsent mail (#11 note)', () => {
  it('queued, deferred and unknown messages become cancelled (forgotten); sent ones stay sent, anonymized', async () => {
    const leads = file('l.csv', 'domain,email\nsam-shop.com,sam@sam-shop.com\nkeep.com,kim@keep.com\nstore-x.com,ann@store-x.com\n');
    expect((await cli(['leads', 'import', leads, '-q'])).code).toBe(0);
    const d = new Database(db);
    const lead = (domain: string) => (d.prepare('SELECT id FROM leads WHERE domain = ?').get(domain) as { id: number }).id;
    const ins = d.prepare(`INSERT INTO messages (lead_id, to_email, subject, message_id, state, next_attempt_at, sent_at) VALUES (?, ?, 'Hi', ?, ?, ?, ?)`);
    ins.run(lead('sam-shop.com'), 'sam@sam-shop.com', 'm1@x', 'sent', null, '2020-01-01T00:00:00.000Z');
    ins.run(lead('sam-shop.com'), 'sam@sam-shop.com', 'm2@x', 'queued', null, null);
    ins.run(lead('sam-shop.com'), 'Sam@Sam-Shop.com', 'm3@x', 'deferred', '2020-01-01T00:00:00.000Z', null);
    ins.run(lead('sam-shop.com'), 'sam@sam-shop.com', 'm4@x', 'unknown', null, null);
    ins.run(lead('keep.com'), 'kim@keep.com', 'm5@x', 'queued', null, null);
    ins.run(lead('store-x.com'), 'ann@store-x.com', 'm6@x', 'deferred', '2020-01-01T00:00:00.000Z', null);
    ins.run(lead('store-x.com'), 'ann@store-x.com', 'm7@x', 'sent', null, '2020-01-01T00:00:00.000Z');
    d.close();
    const r = await cli(['leads', 'forget', 'sam@sam-shop.com', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ messagesAnonymized: 1, messagesCancelled: 3 });
    const rd = await cli(['leads', 'forget', 'store-x.com', '--yes', '--json']);
    expect(JSON.parse(rd.stdout)).toMatchObject({ messagesAnonymized: 1, messagesCancelled: 1 });
    expect(query(`SELECT message_id, to_email, state, last_error FROM messages ORDER BY id`)).toEqual([
      { message_id: 'm1@x', to_email: 'forgotten', state: 'sent', last_error: null },
      { message_id: 'm2@x', to_email: 'forgotten', state: 'cancelled', last_error: 'forgotten' },
      { message_id: 'm3@x', to_email: 'forgotten', state: 'cancelled', last_error: 'forgotten' },
      { message_id: 'm4@x', to_email: 'forgotten', state: 'cancelled', last_error: 'forgotten' },
      { message_id: 'm5@x', to_email: 'kim@keep.com', state: 'queued', last_error: null },
      { message_id: 'm6@x', to_email: 'forgotten', state: 'cancelled', last_error: 'forgotten' },
      { message_id: 'm7@x', to_email: 'forgotten', state: 'sent', last_error: null },
    ]);
  });
});

/** Another process with a read transaction open on the database for `ms`; resolves once it holds its snapshot. */
function holdRead(ms: number): Promise<ChildProcess & { closed: Promise<void> }> {
  const code = `const D = require(${JSON.stringify(resolve(ROOT, 'node_modules/better-sqlite3'))});
const d = new D(${JSON.stringify(db)});
d.exec('BEGIN');
d.prepare('SELECT count(*) FROM leads').get();
process.stdout.write('ready\\n');
setTimeout(() => { d.exec('COMMIT'); d.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise<void>((res) => child.once('close', () => res()));
  return new Promise((res, rej) => {
    child.stdout!.once('data', () => res(Object.assign(child, { closed })));
    child.once('error', rej);
  });
}

describe('leads forget DOMAIN reaches the store under every port (review s8 #10)', () => {
  it('shop.com and shop.com:8443 are both erased, and neither comes back on import', async () => {
    const csv = file('ports.csv', 'website,email\nhttps://portshop.com/,ann@portshop.com\nhttps://portshop.com:8443/,bob@portshop.com\nhttps://other.com/,cy@other.com\n');
    expect((await cli(['leads', 'import', csv, '-q'])).code).toBe(0);
    expect(query<{ domain: string }>(`SELECT domain FROM leads ORDER BY domain`).map((r) => r.domain)).toEqual(['other.com', 'portshop.com', 'portshop.com:8443']);
    const r = await cli(['leads', 'forget', 'portshop.com', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ leadsDeleted: 2, fileCleaned: true });
    expect(query<{ domain: string }>(`SELECT domain FROM leads`).map((x) => x.domain)).toEqual(['other.com']);
    expect(rawText()).not.toContain('portshop');
    expect((await cli(['leads', 'import', csv, '-q'])).code).toBe(0);
    expect(query<{ domain: string }>(`SELECT domain FROM leads`).map((x) => x.domain)).toEqual(['other.com']);
  }, 120_000);
});
