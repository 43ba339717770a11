// Reading leads: one row per lead (primary contact, scores, tags) with the filters that `leads list`,
// `leads export` and the dashboard share; and the whole record of one lead for `leads show`.
import type Database from 'better-sqlite3';
import { domainToASCII, domainToUnicode } from 'node:url';
import type { Db } from '../../db/open.js';
import { ALL_STAGES } from '../../domain/lead.js';
import { normalizeDomain, normalizeEmail } from '../../domain/normalize.js';
import { UsageError, UserError } from '../../errors.js';

export interface LeadFilter {
  stage?: string[];
  tag?: string;
  country?: string;
  minFit?: number;
  maxFit?: number;
  minIntent?: number;
  maxIntent?: number;
  search?: string;
  shopify?: boolean;
  /**
   * Leave out suppressed leads. `leads list` (and countLeads): whose first contact's address is suppressed (the
   * domains in JS). The export (buildLeadQuery's forExport): only a lead none of whose contacts may be mailed.
   */
  excludeSuppressed?: boolean;
}

export type LeadSort = 'fit' | 'intent' | 'domain' | 'created' | 'stage' | 'company';

export interface LeadRow {
  id: number;
  domain: string;
  company: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  phone: string | null;
  country: string | null;
  stage: string;
  is_shopify: boolean | null;
  fit: number | null;
  intent: number | null;
  tags: string;
  url: string | null;
  source: string;
  created_at: string;
  /**
   * Why this row must never be mailed (the suppression's reason: unsubscribed, bounced, manual, left_company…),
   * or null: its contact's address, that address's domain (or a parent domain) or the lead's own domain is on
   * the suppression list, as `send` reads it (findSuppression ?? findDomainSuppression).
   */
  suppressed: string | null;
  notes: string | null;
  /**
   * The suppressed domain that covers this row (the address's domain, the lead's domain, or a domain above either),
   * or null. With `suppressed`, it lets `leads import` restore a domain suppression as one, not as an address.
   */
  suppressed_domain: string | null;
  /** The domain in Unicode, for display (`bücher.de` for `xn--bcher-kva.de`): listLeads only, never exported. */
  domain_unicode?: string;
  /** The email with its domain in Unicode (`anna@bücher.de`), for display: listLeads only, never exported. */
  email_unicode?: string | null;
}

/** The columns, in export order. New ones go at the end: scripts read exports by position. */
export const LEAD_COLUMNS: (keyof LeadRow)[] = [
  'domain', 'company', 'email', 'first_name', 'last_name', 'title', 'phone', 'country', 'stage', 'is_shopify', 'fit',
  'intent', 'tags', 'url', 'source', 'created_at', 'suppressed', 'notes',
  'suppressed_domain',
];

/** Contact validation states `send` never mails (as draft and campaign read them). */
export const UNMAILABLE_VALIDATION = `('invalid', 'no_mx', 'disposable')`;
/** The lead's first contact, as `leads list` shows it; the export corrects it where it may not be mailed (export.ts). */
export const FIRST_CONTACT = '(SELECT id FROM contacts WHERE lead_id = l.id ORDER BY is_primary DESC, is_role ASC, id LIMIT 1)';

// The export reads LEAD_COLUMNS only; `leads list` adds the Unicode domain (see buildLeadQuery's `unicode`), the
// export the contact's validation (`contact_bad`: 1 when send would never mail that address) and may name the contact.
const SELECT = (unicode: boolean, forExport = false, contact = FIRST_CONTACT) => `
SELECT l.id, l.domain,${unicode ? ' COALESCE(l.domain_unicode, l.domain) AS domain_unicode,' : ''} l.company, c.email, c.first_name, c.last_name, c.title, c.phone, l.country, l.stage,
       l.is_shopify, s.fit, s.intent,
       COALESCE((SELECT group_concat(tag, ';') FROM lead_tags t WHERE t.lead_id = l.id), '') AS tags,
       l.url, l.source, l.created_at, se.reason AS suppressed, l.notes, NULL AS suppressed_domain${forExport ? `, c.validation IN ${UNMAILABLE_VALIDATION} AS contact_bad` : ''}
FROM leads l
LEFT JOIN scores s ON s.lead_id = l.id
LEFT JOIN contacts c ON c.id = ${contact}
LEFT JOIN suppressions se ON se.kind = 'email' AND se.value = c.email`;

