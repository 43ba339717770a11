// Review s8 (issue 2) fixes in the pure half of `leads import`: header mapping when columns compete for a field
// (#7), --map refusing two columns for one field (#18), the export's injection apostrophe removed on import
// (#6), email-only rows keyed by the registrable domain (#9), blank records and blank lines before the header (#8).
import { describe, it, expect } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkMap, isBlankRecord, mapHeader, sniffDelimiter, toRow, type Row } from '../../src/stages/leads/import-parse.js';

const ok = (r: Row | string): Row => {
  if (typeof r === 'string') throw new Error(`rejected: ${r}`);
  return r;
};

describe('header mapping: columns that compete for one field (#7)', () => {
  it.each<[string, string[], Record<string, string>, (string | null)[], string[]]>([
    // a CRM export: Name is the person once another column is the company
    ['Name + Company', ['Name', 'Email', 'Company', 'Website'], {}, ['full_name', 'email', 'company', 'domain'], []],
    ['Name + Store', ['Name', 'Store', 'Website'], {}, ['full_name', 'company', 'domain'], []],
    ['Name + Company Name', ['Company Name', 'Name', 'Email'], {}, ['company', 'full_name', 'email'], []],
    ['Name + Société', ['Nom', 'Name', 'Société', 'Site web'], {}, ['last_name', 'full_name', 'company', 'domain'], []],
    // no other company column: Name is the company, as documented
    ['Name alone', ['Name', 'Website'], {}, ['company', 'domain'], []],
    ['Name with a person column', ['Name', 'Contact', 'Email'], {}, ['company', 'full_name', 'email'], []],
    // Name is a person, but a real full-name column wins it
    ['Name + Company + Full Name', ['Name', 'Company', 'Full Name', 'Email'], {}, [null, 'company', 'full_name', 'email'], ['Name (another full_name column: Full Name is used)']],
    // two company aliases: the specific one wins, whatever the order, and the other is listed with why
    ['Store,Company', ['Store', 'Company', 'Website'], {}, [null, 'company', 'domain'], ['Store (another company column: Company is used)']],
    ['Company,Store', ['Company', 'Store', 'Website'], {}, ['company', null, 'domain'], ['Store (another company column: Company is used)']],
    ['Shop,Store Name', ['Shop', 'Store Name', 'Website'], {}, [null, 'company', 'domain'], ['Shop (another company column: Store Name is used)']],
    ['Store,Brand (same rank: first)', ['Store', 'Brand', 'Website'], {}, ['company', null, 'domain'], ['Brand (another company column: Store is used)']],
    // website,domain: the first wins, the other is named
    ['website,domain', ['website', 'domain', 'email'], {}, ['domain', null, 'email'], ['domain (another domain column: website is used)']],
    ['domain,domain', ['domain', 'domain'], {}, ['domain', null], ['domain (another domain column: domain is used)']],
    ['Email,E-Mail', ['Email', 'E-Mail', 'Website'], {}, ['email', null, 'domain'], ['E-Mail (another email column: Email is used)']],
    // --map wins over aliases, and the alias column says so
    ['--map over an alias', ['Shop URL', 'Website', 'Owner'], { 'Shop URL': 'domain', Owner: 'full_name' }, ['domain', null, 'full_name'], ['Website (domain is taken from Shop URL by --map)']],
    ['--map Name=company', ['Name', 'Company', 'Website'], { Name: 'company' }, ['company', null, 'domain'], ['Company (company is taken from Name by --map)']],
    ['--map to company makes Name a person', ['Name', 'Account Holder', 'Website'], { 'Account Holder': 'company' }, ['full_name', 'company', 'domain'], []],
    // unknown columns stay listed by their bare name
    ['unknown column', ['Website', 'Whatever', ''], {}, ['domain', null, null], ['Whatever']],
  ])('%s', (_, header, map, fields, ignored) => {
    const m = mapHeader(header, map);
    expect(m.fields).toEqual(fields);
    expect(m.ignored).toEqual(ignored);
  });

  it('a Name next to a Company column becomes the contact, not the store', () => {
    const m = mapHeader(['Name', 'Email', 'Company', 'Website']);
    const r = ok(toRow(['Jane Doe', 'jane@acme.com', 'Acme Inc', 'acme.com'], m.fields));
    expect(r).toMatchObject({ company: 'Acme Inc', firstName: 'Jane', lastName: 'Doe', domain: 'acme.com', email: 'jane@acme.com' });
  });
});

