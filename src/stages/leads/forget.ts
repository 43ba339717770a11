// GDPR erasure: removes a person's (or a whole store's) data everywhere, raw mail included, and keeps only
// a keyed hash in the suppression list so they are never imported or mailed again.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { parse as parseDomain } from 'tldts';
import { isFreemail, normalizeDomain, normalizeEmail } from '../../domain/normalize.js';
import { addSuppression, erasureHash, isForgotten } from '../../db/suppressions.js';
import { CONTACT_EMAIL_IS, contactEmailKey } from '../../db/contacts.js';
import { isBuilderSiteHost, isPlatformHost } from '../../domain/platforms.js';
import { UsageError, UserError, errorMessage } from '../../errors.js';

export interface ForgetResult {
  target: string;
  kind: 'email' | 'domain';
  leadsDeleted: number;
  contactsDeleted: number;
  inboundDeleted: number;
  messagesAnonymized: number;
  /** Of those, messages not sent yet (queued, deferred, unknown) that were cancelled so nothing stays stuck. */
  messagesCancelled: number;
  draftsDeleted: number;
  factsDeleted: number;
  eventsDeleted: number;
  suppressionsHashed: number;
  /** Lead notes and audit rows (runs) the person's address or name was blanked out of. */
  redacted: number;
  /** The file itself rewritten (VACUUM) and its write-ahead log emptied, so no stale copy of the erased bytes remains. */
  fileCleaned: boolean;
  /**
   * EMAIL: the leads of the person's own domain (the address's domain, or its registrable domain) that they were
   * a contact of: `deleted` with them when the lead was made from the address (no website known: an email-only
   * import) and nothing of anyone else is linked to it; otherwise kept, and `why`.
   */
  ownDomainLeads: { domain: string; deleted: boolean; why: string }[];
}

export interface ForgetOptions {
  /**
   * How long the final WAL checkpoint waits for other processes that are reading the database (default 30 s).
   * Past it, the erasure stands but the file still holds old page images: forget says so (UserError).
   */
  checkpointWaitMs?: number;
  /** DOMAIN: forget a domain that no lead, contact or suppression has (checkDomainTarget). */
  force?: boolean;
}

/**
 * A domain `leads forget` refuses (a usage error, exit 2), before anything is erased: the block it leaves is
 * hash-only and can never be lifted, and covers every host under the domain. Refused whatever the flags: a public
 * suffix (`com`, `co.uk`, `myshopify.com`: every store under it), a free-mail provider (every person with an
 * address there) and a platform (instagram.com, etsy.com: every store with a page there; a site builder's subdomain
 * that is one merchant's site, brand.squarespace.com, is that site and can be forgotten). A domain that no lead,
 * contact or suppression has (a typo?) is refused unless `force`. Returns the normalized domain.
 */
export function checkDomainTarget(db: Db, target: string, force = false): string {
  // `com` (no dot) is refused here too, as an argument that is no store's domain: a usage error.
  const d = normalizeDomain(target);
  if (!d.ok) throw new UsageError(`Cannot forget "${target}": ${d.reason}`);
  const domain = d.value.domain;
  const host = domain.replace(/:\d+$/, '');
  if (d.value.isIp) return domain;
  const p = parseDomain(host, { allowPrivateDomains: true });
  if (!p.domain || p.publicSuffix === host) {
    throw new UsageError(
      `Refusing to forget ${host}: it is a public suffix, not a store; every store under it would be erased and blocked forever.`,
      `Name the store's own domain (shop.${host}), or a person's address.`,
    );
  }
  if (isFreemail(host) || isFreemail(p.domain)) {
    throw new UsageError(
      `Refusing to forget ${host}: it is a free-mail provider; every address there would be erased and blocked forever.`,
      `To erase one person, forget their address (outreach leads forget NAME@${host}).`,
    );
  }
  // One merchant's own site on a site builder's subdomain (brand.squarespace.com, x.tumblr.com) is that site, not
  // the platform: a lead keyed by it can be forgotten. The bare platform and its service hosts cannot.
  if (isPlatformHost(host) && !isBuilderSiteHost(host)) {
    throw new UsageError(
      `Refusing to forget ${host}: it is a platform (marketplace, social network, link page), not a store; every store and person with a page or address there would be blocked forever.`,
      "Forget the person's address, or the store's own domain.",
    );
  }
  if (!force) {
    const q = db.sqlite;
    const h = likeEscape(host);
    const known =
      q.prepare(`SELECT 1 FROM leads WHERE domain = ? OR domain LIKE ? ESCAPE '\\' OR domain LIKE ? ESCAPE '\\' LIMIT 1`).get(host, `${h}:%`, `%.${h}`) ||
      q.prepare(`SELECT 1 FROM contacts WHERE email LIKE ? ESCAPE '\\' LIMIT 1`).get(`%@${h}`) ||
      q.prepare(`SELECT 1 FROM suppressions WHERE kind = 'domain' AND value = ? LIMIT 1`).get(host) ||
      isForgotten(db, 'domain', host); // forgotten already: running it again finishes a cleanup (cleanFile's hint)
    if (!known) {
      throw new UsageError(
        `Refusing to forget ${host}: no lead, contact or suppression has this domain (a typo?). The block would stay forever.`,
        'Check the spelling (outreach leads list), or pass --force to block it anyway.',
      );
    }
  }
  return domain;
}