/**
 * The export's row of one lead with a given contact (params: lead id, contact id), for a lead whose first contact
 * may not be mailed and another may, and for --all-contacts.
 */
export const LEAD_WITH_CONTACT_SQL = SELECT(false, true, '@contact') + '\nWHERE l.id = @lead';

const ORDER: Record<LeadSort, string> = {
  fit: 's.fit IS NULL, s.fit DESC, s.intent DESC, l.id',
  intent: 's.intent IS NULL, s.intent DESC, s.fit DESC, l.id',
  // as the user reads them: an IDN (xn--…) sorts by its Unicode form, not under x
  domain: 'COALESCE(l.domain_unicode, l.domain), l.id',
  company: 'l.company IS NULL, l.company COLLATE NOCASE, l.id',
  created: 'l.id',
  // pipeline order (new → confirmed → … → replied), then the terminal stages, as ALL_STAGES lists them
  stage: `CASE l.stage ${ALL_STAGES.map((st, i) => `WHEN '${st}' THEN ${i}`).join(' ')} ELSE ${ALL_STAGES.length} END, l.id`,
};

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * An email for display: its domain in Unicode (`anna@bücher.de` for the stored `anna@xn--bcher-kva.de`), as
 * domains are shown. Anything else (no punycode label, an undecodable one) is returned as stored.
 */
export function emailForDisplay(email: string | null | undefined): string | null {
  if (!email) return email ?? null;
  const at = email.lastIndexOf('@');
  if (at < 0 || !email.includes('xn--', at)) return email;
  const domain = domainToUnicode(email.slice(at + 1));
  return domain ? `${email.slice(0, at + 1)}${domain}` : email;
}

/**
 * The forms of a search text to look for (lower case): the text as typed and, when it holds non-ASCII
 * characters, its ASCII (punycode) form as domains and email domains are stored: `anna@bücher.de` →
 * `anna@xn--bcher-kva.de`, `bücher-laden.de` → `xn--bcher-laden-thb.de`. Only whole labels convert (punycode
 * encodes a label as a whole): a part of a label (`büch`) is found in the stored Unicode domain instead.
 */
export function searchForms(text: string): string[] {
  const typed = text.normalize('NFC').toLowerCase();
  const forms = [typed];
  if (NON_ASCII.test(typed)) {
    const email = typed.includes('@') ? normalizeEmail(typed) : null;
    let ascii: string | null = email?.ok ? email.value.email : null;
    if (!ascii) {
      // `local@domain-part` keeps its local part as typed (an internationalized address stores it in UTF-8)
      const at = typed.lastIndexOf('@');
      const host = typed.slice(at + 1);
      const typedLabels = host.split('.');
      const labels = typedLabels.map((label) => (NON_ASCII.test(label) ? domainToASCII(label) : label));
      // a label that is no domain label (`bücher laden`, a company name) has no punycode form: the text as typed only
      if (!typedLabels.some((l, i) => l !== '' && labels[i] === '')) ascii = typed.slice(0, at + 1) + labels.join('.');
    }
    if (ascii && ascii !== typed) forms.push(ascii);
  }
  return forms;
}

