// The ideal-customer profile (profile.yaml): what a good lead looks like, and how much each factor
// counts. Pure: the schema, its normalization and its version (a stable hash of the normalized profile,
// so comments, key order, case and duplicates in lists do not change it; any real change does).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normalizeCountry } from './normalize.js';

/** A strict object whose unknown-key error names the keys that are allowed. */
function strict<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `allowed: ${allowed.join(', ')}` : undefined),
  });
}

const weight = z
  .number({ error: 'expected a number from 0 to 100 (0 switches the factor off)' })
  .min(0, 'a weight cannot be negative (use 0 to switch the factor off)')
  .max(100, 'a weight is at most 100');

const word = z.string({ error: 'expected a word or phrase in quotes' }).trim().min(1, 'an empty entry is not allowed');
const words = z.array(word, { error: 'expected a list, e.g. [jewelry, rings]' });

const country = z.string({ error: 'expected an ISO country code such as US, GB, DE' }).transform((s, ctx) => {
  const r = normalizeCountry(s);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a country: use ISO 3166-1 codes such as US, GB, DE` });
    return z.NEVER;
  }
  return r.value;
});

const currency = z
  .string({ error: 'expected an ISO 4217 currency code such as USD, EUR, GBP' })
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code such as USD, EUR, GBP')
  .transform((s) => s.toUpperCase());

function range(what: string) {
  return strict({
    min: z.number({ error: `expected a number (${what})` }).min(0, 'must be 0 or more').optional(),
    max: z.number({ error: `expected a number (${what})` }).min(0, 'must be 0 or more').optional(),
  }).refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: 'min must not be above max',
  });
}

export const FIT_FACTORS = [
  'keywords',
  'product_types',
  'country',
  'currency',
  'catalog_size',
  'price',
  'fit_apps',
  'misfit_apps',
] as const;
export type FitFactorName = (typeof FIT_FACTORS)[number];

export const INTENT_FACTORS = [
  'fresh_products',
  'recent_launches',
  'paid_ads',
  'hiring',
  'new_store',
  'seasonal_collections',
] as const;
export type IntentFactorName = (typeof INTENT_FACTORS)[number];

export const DEFAULT_FIT_WEIGHTS: Record<FitFactorName, number> = {
  keywords: 25,
  product_types: 15,
  country: 15,
  currency: 5,
  catalog_size: 15,
  price: 10,
  fit_apps: 10,
  misfit_apps: 5,
};

export const DEFAULT_INTENT_WEIGHTS: Record<IntentFactorName, number> = {
  fresh_products: 20,
  recent_launches: 20,
  paid_ads: 25,
  hiring: 10,
  new_store: 10,
  seasonal_collections: 15,
};

/** Pixel ids (the `pixel` fact) that mean the store pays for ads; analytics-only pixels do not. */
export const DEFAULT_AD_PIXELS = ['meta', 'tiktok', 'google_ads', 'pinterest', 'snapchat', 'x', 'reddit', 'bing', 'linkedin', 'criteo'];

export const DEFAULT_SEASONAL_WORDS = [
  'christmas', 'xmas', 'holiday', 'black friday', 'cyber monday', 'bfcm', 'halloween', 'thanksgiving',
  "valentine's", 'valentines', 'valentine', "mother's day", 'mothers day', "father's day", 'fathers day',
  'easter', 'summer', 'winter', 'spring', 'autumn', 'back to school', 'gift guide', 'new year', 'lunar new year',
  'ramadan', 'eid', 'diwali', 'hanukkah', 'seasonal', 'limited edition',
];

function weightsShape<K extends string>(defaults: Record<K, number>) {
  const shape = {} as Record<K, z.ZodDefault<typeof weight>>;
  for (const k of Object.keys(defaults) as K[]) shape[k] = weight.default(defaults[k]);
  return strict(shape);
}

const fitWeights = weightsShape(DEFAULT_FIT_WEIGHTS);
const intentWeights = weightsShape(DEFAULT_INTENT_WEIGHTS);

export const ProfileSchema = strict({
  keywords: words.default([]),
  product_types: words.default([]),
  countries: z.array(country, { error: 'expected a list of ISO country codes, e.g. [US, CA, GB]' }).default([]),
  currencies: z.array(currency, { error: 'expected a list of ISO currency codes, e.g. [USD, EUR]' }).default([]),
  catalog_size: range('number of products').default({}),
  price: range('typical product price, store currency').default({}),
  apps: strict({ fit: words.default([]), misfit: words.default([]) }).prefault({}),
  exclude: strict({
    domains: words.default([]),
    keywords: words.default([]),
    countries: z.array(country, { error: 'expected a list of ISO country codes' }).default([]),
    apps: words.default([]),
  }).prefault({}),
  weights: fitWeights.prefault({}),
  intent: strict({
    recent_days: z.number({ error: 'expected a number of days' }).int('expected a whole number of days').positive('must be at least 1').default(30),
    new_store_days: z.number({ error: 'expected a number of days' }).int('expected a whole number of days').positive('must be at least 1').default(365),
    launches_for_full: z.number({ error: 'expected a number of products' }).int('expected a whole number').positive('must be at least 1').default(5),
    ad_pixels: words.default(DEFAULT_AD_PIXELS),
    seasonal_words: words.default(DEFAULT_SEASONAL_WORDS),
    weights: intentWeights.prefault({}),
  }).prefault({}),
})
  .refine((p) => FIT_FACTORS.some((f) => p.weights[f] > 0), {
    message: 'every fit weight is 0: give at least one factor a weight above 0',
    path: ['weights'],
  })
  .refine((p) => INTENT_FACTORS.some((f) => p.intent.weights[f] > 0), {
    message: 'every intent weight is 0: give at least one factor a weight above 0',
    path: ['intent', 'weights'],
  });

export type ProfileInput = z.input<typeof ProfileSchema>;
type Parsed = z.output<typeof ProfileSchema>;

/** A profile after validation and normalization: the only shape the scoring code sees. */
export interface Profile {
  keywords: string[];
  product_types: string[];
  countries: string[];
  currencies: string[];
  catalog_size: { min?: number; max?: number };
  price: { min?: number; max?: number };
  apps: { fit: string[]; misfit: string[] };
  exclude: { domains: string[]; keywords: string[]; countries: string[]; apps: string[] };
  weights: Record<FitFactorName, number>;
  intent: {
    recent_days: number;
    new_store_days: number;
    launches_for_full: number;
    ad_pixels: string[];
    seasonal_words: string[];
    weights: Record<IntentFactorName, number>;
  };
}

const uniqSorted = (xs: string[]) => [...new Set(xs)].sort();
const lower = (xs: string[]) => uniqSorted(xs.map((x) => x.trim().toLowerCase().replace(/\s+/g, ' ')));
const upper = (xs: string[]) => uniqSorted(xs.map((x) => x.trim().toUpperCase()));

function normRange(r: { min?: number; max?: number }): { min?: number; max?: number } {
  const out: { min?: number; max?: number } = {};
  if (r.min !== undefined) out.min = r.min;
  if (r.max !== undefined) out.max = r.max;
  return out;
}

/** Lower-cases words, upper-cases codes, removes duplicates, sorts lists: equal meaning, equal profile. */
export function normalizeProfile(p: Parsed): Profile {
  return {
    keywords: lower(p.keywords),
    product_types: lower(p.product_types),
    countries: upper(p.countries),
    currencies: upper(p.currencies),
    catalog_size: normRange(p.catalog_size),
    price: normRange(p.price),
    apps: { fit: lower(p.apps.fit), misfit: lower(p.apps.misfit) },
    exclude: {
      domains: lower(p.exclude.domains).map((d) => d.replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/[/.]+$/, '')),
      keywords: lower(p.exclude.keywords),
      countries: upper(p.exclude.countries),
      apps: lower(p.exclude.apps),
    },
    weights: { ...p.weights },
    intent: {
      recent_days: p.intent.recent_days,
      new_store_days: p.intent.new_store_days,
      launches_for_full: p.intent.launches_for_full,
      ad_pixels: lower(p.intent.ad_pixels),
      seasonal_words: lower(p.intent.seasonal_words),
      weights: { ...p.intent.weights },
    },
  };
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return (
      '{' +
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k]))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(v);
}

/** The profile version recorded with every score: `p-` + 12 hex digits of SHA-256 of the normalized profile. */
export function profileVersion(p: Profile): string {
  return 'p-' + createHash('sha256').update(canonicalJson(p)).digest('hex').slice(0, 12);
}

/** Validates and normalizes a profile object (already parsed from YAML). Throws a ZodError when invalid. */
export function parseProfile(input: unknown): Profile {
  return normalizeProfile(ProfileSchema.parse(input ?? {}));
}
