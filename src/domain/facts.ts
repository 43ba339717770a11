// The vocabulary of enrichment facts: `enrich` writes them (one row per value in `facts`, JSON-encoded,
// with its source URL), `score`, `draft` and `report` read them. Adding a fact is adding a key here.

export type FactValueType = 'string' | 'number' | 'boolean' | 'date' | 'url';

export interface FactKey {
  type: FactValueType;
  /** Several rows per lead (one per value) rather than one. */
  multi: boolean;
  description: string;
}

export const FACT_KEYS = {
  'store.name': { type: 'string', multi: false, description: 'store name (meta.json name, og:site_name, <title>)' },
  'store.description': { type: 'string', multi: false, description: 'store description (meta.json or meta description)' },
  'store.myshopify_domain': { type: 'string', multi: false, description: 'the store’s *.myshopify.com domain' },
  'store.currency': { type: 'string', multi: false, description: 'ISO 4217 currency code' },
  'store.country': { type: 'string', multi: false, description: 'ISO 3166-1 alpha-2 country of the business (postal address, meta.json)' },
  'store.language': { type: 'string', multi: true, description: 'BCP 47 language of the storefront (html lang, hreflang)' },
  'store.status': { type: 'string', multi: false, description: 'open | password (not yet open)' },
  'store.theme': { type: 'string', multi: false, description: 'Shopify theme name (Shopify.theme)' },
  'store.headless': { type: 'boolean', multi: false, description: 'a headless (Hydrogen/Oxygen) storefront' },
  'store.hiring': { type: 'boolean', multi: false, description: 'a careers/jobs page or hiring notice was found' },
  'catalog.size': { type: 'number', multi: false, description: 'number of products' },
  'catalog.price_min': { type: 'number', multi: false, description: 'lowest variant price, store currency' },
  'catalog.price_max': { type: 'number', multi: false, description: 'highest variant price, store currency' },
  'catalog.price_median': { type: 'number', multi: false, description: 'median product price, store currency' },
  'catalog.vendor': { type: 'string', multi: true, description: 'product vendors (brands)' },
  'catalog.product_type': { type: 'string', multi: true, description: 'product types' },
  'catalog.newest_product_at': { type: 'date', multi: false, description: 'created_at of the newest product (ISO 8601)' },
  'catalog.oldest_product_at': { type: 'date', multi: false, description: 'created_at of the oldest product: a lower bound of the store’s age' },
  'catalog.updated_at': { type: 'date', multi: false, description: 'latest product updated_at (ISO 8601)' },
  'catalog.new_products_30d': { type: 'number', multi: false, description: 'products created in the 30 days before the crawl' },
  'catalog.collection': { type: 'string', multi: true, description: 'collection titles/handles (seasonal collections signal intent)' },
  'catalog.sample_product': { type: 'string', multi: true, description: 'a few product titles, for personalization and claim checks' },
  'contact.email': { type: 'string', multi: true, description: 'emails found on the store (also stored in contacts)' },
  'contact.phone': { type: 'string', multi: true, description: 'phone numbers found on the store' },
  'social.instagram': { type: 'url', multi: false, description: 'Instagram profile' },
  'social.facebook': { type: 'url', multi: false, description: 'Facebook page' },
  'social.tiktok': { type: 'url', multi: false, description: 'TikTok profile' },
  'social.pinterest': { type: 'url', multi: false, description: 'Pinterest profile' },
  'social.youtube': { type: 'url', multi: false, description: 'YouTube channel' },
  'social.linkedin': { type: 'url', multi: false, description: 'LinkedIn page' },
  'social.x': { type: 'url', multi: false, description: 'X (Twitter) profile' },
  app: { type: 'string', multi: true, description: 'installed app id (klaviyo, judgeme, yotpo, recharge, gorgias, privy, omnisend, afterpay, klarna, ...)' },
  pixel: { type: 'string', multi: true, description: 'ad/analytics pixel id: meta, tiktok, google_ads, pinterest, snapchat, ...' },
} as const satisfies Record<string, FactKey>;

export type FactKeyName = keyof typeof FACT_KEYS;

export interface Fact {
  key: string;
  value: unknown;
  sourceUrl: string | null;
  observedAt: string;
}