/** `unicode`: also select `domain_unicode` (COALESCE(domain_unicode, domain)), for display. */
export function buildLeadQuery(
  f: LeadFilter,
  sort: LeadSort = 'created',
  limit?: number,
  offset?: number,
  idRange?: [number, number],
  unicode = false,
  /**
   * The export's query: `contact_bad` selected, and --exclude-suppressed left to the export, which leaves a lead
   * out only when none of its contacts may be mailed (its first one being suppressed is not enough).
   */
  forExport = false,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (idRange) {
    where.push('l.id >= ? AND l.id < ?');
    params.push(idRange[0], idRange[1]);
  }
  if (f.stage?.length) {
    where.push(`l.stage IN (${f.stage.map(() => '?').join(',')})`);
    params.push(...f.stage);
  }
  if (f.tag) {
    where.push('EXISTS (SELECT 1 FROM lead_tags t WHERE t.lead_id = l.id AND t.tag = ?)');
    params.push(f.tag.toLowerCase());
  }
  if (f.country) {
    where.push('l.country = ?');
    params.push(f.country.toUpperCase());
  }
  if (f.minFit !== undefined) (where.push('s.fit >= ?'), params.push(f.minFit));
  if (f.maxFit !== undefined) (where.push('s.fit <= ?'), params.push(f.maxFit));
  if (f.minIntent !== undefined) (where.push('s.intent >= ?'), params.push(f.minIntent));
  if (f.maxIntent !== undefined) (where.push('s.intent <= ?'), params.push(f.maxIntent));
  if (f.shopify !== undefined) (where.push('l.is_shopify = ?'), params.push(f.shopify ? 1 : 0));
  // Suppressed addresses here; suppressed domains are looked up in JS (see DomainSuppressions), row by row.
  if (f.excludeSuppressed && !forExport) where.push('se.id IS NULL');
  if (f.search) {
    // the text as typed, and its punycode form (an IDN domain or email typed in Unicode); the domain also in
    // its stored Unicode form (domain_unicode, set for IDNs only), where a part of a label is found
    const likes = searchForms(f.search).map((t) => `%${t.replace(/[\\%_]/g, (m) => '\\' + m)}%`);
    const any = (col: string) => likes.map(() => `${col} LIKE ? ESCAPE '\\'`).join(' OR ');
    where.push(
      `(${any('l.domain')} OR l.domain_unicode LIKE ? ESCAPE '\\' OR l.company LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM contacts c2 WHERE c2.lead_id = l.id AND (${any('c2.email')})))`,
    );
    params.push(...likes, likes[0], likes[0], ...likes);
  }
  let sql = SELECT(unicode, forExport) + (where.length ? `\nWHERE ${where.join(' AND ')}` : '') + `\nORDER BY ${ORDER[sort]}`;
  if (limit !== undefined && limit > 0) {
    sql += ' LIMIT ? OFFSET ?';
    params.push(limit, offset ?? 0);
  }
  return { sql, params };
}

/**
 * The suppressed domains, read once per query rather than looked up once per row: a lead query joins the
 * suppressed addresses (one index probe per row, see SELECT), but a domain covers its subdomains (`shop.com`
 * covers `a@eu.shop.com`), which an index cannot answer in one probe. Domain suppressions are few (emails are
 * the many), and with none the check costs nothing.
 * Forgotten people (email_hash, domain_hash) are not looked for: recognizing them means a keyed hash of every
 * address and domain (4 s per million), and they cannot be here anyway: `leads forget` deletes their contacts
 * and leads, and import and enrich never store them again.
 */
export class DomainSuppressions {
  private constructor(private readonly reasons: Map<string, string>) {}

  static load(sqlite: Pick<Database.Database, 'prepare'>): DomainSuppressions {
    const rows = sqlite.prepare(`SELECT value, reason FROM suppressions WHERE kind = 'domain'`).raw(true).all() as [string, string][];
    return new DomainSuppressions(new Map(rows));
  }

  /** The reason the address's domain or the lead's domain (or a domain above either) is suppressed, else null. */
  reasonFor(email: string | null | undefined, leadDomain: string): string | null {
    const d = this.domainFor(email, leadDomain);
    return d === null ? null : this.reasonOf(d);
  }

  /** The reason a domain, as domainFor returns it, is on the list. */
  reasonOf(domain: string): string {
    return this.reasons.get(domain)!;
  }

  /** The suppressed domain (as listed) that covers the address's domain or the lead's domain, else null. */
  domainFor(email: string | null | undefined, leadDomain: string): string | null {
    if (this.reasons.size === 0) return null;
    if (email) {
      const host = email.slice(email.lastIndexOf('@') + 1);
      const d = this.hostMatch(host);
      if (d !== null || host === leadDomain) return d; // most addresses are at the store's own domain: once is enough
    }
    return this.hostMatch(leadDomain);
  }

