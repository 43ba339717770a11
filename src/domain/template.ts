// Email templates: a small header (subject, niche, step), the body, and a footer after a "-- " line.
// The renderer is strict: `{{name}}` must have a value, `{{name|fallback}}` falls back, an unknown name is an
// error when the template is loaded, and a missing value stops that lead's draft with the reason. Values are
// inserted once (never re-expanded), and braces inside values are removed, so no raw placeholder ever goes out.
import { FACT_KEYS } from './facts.js';
import { UNSUBSCRIBE_URL_MARKER } from './unsubscribe.js';

export interface Template {
  name: string;
  subject: string;
  /** The part a model may rewrite: greeting to sign-off. */
  body: string;
  /** Sender identity, postal address and unsubscribe line: appended verbatim after rendering. */
  footer: string;
  niche: string | null;
  /** first | followup | any */
  step: string;
  description: string;
}

export interface TemplateProblem {
  line: number;
  message: string;
}

/** Variables every lead can have (plus every fact key, e.g. `{{catalog.size}}`). */
export const TEMPLATE_VARIABLES: Record<string, string> = {
  first_name: "the contact's first name",
  last_name: "the contact's last name",
  full_name: "the contact's full name",
  email: "the contact's email address",
  store_name: 'the store name (fact store.name, else the company)',
  company: 'the company name from the lead',
  domain: "the store's domain",
  country: "the store's country (ISO code)",
  niche: "the campaign's niche",
  product_type: 'the main product type',
  sample_product: 'one product title',
  vendor: 'a brand the store sells',
  collection: 'a collection title',
  catalog_size: 'number of products',
  price_median: 'median product price with currency',
  apps: 'installed apps, comma separated',
  score_reason: 'the strongest reason the lead fits the profile',
  score_reasons: 'all the reasons, comma separated',
  fit: 'fit score (0-100)',
  intent: 'intent score (0-100)',
  offer: "the campaign's offer text",
  sender_name: 'your name (settings sender.name)',
  sender_first_name: 'your first name',
  sender_company: 'your business (settings sender.company)',
  sender_email: 'your reply address (settings sender.email)',
  sender_website: 'your website (settings sender.website)',
  sender_postal_address: 'your postal address (settings sender.postal_address)',
  unsubscribe_url: 'the per-message unsubscribe link (filled in at send time)',
};

const HEADER_KEYS = new Set(['subject', 'niche', 'step', 'description']);
const VAR_RE = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*(?:\|([^}]*))?\}\}/g;

export function isKnownVariable(name: string): boolean {
  return name in TEMPLATE_VARIABLES || name in FACT_KEYS;
}

/** Parses a template file. Throws an Error listing every problem with its line number. */
export function parseTemplate(name: string, text: string): Template {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const problems: TemplateProblem[] = [];
  const sep = lines.findIndex((l) => l.trim() === '---');
  if (sep === -1) throw new Error(`template ${name}: missing the "---" line between the header (subject: ...) and the body`);
  const header: Record<string, string> = {};
  lines.slice(0, sep).forEach((l, i) => {
    if (!l.trim() || l.trim().startsWith('#')) return;
    const m = /^([a-z_]+):\s*(.*)$/.exec(l);
    if (!m) return problems.push({ line: i + 1, message: `expected "key: value", got "${l}"` });
    if (!HEADER_KEYS.has(m[1]!)) return problems.push({ line: i + 1, message: `unknown header "${m[1]}" (allowed: ${[...HEADER_KEYS].join(', ')})` });
    header[m[1]!] = m[2]!.trim();
  });
  if (!header.subject) problems.push({ line: 1, message: 'missing "subject:" header' });
  const bodyLines = lines.slice(sep + 1);
  const footerAt = bodyLines.findIndex((l) => l === '-- ' || l === '--');
  if (footerAt === -1) problems.push({ line: sep + 2, message: 'missing the footer: end the template with a "-- " line, then your identity, postal address and {{unsubscribe_url}}' });
  const body = (footerAt === -1 ? bodyLines : bodyLines.slice(0, footerAt)).join('\n').trim();
  const footer = footerAt === -1 ? '' : bodyLines.slice(footerAt + 1).join('\n').trim();
  if (footerAt !== -1 && !/\{\{\s*unsubscribe_url\s*\}\}/.test(footer))
    problems.push({ line: sep + 2 + footerAt, message: 'the footer must contain {{unsubscribe_url}}' });
  // Unknown variables, with their line.
  lines.forEach((l, i) => {
    for (const m of l.matchAll(VAR_RE)) {
      if (!isKnownVariable(m[1]!)) problems.push({ line: i + 1, message: `unknown variable {{${m[1]}}}${suggest(m[1]!)}` });
    }
    const stray = l.replace(VAR_RE, '');
    if (/\{\{|\}\}/.test(stray)) problems.push({ line: i + 1, message: 'unbalanced "{{" or "}}"' });
  });
  if (problems.length) throw new Error(`template ${name}:\n${problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}`);
  return {
    name,
    subject: header.subject!,
    body,
    footer,
    niche: header.niche || null,
    step: header.step || 'any',
    description: header.description || '',
  };
}

