// The named SQL behind every report figure, in one place. Each builder returns plain SQL text with
// named parameters (@since, @campaign, ...) for one scope, so the same text runs in better-sqlite3
// and, for the benchmark, in the `sqlite3` tool. Queries aggregate in SQL and lean on the indexes of
// src/db/schema.ts (inbound_label_idx, events_type_at_idx, messages_mailbox_sent_idx, the primary keys).
// `+state` keeps SQLite off messages_state_idx where most rows match ('sent'): one sequential scan
// costs less than an index walk plus a table lookup per row.
import { HUMAN_REPLY_LABELS_SQL } from '../../domain/lead.js';

export interface Scope {
  /** ISO-8601 UTC lower bound (inclusive) on each figure's own timestamp. */
  since?: string | null;
  /** Only this campaign's enrollments, drafts, messages and replies. */
  campaignId?: number | null;
}

export interface NamedQuery {
  name: string;
  sql: string;
  params: Record<string, string | number | null>;
}

/** Inbound labels that are a person answering (not a bounce, auto-reply, unsubscribe request or UNRELATED mail). */
const HUMAN_LABELS = HUMAN_REPLY_LABELS_SQL;
/** A 5xx SMTP reply at send time: a bounce the server told us about at once. */
const REJECTED_5XX = `coalesce(smtp_response, last_error, '') GLOB '5[0-9][0-9]*'`;

function params(scope: Scope, extra: Record<string, string | number | null> = {}): Record<string, string | number | null> {
  const p: Record<string, string | number | null> = { ...extra };
  if (scope.since) p.since = scope.since;
  if (scope.campaignId != null) p.campaign = scope.campaignId;
  return p;
}

const since = (scope: Scope, col: string) => (scope.since ? ` AND ${col} >= @since` : '');

/** Leads counted by the funnel: all of them, or those enrolled in the campaign. */
function leadCounts(scope: Scope): NamedQuery {
  const from = scope.campaignId != null ? `enrollments e JOIN leads l ON l.id = e.lead_id WHERE e.campaign_id = @campaign` : `leads l WHERE 1`;
  const f = (cond: string, col: string) =>
    scope.since ? `count(*) FILTER (WHERE ${cond}${cond ? ' AND ' : ''}${col} >= @since)` : cond ? `count(*) FILTER (WHERE ${cond})` : 'count(*)';
  const sql = `SELECT ${f('', 'l.created_at')} AS discovered,
  ${f('l.is_shopify = 1', 'coalesce(l.checked_at, l.created_at)')} AS shopify,
  ${f(`l.enrich_status = 'done'`, 'coalesce(l.enriched_at, l.created_at)')} AS enriched
FROM ${from}`;
  return { name: 'funnel.leads', sql, params: params(scope) };
}

function scoredCount(scope: Scope): NamedQuery {
  const sql =
    scope.campaignId != null
      ? `SELECT count(*) AS scored FROM enrollments e JOIN scores s ON s.lead_id = e.lead_id WHERE e.campaign_id = @campaign${since(scope, 's.scored_at')}`
      : `SELECT count(*) AS scored FROM scores s WHERE 1${since(scope, 's.scored_at')}`;
  return { name: 'funnel.scored', sql, params: params(scope) };
}

function draftCounts(scope: Scope): NamedQuery {
  const from = scope.campaignId != null ? `drafts d JOIN enrollments e ON e.id = d.enrollment_id WHERE e.campaign_id = @campaign` : `drafts d WHERE 1`;
  const sql = scope.since
    ? `SELECT count(*) FILTER (WHERE d.created_at >= @since) AS drafted,
  count(*) FILTER (WHERE d.status IN ('approved','sent') AND coalesce(d.reviewed_at, d.updated_at) >= @since) AS approved
FROM ${from}`
    : `SELECT count(*) AS drafted, count(*) FILTER (WHERE d.status IN ('approved','sent')) AS approved FROM ${from}`;
  return { name: 'funnel.drafts', sql, params: params(scope) };
}

function messageCounts(scope: Scope): NamedQuery {
  const camp = scope.campaignId != null ? ` AND campaign_id = @campaign` : '';
  const sentCond = `state = 'sent'${since(scope, 'sent_at')}`;
  const rejCond = `state = 'failed' AND ${REJECTED_5XX}${since(scope, 'updated_at')}`;
  const sql = `SELECT count(*) FILTER (WHERE ${sentCond}) AS sent,
  count(DISTINCT lead_id) FILTER (WHERE ${sentCond}) AS contacted,
  count(*) FILTER (WHERE ${rejCond}) AS rejected
FROM messages WHERE +state IN ('sent','failed')${camp}`;
  return { name: 'funnel.messages', sql, params: params(scope) };
}

