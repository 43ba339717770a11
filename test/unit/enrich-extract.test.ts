// Pure enrichment logic, table-driven: emails (mailto, text, JSON-LD, [at] obfuscation, Cloudflare), phones,
// social profiles, languages, catalogue summaries, meta.json, and email validation verdicts.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractPage, cleanEmail, deobfuscate, decodeCfEmail, socialProfile, normalizePhone, normalizeLanguage, themeName } from '../../src/domain/extract.js';
import { parseMeta, parseProducts, summarizeCatalog, parseCollections } from '../../src/domain/extract-catalog.js';
import { checkEmailOffline, applyMx, isRoleAccount, validateEmail } from '../../src/domain/email-validation.js';
import { FIXTURE_WEB } from '../helpers/fixture-web.js';

const page = (site: string, file = 'index.html') => readFileSync(join(FIXTURE_WEB, site, file), 'utf8');

describe('emails', () => {
  it.each([
    ['Hello@Shop.COM', 'hello@shop.com'],
    ['mailto:orders@shop.com?subject=x', 'orders@shop.com'],
    ['logo@2x.png', null],
    ['you@example.com', null],
    ['your@email.com', null],
    ['abc@sentry.io', null],
    ['0123456789abcdef0123456789abcdef@o1.ingest.de', null],
    ['a@b', null],
    ['team@shop.co.uk.', 'team@shop.co.uk'],
    ['ventas@tienda.mx', 'ventas@tienda.mx'],
    ['x@localhost.invalidtld', null],
  ])('cleanEmail(%s) = %s', (raw, want) => {
    expect(cleanEmail(raw)).toBe(want);
  });

  it.each([
    ['write to sales [at] acme [dot] com today', ['sales@acme.com']],
    ['presse (at) maisonthe (dot) ca', ['presse@maisonthe.ca']],
    ['hi{at}shop.co{dot}uk', ['hi@shop.co.uk']],
    ['meet me at the shop dot com', []],
  ])('deobfuscate(%s)', (text, want) => {
    expect(deobfuscate(text)).toEqual(want);
  });

  it('decodes Cloudflare-protected addresses', () => {
    // key 0x42 XOR "a@b.co"
    const hex = '42' + [...'a@b.co'].map((c) => (c.charCodeAt(0) ^ 0x42).toString(16).padStart(2, '0')).join('');
    expect(decodeCfEmail(hex)).toBe('a@b.co');
    expect(decodeCfEmail('zz')).toBeNull();
  });
});

describe('phones, socials, languages, theme', () => {
  it.each([
    ['tel:+15035550142', '+15035550142'],
    ['tel:(503)%20555-0142', '5035550142'],
    ['+44 20 7946 0958', '+442079460958'],
    ['0049 30 1234567', '+49301234567'],
    ['123', null],
  ])('normalizePhone(%s)', (raw, want) => {
    expect(normalizePhone(raw)).toBe(want);
  });

  it.each([
    ['https://www.instagram.com/aurorajewelry/', 'social.instagram', 'https://www.instagram.com/aurorajewelry'],
    ['https://instagram.com/p/Cx12/', null, null],
    ['https://www.facebook.com/sharer/sharer.php?u=x', null, null],
    ['https://m.facebook.com/acme.store', 'social.facebook', 'https://www.facebook.com/acme.store'],
    ['https://www.tiktok.com/@acme?lang=en', 'social.tiktok', 'https://www.tiktok.com/@acme'],
    ['https://www.pinterest.ca/acme/', 'social.pinterest', 'https://www.pinterest.ca/acme'],
    ['https://www.youtube.com/@acme', 'social.youtube', 'https://www.youtube.com/@acme'],
    ['https://www.youtube.com/watch?v=abc', null, null],
    ['https://www.linkedin.com/company/acme-inc/', 'social.linkedin', 'https://www.linkedin.com/company/acme-inc'],
    ['https://twitter.com/intent/tweet?text=x', null, null],
    ['https://x.com/acme', 'social.x', 'https://x.com/acme'],
    ['https://twitter.com/shopify', null, null],
  ])('socialProfile(%s)', (href, key, url) => {
    const s = socialProfile(href);
    if (key === null) expect(s).toBeNull();
    else expect(s).toEqual({ key, url });
  });

  it.each([
    ['en', 'en'],
    ['en_us', 'en-US'],
    ['fr-CA', 'fr-CA'],
    ['x-default', null],
    ['', null],
    ['not a lang', null],
  ])('normalizeLanguage(%s)', (raw, want) => {
    expect(normalizeLanguage(raw)).toBe(want);
  });

  it('reads the theme name (schema name first)', () => {
    expect(themeName('<script>Shopify.theme = {"name":"Debut - custom","schema_name":"Debut"};</script>')).toBe('Debut');
    expect(themeName('<script>Shopify.theme = {"name":"Dawn"};</script>')).toBe('Dawn');
    expect(themeName('<p>no theme</p>')).toBeNull();
  });
});