function suggest(name: string): string {
  const all = [...Object.keys(TEMPLATE_VARIABLES), ...Object.keys(FACT_KEYS)];
  let best = '';
  let bestD = 3;
  for (const k of all) {
    const d = distance(name.toLowerCase(), k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best ? ` (did you mean {{${best}}}?)` : '';
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export type Vars = Record<string, string | number | null | undefined>;

export type RenderResult = { ok: true; text: string } | { ok: false; missing: string[]; reason: string };

/** A value as it may appear in an email: trimmed, single-line, no braces or markers. */
export function cleanValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (v === UNSUBSCRIBE_URL_MARKER) return v; // the one marker `send` fills in
  return String(v)
    .replace(/\{\{|\}\}|\[\[|\]\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function render(text: string, vars: Vars): RenderResult {
  const missing: string[] = [];
  const out = text.replace(VAR_RE, (_all, name: string, fallback: string | undefined) => {
    const v = cleanValue(vars[name]);
    if (v) return v;
    if (fallback !== undefined) return fallback.trim();
    if (!missing.includes(name)) missing.push(name);
    return '';
  });
  if (missing.length) {
    return {
      ok: false,
      missing,
      reason: `no value for ${missing.map((m) => `{{${m}}}`).join(', ')} and no fallback (${missing.map(explainMissing).join('; ')})`,
    };
  }
  return { ok: true, text: out };
}

function explainMissing(name: string): string {
  if (name.startsWith('sender_')) return `set sender.${name.slice(7)} in outreach.yaml`;
  if (name in FACT_KEYS) return `the lead has no ${name} fact: run enrich, or write {{${name}|...}} in the template`;
  return `add it to the lead, or write {{${name}|fallback}} in the template`;
}

export interface RenderedEmail {
  subject: string;
  body: string;
  footer: string;
}

export type RenderEmailResult = ({ ok: true } & RenderedEmail) | { ok: false; missing: string[]; reason: string };

/** Renders subject, body and footer; the first missing variable anywhere stops the whole email. */
export function renderTemplate(t: Template, vars: Vars): RenderEmailResult {
  const parts = [render(t.subject, vars), render(t.body, vars), render(t.footer, vars)] as const;
  const missing = [...new Set(parts.flatMap((p) => (p.ok ? [] : p.missing)))];
  if (missing.length) {
    const bad = parts.find((p) => !p.ok) as { reason: string };
    return { ok: false, missing, reason: `template ${t.name}: ${missing.length > 1 ? bad.reason.replace(/^no value for [^(]+/, `no value for ${missing.map((m) => `{{${m}}}`).join(', ')} `) : bad.reason}` };
  }
  const [s, b, f] = parts as unknown as [{ text: string }, { text: string }, { text: string }];
  return { ok: true, subject: s.text.replace(/\s+/g, ' ').trim(), body: b.text.trim(), footer: f.text.trim() };
}

/** The email as stored and sent: body, the "-- " signature delimiter, then the footer. */
export function joinBody(body: string, footer: string): string {
  return footer ? `${body.trim()}\n\n-- \n${footer.trim()}\n` : body.trim() + '\n';
}

/** Splits a stored body back into the written part and the footer. */
export function splitBody(text: string): { body: string; footer: string } {
  const i = text.search(/\n-- ?\n/);
  if (i === -1) return { body: text.trim(), footer: '' };
  return { body: text.slice(0, i).trim(), footer: text.slice(i).replace(/^\n-- ?\n/, '').trim() };
}

/** Unrendered placeholders left in a text (`{{...}}`, or a `[[...]]` other than the allowed markers). */
export function rawPlaceholders(text: string, allowedMarkers: string[] = []): string[] {
  let t = text;
  for (const m of allowedMarkers) t = t.split(m).join('');
  return [...t.matchAll(/\{\{[^}]*\}\}|\{\{|\}\}|\[\[[^\]]*\]\]/g)].map((m) => m[0]);
}