/** The domains a person's own store would have been keyed by: the address's domain and its registrable domain. */
function ownDomains(email: string): string[] {
  const host = email.slice(email.lastIndexOf('@') + 1);
  const reg = parseDomain(host, { allowPrivateDomains: true }).domain;
  return reg && reg !== host ? [host, reg] : [host];
}

const FORGOTTEN = 'forgotten';
const BLANK = '[forgotten]';

/** s escaped for LIKE ... ESCAPE '\\'. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => '\\' + m);
const likeAny = (s: string) => `%${likeEscape(s)}%`;
const caseless = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');

/**
 * Blanks `needles` (case-insensitive) out of the text columns of the rows that contain one: the audit table
 * records each command's arguments (`leads forget jane@…` itself, an earlier `leads show`, `suppress add`),
 * and lead notes are free text. Returns the rows changed.
 */
function redact(db: Db, table: 'runs' | 'leads', columns: string[], needles: string[], where = '1'): number {
  const q = db.sqlite;
  const ns = needles.filter((n) => n.trim().length >= 3);
  if (!ns.length) return 0;
  const cond = ns.map(() => columns.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')).join(' OR ');
  const params = ns.flatMap((n) => columns.map(() => likeAny(n)));
  const rows = q.prepare(`SELECT id, ${columns.join(', ')} FROM ${table} WHERE (${where}) AND (${cond})`).all(...params) as Record<string, string | number | null>[];
  const res = ns.map(caseless);
  const update = q.prepare(`UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
  for (const r of rows) {
    const vals = columns.map((c) => {
      const v = r[c];
      return typeof v === 'string' ? res.reduce((acc, re) => acc.replace(re, BLANK), v) : v;
    });
    update.run(...vals, r.id);
  }
  return rows.length;
}

export function forget(db: Db, target: string, opts: ForgetOptions = {}): ForgetResult {
  const isEmail = target.includes('@');
  const q = db.sqlite;
  const res: ForgetResult = {
    target,
    kind: isEmail ? 'email' : 'domain',
    leadsDeleted: 0,
    contactsDeleted: 0,
    inboundDeleted: 0,
    messagesAnonymized: 0,
    messagesCancelled: 0,
    draftsDeleted: 0,
    factsDeleted: 0,
    eventsDeleted: 0,
    suppressionsHashed: 0,
    redacted: 0,
    fileCleaned: false,
    ownDomainLeads: [],
  };
  // Overwrite deleted content on disk rather than leaving it in free pages.
  q.pragma('secure_delete = ON');
  try {
    if (isEmail) {
      const e = normalizeEmail(target);
      if (!e.ok) throw new UserError(`Cannot forget "${target}": ${e.reason}`);
      const email = e.value.email;
      const like = likeAny(email);
      tx(db, () => {
        const contactIds = (q.prepare(`SELECT id, lead_id, first_name, last_name FROM contacts WHERE ${CONTACT_EMAIL_IS}`).all(...contactEmailKey(email)) as { id: number; lead_id: number; first_name: string | null; last_name: string | null }[]);
        // The address everywhere in lead notes; the person's full name in the notes of their own store's lead.
        res.redacted += redact(db, 'leads', ['notes'], [email]);
        for (const c of contactIds) {
          const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
          if (c.first_name && c.last_name) res.redacted += redact(db, 'leads', ['notes'], [name], `id = ${Number(c.lead_id)}`);
        }
        // The audit rows: this command's own arguments and every earlier one that named the address.
        res.redacted += redact(db, 'runs', ['args', 'error', 'counts'], [email, target.trim()]);
        for (const c of contactIds) {
          res.draftsDeleted += q.prepare('DELETE FROM drafts WHERE contact_id = ?').run(c.id).changes;
          q.prepare(`UPDATE enrollments SET status = 'stopped', stop_reason = 'forgotten', contact_id = NULL WHERE contact_id = ?`).run(c.id);
        }
        res.contactsDeleted = q.prepare(`DELETE FROM contacts WHERE ${CONTACT_EMAIL_IS}`).run(...contactEmailKey(email)).changes;
        // Mail from or to the person, and any other mail that names the address (a bounce about it, a colleague's
        // forward): raw mail included.
        res.inboundDeleted = q
          .prepare(`DELETE FROM inbound WHERE lower(from_email) = ? OR lower(to_email) = ? OR body_text LIKE ? ESCAPE '\\' OR CAST(raw AS TEXT) LIKE ? ESCAPE '\\'`)
          .run(email, email, like, like).changes;
        res.messagesCancelled += cancelUnsent(db, `lower(to_email) = ?`, email);
        res.messagesAnonymized = q
          .prepare(`UPDATE messages SET to_email = ?, subject = NULL, smtp_response = NULL, last_error = CASE WHEN state = 'cancelled' AND last_error = ? THEN last_error END WHERE lower(to_email) = ?`)
          .run(FORGOTTEN, FORGOTTEN, email).changes;
        res.factsDeleted = q.prepare(`DELETE FROM facts WHERE value LIKE ? ESCAPE '\\'`).run(like).changes;
        res.eventsDeleted = q.prepare(`DELETE FROM events WHERE data LIKE ? ESCAPE '\\'`).run(like).changes;
        res.suppressionsHashed = q.prepare(`DELETE FROM suppressions WHERE kind = 'email' AND value = ?`).run(email).changes;
        // The person's lead, made from their address: an email-only row (`jane@janedoe.com`, no website) makes
        // the lead janedoe.com with no url (import-worker.ts), and its company is often the person's own name.
        // A lead of their own domain that they were a contact of is deleted too when it has no url (no website
        // was ever known: it came from the address only) and nothing of anyone else is linked to it any more: no
        // other contact, no message to another address, no other inbound mail. Otherwise it stays (a store
        // imported with its website, or with colleagues): the command says so, and `leads forget DOMAIN` erases it.
        const own = new Set(ownDomains(email));
        const seen = new Set<number>();
        for (const c of contactIds) {
          if (seen.has(c.lead_id)) continue;
          seen.add(c.lead_id);
          const lead = q.prepare('SELECT id, domain, url FROM leads WHERE id = ?').get(c.lead_id) as { id: number; domain: string; url: string | null } | undefined;
          if (!lead || !own.has(lead.domain.replace(/:\d+$/, ''))) continue;
          const others =
            q.prepare('SELECT 1 FROM contacts WHERE lead_id = ? LIMIT 1').get(lead.id) ||
            q.prepare(`SELECT 1 FROM messages WHERE lead_id = ? AND to_email <> ? LIMIT 1`).get(lead.id, FORGOTTEN) ||
            q.prepare('SELECT 1 FROM inbound WHERE lead_id = ? LIMIT 1').get(lead.id);
          if (others || lead.url !== null) {
            const why = others ? 'other contacts or mail are linked to it' : 'it has a website (it was not made from the address alone)';
            res.ownDomainLeads.push({ domain: lead.domain, deleted: false, why });
            continue;
          }
          res.factsDeleted += q.prepare('SELECT count(*) FROM facts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.draftsDeleted += q.prepare('SELECT count(*) FROM drafts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.eventsDeleted += q.prepare('SELECT count(*) FROM events WHERE lead_id = ?').pluck().get(lead.id) as number;
          // Cascades: facts, scores, tags, enrollments, assignments, drafts, events; her anonymized messages stay
          // as counted history, unlinked.
          q.prepare('UPDATE messages SET lead_id = NULL, contact_id = NULL WHERE lead_id = ?').run(lead.id);
          res.leadsDeleted += q.prepare('DELETE FROM leads WHERE id = ?').run(lead.id).changes;
          res.ownDomainLeads.push({ domain: lead.domain, deleted: true, why: 'made from the address alone (no website), no other contact or mail' });
        }
        addSuppression(db, { kind: 'email_hash', value: erasureHash(db, email), reason: 'forgotten', source: 'cli' });
        q.prepare(`INSERT INTO events (lead_id, type, data) VALUES (NULL, 'forgotten', ?)`).run(JSON.stringify({ kind: 'email' }));
      });
    } else {
      const domain = checkDomainTarget(db, target, opts.force);
      const host = domain.replace(/:\d+$/, '');
      const atDomain = `%@${likeEscape(host)}`;
      tx(db, () => {
        // The store under every port it was stored with (shop.com and shop.com:8443 are one store to forget).
        const leads = q.prepare(`SELECT id FROM leads WHERE domain = ? OR domain LIKE ? ESCAPE '\\'`).all(host, `${likeEscape(host)}:%`) as { id: number }[];
        const ids = JSON.stringify(leads.map((l) => l.id));
        const emails = (
          q.prepare(`SELECT DISTINCT email FROM contacts WHERE lead_id IN (SELECT value FROM json_each(?)) OR email LIKE ? ESCAPE '\\'`).all(ids, atDomain) as { email: string }[]
        ).map((r) => r.email);
        for (const lead of leads) {
          res.inboundDeleted += q.prepare('DELETE FROM inbound WHERE lead_id = ?').run(lead.id).changes;
          res.messagesCancelled += cancelUnsent(db, 'lead_id = ?', lead.id);
          res.messagesAnonymized += q
            .prepare(`UPDATE messages SET to_email = ?, subject = NULL, smtp_response = NULL, last_error = CASE WHEN state = 'cancelled' AND last_error = ? THEN last_error END, lead_id = NULL, contact_id = NULL WHERE lead_id = ?`)
            .run(FORGOTTEN, FORGOTTEN, lead.id).changes;
          res.contactsDeleted += q.prepare('SELECT count(*) FROM contacts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.factsDeleted += q.prepare('SELECT count(*) FROM facts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.draftsDeleted += q.prepare('SELECT count(*) FROM drafts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.eventsDeleted += q.prepare('SELECT count(*) FROM events WHERE lead_id = ?').pluck().get(lead.id) as number;
          // Cascades: contacts, facts, scores, tags, enrollments, assignments, drafts, events.
          res.leadsDeleted += q.prepare('DELETE FROM leads WHERE id = ?').run(lead.id).changes;
        }
        res.contactsDeleted += q.prepare(`DELETE FROM contacts WHERE email LIKE ? ESCAPE '\\'`).run(atDomain).changes;
        const atHostAnywhere = likeAny(`@${host}`);
        res.inboundDeleted += q
          .prepare(`DELETE FROM inbound WHERE lower(from_email) LIKE ? ESCAPE '\\' OR body_text LIKE ? ESCAPE '\\' OR CAST(raw AS TEXT) LIKE ? ESCAPE '\\'`)
          .run(atDomain, atHostAnywhere, atHostAnywhere).changes;
        res.redacted += redact(db, 'leads', ['notes'], [`@${host}`, ...emails]);
        res.redacted += redact(db, 'runs', ['args', 'error', 'counts'], [host, domain, target.trim(), ...emails]);
        res.messagesCancelled += cancelUnsent(db, `lower(to_email) LIKE ? ESCAPE '\\'`, atDomain);
        res.messagesAnonymized += q
          .prepare(`UPDATE messages SET to_email = ?, subject = NULL, smtp_response = NULL, last_error = CASE WHEN state = 'cancelled' AND last_error = ? THEN last_error END WHERE lower(to_email) LIKE ? ESCAPE '\\'`)
          .run(FORGOTTEN, FORGOTTEN, atDomain).changes;
        for (const email of emails) {
          res.suppressionsHashed += q.prepare(`DELETE FROM suppressions WHERE kind = 'email' AND value = ?`).run(email).changes;
          addSuppression(db, { kind: 'email_hash', value: erasureHash(db, email), reason: 'forgotten', source: 'cli' });
        }
        res.suppressionsHashed += q.prepare(`DELETE FROM suppressions WHERE kind = 'domain' AND value = ?`).run(host).changes;
        addSuppression(db, { kind: 'domain_hash', value: erasureHash(db, host), reason: 'forgotten', source: 'cli' });
        if (host !== domain) addSuppression(db, { kind: 'domain_hash', value: erasureHash(db, domain), reason: 'forgotten', source: 'cli' });
        q.prepare(`INSERT INTO events (lead_id, type, data) VALUES (NULL, 'forgotten', ?)`).run(JSON.stringify({ kind: 'domain' }));
      });
    }
    // "anonymized": messages that went out (or failed) and stay as counted history, not those just cancelled
    res.messagesAnonymized = Math.max(0, res.messagesAnonymized - res.messagesCancelled);
    res.fileCleaned = cleanFile(db, opts.checkpointWaitMs ?? 30_000);
  } finally {
    q.pragma('secure_delete = OFF');
  }
  return res;
}

/**
 * Messages to the person not sent yet would stay queued forever once their address is blanked (send cannot
 * settle them): they are cancelled, as the state machine allows from queued, deferred and unknown
 * (src/domain/outbound.ts). A message being sent right now (`sending`) is left to its sender.
 */
function cancelUnsent(db: Db, where: string, param: string | number): number {
  return db.sqlite
    .prepare(
      `UPDATE messages SET state = 'cancelled', last_error = '${FORGOTTEN}', claimed_by = NULL, next_attempt_at = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
       WHERE (${where}) AND state IN ('queued', 'deferred', 'unknown')`,
    )
    .run(param).changes;
}

/**
 * Deleting rows is not enough for an erasure: SQLite leaves copies of deleted and updated cells in free blocks
 * and free pages (written before secure_delete was on), and in the divider keys of index interior pages, which a
 * delete never rewrites; the write-ahead log keeps whole old page images. VACUUM rebuilds every page of the file
 * and the TRUNCATE checkpoint copies it back and empties the log. VACUUM waits (busy timeout) for another
 * process's write; the checkpoint cannot finish while another process reads an older snapshot: the data is
 * deleted then, but the file still holds old bytes, and the caller is told so.
 */
function cleanFile(db: Db, waitMs: number): boolean {
  const q = db.sqlite;
  if (db.path === ':memory:') return true;
  // The target is not named: this message is stored in the audit row (runs.error) after the erasure.
  const again = 'Run `outreach db vacuum` (or this command again) when no other outreach command is running.';
  try {
    q.exec('VACUUM');
  } catch (err) {
    throw new UserError(
      `The records are erased, but the database file could not be rewritten to wipe old copies of the erased bytes (${errorMessage(err)}).`,
      again,
    );
  }
  const timeout = q.pragma('busy_timeout', { simple: true }) as number;
  let busy = 0;
  try {
    q.pragma(`busy_timeout = ${Math.max(0, Math.floor(waitMs))}`);
    busy = (q.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]?.busy ?? 0;
  } finally {
    q.pragma(`busy_timeout = ${timeout}`);
  }
  if (busy) {
    throw new UserError(
      `The records are erased, but another process is still reading the database, so old copies of the erased bytes stay in the file (${db.path}-wal) until it ends.`,
      again,
    );
  }
  return true;
}
