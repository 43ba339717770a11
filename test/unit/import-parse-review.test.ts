// Review fixes for `leads import` parsing: email cells with a display name or several addresses, accented
// header aliases, default ports on scheme-less hosts, ISO alpha-3 codes, native country names and placeholders.
import { describe, it, expect } from 'vitest';
import { ALIASES, emailCellAddresses, headerKey, mapHeader, toRow, type Row } from '../../src/stages/leads/import-parse.js';
import { isCountryPlaceholder, normalizeCountry, normalizeDomain } from '../../src/domain/normalize.js';
import { ISO_3166_1 } from '../../src/domain/countries.js';

const row = (header: string[], record: string[]): Row | string => toRow(record, mapHeader(header).fields);
const ok = (r: Row | string): Row => {
  if (typeof r === 'string') throw new Error(`rejected: ${r}`);
  return r;
};

describe('email cells', () => {
  it.each([
    ['Jane Doe <JANE@Acme.com>', 'jane@acme.com'],
    ['"Doe, Jane" <jane@acme.com>', 'jane@acme.com'],
    ['Doe, Jane <jane@acme.com>', 'jane@acme.com'],
    ['<JANE@Acme.com>', 'jane@acme.com'],
    ['mailto:Jane@Acme.com', 'jane@acme.com'],
    ['a@acme.com; b@acme.com', 'a@acme.com'],
    ['a@acme.com,b@acme.com', 'a@acme.com'],
    ['a@acme.com b@acme.com', 'a@acme.com'],
    ['Jane <jane@acme.com>, Bob <bob@acme.com>', 'jane@acme.com'],
    ['  jane@acme.com ; ', 'jane@acme.com'],
  ])('%j → contact %s, lead from its domain', (cell, email) => {
    const r = ok(row(['email'], [cell]));
    expect(r.email).toBe(email);
    expect(r.domain).toBe('acme.com');
  });

  it('keeps a display name cell next to a website column', () => {
    const r = ok(row(['website', 'email'], ['https://www.Acme.com/shop', 'Jane Doe <JANE@Acme.com>']));
    expect(r).toMatchObject({ domain: 'acme.com', email: 'jane@acme.com' });
  });

  it.each([
    ['Jane Doe', /invalid email: "Jane Doe"/],
    ['Jane Doe jane@acme.com', /invalid email: "Jane Doe jane@acme.com"/],
    ['jane@@acme.com', /invalid email/],
    ['not-an-email; b@acme.com', /invalid email: "not-an-email; b@acme.com"/],
    ['jane@acme; b@acme.com', /invalid email: "jane@acme"/],
  ])('rejects %j with the whole address in the reason', (cell, reason) => {
    expect(row(['website', 'email'], ['acme.com', cell])).toMatch(reason);
  });

  it('splits a cell into its addresses', () => {
    expect(emailCellAddresses('"Doe, Jane" <jane@acme.com>; bob@acme.com')).toEqual(['"Doe, Jane" <jane@acme.com>', 'bob@acme.com']);
    expect(emailCellAddresses('a@x.com b@x.com,c@x.com')).toEqual(['a@x.com', 'b@x.com', 'c@x.com']);
    expect(emailCellAddresses('Jane Doe <jane@acme.com>')).toEqual(['Jane Doe <jane@acme.com>']);
    expect(emailCellAddresses('Doe, Jane <jane@acme.com>;; bob@acme.com;')).toEqual(['Doe, Jane <jane@acme.com>', 'bob@acme.com']);
    expect(emailCellAddresses('n/a; b@acme.com')).toEqual(['n/a; b@acme.com']);
    expect(emailCellAddresses('b@acme.com; n/a')).toEqual(['b@acme.com', 'n/a']);
  });
});

