import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseProfile, profileVersion, DEFAULT_FIT_WEIGHTS, DEFAULT_INTENT_WEIGHTS } from '../../src/domain/profile.js';
import { loadProfileText, loadProfileFile, resolveProfile, DEFAULT_PROFILE_TEMPLATE } from '../../src/stages/score/profile-file.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../helpers/cli.js';

const TEMPLATE = resolve(import.meta.dirname, '../../templates/profile.yaml');

function problem(text: string): string {
  try {
    loadProfileText(text, 'p.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected the profile to be rejected');
}

describe('profile schema', () => {
  it('the template `outreach init` copies is valid and uses every factor', () => {
    const p = loadProfileFile(TEMPLATE);
    expect(DEFAULT_PROFILE_TEMPLATE).toBe(TEMPLATE);
    expect(p.profile.keywords).toEqual(['jewellery', 'jewelry', 'necklaces', 'rings']);
    expect(p.profile.countries).toEqual(['AU', 'CA', 'GB', 'US']);
    expect(p.profile.weights).toEqual(DEFAULT_FIT_WEIGHTS);
    expect(p.profile.intent.weights).toEqual(DEFAULT_INTENT_WEIGHTS);
    expect(p.version).toMatch(/^p-[0-9a-f]{12}$/);
  });

  it('an empty file is a valid profile with default weights (factors without lists switch off)', () => {
    const p = loadProfileText('', 'empty.yaml');
    expect(p.profile.keywords).toEqual([]);
    expect(p.profile.weights.keywords).toBe(25);
    expect(p.profile.intent.recent_days).toBe(30);
  });

  it('normalizes lists: case, spaces, duplicates, order, country names', () => {
    const p = parseProfile({
      keywords: ['Rings', ' jewelry ', 'rings'],
      countries: ['us', 'United Kingdom', 'US'],
      currencies: ['usd', 'GBP'],
      exclude: { domains: ['https://www.Competitor.com/'] },
    });
    expect(p.keywords).toEqual(['jewelry', 'rings']);
    expect(p.countries).toEqual(['GB', 'US']);
    expect(p.currencies).toEqual(['GBP', 'USD']);
    expect(p.exclude.domains).toEqual(['competitor.com']);
  });

  it('the version ignores comments, key order, case and duplicates, and changes with any real change', () => {
    const a = loadProfileText('keywords: [rings, jewelry]\ncountries: [US]\nweights: { country: 20 }\n', 'a.yaml');
    const b = loadProfileText('# mine\nweights:\n  country: 20   # more\ncountries: [us, US]\nkeywords: [Jewelry, rings]\n', 'b.yaml');
    expect(b.version).toBe(a.version);
    const c = loadProfileText('keywords: [rings, jewelry]\ncountries: [US]\nweights: { country: 21 }\n', 'c.yaml');
    expect(c.version).not.toBe(a.version);
    const d = loadProfileText('keywords: [rings, jewelry]\ncountries: [US]\nweights: { country: 20 }\nintent: { recent_days: 14 }\n', 'd.yaml');
    expect(d.version).not.toBe(a.version);
    expect(profileVersion(a.profile)).toBe(a.version);
  });

  // Each wrong profile is reported as FILE:LINE with what is wrong and what is allowed.
  const cases: [string, string, RegExp][] = [
    ['misspelt top-level key', 'keywords: [a]\nwieghts:\n  keywords: 10\n', /^p\.yaml:2: unknown key "wieghts" in \(top level\): allowed: keywords, product_types, countries/m],
    ['misspelt weight', 'weights:\n  keywords: 10\n  contry: 5\n', /^p\.yaml:3: unknown key "contry" in weights: allowed: keywords, product_types, country, currency, catalog_size, price, fit_apps, misfit_apps$/m],
    ['misspelt intent weight', 'intent:\n  weights:\n    ads: 5\n', /^p\.yaml:3: unknown key "ads" in intent\.weights: allowed: fresh_products, recent_launches, paid_ads, hiring, new_store, seasonal_collections$/m],
    ['weight not a number', 'weights:\n  country: high\n', /^p\.yaml:2: weights\.country: expected a number from 0 to 100/m],
    ['negative weight', 'weights: { price: -3 }\n', /^p\.yaml:1: weights\.price: a weight cannot be negative/m],
    ['weight above 100', 'weights:\n  price: 300\n', /^p\.yaml:2: weights\.price: a weight is at most 100/m],
    ['unknown country', 'countries:\n  - US\n  - Narnia\n', /^p\.yaml:3: countries\.1: "Narnia" is not a country: use ISO 3166-1 codes/m],
    ['bad currency', 'currencies: [dollars]\n', /^p\.yaml:1: currencies\.0: expected an ISO 4217 currency code/m],
    ['a word instead of a list', 'keywords: jewelry\n', /^p\.yaml:1: keywords: expected a list/m],
    ['empty keyword', 'keywords: ["", rings]\n', /keywords\.0: an empty entry is not allowed/],
    ['inverted range', '\ncatalog_size: { min: 500, max: 10 }\n', /^p\.yaml:2: catalog_size: min must not be above max/m],
    ['range typo', 'price: { minimum: 5 }\n', /^p\.yaml:1: unknown key "minimum" in price: allowed: min, max/m],
    ['every fit weight 0', 'weights: { keywords: 0, product_types: 0, country: 0, currency: 0, catalog_size: 0, price: 0, fit_apps: 0, misfit_apps: 0 }\n', /weights: every fit weight is 0/],
    ['fractional days', 'intent:\n  recent_days: 2.5\n', /^p\.yaml:2: intent\.recent_days: expected a whole number of days/m],
    ['apps typo', 'apps:\n  fits: [klaviyo]\n', /^p\.yaml:2: unknown key "fits" in apps: allowed: fit, misfit/m],
    ['not YAML', 'keywords: [a\n', /p\.yaml is not valid YAML/],
  ];
  it.each(cases)('reports %s with file, line and what is allowed', (_name, text, expected) => {
    expect(problem(text)).toMatch(expected);
  });

  it('reports every problem at once', () => {
    const msg = problem('wieghts: {}\ncountries: [Narnia]\n');
    expect(msg).toMatch(/has 2 problems/);
  });
});

describe('finding the profile file', () => {
  it('uses --profile, else the usual file, else the shipped default', () => {
    const t = tempDir();
    try {
      const usual = join(t.dir, 'profile.yaml');
      const d = resolveProfile(undefined, usual);
      expect(d.isDefault).toBe(true);
      expect(d.file).toBe(TEMPLATE);
      writeFileSync(usual, readFileSync(TEMPLATE, 'utf8').replace('countries: [US, CA, GB, AU]', 'countries: [DE]'));
      const u = resolveProfile(undefined, usual);
      expect(u).toMatchObject({ isDefault: false, file: usual });
      expect(u.profile.countries).toEqual(['DE']);
      expect(u.version).not.toBe(d.version);
      const other = join(t.dir, 'other.yaml');
      writeFileSync(other, 'keywords: [tea]\n');
      expect(resolveProfile(other, usual).profile.keywords).toEqual(['tea']);
      expect(() => resolveProfile(join(t.dir, 'missing.yaml'), usual)).toThrow(/No profile file at .*missing\.yaml/);
    } finally {
      t.cleanup();
    }
  });
});
