// The inbox's reads and writes: threading a message to what we sent, storing it once, and applying
// what each label means to the pipeline (suppress, stop, pause, advance). Every write runs inside the
// caller's transaction; nothing here does network I/O.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { cached } from '../../db/statements.js';
import { addSuppression, findSuppression } from '../../db/suppressions.js';
import { addEvent } from '../../db/events.js';
import { CONTACT_EMAIL_IS, EMAIL_DOMAIN_SQL, contactEmailKey } from '../../db/contacts.js';
import { advanceStageSql } from '../../domain/lead.js';
import { FREEMAIL, normalizeEmail } from '../../domain/normalize.js';
import { getDomain } from 'tldts';
import type { Classification, Label } from '../../domain/classify/index.js';
import { bounceFor } from '../../domain/classify/bounce.js';
import { headerSection, type ParsedMessage } from './parse.js';

export interface Match {
  leadId: number | null;
  outboundId: number | null;
  enrollmentId: number | null;
  contactId: number | null;
  campaignId: number | null;
  toEmail: string | null;
  how: 'message-id' | 'thread' | 'subject+address' | 'address' | 'domain' | 'none';
  /**
   * Set when the sender belongs to a lead by address or domain only and we had sent that lead nothing before the
   * message was written (or nothing at all): the mail is not a reply to our outreach. Why, in words.
   */
  notReply?: string;
}

export interface ThreadOptions {
  /** The failed recipient a bounce names: the latest message we sent to that address. */
  bounceRecipient?: string;
  /**
   * Whether mail matched by sender address or domain only must be written after our first message to the lead to
   * count as a reply (true unless false: a BOUNCE keeps the rules it had).
   */
  checkDate?: boolean;
  /** Now (the time we read the message, when it has no usable Date or Received header). */
  now?: Date;
}

/** A prepared statement, prepared once per connection (preparing is most of the cost of a small query). */
export const stmt = cached;

const NONE: Match = { leadId: null, outboundId: null, enrollmentId: null, contactId: null, campaignId: null, toEmail: null, how: 'none' };

/**
 * NONE with a lead (or only a how), and why it is no reply when given: the keys of `{ ...NONE, leadId, contactId, how,
 * notReply }` in their order, as one literal (in V8 a spread followed by keys it already has costs a few us an object).
 */
function noMessage(leadId: number | null, contactId: number | null, how: Match['how'], notReply?: string): Match {
  const m: Match = { leadId, outboundId: null, enrollmentId: null, contactId, campaignId: null, toEmail: null, how };
  if (notReply !== undefined) m.notReply = notReply;
  return m;
}

interface OutRow {
  id: number;
  lead_id: number | null;
  enrollment_id: number | null;
  contact_id: number | null;
  campaign_id: number | null;
  to_email: string;
}

/** "Re: AW: Fwd: [ext] Subject" → "subject", for subject threading. */
export function baseSubject(s: string): string {
  let t = s.toLowerCase().trim();
  for (let i = 0; i < 10; i++) {
    const next = t
      .replace(/^(\[[^\]]{0,30}\]\s*)+/, '')
      .replace(/^(re|aw|sv|vs|antw|antwort|rif|r|res|ref|odp|wg|fw|fwd|tr|enc|rv|doorst|wtr)(\[\d+\]|\(\d+\))?\s*[:：]\s*/i, '')
      .trim();
    if (next === t) break;
    t = next;
  }
  return t.replace(/\s+/g, ' ');
}

function toMatch(r: OutRow | undefined, how: Match['how']): Match | null {
  if (!r) return null;
  return { leadId: r.lead_id, outboundId: r.id, enrollmentId: r.enrollment_id, contactId: r.contact_id, campaignId: r.campaign_id, toEmail: r.to_email, how };
}

/**
 * An address as a mailbox owns it: lower case, without a +tag (alice+sent@x.com is alice@x.com's mailbox: sub-
 * addressing delivers it there, and mail clients send from such aliases).
 */
export function mailboxKey(address: string): string {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at <= 0) return a;
  const local = a.slice(0, at);
  const plus = local.indexOf('+');
  return (plus > 0 ? local.slice(0, plus) : local) + a.slice(at);
}

/** Our own addresses (mailboxes, with any +tag and in any case) and the Message-IDs we sent: never replies. */
export function isOwnMessage(db: Db, p: ParsedMessage, ownAddresses: Set<string>): boolean {
  if (isOwnAddress(p, ownAddresses)) return true;
  return Boolean(stmt(db, 'SELECT 1 FROM messages WHERE message_id = ?').get(p.messageId));
}

function isOwnAddress(p: ParsedMessage, ownAddresses: Set<string>): boolean {
  return Boolean(p.from && (ownAddresses.has(p.from) || ownAddresses.has(mailboxKey(p.from))));
}

/**
 * isOwnMessage(), and if not, inboundExists(p.messageId): the two lookups every message starts with, in one
 * statement (a statement's call costs about as much as its index probe).
 */
export function ownOrStored(db: Db, p: ParsedMessage, ownAddresses: Set<string>): 'own' | 'stored' | null {
  if (isOwnAddress(p, ownAddresses)) return 'own';
  const r = stmt(db, OWN_OR_STORED).get(p.messageId, p.messageId) as { own: number; stored: number };
  return r.own ? 'own' : r.stored ? 'stored' : null;
}

const OWN_OR_STORED = `SELECT EXISTS (SELECT 1 FROM messages WHERE message_id = ?) AS own, EXISTS (SELECT 1 FROM inbound WHERE message_id = ?) AS stored`;

