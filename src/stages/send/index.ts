// `outreach send`: sends approved drafts exactly once. Each message is claimed in a write transaction
// (state 'sending', Message-ID assigned), handed to SMTP, then committed as sent, deferred, failed or
// unknown. A process that dies mid-send leaves 'sending'; the next run turns it into 'unknown' (never
// retried blindly) and `--resolve-unknown` settles it from the mailbox's Sent folder.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { resumeDuePauses } from '../../db/enrollments.js';
import { findSuppression, findDomainSuppression } from '../../db/suppressions.js';
import { normalizeEmail } from '../../domain/normalize.js';
import { makeUnsubscribeToken, unsubscribeUrl, UNSUBSCRIBE_URL_MARKER } from '../../domain/unsubscribe.js';
import {
  classifySmtpFailure, backoffSeconds, MAX_ATTEMPTS, makeMessageId, replySubject,
} from '../../domain/outbound.js';
import {
  inWindow, nextWindowStart, addBusinessDays, dailyLimit, startOfDay, randomGapMs, pickMailbox, windowZone, recipientDomain,
  type SendingWindow, type Weekday,
} from '../../domain/pacing.js';
import type { Clock } from '../../adapters/clock.js';
import { composeMessage, SmtpError, type DkimConfig, type OutgoingMail, type SendResult } from '../../adapters/smtp.js';
import type { MailboxRow } from '../mailbox/store.js';
import { listMailboxRows, setMailboxStatus, sentSince, lastSentAt } from '../mailbox/store.js';
import * as store from './store.js';
import { UnsubscribeSpool, applySpoolEntries, drainSpool, spooledAddresses, type SpoolEntry } from '../serve/spool.js';
import type { Candidate, MessageRef } from './store.js';

export interface SmtpSender {
  send(envelope: { from: string; to: string[] }, raw: Buffer, onBodySent?: () => void): Promise<SendResult>;
  close(): Promise<void>;
}

export interface SentFolderLike {
  find(messageIds: string[]): Promise<Map<string, { uid: number; date: string | null }>>;
  append(raw: Buffer, date?: Date): Promise<void>;
  close(): Promise<void>;
}

export interface InboxEvidenceLike {
  uid: number;
  kind: 'reply' | 'bounce' | 'mention';
  from: string | null;
  subject: string | null;
}

export interface InboxLike {
  /** Mail received since `since` that names these Message-IDs (replies, bounces, auto-replies). */
  findReferencing(messageIds: string[], since?: Date | null): Promise<Map<string, InboxEvidenceLike>>;
  close(): Promise<void>;
}

export interface SendAdapters {
  clock: Clock;
  /** An SMTP session for a mailbox (the CLI fills in the password from the environment). */
  smtp(m: MailboxRow): SmtpSender;
  /** The mailbox's Sent folder over IMAP, or null when it has no IMAP account. Throws when it cannot log in. */
  sentFolder(m: MailboxRow): Promise<SentFolderLike | null>;
  /** The mailbox's INBOX over IMAP (recipient-side evidence for --resolve-unknown), or null without IMAP. */
  inbox?(m: MailboxRow): Promise<InboxLike | null>;
  /** Is this process (of this host) alive? Used to spot claims left by a killed `send`. */
  isAlive(pid: number): boolean;
  hostname: string;
  pid: number;
  /** Identifies this boot of the machine (Linux boot_id): a claim from another boot may have lost its last commits. */
  bootId?: string;
}

export interface SendSettings {
  sender: { name: string; email: string; timezone: string };
  sending: {
    days: Weekday[];
    start: string;
    end: string;
    recipient_timezone: boolean;
    min_gap_seconds: number;
    max_gap_seconds: number;
    per_domain_per_hour: number;
  };
  unsubscribe: { base_url: string; mailto: string };
}

export interface SendOptions {
  settings: SendSettings;
  /** OUTREACH_SECRET: signs the one-click unsubscribe URL. */
  secret: string;
  campaign?: string | null;
  limit?: number | null;
  dryRun?: boolean;
  /** Keep going (waiting for gaps, windows and follow-up times) until then; without it, stop when nothing is sendable now. */
  until?: Date | null;
  dkim?: (DkimConfig & { onlyDomain?: string }) | null;
  runId?: number | null;
  signal?: AbortSignal;
  /** A claim older than this from a process we cannot check is presumed dead (default 30 min). */
  staleClaimMs?: number;
  /** Longest pause between two messages (spacing) that a run waits out without --until (default: max gap). */
  onProgress?: (p: SendCounts) => void;
  onNotice?: (text: string) => void;
}

export interface SendCounts {
  sent: number;
  deferred: number;
  failed: number;
  bounced: number;
  unknown: number;
  cancelled: number;
  released: number;
}

export interface PlanRow {
  draftId: number;
  messageRowId: number | null;
  campaign: string;
  step: number;
  to: string | null;
  mailbox: string | null;
  action: 'send' | 'wait' | 'skip' | 'cancel';
  reason: string;
  at: string | null;
}

export interface SendReport extends SendCounts {
  staleToUnknown: number;
  /** Sequences paused by an out-of-office reply whose end has come: active again before this run chose what to send (with --dry-run: would be). */
  resumed: number;
  /** Unsubscribes `serve` spooled while the database was locked, recorded by this run before it mailed anyone. */
  spooledUnsubscribes: number;
  mailboxProblems: { mailbox: string; problem: string }[];
  blocked: { draftId: number; reason: string }[];
  plan?: PlanRow[];
  /** When the next message could go (for the user), if something is waiting. */
  nextAt: string | null;
  sentMessages: { id: number; messageId: string; to: string; mailbox: string }[];
}

interface MailboxState {
  row: MailboxRow;
  client: SmtpSender | null;
  /** Earliest time (ms) the next message may leave this mailbox (random spacing). */
  nextAt: number;
  skipped: string | null;
}

type Verdict =
  | { kind: 'send'; mailbox: MailboxState; to: string; subject: string; inReplyTo: string | null; references: string[]; firstSubject: string }
  | { kind: 'wait'; until: number | null; reason: string }
  | { kind: 'skip'; reason: string }
  | { kind: 'cancel'; reason: string; stop: string | null };

interface Claimed {
  ref: MessageRef;
  cand: Candidate;
  mailbox: MailboxState;
  subject: string;
  inReplyTo: string | null;
  references: string[];
  lastStep: boolean;
  /** When it was judged and claimed (ms). */
  claimedAtMs: number;
  /** The message built ahead (while the previous one was with the server), if it was. */
  built?: Promise<Built>;
}

type Built = { raw: Buffer; date: Date } | { error: string };

const DAY_MS = 86_400_000;
/** Claims made ahead in one durable transaction when pacing is off (one fsync for that many messages). */
const AHEAD = 8;

