// The discover stage: gathers candidate stores (search providers, a list of domains, or leads never checked),
// records each as a lead, and checks whether it runs Shopify. Each verdict is committed on its own, so an
// interrupted run keeps what it checked; a re-run only checks what is new (or everything with `refresh`).
import pLimit from 'p-limit';
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { addEvent } from '../../db/events.js';
import { findDomainSuppression } from '../../db/suppressions.js';
import { advanceStageSql } from '../../domain/lead.js';
import type { Http } from '../../adapters/http.js';
import { SearchError, type SearchProvider } from '../../adapters/search/types.js';
import { candidateFromHit, type Candidate, type LineProblem } from './candidates.js';
import { checkStore, type StoreCheck } from './check.js';
import { normalizeDomain } from '../../domain/normalize.js';

export { candidatesFromLines } from './candidates.js';
export type { Candidate, LineProblem } from './candidates.js';

export interface DiscoverOptions {
  keyword?: string;
  country?: string;
  /** Most new candidates to take from search. */
  limit?: number;
  providers?: SearchProvider[];
  /** Candidates given directly (from a file or stdin). */
  candidates?: Candidate[];
  /** Also check leads already in the database that were never checked (imported ones). */
  unchecked?: boolean;
  /** Check again candidates that were already checked. */
  refresh?: boolean;
  /** Only search and list candidates: no fetch, no write. */
  dryRun?: boolean;
  concurrency?: number;
  runId?: number | null;
  signal?: AbortSignal;
  onProgress?: (p: DiscoverProgress) => void;
  onWarning?: (message: string) => void;
}

export interface DiscoverProgress {
  phase: 'search' | 'check';
  done: number;
  total: number;
  current?: string;
}

export interface CandidateResult {
  domain: string;
  url: string;
  source: string;
  origin: string;
  /** The lead was created by this run. */
  new: boolean;
  /** Checked in this run (false: already checked before, or a dry run). */
  checked: boolean;
  is_shopify: boolean;
  confidence: number;
  evidence: string[];
  status: 'open' | 'password' | 'unreachable' | 'unchecked';
  headless: boolean;
  error: string | null;
}

export interface SearchFailure {
  provider: string;
  code: string;
  message: string;
  hint?: string;
}

export interface DiscoverResult {
  candidates: CandidateResult[];
  searchFailures: SearchFailure[];
  queries: number;
  counts: { candidates: number; new: number; checked: number; shopify: number; notShopify: number; unreachable: number; skipped: number };
  interrupted: boolean;
}

interface LeadRow {
  id: number;
  domain: string;
  url: string | null;
  checked_at: string | null;
  is_shopify: number | null;
  shopify_confidence: number | null;
  shopify_evidence: string | null;
  store_status: string | null;
}

/** Pages through each provider's queries until `limit` candidates not yet in the database are found. */
async function search(db: Db, opts: DiscoverOptions, failures: SearchFailure[]): Promise<{ found: Candidate[]; queries: number }> {
  const limit = opts.limit ?? 50;
  const found: Candidate[] = [];
  const seen = new Set<string>();
  const known = db.sqlite.prepare('SELECT checked_at FROM leads WHERE domain = ?');
  let queries = 0;
  let progress = 0;
  for (const provider of opts.providers ?? []) {
    if (found.length >= limit) break;
    providerLoop: for (const query of provider.queries(opts.keyword!, opts.country)) {
      for (let page = 0; page < provider.maxPages; page++) {
        if (found.length >= limit || opts.signal?.aborted) break providerLoop;
        opts.onProgress?.({ phase: 'search', done: progress++, total: 0, current: `${provider.name}: ${query} (page ${page + 1})` });
        let result;
        try {
          queries++;
          result = await provider.search({ query, country: opts.country, page, signal: opts.signal });
        } catch (err) {
          if (!(err instanceof SearchError)) throw err;
          failures.push({ provider: err.provider, code: err.code, message: err.message, hint: err.hint });
          opts.onWarning?.(err.message + (err.hint ? ` (${err.hint})` : ''));
          // A bad key, an empty quota or a rate limit will not get better with the next query.
          if (err.code === 'server' || err.code === 'bad_request' || err.code === 'bad_response') continue providerLoop;
          break providerLoop;
        }
        let fresh = 0;
        for (const hit of result.hits) {
          const c = candidateFromHit(hit.url, provider.name, query, hit.title);
          if (!c || seen.has(c.domain)) continue;
          seen.add(c.domain);
          const row = known.get(c.domain) as { checked_at: string | null } | undefined;
          if (row && row.checked_at && !opts.refresh) continue; // already known and checked: nothing new
          found.push(c);
          fresh++;
          if (found.length >= limit) break;
        }
        if (!result.hasMore || result.hits.length === 0) break;
        if (fresh === 0 && page >= 2) break; // deep pages that only repeat what we have
      }
    }
  }
  return { found, queries };
}

