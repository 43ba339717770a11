import { describe, it, expect } from 'vitest';
import { checkClaims, extractLinks, hostAllowed } from '../../src/domain/claims.js';

const support = ['Lune & Ash', 'Solstice Ring', 'catalog size 120', 'klaviyo', 'I set up email flows for $49 a month', 'Maya', 'Ana Lima'];
const check = (body: string, subject = 'An idea') => checkClaims({ subject, body, support, allowedDomains: ['lima.studio', 'luneandash.com'] });

describe('checkClaims', () => {
  it.each<[string, string, { kind: string; text: string }[]]>([
    ['supported facts', 'Hi Maya,\n\nI saw the Solstice Ring on Lune & Ash and your 120 products. Flows from $49.\n\nAna', []],
    ['invented growth number', 'Hi Maya,\n\nYour sales grew 40% last year.\n\nAna', [{ kind: 'number', text: '40%' }]],
    ['invented price', 'It costs only $99 per month.', [{ kind: 'number', text: '$99' }]],
    ['invented product', 'I loved the Moonlight Bracelet in your shop.', [{ kind: 'name', text: 'Moonlight Bracelet' }]],
    ['sentence-start word is not a name', 'Loved it. Really.', []],
    ['disallowed link', 'See https://evil.example/promo for details.', [{ kind: 'link', text: 'https://evil.example/promo' }]],
    ['allowed links', 'See https://lima.studio/work and luneandash.com.', []],
    ['Klaviyo matches the app fact case-insensitively', 'You already use Klaviyo well.', []],
  ])('%s', (_n, body, expected) => {
    expect(check(body).map((c) => ({ kind: c.kind, text: c.text }))).toEqual(expected);
  });
});

describe('extractLinks', () => {
  it.each([
    ['https://a.example.com/x?y=1', ['a.example.com']],
    ['visit www.shop.co.uk today', ['www.shop.co.uk']],
    ['mail me at ana@lima.studio', ['lima.studio']],
    ['e.g. this, i.e. that, v1.2 and node.js and file.pdf', []],
    ['bit.ly/abc', ['bit.ly']],
    ['http://user@evil.example:8080/p', ['evil.example']],
  ])('%s', (text, hosts) => {
    expect(extractLinks(text).map((l) => l.host)).toEqual(hosts);
  });
  it('hostAllowed accepts subdomains only of allowed domains', () => {
    expect(hostAllowed('go.lima.studio', ['lima.studio'])).toBe(true);
    expect(hostAllowed('www.lima.studio', ['lima.studio'])).toBe(true);
    expect(hostAllowed('lima.studio.evil.com', ['lima.studio'])).toBe(false);
    expect(hostAllowed('notlima.studio', ['lima.studio'])).toBe(false);
  });
});
