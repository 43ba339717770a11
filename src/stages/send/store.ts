// The send stage's SQL: candidates (approved drafts and open messages), claims, and every state change of a
// message with its side effects (draft, enrollment, lead stage, events, suppressions), each in one place.
import type { Db } from '../../db/open.js';
import { addEvent } from '../../db/events.js';
import { addSuppression } from '../../db/suppressions.js';
import { advanceStageSql } from '../../domain/lead.js';
import { q } from './statements.js';

/** One thing that could be sent: an approved draft without a message yet, or a queued/deferred message. */
export interface Candidate {
  draft_id: number;
  enrollment_id: number;
  step_id: number;
  variant_id: number | null;
  lead_id: number;
  contact_id: number | null;
  campaign_id: number;
  campaign_name: string;
  campaign_status: string;
  position: number;
  delay_days: number;
  subject: string;
  body_text: string;
  body_html: string | null;
  enrollment_status: string;
  paused_until: string | null;
  thread_mailbox_id: number | null;
  thread_message_id: string | null;
  lead_domain: string;
  lead_country: string | null;
  lead_stage: string;
  email: string | null;
  /** Set when a message row exists already (queued, deferred). */
  message_row_id: number | null;
  message_id: string | null;
  message_state: string | null;
  message_mailbox_id: number | null;
  attempts: number;
  next_attempt_at: string | null;
}

const CANDIDATE_COLUMNS = `
  d.id AS draft_id, d.enrollment_id, d.step_id, d.variant_id, d.lead_id, COALESCE(d.contact_id, e.contact_id) AS contact_id,
  e.campaign_id, c.name AS campaign_name, c.status AS campaign_status, s.position, s.delay_days,
  d.subject, d.body_text, d.body_html, e.status AS enrollment_status, e.paused_until,
  e.mailbox_id AS thread_mailbox_id, e.thread_message_id, l.domain AS lead_domain, l.country AS lead_country, l.stage AS lead_stage,
  ct.email AS email`;

const CANDIDATE_FROM = `
  FROM drafts d
  JOIN enrollments e ON e.id = d.enrollment_id
  JOIN campaigns c ON c.id = e.campaign_id
  JOIN steps s ON s.id = d.step_id
  JOIN leads l ON l.id = d.lead_id
  LEFT JOIN contacts ct ON ct.id = COALESCE(d.contact_id, e.contact_id)`;

/** The condition of db/enrollments.ts resumeDuePauses: an out-of-office pause whose end has come. */
const DUE_PAUSE = `e.status = 'paused' AND e.stop_reason = 'out_of_office' AND e.paused_until IS NOT NULL AND e.paused_until <= @resumeAt`;

/** Enrollments a real run would resume first (resumeDuePauses), read only: for --dry-run. */
export function duePausedEnrollments(db: Db, nowIso: string): Set<number> {
  return new Set((q(db, `SELECT e.id FROM enrollments e WHERE ${DUE_PAUSE}`).all({ resumeAt: nowIso }) as { id: number }[]).map((r) => r.id));
}

/**
 * What may be sent, as ids in sending order: open messages (queued, or deferred and due) first, then
 * approved drafts without a message (follow-ups before first emails, then by id). Only ids: each one
 * is read again, fresh, inside the claiming transaction. With `resumeAt` (--dry-run, which cannot resume
 * anything), drafts of enrollments whose out-of-office pause is over by then count as active, as they will
 * be in the real run.
 */
