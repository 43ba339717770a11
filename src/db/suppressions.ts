// The suppression list: emails and domains never to be mailed, honoured forever. Forgotten people
// (GDPR erasure) are kept only as a keyed hash, so they are recognised without being stored.
import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from './open.js';
import { cached } from './statements.js';

export type SuppressionKind = 'email' | 'domain' | 'email_hash' | 'domain_hash';
export type SuppressionReason = 'unsubscribed' | 'bounced' | 'complained' | 'forgotten' | 'manual' | 'imported' | 'left_company';

export interface Suppression {
  id: number;
  kind: SuppressionKind;
  value: string;
  reason: SuppressionReason;
  source: string | null;
  note: string | null;
  created_at: string;
}

const saltCache = new WeakMap<Db, string>();

/** A random per-database salt for erasure hashes, created on first use. */
export function hashSalt(db: Db): string {
  const cached = saltCache.get(db);
  if (cached) return cached;
  const row = db.sqlite.prepare(`SELECT value FROM meta WHERE key = 'erasure_salt'`).get() as { value: string } | undefined;
  let salt = row?.value;
  if (!salt) {
    db.sqlite.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('erasure_salt', ?)`).run(randomBytes(32).toString('hex'));
    salt = (db.sqlite.prepare(`SELECT value FROM meta WHERE key = 'erasure_salt'`).get() as { value: string }).value;
  }
  saltCache.set(db, salt);
  return salt;
}

export function erasureHash(db: Db, value: string): string {
  return createHmac('sha256', hashSalt(db)).update(value.toLowerCase()).digest('hex');
}

/** One prepared lookup per connection: `send` checks every recipient right before its message. */
function lookupStatement(db: Db) {
  return cached(db, 'SELECT kind, value, reason FROM suppressions WHERE kind = ? AND value = ?');
}

export interface SuppressionHit {
  kind: SuppressionKind;
  value: string;
  reason: SuppressionReason;
}

/**
 * Is this (normalized) email suppressed, directly, through its domain (or a parent domain), or as a
 * forgotten hash? Returns the matching row or null. Call it right before every send.
 */
export function findSuppression(db: Db, email: string): SuppressionHit | null {
  const e = email.toLowerCase();
  const domain = e.slice(e.lastIndexOf('@') + 1);
  const domains: string[] = [];
  const parts = domain.split('.');
  for (let i = 0; i < parts.length - 1; i++) domains.push(parts.slice(i).join('.'));
  const candidates: [SuppressionKind, string][] = [
    ['email', e],
    ['email_hash', erasureHash(db, e)],
    ...domains.flatMap((d) => [['domain', d] as [SuppressionKind, string], ['domain_hash', erasureHash(db, d)] as [SuppressionKind, string]]),
  ];
  const stmt = lookupStatement(db);
  for (const [k, v] of candidates) {
    const hit = stmt.get(k, v) as SuppressionHit | undefined;
    if (hit) return hit;
  }
  return null;
}

/**
 * A lead's host without its port, and the domains above it down to two labels (`a.shop.com:8443` → a.shop.com,
 * shop.com); a one-label host is itself. A domain suppressed or forgotten covers all of these.
 */
export function domainAndParents(domain: string): string[] {
  const parts = domain.toLowerCase().replace(/:\d+$/, '').split('.');
  const out: string[] = [];
  for (let i = 0; i < Math.max(1, parts.length - 1); i++) out.push(parts.slice(i).join('.'));
  return out;
}

/** Is this domain (lead key) suppressed as a whole, or forgotten? */
export function findDomainSuppression(db: Db, domain: string): SuppressionHit | null {
  const stmt = lookupStatement(db);
  for (const cand of domainAndParents(domain)) {
    const hit = (stmt.get('domain', cand) ?? stmt.get('domain_hash', erasureHash(db, cand))) as SuppressionHit | undefined;
    if (hit) return hit;
  }
  return null;
}

/** Adds a suppression (idempotent: the first reason recorded is kept). Returns true when it is new. */
export function addSuppression(
  db: Db,
  s: { kind: SuppressionKind; value: string; reason: SuppressionReason; source?: string; note?: string },
): boolean {
  // Prepared once per connection: `inbox sync` adds one per bounce or unsubscribe in its hot loop.
  const r = cached(db, `INSERT INTO suppressions (kind, value, reason, source, note) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING`).run(s.kind, s.kind.endsWith('_hash') ? s.value : s.value.toLowerCase(), s.reason, s.source ?? null, s.note ?? null);
  return r.changes > 0;
}