describe('header keys fold accents', () => {
  it.each([
    ['Prénom', 'prenom'], ['Société', 'societe'], ['País', 'pais'], ['Téléphone', 'telephone'], ['E-Mail-Adresse', 'emailadresse'],
    ['Straße', 'strasse'], ['Compañía', 'compania'], ['Ländercode', 'landercode'], ['  Site web ', 'siteweb'],
  ])('%j → %s', (h, k) => expect(headerKey(h)).toBe(k));

  it('maps a French header (the reviewer’s fr.csv)', () => {
    const m = mapHeader(['Site web', 'Prénom', 'Société', 'Courriel', 'Pays']);
    expect(m.fields).toEqual(['domain', 'first_name', 'company', 'email', 'country']);
    expect(m.ignored).toEqual([]);
    const r = ok(toRow(['fr1.fr', 'Chloé', 'Boutique', 'chloé@fr1.fr', 'France'], m.fields));
    expect(r).toMatchObject({ domain: 'fr1.fr', firstName: 'Chloé', company: 'Boutique', email: 'chloé@fr1.fr', country: 'FR' });
  });

  it.each([
    [['Firma', 'Webseite', 'E-Mail', 'Vorname', 'Nachname', 'Land', 'Telefon'], ['company', 'domain', 'email', 'first_name', 'last_name', 'country', 'phone']],
    [['Entreprise', 'Site internet', 'Adresse e-mail', 'Prénom', 'Nom', 'Pays', 'Fonction'], ['company', 'domain', 'email', 'first_name', 'last_name', 'country', 'title']],
    [['Empresa', 'Sitio web', 'Correo electrónico', 'Nombre', 'Apellido', 'País', 'Teléfono'], ['company', 'domain', 'email', 'first_name', 'last_name', 'country', 'phone']],
    [['Azienda', 'Sito web', 'Indirizzo email', 'Nome', 'Cognome', 'Paese', 'Note'], ['company', 'domain', 'email', 'first_name', 'last_name', 'country', 'notes']],
    [['Bedrijf', 'Website', 'E-mailadres', 'Voornaam', 'Achternaam', 'Land'], ['company', 'domain', 'email', 'first_name', 'last_name', 'country']],
    [['Société', 'Domaine', 'Mél', 'Nom complet', 'Étiquettes', 'Remarques'], ['company', 'domain', 'email', 'full_name', 'tags', 'notes']],
  ])('maps %j', (header, fields) => {
    const m = mapHeader(header);
    expect(m.fields).toEqual(fields);
    expect(m.ignored).toEqual([]);
  });

  it('every alias is already a header key and names one field only', () => {
    const seen = new Map<string, string>();
    for (const [field, names] of Object.entries(ALIASES)) {
      for (const n of names) {
        expect(headerKey(n), n).toBe(n);
        expect(seen.get(n) ?? field, `${n} is an alias of two fields`).toBe(field);
        seen.set(n, field);
      }
    }
  });
});

describe('default ports on a host written without a scheme', () => {
  it.each([
    ['shop.com', 'shop.com', 'https://shop.com'],
    ['shop.com:443', 'shop.com', 'https://shop.com'],
    ['https://shop.com:443/x', 'shop.com', 'https://shop.com'],
    ['shop.com:443/collections/x', 'shop.com', 'https://shop.com'],
    ['www.Shop.com:443', 'shop.com', 'https://shop.com'],
    ['shop.com:80', 'shop.com', 'https://shop.com'],
    ['http://shop.com:80', 'shop.com', 'http://shop.com'],
    ['bücher.de:443', 'xn--bcher-kva.de', 'https://xn--bcher-kva.de'],
    // non-default ports stay, with or without a scheme
    ['shop.com:8443', 'shop.com:8443', 'https://shop.com:8443'],
    ['127.0.0.1:8080', '127.0.0.1:8080', 'https://127.0.0.1:8080'],
    ['http://127.0.0.1:8080', '127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://shop.com:443', 'shop.com:443', 'http://shop.com:443'],
    ['https://shop.com:80', 'shop.com:80', 'https://shop.com:80'],
  ])('%s → %s (%s)', (input, domain, url) => {
    const r = normalizeDomain(input);
    expect(r.ok && r.value.domain).toBe(domain);
    expect(r.ok && r.value.url).toBe(url);
  });

  it('the reviewer’s port.csv gives one lead', () => {
    const domains = ['shop.com', 'shop.com:443', 'https://shop.com:443/x', 'http://shop.com:80'].map((d) => ok(row(['domain'], [d])).domain);
    expect(new Set(domains)).toEqual(new Set(['shop.com']));
  });
});

