// The `report` stage: runs the named queries of ./queries.ts for a scope and shapes the figures an
// operator acts on (funnel, campaigns, A/B variants, mailbox health, spend, responses, activity).
// Never prints; the CLI renders the result as a table, CSV, JSON or the HTML report.
import type { Db } from '../../db/open.js';
import { compareArms, wilsonInterval, type Comparison } from '../../domain/stats.js';
import {
  funnelQueries, campaignQueries, variantQueries, mailboxQueries, spendQueries, responseQueries, activityQueries,
  warmQueries, ACTIVITY_TYPES, type NamedQuery, type Scope,
} from './queries.js';

export type { Scope, NamedQuery } from './queries.js';
export { inlineSql } from './queries.js';

export const REPORT_KINDS = ['funnel', 'campaigns', 'variants', 'mailboxes', 'spend', 'responses'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
/**
 * The WARM replies list: part of the full report (and of `outreach report warm`), not one of REPORT_KINDS,
 * whose members each add a figure section (and a benchmark row).
 */
export const WARM_KIND = 'warm' as const;
export type SectionKind = ReportKind | typeof WARM_KIND;
/** How many WARM replies the report lists by default (newest first; the total is always given). */
export const WARM_LIMIT = 20;

/** Gmail's bulk-sender spam-rate ceiling, and the level where we start warning. */
export const COMPLAINT_LIMIT = 0.003;
export const COMPLAINT_WARN = 0.001;
export const BOUNCE_WARN = 0.02;
export const BOUNCE_LIMIT = 0.05;

export interface ReportOptions extends Scope {
  /** "Now", for the mailbox day series and the activity window (tests pass a fixed clock). */
  now?: Date;
  /** Days of per-day history for mailboxes and activity when --since is not given. */
  days?: number;
}

type Row = Record<string, number | string | null>;

function all(db: Db, q: NamedQuery): Row[] {
  return db.sqlite.prepare(q.sql).all(q.params) as Row[];
}
function one(db: Db, q: NamedQuery): Row {
  return (db.sqlite.prepare(q.sql).get(q.params) as Row | undefined) ?? {};
}
const num = (v: unknown) => (typeof v === 'number' ? v : v == null ? 0 : Number(v));
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

// ---------------------------------------------------------------------------------------------

export interface FunnelStage {
  key: string;
  label: string;
  count: number;
  /** What is counted: leads, drafts or messages. */
  unit: 'leads' | 'drafts' | 'messages';
}

export interface FunnelReport {
  stages: FunnelStage[];
  counts: {
    discovered: number; shopify: number; enriched: number; scored: number; drafted: number; approved: number;
    sent: number; contacted: number; delivered: number; bounced: number; rejected: number; replied: number; warm: number;
    replies: number; unsubscribed: number; complained: number;
  };
  /** Fractions (0..1), null when the denominator is zero. */
  rates: { reply: number | null; warm: number | null; bounce: number | null; unsubscribe: number | null; complaint: number | null };
  definitions: Record<string, string>;
}

export function funnelReport(db: Db, scope: Scope = {}): FunnelReport {
  const [leads, scored, drafts, msgs, bounced, replies, optouts] = funnelQueries(scope).map((q) => one(db, q));
  const sent = num(msgs!.sent);
  const bouncedAfter = num(bounced!.bounced);
  const rejected = num(msgs!.rejected);
  const contacted = num(msgs!.contacted);
  const delivered = Math.max(0, sent - bouncedAfter);
  const counts = {
    discovered: num(leads!.discovered),
    shopify: num(leads!.shopify),
    enriched: num(leads!.enriched),
    scored: num(scored!.scored),
    drafted: num(drafts!.drafted),
    approved: num(drafts!.approved),
    sent,
    contacted,
    delivered,
    bounced: bouncedAfter + rejected,
    rejected,
    replied: num(replies!.replied),
    warm: num(replies!.warm),
    replies: num(replies!.replies),
    unsubscribed: num(optouts!.unsubscribed),
    complained: num(optouts!.complained),
  };
  const stages: FunnelStage[] = [
    { key: 'discovered', label: 'Discovered', count: counts.discovered, unit: 'leads' },
    { key: 'shopify', label: 'Shopify-confirmed', count: counts.shopify, unit: 'leads' },
    { key: 'enriched', label: 'Enriched', count: counts.enriched, unit: 'leads' },
    { key: 'scored', label: 'Scored', count: counts.scored, unit: 'leads' },
    { key: 'drafted', label: 'Drafted', count: counts.drafted, unit: 'drafts' },
    { key: 'approved', label: 'Approved', count: counts.approved, unit: 'drafts' },
    { key: 'sent', label: 'Sent', count: counts.sent, unit: 'messages' },
    { key: 'delivered', label: 'Delivered', count: counts.delivered, unit: 'messages' },
    { key: 'replied', label: 'Replied', count: counts.replied, unit: 'leads' },
    { key: 'warm', label: 'Warm', count: counts.warm, unit: 'leads' },
  ];
  return {
    stages,
    counts,
    rates: {
      reply: ratio(counts.replied, contacted),
      warm: ratio(counts.warm, contacted),
      bounce: ratio(counts.bounced, sent + rejected),
      unsubscribe: ratio(counts.unsubscribed, delivered),
      complaint: ratio(counts.complained, delivered),
    },
    definitions: {
      reply: 'leads that replied (WARM, COLD or NEUTRAL) / leads contacted',
      warm: 'leads with a WARM reply / leads contacted',
      bounce: '(sent messages bounced + messages refused with a 5xx) / (sent + refused)',
      unsubscribe: 'addresses that unsubscribed (link or reply) / delivered messages',
      complaint: 'addresses that complained / delivered messages',
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface CampaignRow {
  id: number; name: string; status: string;
  enrolled: number; active: number; stopped: number; completed: number;
  drafted: number; approved: number; pending: number;
  sent: number; contacted: number; bounced: number; replied: number; warm: number;
  replyRate: number | null; warmRate: number | null; bounceRate: number | null; costUsd: number;
}

export function campaignsReport(db: Db, scope: Scope = {}): { campaigns: CampaignRow[] } {
  const [list, enr, dr, ms, inb, sp] = campaignQueries(scope).map((q) => all(db, q));
  const by = (rows: Row[]) => new Map(rows.map((r) => [num(r.campaign_id), r]));
  const [e, d, m, i, s] = [by(enr!), by(dr!), by(ms!), by(inb!), by(sp!)];
  return {
    campaigns: list!.map((c) => {
      const id = num(c.id);
      const g = (map: Map<number, Row>, k: string) => num(map.get(id)?.[k]);
      const sent = g(m, 'sent');
      const contacted = g(m, 'contacted');
      return {
        id, name: String(c.name), status: String(c.status),
        enrolled: g(e, 'enrolled'), active: g(e, 'active'), stopped: g(e, 'stopped'), completed: g(e, 'completed'),
        drafted: g(d, 'drafted'), approved: g(d, 'approved'), pending: g(d, 'pending'),
        sent, contacted, bounced: g(i, 'bounced'), replied: g(i, 'replied'), warm: g(i, 'warm'),
        replyRate: ratio(g(i, 'replied'), contacted), warmRate: ratio(g(i, 'warm'), contacted), bounceRate: ratio(g(i, 'bounced'), sent),
        costUsd: g(s, 'cost_usd'),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------

export interface VariantRow {
  variantId: number; label: string; weight: number;
  sent: number; replies: number; warm: number;
  replyRate: number; replyLow: number; replyHigh: number;
  warmRate: number; warmLow: number; warmHigh: number;
}

export interface StepVariants {
  campaignId: number; campaign: string; stepId: number; step: number;
  variants: VariantRow[];
  /** Decided on replies (any human answer). */
  replies: Omit<Comparison, 'arms'>;
  /** The same test on warm replies, for information. */
  warm: Omit<Comparison, 'arms'>;
}

export function variantsReport(db: Db, scope: Scope = {}): { steps: StepVariants[] } {
  const [list, sentRows, replyRows] = variantQueries(scope).map((q) => all(db, q));
  const sent = new Map(sentRows!.map((r) => [num(r.variant_id), num(r.sent)]));
  const rep = new Map(replyRows!.map((r) => [num(r.variant_id), r]));
  const steps = new Map<number, StepVariants>();
  for (const v of list!) {
    const stepId = num(v.step_id);
    let s = steps.get(stepId);
    if (!s) {
      s = { campaignId: num(v.campaign_id), campaign: String(v.campaign), stepId, step: num(v.position), variants: [], replies: null as never, warm: null as never };
      steps.set(stepId, s);
    }
    const id = num(v.variant_id);
    const n = sent.get(id) ?? 0;
    const r = num(rep.get(id)?.replies);
    const w = num(rep.get(id)?.warm);
    const rc = wilsonInterval(r, n);
    const wc = wilsonInterval(w, n);
    s.variants.push({
      variantId: id, label: String(v.label), weight: num(v.weight), sent: n, replies: r, warm: w,
      replyRate: n ? r / n : 0, replyLow: rc.low, replyHigh: rc.high, warmRate: n ? w / n : 0, warmLow: wc.low, warmHigh: wc.high,
    });
  }
  for (const s of steps.values()) {
    const strip = ({ arms: _a, ...rest }: Comparison) => rest;
    s.replies = strip(compareArms(s.variants.map((v) => ({ label: v.label, sent: v.sent, successes: v.replies })), { what: 'reply' }));
    s.warm = strip(compareArms(s.variants.map((v) => ({ label: v.label, sent: v.sent, successes: v.warm })), { what: 'warm reply' }));
  }
  return { steps: [...steps.values()] };
}

// ---------------------------------------------------------------------------------------------

export interface MailboxDay { day: string; sent: number; cap: number }
export interface MailboxRow {
  id: number; name: string; email: string; status: string; statusReason: string | null;
  dailyCap: number; capToday: number; sentToday: number;
  sent: number; rejected: number; bounced: number; complained: number; delivered: number;
  bounceRate: number | null; complaintRate: number | null;
  daysOverCap: number;
  days: MailboxDay[];
  health: 'ok' | 'warn' | 'critical';
  warnings: string[];
}

const DAY_MS = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The day's sending cap under the mailbox's warm-up ramp, by the rule `send` applies
 * (src/domain/pacing.ts dailyLimit, in UTC days): ramp_start on the first day, plus ramp_step a day,
 * never above daily_cap; no ramp when both are 0; day 0 until the ramp has started.
 */
export function capOn(mb: { daily_cap: number; ramp_start: number; ramp_step: number; ramp_started_at: string | null }, day: string): number {
  if (mb.daily_cap <= 0) return 0;
  if (mb.ramp_start <= 0 && mb.ramp_step <= 0) return mb.daily_cap;
  const days = mb.ramp_started_at
    ? Math.max(0, Math.round((Date.parse(day + 'T00:00:00Z') - Date.parse(mb.ramp_started_at.slice(0, 10) + 'T00:00:00Z')) / DAY_MS))
    : 0;
  return Math.min(mb.daily_cap, Math.max(1, mb.ramp_start) + Math.max(0, mb.ramp_step) * days);
}

function pctText(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
}

export function mailboxesReport(db: Db, opts: ReportOptions = {}): { mailboxes: MailboxRow[]; complaintLimit: number; complaintWarn: number } {
  const now = opts.now ?? new Date();
  const days = opts.days ?? 14;
  const today = dayOf(now);
  const fromDay = opts.since ? opts.since.slice(0, 10) : dayOf(new Date(now.getTime() - (days - 1) * DAY_MS));
  const [list, daily, totals, complainedRows, bounced] = mailboxQueries(opts, fromDay).map((q) => all(db, q));
  const compl = new Map(complainedRows!.map((r) => [num(r.mailbox_id), num(r.complained)]));
  const perDay = new Map<string, number>();
  for (const r of daily!) perDay.set(`${num(r.mailbox_id)}|${r.day}`, num(r.sent));
  const tot = new Map(totals!.map((r) => [num(r.mailbox_id), r]));
  const bnc = new Map(bounced!.map((r) => [num(r.mailbox_id), num(r.bounced)]));
  const dayList: string[] = [];
  for (let t = Date.parse(fromDay + 'T00:00:00Z'); t <= Date.parse(today + 'T00:00:00Z') && dayList.length < 400; t += DAY_MS) {
    dayList.push(dayOf(new Date(t)));
  }
  const mailboxes = list!.map((mb) => {
    const id = num(mb.id);
    const m = mb as unknown as { daily_cap: number; ramp_start: number; ramp_step: number; ramp_started_at: string | null };
    const ds = dayList.map((day) => ({ day, sent: perDay.get(`${id}|${day}`) ?? 0, cap: capOn(m, day) }));
    const sent = num(tot.get(id)?.sent);
    const rejected = num(tot.get(id)?.rejected);
    const complained = compl.get(id) ?? 0;
    const b = bnc.get(id) ?? 0;
    const delivered = Math.max(0, sent - b);
    const bounceRate = ratio(b + rejected, sent + rejected);
    const complaintRate = ratio(complained, delivered);
    const warnings: string[] = [];
    let health: MailboxRow['health'] = 'ok';
    const raise = (level: 'warn' | 'critical', text: string) => {
      warnings.push(text);
      if (level === 'critical' || health === 'ok') health = level;
    };
    if (complaintRate !== null && complaintRate >= COMPLAINT_LIMIT) {
      raise('critical', `complaint rate ${pctText(complaintRate)} is at or above Gmail's 0.3% limit: stop sending from this mailbox`);
    } else if (complaintRate !== null && complaintRate >= COMPLAINT_WARN) {
      raise('warn', `complaint rate ${pctText(complaintRate)} is approaching Gmail's 0.3% limit (warning from 0.1%)`);
    }
    if (bounceRate !== null && bounceRate >= BOUNCE_LIMIT) raise('critical', `bounce rate ${pctText(bounceRate)} is 5% or more: check the list quality`);
    else if (bounceRate !== null && bounceRate >= BOUNCE_WARN) raise('warn', `bounce rate ${pctText(bounceRate)} is over 2%`);
    const over = ds.filter((x) => x.sent > x.cap);
    if (over.length) raise('warn', `sent over the ramp cap on ${over.length} day${over.length > 1 ? 's' : ''} (latest ${over[over.length - 1]!.day})`);
    if (mb.status !== 'active') raise('warn', `mailbox is ${mb.status}${mb.status_reason ? `: ${mb.status_reason}` : ''}`);
    return {
      id, name: String(mb.name), email: String(mb.email), status: String(mb.status), statusReason: (mb.status_reason as string | null) ?? null,
      dailyCap: num(mb.daily_cap), capToday: capOn(m, today), sentToday: perDay.get(`${id}|${today}`) ?? 0,
      sent, rejected, bounced: b + rejected, complained, delivered, bounceRate, complaintRate,
      daysOverCap: over.length, days: ds, health, warnings,
    } satisfies MailboxRow;
  });
  return { mailboxes, complaintLimit: COMPLAINT_LIMIT, complaintWarn: COMPLAINT_WARN };
}

// ---------------------------------------------------------------------------------------------

export interface SpendRow {
  purpose: string; provider: string; model: string; calls: number;
  inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number;
}
export interface SpendReport {
  rows: SpendRow[];
  total: { calls: number; inputTokens: number; outputTokens: number; costUsd: number };
  draftCostUsd: number; classifyCostUsd: number;
  drafts: number; warm: number;
  perDraftUsd: number | null; perWarmReplyUsd: number | null;
}

export function spendReport(db: Db, scope: Scope = {}): SpendReport {
  const [byModelQ, draftsQ, repliesQ] = spendQueries(scope);
  const rows = all(db, byModelQ!).map((r) => ({
    purpose: String(r.purpose), provider: String(r.provider), model: String(r.model ?? ''), calls: num(r.calls),
    inputTokens: num(r.input_tokens), outputTokens: num(r.output_tokens), cacheReadTokens: num(r.cache_read_tokens),
    cacheWriteTokens: num(r.cache_write_tokens), costUsd: num(r.cost_usd),
  }));
  const drafts = num(one(db, draftsQ!).drafted);
  const warm = num(one(db, repliesQ!).warm);
  const sum = (f: (r: SpendRow) => number, pred: (r: SpendRow) => boolean = () => true) => rows.filter(pred).reduce((a, r) => a + f(r), 0);
  const totalCost = sum((r) => r.costUsd);
  const draftCost = sum((r) => r.costUsd, (r) => r.purpose === 'draft');
  return {
    rows,
    total: { calls: sum((r) => r.calls), inputTokens: sum((r) => r.inputTokens), outputTokens: sum((r) => r.outputTokens), costUsd: totalCost },
    draftCostUsd: draftCost,
    classifyCostUsd: sum((r) => r.costUsd, (r) => r.purpose === 'classify'),
    drafts,
    warm,
    perDraftUsd: drafts > 0 ? draftCost / drafts : null,
    perWarmReplyUsd: warm > 0 ? totalCost / warm : null,
  };
}

// ---------------------------------------------------------------------------------------------

export interface Distribution {
  /** Counts per 10-point bucket: [0-9], [10-19], ..., [90-100]. */
  buckets: number[];
  n: number;
  mean: number | null;
}
export interface ResponsesReport {
  timeToFirstReply: {
    n: number; medianHours: number | null; p25Hours: number | null; p75Hours: number | null; p90Hours: number | null;
    buckets: { label: string; count: number }[];
  };
  steps: { step: number; sent: number; replies: number; warm: number; replyRate: number | null }[];
  scores: {
    fit: { replied: Distribution; notReplied: Distribution; auc: number | null };
    intent: { replied: Distribution; notReplied: Distribution; auc: number | null };
    verdict: string;
  };
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Area under the ROC curve from two bucketed histograms (ties within a bucket count half): 0.5 is chance. */
export function aucFromBuckets(pos: number[], neg: number[]): number | null {
  const np = pos.reduce((a, b) => a + b, 0);
  const nn = neg.reduce((a, b) => a + b, 0);
  if (!np || !nn) return null;
  let below = 0;
  let s = 0;
  for (let i = 0; i < pos.length; i++) {
    s += pos[i]! * (below + neg[i]! / 2);
    below += neg[i]!;
  }
  return s / (np * nn);
}

const TTR_BUCKETS: [string, number][] = [
  ['< 1 hour', 1], ['1–24 hours', 24], ['1–3 days', 72], ['3–7 days', 168], ['> 7 days', Infinity],
];

export function responsesReport(db: Db, scope: Scope = {}): ResponsesReport {
  const [firstQ, sentQ, repQ, scoreQ] = responseQueries(scope);
  const hours = all(db, firstQ!)
    .map((r) => r.hours)
    .filter((h): h is number => typeof h === 'number' && h >= 0)
    .sort((a, b) => a - b);
  const buckets = TTR_BUCKETS.map(([label]) => ({ label, count: 0 }));
  for (const h of hours) buckets[TTR_BUCKETS.findIndex(([, max]) => h < max)]!.count++;
  const sentPer = all(db, sentQ!);
  const repPer = new Map(all(db, repQ!).map((r) => [num(r.position), r]));
  const steps = sentPer.map((r) => {
    const pos = num(r.position);
    const sent = num(r.sent);
    const replies = num(repPer.get(pos)?.replies);
    return { step: pos, sent, replies, warm: num(repPer.get(pos)?.warm), replyRate: ratio(replies, sent) };
  });
  const empty = (): Distribution & { sum: number } => ({ buckets: Array(10).fill(0), n: 0, mean: null, sum: 0 });
  const d = { fit: { r: empty(), nr: empty() }, intent: { r: empty(), nr: empty() } };
  for (const r of all(db, scoreQ!)) {
    const n = num(r.n);
    const side = num(r.replied) ? 'r' : 'nr';
    d.fit[side].buckets[num(r.fit_bucket)] += n;
    d.fit[side].n += n;
    d.fit[side].sum += num(r.fit_sum);
    d.intent[side].buckets[num(r.intent_bucket)] += n;
    d.intent[side].n += n;
    d.intent[side].sum += num(r.intent_sum);
  }
  const fin = (x: Distribution & { sum: number }): Distribution => ({ buckets: x.buckets, n: x.n, mean: x.n ? x.sum / x.n : null });
  const fitAuc = aucFromBuckets(d.fit.r.buckets, d.fit.nr.buckets);
  const intentAuc = aucFromBuckets(d.intent.r.buckets, d.intent.nr.buckets);
  const judge = (name: string, auc: number | null) =>
    auc === null
      ? `${name}: not enough replies to judge`
      : auc >= 0.6
        ? `${name} separates repliers from the rest (AUC ${auc.toFixed(2)})`
        : auc <= 0.4
          ? `${name} points the wrong way (AUC ${auc.toFixed(2)}): leads it ranks low reply more`
          : `${name} is close to chance (AUC ${auc.toFixed(2)}): revisit its weights`;
  return {
    timeToFirstReply: {
      n: hours.length,
      medianHours: quantile(hours, 0.5),
      p25Hours: quantile(hours, 0.25),
      p75Hours: quantile(hours, 0.75),
      p90Hours: quantile(hours, 0.9),
      buckets,
    },
    steps,
    scores: {
      fit: { replied: fin(d.fit.r), notReplied: fin(d.fit.nr), auc: fitAuc },
      intent: { replied: fin(d.intent.r), notReplied: fin(d.intent.nr), auc: intentAuc },
      verdict: `${judge('Fit', fitAuc)}; ${judge('intent', intentAuc)}.`,
    },
  };
}

// ---------------------------------------------------------------------------------------------

/** One WARM reply, as the report lists it (snake_case like `outreach inbox list --json`). Text is data, unescaped. */
export interface WarmReply {
  id: number;
  message_id: string;
  from: string | null;
  from_name: string | null;
  /** The lead's (store's) domain; null when the reply could not be tied to a lead. */
  lead: string | null;
  company: string | null;
  campaign: string | null;
  lead_stage: string | null;
  subject: string | null;
  received_at: string;
  /** The start of what the person wrote (quotes and signature already stripped), whitespace collapsed. */
  excerpt: string;
  confidence: number | null;
  reason: string | null;
  classifier: string | null;
}

export const EXCERPT_MAX = 280;

/** Terminal escape sequences (CSI, OSC/DCS/... strings, other ESC pairs, C1 CSI). */
const ESC_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]/g;
/** Control characters and bidi overrides left once whitespace is collapsed. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * What the person wrote, on one line and at most `max` characters (cut at a word when one is near):
 * whitespace collapsed, escape sequences and other control characters dropped (it is shown, never obeyed).
 */
export function excerptOf(body: string | null | undefined, max = EXCERPT_MAX): string {
  const s = String(body ?? '').replace(ESC_SEQUENCE, '').replace(/\s+/g, ' ').replace(CONTROL, '').trim();
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd() + '…';
}

/** The newest WARM replies in the scope (at most `limit`) and how many there are in all. */
export function warmRepliesReport(db: Db, scope: Scope = {}, limit = WARM_LIMIT): { replies: WarmReply[]; total: number } {
  const [listQ, countQ] = warmQueries(scope, limit);
  const replies = all(db, listQ!).map((r) => ({
    id: num(r.id),
    message_id: String(r.message_id),
    from: (r.from_email as string | null) ?? null,
    from_name: (r.from_name as string | null) ?? null,
    lead: (r.lead as string | null) ?? null,
    company: (r.company as string | null) ?? null,
    campaign: (r.campaign as string | null) ?? null,
    lead_stage: (r.lead_stage as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    received_at: String(r.received_at),
    excerpt: excerptOf(r.body_text as string | null),
    confidence: r.confidence == null ? null : num(r.confidence),
    reason: (r.reason as string | null) ?? null,
    classifier: (r.classifier as string | null) ?? null,
  }));
  return { replies, total: num(one(db, countQ!).n) };
}

// ---------------------------------------------------------------------------------------------

export interface ActivityReport {
  types: readonly string[];
  days: { day: string; counts: Record<string, number> }[];
}

export function activityReport(db: Db, opts: ReportOptions = {}): ActivityReport {
  const now = opts.now ?? new Date();
  const days = opts.days ?? 30;
  const fromDay = opts.since ? opts.since.slice(0, 10) : dayOf(new Date(now.getTime() - (days - 1) * DAY_MS));
  const rows = all(db, activityQueries(opts, fromDay)[0]!);
  const map = new Map<string, Record<string, number>>();
  let first = fromDay;
  const last = dayOf(now);
  for (const r of rows) {
    const day = String(r.day);
    if (!map.has(day)) map.set(day, {});
    map.get(day)![String(r.type)] = num(r.n);
  }
  const list: ActivityReport['days'] = [];
  const end = [...map.keys()].reduce((a, b) => (b > a ? b : a), last);
  if (first > end) first = end;
  for (let t = Date.parse(first + 'T00:00:00Z'); t <= Date.parse(end + 'T00:00:00Z') && list.length < 1000; t += DAY_MS) {
    const day = dayOf(new Date(t));
    const counts: Record<string, number> = {};
    for (const ty of ACTIVITY_TYPES) counts[ty] = map.get(day)?.[ty] ?? 0;
    list.push({ day, counts });
  }
  return { types: ACTIVITY_TYPES, days: list };
}

// ---------------------------------------------------------------------------------------------

export interface FullReport {
  generatedAt: string;
  scope: { since: string | null; campaign: string | null };
  funnel?: FunnelReport;
  campaigns?: CampaignRow[];
  variants?: StepVariants[];
  mailboxes?: MailboxRow[];
  spend?: SpendReport;
  responses?: ResponsesReport;
  activity?: ActivityReport;
  /** The newest WARM replies in the scope (see WarmReply), when asked for; the full report has them. */
  warm_replies?: WarmReply[];
  /** How many WARM replies the scope holds in all (warm_replies may list fewer). */
  warm_replies_total?: number;
}

/**
 * Runs the asked reports (all of them by default) for one scope. `warm` is how many WARM replies to list
 * (false: none); by default the full report (every kind) lists the newest WARM_LIMIT and a partial one none.
 */
export function buildReport(
  db: Db,
  kinds: readonly ReportKind[] = REPORT_KINDS,
  opts: ReportOptions & { campaignName?: string | null; activity?: boolean; warm?: number | false } = {},
): FullReport {
  const now = opts.now ?? new Date();
  const warm = opts.warm ?? (REPORT_KINDS.every((k) => kinds.includes(k)) ? WARM_LIMIT : false);
  const r: FullReport = { generatedAt: now.toISOString(), scope: { since: opts.since ?? null, campaign: opts.campaignName ?? null } };
  // One read transaction: every figure comes from the same snapshot, even while `send` writes.
  db.sqlite.transaction(() => {
    for (const k of kinds) {
      if (k === 'funnel') r.funnel = funnelReport(db, opts);
      else if (k === 'campaigns') r.campaigns = campaignsReport(db, opts).campaigns;
      else if (k === 'variants') r.variants = variantsReport(db, opts).steps;
      else if (k === 'mailboxes') r.mailboxes = mailboxesReport(db, { ...opts, now }).mailboxes;
      else if (k === 'spend') r.spend = spendReport(db, opts);
      else if (k === 'responses') r.responses = responsesReport(db, opts);
    }
    if (opts.activity) r.activity = activityReport(db, { ...opts, now });
    if (warm !== false) {
      const w = warmRepliesReport(db, opts, warm);
      r.warm_replies = w.replies;
      r.warm_replies_total = w.total;
    }
  }).deferred();
  return r;
}

/** Every named query a report kind runs, for the benchmark (same SQL, same parameters). */
export function queriesFor(kind: SectionKind | 'activity', opts: ReportOptions = {}): NamedQuery[] {
  const now = opts.now ?? new Date();
  const from = (days: number) => (opts.since ? opts.since.slice(0, 10) : dayOf(new Date(now.getTime() - (days - 1) * DAY_MS)));
  switch (kind) {
    case 'funnel': return funnelQueries(opts);
    case 'campaigns': return campaignQueries(opts);
    case 'variants': return variantQueries(opts);
    case 'mailboxes': return mailboxQueries(opts, from(opts.days ?? 14));
    case 'spend': return spendQueries(opts);
    case 'responses': return responseQueries(opts);
    case 'activity': return activityQueries(opts, from(opts.days ?? 30));
    case 'warm': return warmQueries(opts, WARM_LIMIT);
  }
}

/** Resolves a campaign name to its id (null when there is no such campaign). */
export function findCampaign(db: Db, name: string): { id: number; name: string } | null {
  return (db.sqlite.prepare('SELECT id, name FROM campaigns WHERE name = ?').get(name) as { id: number; name: string } | undefined) ?? null;
}

export function campaignNames(db: Db): string[] {
  return (db.sqlite.prepare('SELECT name FROM campaigns ORDER BY name').all() as { name: string }[]).map((r) => r.name);
}
