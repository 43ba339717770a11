// `outreach enrich` as a user runs it, including a SIGKILL in the middle of a run: the re-run continues
// where it stopped and ends with exactly the facts of an uninterrupted run, none duplicated.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { copyFileSync, existsSync } from 'node:fs';
import { Database } from '../../src/db/driver.js';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir, BIN } from '../helpers/cli.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

let web: FixtureWeb;
const t = tempDir();
const SITES = ['liquid-old', 'liquid-new', 'hydrogen', 'password', 'broken', 'injection', 'json404', 'huge'];
beforeAll(async () => {
  web = await startFixtureWeb({ perSitePorts: true });
});
afterAll(async () => {
  await web.close();
  t.cleanup();
});

const env = { OUTREACH_ENV_FILE: join(t.dir, 'none.env') };
let base: string | null = null;
/** A database where `outreach discover` confirmed the fixture stores (discovered once, then copied). */
async function discovered(name: string): Promise<string> {
  if (!base) {
    base = join(t.dir, 'base.db');
    const r = await runCli(['--db', base, 'discover', '--from-file', '-', '--allow-private', '--delay', '0', '--json'], { input: SITES.map((s) => web.portUrl(s)).join('\n'), env });
    expect(r.code).toBe(0);
    expect(existsSync(base + '-wal')).toBe(false); // closed cleanly: the file alone is the database
  }
  const db = join(t.dir, name);
  copyFileSync(base, db);
  return db;
}

function factDump(db: string): unknown[] {
  return queryDb(db, 'SELECT l.domain, f.key, f.value FROM facts f JOIN leads l ON l.id = f.lead_id ORDER BY 1, 2, 3');
}

let uninterrupted = '';

describe('outreach enrich', () => {
  it('enriches confirmed stores; JSON per store; a second run has nothing to do', async () => {
    const db = await discovered('a.db');
    uninterrupted = db;
    const dry = await runCli(['--db', db, 'enrich', '--dry-run', '--json'], { env });
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as any[]).map((s) => s.status)).toEqual(SITES.map(() => 'pending'));
    expect(factDump(db)).toEqual([]);
    const r = await runCli(['--db', db, 'enrich', '--allow-private', '--delay', '0', '--no-mx', '--json'], { env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as any[];
    expect(out).toHaveLength(SITES.length);
    expect(out.every((s) => s.status === 'done')).toBe(true);
    const old = out.find((s) => s.domain === web.portUrl('liquid-old').replace('http://', ''));
    expect(old.apps).toEqual(expect.arrayContaining(['klaviyo', 'judgeme', 'meta', 'tiktok']));
    expect(old.emails.map((e: any) => e.email)).toContain('maya.chen@aurora-jewelry.com');
    const again = await runCli(['--db', db, 'enrich', '--allow-private', '--delay', '0', '--no-mx'], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/No confirmed store waits for enrichment/);
    const runs = queryDb<any>(db, `SELECT command, status, counts FROM runs WHERE command = 'enrich' ORDER BY id`);
    expect(JSON.parse(runs[0].counts)).toEqual({ would_enrich: SITES.length });
    expect(runs[1]).toMatchObject({ status: 'ok' });
    expect(JSON.parse(runs[1].counts)).toMatchObject({ selected: SITES.length, done: SITES.length });
  });

  it('survives SIGKILL mid-run: the re-run continues and duplicates nothing', async () => {
    const db = await discovered('killed.db');
    // A per-host delay makes each store take a while, so the kill lands between stores.
    const child = spawn(process.execPath, [BIN, '--db', db, 'enrich', '--allow-private', '--delay', '150', '--no-mx', '--concurrency', '2'], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const done = () => {
      try {
        return queryDb<{ n: number }>(db, `SELECT count(*) n FROM leads WHERE enrich_status = 'done'`)[0]!.n;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 30_000;
    while (done() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partial = done();
    expect(partial).toBeGreaterThanOrEqual(2);
    expect(partial).toBeLessThan(SITES.length);

    const rerun = await runCli(['--db', db, 'enrich', '--allow-private', '--delay', '0', '--no-mx', '--json'], { env });
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toHaveLength(SITES.length - partial);

    const clean = uninterrupted; // the first test's run, never interrupted, over the same stores
    const strip = (rows: unknown[]) => rows.map((r: any) => [r.key, r.value, r.domain.replace(/:\d+$/, '')]);
    // Same sites on the same ports: the facts must be identical, row for row.
    expect(factDump(db)).toEqual(factDump(clean));
    expect(strip(factDump(db)).length).toBeGreaterThan(60);
  });

  it('Ctrl-C finishes the stores in progress, exits 130 and records the run as interrupted', async () => {
    const db = await discovered('sigint.db');
    const child = spawn(process.execPath, [BIN, '--db', db, 'enrich', '--allow-private', '--delay', '150', '--no-mx', '--concurrency', '1'], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
    const doneCount = () => {
      try {
        return queryDb<{ n: number }>(db, `SELECT count(*) n FROM leads WHERE enrich_status = 'done'`)[0]!.n;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 30_000;
    while (doneCount() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/Interrupted/);
    const d = new Database(db, { readonly: true });
    const run = d.prepare(`SELECT status FROM runs WHERE command = 'enrich'`).get() as { status: string };
    const counts = d.prepare(`SELECT enrich_status, count(*) n FROM leads WHERE is_shopify = 1 GROUP BY enrich_status`).all() as { enrich_status: string | null; n: number }[];
    d.close();
    expect(run.status).toBe('interrupted');
    const done = counts.find((c) => c.enrich_status === 'done')?.n ?? 0;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(SITES.length);
    expect(counts.find((c) => c.enrich_status === 'error')).toBeUndefined();
    const rest = await runCli(['--db', db, 'enrich', '--allow-private', '--delay', '0', '--no-mx', '--json'], { env });
    expect(JSON.parse(rest.stdout)).toHaveLength(SITES.length - done);
  });

  it('--help has examples; bad flags exit 2', async () => {
    const r = await runCli(['enrich', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:/);
    expect((await runCli(['enrich', '--concurrency', 'lots'])).code).toBe(2);
  });
});
