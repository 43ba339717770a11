// Hosts that are never a merchant's own storefront: social networks, marketplaces, classifieds, link-in-bio pages,
// link shorteners, review and map sites, and the e-commerce platforms' own sites. `discover` drops them from search
// hits; `leads import` does not key a lead by them (a spreadsheet's "website" is often an Instagram, Etsy, Linktree
// or bit.ly link: every such row would merge into one lead `instagram.com`). A store's own subdomain of its
// platform (`x.myshopify.com`, `x.bigcartel.com`) is a store; the platform's bare domain is not.
import { COUNTRY_SECOND_LEVEL, countrySuffixDot, tidyHost } from './country-suffix.js';

/** Registrable domains (and their subdomains) that are platforms, not stores. */
const NOT_STORES = new Set([
  // e-commerce platforms' and site builders' own sites (their stores live on custom domains or x.myshopify.com)
  'shopify.com', 'shopify.dev', 'shopifycdn.com', 'shopifypreview.com', 'shop.app', 'linkpop.com', 'wix.com', 'squarespace.com',
  'bigcommerce.com', 'woocommerce.com', 'wordpress.com', 'github.com', 'builtwith.com', 'storeleads.app', 'myip.ms',
  'similarweb.com', 'squareup.com', 'square.link',
  // social networks and messaging
  'facebook.com', 'fb.com', 'fb.me', 'fb.watch', 'm.me', 'messenger.com', 'instagram.com', 'instagr.am', 'ig.me', 'threads.net',
  'threads.com', 'tiktok.com', 'twitter.com', 'x.com', 't.co', 'linkedin.com', 'lnkd.in', 'pinterest.com', 'pin.it', 'youtube.com',
  'youtu.be', 'snapchat.com', 'tumblr.com', 'reddit.com', 'redd.it', 'whatsapp.com', 'wa.me', 'wa.link', 't.me', 'telegram.me',
  'discord.gg', 'discord.com', 'line.me', 'lin.ee', 'bsky.app', 'vk.com', 'vk.ru', 'vk.cc', 'ok.ru', 'weibo.com', 'douyin.com',
  'xiaohongshu.com', 'xhslink.com', 'bilibili.com', 'b23.tv', 'wechat.com', 'kakao.com', 'naver.com', 'naver.me', 'ameblo.jp',
  'behance.net', 'dribbble.com', 'vimeo.com', 'twitch.tv', 'medium.com', 'substack.com', 'patreon.com', 'ko-fi.com',
  'buymeacoffee.com', 'kickstarter.com', 'indiegogo.com', 'gofundme.com', 'quora.com', 'wikipedia.org',
  // link-in-bio pages
  'linktr.ee', 'linktree.com', 'tr.ee', 'beacons.ai', 'beacons.page', 'bio.link', 'bio.site', 'linkin.bio', 'lnk.bio',
  'taplink.cc', 'taplink.at', 'taplink.ws', 'campsite.bio', 'solo.to', 'hoo.be', 'msha.ke', 'milkshake.app', 'allmylinks.com',
  'linkbio.co', 'snipfeed.co', 'stan.store', 'heylink.me', 'lit.link', 'flowpage.com', 'tap.bio', 'komi.io', 'linkr.bio',
  'instabio.cc', 'shor.by', 'contactinbio.com', 'withkoji.com', 'koji.to', 'direct.me', 'bento.me', 'linkfly.to', 'zaap.bio',
  'biolinky.co',
  // link shorteners
  'bit.ly', 'bitly.com', 'tinyurl.com', 'ow.ly', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at', 'is.gd', 'v.gd', 'rb.gy',
  't.ly', 'tiny.cc', 'lnk.to', 'smarturl.it', 'forms.gle', 'bl.ink', 's.id', 'qrco.de', 'dub.sh', 'geni.us', 'spoti.fi',
  'apple.co', 'snip.ly',
  // marketplaces
  'etsy.com', 'etsy.me', 'amzn.to', 'amzn.eu', 'a.co', 'ebay.to', 'alibaba.com', 'notonthehighstreet.com', 'folksy.com',
  'mercari.com', 'bonanza.com', 'wish.com', 'temu.com', 'shein.com', 'faire.com', 'ankorstore.com', 'cdiscount.com', 'bol.com',
  'allegro.pl', 'allegro.cz', 'allegro.sk', 'allegro.hu', 'allegrolokalnie.pl', 'mercadolivre.com.br', 'redbubble.com',
  'society6.com', 'zazzle.com', 'teepublic.com', 'creativemarket.com', 'gumroad.com', 'houzz.com', 'artfire.com', 'storenvy.com',
  'tokopedia.com', 'bukalapak.com', 'taobao.com', 'tmall.com', 'jd.com', '1688.com', 'dhgate.com', 'flipkart.com',
  'meesho.com', 'noon.com', 'takealot.com', 'trademe.co.nz', 'catch.com.au', 'ozon.ru', 'avito.ru', 'trendyol.com',
  'hepsiburada.com', 'n11.com', 'otto.de', 'onbuy.com', 'grailed.com', 'reverb.com', 'discogs.com', 'booth.pm', 'minne.com',
  'creema.jp', 'pinkoi.com', 'coupang.com', 'gmarket.co.kr', '11st.co.kr', 'elo7.com.br', 'americanas.com.br',
  'magazineluiza.com.br',
  // classifieds
  'craigslist.org', 'leboncoin.fr', 'kleinanzeigen.de', 'ebay-kleinanzeigen.de', 'marktplaats.nl', 'kijiji.ca',
  'wallapop.com', 'milanuncios.com', 'subito.it', 'willhaben.at', 'blocket.se', 'finn.no', 'dba.dk', '2dehands.be',
  '2ememain.be', 'tori.fi',
  // search, maps, reviews
  'g.page', 'goo.gl', 'g.co', 'apple.com', 'foursquare.com', 'bing.com',
  // platforms whose subdomains are each one store (SUBDOMAIN_STORES): only the bare domain is a platform
  'myshopify.com', 'bigcartel.com', 'square.site', 'wixsite.com',
]);

