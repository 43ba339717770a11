// Fit and intent scores, factor by factor. Pure functions of a lead's facts and the profile: the same
// input always gives the same factors. Each factor reports what it observed, its weight, the points it
// earned and the fact rows (with source URLs) it used. A factor without data is "missing": it earns half
// its weight (neutral, neither a match nor a miss) and lowers the score's confidence.
import type { Profile, FitFactorName, IntentFactorName } from './profile.js';
import { FACT_KEYS, type FactKey } from './facts.js';

export type FactorKind = 'fit' | 'intent';
export type FactorStatus = 'match' | 'partial' | 'miss' | 'missing' | 'excluded';
export type Observed = string | number | boolean | string[] | null;

export interface Evidence {
  key: string;
  value: unknown;
  url: string | null;
}

export interface Factor {
  kind: FactorKind;
  name: string;
  observed: Observed;
  weight: number;
  points: number;
  status: FactorStatus;
  /** Why, in words: what was compared with what. */
  note: string;
  evidence: Evidence[];
}

/** One fact row, its value already decoded from JSON. */
export interface FactRow {
  key: string;
  value: unknown;
  url: string | null;
  observedAt: string;
}

/** What the scoring code knows about a lead. */
export interface LeadFacts {
  domain: string;
  /** leads.country (from an import), used when no store.country fact exists. */
  country: string | null;
  /** leads.company (from an import), searched for keywords with the facts. */
  company: string | null;
  /**
   * enrich finished for this lead: a presence signal (app, pixel, hiring, collections) it did not find
   * is "none found", not "unknown".
   */
  enriched: boolean;
  /** Single-valued keys: the latest row. */
  single: Map<string, FactRow>;
  /** Multi-valued keys: every row. */
  multi: Map<string, FactRow[]>;
  /** The texts searched for keywords, gathered once per lead (cache). */
  texts?: { text: string; ev: Evidence }[];
}

export interface ScoreResult {
  fit: number;
  intent: number;
  fitConfidence: number;
  intentConfidence: number;
  excluded: boolean;
  factors: Factor[];
}

/** The share of a factor's weight given when its data is missing. */
export const MISSING_SHARE = 0.5;
const MAX_EVIDENCE = 3;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// The profile compiled once per run: sets and regular expressions.

export interface CompiledProfile {
  profile: Profile;
  keywords: WordMatcher | null;
  productTypes: WordMatcher | null;
  excludeKeywords: WordMatcher | null;
  seasonal: WordMatcher | null;
  countries: Set<string>;
  currencies: Set<string>;
  fitApps: Set<string>;
  misfitApps: Set<string>;
  excludeApps: Set<string>;
  excludeCountries: Set<string>;
  adPixels: Set<string>;
}

/**
 * Finds whole words or phrases in text, case-insensitively, accepting a plural "s"/"es" on either side
 * ("ring" finds "rings", "rings" finds "ring"). Returns the profile word each hit stands for.
 */
export class WordMatcher {
  private readonly re: RegExp;
  private readonly byStem = new Map<string, string>();

