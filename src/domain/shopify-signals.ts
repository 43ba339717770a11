// Does a site run Shopify? Detection as data: each row names where to look (a header, a cookie, the HTML,
// the final URL, /meta.json or /products.json), what to match, how much it weighs and what to say as evidence.
// Other platforms' markers count against Shopify, so a WordPress page embedding the Shopify Buy Button is not
// a Shopify store, while a headless Hydrogen storefront and a password-protected store are.

export type SignalSource = 'header' | 'cookie' | 'html' | 'url' | 'meta_json' | 'products_json';
export type Platform = 'shopify' | 'woocommerce' | 'wordpress' | 'squarespace' | 'wix' | 'bigcommerce' | 'buy_button';

export interface Signal {
  id: string;
  source: SignalSource;
  /** Header or cookie name (lower case). */
  name?: string;
  /** Tested against the header value, the HTML, the final URL or the JSON text; absent = presence is enough. */
  pattern?: RegExp;
  platform: Platform;
  /** 0..1: how strongly this alone points to the platform. */
  weight: number;
  /** What the verdict says; `{value}` is replaced by the matched header value or text. */
  evidence: string;
  flag?: 'headless' | 'password';
  /** A minimal observation this row must match (every row is tested with it). */
  example: Partial<Observation>;
}

export interface Observation {
  finalUrl: string;
  headers: Record<string, string | string[] | undefined>;
  cookies: string[];
  html: string;
  /** Raw /meta.json body when it answered 2xx JSON. */
  metaJson?: string;
  /** Raw /products.json body when it answered 2xx JSON. */
  productsJson?: string;
}

