// The score stage: reads every enriched lead with its facts in lead order, in batches, computes fit and
// intent with the pure factor functions, and writes one `scores` row per lead. Each batch is one write
// transaction, so an interrupted run leaves finished batches committed. A row is rewritten only when
// something changed, and a 'scored' event is added only when fit or intent moved (re-runs stay quiet).
import type { Db } from '../../db/open.js';
import { advanceStageSql, LEAD_STAGES, stageRank } from '../../domain/lead.js';
import { normalizeDomain } from '../../domain/normalize.js';
import { profileVersion, type Profile } from '../../domain/profile.js';
import {
  addFact,
  compileProfile,
  newLeadFacts,
  scoreLead,
  storedFactorsJson,
  type CompiledProfile,
  type Factor,
  type LeadFacts,
  type ScoreResult,
} from '../../domain/scoring.js';

export interface ScoreProgress {
  done: number;
  total: number;
}

export interface ScoreOptions {
  profile: Profile;
  /** The audit run, stored with the events. */
  runId?: number | null;
  /** Clock for scored_at (tests pass a fixed one). Scores themselves never depend on it. */
  now?: () => Date;
  /** Leads per transaction. */
  batchSize?: number;
  /** How many top leads the summary lists. */
  top?: number;
  signal?: AbortSignal;
  onProgress?: (p: ScoreProgress) => void;
  /** Compute and count what would change, write nothing. */
  dryRun?: boolean;
}

export interface TopLead {
  domain: string;
  fit: number;
  intent: number;
  fit_confidence: number;
  intent_confidence: number;
}

export interface ScoreSummary {
  profile_version: string;
  /** Enriched leads at the start. */
  total: number;
  /** Leads scored by this run. */
  scored: number;
  /** Leads scored for the first time. */
  new: number;
  /** Leads whose fit or intent changed (including new ones): these got a 'scored' event. */
  changed: number;
  /** Leads whose stored row was already identical. */
  unchanged: number;
  /** Score rows inserted or rewritten (new, changed, or the same scores under a new profile version or evidence). */
  written: number;
  /** Leads the profile excludes (fit 0). */
  excluded: number;
  /** Leads with less than half of the fit weight backed by data. */
  low_confidence: number;
  interrupted: boolean;
  dry_run: boolean;
  top: TopLead[];
}

const LEAD_COLS = 'id, domain, country, company, enrich_status';
const ENRICHED = `(enrich_status = 'done' OR EXISTS (SELECT 1 FROM facts f WHERE f.lead_id = leads.id))`;
const BELOW_SCORED = LEAD_STAGES.filter((s) => stageRank(s) < stageRank('scored'))
  .map((s) => `'${s}'`)
  .join(', ');

type LeadRow = [id: number, domain: string, country: string | null, company: string | null, enrichStatus: string | null];
type FactRowRaw = [leadId: number, key: string, value: string, url: string | null, observedAt: string];
type ScoreRowRaw = [leadId: number, fit: number, intent: number, version: string, fitConf: number, intentConf: number, factors?: string];

function leadFacts(row: LeadRow): LeadFacts {
  return newLeadFacts(row[1], { country: row[2], company: row[3], enriched: row[4] === 'done' });
}

