// Table-driven tests, one table per factor: facts in, share of the weight (or missing) out.
import { describe, it, expect } from 'vitest';
import { parseProfile, type ProfileInput } from '../../src/domain/profile.js';
import {
  addFact,
  compileProfile,
  newLeadFacts,
  keywords,
  productTypes,
  country,
  currency,
  catalogSize,
  price,
  fitApps,
  misfitApps,
  freshProducts,
  recentLaunches,
  paidAds,
  hiring,
  newStore,
  seasonalCollections,
  exclusion,
  type FactorFn,
  type LeadFacts,
} from '../../src/domain/scoring.js';

const SEEN = '2026-11-20T10:00:00.000Z';
const daysBefore = (d: number) => new Date(Date.parse(SEEN) - d * 86_400_000).toISOString();

const BASE: ProfileInput = {
  keywords: ['jewelry', 'rings', 'necklaces'],
  product_types: ['Jewelry', 'Rings', 'Necklaces'],
  countries: ['US', 'CA'],
  currencies: ['USD', 'CAD'],
  catalog_size: { min: 20, max: 2000 },
  price: { min: 15, max: 500 },
  apps: { fit: ['klaviyo', 'judgeme'], misfit: ['gorgias'] },
  exclude: { domains: ['competitor.com'], keywords: ['wholesale'], countries: ['RU'], apps: ['rivalapp'] },
};
const cp = compileProfile(parseProfile(BASE));

type Facts = Record<string, unknown>;
interface LeadOpts {
  enriched?: boolean;
  country?: string;
  company?: string;
  domain?: string;
  raw?: Record<string, string>;
}

/** A lead from {key: value | [values]}; `raw` adds undecoded JSON text as stored. */
function lead(facts: Facts, o: LeadOpts = {}): LeadFacts {
  const l = newLeadFacts(o.domain ?? 'shop.example', { enriched: o.enriched ?? true, country: o.country, company: o.company });
  for (const [key, v] of Object.entries(facts)) {
    for (const value of Array.isArray(v) ? v : [v]) addFact(l, key, JSON.stringify(value), `https://shop.example/${key}`, SEEN);
  }
  for (const [key, text] of Object.entries(o.raw ?? {})) addFact(l, key, text, `https://shop.example/${key}`, SEEN);
  return l;
}

type Row = [label: string, facts: Facts, opts: LeadOpts, share: number | null, observed?: unknown];

function table(name: string, fn: FactorFn, rows: Row[]) {
  describe(name, () => {
    it.each(rows)('%s', (_label, facts, opts, share, observed) => {
      const o = fn(lead(facts, opts), cp);
      expect(o).not.toBeNull();
      if (share === null) {
        expect(o!.share).toBeNull();
        expect(o!.note).toBeTruthy();
      } else {
        expect(o!.share).toBeCloseTo(share, 5);
      }
      if (observed !== undefined) expect(o!.observed).toEqual(observed);
      for (const e of o!.evidence) expect(e.key).toBeTruthy();
    });
  });
}

table('keywords', keywords, [
  ['no text at all: missing', {}, {}, null],
  ['one keyword of the two that earn full points', { 'store.name': 'Aurora Rings' }, {}, 0.5, ['rings']],
  ['two keywords: full', { 'store.name': 'Aurora', 'store.description': 'Handmade jewelry and rings' }, {}, 1, ['jewelry', 'rings']],
  ['singular finds the plural keyword', { 'catalog.sample_product': 'Gold ring, size 7' }, {}, 0.5, ['rings']],
  ['whole words only: earrings is not rings', { 'store.name': 'Earrings Galore' }, {}, 0, []],
  ['case and punctuation do not matter', { 'catalog.collection': ['NECKLACES!', 'Jewelry-box'] }, {}, 1, ['necklaces', 'jewelry']],
  ['product types, vendors and collections are searched', { 'catalog.vendor': 'Rings Co' }, {}, 0.5, ['rings']],
  ['the imported company name counts', {}, { company: 'Maple Jewelry Ltd' }, 0.5, ['jewelry']],
  ['text without keywords: a miss', { 'store.name': 'Bolt Hardware', 'store.description': 'Tools' }, {}, 0, []],
]);

table('product_types', productTypes, [
  ['none recorded: missing', { 'store.name': 'x' }, {}, null],
  ['all match', { 'catalog.product_type': ['Rings', 'necklaces'] }, {}, 1],
  ['half match', { 'catalog.product_type': ['Rings', 'Gift Cards'] }, {}, 0.5],
  ['a type containing a profile type', { 'catalog.product_type': ['Fine Jewelry', 'Tools', 'Tents', 'Candles'] }, {}, 0.25],
  ['duplicates by case count once', { 'catalog.product_type': ['Tools', 'tools', 'Rings'] }, {}, 0.5],
  ['none match', { 'catalog.product_type': ['Tools'] }, {}, 0],
]);