export async function runSend(db: Db, adapters: SendAdapters, opts: SendOptions): Promise<SendReport> {
  const s = opts.settings;
  const clock = adapters.clock;
  const claimedBy = claimerId(adapters);
  const senderZone = s.sender.timezone || 'UTC';
  const window: SendingWindow = { days: s.sending.days, start: s.sending.start, end: s.sending.end };
  const counts: SendCounts = { sent: 0, deferred: 0, failed: 0, bounced: 0, unknown: 0, cancelled: 0, released: 0 };
  const report: SendReport = { ...counts, staleToUnknown: 0, resumed: 0, spooledUnsubscribes: 0, mailboxProblems: [], blocked: [], nextAt: null, sentMessages: [] };
  const notice = (t: string) => opts.onNotice?.(t);
  const campaign = opts.campaign ?? null;
  const pacing = s.sending.max_gap_seconds > 0 || s.sending.min_gap_seconds > 0;

  // One-click unsubscribes that `serve` could not write at once (another process held the lock) wait in its
  // spool: recorded before anyone is mailed, and again inside every claiming transaction of this run.
  const spool = UnsubscribeSpool.forDb(db);
  /** Inside a write transaction: applies what the spool holds now; the caller removes the entries after the commit. */
  const honourSpool = (): SpoolEntry[] => {
    const entries = spool ? spool.list() : [];
    if (entries.length) applySpoolEntries(db, entries);
    return entries;
  };
  /** Addresses unsubscribed in the spool, for --dry-run (which writes nothing): treated as suppressed. */
  let pendingUnsubscribes = new Set<string>();
  /** Enrollments whose out-of-office pause is over: the real run resumes them first; --dry-run shows them as if resumed. */
  let resumable = new Set<number>();

  if (!opts.dryRun) {
    report.spooledUnsubscribes = drainSpool(db, spool).applied;
    report.staleToUnknown = recoverStaleClaims(db, adapters, opts);
    report.resumed = tx(db, () => resumeDuePauses(db, clock.now()));
  } else {
    pendingUnsubscribes = spooledAddresses(db, spool);
    resumable = store.duePausedEnrollments(db, clock.now().toISOString());
    report.resumed = resumable.size;
  }

  const mailboxes = new Map<number, MailboxState>();
  for (const row of listMailboxRows(db)) {
    let nextAt = 0;
    if (pacing) {
      const last = lastSentAt(db, row.id);
      if (last) nextAt = new Date(last).getTime() + s.sending.min_gap_seconds * 1000;
    }
    mailboxes.set(row.id, { row, client: null, nextAt, skipped: row.status !== 'active' ? `status ${row.status}` : null });
  }

  const blockedReported = new Set<number>();
  const waitingOnMailbox = new Map<string, { reason: string; n: number }>();
  const waitMemo = new Map<string, number>(); // candidate key → not before (ms), within this run
  const limit = opts.limit ?? Infinity;
  let sentThisRun = 0;

  // The start of the sender's day, worked out (luxon) once a minute: days begin on a whole minute.
  let dayMemo: { minute: number; start: Date } | null = null;
  const dayStart = (now: Date): Date => {
    const minute = Math.floor(now.getTime() / 60_000);
    if (!dayMemo || dayMemo.minute !== minute) dayMemo = { minute, start: startOfDay(now, senderZone) };
    return dayMemo.start;
  };
  // Today's count per mailbox is read from the database, except when the cap is far away: then our own
  // claims are added to the last count (re-read every minute, since another `send` may use the mailbox).
  const countMemo = new Map<number, { day: string; count: number; atMs: number; claimsAtCount: number }>();
  let claimsMade = 0;
  const remainingToday = (m: MailboxState, now: Date): number => {
    const lim = dailyLimit(
      { dailyCap: m.row.daily_cap, rampStart: m.row.ramp_start, rampStep: m.row.ramp_step, rampStartedAt: m.row.ramp_started_at },
      now,
      senderZone,
    );
    const day = dayStart(now).toISOString();
    const memo = countMemo.get(m.row.id);
    if (memo && memo.day === day && now.getTime() - memo.atMs < 60_000) {
      const estimate = lim - memo.count - (claimsMade - memo.claimsAtCount);
      if (estimate > 1000) return estimate;
    }
    const count = sentSince(db, m.row.id, day);
    countMemo.set(m.row.id, { day, count, atMs: now.getTime(), claimsAtCount: claimsMade });
    return lim - count;
  };

  const mailboxReady = (m: MailboxState, nowMs: number): number => {
    // Another `send` may have used this mailbox: respect its last message too.
    let t = m.nextAt;
    if (pacing) {
      const last = lastSentAt(db, m.row.id);
      if (last) t = Math.max(t, new Date(last).getTime() + s.sending.min_gap_seconds * 1000);
    }
    return Math.max(t, nowMs);
  };

  // The per-domain limit cannot bind when all mailboxes together may not send that many today: skip the count.
  let throttleMemo: { day: number; can: boolean } | null = null;
  const throttleCanBind = (now: Date): boolean => {
    const day = dayStart(now).getTime();
    if (!throttleMemo || throttleMemo.day !== day) {
      let total = 0;
      for (const m of mailboxes.values()) {
        total += dailyLimit({ dailyCap: m.row.daily_cap, rampStart: m.row.ramp_start, rampStep: m.row.ramp_step, rampStartedAt: m.row.ramp_started_at }, now, senderZone);
      }
      throttleMemo = { day, can: s.sending.per_domain_per_hour < total };
    }
    return throttleMemo.can;
  };

  // Window bounds are whole minutes (HH:MM) and zone offsets too: the answer holds for the minute.
  const windowMemo = new Map<string, boolean>();
  const inWindowMemo = (now: Date, zone: string): boolean => {
    const k = `${Math.floor(now.getTime() / 60_000)}|${zone}`;
    let v = windowMemo.get(k);
    if (v === undefined) {
      if (windowMemo.size > 1000) windowMemo.clear();
      windowMemo.set(k, (v = inWindow(now, zone, window)));
    }
    return v;
  };

  /** Decides about one candidate, right now. Reads only. */
  const judge = (c: Candidate, now: Date, simulated?: Map<number, number>): Verdict => {
    const nowMs = now.getTime();
    if (!c.email) return { kind: 'skip', reason: 'no contact email for this lead' };
    const email = normalizeEmail(c.email);
    if (!email.ok) return { kind: 'cancel', reason: `bad address: ${email.reason}`, stop: 'bad address' };
    const to = email.value.email;
    const sup = findSuppression(db, to) ?? findDomainSuppression(db, c.lead_domain);
    if (sup) return { kind: 'cancel', reason: `suppressed (${sup.reason})`, stop: `suppressed: ${sup.reason}` };
    if (pendingUnsubscribes.has(to.toLowerCase())) return { kind: 'cancel', reason: 'suppressed (unsubscribed; waiting in the spool of `serve`)', stop: 'suppressed: unsubscribed' };
    if (['bounced', 'unsubscribed', 'rejected'].includes(c.lead_stage)) return { kind: 'cancel', reason: `lead is ${c.lead_stage}`, stop: `lead ${c.lead_stage}` };
    if (store.leadReplied(db, c.lead_id)) return { kind: 'cancel', reason: 'the lead replied', stop: 'replied' };
    // A pause (out-of-office) holds what is queued or deferred until it ends; it never cancels it.
    if (c.enrollment_status === 'paused') {
      const until = c.paused_until ? new Date(c.paused_until).getTime() : null;
      return until !== null && until > nowMs ? { kind: 'wait', until, reason: 'enrollment paused' } : { kind: 'skip', reason: 'enrollment paused' };
    }
    if (c.enrollment_status !== 'active') return { kind: 'cancel', reason: `enrollment ${c.enrollment_status}`, stop: null };
    if (c.campaign_status !== 'active') return { kind: 'skip', reason: `campaign ${c.campaign_status}` };
    if (!c.body_text.includes(UNSUBSCRIBE_URL_MARKER) || (c.body_html && !c.body_html.includes(UNSUBSCRIBE_URL_MARKER))) {
      return { kind: 'skip', reason: `the draft has no ${UNSUBSCRIBE_URL_MARKER} marker (no unsubscribe link): fix the draft` };
    }

    // Sequence: step k waits for step k-1 to be sent, plus its delay in business days.
    const prevPos = store.previousPosition(db, c.campaign_id, c.position);
    let firstSubject = c.subject;
    let inReplyTo: string | null = null;
    let references: string[] = [];
    let threadMailbox: number | null = null;
    if (prevPos !== null) {
      const thread = store.threadMessages(db, c.enrollment_id).filter((m) => m.position < c.position);
      const prev = thread.filter((m) => m.position === prevPos && m.state === 'sent').pop();
      if (!prev || !prev.sent_at) return { kind: 'skip', reason: `step ${prevPos} not sent yet` };
      const due = addBusinessDays(new Date(prev.sent_at), c.delay_days, senderZone, s.sending.days).getTime();
      if (due > nowMs) return { kind: 'wait', until: due, reason: `follow-up due ${new Date(due).toISOString()}` };
      const sent = thread.filter((m) => m.state === 'sent');
      firstSubject = sent[0]?.subject ?? c.subject;
      inReplyTo = prev.message_id;
      references = sent.map((m) => m.message_id);
      threadMailbox = c.thread_mailbox_id ?? sent[0]?.mailbox_id ?? null;
      if (threadMailbox === null) return { kind: 'cancel', reason: 'the mailbox of this thread was removed', stop: 'mailbox removed' };
    }

    const zone = windowZone(senderZone, c.lead_country, s.sending.recipient_timezone);
    if (!inWindowMemo(now, zone)) {
      const next = nextWindowStart(now, zone, window);
      return { kind: 'wait', until: next ? next.getTime() : null, reason: `outside the sending window (${zone})` };
    }
    const domain = recipientDomain(to);
    if (throttleCanBind(now) && store.sentToDomainSince(db, domain, new Date(nowMs - 3600_000).toISOString()) >= s.sending.per_domain_per_hour) {
      return { kind: 'wait', until: nowMs + 10 * 60_000, reason: `${s.sending.per_domain_per_hour} message(s) to ${domain} in the last hour` };
    }

    const remaining = (m: MailboxState) => (simulated?.get(m.row.id) ?? 0) + remainingToday(m, now);
    const subject = prevPos === null ? c.subject : replySubject(firstSubject);
    if (threadMailbox !== null) {
      const m = mailboxes.get(threadMailbox);
      if (!m) return { kind: 'cancel', reason: 'the mailbox of this thread was removed', stop: 'mailbox removed' };
      if (m.skipped) return { kind: 'skip', reason: `mailbox ${m.row.name}: ${m.skipped}` };
      if (remaining(m) <= 0) return { kind: 'wait', until: startOfNextDay(now, senderZone), reason: `mailbox ${m.row.name} reached today's limit` };
      const ready = mailboxReady(m, nowMs);
      if (ready > nowMs) return { kind: 'wait', until: ready, reason: 'spacing' };
      return { kind: 'send', mailbox: m, to, subject, inReplyTo, references, firstSubject };
    }
    const usable = [...mailboxes.values()].filter((m) => !m.skipped);
    if (!usable.length) return { kind: 'skip', reason: 'no usable mailbox' };
    const withCap = usable.map((m) => ({ m, rem: remaining(m) })).filter((x) => x.rem > 0);
    if (!withCap.length) return { kind: 'wait', until: startOfNextDay(now, senderZone), reason: "every mailbox reached today's limit" };
    const ready = withCap.filter((x) => mailboxReady(x.m, nowMs) <= nowMs);
    if (!ready.length) return { kind: 'wait', until: Math.min(...withCap.map((x) => mailboxReady(x.m, nowMs))), reason: 'spacing' };
    // A queued first email keeps the mailbox (and so the Message-ID) it was given, while that mailbox can send.
    const own = c.message_mailbox_id !== null ? ready.find((x) => x.m.row.id === c.message_mailbox_id) : undefined;
    const id = own
      ? own.m.row.id
      : ready.length === 1
        ? ready[0]!.m.row.id
        : pickMailbox(ready.map((x) => ({ id: x.m.row.id, remaining: x.rem, lastSentAt: lastSentAt(db, x.m.row.id) })));
    return { kind: 'send', mailbox: mailboxes.get(id!)!, to, subject, inReplyTo, references, firstSubject };
  };

  /** Candidate ids in sending order, loaded once and reloaded when used up; each is read fresh when judged. */
  let queue: string[] = [];
  const loadQueue = (nowIso: string) => {
    const k = store.candidateKeys(db, campaign, nowIso, opts.dryRun ? nowIso : null);
    queue = [...k.messages.map((id) => `m${id}`), ...k.drafts.map((id) => `d${id}`)];
  };
  const fresh = (k: string, nowIso: string): Candidate | undefined =>
    k[0] === 'm' ? store.messageCandidate(db, Number(k.slice(1)), nowIso) : store.draftCandidate(db, Number(k.slice(1)));
  function* candidates(nowIso: string): Generator<Candidate> {
    loadQueue(nowIso);
    for (const k of queue) {
      const c = fresh(k, nowIso);
      if (c) yield c;
    }
  }

  if (opts.dryRun) {
    const plan: PlanRow[] = [];
    const now = clock.now();
    const simulated = new Map<number, number>();
    let would = 0;
    for (const found of candidates(now.toISOString())) {
      // The real run resumes a pause that is over before it chooses (resumeDuePauses): so does the plan.
      const resumes = found.enrollment_status === 'paused' && resumable.has(found.enrollment_id);
      const c: Candidate = resumes ? { ...found, enrollment_status: 'active', paused_until: null } : found;
      const v = judge(c, now, simulated);
      const row: PlanRow = {
        draftId: c.draft_id,
        messageRowId: c.message_row_id,
        campaign: c.campaign_name,
        step: c.position,
        to: c.email,
        mailbox: v.kind === 'send' ? v.mailbox.row.name : null,
        action: v.kind,
        reason: v.kind === 'send' ? (would < limit ? (resumes ? 'would resume (out-of-office over) and send now' : 'would send now') : 'over --limit') : resumes ? `would resume (out-of-office over); ${v.reason}` : v.reason,
        at: v.kind === 'wait' && v.until ? new Date(v.until).toISOString() : null,
      };
      if (v.kind === 'send' && would < limit) {
        would++;
        simulated.set(v.mailbox.row.id, (simulated.get(v.mailbox.row.id) ?? 0) - 1);
      }
      plan.push(row);
    }
    return { ...report, plan };
  }

  /** In one write transaction: find the first candidate that can go now and claim it. */
  const claimNext = (by: string = claimedBy): { claimed: Claimed | null; waitUntil: number | null } => {
      const now = clock.now();
      const nowIso = now.toISOString();
      const nowMs = now.getTime();
      let waitUntil: number | null = null;
      const done = new Set<string>(); // judged and dropped from the queue in this call
      for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) {
        // Used up: reload once (new drafts, released or due messages), then stop.
        loadQueue(nowIso);
        queue = queue.filter((k) => !done.has(k));
      }
      for (let i = 0; i < queue.length; i++) {
        const k = queue[i]!;
        const memo = waitMemo.get(k);
        if (memo !== undefined && memo > nowMs) {
          waitUntil = waitUntil === null ? memo : Math.min(waitUntil, memo);
          continue;
        }
        const drop = () => {
          done.add(k);
          queue.splice(i, 1);
          i--;
        };
        const c = fresh(k, nowIso);
        if (!c) {
          drop();
          continue;
        }
        const v = judge(c, now);
        if (v.kind === 'wait') {
          // Spacing and caps change as we send; other waits (windows, delays) hold for the run.
          if (v.until !== null) {
            if (v.reason !== 'spacing') waitMemo.set(k, v.until);
            waitUntil = waitUntil === null ? v.until : Math.min(waitUntil, v.until);
          }
          continue;
        }
        if (v.kind === 'skip') {
          drop();
          // Waiting for an earlier step, a stopped mailbox (reported once) or a paused campaign is not a problem to report per draft.
          const quiet = v.reason.startsWith('step ') || v.reason.startsWith('mailbox ') || v.reason.startsWith('campaign ');
          if (v.reason.startsWith('mailbox ') && !blockedReported.has(c.draft_id)) {
            const name = v.reason.slice('mailbox '.length, v.reason.indexOf(':'));
            waitingOnMailbox.set(name, { reason: v.reason.slice(v.reason.indexOf(':') + 2), n: (waitingOnMailbox.get(name)?.n ?? 0) + 1 });
            blockedReported.add(c.draft_id);
          }
          if (!blockedReported.has(c.draft_id) && !quiet) {
            blockedReported.add(c.draft_id);
            report.blocked.push({ draftId: c.draft_id, reason: v.reason });
          }
          continue;
        }
        if (v.kind === 'cancel') {
          drop();
          if (c.message_row_id) store.cancelMessage(db, c.message_row_id, v.reason, nowIso);
          if (v.stop && store.stopEnrollment(db, c.enrollment_id, v.stop)) {
            addStopEvent(db, c, v.stop, nowIso, opts.runId ?? null);
          }
          counts.cancelled++;
          continue;
        }
        // Claim it.
        const m = v.mailbox;
        const domain = m.row.email.split('@')[1]!;
        const references = v.references.length ? v.references.join(' ') : null;
        let rowId: number;
        let messageId: string;
        if (c.message_row_id) {
          // A message that never reached a server may change mailbox (first emails only); it then gets an id on that domain.
          const keepId = c.message_mailbox_id === m.row.id && c.message_id;
          messageId = keepId ? c.message_id! : makeMessageId(domain, randomUUID());
          const ok = store.claimExisting(db, c.message_row_id, by, nowIso, {
            mailboxId: m.row.id, fromEmail: m.row.email, messageId, toEmail: v.to, subject: v.subject, inReplyTo: v.inReplyTo, references,
          });
          if (!ok) {
            drop();
            continue;
          }
          rowId = c.message_row_id;
        } else {
          messageId = makeMessageId(domain, randomUUID());
          rowId = store.insertClaimed(
            db,
            {
              draftId: c.draft_id, enrollmentId: c.enrollment_id, leadId: c.lead_id, contactId: c.contact_id, campaignId: c.campaign_id,
              stepId: c.step_id, variantId: c.variant_id, mailboxId: m.row.id, toEmail: v.to, fromEmail: m.row.email, subject: v.subject,
              messageId, inReplyTo: v.inReplyTo, references,
            },
            by,
            nowIso,
            opts.runId ?? null,
          );
        }
        drop();
        claimsMade++;
        return {
          claimed: {
            ref: {
              id: rowId, leadId: c.lead_id, campaignId: c.campaign_id, enrollmentId: c.enrollment_id, draftId: c.draft_id,
              mailboxId: m.row.id, messageId, position: c.position, toEmail: v.to,
            },
            cand: c,
            mailbox: m,
            subject: v.subject,
            inReplyTo: v.inReplyTo,
            references: v.references,
            lastStep: store.isLastStep(db, c.campaign_id, c.position),
            claimedAtMs: nowMs,
          },
          waitUntil: null,
        };
      }
      }
      return { claimed: null, waitUntil };
  };

  /**
   * Builds and sends one claimed message. Returns what to commit: the caller commits it in the same
   * transaction as the next claim (one durable write per message), and then runs `after`.
   */
  /** MIME build and DKIM signature of a claimed message; never rejects. */
  const build = async (cl: Claimed): Promise<Built> => {
    const m = cl.mailbox;
    const now = clock.now();
    const url = unsubscribeUrl(s.unsubscribe.base_url, makeUnsubscribeToken(opts.secret, cl.ref.messageId));
    const mailto = `mailto:${s.unsubscribe.mailto || m.row.email}?subject=unsubscribe`;
    const mail: OutgoingMail = {
      from: { name: m.row.from_name || s.sender.name || undefined, address: m.row.email },
      to: cl.ref.toEmail,
      subject: cl.subject,
      text: cl.cand.body_text.split(UNSUBSCRIBE_URL_MARKER).join(url),
      html: cl.cand.body_html ? cl.cand.body_html.split(UNSUBSCRIBE_URL_MARKER).join(url) : null,
      messageId: cl.ref.messageId,
      date: now,
      inReplyTo: cl.inReplyTo,
      references: cl.references,
      headers: {
        'List-Unsubscribe': `<${url}>, <${mailto}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    };
    const fromDomain = m.row.email.split('@')[1]!.toLowerCase();
    const dkim = opts.dkim && (!opts.dkim.onlyDomain || opts.dkim.onlyDomain.toLowerCase() === fromDomain) ? { ...opts.dkim, domainName: opts.dkim.domainName || fromDomain } : null;
    try {
      return { raw: await composeMessage(mail, dkim), date: now };
    } catch (err) {
      return { error: `cannot build the message: ${(err as Error).message}` };
    }
  };

  const deliver = async (cl: Claimed, onBodySent?: () => void): Promise<{ commit: () => void; after?: () => Promise<void> }> => {
    const m = cl.mailbox;
    const runId = opts.runId ?? null;
    const built = await (cl.built ?? build(cl));
    if ('error' in built) {
      const reason = built.error;
      return {
        commit: () => {
          store.markFailed(db, cl.ref, { nowIso: clock.now().toISOString(), reason, hardBounce: false, runId });
          counts.failed++;
        },
      };
    }
    const { raw, date } = built;
    if (!m.client) m.client = adapters.smtp(m.row);
    let result: SendResult | null = null;
    let failure: SmtpError | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        result = await m.client.send({ from: m.row.email, to: [cl.ref.toEmail] }, raw, onBodySent);
        failure = null;
        break;
      } catch (err) {
        failure = err instanceof SmtpError ? err : new SmtpError((err as Error).message, 'data', { code: 'EUNEXPECTED' });
        // Never on the wire (a stale pooled connection): one immediate retry on a fresh connection.
        if (failure.phase !== 'api') break;
      }
    }
    const doneIso = clock.now().toISOString();
    if (result) {
      const res = result;
      return {
        commit: () => {
          store.markSent(db, cl.ref, { nowIso: doneIso, sentAt: doneIso, response: res.response, from: 'sending', claimedBy, runId, lastStep: cl.lastStep });
          counts.sent++;
          report.sentMessages.push({ id: cl.ref.id, messageId: cl.ref.messageId, to: cl.ref.toEmail, mailbox: m.row.name });
        },
        after: m.row.append_sent
          ? async () => {
              // A copy for servers that do not keep one; the message is sent whatever happens here.
              try {
                const folder = await adapters.sentFolder(m.row);
                if (folder) {
                  await folder.append(raw, date);
                  await folder.close();
                }
              } catch (err) {
                notice(`sent ${cl.ref.messageId}, but could not append it to ${m.row.name}'s Sent folder: ${(err as Error).message}`);
              }
            }
          : undefined,
      };
    }
    const f = failure!;
    const action = classifySmtpFailure({ phase: f.phase, code: f.code, responseCode: f.responseCode, response: f.response ?? f.message });
    switch (action.kind) {
      case 'defer': {
        const attempts = cl.cand.attempts + 1;
        const giveUp = attempts >= MAX_ATTEMPTS;
        const next = new Date(clock.now().getTime() + backoffSeconds(attempts) * 1000).toISOString();
        return {
          commit: () => {
            store.markDeferred(db, cl.ref, { nowIso: doneIso, nextAttemptAt: next, reason: action.reason, giveUp, runId });
            if (giveUp) counts.failed++;
            else counts.deferred++;
          },
        };
      }
      case 'fail':
        return {
          commit: () => {
            store.markFailed(db, cl.ref, { nowIso: doneIso, reason: action.reason, hardBounce: action.hardBounce, runId });
            counts.failed++;
            if (action.hardBounce) counts.bounced++;
          },
        };
      case 'unknown':
        return {
          commit: () => {
            store.markUnknown(db, { id: cl.ref.id, leadId: cl.ref.leadId, campaignId: cl.ref.campaignId, messageId: cl.ref.messageId }, { nowIso: doneIso, reason: action.reason, runId });
            counts.unknown++;
          },
          after: async () => notice(`${cl.ref.toEmail}: ${action.reason} (message ${cl.ref.messageId} is now unknown; run \`outreach send --resolve-unknown\`)`),
        };
      case 'auth_failed':
        m.skipped = 'login refused';
        report.mailboxProblems.push({ mailbox: m.row.name, problem: `${action.reason}. The mailbox is stopped (status auth_failed); fix the password, then \`outreach mailbox test ${m.row.name}\`.` });
        await closeClient(m);
        return {
          commit: () => {
            store.releaseClaim(db, cl.ref.id, action.reason, doneIso);
            setMailboxStatus(db, m.row.id, 'auth_failed', action.reason);
            counts.released++;
          },
        };
      case 'release':
        m.skipped = action.reason;
        report.mailboxProblems.push({ mailbox: m.row.name, problem: `${action.reason}; its messages wait for the next run.` });
        await closeClient(m);
        return {
          commit: () => {
            store.releaseClaim(db, cl.ref.id, action.reason, doneIso);
            counts.released++;
          },
        };
    }
  };

  // The loop. A claim ('sending', Message-ID) is committed durably (synchronous=FULL) before its SMTP
  // transaction starts. Without pacing, claims are made ahead, AHEAD at a time in one FULL transaction
  // (one fsync for all of them), while the server is busy with the current body (onBodySent); such a
  // claim carries the mark `:ahead` in claimed_by. The outcome of a message is committed without waiting
  // for the disk (synchronous=NORMAL: it survives a killed process; after a power cut recoverStaleClaims
  // treats every claim of the old boot as unknown), and the same commit removes the `:ahead` mark of the
  // next message, right before its SMTP transaction starts. So a process has one started message at a
  // time: a killed run leaves one unknown at most; its claims still marked ahead provably never started
  // and go back to the queue (see recoverStaleClaims).
  const canStop = () => opts.signal?.aborted || sentThisRun >= limit || (opts.until !== undefined && opts.until !== null && clock.now().getTime() >= opts.until.getTime());
  const aheadBy = `${claimedBy}:ahead`;
  const ahead: Claimed[] = [];
  const release = (cl: Claimed, reason: string) => store.releaseClaim(db, cl.ref.id, reason, clock.now().toISOString());
  // Fewer, larger checkpoints while sending (the hot pages are copied back once, not every ~70 messages);
  // checkpoints do not change what is durable. Restored when the run ends.
  const autoCheckpoint = Number(db.sqlite.pragma('wal_autocheckpoint', { simple: true }));
  if (!pacing && autoCheckpoint > 0 && autoCheckpoint < 8000) db.sqlite.pragma('wal_autocheckpoint = 8000');
  const commitFast = (fn: () => void) => {
    db.sqlite.pragma('synchronous = NORMAL');
    try {
      tx(db, fn);
    } finally {
      db.sqlite.pragma('synchronous = FULL');
    }
  };
  /** Marks the first claim ahead as started (in the caller's transaction); gives back the ones that must not go. */
  const startNextAhead = () => {
    // Applied, not removed: this commit does not wait for the disk (the next claiming commit removes them).
    if (ahead.length) honourSpool();
    while (ahead.length) {
      const next = ahead[0]!;
      const c = next.cand;
      // Claimed a few messages ago: the checks that protect people (suppressions, replies) are made again
      // in the transaction that starts it, so an unsubscribe committed before that is always honoured
      // (three indexed lookups: microseconds against milliseconds of SMTP).
      const stop = next.mailbox.skipped
        ? `mailbox ${next.mailbox.row.name}: ${next.mailbox.skipped}`
        : canStop()
          ? 'run stopped before sending it'
          : findSuppression(db, next.ref.toEmail) || findDomainSuppression(db, c.lead_domain) || store.leadReplied(db, c.lead_id)
            ? 'to be judged again (suppressed or replied since it was claimed)'
            : null;
      if (stop) {
        release(next, stop);
        ahead.shift();
        continue;
      }
      if (store.startClaim(db, next.ref.id, aheadBy, claimedBy)) return;
      ahead.shift(); // taken from us (cannot happen while we are alive): leave it
    }
  };
  try {
    for (;;) {
      if (canStop()) break;
      let claimed: Claimed | null = ahead.shift() ?? null;
      if (!claimed) {
        let spooled: SpoolEntry[] = [];
        const r = tx(db, () => {
          spooled = honourSpool();
          return claimNext();
        });
        spool?.remove(spooled);
        claimed = r.claimed;
        if (!claimed) {
          if (r.waitUntil === null) break;
          // Something becomes sendable later. Without --until, only spacing between messages is waited out.
          const nowMs = clock.now().getTime();
          const horizon = opts.until ? opts.until.getTime() : nowMs + Math.max(s.sending.max_gap_seconds, s.sending.min_gap_seconds) * 1000 + 1000;
          if (r.waitUntil > horizon) {
            report.nextAt = new Date(r.waitUntil).toISOString();
            break;
          }
          await clock.sleep(Math.max(0, r.waitUntil - nowMs), opts.signal);
          continue;
        }
      }
      sentThisRun++;
      const mayPipeline = !pacing && sentThisRun < limit;
      let hookOpen = true; // a hook firing after this message settled must not claim behind our back
      const onBodySent = mayPipeline
        ? () => {
            if (!hookOpen || canStop()) return;
            if (!ahead.length) {
              try {
                const want = Math.min(AHEAD, limit - sentThisRun);
                let spooled: SpoolEntry[] = [];
                tx(db, () => {
                  spooled = honourSpool();
                  for (let i = 0; i < want; i++) {
                    const next = claimNext(aheadBy).claimed;
                    if (!next) break;
                    ahead.push(next);
                  }
                });
                spool?.remove(spooled);
              } catch {
                ahead.length = 0; // a busy database (the transaction rolled back): claim after this message instead
              }
            }
            // Build the next one now, while the server works on the current one (the CPU is otherwise idle).
            const next = ahead[0];
            if (next && !next.built) next.built = build(next);
          }
        : undefined;
      const outcome = await deliver(claimed, onBodySent);
      hookOpen = false;
      commitFast(() => {
        outcome.commit();
        startNextAhead();
      });
      await outcome.after?.();
      opts.onProgress?.({ ...counts });
      if (pacing) claimed.mailbox.nextAt = clock.now().getTime() + randomGapMs(s.sending.min_gap_seconds, s.sending.max_gap_seconds, () => clock.random());
    }
  } finally {
    if (ahead.length) {
      const left = ahead.splice(0);
      tx(db, () => {
        for (const cl of left) release(cl, 'run stopped before sending it');
      });
    }
    for (const m of mailboxes.values()) await closeClient(m);
    if (!pacing && autoCheckpoint > 0 && autoCheckpoint < 8000) db.sqlite.pragma(`wal_autocheckpoint = ${autoCheckpoint}`);
  }
  for (const [name, w] of waitingOnMailbox) {
    if (!report.mailboxProblems.some((p) => p.mailbox === name)) {
      report.mailboxProblems.push({ mailbox: name, problem: `${w.reason}: ${w.n} message(s) of its threads wait for it (see \`outreach mailbox test ${name}\`)` });
    }
  }
  Object.assign(report, counts);
  return report;
}

