// Several processes writing to one database at once (cron `inbox sync`, `send`, `serve`): WAL, the busy
// timeout and BEGIN IMMEDIATE transactions must make them wait for each other, never fail with SQLITE_BUSY.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { tempDir, ROOT } from '../helpers/cli.js';

const t = tempDir();
afterAll(() => t.cleanup());

const WORKER = `
import { openDb, tx } from ${JSON.stringify(join(ROOT, 'dist/db/open.js'))};
const [file, name, n] = process.argv.slice(2);
const db = openDb(file);
for (let i = 0; i < Number(n); i++) {
  tx(db, () => {
    // read, then write, inside one transaction: the pattern that fails with SQLITE_BUSY under DEFERRED
    const c = db.sqlite.prepare('SELECT count(*) AS c FROM events').get().c;
    db.sqlite.prepare("INSERT INTO events (lead_id, type, data) VALUES (NULL, ?, ?)").run(name, JSON.stringify({ i, seen: c }));
  });
  if (i % 10 === 0) db.sqlite.prepare('SELECT count(*) FROM events').get();
}
db.close();
`;

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((ok) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => ok({ code: code ?? 1, stderr }));
  });
}

describe('concurrent processes on one database', () => {
  it('four writers and a migration race finish with no SQLITE_BUSY and no lost write', async () => {
    const file = join(t.dir, 'shared.db');
    const worker = join(t.dir, 'worker.mjs');
    writeFileSync(worker, WORKER);
    // All four open a database that does not exist yet: they race to create and migrate it too.
    const results = await Promise.all(['sync', 'send', 'serve', 'report'].map((name) => run([worker, file, name, '150'])));
    for (const r of results) expect(r.stderr, r.stderr).toBe('');
    for (const r of results) expect(r.code).toBe(0);
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(600);
    db.close();
  });
});
