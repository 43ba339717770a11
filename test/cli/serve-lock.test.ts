// `outreach serve` (the built binary, a real process) while another connection holds the SQLite write lock
// of the same file, as a long `leads import`, a VACUUM or a sqlite3 shell does. The server must keep
// answering (/healthz before the lock is released), answer a one-click unsubscribe 200 at once without
// losing it (spooled durably, applied when the lock is free), survive a SIGKILL with the unsubscribe
// still spooled (applied at the next start), and answer a dashboard write with a clear 503.
// Every ordering below is by events (what answered while the lock was still held), not by timing.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../src/db/open.js';
import { tempDir } from '../helpers/cli.js';
import { seedReportDb } from '../fixtures/report/seed.js';
import { makeUnsubscribeToken } from '../../src/domain/unsubscribe.js';
import { startServeProcess, holdWriteLock, until, suppressionOf, type LockHolder } from '../helpers/serve-process.js';

const t = tempDir('outreach-serve-lock-');
const dbPath = join(t.dir, 'o.db');
const spoolDir = `${dbPath}-unsubscribes`;
const SECRET = 'serve-lock-secret-0123456789';
const children: ChildProcess[] = [];
let holder: LockHolder | null = null;
/** Recipients of sent messages that are not suppressed yet (each test takes its own). */
let targets: { messageId: string; email: string }[] = [];

beforeAll(() => {
  const db = openDb(dbPath);
  seedReportDb(db, { leads: 40 });
  targets = db.sqlite
    .prepare(
      `SELECT m.message_id AS messageId, lower(m.to_email) AS email FROM messages m
       WHERE m.state = 'sent' AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'email' AND s.value = lower(m.to_email))
       GROUP BY lower(m.to_email) ORDER BY m.id LIMIT 4`,
    )
    .all() as { messageId: string; email: string }[];
  db.close();
});
// A failed assertion must not leave the lock held for the next test.
let guardTimer: NodeJS.Timeout | null = null;
afterEach(() => {
  if (guardTimer) clearTimeout(guardTimer);
  holder?.release();
  holder = null;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  t.cleanup();
});