describe('extractPage over fixture pages', () => {
  it('liquid-old home: JSON-LD, mailto, socials, links, languages', () => {
    const x = extractPage(page('liquid-old'), 'https://liquid-old.test/');
    expect(x.emails).toContainEqual({ email: 'hello@aurora-jewelry.com', how: 'json-ld' }); // also a mailto: the first way found (document order) is kept
    expect(x.emails.map((e) => e.email)).not.toContain('logo@2x.png');
    expect(x.phones).toContain('+15035550142');
    expect(x.country).toBe('US');
    expect(x.name).toBe('Aurora Jewelry');
    expect(x.description).toMatch(/sterling silver/);
    expect(x.theme).toBe('Debut');
    expect(x.currency).toBe('USD');
    expect(x.myshopifyDomain).toBe('aurora-jewelry.myshopify.com');
    expect(x.languages).toEqual(['en']);
    expect(x.socials).toEqual({
      'social.instagram': 'https://www.instagram.com/aurorajewelry',
      'social.facebook': 'https://www.facebook.com/aurorajewelrypdx',
      'social.pinterest': 'https://www.pinterest.com/aurorajewelry',
    });
    expect(x.links.contact).toContain('https://liquid-old.test/pages/contact');
    expect(x.links.about).toContain('https://liquid-old.test/pages/about-us');
    expect(x.links.policies).toContain('https://liquid-old.test/policies/contact-information');
    expect(x.hiring).toBe(true);
  });

  it('liquid-old contact page: obfuscated, text and tel, placeholders skipped', () => {
    const x = extractPage(page('liquid-old', 'pages/contact.html'), 'https://liquid-old.test/pages/contact');
    const emails = x.emails.map((e) => e.email);
    expect(emails).toContain('wholesale@aurora-jewelry.com');
    expect(emails).toContain('maya.chen@aurora-jewelry.com');
    expect(emails).not.toContain('your@email.com');
    expect(emails).not.toContain('you@example.com');
    expect(x.socials['social.tiktok']).toBe('https://www.tiktok.com/@aurorajewelry');
  });

  it('liquid-new: languages from lang, hreflang and Shopify.locale; country by name', () => {
    const x = extractPage(page('liquid-new'), 'https://liquid-new.test/');
    expect(x.languages).toEqual(['fr-CA', 'fr', 'en-CA']);
    expect(x.country).toBe('CA');
    expect(x.emails.map((e) => e.email).sort()).toEqual(['bonjour@maisonthe.ca', 'presse@maisonthe.ca']);
    expect(Object.keys(x.socials).sort()).toEqual(['social.facebook', 'social.linkedin', 'social.pinterest', 'social.tiktok', 'social.x', 'social.youtube']);
  });

  it('broken HTML still yields what it has', () => {
    const x = extractPage(page('broken'), 'https://broken.test/');
    expect(x.emails.map((e) => e.email)).toContain('owner@brokenbeautiful.shop');
    expect(x.theme).toBe('Minimal');
  });
});

