// Facts from a Shopify storefront's public JSON: /meta.json (name, description, currency, country, product
// count, myshopify domain) and /products.json pages (size, prices, vendors, types, freshness, samples).
// Pure: takes parsed JSON, returns plain values; unknown shapes give nothing rather than an error.
import { normalizeCountry } from './normalize.js';

export interface StoreMeta {
  name: string | null;
  description: string | null;
  currency: string | null;
  country: string | null;
  myshopifyDomain: string | null;
  productCount: number | null;
}

const str = (v: unknown, max = 500): string | null => {
  if (typeof v !== 'string') return null;
  const t = v.replace(/\s+/g, ' ').trim();
  return t ? t.slice(0, max) : null;
};

export function parseMeta(body: unknown): StoreMeta | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const m = body as Record<string, unknown>;
  const currency = str(m.currency);
  const country = str(m.country);
  const c = country ? normalizeCountry(country) : null;
  const count = m.published_products_count;
  const myshopify = str(m.myshopify_domain);
  return {
    name: str(m.name, 200),
    description: str(m.description),
    currency: currency && /^[A-Z]{3}$/.test(currency) ? currency : null,
    country: c && c.ok ? c.value : null,
    myshopifyDomain: myshopify && /^[a-z0-9-]+\.myshopify\.com$/i.test(myshopify) ? myshopify.toLowerCase() : null,
    productCount: typeof count === 'number' && Number.isFinite(count) && count >= 0 ? Math.round(count) : null,
  };
}

export interface Product {
  title: string;
  vendor: string | null;
  productType: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  prices: number[];
}

function isoDate(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** The products of one /products.json page, or null when the body is not a product list. */
export function parseProducts(body: unknown): Product[] | null {
  if (!body || typeof body !== 'object') return null;
  const list = (body as { products?: unknown }).products;
  if (!Array.isArray(list)) return null;
  const out: Product[] = [];
  for (const p of list) {
    if (!p || typeof p !== 'object') continue;
    const o = p as Record<string, unknown>;
    const variants = Array.isArray(o.variants) ? o.variants : [];
    const prices = variants
      .map((v) => Number((v as { price?: unknown })?.price))
      .filter((n) => Number.isFinite(n) && n >= 0);
    out.push({
      title: str(o.title, 200) ?? '',
      vendor: str(o.vendor, 100),
      productType: str(o.product_type, 100),
      createdAt: isoDate(o.created_at) ?? isoDate(o.published_at),
      updatedAt: isoDate(o.updated_at),
      prices,
    });
  }
  return out;
}

export interface CatalogSummary {
  size: number;
  priceMin: number | null;
  priceMax: number | null;
  priceMedian: number | null;
  vendors: string[];
  productTypes: string[];
  newestAt: string | null;
  oldestAt: string | null;
  updatedAt: string | null;
  new30d: number;
  samples: string[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function summarizeCatalog(products: Product[], now: Date, opts: { maxValues?: number; samples?: number } = {}): CatalogSummary {
  const maxValues = opts.maxValues ?? 25;
  let priceMin = Infinity;
  let priceMax = -Infinity;
  const productPrices: number[] = [];
  const vendors = new Map<string, number>();
  const types = new Map<string, number>();
  let newest: string | null = null;
  let oldest: string | null = null;
  let updated: string | null = null;
  let new30d = 0;
  const cutoff = now.getTime() - 30 * 86400_000;
  for (const p of products) {
    if (p.prices.length) {
      let lo = Infinity;
      for (const x of p.prices) {
        if (x < lo) lo = x;
        if (x > priceMax) priceMax = x;
      }
      if (lo < priceMin) priceMin = lo;
      productPrices.push(lo);
    }
    if (p.vendor) vendors.set(p.vendor, (vendors.get(p.vendor) ?? 0) + 1);
    if (p.productType) types.set(p.productType, (types.get(p.productType) ?? 0) + 1);
    if (p.createdAt) {
      if (!newest || p.createdAt > newest) newest = p.createdAt;
      if (!oldest || p.createdAt < oldest) oldest = p.createdAt;
      if (Date.parse(p.createdAt) >= cutoff) new30d++;
    }
    if (p.updatedAt && (!updated || p.updatedAt > updated)) updated = p.updatedAt;
  }
  productPrices.sort((a, b) => a - b);
  const mid = productPrices.length >> 1;
  const median = productPrices.length === 0 ? null : productPrices.length % 2 ? productPrices[mid]! : (productPrices[mid - 1]! + productPrices[mid]!) / 2;
  const top = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, maxValues).map(([k]) => k);
  return {
    size: products.length,
    priceMin: productPrices.length ? round2(priceMin) : null,
    priceMax: productPrices.length ? round2(priceMax) : null,
    priceMedian: median === null ? null : round2(median),
    vendors: top(vendors),
    productTypes: top(types),
    newestAt: newest,
    oldestAt: oldest,
    updatedAt: updated,
    new30d,
    samples: products.map((p) => p.title).filter(Boolean).slice(0, opts.samples ?? 5),
  };
}

/** Collection titles from /collections.json, without the catch-all ones every store has. */
export function parseCollections(body: unknown, max = 25): string[] {
  const list = (body as { collections?: unknown } | null)?.collections;
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const c of list) {
    const title = str((c as { title?: unknown })?.title, 100);
    const handle = str((c as { handle?: unknown })?.handle, 100);
    if (!title || handle === 'all' || handle === 'frontpage' || /^home ?page$/i.test(title)) continue;
    if (!out.includes(title)) out.push(title);
    if (out.length >= max) break;
  }
  return out;
}