/** The mailboxes' addresses and any others of ours (the sender's address in the settings, where replies come back to), as mailboxKey()s. */
export function ownAddresses(db: Db, more: string[] = []): Set<string> {
  const rows = stmt(db, 'SELECT lower(email) AS e FROM mailboxes').all() as { e: string }[];
  const own = new Set(rows.map((r) => mailboxKey(r.e)));
  for (const a of more) {
    const e = normalizeEmail(a);
    if (e.ok) own.add(mailboxKey(e.value.email));
  }
  return own;
}

/**
 * The parent domains of a sender's domain, nearest first, down to its registrable domain (uk.shop7.com → shop7.com;
 * eu.uk.shop7.co.uk → uk.shop7.co.uk, shop7.co.uk). Private suffixes count as suffixes (x.b.myshopify.com stops at
 * b.myshopify.com, never myshopify.com). Empty when the domain is registrable itself or unknown.
 */
export function parentDomains(domain: string): string[] {
  const d = domain.replace(/:\d+$/, '').toLowerCase();
  const top = getDomain(d, { allowPrivateDomains: true });
  if (!top || top === d || !d.endsWith(`.${top}`)) return [];
  const out: string[] = [];
  let cur = d;
  while (cur !== top && out.length < 8) {
    cur = cur.slice(cur.indexOf('.') + 1);
    out.push(cur);
  }
  return out;
}

/**
 * Which of our messages (and so which lead) this one answers: In-Reply-To/References (and, for
 * bounces, the quoted original's Message-ID) against messages.message_id; then the enrollment's
 * thread id; then subject + address; then the sender's address or domain (a colleague at the lead).
 * Mail matched by address or domain only answers our outreach only when we had sent the lead something
 * (a message sent, or possibly sent) before it was written (writtenAt): otherwise it still names the lead
 * (leadId) but no message of ours, and says why in notReply. An invoice from 2024, a supplier's note, years
 * of a store's mail read by a first sync: they are the lead's mail, not answers to us.
 */
export function threadMessage(db: Db, p: ParsedMessage, bounceOrOptions?: string | ThreadOptions): Match {
  const o: ThreadOptions = typeof bounceOrOptions === 'string' ? { bounceRecipient: bounceOrOptions } : bounceOrOptions ?? {};
  const bounceRecipient = o.bounceRecipient;
  const byId = stmt(db, 'SELECT id, lead_id, enrollment_id, contact_id, campaign_id, to_email FROM messages WHERE message_id = ?');
  // In-Reply-To comes first in `ids`: a reply to our message (most of them) is matched before the list is built.
  if (p.inReplyTo) {
    const m = toMatch(byId.get(p.inReplyTo) as OutRow | undefined, 'message-id');
    if (m) return m;
  }
  const ids = [...new Set([p.inReplyTo, ...p.references.slice().reverse(), ...p.originalIds].filter((x): x is string => Boolean(x)))].slice(0, 50);
  for (let i = p.inReplyTo ? 1 : 0; i < ids.length; i++) {
    const m = toMatch(byId.get(ids[i]) as OutRow | undefined, 'message-id');
    if (m) return m;
  }
  const byThread = stmt(db, 
    `SELECT m.id, e.lead_id, e.id AS enrollment_id, e.contact_id, e.campaign_id, COALESCE(m.to_email, c.email) AS to_email
       FROM enrollments e LEFT JOIN messages m ON m.enrollment_id = e.id LEFT JOIN contacts c ON c.id = e.contact_id
      WHERE e.thread_message_id = ? ORDER BY m.id DESC LIMIT 1`,
  );
  for (const id of ids) {
    const m = toMatch(byThread.get(id) as OutRow | undefined, 'thread');
    if (m) return m;
  }
  // A bounce names the failed recipient: the latest message we sent to that address.
  const addr = bounceRecipient ?? p.from;
  if (bounceRecipient) {
    const r = stmt(db, 'SELECT id, lead_id, enrollment_id, contact_id, campaign_id, to_email FROM messages WHERE to_email = ? ORDER BY id DESC LIMIT 1').get(bounceRecipient) as OutRow | undefined;
    const m = toMatch(r, 'address');
    if (m) return m;
    for (const to of p.originalTo) {
      const r2 = stmt(db, 'SELECT id, lead_id, enrollment_id, contact_id, campaign_id, to_email FROM messages WHERE to_email = ? ORDER BY id DESC LIMIT 1').get(to) as OutRow | undefined;
      const m2 = toMatch(r2, 'address');
      if (m2) return m2;
    }
    return NONE;
  }
  if (!addr) return NONE;
  const subj = baseSubject(p.subject);
  const sent = stmt(db, `SELECT id, lead_id, enrollment_id, contact_id, campaign_id, to_email, subject FROM messages WHERE to_email = ? AND state IN ('sent','unknown','sending','deferred') ORDER BY id DESC LIMIT 20`).all(addr) as (OutRow & { subject: string | null })[];
  if (subj) {
    const hit = sent.find((r) => r.subject && baseSubject(r.subject) === subj);
    if (hit) return toMatch(hit, 'subject+address')!;
  }
  if (o.checkDate === false) {
    // A bounce (its rules are older than the date check, and name what we sent by other means): as before.
    if (sent[0]) return toMatch(sent[0], 'address')!;
    const found = leadOfSender(db, addr);
    if (!found) return NONE;
    const last = stmt(db, 'SELECT id, lead_id, enrollment_id, contact_id, campaign_id, to_email, subject FROM messages WHERE lead_id = ? ORDER BY id DESC LIMIT 20').all(found.leadId) as (OutRow & { subject: string | null })[];
    const bySubj = subj ? last.find((r) => r.subject && baseSubject(r.subject) === subj) : undefined;
    const pick = bySubj ?? last[0];
    if (pick) return toMatch(pick, found.how)!;
    return noMessage(found.leadId, found.contactId, found.how);
  }
  // Matched by the sender's address or domain only: a reply only when we had mailed the lead before it was written.
  const found: { leadId: number; contactId: number | null; how: 'address' | 'domain' } | null = sent[0]
    ? sent[0].lead_id !== null ? { leadId: sent[0].lead_id, contactId: sent[0].contact_id, how: 'address' } : null
    : leadOfSender(db, addr);
  if (!found && !sent[0]) return NONE; // someone who is no lead
  const when = writtenAt(p, o.now ?? new Date());
  const at = new Date(when.at.getTime() + CLOCK_SKEW_MS).toISOString();
  if (!found) {
    // Our message to this address has no lead any more (deleted): nothing to stop either way.
    const r = stmt(db, SQL.sentToAddressBefore).get(addr, at) as OutRow | undefined;
    return toMatch(r, 'address') ?? noMessage(null, null, 'address', notReplyWhy(db, null, addr, when));
  }
  const before = stmt(db, SQL.sentToLeadBefore).all(found.leadId, at) as (OutRow & { subject: string | null })[];
  // What it answers: our message with its subject, else the latest to this very address, else the latest to the lead.
  const bySubj = subj ? before.find((r) => r.subject && baseSubject(r.subject) === subj) : undefined;
  const pick = bySubj ?? before.find((r) => r.to_email === addr) ?? before[0];
  if (pick) return toMatch(pick, found.how)!;
  return noMessage(found.leadId, found.contactId, found.how, notReplyWhy(db, found.leadId, addr, when));
}

