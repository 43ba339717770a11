import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { openDb, type Db } from '../../src/db/open.js';
import { scoreLeads, explainLead, topLeads } from '../../src/stages/score/index.js';
import { loadProfileFile, loadProfileText } from '../../src/stages/score/profile-file.js';
import { storedFactorsJson } from '../../src/domain/scoring.js';
import { tempDir } from '../helpers/cli.js';
import { seed, PROFILE, fixtureLeads } from '../fixtures/score/seed.js';

let t: ReturnType<typeof tempDir>;
let db: Db;
let ids: Map<string, number>;
const fixedNow = () => new Date('2026-11-28T09:00:00.000Z');
const profile = () => loadProfileFile(PROFILE);

beforeEach(() => {
  t = tempDir('outreach-score-');
  db = openDb(join(t.dir, 'o.db'));
  ids = seed(db.sqlite);
});
afterEach(() => {
  db.close();
  t.cleanup();
});

const scoreRow = (domain: string) =>
  db.sqlite.prepare('SELECT s.* FROM scores s JOIN leads l ON l.id = s.lead_id WHERE l.domain = ?').get(domain) as
    | { fit: number; intent: number; fit_confidence: number; intent_confidence: number; factors: string; profile_version: string; scored_at: string }
    | undefined;
const events = () => db.sqlite.prepare(`SELECT lead_id, data, run_id FROM events WHERE type = 'scored' ORDER BY id`).all() as { lead_id: number; data: string; run_id: number | null }[];
const stageOf = (domain: string) => db.sqlite.prepare('SELECT stage FROM leads WHERE domain = ?').pluck().get(domain);

