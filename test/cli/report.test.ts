// `outreach report` as a user runs it: the built binary against a seeded database file.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../src/db/open.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seedReportDb, type SeedResult } from '../fixtures/report/seed.js';

const t = tempDir('outreach-cli-report-');
const dbPath = join(t.dir, 'o.db');
let seed: SeedResult;

beforeAll(() => {
  const db = openDb(dbPath);
  seed = seedReportDb(db, { leads: 200 });
  db.close();
});
afterAll(() => t.cleanup());

const run = (...args: string[]) => runCli(['--db', dbPath, ...args], { cwd: t.dir });

describe('outreach report', () => {
  it('prints JSON with --json (and --format json) matching the seed', async () => {
    const r = await run('report', 'funnel', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.funnel.counts).toMatchObject({ discovered: seed.total.discovered, sent: seed.total.sent, replied: seed.total.replied, warm: seed.total.warm });
    const r2 = await run('report', 'funnel', '--format', 'json');
    expect(JSON.parse(r2.stdout).funnel.counts).toEqual(j.funnel.counts);
  });

  it('prints every section as tables by default', async () => {
    const r = await run('report');
    expect(r.code).toBe(0);
    for (const title of ['Funnel', 'Rates', 'Campaigns', 'A/B variants', 'Mailboxes', 'Spend', 'Time to first reply', 'Replies per step']) {
      expect(r.stdout).toContain(title);
    }
    expect(r.stdout).toMatch(/^discovered\s+200\s+leads/m);
    expect(r.stderr).toBe('');
  });

  it('writes CSV and a self-contained HTML file with -o', async () => {
    const csv = await run('report', 'variants', '--format', 'csv');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('campaign,step,variant,sent,replies,reply_rate,reply_ci_low,reply_ci_high,warm,warm_rate,warm_ci_low,warm_ci_high,winner,p_value,more_sends_needed');
    expect(lines).toHaveLength(1 + 6);
    const out = join(t.dir, 'report.html');
    const h = await run('report', '--format', 'html', '-o', out);
    expect(h.code).toBe(0);
    expect(h.stdout).toBe('');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<svg class="chart funnel"');
    expect(html).toContain('<svg class="chart activity"');
    expect(html).not.toMatch(/<script/i);
  });

  it('scopes with --campaign and --since', async () => {
    const c = seed.campaigns[0]!;
    const r = await run('report', 'funnel', '--campaign', c.name, '--json');
    expect(JSON.parse(r.stdout).funnel.counts.sent).toBe(seed.perCampaign[c.name]!.sent);
    expect(JSON.parse(r.stdout).scope.campaign).toBe(c.name);
    const s = await run('report', 'funnel', '--since', '2099-01-01', '--json');
    expect(JSON.parse(s.stdout).funnel.counts.sent).toBe(0);
    const rel = await run('report', 'funnel', '--since', '400d', '--json');
    expect(JSON.parse(rel.stdout).funnel.counts.sent).toBe(seed.total.sent);
  });

  it('exits 1 on an unknown campaign and 2 on usage errors', async () => {
    const c = await run('report', '--campaign', 'nope');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('No campaign named "nope"');
    expect(c.stderr).toContain(seed.campaigns[0]!.name);
    for (const args of [['report', 'bogus'], ['report', '--since', 'yesterday-ish'], ['report', '--format', 'csv'], ['report', 'funnel', '--json', '--format', 'csv'], ['report', '--format', 'pdf'], ['report', '--days', '0']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('works on an empty database', async () => {
    const empty = join(t.dir, 'empty.db');
    expect((await runCli(['--db', empty, 'db', 'migrate'])).code).toBe(0);
    const r = await runCli(['--db', empty, 'report', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.funnel.counts.discovered).toBe(0);
    expect(j.funnel.rates.reply).toBeNull();
    expect(j.variants).toEqual([]);
    const h = await runCli(['--db', empty, 'report', '--format', 'html', '-o', join(t.dir, 'e.html')]);
    expect(h.code).toBe(0);
    expect(existsSync(join(t.dir, 'e.html'))).toBe(true);
  });

  it('has help with examples', async () => {
    const r = await runCli(['report', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--format <format>');
  });
});