/** The lead a sender belongs to without any message threaded: a contact we know, else a colleague at the lead's domain. */
function leadOfSender(db: Db, addr: string): { leadId: number; contactId: number | null; how: 'address' | 'domain' } | null {
  // A contact we know (no message threaded): their lead.
  const contact = stmt(db, SQL.contactByEmail).get(...contactEmailKey(addr)) as { id: number; lead_id: number } | undefined;
  if (contact?.lead_id) return { leadId: contact.lead_id, contactId: contact.id, how: 'address' };
  // A colleague at the same domain: the lead whose contacts (or store domain) share it. Free-mail domains never match.
  const domain = addr.slice(addr.lastIndexOf('@') + 1);
  let leadId: number | null = null;
  if (domain && !FREEMAIL.has(domain)) {
    // EMAIL_DOMAIN_SQL is the first column of the index contacts_domain_email_idx (a LIKE '%@domain' scanned them all)
    const viaContact = stmt(db, SQL.contactByDomain).get(domain) as { lead_id: number } | undefined;
    const viaLead = viaContact ? undefined : (stmt(db, 'SELECT id AS lead_id FROM leads WHERE domain = ? OR domain = ?').get(domain, domain.replace(/^(mail|email|mx)\./, '')) as { lead_id: number } | undefined);
    leadId = viaContact?.lead_id ?? viaLead?.lead_id ?? null;
    // A colleague at a subdomain of the lead's (buyer@uk.shop7.com for shop7.com): its parent domains, nearest
    // first, down to the registrable domain.
    for (const parent of leadId ? [] : parentDomains(domain)) {
      if (FREEMAIL.has(parent)) break;
      const c2 = stmt(db, SQL.contactByDomain).get(parent) as { lead_id: number } | undefined;
      const l2 = c2 ? undefined : (stmt(db, 'SELECT id AS lead_id FROM leads WHERE domain = ?').get(parent) as { lead_id: number } | undefined);
      leadId = c2?.lead_id ?? l2?.lead_id ?? null;
      if (leadId) break;
    }
  }
  return leadId ? { leadId, contactId: null, how: 'domain' } : null;
}

/** How far the writer's clock may be behind ours: mail written this long before our message still answers it. */
export const CLOCK_SKEW_MS = 15 * 60_000;

/**
 * When the message arrived: the date of its topmost Received header (added by the last server, ours), when it has
 * one that is not in the future. Null otherwise (a file written by hand, a client's upload).
 */
export function receivedAt(raw: Buffer, now: Date): Date | null {
  if (!raw?.length) return null;
  const head = headerSection(raw).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const re = /^received[ \t]*:(.*)$/gim;
  for (let m = re.exec(head), n = 0; m && n < 5; m = re.exec(head), n++) {
    const semi = m[1]!.lastIndexOf(';');
    if (semi < 0) continue;
    const text = m[1]!.slice(semi + 1).replace(/\([^)]*\)/g, ' ').trim();
    const d = new Date(text);
    if (!text || Number.isNaN(d.getTime())) continue;
    return d.getTime() <= now.getTime() + CLOCK_SKEW_MS ? d : null;
  }
  return null;
}

export interface WrittenAt {
  at: Date;
  /** 'date': its Date header; 'received': when it arrived (top Received header); 'now': when we read it. */
  source: 'date' | 'received' | 'now';
  /** Why the Date header was not used, when it was not. */
  note?: string;
}

/**
 * When a message was written, as far as we can tell: its Date header, unless it has none or it is later than the
 * message arrived (a future or forged Date): then when it arrived (its top Received header, else now, the time we
 * read it). A Date long before the message arrived is believed: old mail fetched into the mailbox later (fetchmail,
 * a provider's "check mail from other accounts", a migration) carries a Received header of that day, not of when it
 * was written. A wrong clock in the past makes a message look older than it is: at worst an answer that cites none
 * of our messages leaves the sequence running, never stops a lead we had not written to.
 */