export function candidateKeys(db: Db, campaign: string | null, nowIso: string, resumeAt: string | null = null): { messages: number[]; drafts: number[] } {
  const messages = (
    q(db, 
        `SELECT m.id FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id
         WHERE (m.state = 'queued' OR (m.state = 'deferred' AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= @now)))
           AND (@campaign IS NULL OR c.name = @campaign)
         ORDER BY m.id`,
      )
      .all({ now: nowIso, campaign }) as { id: number }[]
  ).map((r) => r.id);
  const drafts = (
    q(db, 
        `SELECT d.id FROM drafts d
         JOIN enrollments e ON e.id = d.enrollment_id
         JOIN campaigns c ON c.id = e.campaign_id
         JOIN steps s ON s.id = d.step_id
         WHERE d.status = 'approved' AND ${resumeAt === null ? `e.status = 'active'` : `(e.status = 'active' OR (${DUE_PAUSE}))`} AND c.status = 'active'
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.draft_id = d.id)
           AND (@campaign IS NULL OR c.name = @campaign)
         ORDER BY s.position DESC, d.id`,
      )
      .all(resumeAt === null ? { campaign } : { campaign, resumeAt }) as { id: number }[]
  ).map((r) => r.id);
  return { messages, drafts };
}

/** A draft as a candidate, read fresh; undefined once it has a message or is no longer approved. */
export function draftCandidate(db: Db, draftId: number): Candidate | undefined {
  return q(db, 
      `SELECT ${CANDIDATE_COLUMNS}, NULL AS message_row_id, NULL AS message_id, NULL AS message_state, NULL AS message_mailbox_id,
              0 AS attempts, NULL AS next_attempt_at
       ${CANDIDATE_FROM}
       WHERE d.id = ? AND d.status = 'approved' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.draft_id = d.id)`,
    )
    .get(draftId) as Candidate | undefined;
}

/** An open message as a candidate, read fresh; undefined once it is no longer queued or due. */
export function messageCandidate(db: Db, rowId: number, nowIso: string): Candidate | undefined {
  return q(db, 
      `SELECT ${CANDIDATE_COLUMNS}, m.id AS message_row_id, m.message_id, m.state AS message_state, m.mailbox_id AS message_mailbox_id,
              m.attempts, m.next_attempt_at
       FROM messages m
       JOIN drafts d ON d.id = m.draft_id
       JOIN enrollments e ON e.id = d.enrollment_id
       JOIN campaigns c ON c.id = e.campaign_id
       JOIN steps s ON s.id = d.step_id
       JOIN leads l ON l.id = d.lead_id
       LEFT JOIN contacts ct ON ct.id = COALESCE(d.contact_id, e.contact_id)
       WHERE m.id = @id AND (m.state = 'queued' OR (m.state = 'deferred' AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= @now)))`,
    )
    .get({ id: rowId, now: nowIso }) as Candidate | undefined;
}

export interface ThreadMessage {
  id: number;
  message_id: string;
  subject: string | null;
  sent_at: string | null;
  state: string;
  position: number;
  mailbox_id: number | null;
}

/** The enrollment's earlier messages, in step order. */
export function threadMessages(db: Db, enrollmentId: number): ThreadMessage[] {
  return q(db, 
      `SELECT m.id, m.message_id, m.subject, m.sent_at, m.state, s.position, m.mailbox_id
       FROM messages m JOIN steps s ON s.id = m.step_id
       WHERE m.enrollment_id = ? ORDER BY s.position, m.id`,
    )
    .all(enrollmentId) as ThreadMessage[];
}

/** Position of the step before this one in the campaign (null for the first step). */
export function previousPosition(db: Db, campaignId: number, position: number): number | null {
  const r = q(db, 'SELECT MAX(position) AS p FROM steps WHERE campaign_id = ? AND position < ?').get(campaignId, position) as {
    p: number | null;
  };
  return r.p;
}

export function isLastStep(db: Db, campaignId: number, position: number): boolean {
  return !q(db, 'SELECT 1 FROM steps WHERE campaign_id = ? AND position > ? LIMIT 1').get(campaignId, position);
}

/** Did the lead write back (a human reply or an unsubscribe request)? */
export function leadReplied(db: Db, leadId: number): boolean {
  return Boolean(
    q(db, `SELECT 1 FROM inbound WHERE lead_id = ? AND label IN ('WARM','COLD','NEUTRAL','UNSUBSCRIBE') LIMIT 1`)
      .get(leadId),
  );
}

