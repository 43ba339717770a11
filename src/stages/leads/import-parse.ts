// The pure half of `leads import`: header aliases, delimiter sniffing, and turning a CSV record into a lead
// row (or the reason it cannot be imported). It runs in the import's parser worker (import-worker.ts), so it
// must not touch the database.
import { isCountryPlaceholder, isPlaceholder, normalizeCountry, normalizeDomain, normalizeEmail, FREEMAIL } from '../../domain/normalize.js';
import { UserError, UsageError } from '../../errors.js';

export const IMPORT_FIELDS = [
  'domain', 'company', 'email', 'first_name', 'last_name', 'full_name', 'country', 'title', 'phone', 'tags', 'notes',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Header aliases, compared as `headerKey` leaves them: lower case, accents folded (`Société` → `societe`), nothing
 * but letters and digits (`E-Mail-Adresse` → `emailadresse`). English first, then French, German, Spanish, Italian
 * and Dutch, the languages of the exports users bring. A key may name one field only (the unit tests check it). */
export const ALIASES: Record<ImportField, string[]> = {
  domain: [
    'domain', 'website', 'url', 'site', 'web', 'homepage', 'storeurl', 'shopurl', 'websiteurl', 'companywebsite', 'companydomain', 'shopdomain', 'storedomain', 'webaddress',
    'siteweb', 'siteinternet', 'adresseweb', 'urldusite', 'webseite', 'internetseite', 'internetadresse', 'domaine', 'dominio',
    'sitioweb', 'paginaweb', 'sitoweb', 'sitointernet', 'indirizzoweb',
  ],
  company: [
    'company', 'store', 'name', 'companyname', 'storename', 'shop', 'shopname', 'business', 'businessname', 'organization', 'organisation', 'brand', 'account',
    'societe', 'entreprise', 'nomentreprise', 'nomdelentreprise', 'nomsociete', 'raisonsociale', 'boutique', 'magasin', 'marque',
    'firma', 'firmenname', 'unternehmen', 'unternehmensname', 'geschaft', 'marke',
    'empresa', 'nombreempresa', 'nombredelaempresa', 'compania', 'tienda', 'marca',
    'azienda', 'nomeazienda', 'societa', 'ragionesociale', 'negozio',
    'bedrijf', 'bedrijfsnaam', 'winkel',
  ],
  email: [
    'email', 'mail', 'emailaddress', 'contactemail', 'workemail', 'emails',
    'courriel', 'adressemail', 'adresseemail', 'adressecourriel', 'mel',
    'emailadresse', 'mailadresse',
    'correo', 'correoelectronico', 'direcciondecorreo', 'direcciondeemail',
    'postaelettronica', 'indirizzoemail',
    'emailadres',
  ],
  first_name: ['firstname', 'first', 'givenname', 'fname', 'forename', 'prenom', 'vorname', 'nombre', 'nome', 'voornaam'],
  last_name: ['lastname', 'last', 'surname', 'familyname', 'lname', 'nom', 'nomdefamille', 'nachname', 'familienname', 'apellido', 'apellidos', 'cognome', 'achternaam'],
  full_name: [
    'fullname', 'contactname', 'contact', 'person', 'contactperson',
    'nomcomplet', 'interlocuteur', 'ansprechpartner', 'kontaktperson', 'nombrecompleto', 'nomecompleto', 'referente', 'contactpersoon',
  ],
  country: ['country', 'countrycode', 'countryname', 'nation', 'land', 'pays', 'codepays', 'landercode', 'pais', 'paese', 'nazione'],
  title: ['title', 'jobtitle', 'role', 'position', 'fonction', 'poste', 'funktion', 'cargo', 'puesto', 'ruolo', 'functie'],
  phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile', 'portable', 'telefon', 'telefonnummer', 'handy', 'telefono', 'movil', 'cellulare', 'telefoon'],
  tags: ['tags', 'tag', 'labels', 'label', 'segment', 'etiquettes', 'etiquette', 'etiketten', 'schlagworte', 'etiquetas', 'etichette'],
  notes: ['notes', 'note', 'comment', 'comments', 'remarques', 'commentaire', 'commentaires', 'notiz', 'notizen', 'bemerkung', 'bemerkungen', 'kommentar', 'notas', 'comentarios', 'commenti', 'opmerkingen'],
};

const aliasIndex = new Map<string, ImportField>();
for (const [field, names] of Object.entries(ALIASES) as [ImportField, string[]][]) {
  for (const n of names) aliasIndex.set(n, field);
}

/** A header cell as the aliases are written: accents folded (NFD, then the combining marks dropped: `Prénom` →
 * `prenom`, `Société` → `societe`, `País` → `pais`), lower case, letters and digits only. */
export const headerKey = (h: string) =>
  h
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[æœ]/g, (c) => (c === 'æ' ? 'ae' : 'oe'))
    .replace(/ø/g, 'o')
    .replace(/[^a-z0-9]/g, '');

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
  /** More addresses from the same email cell (`jane@acme.com; sales@acme.com`): more contacts of the lead, without the row's name. */
  otherEmails: string[];
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