function startOfNextDay(now: Date, zone: string): number {
  return startOfDay(new Date(now.getTime() + DAY_MS), zone).getTime();
}

async function closeClient(m: MailboxState): Promise<void> {
  const c = m.client;
  m.client = null;
  if (c) await c.close().catch(() => undefined);
}

function addStopEvent(db: Db, c: Candidate, reason: string, nowIso: string, runId: number | null): void {
  db.sqlite
    .prepare(`INSERT INTO events (lead_id, type, at, campaign_id, data, run_id) VALUES (?, 'stopped', ?, ?, ?, ?)`)
    .run(c.lead_id, nowIso, c.campaign_id, JSON.stringify({ enrollmentId: c.enrollment_id, reason, by: 'send' }), runId);
}

/** `host:pid:boot`: who holds a claim, to tell a dead claimer (and whether its machine rebooted since). */
export function claimerId(a: Pick<SendAdapters, 'hostname' | 'pid' | 'bootId'>): string {
  return `${a.hostname}:${a.pid}:${a.bootId ?? ''}`;
}

/**
 * Claims whose process is gone become 'unknown': that process may have handed the message to the server
 * before it died. Same host: the pid is checked; another host: only after staleClaimMs. A claim still
 * marked `:ahead` by a dead process of this boot never started (the mark goes in the same commit that
 * precedes its SMTP transaction, and a commit survives a killed process), so it goes back to the queue.
 * After a reboot the last commits may be lost, so every claim of the old boot is unknown.
 */
