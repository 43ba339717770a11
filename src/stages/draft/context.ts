// What a draft is written from: the lead, its contact, its stored facts (with sources) and score reasons,
// turned into template variables, the model request, and the checks every written email goes through.
import type { Db } from '../../db/open.js';
import type { Settings } from '../../config.js';
import { findDomainSuppression, findSuppression } from '../../db/suppressions.js';
import { addEvent } from '../../db/events.js';
import { cached } from '../../db/statements.js';
import { UNSUBSCRIBE_URL_MARKER } from '../../domain/unsubscribe.js';
import { allowedLinkDomains, checkCompliance, passes, recipientCountry, type RuleResult } from '../../domain/compliance.js';
import { checkClaims, type Claim } from '../../domain/claims.js';
import { cleanValue, splitBody, type RenderedEmail, type Template, type Vars } from '../../domain/template.js';
import type { EmailRequest, PromptFact } from '../../adapters/llm/types.js';
import type { CampaignRow } from '../campaign/index.js';

export interface DraftEnv {
  settings: Settings;
  /** The ideal-customer profile file's text (given to the model as context). */
  profileText: string;
  templateDirs: string[];
}

export interface FactValue {
  key: string;
  value: string;
  source: string | null;
}

export interface LeadContext {
  leadId: number;
  domain: string;
  company: string | null;
  country: string | null;
  stage: string;
  storeName: string | null;
  contact: { id: number; email: string; firstName: string | null; lastName: string | null } | null;
  facts: FactValue[];
  score: { fit: number; intent: number; reasons: string[] } | null;
}