/** Messages sent (or possibly sent) to a recipient domain since a time: per-domain throttling. */
export function sentToDomainSince(db: Db, domain: string, sinceIso: string): number {
  const like = '%@' + domain.replace(/[\\%_]/g, (c) => '\\' + c);
  // Sent ones through the (mailbox_id, sent_at) index: only the last hour's rows are read.
  const r = q(db, 
      `SELECT (SELECT COUNT(*) FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes) AND sent_at >= @since AND +state = 'sent' AND to_email LIKE @like ESCAPE '\\')
            + (SELECT COUNT(*) FROM messages WHERE state IN ('sending','unknown') AND claimed_at >= @since AND to_email LIKE @like ESCAPE '\\') AS n`,
    )
    .get({ since: sinceIso, like }) as { n: number };
  return r.n;
}

export function stopEnrollment(db: Db, enrollmentId: number, reason: string): boolean {
  const r = q(db, 
      `UPDATE enrollments SET status = 'stopped', stop_reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
       WHERE id = ? AND status IN ('active','paused')`,
    )
    .run(reason, enrollmentId);
  return r.changes > 0;
}

export interface NewMessage {
  draftId: number;
  enrollmentId: number;
  leadId: number;
  contactId: number | null;
  campaignId: number;
  stepId: number;
  variantId: number | null;
  mailboxId: number;
  toEmail: string;
  fromEmail: string;
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string | null;
}

/** Inserts the message for a draft and claims it at once (queued → sending). Returns its row id. */
export function insertClaimed(db: Db, m: NewMessage, claimedBy: string, nowIso: string, runId: number | null): number {
  const r = q(db, 
      `INSERT INTO messages (draft_id, enrollment_id, lead_id, contact_id, campaign_id, step_id, variant_id, mailbox_id, to_email, from_email,
         subject, message_id, in_reply_to, "references", state, attempts, claimed_by, claimed_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?, ?, ?) RETURNING id`,
    )
    .get(
      m.draftId, m.enrollmentId, m.leadId, m.contactId, m.campaignId, m.stepId, m.variantId, m.mailboxId, m.toEmail, m.fromEmail,
      m.subject, m.messageId, m.inReplyTo, m.references, claimedBy, nowIso, nowIso, nowIso,
    ) as { id: number };
  addEvent(db, { leadId: m.leadId, type: 'queued', campaignId: m.campaignId, messageId: r.id, runId, at: nowIso, data: { messageId: m.messageId } });
  return r.id;
}

/** Claims an open message (queued or deferred → sending), possibly moved to another mailbox. */
export function claimExisting(
  db: Db,
  rowId: number,
  claimedBy: string,
  nowIso: string,
  change: { mailboxId: number; fromEmail: string; messageId: string; toEmail: string; subject: string; inReplyTo: string | null; references: string | null },
): boolean {
  const r = q(db, 
      `UPDATE messages SET state = 'sending', attempts = attempts + 1, claimed_by = ?, claimed_at = ?, mailbox_id = ?, from_email = ?,
         message_id = ?, to_email = ?, subject = ?, in_reply_to = ?, "references" = ?, updated_at = ?
       WHERE id = ? AND (state = 'queued' OR (state = 'deferred' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)))`,
    )
    .run(claimedBy, nowIso, change.mailboxId, change.fromEmail, change.messageId, change.toEmail, change.subject, change.inReplyTo, change.references, nowIso, rowId, nowIso);
  return r.changes === 1;
}

export function cancelMessage(db: Db, rowId: number, reason: string, nowIso: string): void {
  q(db, `UPDATE messages SET state = 'cancelled', last_error = ?, claimed_by = NULL, updated_at = ? WHERE id = ? AND state IN ('queued','deferred','unknown')`)
    .run(reason, nowIso, rowId);
}

export interface MessageRef {
  id: number;
  leadId: number;
  campaignId: number;
  enrollmentId: number;
  draftId: number;
  mailboxId: number;
  messageId: string;
  position: number;
  toEmail: string;
}

