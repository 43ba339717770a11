// Review findings, as a user meets them: long lists print as tables quickly, reading commands never create a
// database, `--db ''` and a command group without its subcommand are usage errors, a zero-width terminal
// does not hang a spinner, and colour follows each stream's own TTY-ness.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, runCli, runProcess, tempDir } from '../helpers/cli.js';

const t = tempDir();
afterAll(() => t.cleanup());
const db = join(t.dir, 'big.db');
const env = { OUTREACH_DB: db };
const N = 20_000;

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs a shell line under a pseudo-terminal (util-linux `script`), the way a person at a terminal runs it. */
function underTty(line: string, extraEnv: Record<string, string> = {}) {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...extraEnv })) if (v !== undefined && k !== 'NO_COLOR') e[k] = v;
  if (extraEnv.NO_COLOR) e.NO_COLOR = extraEnv.NO_COLOR;
  return runProcess('script', ['-qec', line, '/dev/null'], { env: e, cwd: t.dir, timeoutMs: 60_000 }, line);
}

beforeAll(async () => {
  const leads = ['company,website,email', ...Array.from({ length: N }, (_, i) => `Shop ${i},shop${i}.example.com,owner${i}@shop${i}.example.com`)];
  writeFileSync(join(t.dir, 'leads.csv'), leads.join('\n') + '\n');
  writeFileSync(join(t.dir, 'supp.txt'), Array.from({ length: N }, (_, i) => `gone${i}@example.org`).join('\n') + '\n');
  const imp = await runCli(['leads', 'import', join(t.dir, 'leads.csv')], { env, cwd: t.dir, timeoutMs: 120_000 });
  expect(imp.code, imp.stderr).toBe(0);
  const sup = await runCli(['suppress', 'import', join(t.dir, 'supp.txt')], { env, cwd: t.dir, timeoutMs: 120_000 });
  expect(sup.code, sup.stderr).toBe(0);
}, 180_000);

describe('long lists as tables', () => {
  it(`leads list --limit 0 prints all ${N} leads, one per line`, async () => {
    const r = await runCli(['leads', 'list', '--limit', '0'], { env, cwd: t.dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0]).toMatch(/^domain +company +email +country +stage +fit +intent +tags$/);
    expect(r.stdout).toMatch(/^shop0\.example\.com +Shop 0 +owner0@shop0\.example\.com /m);
    expect(r.stdout).toContain(`shop${N - 1}.example.com`);
    expect(new Set(lines.slice(1).map((l) => l.split(/ +/)[0])).size).toBe(N);
  });

  it(`suppress list --limit 0 prints all ${N} entries; the default shows 50 and says so`, async () => {
    const all = await runCli(['suppress', 'list', '--limit', '0'], { env, cwd: t.dir });
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0]).toMatch(/^kind +value +reason +source +since$/);
    expect(lines[1]).toMatch(/^email +gone0@example\.org +imported +\S+ +\d{4}-\d\d-\d\d$/);
    expect(all.stdout).toContain(`gone${N - 1}@example.org`);
    expect(all.stderr).not.toContain('shown');

    const first = await runCli(['suppress', 'list'], { env, cwd: t.dir });
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(51);
    expect(first.stderr).toContain(`50 of ${N} entries shown (--limit 0 for all)`);

    const ten = await runCli(['suppress', 'list', '--limit', '10', '--json'], { env, cwd: t.dir });
    expect(JSON.parse(ten.stdout)).toHaveLength(10);
    const csv = await runCli(['suppress', 'list', '--format', 'csv'], { env, cwd: t.dir });
    expect(csv.stdout.trimEnd().split('\n')).toHaveLength(N + 1); // an export stays complete by default
    expect((await runCli(['suppress', 'list', '--limit', '-1'], { env, cwd: t.dir })).code).toBe(2);
  });
});

