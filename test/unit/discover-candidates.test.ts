// Candidate lists: lines from a file or stdin, and search hits turned into store domains.
import { describe, it, expect } from 'vitest';
import { candidatesFromLines, candidateFromHit, isPlatformHost } from '../../src/stages/discover/candidates.js';
import { parseRetryAfter, userAgentFor } from '../../src/adapters/http.js';

describe('candidatesFromLines', () => {
  it('takes domains and URLs (with ports), skips comments, blanks, duplicates and bad lines', () => {
    const { candidates, problems } = candidatesFromLines(
      ['# my list', 'Aurora-Jewelry.com', 'https://www.aurora-jewelry.com/collections/all', '', 'http://127.0.0.2:8080', 'shop.example:8443  # staging', 'not a domain', 'ana@shop.com', 'bücher.de'].join('\n'),
      'list.txt',
    );
    expect(candidates.map((c) => [c.domain, c.url, c.origin])).toEqual([
      ['aurora-jewelry.com', 'https://aurora-jewelry.com', 'list.txt:2'],
      ['127.0.0.2:8080', 'http://127.0.0.2:8080', 'list.txt:5'],
      ['shop.example:8443', 'https://shop.example:8443', 'list.txt:6'],
      ['xn--bcher-kva.de', 'https://xn--bcher-kva.de', 'list.txt:9'],
    ]);
    expect(problems.map((p) => p.line)).toEqual([7, 8]);
    expect(problems[1]!.reason).toMatch(/email/);
  });
});

describe('candidateFromHit', () => {
  it.each([
    ['https://www.aurora.com/products/ring?x=1', 'aurora.com'],
    ['https://aurora-jewelry.myshopify.com/collections/rings', 'aurora-jewelry.myshopify.com'],
    ['https://apps.shopify.com/klaviyo', null],
    ['https://www.instagram.com/aurora', null],
    ['https://www.etsy.com/shop/aurora', null],
    ['http://10.0.0.1/', null],
    ['ftp://files.example.com', null],
  ])('%s → %s', (url, domain) => {
    const c = candidateFromHit(url, 'brave', 'q');
    expect(c?.domain ?? null).toBe(domain);
    if (c) expect(c.source).toBe('search:brave');
  });

  it('knows platform hosts', () => {
    expect(isPlatformHost('community.shopify.com')).toBe(true);
    expect(isPlatformHost('x.myshopify.com')).toBe(false);
    expect(isPlatformHost('shopify-lover.com')).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 3 ', 3000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['soon', null],
    [undefined, null],
  ])('%s', (v, want) => {
    expect(parseRetryAfter(v, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(want);
  });
});

describe('userAgentFor', () => {
  it('names the tool and version, and the operator when their website is set', () => {
    expect(userAgentFor('1.2.3')).toBe('outreach/1.2.3 (Shopify store research; honours robots.txt)');
    expect(userAgentFor('1.2.3', 'https://lima.studio')).toBe('outreach/1.2.3 (+https://lima.studio; Shopify store research; honours robots.txt)');
    expect(userAgentFor('1.2.3', 'not a url')).toBe('outreach/1.2.3 (Shopify store research; honours robots.txt)');
  });
});
