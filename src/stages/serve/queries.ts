// The dashboard's reads and writes: the leads table (search, filters, sorting, paging), a lead's
// facts, scores, drafts and timeline, bulk tag / suppress / export, draft review, and the one-click
// unsubscribe. Every write is one IMMEDIATE transaction.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { addSuppression, isForgotten } from '../../db/suppressions.js';
import { addEvent } from '../../db/events.js';
import { UNSUBSCRIBE_URL_MARKER } from '../../domain/unsubscribe.js';

export interface LeadFilter {
  q?: string;
  stage?: string;
  tag?: string;
  country?: string;
  minFit?: number;
  minIntent?: number;
  shopify?: 'yes' | 'no' | '';
  sort?: string;
  dir?: 'asc' | 'desc';
  page?: number;
}

export const SORTS: Record<string, string> = {
  created: 'l.id',
  domain: 'l.domain',
  company: 'l.company',
  country: 'l.country',
  stage: 'l.stage',
  fit: 's.fit',
  intent: 's.intent',
};
export const PAGE_SIZE = 50;

export interface LeadRow {
  id: number; domain: string; company: string | null; country: string | null; stage: string; is_shopify: number | null;
  fit: number | null; intent: number | null; created_at: string; tags: string | null; email: string | null;
}

function where(f: LeadFilter): { sql: string; params: Record<string, string | number> } {
  const parts: string[] = [];
  const params: Record<string, string | number> = {};
  const q = (f.q ?? '').trim().slice(0, 200);
  if (q) {
    // LIKE with escaped wildcards: a search for "100%" means the text, not a pattern.
    params.q = `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    // LIKE is case-insensitive for ASCII; the contacts subquery runs once, not per lead.
    parts.push(`(l.domain LIKE @q ESCAPE '\\' OR l.company LIKE @q ESCAPE '\\'
      OR l.id IN (SELECT c.lead_id FROM contacts c WHERE c.email LIKE @q ESCAPE '\\'))`);
  }
  if (f.stage) { parts.push('l.stage = @stage'); params.stage = f.stage; }
  if (f.country) { parts.push('l.country = @country'); params.country = f.country.toUpperCase(); }
  if (f.tag) { parts.push('EXISTS (SELECT 1 FROM lead_tags t WHERE t.lead_id = l.id AND t.tag = @tag)'); params.tag = f.tag; }
  if (f.minFit !== undefined && Number.isFinite(f.minFit)) { parts.push('s.fit >= @minFit'); params.minFit = f.minFit; }
  if (f.minIntent !== undefined && Number.isFinite(f.minIntent)) { parts.push('s.intent >= @minIntent'); params.minIntent = f.minIntent; }
  if (f.shopify === 'yes') parts.push('l.is_shopify = 1');
  if (f.shopify === 'no') parts.push('(l.is_shopify = 0 OR l.is_shopify IS NULL)');
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export function listLeads(db: Db, f: LeadFilter): { rows: LeadRow[]; total: number; page: number; pages: number } {
  const w = where(f);
  const sortCol = SORTS[f.sort ?? 'created'] ?? 'l.id';
  const dir = f.dir === 'asc' ? 'ASC' : 'DESC';
  const page = Math.max(1, Math.floor(f.page ?? 1));
  const total = (db.sqlite.prepare(`SELECT count(*) AS n FROM leads l LEFT JOIN scores s ON s.lead_id = l.id ${w.sql}`).get(w.params) as { n: number }).n;
  const rows = db.sqlite
    .prepare(
      `SELECT l.id, l.domain, l.company, l.country, l.stage, l.is_shopify, s.fit, s.intent, l.created_at,
        (SELECT group_concat(tag, ', ') FROM lead_tags t WHERE t.lead_id = l.id) AS tags,
        (SELECT email FROM contacts c WHERE c.lead_id = l.id ORDER BY c.is_primary DESC, c.id LIMIT 1) AS email
      FROM leads l LEFT JOIN scores s ON s.lead_id = l.id ${w.sql}
      ORDER BY ${sortCol} ${dir} NULLS LAST, l.id ${dir} LIMIT ${PAGE_SIZE} OFFSET ${(page - 1) * PAGE_SIZE}`,
    )
    .all(w.params) as LeadRow[];
  return { rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

/** Ids of every lead matching a filter (for "apply to all matching"), capped. */
export function matchingLeadIds(db: Db, f: LeadFilter, cap = 100_000): number[] {
  const w = where(f);
  return (db.sqlite.prepare(`SELECT l.id FROM leads l LEFT JOIN scores s ON s.lead_id = l.id ${w.sql} ORDER BY l.id LIMIT ${cap}`).all(w.params) as { id: number }[]).map((r) => r.id);
}

export function filterOptions(db: Db): { stages: string[]; tags: string[]; countries: string[] } {
  const col = (sql: string) => (db.sqlite.prepare(sql).all() as { v: string }[]).map((r) => r.v);
  return {
    stages: col(`SELECT DISTINCT stage AS v FROM leads WHERE stage IS NOT NULL ORDER BY 1`),
    tags: col(`SELECT DISTINCT tag AS v FROM lead_tags ORDER BY 1 LIMIT 500`),
    countries: col(`SELECT DISTINCT country AS v FROM leads WHERE country IS NOT NULL ORDER BY 1 LIMIT 300`),
  };
}

// ---------------------------------------------------------------------------------------------

export interface TimelineItem {
  at: string;
  kind: 'event' | 'message' | 'reply' | 'draft';
  title: string;
  detail: string | null;
  label?: string | null;
}

export interface LeadDetail {
  lead: Record<string, unknown> & { id: number; domain: string; company: string | null; url: string | null; stage: string };
  tags: string[];
  contacts: { id: number; email: string; first_name: string | null; last_name: string | null; title: string | null; validation: string; is_primary: number; source_url: string | null }[];
  facts: { key: string; value: string; source_url: string | null; observed_at: string }[];
  score: { fit: number; intent: number; fit_confidence: number; intent_confidence: number; factors: unknown[]; profile_version: string; scored_at: string } | null;
  drafts: { id: number; status: string; subject: string; body_text: string; campaign: string | null; step: number | null; variant: string | null; compliance: string | null; claims: string | null; created_at: string; review_note: string | null }[];
  enrollments: { campaign: string; status: string; stop_reason: string | null }[];
  timeline: TimelineItem[];
  suppressed: string | null;
}

export function leadDetail(db: Db, id: number): LeadDetail | null {
  const s = db.sqlite;
  // domain_unicode is stored only for an IDN (NULL when it is the domain itself): shown filled either way
  const lead = s.prepare(`SELECT *, COALESCE(domain_unicode, domain) AS domain_unicode FROM leads WHERE id = ?`).get(id) as LeadDetail['lead'] | undefined;
  if (!lead) return null;
  const score = s.prepare(`SELECT fit, intent, fit_confidence, intent_confidence, factors, profile_version, scored_at FROM scores WHERE lead_id = ?`).get(id) as
    | (Omit<NonNullable<LeadDetail['score']>, 'factors'> & { factors: string })
    | undefined;
  let factors: unknown[] = [];
  if (score) {
    try {
      const parsed = JSON.parse(score.factors) as unknown;
      factors = Array.isArray(parsed) ? parsed : [];
    } catch {
      factors = [];
    }
  }
  const timeline: TimelineItem[] = [];
  for (const e of s.prepare(`SELECT type, at, data FROM events WHERE lead_id = ? ORDER BY at DESC LIMIT 500`).all(id) as { type: string; at: string; data: string | null }[]) {
    timeline.push({ at: e.at, kind: 'event', title: e.type, detail: e.data });
  }
  for (const m of s.prepare(`SELECT state, to_email, subject, sent_at, created_at, smtp_response, last_error FROM messages WHERE lead_id = ? ORDER BY id DESC LIMIT 200`).all(id) as {
    state: string; to_email: string; subject: string | null; sent_at: string | null; created_at: string; smtp_response: string | null; last_error: string | null;
  }[]) {
    timeline.push({ at: m.sent_at ?? m.created_at, kind: 'message', title: `message ${m.state} to ${m.to_email}`, detail: [m.subject, m.last_error ?? m.smtp_response].filter(Boolean).join(' · ') || null, label: m.state });
  }
  for (const r of s.prepare(`SELECT from_email, subject, received_at, label, body_text, reason FROM inbound WHERE lead_id = ? ORDER BY received_at DESC LIMIT 200`).all(id) as {
    from_email: string | null; subject: string | null; received_at: string; label: string | null; body_text: string | null; reason: string | null;
  }[]) {
    timeline.push({ at: r.received_at, kind: 'reply', title: `${r.label ?? 'unclassified'} from ${r.from_email ?? 'unknown'}${r.subject ? `: ${r.subject}` : ''}`, detail: r.body_text, label: r.label });
  }
  const drafts = s
    .prepare(
      `SELECT d.id, d.status, d.subject, d.body_text, c.name AS campaign, st.position AS step, v.label AS variant, d.compliance, d.claims, d.created_at, d.review_note
       FROM drafts d LEFT JOIN enrollments e ON e.id = d.enrollment_id LEFT JOIN campaigns c ON c.id = e.campaign_id
       LEFT JOIN steps st ON st.id = d.step_id LEFT JOIN variants v ON v.id = d.variant_id
       WHERE d.lead_id = ? ORDER BY d.id DESC LIMIT 100`,
    )
    .all(id) as LeadDetail['drafts'];
  for (const d of drafts) timeline.push({ at: d.created_at, kind: 'draft', title: `draft ${d.status}: ${d.subject}`, detail: null, label: d.status });
  timeline.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const sup = s.prepare(`SELECT reason FROM suppressions WHERE kind = 'domain' AND value = ?`).get(lead.domain) as { reason: string } | undefined;
  return {
    lead,
    tags: (s.prepare(`SELECT tag FROM lead_tags WHERE lead_id = ? ORDER BY tag`).all(id) as { tag: string }[]).map((r) => r.tag),
    contacts: s.prepare(`SELECT id, email, first_name, last_name, title, validation, is_primary, source_url FROM contacts WHERE lead_id = ? ORDER BY is_primary DESC, id`).all(id) as LeadDetail['contacts'],
    facts: s.prepare(`SELECT key, value, source_url, observed_at FROM facts WHERE lead_id = ? ORDER BY key, id LIMIT 1000`).all(id) as LeadDetail['facts'],
    score: score ? { ...score, factors } : null,
    drafts,
    enrollments: s.prepare(`SELECT c.name AS campaign, e.status, e.stop_reason FROM enrollments e JOIN campaigns c ON c.id = e.campaign_id WHERE e.lead_id = ? ORDER BY e.id`).all(id) as LeadDetail['enrollments'],
    timeline,
    suppressed: sup?.reason ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Bulk actions

export const TAG_RE = /^[\p{L}\p{N}][\p{L}\p{N} _.:-]{0,63}$/u;

export function tagLeads(db: Db, ids: number[], tag: string): number {
  const ins = db.sqlite.prepare(`INSERT OR IGNORE INTO lead_tags (lead_id, tag) SELECT id, ? FROM leads WHERE id = ?`);
  return tx(db, () => {
    let n = 0;
    for (const id of ids) {
      if (ins.run(tag, id).changes) {
        n++;
        addEvent(db, { leadId: id, type: 'tagged', data: { tag, source: 'serve' } });
      }
    }
    return n;
  });
}

/** Stops the lead's active or paused enrollments; returns how many. */
function stopEnrollments(db: Db, leadId: number, reason: string): number {
  return db.sqlite
    .prepare(`UPDATE enrollments SET status = 'stopped', stop_reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE lead_id = ? AND status IN ('active','paused')`)
    .run(reason, leadId).changes;
}

/** Suppresses each lead's whole domain (never mail anyone there again) and stops its sequences. */
export function suppressLeads(db: Db, ids: number[], note = 'suppressed from the dashboard'): number {
  const get = db.sqlite.prepare(`SELECT id, domain FROM leads WHERE id = ?`);
  return tx(db, () => {
    let n = 0;
    for (const id of ids) {
      const lead = get.get(id) as { id: number; domain: string } | undefined;
      if (!lead) continue;
      const added = addSuppression(db, { kind: 'domain', value: lead.domain.replace(/:\d+$/, ''), reason: 'manual', source: 'serve', note });
      const stopped = stopEnrollments(db, id, 'suppressed');
      if (added || stopped) {
        n++;
        addEvent(db, { leadId: id, type: 'suppressed', data: { kind: 'domain', value: lead.domain, source: 'serve', stoppedEnrollments: stopped } });
      }
    }
    return n;
  });
}

export function exportLeads(db: Db, ids: number[]): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [['id', 'domain', 'company', 'country', 'stage', 'is_shopify', 'fit', 'intent', 'email', 'tags']];
  const get = db.sqlite.prepare(
    `SELECT l.id, l.domain, l.company, l.country, l.stage, l.is_shopify, s.fit, s.intent,
      (SELECT email FROM contacts c WHERE c.lead_id = l.id ORDER BY c.is_primary DESC, c.id LIMIT 1) AS email,
      (SELECT group_concat(tag, ';') FROM lead_tags t WHERE t.lead_id = l.id) AS tags
     FROM leads l LEFT JOIN scores s ON s.lead_id = l.id WHERE l.id = ?`,
  );
  for (const id of ids) {
    const r = get.get(id) as Record<string, string | number | null> | undefined;
    if (r) rows.push([r.id!, r.domain!, r.company ?? null, r.country ?? null, r.stage!, r.is_shopify ?? null, r.fit ?? null, r.intent ?? null, r.email ?? null, r.tags ?? null]);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Draft review

export interface DraftRow {
  id: number; status: string; subject: string; body_text: string; lead_id: number; domain: string; company: string | null;
  campaign: string | null; step: number | null; variant: string | null; compliance: string | null; claims: string | null; created_at: string;
}

export function listDrafts(db: Db, status: string, limit = 100): DraftRow[] {
  return db.sqlite
    .prepare(
      `SELECT d.id, d.status, d.subject, d.body_text, d.lead_id, l.domain, l.company, c.name AS campaign, st.position AS step, v.label AS variant,
        d.compliance, d.claims, d.created_at
       FROM drafts d JOIN leads l ON l.id = d.lead_id LEFT JOIN enrollments e ON e.id = d.enrollment_id LEFT JOIN campaigns c ON c.id = e.campaign_id
       LEFT JOIN steps st ON st.id = d.step_id LEFT JOIN variants v ON v.id = d.variant_id
       WHERE d.status = ? ORDER BY d.id LIMIT ?`,
    )
    .all(status, limit) as DraftRow[];
}

export function draftCounts(db: Db): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of db.sqlite.prepare(`SELECT status, count(*) AS n FROM drafts GROUP BY status`).all() as { status: string; n: number }[]) out[r.status] = r.n;
  return out;
}

/** Compliance rules the draft stage recorded as failing (an approved draft must have none). */
export function failingRules(compliance: string | null): string[] {
  if (!compliance) return [];
  try {
    const rules = JSON.parse(compliance) as { rule?: string; ok?: boolean; message?: string }[];
    return Array.isArray(rules) ? rules.filter((r) => r && r.ok === false).map((r) => String(r.message ?? r.rule ?? 'rule')) : [];
  } catch {
    return [];
  }
}

export type ReviewResult = { ok: true; status: string } | { ok: false; reason: string };

export function reviewDraft(db: Db, id: number, action: 'approve' | 'reject' | 'save', input: { note?: string; subject?: string; body?: string } = {}): ReviewResult {
  return tx(db, () => {
    const d = db.sqlite.prepare(`SELECT d.id, d.status, d.lead_id, d.body_text, d.compliance, e.campaign_id FROM drafts d LEFT JOIN enrollments e ON e.id = d.enrollment_id WHERE d.id = ?`).get(id) as
      | { id: number; status: string; lead_id: number; body_text: string; compliance: string | null; campaign_id: number | null }
      | undefined;
    if (!d) return { ok: false, reason: 'No such draft.' };
    if (d.status !== 'pending') return { ok: false, reason: `The draft is ${d.status}, not pending: it was reviewed already.` };
    const note = input.note?.slice(0, 2000) || null;
    if (action === 'save') {
      const subject = (input.subject ?? '').trim();
      const body = (input.body ?? '').replace(/\r\n/g, '\n');
      if (!subject || subject.length > 300) return { ok: false, reason: 'The subject must be 1 to 300 characters.' };
      if (!body.trim() || body.length > 20_000) return { ok: false, reason: 'The body must be 1 to 20,000 characters.' };
      if (/[\r\n]/.test(subject)) return { ok: false, reason: 'The subject must be one line.' };
      if (d.body_text.includes(UNSUBSCRIBE_URL_MARKER) && !body.includes(UNSUBSCRIBE_URL_MARKER)) {
        return { ok: false, reason: `Keep the unsubscribe marker ${UNSUBSCRIBE_URL_MARKER} in the body: send puts the one-click link there.` };
      }
      db.sqlite
        .prepare(`UPDATE drafts SET subject = ?, body_text = ?, body_html = NULL, review_note = coalesce(?, review_note), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
        .run(subject, body, note, id);
      addEvent(db, { leadId: d.lead_id, type: 'draft_edited', campaignId: d.campaign_id, data: { draftId: id, source: 'serve' } });
      return { ok: true, status: 'pending' };
    }
    if (action === 'approve') {
      const failing = failingRules(d.compliance);
      if (failing.length) return { ok: false, reason: `Compliance checks fail: ${failing.join('; ')}` };
    }
    const status = action === 'approve' ? 'approved' : 'rejected';
    db.sqlite
      .prepare(`UPDATE drafts SET status = ?, reviewed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), review_note = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ? AND status = 'pending'`)
      .run(status, note, id);
    addEvent(db, { leadId: d.lead_id, type: action === 'approve' ? 'approved' : 'rejected_draft', campaignId: d.campaign_id, data: { draftId: id, source: 'serve', note } });
    return { ok: true, status };
  });
}

