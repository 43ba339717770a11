// Hosts that are never a merchant's own storefront: social networks, marketplaces, link-in-bio pages, review and
// map sites, and the e-commerce platforms' own sites. `discover` drops them from search hits; `leads import` does not
// key a lead by them (a spreadsheet's "website" is often an Instagram, Etsy or Linktree page: every such row would
// merge into one lead `instagram.com`). A store's own subdomain of its platform (`x.myshopify.com`) is a store.

/** Registrable domains (and their subdomains) that are platforms, not stores. */
const NOT_STORES = new Set([
  // e-commerce platforms' and site builders' own sites (their stores live on custom domains or x.myshopify.com)
  'shopify.com', 'shopify.dev', 'shopifycdn.com', 'shop.app', 'wix.com', 'squarespace.com', 'bigcommerce.com', 'woocommerce.com',
  'wordpress.com', 'github.com', 'builtwith.com', 'storeleads.app', 'myip.ms', 'similarweb.com',
  // social networks and messaging
  'facebook.com', 'fb.com', 'fb.me', 'm.me', 'messenger.com', 'instagram.com', 'instagr.am', 'threads.net', 'tiktok.com',
  'twitter.com', 'x.com', 't.co', 'linkedin.com', 'lnkd.in', 'pinterest.com', 'pin.it', 'youtube.com', 'youtu.be',
  'snapchat.com', 'tumblr.com', 'reddit.com', 'whatsapp.com', 'wa.me', 't.me', 'telegram.me', 'discord.gg', 'discord.com',
  'vk.com', 'weibo.com', 'xiaohongshu.com', 'behance.net', 'dribbble.com', 'vimeo.com', 'twitch.tv', 'medium.com',
  'substack.com', 'patreon.com', 'ko-fi.com', 'buymeacoffee.com', 'kickstarter.com', 'indiegogo.com', 'gofundme.com',
  'quora.com', 'wikipedia.org',
  // link-in-bio pages
  'linktr.ee', 'linktree.com', 'beacons.ai', 'bio.link', 'linkin.bio', 'lnk.bio', 'taplink.cc', 'campsite.bio', 'solo.to',
  'hoo.be', 'msha.ke', 'allmylinks.com', 'linkbio.co', 'snipfeed.co', 'stan.store',
  // marketplaces
  'etsy.com', 'etsy.me', 'amzn.to', 'amzn.eu', 'a.co', 'ebay.to', 'alibaba.com', 'walmart.com', 'notonthehighstreet.com',
  'folksy.com', 'depop.com', 'poshmark.com', 'mercari.com', 'bonanza.com', 'wish.com', 'temu.com', 'shein.com', 'faire.com',
  'ankorstore.com', 'cdiscount.com', 'bol.com', 'allegro.pl', 'leboncoin.fr', 'kleinanzeigen.de', 'ebay-kleinanzeigen.de',
  'marktplaats.nl', 'mercadolivre.com.br', 'craigslist.org', 'gumtree.com', 'redbubble.com', 'society6.com', 'zazzle.com',
  'teepublic.com', 'creativemarket.com', 'gumroad.com', 'houzz.com', 'artfire.com', 'storenvy.com',
  // search, maps, reviews
  'google.com', 'g.page', 'goo.gl', 'g.co', 'apple.com', 'yelp.com', 'trustpilot.com', 'tripadvisor.com',
  'foursquare.com', 'bing.com',
]);

// isPlatformHost looks an entry up by the host's last two labels, or three under a country's second level
// (`mercadolivre.com.br`): an entry of any other shape would never match.
for (const d of NOT_STORES) {
  const labels = d.split('.');
  if (labels.length !== 2 && !(labels.length === 3 && ['co', 'com', 'net', 'ne', 'or', 'org'].includes(labels[1]!) && labels[2]!.length === 2)) {
    throw new Error(`platforms.ts: ${d} cannot be looked up`);
  }
}

/** Platform families: the registrable domain's own label, under `.com` or any country suffix (`amazon.co.uk`, `ebay.de`). */
const FAMILIES = new Set([
  'amazon', 'ebay', 'etsy', 'pinterest', 'facebook', 'instagram', 'google', 'yelp', 'tripadvisor', 'trustpilot', 'aliexpress',
  'rakuten', 'mercadolibre', 'mercadolivre', 'vinted', 'zalando', 'allegro', 'linkedin', 'youtube', 'tiktok',
]);
for (const f of FAMILIES) NOT_STORES.add(`${f}.com`);

/** Country codes sold worldwide as generic names: `amazon.io`, `ebay.co` are not the platforms'. */
const GENERIC_CC = new Set(['io', 'co', 'me', 'tv', 'ai', 'fm', 'ly', 'gg', 'sh', 'to', 'cc', 'ws', 'so', 'gd', 'vc', 'la', 'ac', 'ms', 'nu', 'tk', 'im']);
/** The second-level labels under which a country registers commercial domains (`co.uk`, `com.br`, `ne.jp`). */
const COUNTRY_SECOND_LEVEL = new Set(['co', 'com', 'net', 'ne', 'or', 'org']);

/**
 * Is this host (a normalized domain: lower case, maybe with `:port`) a platform rather than a store? The host or a
 * parent domain is in the list (`community.shopify.com`, `m.facebook.com`), or its registrable domain is a platform
 * family's (`amazon.fr`, `ebay.co.uk`, `pinterest.de`, `amazon.com.au`). `*.myshopify.com` stores are not platforms.
 * It runs on every row of an import with a website: one substring and one lookup for a `shop.com`.
 */
export function isPlatformHost(host: string): boolean {
  let h = host;
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  const p1 = h.lastIndexOf('.');
  if (p1 <= 0) return false;
  const p2 = h.lastIndexOf('.', p1 - 1);
  // the last two labels: `shopify.com` for `community.shopify.com`, `co.uk` for `amazon.co.uk`
  if (NOT_STORES.has(p2 < 0 ? h : h.slice(p2 + 1))) return !h.endsWith('.myshopify.com');
  const tldLength = h.length - p1 - 1;
  const isCountry = tldLength === 2 && !GENERIC_CC.has(h.slice(p1 + 1));
  // `L.com` of every family is in NOT_STORES: a `.com` host was fully checked by the lookup above
  if (!isCountry) return false;
  const second = h.slice(p2 + 1, p1);
  if (p2 > 0 && COUNTRY_SECOND_LEVEL.has(second)) {
    // `amazon.co.uk`, `mercadolivre.com.br`, `www.ebay.com.au`: the label left of the two-label suffix
    const p3 = h.lastIndexOf('.', p2 - 1);
    return FAMILIES.has(h.slice(p3 + 1, p2)) || NOT_STORES.has(h.slice(p3 + 1));
  }
  return FAMILIES.has(second);
}
