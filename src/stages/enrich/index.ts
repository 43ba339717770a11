// The enrich stage: visits each confirmed Shopify lead and records facts (with source URL and time) from its
// public JSON (/meta.json, /products.json pages, /collections.json) and its pages (home, contact, about,
// policies), plus validated contacts. Each store is committed in one transaction; a store that fails is
// recorded with its error and the run goes on; an interrupted run continues where it stopped.
import pLimit from 'p-limit';
import type { Db } from '../../db/open.js';
import { findSuppression } from '../../db/suppressions.js';
import { HttpError, type FetchResult, type Http } from '../../adapters/http.js';
import type { Dns } from '../../adapters/dns.js';
import { FACT_KEYS, type FactKeyName } from '../../domain/facts.js';
import { FREEMAIL } from '../../domain/normalize.js';
import { judge } from '../../domain/shopify-signals.js';
import { detectApps } from '../../domain/apps.js';
import { extractPage, parseHtml, SOCIAL_KEYS, type PageExtract } from '../../domain/extract.js';
import { parseMeta, parseProducts, parseCollections, summarizeCatalog, type Product, type StoreMeta } from '../../domain/extract-catalog.js';
import { checkEmailOffline, applyMx, type EmailCheck } from '../../domain/email-validation.js';
import { selectLeads, validatorsFor, factsFrom, writeStore, recordFailure, type LeadToEnrich, type StoredFact, type ContactInput, type HttpCacheInput } from './store.js';

export interface EnrichOptions {
  limit?: number;
  refresh?: boolean;
  retryErrors?: boolean;
  domains?: string[];
  /** Stores visited at once. */
  concurrency?: number;
  /** /products.json pages of 250 to read per store. */
  maxProductPages?: number;
  /** Contact/about/policy pages to read per store besides the home page. */
  maxExtraPages?: number;
  /** Only say which stores would be visited: fetch nothing, write nothing. */
  dryRun?: boolean;
  /** Look up MX records of the emails found (needs the dns adapter). */
  checkMx?: boolean;
  runId?: number | null;
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (p: { done: number; total: number; errors: number; current?: string }) => void;
  onResult?: (r: EnrichStoreResult) => void;
}

export interface EnrichStoreResult {
  leadId: number;
  domain: string;
  /** pending: a dry run's "would visit". */
  status: 'done' | 'error' | 'pending';
  newFacts: number;
  facts: number;
  newContacts: number;
  emails: { email: string; validation: string; isRole: boolean }[];
  apps: string[];
  notes: string[];
  error: string | null;
}

export interface EnrichResult {
  results: EnrichStoreResult[];
  counts: { selected: number; done: number; errors: number; newFacts: number; newContacts: number };
  interrupted: boolean;
}

interface Page {
  url: string;
  res: FetchResult | null;
  /** Validators sent (refresh): a 304 means "what we stored from this URL still holds". */
  notModified: boolean;
}

const PRODUCTS_PAGE = 250;

function priorityOf(url: string): number {
  if (url.includes('/meta.json')) return 0;
  if (url.includes('/products.json') || url.includes('/collections.json')) return 1;
  const path = new URL(url).pathname;
  return path === '/' || path === '' ? 2 : 3;
}

class FactSet {
  private readonly single = new Map<string, StoredFact & { prio: number }>();
  private readonly multi = new Map<string, StoredFact>();
  private readonly perKey = new Map<string, number>();

  add(key: FactKeyName, value: unknown, sourceUrl: string, maxPerKey = 25): void {
    if (value === null || value === undefined || value === '' || (typeof value === 'number' && !Number.isFinite(value))) return;
    const encoded = JSON.stringify(value);
    const prio = priorityOf(sourceUrl);
    if (FACT_KEYS[key].multi) {
      const id = key + '\u0000' + encoded;
      if (this.multi.has(id)) return;
      const n = this.perKey.get(key) ?? 0;
      if (n >= maxPerKey) return;
      this.perKey.set(key, n + 1);
      this.multi.set(id, { key, value: encoded, sourceUrl });
    } else {
      const cur = this.single.get(key);
      if (!cur || prio < cur.prio) this.single.set(key, { key, value: encoded, sourceUrl, prio });
    }
  }

  /** Facts stored earlier from a URL that answered 304 (unchanged) still hold. */
  addStored(f: StoredFact): void {
    if (!(f.key in FACT_KEYS)) return;
    const key = f.key as FactKeyName;
    let value: unknown;
    try {
      value = JSON.parse(f.value);
    } catch {
      return;
    }
    this.add(key, value, f.sourceUrl ?? '');
  }