/** sending|unknown → sent, with every side effect, in the caller's transaction. */
export function markSent(db: Db, m: MessageRef, p: { nowIso: string; sentAt: string; response: string; from: 'sending' | 'unknown'; claimedBy?: string; runId: number | null; lastStep: boolean }): boolean {
  const r = q(db, 
      `UPDATE messages SET state = 'sent', sent_at = ?, smtp_response = ?, last_error = NULL, claimed_by = NULL, updated_at = ?
       WHERE id = ? AND state = ? AND (? IS NULL OR claimed_by = ?)`,
    )
    .run(p.sentAt, p.response, p.nowIso, m.id, p.from, p.claimedBy ?? null, p.claimedBy ?? null);
  if (r.changes !== 1) return false;
  q(db, `UPDATE drafts SET status = 'sent', updated_at = ? WHERE id = ?`).run(p.nowIso, m.draftId);
  q(db, 
      `UPDATE enrollments SET mailbox_id = COALESCE(mailbox_id, ?), thread_message_id = COALESCE(thread_message_id, ?),
         status = CASE WHEN ? AND status = 'active' THEN 'completed' ELSE status END, updated_at = ?
       WHERE id = ?`,
    )
    .run(m.mailboxId, m.messageId, p.lastStep ? 1 : 0, p.nowIso, m.enrollmentId);
  q(db, `UPDATE leads SET stage = ${advanceStageSql('@stage')}, updated_at = @now WHERE id = @id`).run({ stage: 'contacted', now: p.nowIso, id: m.leadId });
  // Only the first message writes (an UPDATE that changes nothing still rewrites the page).
  q(db, `UPDATE mailboxes SET ramp_started_at = ? WHERE id = ? AND ramp_started_at IS NULL`).run(p.sentAt, m.mailboxId);
  addEvent(db, {
    leadId: m.leadId,
    type: 'sent',
    campaignId: m.campaignId,
    messageId: m.id,
    runId: p.runId,
    at: p.sentAt,
    data: { messageId: m.messageId, to: m.toEmail, step: m.position, mailboxId: m.mailboxId, ...(p.from === 'unknown' ? { resolvedFrom: 'unknown' } : {}) },
  });
  return true;
}

/** sending → deferred (retry after a backoff) or failed after too many attempts. */
export function markDeferred(db: Db, m: MessageRef, p: { nowIso: string; nextAttemptAt: string; reason: string; giveUp: boolean; runId: number | null }): void {
  q(db, 
      `UPDATE messages SET state = ?, next_attempt_at = ?, last_error = ?, smtp_response = ?, claimed_by = NULL, updated_at = ? WHERE id = ? AND state = 'sending'`,
    )
    .run(p.giveUp ? 'failed' : 'deferred', p.giveUp ? null : p.nextAttemptAt, p.reason, p.reason, p.nowIso, m.id);
  addEvent(db, {
    leadId: m.leadId,
    type: p.giveUp ? 'failed' : 'deferred',
    campaignId: m.campaignId,
    messageId: m.id,
    runId: p.runId,
    at: p.nowIso,
    data: { messageId: m.messageId, reason: p.reason, ...(p.giveUp ? { gaveUp: true } : { nextAttemptAt: p.nextAttemptAt }) },
  });
}

/** sending → failed; a hard bounce also suppresses the address and stops the enrollment. */
export function markFailed(db: Db, m: MessageRef, p: { nowIso: string; reason: string; hardBounce: boolean; runId: number | null }): void {
  q(db, `UPDATE messages SET state = 'failed', last_error = ?, smtp_response = ?, claimed_by = NULL, updated_at = ? WHERE id = ? AND state = 'sending'`)
    .run(p.reason, p.reason, p.nowIso, m.id);
  addEvent(db, { leadId: m.leadId, type: 'failed', campaignId: m.campaignId, messageId: m.id, runId: p.runId, at: p.nowIso, data: { messageId: m.messageId, reason: p.reason } });
  if (p.hardBounce) {
    addSuppression(db, { kind: 'email', value: m.toEmail, reason: 'bounced', source: 'send', note: p.reason.slice(0, 500) });
    q(db, `UPDATE leads SET stage = ${advanceStageSql('@stage')}, updated_at = @now WHERE id = @id`).run({ stage: 'bounced', now: p.nowIso, id: m.leadId });
    stopEnrollment(db, m.enrollmentId, 'bounced');
    addEvent(db, { leadId: m.leadId, type: 'bounced', campaignId: m.campaignId, messageId: m.id, runId: p.runId, at: p.nowIso, data: { email: m.toEmail, bounce: 'hard', reason: p.reason, source: 'send' } });
  }
}

