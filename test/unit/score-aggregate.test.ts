// How factors add up to a score and a confidence, exclusions, determinism, and reading fact rows.
import { describe, it, expect } from 'vitest';
import { parseProfile } from '../../src/domain/profile.js';
import {
  addFact,
  aggregate,
  compileProfile,
  decodeFactValue,
  newLeadFacts,
  rangeShare,
  scoreLead,
  storedFactorsJson,
  WordMatcher,
  MISSING_SHARE,
  type Factor,
} from '../../src/domain/scoring.js';

const SEEN = '2026-11-20T10:00:00.000Z';
const profile = parseProfile({
  keywords: ['jewelry', 'rings'],
  product_types: ['Rings'],
  countries: ['US'],
  currencies: ['USD'],
  catalog_size: { min: 20, max: 2000 },
  price: { min: 15, max: 500 },
  apps: { fit: ['klaviyo'], misfit: ['gorgias'] },
  exclude: { keywords: ['wholesale'] },
});
const cp = compileProfile(profile);

const PERFECT: [string, unknown][] = [
  ['store.name', 'Aurora Jewelry'],
  ['store.description', 'Gold rings'],
  ['store.country', 'US'],
  ['store.currency', 'USD'],
  ['store.hiring', true],
  ['catalog.size', 120],
  ['catalog.price_median', 45],
  ['catalog.product_type', 'Rings'],
  ['catalog.collection', 'Christmas'],
  ['catalog.updated_at', '2026-11-18T00:00:00Z'],
  ['catalog.new_products_30d', 9],
  ['catalog.oldest_product_at', '2026-06-01T00:00:00Z'],
  ['app', 'klaviyo'],
  ['pixel', 'meta'],
];

function leadFrom(rows: [string, unknown][], enriched = true) {
  const l = newLeadFacts('aurora.example', { enriched });
  for (const [k, v] of rows) addFact(l, k, JSON.stringify(v), `https://aurora.example/${k}`, SEEN);
  return l;
}

const f = (weight: number, points: number, status: Factor['status'] = 'match'): Factor => ({
  kind: 'fit', name: 'x', observed: null, weight, points, status, note: '', evidence: [],
});

describe('aggregate', () => {
  it.each([
    ['all points', [f(25, 25), f(75, 75)], 100, 1],
    ['no points, all known', [f(25, 0, 'miss'), f(75, 0, 'miss')], 0, 1],
    ['a partial factor', [f(50, 25, 'partial'), f(50, 50)], 75, 1],
    ['a missing factor counts half and lowers confidence', [f(50, 50 * MISSING_SHARE, 'missing'), f(50, 50)], 75, 0.5],
    ['everything missing: neutral 50, confidence 0', [f(40, 20, 'missing'), f(60, 30, 'missing')], 50, 0],
    ['no factors at all', [], 0, 0],
  ] as [string, Factor[], number, number][])('%s', (_l, factors, score, confidence) => {
    expect(aggregate(factors)).toEqual({ score, confidence });
  });
});

describe('scoreLead', () => {
  it('a lead matching everything scores 100/100 with full confidence', () => {
    const r = scoreLead(leadFrom(PERFECT), cp);
    expect(r).toMatchObject({ fit: 100, intent: 100, fitConfidence: 1, intentConfidence: 1, excluded: false });
    expect(r.factors.every((x) => x.points === x.weight)).toBe(true);
    for (const x of r.factors) expect(x.evidence.every((e) => e.url?.startsWith('https://aurora.example/') || e.url === null)).toBe(true);
  });

  it('a lead with no facts is neutral with zero confidence (never a silent zero)', () => {
    const r = scoreLead(newLeadFacts('empty.example'), cp);
    expect(r).toMatchObject({ fit: 50, intent: 50, fitConfidence: 0, intentConfidence: 0 });
    expect(r.factors.every((x) => x.status === 'missing' && /neutral/.test(x.note))).toBe(true);
  });

  it('every points value adds up to the score shown', () => {
    const r = scoreLead(leadFrom(PERFECT.filter(([k]) => k !== 'catalog.size' && k !== 'store.country')), cp);
    const fit = r.factors.filter((x) => x.kind === 'fit');
    const sum = fit.reduce((a, x) => a + x.points, 0);
    const total = fit.reduce((a, x) => a + x.weight, 0);
    expect(r.fit).toBe(Math.round((100 * sum) / total));
    expect(r.fitConfidence).toBe(Math.round((100 * (total - 15 - 15)) / total) / 100);
  });

  it('an excluded lead has fit 0 with an exclusion factor first; intent is still computed', () => {
    const r = scoreLead(leadFrom([...PERFECT, ['store.description', 'Wholesale rings']]), cp);
    expect(r).toMatchObject({ fit: 0, fitConfidence: 1, excluded: true, intent: 100 });
    expect(r.factors[0]).toMatchObject({ name: 'exclusion', status: 'excluded', weight: 0, points: 0 });
  });

  it('a weight of 0 leaves the factor out', () => {
    const p = compileProfile(parseProfile({ keywords: ['rings'], countries: ['US'], weights: { country: 0 } }));
    const names = scoreLead(leadFrom(PERFECT), p).factors.map((x) => x.name);
    expect(names).toContain('keywords');
    expect(names).not.toContain('country');
  });

  it('is deterministic: fact order does not change a byte of the stored factors', () => {
    const a = storedFactorsJson(scoreLead(leadFrom(PERFECT), cp).factors);
    const shuffled = [...PERFECT].reverse();
    const b = storedFactorsJson(scoreLead(leadFrom(shuffled), cp).factors);
    expect(b).toBe(a);
    expect(storedFactorsJson(scoreLead(leadFrom(PERFECT), cp).factors)).toBe(a);
  });

  it('stores factors compactly: fields, evidence as key + url, no prose', () => {
    const stored = JSON.parse(storedFactorsJson(scoreLead(leadFrom(PERFECT), cp).factors));
    expect(Object.keys(stored[0]).sort()).toEqual(['evidence', 'kind', 'name', 'observed', 'points', 'status', 'weight']);
    expect(stored[0].evidence[0]).toEqual({ key: 'store.name', url: 'https://aurora.example/store.name' });
  });
});