/** Platforms whose every subdomain is one store's own site (`x.myshopify.com`): only the bare domain is no store. */
const SUBDOMAIN_STORES = new Set(['myshopify.com', 'bigcartel.com', 'square.site', 'wixsite.com']);

/** Platform families: the registrable domain's own label, under `.com` or any country suffix (`amazon.co.uk`, `ebay.de`). */
const FAMILIES = new Set([
  'amazon', 'ebay', 'etsy', 'pinterest', 'facebook', 'instagram', 'google', 'yelp', 'tripadvisor', 'trustpilot', 'aliexpress',
  'rakuten', 'mercadolibre', 'mercadolivre', 'vinted', 'zalando', 'linkedin', 'youtube', 'tiktok', 'shopify', 'yahoo',
  'shopee', 'lazada', 'olx', 'jumia', 'walmart', 'gumtree', 'kaufland', 'fnac', 'manomano', 'asos', 'fruugo', 'poshmark',
  'depop', 'vestiairecollective', 'wildberries', 'qoo10', 'mercari',
]);
for (const f of FAMILIES) NOT_STORES.add(`${f}.com`);

// isPlatformHost looks an entry up by the host's last two labels, or three under a country's second level
// (`mercadolivre.com.br`): an entry of any other shape would never match.
for (const d of NOT_STORES) {
  const labels = d.split('.');
  if (labels.length !== 2 && !(labels.length === 3 && COUNTRY_SECOND_LEVEL.has(labels[1]!) && labels[2]!.length === 2)) {
    throw new Error(`platforms.ts: ${d} cannot be looked up`);
  }
}

