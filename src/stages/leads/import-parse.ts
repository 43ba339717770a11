// The pure half of `leads import`: header aliases, delimiter sniffing, and turning a CSV record into a lead
// row (or the reason it cannot be imported). It runs in the import's parser worker (import-worker.ts), so it
// must not touch the database.
import { splitTagList, tagProblem } from '../../domain/tags.js';
import { createRequire } from 'node:module';
import { isCountryPlaceholder, isFreemail, isPlaceholder, normalizeCountry, normalizeDomain, normalizeEmail } from '../../domain/normalize.js';
import { isPlatformHost } from '../../domain/platforms.js';
import { restoreCell } from '../../domain/csv.js';
import { UserError, UsageError } from '../../errors.js';

export const IMPORT_FIELDS = [
  'domain', 'company', 'email', 'first_name', 'last_name', 'full_name', 'country', 'title', 'phone', 'tags', 'notes', 'suppressed', 'stage',
  'suppressed_domain',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Header aliases, compared as `headerKey` leaves them: lower case, accents folded (`Société` → `societe`), nothing
 * but letters and digits (`E-Mail-Adresse` → `emailadresse`). English first, then French, German, Spanish, Italian
 * and Dutch, the languages of the exports users bring, and the column names of the CRM exports they bring (HubSpot's
 * `Country/Region`, Salesforce's `Account Name`, `Mailing Country`, `Email Opt Out`, Pipedrive's `Person - Email - Work`,
 * `Organization - Website`). A key may name one field only (the unit tests check it). */
export const ALIASES: Record<ImportField, string[]> = {
  domain: [
    'domain', 'website', 'url', 'site', 'web', 'homepage', 'storeurl', 'shopurl', 'websiteurl', 'companywebsite', 'companydomain', 'shopdomain', 'storedomain', 'webaddress',
    'siteweb', 'siteinternet', 'adresseweb', 'urldusite', 'webseite', 'internetseite', 'internetadresse', 'domaine', 'dominio',
    'sitioweb', 'paginaweb', 'sitoweb', 'sitointernet', 'indirizzoweb',
    'companydomainname', 'organizationwebsite', 'organisationwebsite', 'organizationurl', 'accountwebsite', 'companywebsiteurl',
  ],
  company: [
    'company', 'store', 'name', 'companyname', 'storename', 'shop', 'shopname', 'business', 'businessname', 'organization', 'organisation', 'brand', 'account',
    'societe', 'entreprise', 'nomentreprise', 'nomdelentreprise', 'nomsociete', 'raisonsociale', 'boutique', 'magasin', 'marque',
    'firma', 'firmenname', 'unternehmen', 'unternehmensname', 'geschaft', 'marke',
    'empresa', 'nombreempresa', 'nombredelaempresa', 'compania', 'tienda', 'marca',
    'azienda', 'nomeazienda', 'societa', 'ragionesociale', 'negozio',
    'bedrijf', 'bedrijfsnaam', 'winkel',
    'accountname', 'organizationname', 'organisationname', 'associatedcompany',
  ],
  email: [
    'email', 'mail', 'emailaddress', 'contactemail', 'workemail', 'emails',
    'courriel', 'adressemail', 'adresseemail', 'adressecourriel', 'mel',
    'emailadresse', 'mailadresse',
    'correo', 'correoelectronico', 'direcciondecorreo', 'direcciondeemail',
    'postaelettronica', 'indirizzoemail',
    'emailadres',
    'personemail', 'personemailwork', 'personemailhome', 'personemailother', 'emailwork', 'primaryemail', 'email1',
  ],
  first_name: ['firstname', 'first', 'givenname', 'fname', 'forename', 'personfirstname', 'prenom', 'vorname', 'nombre', 'nome', 'voornaam'],
  last_name: ['lastname', 'last', 'surname', 'familyname', 'lname', 'personlastname', 'nom', 'nomdefamille', 'nachname', 'familienname', 'apellido', 'apellidos', 'cognome', 'achternaam'],
  full_name: [
    'fullname', 'contactname', 'contact', 'person', 'contactperson', 'personname',
    'nomcomplet', 'interlocuteur', 'ansprechpartner', 'kontaktperson', 'nombrecompleto', 'nomecompleto', 'referente', 'contactpersoon',
  ],
  country: [
    'country', 'countrycode', 'countryname', 'nation', 'land', 'pays', 'codepays', 'landercode', 'pais', 'paese', 'nazione',
    'countryregion', 'mailingcountry', 'billingcountry', 'shippingcountry', 'organizationcountry', 'organizationaddresscountry',
    'personaddresscountry', 'countryiso', 'isocountrycode', 'iso2', 'landcode', 'codigopais', 'codicepaese',
  ],
  title: ['title', 'jobtitle', 'personjobtitle', 'role', 'position', 'fonction', 'poste', 'funktion', 'cargo', 'puesto', 'ruolo', 'functie'],
  phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile', 'mobilephone', 'mobilephonenumber', 'workphone', 'businessphone', 'personphone', 'personphonework', 'personphonemobile', 'portable', 'telefon', 'telefonnummer', 'handy', 'telefono', 'movil', 'cellulare', 'telefoon'],
  tags: ['tags', 'tag', 'labels', 'label', 'segment', 'etiquettes', 'etiquette', 'etiketten', 'schlagworte', 'etiquetas', 'etichette'],
  notes: ['notes', 'note', 'comment', 'comments', 'remarques', 'commentaire', 'commentaires', 'notiz', 'notizen', 'bemerkung', 'bemerkungen', 'kommentar', 'notas', 'comentarios', 'commenti', 'opmerkingen'],
  // `leads export` writes both: `suppressed` (why the contact must never be mailed) and the lead's `stage`. An
  // import reads them so that a suppression survives the move to another database (see suppressionOf).
  // A CRM's opt-out flag (Salesforce `Email Opt Out`/`HasOptedOutOfEmail`, HubSpot `Unsubscribed from all email`,
  // `Do Not Email`) is the same column with yes/no values: a true one suppresses the address (`unsubscribed`).
  suppressed: [
    'suppressed', 'suppression', 'suppressionreason',
    'emailoptout', 'hasoptedoutofemail', 'unsubscribedfromallemail', 'donotemail', 'donotmail', 'optedout', 'optout',
    'emailoptedout', 'optedoutofemail', 'unsubscribed', 'emailunsubscribed',
  ],
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
 * The yes/no values of a CRM's opt-out column (`Email Opt Out` 1/0, `Unsubscribed from all email` true/false), in the
 * languages of the aliases: true suppresses the address (`unsubscribed`), false says nothing.
 */
const OPT_OUT_VALUES = new Map<string, boolean>([
  ...['1', 'yes', 'y', 'true', 't', 'x', 'oui', 'vrai', 'ja', 'wahr', 'waar', 'si', 'sí', 'sì', 'verdadero', 'vero', '✓', '✔', '☑', '☒'].map((v) => [v, true] as const),
  ...['0', 'no', 'n', 'false', 'f', 'non', 'faux', 'nein', 'falsch', 'nee', 'onwaar', 'falso', '☐'].map((v) => [v, false] as const),
]);

/**
 * Why a row must never be mailed, from its `suppressed` cell (a reason of the suppression list, any case, or a
 * CRM opt-out flag's yes/no value: true is `unsubscribed`) or else its `stage` cell (`unsubscribed`, `bounced`; any
 * other stage says nothing about mailing and is not imported). Null: nothing says so (an empty cell, a placeholder,
 * a false flag). `{ error }`: any other value, which refuses the row like any other bad cell (a guess could be wrong
 * either way; the row's line names the cell to fix).
 */
export function suppressionOf(record: string[], suppressedAt: number, stageAt: number): { reason: SuppressedReason } | { error: string } | null {
  const cell = suppressedAt >= 0 ? clean(record[suppressedAt]) : null;
  const flag = cell === null ? undefined : OPT_OUT_VALUES.get(cell.toLowerCase());
  if (flag === true) return { reason: 'unsubscribed' };
  if (cell !== null && flag === undefined && !isPlaceholder(cell)) {
    const r = cell.toLowerCase().replace(/[\s-]+/g, '_');
    if ((SUPPRESSED_REASONS as readonly string[]).includes(r)) return { reason: r as SuppressedReason };
    return {
      error: `invalid suppressed value "${cell}": expected empty or one of ${SUPPRESSED_REASONS.join(', ')}, or an opt-out flag (yes/no, true/false, 1/0)`,
    };
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

/** How a --map entry names a column first: its exact header text, trimmed, in any case (`E-mail` is not `Email`). */
const exactName = (h: string) => h.trim().toLowerCase();

/**
 * Checks the --map entries on their own (before any input is read): each names a known field, no column is
 * mapped twice and no field gets two columns (usage errors, exit 2). Keyed by exactName.
 */
export function checkMap(map: Record<string, string> = {}): Map<string, ImportField> {
  const explicit = new Map<string, ImportField>();
  const byField = new Map<ImportField, string>();
  const byName = new Map<string, string>();
  for (const [col, field] of Object.entries(map)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw new UsageError(`--map ${col}=${field}: unknown field "${field}"`, `Fields: ${IMPORT_FIELDS.join(', ')}`);
    }
    const k = exactName(col);
    const sameCol = byName.get(k);
    if (sameCol !== undefined) throw new UsageError(`--map: the column ${col} is mapped twice (${sameCol}=${map[sameCol]} and ${col}=${field})`, 'Map each column once.');
    byName.set(k, col);
    const other = byField.get(field as ImportField);
    if (other !== undefined) {
      throw new UsageError(`--map: both ${other} and ${col} are mapped to ${field}`, 'A field takes one column: map the other one to another field, or leave it out.');
    }
    byField.set(field as ImportField, col);
    explicit.set(k, field as ImportField);
  }
  return explicit;
}

/** The header keys of a country column that holds ISO codes: there `NA` is Namibia (elsewhere R's "not available"). */
const COUNTRY_CODE_HEADERS = new Set(['countrycode', 'codepays', 'landercode', 'countryiso', 'isocountrycode', 'iso2', 'landcode', 'codigopais', 'codicepaese']);
/** The mappings (mapHeader's `fields`) whose country column is named as a code column (see COUNTRY_CODE_HEADERS). */
const countryCodeColumns = new WeakSet<(ImportField | null)[]>();

/**
 * Maps header cells to fields; explicit --map entries win. A --map entry names a column by its exact header text
 * (trimmed, any case) and, only when no header has that text, by its folded key (`e mail` finds `E-Mail`): of
 * `E-mail,Email`, `--map E-mail=notes` takes the first and `Email` stays the email column. Throws a usage error for
 * an unknown field, a column the file does not have, a column two entries name, or two columns mapped to one
 * field. When several columns could be one field (`website,domain`; `Store,Company`), one is used (see aliasRank)
 * and the others are listed in `ignored` with the reason, never dropped silently.
 */
export function mapHeader(header: string[], map: Record<string, string> = {}): { fields: (ImportField | null)[]; ignored: string[] } {
  checkMap(map);
  const keys = header.map(headerKey);
  const names = header.map(exactName);
  /** The column(s) each --map entry names, and the entry: exact names first, then the folded keys of the others. */
  const byHand = new Map<number, { field: ImportField; col: string }>();
  const entries = Object.entries(map);
  const folded: [string, string][] = [];
  const take = (i: number, col: string, field: string) => {
    const prev = byHand.get(i);
    if (prev) throw new UsageError(`--map: the column ${header[i]} is mapped twice (${prev.col}=${prev.field} and ${col}=${field})`, 'Map each column once.');
    byHand.set(i, { field: field as ImportField, col });
  };
  for (const [col, field] of entries) {
    const name = exactName(col);
    let found = false;
    names.forEach((n, i) => {
      if (n !== name) return;
      found = true;
      take(i, col, field);
    });
    if (!found) folded.push([col, field]);
  }
  for (const [col, field] of folded) {
    const k = headerKey(col);
    let found = false;
    keys.forEach((key, i) => {
      if (key !== k || !key) return;
      // a column another entry names by its exact text is that entry's
      if (byHand.has(i) && entries.some(([c]) => exactName(c) === names[i])) return;
      found = true;
      take(i, col, field);
    });
    if (!found) throw new UsageError(`--map ${col}=${field}: the file has no column "${col}"`, `Columns: ${header.join(', ')}`);
  }
  const fields: (ImportField | null)[] = header.map(() => null);
  /** Why a column that could be a field is not used, by column index. */
  const why = new Map<number, string>();
  const holder = new Map<ImportField, number>(); // field → the column that has it
  // --map first: the first column a mapping names (a header can repeat a name) takes the field.
  header.forEach((_, i) => {
    const f = byHand.get(i)?.field;
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
    holder.has('company') || keys.some((k, i) => fields[i] === null && !byHand.has(i) && k !== 'name' && aliasIndex.get(k) === 'company');
  const candidates = new Map<ImportField, { i: number; rank: number }[]>();
  keys.forEach((k, i) => {
    if (fields[i] !== null || byHand.has(i)) return;
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
  const countryAt = holder.get('country');
  if (countryAt !== undefined && COUNTRY_CODE_HEADERS.has(keys[countryAt]!)) countryCodeColumns.add(fields);
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
  /**
   * The website, or null when the row gave none and the store comes from its address (b@mail.shop.com → shop.com):
   * such a lead is stored with no url, which is how `leads forget EMAIL` knows it was made from the address.
   */
  url: string | null;
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
  /**
   * Something the row's import should report without refusing the row (an unknown country, left empty): the
   * caller prints it as `FILE:LINE: warning`. Undefined: nothing to say.
   */
  warning?: string;
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
  let d: ReturnType<typeof normalizeDomain> | null = null;
  /** The website cell's host when it is a platform's page (instagram.com/x, etsy.com/shop/x, linktr.ee/x). */
  let platform: string | null = null;
  if (v.domain) {
    d = normalizeDomain(v.domain);
    if (!d.ok) return `invalid website/domain: ${d.reason}`;
    // A social, marketplace or link page is no store's key: every such row would merge into one lead
    // `instagram.com`. The row's own address says where the store is, when it is at the store's domain. (An
    // address at the platform itself, `x.com` with `a@x.com`, is the platform company's own row: its domain stays.)
    if (isPlatformHost(d.value.domain) && !(emailDomain !== null && sameSite(emailDomain, d.value.domain))) {
      platform = d.value.domain;
      d = null;
    }
  }
  if (d === null) {
    // No (usable) website: the store is the address's registrable domain (b@mail.shop.com is shop.com's).
    const reg = emailDomain === null || isFreemail(emailDomain) ? null : registrableDomain(emailDomain);
    if (reg !== null && (reg === emailDomain || !isFreemail(reg)) && !isPlatformHost(reg)) {
      d = normalizeDomain(reg);
      if (!d.ok) return `invalid domain from email: ${d.reason}`;
    } else {
      const why = emailDomain === null ? null : isFreemail(emailDomain) || (reg !== null && isFreemail(reg)) ? 'is a free-mail provider' : 'is a platform, not a store';
      const where = emailDomain === null ? null : reg ?? registrableDomain(emailDomain);
      if (platform !== null) {
        return `the website ${platform} is a social, marketplace or link page, not the store's own site, and ${
          where === null ? 'the row has no email at the store\'s own domain' : `the email's domain ${where} ${why}`
        }: give the store's own website`;
      }
      return where !== null ? `no website/domain, and ${where} ${why}` : 'no website/domain and no email';
    }
  }
  let country: string | null = null;
  let warning: string | undefined;
  if (v.country) {
    const c = normalizeCountry(v.country);
    if (c.ok) {
      country = c.value;
      // `NA` (R's and many sheets' "not available") is Namibia only in a column of ISO codes (`Country Code`).
      if (country === 'NA' && v.country.length === 2 && !countryCodeColumns.has(fields)) country = null;
    }
    // An optional field: `N/A`, `-`, `unknown` leave the country empty; a value no country has leaves it empty too,
    // with a warning, rather than refuse the store (`Atlantis`, a typo).
    else if (!isCountryPlaceholder(v.country)) warning = `unknown country left empty: ${c.reason}`;
  }
  let firstName = v.first_name ?? null;
  let lastName = v.last_name ?? null;
  if (!firstName && !lastName && v.full_name) [firstName, lastName] = splitFullName(v.full_name);
  else if (firstName !== null) firstName = withoutHonorifics(firstName);
  // The tags column follows the rules of `leads tag`: a tag it would refuse refuses the row (FILE:LINE: reason).
  const tags = v.tags ? splitTagList([v.tags]) : [];
  for (const t of tags) {
    const problem = tagProblem(t);
    if (problem) return `invalid ${problem.message}`;
  }
  return {
    domain: d.value.domain,
    unicode: d.value.unicode,
    url: v.domain ? d.value.url : null,
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
    warning,
  };
}

/** Is one host the other or under it (`help.x.com` and `x.com`)? A port on the website's host is ignored. */
function sameSite(emailHost: string, siteHost: string): boolean {
  const colon = siteHost.indexOf(':');
  const site = colon < 0 ? siteHost : siteHost.slice(0, colon);
  return emailHost === site || emailHost.endsWith('.' + site) || site.endsWith('.' + emailHost);
}

/** Titles written before a name (`Dr. Bob Ray`, `Mme Claire Dubois`, `Herr Max Weber`): never a first name. Compared in
 * lower case without a final dot, except `m.` (French Monsieur: a bare `M` is an initial). */
const HONORIFICS = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'mme', 'mlle', 'mmes', 'herr', 'frau', 'hr', 'fr', 'sr', 'sra',
  'srta', 'sres', 'sig', 'sig.ra', 'sigra', 'sig.na', 'dott', 'dott.ssa', 'dottssa', 'dra', 'mevr', 'dhr', 'mw', 'prof.dr', 'm.',
]);
/** Words after a comma that end a name (`Bob Ray, Jr.`), not a first name (`Doe, Jane`). Compared without dots. */
const NAME_SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'mba', 'esq', 'dds', 'cpa', 'rn', 'jd', 'msc', 'bsc', 'ba', 'ma']);

/** The first letters of HONORIFICS, both cases: most names are told apart by one character (the import's hot path). */
const HONORIFIC_FIRST = new Set([...HONORIFICS].flatMap((h) => [h.charCodeAt(0), h.toUpperCase().charCodeAt(0)]));

function isHonorific(word: string): boolean {
  if (word.length > 9 || !HONORIFIC_FIRST.has(word.charCodeAt(0))) return false;
  const w = word.toLowerCase();
  if (w === 'm.') return true;
  return HONORIFICS.has(w.endsWith('.') ? w.slice(0, -1) : w);
}

/** A first-name cell without its leading titles (`Dr. Bob` → `Bob`); null when it held a title only. */
function withoutHonorifics(first: string): string | null {
  const sp = first.indexOf(' ');
  if (!isHonorific(sp < 0 ? first : first.slice(0, sp))) return first;
  const words = first.split(/\s+/);
  let i = 0;
  while (i < words.length && isHonorific(words[i]!)) i++;
  return i < words.length ? words.slice(i).join(' ') : null;
}

/**
 * A full name's first and last name: `Jane Doe`, `Jane van der Berg`; `Doe, Jane` (a CRM's "Last, First"); titles
 * dropped (`Dr. Bob Ray` → Bob / Ray; `Mr Smith` → last name Smith); a suffix after a comma is the last name's
 * (`Bob Ray, Jr.` → Bob / Ray Jr.).
 */
export function splitFullName(full: string): [string | null, string | null] {
  let name = full;
  let last: string | null = null;
  const comma = name.indexOf(',');
  if (comma >= 0) {
    const before = name.slice(0, comma).trim();
    const after = name.slice(comma + 1).trim();
    if (!after) name = before;
    else if (NAME_SUFFIXES.has(after.toLowerCase().replace(/\./g, ''))) name = `${before} ${after}`;
    else if (before && !after.includes(',')) {
      last = withoutHonorifics(before);
      name = after;
    } else name = name.replace(/,/g, ' ');
  }
  const trimmed = name.trim();
  const words = trimmed ? trimmed.split(/\s+/) : [];
  let i = 0;
  while (i < words.length && isHonorific(words[i]!)) i++;
  const rest = words.slice(i);
  if (last !== null) return [rest.length ? rest.join(' ') : null, last];
  if (!rest.length) return [null, null];
  // `Mr Smith`: after a title, a lone name is the family name
  if (rest.length === 1) return i > 0 ? [null, rest[0]!] : [rest[0]!, null];
  return [rest[0]!, rest.slice(1).join(' ')];
}

