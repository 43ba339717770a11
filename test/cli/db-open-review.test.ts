// Opening the database, reviewed (session 7): another application's SQLite file is refused before anything in it
// changes; a database or folder this user may not write is a clear error, not "a bug in outreach"; init checks
// where it will write before writing anything. Permission cases run the CLI as `nobody` (setpriv), because root
// may write anywhere.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { runCli, tempDir, canRunAsNobody, runAsNobody } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
  chmodSync(t.dir, 0o755); // reachable by nobody
});
afterEach(() => t.cleanup());

const asNobody = (args: string[], cwd: string) => runAsNobody(args, cwd);

describe('openDb', () => {
  it("another application's SQLite file is refused and left byte for byte as it was (no switch to WAL)", async () => {
    const file = join(t.dir, 'notes.db');
    const d = new Database(file);
    d.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello');`);
    d.close();
    const before = readFileSync(file);
    const r = await runCli(['--db', file, 'leads', 'list'], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is an SQLite database, but not an outreach one \(it has tables notes\)/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(t.dir).sort()).toEqual(['notes.db']);
  });

  it('a new database gets 8 KiB pages', async () => {
    const file = join(t.dir, 'new.db');
    expect((await runCli(['--db', file, 'db', 'migrate'], { cwd: t.dir })).code).toBe(0);
    const d = new Database(file, { readonly: true });
    expect(d.pragma('page_size', { simple: true })).toBe(8192);
    d.close();
  });
});

describe.skipIf(!canRunAsNobody())('permissions (as nobody)', () => {
  it('a database this user may not write is a clear error (exit 1), not a bug report', async () => {
    const file = join(t.dir, 'ro.db');
    expect((await runCli(['--db', file, 'db', 'migrate'], { cwd: t.dir })).code).toBe(0);
    chmodSync(file, 0o644);
    const r = await asNobody(['--db', file, 'leads', 'list'], t.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot use the database ${file}: this user may not write it`);
    expect(r.stderr).toMatch(/ro\.db-wal, ro\.db-shm/);
    expect(r.stderr).not.toMatch(/bug|\n\s+at /);
  });

  it('init with --db in a folder this user may not write fails before writing any file', async () => {
    const ro = join(t.dir, 'ro');
    const cwd = join(t.dir, 'cwd');
    mkdirSync(ro, { mode: 0o555 });
    mkdirSync(cwd, { mode: 0o777 });
    chmodSync(cwd, 0o777);
    const r = await asNobody(['--db', join(ro, 'x.db'), 'init', '--yes'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot create the database ${join(ro, 'x.db')}: this user may not write in the folder ${ro}`);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('init in a folder this user may not write says which file and why', async () => {
    const ro = join(t.dir, 'ro');
    const dbDir = join(t.dir, 'db');
    mkdirSync(ro, { mode: 0o555 });
    mkdirSync(dbDir);
    chmodSync(dbDir, 0o777);
    const r = await asNobody(['--db', join(dbDir, 'x.db'), 'init', '--yes'], ro);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot write ${join(ro, '.env')}: permission denied`);
    expect(r.stderr).not.toMatch(/bug|\n\s+at /);
    expect(existsSync(join(dbDir, 'x.db'))).toBe(false);
  });
});