export function writtenAt(p: Pick<ParsedMessage, 'date' | 'raw'>, now: Date): WrittenAt {
  const received = receivedAt(p.raw, now);
  const arrival: WrittenAt = { at: received ?? now, source: received ? 'received' : 'now' };
  const d = p.date && !Number.isNaN(p.date.getTime()) ? p.date : null;
  if (!d) return { ...arrival, note: 'no readable Date header' };
  if (d.getTime() > arrival.at.getTime() + CLOCK_SKEW_MS) return { ...arrival, note: `its Date (${d.toISOString()}) is later than it arrived` };
  return { at: d, source: 'date' };
}

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** Why mail matched to a lead by address or domain only is no reply: written before our first message, or none sent. */
function notReplyWhy(db: Db, leadId: number | null, addr: string, when: WrittenAt): string {
  const first = (leadId !== null ? stmt(db, SQL.firstSentToLead).get(leadId) : stmt(db, SQL.firstSentToAddress).get(addr)) as { t: string | null; n: number };
  const written = `${when.source === 'date' ? 'written' : when.source === 'received' ? 'received' : 'read'} ${day(when.at.toISOString())} UTC${when.note ? ` (${when.note})` : ''}`;
  if (!first.n) return `not a reply to our outreach: we never mailed ${leadId !== null ? 'this lead' : addr}; ${written}`;
  return `not a reply to our outreach: ${written}, before our first message to ${leadId !== null ? 'this lead' : addr}${first.t ? ` (${day(first.t)} UTC)` : ''}`;
}

/**
 * The label of a person's mail that belongs to a lead by address or domain only and answers none of our messages
 * (Match.notReply): an invoice, a supplier's note, years of a store's mail read by a first sync. It is stored with the
 * lead (`leads show` lists it) but it is no human reply: WARM, COLD and NEUTRAL tell send, campaign, draft and report
 * that the lead answered us, and the WARM label is what gets announced. Its intent is kept in the reason.
 */
export const UNRELATED = 'UNRELATED';
export type StoredLabel = Label | typeof UNRELATED;
/** A classification as stored: the classifier's, or UNRELATED for a lead's mail that is no reply. */
export type StoredClassification = Omit<Classification, 'label'> & { label: StoredLabel };

const HUMAN_LABELS: ReadonlySet<string> = new Set(['WARM', 'COLD', 'NEUTRAL']);

/**
 * What is stored for a message: a human message (WARM, COLD, NEUTRAL) that is no reply (m.notReply) becomes
 * UNRELATED, with why and the intent it reads as in its reason. A stop request (UNSUBSCRIBE), a bounce and an
 * automatic reply keep their label: what they do does not depend on their answering us (see applyEffects).
 */
export function storedClassification(c: Classification, m: Match): StoredClassification {
  if (!m.notReply || !HUMAN_LABELS.has(c.label)) return c;
  return { ...c, label: UNRELATED, confidence: 1, reason: `${m.notReply}; reads as ${c.label} (${c.confidence}): ${c.reason}` };
}

export interface StoredInbound {
  mailboxId: number | null;
  folder: string | null;
  uid: number | null;
  uidValidity: number | null;
  classifier: string;
}

/** Inserts the message once (unique Message-ID). Returns its id, or null when it was already stored. */
export function insertInbound(db: Db, p: ParsedMessage, c: StoredClassification, m: Match, s: StoredInbound, at = new Date().toISOString()): number | null {
  const r = stmt(db, 
      `INSERT INTO inbound (mailbox_id, folder, uid, uid_validity, message_id, in_reply_to, "references", from_email, from_name, to_email, subject,
         sent_date, lead_id, outbound_id, label, bounce_type, confidence, reason, return_date, classifier, body_text, raw, raw_size, problem, received_at, processed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (message_id) DO NOTHING`,
    )
    .run(
      s.mailboxId,
      s.folder,
      s.uid,
      s.uidValidity,
      p.messageId,
      p.inReplyTo,
      p.references.length ? p.references.join(' ') : null,
      p.from || null,
      p.fromName || null,
      p.to[0] ?? null,
      p.subject || null,
      p.date ? p.date.toISOString() : null,
      m.leadId,
      m.outboundId,
      c.label,
      c.bounceType ?? null,
      c.confidence,
      c.reason.slice(0, 500),
      c.returnDate ?? null,
      s.classifier,
      (c.bodyText ?? '').slice(0, 20_000) || null,
      p.raw,
      p.rawSize,
      p.problems.length ? p.problems.join('; ').slice(0, 2000) : null,
      // received_at and processed_at, as the column default and strftime('%Y-%m-%dT%H:%M:%fZ','now') wrote them
      at,
      at,
    );
  return r.changes > 0 ? Number(r.lastInsertRowid) : null;
}

/** The same message seen again (another folder, or after a UIDVALIDITY change): refresh where it lives. */
export function touchInbound(db: Db, messageId: string, s: StoredInbound): void {
  stmt(db, 'UPDATE inbound SET mailbox_id = COALESCE(?, mailbox_id), folder = COALESCE(?, folder), uid = COALESCE(?, uid), uid_validity = COALESCE(?, uid_validity) WHERE message_id = ?').run(s.mailboxId, s.folder, s.uid, s.uidValidity, messageId);
}

export function inboundExists(db: Db, messageId: string): boolean {
  return Boolean(stmt(db, 'SELECT 1 FROM inbound WHERE message_id = ?').get(messageId));
}

export interface EffectOptions {
  /** Soft bounces of one address before it is suppressed like a hard bounce. */
  softBounceLimit: number;
  /** Today, for the out-of-office pause (tests pass a fixed clock). */
  now: Date;
  runId?: number | null;
  /** When the message is stored (ISO, the real clock): its rows' updated_at and its events' time. Default: now. */
  at?: string;
  /** A bounce's bounceVerdict(p, c, m), read before the insert (default: read here). */
  bounce?: BounceVerdict;
}

export interface Effect {
  kind: 'suppressed' | 'stopped' | 'paused' | 'replied' | 'retry' | 'none';
  detail: string;
}

