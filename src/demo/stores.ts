// The demo's fixture web: a dozen small stores described as data and rendered the way their platforms
// render them (Shopify's /products.json, /meta.json, /collections.json, `cdn.shopify.com` and `/cdn/shop/`
// assets, a contact page; WooCommerce, Squarespace and Wix pages for the stores that are not Shopify).

export type Platform = 'shopify' | 'woocommerce' | 'squarespace' | 'wix';

/** What the demo makes this store's contact do after the first email. */
export type ReplyRole = 'warm' | 'cold' | 'out_of_office' | 'bounce' | 'unsubscribe' | 'none';

export interface DemoStore {
  /** First label of the host name: `<slug>.localhost`. */
  slug: string;
  name: string;
  platform: Platform;
  niche: string;
  tagline: string;
  description: string;
  city: string;
  province: string;
  country: string;
  currency: string;
  /** The address on the contact page. */
  email: string;
  contactName?: string;
  /** Product names and base prices; the catalogue repeats them in colours/sizes up to `catalogSize`. */
  products: [string, number][];
  productType: string;
  catalogSize: number;
  /** Days since the newest product was added (fresh catalogues signal intent). */
  newestDays: number;
  collections: string[];
  apps: string[];
  socials: string[];
  reply: ReplyRole;
}

export const DEMO_KEYWORD = 'jewelry';