table('country', country, [
  ['target country', { 'store.country': 'US' }, {}, 1, 'US'],
  ['lower case code', { 'store.country': 'ca' }, {}, 1, 'CA'],
  ['other country', { 'store.country': 'DE' }, {}, 0, 'DE'],
  ['falls back to the imported country', {}, { country: 'CA' }, 1, 'CA'],
  ['the store fact wins over the import', { 'store.country': 'DE' }, { country: 'US' }, 0, 'DE'],
  ['unknown: missing', {}, {}, null],
]);

table('currency', currency, [
  ['target currency', { 'store.currency': 'USD' }, {}, 1, 'USD'],
  ['other currency', { 'store.currency': 'EUR' }, {}, 0, 'EUR'],
  ['unknown: missing', {}, {}, null],
  ['unreadable value: missing', {}, { raw: { 'store.currency': '{oops' } }, null],
  ['wrong type: missing', { 'store.currency': { code: 'USD' } }, {}, null],
]);

table('catalog_size', catalogSize, [
  ['inside the range', { 'catalog.size': 120 }, {}, 1, 120],
  ['at the minimum', { 'catalog.size': 20 }, {}, 1],
  ['half the minimum: half', { 'catalog.size': 10 }, {}, 0.5],
  ['twice the maximum: half', { 'catalog.size': 4000 }, {}, 0.5],
  ['an empty catalogue', { 'catalog.size': 0 }, {}, 0],
  ['a number written as text', { 'catalog.size': '120' }, {}, 1],
  ['not a number: missing', { 'catalog.size': 'lots' }, {}, null],
  ['unknown: missing', {}, {}, null],
]);

table('price', price, [
  ['median inside', { 'catalog.price_median': 45 }, {}, 1, 45],
  ['median below', { 'catalog.price_median': 5 }, {}, 1 / 3],
  ['median above', { 'catalog.price_median': 1000 }, {}, 0.5],
  ['no median: middle of min and max', { 'catalog.price_min': 10, 'catalog.price_max': 30 }, {}, 1, 20],
  ['only a minimum', { 'catalog.price_min': 7.5 }, {}, 0.5, 7.5],
  ['the median wins over the range', { 'catalog.price_median': 1000, 'catalog.price_min': 10, 'catalog.price_max': 30 }, {}, 0.5],
  ['unknown: missing', {}, {}, null],
  ['unreadable: missing', { 'catalog.price_median': 'cheap' }, {}, null],
]);

table('fit_apps', fitApps, [
  ['a fit app', { app: ['klaviyo', 'privy'] }, {}, 1],
  ['app ids ignore case', { app: ['Judgeme'] }, {}, 1],
  ['other apps only', { app: ['privy'] }, {}, 0],
  ['enriched, no apps found: a miss', {}, {}, 0, []],
  ['not enriched: missing', {}, { enriched: false }, null],
]);

table('misfit_apps', misfitApps, [
  ['a misfit app: no points', { app: ['gorgias', 'klaviyo'] }, {}, 0],
  ['no misfit app: full', { app: ['klaviyo'] }, {}, 1],
  ['enriched, no apps: full', {}, {}, 1],
  ['not enriched: missing', {}, { enriched: false }, null],
]);

table('fresh_products', freshProducts, [
  ['updated 3 days before the crawl', { 'catalog.updated_at': daysBefore(3) }, {}, 1, 3],
  ['updated 30 days before: still full', { 'catalog.updated_at': daysBefore(30) }, {}, 1],
  ['updated 50 days before: half', { 'catalog.updated_at': daysBefore(50) }, {}, 0.5],
  ['updated 200 days before: none', { 'catalog.updated_at': daysBefore(200) }, {}, 0, 200],
  ['falls back to the newest product', { 'catalog.newest_product_at': daysBefore(10) }, {}, 1],
  ['a date after the crawl counts as today', { 'catalog.updated_at': daysBefore(-2) }, {}, 1, 0],
  ['not a date: missing', { 'catalog.updated_at': 'yesterday' }, {}, null],
  ['unknown: missing', {}, {}, null],
]);