const NOW_SQL = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;
/** When a message went out: sent_at, or for one possibly sent (unknown, or a claim in flight) when it was claimed. */
const SENT_TIME = `COALESCE(sent_at, CASE WHEN state IN ('unknown','sending') THEN claimed_at END)`;
/** A soft-bounced message is sent again this long after the bounce arrived. */
export const SOFT_BOUNCE_RETRY_HOURS = 24;

// Built once: stmt() finds a prepared statement by its text, and a string built per call must be hashed
// and compared in full on every lookup (advanceStageSql is also a long CASE built from the stage list).
const SQL = {
  // updated_at = ? (the message's `at`): a clock read and strftime() in SQLite cost more than a bound string.
  stopLead: `UPDATE enrollments SET status = 'stopped', stop_reason = ?, paused_until = NULL, updated_at = ? WHERE lead_id = ? AND status IN ('active','paused')`,
  stopBounced: `UPDATE enrollments SET status = 'stopped', stop_reason = 'bounced', paused_until = NULL, updated_at = ${NOW_SQL}
              WHERE lead_id = ? AND status IN ('active','paused') AND (id = ? OR contact_id IN (SELECT id FROM contacts WHERE ${CONTACT_EMAIL_IS}) OR contact_id IS NULL)`,
  stopContact: `UPDATE enrollments SET status = 'stopped', stop_reason = ?, paused_until = NULL, updated_at = ${NOW_SQL}
              WHERE lead_id = ? AND status IN ('active','paused') AND (id = ? OR contact_id IN (SELECT id FROM contacts WHERE ${CONTACT_EMAIL_IS}))`,
  contactByEmail: `SELECT id, lead_id FROM contacts WHERE ${CONTACT_EMAIL_IS} ORDER BY id LIMIT 1`,
  // The first contact at the domain in the index's order (email domain, email): one index entry read, however
  // many contacts share the domain. (ORDER BY id would read and sort them all: 57 ms at 200,000.) A domain's
  // contacts almost always belong to one store; where they do not, no choice among them is better founded.
  contactByDomain: `SELECT lead_id FROM contacts WHERE ${EMAIL_DOMAIN_SQL} = ? LIMIT 1`,
  // What we sent the lead (or the address) up to a time: a message sent, or possibly sent (unknown: its claim time),
  // newest first. A message marked sent without a time (data from elsewhere) counts, as it did before the check.
  sentToLeadBefore: `SELECT id, lead_id, enrollment_id, contact_id, campaign_id, to_email, subject FROM messages
    WHERE lead_id = ? AND state IN ('sent','unknown','sending','deferred') AND (julianday(${SENT_TIME}) <= julianday(?) OR (state = 'sent' AND sent_at IS NULL))
    ORDER BY id DESC LIMIT 20`,
  sentToAddressBefore: `SELECT id, lead_id, enrollment_id, contact_id, campaign_id, to_email FROM messages
    WHERE to_email = ? AND state IN ('sent','unknown','sending','deferred') AND (julianday(${SENT_TIME}) <= julianday(?) OR (state = 'sent' AND sent_at IS NULL))
    ORDER BY id DESC LIMIT 1`,
  firstSentToLead: `SELECT MIN(${SENT_TIME}) AS t, COUNT(*) AS n FROM messages WHERE lead_id = ? AND state IN ('sent','unknown','sending','deferred') AND (${SENT_TIME} IS NOT NULL OR state = 'sent')`,
  firstSentToAddress: `SELECT MIN(${SENT_TIME}) AS t, COUNT(*) AS n FROM messages WHERE to_email = ? AND state IN ('sent','unknown','sending','deferred') AND (${SENT_TIME} IS NOT NULL OR state = 'sent')`,
  // A lead row is rewritten only when its stage changes: a lead's second and third replies (common in a
  // thread) leave it as it is, and a rewrite of a row and its indexes costs ten times the check.
  leadBounced: `UPDATE leads SET stage = 'bounced', updated_at = ${NOW_SQL} WHERE id = ? AND stage <> 'bounced'`,
  pauseOoo: `UPDATE enrollments SET status = 'paused', stop_reason = 'out_of_office', paused_until = ?, updated_at = ${NOW_SQL}
              WHERE lead_id = ? AND (status = 'active' OR (status = 'paused' AND stop_reason = 'out_of_office'))`,
  leadUnsubscribed: `UPDATE leads SET stage = 'unsubscribed', updated_at = ? WHERE id = ? AND stage <> 'unsubscribed'`,
  leadReplied: `UPDATE leads SET stage = 'replied', updated_at = ? WHERE id = ? AND ${advanceStageSql("'replied'")} <> stage`,
  // Reads the partial index events_bounce_email_idx (migration 0004): the address's bounce events only.
  softBounces: `SELECT COUNT(*) AS n FROM events
    WHERE type = 'bounced' AND json_extract(data, '$.email') = ? AND json_extract(data, '$.type') = 'soft' AND json_extract(data, '$.delayed') IS NULL`,
  // Only a message still marked sent, and only when nothing later went out in its thread.
  retrySoftBounced: `UPDATE messages SET state = 'deferred', next_attempt_at = ?, last_error = ?, updated_at = ${NOW_SQL}
    WHERE id = ? AND state = 'sent'
      AND NOT EXISTS (SELECT 1 FROM messages later WHERE later.enrollment_id = messages.enrollment_id AND later.id > messages.id
                      AND later.state IN ('sent', 'sending', 'unknown'))`,
} as const;

/** The statements above, for tests that check their query plans. */
export const INBOX_SQL: Readonly<Record<keyof typeof SQL, string>> = SQL;

/**
 * Runs fn as one unit: its own transaction, or a savepoint inside the caller's (a batch), so a message
 * that fails half-way leaves nothing behind. The same as tx() but with statements prepared once.
 */
