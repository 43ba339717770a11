// `draft`: enrolls the leads each active campaign's filter admits, assigns A/B variants, and writes every step
// of each lead's sequence up front (first email and follow-ups), with the model or from templates alone.
// Each draft is checked (compliance blocks, claims flag) and committed on its own, with its tokens and cost;
// `--max-spend` stops before the budget would be passed, `--dry-run` estimates and writes nothing.
import pLimit from 'p-limit';
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { addEvent } from '../../db/events.js';
import { LATEST_HUMAN_REPLY_SQL, advanceStageSql } from '../../domain/lead.js';
import { UserError } from '../../errors.js';
import { assignmentKey, pickVariant } from '../../domain/variants.js';
import { joinBody, renderTemplate, splitBody, type RenderedEmail, type Template } from '../../domain/template.js';
import type { ModelAdapter, EmailRequest, Usage, EmailResult } from '../../adapters/llm/types.js';
import {
  campaignSteps,
  eligibleLeads,
  enrollLeads,
  getCampaign,
  notEnrolledLeads,
  type NotEnrolledReason,
  type CampaignRow,
  type StepRow,
  type VariantRow,
} from '../campaign/index.js';
import { inlineTemplate, loadTemplate, resolveOffer } from './templates.js';
import {
  buildRequest,
  buildVars,
  evaluate,
  loadLeadContext,
  supportFor,
  suppressionOf,
  stmt,
  event,
  type DraftEnv,
  type LeadContext,
} from './context.js';

export type { DraftEnv } from './context.js';

export interface DraftOptions extends DraftEnv {
  campaign?: string;
  /** At most this many leads (enrollments) are drafted in this run. */
  limit?: number;
  dryRun?: boolean;
  batch?: boolean;
  maxSpendUsd?: number;
  concurrency?: number;
  runId?: number | null;
  signal?: AbortSignal;
  batchPollMs?: number;
  /** The adapter for a campaign (the CLI resolves --provider, the campaign's provider and the environment). */
  adapterFor: (c: CampaignRow) => ModelAdapter;
  onProgress?: (p: { done: number; total: number; spentUsd: number; text: string }) => void;
}

export interface DraftItem {
  draftId: number | null;
  campaign: string;
  leadId: number;
  domain: string;
  email: string | null;
  step: number;
  variant: string;
  status: 'pending' | 'approved' | 'blocked' | 'failed' | 'estimated';
  provider: string;
  model: string;
  subject: string;
  reasons: string[];
  costUsd: number;
}

export interface DraftResult {
  dryRun: boolean;
  campaigns: string[];
  enrolled: number;
  leads: number;
  drafts: number;
  pending: number;
  approved: number;
  blocked: number;
  failed: number;
  skipped: { leadId: number; domain: string; reason: string }[];
  /**
   * Leads a campaign's filter admits that are not enrolled (nothing drafted, no model call) because a person
   * already answered (WARM, COLD or NEUTRAL: the conversation is human now), unsubscribed or bounced. Counted
   * per campaign; `leads` lists up to 1,000 of them.
   */
  notEnrolled: {
    replied: number;
    unsubscribed: number;
    bounced: number;
    /** `replied` by the label of the lead's latest human reply. */
    replies: Record<string, number>;
    leads: { campaign: string; leadId: number; domain: string; reason: NotEnrolledReason; label: string | null; detail: string }[];
  };
  stoppedForSpend: boolean;
  interrupted: boolean;
  spentUsd: number;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  /** --dry-run: the estimated cost of the model calls this run would make. */
  estimatedUsd: number;
  items: DraftItem[];
}

interface EnrollmentRef {
  id: number | null; // null in a dry run for a lead not enrolled yet
  campaign: CampaignRow;
  leadId: number;
  contactId: number | null;
}

interface Work {
  e: EnrollmentRef;
  lead: LeadContext;
  steps: StepRow[];
  index: number;
  previous: { subject: string; body: string }[];
  alive: boolean;
  /** Checked once when the lead is picked up in this run (approval and send check again). */
  suppressed?: { reason: string; kind: string } | null;
}

interface PreparedCall {
  work: Work;
  step: StepRow;
  variant: VariantRow;
  template: Template;
  rendered: RenderedEmail;
  offerText: string;
  request: EmailRequest;
  adapter: ModelAdapter;
}

const now = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

export function customId(enrollmentId: number, stepId: number): string {
  return `e${enrollmentId}-s${stepId}`;
}