describe('reading commands never create a database', () => {
  const missing = join(t.dir, 'typo', 'sub.db');
  const missingHere = join(t.dir, 'nothere.db');
  it.each([
    ['leads', 'list'],
    ['leads', 'show', 'shop1.example.com'],
    ['leads', 'export'],
    ['suppress', 'list'],
    ['campaign', 'list'],
    ['mailbox', 'list'],
    ['inbox', 'list'],
    ['draft', 'list'],
    ['report'],
  ].map((a) => [a.join(' '), a] as const))('%s: "No database at PATH", exit 1, nothing created', async (_name, args) => {
    for (const path of [missingHere, missing]) {
      const r = await runCli([...args, '--db', path], { cwd: t.dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`No database at ${path}`);
      expect(r.stderr).toContain('outreach init');
      expect(r.stdout).toBe('');
      expect(existsSync(path)).toBe(false);
    }
  });

  it('a command that starts a pipeline creates it (session 9: suppress add no longer does)', async () => {
    const path = join(t.dir, 'new.db');
    const refused = await runCli(['suppress', 'add', 'a@b.example', '--db', path], { cwd: t.dir });
    expect(refused.code, refused.stderr).toBe(1);
    expect(existsSync(path)).toBe(false);
    expect((await runCli(['db', 'migrate', '--db', path], { cwd: t.dir })).code).toBe(0);
    const r = await runCli(['suppress', 'add', 'a@b.example', '--db', path], { cwd: t.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect((await runCli(['suppress', 'list', '--db', path], { cwd: t.dir })).stdout).toContain('a@b.example');
  });

  it("--db '' is a usage error, not ./outreach.db", async () => {
    for (const args of [['leads', 'list'], ['suppress', 'add', 'x@y.example']]) {
      const r = await runCli([...args, '--db', ''], { cwd: t.dir, env: { OUTREACH_DB: undefined } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--db needs a file path/);
      expect(existsSync(join(t.dir, 'outreach.db'))).toBe(false);
    }
  });
});

describe('exit codes of help', () => {
  it.each(['leads', 'db', 'suppress', 'campaign', 'mailbox', 'inbox'])('`outreach %s` without a subcommand: help on stderr, exit 2', async (group) => {
    const r = await runCli([group], { cwd: t.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Usage: outreach ${group}`);
  });

  it('`outreach help UNKNOWN` is a usage error; help asked for is a success on stdout', async () => {
    const bad = await runCli(['help', 'bogus'], { cwd: t.dir });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain("unknown command 'bogus'");
    for (const args of [['--help'], ['leads', '--help'], ['help', 'leads'], ['help']]) {
      const r = await runCli(args, { cwd: t.dir });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: outreach');
    }
  });
});

describe.skipIf(!hasScript)('on a terminal', () => {
  it('a zero-width terminal does not hang the spinner (the import finishes and releases the database)', async () => {
    const csv = join(t.dir, 'few.csv');
    writeFileSync(csv, 'company,website\nA,a.example.com\nB,b.example.com\n');
    const zdb = join(t.dir, 'zero.db');
    const r = await underTty(`stty cols 0 rows 0; node ${BIN} leads import ${csv} --db ${zdb}`);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('2');
    expect(r.stdout).not.toContain('\x1b[1A');
    const list = await runCli(['leads', 'list', '--db', zdb], { cwd: t.dir });
    expect(list.stdout).toContain('b.example.com');
  });

  it('colours stderr only when stderr itself is a terminal, and nothing with NO_COLOR', async () => {
    const errFile = join(t.dir, 'err.txt');
    const cdb = join(t.dir, 'colour.db');
    expect((await runCli(['--db', cdb, 'db', 'migrate'])).code).toBe(0);
    const piped = await underTty(`node ${BIN} suppress add c@d.example --db ${cdb} 2>${errFile}`);
    expect(piped.code).toBe(0);
    const err = readFileSync(errFile, 'utf8');
    expect(err).toContain('Suppressed 1 new');
    expect(err).not.toContain('\x1b['); // stdout is the terminal here, stderr a file

    const tty = await underTty(`node ${BIN} suppress add e@f.example --db ${cdb}`);
    expect(tty.stdout).toMatch(/\x1b\[32m✔/); // control: on a terminal the mark is green
    const noColor = await underTty(`node ${BIN} suppress add g@h.example --db ${cdb}`, { NO_COLOR: '1' });
    expect(noColor.stdout).toContain('✔ Suppressed 1 new');
    expect(noColor.stdout).not.toContain('\x1b[');
  });
});