// ---------------------------------------------------------------------------------------------
// One-click unsubscribe

export interface MessageRef {
  id: number; lead_id: number | null; campaign_id: number | null; to_email: string; draft_id: number | null; message_id: string;
}

/** The outbound message a token names (its Message-ID stored with or without angle brackets). */
export function findMessage(db: Db, messageId: string): MessageRef | null {
  const bare = messageId.replace(/^<|>$/g, '');
  return (
    (db.sqlite.prepare(`SELECT id, lead_id, campaign_id, to_email, draft_id, message_id FROM messages WHERE message_id IN (?, ?) LIMIT 1`).get(`<${bare}>`, bare) as MessageRef | undefined) ?? null
  );
}

/**
 * Suppresses the address the message went to, stops the lead's sequences, cancels mail still queued
 * to that address and records an 'unsubscribed' event, once: repeating it changes nothing.
 */
export function unsubscribe(db: Db, m: MessageRef, via: string): { added: boolean } {
  return tx(db, () => unsubscribeInTx(db, m, via));
}

/**
 * unsubscribe() inside the caller's write transaction. `requestedAt` is when the request arrived, when it is
 * applied later (from the spool, ./spool.ts): the suppression and the event carry that time.
 */
export function unsubscribeInTx(db: Db, m: MessageRef, via: string, requestedAt?: string): { added: boolean } {
  const email = m.to_email.toLowerCase();
  // A forgotten person (GDPR erasure) is already suppressed by a hash: never store the address again in clear.
  const forgotten = !email.includes('@') || isForgotten(db, 'email', email);
  const added = !forgotten && addSuppression(db, {
    kind: 'email',
    value: email,
    reason: 'unsubscribed',
    source: 'serve',
    note: requestedAt ? `one-click (${via}), received ${requestedAt} while the database was busy` : `one-click (${via})`,
    at: requestedAt,
  });
  let stopped = 0;
  let cancelled = 0;
  if (m.lead_id !== null) stopped = stopEnrollments(db, m.lead_id, 'unsubscribed');
  cancelled = db.sqlite
    .prepare(`UPDATE messages SET state = 'cancelled', last_error = 'unsubscribed', claimed_by = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
      WHERE to_email IN (?, ?) AND state IN ('queued','deferred')`)
    .run(m.to_email, email).changes;
  if (added || stopped || cancelled) {
    if (m.lead_id !== null) {
      db.sqlite.prepare(`UPDATE leads SET stage = 'unsubscribed', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`).run(m.lead_id);
    }
    addEvent(db, {
      leadId: m.lead_id,
      type: 'unsubscribed',
      at: requestedAt,
      campaignId: m.campaign_id,
      messageId: m.id,
      data: { source: 'serve', via, stoppedEnrollments: stopped, cancelledMessages: cancelled, ...(requestedAt ? { spooled: true } : {}) },
    });
  }
  return { added };
}

