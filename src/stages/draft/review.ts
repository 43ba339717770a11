// Review: list drafts, show one beside the lead's facts and scores, approve (compliance is checked again,
// with the current settings and suppression list), edit, reject. A draft that fails compliance cannot be approved.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { addEvent } from '../../db/events.js';
import { UserError } from '../../errors.js';
import type { RuleResult } from '../../domain/compliance.js';
import type { Claim } from '../../domain/claims.js';
import { joinBody, splitBody } from '../../domain/template.js';
import { campaignSteps, getCampaign } from '../campaign/index.js';
import { evaluate, loadLeadContext, supportFor, type DraftEnv, type LeadContext } from './context.js';
import { templateOf } from './index.js';
import { resolveOffer } from './templates.js';

export type DraftStatus = 'pending' | 'approved' | 'rejected' | 'blocked' | 'sent';
export const DRAFT_STATUSES: DraftStatus[] = ['pending', 'approved', 'rejected', 'blocked', 'sent'];

export interface DraftRow {
  id: number;
  campaign: string;
  campaignId: number;
  enrollmentId: number;
  leadId: number;
  domain: string;
  email: string | null;
  step: number;
  variant: string | null;
  status: DraftStatus;
  subject: string;
  bodyText: string;
  compliance: RuleResult[];
  claims: Claim[];
  provider: string;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  error: string | null;
  reviewedAt: string | null;
  reviewNote: string | null;
  createdAt: string;
}

const SELECT = `SELECT d.*, c.name AS campaign_name, c.id AS campaign_id, l.domain, ct.email, s.position, v.label
  FROM drafts d
  JOIN enrollments e ON e.id = d.enrollment_id
  JOIN campaigns c ON c.id = e.campaign_id
  JOIN leads l ON l.id = d.lead_id
  JOIN steps s ON s.id = d.step_id
  LEFT JOIN variants v ON v.id = d.variant_id
  LEFT JOIN contacts ct ON ct.id = d.contact_id`;

function toRow(r: any): DraftRow {
  return {
    id: r.id,
    campaign: r.campaign_name,
    campaignId: r.campaign_id,
    enrollmentId: r.enrollment_id,
    leadId: r.lead_id,
    domain: r.domain,
    email: r.email ?? null,
    step: r.position,
    variant: r.label ?? null,
    status: r.status,
    subject: r.subject,
    bodyText: r.body_text,
    compliance: r.compliance ? JSON.parse(r.compliance) : [],
    claims: r.claims ? JSON.parse(r.claims) : [],
    provider: r.provider,
    model: r.model,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cacheReadTokens: r.cache_read_tokens,
    cacheWriteTokens: r.cache_write_tokens,
    costUsd: r.cost_usd,
    error: r.error,
    reviewedAt: r.reviewed_at,
    reviewNote: r.review_note,
    createdAt: r.created_at,
  };
}

export interface ListFilter {
  campaign?: string;
  status?: DraftStatus;
  leadId?: number;
  limit?: number;
}

/** Drafts in review order: campaign, lead (enrollment), step. */
export function listDrafts(db: Db, f: ListFilter = {}): DraftRow[] {
  if (f.campaign) getCampaign(db, f.campaign); // a clear error for an unknown name
  const rows = db.sqlite
    .prepare(
      `${SELECT} WHERE (@campaign IS NULL OR c.name = @campaign) AND (@status IS NULL OR d.status = @status) AND (@lead IS NULL OR d.lead_id = @lead)
       ORDER BY c.id, d.enrollment_id, s.position LIMIT @limit`,
    )
    .all({ campaign: f.campaign ?? null, status: f.status ?? null, lead: f.leadId ?? null, limit: f.limit ?? -1 });
  return rows.map(toRow);
}

export function getDraft(db: Db, id: number): DraftRow {
  const r = db.sqlite.prepare(`${SELECT} WHERE d.id = ?`).get(id);
  if (!r) throw new UserError(`No draft ${id}.`, 'List drafts with `outreach draft list`.');
  return toRow(r);
}

export interface DraftDetail {
  draft: DraftRow;
  lead: LeadContext;
  sequence: { step: number; status: string; subject: string }[];
}