export function atomic<T>(db: Db, fn: () => T): T {
  if (!db.sqlite.inTransaction) return tx(db, fn);
  stmt(db, 'SAVEPOINT inbox_message').run();
  let r: T;
  try {
    r = fn();
  } catch (err) {
    stmt(db, 'ROLLBACK TO inbox_message').run();
    stmt(db, 'RELEASE inbox_message').run();
    throw err;
  }
  stmt(db, 'RELEASE inbox_message').run();
  return r;
}

function stopLead(db: Db, leadId: number, reason: string, at: string): number {
  return stmt(db, SQL.stopLead).run(reason, at, leadId).changes;
}

/** The next business day (Mon-Fri) after the date, as the start of that day in UTC. */
export function dayAfterReturn(returnDate: string): string {
  const d = new Date(`${returnDate}T00:00:00Z`);
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d.toISOString();
}

/**
 * The text of a message's delivery-status part (RFC 3464). A message analyzed on the worker thread comes without its
 * parsed input: the part is read again from the raw message (it is plain 7-bit text by definition, and comes before
 * the returned original).
 */
export function deliveryStatusOf(p: Pick<ParsedMessage, 'input' | 'raw'>): string | undefined {
  if (p.input) return p.input.deliveryStatus;
  if (!p.raw?.length) return undefined;
  const head = p.raw.subarray(0, 256 * 1024).toString('latin1');
  const at = head.search(/^content-type:[ \t]*message\/(global-)?delivery-status/im);
  if (at < 0) return undefined;
  const rest = head.slice(at).replace(/\r\n?/g, '\n');
  const start = rest.indexOf('\n\n');
  if (start < 0) return undefined;
  const body = rest.slice(start + 2);
  const end = body.search(/^--\S/m);
  return (end < 0 ? body : body.slice(0, end)).slice(0, 64 * 1024) || undefined;
}

/** The address our message went to, when this one is in its thread (by Message-ID): exactly what we sent. */
function threadedTo(m: Match): string | null {
  return (m.how === 'message-id' || m.how === 'thread') && m.toEmail ? m.toEmail : null;
}

/** threadedTo, when it is not `email` (a forward, an alias, a colleague answering for them). */
function otherMailed(m: Match, email: string | null): string | null {
  const to = threadedTo(m);
  return to && to.toLowerCase() !== (email ?? '').toLowerCase() ? to : null;
}

/**
 * Whether applyEffects, once the message's row is inserted, can fail before it is done for a reason of the data (a
 * constraint, a JS error on odd input): then a batch runs the message in a savepoint (see commitMessage). It cannot
 * for a human reply, an UNRELATED mail, a stop request and an automatic reply whose return date is valid: what
 * follows the insert is plain JS on strings the insert already used, UPDATEs of columns under no constraint
 * (enrollments' status, leads' stage: no CHECK, unique or foreign key on them), suppressions inserted with ON CONFLICT
 * DO NOTHING, and the event, whose only constraint (its lead) the inbound row just met. A bounce (its report is parsed
 * again), an address that left the company or a handover (contact matching) keep the savepoint, as does any label
 * added later. A bounce goes without it when its report was read before the insert (bounceRead: see bounceVerdict).
 * Keep this in step with applyEffects.
 */
export function effectsMayFailHalfway(c: StoredClassification, m: Match, bounceRead = false): boolean {
  if (c.targets) return true;
  switch (c.label) {
    case 'BOUNCE':
      // Its report is parsed by bounceVerdict: when that was done before the insert (bounceRead), what follows is
      // reads (the address's soft bounces: json_extract on bounced events, whose JSON the partial index
      // events_bounce_email_idx already parsed when each was written), plain JS on the verdict's strings, an event,
      // UPDATEs of columns under no constraint (messages' state, next_attempt_at, last_error; enrollments' status;
      // leads' stage), suppressions inserted with ON CONFLICT DO NOTHING and findSuppression (its salt: INSERT OR
      // IGNORE). A bounce about nothing we sent has no effects at all.
      return !bounceRead && Boolean(m.leadId || m.outboundId);
    case 'WARM':
    case 'COLD':
    case 'NEUTRAL':
    case UNRELATED:
    case 'UNSUBSCRIBE':
      return false;
    case 'AUTO_REPLY':
      // dayAfterReturn throws on a date it cannot read (it is pure: it throws now or never).
      if (c.departed) return true;
      if (!c.returnDate || !m.leadId || m.notReply) return false;
      try {
        dayAfterReturn(c.returnDate);
        return false;
      } catch {
        return true;
      }
    default:
      return true;
  }
}

/** Removes a message's row again (best effort), after its effects failed outside a savepoint: the next run stores it anew. */
export function forgetInbound(db: Db, inboundId: number): void {
  try {
    stmt(db, 'DELETE FROM inbound WHERE id = ?').run(inboundId);
  } catch {
    // the batch's COMMIT fails too and rolls it back (an I/O error leaves the pager in its error state)
  }
}

/**
 * What a bounce says about the address we mailed (applyEffects' BOUNCE branch): the report's block for it, read again
 * (deliveryStatusOf, bounceFor: parsing, which may throw on odd input), else the classifier's verdict. Pure: a batch
 * calls it before the message's row is inserted and passes it in EffectOptions.bounce, so that nothing after the
 * insert can fail for the data (see effectsMayFailHalfway).
 */
export function bounceVerdict(p: Pick<ParsedMessage, 'input' | 'raw'>, c: StoredClassification, m: Match) {
  const ownRes = m.toEmail ? bounceFor(deliveryStatusOf(p), m.toEmail, p.input?.text ?? '') : null;
  const own = ownRes && ownRes.recipient !== (c.bounceRecipient ?? '').toLowerCase() ? ownRes : null;
  return own
    ? { recipient: own.recipient, type: own.type, status: own.status, category: own.category, delayed: own.delayed, delivered: own.delivered }
    : { recipient: c.bounceRecipient, type: c.bounceType, status: c.bounceStatus, category: c.bounceCategory, delayed: c.bounceDelayed, delivered: c.bounceCategory === 'delivered' };
}
export type BounceVerdict = ReturnType<typeof bounceVerdict>;