/** sending → unknown: the server may have it. Never retried blindly; `send --resolve-unknown` settles it. */
export function markUnknown(db: Db, m: { id: number; leadId: number | null; campaignId: number | null; messageId: string }, p: { nowIso: string; reason: string; runId: number | null }): boolean {
  const r = q(db, `UPDATE messages SET state = 'unknown', last_error = ?, updated_at = ? WHERE id = ? AND state = 'sending'`)
    .run(p.reason, p.nowIso, m.id);
  if (r.changes === 1) {
    addEvent(db, { leadId: m.leadId, type: 'unknown', campaignId: m.campaignId, messageId: m.id, runId: p.runId, at: p.nowIso, data: { messageId: m.messageId, reason: p.reason } });
  }
  return r.changes === 1;
}

/** A claim made ahead becomes the one being sent: its `:ahead` mark goes, right before its SMTP transaction. */
export function startClaim(db: Db, rowId: number, aheadBy: string, claimedBy: string): boolean {
  return q(db, `UPDATE messages SET claimed_by = ? WHERE id = ? AND state = 'sending' AND claimed_by = ?`).run(claimedBy, rowId, aheadBy).changes === 1;
}

/** sending → queued: it provably never reached the server (connection refused, login failed, ...). */
export function releaseClaim(db: Db, rowId: number, reason: string, nowIso: string): void {
  q(db, 
      `UPDATE messages SET state = 'queued', attempts = MAX(0, attempts - 1), claimed_by = NULL, claimed_at = NULL, last_error = ?, updated_at = ? WHERE id = ? AND state = 'sending'`,
    )
    .run(reason, nowIso, rowId);
}

/** unknown → queued after the Sent folder showed it was never accepted. Keeps its Message-ID. */
export function requeueUnknown(db: Db, m: { id: number; leadId: number | null; campaignId: number | null; messageId: string }, p: { nowIso: string; reason: string; runId: number | null }): boolean {
  const r = q(db, `UPDATE messages SET state = 'queued', claimed_by = NULL, claimed_at = NULL, last_error = ?, updated_at = ? WHERE id = ? AND state = 'unknown'`)
    .run(p.reason, p.nowIso, m.id);
  if (r.changes === 1) {
    addEvent(db, { leadId: m.leadId, type: 'queued', campaignId: m.campaignId, messageId: m.id, runId: p.runId, at: p.nowIso, data: { messageId: m.messageId, resolved: p.reason } });
  }
  return r.changes === 1;
}

export interface ClaimRow {
  id: number;
  message_id: string;
  lead_id: number | null;
  campaign_id: number | null;
  claimed_by: string | null;
  claimed_at: string | null;
}

export function sendingClaims(db: Db): ClaimRow[] {
  return q(db, `SELECT id, message_id, lead_id, campaign_id, claimed_by, claimed_at FROM messages WHERE state = 'sending'`).all() as ClaimRow[];
}

export interface UnknownRow {
  id: number;
  message_id: string;
  mailbox_id: number | null;
  lead_id: number | null;
  campaign_id: number | null;
  enrollment_id: number | null;
  draft_id: number | null;
  step_id: number | null;
  to_email: string;
  claimed_at: string | null;
  position: number | null;
}

