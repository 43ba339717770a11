import { describe, it, expect } from 'vitest';
import { normalizeDomain, normalizeEmail, normalizeCountry, isRoleAddress, isPlaceholder, NOT_IN_PLACEHOLDER } from '../../src/domain/normalize.js';
import { COUNTRY_PLACEHOLDERS } from '../../src/domain/countries.js';
import { csvCell, csvLine, neutralizeCell } from '../../src/domain/csv.js';
import { sniffDelimiter, mapHeader, toRow } from '../../src/stages/leads/import.js';

describe('normalizeDomain', () => {
  it.each([
    ['example.com', 'example.com', 'https://example.com'],
    ['WWW.Example.COM.', 'example.com', 'https://example.com'],
    ['https://www.shop.example.com/collections/rings?page=2', 'shop.example.com', 'https://shop.example.com'],
    ['http://Store.com/', 'store.com', 'http://store.com'],
    ['shop.example.com:8443', 'shop.example.com:8443', 'https://shop.example.com:8443'],
    ['http://127.0.0.2:8080', '127.0.0.2:8080', 'http://127.0.0.2:8080'],
    ['bücher.de', 'xn--bcher-kva.de', 'https://xn--bcher-kva.de'],
    ['https://www.bücher.de/x', 'xn--bcher-kva.de', 'https://xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de', 'https://xn--bcher-kva.de'],
    ['  "example.org"  ', 'example.org', 'https://example.org'],
    ['//cdn.example.net/a.js', 'cdn.example.net', 'https://cdn.example.net'],
    ['www.shop', 'www.shop', 'https://www.shop'],
  ])('%s → %s', (input, domain, url) => {
    const r = normalizeDomain(input);
    expect(r.ok && r.value.domain).toBe(domain);
    expect(r.ok && r.value.url).toBe(url);
  });

  it('keeps the Unicode form for display', () => {
    const r = normalizeDomain('bücher.de');
    expect(r.ok && r.value.unicode).toBe('bücher.de');
  });

  it.each([
    ['', 'empty'],
    ['not a domain', 'spaces'],
    ['localhost', 'needs a dot'],
    ['jane@shop.com', 'email address'],
    ['ftp://files.example.com', 'not a web address'],
    ['-bad-.com', 'not a valid domain label'],
    ['a..b.com', 'empty label'],
    ['example.123', 'not a valid'],
    ['http://999.1.1.1', 'not a valid'],
    ['http://[::1]/', 'IPv6'],
  ])('rejects %j (%s)', (input, why) => {
    const r = normalizeDomain(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(why);
  });
});

describe('normalizeEmail', () => {
  it.each([
    ['Jane@Shop.COM', 'jane@shop.com'],
    ['mailto:info@shop.com?subject=hi', 'info@shop.com'],
    ['Jane Doe <jane.doe@shop.com>', 'jane.doe@shop.com'],
    ['info@bücher.de', 'info@xn--bcher-kva.de'],
    ['chloé@boutique.fr', 'chloé@boutique.fr'],
    ['a+tag@shop.com.', 'a+tag@shop.com'],
    ["O'Brien.Jr-2@Sub.Shop-1.co.uk", "o'brien.jr-2@sub.shop-1.co.uk"],
    [`${'x'.repeat(64)}@shop.com`, `${'x'.repeat(64)}@shop.com`],
  ])('%s → %s', (input, email) => {
    const r = normalizeEmail(input);
    expect(r.ok && r.value.email).toBe(email);
  });

  it.each(['', 'plain', '@shop.com', 'jane@', 'jane@@shop.com', 'ja ne@shop.com', 'jane@shop', '.jane@shop.com', 'jane..doe@shop.com', `${'x'.repeat(65)}@shop.com`,
    'a?q@shop.com', 'jane@shop.123', 'jane@-shop.com', 'jane@shop-.com', `jane@${'a'.repeat(64)}.com`, `j@${`${'a'.repeat(60)}.`.repeat(5)}com`])(
    'rejects %j',
    (input) => expect(normalizeEmail(input).ok).toBe(false),
  );
});

describe('normalizeCountry', () => {
  it.each([
    ['US', 'US'], ['us', 'US'], ['United States', 'US'], ['USA', 'US'], ['uk', 'GB'], ['United Kingdom', 'GB'],
    ['France', 'FR'], ['germany', 'DE'], ['The Netherlands', 'NL'], ['South Korea', 'KR'],
  ])('%s → %s', (input, code) => {
    const r = normalizeCountry(input);
    expect(r.ok && r.value).toBe(code);
  });
  it('rejects an unknown country', () => expect(normalizeCountry('Atlantis').ok).toBe(false));
  it('gives the same answer for a cell it has seen before (the answers are kept)', () => {
    for (let i = 0; i < 3; i++) {
      expect(normalizeCountry(' Deutschland ')).toEqual({ ok: true, value: 'DE' });
      expect(normalizeCountry('Atlantis')).toEqual({ ok: false, reason: '"Atlantis" is not a country name or ISO code' });
      expect(normalizeCountry('N/A')).toEqual({ ok: false, reason: 'the country is empty' });
    }
  });
});

describe('isPlaceholder', () => {
  it.each(['N/A', ' n/a ', '-', '—', 'Unknown', 'NOT  SPECIFIED', 'Non renseigné', 'k. A.', ''])('%j is a placeholder', (s) =>
    expect(isPlaceholder(s)).toBe(true),
  );
  it.each(['jane@acme.com', 'https://acme.com', 'acme.com', 'n/a@acme.com', 'store-0.com', 'none1'])('%j is not', (s) =>
    expect(isPlaceholder(s)).toBe(false),
  );
  it('its shortcut (a character no placeholder holds) agrees with the list', () => {
    for (const p of COUNTRY_PLACEHOLDERS) expect(NOT_IN_PLACEHOLDER.test(p), p).toBe(false);
  });
});

describe('role accounts', () => {
  it.each([
    ['info@shop.com', true], ['Support+x@shop.com', true], ['hello@shop.com', true], ['jane@shop.com', false], ['infoxyz@shop.com', false],
    ['info2@shop.com', true], ['info.22@shop.com', true], ['customer.care@shop.com', true], ['customer_care-3@shop.com', true],
    ['INFO@shop.com', true], ['2@shop.com', false], ['jane2@shop.com', false],
  ])('%s → %s', (email, role) => expect(isRoleAddress(email)).toBe(role));
});

describe('CSV cells (OWASP CSV injection)', () => {
  it.each([
    ['=SUM(A1)', "'=SUM(A1)"], ['+1', "'+1"], ['-2', "'-2"], ['@cmd', "'@cmd"], ['\tx', "'\tx"], ['\rx', "'\rx"], ['safe', 'safe'], ['a=b', 'a=b'],
  ])('%j → %j', (input, out) => expect(neutralizeCell(input)).toBe(out));
  it('quotes per RFC 4180 and leaves numbers alone', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    expect(csvLine(['=1,2', 3, true])).toBe(`"'=1,2",3,true\r\n`);
  });
});

