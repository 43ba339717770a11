// The pure half of `leads import`: header aliases, delimiter sniffing, and turning a CSV record into a lead
// row (or the reason it cannot be imported). It runs in the import's parser worker (import-worker.ts), so it
// must not touch the database.
import { splitTagList, tagProblem } from '../../domain/tags.js';
import { createRequire } from 'node:module';
import { isCountryPlaceholder, isPlaceholder, normalizeCountry, normalizeDomain, normalizeEmail, FREEMAIL } from '../../domain/normalize.js';
import { restoreCell } from '../../domain/csv.js';
import { UserError, UsageError } from '../../errors.js';

export const IMPORT_FIELDS = [
  'domain', 'company', 'email', 'first_name', 'last_name', 'full_name', 'country', 'title', 'phone', 'tags', 'notes', 'suppressed', 'stage',
  'suppressed_domain',
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
  // `leads export` writes both: `suppressed` (why the contact must never be mailed) and the lead's `stage`. An
  // import reads them so that a suppression survives the move to another database (see suppressionOf).
  suppressed: ['suppressed', 'suppression', 'suppressionreason'],
  stage: ['stage', 'leadstage'],
  // `leads export` names the suppressed domain that covers a row: imported as a domain suppression, not an address.
  suppressed_domain: ['suppresseddomain'],
};

/**
 * The reasons a `suppressed` cell may hold: the suppression list's own reasons, as `leads export` writes them
 * (`forgotten` never appears there: a forgotten person is only a hash, never exported).
 */
export const SUPPRESSED_REASONS = ['unsubscribed', 'bounced', 'complained', 'manual', 'imported', 'left_company'] as const;
export type SuppressedReason = (typeof SUPPRESSED_REASONS)[number];
/** The lead stages that mean "never mail this contact again", and the suppression reason each stands for. */
const STAGE_REASONS: Record<string, SuppressedReason> = { unsubscribed: 'unsubscribed', bounced: 'bounced' };

/**
 * Why a row must never be mailed, from its `suppressed` cell (a reason of the suppression list, any case) or else
 * its `stage` cell (`unsubscribed`, `bounced`; any other stage says nothing about mailing and is not imported).
 * Null: nothing says so. `{ error }`: a `suppressed` value that is no known reason, which refuses the row like any
 * other bad cell (a guess could be wrong either way; the row's line names the cell to fix).
 */
