// The brand label of a host registered under `.com` or a country's suffix (`yahoo` in `mail.yahoo.co.jp`, `amazon`
// in `amazon.com.au`, `hotmail` in `hotmail.fr`): how the provider and platform families (freemail.ts,
// platforms.ts) are matched by their registrable domain under every country, without loading tldts on the
// import's per-row path. The one implementation both lists use.

/**
 * Country codes sold worldwide as generic names (`live.io`, `outlook.me`, `amazon.co`, `live.li` are not the brands'):
 * a family's label directly under one of them does not count.
 */
export const GENERIC_CC: ReadonlySet<string> = new Set([
  'io', 'co', 'me', 'tv', 'ai', 'fm', 'ly', 'gg', 'sh', 'to', 'cc', 'ws', 'so', 'gd', 'vc', 'la', 'ac', 'ms', 'nu', 'tk', 'im',
  'ag', 'bz', 'cx', 'li', 'pw', 'st', 'sx', 'vg', 'mn', 'gs',
]);
/** The second-level labels under which a country registers commercial domains (`co.uk`, `com.br`, `ne.jp`, `or.jp`). */
export const COUNTRY_SECOND_LEVEL: ReadonlySet<string> = new Set(['co', 'com', 'net', 'ne', 'or', 'org']);
/**
 * The countries' own commercial second levels under a generic code (`com.co`, Colombia's; `com.ai`, `net.ly`): the
 * ICANN public suffixes of that shape (checked against the Public Suffix List with tldts). `mercadolibre.com.co`
 * is MercadoLibre's, while `mercadolibre.co` is not.
 */
const GENERIC_CC_SECOND_LEVEL = new Set([
  'co.io', 'com.io', 'net.io', 'org.io', 'com.co', 'net.co', 'org.co', 'co.me', 'net.me', 'org.me', 'com.ai', 'net.ai', 'org.ai',
  'com.fm', 'net.fm', 'org.fm', 'com.ly', 'net.ly', 'org.ly', 'co.gg', 'net.gg', 'org.gg', 'com.sh', 'net.sh', 'org.sh', 'com.to',
  'net.to', 'org.to', 'com.ws', 'net.ws', 'org.ws', 'com.so', 'net.so', 'org.so', 'com.vc', 'net.vc', 'org.vc', 'com.la', 'net.la',
  'org.la', 'com.ac', 'net.ac', 'org.ac', 'com.ms', 'net.ms', 'org.ms', 'co.im', 'com.im', 'net.im', 'org.im', 'co.ag', 'com.ag',
  'net.ag', 'org.ag', 'co.bz', 'com.bz', 'net.bz', 'org.bz', 'co.st', 'com.st', 'net.st', 'org.st', 'org.mn',
]);

const isLetter = (c: number) => c >= 97 && c <= 122;
/** GENERIC_CC by the two char codes of the label (`io` as 0x696f): no string is cut for the per-row test. */
const GENERIC_CC_CODES = new Set([...GENERIC_CC].map((l) => (l.charCodeAt(0) << 8) | l.charCodeAt(1)));

/**
 * Where the public suffix starts (the index of the dot before it) when the suffix is `.com`, a country code
 * (`.fr`), a country's commercial second level (`.co.uk`, `.com.br`, `.com.co`); -1 under any other suffix
 * (`live.net`, `outlook.store`, `amazon.io`, `yahoo.co`) or for a bare suffix. The registrable domain's own label
 * ends there. `host` is lower case, without a port or a trailing dot. It runs per imported row: index arithmetic
 * and at most one Set lookup of a short cut. A caller that found the last two dots passes them (`p1`, `p2`).
 */
export function countrySuffixDot(host: string, p1 = host.lastIndexOf('.'), p2 = p1 > 0 ? host.lastIndexOf('.', p1 - 1) : -1): number {
  if (p1 <= 0) return -1;
  const tldLength = host.length - p1 - 1;
  if (tldLength === 3) return host.endsWith('com') ? p1 : -1;
  if (tldLength !== 2) return -1;
  const c1 = host.charCodeAt(p1 + 1);
  const c2 = host.charCodeAt(p1 + 2);
  if (!isLetter(c1) || !isLetter(c2)) return -1;
  // a second level is 2 or 3 letters (`co`, `com`, `ne`, `org`): a longer label is the registrable one
  const secondLevel = p2 > 0 && p1 - p2 <= 4 && p1 - p2 >= 3;
  if (GENERIC_CC_CODES.has((c1 << 8) | c2)) {
    // only a country second level that is a public suffix: `mercadolibre.com.co`, never `amazon.co`
    return secondLevel && GENERIC_CC_SECOND_LEVEL.has(host.slice(p2 + 1)) ? p2 : -1;
  }
  return secondLevel && COUNTRY_SECOND_LEVEL.has(host.slice(p2 + 1, p1)) ? p2 : p1;
}

/**
 * The label just left of the public suffix when the suffix is `.com`, a country code (`.fr`) or a country's
 * commercial second level (`.co.uk`, `.com.br`, `.com.co`): the registrable domain's own label, as tldts would find
 * it for those suffixes. Null under any other suffix (`live.net`, `outlook.store`, `amazon.io`) or for a bare suffix.
 * `host` is lower case, without a port or a trailing dot.
 */
export function labelUnderCountrySuffix(host: string): string | null {
  const end = countrySuffixDot(host);
  if (end <= 0) return null;
  const start = host.lastIndexOf('.', end - 1) + 1;
  return end > start ? host.slice(start, end) : null;
}

/** `GMAIL.COM`, `gmail.com.`, `hotmail.fr:443` as `gmail.com`, `hotmail.fr` (the callers normalize already). */
export function tidyHost(host: string): string {
  let h = host;
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.charCodeAt(h.length - 1) === 46 /* . */) h = h.slice(0, -1);
  // V8 lowers an ASCII string in one pass (faster than a char loop); an unchanged host comes back as itself
  const lower = h.toLowerCase();
  return lower === host ? host : lower;
}
