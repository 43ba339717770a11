// A lead's stage: the furthest point it has reached in the pipeline. Stages only move forward,
// except the terminal ones (rejected, bounced, unsubscribed) which any stage may set.
export const LEAD_STAGES = [
  'new', // imported or found, not checked yet
  'confirmed', // runs Shopify (discover)
  'enriched', // facts recorded (enrich)
  'scored', // fit and intent computed (score)
  'drafted', // at least one draft written (draft)
  'contacted', // first email sent (send)
  'replied', // a human reply arrived (inbox)
] as const;
export const TERMINAL_STAGES = ['rejected', 'bounced', 'unsubscribed'] as const;
export type LeadStage = (typeof LEAD_STAGES)[number] | (typeof TERMINAL_STAGES)[number];
export const ALL_STAGES: readonly LeadStage[] = [...LEAD_STAGES, ...TERMINAL_STAGES];

export function stageRank(s: string): number {
  const i = (LEAD_STAGES as readonly string[]).indexOf(s);
  return i === -1 ? 100 : i; // terminal stages rank above all
}

/**
 * SQL fragment to move a lead's stage forward only: `UPDATE leads SET stage = ${advanceStageSql("'scored'")} ...`.
 * The argument appears several times in the fragment: pass a quoted literal or a named parameter (`@stage`),
 * never a positional `?`.
 */
export function advanceStageSql(param: string): string {
  const order = LEAD_STAGES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ');
  return `CASE WHEN (CASE stage ${order} ELSE 100 END) < (CASE ${param} ${order} ELSE 100 END) THEN ${param} ELSE stage END`;
}

/** Event types written to the timeline, in the user's words. */
export const EVENT_TYPES = [
  'imported', 'discovered', 'confirmed', 'rejected', 'enriched', 'enrich_failed', 'scored', 'enrolled', 'drafted',
  'approved', 'rejected_draft', 'blocked', 'queued', 'sent', 'deferred', 'failed', 'unknown', 'bounced', 'replied',
  'auto_reply', 'unsubscribed', 'complained', 'suppressed', 'tagged', 'forgotten', 'clicked', 'opened', 'paused', 'resumed', 'stopped',
  'removal_requested',
] as const;

/**
 * The inbox labels of a person's answer, as an SQL list: the conversation is human from then on (no sequence, no new
 * campaign, a reply in the report). UNRELATED (mail that answers nothing we sent) and the automatic labels are not.
 */
export const HUMAN_REPLY_LABELS_SQL = `('WARM', 'COLD', 'NEUTRAL')`;

/** The label of the latest human reply of the lead aliased `l`, or NULL (an SQL scalar subquery). */
export const LATEST_HUMAN_REPLY_SQL = `(SELECT i.label FROM inbound i WHERE i.lead_id = l.id AND i.label IN ${HUMAN_REPLY_LABELS_SQL} ORDER BY i.received_at DESC, i.id DESC LIMIT 1)`;