export function recoverStaleClaims(db: Db, adapters: Pick<SendAdapters, 'clock' | 'hostname' | 'isAlive' | 'bootId'>, opts: Pick<SendOptions, 'staleClaimMs' | 'runId'>): number {
  const now = adapters.clock.now();
  const nowIso = now.toISOString();
  const staleMs = opts.staleClaimMs ?? 30 * 60_000;
  const byClaimer = new Map<string, (store.ClaimRow & { ahead: boolean })[]>();
  for (const c of store.sendingClaims(db)) {
    const by = c.claimed_by ?? '';
    const ahead = by.endsWith(':ahead');
    const k = ahead ? by.slice(0, -':ahead'.length) : by;
    byClaimer.set(k, [...(byClaimer.get(k) ?? []), { ...c, ahead }]);
  }
  let n = 0;
  for (const [claimer, rows] of byClaimer) {
    const [host, pidText, boot] = claimer.split(':');
    const pid = Number(pidText);
    const age = Math.min(...rows.map((c) => (c.claimed_at ? now.getTime() - new Date(c.claimed_at).getTime() : Infinity)));
    const sameHost = host === adapters.hostname && Number.isInteger(pid) && pid > 0;
    const sameBoot = sameHost && (boot ?? '') === (adapters.bootId ?? '');
    const dead = sameHost ? !sameBoot || !adapters.isAlive(pid) : age > staleMs;
    if (!dead) continue;
    tx(db, () => {
      for (const c of rows) {
        if (sameBoot && c.ahead) {
          store.releaseClaim(db, c.id, 'claimed ahead by a stopped run, never sent', nowIso);
          continue;
        }
        const changed = store.markUnknown(db, { id: c.id, leadId: c.lead_id, campaignId: c.campaign_id, messageId: c.message_id }, {
          nowIso,
          reason: `the sending process (${claimer}) stopped during the send: it may have reached the server`,
          runId: opts.runId ?? null,
        });
        if (changed) n++;
      }
    });
  }
  return n;
}

