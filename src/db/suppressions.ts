// The suppression list: emails and domains never to be mailed, honoured forever. Forgotten people
// (GDPR erasure) are kept only as a keyed hash, so they are recognised without being stored.
import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from './open.js';
import { cached } from './statements.js';
import { plusBase } from '../domain/normalize.js';

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
  // A plus-address reaches the mailbox without its tag (`ann+news@d.com` → `ann@d.com`): when that mailbox
  // unsubscribed, bounced or was forgotten, its tagged addresses are never mailed either.
  const base = plusBase(e);
  // The candidates in order: the address and its hash, the untagged address and its hash, then each domain and its
  // hash. A hash candidate can only match when the list holds a hash of its kind: one query says which kinds it holds
  // (almost always none), and the HMACs (each costs more than a lookup) and lookups of the others are skipped. The
  // first hit in this order is the same as when every candidate is looked up. The salt is read (created on first
  // use) as before, whatever the list holds.
  hashSalt(db);
  const has = cached(db, HASH_KINDS).get() as { email: number; domain: number };
  const hash = (v: string) => erasureHash(db, v);
  const candidates: [SuppressionKind, string][] = [['email', e]];
  if (has.email) candidates.push(['email_hash', hash(e)]);
  if (base) {
    candidates.push(['email', base]);
    if (has.email) candidates.push(['email_hash', hash(base)]);
  }
  for (const d of domains) {
    candidates.push(['domain', d]);
    if (has.domain) candidates.push(['domain_hash', hash(d)]);
  }
  const stmt = lookupStatement(db);
  for (const [k, v] of candidates) {
    const hit = stmt.get(k, v) as SuppressionHit | undefined;
    if (hit) return hit;
  }
  return null;
}

/** Which kinds of forgotten (hash-only) entries the list holds: two index probes. */
const HASH_KINDS = `SELECT EXISTS (SELECT 1 FROM suppressions WHERE kind = 'email_hash') AS email,
  EXISTS (SELECT 1 FROM suppressions WHERE kind = 'domain_hash') AS domain`;

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
  s: { kind: SuppressionKind; value: string; reason: SuppressionReason; source?: string; note?: string; /** when it was asked for (default: now) */ at?: string },
): boolean {
  // Prepared once per connection: `inbox sync` adds one per bounce or unsubscribe in its hot loop.
  const r = cached(
    db,
    `INSERT INTO suppressions (kind, value, reason, source, note, created_at) VALUES (?, ?, ?, ?, ?, COALESCE(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')))
     ON CONFLICT (kind, value) DO NOTHING`,
  ).run(s.kind, s.kind.endsWith('_hash') ? s.value : s.value.toLowerCase(), s.reason, s.source ?? null, s.note ?? null, s.at ?? null);
  return r.changes > 0;
}

/**
 * Was this email or domain forgotten on request (GDPR erasure)? An email is forgotten when its own hash is on the
 * list, or when its domain (or a parent domain) was forgotten; a domain, when it or a parent domain was. Storing such
 * a value again in clear (`suppress add`, `suppress import`) would undo the erasure: it is already suppressed.
 */
export function isForgotten(db: Db, kind: 'email' | 'domain', value: string): boolean {
  const stmt = lookupStatement(db);
  const v = value.toLowerCase();
  if (kind === 'email') {
    if (stmt.get('email_hash', erasureHash(db, v))) return true;
    return domainAndParents(v.slice(v.lastIndexOf('@') + 1)).some((d) => stmt.get('domain_hash', erasureHash(db, d)));
  }
  return domainAndParents(v).some((d) => stmt.get('domain_hash', erasureHash(db, d)));
}

/** Does the list hold any forgotten (hash-only) entry? When not, bulk imports skip the per-value hash checks. */
export function hasForgotten(db: Db): boolean {
  return Boolean(db.sqlite.prepare(`SELECT 1 FROM suppressions WHERE kind IN ('email_hash', 'domain_hash') LIMIT 1`).get());
}

/**
 * isForgotten for a bulk import: null when the list holds no forgotten entry at all (nothing to check); else a
 * checker that hashes only against the kinds of hashes present, and remembers its answers for domains (a list of
 * a million addresses has a few thousand domains; one HMAC costs as much as the insert itself).
 */
export interface ForgottenChecker {
  (kind: 'email' | 'domain', value: string): boolean;
  /** Tells the checker a hash of this kind was just added (its answers so far may have changed). */
  added(kind: 'email_hash' | 'domain_hash'): void;
}

export function forgottenChecker(db: Db): ForgottenChecker | null {
  const kinds = new Set(
    (db.sqlite.prepare(`SELECT DISTINCT kind FROM suppressions WHERE kind IN ('email_hash', 'domain_hash')`).all() as { kind: string }[]).map((r) => r.kind),
  );
  if (!kinds.size) return null;
  const stmt = lookupStatement(db);
  const domains = new Map<string, boolean>();
  const domainForgotten = (domain: string): boolean => {
    if (!kinds.has('domain_hash')) return false;
    let hit = domains.get(domain);
    if (hit === undefined) {
      hit = domainAndParents(domain).some((d) => stmt.get('domain_hash', erasureHash(db, d)));
      if (domains.size > 100_000) domains.clear();
      domains.set(domain, hit);
    }
    return hit;
  };
  const check = (kind: 'email' | 'domain', value: string): boolean => {
    const v = value.toLowerCase();
    if (kind === 'domain') return domainForgotten(v);
    if (kinds.has('email_hash') && stmt.get('email_hash', erasureHash(db, v))) return true;
    return domainForgotten(v.slice(v.lastIndexOf('@') + 1));
  };
  return Object.assign(check, {
    added(kind: 'email_hash' | 'domain_hash') {
      kinds.add(kind);
      domains.clear();
    },
  });
}
