// The brand label of a host registered under `.com` or a country's suffix (`yahoo` in `mail.yahoo.co.jp`, `amazon`
// in `amazon.com.au`, `hotmail` in `hotmail.fr`): how the provider and platform families (freemail.ts,
// platforms.ts) are matched by their registrable domain under every country, without loading tldts on the
// import's per-row path.

/** Country codes sold worldwide as generic names (`live.io`, `outlook.me`, `amazon.co` are not the brands'). */
const GENERIC_CC = new Set(['io', 'co', 'me', 'tv', 'ai', 'fm', 'ly', 'gg', 'sh', 'to', 'cc', 'ws', 'so', 'gd', 'vc', 'la', 'ac', 'ms', 'nu', 'tk', 'im']);
/** The second-level labels under which a country registers commercial domains (`co.uk`, `com.br`, `ne.jp`, `or.jp`). */
const COUNTRY_SECOND_LEVEL = new Set(['co', 'com', 'net', 'ne', 'or', 'org']);

const isLetter = (c: number) => c >= 97 && c <= 122;
/** A two-letter country label (`fr`, `uk`), not one of the generic ones. */
const isCountryLabel = (l: string) => l.length === 2 && isLetter(l.charCodeAt(0)) && isLetter(l.charCodeAt(1)) && !GENERIC_CC.has(l);

/**
 * The label just left of the public suffix when the suffix is `.com`, a country code (`.fr`) or a country's
 * commercial second level (`.co.uk`, `.com.br`): the registrable domain's own label, as tldts would find it for
 * those suffixes. Null under any other suffix (`live.net`, `outlook.store`, `amazon.io`) or for a bare suffix.
 * `host` is lower case, without a port or a trailing dot.
 */
export function labelUnderCountrySuffix(host: string): string | null {
  const p1 = host.lastIndexOf('.');
  if (p1 <= 0) return null;
  const tld = host.slice(p1 + 1);
  let end = p1; // where the label ends
  if (tld !== 'com') {
    if (!isCountryLabel(tld)) return null;
    const p2 = host.lastIndexOf('.', p1 - 1);
    if (p2 > 0 && COUNTRY_SECOND_LEVEL.has(host.slice(p2 + 1, p1))) end = p2;
  }
  const start = host.lastIndexOf('.', end - 1) + 1;
  return end > start ? host.slice(start, end) : null;
}