export interface ResolveOptions {
  campaign?: string | null;
  runId?: number | null;
  /** Only requeue a message not found in Sent if it was claimed longer ago than this (the copy may still be on its way). */
  settleAfterMs?: number;
}

export type Evidence =
  | { source: 'sent-folder'; uid: number }
  | { source: 'inbound'; inboundId: number; how: 'reply' | 'quoted'; label: string | null; from: string | null }
  | { source: 'inbox'; uid: number; kind: 'reply' | 'bounce' | 'mention'; from: string | null; subject: string | null };

export interface ResolveReport {
  checked: number;
  sent: number;
  requeued: number;
  stillUnknown: number;
  staleToUnknown: number;
  problems: { mailbox: string; problem: string }[];
  details: { id: number; messageId: string; to: string; mailbox: string | null; outcome: 'sent' | 'requeued' | 'unknown'; reason: string; evidence?: Evidence }[];
}

function describeEvidence(e: Evidence): string {
  switch (e.source) {
    case 'sent-folder':
      return `found in the Sent folder (uid ${e.uid})`;
    case 'inbound':
      return e.how === 'reply'
        ? `a reply${e.from ? ` from ${e.from}` : ''} names it (inbound #${e.inboundId}${e.label ? `, ${e.label}` : ''})`
        : `${e.label === 'BOUNCE' ? 'a bounce' : 'received mail'}${e.from ? ` from ${e.from}` : ''} quotes it (inbound #${e.inboundId})`;
    case 'inbox':
      return `${e.kind === 'reply' ? 'a reply' : e.kind === 'bounce' ? 'a bounce' : 'a message'}${e.from ? ` from ${e.from}` : ''} in the INBOX names it (uid ${e.uid})`;
  }
}