  /**
   * domainAndParents (src/db/suppressions.ts) looked up one by one, without building its array: this runs for
   * every row of a million-row export. `a.shop.com:8443` → a.shop.com, shop.com (never the last label alone).
   */
  private hostMatch(host: string): string | null {
    // stored domains and addresses are normalized (lower case): no toLowerCase here
    let h = host;
    const colon = h.lastIndexOf(':');
    if (colon > 0 && /^:\d+$/.test(h.slice(colon))) h = h.slice(0, colon);
    if (this.reasons.has(h)) return h;
    for (let dot = h.indexOf('.'), next = h.indexOf('.', dot + 1); next >= 0; dot = next, next = h.indexOf('.', dot + 1)) {
      const parent = h.slice(dot + 1); // a parent of two labels or more (the last label alone is no domain)
      if (this.reasons.has(parent)) return parent;
    }
    return null;
  }
}

export function rowOut(r: LeadRow, domains?: DomainSuppressions): LeadRow {
  return {
    ...r,
    is_shopify: r.is_shopify === null ? null : Boolean(r.is_shopify),
    suppressed: r.suppressed ?? domains?.reasonFor(r.email, r.domain) ?? null,
    suppressed_domain: domains?.domainFor(r.email, r.domain) ?? null,
  };
}

export function listLeads(db: Db, f: LeadFilter, sort: LeadSort, limit?: number, offset?: number): LeadRow[] {
  return [...iterateLeads(db, f, sort, limit, offset)];
}

/**
 * The same rows as listLeads, one at a time (a list of any size in bounded memory), with `domain_unicode` and
 * `email_unicode` for display. Leaving the loop early (`break`, return()) ends the query.
 */
export function* iterateLeads(db: Db, f: LeadFilter, sort: LeadSort, limit?: number, offset?: number): Generator<LeadRow> {
  const { sql, params } = buildLeadQuery(f, sort, limit, offset, undefined, true);
  const domains = DomainSuppressions.load(db.sqlite);
  for (const r of db.sqlite.prepare(sql).iterate(...params) as IterableIterator<LeadRow>) {
    const row = rowOut(r, domains);
    if (f.excludeSuppressed && row.suppressed !== null) continue; // a suppressed domain (addresses are left out in SQL)
    row.email_unicode = emailForDisplay(row.email);
    yield row;
  }
}

export function countLeads(db: Db, f: LeadFilter): number {
  const { sql, params } = buildLeadQuery(f, 'created');
  return db.sqlite.prepare(`SELECT count(*) FROM (${sql})`).pluck().get(...params) as number;
}

export interface FoundLead {
  id: number;
  /** The stored (normalized) domain, the lead key. */
  domain: string;
  /** Its Unicode form, for display (the domain itself when it is not an IDN). */
  domainUnicode: string;
}

/**
 * The lead a user names by its domain, in any spelling (`WWW.Acme.com`, `https://acme.com/x`, `bücher.de`).
 * An empty or malformed domain that names no stored lead is a usage error (exit 2); an unknown valid one, exit 1.
 */
export function findLead(db: Db, domainInput: string): FoundLead {
  const d = normalizeDomain(domainInput ?? '');
  const key = d.ok ? d.value.domain : (domainInput ?? '').trim().toLowerCase();
  const row = key
    ? (db.sqlite.prepare('SELECT id, domain, COALESCE(domain_unicode, domain) AS domain_unicode FROM leads WHERE domain = ?').get(key) as
        | { id: number; domain: string; domain_unicode: string }
        | undefined)
    : undefined;
  if (!row) {
    if (!d.ok) throw new UsageError(`Not a store domain: ${d.reason}.`, 'Give the domain as in `outreach leads list`, e.g. `outreach leads show mystore.com`.');
    throw new UserError(`No lead for ${domainInput}${key !== domainInput ? ` (${key})` : ''}.`, 'See `outreach leads list`.');
  }
  return { id: row.id, domain: row.domain, domainUnicode: row.domain_unicode };
}

export function findLeadId(db: Db, domainInput: string): number {
  return findLead(db, domainInput).id;
}

