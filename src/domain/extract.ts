// What a salesperson wants from a storefront page: emails, phones, social profiles, languages, country,
// name, description, theme and the links worth following (contact, about, policies, careers).
// Pure: takes HTML text and its URL, parses it once (htmlparser2 through cheerio), returns plain data.
import { load, type CheerioAPI } from 'cheerio/slim';
import { parse as parseDomain } from 'tldts';
import { normalizeCountry, normalizeEmail } from './normalize.js';

export type EmailHow = 'mailto' | 'text' | 'json-ld' | 'obfuscated' | 'cloudflare';

export interface FoundEmail {
  email: string;
  how: EmailHow;
}

export const SOCIAL_KEYS = ['social.instagram', 'social.facebook', 'social.tiktok', 'social.pinterest', 'social.youtube', 'social.linkedin', 'social.x'] as const;
export type SocialKey = (typeof SOCIAL_KEYS)[number];

export interface PageExtract {
  emails: FoundEmail[];
  phones: string[];
  socials: Partial<Record<SocialKey, string>>;
  languages: string[];
  country: string | null;
  name: string | null;
  description: string | null;
  theme: string | null;
  currency: string | null;
  myshopifyDomain: string | null;
  links: { contact: string[]; about: string[]; policies: string[]; careers: string[] };
  hiring: boolean;
}