describe('reading fact rows', () => {
  it.each([
    ['"Aurora"', 'Aurora'],
    ['"say \\"hi\\""', 'say "hi"'],
    ['42', 42],
    ['-1.5', -1.5],
    ['true', true],
    ['false', false],
    ['null', null],
    ['["a"]', ['a']],
    ['{oops', undefined],
    ['', undefined],
    ['"unterminated', undefined],
  ] as [string, unknown][])('decodes %s', (raw, value) => {
    expect(decodeFactValue(raw)).toEqual(value);
  });

  it('keeps the latest observation of a single-valued key, whatever the row order', () => {
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 0, 2]]) {
      const l = newLeadFacts('x.example');
      const rows: [string, string][] = [['"US"', '2026-01-01T00:00:00Z'], ['"CA"', '2026-06-01T00:00:00Z'], ['"GB"', '2026-06-01T00:00:00Z']];
      for (const i of order) addFact(l, 'store.country', rows[i]![0], null, rows[i]![1]);
      expect(l.single.get('store.country')!.value).toBe('GB'); // latest; a tie goes to the larger value
    }
  });

  it('keeps every value of a multi-valued key', () => {
    const l = newLeadFacts('x.example');
    addFact(l, 'app', '"klaviyo"', null, SEEN);
    addFact(l, 'app', '"judgeme"', null, SEEN);
    expect(l.multi.get('app')!.map((r) => r.value)).toEqual(['klaviyo', 'judgeme']);
  });
});

describe('WordMatcher', () => {
  const m = new WordMatcher(['rings', 'gift guide', "mother's day", 'dress', 'tea']);
  it.each([
    ['Gold Rings', ['rings']],
    ['a ring', ['rings']],
    ['Earrings', []],
    ['The Holiday Gift-Guide', ['gift guide']],
    ['mothers day sale', ["mother's day"]],
    ['Dresses and tea', ['dress', 'tea']],
    ['steam', []],
    ['Teas', ['tea']],
    ['Rings, rings, RINGS', ['rings']],
    ['', []],
  ] as [string, string[]][])('%s', (text, found) => {
    expect(m.find(text)).toEqual(found);
  });
  it('escapes regular-expression characters in profile words', () => {
    expect(new WordMatcher(['c++ (tools)']).find('best C++ (tools) here')).toEqual(['c++ (tools)']);
  });
});

describe('rangeShare', () => {
  it.each([
    [50, 20, 2000, 1],
    [10, 20, 2000, 0.5],
    [4000, 20, 2000, 0.5],
    [0, 20, 2000, 0],
    [5, undefined, 10, 1],
    [20, undefined, 10, 0.5],
    [5, 0, undefined, 1],
  ] as [number, number | undefined, number | undefined, number][])('%d in [%s, %s] = %d', (v, min, max, share) => {
    expect(rangeShare(v, min, max)).toBe(share);
  });
});

describe('storedFactorsJson', () => {
  it('equals JSON.stringify of the stored shape, for odd values too', () => {
    const factors: Factor[] = [
      { kind: 'fit', name: 'keywords', observed: ['a"b', 'ü', ...Array.from({ length: 12 }, (_, i) => `w${i}`)], weight: 25, points: 12.5, status: 'partial', note: 'n', evidence: [
        { key: 'store.name', value: 'x', url: 'https://x.example/?q="1"' },
        { key: 'store.name', value: 'y', url: 'https://x.example/?q="1"' },
        { key: 'lead.company', value: 'z', url: null },
      ] },
      { kind: 'intent', name: 'hiring', observed: false, weight: 10, points: 0, status: 'miss', note: '', evidence: [] },
      { kind: 'intent', name: 'new_store', observed: null, weight: 0.5, points: 0.25, status: 'missing', note: '', evidence: [] },
    ];
    const expected = JSON.stringify(
      factors.map((f) => ({
        kind: f.kind,
        name: f.name,
        observed: Array.isArray(f.observed) ? f.observed.slice(0, 10) : f.observed,
        weight: f.weight,
        points: f.points,
        status: f.status,
        evidence: f.evidence.filter((e, i, all) => all.findIndex((x) => x.key === e.key && x.url === e.url) === i).map((e) => ({ key: e.key, url: e.url })),
      })),
    );
    expect(storedFactorsJson(factors)).toBe(expected);
    expect(storedFactorsJson([])).toBe('[]');
  });
});