  list(): StoredFact[] {
    return [...[...this.single.values()].map(({ key, value, sourceUrl }) => ({ key, value, sourceUrl })), ...this.multi.values()];
  }

  get(key: FactKeyName): unknown {
    const f = this.single.get(key);
    return f ? JSON.parse(f.value) : undefined;
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function enrich(db: Db, adapters: { http: Http; dns?: Dns }, opts: EnrichOptions = {}): Promise<EnrichResult> {
  const leads = selectLeads(db, opts);
  const now = opts.now ?? (() => new Date());
  const counts = { selected: leads.length, done: 0, errors: 0, newFacts: 0, newContacts: 0 };
  const results: EnrichStoreResult[] = [];
  if (opts.dryRun) {
    for (const l of leads) {
      results.push({ leadId: l.id, domain: l.domain, status: 'pending', newFacts: 0, facts: 0, newContacts: 0, emails: [], apps: [], notes: [], error: null });
    }
    return { results, counts, interrupted: false };
  }
  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  let finished = 0;
  let interrupted = false;
  await Promise.all(
    leads.map((lead) =>
      limit(async () => {
        if (opts.signal?.aborted) {
          interrupted = true;
          return;
        }
        opts.onProgress?.({ done: finished, total: leads.length, errors: counts.errors, current: lead.domain });
        let r: EnrichStoreResult;
        try {
          r = await enrichOne(db, adapters, lead, opts, now);
          counts.done++;
          counts.newFacts += r.newFacts;
          counts.newContacts += r.newContacts;
        } catch (err) {
          const message = errMessage(err);
          recordFailure(db, lead.id, message, opts.runId ?? null);
          counts.errors++;
          r = { leadId: lead.id, domain: lead.domain, status: 'error', newFacts: 0, facts: 0, newContacts: 0, emails: [], apps: [], notes: [], error: message };
        }
        finished++;
        results.push(r);
        opts.onResult?.(r);
        opts.onProgress?.({ done: finished, total: leads.length, errors: counts.errors, current: lead.domain });
      }),
    ),
  );
  const order = new Map(leads.map((l, i) => [l.id, i]));
  results.sort((a, b) => order.get(a.leadId)! - order.get(b.leadId)!);
  return { results, counts, interrupted: interrupted || Boolean(opts.signal?.aborted) };
}

/** Visits one store and commits what it found. Throws when the store cannot be read at all. */
export async function enrichOne(
  db: Db,
  adapters: { http: Http; dns?: Dns },
  lead: LeadToEnrich,
  opts: EnrichOptions,
  now: () => Date,
): Promise<EnrichStoreResult> {
  const { http } = adapters;
  const notes: string[] = [];
  const pages: Page[] = [];
  const get = async (url: string, accept: 'html' | 'json', quiet404 = true): Promise<Page> => {
    const v = opts.refresh ? validatorsFor(db, url) : null;
    try {
      const res = await http.fetch(url, { accept, etag: v?.etag, lastModified: v?.lastModified });
      const page = { url, res, notModified: res.notModified };
      pages.push(page);
      if (!res.ok && !res.notModified && !(quiet404 && res.status === 404)) notes.push(`${new URL(url).pathname}: HTTP ${res.status}`);
      return page;
    } catch (err) {
      if (err instanceof HttpError && err.code === 'blocked') throw err; // never carry on past the SSRF guard
      notes.push(`${new URL(url).pathname}${new URL(url).search}: ${errMessage(err)}`);
      return { url, res: null, notModified: false };
    }
  };

  const base = (lead.url ?? `https://${lead.domain}`).replace(/\/+$/, '');
  // The home page decides whether the store can be read at all.
  const homeValidators = opts.refresh ? validatorsFor(db, base + '/') : null;
  let home: FetchResult;
  try {
    home = await http.fetch(base + '/', { accept: 'html', etag: homeValidators?.etag, lastModified: homeValidators?.lastModified });
  } catch (err) {
    throw new Error(`home page: ${errMessage(err)}`);
  }
  if (!home.ok && !home.notModified) throw new Error(`home page ${home.finalUrl} answered HTTP ${home.status}`);
  pages.push({ url: base + '/', res: home, notModified: home.notModified });
  const origin = new URL(home.finalUrl).origin;

  const facts = new FactSet();
  const observedAt = now().toISOString();

  // Public JSON: meta, products (paginated), collections. 404 and 429 are notes, not failures.
  const metaPage = await get(origin + '/meta.json', 'json');
  let meta: StoreMeta | null = null;
  if (metaPage.res?.ok) meta = parseMeta(safeJson(metaPage.res.body));
  const products: Product[] = [];
  const maxPages = Math.max(0, opts.maxProductPages ?? 4);
  let productPagesRead = 0;
  let catalogComplete = false;
  for (let p = 1; p <= maxPages; p++) {
    const pg = await get(`${origin}/products.json?limit=${PRODUCTS_PAGE}&page=${p}`, 'json');
    if (pg.notModified) {
      notes.push('products.json unchanged since last visit');
      break;
    }
    const list = pg.res?.ok ? parseProducts(safeJson(pg.res.body)) : null;
    if (!list) break;
    productPagesRead++;
    products.push(...list);
    if (list.length < PRODUCTS_PAGE) {
      catalogComplete = true;
      break;
    }
  }
  const collectionsPage = await get(`${origin}/collections.json?limit=${PRODUCTS_PAGE}`, 'json');

  // Pages: home first, then the contact/about/policy pages it links to (or Shopify's usual paths).
  const homeDoc = home.notModified ? null : parseHtml(home.body);
  const homeExtract = homeDoc ? extractPage(home.body, home.finalUrl, homeDoc) : null;
  const extras: string[] = [];
  const addExtra = (u: string) => {
    if (!extras.includes(u)) extras.push(u);
  };
  if (homeExtract) {
    homeExtract.links.contact.slice(0, 2).forEach(addExtra);
    homeExtract.links.about.slice(0, 1).forEach(addExtra);
    if (!homeExtract.links.contact.length) addExtra(origin + '/pages/contact');
    const policy = homeExtract.links.policies.find((u) => u.includes('contact-information')) ?? homeExtract.links.policies[0];
    addExtra(policy ?? origin + '/policies/contact-information');
  } else {
    // Home unchanged (304): visit Shopify's usual contact pages.
    addExtra(origin + '/pages/contact');
    addExtra(origin + '/policies/contact-information');
  }
  const extraPages = await Promise.all(extras.slice(0, Math.max(0, opts.maxExtraPages ?? 3)).map((u) => get(u, 'html')));
  const extracts: { url: string; x: PageExtract }[] = [];
  if (homeExtract) extracts.push({ url: home.finalUrl, x: homeExtract });
  for (const p of extraPages) {
    if (p.res?.ok && p.res.body) extracts.push({ url: p.res.finalUrl, x: extractPage(p.res.body, p.res.finalUrl) });
  }

  // Facts from 304 pages: what we stored from them still holds.
  const unchanged = pages.filter((p) => p.notModified).flatMap((p) => [p.url, p.res!.finalUrl]);
  if (unchanged.some((u) => u.includes('/products.json'))) unchanged.push(`${origin}/products.json`);
  for (const f of factsFrom(db, lead.id, unchanged)) facts.addStored(f);

  // --- store.*
  const metaUrl = metaPage.res?.finalUrl ?? origin + '/meta.json';
  if (meta) {
    facts.add('store.name', meta.name, metaUrl);
    facts.add('store.description', meta.description, metaUrl);
    facts.add('store.currency', meta.currency, metaUrl);
    facts.add('store.country', meta.country, metaUrl);
    facts.add('store.myshopify_domain', meta.myshopifyDomain, metaUrl);
  }
  if (homeExtract) {
    const hu = home.finalUrl;
    facts.add('store.name', homeExtract.name, hu);
    facts.add('store.description', homeExtract.description, hu);
    facts.add('store.currency', homeExtract.currency, hu);
    facts.add('store.myshopify_domain', homeExtract.myshopifyDomain, hu);
    facts.add('store.theme', homeExtract.theme, hu);
    for (const l of homeExtract.languages) facts.add('store.language', l, hu);
    const v = judge({ finalUrl: home.finalUrl, headers: home.headers, cookies: home.cookies, html: home.body });
    facts.add('store.headless', v.headless, hu);
    facts.add('store.status', lead.store_status === 'password' || v.status === 'password' ? 'password' : 'open', hu);
    for (const a of detectApps(home.body)) facts.add(a.kind === 'app' ? 'app' : 'pixel', a.id, hu);
  }
  for (const { url, x } of extracts) {
    facts.add('store.country', x.country, url);
    if (x.hiring) facts.add('store.hiring', true, url);
    for (const p of x.phones) facts.add('contact.phone', p, url, 10);
    for (const k of SOCIAL_KEYS) facts.add(k, x.socials[k], url);
  }

  // --- catalog.*
  const productsUrl = `${origin}/products.json`;
  if (products.length) {
    const c = summarizeCatalog(products, now());
    // meta.json counts every published product; our pages may stop early.
    if (meta?.productCount !== null && meta?.productCount !== undefined) facts.add('catalog.size', meta.productCount, metaUrl);
    else facts.add('catalog.size', c.size, productsUrl);
    facts.add('catalog.price_min', c.priceMin, productsUrl);
    facts.add('catalog.price_max', c.priceMax, productsUrl);
    facts.add('catalog.price_median', c.priceMedian, productsUrl);
    for (const vnd of c.vendors) facts.add('catalog.vendor', vnd, productsUrl);
    for (const t of c.productTypes) facts.add('catalog.product_type', t, productsUrl);
    facts.add('catalog.newest_product_at', c.newestAt, productsUrl);
    facts.add('catalog.oldest_product_at', c.oldestAt, productsUrl);
    facts.add('catalog.updated_at', c.updatedAt, productsUrl);
    facts.add('catalog.new_products_30d', c.new30d, productsUrl);
    for (const s of c.samples) facts.add('catalog.sample_product', s, productsUrl, 5);
    if (!catalogComplete) notes.push(`catalog read ${productPagesRead} page(s) of ${PRODUCTS_PAGE}; prices and vendors cover those`);
  } else if (meta?.productCount !== null && meta?.productCount !== undefined) {
    facts.add('catalog.size', meta.productCount, metaUrl);
  }
  if (collectionsPage.res?.ok) {
    for (const t of parseCollections(safeJson(collectionsPage.res.body))) facts.add('catalog.collection', t, collectionsPage.res.finalUrl);
  }

  // --- contacts: every address found, validated; forgotten people are never stored again.
  const storeDomain = lead.domain.replace(/:\d+$/, '').toLowerCase();
  const found = new Map<string, string>();
  for (const { url, x } of extracts) for (const e of x.emails) if (!found.has(e.email)) found.set(e.email, url);
  const contacts: ContactInput[] = [];
  const emailsOut: EnrichStoreResult['emails'] = [];
  for (const [email, url] of [...found].slice(0, 10)) {
    let check: EmailCheck = checkEmailOffline(email);
    if (check.validation === 'invalid') continue;
    const sup = findSuppression(db, check.email);
    if (sup && (sup.kind === 'email_hash' || sup.kind === 'domain_hash')) continue; // erased on request: do not learn it again
    if (check.validation === 'syntax_ok' && opts.checkMx !== false && adapters.dns) {
      check = applyMx(check, await adapters.dns.mx(check.email.split('@')[1]!));
    }
    const domain = check.email.split('@')[1]!;
    const own = domain === storeDomain || storeDomain.endsWith('.' + domain) || domain.endsWith('.' + storeDomain);
    const rank = (own ? 0 : FREEMAIL.has(domain) ? 2 : 4) + (check.isRole ? 1 : 0) + (check.validation === 'valid' ? 0 : 0.5);
    contacts.push({ email: check.email, isRole: check.isRole, validation: check.validation, reason: check.reason, sourceUrl: url, primaryRank: rank });
    facts.add('contact.email', check.email, url, 10);
    emailsOut.push({ email: check.email, validation: check.validation, isRole: check.isRole });
  }

  const httpCache: HttpCacheInput[] = pages
    .filter((p) => p.res && (p.res.ok || p.res.notModified) && (p.res.etag || p.res.lastModified))
    .map((p) => ({ url: p.url, etag: p.res!.etag, lastModified: p.res!.lastModified, status: p.res!.status }));
  const authoritativeUrls = pages.filter((p) => p.res && (p.res.ok || p.res.notModified)).flatMap((p) => [p.url, p.res!.finalUrl]);
  if (products.length) authoritativeUrls.push(productsUrl);

  const list = facts.list();
  const apps = list.filter((f) => f.key === 'app' || f.key === 'pixel').map((f) => JSON.parse(f.value) as string);
  const country = (facts.get('store.country') as string | undefined) ?? null;
  const written = writeStore(db, {
    leadId: lead.id,
    facts: list,
    authoritativeUrls,
    contacts,
    httpCache,
    company: (facts.get('store.name') as string | undefined) ?? null,
    country,
    observedAt,
    runId: opts.runId ?? null,
    eventData: { facts: list.length, contacts: contacts.length, apps, notes },
  });
  return {
    leadId: lead.id,
    domain: lead.domain,
    status: 'done',
    newFacts: written.facts,
    facts: list.length,
    newContacts: written.contacts,
    emails: emailsOut,
    apps,
    notes,
    error: null,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
