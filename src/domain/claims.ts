// Post-check of a written email against what we know: numbers and names the facts, offer and template do
// not support, and links or domains outside the sender's allow-list. Numbers and names are flags for the
// reviewer (a draft with one is never auto-approved); a link outside the allow-list also blocks (compliance).
import { parse as parseDomain } from 'tldts';

export interface Claim {
  kind: 'number' | 'name' | 'link';
  text: string;
  message: string;
}

export interface FoundLink {
  text: string;
  host: string;
}

/** URLs, www. hosts and bare domain names (checked against the public suffix list) in a text. */
export function extractLinks(text: string, ignore: string[] = []): FoundLink[] {
  let t = text;
  for (const s of ignore) t = t.split(s).join(' ');
  const out: FoundLink[] = [];
  const seen = new Set<string>();
  const add = (raw: string, host: string) => {
    const h = host.toLowerCase().replace(/\.$/, '');
    const key = `${raw}|${h}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ text: raw, host: h });
    }
  };
  // Full URLs (any scheme with //) and mailto:.
  const urlRe = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#<>"')\]]+)[^\s<>"')\]]*/gi;
  for (const m of t.matchAll(urlRe)) add(m[0], m[2]!.replace(/^[^@]*@/, '').replace(/:\d+$/, ''));
  t = t.replace(urlRe, ' ');
  for (const m of t.matchAll(/\bmailto:([^\s@]+)@([a-z0-9.-]+)/gi)) add(m[0], m[2]!);
  t = t.replace(/\bmailto:\S+/gi, ' ');
  // Email addresses: their domain counts.
  for (const m of t.matchAll(/\b[a-z0-9._%+-]{1,64}@([a-z0-9-]+(?:\.[a-z0-9-]+)+)\b/gi)) add(m[0], m[1]!);
  t = t.replace(/\b[a-z0-9._%+-]{1,64}@[a-z0-9.-]{1,255}\b/gi, ' ');
  // Bare hosts: label(.label)+ with a real public suffix.
  for (const m of t.matchAll(/(?<![\w@.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})(?:\/[^\s<>"')\]]*)?(?![\w-])/gi)) {
    const host = m[1]!;
    const p = parseDomain(host, { allowPrivateDomains: false });
    if (!p.domain || !p.isIcann || !p.publicSuffix) continue;
    // "e.g", "i.e", "Mr.Smith" style false positives: a known TLD is required and the name must be 2+ chars.
    if ((p.domainWithoutSuffix ?? '').length < 2) continue;
    if (/^(js|ts|py|md|txt|png|jpg|jpeg|gif|pdf|csv|json|html|htm|php|zip)$/i.test(p.publicSuffix)) continue;
    add(m[0], host);
  }
  return out;
}

/** Is host equal to, or a subdomain of, one of the allowed domains? */
export function hostAllowed(host: string, allowed: string[]): boolean {
  const h = host.toLowerCase().replace(/^www\./, '');
  return allowed.some((a) => {
    const d = a.toLowerCase().replace(/^\*\./, '').replace(/^www\./, '');
    return d && (h === d || h.endsWith('.' + d));
  });
}

/** A host name from a URL or a bare domain setting. */
export function hostOf(value: string): string {
  const v = value.trim();
  if (!v) return '';
  if (v.includes('@') && !v.includes('://')) return v.slice(v.lastIndexOf('@') + 1).toLowerCase();
  try {
    return new URL(v.includes('://') ? v : `https://${v}`).hostname.toLowerCase();
  } catch {
    return '';
  }
}

const COMMON_CAPITALIZED = new Set(
  `I Hi Hello Hey Dear Best Thanks Thank Cheers Regards Kind Warm Sincerely PS P.S. Also And But Or So If When While The A An This That These Those It Its We Our You Your They Their He She My Me Is Are Was Were Would Could Should Can Will Just Quick One Two Three Happy Sure Yes No Not Maybe Glad Hope Looking Let Here There What Why How Who Where Which
  Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December
  Shopify Instagram Facebook TikTok Pinterest YouTube Google Gmail LinkedIn Email Black Friday Cyber Christmas Valentine Mother Father Halloween Easter Spring Summer Fall Autumn Winter Holiday Holidays New Year US USA UK EU CEO OK`.split(/\s+/),
);

