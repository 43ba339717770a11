// Review s11 (issue 2) findings on the import's row parsing: free-mail providers beyond a short list (#1), a social
// or marketplace page as the website (#2), --map by exact header text (#5), "Last, First" and titled names (#6),
// CRM opt-out columns (#7), CRM header aliases and country spellings (#10).
import { describe, it, expect } from 'vitest';
import { mapHeader, splitFullName, suppressionOf, toRow, type Row } from '../../src/stages/leads/import-parse.js';
import { FREEMAIL, isFreemail, normalizeCountry } from '../../src/domain/normalize.js';
import { isPlatformHost } from '../../src/domain/platforms.js';
import { isPlatformHost as fromCandidates } from '../../src/stages/discover/candidates.js';
import { UsageError } from '../../src/errors.js';

const row = (header: string[], record: string[], map?: Record<string, string>): Row | string => toRow(record, mapHeader(header, map).fields);
const ok = (r: Row | string): Row => {
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('#1 free-mail providers', () => {
  it.each([
    'hotmail.fr', 'hotmail.it', 'hotmail.es', 'hotmail.de', 'hotmail.com.br', 'outlook.fr', 'outlook.de', 'outlook.com.au', 'live.co.uk',
    'live.fr', 'live.ca', 'yahoo.fr', 'yahoo.ca', 'yahoo.de', 'yahoo.es', 'yahoo.co.uk', 'yahoo.co.jp', 'yahoo.com.au', 'mail.yahoo.co.jp',
    'aol.fr', 'gmx.at', 'gmx.ch', 'eu.gmx.net', 'yandex.ua', 'btinternet.com', 'comcast.net', 'pm.me', 'laposte.net', 'sfr.fr',
    'wanadoo.fr', 'bluewin.ch', 'virginmedia.com', 'sky.com', 'talktalk.net', 'verizon.net', 'att.net', 'sbcglobal.net', 'bellsouth.net',
    'cox.net', 'charter.net', 'earthlink.net', 'shaw.ca', 'rogers.com', 'sympatico.ca', 'bigpond.com', 'optusnet.com.au', 'xtra.co.nz',
    'icloud.com', 'me.com', 'proton.me', 'tutanota.com', 'zoho.com', 'mail.ru', 'qq.com', '163.com', '126.com', 'naver.com', 'seznam.cz',
    'wp.pl', 'o2.pl', 'interia.pl', 'telenet.be', 'skynet.be', 'ziggo.nl', 'kpnmail.nl', 'home.nl', 'planet.nl', 'uol.com.br', 'bol.com.br',
    'ig.com.br', 'terra.com.br', 'libero.it', 'virgilio.it', 'tiscali.it', 'alice.it', 't-online.de', 'freenet.de', 'web.de', 'free.fr',
    'orange.fr', 'gmail.com',
    // review-s11-lists #5 to #8: M365 tenants, privacy relays, more ISPs, Colombia
    'alphacandles.onmicrosoft.com', 'privaterelay.appleid.com', 'mozmail.com', 'addy.io', 'magenta.de', 'vodafonemail.de', 'netscape.net',
    'tom.com', 'ybb.ne.jp', 'upcmail.nl', 'yahoo.com.co', 'hotmail.com.co', 'outlook.com.co',
  ])('%s is free-mail (isFreemail and FREEMAIL.has, as inbox/store.ts and enrich use it)', (d) => {
    expect(isFreemail(d)).toBe(true);
    expect(FREEMAIL.has(d)).toBe(true);
  });

  it.each(['shop.com', 'bijoux-a.com', 'candles.co.uk', 'hotmail-shop.com', 'myyahoo.com', 'live.io', 'outlook.store', 'live.net', 'mail.shop.com', 'x.myshopify.com', 'live.li', 'live.pw', 'yahoo.co', 'appleid.com'])(
    '%s is not free-mail',
    (d) => expect(isFreemail(d)).toBe(false),
  );

  it('refuses email-only rows at those providers instead of keying a shared lead by the provider', () => {
    expect(row(['company', 'email'], ['Bijoux Anne', 'anne@hotmail.fr'])).toBe('no website/domain, and hotmail.fr is a free-mail provider');
    expect(row(['company', 'email'], ['Candles UK', 'kate@btinternet.com'])).toBe('no website/domain, and btinternet.com is a free-mail provider');
    expect(row(['company', 'email'], ['Kyoto', 'k@mail.yahoo.co.jp'])).toBe('no website/domain, and yahoo.co.jp is a free-mail provider');
    expect(ok(row(['company', 'email'], ['Shop', 'bob@mail.shop.co.uk'])).domain).toBe('shop.co.uk');
  });
});

describe('#2 a social, marketplace or link page is no store key', () => {
  it.each([
    'https://www.instagram.com/bijoux_a', 'instagram.com/candles_b', 'https://www.etsy.com/shop/x', 'facebook.com/x', 'linktr.ee/x',
    'https://www.tiktok.com/@x', 'amazon.co.uk/shops/x', 'https://www.ebay.de/str/x', 'pinterest.fr/x', 'youtube.com/@x', 'x.com/x',
    'twitter.com/x', 'linkedin.com/company/x', 'wa.me/33612345678', 'm.facebook.com/x', 'beacons.ai/x',
    // review-s11-lists #1 to #4, #8, #9, #11
    'https://bit.ly/3abc', 'tinyurl.com/x', 'https://linkpop.com/x', 'bio.site/x', 'https://www.threads.com/@x', 'line.me/R/ti/p/@x',
    'https://shopee.sg/x', 'lazada.co.th/shop/x', 'olx.pl/d/x', 'otto.de/x', 'articulo.mercadolibre.com.co/x', 'https://www.myshopify.com',
    'shopify.co.uk/x', 'squareup.com/store/x', 'square.link/u/x',
  ])('%s: the row email’s own domain is the store', (site) => {
    const r = ok(row(['company', 'website', 'email'], ['Bijoux A', site, 'a@bijoux-a.com']));
    expect(r.domain).toBe('bijoux-a.com');
    expect(r.url).toBe('https://bijoux-a.com');
    expect(r.email).toBe('a@bijoux-a.com');
  });

  it('refuses the row when the email is free-mail or missing, with a clear reason', () => {
    expect(row(['company', 'website', 'email'], ['B', 'https://www.instagram.com/b', 'b@gmail.com'])).toBe(
      "the website instagram.com is a social, marketplace or link page, not the store's own site, and the email's domain gmail.com is a free-mail provider: give the store's own website",
    );
    expect(row(['company', 'website'], ['C', 'etsy.com/shop/c'])).toBe(
      "the website etsy.com is a social, marketplace or link page, not the store's own site, and the row has no email at the store's own domain: give the store's own website",
    );
  });

  it('an address at the platform itself keeps the platform as the lead (the platform company’s own row)', () => {
    expect(ok(row(['website', 'email'], ['x.com', 'a@x.com'])).domain).toBe('x.com');
    expect(ok(row(['website', 'email'], ['https://www.etsy.com/careers', 'jobs@help.etsy.com'])).domain).toBe('etsy.com');
    expect(ok(row(['website', 'email'], ['x.com', 'a@shop-x.com'])).domain).toBe('shop-x.com');
  });

  it('a Shopify store on its own domain or on myshopify.com stays a key', () => {
    expect(ok(row(['website', 'email'], ['https://shop-b.com', 'b@gmail.com'])).domain).toBe('shop-b.com');
    expect(ok(row(['website', 'email'], ['bijoux.myshopify.com/products/x', 'b@gmail.com'])).domain).toBe('bijoux.myshopify.com');
    expect(isPlatformHost('bijoux.myshopify.com')).toBe(false);
  });

  it('isPlatformHost moved to src/domain and is still exported by discover', () => {
    expect(fromCandidates).toBe(isPlatformHost);
    for (const h of ['community.shopify.com', 'amazon.fr', 'www.amazon.com.au', 'ebay.co.uk', 'mercadolivre.com.br', 'instagram.com:443']) expect(isPlatformHost(h)).toBe(true);
    for (const h of ['shopify-lover.com', 'amazonia.fr', 'amazon.io', 'candles.co.uk', 'shop.com']) expect(isPlatformHost(h)).toBe(false);
    // review-s11-lists: Colombia, myshopify.com, allegro only in its countries, upper case and a trailing dot
    for (const h of ['mercadolibre.com.co', 'myshopify.com', 'shopee.com.my', 'bit.ly', 'ETSY.COM', 'amazon.co.uk.']) expect(isPlatformHost(h)).toBe(true);
    for (const h of ['allegro.it', 'bijoux.bigcartel.com', 'mercadolibre.co']) expect(isPlatformHost(h)).toBe(false);
  });
});

describe('#5 --map names a column by its exact header text first', () => {
  it('of E-mail and Email, --map E-mail=notes takes E-mail; Email keeps its alias', () => {
    const m = mapHeader(['Website', 'E-mail', 'Email'], { 'E-mail': 'notes' });
    expect(m.fields).toEqual(['domain', 'notes', 'email']);
    expect(m.ignored).toEqual([]);
    const r = ok(toRow(['a.com', 'old@a.com', 'ann@a.com'], m.fields));
    expect([r.notes, r.email]).toEqual(['old@a.com', 'ann@a.com']);
  });

  it('two headers that fold to one key can be mapped separately, in any case, trimmed', () => {
    expect(mapHeader(['Website', 'E-mail', 'Email'], { ' e-MAIL ': 'notes', email: 'email' }).fields).toEqual(['domain', 'notes', 'email']);
    expect(mapHeader(['Phone #', 'Phone', 'Website'], { 'Phone #': 'notes' }).fields).toEqual(['notes', 'phone', 'domain']);
  });

  it('the folded key is used only when no header has the exact text', () => {
    expect(mapHeader(['Website', 'E-Mail-Adresse'], { 'email adresse': 'notes' }).fields).toEqual(['domain', 'notes']);
    expect(() => mapHeader(['Website'], { Mail: 'email' })).toThrow(UsageError);
    // a folded entry does not take a column another entry names exactly
    expect(mapHeader(['Website', 'E-mail', 'Email'], { 'E-mail': 'notes', 'e mail': 'email' }).fields).toEqual(['domain', 'notes', 'email']);
  });

  it('the same text twice is still mapped twice (exit 2)', () => {
    expect(() => mapHeader(['Website', 'Email'], { Email: 'notes', email: 'email' })).toThrow(/mapped twice/);
  });
});

describe('#6 full names', () => {
  it.each([
    ['Doe, Jane', 'Jane', 'Doe'],
    ['van der Berg, Anna Maria', 'Anna Maria', 'van der Berg'],
    ['Dr. Bob Ray', 'Bob', 'Ray'],
    ['Mr Smith', null, 'Smith'],
    ['Mme Claire Dubois', 'Claire', 'Dubois'],
    ['M. Jean Martin', 'Jean', 'Martin'],
    ['Herr Max Weber', 'Max', 'Weber'],
    ['Frau Dr. Eva Klein', 'Eva', 'Klein'],
    ['Sra. Ana García', 'Ana', 'García'],
    ['Sig. Marco Rossi', 'Marco', 'Rossi'],
    ['Dott. Luca Bianchi', 'Luca', 'Bianchi'],
    ['Prof Ada Lovelace', 'Ada', 'Lovelace'],
    ['Mrs. Doe, Jane', 'Jane', 'Doe'],
    ['Doe, Dr. Jane', 'Jane', 'Doe'],
    ['Bob Ray, Jr.', 'Bob', 'Ray Jr.'],
    ['Jane Doe', 'Jane', 'Doe'],
    ['Madonna', 'Madonna', null],
    ['M Night', 'M', 'Night'],
  ])('%j → %j %j', (full, first, last) => {
    expect(splitFullName(full)).toEqual([first, last]);
    const r = ok(row(['Contact Name', 'Email', 'Website'], [full, 'x@a.com', 'a.com']));
    expect([r.firstName, r.lastName]).toEqual([first, last]);
  });

  it('a title in the first-name column is dropped too', () => {
    const r = ok(row(['First Name', 'Last Name', 'Website'], ['Dr. Bob', 'Ray', 'a.com']));
    expect([r.firstName, r.lastName]).toEqual(['Bob', 'Ray']);
    expect(ok(row(['First Name', 'Last Name', 'Website'], ['Mr', 'Ray', 'a.com'])).firstName).toBeNull();
    expect(ok(row(['First Name', 'Website'], ['Jane', 'a.com'])).firstName).toBe('Jane');
  });
});

describe('#7 CRM opt-out columns', () => {
  it.each([
    ['Email Opt Out'], ['HasOptedOutOfEmail'], ['Unsubscribed from all email'], ['Do Not Email'], ['Opted Out'], ['Unsubscribed'],
  ])('%s is the suppressed column', (h) => {
    expect(mapHeader(['Website', 'Email', h]).fields).toEqual(['domain', 'email', 'suppressed']);
  });

  it.each(['1', 'yes', 'YES', 'true', 'True', 'y', 'x', 'X', 'oui', 'ja', 'sí', 'si', '✓'])('%j suppresses the address (unsubscribed)', (v) => {
    expect(suppressionOf(['a.com', v], 1, -1)).toEqual({ reason: 'unsubscribed' });
  });

  it.each(['0', 'no', 'false', 'FALSE', 'n', 'non', 'nein', '', ' ', 'N/A', '-'])('%j does nothing', (v) => {
    expect(suppressionOf(['a.com', v], 1, -1)).toBeNull();
  });

  it('reasons are still accepted, anything else still refuses the row', () => {
    expect(suppressionOf(['a.com', 'Bounced'], 1, -1)).toEqual({ reason: 'bounced' });
    expect(suppressionOf(['a.com', 'maybe'], 1, -1)).toEqual({ error: expect.stringContaining('invalid suppressed value "maybe"') });
  });
});

describe('#10 CRM header aliases and country spellings', () => {
  it('HubSpot, Salesforce and Pipedrive column names', () => {
    expect(mapHeader(['First Name', 'Email', 'Website URL', 'Country/Region', 'Account Name']).fields).toEqual(['first_name', 'email', 'domain', 'country', 'company']);
    expect(mapHeader(['Website', 'Mailing Country']).fields).toEqual(['domain', 'country']);
    expect(mapHeader(['Website', 'Billing Country']).fields).toEqual(['domain', 'country']);
    expect(mapHeader(['Person - Name', 'Person - Email - Work', 'Organization - Name', 'Organization - Website']).fields).toEqual(['full_name', 'email', 'company', 'domain']);
  });

  it.each([
    ['U.K.', 'GB'], ['U.S.', 'US'], ['U.S', 'US'], ['U.S.A.', 'US'], ['Republic of Ireland', 'IE'], ['Ivory Coast', 'CI'], ['Hong Kong SAR', 'HK'],
    ['S. Korea', 'KR'], ['St. Lucia', 'LC'], ['The Netherlands', 'NL'], ['Trinidad & Tobago', 'TT'],
  ])('%j → %s', (c, code) => {
    expect(normalizeCountry(c)).toEqual({ ok: true, value: code });
    expect(ok(row(['website', 'country'], ['a.com', c])).country).toBe(code);
  });

  it('n.a. stays a placeholder (not Namibia through the dotless retry)', () => {
    expect(normalizeCountry('n.a.')).toEqual({ ok: false, reason: 'the country is empty' });
    expect(normalizeCountry('N.A.')).toEqual({ ok: false, reason: 'the country is empty' });
  });

  it('an unknown country leaves the country empty with a warning instead of refusing the row', () => {
    const r = ok(row(['website', 'country'], ['c5.com', 'Atlantis']));
    expect(r.country).toBeNull();
    expect(r.warning).toBe('unknown country left empty: "Atlantis" is not a country name or ISO code');
    expect(ok(row(['website', 'country'], ['c6.com', 'France'])).warning).toBeUndefined();
  });

  it('NA is empty, except in a column of ISO codes', () => {
    expect(ok(row(['website', 'country'], ['na.com', 'NA'])).country).toBeNull();
    expect(ok(row(['website', 'country'], ['na.com', 'N/A'])).country).toBeNull();
    expect(ok(row(['website', 'Country Code'], ['na.com', 'NA'])).country).toBe('NA');
    expect(ok(row(['website', 'country'], ['na.com', 'Namibia'])).country).toBe('NA');
    expect(ok(row(['website', 'country'], ['na.com', 'NAM'])).country).toBe('NA');
  });
});
