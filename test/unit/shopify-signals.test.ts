// The Shopify signal table: every row matches its own example and nothing on a neutral page; verdicts over
// the fixture stores (Liquid old and new, Hydrogen, password page, Buy Button on WordPress, other platforms).
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNALS, judge, matchSignal, type Observation } from '../../src/domain/shopify-signals.js';
import { FIXTURE_WEB } from '../helpers/fixture-web.js';

const neutral: Observation = {
  finalUrl: 'https://plain.example/',
  headers: { server: 'nginx', 'content-type': 'text/html' },
  cookies: ['session'],
  html: '<html><head><title>Plain</title></head><body><p>A plain page about shops and jewelry.</p></body></html>',
};

describe('signal table', () => {
  it('has unique ids and weights in (0, 1]', () => {
    expect(new Set(SIGNALS.map((s) => s.id)).size).toBe(SIGNALS.length);
    for (const s of SIGNALS) expect(s.weight > 0 && s.weight <= 1, s.id).toBe(true);
  });

  it.each(SIGNALS.map((s) => [s.id, s] as const))('row %s matches its example and not a neutral page', (_id, s) => {
    expect(matchSignal(s, { ...neutral, ...s.example })).not.toBeNull();
    expect(matchSignal(s, neutral)).toBeNull();
  });
});

/** An observation from a fixture site's files: headers and cookies from _site.json, the page's HTML. */
function fixture(site: string, page = 'index.html', extra: Partial<Observation> = {}): Observation {
  const dir = join(FIXTURE_WEB, site);
  const cfg = existsSync(join(dir, '_site.json')) ? JSON.parse(readFileSync(join(dir, '_site.json'), 'utf8')) : {};
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
  return {
    finalUrl: `https://${site}.test/${page === 'index.html' ? '' : page.replace(/\.html$/, '')}`,
    headers: cfg.headers ?? {},
    cookies: (cfg.cookies ?? []).map((c: string) => c.split('=')[0]),
    html: read(page) ?? '',
    metaJson: read('meta.json'),
    productsJson: read('products.json'),
    ...extra,
  };
}

describe('verdicts over the fixture stores', () => {
  it.each([
    ['liquid-old', 'index.html', true, 'open', false],
    ['liquid-new', 'index.html', true, 'open', false],
    ['hydrogen', 'index.html', true, 'open', true],
    ['password', 'password.html', true, 'password', false],
    ['broken', 'index.html', true, 'open', false],
    ['injection', 'index.html', true, 'open', false],
    ['json404', 'index.html', true, 'open', false],
    ['buybutton', 'index.html', false, 'open', false],
    ['woocommerce', 'index.html', false, 'open', false],
    ['squarespace', 'index.html', false, 'open', false],
    ['wix', 'index.html', false, 'open', false],
    ['bigcommerce', 'index.html', false, 'open', false],
  ] as const)('%s → shopify=%s status=%s headless=%s', (site, page, shopify, status, headless) => {
    const v = judge(fixture(site, page));
    expect(v.isShopify).toBe(shopify);
    expect(v.status).toBe(status);
    expect(v.headless).toBe(headless);
    expect(v.evidence.length).toBeGreaterThan(0);
    if (shopify) expect(v.confidence).toBeGreaterThanOrEqual(0.9);
    else expect(v.confidence).toBeLessThan(0.2);
  });

  it('explains a Buy Button page: not Shopify, because of the embed', () => {
    const v = judge(fixture('buybutton'));
    expect(v.platforms).toContain('buy_button');
    expect(v.evidence.join(' ')).toMatch(/Buy Button only/);
  });

  it('says why a plain page is not Shopify', () => {
    const v = judge(neutral);
    expect(v).toMatchObject({ isShopify: false, confidence: 0 });
    expect(v.evidence[0]).toMatch(/no Shopify signal/);
  });

  it('weak signals alone give a low confidence or no verdict', () => {
    const cdn = judge({ ...neutral, html: '<img src="https://cdn.shopify.com/s/files/1/x.jpg">' });
    expect(cdn.isShopify).toBe(true);
    expect(cdn.confidence).toBeLessThan(0.7);
    expect(judge({ ...neutral, headers: { link: '<https://cdn.shopify.com>; rel=preconnect' } }).isShopify).toBe(false);
    expect(judge({ ...neutral, html: '<form action="/password">' }).isShopify).toBe(false);
  });

  it('meta.json alone confirms a store whose home page hides everything', () => {
    const v = judge({ ...neutral, metaJson: '{"myshopify_domain":"x.myshopify.com"}' });
    expect(v.isShopify).toBe(true);
    expect(v.confidence).toBeGreaterThan(0.95);
  });
});
