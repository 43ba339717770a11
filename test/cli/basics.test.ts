import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('the default database is ./outreach.db in the current folder, created on first use', async () => {
    const here = tempDir();
    try {
      const r = await runCli(['leads', 'list'], { cwd: here.dir, env: { OUTREACH_DB: undefined } });
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
});