export function draftDetail(db: Db, id: number): DraftDetail {
  const draft = getDraft(db, id);
  const contactId = (db.sqlite.prepare('SELECT contact_id FROM drafts WHERE id = ?').get(id) as { contact_id: number | null }).contact_id;
  const lead = loadLeadContext(db, draft.leadId, contactId);
  const sequence = (
    db.sqlite
      .prepare('SELECT s.position, d.status, d.subject FROM drafts d JOIN steps s ON s.id = d.step_id WHERE d.enrollment_id = ? ORDER BY s.position')
      .all(draft.enrollmentId) as { position: number; status: string; subject: string }[]
  ).map((x) => ({ step: x.position, status: x.status, subject: x.subject }));
  return { draft, lead, sequence };
}

/** Runs compliance and claims again on a draft's current text (settings and suppressions may have changed). */
function recheck(db: Db, env: DraftEnv, d: DraftRow, subject = d.subject, bodyText = d.bodyText) {
  const contactId = (db.sqlite.prepare('SELECT contact_id FROM drafts WHERE id = ?').get(d.id) as { contact_id: number | null }).contact_id;
  const lead = loadLeadContext(db, d.leadId, contactId);
  const campaign = getCampaign(db, d.campaign);
  const step = campaignSteps(db, campaign.id).find((s) => s.position === d.step);
  const variant = step?.variants.find((v) => v.label === d.variant);
  const earlier = (
    db.sqlite
      .prepare('SELECT d.subject, d.body_text FROM drafts d JOIN steps s ON s.id = d.step_id WHERE d.enrollment_id = ? AND s.position < ? ORDER BY s.position')
      .all(d.enrollmentId, d.step) as { subject: string; body_text: string }[]
  ).map((x) => ({ subject: x.subject, body: splitBody(x.body_text).body }));
  let support: string[] = [];
  try {
    if (variant) support = supportFor(templateOf(variant, env.templateDirs), null, resolveOffer(campaign.offer, env.templateDirs), earlier);
  } catch {
    support = [];
  }
  return evaluate(db, env, lead, { subject, bodyText, position: d.step }, support);
}

export interface ApproveOutcome {
  id: number;
  approved: boolean;
  failures: RuleResult[];
  claims: Claim[];
}

/** Approves a draft if it passes compliance now; otherwise marks it blocked and says why. */
export function approveDraft(db: Db, env: DraftEnv, id: number, opts: { runId?: number | null; note?: string } = {}): ApproveOutcome {
  const d = getDraft(db, id);
  if (d.status === 'approved') return { id, approved: true, failures: [], claims: d.claims };
  if (d.status === 'sent') throw new UserError(`Draft ${id} was already sent.`);
  if (!d.bodyText) throw new UserError(`Draft ${id} has no text: ${d.error ?? 'it could not be written'}.`, 'Fix the cause, then run `outreach draft` again, or regenerate it in review.');
  const ev = recheck(db, env, d);
  const linkClaims = ev.claims.filter((c) => c.kind === 'link');
  const failures = [
    ...ev.compliance.filter((r) => !r.ok),
    ...linkClaims.map((c) => ({ rule: 'claims', ok: false, message: c.message, fix: 'Remove the link.' })),
  ];
  tx(db, () => {
    if (failures.length) {
      db.sqlite
        .prepare(`UPDATE drafts SET status = 'blocked', compliance = ?, claims = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
        .run(JSON.stringify(ev.compliance), JSON.stringify(ev.claims), id);
      addEvent(db, { leadId: d.leadId, type: 'blocked', campaignId: d.campaignId, runId: opts.runId ?? null, data: { draftId: id, step: d.step, reasons: failures.map((f) => f.message) } });
    } else {
      db.sqlite
        .prepare(
          `UPDATE drafts SET status = 'approved', compliance = ?, claims = ?, reviewed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), review_note = COALESCE(?, review_note),
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ? AND status NOT IN ('sent')`,
        )
        .run(JSON.stringify(ev.compliance), JSON.stringify(ev.claims), opts.note ?? null, id);
      reopenEnrollment(db, d.enrollmentId);
      addEvent(db, { leadId: d.leadId, type: 'approved', campaignId: d.campaignId, runId: opts.runId ?? null, data: { draftId: id, step: d.step } });
    }
  });
  return { id, approved: failures.length === 0, failures, claims: ev.claims };
}

/** Rejects a draft. Rejecting any step stops the lead's sequence (send never skips a step). */
export function rejectDraft(db: Db, id: number, opts: { runId?: number | null; note?: string } = {}): void {
  const d = getDraft(db, id);
  if (d.status === 'sent') throw new UserError(`Draft ${id} was already sent.`);
  tx(db, () => {
    db.sqlite
      .prepare(`UPDATE drafts SET status = 'rejected', reviewed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), review_note = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
      .run(opts.note ?? null, id);
    db.sqlite
      .prepare(`UPDATE enrollments SET status = 'stopped', stop_reason = 'draft rejected in review', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ? AND status IN ('active', 'paused')`)
      .run(d.enrollmentId);
    addEvent(db, { leadId: d.leadId, type: 'rejected_draft', campaignId: d.campaignId, runId: opts.runId ?? null, data: { draftId: id, step: d.step, note: opts.note ?? null } });
  });
}