/** Scores every enriched lead under the profile. */
export function scoreLeads(db: Db, opts: ScoreOptions): ScoreSummary {
  const sqlite = db.sqlite;
  const cp = compileProfile(opts.profile);
  const version = profileVersion(opts.profile);
  const batchSize = Math.max(1, opts.batchSize ?? 2000);
  const now = opts.now ?? (() => new Date());

  const total = (sqlite.prepare(`SELECT count(*) FROM leads WHERE ${ENRICHED}`).pluck().get() as number) ?? 0;
  const nextLeads = sqlite.prepare(`SELECT ${LEAD_COLS} FROM leads WHERE id > ? AND ${ENRICHED} ORDER BY id LIMIT ?`).raw();
  // The (lead_id, key, value) index gives lead order without a sort.
  const factsIn = sqlite
    .prepare(`SELECT lead_id, key, value, source_url, observed_at FROM facts INDEXED BY facts_lead_key_value_uq WHERE lead_id >= ? AND lead_id <= ? ORDER BY lead_id, key, value`)
    .raw();
  const scoresIn = sqlite
    // The stored factors are read only by a dry run: a real run lets SQLite compare them (see upsert).
    .prepare(
      `SELECT lead_id, fit, intent, profile_version, fit_confidence, intent_confidence${opts.dryRun ? ', factors' : ''} FROM scores WHERE lead_id >= ? AND lead_id <= ?`,
    )
    .raw();
  const upsert = sqlite.prepare(
    `INSERT INTO scores (lead_id, fit, intent, fit_confidence, intent_confidence, factors, profile_version, scored_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(lead_id) DO UPDATE SET fit = excluded.fit, intent = excluded.intent, fit_confidence = excluded.fit_confidence,
       intent_confidence = excluded.intent_confidence, factors = excluded.factors, profile_version = excluded.profile_version,
       scored_at = excluded.scored_at
     -- An identical row is left alone (SQLite compares it, the old factors never reach JavaScript).
     WHERE scores.fit IS NOT excluded.fit OR scores.intent IS NOT excluded.intent
       OR scores.fit_confidence IS NOT excluded.fit_confidence OR scores.intent_confidence IS NOT excluded.intent_confidence
       OR scores.profile_version IS NOT excluded.profile_version OR scores.factors IS NOT excluded.factors`,
  );
  const advance = sqlite.prepare(
    `UPDATE leads SET stage = ${advanceStageSql("'scored'")}, updated_at = ? WHERE id = ? AND stage IN (${BELOW_SCORED})`,
  );
  // The same row addEvent writes; prepared once because a first run adds one per lead.
  const event = sqlite.prepare(`INSERT INTO events (lead_id, type, at, data, run_id) VALUES (?, 'scored', ?, ?, ?)`);

  const summary: ScoreSummary = {
    profile_version: version,
    total,
    scored: 0,
    new: 0,
    changed: 0,
    unchanged: 0,
    written: 0,
    excluded: 0,
    low_confidence: 0,
    interrupted: false,
    dry_run: Boolean(opts.dryRun),
    top: [],
  };
  const dryTop: TopLead[] = [];
  const topN = opts.top ?? 10;

  let lastId = 0;
  opts.onProgress?.({ done: 0, total });
  for (;;) {
    if (opts.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    const batch = db.sqlite.transaction(() => {
        const leads = nextLeads.all(lastId, batchSize) as LeadRow[];
        if (!leads.length) return 0;
        const first = leads[0]![0];
        const last = leads[leads.length - 1]![0];
        const at = now().toISOString();

        const domains = new Map<number, string>();
        if (opts.dryRun) for (const l of leads) domains.set(l[0], l[1]);
        const existing = new Map<number, ScoreRowRaw>();
        for (const r of scoresIn.all(first, last) as ScoreRowRaw[]) existing.set(r[0], r);

        // Merge-join, streamed: leads and facts both come in lead order. Fact rows are iterated (not
        // collected) so they die young; the batch's results are written once the read is done.
        const results: [id: number, res: ScoreResult][] = [];
        let li = 0;
        let current: LeadFacts | null = null;
        let currentId = -1;
        const finishUpTo = (id: number) => {
          // Scores every lead before `id` (the leads without facts too).
          while (li < leads.length && leads[li]![0] < id) {
            const row = leads[li++]!;
            const lead = row[0] === currentId && current ? current : leadFacts(row);
            results.push([row[0], scoreLead(lead, cp)]);
          }
        };
        for (const f of factsIn.iterate(first, last) as IterableIterator<FactRowRaw>) {
          const id = f[0];
          if (id !== currentId) {
            finishUpTo(id);
            currentId = id;
            current = li < leads.length && leads[li]![0] === id ? leadFacts(leads[li]!) : null;
          }
          if (current) addFact(current, f[1], f[2], f[3], f[4]);
        }
        finishUpTo(Number.MAX_SAFE_INTEGER);

        const runId = opts.runId ?? null;
        for (const [id, res] of results) {
          const prev = existing.get(id);
          summary.scored++;
          if (res.excluded) summary.excluded++;
          if (res.fitConfidence < 0.5) summary.low_confidence++;
          const factorsJson = storedFactorsJson(res.factors);
          let written: number;
          if (opts.dryRun) {
            written =
              prev && prev[1] === res.fit && prev[2] === res.intent && prev[3] === version && prev[4] === res.fitConfidence && prev[5] === res.intentConfidence && prev[6] === factorsJson
                ? 0
                : 1;
            keepTop(dryTop, topN, { domain: domains.get(id)!, fit: res.fit, intent: res.intent, fit_confidence: res.fitConfidence, intent_confidence: res.intentConfidence });
          } else {
            advance.run(at, id); // a no-op once the lead is at 'scored' or beyond
            written = upsert.run(id, res.fit, res.intent, res.fitConfidence, res.intentConfidence, factorsJson, version, at).changes;
          }
          if (!written) {
            summary.unchanged++;
            continue;
          }
          summary.written++;
          if (!prev) summary.new++;
          if (!prev || prev[1] !== res.fit || prev[2] !== res.intent) {
            summary.changed++;
            if (opts.dryRun) continue;
            const previous = prev ? `{"fit":${prev[1]},"intent":${prev[2]},"profile_version":${JSON.stringify(prev[3])}}` : 'null';
            event.run(
              id,
              at,
              `{"fit":${res.fit},"intent":${res.intent},"fit_confidence":${res.fitConfidence},"intent_confidence":${res.intentConfidence},"previous":${previous},"profile_version":${JSON.stringify(version)}}`,
              runId,
            );
          }
        }
        lastId = last;
        return leads.length;
      });
    // A write transaction taken at once (like tx()); a dry run only reads.
    const n = opts.dryRun ? batch.deferred() : batch.immediate();
    if (n === 0) break;
    opts.onProgress?.({ done: summary.scored, total });
  }

  summary.top = opts.dryRun ? dryTop : topLeads(db, topN);
  return summary;
}

/** Best first: fit, then intent, then domain (the order of topLeads). */
function better(a: TopLead, b: TopLead): boolean {
  return a.fit !== b.fit ? a.fit > b.fit : a.intent !== b.intent ? a.intent > b.intent : a.domain < b.domain;
}

/** Keeps the n best leads seen so far, sorted. */
function keepTop(top: TopLead[], n: number, lead: TopLead): void {
  if (n <= 0 || (top.length >= n && !better(lead, top[top.length - 1]!))) return;
  let i = top.length;
  while (i > 0 && better(lead, top[i - 1]!)) i--;
  top.splice(i, 0, lead);
  if (top.length > n) top.pop();
}

/** The best leads by fit, then intent, then domain (a stable order). */
export function topLeads(db: Db, limit: number): TopLead[] {
  if (limit <= 0) return [];
  return db.sqlite
    .prepare(
      `SELECT l.domain, s.fit, s.intent, s.fit_confidence, s.intent_confidence
       FROM scores s JOIN leads l ON l.id = s.lead_id
       ORDER BY s.fit DESC, s.intent DESC, l.domain LIMIT ?`,
    )
    .all(limit) as TopLead[];
}

// ---------------------------------------------------------------------------------------------
// One lead, explained.

export interface Explanation {
  domain: string;
  fit: number;
  intent: number;
  fit_confidence: number;
  intent_confidence: number;
  profile_version: string;
  excluded: boolean;
  factors: Factor[];
  /** The score stored by the last `outreach score`, or null if the lead was never scored. */
  stored: { fit: number; intent: number; fit_confidence: number; intent_confidence: number; profile_version: string; scored_at: string } | null;
  /** The stored score equals this one (same profile, same facts). */
  up_to_date: boolean;
  /** Number of fact rows the lead has. */
  facts: number;
}

/** Loads one lead's facts (by lead id) the way the stage does. */
export function loadLeadFacts(db: Db, leadId: number): { lead: LeadFacts; facts: number } | null {
  const row = db.sqlite.prepare(`SELECT ${LEAD_COLS} FROM leads WHERE id = ?`).raw().get(leadId) as LeadRow | undefined;
  if (!row) return null;
  const lead = leadFacts(row);
  const facts = db.sqlite
    .prepare(`SELECT lead_id, key, value, source_url, observed_at FROM facts INDEXED BY facts_lead_key_value_uq WHERE lead_id = ? ORDER BY lead_id, key, value`)
    .raw()
    .all(leadId) as FactRowRaw[];
  for (const f of facts) addFact(lead, f[1], f[2], f[3], f[4]);
  return { lead, facts: facts.length };
}

/** Finds a lead by what the user typed (a domain or URL); null when there is none. */
export function findLeadId(db: Db, input: string): { id: number; domain: string } | null {
  const n = normalizeDomain(input);
  const candidates = [n.ok ? n.value.domain : null, input.trim().toLowerCase()].filter((x): x is string => Boolean(x));
  const stmt = db.sqlite.prepare(`SELECT id, domain FROM leads WHERE domain = ?`);
  for (const c of candidates) {
    const r = stmt.get(c) as { id: number; domain: string } | undefined;
    if (r) return r;
  }
  return null;
}

/** The factor table of one lead under the profile, computed from its current facts, with its stored score. */
export function explainLead(db: Db, input: string, profile: Profile): Explanation | null {
  const found = findLeadId(db, input);
  if (!found) return null;
  const loaded = loadLeadFacts(db, found.id)!;
  const cp: CompiledProfile = compileProfile(profile);
  const version = profileVersion(profile);
  const res: ScoreResult = scoreLead(loaded.lead, cp);
  const stored = db.sqlite
    .prepare(`SELECT fit, intent, fit_confidence, intent_confidence, factors, profile_version, scored_at FROM scores WHERE lead_id = ?`)
    .get(found.id) as
    | { fit: number; intent: number; fit_confidence: number; intent_confidence: number; factors: string; profile_version: string; scored_at: string }
    | undefined;
  return {
    domain: found.domain,
    fit: res.fit,
    intent: res.intent,
    fit_confidence: res.fitConfidence,
    intent_confidence: res.intentConfidence,
    profile_version: version,
    excluded: res.excluded,
    factors: res.factors,
    stored: stored
      ? {
          fit: stored.fit,
          intent: stored.intent,
          fit_confidence: stored.fit_confidence,
          intent_confidence: stored.intent_confidence,
          profile_version: stored.profile_version,
          scored_at: stored.scored_at,
        }
      : null,
    up_to_date: Boolean(stored && stored.profile_version === version && stored.factors === storedFactorsJson(res.factors)),
    facts: loaded.facts,
  };
}