export const STORES: DemoStore[] = [
  {
    slug: 'aurora-rings', name: 'Aurora Rings', platform: 'shopify', niche: 'jewelry', tagline: 'Handmade silver rings',
    description: 'Handmade sterling silver rings and stacking bands from Portland, Oregon.', city: 'Portland', province: 'Oregon',
    country: 'US', currency: 'USD', email: 'hello@aurora-rings.example.com', contactName: 'Jane',
    products: [['Luna Stacking Ring', 48], ['Tide Signet Ring', 95], ['Halo Band', 62], ['Moonstone Ring', 120]],
    productType: 'Rings', catalogSize: 64, newestDays: 4, collections: ['Rings', 'Stacking sets', 'Holiday gifts'],
    apps: ['klaviyo', 'judgeme', 'meta'], socials: ['https://www.instagram.com/aurorarings'], reply: 'warm',
  },
  {
    slug: 'maple-and-moss', name: 'Maple & Moss', platform: 'shopify', niche: 'jewelry', tagline: 'Botanical necklaces',
    description: 'Botanical necklaces and earrings with real pressed flowers, made in Toronto.', city: 'Toronto', province: 'Ontario',
    country: 'CA', currency: 'CAD', email: 'mia@maple-and-moss.example.com', contactName: 'Mia',
    products: [['Fern Pendant Necklace', 68], ['Forget-me-not Earrings', 42], ['Wildflower Locket', 88]],
    productType: 'Necklaces', catalogSize: 38, newestDays: 12, collections: ['Necklaces', 'Earrings'],
    apps: ['klaviyo', 'tiktok'], socials: ['https://www.instagram.com/mapleandmoss', 'https://www.pinterest.com/mapleandmoss'], reply: 'cold',
  },
  {
    slug: 'tidepool-silver', name: 'Tidepool Silver', platform: 'shopify', niche: 'jewelry', tagline: 'Ocean-inspired jewellery',
    description: 'Ocean-inspired silver jewelry: shell pendants, wave rings and pearl earrings from Byron Bay.', city: 'Byron Bay',
    province: 'New South Wales', country: 'AU', currency: 'AUD', email: 'contact@tidepool-silver.example.com',
    products: [['Wave Ring', 79], ['Cowrie Shell Pendant', 65], ['Pearl Drop Earrings', 110]],
    productType: 'Jewelry', catalogSize: 52, newestDays: 20, collections: ['Rings', 'Pendants', 'Summer'],
    apps: ['judgeme', 'afterpay', 'meta'], socials: ['https://www.instagram.com/tidepoolsilver'], reply: 'out_of_office',
  },
  {
    slug: 'northstar-gems', name: 'Northstar Gems', platform: 'shopify', niche: 'jewelry', tagline: 'Fine gemstone jewelry',
    description: 'Fine gemstone jewelry: sapphire rings, diamond studs and custom engagement rings.', city: 'Austin', province: 'Texas',
    country: 'US', currency: 'USD', email: 'info@northstar-gems.example.com',
    products: [['Sapphire Solitaire Ring', 420], ['Diamond Studs', 380], ['Emerald Tennis Bracelet', 890]],
    productType: 'Rings', catalogSize: 140, newestDays: 45, collections: ['Engagement', 'Earrings', 'Bracelets'],
    apps: ['klaviyo', 'yotpo', 'google_ads'], socials: ['https://www.facebook.com/northstargems'], reply: 'bounce',
  },
  {
    slug: 'little-lark', name: 'Little Lark', platform: 'shopify', niche: 'jewelry', tagline: 'Tiny gold earrings',
    description: 'Tiny gold-filled earrings and charm necklaces, packed by hand in Bristol.', city: 'Bristol', province: 'England',
    country: 'GB', currency: 'GBP', email: 'hello@little-lark.example.com', contactName: 'Ellie',
    products: [['Lark Charm Necklace', 38], ['Star Huggie Earrings', 29], ['Initial Bracelet', 34]],
    productType: 'Earrings', catalogSize: 26, newestDays: 2, collections: ['Earrings', 'Gifts under £40'],
    apps: ['klaviyo', 'klarna', 'meta', 'pinterest'], socials: ['https://www.instagram.com/littlelark'], reply: 'unsubscribe',
  },
  {
    slug: 'copper-and-clay', name: 'Copper & Clay', platform: 'shopify', niche: 'jewelry', tagline: 'Hammered copper jewelry',
    description: 'Hammered copper cuffs, clay bead necklaces and earrings, handmade in Santa Fe.', city: 'Santa Fe', province: 'New Mexico',
    country: 'US', currency: 'USD', email: 'sam@copper-and-clay.example.com', contactName: 'Sam',
    products: [['Hammered Copper Cuff', 54], ['Terracotta Bead Necklace', 46], ['Copper Hoop Earrings', 32]],
    productType: 'Bracelets', catalogSize: 44, newestDays: 9, collections: ['Bracelets', 'Necklaces'],
    apps: ['judgeme', 'meta'], socials: ['https://www.instagram.com/copperandclay'], reply: 'none',
  },
  {
    slug: 'golden-hour-jewelry', name: 'Golden Hour Jewelry', platform: 'shopify', niche: 'jewelry', tagline: 'Everyday gold jewelry',
    description: 'Everyday 14k gold-filled necklaces, rings and earrings; free engraving.', city: 'San Diego', province: 'California',
    country: 'US', currency: 'USD', email: 'team@golden-hour-jewelry.example.com',
    products: [['Sunset Chain Necklace', 58], ['Engraved Bar Necklace', 72], ['Dainty Stacking Ring', 36], ['Sun Hoops', 44]],
    productType: 'Necklaces', catalogSize: 96, newestDays: 6, collections: ['Necklaces', 'Rings', 'Black Friday'],
    apps: ['klaviyo', 'recharge', 'tiktok', 'google_ads'], socials: ['https://www.tiktok.com/@goldenhourjewelry'], reply: 'none',
  },
  {
    slug: 'wildthread-apparel', name: 'Wildthread', platform: 'shopify', niche: 'apparel', tagline: 'Organic cotton basics',
    description: 'Organic cotton t-shirts, hoodies and socks, cut and sewn in Colorado.', city: 'Denver', province: 'Colorado',
    country: 'US', currency: 'USD', email: 'support@wildthread-apparel.example.com',
    products: [['Organic Crew Tee', 32], ['Trail Hoodie', 78], ['Merino Socks', 18]],
    productType: 'T-Shirts', catalogSize: 320, newestDays: 15, collections: ['Tees', 'Hoodies'],
    apps: ['gorgias', 'meta'], socials: ['https://www.instagram.com/wildthread'], reply: 'none',
  },
  {
    slug: 'ember-candle-co', name: 'Ember Candle Co.', platform: 'shopify', niche: 'home', tagline: 'Soy candles',
    description: 'Hand-poured soy candles, wax melts and matches in refillable tins.', city: 'Asheville',
    province: 'North Carolina', country: 'US', currency: 'USD', email: 'orders@ember-candle-co.example.com',
    products: [['Cedar Smoke Candle', 28], ['Fig Wax Melts', 12], ['Amber Refill Tin', 22]],
    productType: 'Candles', catalogSize: 30, newestDays: 60, collections: ['Candles'],
    apps: ['privy'], socials: [], reply: 'none',
  },
  {
    slug: 'silverleaf-studio', name: 'Silverleaf Studio', platform: 'woocommerce', niche: 'jewelry', tagline: 'Silver leaf jewelry',
    description: 'Silver leaf earrings and rings.', city: 'Leeds', province: 'England', country: 'GB', currency: 'GBP',
    email: 'shop@silverleaf-studio.example.com', products: [['Leaf Earrings', 45]], productType: 'Earrings', catalogSize: 12, newestDays: 30,
    collections: [], apps: [], socials: [], reply: 'none',
  },
  {
    slug: 'orchid-atelier', name: 'Orchid Atelier', platform: 'squarespace', niche: 'jewelry', tagline: 'Bridal jewelry',
    description: 'Bridal hair pieces and jewelry.', city: 'Brooklyn', province: 'New York', country: 'US', currency: 'USD',
    email: 'studio@orchid-atelier.example.com', products: [['Pearl Hair Vine', 140]], productType: 'Bridal', catalogSize: 8, newestDays: 40,
    collections: [], apps: [], socials: [], reply: 'none',
  },
  {
    slug: 'bluebell-beads', name: 'Bluebell Beads', platform: 'wix', niche: 'jewelry', tagline: 'Beaded bracelets',
    description: 'Beaded friendship bracelets.', city: 'Cork', province: 'Munster', country: 'IE', currency: 'EUR',
    email: 'hi@bluebell-beads.example.com', products: [['Friendship Bracelet', 15]], productType: 'Bracelets', catalogSize: 20, newestDays: 25,
    collections: [], apps: [], socials: [], reply: 'none',
  },
];