export function isEmailSuppressed(db: Db, email: string): boolean {
  return Boolean(db.sqlite.prepare(`SELECT 1 FROM suppressions WHERE kind = 'email' AND value = ?`).get(email.toLowerCase()));
}

// ---------------------------------------------------------------------------------------------
// Tracking (optional, off by default)

/** The http(s) links a message carried: its draft's text and HTML bodies. */
export function messageLinks(db: Db, m: MessageRef): Set<string> {
  const out = new Set<string>();
  if (m.draft_id === null) return out;
  const d = db.sqlite.prepare(`SELECT body_text, body_html FROM drafts WHERE id = ?`).get(m.draft_id) as { body_text: string; body_html: string | null } | undefined;
  if (!d) return out;
  const text = `${d.body_text}\n${d.body_html ?? ''}`.replace(/&amp;/g, '&');
  for (const match of text.matchAll(/https?:\/\/[^\s<>"'`)\]]+/gi)) {
    out.add(match[0].replace(/[.,;:!?]+$/, ''));
  }
  return out;
}

export function recordTracking(db: Db, m: MessageRef, type: 'opened' | 'clicked', data: Record<string, unknown>): void {
  tx(db, () => {
    if (type === 'opened' && m.lead_id !== null) {
      // One open per message is enough: image proxies fetch the pixel many times.
      const seen = db.sqlite.prepare(`SELECT 1 FROM events WHERE lead_id = ? AND type = 'opened' AND message_id = ? LIMIT 1`).get(m.lead_id, m.id);
      if (seen) return;
    }
    addEvent(db, { leadId: m.lead_id, type, campaignId: m.campaign_id, messageId: m.id, data });
  });
}
