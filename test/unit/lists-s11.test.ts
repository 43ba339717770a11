// Review s11 (issue 2), /work/review-s11-lists.md: the free-mail, platform and country-suffix lists that decide
// whether a domain is a real merchant's store (lead key, inbox linking, discover, forget).
import { describe, it, expect } from 'vitest';
import { FREEMAIL, isFreemail } from '../../src/domain/normalize.js';
import { isPlatformHost } from '../../src/domain/platforms.js';
import { labelUnderCountrySuffix } from '../../src/domain/country-suffix.js';
import { checkDomainTarget } from '../../src/stages/leads/forget.js';
import { mapHeader, toRow } from '../../src/stages/leads/import-parse.js';
import type { Db } from '../../src/db/open.js';
import { UsageError } from '../../src/errors.js';

const platform = (hosts: string[]) => hosts.filter((h) => !isPlatformHost(h));
const store = (hosts: string[]) => hosts.filter((h) => isPlatformHost(h));
const row = (header: string[], record: string[]) => toRow(record, mapHeader(header).fields);
/** checkDomainTarget with --force: the refusals come before any database lookup. */
const forget = (d: string) => checkDomainTarget(null as unknown as Db, d, true);

describe('#1 link shorteners are platforms', () => {
  it('every one', () => {
    expect(platform(['bit.ly', 'bitly.com', 'tinyurl.com', 'ow.ly', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at', 'is.gd', 'rb.gy', 't.ly', 'tiny.cc', 'lnk.to', 'smarturl.it', 'forms.gle', 'wa.link'])).toEqual([]);
  });
  it('two bit.ly websites do not merge two merchants into lead bit.ly', () => {
    expect(row(['company', 'website'], ['Alpha Candles', 'https://bit.ly/3abc'])).toMatch(/^the website bit\.ly is a social, marketplace or link page/);
    const r = row(['company', 'website', 'email'], ['Beta Soap', 'https://bit.ly/xyz', 'b@betasoap.com']);
    expect(typeof r === 'string' ? r : r.domain).toBe('betasoap.com');
  });
});

describe('#2 link-in-bio hosts are platforms', () => {
  it('every one, Shopify’s Linkpop included', () => {
    expect(platform(['linkpop.com', 'bio.site', 'heylink.me', 'lit.link', 'flowpage.com', 'tap.bio', 'komi.io', 'linkr.bio', 'instabio.cc', 'shor.by', 'contactinbio.com', 'withkoji.com', 'direct.me', 'bento.me', 'beacons.page', 'taplink.at', 'taplink.ws', 'milkshake.app'])).toEqual([]);
  });
});

describe('#3 social hosts are platforms', () => {
  it('every one', () => {
    expect(platform(['threads.com', 'www.threads.com', 'ig.me', 'fb.watch', 'redd.it', 'line.me', 'lin.ee', 'bsky.app', 'ok.ru', 'vk.ru', 'douyin.com', 'xhslink.com', 'pf.kakao.com', 'kakao.com'])).toEqual([]);
  });
});

describe('#4 Asian, LatAm and EU marketplaces and classifieds are platforms', () => {
  it('every one', () => {
    expect(platform([
      'shopee.sg', 'shopee.co.id', 'shopee.com.my', 'shopee.ph', 'shopee.vn', 'shopee.tw', 'shopee.com.br', 'lazada.sg', 'lazada.co.th', 'lazada.com.ph',
      'tokopedia.com', 'taobao.com', 'item.taobao.com', 'tmall.com', 'jd.com', '1688.com', 'dhgate.com', 'flipkart.com', 'meesho.com', 'noon.com',
      'jumia.com.ng', 'jumia.co.ke', 'takealot.com', 'trademe.co.nz', 'catch.com.au', 'ozon.ru', 'wildberries.ru', 'avito.ru', 'trendyol.com',
      'hepsiburada.com', 'otto.de', 'kaufland.de', 'fnac.com', 'manomano.fr', 'asos.com', 'onbuy.com', 'fruugo.com', 'walmart.ca', 'walmart.com.mx',
      'poshmark.ca', 'depop.co.uk', 'grailed.com', 'vestiairecollective.com', 'reverb.com', 'discogs.com', 'booth.pm', 'minne.com', 'creema.jp',
      'store.shopping.yahoo.co.jp', 'olx.pl', 'olx.com.br', 'gumtree.com.au', 'kijiji.ca', 'wallapop.com', 'subito.it', 'willhaben.at', 'blocket.se',
      'finn.no', 'dba.dk', '2dehands.be',
    ])).toEqual([]);
  });
  it('a shop on them does not become lead shopee.sg', () => {
    expect(row(['company', 'website', 'email'], ['Shop A', 'https://shopee.sg/shopa', 'a@gmail.com'])).toMatch(/^the website shopee\.sg is a social/);
  });
});

describe('#5 Microsoft 365 tenant addresses', () => {
  it('x.onmicrosoft.com is free-mail-like: never a lead key, never linked by domain', () => {
    for (const d of ['alphacandles.onmicrosoft.com', 'betasoap.onmicrosoft.com', 'onmicrosoft.com']) {
      expect(isFreemail(d)).toBe(true);
      expect(FREEMAIL.has(d)).toBe(true);
    }
    expect(row(['company', 'email'], ['Alpha Candles', 'ceo@alphacandles.onmicrosoft.com'])).toBe('no website/domain, and onmicrosoft.com is a free-mail provider');
    const r = row(['company', 'website', 'email'], ['Alpha Candles', 'alphacandles.com', 'ceo@alphacandles.onmicrosoft.com']);
    expect(typeof r === 'string' ? r : r.domain).toBe('alphacandles.com');
  });
});

describe('#6 privacy relays are free-mail', () => {
  it.each(['privaterelay.appleid.com', 'mozmail.com', 'relay.firefox.com', 'duck.com', 'passinbox.com', 'passmail.net', 'aleeas.com', 'slmails.com', 'simplelogin.com', 'addy.io', 'anonaddy.me', 'jane.anonaddy.com'])('%s', (d) => {
    expect(isFreemail(d)).toBe(true);
    expect(row(['company', 'email'], ['Shop', `l@${d}`])).toMatch(/^no website\/domain, and .* is a free-mail provider$/);
  });
  it('an Apple relay row is refused instead of becoming lead appleid.com', () => {
    expect(row(['company', 'email'], ['Shop', 'l@privaterelay.appleid.com'])).toBe('no website/domain, and appleid.com is a free-mail provider');
  });
});

describe('#7 more free-mail providers by country', () => {
  it('every one', () => {
    const missing = [
      'magenta.de', 'vodafonemail.de', 'kabelbw.de', 'unitybox.de', 'ewetel.net', 'netcologne.de', 'tom.com', '21cn.com', 'wo.cn', 'ybb.ne.jp',
      'plala.or.jp', 'dion.ne.jp', 'jcom.home.ne.jp', 'ro.ru', 'autorambler.ru', 'myrambler.ru', 'rambler.ua', 'bigmir.net', 'maktoob.com',
      '012.net.il', 'katamail.com', 'upcmail.nl', 'onet.eu', 'poczta.fm', 'go2.pl', 'int.pl', 'buziaczek.pl', 'tele2.se', 'bahnhof.se', 'c2i.net',
      'ofir.dk', 'stofanet.dk', 'kolumbus.fi', 'saunalahti.fi', 'pp.inet.fi', 'welho.com', 'netscape.net', 'cs.com', 'wmconnect.com', 'mchsi.com',
      'hughes.net', 'bresnan.net', 'iafrica.com', 'absamail.co.za', 'vtr.net', 'ciudad.com.ar', 'iprimus.com.au', 'aapt.net.au', 'superonline.com',
      'ttmail.com',
    ].filter((d) => !isFreemail(d));
    expect(missing).toEqual([]);
  });
});

describe('#8 Colombia (.com.co) and other country second levels under generic codes', () => {
  it('families match under com.co, net.co, com.ai, com.ly, com.vc', () => {
    expect(platform(['mercadolibre.com.co', 'google.com.co', 'youtube.com.co', 'amazon.com.ai', 'ebay.com.ly', 'shopee.com.co'])).toEqual([]);
    for (const d of ['yahoo.com.co', 'hotmail.com.co', 'outlook.com.co', 'mail.yahoo.com.co', 'live.net.co']) expect(isFreemail(d)).toBe(true);
    expect(labelUnderCountrySuffix('mercadolibre.com.co')).toBe('mercadolibre');
  });
  it('a family directly under a generic code still does not count', () => {
    expect(store(['google.co', 'amazon.io', 'yelp.io', 'mercadolibre.co', 'amazon.com.gd'])).toEqual([]);
    for (const d of ['yahoo.co', 'live.io', 'hotmail.me', 'shop.com.co', 'candles.com.co']) expect(isFreemail(d)).toBe(false);
    expect(labelUnderCountrySuffix('amazon.co')).toBeNull();
  });
});

describe('#9 myshopify.com and Shopify’s own sites', () => {
  it('myshopify.com itself is no store; a store on it is', () => {
    expect(isPlatformHost('myshopify.com')).toBe(true);
    expect(store(['x.myshopify.com', 'bijoux.myshopify.com:443', 'X.MYSHOPIFY.COM', 'x.myshopify.com.'])).toEqual([]);
    expect(row(['company', 'website'], ['Shop', 'https://www.myshopify.com'])).toMatch(/^the website myshopify\.com is a social/);
  });
  it('Shopify country sites and theme previews are platforms', () => {
    expect(platform(['shopify.ca', 'shopify.co.uk', 'shopify.com.au', 'shopify.de', 'shopify.fr', 'shopify.in', 'shopify.co.nz', 'shopify.com.sg', 'shopify.jp', 'xyz.shopifypreview.com'])).toEqual([]);
  });
});

describe('#10 forget: one merchant’s site on a site builder’s subdomain', () => {
  it.each(['brand.squarespace.com', 'brand.wordpress.com', 'brand.storenvy.com', 'brand.gumroad.com', 'brand.tumblr.com', 'shop.brand.wordpress.com'])('%s can be forgotten by domain', (d) => {
    expect(forget(d)).toBe(d);
  });
  it.each(['squarespace.com', 'www.squarespace.com', 'support.squarespace.com', 'wordpress.com', 'de.wordpress.com', 'tumblr.com', 'instagram.com', 'm.facebook.com', 'bit.ly', 'myshopify.com', 'shopee.sg'])(
    '%s is still refused',
    (d) => expect(() => forget(d)).toThrow(UsageError),
  );
  it('the platform refusal names it', () => {
    expect(() => forget('squarespace.com')).toThrow(/is a platform/);
    expect(() => forget('x.onmicrosoft.com')).toThrow(/is a free-mail provider/);
  });
});

describe('LOW #11, #13, #14', () => {
  it('Square’s own links and the bare Big Cartel, Square Site and Wixsite domains are platforms; their stores are not', () => {
    expect(platform(['squareup.com', 'squareup.com:443', 'square.link', 'bigcartel.com', 'square.site', 'wixsite.com'])).toEqual([]);
    expect(store(['x.bigcartel.com', 'x.square.site', 'x.wixsite.com'])).toEqual([]);
  });
  it('live.* under generic endings is not Microsoft’s', () => {
    for (const d of ['live.ag', 'live.bz', 'live.cx', 'live.li', 'live.pw', 'live.st', 'live.sx', 'live.vg', 'live.mn', 'live.gs']) expect(isFreemail(d)).toBe(false);
    for (const d of ['live.fr', 'live.co.uk', 'live.com.au', 'live.com.ag']) expect(isFreemail(d)).toBe(true);
    expect(forget('live.li')).toBe('live.li');
  });
  it('allegro is Allegro only in its countries', () => {
    expect(platform(['allegro.pl', 'allegro.cz', 'allegro.sk', 'allegro.hu'])).toEqual([]);
    expect(store(['allegro.it', 'allegro.de', 'allegro.fr'])).toEqual([]);
  });
  it('upper case, a trailing dot or a port are tolerated by the exported tests', () => {
    for (const d of ['GMAIL.COM', 'gmail.com.', 'hotmail.fr:443', 'Mail.Yahoo.Co.JP', 'X.ONMICROSOFT.COM']) {
      expect(isFreemail(d)).toBe(true);
      expect(FREEMAIL.has(d)).toBe(true);
    }
    expect(platform(['ETSY.COM', 'etsy.com.', 'amazon.co.uk.', 'Amazon.De:8080', 'BIT.LY'])).toEqual([]);
    expect(isFreemail('SHOP.COM')).toBe(false);
    expect(isPlatformHost('SHOP.COM.')).toBe(false);
  });
});

describe('no false positives on ordinary store names', () => {
  it('prefix and word lookalikes stay stores and are not free-mail', () => {
    const stores = ['outlook-coffee.com', 'liveshop.de', 'yahoo-jewelry.co.uk', 'orange-bakery.fr', 'olxfan.com', 'shopee-style.com', 'shopifyexperts.com', 'bitly-fan.com', 'lineshop.jp', 'magenta-design.de', 'tiktokshop.com', 'amazon.store', 'asosfan.co.uk', 'noon-bakery.com'];
    expect(store(stores)).toEqual([]);
    expect(stores.filter((d) => isFreemail(d))).toEqual([]);
  });
});