const oneClick = (url: string, messageId: string) =>
  fetch(`${url}/u/${makeUnsubscribeToken(SECRET, messageId)}`, {
    method: 'POST',
    body: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
const spoolFiles = () => (existsSync(spoolDir) ? readdirSync(spoolDir).filter((f) => f.endsWith('.json')) : []);

/**
 * Takes the lock, and gives it back by itself after `guardMs` only if the test has not by then: without the
 * fix the server cannot answer while the lock is held, and the guard turns that hang into an assertion
 * failure (the "released" event comes before the answers) instead of a stuck test.
 */
function lockWithGuard(events: string[], guardMs = 20_000): { holder: LockHolder; guard: NodeJS.Timeout } {
  const h = holdWriteLock(dbPath);
  holder = h;
  const guard = setTimeout(() => {
    events.push('released by the guard');
    h.release();
  }, guardMs);
  guardTimer = guard;
  return { holder: h, guard };
}

describe('serve while another process holds the write lock', () => {
  it('keeps answering, spools the one-click unsubscribe (200 at once), and records it once the lock is released', async () => {
    const s = await startServeProcess(dbPath, t.dir, SECRET, children);
    const target = targets[0]!;
    const events: string[] = [];
    const { holder: h, guard } = lockWithGuard(events);

    const unsub = await oneClick(s.url, target.messageId);
    events.push(`unsubscribe ${unsub.status} (lock held: ${h.held()})`);
    const health = await fetch(`${s.url}/healthz`);
    events.push(`healthz ${health.status} (lock held: ${h.held()})`);
    // The confirmation page (GET) already says "unsubscribed": the request is safe in the spool.
    const page = await (await fetch(`${s.url}/u/${makeUnsubscribeToken(SECRET, target.messageId)}`)).text();
    events.push(`confirmation page ${/You are unsubscribed/.test(page) ? 'done' : 'not done'} (lock held: ${h.held()})`);
    // Reading pages still work (WAL readers do not wait for writers).
    const leads = await fetch(`${s.url}/leads`);
    events.push(`leads ${leads.status} (lock held: ${h.held()})`);
    // A dashboard write cannot wait for the lock: a clear 503 with Retry-After, not a frozen server.
    const html = await (await fetch(`${s.url}/leads`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const tag = await fetch(`${s.url}/leads/bulk`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams([['csrf', csrf], ['action', 'tag'], ['tag', 'locked'], ['ids', '1']]).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.url },
    });
    events.push(`dashboard write ${tag.status} retry-after=${tag.headers.get('retry-after')} (lock held: ${h.held()})`);

    // Nothing of it is in the database yet (the lock is held), but it is on disk, durably, with no address in it.
    expect(h.held()).toBe(true);
    expect(suppressionOf(dbPath, target.email)).toBeUndefined();
    const files = spoolFiles();
    expect(files).toHaveLength(1);
    expect(statSync(join(spoolDir, files[0]!)).mode & 0o777).toBe(0o600);
    expect(statSync(spoolDir).mode & 0o777).toBe(0o700);
    const entry = JSON.parse(readFileSync(join(spoolDir, files[0]!), 'utf8')) as Record<string, unknown>;
    expect(entry).toMatchObject({ messageId: target.messageId.replace(/^<|>$/g, ''), via: 'one-click' });
    expect(typeof entry.at).toBe('string');
    expect(readFileSync(join(spoolDir, files[0]!), 'utf8')).not.toContain(target.email);

    clearTimeout(guard);
    events.push('released');
    const releasedAt = new Date().toISOString();
    h.release();
    expect(events).toEqual([
      'unsubscribe 200 (lock held: true)',
      'healthz 200 (lock held: true)',
      'confirmation page done (lock held: true)',
      'leads 200 (lock held: true)',
      'dashboard write 503 retry-after=5 (lock held: true)',
      'released',
    ]);

    // serve's retry timer records it once the lock is free, then empties the spool.
    const sup = await until(() => suppressionOf(dbPath, target.email));
    expect(sup).toMatchObject({ reason: 'unsubscribed', source: 'serve' });
    // It carries the time the request arrived (before the release), not the time it was applied.
    expect(sup.created_at < releasedAt).toBe(true);
    expect(sup.note).toMatch(/received .* while the database was busy/);
    await until(() => spoolFiles().length === 0);
    const db = openDb(dbPath, { migrate: false });
    try {
      const ev = db.sqlite.prepare(`SELECT count(*) AS n FROM events WHERE type = 'unsubscribed' AND message_id = (SELECT id FROM messages WHERE message_id = ?)`).get(target.messageId) as { n: number };
      expect(ev.n).toBe(1);
    } finally {
      db.close();
    }
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toMatch(/Recorded 1 unsubscribe\(s\) received while the database was busy/);
    expect(s.stderr()).not.toMatch(/request failed/);
  });

  it('a serve killed (SIGKILL) with an unsubscribe still spooled records it at its next start', async () => {
    const target = targets[1]!;
    const first = await startServeProcess(dbPath, t.dir, SECRET, children);
    const events: string[] = [];
    const { holder: h, guard } = lockWithGuard(events);
    const unsub = await oneClick(first.url, target.messageId);
    events.push(`unsubscribe ${unsub.status} (lock held: ${h.held()})`);
    first.child.kill('SIGKILL');
    await first.exit;
    clearTimeout(guard);
    events.push('released');
    h.release();
    expect(events).toEqual(['unsubscribe 200 (lock held: true)', 'released']);
    // Nobody is running: the request waits in the spool, not in the database.
    expect(spoolFiles()).toHaveLength(1);
    expect(suppressionOf(dbPath, target.email)).toBeUndefined();

    // The next start applies it before it prints its address.
    const second = await startServeProcess(dbPath, t.dir, SECRET, children);
    expect(suppressionOf(dbPath, target.email)).toMatchObject({ reason: 'unsubscribed', source: 'serve' });
    expect(spoolFiles()).toHaveLength(0);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('without a lock, an unsubscribe goes straight to the database (no spool)', async () => {
    const target = targets[2]!;
    const s = await startServeProcess(dbPath, t.dir, SECRET, children);
    expect((await oneClick(s.url, target.messageId)).status).toBe(200);
    expect(suppressionOf(dbPath, target.email)).toMatchObject({ reason: 'unsubscribed', note: 'one-click (one-click)' });
    expect(spoolFiles()).toHaveLength(0);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });
});