describe('--map: two columns for one field are refused (#18)', () => {
  it.each<[Record<string, string>, RegExp]>([
    [{ 'Shop URL': 'domain', Owner: 'domain' }, /--map: both Shop URL and Owner are mapped to domain/],
    [{ A: 'email', B: 'company', C: 'email' }, /--map: both A and C are mapped to email/],
    [{ 'Shop URL': 'domain', 'shop url': 'company' }, /--map: the column shop url is mapped twice/],
    [{ A: 'bogus' }, /unknown field "bogus"/],
  ])('%j', (map, message) => {
    expect(() => checkMap(map)).toThrow(message);
    expect(() => checkMap(map)).toThrow(UsageError);
    expect(() => mapHeader(Object.keys(map).concat('Website'), map)).toThrow(message);
  });

  it('one column per field is fine', () => {
    expect(() => checkMap({ 'Shop URL': 'domain', Owner: 'full_name' })).not.toThrow();
  });
});

describe('the injection apostrophe of an export is removed (#6)', () => {
  const fields = mapHeader(['domain', 'email', 'phone', 'company', 'notes', 'title']).fields;
  it.each([
    ["'+33 6 12 34 56 78", '+33 6 12 34 56 78'],
    ["'-Minus Co", '-Minus Co'],
    ["'=SUM(A1)", '=SUM(A1)'],
    ["'@handle", '@handle'],
    ["'\tTabbed", 'Tabbed'],
    ["'\r", null],
    // only that exact pattern
    ["'Quoted'", "'Quoted'"],
    ["O'Brien", "O'Brien"],
    ["''+1", "''+1"],
    [" '+1", "'+1"],
    ["'", "'"],
  ])('%j → %j', (cell, value) => {
    const r = ok(toRow(['rt.com', "'+1@rt.com", cell, cell, cell, cell], fields));
    expect(r.email).toBe('+1@rt.com');
    expect(r.phone).toBe(value);
    expect(r.company).toBe(value);
    expect(r.notes).toBe(value);
  });
});

describe('an email-only row is keyed by the registrable domain (#9)', () => {
  const fields = mapHeader(['domain', 'email']).fields;
  it.each([
    ['a@shop.com', 'shop.com'],
    ['b@mail.shop.com', 'shop.com'],
    ['e@eu.shop.co.uk', 'shop.co.uk'],
    ['c@www.shop.com', 'shop.com'],
    ['x@store.myshopify.com', 'store.myshopify.com'],
    ['y@a.b.shop.com.au', 'shop.com.au'],
  ])('%s → %s', (email, domain) => {
    const r = ok(toRow(['', email], fields));
    expect(r.domain).toBe(domain);
    expect(r.email).toBe(email);
  });

  it('a website column still decides the lead', () => {
    expect(ok(toRow(['mail.shop.com', 'b@mail.shop.com'], fields)).domain).toBe('mail.shop.com');
  });

  it.each(['jane@gmail.com', 'jane@yahoo.co.uk', 'jane@outlook.com'])('free mail %s stays rejected', (email) => {
    expect(toRow(['', email], fields)).toMatch(/free-mail provider/);
  });
});

describe('blank records and blank lines before the header (#8)', () => {
  it.each<[string[], boolean]>([
    [[''], true],
    [['', '', ''], true],
    [[' ', '\t', '  '], true],
    [['', 'x', ''], false],
    [['a'], false],
  ])('%j blank: %s', (rec, blank) => expect(isBlankRecord(rec)).toBe(blank));

  it.each([
    ['\n\n\ndomain;company\nx.com;X\n', ';'],
    ['\ufeff\r\n\r\nName\tWeb\n', '\t'],
    [',,,\n;;\ndomain;company\n', ';'],
    ['\n\n', ','],
  ])('sniffs the delimiter of %j after blank lines', (head, d) => expect(sniffDelimiter(head)).toBe(d));
});
