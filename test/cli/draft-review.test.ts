// The interactive `outreach draft review` in a real pseudo-terminal (util-linux `script`), driven by keystrokes:
// approve the first draft, reject the second with a reason.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { openDb } from '../../src/db/open.js';
import { seedLeads } from '../fixtures/draft/seed.js';

const t = tempDir();
afterAll(() => t.cleanup());
const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('outreach draft review (interactive)', () => {
  it('approves and rejects with keystrokes, showing the facts and compliance', async () => {
    const dbPath = join(t.dir, 'r.db');
    const h = openDb(dbPath);
    seedLeads(h, 2);
    h.close();
    copyFileSync(resolve(import.meta.dirname, '../fixtures/draft/outreach.yaml'), join(t.dir, 'outreach.yaml'));
    const env = { ...process.env, OUTREACH_DB: dbPath, ANTHROPIC_API_KEY: '', NO_COLOR: '1', TERM: 'xterm' };
    const run = (args: string[]) => runCli(args, { cwd: t.dir, env: { OUTREACH_DB: dbPath, ANTHROPIC_API_KEY: undefined } });
    expect((await run(['campaign', 'create', 'r', '--step', 'jewelry-intro', '--offer', 'email-flows'])).code).toBe(0);
    expect((await run(['draft'])).code).toBe(0);

    const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} draft review`, '/dev/null'], { cwd: t.dir, env });
    let out = '';
    let seen = 0;
    const waitFor = (re: RegExp, from: number) =>
      new Promise<number>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`timed out waiting for ${re}; output:\n${out}`)), 20_000);
        const check = () => {
          const i = out.slice(from).search(re);
          if (i !== -1) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            ok(from + i + 1);
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number>((ok) => child.on('close', (code) => ok(code ?? 1)));

    seen = await waitFor(/What now\?/, 0);
    expect(out).toMatch(/Store \d/);
    expect(out).toMatch(/catalog\.size: \d+  \(https:\/\/store\d\.example\.com\/\)/);
    expect(out).toMatch(/compliance checks pass/);
    child.stdin.write('\r'); // approve (first choice)
    seen = await waitFor(/Approved\./, seen);
    seen = await waitFor(/What now\?/, seen);
    child.stdin.write('\x1b[B\x1b[B\x1b[B'); // down to "reject"
    await new Promise((r) => setTimeout(r, 300));
    child.stdin.write('\r');
    seen = await waitFor(/Why \(optional\)/, seen);
    child.stdin.write('wrong niche\r');
    await waitFor(/Review done: 1 approved, 1 rejected/, seen);
    expect(await exited).toBe(0);

    const list = JSON.parse((await run(['draft', 'list', '--json'])).stdout);
    expect(list.map((d: { status: string }) => d.status)).toEqual(['approved', 'rejected']);
    expect(list[1].reviewNote).toBe('wrong niche');
  });
});