describe('catalogue', () => {
  it('parses meta.json', () => {
    expect(parseMeta(JSON.parse(page('liquid-old', 'meta.json')))).toEqual({
      name: 'Aurora Jewelry',
      description: 'Handmade sterling silver rings and necklaces.',
      currency: 'USD',
      country: 'US',
      myshopifyDomain: 'aurora-jewelry.myshopify.com',
      productCount: 3,
    });
    expect(parseMeta([1, 2])).toBeNull();
    expect(parseMeta({ currency: 'dollars', country: 'Atlantis' })).toMatchObject({ currency: null, country: null });
  });

  it('summarizes products: prices, vendors, types, freshness', () => {
    const products = parseProducts(JSON.parse(page('liquid-old', 'products.json')))!;
    const c = summarizeCatalog(products, new Date('2024-10-10T00:00:00Z'));
    expect(c).toMatchObject({
      size: 3,
      priceMin: 25,
      priceMax: 120,
      priceMedian: 48,
      vendors: ['Aurora Jewelry', 'Aurora Gifts'],
      productTypes: ['Necklaces', 'Rings'],
      newestAt: '2024-09-20T17:00:00.000Z',
      oldestAt: '2019-01-01T17:00:00.000Z',
      updatedAt: '2024-09-25T17:00:00.000Z',
      new30d: 1,
      samples: ['Luna Ring', 'Tide Necklace', 'Gift Card'],
    });
    expect(parseProducts({ nope: 1 })).toBeNull();
    expect(summarizeCatalog([], new Date())).toMatchObject({ size: 0, priceMin: null, priceMedian: null });
  });

  it('keeps real collections only', () => {
    expect(parseCollections(JSON.parse(page('liquid-old', 'collections.json')))).toEqual(['Holiday Gifts', 'Rings']);
  });
});

describe('email validation', () => {
  it.each([
    ['info@shop.com', 'syntax_ok', true],
    ['Maya.Chen@shop.com', 'syntax_ok', false],
    ['support2@shop.com', 'syntax_ok', true],
    ['sales+eu@shop.com', 'syntax_ok', true],
    ['joe@mailinator.com', 'disposable', false],
    ['joe@sub.10minutemail.com', 'disposable', false],
    ['no-reply@shop.com', 'invalid', false],
    ['not an email', 'invalid', false],
  ])('checkEmailOffline(%s) → %s, role=%s', (email, validation, role) => {
    const c = checkEmailOffline(email);
    expect(c.validation).toBe(validation);
    expect(c.isRole).toBe(role);
  });

  it('role accounts are flagged, never dropped', () => {
    expect(isRoleAccount('hello')).toBe(true);
    expect(isRoleAccount('customer.care')).toBe(true);
    expect(isRoleAccount('maya')).toBe(false);
  });

  it.each([
    [{ kind: 'mx', records: [{ exchange: 'mx1.shop.com', priority: 10 }] }, 'valid', /MX mx1/],
    [{ kind: 'no_mx', hasAddress: true }, 'valid', /implicit MX/],
    [{ kind: 'no_mx', hasAddress: false }, 'no_mx', /no MX or address/],
    [{ kind: 'null_mx' }, 'no_mx', /null MX/],
    [{ kind: 'nxdomain' }, 'invalid', /does not exist/],
    [{ kind: 'error', message: 'MX lookup for shop.com failed (ETIMEOUT)' }, 'syntax_ok', /only the syntax/],
  ] as const)('applyMx(%j) → %s', (mx, validation, reason) => {
    const c = applyMx(checkEmailOffline('maya@shop.com'), mx as never);
    expect(c.validation).toBe(validation);
    expect(c.reason).toMatch(reason);
  });

  it('validateEmail asks the MX lookup only for addresses that passed the offline checks', async () => {
    const asked: string[] = [];
    const lookup = async (d: string) => {
      asked.push(d);
      return { kind: 'mx' as const, records: [{ exchange: 'mx.' + d, priority: 1 }] };
    };
    expect((await validateEmail('a@shop.com', lookup)).validation).toBe('valid');
    expect((await validateEmail('a@mailinator.com', lookup)).validation).toBe('disposable');
    expect(asked).toEqual(['shop.com']);
  });
});
