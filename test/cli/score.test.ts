// The built binary, the way a user runs it: imported leads with facts → `outreach score` → ranked output.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Database } from '../../src/db/driver.js';
import { withReadOnlyDb } from '../helpers/db.js';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { seed, PROFILE, FIXTURE_DIR } from '../fixtures/score/seed.js';

const t = tempDir('outreach-score-cli-');
const dbPath = join(t.dir, 'o.db');
const env = { OUTREACH_DB: dbPath, OUTREACH_PROFILE: join(t.dir, 'profile.yaml') };
const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd: t.dir, env: { ...env, ...extra } });

beforeAll(async () => {
  copyFileSync(PROFILE, join(t.dir, 'profile.yaml'));
  const imp = await cli(['leads', 'import', resolve(FIXTURE_DIR, 'leads.csv'), '--json']);
  expect(imp.code, imp.stderr).toBe(0);
  expect(JSON.parse(imp.stdout).leads_created).toBe(8);
  // The facts `enrich` would record (the enrich stage is built separately).
  const sqlite = new Database(dbPath);
  seed(sqlite);
  sqlite.close();
});
afterAll(() => t.cleanup());

const count = (sql: string) => withReadOnlyDb(dbPath, (d) => d.prepare(sql).pluck().get() as number);

describe('outreach score', () => {
  it('ranks imported leads with facts, best first, and records the run', async () => {
    const r = await cli(['score', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ scored: 7, total: 7, new: 7, changed: 7, excluded: 1, default_profile: false, interrupted: false });
    expect(s.profile_version).toMatch(/^p-[0-9a-f]{12}$/);
    expect(s.top.map((x: { domain: string }) => x.domain).slice(0, 3)).toEqual([
      'aurora-rings.example',
      'north-necklace.example',
      'imported-only.example',
    ]);
    expect(s.top[0]).toEqual({ domain: 'aurora-rings.example', fit: 100, intent: 100, fit_confidence: 1, intent_confidence: 1 });
    expect(s.top.at(-1).domain).toBe('wholesale-bling.example');
    expect(count(`SELECT count(*) FROM runs WHERE command = 'score' AND status = 'ok'`)).toBe(1);
    expect(count(`SELECT count(*) FROM events WHERE type = 'scored'`)).toBe(7);
    expect(count(`SELECT count(*) FROM leads WHERE stage = 'scored'`)).toBe(7);
  });

  it('a re-run changes nothing and adds no events', async () => {
    const r = await cli(['score', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ scored: 7, changed: 0, unchanged: 7 });
    expect(count(`SELECT count(*) FROM events WHERE type = 'scored'`)).toBe(7);
  });

  it('prints a summary and the ranked table for people', async () => {
    const r = await cli(['score']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Scored 7 of 7 leads with profile p-[0-9a-f]{12} \(0 new, 0 changed, 7 unchanged, 1 excluded\)/);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/#\s+Domain\s+Fit\s+Intent\s+Confidence/);
    expect(lines[1]).toMatch(/^1\s+aurora-rings\.example\s+100\s+100\s+1\.00 \/ 1\.00$/);
  });

  it('--explain --json gives the factors with observed value, weight, points and evidence URLs', async () => {
    const r = await cli(['score', '--explain', 'https://www.aurora-rings.example/', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({ domain: 'aurora-rings.example', fit: 100, intent: 100, fit_confidence: 1, intent_confidence: 1, up_to_date: true });
    expect(e.profile_version).toMatch(/^p-/);
    const country = e.factors.find((f: { name: string }) => f.name === 'country');
    expect(country).toMatchObject({ kind: 'fit', observed: 'US', weight: 15, points: 15, status: 'match' });
    expect(country.evidence[0].url).toBe('https://aurora-rings.example/pages/contact');
    expect(e.factors.map((f: { name: string }) => f.name)).toEqual([
      'keywords', 'product_types', 'country', 'currency', 'catalog_size', 'price', 'fit_apps', 'misfit_apps',
      'fresh_products', 'recent_launches', 'paid_ads', 'hiring', 'new_store', 'seasonal_collections',
    ]);
  });

  it('--explain prints a factor table, marking missing data', async () => {
    const r = await cli(['score', '--explain', 'sparse-gems.example']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sparse-gems\.example\s+fit \d+ \(confidence 0\.\d\d\)\s+intent \d+ \(confidence 0\.\d\d\)\s+profile p-/);
    expect(r.stdout).toMatch(/fit\s+keywords\s+jewelry\s+25\s+12\.5\s+found jewelry/);
    expect(r.stdout).toMatch(/fit\s+country\s+—\s+15\s+7\.5\?\s+country unknown: counted as neutral/);
    expect(r.stdout).toContain('https://sparse-gems.example/');
    expect(r.stderr).toMatch(/Points marked \? have no data/);
  });

  it('feeds `leads list --sort fit --min-fit 60`', async () => {
    const r = await cli(['leads', 'list', '--sort', 'fit', '--min-fit', '60', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { domain: string; fit: number }[];
    expect(rows.map((x) => x.domain)).toEqual(['aurora-rings.example', 'north-necklace.example', 'imported-only.example']);
    expect(rows.every((x) => x.fit >= 60)).toBe(true);
  });

  it('a changed profile rescores every lead and records the new version', async () => {
    const other = join(t.dir, 'narrow.yaml');
    writeFileSync(other, readFileSync(PROFILE, 'utf8').replace('countries: [US, CA, GB, AU]', 'countries: [US]'));
    const before = JSON.parse((await cli(['score', '--json'])).stdout).profile_version;
    const r = await cli(['score', '--profile', other, '--json']);
    const s = JSON.parse(r.stdout);
    expect(s.profile_version).not.toBe(before);
    expect(s.unchanged).toBe(0);
    expect(s.changed).toBeGreaterThan(0);
    expect(count(`SELECT count(DISTINCT profile_version) FROM scores`)).toBe(1);
    expect(count(`SELECT count(*) FROM scores WHERE profile_version = '${s.profile_version}'`)).toBe(7);
    const e = JSON.parse((await cli(['score', '--explain', 'north-necklace.example', '--json'])).stdout);
    expect(e.up_to_date).toBe(false); // explained under ./profile.yaml, saved under narrow.yaml
    expect(e.stored.profile_version).toBe(s.profile_version);
  });

  it('--dry-run previews a profile change without writing', async () => {
    const other = join(t.dir, 'preview.yaml');
    writeFileSync(other, readFileSync(PROFILE, 'utf8').replace('misfit: [gorgias]', 'misfit: [gorgias, yotpo]'));
    expect((await cli(['score'])).code).toBe(0); // saved under ./profile.yaml
    const before = count(`SELECT count(*) FROM events`);
    const r = await cli(['score', '--profile', other, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Dry run: would score 7 of 7 leads with profile p-[0-9a-f]{12} \(0 new, 1 changed, 0 unchanged, 1 excluded\); nothing written/);
    expect(count(`SELECT count(*) FROM events`)).toBe(before);
  });

  it('reports a wrong profile as FILE:LINE with what is allowed, exit 1, no stack', async () => {
    const bad = join(t.dir, 'bad.yaml');
    writeFileSync(bad, 'keywords: [rings]\nweights:\n  keywords: 20\n  contry: 10\n');
    const r = await cli(['score', '--profile', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:4: unknown key "contry" in weights: allowed: keywords, product_types, country`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(count(`SELECT count(*) FROM runs WHERE command = 'score' AND status = 'failed'`)).toBe(0); // nothing started
  });

  it('falls back to the default profile, and says so on stderr', async () => {
    const r = await cli(['score', '--json'], { OUTREACH_PROFILE: join(t.dir, 'nope.yaml') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/No profile at .*nope\.yaml: using the default profile/);
    expect(JSON.parse(r.stdout)).toMatchObject({ default_profile: true, scored: 7 });
  });

  it('says clearly what is wrong with the arguments', async () => {
    const unknown = await cli(['score', '--explain', 'nobody.example']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No lead nobody\.example/);
    const missing = await cli(['score', '--profile', join(t.dir, 'missing.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No profile file at/);
    expect((await cli(['score', '--top', 'many'])).code).toBe(2);
    const help = await cli(['score', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('outreach score --explain');
  });
});
