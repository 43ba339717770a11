// Review s10 (issue 2) #7 of the audit table `runs`: `suppress add` records what it added and what was already on the
// list; `db migrate` and the automatic upgrade any command does on open leave a row saying how many migrations they
// applied (none when a database is created, or is up to date); `db vacuum` records the file's size before and after;
// `send --dry-run` is told apart from a real send (dry_run 1, would_send N). The built CLI against temp databases.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations, MIGRATIONS_DIR, openDb } from '../../src/db/open.js';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { addTestMailbox, seedCampaign, sendSettingsYaml } from '../helpers/send-fixture.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], env: Record<string, string> = {}) => runCli(['--db', db, ...args], { cwd: t.dir, env, timeoutMs: 120_000 });
type Run = { command: string; args: string; status: string; counts: string | null; error_count: number; error: string | null };
const runs = () =>
  queryDb<Run>(db, 'SELECT command, args, status, counts, error_count, error FROM runs ORDER BY id').map((r) => ({
    ...r,
    args: JSON.parse(r.args) as string[],
    counts: r.counts === null ? null : (JSON.parse(r.counts) as Record<string, number>),
  }));
const all = loadMigrations();

/** A database as an older version left it: only the first n migrations applied. */
function oldDatabase(path: string, n: number): void {
  const dir = join(t.dir, `mig${n}`);
  mkdirSync(join(dir, 'meta'), { recursive: true });
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.slice(0, n);
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
  openDb(path, { migrationsDir: dir }).close();
}

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
});
afterEach(() => t.cleanup());

describe('suppress add records its counts', () => {
  it('values, added, already on the list, and the enrollments it stopped', async () => {
    const d = openDb(db);
    seedCampaign(d, { leads: 1, email: () => 'owner@enrolled.example' });
    d.close();
    expect((await cli(['suppress', 'add', 'a@x.example', 'blocked.example', '-q'])).code).toBe(0);
    expect((await cli(['suppress', 'add', 'a@x.example', 'owner@enrolled.example', 'c@y.example', '--reason', 'unsubscribed', '-q'])).code).toBe(0);
    expect(runs().map((r) => [r.command, r.status, r.counts])).toEqual([
      ['suppress add', 'ok', { values: 2, added: 2, existing: 0 }],
      ['suppress add', 'ok', { values: 3, added: 2, existing: 1, enrollments_stopped: 1 }],
    ]);
  });
});

describe('db migrate and db vacuum leave a runs row when they change the database', () => {
  it('db migrate of an older database: how many migrations it applied; nothing when up to date', async () => {
    oldDatabase(db, 3);
    expect(runs()).toEqual([]);
    const r = await cli(['db', 'migrate', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).applied).toEqual(all.slice(3).map((m) => m.tag));
    expect(runs()).toEqual([
      { command: 'db migrate', args: ['--db', db, 'db', 'migrate', '--json'], status: 'ok', counts: { migrations_applied: all.length - 3, migrations: all.length }, error_count: 0, error: null },
    ]);
    expect((await cli(['db', 'migrate'])).code).toBe(0); // up to date: nothing changed, nothing recorded
    expect(runs()).toHaveLength(1);
  });

  it('creating a database is no upgrade: no row (the creating command has its own)', async () => {
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    expect(runs()).toEqual([]);
  });

  it('the automatic upgrade done on open by any command (here a reading one) is recorded too', async () => {
    oldDatabase(db, all.length - 2);
    const r = await cli(['leads', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(runs()).toEqual([
      { command: 'db migrate', args: ['(automatic, on open)'], status: 'ok', counts: { migrations_applied: 2, migrations: all.length }, error_count: 0, error: null },
    ]);
    expect((await cli(['leads', 'list', '--json'])).code).toBe(0);
    expect(runs()).toHaveLength(1);
  });

  it('an upgrade that fails is recorded as failed, with the error (the migrations before it stay applied)', () => {
    oldDatabase(db, 2);
    const dir = join(t.dir, 'broken');
    mkdirSync(join(dir, 'meta'), { recursive: true });
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8'));
    journal.entries = [...journal.entries.slice(0, 3), { ...journal.entries[3], tag: '0003_broken' }];
    writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
    writeFileSync(join(dir, '0003_broken.sql'), 'CREATE TABLE `leads` (`x` integer);');
    expect(() => openDb(db, { migrationsDir: dir })).toThrow(/already exists/);
    expect(runs()).toEqual([
      { command: 'db migrate', args: ['(automatic, on open)'], status: 'failed', counts: { migrations_applied: 1, migrations: 3 }, error_count: 1, error: expect.stringMatching(/table `leads` already exists/) },
    ]);
  });

  it('db vacuum records the size before and after', async () => {
    const rows = ['domain,email'];
    for (let i = 0; i < 2000; i++) rows.push(`shop${i}.example,owner@shop${i}.example`);
    writeFileSync(join(t.dir, 'l.csv'), rows.join('\n') + '\n');
    expect((await cli(['leads', 'import', join(t.dir, 'l.csv'), '-q'])).code).toBe(0);
    const d = openDb(db);
    d.sqlite.exec(`DELETE FROM contacts; DELETE FROM leads WHERE id > 10`);
    d.close();
    const r = await cli(['db', 'vacuum', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { bytesBefore: number; bytesAfter: number };
    expect(out.bytesAfter).toBeLessThan(out.bytesBefore);
    const v = runs().filter((x) => x.command === 'db vacuum');
    expect(v).toEqual([
      { command: 'db vacuum', args: ['--db', db, 'db', 'vacuum', '--json'], status: 'ok', counts: { bytes_before: out.bytesBefore, bytes_after: out.bytesAfter }, error_count: 0, error: null },
    ]);
  });
});

describe('send --dry-run is recorded as a dry run', () => {
  it('dry_run 1 and what it would send, never like a real send', async () => {
    writeFileSync(join(t.dir, 'outreach.yaml'), sendSettingsYaml('ana@test.example'));
    const env = { OUTREACH_SECRET: 'runs-s10-secret' };
    // nothing to do: a real send records {}, a dry run {dry_run 1, would_send 0}
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    expect((await cli(['send'], env)).code).toBe(0);
    expect((await cli(['send', '--dry-run'], env)).code).toBe(0);
    const d = openDb(db);
    seedCampaign(d, { leads: 4 });
    addTestMailbox(d, { name: 'ana', email: 'ana@test.example', host: '127.0.0.1', port: 1 });
    d.close();
    const dry = await cli(['send', '--dry-run', '--limit', '3'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.match(/would send now/g)).toHaveLength(3);
    expect(runs().map((r) => [r.command, r.status, r.counts])).toEqual([
      ['send', 'ok', {}],
      ['send', 'ok', { dry_run: 1, would_send: 0 }],
      ['send', 'ok', { dry_run: 1, would_send: 3 }],
    ]);
    // the dry run changed nothing but its audit row
    expect(queryDb<{ n: number }>(db, 'SELECT count(*) AS n FROM messages')).toEqual([{ n: 0 }]);
  });
});