export function unknownMessages(db: Db, campaign: string | null): UnknownRow[] {
  return q(db, 
      `SELECT m.id, m.message_id, m.mailbox_id, m.lead_id, m.campaign_id, m.enrollment_id, m.draft_id, m.step_id, m.to_email, m.claimed_at,
              s.position
       FROM messages m LEFT JOIN steps s ON s.id = m.step_id LEFT JOIN campaigns c ON c.id = m.campaign_id
       WHERE m.state = 'unknown' AND (? IS NULL OR c.name = ?) ORDER BY m.id`,
    )
    .all(campaign, campaign) as UnknownRow[];
}

/**
 * Mail the inbox stage already read that names this Message-ID: a reply (In-Reply-To/References) or a
 * bounce quoting it (in the raw text kept). Proof that the message left our server.
 */
export function inboundEvidence(db: Db, messageId: string, sinceIso: string | null): { id: number; label: string | null; from: string | null; how: 'reply' | 'quoted' } | undefined {
  const bracketed = `<${messageId}>`;
  const r = q(db,
      `SELECT id, label, from_email AS "from",
              CASE WHEN instr(COALESCE(in_reply_to, ''), @b) > 0 OR instr(COALESCE("references", ''), @b) > 0 THEN 'reply' ELSE 'quoted' END AS how
       FROM inbound
       WHERE (@since IS NULL OR received_at >= @since)
         AND (instr(COALESCE(in_reply_to, ''), @b) > 0 OR instr(COALESCE("references", ''), @b) > 0 OR instr(CAST(raw AS TEXT), @id) > 0)
       ORDER BY how DESC, id LIMIT 1`,
    )
    .get({ b: bracketed, id: messageId, since: sinceIso }) as { id: number; label: string | null; from: string | null; how: 'reply' | 'quoted' } | undefined;
  return r;
}

export interface MessageForSettle extends UnknownRow {
  state: string;
  mailbox_name: string | null;
  append_sent: number | null;
  campaign_name: string | null;
  last_error: string | null;
  subject: string | null;
}

const SETTLE_SELECT = `SELECT m.id, m.message_id, m.mailbox_id, m.lead_id, m.campaign_id, m.enrollment_id, m.draft_id, m.step_id, m.to_email, m.claimed_at,
         s.position, m.state, mb.name AS mailbox_name, mb.append_sent, c.name AS campaign_name, m.last_error, m.subject
       FROM messages m LEFT JOIN steps s ON s.id = m.step_id LEFT JOIN campaigns c ON c.id = m.campaign_id LEFT JOIN mailboxes mb ON mb.id = m.mailbox_id`;

/** A message by its Message-ID (with or without angle brackets) or its row id. */
export function findMessage(db: Db, ref: string): MessageForSettle | undefined {
  const t = ref.trim().replace(/^<|>$/g, '');
  if (/^\d+$/.test(t)) return q(db, `${SETTLE_SELECT} WHERE m.id = ?`).get(Number(t)) as MessageForSettle | undefined;
  return q(db, `${SETTLE_SELECT} WHERE m.message_id = ?`).get(t) as MessageForSettle | undefined;
}

export function unknownDetails(db: Db, campaign: string | null): MessageForSettle[] {
  return q(db, `${SETTLE_SELECT} WHERE m.state = 'unknown' AND (? IS NULL OR c.name = ?) ORDER BY m.id`).all(campaign, campaign) as MessageForSettle[];
}

/** unknown → failed, settled by the operator: it did not go out and is not to be retried. */
export function failUnknown(db: Db, m: { id: number; leadId: number | null; campaignId: number | null; messageId: string }, p: { nowIso: string; reason: string; runId: number | null }): boolean {
  const r = q(db, `UPDATE messages SET state = 'failed', last_error = ?, claimed_by = NULL, updated_at = ? WHERE id = ? AND state = 'unknown'`).run(p.reason, p.nowIso, m.id);
  if (r.changes === 1) {
    addEvent(db, { leadId: m.leadId, type: 'failed', campaignId: m.campaignId, messageId: m.id, runId: p.runId, at: p.nowIso, data: { messageId: m.messageId, reason: p.reason, resolvedFrom: 'unknown' } });
  }
  return r.changes === 1;
}
