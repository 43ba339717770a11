// `npm run eval:mail -- DIR LABELS.tsv` (session 11 review of issue #9, finding #12): a wrong DIR, or a TSV most of
// whose files are missing, is no measurement: exit 1 with one line naming DIR; a few missing files are reported on
// stderr and the rest scored. Runs the built tool (dist/tools/eval-mail.js, what the npm script runs).
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, runProcess, tempDir } from '../helpers/cli.js';

const TOOL = resolve(ROOT, 'dist/tools/eval-mail.js');
const FIX = resolve(ROOT, 'test/fixtures/inbox/parse-s11');
const tmp = tempDir('outreach-eval-mail-');
afterAll(() => tmp.cleanup());

const env = Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1' }).filter(([, v]) => v !== undefined)) as Record<string, string>;
const evalMail = (...args: string[]) => runProcess(process.execPath, [TOOL, ...args], { env, cwd: ROOT }, `eval-mail ${args.join(' ')}`);

function tsv(name: string, rows: [string, string][]): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, ['file\tlabel', ...rows.map((r) => r.join('\t'))].join('\n') + '\n');
  return path;
}

const present: [string, string][] = [
  ['latin1-no-charset.eml', 'UNSUBSCRIBE'],
  ['latin1-us-ascii.eml', 'UNSUBSCRIBE'],
  ['latin1-utf8-label.eml', 'UNSUBSCRIBE'],
  ['latin1-html-only.eml', 'UNSUBSCRIBE'],
  ['no-id-exported.eml', 'UNSUBSCRIBE'],
];

describe('eval:mail when files cannot be read', () => {
  it('a DIR that does not exist: exit 1, one line naming DIR and how many files', async () => {
    const labels = tsv('all.tsv', present);
    const dir = join(tmp.dir, 'no-such-dir');
    const r = await evalMail(dir, labels, '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dir);
    expect(lines[0]).toMatch(/none of the 5 files/);
  });

  it('a DIR where most listed files are missing: exit 1, naming DIR and the count', async () => {
    const labels = tsv('most.tsv', [...present.slice(0, 2), ['gone-1.eml', 'WARM'], ['gone-2.eml', 'COLD'], ['gone-3.eml', 'NEUTRAL']]);
    const r = await evalMail(FIX, labels, '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(FIX);
    expect(lines[0]).toMatch(/3 of the 5 files/);
    expect(lines[0]).toContain('gone-1.eml');
  });

  it('a few missing files: said on stderr, the rest scored, --json shape unchanged, exit 0', async () => {
    const labels = tsv('few.tsv', [...present, ['gone-1.eml', 'WARM']]);
    const r = await evalMail(FIX, labels, '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 of the 6 files .* cannot be read in .*parse-s11 and are not scored: gone-1\.eml \(ENOENT\)/);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).slice(0, 4)).toEqual(['total', 'correct', 'accuracy', 'by_label']);
    expect(j.total).toBe(5);
    expect(j.correct).toBe(5);
    expect(j.accuracy).toBe(1);
    expect(j.by_label).toEqual({ UNSUBSCRIBE: { n: 5, correct: 5 } });
  });

  it('all files present: exit 0, nothing on stderr', async () => {
    const r = await evalMail(FIX, tsv('ok.tsv', present));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^5 messages, 5 correct: 100\.0%/);
  });
});