/**
 * The addresses in an email cell, in order: `Jane Doe <jane@acme.com>`, `"Doe, Jane" <jane@acme.com>; bob@acme.com`,
 * `a@x.com, b@x.com`, `a@x.com b@x.com`. Commas and semicolons separate addresses outside quotes and angle brackets;
 * a part with no `@` is the start of the next one's display name (`Doe, Jane <jane@acme.com>`); spaces separate
 * addresses only when every word holds an `@` (`Jane Doe jane@acme.com` stays one, invalid, address).
 */
export function emailCellAddresses(cell: string): string[] {
  const cuts: number[] = []; // indexes of the separators
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if ((c === ',' || c === ';') && angle === 0) cuts.push(i);
  }
  cuts.push(cell.length);
  const out: string[] = [];
  let start = 0; // where the current address starts: a part with no @ stays pending, glued to the next one
  for (const end of cuts) {
    const p = cell.slice(start, end).trim();
    if (!p.includes('@')) {
      if (!p) start = end + 1;
      continue;
    }
    start = end + 1;
    const words = p.split(/\s+/);
    if (words.length > 1 && !/[<"]/.test(p) && words.every((w) => w.includes('@'))) out.push(...words);
    else out.push(p);
  }
  const rest = cell.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** Turns a mapped record into a row, or a reason why it cannot be imported. */
export function toRow(record: string[], fields: (ImportField | null)[]): Row | string {
  const v: Partial<Record<ImportField, string | null>> = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f) v[f] = clean(record[i]);
  }
  // `N/A`, `-`, `none` in the email or website column: an empty cell, not a bad row.
  if (v.email && isPlaceholder(v.email)) delete v.email;
  if (v.domain && isPlaceholder(v.domain)) delete v.domain;
  let email: string | null = null;
  let emailDomain: string | null = null;
  const otherEmails: string[] = [];
  if (v.email) {
    // A cell listing several addresses gives a contact for each; the row's name, title and phone go with the first.
    // One bad address refuses the row, like a bad single one; a placeholder after the first is an empty part.
    const cells = /[,;\s]/.test(v.email) ? emailCellAddresses(v.email) : [v.email];
    for (const cell of cells.length ? cells : [v.email]) {
      if (email !== null && isPlaceholder(cell)) continue;
      const e = normalizeEmail(cell);
      if (!e.ok) return `invalid email: ${e.reason}`;
      if (email === null) {
        email = e.value.email;
        emailDomain = e.value.domain;
      } else if (e.value.email !== email && !otherEmails.includes(e.value.email)) otherEmails.push(e.value.email);
    }
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
    if (c.ok) country = c.value;
    // An optional field: `N/A`, `-`, `unknown` leave the country empty rather than refuse the row.
    else if (!isCountryPlaceholder(v.country)) return `invalid country: ${c.reason}`;
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
    otherEmails,
    firstName,
    lastName,
    title: v.title ?? null,
    phone: v.phone ?? null,
    tags: v.tags ? v.tags.split(/[;,|]/).map((t) => t.trim().toLowerCase()).filter(Boolean) : [],
    notes: v.notes ?? null,
  };
}