function factText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export interface Stmt {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
/** Prepared statements, cached per connection: the drafting loop runs the same few thousands of times. */
export function stmt(db: Db, sql: string): Stmt {
  return cached(db, sql) as unknown as Stmt;
}

/** An event on the lead's timeline. */
export function event(db: Db, e: { leadId: number; type: string; campaignId: number; runId?: number | null; data: unknown }): void {
  addEvent(db, e);
}

export function loadLeadContext(db: Db, leadId: number, contactId: number | null): LeadContext {
  const l = stmt(db, 'SELECT id, domain, company, country, stage FROM leads WHERE id = ?').get(leadId) as any;
  const contact = (
    contactId
      ? stmt(db, 'SELECT id, email, first_name, last_name FROM contacts WHERE id = ?').get(contactId)
      : stmt(
          db,
          `SELECT id, email, first_name, last_name FROM contacts WHERE lead_id = ? AND validation NOT IN ('invalid','no_mx','disposable')
             ORDER BY is_primary DESC, is_role ASC, id LIMIT 1`,
        ).get(leadId)
  ) as any;
  const facts = (stmt(db, 'SELECT key, value, source_url FROM facts WHERE lead_id = ? ORDER BY key, id').all(leadId) as any[]).map((f) => {
    let v: unknown = f.value;
    try {
      v = JSON.parse(f.value);
    } catch {
      // stored raw
    }
    return { key: f.key as string, value: factText(v), source: f.source_url as string | null };
  });
  const s = stmt(db, 'SELECT fit, intent, factors FROM scores WHERE lead_id = ?').get(leadId) as any;
  let reasons: string[] = [];
  if (s?.factors) {
    try {
      reasons = (JSON.parse(s.factors) as { points?: number; note?: string; name?: string; observed?: unknown }[])
        .filter((f) => (f.points ?? 0) > 0)
        .sort((a, b) => (b.points ?? 0) - (a.points ?? 0))
        .map((f) => f.note || `${f.name}: ${factText(f.observed)}`)
        .filter(Boolean)
        .slice(0, 5);
    } catch {
      reasons = [];
    }
  }
  const first = (k: string) => facts.find((f) => f.key === k)?.value || null;
  return {
    leadId,
    domain: l.domain,
    company: l.company,
    country: l.country ?? first('store.country'),
    stage: l.stage,
    storeName: first('store.name') || l.company || null,
    contact: contact ? { id: contact.id, email: contact.email, firstName: contact.first_name, lastName: contact.last_name } : null,
    facts,
    score: s ? { fit: s.fit, intent: s.intent, reasons } : null,
  };
}

/** The lead's suppression, if any: its contact's address, its domain, or a forgotten hash. */
export function suppressionOf(db: Db, lead: LeadContext): { reason: string; kind: string } | null {
  const hit = (lead.contact ? findSuppression(db, lead.contact.email) : null) ?? findDomainSuppression(db, lead.domain);
  return hit ? { reason: hit.reason, kind: hit.kind } : null;
}

export function buildVars(lead: LeadContext, c: CampaignRow, offerText: string, s: Settings): Vars {
  const all = (k: string) => lead.facts.filter((f) => f.key === k).map((f) => f.value).filter(Boolean);
  const first = (k: string) => all(k)[0] ?? null;
  const vars: Vars = {};
  // Every fact key, as `{{catalog.size}}`: multi-valued keys list up to three values.
  for (const f of lead.facts) if (!(f.key in vars)) vars[f.key] = all(f.key).slice(0, 3).join(', ');
  const currency = first('store.currency');
  const median = first('catalog.price_median');
  Object.assign(vars, {
    first_name: lead.contact?.firstName ?? null,
    last_name: lead.contact?.lastName ?? null,
    full_name: [lead.contact?.firstName, lead.contact?.lastName].filter(Boolean).join(' ') || null,
    email: lead.contact?.email ?? null,
    store_name: lead.storeName,
    company: lead.company,
    domain: lead.domain,
    country: lead.country,
    niche: c.niche,
    product_type: first('catalog.product_type'),
    sample_product: first('catalog.sample_product'),
    vendor: first('catalog.vendor'),
    collection: first('catalog.collection'),
    catalog_size: first('catalog.size'),
    price_median: median ? `${median}${currency ? ' ' + currency : ''}` : null,
    apps: all('app').join(', ') || null,
    score_reason: lead.score?.reasons[0] ?? null,
    score_reasons: lead.score?.reasons.join(', ') || null,
    fit: lead.score?.fit ?? null,
    intent: lead.score?.intent ?? null,
    offer: offerText || null,
    sender_name: s.sender.name || null,
    sender_first_name: s.sender.name.trim().split(/\s+/)[0] || null,
    sender_company: s.sender.company || null,
    sender_email: s.sender.email || null,
    sender_website: s.sender.website || null,
    sender_postal_address: s.sender.postal_address.replace(/\s*\n\s*/g, ', ') || null,
    unsubscribe_url: UNSUBSCRIBE_URL_MARKER,
  });
  return vars;
}

const HIDDEN_FACTS = new Set(['contact.email', 'contact.phone']);

/** Facts for the model: no contact details, at most 5 values per key and 60 in all. */
export function promptFacts(lead: LeadContext): PromptFact[] {
  const per = new Map<string, number>();
  const out: PromptFact[] = [];
  for (const f of lead.facts) {
    if (HIDDEN_FACTS.has(f.key)) continue;
    const n = per.get(f.key) ?? 0;
    if (n >= 5) continue;
    per.set(f.key, n + 1);
    out.push({ key: f.key, value: f.value, source: f.source });
    if (out.length >= 60) break;
  }
  return out;
}

export function buildRequest(
  env: DraftEnv,
  c: CampaignRow,
  t: Template,
  lead: LeadContext,
  rendered: RenderedEmail,
  offerText: string,
  step: { position: number; totalSteps: number; previous: { subject: string; body: string }[]; instructions?: string },
): EmailRequest {
  const s = env.settings;
  return {
    prefix: {
      sender: { name: s.sender.name, company: s.sender.company, website: s.sender.website, email: s.sender.email },
      profile: env.profileText,
      offer: offerText,
      niche: c.niche ?? '',
      templateName: t.name,
      templateSubject: t.subject,
      templateBody: t.body,
      maxWords: s.compliance.max_words,
      maxSubjectChars: s.compliance.max_subject_chars,
      allowedDomains: allowedLinkDomains(s),
    },
    lead: {
      storeName: lead.storeName ?? lead.domain,
      domain: lead.domain,
      firstName: lead.contact?.firstName ?? null,
      country: lead.country,
      facts: promptFacts(lead),
      scoreReasons: lead.score?.reasons ?? [],
      renderedSubject: rendered.subject,
      renderedBody: rendered.body,
    },
    step,
  };
}

export interface Evaluation {
  compliance: RuleResult[];
  claims: Claim[];
  ok: boolean;
}

/** Compliance (blocking) and the claims post-check (flags) of a finished email. */
export function evaluate(
  db: Db,
  env: DraftEnv,
  lead: LeadContext,
  email: { subject: string; bodyText: string; position: number },
  support: string[],
  suppressed?: { reason: string; kind: string } | null,
): Evaluation {
  const s = env.settings;
  const leadDomains = [lead.domain, ...lead.facts.filter((f) => f.key === 'store.myshopify_domain').map((f) => f.value)].filter(Boolean);
  const compliance = checkCompliance(
    {
      subject: email.subject,
      body: email.bodyText,
      position: email.position,
      recipient: {
        email: lead.contact?.email ?? '',
        country: recipientCountry(lead.country, lead.contact?.email ?? '', lead.domain),
        suppressed: suppressed === undefined ? suppressionOf(db, lead) : suppressed,
      },
      leadDomains,
    },
    s,
  );
  const claims = checkClaims({
    subject: email.subject,
    body: splitBody(email.bodyText).body,
    support: [
      ...support,
      ...lead.facts.map((f) => f.value),
      lead.storeName ?? '',
      lead.domain,
      lead.company ?? '',
      lead.contact?.firstName ?? '',
      lead.contact?.lastName ?? '',
      ...(lead.score?.reasons ?? []),
      s.sender.name,
      s.sender.company,
      s.sender.website,
    ],
    allowedDomains: [...allowedLinkDomains(s), ...leadDomains],
  });
  return { compliance, claims, ok: passes(compliance) };
}

/** Text the claims check accepts as support: template, offer, earlier emails. */
export function supportFor(t: Template, rendered: RenderedEmail | null, offerText: string, previous: { subject: string; body: string }[]): string[] {
  return [t.subject, t.body, rendered?.subject ?? '', rendered?.body ?? '', offerText, ...previous.flatMap((p) => [p.subject, p.body])].map(cleanValue);
}
