// Campaigns: a named sequence of steps (first email, then follow-ups N business days later in the same
// thread), each step with weighted A/B variants, and a filter that decides which leads join.
import { z } from 'zod';
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { addEvent } from '../../db/events.js';
import { findDomainSuppression, findSuppression } from '../../db/suppressions.js';
import { UserError, UsageError } from '../../errors.js';
import { variantProblems } from '../../domain/variants.js';
import { HUMAN_REPLY_LABELS_SQL, LATEST_HUMAN_REPLY_SQL } from '../../domain/lead.js';
import { parseYamlText } from '../../config.js';
import { findTemplateFile, inlineTemplate, loadTemplate } from '../draft/templates.js';

export type CampaignStatus = 'active' | 'paused' | 'archived';

export interface CampaignFilter {
  minFit?: number;
  maxFit?: number;
  minIntent?: number;
  maxIntent?: number;
  tag?: string;
  country?: string;
}

export interface VariantSpec {
  label: string;
  weight: number;
  template?: string | null;
  subject?: string | null;
  body?: string | null;
}

export interface StepSpec {
  delayDays: number;
  variants: VariantSpec[];
}

export interface CampaignSpec {
  name: string;
  offer?: string | null;
  niche?: string | null;
  provider?: 'anthropic' | 'bedrock' | 'offline' | null;
  model?: string | null;
  filter?: CampaignFilter;
  autoApprove?: boolean;
  steps: StepSpec[];
}

export interface CampaignRow {
  id: number;
  name: string;
  status: CampaignStatus;
  offer: string | null;
  niche: string | null;
  provider: string | null;
  model: string | null;
  filter: CampaignFilter;
  autoApprove: boolean;
  createdAt: string;
}

export interface VariantRow {
  id: number;
  stepId: number;
  label: string;
  weight: number;
  template: string | null;
  subject: string | null;
  body: string | null;
}

export interface StepRow {
  id: number;
  campaignId: number;
  position: number;
  delayDays: number;
  variants: VariantRow[];
}

export const NICHES = ['jewelry', 'apparel', 'beauty', 'home', 'pets', 'food', 'general'] as const;

/** The sequence used when `campaign create` is given no --step: the niche's templates, A/B on the first email. */
export function defaultSteps(niche: string | null | undefined, templateDirs: string[]): StepSpec[] {
  const n = niche && findTemplateFile(`${niche}-intro`, templateDirs) ? niche : 'general';
  return [
    { delayDays: 0, variants: [{ label: 'A', weight: 1, template: `${n}-intro` }, { label: 'B', weight: 1, template: `${n}-intro-short` }] },
    { delayDays: 3, variants: [{ label: 'A', weight: 1, template: `${n}-followup` }] },
    { delayDays: 4, variants: [{ label: 'A', weight: 1, template: 'breakup' }] },
  ];
}

/**
 * `--step` syntax: TEMPLATE[=WEIGHT][,TEMPLATE[=WEIGHT]...][@DAYS]. Variants are labelled A, B, C... in order.
 * Example: `jewelry-intro=70,jewelry-intro-short=30` then `jewelry-followup@3`.
 */
export function parseStepSpec(spec: string, index: number): StepSpec {
  const s = spec.trim();
  const m = /^(.+?)(?:@(\d+))?$/.exec(s);
  if (!m || !m[1]) throw new UsageError(`--step "${spec}": expected TEMPLATE[=WEIGHT][,TEMPLATE[=WEIGHT]...][@DAYS]`);
  const delayDays = m[2] !== undefined ? Number(m[2]) : index === 0 ? 0 : 3;
  if (index === 0 && delayDays !== 0) throw new UsageError(`--step "${spec}": the first step is sent first; it takes no @DAYS delay`);
  if (index > 0 && delayDays < 1) throw new UsageError(`--step "${spec}": a follow-up needs a delay of at least 1 business day (@1)`);
  const variants = m[1].split(',').map((part, i) => {
    const [tpl, w] = part.split('=');
    const weight = w === undefined ? 1 : Number(w);
    if (!tpl?.trim()) throw new UsageError(`--step "${spec}": empty template name`);
    if (!Number.isFinite(weight) || weight < 0) throw new UsageError(`--step "${spec}": weight "${w}" is not a number ≥ 0`);
    return { label: String.fromCharCode(65 + i), weight, template: tpl.trim() };
  });
  return { delayDays, variants };
}

const FileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  offer: z.string().optional(),
  niche: z.string().optional(),
  provider: z.enum(['anthropic', 'bedrock', 'offline']).optional(),
  model: z.string().optional(),
  auto_approve: z.boolean().default(false),
  filter: z
    .strictObject({
      min_fit: z.number().int().min(0).max(100).optional(),
      max_fit: z.number().int().min(0).max(100).optional(),
      min_intent: z.number().int().min(0).max(100).optional(),
      max_intent: z.number().int().min(0).max(100).optional(),
      tag: z.string().optional(),
      country: z.string().length(2).optional(),
    })
    .default({}),
  steps: z
    .array(
      z.strictObject({
        delay_days: z.number().int().min(0).max(60).default(0),
        variants: z
          .array(
            z.strictObject({
              label: z.string().optional(),
              weight: z.number().min(0).default(1),
              template: z.string().optional(),
              subject: z.string().optional(),
              body: z.string().optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

/** A campaign described in a YAML file (inline subjects and bodies allowed). */
export function parseCampaignFile(text: string, file: string): Omit<CampaignSpec, 'name'> & { name?: string } {
  const f = parseYamlText(text, file, FileSchema);
  return {
    name: f.name,
    offer: f.offer ?? null,
    niche: f.niche ?? null,
    provider: f.provider ?? null,
    model: f.model ?? null,
    autoApprove: f.auto_approve,
    filter: {
      minFit: f.filter.min_fit,
      maxFit: f.filter.max_fit,
      minIntent: f.filter.min_intent,
      maxIntent: f.filter.max_intent,
      tag: f.filter.tag,
      country: f.filter.country?.toUpperCase(),
    },
    steps: f.steps.map((s, i) => ({
      delayDays: i === 0 ? 0 : Math.max(1, s.delay_days),
      variants: s.variants.map((v, j) => ({
        label: v.label ?? String.fromCharCode(65 + j),
        weight: v.weight,
        template: v.template ?? null,
        subject: v.subject ?? null,
        body: v.body ?? null,
      })),
    })),
  };
}

/** Checks every step and variant: templates exist and parse, inline variants are complete, weights are sane. */
export function validateSpec(spec: CampaignSpec, templateDirs: string[]): void {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/.test(spec.name)) problems.push(`campaign name "${spec.name}": use letters, digits, space, _ . - (max 64)`);
  if (!spec.steps.length) problems.push('a campaign needs at least one step');
  const f = spec.filter ?? {};
  for (const k of ['minFit', 'maxFit', 'minIntent', 'maxIntent'] as const) {
    const v = f[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 100)) problems.push(`${k} must be a whole number from 0 to 100`);
  }
  if (f.minFit !== undefined && f.maxFit !== undefined && f.minFit > f.maxFit) problems.push('minFit is above maxFit');
  if (f.minIntent !== undefined && f.maxIntent !== undefined && f.minIntent > f.maxIntent) problems.push('minIntent is above maxIntent');
  spec.steps.forEach((s, i) => {
    const where = `step ${i + 1}`;
    if (!s.variants.length) problems.push(`${where}: no variant`);
    for (const p of variantProblems(s.variants)) problems.push(`${where}: ${p}`);
    for (const v of s.variants) {
      try {
        if (v.template) {
          const t = loadTemplate(v.template, templateDirs);
          if (i === 0 && t.step === 'followup') problems.push(`${where} variant ${v.label}: template ${v.template} is a follow-up, not a first email`);
          if (i > 0 && t.step === 'first') problems.push(`${where} variant ${v.label}: template ${v.template} is a first email, not a follow-up`);
        } else if (v.subject && v.body) inlineTemplate(v.label, v.subject, v.body);
        else problems.push(`${where} variant ${v.label}: give a template name, or both subject and body`);
      } catch (err) {
        problems.push(`${where} variant ${v.label}: ${(err as Error).message}${(err as UserError).hint ? ` (${(err as UserError).hint})` : ''}`);
      }
    }
  });
  if (problems.length) throw new UserError(`Campaign "${spec.name}" is not valid:\n  ${problems.join('\n  ')}`);
}

function rowToCampaign(r: any): CampaignRow {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    offer: r.offer,
    niche: r.niche,
    provider: r.provider,
    model: r.model,
    filter: r.filter ? JSON.parse(r.filter) : {},
    autoApprove: Boolean(r.auto_approve),
    createdAt: r.created_at,
  };
}

export function createCampaign(db: Db, spec: CampaignSpec, templateDirs: string[]): CampaignRow {
  validateSpec(spec, templateDirs);
  const filter = Object.fromEntries(Object.entries(spec.filter ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  return tx(db, () => {
    if (db.sqlite.prepare('SELECT 1 FROM campaigns WHERE name = ?').get(spec.name)) {
      throw new UserError(`A campaign named "${spec.name}" already exists.`, 'Pick another name, or see it with `outreach campaign show NAME`.');
    }
    const c = db.sqlite
      .prepare(`INSERT INTO campaigns (name, status, offer, niche, provider, model, filter, auto_approve) VALUES (?, 'active', ?, ?, ?, ?, ?, ?) RETURNING *`)
      .get(spec.name, spec.offer ?? null, spec.niche ?? null, spec.provider ?? null, spec.model ?? null, JSON.stringify(filter), spec.autoApprove ? 1 : 0);
    const insStep = db.sqlite.prepare('INSERT INTO steps (campaign_id, position, delay_days) VALUES (?, ?, ?) RETURNING id');
    const insVar = db.sqlite.prepare('INSERT INTO variants (step_id, label, weight, template, subject, body) VALUES (?, ?, ?, ?, ?, ?)');
    spec.steps.forEach((s, i) => {
      const st = insStep.get((c as any).id, i + 1, i === 0 ? 0 : s.delayDays) as { id: number };
      for (const v of s.variants) insVar.run(st.id, v.label, v.weight, v.template ?? null, v.template ? null : v.subject ?? null, v.template ? null : v.body ?? null);
    });
    return rowToCampaign(c);
  });
}

export function getCampaign(db: Db, name: string): CampaignRow {
  const r = db.sqlite.prepare('SELECT * FROM campaigns WHERE name = ?').get(name);
  if (!r) {
    const names = (db.sqlite.prepare('SELECT name FROM campaigns ORDER BY id').all() as { name: string }[]).map((x) => x.name);
    throw new UserError(`No campaign named "${name}".`, names.length ? `Campaigns: ${names.join(', ')}` : 'Create one with `outreach campaign create NAME --niche jewelry --offer email-flows`.');
  }
  return rowToCampaign(r);
}

export function getCampaignById(db: Db, id: number): CampaignRow {
  return rowToCampaign(db.sqlite.prepare('SELECT * FROM campaigns WHERE id = ?').get(id));
}

export function campaignSteps(db: Db, campaignId: number): StepRow[] {
  const steps = db.sqlite.prepare('SELECT id, campaign_id, position, delay_days FROM steps WHERE campaign_id = ? ORDER BY position').all(campaignId) as any[];
  const vars = db.sqlite
    .prepare('SELECT v.* FROM variants v JOIN steps s ON s.id = v.step_id WHERE s.campaign_id = ? ORDER BY v.label')
    .all(campaignId) as any[];
  return steps.map((s) => ({
    id: s.id,
    campaignId: s.campaign_id,
    position: s.position,
    delayDays: s.delay_days,
    variants: vars
      .filter((v) => v.step_id === s.id)
      .map((v) => ({ id: v.id, stepId: v.step_id, label: v.label, weight: v.weight, template: v.template, subject: v.subject, body: v.body })),
  }));
}

export interface CampaignSummary extends CampaignRow {
  steps: number;
  enrolled: number;
  active: number;
  drafts: Record<string, number>;
}

export function listCampaigns(db: Db, opts: { includeArchived?: boolean } = {}): CampaignSummary[] {
  const rows = db.sqlite.prepare(`SELECT * FROM campaigns ${opts.includeArchived ? '' : "WHERE status != 'archived'"} ORDER BY id`).all() as any[];
  const stepCount = db.sqlite.prepare('SELECT COUNT(*) n FROM steps WHERE campaign_id = ?');
  const enr = db.sqlite.prepare(`SELECT COUNT(*) n, SUM(status = 'active') a FROM enrollments WHERE campaign_id = ?`);
  const dr = db.sqlite.prepare('SELECT d.status, COUNT(*) n FROM drafts d JOIN enrollments e ON e.id = d.enrollment_id WHERE e.campaign_id = ? GROUP BY d.status');
  return rows.map((r) => {
    const e = enr.get(r.id) as { n: number; a: number | null };
    return {
      ...rowToCampaign(r),
      steps: (stepCount.get(r.id) as { n: number }).n,
      enrolled: e.n,
      active: e.a ?? 0,
      drafts: Object.fromEntries((dr.all(r.id) as { status: string; n: number }[]).map((x) => [x.status, x.n])),
    };
  });
}

export interface CampaignDetail extends CampaignSummary {
  sequence: (StepRow & { variants: (VariantRow & { assigned: number; drafts: Record<string, number> })[] })[];
  enrollments: Record<string, number>;
  eligible: number;
}

export function showCampaign(db: Db, name: string): CampaignDetail {
  const c = getCampaign(db, name);
  const summary = listCampaigns(db, { includeArchived: true }).find((x) => x.id === c.id)!;
  const assigned = db.sqlite.prepare('SELECT COUNT(*) n FROM assignments WHERE variant_id = ?');
  const drafts = db.sqlite.prepare('SELECT status, COUNT(*) n FROM drafts WHERE variant_id = ? GROUP BY status');
  const sequence = campaignSteps(db, c.id).map((s) => ({
    ...s,
    variants: s.variants.map((v) => ({
      ...v,
      assigned: (assigned.get(v.id) as { n: number }).n,
      drafts: Object.fromEntries((drafts.all(v.id) as { status: string; n: number }[]).map((x) => [x.status, x.n])),
    })),
  }));
  const enrollments = Object.fromEntries(
    (db.sqlite.prepare('SELECT status, COUNT(*) n FROM enrollments WHERE campaign_id = ? GROUP BY status').all(c.id) as { status: string; n: number }[]).map((x) => [x.status, x.n]),
  );
  return { ...summary, sequence, enrollments, eligible: eligibleLeads(db, c, { limit: 100_000 }).length };
}

export function setCampaignStatus(db: Db, name: string, status: CampaignStatus, runId: number | null = null): { campaign: CampaignRow; changed: boolean } {
  return tx(db, () => {
    const c = getCampaign(db, name);
    if (c.status === status) return { campaign: c, changed: false };
    db.sqlite.prepare(`UPDATE campaigns SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`).run(status, c.id);
    const leads = db.sqlite.prepare(`SELECT lead_id FROM enrollments WHERE campaign_id = ? AND status = 'active'`).all(c.id) as { lead_id: number }[];
    const type = status === 'paused' ? 'paused' : status === 'active' ? 'resumed' : 'stopped';
    for (const l of leads) addEvent(db, { leadId: l.lead_id, type, campaignId: c.id, runId, data: { campaign: c.name, scope: 'campaign' } });
    if (status === 'archived') {
      // Archived means finished: nothing more is drafted or sent for it.
      db.sqlite
        .prepare(`UPDATE enrollments SET status = 'stopped', stop_reason = 'campaign archived', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE campaign_id = ? AND status IN ('active', 'paused')`)
        .run(c.id);
    }
    return { campaign: { ...c, status }, changed: true };
  });
}

export interface EligibleLead {
  leadId: number;
  domain: string;
  contactId: number;
  email: string;
  fit: number | null;
  intent: number | null;
}

/** The campaign filter as SQL over `leads l LEFT JOIN scores s` (named parameters from filterParams). */
const FILTER_SQL = `(@minFit IS NULL OR s.fit >= @minFit) AND (@maxFit IS NULL OR s.fit <= @maxFit)
         AND (@minIntent IS NULL OR s.intent >= @minIntent) AND (@maxIntent IS NULL OR s.intent <= @maxIntent)
         AND (@tag IS NULL OR EXISTS (SELECT 1 FROM lead_tags t WHERE t.lead_id = l.id AND t.tag = @tag))
         AND (@country IS NULL OR upper(l.country) = @country)`;

/**
 * A person answered (WARM, COLD or NEUTRAL): the conversation is human now, so no campaign (a new one included)
 * enrolls or drafts for the lead. The `replied` stage, unsubscribes and bounces are read from the lead's stage.
 */
const HUMAN_REPLY_SQL = `EXISTS (SELECT 1 FROM inbound i WHERE i.lead_id = l.id AND i.label IN ${HUMAN_REPLY_LABELS_SQL})`;

function filterParams(c: CampaignRow): Record<string, string | number | null> {
  const f = c.filter;
  return {
    cid: c.id,
    minFit: f.minFit ?? null,
    maxFit: f.maxFit ?? null,
    minIntent: f.minIntent ?? null,
    maxIntent: f.maxIntent ?? null,
    tag: f.tag ?? null,
    country: f.country ? f.country.toUpperCase() : null,
  };
}

/**
 * Leads the filter admits that can be mailed: not rejected/bounced/unsubscribed, no human reply ever (see
 * HUMAN_REPLY_SQL), with a contact whose address is not known bad, not already in this campaign, and not active in
 * another campaign (one sequence at a time). Suppressed addresses are checked by enrollLeads (hashes need code).
 */
export function eligibleLeads(db: Db, c: CampaignRow, opts: { limit: number; offset?: number }): EligibleLead[] {
  const rows = db.sqlite
    .prepare(
      `SELECT l.id AS leadId, l.domain, s.fit, s.intent, c.id AS contactId, c.email
       FROM leads l
       LEFT JOIN scores s ON s.lead_id = l.id
       JOIN contacts c ON c.id = (
         SELECT c2.id FROM contacts c2 WHERE c2.lead_id = l.id AND c2.validation NOT IN ('invalid', 'no_mx', 'disposable')
         ORDER BY c2.is_primary DESC, c2.is_role ASC, c2.id LIMIT 1)
       WHERE l.stage NOT IN ('rejected', 'bounced', 'unsubscribed', 'replied')
         AND NOT ${HUMAN_REPLY_SQL}
         AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.lead_id = l.id AND (e.campaign_id = @cid OR e.status IN ('active', 'paused')))
         AND ${FILTER_SQL}
       ORDER BY COALESCE(s.fit, 0) + COALESCE(s.intent, 0) DESC, l.id
       LIMIT @limit OFFSET @offset`,
    )
    .all({ ...filterParams(c), limit: opts.limit, offset: opts.offset ?? 0 }) as EligibleLead[];
  return rows;
}

export type NotEnrolledReason = 'replied' | 'unsubscribed' | 'bounced';

export interface NotEnrolled {
  /** Leads the campaign's filter admits that are not in it and never will be, by reason. */
  counts: Record<NotEnrolledReason, number>;
  /** The human replies among `replied`, by the label of the lead's latest one (WARM, COLD, NEUTRAL). */
  replies: Record<string, number>;
  /** Up to `limit` of them, with the reason in words. */
  leads: { leadId: number; domain: string; reason: NotEnrolledReason; label: string | null; detail: string }[];
}

const NOT_ENROLLED_DETAIL: Record<NotEnrolledReason, string> = {
  replied: 'already replied: the conversation is human now (answer them yourself), so no campaign mails them',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
};

/**
 * The leads the filter admits that eligibleLeads leaves out because a person answered, unsubscribed or bounced
 * (not those already in this campaign): what `draft` reports as "not enrolled".
 */
export function notEnrolledLeads(db: Db, c: CampaignRow, opts: { limit: number }): NotEnrolled {
  const rows = db.sqlite
    .prepare(
      `SELECT l.id AS leadId, l.domain,
         CASE WHEN l.stage = 'unsubscribed' THEN 'unsubscribed' WHEN l.stage = 'bounced' THEN 'bounced' ELSE 'replied' END AS reason,
         ${LATEST_HUMAN_REPLY_SQL} AS label
       FROM (SELECT id FROM leads WHERE stage IN ('replied', 'unsubscribed', 'bounced')
             UNION SELECT lead_id FROM inbound WHERE label IN ${HUMAN_REPLY_LABELS_SQL} AND lead_id IS NOT NULL) AS x
       JOIN leads l ON l.id = x.id
       LEFT JOIN scores s ON s.lead_id = l.id
       WHERE l.stage != 'rejected'
         AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.lead_id = l.id AND e.campaign_id = @cid)
         AND ${FILTER_SQL}
       ORDER BY l.id`,
    )
    .all(filterParams(c)) as { leadId: number; domain: string; reason: NotEnrolledReason; label: string | null }[];
  const out: NotEnrolled = { counts: { replied: 0, unsubscribed: 0, bounced: 0 }, replies: {}, leads: [] };
  for (const r of rows) {
    out.counts[r.reason]++;
    if (r.reason === 'replied') {
      const k = r.label ?? 'replied';
      out.replies[k] = (out.replies[k] ?? 0) + 1;
    }
    if (out.leads.length < opts.limit) {
      const detail = r.reason === 'replied' && r.label ? `replied ${r.label}: ${NOT_ENROLLED_DETAIL.replied.slice('already replied: '.length)}` : NOT_ENROLLED_DETAIL[r.reason];
      out.leads.push({ ...r, detail });
    }
  }
  return out;
}

export interface EnrollResult {
  enrolled: { enrollmentId: number; leadId: number; domain: string }[];
  skipped: { leadId: number; domain: string; reason: string }[];
}

/** Enrolls up to `limit` eligible leads (suppressed recipients are skipped with the reason). */
export function enrollLeads(db: Db, c: CampaignRow, opts: { limit: number; runId?: number | null }): EnrollResult {
  const out: EnrollResult = { enrolled: [], skipped: [] };
  if (c.status !== 'active' || opts.limit <= 0) return out;
  const ins = db.sqlite.prepare(
    `INSERT INTO enrollments (campaign_id, lead_id, contact_id, status) VALUES (?, ?, ?, 'active') ON CONFLICT (campaign_id, lead_id) DO NOTHING RETURNING id`,
  );
  // One transaction: enrollments are cheap and all-or-nothing is fine here.
  tx(db, () => {
    // Pages of candidates (a few more than needed: some are suppressed), until enough are enrolled or none is left.
    // Suppressed leads are never enrolled, so they stay candidates: skip past them with the offset.
    let offset = 0;
    for (;;) {
      const page = Math.max(50, (opts.limit - out.enrolled.length) * 2 + 10);
      const cands = eligibleLeads(db, c, { limit: page, offset });
      for (const l of cands) {
        if (out.enrolled.length >= opts.limit) break;
        const hit = findSuppression(db, l.email) ?? findDomainSuppression(db, l.domain);
        if (hit) {
          out.skipped.push({ leadId: l.leadId, domain: l.domain, reason: `${l.email} is suppressed (${hit.reason}, ${hit.kind.replace('_hash', '')})` });
          offset++;
          continue;
        }
        const r = ins.get(c.id, l.leadId, l.contactId) as { id: number } | undefined;
        if (!r) continue; // enrolled meanwhile: no longer a candidate
        addEvent(db, { leadId: l.leadId, type: 'enrolled', campaignId: c.id, runId: opts.runId ?? null, data: { campaign: c.name, contact: l.email } });
        out.enrolled.push({ enrollmentId: r.id, leadId: l.leadId, domain: l.domain });
      }
      if (out.enrolled.length >= opts.limit || cands.length < page) break;
    }
  });
  return out;
}