/**
 * `send --resolve-unknown`: settles each unknown message from the evidence there is. It went out when
 * (1) the mailbox's Sent folder has it, or (2) mail received since names its Message-ID: a reply
 * (In-Reply-To/References), a bounce or auto-reply quoting it, first as already read by the inbox stage,
 * then by searching the INBOX over IMAP. It never reached the server when the server keeps Sent copies
 * and, some minutes later, neither the Sent folder nor the INBOX has it: it is queued again. A mailbox
 * that does not keep copies itself (--append-sent) gives no proof of absence: without evidence the
 * message stays unknown for the operator (`send --list-unknown`, `send --settle ID --as sent|failed|retry`).
 */
export async function resolveUnknown(db: Db, adapters: SendAdapters, opts: ResolveOptions = {}): Promise<ResolveReport> {
  const rep: ResolveReport = { checked: 0, sent: 0, requeued: 0, stillUnknown: 0, staleToUnknown: 0, problems: [], details: [] };
  rep.staleToUnknown = recoverStaleClaims(db, adapters, opts);
  const settleMs = opts.settleAfterMs ?? 10 * 60_000;
  const runId = opts.runId ?? null;
  const all = store.unknownMessages(db, opts.campaign ?? null);
  const byMailbox = new Map<number | null, store.UnknownRow[]>();
  for (const u of all) byMailbox.set(u.mailbox_id, [...(byMailbox.get(u.mailbox_id) ?? []), u]);
  const mailboxes = new Map(listMailboxRows(db).map((m) => [m.id, m]));
  const refOf = (u: store.UnknownRow, mailboxId: number): MessageRef => ({
    id: u.id, leadId: u.lead_id ?? 0, campaignId: u.campaign_id ?? 0, enrollmentId: u.enrollment_id ?? 0, draftId: u.draft_id ?? 0,
    mailboxId, messageId: u.message_id, position: u.position ?? 1, toEmail: u.to_email,
  });
  const since = (u: store.UnknownRow): string | null => (u.claimed_at ? new Date(new Date(u.claimed_at).getTime() - 86_400_000).toISOString() : null);
  const settleSent = (u: store.UnknownRow, m: MailboxRow, ev: Evidence, sentAt: string) => {
    const lastStep = u.campaign_id !== null && u.position !== null ? store.isLastStep(db, u.campaign_id, u.position) : false;
    const reason = describeEvidence(ev);
    const ok = tx(db, () => store.markSent(db, refOf(u, m.id), { nowIso: adapters.clock.now().toISOString(), sentAt, response: reason, from: 'unknown', runId, lastStep }));
    if (ok) {
      rep.sent++;
      rep.details.push({ id: u.id, messageId: u.message_id, to: u.to_email, mailbox: m.name, outcome: 'sent', reason, evidence: ev });
    }
  };
  const keep = (u: store.UnknownRow, m: MailboxRow | undefined, reason: string) => {
    rep.stillUnknown++;
    rep.details.push({ id: u.id, messageId: u.message_id, to: u.to_email, mailbox: m?.name ?? null, outcome: 'unknown', reason });
  };

  for (const [mailboxId, rows] of byMailbox) {
    rep.checked += rows.length;
    const m = mailboxId === null ? undefined : mailboxes.get(mailboxId);
    // What the inbox stage already read needs no network (and works for a removed mailbox too).
    const open: store.UnknownRow[] = [];
    for (const u of rows) {
      const hit = store.inboundEvidence(db, u.message_id, since(u));
      if (hit && m) settleSent(u, m, { source: 'inbound', inboundId: hit.id, how: hit.how, label: hit.label, from: hit.from }, u.claimed_at ?? adapters.clock.now().toISOString());
      else open.push(u);
    }
    if (!open.length) continue;
    if (!m) {
      for (const u of open) keep(u, m, 'its mailbox was removed: settle it by hand');
      continue;
    }

    // 1. The Sent folder.
    const inSent = new Map<string, { uid: number; date: string | null }>();
    let sentReadable = false;
    let sentProblem = '';
    try {
      const folder = await adapters.sentFolder(m);
      if (!folder) sentProblem = 'no IMAP account: cannot look in the Sent folder';
      else {
        try {
          for (const [k, v] of await folder.find(open.map((u) => u.message_id))) inSent.set(k, v);
          sentReadable = true;
        } catch (err) {
          sentProblem = `searching the Sent folder failed: ${(err as Error).message}`;
        } finally {
          await folder.close().catch(() => undefined);
        }
      }
    } catch (err) {
      sentProblem = (err as Error).message;
    }
    if (sentProblem) rep.problems.push({ mailbox: m.name, problem: sentProblem });

    // 2. Recipient-side evidence in the INBOX, for what the Sent folder did not settle.
    const notInSent = open.filter((u) => !inSent.has(u.message_id));
    const inInbox = new Map<string, InboxEvidenceLike>();
    let inboxReadable = false;
    if (notInSent.length && adapters.inbox) {
      try {
        const inbox = await adapters.inbox(m);
        if (inbox) {
          try {
            const oldest = notInSent.map((u) => u.claimed_at).filter((x): x is string => Boolean(x)).sort()[0];
            for (const [k, v] of await inbox.findReferencing(notInSent.map((u) => u.message_id), oldest ? new Date(oldest) : null)) inInbox.set(k, v);
            inboxReadable = true;
          } finally {
            await inbox.close().catch(() => undefined);
          }
        }
      } catch (err) {
        rep.problems.push({ mailbox: m.name, problem: `searching the INBOX failed: ${(err as Error).message}` });
      }
    }

    const now = adapters.clock.now();
    for (const u of open) {
      const s = inSent.get(u.message_id);
      if (s) {
        settleSent(u, m, { source: 'sent-folder', uid: s.uid }, s.date ?? u.claimed_at ?? now.toISOString());
        continue;
      }
      const e = inInbox.get(u.message_id);
      if (e) {
        settleSent(u, m, { source: 'inbox', uid: e.uid, kind: e.kind, from: e.from, subject: e.subject }, u.claimed_at ?? now.toISOString());
        continue;
      }
      if (!sentReadable) keep(u, m, `cannot read ${m.name}'s Sent folder`);
      else if (m.append_sent) {
        // This server keeps no copy of its own (we append one after sending): absence from Sent proves nothing.
        keep(u, m, `${m.name} does not keep sent copies itself and no reply or bounce names it${inboxReadable ? '' : ' (INBOX not searched)'}: settle it by hand with \`outreach send --settle ${u.message_id} --as sent|failed|retry\``);
      } else if (u.claimed_at && now.getTime() - new Date(u.claimed_at).getTime() < settleMs) {
        keep(u, m, 'too recent: the Sent copy may still be on its way');
      } else {
        const ok = tx(db, () => store.requeueUnknown(db, refOf(u, m.id), { nowIso: now.toISOString(), reason: 'not in the Sent folder: the server never accepted it', runId }));
        if (ok) {
          rep.requeued++;
          rep.details.push({ id: u.id, messageId: u.message_id, to: u.to_email, mailbox: m.name, outcome: 'requeued', reason: 'not in the Sent folder: will be sent by the next run' });
        }
      }
    }
  }
  return rep;
}