export function suppressionOf(record: string[], suppressedAt: number, stageAt: number): { reason: SuppressedReason } | { error: string } | null {
  const cell = suppressedAt >= 0 ? clean(record[suppressedAt]) : null;
  if (cell !== null && !isPlaceholder(cell)) {
    const r = cell.toLowerCase().replace(/[\s-]+/g, '_');
    if ((SUPPRESSED_REASONS as readonly string[]).includes(r)) return { reason: r as SuppressedReason };
    return { error: `invalid suppressed value "${cell}": expected empty or one of ${SUPPRESSED_REASONS.join(', ')}` };
  }
  const stage = stageAt >= 0 ? clean(record[stageAt]) : null;
  if (stage !== null) {
    const r = STAGE_REASONS[stage.toLowerCase()];
    if (r) return { reason: r };
  }
  return null;
}

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
  // Blank lines (or lines of nothing but delimiters, as a spreadsheet writes) before the header are skipped.
  const line = head.replace(/^\ufeff/, '').split(/\r\n|\r|\n/).find((l) => !/^[\s,;"]*$/.test(l)) ?? '';
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

/**
 * Company aliases that are weaker than the others when a header has two company columns (`Store,Company`: the
 * company column wins). The bare `name` is weakest of all: next to another company column (a CRM export's
 * `Name,Email,Company`), `Name` is the person's full name.
 */
const WEAK_COMPANY = new Set([
  'store', 'shop', 'business', 'organization', 'organisation', 'brand', 'account', 'boutique', 'magasin', 'marque', 'geschaft', 'marke',
  'tienda', 'marca', 'negozio', 'winkel',
]);
/** The rank of an alias among the columns that compete for its field: lower wins, the first column wins a tie. */
const aliasRank = (field: ImportField, key: string): number => (field === 'company' ? (key === 'name' ? 2 : WEAK_COMPANY.has(key) ? 1 : 0) : key === 'name' ? 1 : 0);

/**
 * Checks the --map entries on their own (before any input is read): each names a known field, no column is
 * mapped twice and no field gets two columns (usage errors, exit 2).
 */
export function checkMap(map: Record<string, string> = {}): Map<string, ImportField> {
  const explicit = new Map<string, ImportField>();
  const byField = new Map<ImportField, string>();
  const byKey = new Map<string, string>();
  for (const [col, field] of Object.entries(map)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw new UsageError(`--map ${col}=${field}: unknown field "${field}"`, `Fields: ${IMPORT_FIELDS.join(', ')}`);
    }
    const k = headerKey(col);
    const sameCol = byKey.get(k);
    if (sameCol !== undefined) throw new UsageError(`--map: the column ${col} is mapped twice (${sameCol}=${map[sameCol]} and ${col}=${field})`, 'Map each column once.');
    byKey.set(k, col);
    const other = byField.get(field as ImportField);
    if (other !== undefined) {
      throw new UsageError(`--map: both ${other} and ${col} are mapped to ${field}`, 'A field takes one column: map the other one to another field, or leave it out.');
    }
    byField.set(field as ImportField, col);
    explicit.set(k, field as ImportField);
  }
  return explicit;
}

/**
 * Maps header cells to fields; explicit --map entries win. Throws a usage error for an unknown field, a column
 * the file does not have, or two columns mapped to one field. When several columns could be one field
 * (`website,domain`; `Store,Company`), one is used (see aliasRank) and the others are listed in `ignored`
 * with the reason, never dropped silently.
 */
export function mapHeader(header: string[], map: Record<string, string> = {}): { fields: (ImportField | null)[]; ignored: string[] } {
  const explicit = checkMap(map);
  for (const col of Object.keys(map)) {
    if (!header.some((h) => headerKey(h) === headerKey(col))) {
      throw new UsageError(`--map ${col}=${map[col]}: the file has no column "${col}"`, `Columns: ${header.join(', ')}`);
    }
  }
  const keys = header.map(headerKey);
  const fields: (ImportField | null)[] = header.map(() => null);
  /** Why a column that could be a field is not used, by column index. */
  const why = new Map<number, string>();
  const holder = new Map<ImportField, number>(); // field → the column that has it
  // --map first: the first column with a mapped name (a header can repeat a name) takes the field.
  keys.forEach((k, i) => {
    const f = explicit.get(k);
    if (!f) return;
    if (holder.has(f)) why.set(i, `a second "${header[i]}" column: the first one is ${f}`);
    else {
      holder.set(f, i);
      fields[i] = f;
    }
  });
  const mappedByHand = new Set(holder.keys());
  // Then the aliases. A bare `Name` is the company only when no other column is (and a person's name otherwise).
  const hasOtherCompany =
    holder.has('company') || keys.some((k, i) => fields[i] === null && !explicit.has(k) && k !== 'name' && aliasIndex.get(k) === 'company');
  const candidates = new Map<ImportField, { i: number; rank: number }[]>();
  keys.forEach((k, i) => {
    if (fields[i] !== null || explicit.has(k)) return;
    let f = aliasIndex.get(k);
    if (!f) return;
    if (k === 'name' && hasOtherCompany) f = 'full_name';
    const list = candidates.get(f) ?? [];
    list.push({ i, rank: aliasRank(f, k) });
    candidates.set(f, list);
  });
  for (const [f, list] of candidates) {
    let best: { i: number; rank: number } | null = null;
    if (!holder.has(f)) for (const c of list) if (!best || c.rank < best.rank) best = c;
    if (best) {
      holder.set(f, best.i);
      fields[best.i] = f;
    }
    const used = header[holder.get(f)!]!;
    for (const c of list) {
      if (c === best) continue;
      why.set(c.i, mappedByHand.has(f) ? `${f} is taken from ${used} by --map` : `another ${f} column: ${used} is used`);
    }
  }
  const ignored: string[] = [];
  header.forEach((h, i) => {
    if (fields[i] !== null) return;
    const reason = why.get(i);
    if (reason) ignored.push(`${h} (${reason})`);
    else if (h.trim()) ignored.push(h);
  });
  if (!holder.has('domain') && !holder.has('email')) {
    throw new UserError(
      `No column for the store's website/domain or an email in the header: ${header.join(', ')}`,
      'Name a column website, domain or email, or map one with --map "Column=domain".',
    );
  }
  return { fields, ignored };
}

/** A record whose cells are all empty or blank (`,,,,`: what a spreadsheet writes for a formatted empty row). */
export function isBlankRecord(record: string[]): boolean {
  for (let i = 0; i < record.length; i++) {
    const c = record[i]!;
    if (c !== '' && c.trim() !== '') return false;
  }
  return true;
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

/**
 * A cell, trimmed; null when empty. The apostrophe that CSV exports put before a would-be formula (so that a
 * spreadsheet does not run it: `leads export`, `--rejects`, `suppress list`) is removed by restoreCell, the exact
 * inverse of the export's neutralizing, so an exported file imports back as it was (`'+33 6 12…` → `+33 6 12…`).
 */
const clean = (v: string | undefined): string | null => {
  if (v === undefined) return null;
  const t = restoreCell(v).trim();
  return t ? t : null;
};

let tldts: typeof import('tldts') | null = null;
/**
 * The registrable domain of an email's host (`mail.shop.com` → `shop.com`, `eu.shop.co.uk` → `shop.co.uk`;
 * private suffixes count, so `x.myshopify.com` stays itself); the host itself when it has none (an IP, localhost).
 * tldts is loaded on the first email-only row only: rows with a website never pay for it.
 */
function registrableDomain(host: string): string {
  tldts ??= createRequire(import.meta.url)('tldts') as typeof import('tldts');
  return tldts.getDomain(host, { allowPrivateDomains: true }) ?? host;
}

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
  } else if (emailDomain && !FREEMAIL.has(emailDomain) && !FREEMAIL.has(registrableDomain(emailDomain))) {
    // An email-only row: the store is the address's registrable domain (b@mail.shop.com is shop.com's).
    d = normalizeDomain(registrableDomain(emailDomain));
    if (!d.ok) return `invalid domain from email: ${d.reason}`;
  } else {
    return emailDomain ? `no website/domain, and ${FREEMAIL.has(emailDomain) ? emailDomain : registrableDomain(emailDomain)} is a free-mail provider` : 'no website/domain and no email';
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
  // The tags column follows the rules of `leads tag`: a tag it would refuse refuses the row (FILE:LINE: reason).
  const tags = v.tags ? splitTagList([v.tags]) : [];
  for (const t of tags) {
    const problem = tagProblem(t);
    if (problem) return `invalid ${problem.message}`;
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
    tags,
    notes: v.notes ?? null,
  };
}