function lookup(h: string): boolean {
  const p1 = h.lastIndexOf('.');
  if (p1 <= 0) return false;
  const p2 = h.lastIndexOf('.', p1 - 1);
  // the last two labels: `shopify.com` for `community.shopify.com`, `co.uk` for `amazon.co.uk`
  const last2 = p2 < 0 ? h : h.slice(p2 + 1);
  if (NOT_STORES.has(last2)) return p2 < 0 || !SUBDOMAIN_STORES.has(last2);
  // `L.com` of every family is in NOT_STORES: a `.com` host was fully checked by the lookup above
  if (h.length - p1 !== 3) return false;
  const end = countrySuffixDot(h, p1, p2);
  if (end <= 0) return false;
  const start = h.lastIndexOf('.', end - 1) + 1;
  // `amazon.fr`, `ebay.co.uk`, `mercadolibre.com.co`; a three-label entry (`trademe.co.nz`) under a country's second level
  return FAMILIES.has(h.slice(start, end)) || (end !== p1 && NOT_STORES.has(h.slice(start)));
}

/**
 * Is this host (a normalized domain: lower case, maybe with `:port`) a platform rather than a store? The host or a
 * parent domain is in the list (`community.shopify.com`, `m.facebook.com`, `bit.ly`), or its registrable domain is a
 * platform family's (`amazon.fr`, `ebay.co.uk`, `pinterest.de`, `amazon.com.au`, `shopee.sg`). `*.myshopify.com`
 * stores are not platforms (`myshopify.com` itself is). Upper case and a trailing dot are tolerated (checked only
 * when the plain test says no). It runs on every row of an import with a website: a few Set lookups.
 */
export function isPlatformHost(host: string): boolean {
  let h = host;
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (lookup(h)) return true;
  const t = tidyHost(h);
  return t !== h && lookup(t);
}

/**
 * Site builders and creator platforms whose subdomains are each one merchant's or creator's own site
 * (`brand.squarespace.com`, `x.wordpress.com`, `x.tumblr.com`): isPlatformHost counts them (the import keys no lead
 * by them), but such a host is one site, so `leads forget` can erase it by domain. The platform's own service hosts
 * (`support.squarespace.com`, `de.wordpress.com`) are not: see isBuilderSiteHost.
 */
const SITE_BUILDERS = new Set(['squarespace.com', 'wordpress.com', 'tumblr.com', 'storenvy.com', 'gumroad.com', 'substack.com']);
/** The platforms' own host names under those domains (a language code, two letters or fewer, counts too). */
const SERVICE_LABELS = new Set([
  'www', 'api', 'app', 'apps', 'help', 'support', 'status', 'blog', 'news', 'developer', 'developers', 'docs', 'login', 'signin',
  'signup', 'auth', 'account', 'accounts', 'mail', 'email', 'admin', 'static', 'cdn', 'assets', 'images', 'img', 'media',
  'community', 'forum', 'forums', 'store', 'shop', 'public-api', 'dashboard', 'pay', 'payments', 'careers', 'jobs',
  'press', 'engineering', 'design', 'about', 'legal', 'privacy', 'security', 'discover', 'explore', 'wordpress', 'en',
]);

/**
 * Is this host one site on a site builder's subdomain (`brand.squarespace.com`, `shop.brand.wordpress.com`), not the
 * platform itself (`squarespace.com`) nor one of its service hosts (`support.squarespace.com`, `fr.wordpress.com`)?
 * `host` is normalized (lower case, no port).
 */
export function isBuilderSiteHost(host: string): boolean {
  const p1 = host.lastIndexOf('.');
  const p2 = host.lastIndexOf('.', p1 - 1);
  if (p2 <= 0 || !SITE_BUILDERS.has(host.slice(p2 + 1))) return false;
  const label = host.slice(host.lastIndexOf('.', p2 - 1) + 1, p2);
  return label.length > 2 && !SERVICE_LABELS.has(label);
}