function bouncedCount(scope: Scope): NamedQuery {
  const sql = `SELECT count(DISTINCT i.outbound_id) AS bounced
FROM inbound i JOIN messages m ON m.id = i.outbound_id
WHERE i.label = 'BOUNCE' AND m.state = 'sent'${scope.campaignId != null ? ' AND m.campaign_id = @campaign' : ''}${since(scope, 'i.received_at')}`;
  return { name: 'funnel.bounced', sql, params: params(scope) };
}

/** Replies attributed to the campaign through the message they answer, or (unmatched to a message) the lead's enrollment. */
function replyScope(scope: Scope): string {
  return scope.campaignId != null
    ? ` AND (m.campaign_id = @campaign OR (i.outbound_id IS NULL AND i.lead_id IN (SELECT lead_id FROM enrollments WHERE campaign_id = @campaign)))`
    : '';
}

function replyCounts(scope: Scope): NamedQuery {
  const sql = `SELECT count(DISTINCT coalesce(i.lead_id, m.lead_id)) AS replied,
  count(DISTINCT coalesce(i.lead_id, m.lead_id)) FILTER (WHERE i.label = 'WARM') AS warm,
  count(*) AS replies
FROM inbound i LEFT JOIN messages m ON m.id = i.outbound_id
WHERE i.label IN ${HUMAN_LABELS} AND coalesce(i.lead_id, m.lead_id) IS NOT NULL${replyScope(scope)}${since(scope, 'i.received_at')}`;
  return { name: 'funnel.replies', sql, params: params(scope) };
}

/**
 * Addresses that opted out (suppression reason, or an UNSUBSCRIBE reply, addressed through the message it
 * answers) or complained; de-duplicated by address. A complaint (an ARF report is classified UNSUBSCRIBE
 * and comes from the provider's feedback address) counts as a complaint only, never also as an opt-out.
 */
function optOutCounts(scope: Scope): NamedQuery {
  const camp =
    scope.campaignId != null
      ? ` AND email IN (SELECT to_email FROM messages WHERE campaign_id = @campaign AND state = 'sent')`
      : '';
  const sql = `WITH complained AS (
  SELECT value AS email FROM suppressions WHERE kind = 'email' AND reason = 'complained'${since(scope, 'created_at')}
)
SELECT (SELECT count(DISTINCT email) FROM (
    SELECT value AS email FROM suppressions WHERE kind = 'email' AND reason = 'unsubscribed'${since(scope, 'created_at')}
    UNION ALL
    SELECT lower(coalesce(m.to_email, i.from_email)) FROM inbound i LEFT JOIN messages m ON m.id = i.outbound_id
    WHERE i.label = 'UNSUBSCRIBE' AND coalesce(m.to_email, i.from_email) IS NOT NULL${since(scope, 'i.received_at')}
  ) WHERE email NOT IN (SELECT value FROM suppressions WHERE kind = 'email' AND reason = 'complained')${camp}) AS unsubscribed,
  (SELECT count(DISTINCT email) FROM complained WHERE 1${camp}) AS complained`;
  return { name: 'funnel.optouts', sql, params: params(scope) };
}

export function funnelQueries(scope: Scope): NamedQuery[] {
  return [leadCounts(scope), scoredCount(scope), draftCounts(scope), messageCounts(scope), bouncedCount(scope), replyCounts(scope), optOutCounts(scope)];
}

// ---------------------------------------------------------------------------------------------
// Campaigns: the same figures grouped by campaign.