describe('score stage', () => {
  it('scores every enriched lead, ranks them, advances the stage and records one event each', () => {
    const p = profile();
    const s = scoreLeads(db, { profile: p.profile, now: fixedNow, runId: 7 });
    expect(s.total).toBe(7); // 6 enriched + 1 imported lead with facts; new-lead.example has neither
    expect(s.scored).toBe(7);
    expect(s.new).toBe(7);
    expect(s.changed).toBe(7);
    expect(s.excluded).toBe(1);
    expect(s.profile_version).toBe(p.version);
    expect(scoreRow('new-lead.example')).toBeUndefined();

    const aurora = scoreRow('aurora-rings.example')!;
    const north = scoreRow('north-necklace.example')!;
    const bolt = scoreRow('bolt-hardware.example')!;
    expect(aurora.fit).toBe(100);
    expect(aurora.fit_confidence).toBe(1);
    expect(aurora.intent).toBe(100);
    expect(north.fit).toBeLessThan(aurora.fit);
    expect(north.fit).toBeGreaterThan(bolt.fit);
    expect(north.intent).toBeLessThan(bolt.intent);
    expect(bolt.fit).toBe(25); // only catalogue size and price fit a jewelry profile
    expect(scoreRow('wholesale-bling.example')!.fit).toBe(0);
    expect(s.top.map((x) => x.domain).slice(0, 2)).toEqual(['aurora-rings.example', 'north-necklace.example']);
    expect(aurora.scored_at).toBe('2026-11-28T09:00:00.000Z');

    // factors carry their evidence with source URLs from the fact rows
    const factors = JSON.parse(aurora.factors) as { kind: string; name: string; evidence: { url: string }[] }[];
    const country = factors.find((f) => f.name === 'country')!;
    expect(country.evidence[0]!.url).toBe('https://aurora-rings.example/pages/contact');
    expect(factors.filter((f) => f.kind === 'intent').map((f) => f.name)).toEqual([
      'fresh_products', 'recent_launches', 'paid_ads', 'hiring', 'new_store', 'seasonal_collections',
    ]);

    expect(stageOf('aurora-rings.example')).toBe('scored');
    expect(stageOf('new-lead.example')).toBe('new');
    const ev = events();
    expect(ev).toHaveLength(7);
    expect(ev[0]!.run_id).toBe(7);
    expect(JSON.parse(ev[0]!.data)).toMatchObject({ fit: 100, intent: 100, previous: null, profile_version: p.version });
  });

  it('missing data lowers confidence instead of counting as zero; unreadable values never crash', () => {
    scoreLeads(db, { profile: profile().profile, now: fixedNow });
    const sparse = scoreRow('sparse-gems.example')!;
    expect(sparse.fit_confidence).toBeLessThan(0.5);
    expect(sparse.fit).toBeGreaterThan(30); // a keyword hit plus neutral halves, not a zero
    const broken = scoreRow('broken-facts.example')!;
    const f = JSON.parse(broken.factors) as { name: string; status: string }[];
    expect(f.find((x) => x.name === 'catalog_size')).toMatchObject({ status: 'missing' });
    expect(f.find((x) => x.name === 'currency')).toMatchObject({ status: 'missing' });
    // the prose is not stored; --explain recomputes it
    const e = explainLead(db, 'broken-facts.example', profile().profile)!;
    expect(e.factors.find((x) => x.name === 'catalog_size')!.note).toMatch(/unreadable number of products "lots"/);
    expect(e.factors.find((x) => x.name === 'fresh_products')!.note).toMatch(/unreadable date/);
    expect(e.factors.find((x) => x.name === 'currency')!.note).toMatch(/unreadable currency/);
    // a lead that was never enriched: unchecked presence signals are unknown, not "none found"
    const imported = JSON.parse(scoreRow('imported-only.example')!.factors) as { name: string; status: string; evidence: { key: string }[] }[];
    expect(imported.find((x) => x.name === 'paid_ads')!.status).toBe('missing');
    expect(imported.find((x) => x.name === 'country')).toMatchObject({ status: 'match', evidence: [{ key: 'lead.country' }] });
    expect(imported.find((x) => x.name === 'keywords')).toMatchObject({ status: 'partial', observed: ['jewellery'] }); // company name
  });

  it('is idempotent: a re-run rewrites nothing and adds no events', () => {
    scoreLeads(db, { profile: profile().profile, now: fixedNow });
    const before = db.sqlite.prepare('SELECT * FROM scores ORDER BY lead_id').all();
    const again = scoreLeads(db, { profile: profile().profile, now: () => new Date('2026-12-01T00:00:00Z') });
    expect(again).toMatchObject({ scored: 7, new: 0, changed: 0, unchanged: 7 });
    expect(db.sqlite.prepare('SELECT * FROM scores ORDER BY lead_id').all()).toEqual(before);
    expect(events()).toHaveLength(7);
  });

  it('a changed profile rescores every lead with the new version; events only where the score moved', () => {
    const p1 = profile();
    scoreLeads(db, { profile: p1.profile, now: fixedNow });
    const northBefore = scoreRow('north-necklace.example')!.fit;
    const text = readFileSync(PROFILE, 'utf8').replace('countries: [US, CA, GB, AU]', 'countries: [US, CA, AU]');
    const p2 = loadProfileText(text, 'p2.yaml');
    expect(p2.version).not.toBe(p1.version);
    const s = scoreLeads(db, { profile: p2.profile, now: fixedNow });
    const versions = db.sqlite.prepare('SELECT DISTINCT profile_version FROM scores').pluck().all();
    expect(versions).toEqual([p2.version]);
    expect(s.unchanged).toBe(0);
    expect(scoreRow('north-necklace.example')!.fit).toBeLessThan(northBefore); // GB is no longer a target
    const moved = events().slice(7);
    expect(moved.length).toBe(s.changed);
    expect(moved.map((e) => e.lead_id)).toContain(ids.get('north-necklace.example'));
    expect(moved.map((e) => e.lead_id)).not.toContain(ids.get('aurora-rings.example'));
    expect(JSON.parse(moved[0]!.data).previous.profile_version).toBe(p1.version);
  });

  it('gives the same scores whatever the batch size, and new facts change only that lead', () => {
    scoreLeads(db, { profile: profile().profile, now: fixedNow, batchSize: 1000 });
    const big = db.sqlite.prepare('SELECT lead_id, fit, intent, factors FROM scores ORDER BY lead_id').all();
    db.sqlite.exec('DELETE FROM scores');
    scoreLeads(db, { profile: profile().profile, now: fixedNow, batchSize: 2 });
    expect(db.sqlite.prepare('SELECT lead_id, fit, intent, factors FROM scores ORDER BY lead_id').all()).toEqual(big);

    seed(db.sqlite, [{ domain: 'sparse-gems.example', enrich_status: 'done', facts: [['store.country', 'US', 'https://sparse-gems.example/']] }]);
    const s = scoreLeads(db, { profile: profile().profile, now: fixedNow, batchSize: 2 });
    expect(s).toMatchObject({ unchanged: 6 });
  });

  it('a dry run computes and counts everything, writes nothing, and ranks from what it computed', () => {
    const p = profile();
    const dry = scoreLeads(db, { profile: p.profile, dryRun: true, top: 2 });
    expect(dry).toMatchObject({ dry_run: true, scored: 7, new: 7, changed: 7, written: 7, unchanged: 0 });
    expect(dry.top.map((x) => x.domain)).toEqual(['aurora-rings.example', 'north-necklace.example']);
    expect(db.sqlite.prepare('SELECT count(*) FROM scores').pluck().get()).toBe(0);
    expect(events()).toHaveLength(0);
    expect(stageOf('aurora-rings.example')).toBe('enriched');

    const real = scoreLeads(db, { profile: p.profile, top: 2 });
    expect(real).toMatchObject({ dry_run: false, written: 7 });
    expect(real.top).toEqual(dry.top);
    expect(scoreLeads(db, { profile: p.profile, dryRun: true })).toMatchObject({ unchanged: 7, written: 0, changed: 0 });
    const narrow = loadProfileText(readFileSync(PROFILE, 'utf8').replace('countries: [US, CA, GB, AU]', 'countries: [US]'), 'n.yaml');
    const preview = scoreLeads(db, { profile: narrow.profile, dryRun: true });
    expect(preview.written).toBe(7); // every row would carry the new profile version
    expect(preview.changed).toBeGreaterThan(0);
    expect(db.sqlite.prepare('SELECT DISTINCT profile_version FROM scores').pluck().all()).toEqual([p.version]);
  });

  it('stops between batches when aborted, keeping finished batches', () => {
    const ac = new AbortController();
    const s = scoreLeads(db, {
      profile: profile().profile,
      batchSize: 3,
      signal: ac.signal,
      onProgress: ({ done }) => {
        if (done >= 3) ac.abort();
      },
    });
    expect(s.interrupted).toBe(true);
    expect(s.scored).toBe(3);
    expect(db.sqlite.prepare('SELECT count(*) FROM scores').pluck().get()).toBe(3);
  });

  it('never moves a lead backwards (a contacted lead stays contacted)', () => {
    db.sqlite.prepare(`UPDATE leads SET stage = 'contacted' WHERE domain = 'aurora-rings.example'`).run();
    db.sqlite.prepare(`UPDATE leads SET stage = 'unsubscribed' WHERE domain = 'north-necklace.example'`).run();
    scoreLeads(db, { profile: profile().profile });
    expect(stageOf('aurora-rings.example')).toBe('contacted');
    expect(stageOf('north-necklace.example')).toBe('unsubscribed');
  });

  it('explains one lead from its facts, and says whether the stored score is up to date', () => {
    const p = profile();
    const before = explainLead(db, 'https://www.Aurora-Rings.example/collections/all', p.profile)!;
    expect(before).toMatchObject({ domain: 'aurora-rings.example', fit: 100, stored: null, up_to_date: false, profile_version: p.version });
    scoreLeads(db, { profile: p.profile, now: fixedNow });
    const after = explainLead(db, 'aurora-rings.example', p.profile)!;
    expect(after.up_to_date).toBe(true);
    expect(after.stored).toMatchObject({ fit: 100, profile_version: p.version });
    expect(storedFactorsJson(after.factors)).toBe(scoreRow('aurora-rings.example')!.factors);
    expect(explainLead(db, 'nobody.example', p.profile)).toBeNull();
    expect(topLeads(db, 1)).toEqual([expect.objectContaining({ domain: 'aurora-rings.example', fit: 100 })]);
  });

  it('scores the fixture without a crash when every fact of a lead is garbage', () => {
    const junk = fixtureLeads().leads.map((l, i) => ({
      domain: `junk${i}.example`,
      enrich_status: 'done',
      facts: ['store.name', 'store.country', 'catalog.size', 'catalog.price_median', 'app', 'pixel', 'store.hiring', 'catalog.collection', 'catalog.oldest_product_at', 'catalog.new_products_30d'].map(
        (key) => ({ key, raw: i % 2 ? '[1,2' : '{"a":1}', url: null }),
      ),
    }));
    seed(db.sqlite, junk);
    const s = scoreLeads(db, { profile: profile().profile });
    expect(s.scored).toBe(7 + junk.length);
  });
});