const APP_SNIPPETS: Record<string, string> = {
  klaviyo: '<script async src="https://static.klaviyo.com/onsite/js/klaviyo.js?company_id=Xy12Ab"></script>',
  judgeme: '<script src="https://cdn.judge.me/widget_preloader.js" defer></script><div class="jdgm-widget jdgm-preview-badge"></div>',
  yotpo: '<script src="https://cdn-widgetsrepository.yotpo.com/v1/loader/AbCdEf" async></script>',
  recharge: '<script src="https://static.rechargecdn.com/assets/js/widget.min.js" defer></script>',
  gorgias: '<script id="gorgias-chat-widget-install-v3" src="https://config.gorgias.chat/bundle-loader/01"></script>',
  privy: '<script src="https://widget.privy.com/assets/widget.js" async></script>',
  afterpay: '<afterpay-placement data-locale="en_AU" data-currency="AUD"></afterpay-placement>',
  klarna: '<klarna-placement data-key="credit-promotion-badge" data-locale="en-GB"></klarna-placement>',
  meta: "<script>!function(f,b,e,v){f.fbq=function(){};}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init', '998877665544');</script>",
  tiktok: "<script>!function(w,d,t){w.ttq=w.ttq||[];}(window,document,'ttq');ttq.load('C4DEMO12AB');</script>",
  pinterest: "<script>!function(e){window.pintrk=function(){};}();pintrk('load', '2612345678901');</script>",
  google_ads: '<script async src="https://www.googletagmanager.com/gtag/js?id=AW-123456789"></script>',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const handleOf = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const VARIANTS = ['', 'Gold', 'Rose Gold', 'Silver', 'Mini', 'Large', 'Set of 2', 'Engraved'];

export interface Product {
  id: number;
  title: string;
  handle: string;
  vendor: string;
  product_type: string;
  created_at: string;
  updated_at: string;
  published_at: string;
  tags: string[];
  variants: { id: number; title: string; price: string; available: boolean }[];
}

/** The catalogue: the named products in several versions, newest first, dated relative to `now`. */
export function catalog(store: DemoStore, now = Date.now()): Product[] {
  const out: Product[] = [];
  const storeNo = STORES.indexOf(store) + 1;
  for (let i = 0; i < store.catalogSize; i++) {
    const [base, price] = store.products[i % store.products.length]!;
    const v = VARIANTS[Math.floor(i / store.products.length) % VARIANTS.length]!;
    const title = v ? `${base} – ${v}` : base;
    const created = new Date(now - (store.newestDays + i * 9) * 86_400_000).toISOString();
    const p = Math.round(price * (1 + (i % 5) * 0.08));
    out.push({
      id: storeNo * 100_000 + i + 1,
      title,
      handle: handleOf(title) + (i >= VARIANTS.length * store.products.length ? `-${i}` : ''),
      vendor: store.name,
      product_type: store.productType,
      created_at: created,
      updated_at: created,
      published_at: created,
      tags: [store.niche, store.productType.toLowerCase()],
      variants: [{ id: storeNo * 1_000_000 + i, title: 'Default Title', price: `${p}.00`, available: true }],
    });
  }
  return out;
}

export interface Page {
  status: number;
  type: string;
  body: string;
}

const html = (body: string, status = 200): Page => ({ status, type: 'text/html; charset=utf-8', body });
const json = (value: unknown, status = 200): Page => ({ status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) });
const NOT_FOUND = html('<!doctype html><title>404 Not Found</title><h1>Page not found</h1>', 404);