export async function runDraft(db: Db, opts: DraftOptions): Promise<DraftResult> {
  const res: DraftResult = { ...emptyResult(), dryRun: Boolean(opts.dryRun) };

  const campaigns = opts.campaign
    ? [getCampaign(db, opts.campaign)]
    : (db.sqlite.prepare(`SELECT name FROM campaigns WHERE status = 'active' ORDER BY id`).all() as { name: string }[]).map((r) => getCampaign(db, r.name));
  if (opts.campaign && campaigns[0]!.status !== 'active') {
    throw new UserError(`Campaign "${opts.campaign}" is ${campaigns[0]!.status}.`, `Resume it first: outreach campaign resume "${opts.campaign}"`);
  }
  if (!campaigns.length) throw new UserError('No active campaign.', 'Create one: outreach campaign create NAME --niche jewelry --offer email-flows');

  const budget = new Budget(opts.maxSpendUsd);
  const committer = new Committer(db);
  // Drafts can be written again, unlike send's "sending" marks: WAL with synchronous=NORMAL keeps every commit
  // across a killed process (only an OS crash may lose the last few), and stops an fsync per draft from blocking
  // the event loop while model calls are in flight. Restored when the run ends.
  const sync = db.sqlite.pragma('synchronous', { simple: true }) as number;
  if (!opts.dryRun && sync > 1) db.sqlite.pragma('synchronous = NORMAL');
  try {
    return await draftAll(db, opts, res, budget, committer, campaigns);
  } finally {
    if (!opts.dryRun && sync > 1) db.sqlite.pragma(`synchronous = ${sync}`);
  }
}

