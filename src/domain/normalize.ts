// Normalizers for the keys of the pipeline: a store's domain (the lead key) and an email address.
// Pure functions, syntax only: nothing here touches the network.
import { domainToASCII, domainToUnicode } from 'node:url';
import { COUNTRY_PLACEHOLDERS, ISO_3166_1, OTHER_COUNTRY_NAMES } from './countries.js';

export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface NormalizedDomain {
  /** The lead key: lower-case ASCII (punycode) host, no `www.`, no trailing dot, `:port` only when non-default. */
  domain: string;
  /** The same host in Unicode, for display. */
  unicode: string;
  /** How to reach the store: scheme + host (+ port). */
  url: string;
  /** True for IP literals (only reachable with --allow-private, e.g. tests and the demo). */
  isIp: boolean;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

// Two or more valid labels, the last one not all digits: what almost every host is. Checked in one pass
// (the import runs this twice per row); anything else goes through the label-by-label checks for its reason.
const PLAIN_HOST = /^(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?!-)(?!\d+$)[a-z0-9-]{1,63}(?<!-)$/;

function validHostname(host: string): string | null {
  if (host.length <= 253 && PLAIN_HOST.test(host)) return null;
  if (host.length > 253) return 'the domain is longer than 253 characters';
  const labels = host.split('.');
  if (labels.length < 2) return 'a domain needs a dot (e.g. example.com)';
  for (const l of labels) {
    if (!l) return 'the domain has an empty label (two dots in a row)';
    if (!LABEL.test(l)) return `"${l}" is not a valid domain label`;
  }
  const tld = labels[labels.length - 1]!;
  if (/^\d+$/.test(tld)) return 'the top-level domain cannot be numeric';
  return null;
}

/**
 * Accepts `example.com`, `WWW.Example.com.`, `https://example.com/collections/x?y`, `shop.example.com:8443`,
 * `http://127.0.0.2:8080`, IDNs (`bücher.de` → `xn--bcher-kva.de`). Strips scheme, path, query, `www.`,
 * credentials, trailing dots and default ports (`shop.com:443` and `https://shop.com:443` are `shop.com`).
 */
const PLAIN_URL = /^(?:(https?):\/\/)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?(?:[/?#]|$)/i;

export function normalizeDomain(input: string): Result<NormalizedDomain> {
  // Fast path for the common case (an ASCII host, maybe a scheme, www. and a path): no URL parsing.
  const fast = PLAIN_URL.exec(input);
  if (fast && !/[@\s\\]/.test(input)) {
    const host = fast[2]!.toLowerCase();
    if (!validHostname(host) && !IPV4.test(host)) {
      const scheme = fast[1] ? fast[1].toLowerCase() : 'https';
      return { ok: true, value: { domain: host, unicode: host.includes('xn--') ? domainToUnicode(host) || host : host, url: `${scheme}://${host}`, isIp: false } };
    }
  }
  let s = (input ?? '').trim().replace(/^["'<]+|["'>]+$/g, '');
  if (!s) return { ok: false, reason: 'the domain is empty' };
  if (/\s/.test(s)) return { ok: false, reason: `"${input.trim()}" contains spaces` };
  if (s.includes('@') && !s.includes('/')) return { ok: false, reason: `"${s}" looks like an email address, not a domain` };
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
  if (hasScheme && !/^https?:\/\//i.test(s)) return { ok: false, reason: `"${s}" is not a web address (http or https)` };
  if (!hasScheme) s = 'http://' + s.replace(/^\/\//, '');
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { ok: false, reason: `"${input.trim()}" is not a valid domain or URL` };
  }
  let host = u.hostname.replace(/\.+$/, '').toLowerCase();
  if (host.startsWith('[')) return { ok: false, reason: 'IPv6 addresses are not supported as store addresses' };
  const ip = IPV4.exec(host);
  let isIp = false;
  if (ip) {
    if (ip.slice(1).some((o) => Number(o) > 255)) return { ok: false, reason: `"${host}" is not a valid IP address` };
    isIp = true;
  } else {
    if (host.startsWith('www.') && host.split('.').length > 2) host = host.slice(4);
    const ascii = domainToASCII(host);
    if (!ascii) return { ok: false, reason: `"${host}" is not a valid domain` };
    host = ascii;
    const bad = validHostname(host);
    if (bad) return { ok: false, reason: bad };
  }
  const scheme = u.protocol === 'https:' ? 'https' : hasScheme ? 'http' : 'https';
  // URL drops the scheme's default port, but a host written without a scheme was parsed as http://, which keeps
  // `:443`: that is https's default port, so `shop.com:443` is the same lead as `shop.com` (`:80` is already gone).
  const port = !hasScheme && u.port === '443' ? '' : u.port;
  const domain = port ? `${host}:${port}` : host;
  const unicodeHost = isIp ? host : domainToUnicode(host) || host;
  return {
    ok: true,
    value: {
      domain,
      unicode: port ? `${unicodeHost}:${port}` : unicodeHost,
      url: `${scheme}://${host}${port ? ':' + port : ''}`,
      isIp,
    },
  };
}

// RFC 5321/5322 "dot-atom" local part, the form real mailboxes use (no quoted local parts).
// Non-ASCII letters are allowed: internationalized addresses (RFC 6531, SMTPUTF8) such as chloé@example.fr.
const LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/iu;

export interface NormalizedEmail {
  email: string;
  local: string;
  domain: string;
}

// The common case in one pass: a dot-atom ASCII local part, @, an ASCII host (no display name, mailto:,
// brackets, `?` (read as a mailto: query below), trailing dot or non-ASCII: those take the general path).
const PLAIN_EMAIL = /^([a-z0-9!#$%&'*+/=^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=^_`{|}~-]+)*)@([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i;

/** Lower-cases, strips `mailto:`, a display name and angle brackets; checks syntax; punycodes the domain. */
export function normalizeEmail(input: string): Result<NormalizedEmail> {
  const plain = PLAIN_EMAIL.exec(input);
  if (plain && plain[1]!.length <= 64 && input.length <= 254) {
    const domain = plain[2]!.toLowerCase();
    if (!validHostname(domain)) {
      const local = plain[1]!.toLowerCase();
      return { ok: true, value: { email: `${local}@${domain}`, local, domain } };
    }
  }
  let s = (input ?? '').trim();
  if (!s) return { ok: false, reason: 'the email is empty' };
  const angle = /<([^<>]+)>\s*$/.exec(s);
  if (angle) s = angle[1]!.trim();
  s = s.replace(/^mailto:/i, '').split('?')[0]!.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return { ok: false, reason: `"${input.trim()}" is not an email address (no local part or domain)` };
  const local = s.slice(0, at).toLowerCase();
  const rawDomain = s.slice(at + 1).replace(/\.+$/, '').toLowerCase();
  if (local.length > 64) return { ok: false, reason: `"${input.trim()}": the part before @ is longer than 64 characters` };
  if (!LOCAL.test(local)) return { ok: false, reason: `"${input.trim()}" is not a valid email address` };
  const domain = /^[a-z0-9.-]+$/.test(rawDomain) ? rawDomain : domainToASCII(rawDomain);
  if (!domain) return { ok: false, reason: `"${input.trim()}" has an invalid domain` };
  const bad = validHostname(domain);
  if (bad) return { ok: false, reason: `"${input.trim()}": ${bad}` };
  const email = `${local}@${domain}`;
  if (email.length > 254) return { ok: false, reason: `"${input.trim()}" is longer than 254 characters` };
  return { ok: true, value: { email, local, domain } };
}

/** Free-mail providers (a Set whose `has` also knows the provider families and subdomains): see freemail.ts. */
export { FREEMAIL, isFreemail } from './freemail.js';

let regionIndex: Map<string, string> | null = null;
// Retired or grouping codes that Intl still names (DD is shown as "Germany", FX as "France", ...).
const RETIRED_REGIONS = new Set(['DD', 'FX', 'YU', 'CS', 'SU', 'ZR', 'TP', 'BU', 'NT', 'YD', 'AN', 'QO', 'EU', 'EZ', 'UN', 'ZZ', 'XA', 'XB']);

/** The key a country is looked up by: lower case, accents folded (`España` → `espana`), typographic apostrophes
 * straightened, runs of spaces collapsed. */
function countryKey(s: string): string {
  let k = s.toLowerCase();
  if (/[^\x00-\x7f]/.test(k)) k = k.normalize('NFD').replace(/\p{M}+/gu, '').replace(/[\u2018\u2019\u02bc]/g, "'");
  return /\s\s|[^\S ]/.test(k) ? k.replace(/\s+/g, ' ') : k;
}

function buildRegionIndex(): Map<string, string> {
  const index = new Map<string, string>();
  const add = (name: string, code: string, override = false) => {
    const k = countryKey(name);
    if (override || !index.has(k)) index.set(k, code);
  };
  // 1. ISO 3166-1 alpha-2 and alpha-3 codes (the complete list), and the ISO names ("Korea, Republic of").
  for (const [a2, a3] of ISO_3166_1) {
    add(a2, a2);
    add(a3, a2);
  }
  // 2. Intl's English names ("South Korea", "Bosnia & Herzegovina") and the codes it knows beyond ISO (XK Kosovo).
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (RETIRED_REGIONS.has(code)) continue;
      let name: string | undefined;
      try {
        name = names.of(code);
      } catch {
        continue;
      }
      if (name && name !== code) {
        add(code, code);
        // First code wins for a name: FR before FX ("Metropolitan France", also shown as "France").
        add(name, code);
      }
    }
  }
  for (const [a2, , ...isoNames] of ISO_3166_1) for (const n of isoNames) add(n, a2);
  // 3. Hand-checked aliases and the names in other languages: these win over anything above.
  for (const [alias, code] of [
    ['uk', 'GB'], ['england', 'GB'], ['scotland', 'GB'], ['wales', 'GB'], ['great britain', 'GB'],
    ['usa', 'US'], ['u.s.', 'US'], ['u.s.a.', 'US'], ['united states of america', 'US'], ['america', 'US'],
    ['holland', 'NL'], ['the netherlands', 'NL'], ['south korea', 'KR'], ['korea', 'KR'], ['russia', 'RU'],
    ['czech republic', 'CZ'], ['uae', 'AE'], ['türkiye', 'TR'], ['turkey', 'TR'], ['vietnam', 'VN'],
    // what CRM exports and hand-typed sheets write (the dotted forms are also tried without their dots: `U.K.`, `S. Korea`)
    ['the uk', 'GB'], ['the us', 'US'], ['the usa', 'US'], ['britain', 'GB'], ['northern ireland', 'GB'], ['n ireland', 'GB'],
    ['republic of ireland', 'IE'], ['eire', 'IE'], ['ivory coast', 'CI'], ['cote divoire', 'CI'], ['hong kong sar', 'HK'],
    ['hong kong sar china', 'HK'], ['macau sar', 'MO'], ['macao sar', 'MO'], ['macau', 'MO'], ['s korea', 'KR'],
    ['republic of korea', 'KR'], ['rep of korea', 'KR'], ['korea republic', 'KR'], ['korea south', 'KR'], ['n korea', 'KP'],
    ['burma', 'MM'], ['swaziland', 'SZ'], ['macedonia', 'MK'], ['east timor', 'TL'], ['cape verde', 'CV'], ['vatican', 'VA'],
    ['vatican city', 'VA'], ['palestine', 'PS'], ['the philippines', 'PH'], ['the bahamas', 'BS'], ['the gambia', 'GM'],
    ['uae', 'AE'], ['u.a.e', 'AE'], ['ksa', 'SA'], ['prc', 'CN'], ['mainland china', 'CN'], ['people s republic of china', 'CN'],
    ['republic of china', 'TW'], ['st lucia', 'LC'], ['st kitts and nevis', 'KN'], ['st vincent and the grenadines', 'VC'],
    ['trinidad', 'TT'], ['bosnia', 'BA'], ['russian federation', 'RU'], ['viet nam', 'VN'], ['laos', 'LA'], ['brunei', 'BN'],
    ['syria', 'SY'], ['iran', 'IR'], ['moldova', 'MD'], ['tanzania', 'TZ'], ['bolivia', 'BO'], ['venezuela', 'VE'],
    ['congo drc', 'CD'], ['dr congo', 'CD'], ['drc', 'CD'], ['democratic republic of the congo', 'CD'], ['republic of the congo', 'CG'],
  ] as const) {
    add(alias, code, true);
  }
  for (const [code, ...other] of OTHER_COUNTRY_NAMES) for (const n of other) add(n, code, true);
  return index;
}

/**
 * Is this cell a placeholder for "nothing here" (`N/A`, `-`, `unknown`, `none`...)? An empty cell is too. What
 * spreadsheets and CRM exports put in empty country, email and website cells alike.
 */
export function isPlaceholder(input: string): boolean {
  const s = (input ?? '').trim();
  if (!s || /^[\p{P}\p{S}\s]+$/u.test(s)) return true;
  // No placeholder word holds an @, a colon, a digit or an underscore, and the lookup key keeps them: an email
  // or a URL is never one (the key costs more than the rest of an import row's email and website checks).
  return !NOT_IN_PLACEHOLDER.test(s) && COUNTRY_PLACEHOLDERS.has(countryKey(s));
}
/** Characters no entry of COUNTRY_PLACEHOLDERS holds (test/normalize.test.ts checks the list against it). */
export const NOT_IN_PLACEHOLDER = /[@:\d_]/;

/** Is this country cell a placeholder for "no country"? (see isPlaceholder) */
export const isCountryPlaceholder = isPlaceholder;

/**
 * ISO 3166-1 alpha-2 code for an alpha-2 or alpha-3 code, an English or ISO name ("United States", "uk", "Korea,
 * Republic of") or a name in a market's own language ("Deutschland", "España", "Österreich"). Accents and case do
 * not matter. A placeholder (`N/A`, `-`, `unknown`) is reported as an empty country: callers for which the country
 * is optional check `isCountryPlaceholder` first.
 */
export function normalizeCountry(input: string): Result<string> {
  // A file names a handful of countries a million times: each cell's answer is kept (the lookup key, with its
  // case folding and accent stripping, was a tenth of an import's parsing thread). Results are never mutated.
  const key = input ?? '';
  let r = countryCache.get(key);
  if (!r) {
    r = lookupCountry(key);
    if (countryCache.size >= 4096) countryCache.clear();
    countryCache.set(key, r);
  }
  return r;
}
const countryCache = new Map<string, Result<string>>();

function lookupCountry(input: string): Result<string> {
  const s = input.trim();
  regionIndex ??= buildRegionIndex();
  const key = s ? countryKey(s) : '';
  let code = key ? regionIndex.get(key) : undefined;
  if (!code && isCountryPlaceholder(s)) return { ok: false, reason: 'the country is empty' };
  // `U.K.`, `U.S`, `S. Korea`, `St. Lucia`, `Côte d'Ivoire`: tried again without dots and apostrophes, and with `&`
  // read as `and` (a miss only: the answer is cached per cell)
  if (!code && /[.'&]/.test(key)) {
    code = regionIndex.get(key.replace(/&/g, 'and').replace(/[.']/g, ' ').replace(/\s+/g, ' ').trim());
    code ??= regionIndex.get(key.replace(/[.']/g, ''));
  }
  if (code) return { ok: true, value: code };
  return { ok: false, reason: `"${s}" is not a country name or ISO code` };
}

/** Local parts that reach a function or a team, not a person (flagged, never dropped: `info@` is often a small
 * store's only address). */
export const ROLE_LOCALS = new Set([
  'info', 'hello', 'hi', 'hey', 'contact', 'contactus', 'support', 'help', 'helpdesk', 'sales', 'admin', 'administrator',
  'office', 'team', 'shop', 'store', 'orders', 'order', 'service', 'services', 'customerservice', 'customercare', 'care',
  'customers', 'enquiries', 'enquiry', 'inquiries', 'inquiry', 'mail', 'email', 'marketing', 'press', 'media', 'pr',
  'partners', 'partnerships', 'wholesale', 'billing', 'accounts', 'accounting', 'finance', 'returns', 'shipping',
  'careers', 'jobs', 'hr', 'webmaster', 'postmaster', 'hostmaster', 'abuse', 'privacy', 'legal', 'feedback', 'studio',
  'bookings', 'reservations', 'events', 'community', 'social', 'collabs', 'collab', 'affiliates', 'wecare', 'ops',
  'bonjour', 'hallo', 'hola', 'ciao', 'kontakt', 'service-client',
]);

/** Is this local part a role account? `Support+x`, `info2` and `customer.care` count. */
export function isRoleAccount(local: string): boolean {
  // most local parts are lower-case letters only: one lookup
  if (/^[a-z]+$/.test(local)) return ROLE_LOCALS.has(local);
  let base = local.toLowerCase();
  const plus = base.indexOf('+');
  if (plus >= 0) base = base.slice(0, plus);
  // drop trailing digits, and one separator before them: info2, info.2, info-22
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) >= 48 && base.charCodeAt(end - 1) <= 57) end--;
  if (end < base.length) {
    if (end > 0 && '._-'.includes(base[end - 1]!)) end--;
    base = base.slice(0, end);
  }
  return ROLE_LOCALS.has(base) || (/[._-]/.test(base) && ROLE_LOCALS.has(base.replace(/[._-]/g, '')));
}

export function isRoleAddress(email: string): boolean {
  return isRoleAccount(email.slice(0, email.lastIndexOf('@')));
}

/**
 * The mailbox a plus-address reaches (`ann+news@d.com` → `ann@d.com`), or null for an address without a tag (a `+`
 * first in the local part is no tag). The address is taken as normalized (lower case).
 */
export function plusBase(email: string): string | null {
  const plus = email.indexOf('+');
  const at = email.lastIndexOf('@');
  return plus > 0 && plus < at ? email.slice(0, plus) + email.slice(at) : null;
}