const parseJson = (s: string | null) => {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

export interface TimelineItem {
  at: string;
  /**
   * `lead`: the lead's creation, which no event records: derived from the lead's created_at and source. `draft`,
   * `message`, `reply`, `sequence`: what the rows of drafts, messages, inbound and enrollments tell that no event
   * does (see showLead), each at its own time.
   */
  kind: 'lead' | 'event' | 'message' | 'reply' | 'draft' | 'sequence';
  type: string;
  summary: string;
  data?: unknown;
  /** Set on an entry made up from the lead's own columns (not a stored event): the columns it comes from. */
  derived_from?: string[];
}

/** Everything about one lead, with a single timeline of events, drafts, messages and replies. */
export function showLead(db: Db, leadId: number) {
  const q = db.sqlite;
  // domain_unicode is stored only for an IDN (NULL when it is the domain itself): shown filled either way
  const lead = q.prepare('SELECT *, COALESCE(domain_unicode, domain) AS domain_unicode FROM leads WHERE id = ?').get(leadId) as Record<string, unknown>;
  const contacts = q.prepare('SELECT email, first_name, last_name, title, phone, is_primary, is_role, validation, validation_reason, source, source_url FROM contacts WHERE lead_id = ? ORDER BY is_primary DESC, id').all(leadId);
  const tags = (q.prepare('SELECT tag FROM lead_tags WHERE lead_id = ? ORDER BY tag').all(leadId) as { tag: string }[]).map((t) => t.tag);
  const facts = (q.prepare('SELECT key, value, source_url, observed_at FROM facts WHERE lead_id = ? ORDER BY key, id').all(leadId) as { key: string; value: string; source_url: string | null; observed_at: string }[]).map((f) => ({ ...f, value: parseJson(f.value) }));
  const scoreRow = q.prepare('SELECT fit, intent, fit_confidence, intent_confidence, factors, profile_version, scored_at FROM scores WHERE lead_id = ?').get(leadId) as Record<string, unknown> | undefined;
  const score = scoreRow ? { ...scoreRow, factors: parseJson(scoreRow.factors as string) } : null;
  const enrollments = q.prepare(`SELECT c.name AS campaign, e.status, e.stop_reason, e.paused_until, e.created_at FROM enrollments e JOIN campaigns c ON c.id = e.campaign_id WHERE e.lead_id = ? ORDER BY e.id`).all(leadId);

  // The creation comes first (the sort below is stable, so it stays before anything at the same instant).
  const timeline: TimelineItem[] = [
    { at: String(lead.created_at), kind: 'lead', type: 'created', summary: String(lead.source), data: { source: lead.source }, derived_from: ['created_at', 'source'] },
  ];
  // Events are the timeline's record. The rows of drafts, messages, replies and enrollments add an item only for
  // what no event records (rows from before an event was written for it, a cancelled message, a sequence stopped
  // without a `stopped` event), each at the time it happened: never a row's current state at its creation time.
  const draftEvents = new Set<string>(); // `${type}:${draftId}`
  const messageEvents = new Set<string>(); // `${type}:${messageId}`
  const inboundSeen = new Set<number>(); // replies an event already tells (replied, bounced, unsubscribed…)
  const stoppedEvents = new Set<number | null>(); // campaigns with a `stopped` event
  for (const e of q.prepare('SELECT type, at, data, campaign_id, message_id FROM events WHERE lead_id = ? ORDER BY at, id').all(leadId) as {
    type: string; at: string; data: string | null; campaign_id: number | null; message_id: number | null;
  }[]) {
    const data = parseJson(e.data);
    timeline.push({ at: e.at, kind: 'event', type: e.type, summary: summarize(data), data });
    const d = data && typeof data === 'object' ? (data as Record<string, unknown>) : null;
    if (d && typeof d.draftId === 'number') draftEvents.add(`${e.type}:${d.draftId}`);
    if (e.message_id !== null) messageEvents.add(`${e.type}:${e.message_id}`);
    if (d && typeof d.inbound === 'number') inboundSeen.add(d.inbound);
    if (e.type === 'stopped') stoppedEvents.add(e.campaign_id);
  }
  const DRAFT_EVENT: Record<string, string> = { approved: 'approved', rejected: 'rejected_draft', blocked: 'blocked' };
  for (const d of q.prepare(
    'SELECT d.id, d.created_at, d.reviewed_at, d.updated_at, d.status, d.subject, s.position FROM drafts d JOIN steps s ON s.id = d.step_id WHERE d.lead_id = ? ORDER BY d.id',
  ).all(leadId) as { id: number; created_at: string; reviewed_at: string | null; updated_at: string; status: string; subject: string; position: number }[]) {
    const summary = `step ${d.position}: ${d.subject}`;
    if (!draftEvents.has(`drafted:${d.id}`) && !draftEvents.has(`blocked:${d.id}`)) {
      timeline.push({ at: d.created_at, kind: 'draft', type: 'drafted', summary, data: { draftId: d.id }, derived_from: ['drafts.created_at'] });
    }
    // a review's outcome at the review's time; `sent` is the message's to tell, `pending` is no change
    const ev = DRAFT_EVENT[d.status];
    if (ev && !draftEvents.has(`${ev}:${d.id}`)) {
      const at = d.reviewed_at ?? d.updated_at;
      timeline.push({ at, kind: 'draft', type: `draft ${d.status}`, summary, data: { draftId: d.id }, derived_from: [d.reviewed_at ? 'drafts.reviewed_at' : 'drafts.updated_at', 'drafts.status'] });
    }
  }
  for (const m of q.prepare('SELECT id, created_at, sent_at, updated_at, state, to_email, subject FROM messages WHERE lead_id = ? ORDER BY id').all(leadId) as {
    id: number; created_at: string; sent_at: string | null; updated_at: string; state: string; to_email: string; subject: string | null;
  }[]) {
    if (messageEvents.has(`${m.state}:${m.id}`)) continue;
    const at = m.state === 'sent' ? (m.sent_at ?? m.updated_at) : m.state === 'queued' ? m.created_at : m.updated_at;
    timeline.push({ at, kind: 'message', type: `message ${m.state}`, summary: `to ${m.to_email}: ${m.subject ?? ''}`, derived_from: ['messages.state'] });
  }
  for (const r of q.prepare('SELECT id, received_at AS at, label, from_email, subject, reason FROM inbound WHERE lead_id = ? ORDER BY id').all(leadId) as { id: number; at: string; label: string | null; from_email: string | null; subject: string | null; reason: string | null }[]) {
    if (inboundSeen.has(r.id)) continue;
    timeline.push({ at: r.at, kind: 'reply', type: `reply ${r.label ?? 'unclassified'}`, summary: `from ${r.from_email ?? '?'}: ${r.subject ?? ''}${r.reason ? ` (${r.reason})` : ''}` });
  }
  // A stopped sequence, once, at the time it stopped, when no `stopped` event tells it (a reply, an unsubscribe, a
  // bounce, `suppress add` stop the enrollment and record their own event, not this one).
  for (const e of q.prepare(`SELECT e.campaign_id, c.name, e.stop_reason, e.updated_at FROM enrollments e JOIN campaigns c ON c.id = e.campaign_id WHERE e.lead_id = ? AND e.status = 'stopped' ORDER BY e.id`).all(leadId) as {
    campaign_id: number; name: string; stop_reason: string | null; updated_at: string;
  }[]) {
    if (stoppedEvents.has(e.campaign_id)) continue;
    timeline.push({ at: e.updated_at, kind: 'sequence', type: 'sequence stopped', summary: `${e.name}${e.stop_reason ? ` (${e.stop_reason})` : ''}`, data: { campaign: e.name, reason: e.stop_reason }, derived_from: ['enrollments.status', 'enrollments.updated_at'] });
  }
  timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    lead: { ...lead, is_shopify: lead.is_shopify === null ? null : Boolean(lead.is_shopify), shopify_evidence: parseJson(lead.shopify_evidence as string | null) },
    tags,
    contacts,
    facts,
    score,
    enrollments,
    timeline,
  };
}

function summarize(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object') return String(data);
  return Object.entries(data as Record<string, unknown>)
    .slice(0, 4)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}
