// The enrich stage's SQL, in named functions: which leads to visit, what we knew, and writing one store's
// results (facts, contacts, HTTP validators, the lead's status, an event) in one transaction.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { cached } from '../../db/statements.js';
import { addEvent } from '../../db/events.js';
import { advanceStageSql } from '../../domain/lead.js';
import { FACT_KEYS } from '../../domain/facts.js';
import type { Validation } from '../../domain/email-validation.js';

// Statements prepared once per connection: preparing them per store cost more than running them.
const prep = cached;

export interface LeadToEnrich {
  id: number;
  domain: string;
  url: string | null;
  store_status: string | null;
}

export interface SelectOptions {
  limit?: number;
  refresh?: boolean;
  retryErrors?: boolean;
  domains?: string[];
}

/** Confirmed Shopify leads still to enrich (all of them with refresh), oldest first. */
export function selectLeads(db: Db, o: SelectOptions): LeadToEnrich[] {
  const where = [`is_shopify = 1`, `stage NOT IN ('rejected', 'bounced', 'unsubscribed')`];
  const params: unknown[] = [];
  if (!o.refresh) where.push(`(enrich_status IS NULL OR enrich_status = 'pending'${o.retryErrors ? ` OR enrich_status = 'error'` : ''})`);
  if (o.domains?.length) {
    where.push(`domain IN (${o.domains.map(() => '?').join(', ')})`);
    params.push(...o.domains);
  }
  const limit = o.limit && o.limit > 0 ? ` LIMIT ${Math.floor(o.limit)}` : '';
  return db.sqlite.prepare(`SELECT id, domain, url, store_status FROM leads WHERE ${where.join(' AND ')} ORDER BY id${limit}`).all(...params) as LeadToEnrich[];
}

export interface CachedValidators {
  etag: string | null;
  lastModified: string | null;
}

export function validatorsFor(db: Db, url: string): CachedValidators | null {
  const r = prep(db, 'SELECT etag, last_modified FROM http_cache WHERE url = ?').get(url) as { etag: string | null; last_modified: string | null } | undefined;
  return r ? { etag: r.etag, lastModified: r.last_modified } : null;
}

export interface StoredFact {
  key: string;
  value: string; // JSON-encoded
  sourceUrl: string | null;
}

export function factsFrom(db: Db, leadId: number, sourceUrls: string[]): StoredFact[] {
  if (!sourceUrls.length) return [];
  return db.sqlite
    .prepare(`SELECT key, value, source_url AS sourceUrl FROM facts WHERE lead_id = ? AND source_url IN (${sourceUrls.map(() => '?').join(', ')})`)
    .all(leadId, ...sourceUrls) as StoredFact[];
}

export interface ContactInput {
  email: string;
  isRole: boolean;
  validation: Validation;
  reason: string | null;
  sourceUrl: string;
  primaryRank: number; // lower is better
}

export interface HttpCacheInput {
  url: string;
  etag: string | null;
  lastModified: string | null;
  status: number;
}

export interface StoreWrite {
  leadId: number;
  facts: StoredFact[];
  /** URLs whose content we read (or confirmed unchanged) this time: older facts from them that we no longer see go. */
  authoritativeUrls: string[];
  contacts: ContactInput[];
  httpCache: HttpCacheInput[];
  company: string | null;
  country: string | null;
  observedAt: string;
  runId: number | null;
  eventData: Record<string, unknown>;
}

/** Commits one store's results; returns the number of new fact rows and new contacts. */
export function writeStore(db: Db, w: StoreWrite): { facts: number; contacts: number } {
  const s = db.sqlite;
  return tx(db, () => {
    const keep = new Set(w.facts.map((f) => f.key + '\u0000' + f.value));
    const singleKeys = new Set(w.facts.filter((f) => !(FACT_KEYS as Record<string, { multi: boolean }>)[f.key]?.multi).map((f) => f.key));
    const auth = new Set(w.authoritativeUrls);
    const old = prep(db, 'SELECT id, key, value, source_url FROM facts WHERE lead_id = ?').all(w.leadId) as { id: number; key: string; value: string; source_url: string | null }[];
    const del = prep(db, 'DELETE FROM facts WHERE id = ?');
    for (const o of old) {
      if (keep.has(o.key + '\u0000' + o.value)) continue;
      if (singleKeys.has(o.key) || (o.source_url !== null && auth.has(o.source_url))) del.run(o.id);
    }
    const ins = prep(db, 
      `INSERT INTO facts (lead_id, key, value, source_url, observed_at, run_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(lead_id, key, value) DO UPDATE SET observed_at = excluded.observed_at, source_url = excluded.source_url, run_id = excluded.run_id`,
    );
    const existing = new Set(old.map((o) => o.key + '\u0000' + o.value));
    let newFacts = 0;
    for (const f of w.facts) {
      ins.run(w.leadId, f.key, f.value, f.sourceUrl, w.observedAt, w.runId);
      if (!existing.has(f.key + '\u0000' + f.value)) newFacts++;
    }

    const upsertContact = prep(db, 
      `INSERT INTO contacts (lead_id, email, is_role, validation, validation_reason, validated_at, source, source_url)
       VALUES (?, ?, ?, ?, ?, ?, 'enrich', ?)
       ON CONFLICT(lead_id, email) DO UPDATE SET is_role = excluded.is_role, validation = excluded.validation,
         validation_reason = excluded.validation_reason, validated_at = excluded.validated_at,
         source_url = COALESCE(contacts.source_url, excluded.source_url), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
       RETURNING (created_at = updated_at) AS inserted`,
    );
    let newContacts = 0;
    for (const c of w.contacts) {
      const r = upsertContact.get(w.leadId, c.email, c.isRole ? 1 : 0, c.validation, c.reason, w.observedAt, c.sourceUrl) as { inserted: number };
      if (r.inserted) newContacts++;
    }
    const hasPrimary = prep(db, 'SELECT 1 FROM contacts WHERE lead_id = ? AND is_primary = 1').get(w.leadId);
    const usable = w.contacts.filter((c) => c.validation === 'valid' || c.validation === 'syntax_ok').sort((a, b) => a.primaryRank - b.primaryRank);
    if (!hasPrimary && usable.length) {
      prep(db, 'UPDATE contacts SET is_primary = 1 WHERE lead_id = ? AND email = ?').run(w.leadId, usable[0]!.email);
    }

    const cache = prep(db, 
      `INSERT INTO http_cache (url, etag, last_modified, status, fetched_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, status = excluded.status, fetched_at = excluded.fetched_at`,
    );
    for (const h of w.httpCache) cache.run(h.url, h.etag, h.lastModified, h.status, w.observedAt);

    prep(db, 
      `UPDATE leads SET enrich_status = 'done', enrich_error = NULL, enriched_at = ?, company = COALESCE(company, ?), country = COALESCE(country, ?),
         stage = ${advanceStageSql("'enriched'")}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
    ).run(w.observedAt, w.company, w.country, w.leadId);
    addEvent(db, { leadId: w.leadId, type: 'enriched', data: { ...w.eventData, newFacts, newContacts }, runId: w.runId, at: w.observedAt });
    return { facts: newFacts, contacts: newContacts };
  });
}

export function recordFailure(db: Db, leadId: number, error: string, runId: number | null): void {
  tx(db, () => {
    db.sqlite
      .prepare(`UPDATE leads SET enrich_status = 'error', enrich_error = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
      .run(error.slice(0, 1000), leadId);
    addEvent(db, { leadId, type: 'enrich_failed', data: { error }, runId });
  });
}
