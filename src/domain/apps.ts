// Installed apps and ad/analytics pixels, detected from what a storefront's HTML loads. A data table:
// adding an app is adding a row (with an example the tests check it against). `kind` picks the fact key:
// 'app' rows become `app` facts, 'pixel' rows `pixel` facts.

export interface AppSignature {
  id: string;
  kind: 'app' | 'pixel';
  name: string;
  /** Any one matching the page HTML (script src, inline script, markup) is enough. */
  patterns: RegExp[];
  /** A snippet that must match (tested). */
  example: string;
}

export const APPS: AppSignature[] = [
  { id: 'klaviyo', kind: 'app', name: 'Klaviyo', patterns: [/static\.klaviyo\.com/i, /klaviyo\.js/i, /\b_learnq\b/], example: '<script src="https://static.klaviyo.com/onsite/js/klaviyo.js?company_id=X"></script>' },
  { id: 'judgeme', kind: 'app', name: 'Judge.me', patterns: [/judge\.me\//i, /\bjdgm[-_]/i, /judgeme/i], example: '<div class="jdgm-widget jdgm-preview-badge"></div>' },
  { id: 'yotpo', kind: 'app', name: 'Yotpo', patterns: [/staticw2\.yotpo\.com/i, /cdn-widgetsrepository\.yotpo\.com/i, /\byotpo-widget/i], example: '<script src="https://cdn-widgetsrepository.yotpo.com/v1/loader/abc"></script>' },
  { id: 'recharge', kind: 'app', name: 'Recharge', patterns: [/rechargecdn\.com/i, /rechargeapps\.com/i, /\bReCharge\b/], example: '<script src="https://static.rechargecdn.com/assets/js/widget.min.js"></script>' },
  { id: 'gorgias', kind: 'app', name: 'Gorgias', patterns: [/config\.gorgias\.chat/i, /gorgias-chat/i, /assets\.gorgias\.io/i], example: '<script id="gorgias-chat-widget-install-v3" src="https://config.gorgias.chat/bundle-loader/01"></script>' },
  { id: 'privy', kind: 'app', name: 'Privy', patterns: [/widget\.privy\.com/i, /\b_privy\b/], example: '<script src="https://widget.privy.com/assets/widget.js"></script>' },
  { id: 'omnisend', kind: 'app', name: 'Omnisend', patterns: [/omnisnippet1\.com/i, /omnisend/i], example: '<script src="https://omnisnippet1.com/inshop/launcher-v2.js"></script>' },
  { id: 'afterpay', kind: 'app', name: 'Afterpay', patterns: [/static\.afterpay\.com/i, /js\.afterpay\.com/i, /afterpay-placement/i, /\bclearpay\b/i], example: '<afterpay-placement data-locale="en_US"></afterpay-placement>' },
  { id: 'klarna', kind: 'app', name: 'Klarna', patterns: [/klarnaservices\.com/i, /x\.klarnacdn\.net/i, /klarna-placement/i], example: '<klarna-placement data-key="credit-promotion-badge"></klarna-placement>' },
  { id: 'attentive', kind: 'app', name: 'Attentive', patterns: [/cdn\.attn\.tv/i], example: '<script src="https://cdn.attn.tv/acme/dtag.js"></script>' },
  { id: 'postscript', kind: 'app', name: 'Postscript', patterns: [/sdk\.postscript\.io/i], example: '<script src="https://sdk.postscript.io/sdk.bundle.js"></script>' },
  { id: 'loox', kind: 'app', name: 'Loox', patterns: [/loox\.io\/widget/i, /\bloox-rating\b/i], example: '<div class="loox-rating" data-id="1"></div>' },
  { id: 'stamped', kind: 'app', name: 'Stamped', patterns: [/cdn\d*\.stamped\.io/i, /stamped-main-widget/i], example: '<script src="https://cdn1.stamped.io/files/widget.min.js"></script>' },
  { id: 'okendo', kind: 'app', name: 'Okendo', patterns: [/okendo\.io/i, /\boke-widget\b/i], example: '<script src="https://cdn-static.okendo.io/reviews-widget-plus/js/okendo-reviews.js"></script>' },
  { id: 'smile', kind: 'app', name: 'Smile.io', patterns: [/cdn\.sweettooth\.io/i, /js\.smile\.io/i], example: '<script src="https://js.smile.io/v1/smile-shopify.js"></script>' },
  { id: 'rebuy', kind: 'app', name: 'Rebuy', patterns: [/rebuyengine\.com/i], example: '<script src="https://cdn.rebuyengine.com/onsite/js/rebuy.js"></script>' },
  { id: 'tidio', kind: 'app', name: 'Tidio', patterns: [/code\.tidio\.co/i], example: '<script src="//code.tidio.co/abc.js"></script>' },
  { id: 'zendesk', kind: 'app', name: 'Zendesk', patterns: [/static\.zdassets\.com/i], example: '<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=1"></script>' },
  { id: 'shop_pay_installments', kind: 'app', name: 'Shop Pay Installments', patterns: [/shopify-payment-terms/i], example: '<shopify-payment-terms variant-id="1"></shopify-payment-terms>' },
  { id: 'hotjar', kind: 'pixel', name: 'Hotjar', patterns: [/static\.hotjar\.com/i, /\bhjid\s*:/], example: '<script>(function(h,o,t,j,a,r){h._hjSettings={hjid:123};})(window,document,"https://static.hotjar.com/c/hotjar-");</script>' },
  { id: 'meta', kind: 'pixel', name: 'Meta (Facebook) pixel', patterns: [/connect\.facebook\.net\/[^"']*\/fbevents\.js/i, /\bfbq\(\s*['"]init['"]/], example: "<script>fbq('init', '123456789');</script>" },
  { id: 'tiktok', kind: 'pixel', name: 'TikTok pixel', patterns: [/analytics\.tiktok\.com/i, /\bttq\.load\(/], example: "<script>ttq.load('C123');</script>" },
  { id: 'google_ads', kind: 'pixel', name: 'Google Ads', patterns: [/googletagmanager\.com\/gtag\/js\?id=AW-/i, /['"]AW-\d{6,}['"]/, /googleadservices\.com/i], example: "<script>gtag('config', 'AW-123456789');</script>" },
  { id: 'google_analytics', kind: 'pixel', name: 'Google Analytics', patterns: [/googletagmanager\.com\/gtag\/js\?id=G-/i, /['"]G-[A-Z0-9]{6,}['"]/, /google-analytics\.com\/analytics\.js/i], example: '<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123XYZ"></script>' },
  { id: 'google_tag_manager', kind: 'pixel', name: 'Google Tag Manager', patterns: [/googletagmanager\.com\/gtm\.js/i, /['"]GTM-[A-Z0-9]{4,}['"]/], example: "<script>(function(w,d,s,l,i){})(window,document,'script','dataLayer','GTM-ABC123');</script>" },
  { id: 'pinterest', kind: 'pixel', name: 'Pinterest tag', patterns: [/s\.pinimg\.com\/ct\/core\.js/i, /\bpintrk\(\s*['"]load['"]/], example: "<script>pintrk('load', '2612345678901');</script>" },
  { id: 'snapchat', kind: 'pixel', name: 'Snap pixel', patterns: [/sc-static\.net\/scevent\.min\.js/i, /\bsnaptr\(\s*['"]init['"]/], example: "<script>snaptr('init', 'abc-123');</script>" },
];

export interface DetectedApp {
  id: string;
  kind: 'app' | 'pixel';
  name: string;
}

export function detectApps(html: string, table: AppSignature[] = APPS): DetectedApp[] {
  const found: DetectedApp[] = [];
  for (const a of table) {
    if (a.patterns.some((p) => p.test(html))) found.push({ id: a.id, kind: a.kind, name: a.name });
  }
  return found;
}