export function campaignQueries(scope: Scope): NamedQuery[] {
  const p = params(scope);
  const c = (col: string) => (scope.campaignId != null ? ` AND ${col} = @campaign` : '');
  return [
    { name: 'campaigns.list', sql: `SELECT id, name, status, created_at FROM campaigns WHERE 1${c('id')} ORDER BY id`, params: p },
    {
      name: 'campaigns.enrollments',
      sql: `SELECT campaign_id, count(*) AS enrolled, count(*) FILTER (WHERE status = 'active') AS active,
  count(*) FILTER (WHERE status = 'stopped') AS stopped, count(*) FILTER (WHERE status = 'completed') AS completed
FROM enrollments WHERE 1${c('campaign_id')}${since(scope, 'created_at')} GROUP BY campaign_id`,
      params: p,
    },
    {
      name: 'campaigns.drafts',
      sql: `SELECT e.campaign_id, count(*) AS drafted, count(*) FILTER (WHERE d.status IN ('approved','sent')) AS approved,
  count(*) FILTER (WHERE d.status = 'pending') AS pending
FROM drafts d JOIN enrollments e ON e.id = d.enrollment_id WHERE 1${c('e.campaign_id')}${since(scope, 'd.created_at')} GROUP BY e.campaign_id`,
      params: p,
    },
    {
      name: 'campaigns.messages',
      sql: `SELECT campaign_id, count(*) AS sent, count(DISTINCT lead_id) AS contacted
FROM messages WHERE +state = 'sent' AND campaign_id IS NOT NULL${c('campaign_id')}${since(scope, 'sent_at')} GROUP BY campaign_id`,
      params: p,
    },
    {
      name: 'campaigns.inbound',
      sql: `SELECT m.campaign_id, count(DISTINCT i.outbound_id) FILTER (WHERE i.label = 'BOUNCE') AS bounced,
  count(DISTINCT m.lead_id) FILTER (WHERE i.label IN ${HUMAN_LABELS}) AS replied,
  count(DISTINCT m.lead_id) FILTER (WHERE i.label = 'WARM') AS warm
FROM inbound i JOIN messages m ON m.id = i.outbound_id
WHERE i.label IN ('WARM','COLD','NEUTRAL','BOUNCE') AND m.state = 'sent' AND m.campaign_id IS NOT NULL${c('m.campaign_id')}${since(scope, 'i.received_at')}
GROUP BY m.campaign_id`,
      params: p,
    },
    {
      name: 'campaigns.spend',
      sql: `SELECT campaign_id, sum(cost_usd) AS cost_usd FROM spend WHERE campaign_id IS NOT NULL${c('campaign_id')}${since(scope, 'at')} GROUP BY campaign_id`,
      params: p,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// A/B: sends and replies per variant, via messages.variant_id (the variant actually sent).

export function variantQueries(scope: Scope): NamedQuery[] {
  const p = params(scope);
  const c = (col: string) => (scope.campaignId != null ? ` AND ${col} = @campaign` : '');
  return [
    {
      name: 'variants.list',
      sql: `SELECT v.id AS variant_id, v.label, v.weight, s.id AS step_id, s.position, c.id AS campaign_id, c.name AS campaign
FROM variants v JOIN steps s ON s.id = v.step_id JOIN campaigns c ON c.id = s.campaign_id WHERE 1${c('c.id')}
ORDER BY c.id, s.position, v.label`,
      params: p,
    },
    {
      name: 'variants.sent',
      sql: `SELECT variant_id, count(*) AS sent FROM messages
WHERE +state = 'sent' AND variant_id IS NOT NULL${c('campaign_id')}${since(scope, 'sent_at')} GROUP BY variant_id`,
      params: p,
    },
    {
      // Each sent message counts once, however many replies its thread got.
      name: 'variants.replies',
      sql: `SELECT variant_id, count(*) AS replies, sum(warm) AS warm FROM (
  SELECT m.variant_id, max(i.label = 'WARM') AS warm
  FROM inbound i JOIN messages m ON m.id = i.outbound_id
  WHERE i.label IN ${HUMAN_LABELS} AND m.state = 'sent' AND m.variant_id IS NOT NULL${c('m.campaign_id')}${since(scope, 'm.sent_at')}
  GROUP BY i.outbound_id
) GROUP BY variant_id`,
      params: p,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Mailbox health: sends per day against cap and ramp, bounces, complaints.

export function mailboxQueries(scope: Scope, fromDay: string): NamedQuery[] {
  const p = params(scope, { from: fromDay });
  const c = (col: string) => (scope.campaignId != null ? ` AND ${col} = @campaign` : '');
  return [
    {
      name: 'mailboxes.list',
      sql: `SELECT id, name, email, status, status_reason, daily_cap, ramp_start, ramp_step, ramp_started_at FROM mailboxes ORDER BY id`,
      params: p,
    },
    {
      name: 'mailboxes.daily',
      sql: `SELECT mailbox_id, substr(sent_at, 1, 10) AS day, count(*) AS sent FROM messages
WHERE mailbox_id IN (SELECT id FROM mailboxes) AND sent_at >= @from AND +state = 'sent'${c('campaign_id')} GROUP BY mailbox_id, day`,
      params: p,
    },
    {
      name: 'mailboxes.totals',
      sql: `SELECT mailbox_id, count(*) FILTER (WHERE state = 'sent') AS sent,
  count(*) FILTER (WHERE state = 'failed' AND ${REJECTED_5XX}) AS rejected
FROM messages NOT INDEXED
WHERE mailbox_id IS NOT NULL AND state IN ('sent','failed')${c('campaign_id')}${scope.since ? ' AND coalesce(sent_at, updated_at) >= @since' : ''}
GROUP BY mailbox_id`,
      params: p,
    },
    {
      // From the (short) complaint list to the messages sent to those addresses (messages_to_email_idx);
      // CROSS JOIN keeps SQLite from walking all messages instead.
      name: 'mailboxes.complained',
      sql: `SELECT m.mailbox_id, count(DISTINCT m.to_email) AS complained
FROM suppressions s CROSS JOIN messages m ON m.to_email = s.value
WHERE s.kind = 'email' AND s.reason = 'complained' AND +m.state = 'sent' AND m.mailbox_id IS NOT NULL${c('m.campaign_id')}${since(scope, 'm.sent_at')}
GROUP BY m.mailbox_id`,
      params: p,
    },
    {
      name: 'mailboxes.bounced',
      sql: `SELECT m.mailbox_id, count(DISTINCT i.outbound_id) AS bounced
FROM inbound i JOIN messages m ON m.id = i.outbound_id
WHERE i.label = 'BOUNCE' AND m.state = 'sent' AND m.mailbox_id IS NOT NULL${c('m.campaign_id')}${since(scope, 'm.sent_at')}
GROUP BY m.mailbox_id`,
      params: p,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Spend: model tokens and cost.

export function spendQueries(scope: Scope): NamedQuery[] {
  const p = params(scope);
  const c = (col: string) => (scope.campaignId != null ? ` AND ${col} = @campaign` : '');
  return [
    {
      name: 'spend.byModel',
      sql: `SELECT purpose, provider, coalesce(model, '') AS model, count(*) AS calls,
  sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
  sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens, sum(cost_usd) AS cost_usd
FROM spend WHERE 1${c('campaign_id')}${since(scope, 'at')} GROUP BY purpose, provider, model ORDER BY purpose, cost_usd DESC`,
      params: p,
    },
    draftCounts(scope),
    replyCounts(scope),
  ];
}

// ---------------------------------------------------------------------------------------------
// Responses: time to first reply, replies per step, scores of leads that replied against those that did not.

export function responseQueries(scope: Scope): NamedQuery[] {
  const p = params(scope);
  const c = (col: string) => (scope.campaignId != null ? ` AND ${col} = @campaign` : '');
  return [
    {
      // First human reply per lead against the lead's first send before it.
      name: 'responses.firstReply',
      sql: `WITH r AS (
  SELECT coalesce(i.lead_id, m.lead_id) AS lead_id, min(i.received_at) AS first_reply
  FROM inbound i LEFT JOIN messages m ON m.id = i.outbound_id
  WHERE i.label IN ${HUMAN_LABELS} AND coalesce(i.lead_id, m.lead_id) IS NOT NULL${replyScope(scope)}${since(scope, 'i.received_at')}
  GROUP BY 1
)
SELECT r.lead_id, (julianday(r.first_reply) - julianday(
  (SELECT min(m2.sent_at) FROM messages m2 WHERE m2.lead_id = r.lead_id AND m2.state = 'sent' AND m2.sent_at <= r.first_reply${c('m2.campaign_id')})
)) * 24.0 AS hours
FROM r`,
      params: p,
    },
    {
      name: 'responses.sentPerStep',
      sql: `SELECT s.position, count(*) AS sent FROM messages m JOIN steps s ON s.id = m.step_id
WHERE +m.state = 'sent'${c('m.campaign_id')}${since(scope, 'm.sent_at')} GROUP BY s.position ORDER BY s.position`,
      params: p,
    },
    {
      name: 'responses.repliesPerStep',
      sql: `SELECT s.position, count(DISTINCT i.outbound_id) AS replies, count(DISTINCT i.outbound_id) FILTER (WHERE i.label = 'WARM') AS warm
FROM inbound i JOIN messages m ON m.id = i.outbound_id JOIN steps s ON s.id = m.step_id
WHERE i.label IN ${HUMAN_LABELS} AND m.state = 'sent'${c('m.campaign_id')}${since(scope, 'm.sent_at')}
GROUP BY s.position ORDER BY s.position`,
      params: p,
    },
    {
      // Histogram (10-point buckets) of fit and intent for contacted leads, split by whether they replied.
      name: 'responses.scores',
      sql: `WITH contacted AS (
  SELECT DISTINCT lead_id FROM messages WHERE +state = 'sent' AND lead_id IS NOT NULL${c('campaign_id')}${since(scope, 'sent_at')}
), replied AS (
  SELECT DISTINCT coalesce(i.lead_id, m.lead_id) AS lead_id
  FROM inbound i LEFT JOIN messages m ON m.id = i.outbound_id
  WHERE i.label IN ${HUMAN_LABELS}${replyScope(scope)}
)
SELECT (c.lead_id IN (SELECT lead_id FROM replied)) AS replied,
  max(0, min(9, s.fit / 10)) AS fit_bucket, max(0, min(9, s.intent / 10)) AS intent_bucket,
  count(*) AS n, sum(s.fit) AS fit_sum, sum(s.intent) AS intent_sum
FROM contacted c JOIN scores s ON s.lead_id = c.lead_id
GROUP BY 1, 2, 3`,
      params: p,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// WARM replies: the people to answer now, newest first (inbound_label_idx finds them). A WARM reply is
// listed even when it could not be tied to a lead (the operator must still see it) unless a campaign
// scope asks for that campaign's replies only; the campaign shown is the one of the message answered,
// else the lead's latest enrollment (in the scoped campaign when there is one).

export function warmQueries(scope: Scope, limit: number): NamedQuery[] {
  const p = params(scope, { limit: Math.max(0, Math.floor(limit)) });
  const where = `i.label = 'WARM'${replyScope(scope)}${since(scope, 'i.received_at')}`;
  return [
    {
      name: 'warm.list',
      sql: `SELECT i.id, i.message_id, i.from_email, i.from_name, i.subject, i.received_at, i.body_text, i.confidence, i.reason, i.classifier,
  l.domain AS lead, l.company, l.stage AS lead_stage,
  (SELECT c.name FROM campaigns c WHERE c.id = coalesce(m.campaign_id,
    (SELECT e.campaign_id FROM enrollments e WHERE e.lead_id = coalesce(i.lead_id, m.lead_id)${scope.campaignId != null ? ' AND e.campaign_id = @campaign' : ''} ORDER BY e.id DESC LIMIT 1))) AS campaign
FROM inbound i LEFT JOIN messages m ON m.id = i.outbound_id
LEFT JOIN leads l ON l.id = coalesce(i.lead_id, m.lead_id)
WHERE ${where}
ORDER BY i.received_at DESC, i.id DESC
LIMIT @limit`,
      params: p,
    },
    {
      name: 'warm.count',
      sql: `SELECT count(*) AS n FROM inbound i LEFT JOIN messages m ON m.id = i.outbound_id WHERE ${where}`,
      params: params(scope),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Activity over time, from the events timeline (events_type_at_idx covers it).

export const ACTIVITY_TYPES = ['drafted', 'sent', 'replied', 'bounced', 'unsubscribed'] as const;

export function activityQueries(scope: Scope, fromDay: string): NamedQuery[] {
  const p = params(scope, { from: scope.since && scope.since > fromDay ? scope.since : fromDay });
  return [
    {
      name: 'activity.daily',
      sql: `SELECT substr(at, 1, 10) AS day, type, count(*) AS n FROM events
WHERE type IN (${ACTIVITY_TYPES.map((t) => `'${t}'`).join(',')}) AND at >= @from${scope.campaignId != null ? ' AND campaign_id = @campaign' : ''}
GROUP BY type, day`,
      params: p,
    },
  ];
}

/** The SQL text with its parameters written in as literals (for the sqlite3 tool in the benchmark). */
export function inlineSql(q: NamedQuery): string {
  return q.sql.replace(/@([a-zA-Z_]\w*)/g, (_, k: string) => {
    if (!(k in q.params)) throw new Error(`${q.name}: no value for @${k}`);
    const v = q.params[k];
    if (v === null || v === undefined) return 'NULL';
    return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });
}