async function draftAll(db: Db, opts: DraftOptions, res: DraftResult, budget: Budget, committer: Committer, campaigns: CampaignRow[]): Promise<DraftResult> {
  let leadsLeft = opts.limit ?? Number.POSITIVE_INFINITY;
  const seenPrefixes = new Set<string>();

  for (const c of campaigns) {
    if (leadsLeft <= 0 || res.stoppedForSpend || opts.signal?.aborted) break;
    res.campaigns.push(c.name);
    const adapter = opts.adapterFor(c);
    const steps = campaignSteps(db, c.id);
    if (!steps.length) continue;
    const offerText = resolveOffer(c.offer, opts.templateDirs);

    // Enrollments that still need drafts first, then new leads the filter admits.
    const refs: EnrollmentRef[] = (
      db.sqlite
        .prepare(
          `SELECT e.id, e.lead_id, e.contact_id FROM enrollments e
           WHERE e.campaign_id = ? AND e.status = 'active'
             AND ((SELECT COUNT(*) FROM drafts d WHERE d.enrollment_id = e.id) < ?
                  OR EXISTS (SELECT 1 FROM drafts d WHERE d.enrollment_id = e.id AND d.status = 'blocked'))
           ORDER BY e.id LIMIT ?`,
        )
        .all(c.id, steps.length, Number.isFinite(leadsLeft) ? leadsLeft : -1) as { id: number; lead_id: number; contact_id: number | null }[]
    ).map((r) => ({ id: r.id, campaign: c, leadId: r.lead_id, contactId: r.contact_id }));
    const room = Number.isFinite(leadsLeft) ? leadsLeft - refs.length : 1_000_000;
    if (room > 0) {
      if (opts.dryRun) {
        for (const l of eligibleLeads(db, c, { limit: room })) refs.push({ id: null, campaign: c, leadId: l.leadId, contactId: l.contactId });
      } else {
        const enr = enrollLeads(db, c, { limit: room, runId: opts.runId });
        res.enrolled += enr.enrolled.length;
        res.skipped.push(...enr.skipped);
        for (const x of enr.enrolled) {
          const row = db.sqlite.prepare('SELECT contact_id FROM enrollments WHERE id = ?').get(x.enrollmentId) as { contact_id: number | null };
          refs.push({ id: x.enrollmentId, campaign: c, leadId: x.leadId, contactId: row.contact_id });
        }
      }
    }
    leadsLeft -= refs.length;
    const ne = notEnrolledLeads(db, c, { limit: Math.max(0, 1000 - res.notEnrolled.leads.length) });
    for (const k of ['replied', 'unsubscribed', 'bounced'] as const) res.notEnrolled[k] += ne.counts[k];
    for (const [label, n] of Object.entries(ne.replies)) res.notEnrolled.replies[label] = (res.notEnrolled.replies[label] ?? 0) + n;
    for (const l of ne.leads) res.notEnrolled.leads.push({ campaign: c.name, ...l });

    const works: Work[] = [];
    for (const e of refs) {
      const lead = loadLeadContext(db, e.leadId, e.contactId);
      const w: Work = { e, lead, steps, index: 0, previous: [], alive: true };
      if (!lead.contact) {
        stopWork(db, opts, res, w, 'the lead has no usable contact address');
        continue;
      }
      const sup = suppressionOf(db, lead);
      if (sup) {
        stopWork(db, opts, res, w, `${lead.contact.email} is suppressed (${sup.reason})`);
        continue;
      }
      // Enrolled before the person answered (or before enrollment checked for replies): no more drafts, no model call.
      const gone = leadGone(db, e.leadId);
      if (gone) {
        stopWork(db, opts, res, w, gone);
        continue;
      }
      w.suppressed = null;
      works.push(w);
      res.leads++;
    }

    const total = works.length * steps.length;
    let done = 0;
    const progress = (text: string) => opts.onProgress?.({ done, total, spentUsd: budget.spent, text });

    const prepare = (w: Work): PreparedCall | null => {
      for (;;) {
        if (!w.alive || w.index >= w.steps.length) return null;
        const step = w.steps[w.index]!;
        const out = prepareStep(db, opts, res, w, step, adapter, offerText);
        if (out === 'next') {
          w.index++;
          done++;
          continue;
        }
        if (out === 'stop') {
          w.alive = false;
          done += w.steps.length - w.index;
          return null;
        }
        return out;
      }
    };

    const complete = (p: PreparedCall, outcome: { ok: true; result: EmailResult } | { ok: false; error: string }) => {
      done++;
      if (!outcome.ok) {
        res.failed++;
        res.items.push(item(p, null, 'failed', [outcome.error], 0, ''));
        p.work.alive = false;
        return;
      }
      finishStep(db, opts, res, p, outcome.result, undefined, committer);
      p.work.index++;
      progress(`${p.work.lead.domain} step ${p.step.position}`);
    };

    if (opts.dryRun) {
      for (const w of works) {
        for (let p = prepare(w); p; p = prepare(w)) {
          const key = `${p.adapter.provider}:${p.adapter.model}:${p.template.name}:${c.id}`;
          const est = p.adapter.estimateEmail(p.request, { cached: seenPrefixes.has(key), batch: opts.batch });
          seenPrefixes.add(key);
          res.estimatedUsd += est.costUsd;
          addUsage(res, est);
          res.drafts++;
          res.items.push(item(p, null, 'estimated', [], est.costUsd, p.rendered.subject));
          w.previous.push({ subject: p.rendered.subject, body: p.rendered.body });
          w.index++;
        }
      }
      continue;
    }

    if (opts.batch && adapter.supportsBatch) {
      await resumeBatches(db, opts, res, adapter, c, works, prepare, complete);
      // One batch per round: step 1 of every lead, then step 2 (which sees step 1), and so on.
      for (;;) {
        if (opts.signal?.aborted) {
          res.interrupted = true;
          break;
        }
        const round: PreparedCall[] = [];
        for (const w of works) {
          const p = prepare(w);
          if (!p) continue;
          const est = adapter.estimateEmail(p.request, { batch: true, worstCase: true });
          if (!budget.reserve(est.costUsd)) {
            res.stoppedForSpend = true;
            w.alive = false;
            continue;
          }
          round.push(p);
        }
        if (!round.length) break;
        progress(`batch of ${round.length} drafts submitted; waiting for results`);
        const byId = new Map(round.map((p) => [customId(p.work.e.id!, p.step.id), p]));
        let batchId = '';
        let results: Map<string, { ok: true; result: EmailResult } | { ok: false; error: string }>;
        try {
          results = await adapter.writeEmailsBatch(
          round.map((p) => ({ id: customId(p.work.e.id!, p.step.id), request: p.request })),
          {
            signal: opts.signal,
            pollIntervalMs: opts.batchPollMs,
            onCreated: (id) => {
              batchId = id;
              db.sqlite.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`).run(`draft_batch:${id}`, JSON.stringify({ campaignId: c.id, provider: adapter.provider, model: adapter.model }));
            },
            onPoll: (s) => progress(`batch ${s.id}: ${s.succeeded + s.errored}/${round.length} done`),
          },
          );
        } catch (err) {
          // The batch (if created) stays recorded in meta: the next `draft --batch` collects its results.
          if (opts.signal?.aborted) {
            res.interrupted = true;
            break;
          }
          throw err;
        }
        for (const [id, p] of byId) {
          budget.release(adapter.estimateEmail(p.request, { batch: true, worstCase: true }).costUsd);
          const r = results.get(id) ?? { ok: false as const, error: 'missing from the batch results' };
          if (r.ok) budget.add(r.result.usage.costUsd);
          complete(p, r);
        }
        committer.flush();
        db.sqlite.prepare('DELETE FROM meta WHERE key = ?').run(`draft_batch:${batchId}`);
        if (res.stoppedForSpend) break;
      }
      continue;
    }

    // Concurrent calls, one lead's steps in order (a follow-up sees the email before it).
    const limit = pLimit(adapter.provider === 'offline' ? 1 : Math.max(1, opts.concurrency ?? 4));
    // The last step of a lead is checked and queued for commit after its slot is freed, so the next call goes
    // out first: the CPU work overlaps the network wait instead of delaying it.
    const deferred: Promise<void>[] = [];
    await Promise.all(
      works.map((w) =>
        limit(async () => {
          for (let p = prepare(w); p; p = prepare(w)) {
            if (opts.signal?.aborted) {
              res.interrupted = true;
              return;
            }
            if (res.stoppedForSpend) return;
            const est = adapter.estimateEmail(p.request, { worstCase: true });
            if (!budget.reserve(est.costUsd)) {
              res.stoppedForSpend = true;
              return;
            }
            try {
              const result = await adapter.writeEmail(p.request);
              budget.release(est.costUsd);
              budget.add(result.usage.costUsd);
              if (w.index + 1 >= w.steps.length) {
                const last = p;
                deferred.push(new Promise<void>((ok) => setImmediate(() => (complete(last, { ok: true, result }), ok()))));
                return;
              }
              complete(p, { ok: true, result });
            } catch (err) {
              budget.release(est.costUsd);
              const usage = (err as { usage?: Usage }).usage;
              if (usage) {
                budget.add(usage.costUsd);
                recordSpend(db, opts, res, p, usage, null);
              }
              complete(p, { ok: false, error: (err as Error).message });
            }
          }
        }),
      ),
    );
    await Promise.all(deferred);
    committer.flush();
  }
  committer.flush();
  const order = new Map(res.campaigns.map((c, i) => [c, i]));
  res.items.sort((a, b) => (order.get(a.campaign) ?? 0) - (order.get(b.campaign) ?? 0) || a.leadId - b.leadId || a.step - b.step);
  res.spentUsd = round8(budget.spent);
  res.estimatedUsd = round8(res.estimatedUsd);
  if (opts.signal?.aborted) res.interrupted = true;
  return res;
}

/** Spend limit with reservations for calls in flight, so concurrency cannot overshoot it. */
class Budget {
  spent = 0;
  private reserved = 0;
  constructor(private readonly max?: number) {}
  reserve(estimate: number): boolean {
    if (this.max !== undefined && this.spent + this.reserved + estimate > this.max) return false;
    this.reserved += estimate;
    return true;
  }
  release(estimate: number): void {
    this.reserved = Math.max(0, this.reserved - estimate);
  }
  add(cost: number): void {
    this.spent += cost;
  }
}

const round8 = (n: number) => Math.round(n * 1e8) / 1e8;

function addUsage(res: DraftResult, u: Usage): void {
  res.usage.inputTokens += u.inputTokens;
  res.usage.outputTokens += u.outputTokens;
  res.usage.cacheReadTokens += u.cacheReadTokens;
  res.usage.cacheWriteTokens += u.cacheWriteTokens;
}

function item(p: PreparedCall, draftId: number | null, status: DraftItem['status'], reasons: string[], costUsd: number, subject: string): DraftItem {
  return {
    draftId,
    campaign: p.work.e.campaign.name,
    leadId: p.work.lead.leadId,
    domain: p.work.lead.domain,
    email: p.work.lead.contact?.email ?? null,
    step: p.step.position,
    variant: p.variant.label,
    status,
    provider: p.adapter.provider,
    model: p.adapter.model,
    subject,
    reasons,
    costUsd,
  };
}

/**
 * Why a lead already enrolled must get no (more) drafts: a human reply (WARM, COLD, NEUTRAL), an unsubscribe
 * or a bounce. Null when it can go on.
 */
function leadGone(db: Db, leadId: number): string | null {
  const r = stmt(
    db,
    `SELECT l.stage,
       ${LATEST_HUMAN_REPLY_SQL} AS label
     FROM leads l WHERE l.id = ?`,
  ).get(leadId) as { stage: string; label: string | null } | undefined;
  if (!r) return 'the lead was deleted';
  if (r.stage === 'unsubscribed' || r.stage === 'bounced') return `the lead ${r.stage}`;
  if (r.label || r.stage === 'replied') return `the lead replied${r.label ? ` ${r.label}` : ''}: the conversation is human now`;
  return null;
}

/** Stops an enrollment that cannot be mailed (no contact, suppressed, replied), with the reason. */
function stopWork(db: Db, opts: DraftOptions, res: DraftResult, w: Work, reason: string): void {
  res.skipped.push({ leadId: w.lead.leadId, domain: w.lead.domain, reason });
  if (opts.dryRun || w.e.id === null) return;
  tx(db, () => {
    db.sqlite.prepare(`UPDATE enrollments SET status = 'stopped', stop_reason = ?, updated_at = ${now} WHERE id = ? AND status = 'active'`).run(reason, w.e.id);
    db.sqlite.prepare(`UPDATE drafts SET status = 'blocked', error = ?, updated_at = ${now} WHERE enrollment_id = ? AND status IN ('pending', 'approved')`).run(reason, w.e.id);
    addEvent(db, { leadId: w.lead.leadId, type: 'stopped', campaignId: w.e.campaign.id, runId: opts.runId ?? null, data: { reason } });
  });
}

function variantFor(db: Db, opts: DraftOptions, w: Work, step: StepRow): VariantRow {
  if (w.e.id !== null) {
    const a = stmt(db, 'SELECT variant_id FROM assignments WHERE enrollment_id = ? AND step_id = ?').get(w.e.id, step.id) as { variant_id: number } | undefined;
    const v = a && step.variants.find((x) => x.id === a.variant_id);
    if (v) return v;
  }
  // Recorded with the draft, in the same transaction (recordAssignment).
  return pickVariant(step.variants, assignmentKey(w.e.campaign.id, step.position, w.lead.domain));
}

function recordAssignment(db: Db, enrollmentId: number, stepId: number, variantId: number): void {
  stmt(db, 'INSERT OR IGNORE INTO assignments (enrollment_id, step_id, variant_id) VALUES (?, ?, ?)').run(enrollmentId, stepId, variantId);
}


export function templateOf(v: VariantRow, dirs: string[]): Template {
  return v.template ? loadTemplate(v.template, dirs) : inlineTemplate(v.label, v.subject ?? '', v.body ?? '');
}

/**
 * What to do with one step of one lead: 'next' (a usable draft exists), 'stop' (this lead cannot go on),
 * or a call to make. Existing blocked drafts are re-checked against the current settings; those that
 * could not be written (a missing variable) are written again.
 */
function prepareStep(
  db: Db,
  opts: DraftOptions,
  res: DraftResult,
  w: Work,
  step: StepRow,
  adapter: ModelAdapter,
  offerText: string,
  instructions?: string,
): PreparedCall | 'next' | 'stop' {
  const existing =
    w.e.id === null
      ? undefined
      : (stmt(db, 'SELECT * FROM drafts WHERE enrollment_id = ? AND step_id = ?').get(w.e.id, step.id) as any | undefined);
  if (existing && !instructions) {
    if (existing.status === 'rejected') return 'stop';
    if (existing.status !== 'blocked' || (existing.body_text && !existing.error)) {
      if (existing.status === 'blocked' && !opts.dryRun) recheckBlocked(db, opts, res, w, existing);
      w.previous.push({ subject: existing.subject, body: splitBody(existing.body_text).body });
      return 'next';
    }
  }
  const variant = variantFor(db, opts, w, step);
  let template: Template;
  try {
    template = templateOf(variant, opts.templateDirs);
  } catch (err) {
    blockWithoutText(db, opts, res, w, step, variant, adapter, (err as Error).message);
    return 'stop';
  }
  const vars = buildVars(w.lead, w.e.campaign, offerText, opts.settings);
  const rendered = renderTemplate(template, vars);
  if (!rendered.ok) {
    blockWithoutText(db, opts, res, w, step, variant, adapter, rendered.reason);
    return 'stop';
  }
  const request = buildRequest(opts, w.e.campaign, template, w.lead, rendered, offerText, {
    position: step.position,
    totalSteps: w.steps.length,
    previous: [...w.previous],
    instructions,
  });
  return { work: w, step, variant, template, rendered, offerText, request, adapter };
}

/** A draft that could not be written at all (missing variable, broken template): kept, blocked, with the reason. */
function blockWithoutText(db: Db, opts: DraftOptions, res: DraftResult, w: Work, step: StepRow, variant: VariantRow, adapter: ModelAdapter, reason: string): void {
  res.blocked++;
  res.items.push({
    draftId: null,
    campaign: w.e.campaign.name,
    leadId: w.lead.leadId,
    domain: w.lead.domain,
    email: w.lead.contact?.email ?? null,
    step: step.position,
    variant: variant.label,
    status: 'blocked',
    provider: adapter.provider,
    model: adapter.model,
    subject: '',
    reasons: [reason],
    costUsd: 0,
  });
  if (opts.dryRun || w.e.id === null) return;
  tx(db, () => {
    recordAssignment(db, w.e.id!, step.id, variant.id);
    const r = db.sqlite
      .prepare(
        `INSERT INTO drafts (enrollment_id, step_id, variant_id, lead_id, contact_id, subject, body_text, status, compliance, claims, provider, model, error)
         VALUES (?, ?, ?, ?, ?, '', '', 'blocked', '[]', '[]', ?, ?, ?)
         ON CONFLICT (enrollment_id, step_id) DO UPDATE SET variant_id = excluded.variant_id, subject = '', body_text = '', status = 'blocked',
           compliance = '[]', claims = '[]', error = excluded.error, updated_at = ${now}
         WHERE drafts.status NOT IN ('approved', 'sent')
         RETURNING id`,
      )
      .get(w.e.id, step.id, variant.id, w.lead.leadId, w.lead.contact?.id ?? null, adapter.provider, adapter.model, reason) as { id: number } | undefined;
    addEvent(db, { leadId: w.lead.leadId, type: 'blocked', campaignId: w.e.campaign.id, runId: opts.runId ?? null, data: { draftId: r?.id ?? null, step: step.position, reason } });
  });
}

function recheckBlocked(db: Db, opts: DraftOptions, res: DraftResult, w: Work, d: any): void {
  const step = w.steps.find((s) => s.id === d.step_id)!;
  const v = step.variants.find((x) => x.id === d.variant_id);
  let support: string[] = [];
  if (v) {
    try {
      support = supportFor(templateOf(v, opts.templateDirs), null, resolveOffer(w.e.campaign.offer, opts.templateDirs), w.previous);
    } catch {
      support = [];
    }
  }
  const ev = evaluate(db, opts, w.lead, { subject: d.subject, bodyText: d.body_text, position: step.position }, support);
  const linkFlag = ev.claims.some((c) => c.kind === 'link');
  if (ev.ok && !linkFlag) {
    tx(db, () => {
      db.sqlite
        .prepare(`UPDATE drafts SET status = 'pending', compliance = ?, claims = ?, updated_at = ${now} WHERE id = ? AND status = 'blocked'`)
        .run(JSON.stringify(ev.compliance), JSON.stringify(ev.claims), d.id);
      db.sqlite.prepare(`UPDATE leads SET stage = ${advanceStageSql('@stage')}, updated_at = ${now} WHERE id = @id`).run({ stage: 'drafted', id: w.lead.leadId });
    });
    res.pending++;
  } else {
    db.sqlite.prepare(`UPDATE drafts SET compliance = ?, claims = ?, updated_at = ${now} WHERE id = ?`).run(JSON.stringify(ev.compliance), JSON.stringify(ev.claims), d.id);
  }
}

function recordSpend(db: Db, opts: DraftOptions, res: DraftResult, p: PreparedCall, u: Usage, draftId: number | null): void {
  addUsage(res, u);
  if (p.adapter.provider === 'offline') return;
  stmt(
    db,
    `INSERT INTO spend (run_id, purpose, draft_id, campaign_id, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd)
       VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(opts.runId ?? null, draftId, p.work.e.campaign.id, p.adapter.provider, p.adapter.model, u.inputTokens, u.outputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.costUsd);
}

/** Checks a written email, then commits the draft, its spend row, its events and the lead's stage at once. */
function finishStep(
  db: Db,
  opts: DraftOptions,
  res: DraftResult,
  p: PreparedCall,
  result: EmailResult,
  reviewNote?: string,
  committer?: Committer,
): void {
  const w = p.work;
  const bodyText = joinBody(result.body, p.rendered.footer);
  const support = supportFor(p.template, p.rendered, p.offerText, w.previous);
  const ev = evaluate(db, opts, w.lead, { subject: result.subject, bodyText, position: p.step.position }, support, w.suppressed);
  const linkFlag = ev.claims.some((c) => c.kind === 'link');
  const status: 'pending' | 'approved' | 'blocked' =
    !ev.ok || linkFlag ? 'blocked' : w.e.campaign.autoApprove && ev.claims.length === 0 && !reviewNote ? 'approved' : 'pending';
  const reasons = [
    ...ev.compliance.filter((r) => !r.ok).map((r) => `${r.rule}: ${r.message}`),
    ...ev.claims.map((c) => `claim (${c.kind}): ${c.message}`),
  ];
  w.previous.push({ subject: result.subject, body: result.body });
  const write = () => {
    recordAssignment(db, w.e.id!, p.step.id, p.variant.id);
    const r = stmt(
      db,
        `INSERT INTO drafts (enrollment_id, step_id, variant_id, lead_id, contact_id, subject, body_text, status, compliance, claims, provider, model,
           input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, error, reviewed_at, review_note)
         VALUES (@e, @s, @v, @l, @c, @subject, @body, @status, @compliance, @claims, @provider, @model, @in, @out, @cr, @cw, @cost, NULL,
           CASE WHEN @status = 'approved' THEN ${now} END, @note)
         ON CONFLICT (enrollment_id, step_id) DO UPDATE SET variant_id = excluded.variant_id, subject = excluded.subject, body_text = excluded.body_text,
           status = excluded.status, compliance = excluded.compliance, claims = excluded.claims, provider = excluded.provider, model = excluded.model,
           input_tokens = drafts.input_tokens + excluded.input_tokens, output_tokens = drafts.output_tokens + excluded.output_tokens,
           cache_read_tokens = drafts.cache_read_tokens + excluded.cache_read_tokens, cache_write_tokens = drafts.cache_write_tokens + excluded.cache_write_tokens,
           cost_usd = drafts.cost_usd + excluded.cost_usd, error = NULL, reviewed_at = excluded.reviewed_at, review_note = excluded.review_note, updated_at = ${now}
         WHERE drafts.status NOT IN ('approved', 'sent')
         RETURNING id`,
    ).get({
        e: w.e.id,
        s: p.step.id,
        v: p.variant.id,
        l: w.lead.leadId,
        c: w.lead.contact?.id ?? null,
        subject: result.subject,
        body: bodyText,
        status,
        compliance: JSON.stringify(ev.compliance),
        claims: JSON.stringify(ev.claims),
        provider: p.adapter.provider,
        model: p.adapter.model,
        in: result.usage.inputTokens,
        out: result.usage.outputTokens,
        cr: result.usage.cacheReadTokens,
        cw: result.usage.cacheWriteTokens,
        cost: result.usage.costUsd,
        note: reviewNote ?? null,
      }) as { id: number } | undefined;
    if (!r) throw new UserError(`The draft for ${w.lead.domain} step ${p.step.position} is already approved or sent; it was not changed.`);
    recordSpend(db, opts, res, p, result.usage, r.id);
    const data = { draftId: r.id, step: p.step.position, variant: p.variant.label, provider: p.adapter.provider, status };
    if (status === 'blocked') event(db, { leadId: w.lead.leadId, type: 'blocked', campaignId: w.e.campaign.id, runId: opts.runId ?? null, data: { ...data, reasons } });
    else {
      event(db, { leadId: w.lead.leadId, type: 'drafted', campaignId: w.e.campaign.id, runId: opts.runId ?? null, data });
      if (status === 'approved') event(db, { leadId: w.lead.leadId, type: 'approved', campaignId: w.e.campaign.id, runId: opts.runId ?? null, data: { ...data, auto: true } });
      stmt(db, `UPDATE leads SET stage = ${advanceStageSql('@stage')}, updated_at = ${now} WHERE id = @id`).run({ stage: 'drafted', id: w.lead.leadId });
    }
    res.drafts++;
    res[status]++;
    res.items.push(item(p, r.id, status, reasons, result.usage.costUsd, result.subject));
  };
  if (committer) committer.push(write, (err) => {
    res.failed++;
    res.items.push(item(p, null, 'failed', [(err as Error).message], result.usage.costUsd, result.subject));
  });
  else tx(db, write);
}

/**
 * Group commit: drafts that finish in the same turn of the event loop are committed in one transaction (one
 * fsync), each in its own savepoint so one failure does not undo the others. A finished draft waits at most one
 * turn of the event loop; `flush()` commits whatever is queued (end of run, before returning).
 */
class Committer {
  private queue: { write: () => void; fail: (err: unknown) => void }[] = [];
  private scheduled = false;
  constructor(private readonly db: Db) {}
  push(write: () => void, fail: (err: unknown) => void): void {
    this.queue.push({ write, fail });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }
  flush(): void {
    this.scheduled = false;
    const q = this.queue.splice(0);
    if (!q.length) return;
    tx(this.db, () => {
      for (const it of q) {
        try {
          this.db.sqlite.transaction(it.write)(); // nested: a savepoint
        } catch (err) {
          it.fail(err);
        }
      }
    });
  }
}

/** Collects the results of batches a previous run submitted but did not finish reading (crash, Ctrl-C). */
async function resumeBatches(
  db: Db,
  opts: DraftOptions,
  res: DraftResult,
  adapter: ModelAdapter,
  c: CampaignRow,
  works: Work[],
  prepare: (w: Work) => PreparedCall | null,
  complete: (p: PreparedCall, o: { ok: true; result: EmailResult } | { ok: false; error: string }) => void,
): Promise<void> {
  const pending = (db.sqlite.prepare(`SELECT key, value FROM meta WHERE key LIKE 'draft_batch:%'`).all() as { key: string; value: string }[]).filter(
    (r) => JSON.parse(r.value).campaignId === c.id,
  );
  for (const row of pending) {
    const batchId = row.key.slice('draft_batch:'.length);
    const results = await adapter.writeEmailsBatch([], { resumeBatchId: batchId, signal: opts.signal, pollIntervalMs: opts.batchPollMs });
    for (const [id, r] of results) {
      const m = /^e(\d+)-s(\d+)$/.exec(id);
      const w = m && works.find((x) => x.e.id === Number(m[1]));
      if (!w) continue;
      const p = prepare(w);
      if (!p || p.step.id !== Number(m![2])) continue;
      complete(p, r);
    }
    db.sqlite.prepare('DELETE FROM meta WHERE key = ?').run(row.key);
  }
}

/** Writes one draft again (review: "regenerate"), with the reviewer's note passed to the model. */
export async function regenerateDraft(
  db: Db,
  draftId: number,
  opts: DraftEnv & { adapterFor: (c: CampaignRow) => ModelAdapter; runId?: number | null; instructions?: string },
): Promise<DraftItem> {
  const d = db.sqlite.prepare('SELECT d.*, e.campaign_id FROM drafts d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.id = ?').get(draftId) as any;
  if (!d) throw new UserError(`No draft ${draftId}.`);
  if (d.status === 'approved' || d.status === 'sent') throw new UserError(`Draft ${draftId} is ${d.status}; only pending, blocked or rejected drafts can be regenerated.`);
  const c = db.sqlite.prepare('SELECT name FROM campaigns WHERE id = ?').get(d.campaign_id) as { name: string };
  const campaign = getCampaign(db, c.name);
  const steps = campaignSteps(db, campaign.id);
  const adapter = opts.adapterFor(campaign);
  const res = emptyResult();
  const fullOpts: DraftOptions = { ...opts, adapterFor: opts.adapterFor };
  const lead = loadLeadContext(db, d.lead_id, d.contact_id);
  const w: Work = { e: { id: d.enrollment_id, campaign, leadId: d.lead_id, contactId: d.contact_id }, lead, steps, index: 0, previous: [], alive: true };
  const earlier = db.sqlite
    .prepare('SELECT d.subject, d.body_text FROM drafts d JOIN steps s ON s.id = d.step_id WHERE d.enrollment_id = ? AND s.position < (SELECT position FROM steps WHERE id = ?) ORDER BY s.position')
    .all(d.enrollment_id, d.step_id) as { subject: string; body_text: string }[];
  w.previous = earlier.map((x) => ({ subject: x.subject, body: splitBody(x.body_text).body }));
  const step = steps.find((s) => s.id === d.step_id)!;
  w.index = steps.indexOf(step);
  if (d.status === 'rejected') db.sqlite.prepare(`UPDATE drafts SET status = 'pending' WHERE id = ?`).run(draftId);
  // Regenerating brings the lead back into the sequence if review had stopped it for a rejected draft.
  db.sqlite
    .prepare(
      `UPDATE enrollments SET status = 'active', stop_reason = NULL, updated_at = ${now}
       WHERE id = ? AND status = 'stopped' AND stop_reason = 'draft rejected in review'
         AND NOT EXISTS (SELECT 1 FROM drafts WHERE enrollment_id = ? AND status = 'rejected')`,
    )
    .run(d.enrollment_id, d.enrollment_id);
  const p = prepareStep(db, fullOpts, res, w, step, adapter, resolveOffer(campaign.offer, opts.templateDirs), opts.instructions || 'Write a different version.');
  if (p === 'next' || p === 'stop') return res.items[0] ?? ({ draftId, status: 'blocked', reasons: ['could not render the template'] } as DraftItem);
  const result = await adapter.writeEmail(p.request);
  finishStep(db, fullOpts, res, p, result, opts.instructions ? `regenerated: ${opts.instructions}` : 'regenerated');
  return res.items[res.items.length - 1]!;
}

function emptyResult(): DraftResult {
  return {
    dryRun: false,
    campaigns: [],
    enrolled: 0,
    leads: 0,
    drafts: 0,
    pending: 0,
    approved: 0,
    blocked: 0,
    failed: 0,
    skipped: [],
    notEnrolled: { replied: 0, unsubscribed: 0, bounced: 0, replies: {}, leads: [] },
    stoppedForSpend: false,
    interrupted: false,
    spentUsd: 0,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    estimatedUsd: 0,
    items: [],
  };
}
