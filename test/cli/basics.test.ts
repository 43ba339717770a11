import { describe, it, expect, afterAll } from 'vitest';
import { cpSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { loadMigrations, MIGRATIONS_DIR, openDb } from '../../src/db/open.js';
import { ROOT, runCli, runProcess, tempDir } from '../helpers/cli.js';

const t = tempDir();
afterAll(() => t.cleanup());

describe('outreach basics', () => {
  it('prints help with examples and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });

  it('exits 2 on an unknown flag or command', async () => {
    expect((await runCli(['db', 'path', '--bogus'])).code).toBe(2);
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('runs the same as node dist/cli/main.js (not a silent no-op), exit codes included', async () => {
    const main = join(ROOT, 'dist/cli/main.js');
    const env = { ...process.env, NO_COLOR: '1' } as Record<string, string>;
    const v = await runProcess(process.execPath, [main, '--version'], { env, cwd: t.dir });
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect((await runProcess(process.execPath, [main, 'frobnicate'], { env, cwd: t.dir })).code).toBe(2);
  });

  it('init is idempotent and never overwrites .env', async () => {
    const env = { OUTREACH_DB: join(t.dir, 'o.db') };
    const r1 = await runCli(['init', '--yes', '--name', 'Ana', '--address', '1 Main St, Austin TX'], { cwd: t.dir, env });
    expect(r1.code).toBe(0);
    for (const f of ['.env', 'outreach.yaml', 'profile.yaml', 'o.db']) expect(existsSync(join(t.dir, f))).toBe(true);
    expect(readFileSync(join(t.dir, '.env'), 'utf8')).toMatch(/^OUTREACH_SECRET=\S{20,}$/m);
    expect(readFileSync(join(t.dir, 'outreach.yaml'), 'utf8')).toContain('"1 Main St, Austin TX"');
    writeFileSync(join(t.dir, '.env'), 'OUTREACH_SECRET=mine\n');
    const r2 = await runCli(['init', '--yes', '--json'], { cwd: t.dir, env });
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout).files.every((f: { status: string }) => f.status === 'kept')).toBe(true);
    expect(readFileSync(join(t.dir, '.env'), 'utf8')).toBe('OUTREACH_SECRET=mine\n');
  });

  it('refuses a foreign or corrupt --db file with a clear message, no stack', async () => {
    const junk = join(t.dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite at all, just text');
    const r = await runCli(['--db', junk, 'db', 'migrate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not an outreach database');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--db in a folder that does not exist is an error: no folder, no empty database is made', async () => {
    const dir = join(t.dir, 'typo', 'dir');
    for (const args of [['leads', 'list'], ['db', 'migrate'], ['suppress', 'add', 'a@b.com']]) {
      const r = await runCli(['--db', join(dir, 'x.db'), ...args], { cwd: t.dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`the folder ${dir} does not exist`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(t.dir, 'typo'))).toBe(false);
    }
    // the same through $OUTREACH_DB; a file where a folder should be is named as such
    const viaEnv = await runCli(['leads', 'list'], { cwd: t.dir, env: { OUTREACH_DB: join(dir, 'x.db') } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain(`the folder ${dir} does not exist`);
    writeFileSync(join(t.dir, 'plain.txt'), 'x');
    const notDir = await runCli(['--db', join(t.dir, 'plain.txt', 'x.db'), 'leads', 'list']);
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toContain(`${join(t.dir, 'plain.txt')} is not a folder`);
  });

  it('the default database is ./outreach.db in the current folder, created by the first command that starts a pipeline', async () => {
    const here = tempDir();
    try {
      // a reading command does not create it (a mistyped --db must not leave an empty database behind)
      const read = await runCli(['leads', 'list'], { cwd: here.dir, env: { OUTREACH_DB: undefined } });
      expect(read.code).toBe(1);
      expect(read.stderr).toContain(`No database at ${join(here.dir, 'outreach.db')}`);
      expect(existsSync(join(here.dir, 'outreach.db'))).toBe(false);
      // nor does a command that acts on an existing pipeline (session 9): only init, db migrate, leads import, discover, run
      const add = await runCli(['suppress', 'add', 'x@example.com'], { cwd: here.dir, env: { OUTREACH_DB: undefined } });
      expect(add.code, add.stderr).toBe(1);
      expect(existsSync(join(here.dir, 'outreach.db'))).toBe(false);
      const r = await runCli(['db', 'migrate'], { cwd: here.dir, env: { OUTREACH_DB: undefined } });
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(here.dir, 'outreach.db'))).toBe(true);
    } finally {
      here.cleanup();
    }
  });

  it('db path, migrate and backup work', async () => {
    const db = join(t.dir, 'b.db');
    expect((await runCli(['--db', db, 'db', 'migrate'])).code).toBe(0);
    const p = await runCli(['--db', db, 'db', 'path', '--json']);
    expect(JSON.parse(p.stdout)).toMatchObject({ path: db, exists: true });
    const b = await runCli(['--db', db, 'db', 'backup', join(t.dir, 'copy.db')]);
    expect(b.code).toBe(0);
    expect(existsSync(join(t.dir, 'copy.db'))).toBe(true);
    expect((await runCli(['--db', db, 'db', 'backup', join(t.dir, 'copy.db')])).code).toBe(1);
  });

  describe('db backup, migrate, vacuum', () => {
    /** A migrated database with `mb` megabytes of filler rows (an extra table: still an outreach database). */
    async function bigDb(name: string, mb: number): Promise<string> {
      const path = join(t.dir, name);
      expect((await runCli(['--db', path, 'db', 'migrate'])).code).toBe(0);
      const d = new Database(path);
      d.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, b BLOB)');
      const ins = d.prepare('INSERT INTO filler (b) VALUES (randomblob(8000))');
      d.transaction(() => {
        for (let i = 0; i < mb * 128; i++) ins.run();
      })();
      d.close();
      return path;
    }

    function tables(path: string): { integrity: unknown; names: string[]; filler: number } {
      const d = new Database(path, { readonly: true, fileMustExist: true });
      try {
        return {
          integrity: d.pragma('integrity_check', { simple: true }),
          names: (d.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name),
          filler: (d.prepare('SELECT count(*) AS n FROM filler').get() as { n: number }).n,
        };
      } finally {
        d.close();
      }
    }

    it('backup finishes with a consistent copy while another process keeps writing', async () => {
      const db = await bigDb('busy.db', 32);
      const before = tables(db).filler;
      // The writer: another process committing as fast as it can (the old 200-pages-per-step backup restarted
      // at every commit and never finished).
      const script = join(t.dir, 'writer.mjs');
      writeFileSync(
        script,
        `const { Database } = await import(${JSON.stringify(new URL(`file://${join(ROOT, 'dist/db/driver.js')}`).href)});
const d = new Database(process.argv[2]);
d.pragma('busy_timeout = 10000');
d.pragma('synchronous = OFF');
const ins = d.prepare('INSERT INTO filler (b) VALUES (randomblob(100))');
let n = 0;
(function loop() { ins.run(); if (++n === 20) process.stdout.write('ready\\n'); setImmediate(loop); })();
`,
      );
      const writer = spawn(process.execPath, [script, db], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        await new Promise<void>((res, rej) => {
          writer.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && res());
          writer.on('exit', (code) => rej(new Error(`writer exited ${code}`)));
        });
        const copy = join(t.dir, 'busy-copy.db');
        const b = await runCli(['--db', db, 'db', 'backup', copy, '--json'], { timeoutMs: 30_000 });
        expect(b.code, b.stderr).toBe(0);
        expect(JSON.parse(b.stdout).path).toBe(copy);
        const c = tables(copy);
        expect(c.integrity).toBe('ok');
        expect(c.names).toEqual(expect.arrayContaining(['schema_migrations', 'contacts', 'filler']));
        expect(c.filler).toBeGreaterThanOrEqual(before);
        expect(readdirSync(t.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      } finally {
        writer.kill('SIGKILL');
      }
      // The writer really was writing during the test.
      expect(tables(db).filler).toBeGreaterThan(before + 20);
    }, 60_000);

    it('backup --force overwrites any file, never through a half copy; the live database and its journals are refused', async () => {
      const db = join(t.dir, 'live.db');
      expect((await runCli(['--db', db, 'db', 'migrate'])).code).toBe(0);
      const junk = join(t.dir, 'junk.txt');
      writeFileSync(junk, 'not a database at all\n');
      expect((await runCli(['--db', db, 'db', 'backup', junk])).code).toBe(1);
      const f = await runCli(['--db', db, 'db', 'backup', junk, '--force']);
      expect(f.code, f.stderr).toBe(0);
      expect(new Database(junk, { readonly: true }).pragma('integrity_check', { simple: true })).toBe('ok');
      // a stale WAL of an older database at FILE must not be replayed onto the new copy
      writeFileSync(`${junk}-wal`, 'stale');
      expect((await runCli(['--db', db, 'db', 'backup', junk, '--force'])).code).toBe(0);
      expect(existsSync(`${junk}-wal`)).toBe(false);

      // make the -wal and -shm exist: a reader holds the database open
      const holder = new Database(db);
      holder.pragma('journal_mode = WAL');
      holder.prepare('SELECT count(*) FROM contacts').get();
      try {
        symlinkSync(db, join(t.dir, 'link.db'));
        linkSync(db, join(t.dir, 'hard.db'));
        symlinkSync(`${db}-journal`, join(t.dir, 'journal-link'));
        const refused: [string, RegExp][] = [
          [db, /is the database itself/],
          [`${db}-wal`, /wal file/],
          [`${db}-shm`, /shm file/],
          [`${db}-journal`, /journal file/],
          [join(t.dir, 'link.db'), /is the database itself/],
          [join(t.dir, 'hard.db'), /is the database itself/],
          [join(t.dir, 'journal-link'), /journal file/],
        ];
        for (const [target, msg] of refused) {
          for (const force of [[], ['--force']]) {
            const r = await runCli(['--db', db, 'db', 'backup', target, ...force]);
            expect(r.code, target).toBe(1);
            expect(r.stderr).toMatch(msg);
            expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
          }
        }
        expect(existsSync(`${db}-wal`)).toBe(true);
        expect(holder.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        holder.close();
      }
      expect(readdirSync(t.dir).filter((x) => x.includes('.tmp-'))).toEqual([]);
    });

    it('migrate reports the migrations it applied, from an older schema', async () => {
      const all = loadMigrations();
      expect(all.length).toBeGreaterThanOrEqual(3);
      // A migrations folder holding all but the last two, as in test/integration/migrations.test.ts.
      const old = join(t.dir, 'm-old');
      mkdirSync(old, { recursive: true });
      cpSync(MIGRATIONS_DIR, old, { recursive: true });
      const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8'));
      journal.entries = journal.entries.slice(0, all.length - 2);
      writeFileSync(join(old, 'meta/_journal.json'), JSON.stringify(journal));
      const newTags = all.slice(-2).map((m) => m.tag);
      const n = all.length;
      for (const name of ['old-json.db', 'old-text.db']) openDb(join(t.dir, name), { migrationsDir: old }).close();

      const j = await runCli(['--db', join(t.dir, 'old-json.db'), 'db', 'migrate', '--json']);
      expect(j.code, j.stderr).toBe(0);
      const out = JSON.parse(j.stdout);
      expect(out).toMatchObject({ created: false, applied: newTags, known: n });
      expect(out.migrations).toHaveLength(n);

      const txt = await runCli(['--db', join(t.dir, 'old-text.db'), 'db', 'migrate']);
      expect(txt.code, txt.stderr).toBe(0);
      expect(txt.stdout + txt.stderr).toContain(`Applied 2 migrations (${newTags.join(', ')})`);
      expect(txt.stdout + txt.stderr).toContain(`now ${n}/${n}`);

      const again = await runCli(['--db', join(t.dir, 'old-text.db'), 'db', 'migrate', '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ created: false, applied: [] });
      const againText = await runCli(['--db', join(t.dir, 'old-text.db'), 'db', 'migrate']);
      expect(againText.stdout + againText.stderr).toMatch(/Up to date/);

      const fresh = await runCli(['--db', join(t.dir, 'fresh-m.db'), 'db', 'migrate', '--json']);
      expect(JSON.parse(fresh.stdout)).toMatchObject({ created: true, applied: all.map((m) => m.tag) });
    });

    it('vacuum and backup of a missing database fail without creating one', async () => {
      for (const path of [join(t.dir, 'nowhere', 'none.db'), join(t.dir, 'none.db')]) {
        for (const args of [['db', 'vacuum'], ['db', 'backup', join(t.dir, 'none-copy.db')]]) {
          const r = await runCli(['--db', path, ...args]);
          expect(r.code).toBe(1);
          expect(r.stderr).toContain(`No database at ${path}`);
          expect(existsSync(path)).toBe(false);
        }
      }
      expect(existsSync(join(t.dir, 'none-copy.db'))).toBe(false);
    });
  });
});