/** What a classified message does to the pipeline. Runs inside the caller's transaction. */
export function applyEffects(db: Db, p: ParsedMessage, c: StoredClassification, m: Match, inboundId: number, o: EffectOptions): Effect[] {
  const q = db.sqlite;
  const effects: Effect[] = [];
  // One time for the message's rows (updated_at, the events' at), as strftime('%Y-%m-%dT%H:%M:%fZ','now') writes it.
  const at = o.at ?? new Date().toISOString();
  // `data` starts with `inbound: inboundId`, written at each call as a literal: the same JSON as `{ inbound, ...data }`
  // (the key first, then the others in their order), without a spread (in V8 a few us an object).
  const ev = (type: string, data: { inbound: number } & Record<string, unknown>) => addEvent(db, { leadId: m.leadId, type, campaignId: m.campaignId, messageId: m.outboundId, runId: o.runId ?? null, at, data });

  if (c.label === 'BOUNCE') {
    if (!m.leadId && !m.outboundId) return effects; // not about anything we sent
    // A report with several recipients: the address we mailed is judged by its own block (Final- or Original-
    // Recipient), whatever the others say. Another recipient's failure never suppresses it, and an address we never
    // mailed is not suppressed for it either. The classifier does the same from the attached original's To:; this
    // reads the address of what we sent, for a report whose original is missing (threaded by In-Reply-To) or names
    // other recipients. When the classifier judged the same block, its verdict (which read the whole text) stands.
    const b = o.bounce ?? bounceVerdict(p, c, m);
    if (b.delivered) {
      // Our recipient's block says delivered, relayed or expanded: the failure is someone else's. Nothing to do.
      effects.push({ kind: 'none', detail: `delivered to ${m.toEmail ?? b.recipient ?? 'the address we mailed'}${b.status ? ` (${b.status})` : ''}: the failure is another recipient's` });
      return effects;
    }
    const email = (b.recipient && b.recipient.includes('@') ? b.recipient : m.toEmail) ?? null;
    if (b.delayed) {
      // "Delayed, will be retried": the sending server is still trying. Recorded; not a soft bounce (three
      // daily warnings about one message are not three failures), nothing suppressed, nothing resent.
      ev('bounced', { inbound: inboundId, email, type: 'soft', delayed: true, status: b.status ?? null, category: b.category ?? null });
      return effects;
    }
    let hard = b.type === 'hard';
    let softCount = 0;
    if (!hard && email) {
      // Each failed delivery counts (a soft-bounced message is sent again, and may bounce again); warnings do not.
      softCount = 1 + ((stmt(db, SQL.softBounces).get(email) as { n: number }).n ?? 0);
      if (softCount >= o.softBounceLimit) hard = true;
    }
    ev('bounced', { inbound: inboundId, email, type: b.type ?? 'soft', status: b.status ?? null, category: b.category ?? null, softCount: softCount || undefined });
    if (!hard && m.outboundId) {
      // A soft bounce: the message did not arrive, for now (mailbox full, server down). It is sent again later,
      // when it is still the thread's latest (its follow-ups wait for it: they never answer mail that never came).
      const at = new Date(o.now.getTime() + SOFT_BOUNCE_RETRY_HOURS * 3600_000).toISOString();
      const error = `soft bounce ${b.status ?? ''}: ${c.reason}`.replace(/\s+/g, ' ').slice(0, 500);
      if (stmt(db, SQL.retrySoftBounced).run(at, error, m.outboundId).changes) {
        effects.push({ kind: 'retry', detail: `sent again after ${at.slice(0, 16).replace('T', ' ')} UTC` });
      }
    }
    if (hard && email) {
      const note = b.type === 'hard' ? `hard bounce ${b.status ?? ''}`.trim() : `${softCount} soft bounces`;
      // The address we mailed, when the bounce names our very message and another recipient (a forward or an
      // alias: Final-Recipient sam.home@gmail.com for our mail to sam@store.com): that address bounces for us too.
      // Only when the report has no block of the address's own that says otherwise (own: judged above).
      const mailed = otherMailed(m, email);
      for (const addr of mailed ? [email, mailed] : [email]) {
        if (addSuppression(db, { kind: 'email', value: addr, reason: 'bounced', source: 'inbox', note })) effects.push({ kind: 'suppressed', detail: addr });
      }
      if (m.leadId) {
        // Stop what goes to that address; the lead's other contacts are not at fault.
        let n = stmt(db, SQL.stopBounced).run(m.leadId, m.enrollmentId, ...contactEmailKey(email)).changes;
        if (mailed) n += stmt(db, SQL.stopBounced).run(m.leadId, m.enrollmentId, ...contactEmailKey(mailed)).changes;
        if (n) effects.push({ kind: 'stopped', detail: `${n} enrollment(s): bounced` });
        // The lead is bounced when no contact of it can still be mailed.
        const contacts = stmt(db, 'SELECT email FROM contacts WHERE lead_id = ?').all(m.leadId) as { email: string }[];
        if (contacts.every((ct) => findSuppression(db, ct.email))) stmt(db, SQL.leadBounced).run(m.leadId);
      }
    }
    return effects;
  }

  if (c.label === 'AUTO_REPLY') {
    ev('auto_reply', { inbound: inboundId, returnDate: c.returnDate ?? null, reason: c.reason, departed: c.departed || undefined, notReply: m.notReply });
    if (c.departed) {
      // "No longer with the company", "this mailbox is not monitored": mail to that address reaches nobody.
      // The address is suppressed (as undeliverable) and what goes to it stops; the lead's other contacts stay.
      const addr = threadedTo(m) ?? p.from;
      if (addr && addSuppression(db, { kind: 'email', value: addr, reason: 'left_company', source: 'inbox', note: 'auto-reply: no longer there' })) effects.push({ kind: 'suppressed', detail: addr });
      if (addr && m.leadId) {
        const n = stmt(db, SQL.stopContact).run('left_company', m.leadId, m.enrollmentId, ...contactEmailKey(addr)).changes;
        if (n) effects.push({ kind: 'stopped', detail: `${n} enrollment(s): left the company` });
      }
      return effects;
    }
    if (c.returnDate && m.leadId && m.notReply) {
      // Away, but not in answer to us (it answered someone else's mail, or came before we wrote): our sequence is
      // not what it is about. Recorded; the sequence goes on.
      effects.push({ kind: 'none', detail: `not paused: ${m.notReply}` });
    } else if (c.returnDate && m.leadId) {
      const until = dayAfterReturn(c.returnDate);
      if (until > o.now.toISOString()) {
        const n = stmt(db, SQL.pauseOoo).run(until, m.leadId).changes;
        if (n) {
          effects.push({ kind: 'paused', detail: `until ${until.slice(0, 10)}` });
          ev('paused', { inbound: inboundId, until, reason: 'out_of_office' });
        }
      }
    }
    return effects;
  }

  if (c.label === 'UNSUBSCRIBE') {
    // A complaint comes from the mailbox provider: the person is the recipient of what we sent.
    const email = c.complaint ? m.toEmail ?? p.originalTo[0] ?? null : p.from || null;
    const reason = c.complaint ? 'complained' : 'unsubscribed';
    if (email && addSuppression(db, { kind: 'email', value: email, reason, source: 'inbox', note: c.reason.slice(0, 200) })) effects.push({ kind: 'suppressed', detail: email });
    // A stop request in the thread of our mail to another address (a forward, an alias, a colleague answering
    // for them): the address we mailed is suppressed too, as the one-click link in that mail would have done.
    const mailed = c.complaint ? null : otherMailed(m, email);
    if (mailed && addSuppression(db, { kind: 'email', value: mailed, reason, source: 'inbox', note: `stop request from ${email ?? 'another address'} in this thread` })) {
      effects.push({ kind: 'suppressed', detail: mailed });
    }
    if (c.domainWide && email) {
      const domains = new Set<string>();
      const d = email.slice(email.lastIndexOf('@') + 1);
      if (d && !FREEMAIL.has(d)) domains.add(d);
      if (m.leadId) {
        const lead = stmt(db, 'SELECT domain FROM leads WHERE id = ?').get(m.leadId) as { domain: string } | undefined;
        if (lead) domains.add(lead.domain.replace(/:\d+$/, ''));
      }
      for (const dom of domains) if (addSuppression(db, { kind: 'domain', value: dom, reason, source: 'inbox', note: 'asked for the whole company' })) effects.push({ kind: 'suppressed', detail: dom });
    }
    if (m.leadId) {
      const n = stopLead(db, m.leadId, reason, at);
      if (n) effects.push({ kind: 'stopped', detail: `${n} enrollment(s): ${reason}` });
      stmt(db, SQL.leadUnsubscribed).run(at, m.leadId);
    }
    ev(c.complaint ? 'complained' : 'unsubscribed', { inbound: inboundId, email, domainWide: Boolean(c.domainWide) });
    return effects;
  }

  if (c.targets) {
    // A handover ("please remove anna@store.example, she left; send it to me instead", "unsubscribe my old address"):
    // the addresses named for removal are suppressed (or, when none is named, the address we mailed if it is not the
    // writer's) and what goes to them stops. The writer is not suppressed and the lead is not marked unsubscribed:
    // the writer's own intent (the label) decides the rest.
    const writer = (p.from || '').toLowerCase();
    const named = c.targets.length ? c.targets : [otherMailed(m, p.from || null)].filter((a): a is string => Boolean(a));
    for (const addr of named) {
      if (addr.toLowerCase() === writer) continue;
      if (addSuppression(db, { kind: 'email', value: addr, reason: 'unsubscribed', source: 'inbox', note: 'removal asked by another address (handover)' })) effects.push({ kind: 'suppressed', detail: addr });
      if (m.leadId) {
        const n = stmt(db, SQL.stopContact).run('unsubscribed', m.leadId, m.enrollmentId, ...contactEmailKey(addr)).changes;
        if (n) effects.push({ kind: 'stopped', detail: `${n} enrollment(s): ${addr} removed` });
      }
    }
    ev('removal_requested', { inbound: inboundId, by: p.from || null, targets: named });
  }

  // A lead's mail that answers nothing we sent (UNRELATED): stored with the lead, nothing else.
  if (c.label === UNRELATED) {
    effects.push({ kind: 'none', detail: m.notReply ?? 'not a reply to our outreach' });
    return effects;
  }
  // A human reply: WARM, COLD or NEUTRAL. The conversation is human now; the sequence stops.
  if (!m.leadId) return effects;
  const n = stopLead(db, m.leadId, 'replied', at);
  if (n) effects.push({ kind: 'stopped', detail: `${n} enrollment(s): replied` });
  stmt(db, SQL.leadReplied).run(at, m.leadId);
  ev('replied', { inbound: inboundId, label: c.label, confidence: c.confidence, from: p.from, subject: p.subject });
  effects.push({ kind: 'replied', detail: c.label });
  return effects;
}

export function recordSpend(db: Db, inboundId: number, provider: string, model: string, u: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number }, runId?: number | null): void {
  stmt(db, 
      `INSERT INTO spend (run_id, purpose, inbound_id, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd) VALUES (?, 'classify', ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(runId ?? null, inboundId, provider, model, u.inputTokens, u.outputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.costUsd);
}
