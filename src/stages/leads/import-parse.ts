// The pure half of `leads import`: header aliases, delimiter sniffing, and turning a CSV record into a lead
// row (or the reason it cannot be imported). It runs in the import's parser worker (import-worker.ts), so it
// must not touch the database.
import { normalizeCountry, normalizeDomain, normalizeEmail, FREEMAIL } from '../../domain/normalize.js';
import { UserError, UsageError } from '../../errors.js';

export const IMPORT_FIELDS = [
  'domain', 'company', 'email', 'first_name', 'last_name', 'full_name', 'country', 'title', 'phone', 'tags', 'notes',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Header aliases, compared after lower-casing and removing everything but letters and digits. */
const ALIASES: Record<ImportField, string[]> = {
  domain: ['domain', 'website', 'url', 'site', 'web', 'homepage', 'storeurl', 'shopurl', 'websiteurl', 'companywebsite', 'companydomain', 'shopdomain', 'storedomain', 'webaddress'],
  company: ['company', 'store', 'name', 'companyname', 'storename', 'shop', 'shopname', 'business', 'businessname', 'organization', 'organisation', 'brand', 'account'],
  email: ['email', 'mail', 'emailaddress', 'contactemail', 'workemail', 'emails'],
  first_name: ['firstname', 'first', 'givenname', 'fname', 'forename', 'prenom', 'vorname'],
  last_name: ['lastname', 'last', 'surname', 'familyname', 'lname', 'nom', 'nachname'],
  full_name: ['fullname', 'contactname', 'contact', 'person', 'contactperson'],
  country: ['country', 'countrycode', 'countryname', 'nation', 'land', 'pays'],
  title: ['title', 'jobtitle', 'role', 'position'],
  phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile'],
  tags: ['tags', 'tag', 'labels', 'label', 'segment'],
  notes: ['notes', 'note', 'comment', 'comments'],
};

const aliasIndex = new Map<string, ImportField>();
for (const [field, names] of Object.entries(ALIASES) as [ImportField, string[]][]) {
  for (const n of names) aliasIndex.set(n, field);
}

export const headerKey = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Sniffs the delimiter from the header line: the most frequent of , ; tab outside quotes. */
export function sniffDelimiter(head: string): string {
  const line = head.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuotes = false;
  for (const ch of line) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && ch in counts) counts[ch]!++;
  }
  let best = ',';
  for (const d of [';', '\t']) if (counts[d]! > counts[best]!) best = d;
  return best;
}

/** Maps header cells to fields; explicit --map entries win. Throws a usage error for an unknown field. */
export function mapHeader(header: string[], map: Record<string, string> = {}): { fields: (ImportField | null)[]; ignored: string[] } {
  const explicit = new Map<string, ImportField>();
  for (const [col, field] of Object.entries(map)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw new UsageError(`--map ${col}=${field}: unknown field "${field}"`, `Fields: ${IMPORT_FIELDS.join(', ')}`);
    }
    explicit.set(headerKey(col), field as ImportField);
  }
  for (const col of Object.keys(map)) {
    if (!header.some((h) => headerKey(h) === headerKey(col))) {
      throw new UsageError(`--map ${col}=${map[col]}: the file has no column "${col}"`, `Columns: ${header.join(', ')}`);
    }
  }
  const used = new Set<ImportField>();
  const fields: (ImportField | null)[] = [];
  const ignored: string[] = [];
  for (const h of header) {
    const k = headerKey(h);
    let f = explicit.get(k) ?? null;
    if (!f) {
      const alias = aliasIndex.get(k) ?? null;
      // An alias never takes a field that an explicit mapping (or an earlier column) already holds.
      f = alias && !used.has(alias) && ![...explicit.values()].includes(alias) ? alias : null;
    }
    if (f) used.add(f);
    else if (h.trim()) ignored.push(h);
    fields.push(f);
  }
  if (!used.has('domain') && !used.has('email')) {
    throw new UserError(
      `No column for the store's website/domain or an email in the header: ${header.join(', ')}`,
      'Name a column website, domain or email, or map one with --map "Column=domain".',
    );
  }
  return { fields, ignored };
}

export interface Row {
  domain: string;
  unicode: string;
  url: string;
  company: string | null;
  country: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  tags: string[];
  notes: string | null;
}

const clean = (v: string | undefined): string | null => {
  if (v === undefined) return null;
  const t = v.trim();
  return t ? t : null;
};

/** Turns a mapped record into a row, or a reason why it cannot be imported. */
export function toRow(record: string[], fields: (ImportField | null)[]): Row | string {
  const v: Partial<Record<ImportField, string | null>> = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f) v[f] = clean(record[i]);
  }
  let email: string | null = null;
  let emailDomain: string | null = null;
  if (v.email) {
    const first = v.email.split(/[;,\s]+/).filter(Boolean)[0] ?? '';
    const e = normalizeEmail(first);
    if (!e.ok) return `invalid email: ${e.reason}`;
    email = e.value.email;
    emailDomain = e.value.domain;
  }
  let d;
  if (v.domain) {
    d = normalizeDomain(v.domain);
    if (!d.ok) return `invalid website/domain: ${d.reason}`;
  } else if (emailDomain && !FREEMAIL.has(emailDomain)) {
    d = normalizeDomain(emailDomain);
    if (!d.ok) return `invalid domain from email: ${d.reason}`;
  } else {
    return emailDomain ? `no website/domain, and ${emailDomain} is a free-mail provider` : 'no website/domain and no email';
  }
  let country: string | null = null;
  if (v.country) {
    const c = normalizeCountry(v.country);
    if (!c.ok) return `invalid country: ${c.reason}`;
    country = c.value;
  }
  let firstName = v.first_name ?? null;
  let lastName = v.last_name ?? null;
  if (!firstName && !lastName && v.full_name) {
    const parts = v.full_name.split(/\s+/);
    firstName = parts[0] ?? null;
    lastName = parts.length > 1 ? parts.slice(1).join(' ') : null;
  }
  return {
    domain: d.value.domain,
    unicode: d.value.unicode,
    url: d.value.url,
    company: v.company ?? null,
    country,
    email,
    firstName,
    lastName,
    title: v.title ?? null,
    phone: v.phone ?? null,
    tags: v.tags ? v.tags.split(/[;,|]/).map((t) => t.trim().toLowerCase()).filter(Boolean) : [],
    notes: v.notes ?? null,
  };
}

