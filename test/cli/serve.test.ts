// `outreach serve` as a user runs it: the built binary on a free port, stopped with SIGTERM.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { openDb } from '../../src/db/open.js';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { seedReportDb, type SeedResult } from '../fixtures/report/seed.js';
import { makeUnsubscribeToken } from '../../src/domain/unsubscribe.js';

const t = tempDir('outreach-cli-serve-');
const dbPath = join(t.dir, 'o.db');
const SECRET = 'cli-serve-secret-abcdefghij';
let seed: SeedResult;
const children: ChildProcess[] = [];

beforeAll(() => {
  const db = openDb(dbPath);
  seed = seedReportDb(db, { leads: 60 });
  db.close();
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  t.cleanup();
});

/** Starts `outreach serve` and resolves with the child and the first stdout lines once it listens. */
function startServe(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number> }> {
  const child = spawn(process.execPath, [BIN, '--db', dbPath, 'serve', ...args], {
    cwd: t.dir,
    env: { ...process.env, NO_COLOR: '1', OUTREACH_SECRET: SECRET, OUTREACH_DASHBOARD_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start\n${out}\n${err}`)), 20_000);
    const check = () => {
      if (/Dashboard: |^\{[\s\S]*\}\s*$/.test(out)) {
        clearTimeout(timer);
        resolve({ child, stdout: () => out, stderr: () => err, exit });
      }
    };
    child.stdout!.on('data', check);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ child, stdout: () => out, stderr: () => err, exit });
    });
  });
}

describe('outreach serve', () => {
  it('serves the dashboard and one-click unsubscribe, and stops cleanly on SIGTERM', async () => {
    const s = await startServe(['--port', '0', '--log']);
    const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(s.stdout())![1]!;
    expect((await fetch(`${url}/leads`)).status).toBe(200);
    const m = seed.messageIds.find((x) => x.state === 'sent')!;
    const r = await fetch(`${url}/u/${makeUnsubscribeToken(SECRET, m.messageId)}`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(200);
    const db = openDb(dbPath);
    try {
      expect(db.sqlite.prepare(`SELECT reason, source FROM suppressions WHERE kind = 'email' AND value = ?`).get(m.toEmail)).toEqual({ reason: 'unsubscribed', source: 'serve' });
    } finally {
      db.close();
    }
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toMatch(/POST \/u\/… 200/); // the access log never shows the token
    expect(s.stderr()).not.toContain(makeUnsubscribeToken(SECRET, m.messageId));
    // the audit row: a server stopped by a signal ran `ok`, with the requests it answered (never who made them)
    const after = openDb(dbPath);
    try {
      const run = after.sqlite.prepare(`SELECT status, ended_at, counts FROM runs WHERE command = 'serve' ORDER BY id DESC LIMIT 1`).get() as { status: string; ended_at: string | null; counts: string };
      expect(run.status).toBe('ok');
      expect(run.ended_at).not.toBeNull();
      expect(JSON.parse(run.counts)).toEqual({ requests: 2 });
    } finally {
      after.close();
    }
  });

  it('prints a token URL when bound beyond loopback, and the dashboard needs it', async () => {
    const s = await startServe(['--port', '0', '--host', '0.0.0.0', '--json']);
    const info = JSON.parse(s.stdout());
    expect(info.dashboard).toMatch(/\?token=[\w-]{20,}$/);
    const base = `http://127.0.0.1:${info.port}`;
    expect((await fetch(`${base}/leads`)).status).toBe(401);
    const token = new URL(info.dashboard).searchParams.get('token')!;
    expect((await fetch(`${base}/leads`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('refuses to expose the dashboard without any secret', async () => {
    const r = await runCli(['--db', dbPath, 'serve', '--host', '0.0.0.0', '--port', '0'], { cwd: t.dir, env: { OUTREACH_SECRET: '', OUTREACH_DASHBOARD_TOKEN: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OUTREACH_DASHBOARD_TOKEN');
  });

  it('reports a port in use as a user error', async () => {
    const s = await startServe(['--port', '0']);
    const port = /:(\d+)\//.exec(s.stdout())![1]!;
    const r = await runCli(['--db', dbPath, 'serve', '--port', port], { cwd: t.dir, env: { OUTREACH_SECRET: SECRET } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('already in use');
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('has help with examples', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--track');
  });
});