/** Social networks as data: a profile URL pattern (group 1 = the handle) and paths that are not profiles. */
export const SOCIAL_PATTERNS: { key: SocialKey; pattern: RegExp; notProfile: RegExp }[] = [
  { key: 'social.instagram', pattern: /^https?:\/\/(?:www\.)?instagram\.com\/([A-Za-z0-9_.]{1,30})\/?(?:[?#].*)?$/i, notProfile: /^(p|reel|reels|explore|accounts|stories|shopify)$/i },
  { key: 'social.facebook', pattern: /^https?:\/\/(?:www\.|m\.|web\.)?(?:facebook|fb)\.com\/((?:pages\/[^/?#]+\/\d+)|(?:profile\.php\?id=\d+)|[A-Za-z0-9.\-]{2,})\/?(?:[?#].*)?$/i, notProfile: /^(sharer|sharer\.php|share|dialog|plugins|tr|shopify|login|events|groups|watch|hashtag)/i },
  { key: 'social.tiktok', pattern: /^https?:\/\/(?:www\.)?tiktok\.com\/(@[A-Za-z0-9_.]{2,24})\/?(?:[?#].*)?$/i, notProfile: /^@shopify$/i },
  { key: 'social.pinterest', pattern: /^https?:\/\/(?:[a-z]{2,3}\.|www\.)?pinterest\.(?:com|co\.uk|ca|de|fr|es|it|com\.au|com\.mx|jp)\/([A-Za-z0-9_]{3,30})\/?(?:[?#].*)?$/i, notProfile: /^(pin|search|ideas|shopify|_)$/i },
  { key: 'social.youtube', pattern: /^https?:\/\/(?:www\.|m\.)?youtube\.com\/((?:channel|c|user)\/[A-Za-z0-9_\-]+|@[A-Za-z0-9_.\-]+)\/?(?:[?#].*)?$/i, notProfile: /^(@?shopify|watch)$/i },
  { key: 'social.linkedin', pattern: /^https?:\/\/(?:[a-z]{2,3}\.|www\.)?linkedin\.com\/((?:company|in|school)\/[A-Za-z0-9_\-%.]+)\/?(?:[?#].*)?$/i, notProfile: /^company\/shopify$/i },
  { key: 'social.x', pattern: /^https?:\/\/(?:www\.|mobile\.)?(?:twitter|x)\.com\/([A-Za-z0-9_]{1,15})\/?(?:[?#].*)?$/i, notProfile: /^(intent|share|home|search|hashtag|i|shopify)$/i },
];

const EMAIL_RE = /[a-z0-9][a-z0-9._%+\-]{0,63}@[a-z0-9][a-z0-9.\-]{0,253}\.[a-z]{2,24}/gi;
// "name [at] shop [dot] com", "name(at)shop.com", "name {at} shop {dot} co {dot} uk"
const OBFUSCATED_RE = /([a-z0-9][a-z0-9._%+\-]{0,63})\s*(?:\[|\(|\{)\s*at\s*(?:\]|\)|\})\s*([a-z0-9][a-z0-9\-]{0,62}(?:\s*(?:(?:\[|\(|\{)\s*dot\s*(?:\]|\)|\})|\.)\s*[a-z0-9][a-z0-9\-]{0,62})+)/gi;
const FILE_EXT = /\.(png|jpe?g|gif|svg|webp|avif|css|js|ico|woff2?|ttf|mp4|webm)$/i;
const PLACEHOLDER_DOMAINS = new Set([
  'example.com', 'example.org', 'example.net', 'domain.com', 'email.com', 'yourdomain.com', 'yourstore.com', 'mysite.com',
  'sentry.io', 'sentry-next.wixpress.com', 'wixpress.com', 'sentry.wixpress.com', 'shopify.com', 'myshopify.com', 'test.com',
]);
const PLACEHOLDER_LOCALS = new Set(['you', 'your', 'yourname', 'name', 'email', 'user', 'username', 'john.doe', 'jane.doe', 'example']);

/** A plausible contact address, normalized, or null. */
export function cleanEmail(raw: string): string | null {
  const candidate = raw.trim().replace(/^mailto:/i, '').split('?')[0]!.replace(/[.,;:]+$/, '');
  if (FILE_EXT.test(candidate)) return null;
  const n = normalizeEmail(candidate);
  if (!n.ok) return null;
  const { local, domain } = n.value;
  if (PLACEHOLDER_DOMAINS.has(domain) || PLACEHOLDER_LOCALS.has(local)) return null;
  if (/^[0-9a-f]{24,}$/.test(local)) return null; // tracking ids (sentry DSNs and the like)
  const p = parseDomain(domain);
  if (!p.domain || !p.isIcann) return null;
  return n.value.email;
}

export function deobfuscate(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(OBFUSCATED_RE)) {
    const domain = m[2]!.replace(/\s*(?:\[|\(|\{)\s*dot\s*(?:\]|\)|\})\s*/gi, '.').replace(/\s+/g, '');
    out.push(`${m[1]}@${domain}`);
  }
  return out;
}

/** Cloudflare's email protection: hex, first byte is the XOR key. */
export function decodeCfEmail(hex: string): string | null {
  if (!/^[0-9a-f]+$/i.test(hex) || hex.length < 4 || hex.length % 2) return null;
  const key = parseInt(hex.slice(0, 2), 16);
  let s = '';
  for (let i = 2; i < hex.length; i += 2) s += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16) ^ key);
  return s;
}

export function normalizePhone(raw: string): string | null {
  const s = raw.replace(/^tel:/i, '').trim();
  let decoded = s;
  try {
    decoded = decodeURIComponent(s);
  } catch {
    // keep as is
  }
  const plus = decoded.trim().startsWith('+') || decoded.trim().startsWith('00');
  const digits = decoded.replace(/\D/g, '').replace(/^00/, '');
  if (digits.length < 7 || digits.length > 15) return null;
  return (plus ? '+' : '') + digits;
}

export function socialProfile(href: string): { key: SocialKey; url: string } | null {
  let u: URL;
  try {
    u = new URL(href.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const clean = `https://${u.hostname.toLowerCase()}${u.pathname.replace(/\/+$/, '')}${u.pathname.startsWith('/profile.php') ? u.search : ''}`;
  for (const s of SOCIAL_PATTERNS) {
    const m = s.pattern.exec(clean);
    if (!m) continue;
    if (s.notProfile.test(m[1]!)) return null;
    return { key: s.key, url: clean.replace(/^https:\/\/(?:m|mobile|web)\./, 'https://www.') };
  }
  return null;
}

/** BCP 47 tag, tidied (en_us → en-US), or null. */
export function normalizeLanguage(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const s = raw.trim().replace(/_/g, '-');
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(s) || /^x-default$/i.test(s)) return null;
  try {
    return Intl.getCanonicalLocales(s)[0] ?? null;
  } catch {
    return null;
  }
}

function walkJsonLd(node: unknown, visit: (o: Record<string, unknown>) => void, depth = 0): void {
  if (depth > 8 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walkJsonLd(n, visit, depth + 1);
    return;
  }
  const o = node as Record<string, unknown>;
  visit(o);
  for (const v of Object.values(o)) if (v && typeof v === 'object') walkJsonLd(v, visit, depth + 1);
}

const THEME_RE = /\bShopify\.theme\s*=\s*(\{[^;<]*?\})\s*;/;
const CURRENCY_RE = /\bShopify\.currency\s*=\s*\{\s*"active"\s*:\s*"([A-Z]{3})"/;
const SHOP_RE = /\bShopify\.shop\s*=\s*["']([a-z0-9][a-z0-9\-]*\.myshopify\.com)["']/i;
const LOCALE_RE = /\bShopify\.locale\s*=\s*["']([A-Za-z\-_]{2,12})["']/;

export function themeName(html: string): string | null {
  const m = THEME_RE.exec(html);
  if (!m) return null;
  try {
    const t = JSON.parse(m[1]!) as { name?: unknown; schema_name?: unknown };
    const name = typeof t.schema_name === 'string' && t.schema_name ? t.schema_name : typeof t.name === 'string' ? t.name : null;
    return name ? name.slice(0, 100) : null;
  } catch {
    const n = /"(?:schema_name|name)"\s*:\s*"([^"]{1,100})"/.exec(m[1]!);
    return n ? n[1]! : null;
  }
}

interface DomNode {
  type: string;
  name?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
}

const INVISIBLE = new Set(['script', 'style', 'noscript', 'template', 'head']);

export function visibleText(root: DomNode): string {
  const parts: string[] = [];
  const stack: DomNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'text') {
      if (n.data && n.data.trim()) parts.push(n.data);
      continue;
    }
    if ((n.type === 'tag' || n.type === 'script' || n.type === 'style') && INVISIBLE.has((n.name ?? '').toLowerCase())) continue;
    const kids = n.children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return parts.join(' ');
}

const squash = (s: string | undefined | null, max = 500): string | null => {
  if (!s) return null;
  const t = s.replace(/\s+/g, ' ').trim();
  return t ? t.slice(0, max) : null;
};

export function parseHtml(html: string): CheerioAPI {
  return load(html, { xml: { xmlMode: false, decodeEntities: true } });
}

const LINK_KINDS: { kind: keyof PageExtract['links']; path: RegExp; text: RegExp }[] = [
  { kind: 'contact', path: /\/(?:pages\/)?(?:contact|contact-us|kontakt|contacto|impressum|imprint)(?:[/?#]|$)/i, text: /^(contact( us)?|kontakt|contacto|impressum|imprint)$/i },
  { kind: 'about', path: /\/(?:pages\/)?(?:about|about-us|our-story|story|who-we-are)(?:[/?#]|$)/i, text: /^(about( us)?|our story)$/i },
  { kind: 'policies', path: /\/policies\/(?:contact-information|privacy-policy|terms-of-service|refund-policy|shipping-policy|legal-notice)(?:[/?#]|$)/i, text: /^$/ },
  { kind: 'careers', path: /\/(?:pages\/)?(?:careers|jobs|join-us|join-our-team|work-with-us)(?:[/?#]|$)/i, text: /^(careers|jobs|we'?re hiring|join (us|our team))$/i },
];

/** Everything useful on one page. `baseUrl` resolves relative links; only same-site links are followed. */
export function extractPage(html: string, baseUrl: string, $?: CheerioAPI): PageExtract {
  const doc = $ ?? parseHtml(html);
  const base = new URL(baseUrl);
  const emails = new Map<string, EmailHow>();
  const addEmail = (raw: string, how: EmailHow) => {
    const e = cleanEmail(raw);
    if (e && !emails.has(e)) emails.set(e, how);
  };
  const phones = new Set<string>();
  const socials: Partial<Record<SocialKey, string>> = {};
  const addSocial = (href: string) => {
    const s = socialProfile(href);
    if (s && !socials[s.key]) socials[s.key] = s.url;
  };
  const links: PageExtract['links'] = { contact: [], about: [], policies: [], careers: [] };
  let country: string | null = null;
  let ldName: string | null = null;
  const languages = new Set<string>();
  const metas = new Map<string, string>();
  let title: string | null = null;
  const textParts: string[] = [];

  const onAnchor = (el: DomNode) => {
    const href = (el.attribs?.href ?? '').trim();
    if (!href) return;
    if (/^mailto:/i.test(href)) return addEmail(href, 'mailto');
    if (/^tel:/i.test(href)) {
      const p = normalizePhone(href);
      if (p) phones.add(p);
      return;
    }
    if (/^(?:https?:)?\/\/(?:[a-z]+\.)?(?:instagram|facebook|fb|tiktok|pinterest|youtube|linkedin|twitter|x)\./i.test(href)) {
      return addSocial(href.startsWith('//') ? 'https:' + href : href);
    }
    if (/^(?:javascript:|#)/i.test(href)) return;
    let u: URL;
    try {
      u = new URL(href, base);
    } catch {
      return;
    }
    if (u.host !== base.host) return;
    let text: string | null = null;
    for (const k of LINK_KINDS) {
      let hit = k.path.test(u.pathname);
      if (!hit) {
        text ??= textOf(el).replace(/\s+/g, ' ').trim();
        hit = text !== '' && k.text.test(text);
      }
      if (hit) {
        const clean = u.origin + u.pathname;
        if (!links[k.kind].includes(clean) && links[k.kind].length < 5) links[k.kind].push(clean);
      }
    }
  };

  const onJsonLd = (el: DomNode) => {
    let data: unknown;
    try {
      data = JSON.parse(textOf(el));
    } catch {
      return;
    }
    walkJsonLd(data, (o) => {
      if (typeof o.email === 'string') addEmail(o.email, 'json-ld');
      if (typeof o.telephone === 'string') {
        const p = normalizePhone(o.telephone);
        if (p) phones.add(p);
      }
      const sameAs = o.sameAs;
      for (const s of Array.isArray(sameAs) ? sameAs : typeof sameAs === 'string' ? [sameAs] : []) if (typeof s === 'string') addSocial(s);
      const addr = o.address as Record<string, unknown> | string | undefined;
      const ac = addr && typeof addr === 'object' ? addr.addressCountry : undefined;
      const acName = ac && typeof ac === 'object' ? (ac as { name?: unknown }).name : ac;
      if (!country && typeof acName === 'string') {
        const c = normalizeCountry(acName);
        if (c.ok) country = c.value;
      }
      const t = o['@type'];
      if (!ldName && typeof o.name === 'string' && (t === 'Organization' || t === 'Store' || t === 'OnlineStore' || t === 'LocalBusiness')) ldName = o.name;
    });
  };

  // One walk over the tree (no selector engine): elements we care about, and visible text. Text nodes are
  // joined with spaces so "hello@shop.co</p><a>About" does not read as hello@shop.coAbout.
  const stack: { n: DomNode; hidden: boolean }[] = [{ n: doc.root().get(0) as unknown as DomNode, hidden: false }];
  while (stack.length) {
    const { n, hidden } = stack.pop()!;
    if (n.type === 'text') {
      if (!hidden && n.data && n.data.trim()) textParts.push(n.data);
      continue;
    }
    let hide = hidden;
    if (n.type === 'tag' || n.type === 'script' || n.type === 'style') {
      const name = (n.name ?? '').toLowerCase();
      const a = n.attribs ?? {};
      switch (name) {
        case 'a':
          onAnchor(n);
          break;
        case 'html': {
          const l = normalizeLanguage(a.lang);
          if (l) languages.add(l);
          break;
        }
        case 'meta': {
          const key = (a.property ?? a.name ?? '').toLowerCase();
          if (key && a.content !== undefined && !metas.has(key)) metas.set(key, a.content);
          break;
        }
        case 'link':
          if ((a.rel ?? '').toLowerCase() === 'alternate' && a.hreflang && languages.size < 20) {
            const l = normalizeLanguage(a.hreflang);
            if (l) languages.add(l);
          }
          break;
        case 'title':
          if (title === null) title = textOf(n);
          break;
        case 'script':
          if ((a.type ?? '').toLowerCase() === 'application/ld+json') onJsonLd(n);
          break;
      }
      if (a['data-cfemail']) {
        const d = decodeCfEmail(a['data-cfemail']);
        if (d) addEmail(d, 'cloudflare');
      }
      if (INVISIBLE.has(name)) hide = true;
    }
    const kids = n.children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push({ n: kids[i]!, hidden: hide });
  }
  const text = textParts.join(' ');
  for (const m of text.matchAll(EMAIL_RE)) addEmail(m[0], 'text');
  if (/[[({]\s*at\s*[\])}]/i.test(text)) for (const e of deobfuscate(text)) addEmail(e, 'obfuscated');

  const shopLocale = LOCALE_RE.exec(html);
  if (shopLocale) {
    const l = normalizeLanguage(shopLocale[1]);
    if (l) {
      // Keep the <html lang> first, then Shopify.locale, then hreflang alternates.
      const list = [...languages];
      const i = list.length ? 1 : 0;
      if (!languages.has(l)) {
        list.splice(i, 0, l);
        languages.clear();
        list.forEach((x) => languages.add(x));
      }
    }
  }

  const meta = (key: string) => squash(metas.get(key));
  const t = squash(title, 200);
  const name = meta('og:site_name') ?? squash(ldName, 200) ?? (t ? squash(t.split(/\s+[|–—-]\s+/).pop() ?? t, 200) : null);
  const currency = CURRENCY_RE.exec(html)?.[1] ?? null;
  const hiring = links.careers.length > 0 || /\bwe(?:'|’)?re hiring\b|\bjoin our team\b/i.test(text);

  return {
    emails: [...emails].map(([email, how]) => ({ email, how })),
    phones: [...phones].slice(0, 10),
    socials,
    languages: [...languages],
    country,
    name,
    description: meta('description') ?? meta('og:description'),
    theme: themeName(html),
    currency,
    myshopifyDomain: SHOP_RE.exec(html)?.[1]?.toLowerCase() ?? null,
    links,
    hiring,
  };
}

/** All text under a node (scripts included: used for <title> and JSON-LD). */
function textOf(n: DomNode): string {
  if (n.type === 'text') return n.data ?? '';
  let s = '';
  for (const c of n.children ?? []) s += textOf(c);
  return s;
}