table('recent_launches', recentLaunches, [
  ['8 new products (5 earn full points)', { 'catalog.new_products_30d': 8 }, {}, 1, 8],
  ['2 new products', { 'catalog.new_products_30d': 2 }, {}, 0.4],
  ['none', { 'catalog.new_products_30d': 0 }, {}, 0],
  ['count unknown, newest product 10 days old: at least one', { 'catalog.newest_product_at': daysBefore(10) }, {}, 0.2, 1],
  ['count unknown, newest product 60 days old: none', { 'catalog.newest_product_at': daysBefore(60) }, {}, 0, 0],
  ['unreadable count: missing', { 'catalog.new_products_30d': 'many' }, {}, null],
  ['unknown: missing', {}, {}, null],
]);

table('paid_ads', paidAds, [
  ['an ad pixel', { pixel: ['meta'] }, {}, 1],
  ['analytics only', { pixel: ['google_analytics', 'hotjar'] }, {}, 0],
  ['enriched, no pixels: a miss', {}, {}, 0],
  ['not enriched: missing', {}, { enriched: false }, null],
]);

table('hiring', hiring, [
  ['hiring', { 'store.hiring': true }, {}, 1, true],
  ['not hiring', { 'store.hiring': false }, {}, 0, false],
  ['enriched, nothing recorded: not hiring', {}, {}, 0, false],
  ['not enriched: missing', {}, { enriched: false }, null],
  ['unreadable: missing', { 'store.hiring': 'maybe' }, {}, null],
]);

table('new_store', newStore, [
  ['a password page: about to open', { 'store.status': 'password' }, {}, 1, 'password'],
  ['oldest product 100 days old', { 'catalog.oldest_product_at': daysBefore(100) }, {}, 1, 100],
  ['500 days: half', { 'catalog.oldest_product_at': daysBefore(500) }, {}, 0.5],
  ['2000 days: an old store', { 'catalog.oldest_product_at': daysBefore(2000) }, {}, 0],
  ['open store of unknown age: missing', { 'store.status': 'open' }, {}, null],
  ['unknown: missing', {}, {}, null],
]);

table('seasonal_collections', seasonalCollections, [
  ['a holiday collection', { 'catalog.collection': ['All', 'Holiday Gift Guide'] }, {}, 1, ['Holiday Gift Guide']],
  ["mother's day written three ways", { 'catalog.collection': ['Mothers Day', 'mothers-day', 'Mother’s Day'] }, {}, 1],
  ['black friday', { 'catalog.collection': ['BLACK FRIDAY deals'] }, {}, 1],
  ['whole words only: Springfield is not spring', { 'catalog.collection': ['Springfield'] }, {}, 0],
  ['no seasonal collection', { 'catalog.collection': ['All', 'Bestsellers'] }, {}, 0],
  ['enriched, no collections: a miss', {}, {}, 0],
  ['not enriched: missing', {}, { enriched: false }, null],
]);

describe('factors the profile does not use are off (null), not zero', () => {
  const empty = compileProfile(parseProfile({ intent: { ad_pixels: [], seasonal_words: [] } }));
  it.each([
    ['keywords', keywords],
    ['product_types', productTypes],
    ['country', country],
    ['currency', currency],
    ['catalog_size', catalogSize],
    ['price', price],
    ['fit_apps', fitApps],
    ['misfit_apps', misfitApps],
    ['paid_ads', paidAds],
    ['seasonal_collections', seasonalCollections],
  ] as [string, FactorFn][])('%s', (_name, fn) => {
    expect(fn(lead({ 'store.name': 'Rings', 'catalog.size': 5, app: ['klaviyo'], pixel: ['meta'] }), empty)).toBeNull();
  });
});

describe('exclusion', () => {
  const rows: [string, Facts, LeadOpts, RegExp | null][] = [
    ['the excluded domain', {}, { domain: 'competitor.com' }, /domain competitor\.com is excluded/],
    ['a subdomain of it', {}, { domain: 'shop.competitor.com' }, /is excluded \(competitor\.com\)/],
    ['a lookalike domain is not', {}, { domain: 'notcompetitor.com' }, null],
    ['an excluded country', { 'store.country': 'RU' }, {}, /country RU is excluded/],
    ['an excluded imported country', {}, { country: 'ru' }, /country RU is excluded/],
    ['an excluded app', { app: ['klaviyo', 'RivalApp'] }, {}, /app rivalapp is excluded/],
    ['an excluded keyword', { 'store.description': 'Wholesale jewelry for retailers' }, {}, /keyword "wholesale" is excluded/],
    ['a clean lead', { 'store.name': 'Aurora Rings', 'store.country': 'US', app: ['klaviyo'] }, {}, null],
  ];
  it.each(rows)('%s', (_label, facts, opts, expected) => {
    const ex = exclusion(lead(facts, opts), cp);
    if (expected === null) expect(ex).toBeNull();
    else {
      expect(ex!.reason).toMatch(expected);
      expect(ex!.evidence.length).toBe(1);
    }
  });
});