function normalizeNumber(s: string): number | null {
  const n = Number(s.replace(/[$€£,\s]/g, '').replace(/[%+kK]$/, ''));
  if (!Number.isFinite(n)) return null;
  return /[kK]$/.test(s) ? n * 1000 : n;
}

function numbersIn(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of text.matchAll(/\d[\d,]*(?:\.\d+)?/g)) {
    const n = normalizeNumber(m[0]);
    if (n !== null) {
      out.add(n);
      out.add(Math.round(n));
    }
  }
  return out;
}

export interface ClaimInput {
  subject: string;
  /** The written part only (no footer). */
  body: string;
  /** Everything the email may draw on: fact values, store name, template, offer, sender, earlier emails. */
  support: string[];
  allowedDomains: string[];
}

export function checkClaims(input: ClaimInput): Claim[] {
  const claims: Claim[] = [];
  const supportText = input.support.join('\n');
  const supportLower = supportText.toLowerCase().replace(/\s+/g, ' ');
  const text = `${input.subject}\n${input.body}`;
  const links = extractLinks(text);
  for (const l of links) {
    if (!hostAllowed(l.host, input.allowedDomains)) {
      claims.push({ kind: 'link', text: l.text, message: `links to ${l.host}, which is not an allowed link domain` });
    }
  }
  // Numbers (not inside links).
  const known = numbersIn(supportText);
  let noLinks = text;
  for (const l of links) noLinks = noLinks.split(l.text).join(' ');
  const seenNum = new Set<string>();
  for (const m of noLinks.matchAll(/(?:[$€£]\s?)?\d[\d,]*(?:\.\d+)?\s?(?:%|[kK]\b|\+)?/g)) {
    const raw = m[0].trim();
    const n = normalizeNumber(raw);
    if (n === null || seenNum.has(raw)) continue;
    seenNum.add(raw);
    if (!known.has(n) && !known.has(Math.round(n))) {
      claims.push({ kind: 'number', text: raw, message: `"${raw}" is not in the store's facts, the offer or the template` });
    }
  }
  // Names: runs of capitalized words (and quoted phrases) that appear nowhere in the support text.
  const seenName = new Set<string>();
  for (const sentence of noLinks.split(/(?<=[.!?:])\s+|\s*\n\s*/)) {
    const words = sentence.split(/\s+/).filter(Boolean);
    let run: string[] = [];
    const flush = (startsSentence: boolean) => {
      const CONNECT = /^(&|of|and|de|la|the)$/;
      while (run.length && CONNECT.test(run[run.length - 1]!)) run.pop();
      const phrase = run.join(' ').replace(/[,.;:!?)"'”’]+$/, '').replace(/^["'“‘(]+/, '');
      const candidate = run.length;
      run = [];
      if (!phrase || candidate === 0) return;
      const words2 = phrase.split(' ').filter((w) => !CONNECT.test(w) && !COMMON_CAPITALIZED.has(w.replace(/[^A-Za-z.]/g, '')));
      if (!words2.length) return;
      if (startsSentence && candidate === 1) return;
      const p = phrase
        .split(' ')
        .filter((w, i, a) => !(i === 0 && COMMON_CAPITALIZED.has(w.replace(/[^A-Za-z.]/g, '')) && a.length > 1))
        .join(' ');
      if (seenName.has(p.toLowerCase())) return;
      seenName.add(p.toLowerCase());
      const norm = (x: string) => x.toLowerCase().replace(/[’]/g, "'");
      if (!supportLower.includes(norm(p)) && !words2.every((w) => supportLower.includes(norm(w.replace(/[,.;:!?)"'”’]+$/, ''))))) {
        claims.push({ kind: 'name', text: p, message: `"${p}" does not appear in the store's facts, the offer or the template` });
      }
    };
    let runStart = 0;
    words.forEach((w, i) => {
      const bare = w.replace(/^["'“‘(]+/, '');
      const isCap = /^[A-Z][A-Za-z0-9'’&-]*[A-Za-z0-9]?[,.;:!?)"'”’]*$/.test(bare) || (run.length > 0 && /^(&|of|and|de|la|the)$/.test(w));
      if (isCap) {
        if (!run.length) runStart = i;
        run.push(w);
        if (/[,.;:!?)"”]$/.test(w)) flush(runStart === 0);
      } else if (run.length) flush(runStart === 0);
    });
    if (run.length) flush(runStart === 0);
  }
  return claims;
}