export interface UnknownListing {
  staleToUnknown: number;
  unknown: {
    id: number;
    messageId: string;
    to: string;
    subject: string | null;
    mailbox: string | null;
    /** False when the mailbox is set to --append-sent: its server keeps no Sent copy, so --resolve-unknown may not settle it. */
    serverKeepsSentCopy: boolean | null;
    campaign: string | null;
    step: number | null;
    claimedAt: string | null;
    reason: string | null;
  }[];
}

/** `send --list-unknown`: the messages whose fate is unknown (after turning dead processes' claims into unknown). */
export function listUnknown(db: Db, adapters: Pick<SendAdapters, 'clock' | 'hostname' | 'isAlive' | 'bootId'>, opts: { campaign?: string | null; runId?: number | null } = {}): UnknownListing {
  const staleToUnknown = recoverStaleClaims(db, adapters, opts);
  return {
    staleToUnknown,
    unknown: store.unknownDetails(db, opts.campaign ?? null).map((u) => ({
      id: u.id,
      messageId: u.message_id,
      to: u.to_email,
      subject: u.subject,
      mailbox: u.mailbox_name,
      serverKeepsSentCopy: u.append_sent === null ? null : !u.append_sent,
      campaign: u.campaign_name,
      step: u.position,
      claimedAt: u.claimed_at,
      reason: u.last_error,
    })),
  };
}

