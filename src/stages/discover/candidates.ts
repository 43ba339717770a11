// Turning search hits and input lines into candidate stores: normalized domains, de-duplicated, with the
// hosts that are never a merchant's storefront (marketplaces, social networks, Shopify's own sites) left out.
import { normalizeDomain } from '../../domain/normalize.js';
import { isPlatformHost } from '../../domain/platforms.js';

// The list moved to src/domain/platforms.ts (`leads import` uses it too); still exported from here.
export { isPlatformHost };

export interface Candidate {
  domain: string;
  url: string;
  source: string; // file | search:<provider> | db
  /** Where it came from: "file:LINE" or the query. */
  origin: string;
  title?: string;
}

/** A candidate from a search hit's URL, or null when it is not a storefront. */
export function candidateFromHit(url: string, provider: string, query: string, title?: string): Candidate | null {
  const n = normalizeDomain(url);
  if (!n.ok || n.value.isIp) return null;
  if (isPlatformHost(n.value.domain)) return null;
  return { domain: n.value.domain, url: n.value.url, source: `search:${provider}`, origin: query, title };
}

export interface LineProblem {
  line: number;
  text: string;
  reason: string;
}

/** Domains or URLs, one a line; blank lines and # comments are skipped; duplicates dropped. */
export function candidatesFromLines(text: string, sourceName = 'file'): { candidates: Candidate[]; problems: LineProblem[] } {
  const candidates: Candidate[] = [];
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) return;
    const first = line.split(/[\s,;]+/)[0]!;
    const n = normalizeDomain(first);
    if (!n.ok) {
      problems.push({ line: i + 1, text: first, reason: n.reason });
      return;
    }
    if (seen.has(n.value.domain)) return;
    seen.add(n.value.domain);
    candidates.push({ domain: n.value.domain, url: n.value.url, source: 'file', origin: `${sourceName}:${i + 1}` });
  });
  return { candidates, problems };
}
