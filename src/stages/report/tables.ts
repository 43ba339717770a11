// Flat tables of each report section, for the terminal and for CSV: one header row, rows of plain
// values (numbers stay numbers in CSV; rates are fractions with 4 decimals). No printing here.
import type { FullReport, SectionKind, WarmReply } from './index.js';

export interface FlatTable {
  title: string;
  columns: string[];
  /** Right-align these (numbers) in the terminal. */
  numeric: boolean[];
  rows: (string | number | null)[][];
  /** Lines to show under the table (verdicts, warnings). */
  notes: string[];
}

const r4 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 10000) / 10000);
const money = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 1e6) / 1e6);
const hours = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

/** Shortens a value for a terminal cell (the CSV and JSON keep it whole). */
function clipCell(v: string | null | undefined, max: number): string {
  const s = String(v ?? '');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A UTC time as `YYYY-MM-DD HH:MM` for the terminal. */
const minute = (iso: string) => iso.replace('T', ' ').slice(0, 16);

/**
 * The WARM replies as one table. For the terminal: who, which store, what they wrote, clipped to fit a line;
 * for CSV: every field whole (message_id, from_name, campaign, confidence, reason, classifier too).
 */
export function warmTable(r: FullReport, target: 'terminal' | 'csv' = 'csv'): FlatTable {
  const list: WarmReply[] = r.warm_replies ?? [];
  const total = r.warm_replies_total ?? list.length;
  const notes: string[] = [];
  if (target === 'terminal') {
    if (!list.length) notes.push('no WARM replies in this scope');
    else if (total > list.length) notes.push(`the ${list.length} newest of ${total}: all of them with \`outreach inbox list --label WARM\``);
    return {
      title: total ? `WARM replies: ${total} to answer, newest first` : 'WARM replies',
      columns: ['received', 'from', 'store', 'subject', 'excerpt', 'conf'],
      numeric: [false, false, false, false, false, true],
      rows: list.map((w) => [
        minute(w.received_at),
        clipCell(w.from_name ? `${w.from_name} <${w.from ?? ''}>` : w.from, 40),
        clipCell(w.lead ?? '(no lead)', 30),
        clipCell(w.subject, 40),
        clipCell(w.excerpt, 70),
        w.confidence === null ? null : Math.round(w.confidence * 100) / 100,
      ]),
      notes,
    };
  }
  return {
    title: 'WARM replies',
    columns: ['received_at', 'from', 'from_name', 'lead', 'company', 'campaign', 'subject', 'excerpt', 'confidence', 'reason', 'classifier', 'message_id'],
    numeric: [false, false, false, false, false, false, false, false, true, false, false, false],
    rows: list.map((w) => [w.received_at, w.from, w.from_name, w.lead, w.company, w.campaign, w.subject, w.excerpt, r4(w.confidence), w.reason, w.classifier, w.message_id]),
    notes,
  };
}

export function flatTables(r: FullReport, kind: SectionKind, target: 'terminal' | 'csv' = 'csv'): FlatTable[] {
  switch (kind) {
    case 'warm':
      return [warmTable(r, target)];
    case 'funnel': {
      const f = r.funnel!;
      const first = f.stages[0]?.count ?? 0;
      return [
        {
          title: 'Funnel',
          columns: ['stage', 'count', 'unit', 'of_discovered'],
          numeric: [false, true, false, true],
          rows: f.stages.map((s) => [s.key, s.count, s.unit, first ? r4(s.count / first) : null]),
          notes: [],
        },
        {
          title: 'Rates',
          columns: ['rate', 'value', 'definition'],
          numeric: [false, true, false],
          rows: (Object.keys(f.rates) as (keyof typeof f.rates)[]).map((k) => [k, r4(f.rates[k]), f.definitions[k] ?? '']),
          notes: [],
        },
      ];
    }
    case 'campaigns':
      return [
        {
          title: 'Campaigns',
          columns: ['campaign', 'status', 'enrolled', 'active', 'drafted', 'approved', 'pending', 'sent', 'contacted', 'bounced', 'replied', 'warm', 'reply_rate', 'warm_rate', 'cost_usd'],
          numeric: [false, false, true, true, true, true, true, true, true, true, true, true, true, true, true],
          rows: r.campaigns!.map((c) => [c.name, c.status, c.enrolled, c.active, c.drafted, c.approved, c.pending, c.sent, c.contacted, c.bounced, c.replied, c.warm, r4(c.replyRate), r4(c.warmRate), money(c.costUsd)]),
          notes: [],
        },
      ];
    case 'variants':
      return [
        {
          title: 'A/B variants',
          columns: ['campaign', 'step', 'variant', 'sent', 'replies', 'reply_rate', 'reply_ci_low', 'reply_ci_high', 'warm', 'warm_rate', 'warm_ci_low', 'warm_ci_high', 'winner', 'p_value', 'more_sends_needed'],
          numeric: [false, true, false, true, true, true, true, true, true, true, true, true, false, true, true],
          rows: r.variants!.flatMap((s) =>
            s.variants.map((v) => [
              s.campaign, s.step, v.label, v.sent, v.replies, r4(v.replyRate), r4(v.replyLow), r4(v.replyHigh), v.warm, r4(v.warmRate), r4(v.warmLow), r4(v.warmHigh),
              s.replies.winner === v.label ? 'yes' : '', s.replies.p === null ? null : Number(s.replies.p.toPrecision(3)), s.replies.moreSendsNeeded,
            ]),
          ),
          notes: r.variants!.map((s) => `${s.campaign}, step ${s.step}: ${s.replies.verdict}`),
        },
      ];
    case 'mailboxes':
      return [
        {
          title: 'Mailboxes',
          columns: ['mailbox', 'email', 'status', 'health', 'sent_today', 'cap_today', 'daily_cap', 'sent', 'bounced', 'bounce_rate', 'complained', 'complaint_rate', 'days_over_cap'],
          numeric: [false, false, false, false, true, true, true, true, true, true, true, true, true],
          rows: r.mailboxes!.map((m) => [m.name, m.email, m.status, m.health, m.sentToday, m.capToday, m.dailyCap, m.sent, m.bounced, r4(m.bounceRate), m.complained, r4(m.complaintRate), m.daysOverCap]),
          notes: r.mailboxes!.flatMap((m) => m.warnings.map((w) => `${m.name}: ${w}`)),
        },
      ];
    case 'spend': {
      const s = r.spend!;
      return [
        {
          title: 'Spend',
          columns: ['purpose', 'provider', 'model', 'calls', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cost_usd'],
          numeric: [false, false, false, true, true, true, true, true, true],
          rows: [
            ...s.rows.map((x) => [x.purpose, x.provider, x.model, x.calls, x.inputTokens, x.outputTokens, x.cacheReadTokens, x.cacheWriteTokens, money(x.costUsd)]),
            ['total', '', '', s.total.calls, s.total.inputTokens, s.total.outputTokens, null, null, money(s.total.costUsd)],
          ],
          notes: [
            `per draft: ${s.perDraftUsd === null ? '–' : '$' + s.perDraftUsd.toFixed(4)} (${s.drafts} drafts); per warm reply: ${s.perWarmReplyUsd === null ? '–' : '$' + s.perWarmReplyUsd.toFixed(2)} (${s.warm} warm)`,
          ],
        },
      ];
    }
    case 'responses': {
      const x = r.responses!;
      const t = x.timeToFirstReply;
      return [
        {
          title: 'Time to first reply',
          columns: ['bucket', 'leads'],
          numeric: [false, true],
          rows: t.buckets.map((b) => [b.label, b.count]),
          notes: [`median ${hours(t.medianHours) ?? '–'} h, p25 ${hours(t.p25Hours) ?? '–'} h, p75 ${hours(t.p75Hours) ?? '–'} h, p90 ${hours(t.p90Hours) ?? '–'} h (${t.n} leads)`],
        },
        {
          title: 'Replies per step',
          columns: ['step', 'sent', 'replies', 'warm', 'reply_rate'],
          numeric: [true, true, true, true, true],
          rows: x.steps.map((s) => [s.step, s.sent, s.replies, s.warm, r4(s.replyRate)]),
          notes: [],
        },
        {
          title: 'Scores: replied vs not',
          columns: ['score', 'bucket', 'replied', 'not_replied'],
          numeric: [false, false, true, true],
          rows: (['fit', 'intent'] as const).flatMap((k) =>
            x.scores[k].replied.buckets.map((n, i) => [k, `${i * 10}-${i === 9 ? 100 : i * 10 + 9}`, n, x.scores[k].notReplied.buckets[i]!]),
          ),
          notes: [
            `fit mean ${x.scores.fit.replied.mean?.toFixed(1) ?? '–'} (replied) vs ${x.scores.fit.notReplied.mean?.toFixed(1) ?? '–'}; intent mean ${x.scores.intent.replied.mean?.toFixed(1) ?? '–'} vs ${x.scores.intent.notReplied.mean?.toFixed(1) ?? '–'}`,
            x.scores.verdict,
          ],
        },
      ];
    }
  }
}