describe('import helpers', () => {
  it.each([
    ['a,b,c\n1,2,3', ','], ['a;b;c\n1;2;3', ';'], ['a\tb\tc', '\t'], ['\ufeffName;Web;Mail', ';'], ['"a;b",c,d', ','],
  ])('sniffs the delimiter of %j', (head, d) => expect(sniffDelimiter(head)).toBe(d));

  it('maps header aliases; explicit --map wins; unknown columns are ignored', () => {
    const m = mapHeader(['Store Name', 'Website', 'E-Mail', 'Vorname', 'Whatever']);
    expect(m.fields).toEqual(['company', 'domain', 'email', 'first_name', null]);
    expect(m.ignored).toEqual(['Whatever']);
    const m2 = mapHeader(['Shop', 'Link'], { Link: 'domain' });
    expect(m2.fields).toEqual(['company', 'domain']);
    expect(() => mapHeader(['a', 'b'])).toThrow(/No column/);
    expect(() => mapHeader(['a'], { a: 'bogus' })).toThrow(/unknown field/);
  });

  it('takes the domain from a business email, never from free mail', () => {
    const fields = mapHeader(['email']).fields;
    const r = toRow(['jane@boutique.fr'], fields);
    expect(typeof r !== 'string' && r.domain).toBe('boutique.fr');
    expect(toRow(['jane@gmail.com'], fields)).toMatch(/free-mail/);
  });
});