function shopifyHead(store: DemoStore, host: string, title: string): string {
  const h = handleOf(store.slug);
  return `<!doctype html>
<html class="no-js" lang="en">
<head>
  <meta charset="utf-8">
  <title>${esc(title)}</title>
  <meta name="description" content="${esc(store.description)}">
  <meta property="og:site_name" content="${esc(store.name)}">
  <meta name="shopify-digital-wallet" content="/6${String(STORES.indexOf(store)).padStart(3, '0')}/digital_wallets/dialog">
  <link rel="preconnect" href="https://cdn.shopify.com" crossorigin>
  <link href="//${host}/cdn/shop/t/7/assets/base.css?v=1712345678" rel="stylesheet" type="text/css" media="all">
  <script src="//${host}/cdn/shop/t/7/assets/global.js?v=1712345678" defer></script>
  <script src="https://cdn.shopify.com/shopifycloud/storefront/assets/storefront/load_feature.js" defer></script>
  <script>
    var Shopify = Shopify || {};
    Shopify.shop = "${h}.myshopify.com";
    Shopify.locale = "en";
    Shopify.currency = {"active":"${store.currency}","rate":"1.0"};
    Shopify.country = "${store.country}";
    Shopify.theme = {"name":"Dawn","id":13${STORES.indexOf(store)}456,"schema_name":"Dawn","schema_version":"15.0.0","theme_store_id":887,"role":"main"};
    window.ShopifyAnalytics = window.ShopifyAnalytics || {};
  </script>
  ${store.apps.map((a) => APP_SNIPPETS[a] ?? '').join('\n  ')}
</head>`;
}

function shopifyNav(store: DemoStore): string {
  return `<header class="header"><a href="/" class="header__heading-link">${esc(store.name)}</a>
  <nav><a href="/collections/all">Shop all</a> <a href="/pages/about">About us</a> <a href="/pages/contact">Contact</a></nav></header>`;
}

function shopifyFooter(store: DemoStore): string {
  return `<footer class="footer shopify-section">
  <ul class="footer__list-social">${store.socials.map((s) => `<li><a href="${esc(s)}">${esc(new URL(s).hostname.replace('www.', ''))}</a></li>`).join('')}</ul>
  <p>${esc(store.city)}, ${esc(store.province)}</p>
  <p><a href="/policies/privacy-policy">Privacy policy</a> · <a href="/policies/refund-policy">Refund policy</a></p>
  <small>&copy; 2026, ${esc(store.name)}. <a href="https://www.shopify.com?utm_campaign=poweredby" rel="nofollow">Powered by Shopify</a></small>
</footer>`;
}

function shopifyPage(store: DemoStore, host: string, path: string): Page {
  const products = catalog(store);
  switch (path) {
    case '/':
      return html(`${shopifyHead(store, host, `${store.name} – ${store.tagline}`)}
<body class="template-index">
${shopifyNav(store)}
<main id="MainContent">
  <section class="shopify-section"><h1>${esc(store.tagline)}</h1><p>${esc(store.description)}</p></section>
  <section class="shopify-section featured-collection"><h2>New arrivals</h2><ul class="grid">
  ${products.slice(0, 8).map((p) => `<li class="grid__item"><a href="/products/${p.handle}"><img src="//${host}/cdn/shop/files/${p.handle}.jpg?width=533" alt="${esc(p.title)}">${esc(p.title)}</a> <span class="price">${p.variants[0]!.price} ${store.currency}</span></li>`).join('\n  ')}
  </ul></section>
  <section class="shopify-section"><h2>Collections</h2>${store.collections.map((c) => `<a href="/collections/${handleOf(c)}">${esc(c)}</a>`).join(' ')}</section>
</main>
${shopifyFooter(store)}
</body></html>`);
    case '/pages/contact':
      return html(`${shopifyHead(store, host, `Contact – ${store.name}`)}
<body class="template-page">
${shopifyNav(store)}
<main id="MainContent"><h1>Contact us</h1>
  <p>Questions about an order, a custom piece or wholesale? ${store.contactName ? `${esc(store.contactName)} answers every message` : 'We answer every message'} within two business days.</p>
  <p>Email: <a href="mailto:${store.email}">${store.email}</a></p>
  <form method="post" action="/contact#ContactForm" id="ContactForm"><input type="hidden" name="form_type" value="contact"><input name="contact[email]" type="email"><textarea name="contact[body]"></textarea><button>Send</button></form>
</main>
${shopifyFooter(store)}
</body></html>`);
    case '/pages/about':
      return html(`${shopifyHead(store, host, `About us – ${store.name}`)}
<body class="template-page">
${shopifyNav(store)}
<main id="MainContent"><h1>About ${esc(store.name)}</h1>
  <p>${esc(store.description)} ${store.contactName ? `${esc(store.contactName)} started ${esc(store.name)} at a kitchen table in ${esc(store.city)}.` : `We are a small team in ${esc(store.city)}.`}</p>
</main>
${shopifyFooter(store)}
</body></html>`);
    case '/meta.json':
      return json({
        id: 6000 + STORES.indexOf(store), name: store.name, city: store.city, province: store.province, country: store.country,
        currency: store.currency, domain: host, url: `http://${host}`, myshopify_domain: `${handleOf(store.slug)}.myshopify.com`,
        description: store.description, ships_to_countries: [store.country], money_format: '{{amount}}',
        published_collections_count: store.collections.length, published_products_count: store.catalogSize,
      });
    case '/products.json':
      return json({ products });
    case '/collections.json':
      return json({
        collections: store.collections.map((c, i) => ({
          id: 900 + i, title: c, handle: handleOf(c), description: '', published_at: new Date(Date.now() - (i + 1) * 20 * 86_400_000).toISOString(),
          updated_at: new Date(Date.now() - (i + 1) * 5 * 86_400_000).toISOString(), products_count: Math.ceil(store.catalogSize / store.collections.length),
        })),
      });
    default:
      return NOT_FOUND;
  }
}