  constructor(words: string[]) {
    const stems: string[] = [];
    for (const w of words) {
      const lw = w.toLowerCase();
      const stem = lw.length > 3 && lw.endsWith('s') && !lw.endsWith('ss') ? lw.slice(0, -1) : lw;
      if (!this.byStem.has(stem)) {
        this.byStem.set(stem, lw);
        stems.push(stem);
      }
    }
    stems.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    const alt = stems.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '[\\s_-]+').replace(/'/g, "['’]?")).join('|');
    this.re = new RegExp(`(?<![\\p{L}\\p{N}])(${alt})(?:e?s)?(?![\\p{L}\\p{N}])`, 'gu');
  }

  /** The distinct profile words found in text, in order of appearance. */
  find(text: string): string[] {
    const lower = text.toLowerCase();
    this.re.lastIndex = 0;
    const found: string[] = [];
    let m: RegExpExecArray | null;
    while ((m = this.re.exec(lower))) {
      const stem = m[1]!.replace(/[\s_-]+/g, ' ').replace(/['’]/g, "'");
      const w = this.byStem.get(stem) ?? this.lookupLoose(stem);
      if (w && !found.includes(w)) found.push(w);
    }
    return found;
  }

  /** A stem written with other separators or apostrophes than in the profile ("mothers-day"). */
  private lookupLoose(stem: string): string | undefined {
    const key = stem.replace(/'/g, '');
    for (const [s, w] of this.byStem) if (s.replace(/'/g, '') === key) return w;
    return undefined;
  }

  test(text: string): boolean {
    return this.find(text).length > 0;
  }
}

export function compileProfile(profile: Profile): CompiledProfile {
  const m = (ws: string[]) => (ws.length ? new WordMatcher(ws) : null);
  return {
    profile,
    keywords: m(profile.keywords),
    productTypes: m(profile.product_types),
    excludeKeywords: m(profile.exclude.keywords),
    seasonal: m(profile.intent.seasonal_words),
    countries: new Set(profile.countries),
    currencies: new Set(profile.currencies),
    fitApps: new Set(profile.apps.fit),
    misfitApps: new Set(profile.apps.misfit),
    excludeApps: new Set(profile.exclude.apps),
    excludeCountries: new Set(profile.exclude.countries),
    adPixels: new Set(profile.intent.ad_pixels),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading facts defensively: a value of the wrong type is "unreadable", never a crash.

const ev = (r: FactRow, value: unknown = r.value): Evidence => ({
  key: r.key,
  value: typeof value === 'string' && value.length > 120 ? value.slice(0, 117) + '...' : value,
  url: r.url,
});

function num(r: FactRow | undefined): number | null {
  if (!r) return null;
  const v = typeof r.value === 'string' && r.value.trim() !== '' ? Number(r.value) : r.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(r: FactRow | undefined): string | null {
  if (!r) return null;
  if (typeof r.value === 'string') return r.value.trim() || null;
  if (typeof r.value === 'number') return String(r.value);
  return null;
}

function bool(r: FactRow | undefined): boolean | null {
  if (!r) return null;
  if (typeof r.value === 'boolean') return r.value;
  if (r.value === 'true' || r.value === 1) return true;
  if (r.value === 'false' || r.value === 0) return false;
  return null;
}

function time(r: FactRow | undefined): number | null {
  const s = str(r);
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

/** Days between a date fact and when it was observed (the crawl): scores do not drift with the wall clock. */
function ageDays(r: FactRow): number | null {
  const t = time(r);
  const seen = Date.parse(r.observedAt);
  if (t === null || !Number.isFinite(seen)) return null;
  return Math.max(0, (seen - t) / DAY_MS);
}

function strings(rows: FactRow[] | undefined): { value: string; row: FactRow }[] {
  const out: { value: string; row: FactRow }[] = [];
  for (const r of rows ?? []) {
    const s = str(r);
    if (s) out.push({ value: s, row: r });
  }
  return out;
}

const codes = (rows: FactRow[] | undefined) =>
  strings(rows).map((x) => ({ value: x.value.toLowerCase(), row: x.row }));

// ---------------------------------------------------------------------------------------------
// Factors. Each returns its share of the weight (0..1), or share null when the data is missing, or null
// when the profile does not use it (nothing to compare with).

export interface Outcome {
  observed: Observed;
  share: number | null;
  note: string;
  evidence: Evidence[];
}

export type FactorFn = (lead: LeadFacts, cp: CompiledProfile) => Outcome | null;

const missing = (note: string, evidence: Evidence[] = [], observed: Observed = null): Outcome => ({
  observed,
  share: null,
  note,
  evidence,
});

/** The texts keywords are looked for in, with the fact they came from. */
const TEXT_KEYS = ['store.name', 'store.description', 'catalog.product_type', 'catalog.collection', 'catalog.sample_product', 'catalog.vendor'];

function texts(lead: LeadFacts): { text: string; ev: Evidence }[] {
  if (lead.texts) return lead.texts;
  const out: { text: string; ev: Evidence }[] = (lead.texts = []);
  for (const key of TEXT_KEYS) {
    const single = lead.single.get(key);
    if (single) {
      const s = str(single);
      if (s) out.push({ text: s, ev: ev(single) });
    }
    for (const x of strings(lead.multi.get(key))) out.push({ text: x.value, ev: ev(x.row) });
  }
  if (lead.company) out.push({ text: lead.company, ev: { key: 'lead.company', value: lead.company, url: null } });
  return out;
}

/** Share of a value inside [min, max]: 1 inside, falling off in proportion outside (half the minimum: 0.5). */
export function rangeShare(v: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && v < min) return min === 0 ? 1 : Math.max(0, v / min);
  if (max !== undefined && v > max) return v === 0 ? 1 : Math.max(0, max / v);
  return 1;
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min}-${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

export const keywords: FactorFn = (lead, cp) => {
  if (!cp.keywords) return null;
  const all = texts(lead);
  if (!all.length) return missing('no store name, description, product or collection text to search');
  const found: string[] = [];
  const evidence: Evidence[] = [];
  for (const t of all) {
    for (const w of cp.keywords.find(t.text)) {
      if (found.includes(w)) continue;
      found.push(w);
      if (evidence.length < MAX_EVIDENCE) evidence.push(t.ev);
    }
  }
  const full = Math.min(2, cp.profile.keywords.length);
  const share = Math.min(1, found.length / full);
  return {
    observed: found,
    share,
    note: found.length
      ? `found ${found.join(', ')} (${full} keyword${full > 1 ? 's' : ''} earn full points)`
      : `none of ${cp.profile.keywords.length} keywords in ${all.length} texts`,
    evidence,
  };
};

export const productTypes: FactorFn = (lead, cp) => {
  if (!cp.productTypes) return null;
  const types = strings(lead.multi.get('catalog.product_type'));
  if (!types.length) return missing('no product types recorded');
  const distinct = new Map<string, FactRow>();
  for (const t of types) if (!distinct.has(t.value.toLowerCase())) distinct.set(t.value.toLowerCase(), t.row);
  const matched: string[] = [];
  const evidence: Evidence[] = [];
  for (const [t, row] of distinct) {
    if (cp.productTypes.test(t)) {
      matched.push(str(row)!);
      if (evidence.length < MAX_EVIDENCE) evidence.push(ev(row));
    }
  }
  return {
    observed: [...distinct.values()].map((r) => str(r)!),
    share: matched.length / distinct.size,
    note: `${matched.length} of ${distinct.size} product types match${matched.length ? ': ' + matched.join(', ') : ''}`,
    evidence,
  };
};

function leadCountry(lead: LeadFacts): { code: string; ev: Evidence } | null {
  const r = lead.single.get('store.country');
  const s = str(r);
  if (r && s) return { code: s.toUpperCase(), ev: ev(r) };
  if (lead.country) return { code: lead.country.toUpperCase(), ev: { key: 'lead.country', value: lead.country, url: null } };
  return null;
}

export const country: FactorFn = (lead, cp) => {
  if (!cp.countries.size) return null;
  const c = leadCountry(lead);
  if (!c) return missing('country unknown');
  const ok = cp.countries.has(c.code);
  return { observed: c.code, share: ok ? 1 : 0, note: ok ? `${c.code} is a target country` : `${c.code} is not in ${cp.profile.countries.join(', ')}`, evidence: [c.ev] };
};

export const currency: FactorFn = (lead, cp) => {
  if (!cp.currencies.size) return null;
  const r = lead.single.get('store.currency');
  const s = str(r);
  if (!r) return missing('currency unknown');
  if (!s) return missing(`unreadable currency ${JSON.stringify(r.value)}`, [ev(r)]);
  const code = s.toUpperCase();
  const ok = cp.currencies.has(code);
  return { observed: code, share: ok ? 1 : 0, note: ok ? `${code} is a target currency` : `${code} is not in ${cp.profile.currencies.join(', ')}`, evidence: [ev(r)] };
};

export const catalogSize: FactorFn = (lead, cp) => {
  const { min, max } = cp.profile.catalog_size;
  if (min === undefined && max === undefined) return null;
  const r = lead.single.get('catalog.size');
  if (!r) return missing('number of products unknown');
  const n = num(r);
  if (n === null) return missing(`unreadable number of products ${JSON.stringify(r.value)}`, [ev(r)]);
  const share = rangeShare(n, min, max);
  return {
    observed: n,
    share,
    note: share === 1 ? `${n} products, within ${rangeText(min, max)}` : `${n} products, outside ${rangeText(min, max)}`,
    evidence: [ev(r)],
  };
};

export const price: FactorFn = (lead, cp) => {
  const { min, max } = cp.profile.price;
  if (min === undefined && max === undefined) return null;
  const med = lead.single.get('catalog.price_median');
  const lo = lead.single.get('catalog.price_min');
  const hi = lead.single.get('catalog.price_max');
  let p: number | null = num(med);
  let how = 'median price';
  let evidence = med ? [ev(med)] : [];
  if (p === null) {
    const a = num(lo);
    const b = num(hi);
    evidence = [lo, hi].filter((x): x is FactRow => Boolean(x)).map((x) => ev(x));
    if (a !== null && b !== null) {
      p = (a + b) / 2;
      how = 'middle of the price range';
    } else if (a !== null || b !== null) {
      p = (a ?? b)!;
      how = a !== null ? 'lowest price' : 'highest price';
    }
  }
  if (p === null) return missing(med || lo || hi ? 'unreadable prices' : 'prices unknown', evidence);
  const share = rangeShare(p, min, max);
  const shown = Math.round(p * 100) / 100;
  return {
    observed: shown,
    share,
    note: `${how} ${shown}, ${share === 1 ? 'within' : 'outside'} ${rangeText(min, max)}`,
    evidence,
  };
};

function appsOf(lead: LeadFacts) {
  return codes(lead.multi.get('app'));
}

export const fitApps: FactorFn = (lead, cp) => {
  if (!cp.fitApps.size) return null;
  const apps = appsOf(lead);
  if (!apps.length && !lead.enriched) return missing('apps not checked yet (lead not enriched)');
  const hits = apps.filter((a) => cp.fitApps.has(a.value));
  return {
    observed: apps.map((a) => a.value),
    share: hits.length ? 1 : 0,
    note: hits.length ? `uses ${hits.map((h) => h.value).join(', ')}` : apps.length ? `none of ${cp.profile.apps.fit.join(', ')}` : 'no apps detected',
    evidence: hits.slice(0, MAX_EVIDENCE).map((h) => ev(h.row)),
  };
};

export const misfitApps: FactorFn = (lead, cp) => {
  if (!cp.misfitApps.size) return null;
  const apps = appsOf(lead);
  if (!apps.length && !lead.enriched) return missing('apps not checked yet (lead not enriched)');
  const hits = apps.filter((a) => cp.misfitApps.has(a.value));
  return {
    observed: apps.map((a) => a.value),
    share: hits.length ? 0 : 1,
    note: hits.length ? `uses ${hits.map((h) => h.value).join(', ')} (misfit)` : 'no misfit app',
    evidence: hits.slice(0, MAX_EVIDENCE).map((h) => ev(h.row)),
  };
};

export const freshProducts: FactorFn = (lead, cp) => {
  const r = lead.single.get('catalog.updated_at') ?? lead.single.get('catalog.newest_product_at');
  if (!r) return missing('catalogue dates unknown');
  const age = ageDays(r);
  if (age === null) return missing(`unreadable date ${JSON.stringify(r.value)}`, [ev(r)]);
  const d = cp.profile.intent.recent_days;
  const days = Math.floor(age);
  const share = age <= d ? 1 : age <= 3 * d ? 0.5 : 0;
  const what = r.key === 'catalog.updated_at' ? 'catalogue updated' : 'newest product added';
  return {
    observed: days,
    share,
    note: `${what} ${days} day${days === 1 ? '' : 's'} before the crawl (full within ${d}, half within ${3 * d})`,
    evidence: [ev(r)],
  };
};

export const recentLaunches: FactorFn = (lead, cp) => {
  const full = cp.profile.intent.launches_for_full;
  const r = lead.single.get('catalog.new_products_30d');
  if (r) {
    const n = num(r);
    if (n === null) return missing(`unreadable count ${JSON.stringify(r.value)}`, [ev(r)]);
    return {
      observed: n,
      share: Math.min(1, Math.max(0, n) / full),
      note: `${n} new product${n === 1 ? '' : 's'} in the 30 days before the crawl (${full} earn full points)`,
      evidence: [ev(r)],
    };
  }
  const newest = lead.single.get('catalog.newest_product_at');
  if (!newest) return missing('new products unknown');
  const age = ageDays(newest);
  if (age === null) return missing(`unreadable date ${JSON.stringify(newest.value)}`, [ev(newest)]);
  const recent = age <= 30;
  return {
    observed: recent ? 1 : 0,
    share: recent ? Math.min(1, 1 / full) : 0,
    note: recent ? 'at least 1 new product in the 30 days before the crawl (count unknown)' : 'no new product in the 30 days before the crawl',
    evidence: [ev(newest)],
  };
};

export const paidAds: FactorFn = (lead, cp) => {
  if (!cp.adPixels.size) return null;
  const pixels = codes(lead.multi.get('pixel'));
  if (!pixels.length && !lead.enriched) return missing('pixels not checked yet (lead not enriched)');
  const ads = pixels.filter((p) => cp.adPixels.has(p.value));
  return {
    observed: pixels.map((p) => p.value),
    share: ads.length ? 1 : 0,
    note: ads.length ? `ad pixels: ${ads.map((a) => a.value).join(', ')}` : pixels.length ? 'analytics pixels only' : 'no pixels detected',
    evidence: ads.slice(0, MAX_EVIDENCE).map((a) => ev(a.row)),
  };
};

export const hiring: FactorFn = (lead) => {
  const r = lead.single.get('store.hiring');
  const b = bool(r);
  if (r && b === null) return missing(`unreadable value ${JSON.stringify(r.value)}`, [ev(r)]);
  if (b === null) {
    if (!lead.enriched) return missing('hiring not checked yet (lead not enriched)');
    return { observed: false, share: 0, note: 'no careers page or hiring notice found', evidence: [] };
  }
  return { observed: b, share: b ? 1 : 0, note: b ? 'careers page or hiring notice found' : 'not hiring', evidence: r ? [ev(r)] : [] };
};

export const newStore: FactorFn = (lead, cp) => {
  const status = lead.single.get('store.status');
  if (str(status)?.toLowerCase() === 'password') {
    return { observed: 'password', share: 1, note: 'password page: the store is about to open', evidence: [ev(status!)] };
  }
  const r = lead.single.get('catalog.oldest_product_at');
  if (!r) return missing('store age unknown');
  const age = ageDays(r);
  if (age === null) return missing(`unreadable date ${JSON.stringify(r.value)}`, [ev(r)]);
  const d = cp.profile.intent.new_store_days;
  const days = Math.floor(age);
  const share = age <= d ? 1 : age <= 2 * d ? 0.5 : 0;
  return {
    observed: days,
    share,
    note: `oldest product ${days} day${days === 1 ? '' : 's'} old at the crawl (new within ${d}, half within ${2 * d})`,
    evidence: [ev(r)],
  };
};

export const seasonalCollections: FactorFn = (lead, cp) => {
  if (!cp.seasonal) return null;
  const cols = strings(lead.multi.get('catalog.collection'));
  if (!cols.length && !lead.enriched) return missing('collections not checked yet (lead not enriched)');
  const hits: { value: string; row: FactRow }[] = [];
  for (const c of cols) if (cp.seasonal.test(c.value)) hits.push(c);
  return {
    observed: hits.map((h) => h.value),
    share: hits.length ? 1 : 0,
    note: hits.length ? `seasonal: ${hits.map((h) => h.value).slice(0, 3).join(', ')}` : cols.length ? `none of ${cols.length} collections is seasonal` : 'no collections found',
    evidence: hits.slice(0, MAX_EVIDENCE).map((h) => ev(h.row)),
  };
};

export const FIT_FACTOR_FNS: Record<FitFactorName, FactorFn> = {
  keywords,
  product_types: productTypes,
  country,
  currency,
  catalog_size: catalogSize,
  price,
  fit_apps: fitApps,
  misfit_apps: misfitApps,
};

export const INTENT_FACTOR_FNS: Record<IntentFactorName, FactorFn> = {
  fresh_products: freshProducts,
  recent_launches: recentLaunches,
  paid_ads: paidAds,
  hiring,
  new_store: newStore,
  seasonal_collections: seasonalCollections,
};

// ---------------------------------------------------------------------------------------------
// Exclusions: a lead the profile rules out scores fit 0, whatever else it matches.

export function exclusion(lead: LeadFacts, cp: CompiledProfile): { reason: string; evidence: Evidence[] } | null {
  const ex = cp.profile.exclude;
  const host = lead.domain.toLowerCase().replace(/:\d+$/, '');
  for (const d of ex.domains) {
    if (host === d || host.endsWith('.' + d)) {
      return { reason: `domain ${lead.domain} is excluded (${d})`, evidence: [{ key: 'lead.domain', value: lead.domain, url: null }] };
    }
  }
  if (cp.excludeCountries.size) {
    const c = leadCountry(lead);
    if (c && cp.excludeCountries.has(c.code)) return { reason: `country ${c.code} is excluded`, evidence: [c.ev] };
  }
  if (cp.excludeApps.size) {
    const hit = appsOf(lead).find((a) => cp.excludeApps.has(a.value));
    if (hit) return { reason: `app ${hit.value} is excluded`, evidence: [ev(hit.row)] };
  }
  if (cp.excludeKeywords) {
    for (const t of texts(lead)) {
      const w = cp.excludeKeywords.find(t.text);
      if (w.length) return { reason: `keyword "${w[0]}" is excluded`, evidence: [t.ev] };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

const round2 = (x: number) => Math.round(x * 100) / 100;

function toFactor(kind: FactorKind, name: string, weight: number, o: Outcome): Factor {
  const status: FactorStatus = o.share === null ? 'missing' : o.share >= 1 ? 'match' : o.share <= 0 ? 'miss' : 'partial';
  const share = o.share === null ? MISSING_SHARE : o.share;
  return {
    kind,
    name,
    observed: o.observed,
    weight,
    points: round2(weight * share),
    status,
    note: o.share === null ? `${o.note}: counted as neutral (half the weight)` : o.note,
    evidence: o.evidence,
  };
}

/** Score (0-100) and confidence (0-1) of a list of factors: points over weights; confidence = known weight / all weight. */
export function aggregate(factors: Factor[]): { score: number; confidence: number } {
  let total = 0;
  let known = 0;
  let points = 0;
  for (const f of factors) {
    total += f.weight;
    points += f.points;
    if (f.status !== 'missing') known += f.weight;
  }
  if (total <= 0) return { score: 0, confidence: 0 };
  return { score: Math.max(0, Math.min(100, Math.round((100 * points) / total))), confidence: round2(known / total) };
}

function run<K extends string>(kind: FactorKind, fns: Record<K, FactorFn>, weights: Record<K, number>, lead: LeadFacts, cp: CompiledProfile): Factor[] {
  const out: Factor[] = [];
  for (const name of Object.keys(fns) as K[]) {
    const w = weights[name];
    if (!(w > 0)) continue;
    const o = fns[name](lead, cp);
    if (o) out.push(toFactor(kind, name, w, o));
  }
  return out;
}

/** Scores one lead. Never throws on odd data: unreadable values are reported as missing. */
export function scoreLead(lead: LeadFacts, cp: CompiledProfile): ScoreResult {
  const fitFactors = run('fit', FIT_FACTOR_FNS, cp.profile.weights, lead, cp);
  const intentFactors = run('intent', INTENT_FACTOR_FNS, cp.profile.intent.weights, lead, cp);
  const intentAgg = aggregate(intentFactors);
  const ex = exclusion(lead, cp);
  if (ex) {
    const factors: Factor[] = [
      { kind: 'fit', name: 'exclusion', observed: ex.reason, weight: 0, points: 0, status: 'excluded', note: `${ex.reason}: fit is 0`, evidence: ex.evidence },
      ...fitFactors,
      ...intentFactors,
    ];
    return { fit: 0, intent: intentAgg.score, fitConfidence: 1, intentConfidence: intentAgg.confidence, excluded: true, factors };
  }
  const fitAgg = aggregate(fitFactors);
  return {
    fit: fitAgg.score,
    intent: intentAgg.score,
    fitConfidence: fitAgg.confidence,
    intentConfidence: intentAgg.confidence,
    excluded: false,
    factors: [...fitFactors, ...intentFactors],
  };
}

/** A factor as stored in scores.factors: no prose (`--explain` recomputes it), evidence as fact key + source URL. */
export interface StoredFactor {
  kind: FactorKind;
  name: string;
  observed: Observed;
  weight: number;
  points: number;
  status: FactorStatus;
  evidence: { key: string; url: string | null }[];
}

const STORED_OBSERVED_MAX = 10;

/**
 * The compact JSON written to scores.factors (deterministic: same factors, same text). Written by hand:
 * this runs once per lead on every score run, and skipping the intermediate objects halves its cost.
 * Equivalent to JSON.stringify of StoredFactor[] (a unit test checks it).
 */
export function storedFactorsJson(factors: Factor[]): string {
  let out = '[';
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i]!;
    let observed = f.observed;
    if (Array.isArray(observed) && observed.length > STORED_OBSERVED_MAX) observed = observed.slice(0, STORED_OBSERVED_MAX);
    let evidence = '';
    const seen: Evidence[] = [];
    for (const e of f.evidence) {
      if (seen.some((x) => x.key === e.key && x.url === e.url)) continue;
      seen.push(e);
      evidence += (evidence ? ',' : '') + '{"key":' + JSON.stringify(e.key) + ',"url":' + (e.url === null ? 'null' : JSON.stringify(e.url)) + '}';
    }
    out +=
      (i ? ',' : '') +
      '{"kind":"' + f.kind +
      '","name":' + JSON.stringify(f.name) +
      ',"observed":' + (observed === undefined ? 'null' : JSON.stringify(observed)) +
      ',"weight":' + JSON.stringify(f.weight) +
      ',"points":' + JSON.stringify(f.points) +
      ',"status":"' + f.status +
      '","evidence":[' + evidence + ']}';
  }
  return out + ']';
}

// ---------------------------------------------------------------------------------------------
// Building LeadFacts from rows (used by the stage and by tests).

const MULTI = new Set(Object.entries(FACT_KEYS as Record<string, FactKey>).filter(([, k]) => k.multi).map(([name]) => name));

export function isMultiKey(key: string): boolean {
  return MULTI.has(key);
}

/** Decodes a JSON-encoded fact value; undefined when it is not valid JSON. Fast path for plain strings and numbers. */
export function decodeFactValue(raw: string): unknown {
  const c = raw.charCodeAt(0);
  if (c === 34 /* " */ && raw.indexOf('\\') === -1 && raw.length >= 2 && raw.charCodeAt(raw.length - 1) === 34) return raw.slice(1, -1);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if ((c >= 48 && c <= 57) || c === 45) {
    const n = Number(raw);
    if (Number.isFinite(n)) return n;
  }
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Adds a fact row to a lead. Single-valued keys keep the latest observation (ties: the larger value, so
 * the result never depends on row order). Rows whose value is not JSON are kept as the raw text, which
 * the factors then report as unreadable rather than crash on.
 */
export function addFact(lead: LeadFacts, key: string, rawValue: string, url: string | null, observedAt: string): void {
  const decoded = decodeFactValue(rawValue);
  const row: FactRow = { key, value: decoded === undefined ? { unreadable: rawValue } : decoded, url, observedAt };
  if (MULTI.has(key)) {
    const list = lead.multi.get(key);
    if (list) list.push(row);
    else lead.multi.set(key, [row]);
    return;
  }
  const prev = lead.single.get(key);
  if (!prev || prev.observedAt < observedAt || (prev.observedAt === observedAt && String(prev.value) < String(row.value))) {
    lead.single.set(key, row);
  }
}

export function newLeadFacts(domain: string, opts: { country?: string | null; company?: string | null; enriched?: boolean } = {}): LeadFacts {
  return {
    domain,
    country: opts.country ?? null,
    company: opts.company ?? null,
    enriched: opts.enriched ?? false,
    single: new Map(),
    multi: new Map(),
  };
}
