// Review s8 (issue 2) of the audit table `runs`: a command that exits non-zero is recorded as failed, with its error
// count and message (#11); a run left `running` by a killed process is marked interrupted by the next command (#17).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Database } from '../../src/db/driver.js';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], input?: string) => runCli(['--db', db, ...args], { cwd: t.dir, input, timeoutMs: 120_000 });
type Run = { command: string; status: string; error_count: number; error: string | null };
const runs = () => queryDb<Run>(db, 'SELECT command, status, error_count, error FROM runs ORDER BY id');
const file = (name: string, text: string) => {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
};

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
});
afterEach(() => t.cleanup());

describe('a run that exits non-zero is audited as failed (#11)', () => {
  it('refused imports (leads and suppress), refused removals and usage errors', async () => {
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    const bad = file('bad.csv', 'domain,email\nok.com,a@ok.com\nbad dom,\nworse dom,\n');
    expect((await cli(['leads', 'import', bad])).code).toBe(1);
    expect((await cli(['leads', 'import', bad, '--json'])).code).toBe(1);
    const sl = file('sl.txt', 'a@one.com\nbad@\n');
    expect((await cli(['suppress', 'import', sl])).code).toBe(1);
    expect((await cli(['suppress', 'add', 'u@x.com', '--reason', 'unsubscribed'])).code).toBe(0);
    expect((await cli(['suppress', 'remove', 'u@x.com'])).code).toBe(1);
    expect((await cli(['suppress', 'add', 'not valid'])).code).toBe(2);
    expect((await cli(['suppress', 'import', sl, '--skip-invalid'])).code).toBe(0);
    expect(runs()).toEqual([
      { command: 'leads import', status: 'failed', error_count: 2, error: `${bad}: 2 bad rows; nothing was imported.` },
      { command: 'leads import', status: 'failed', error_count: 2, error: 'exited with code 1' },
      { command: 'suppress import', status: 'failed', error_count: 1, error: `${sl}: 1 bad line; nothing was imported.` },
      { command: 'suppress add', status: 'ok', error_count: 0, error: null },
      { command: 'suppress remove', status: 'failed', error_count: 1, error: '1 value not removed: 1 protected (unsubscribed; --force removes them)' },
      { command: 'suppress add', status: 'failed', error_count: 1, error: expect.stringContaining('Not an email or domain: not valid') },
      { command: 'suppress import', status: 'ok', error_count: 0, error: null },
    ]);
  });
});

describe('a run left running by a killed process (#17)', () => {
  it('is marked interrupted when the next command starts; a live one stays running', async () => {
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    // a real process, killed with SIGKILL: its pid is gone
    const victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const deadPid = victim.pid!;
    const gone = new Promise((res) => victim.once('exit', res));
    victim.kill('SIGKILL');
    await gone;
    const d = new Database(db);
    d.prepare(`INSERT INTO runs (command, args, pid, status) VALUES ('leads import', '[]', ?, 'running')`).run(deadPid);
    d.prepare(`INSERT INTO runs (command, args, pid, status) VALUES ('send', '[]', ?, 'running')`).run(process.pid); // alive: this test
    d.close();
    // a reading command does not touch the audit table; the next audited command does
    expect((await cli(['leads', 'list'])).code).toBe(0);
    expect(runs().map((r) => r.status)).toEqual(['running', 'running']);
    expect((await cli(['suppress', 'add', 'a@b.com'])).code).toBe(0);
    const after = runs();
    expect(after[0]).toEqual({ command: 'leads import', status: 'interrupted', error_count: 1, error: `the process (pid ${deadPid}) ended without finishing: killed or crashed` });
    expect(after[1]).toMatchObject({ command: 'send', status: 'running' });
    expect(after[2]).toMatchObject({ command: 'suppress add', status: 'ok' });
  });

  it('a real `leads import` killed with SIGKILL is found by the next command', async () => {
    const rows = ['domain'];
    for (let i = 0; i < 200_000; i++) rows.push(`x${i}.com`);
    const big = file('b.csv', rows.join('\n') + '\n');
    expect((await cli(['db', 'migrate', '-q'])).code).toBe(0);
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../bin/outreach'), '--db', db, 'leads', 'import', big], { stdio: 'ignore' });
    const exited = new Promise((res) => child.once('exit', res));
    // wait for its audit row, then kill it
    for (let i = 0; i < 200 && !queryDb(db, `SELECT 1 FROM runs WHERE status = 'running'`).length; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await exited;
    expect(runs()[0]).toMatchObject({ command: 'leads import', status: 'running' });
    expect((await cli(['suppress', 'add', 'a@b.com'])).code).toBe(0);
    expect(runs()[0]).toMatchObject({ command: 'leads import', status: 'interrupted', error_count: 1 });
  });
});