export const SIGNALS: Signal[] = [
  // --- Shopify: response headers
  { id: 'header.x-shopid', source: 'header', name: 'x-shopid', platform: 'shopify', weight: 0.95, evidence: 'header x-shopid: {value}', example: { headers: { 'x-shopid': '5631' } } },
  { id: 'header.x-shopify-stage', source: 'header', name: 'x-shopify-stage', platform: 'shopify', weight: 0.95, evidence: 'header x-shopify-stage: {value}', example: { headers: { 'x-shopify-stage': 'production' } } },
  { id: 'header.x-sorting-hat', source: 'header', name: 'x-sorting-hat-shopid', platform: 'shopify', weight: 0.95, evidence: 'header x-sorting-hat-shopid: {value}', example: { headers: { 'x-sorting-hat-shopid': '5631' } } },
  { id: 'header.powered-by', source: 'header', name: 'powered-by', pattern: /shopify/i, platform: 'shopify', weight: 0.95, evidence: 'header powered-by: {value}', example: { headers: { 'powered-by': 'Shopify' } } },
  { id: 'header.powered-by-hydrogen', source: 'header', name: 'powered-by', pattern: /hydrogen/i, platform: 'shopify', weight: 0.95, flag: 'headless', evidence: 'Hydrogen storefront (header powered-by: {value})', example: { headers: { 'powered-by': 'Shopify, Hydrogen' } } },
  { id: 'header.oxygen', source: 'header', name: 'oxygen-full-page-cache', platform: 'shopify', weight: 0.9, flag: 'headless', evidence: 'hosted on Shopify Oxygen (header oxygen-full-page-cache)', example: { headers: { 'oxygen-full-page-cache': 'uncacheable' } } },
  { id: 'header.link-cdn', source: 'header', name: 'link', pattern: /cdn\.shopify\.com/i, platform: 'shopify', weight: 0.4, evidence: 'header link preconnects to cdn.shopify.com', example: { headers: { link: '<https://cdn.shopify.com>; rel="preconnect"' } } },
  // --- Shopify: cookies (names only)
  { id: 'cookie._shopify_y', source: 'cookie', name: '_shopify_y', platform: 'shopify', weight: 0.9, evidence: 'cookie _shopify_y', example: { cookies: ['_shopify_y'] } },
  { id: 'cookie._shopify_s', source: 'cookie', name: '_shopify_s', platform: 'shopify', weight: 0.9, evidence: 'cookie _shopify_s', example: { cookies: ['_shopify_s'] } },
  { id: 'cookie._shopify_essential', source: 'cookie', name: '_shopify_essential', platform: 'shopify', weight: 0.9, evidence: 'cookie _shopify_essential', example: { cookies: ['_shopify_essential'] } },
  { id: 'cookie.cart_sig', source: 'cookie', name: 'cart_sig', platform: 'shopify', weight: 0.85, evidence: 'cookie cart_sig', example: { cookies: ['cart_sig'] } },
  { id: 'cookie.secure_customer_sig', source: 'cookie', name: 'secure_customer_sig', platform: 'shopify', weight: 0.85, evidence: 'cookie secure_customer_sig', example: { cookies: ['secure_customer_sig'] } },
  // --- Shopify: HTML
  { id: 'html.cdn-shopify', source: 'html', pattern: /cdn\.shopify\.com\/s\/files\//i, platform: 'shopify', weight: 0.6, evidence: 'HTML loads assets from cdn.shopify.com/s/files (Liquid theme)', example: { html: '<link href="//cdn.shopify.com/s/files/1/0001/t/3/assets/theme.css">' } },
  { id: 'html.cdn-shop-path', source: 'html', pattern: /["'(](?:https?:)?(?:\/\/[^"'()\s/]+)?\/cdn\/shop\/(?:files|products|t|collections)\//i, platform: 'shopify', weight: 0.8, evidence: 'HTML loads assets from the store-domain /cdn/shop/ path', example: { html: '<img src="//shop.example/cdn/shop/files/logo.png">' } },
  { id: 'html.shopify-theme', source: 'html', pattern: /\bShopify\.theme\s*=/, platform: 'shopify', weight: 0.9, evidence: 'HTML sets Shopify.theme', example: { html: '<script>Shopify.theme = {"name":"Dawn"};</script>' } },
  { id: 'html.shopify-section', source: 'html', pattern: /(?:id|class)=["'][^"']*\bshopify-section\b/i, platform: 'shopify', weight: 0.85, evidence: 'HTML has shopify-section blocks', example: { html: '<div id="shopify-section-header" class="shopify-section">' } },
  { id: 'html.shopify-analytics', source: 'html', pattern: /\bShopifyAnalytics\b/, platform: 'shopify', weight: 0.9, evidence: 'HTML loads ShopifyAnalytics', example: { html: '<script>window.ShopifyAnalytics = {};</script>' } },
  { id: 'html.digital-wallet', source: 'html', pattern: /name=["']shopify-(?:digital-wallet|checkout-api-token)["']/i, platform: 'shopify', weight: 0.85, evidence: 'HTML has Shopify checkout meta tags', example: { html: '<meta name="shopify-digital-wallet" content="/1/digital_wallets/dialog">' } },
  { id: 'html.myshopify-canonical', source: 'html', pattern: /<link[^>]+(?:rel=["']canonical["'][^>]*href=["'][^"']*\.myshopify\.com|href=["'][^"']*\.myshopify\.com[^"']*["'][^>]*rel=["']canonical)/i, platform: 'shopify', weight: 0.8, evidence: 'canonical link on a myshopify.com domain', example: { html: '<link rel="canonical" href="https://acme.myshopify.com/">' } },
  { id: 'html.shopify-shop', source: 'html', pattern: /\bShopify\.shop\s*=\s*["'][^"']+\.myshopify\.com/, platform: 'shopify', weight: 0.9, evidence: 'HTML sets Shopify.shop to a myshopify.com domain', example: { html: '<script>Shopify.shop = "acme.myshopify.com";</script>' } },
  { id: 'html.oxygen-assets', source: 'html', pattern: /cdn\.shopify\.com\/oxygen(?:-v2)?\//i, platform: 'shopify', weight: 0.9, flag: 'headless', evidence: 'Hydrogen storefront (assets on cdn.shopify.com/oxygen)', example: { html: '<script src="https://cdn.shopify.com/oxygen-v2/1/2/3/build/root.js">' } },
  { id: 'html.storefront-api', source: 'html', pattern: /\.myshopify\.com\/api\/(?:unstable|\d{4}-\d{2})\/graphql\.json|"storefrontApiVersion"|shopify-storefront-/i, platform: 'shopify', weight: 0.7, flag: 'headless', evidence: 'HTML calls the Shopify Storefront API (headless)', example: { html: '<script>fetch("https://acme.myshopify.com/api/2024-10/graphql.json")</script>' } },
  { id: 'html.password-form', source: 'html', pattern: /<form[^>]+action=["'](?:https?:\/\/[^"']+)?\/password["']/i, platform: 'shopify', weight: 0.4, flag: 'password', evidence: 'password page (store not open yet)', example: { html: '<form method="post" action="/password" id="login_form">' } },
  // --- Shopify: where we ended up
  { id: 'url.myshopify', source: 'url', pattern: /^https?:\/\/[^/]+\.myshopify\.com(?::\d+)?(?:\/|$)/i, platform: 'shopify', weight: 0.9, evidence: 'served from a myshopify.com domain', example: { finalUrl: 'https://acme.myshopify.com/' } },
  { id: 'url.password', source: 'url', pattern: /^https?:\/\/[^/]+\/password(?:[?#]|$)/i, platform: 'shopify', weight: 0.3, flag: 'password', evidence: 'home page redirects to /password (store not open yet)', example: { finalUrl: 'https://acme.example/password' } },
  // --- Shopify: JSON endpoints every Shopify storefront serves
  { id: 'meta_json.myshopify', source: 'meta_json', pattern: /"myshopify_domain"\s*:\s*"[^"]+\.myshopify\.com"/, platform: 'shopify', weight: 0.97, evidence: '/meta.json names a myshopify.com domain', example: { metaJson: '{"name":"Acme","myshopify_domain":"acme.myshopify.com"}' } },
  { id: 'products_json.products', source: 'products_json', pattern: /^\s*\{\s*"products"\s*:\s*\[/, platform: 'shopify', weight: 0.8, evidence: '/products.json answers with a Shopify product list', example: { productsJson: '{"products":[]}' } },

  // --- Other platforms: evidence against Shopify
  { id: 'html.woocommerce', source: 'html', pattern: /wp-content\/plugins\/woocommerce|\bwoocommerce-no-js\b|<meta[^>]+content=["']WooCommerce/i, platform: 'woocommerce', weight: 0.95, evidence: 'WooCommerce markers', example: { html: '<body class="home woocommerce-no-js">' } },
  { id: 'html.wordpress', source: 'html', pattern: /\/wp-content\/|\/wp-includes\/|<meta[^>]+content=["']WordPress/i, platform: 'wordpress', weight: 0.6, evidence: 'WordPress markers', example: { html: '<link href="/wp-includes/css/x.css">' } },
  { id: 'header.wordpress-api', source: 'header', name: 'link', pattern: /rel="https:\/\/api\.w\.org\/"/i, platform: 'wordpress', weight: 0.6, evidence: 'WordPress REST API link header', example: { headers: { link: '<https://x.example/wp-json/>; rel="https://api.w.org/"' } } },
  { id: 'html.squarespace', source: 'html', pattern: /static1\.squarespace\.com|Static\.SQUARESPACE_CONTEXT|<!-- This is Squarespace\. -->/i, platform: 'squarespace', weight: 0.95, evidence: 'Squarespace markers', example: { html: '<script src="https://static1.squarespace.com/static/vta/x.js">' } },
  { id: 'header.squarespace', source: 'header', name: 'server', pattern: /squarespace/i, platform: 'squarespace', weight: 0.95, evidence: 'header server: {value}', example: { headers: { server: 'Squarespace' } } },
  { id: 'html.wix', source: 'html', pattern: /static\.wixstatic\.com|static\.parastorage\.com|<meta[^>]+content=["']Wix\.com/i, platform: 'wix', weight: 0.95, evidence: 'Wix markers', example: { html: '<img src="https://static.wixstatic.com/media/a.jpg">' } },
  { id: 'header.wix', source: 'header', name: 'x-wix-request-id', platform: 'wix', weight: 0.95, evidence: 'header x-wix-request-id', example: { headers: { 'x-wix-request-id': '1.2' } } },
  { id: 'html.bigcommerce', source: 'html', pattern: /cdn\d*\.bigcommerce\.com|\bBCData\b|stencil-utils/i, platform: 'bigcommerce', weight: 0.95, evidence: 'BigCommerce markers', example: { html: '<img src="https://cdn11.bigcommerce.com/s-abc/images/x.jpg">' } },
  { id: 'html.buy-button', source: 'html', pattern: /sdks\.shopifycdn\.com\/buy-button|ShopifyBuy\.buildClient|ShopifyBuy\.UI/i, platform: 'buy_button', weight: 0.7, evidence: 'embeds the Shopify Buy Button only (sdks.shopifycdn.com): a store on another platform', example: { html: '<script src="https://sdks.shopifycdn.com/buy-button/latest/buy-button-storefront.min.js">' } },
];

export interface Verdict {
  isShopify: boolean;
  /** 0..1: how sure we are the site runs Shopify. */
  confidence: number;
  evidence: string[];
  status: 'open' | 'password';
  headless: boolean;
  /** Other platforms seen, strongest first. */
  platforms: Platform[];
  matched: string[];
}

function headerValue(h: Observation['headers'], name: string): string | undefined {
  const v = h[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The text a row matched, or null when it does not match. */
export function matchSignal(s: Signal, o: Partial<Observation>): string | null {
  switch (s.source) {
    case 'header': {
      const v = headerValue(o.headers ?? {}, s.name!);
      if (v === undefined) return null;
      return !s.pattern || s.pattern.test(v) ? v : null;
    }
    case 'cookie':
      return (o.cookies ?? []).some((c) => c.toLowerCase() === s.name) ? s.name! : null;
    case 'html':
    case 'url':
    case 'meta_json':
    case 'products_json': {
      const text = s.source === 'html' ? o.html : s.source === 'url' ? o.finalUrl : s.source === 'meta_json' ? o.metaJson : o.productsJson;
      if (!text) return null;
      if (!s.pattern) return '';
      const m = s.pattern.exec(text);
      return m ? m[0] : null;
    }
  }
}

const noisyOr = (ws: number[]) => 1 - ws.reduce((p, w) => p * (1 - w), 1);

/**
 * Weighs every matching row. Shopify evidence s and other-platform evidence o compete:
 * confidence = s(1-o) / (1 - s·o), so strong Shopify proof survives a stray WordPress asset, and a
 * cdn.shopify.com image on a WooCommerce page (the Buy Button) does not make it Shopify.
 */
export function judge(o: Partial<Observation>, signals: Signal[] = SIGNALS): Verdict {
  const shopify: number[] = [];
  const other = new Map<Platform, number[]>();
  const evidence: string[] = [];
  const matched: string[] = [];
  let password = false;
  let headless = false;
  for (const s of signals) {
    const m = matchSignal(s, o);
    if (m === null) continue;
    matched.push(s.id);
    evidence.push(s.evidence.replace('{value}', m.slice(0, 80)));
    if (s.platform === 'shopify') {
      shopify.push(s.weight);
      if (s.flag === 'password') password = true;
      if (s.flag === 'headless') headless = true;
    } else {
      const list = other.get(s.platform) ?? [];
      list.push(s.weight);
      other.set(s.platform, list);
    }
  }
  const sScore = noisyOr(shopify);
  const oScore = noisyOr([...other.values()].flat());
  const confidence = sScore === 0 ? 0 : (sScore * (1 - oScore)) / (1 - sScore * oScore);
  const isShopify = confidence >= 0.5;
  const platforms = [...other.entries()].sort((a, b) => noisyOr(b[1]) - noisyOr(a[1])).map(([p]) => p);
  if (!isShopify && evidence.length === 0) evidence.push('no Shopify signal in headers, cookies, HTML or JSON endpoints');
  return {
    isShopify,
    confidence: Math.round(confidence * 1000) / 1000,
    evidence,
    status: isShopify && password ? 'password' : 'open',
    headless: isShopify && headless,
    platforms,
    matched,
  };
}