export async function discover(db: Db, adapters: { http: Http }, opts: DiscoverOptions): Promise<DiscoverResult> {
  const failures: SearchFailure[] = [];
  let queries = 0;
  const all: Candidate[] = [];
  const seen = new Set<string>();
  const push = (c: Candidate) => {
    if (seen.has(c.domain)) return;
    seen.add(c.domain);
    all.push(c);
  };
  for (const c of opts.candidates ?? []) push(c);
  if (opts.keyword && opts.providers?.length) {
    const s = await search(db, opts, failures);
    queries = s.queries;
    s.found.forEach(push);
  }
  if (opts.unchecked) {
    const rows = db.sqlite
      .prepare(`SELECT domain, url, source FROM leads WHERE (checked_at IS NULL OR is_shopify IS NULL) AND stage = 'new' ORDER BY id`)
      .all() as { domain: string; url: string | null; source: string }[];
    for (const r of rows) push({ domain: r.domain, url: r.url ?? `https://${r.domain}`, source: r.source, origin: 'db' });
  }

  const counts = { candidates: all.length, new: 0, checked: 0, shopify: 0, notShopify: 0, unreachable: 0, skipped: 0 };
  const results: CandidateResult[] = [];
  if (opts.dryRun) {
    for (const c of all) {
      results.push({ ...c, new: false, checked: false, is_shopify: false, confidence: 0, evidence: [], status: 'unchecked', headless: false, error: null });
    }
    return { candidates: results, searchFailures: failures, queries, counts, interrupted: false };
  }

  const getLead = db.sqlite.prepare('SELECT id, domain, url, checked_at, is_shopify, shopify_confidence, shopify_evidence, store_status FROM leads WHERE domain = ?');
  const insertLead = db.sqlite.prepare(
    `INSERT INTO leads (domain, domain_unicode, url, source, keyword) VALUES (?, ?, ?, ?, ?) ON CONFLICT(domain) DO NOTHING RETURNING id`,
  );
  const fillUrl = db.sqlite.prepare(`UPDATE leads SET url = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ? AND url IS NULL`);
  // An unreachable store (shop = NULL) keeps any earlier verdict; only its status and check time change.
  const saveVerdict = db.sqlite.prepare(
    `UPDATE leads SET
       shopify_evidence = CASE WHEN @shop IS NULL AND is_shopify IS NOT NULL THEN shopify_evidence ELSE @evidence END,
       is_shopify = COALESCE(@shop, is_shopify), shopify_confidence = COALESCE(@conf, shopify_confidence), store_status = @status,
       checked_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'),
       stage = CASE WHEN @shop IS NULL THEN stage
                    WHEN @shop = 1 THEN CASE WHEN stage = 'rejected' THEN 'confirmed' ELSE ${advanceStageSql("'confirmed'")} END
                    WHEN stage = 'new' THEN 'rejected' ELSE stage END
     WHERE id = @id`,
  );

  const limit = pLimit(Math.max(1, opts.concurrency ?? 8));
  const order = new Map(all.map((c, i) => [c.domain, i]));
  const claimed = new Set<string>();
  const indexed: { i: number; r: CandidateResult }[] = [];
  const pushResult = (i: number, r: CandidateResult) => indexed.push({ i, r });
  let done = 0;
  let interrupted = false;
  await Promise.all(
    all.map((c) =>
      limit(async () => {
        if (opts.signal?.aborted) {
          interrupted = true;
          return;
        }
        // A myshopify.com address that redirects to the store's own domain becomes a lead under that domain.
        let cand = c;
        let pre: StoreCheck | null = null;
        let lead = getLead.get(cand.domain) as LeadRow | undefined;
        if (!lead && isMyshopify(cand.domain) && !findDomainSuppression(db, cand.domain)) {
          pre = await checkStore(adapters.http, cand.url, opts.signal);
          const moved = canonicalTarget(cand.domain, pre.finalUrl);
          if (moved) {
            cand = { ...cand, domain: moved.domain, url: moved.url, origin: `${c.origin} (${c.domain} redirects here)` };
            lead = getLead.get(cand.domain) as LeadRow | undefined;
          }
        }
        if (claimed.has(cand.domain)) {
          counts.skipped++; // two candidates for one store in this run: one result is enough
          return;
        }
        claimed.add(cand.domain);
        const index = order.get(c.domain)!;
        let isNew = false;
        if (!lead) {
          // A suppressed domain (unsubscribed, or forgotten on request) is never added back as a lead.
          const sup = findDomainSuppression(db, cand.domain);
          if (sup) {
            counts.skipped++;
            pushResult(index, { ...cand, new: false, checked: false, is_shopify: false, confidence: 0, evidence: [], status: 'unchecked', headless: false, error: `suppressed (${sup.reason}): not added` });
            return;
          }
          tx(db, () => {
            const r = insertLead.get(cand.domain, null, cand.url, cand.source, opts.keyword ?? null) as { id: number } | undefined;
            if (r) {
              isNew = true;
              addEvent(db, { leadId: r.id, type: 'discovered', data: { source: cand.source, origin: cand.origin, keyword: opts.keyword ?? null }, runId: opts.runId });
            }
          });
          lead = getLead.get(cand.domain) as LeadRow;
          if (isNew) counts.new++;
        } else if (!lead.url) {
          fillUrl.run(cand.url, lead.id);
        }
        if (lead.checked_at && lead.is_shopify !== null && !opts.refresh) {
          counts.skipped++;
          pushResult(index, {
            ...cand,
            url: lead.url ?? cand.url,
            new: false,
            checked: false,
            is_shopify: lead.is_shopify === 1,
            confidence: lead.shopify_confidence ?? 0,
            evidence: safeJsonArray(lead.shopify_evidence),
            status: (lead.store_status as CandidateResult['status']) ?? 'open',
            headless: false,
            error: null,
          });
          return;
        }
        opts.onProgress?.({ phase: 'check', done, total: all.length, current: cand.domain });
        const check = pre ?? (await checkStore(adapters.http, lead.url ?? cand.url, opts.signal));
        if (opts.signal?.aborted && check.error && /aborted/.test(check.error)) {
          interrupted = true;
          return; // not a verdict: the next run checks it
        }
        const v = check.verdict;
        const evidence = v ? v.evidence : [check.error ?? 'unreachable'];
        const isShopify = v ? v.isShopify : null;
        tx(db, () => {
          saveVerdict.run({ shop: isShopify === null ? null : isShopify ? 1 : 0, conf: v?.confidence ?? null, evidence: JSON.stringify(evidence), status: check.status, id: lead!.id });
          if (isShopify !== null) {
            addEvent(db, {
              leadId: lead!.id,
              type: isShopify ? 'confirmed' : 'rejected',
              data: { confidence: v!.confidence, evidence, status: check.status, platforms: v!.platforms },
              runId: opts.runId,
            });
          }
        });
        counts.checked++;
        if (isShopify === null) counts.unreachable++;
        else if (isShopify) counts.shopify++;
        else counts.notShopify++;
        done++;
        opts.onProgress?.({ phase: 'check', done, total: all.length, current: cand.domain });
        pushResult(index, {
          ...cand,
          url: lead.url ?? cand.url,
          new: isNew,
          checked: true,
          is_shopify: Boolean(isShopify),
          confidence: v?.confidence ?? 0,
          evidence,
          status: check.status,
          headless: v?.headless ?? false,
          error: check.error,
        });
      }),
    ),
  );
  // Results in input order, whatever order the checks finished in.
  results.push(...indexed.sort((a, b) => a.i - b.i).map((x) => x.r));
  return { candidates: results, searchFailures: failures, queries, counts, interrupted: interrupted || Boolean(opts.signal?.aborted) };
}

const isMyshopify = (domain: string) => domain.replace(/:\d+$/, '').endsWith('.myshopify.com');

/** The store's own domain when a myshopify.com address redirected to it, else null. */
export function canonicalTarget(domain: string, finalUrl: string | null): { domain: string; url: string } | null {
  if (!finalUrl) return null;
  const n = normalizeDomain(finalUrl);
  if (!n.ok || n.value.isIp || n.value.domain === domain || isMyshopify(n.value.domain)) return null;
  return { domain: n.value.domain, url: n.value.url };
}

function safeJsonArray(s: string | null): string[] {
  if (!s) return [];
  try {
    const v = JSON.parse(s);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

export type { LineProblem as DiscoverLineProblem };