/**
 * Saves an edited subject and body. The footer (identity, address, unsubscribe line) is kept from the draft when
 * the edit dropped it; the result is checked again and is pending (or blocked) until approved.
 */
export function editDraft(db: Db, env: DraftEnv, id: number, edit: { subject: string; body: string }, opts: { runId?: number | null } = {}): ApproveOutcome {
  const d = getDraft(db, id);
  if (d.status === 'sent' || d.status === 'approved') throw new UserError(`Draft ${id} is ${d.status}; it cannot be edited.`);
  const subject = edit.subject.replace(/\s+/g, ' ').trim();
  const edited = splitBody(edit.body.replace(/\r\n/g, '\n'));
  const footer = edited.footer || splitBody(d.bodyText).footer;
  const bodyText = joinBody(edited.body, footer);
  const ev = recheck(db, env, d, subject, bodyText);
  const failures = [...ev.compliance.filter((r) => !r.ok), ...ev.claims.filter((c) => c.kind === 'link').map((c) => ({ rule: 'claims', ok: false, message: c.message, fix: 'Remove the link.' }))];
  const status = failures.length ? 'blocked' : 'pending';
  tx(db, () => {
    db.sqlite
      .prepare(
        `UPDATE drafts SET subject = ?, body_text = ?, status = ?, compliance = ?, claims = ?, error = NULL, review_note = 'edited', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
      )
      .run(subject, bodyText, status, JSON.stringify(ev.compliance), JSON.stringify(ev.claims), id);
    if (status === 'blocked') addEvent(db, { leadId: d.leadId, type: 'blocked', campaignId: d.campaignId, runId: opts.runId ?? null, data: { draftId: id, step: d.step, edited: true, reasons: failures.map((f) => f.message) } });
    reopenEnrollment(db, d.enrollmentId);
  });
  return { id, approved: false, failures, claims: ev.claims };
}

export interface ApproveAllResult {
  approved: number[];
  blocked: { id: number; domain: string; step: number; failures: string[] }[];
  flagged: { id: number; domain: string; step: number; claims: string[] }[];
}

/**
 * Scripted approval of every pending draft (of one campaign), compliance enforced. Drafts whose claims check
 * flagged something stay pending for a human unless `includeFlagged`.
 */
export function approveAll(db: Db, env: DraftEnv, opts: { campaign?: string; includeFlagged?: boolean; limit?: number; runId?: number | null } = {}): ApproveAllResult {
  const out: ApproveAllResult = { approved: [], blocked: [], flagged: [] };
  for (const d of listDrafts(db, { campaign: opts.campaign, status: 'pending', limit: opts.limit })) {
    if (d.claims.length && !opts.includeFlagged) {
      out.flagged.push({ id: d.id, domain: d.domain, step: d.step, claims: d.claims.map((c) => c.message) });
      continue;
    }
    const r = approveDraft(db, env, d.id, { runId: opts.runId, note: 'approved with --approve-all' });
    if (r.approved) out.approved.push(d.id);
    else out.blocked.push({ id: d.id, domain: d.domain, step: d.step, failures: r.failures.map((f) => `${f.rule}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`) });
  }
  return out;
}

/** A lead stopped only because review rejected a draft goes back into the sequence once no draft is rejected. */
export function reopenEnrollment(db: Db, enrollmentId: number): void {
  db.sqlite
    .prepare(
      `UPDATE enrollments SET status = 'active', stop_reason = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
       WHERE id = ? AND status = 'stopped' AND stop_reason = 'draft rejected in review'
         AND NOT EXISTS (SELECT 1 FROM drafts WHERE enrollment_id = ? AND status = 'rejected')`,
    )
    .run(enrollmentId, enrollmentId);
}