export type SettleAs = 'sent' | 'failed' | 'retry';

export interface SettleResult {
  id: number;
  messageId: string;
  to: string;
  from: string;
  to_state: 'sent' | 'failed' | 'queued';
}

export class SettleError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'SettleError';
  }
}

/**
 * `send --settle ID --as sent|failed|retry`: the operator's verdict on one unknown message, recorded
 * with their note. sent: it went out (the thread goes on); failed: it did not and is not to be sent;
 * retry: it did not, send it again (a double send if that is wrong).
 */
export function settleMessage(
  db: Db,
  adapters: Pick<SendAdapters, 'clock' | 'hostname' | 'isAlive' | 'bootId'>,
  opts: { ref: string; as: SettleAs; note?: string | null; runId?: number | null },
): SettleResult {
  recoverStaleClaims(db, adapters, { runId: opts.runId });
  const u = store.findMessage(db, opts.ref);
  if (!u) throw new SettleError(`no message ${opts.ref}`, 'List the unknown ones with `outreach send --list-unknown`.');
  if (u.state !== 'unknown') {
    throw new SettleError(
      `message ${u.message_id} (to ${u.to_email}) is ${u.state}, not unknown: only a message whose fate is unknown can be settled`,
      u.state === 'sending' ? 'A running `send` is sending it now; wait for it to finish.' : undefined,
    );
  }
  const nowIso = adapters.clock.now().toISOString();
  const runId = opts.runId ?? null;
  const note = opts.note ? `: ${opts.note}` : '';
  const mini = { id: u.id, leadId: u.lead_id, campaignId: u.campaign_id, messageId: u.message_id };
  let ok: boolean;
  let toState: SettleResult['to_state'];
  if (opts.as === 'sent') {
    if (u.mailbox_id === null) throw new SettleError(`message ${u.message_id} has no mailbox any more (removed): it cannot be recorded as sent from one`);
    const lastStep = u.campaign_id !== null && u.position !== null ? store.isLastStep(db, u.campaign_id, u.position) : false;
    const ref: MessageRef = {
      id: u.id, leadId: u.lead_id ?? 0, campaignId: u.campaign_id ?? 0, enrollmentId: u.enrollment_id ?? 0, draftId: u.draft_id ?? 0,
      mailboxId: u.mailbox_id, messageId: u.message_id, position: u.position ?? 1, toEmail: u.to_email,
    };
    ok = tx(db, () => store.markSent(db, ref, { nowIso, sentAt: u.claimed_at ?? nowIso, response: `settled by hand as sent${note}`, from: 'unknown', runId, lastStep }));
    toState = 'sent';
  } else if (opts.as === 'failed') {
    ok = tx(db, () => store.failUnknown(db, mini, { nowIso, reason: `settled by hand as not sent${note}`, runId }));
    toState = 'failed';
  } else {
    ok = tx(db, () => store.requeueUnknown(db, mini, { nowIso, reason: `settled by hand: send it again${note}`, runId }));
    toState = 'queued';
  }
  if (!ok) throw new SettleError(`message ${u.message_id} changed while settling it: look again with \`outreach send --list-unknown\``);
  return { id: u.id, messageId: u.message_id, to: u.to_email, from: 'unknown', to_state: toState };
}