/** `/products.json?page=N&limit=L` paginates like Shopify. */
function paginate(page: Page, url: URL): Page {
  if (url.pathname !== '/products.json' || page.status !== 200) return page;
  const all = (JSON.parse(page.body) as { products: Product[] }).products;
  const limit = Math.min(250, Number(url.searchParams.get('limit')) || 30);
  const p = Math.max(1, Number(url.searchParams.get('page')) || 1);
  return json({ products: all.slice((p - 1) * limit, p * limit) });
}

function otherPage(store: DemoStore, path: string): Page {
  const contact = `<a href="mailto:${store.email}">${store.email}</a>`;
  if (store.platform === 'woocommerce') {
    if (path !== '/' && path !== '/contact') return NOT_FOUND;
    return html(`<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="generator" content="WooCommerce 8.9.1">
<title>${esc(store.name)} – ${esc(store.tagline)}</title>
<link rel="stylesheet" href="/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver=8.9.1">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script></head>
<body class="home wp-theme-storefront woocommerce-no-js"><h1>${esc(store.name)}</h1><p>${esc(store.description)}</p>
<ul class="products columns-4">${store.products.map(([t, p]) => `<li class="product type-product"><h2 class="woocommerce-loop-product__title">${esc(t)}</h2><span class="woocommerce-Price-amount amount">£${p}</span></li>`).join('')}</ul>
<footer>${contact} · Proudly powered by WordPress</footer></body></html>`);
  }
  if (store.platform === 'squarespace') {
    if (path !== '/' && path !== '/contact') return NOT_FOUND;
    return html(`<!doctype html><html lang="en-US"><head><meta charset="utf-8"><title>${esc(store.name)}</title>
<!-- This is Squarespace. --><link rel="stylesheet" href="https://static1.squarespace.com/static/versioned-site-css/65a/1/site.css">
<script src="https://assets.squarespace.com/universal/scripts-compressed/commerce-abc.js" defer></script>
<script>Static.SQUARESPACE_CONTEXT = {"websiteSettings":{"storeSettings":{"currencyCode":"${store.currency}"}}};</script></head>
<body class="sqs-site"><h1>${esc(store.name)}</h1><p>${esc(store.description)}</p><p>${contact}</p></body></html>`);
  }
  if (path !== '/') return NOT_FOUND;
  return html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="generator" content="Wix.com Website Builder">
<title>${esc(store.name)} | ${esc(store.tagline)}</title><link rel="preconnect" href="https://static.wixstatic.com">
<script src="https://static.parastorage.com/services/wix-thunderbolt/dist/main.js" defer></script></head>
<body><div id="SITE_CONTAINER"><h1>${esc(store.name)}</h1><p>${esc(store.description)}</p><p>${contact}</p></div></body></html>`);
}

/** Answers one request for a store; `host` is the Host header (name and port). */
export function storePage(store: DemoStore, host: string, url: URL): Page {
  if (url.pathname === '/robots.txt') {
    return { status: 200, type: 'text/plain; charset=utf-8', body: 'User-agent: *\nDisallow: /checkout\nDisallow: /cart\nDisallow: /admin\n' };
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (store.platform === 'shopify') return paginate(shopifyPage(store, host, path), url);
  return otherPage(store, path);
}