describe('countries', () => {
  it.each([
    ['DEU', 'DE'], ['GBR', 'GB'], ['USA', 'US'], ['fra', 'FR'], ['CHE', 'CH'], ['AUT', 'AT'], ['NLD', 'NL'], ['ESP', 'ES'],
    ['BRA', 'BR'], ['ZAF', 'ZA'], ['KOR', 'KR'], ['CIV', 'CI'],
  ])('alpha-3 %s → %s', (input, code) => expect(normalizeCountry(input)).toEqual({ ok: true, value: code }));

  it('knows every ISO 3166-1 alpha-3 code (249 of them) and its alpha-2', () => {
    expect(ISO_3166_1).toHaveLength(249);
    expect(new Set(ISO_3166_1.map((c) => c[0])).size).toBe(249);
    expect(new Set(ISO_3166_1.map((c) => c[1])).size).toBe(249);
    for (const [a2, a3] of ISO_3166_1) {
      expect(a2, a3).toMatch(/^[A-Z]{2}$/);
      expect(a3, a2).toMatch(/^[A-Z]{3}$/);
      expect(normalizeCountry(a3)).toEqual({ ok: true, value: a2 });
      expect(normalizeCountry(a2)).toEqual({ ok: true, value: a2 });
    }
  });

  it.each([
    ['Deutschland', 'DE'], ['España', 'ES'], ['Espana', 'ES'], ['Italia', 'IT'], ['Österreich', 'AT'], ['Osterreich', 'AT'],
    ['Schweiz', 'CH'], ['Suisse', 'CH'], ['Nederland', 'NL'], ['Belgique', 'BE'], ['België', 'BE'], ['Sverige', 'SE'],
    ['Norge', 'NO'], ['Danmark', 'DK'], ['Polska', 'PL'], ['Brasil', 'BR'], ['México', 'MX'], ['Türkiye', 'TR'],
    ['Ελλάδα', 'GR'], ['Allemagne', 'DE'], ['Royaume-Uni', 'GB'], ['États-Unis', 'US'], ['Česko', 'CZ'],
    ['Côte d’Ivoire', 'CI'], ["Cote d'Ivoire", 'CI'], ['Korea, Republic of', 'KR'], ['Viet Nam', 'VN'], ['Curaçao', 'CW'],
    ['  united   KINGDOM ', 'GB'], ['U.S.', 'US'], ['Czechia', 'CZ'],
  ])('%j → %s', (input, code) => expect(normalizeCountry(input)).toEqual({ ok: true, value: code }));

  it.each(['N/A', 'n/a', '-', '--', 'none', 'None', 'unknown', 'UNKNOWN', '#N/A', 'null', '?', '—', 'n.a.', 'unbekannt'])(
    'placeholder %j is an empty country, and the row is kept',
    (input) => {
      expect(isCountryPlaceholder(input)).toBe(true);
      expect(normalizeCountry(input)).toEqual({ ok: false, reason: 'the country is empty' });
      const r = ok(row(['domain', 'country'], ['c3.com', input]));
      expect(r.country).toBeNull();
    },
  );

  it('NA is Namibia, not a placeholder', () => {
    expect(isCountryPlaceholder('NA')).toBe(false);
    expect(normalizeCountry('NA')).toEqual({ ok: true, value: 'NA' });
  });

  it('an unknown country is left empty with a warning (session 11: country is optional, the store is kept)', () => {
    expect(normalizeCountry('Atlantis')).toEqual({ ok: false, reason: '"Atlantis" is not a country name or ISO code' });
    expect(normalizeCountry('XYZ').ok).toBe(false);
    expect(row(['domain', 'country'], ['c5.com', 'Atlantis'])).toMatchObject({
      domain: 'c5.com',
      country: null,
      warning: 'unknown country left empty: "Atlantis" is not a country name or ISO code',
    });
  });

  it('the reviewer’s ctry.csv imports every row', () => {
    const got = ['Deutschland', 'U.S.', 'N/A', 'Czechia'].map((c, i) => ok(row(['domain', 'country'], [`c${i + 1}.com`, c])).country);
    expect(got).toEqual(['DE', 'US', null, 'CZ']);
  });
});

describe('placeholders in the email and website columns', () => {
  const H = ['Company', 'Website', 'Email'];
  it('N/A, none, - are empty cells, not bad rows', () => {
    for (const p of ['N/A', 'n/a', 'none', '-', 'unknown', '#N/A']) {
      const r = row(H, ['Acme', 'acme.com', p]);
      expect(typeof r === 'string' ? r : { domain: r.domain, email: r.email }, p).toEqual({ domain: 'acme.com', email: null });
      const w = row(H, ['Acme', p, 'jane@acme.com']);
      expect(typeof w === 'string' ? w : { domain: w.domain, email: w.email }, p).toEqual({ domain: 'acme.com', email: 'jane@acme.com' });
    }
  });
  it('a row with nothing but placeholders is still a bad row, and a real bad email still is', () => {
    expect(typeof row(H, ['Acme', 'N/A', 'N/A'])).toBe('string');
    expect(row(H, ['Acme', 'acme.com', 'jane at acme'])).toMatch(/invalid email/);
  });
});
