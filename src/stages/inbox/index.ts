// The inbox stage: `sync` (IMAP, per folder, resumable), `import` (files) and `list`. Both ways in go
// through processRaw (classification, threading, effects). A stage never prints and never reads
// process.env: the CLI passes mailbox credentials, the model adapter and the notifier in.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { ImapMailbox, type ImapConfig, type FolderState } from '../../adapters/imap.js';
import { readMailFiles } from '../../adapters/mailfile.js';
import { NotifyBreaker, type Notifier, type ReplySummary } from '../../adapters/notify.js';
import { acquireLock, releaseLock, type LockHolder } from './lock.js';
import { Analyzer, type AnalyzeResult } from './analyzer.js';
import { CommitBatch, InFlight } from './batch.js';
import { addToSummary, emptySummary, processRaw, storeAnalyzed, ModelBreaker, type InboxSummary, type ProcessOptions, type ProcessedMessage, type ReplyClassifier } from './process.js';
import { classifyOffline } from './analyze.js';
import { ownAddresses, stmt } from './store.js';
import { resumeDuePauses } from '../../db/enrollments.js';
import { DEFAULT_LIMITS, parseMessage, type ParseLimits } from './parse.js';

export { type InboxSummary, type ProcessedMessage, type ReplyClassifier } from './process.js';
export const SYNC_LOCK = 'inbox-sync';

export interface InboxOptions {
  classifier: ReplyClassifier | null;
  notifier?: Notifier | null;
  softBounceLimit?: number;
  limits?: ParseLimits;
  now?: () => Date;
  runId?: number | null;
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
  onMessage?: (r: ProcessedMessage) => void;
  /** More of our own addresses besides the mailboxes' (settings' sender.email): mail from them is never a reply. */
  ownAddresses?: string[];
  /** Parse and classify (offline) on a worker thread while IMAP and the database stay on this one (default true). */
  analyzeInWorker?: boolean;
  /** Messages in flight between the IMAP reader and the commits (default WINDOW; tests use a small one). */
  window?: number;
  /**
   * Time that failing model calls may cost one run before the model is turned off for the rest of it (default
   * 60 s; it is also turned off after 3 failed messages in a row, and at once when the key is refused).
   */
  modelFailureBudgetMs?: number;
}

/**
 * Messages (and bytes of them) in flight between the IMAP reader and the commits: memory stays flat.
 * A deep window keeps both threads busy (measured with `npm run bench -- inbox`: 128 → 1024 took the
 * first sync of 10,000 messages from 5.9 s to 4.9 s); the byte bound caps the memory it can hold.
 */
const WINDOW = 1024;
const WINDOW_BYTES = 16 * 1024 * 1024;
/** Most messages per commit when offline (the commit also happens after 1 s). */
const BATCH_MAX = 1000;

export interface MailboxRef {
  id: number;
  name: string;
  email: string;
  imap: ImapConfig;
  /** Why this mailbox cannot be synced at all (e.g. its password variable is not set): reported, the others go on. */
  error?: string;
}

export interface SyncSummary extends InboxSummary {
  locked?: LockHolder;
  resumed: number;
  notified: number;
  notifyErrors: string[];
  /** WARM notifications left to the inbox sync running at the same time (import only): it, or the next run, sends them. */
  notifyDeferred: number;
  /** Why notifications were turned off for the rest of the run (a timeout, 2 failures in a row, too slow); null: they were not. */
  notifyDisabled: string | null;
  /** WARM notifications not tried because of it: left pending (notified_at NULL) for the next run. */
  notifySkipped: number;
  /** Mailboxes that could not be synced (or not to the end): the run fails, after the others are done. */
  mailboxErrors: { mailbox: string; error: string }[];
  folders: { mailbox: string; folder: string; fetched: number; fullResync: boolean; unchanged: boolean }[];
  /** Messages read from the files or the server (import: also those not finished when interrupted). */
  read: number;
  /** Files that could not be read (`PATH: reason`): skipped, the others imported; the run fails. */
  unreadable: string[];
  /** Ctrl-C / SIGTERM stopped the run before the end. */
  interrupted: boolean;
  /** Messages whose model call failed (classified offline instead). */
  modelErrors: number;
  /** Messages classified offline because the model failed or was turned off for the run. */
  modelOffline: number;
  /** Why the model was turned off for the rest of the run (null: it was not). */
  modelDisabled: string | null;
  /** The model API refused the key or credentials (401/403): a configuration error, the run fails. */
  modelRejected: boolean;
  /** The last model failure's message. */
  modelLastError: string | null;
}

/** The options' clock (tests fix it), else now. */
const nowOf = (o: InboxOptions): Date => (o.now ? o.now() : new Date());

function processOptions(db: Db, o: InboxOptions): ProcessOptions {
  return {
    classifier: o.classifier,
    breaker: o.classifier ? new ModelBreaker({ budgetMs: o.modelFailureBudgetMs ?? 60_000 }) : undefined,
    ownAddresses: ownAddresses(db, o.ownAddresses),
    softBounceLimit: o.softBounceLimit ?? 3,
    limits: o.limits ?? DEFAULT_LIMITS,
    now: o.now,
    runId: o.runId,
    signal: o.signal,
  };
}

function leadDomain(db: Db, leadId: number | null | undefined): string | null {
  if (!leadId) return null;
  return (stmt(db, 'SELECT domain FROM leads WHERE id = ?').get(leadId) as { domain: string } | undefined)?.domain ?? null;
}

/** WARM replies not announced yet (a killed run, a notification that failed) are announced by the runs of this long. */
const NOTIFY_RETRY_DAYS = 7;

/**
 * What one run's announcement passes share: the replies tried (each once a run), whether one failed, the breaker
 * that turns the notifier off for the rest of the run, and the replies it left for the next run.
 */
interface AnnounceState {
  tried: Set<string>;
  failed: boolean;
  breaker: NotifyBreaker;
  skipped: Set<string>;
}

const newAnnounceState = (): AnnounceState => ({ tried: new Set(), failed: false, breaker: new NotifyBreaker(), skipped: new Set() });

interface PendingWarm {
  message_id: string;
  from_email: string | null;
  subject: string | null;
  lead_id: number | null;
  lead_domain: string | null;
  confidence: number | null;
  reason: string | null;
  body_text: string | null;
  notify_error: string | null;
}

/**
 * Announces every WARM reply not announced yet: what this run stored, and what an earlier run stored but never
 * announced (it was killed: SIGKILL, the OOM killer, a reboot) or failed to notify, for NOTIFY_RETRY_DAYS.
 * Durable: a WARM reply is stored with notified_at NULL in the same transaction as the message, and only an
 * announcement sets it. A reply attached to a lead, with a notifier configured, is announced when its notification
 * succeeds (marked right after; a failure is kept in notify_error and tried again by the next passes and runs).
 * Otherwise (no notifier, or mail from someone who is no lead: stored and printed, never notified) it is announced
 * by being printed: the `final` pass, whose summary the CLI prints, marks those. Replies an earlier run stored and
 * never announced are added to s.warm (`earlier`) so they are printed too. `canNotify` false (import while a sync
 * holds the lock) leaves the notifications to that sync: two processes never notify the same reply at once.
 */
async function announceWarm(
  db: Db,
  s: SyncSummary,
  notifier: Notifier | null | undefined,
  pass: { final: boolean; canNotify: boolean; state: AnnounceState },
): Promise<void> {
  const since = new Date(Date.now() - NOTIFY_RETRY_DAYS * 86_400_000).toISOString();
  const rows = stmt(
    db,
    `SELECT i.message_id, i.from_email, i.subject, i.lead_id, l.domain AS lead_domain, i.confidence, i.reason, i.body_text, i.notify_error
       FROM inbound i LEFT JOIN leads l ON l.id = i.lead_id
      WHERE i.label = 'WARM' AND i.notified_at IS NULL AND i.received_at >= ?
      ORDER BY i.id`,
  ).all(since) as PendingWarm[];
  const listed = new Map(s.warm.map((w) => [w.messageId, w]));
  const ok = stmt(db, `UPDATE inbound SET notified_at = ?, notify_error = NULL WHERE message_id = ? AND notified_at IS NULL`);
  const ko = stmt(db, `UPDATE inbound SET notify_error = ? WHERE message_id = ?`);
  const printed: string[] = [];
  const skippedNow: string[] = [];
  for (const r of rows) {
    let w = listed.get(r.message_id);
    if (w) w.leadDomain ??= r.lead_domain;
    else if (r.notify_error === null) {
      // Stored by a run that never announced it (killed after the commit): announced by this one.
      w = {
        status: 'stored', messageId: r.message_id, from: r.from_email ?? '', subject: r.subject ?? '', label: 'WARM',
        confidence: r.confidence ?? 0, reason: r.reason ?? '', leadId: r.lead_id, leadDomain: r.lead_domain,
        effects: [], problems: [], bodyText: r.body_text ?? '', earlier: true,
      };
      s.warm.push(w);
      listed.set(r.message_id, w);
    }
    if (notifier?.configured && r.lead_id !== null) {
      if (!pass.canNotify) {
        if (pass.final) s.notifyDeferred++;
        continue;
      }
      if (pass.state.tried.has(r.message_id)) continue; // failed earlier in this run: the next run tries again
      // The notifier did not answer (or failed twice in a row, or took too long) in this run: it is not called
      // again until the next run, which tries these replies (notified_at stays NULL). The mail never waits on it.
      if (pass.state.breaker.open) {
        if (!pass.state.skipped.has(r.message_id)) {
          pass.state.skipped.add(r.message_id);
          skippedNow.push(r.message_id);
        }
        continue;
      }
      // A notifier that failed once in this run is tried again only at its end: the mail (its unsubscribes,
      // bounces) is never held up behind timeouts of a webhook that is down.
      if (pass.state.failed && !pass.final) continue;
      pass.state.tried.add(r.message_id);
      const summary: ReplySummary = {
        label: 'WARM', from: r.from_email ?? '', subject: r.subject ?? '', leadId: r.lead_id, leadDomain: r.lead_domain,
        confidence: r.confidence ?? 0, reason: r.reason ?? '', excerpt: (r.body_text ?? '').slice(0, 500), messageId: r.message_id,
      };
      const started = Date.now();
      try {
        await notifier.notify(summary);
        pass.state.breaker.succeeded(Date.now() - started);
        s.notified++;
        tx(db, () => ok.run(new Date().toISOString(), r.message_id));
      } catch (err) {
        const why = (err as Error).message;
        pass.state.breaker.failed(err, Date.now() - started);
        pass.state.failed = true;
        const retry = !w || w.earlier;
        s.notifyErrors.push(`${summary.from}${retry ? ' (an earlier reply, tried again)' : ''}: ${why}`);
        try {
          tx(db, () => ko.run(why.slice(0, 500), r.message_id));
        } catch {
          // the failure is still reported; notified_at stays NULL, so the next run tries again anyway
        }
      }
    } else if (pass.final) {
      // Printed now (or, with a notify_error from before the notifier was removed, when it was stored).
      printed.push(r.message_id);
    }
  }
  s.notifyDisabled = pass.state.breaker.disabled;
  s.notifySkipped = pass.state.skipped.size;
  if (skippedNow.length) {
    // Kept pending for the next run, which notifies them (and does not print them again as "earlier").
    const why = `not tried: notifications were turned off for that run (${pass.state.breaker.disabled ?? ''})`.slice(0, 500);
    try {
      tx(db, () => {
        for (const id of skippedNow) ko.run(why, id);
      });
    } catch {
      // notified_at stays NULL either way: the next run tries them
    }
  }
  if (printed.length) {
    const at = new Date().toISOString();
    tx(db, () => {
      for (const id of printed) ok.run(at, id);
    });
  }
  if (pass.final) for (const w of s.warm) if (w.leadDomain === undefined) w.leadDomain = leadDomain(db, w.leadId);
}

function newSyncSummary(): SyncSummary {
  return {
    ...emptySummary(), resumed: 0, notified: 0, notifyErrors: [], notifyDeferred: 0, notifyDisabled: null, notifySkipped: 0, mailboxErrors: [], folders: [],
    read: 0, unreadable: [], interrupted: false, modelErrors: 0, modelOffline: 0, modelDisabled: null, modelRejected: false, modelLastError: null,
  };
}

/** The model's record of the run (failures, fallbacks, whether it was turned off) into the summary. */
function modelOutcome(s: SyncSummary, po: ProcessOptions, o: InboxOptions): void {
  const b = po.breaker;
  if (b) {
    s.modelErrors = b.failures;
    s.modelOffline = b.offline;
    s.modelDisabled = b.disabled;
    s.modelRejected = b.rejected;
    s.modelLastError = b.lastError;
  }
  if (o.signal?.aborted) s.interrupted = true;
}

function getState(db: Db, mailboxId: number, folder: string): FolderState {
  const r = stmt(db, 'SELECT uid_validity, last_uid, highest_modseq FROM sync_state WHERE mailbox_id = ? AND folder = ?').get(mailboxId, folder) as
    | { uid_validity: number | null; last_uid: number; highest_modseq: string | null }
    | undefined;
  return { uidValidity: r?.uid_validity ?? null, lastUid: r?.last_uid ?? 0, highestModseq: r?.highest_modseq ?? null };
}

function saveState(db: Db, mailboxId: number, folder: string, s: { uidValidity: number; lastUid?: number; highestModseq?: string | null }): void {
  stmt(
      db,
      `INSERT INTO sync_state (mailbox_id, folder, uid_validity, last_uid, highest_modseq, synced_at) VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
       ON CONFLICT (mailbox_id, folder) DO UPDATE SET uid_validity = excluded.uid_validity,
         last_uid = COALESCE(?, last_uid), highest_modseq = COALESCE(?, highest_modseq), synced_at = excluded.synced_at`,
    )
    .run(mailboxId, folder, s.uidValidity, s.lastUid ?? 0, s.highestModseq ?? null, s.lastUid ?? null, s.highestModseq ?? null);
}

/**
 * Syncs the given mailboxes (INBOX and Junk of each). Takes the sync lock first: when another run
 * holds it, returns at once with `locked` set and changes nothing.
 */
export async function syncInbox(db: Db, mailboxes: MailboxRef[], o: InboxOptions): Promise<SyncSummary> {
  const s = newSyncSummary();
  const lock = acquireLock(db, SYNC_LOCK);
  if (!lock.ok) {
    s.locked = lock.holder;
    return s;
  }
  const state = newAnnounceState();
  const announce = (final: boolean) => announceWarm(db, s, o.notifier, { final, canNotify: true, state });
  try {
    s.resumed = tx(db, () => resumeDuePauses(db, nowOf(o)));
    // WARM replies an earlier run stored and never announced (it was killed) are notified first.
    await announce(false);
    const po = processOptions(db, o);
    const limits = po.limits ?? DEFAULT_LIMITS;
    // No more of a message is fetched than the parser reads or the database keeps (as `inbox import` reads files).
    const maxBytes = readCap(limits);
    // Messages cut at maxBytes, parsed on this thread one after the other (see below).
    let cutChain: Promise<AnalyzeResult> = Promise.resolve({ ok: false, error: '' });
    // Offline, the worker thread starts now, so that loading its modules (the MIME parser, the classifier: a few
    // hundred ms) overlaps the IMAP login, SELECT and SEARCH instead of holding up the first messages. An empty
    // re-sync pays for it on the other core only: its wall time is the same (it stops the thread at the end).
    const worker: { analyzer: Analyzer | null } = {
      analyzer: !o.classifier && mailboxes.some((m) => !m.error) ? new Analyzer(limits, o.analyzeInWorker ?? true) : null,
    };
    try {
      for (const mb of mailboxes) {
        if (o.signal?.aborted) break;
        // One mailbox that cannot be reached (wrong password, server down, its password not set) is reported
        // and the others are still synced; the run fails at the end (exit 1) and says which.
        if (mb.error) {
          s.mailboxErrors.push({ mailbox: mb.name, error: mb.error });
          continue;
        }
        const conn = new ImapMailbox(mb.imap);
        o.onProgress?.(`Connecting to ${mb.imap.host} (${mb.name})`);
        try {
          await conn.connect();
          for (const folder of await conn.folders()) {
            if (o.signal?.aborted) break;
            const state = getState(db, mb.id, folder);
            let n = 0;
            // Offline, messages are committed in batches (1,000 or 1 s) and the folder's last UID is written in
            // the same transaction as the batch's messages, so a cut connection still loses nothing (the
            // uncommitted tail is fetched again), at a fraction of the fsyncs. Parsing and classifying run on a
            // worker thread (analyzer) while this thread reads IMAP and commits; at most WINDOW messages are
            // in flight between the two, in UID order. With a model, each message commits alone (with its UID)
            // so no write lock is held across a model call.
            const batching = !o.classifier;
            let warmAtBegin = 0;
            let batchUid: { uid: number; uidValidity: number } | null = null;
            // The write lock is never held while waiting on the network for long: an open batch is also committed
            // 1 s after it began, so a stalled IMAP connection cannot block `send`, `serve` or a second sync behind it.
            const batch = new CommitBatch(db, {
              max: BATCH_MAX,
              ms: 1000,
              onBegin: () => {
                batchUid = null;
                warmAtBegin = s.warm.length;
              },
              beforeCommit: () => {
                if (batchUid) saveState(db, mb.id, folder, { uidValidity: batchUid.uidValidity, lastUid: batchUid.uid });
                batchUid = null;
              },
            });
            const done = (r: ProcessedMessage) => {
              addToSummary(s, r);
              o.onMessage?.(r);
              if (++n % 100 === 0) o.onProgress?.(`${mb.name}/${folder}: ${n} messages`);
            };
            // Commits each message in UID order once its analysis is done; the batch's last UID goes with it.
            const inFlight = new InFlight<{ uid: number; uidValidity: number }>(
              (q, r) => {
                const where = { mailboxId: mb.id, folder, uid: q.uid, uidValidity: q.uidValidity, classifier: 'offline' };
                batch.begin();
                let pm: ProcessedMessage | null = null;
                try {
                  if (!r.ok) throw new Error(r.error);
                  pm = storeAnalyzed(db, r.a, where, po);
                } catch (err) {
                  if (o.signal?.aborted) throw err;
                  // A message we cannot process is recorded as such and skipped, never a stuck sync.
                  s.errors.push(`${mb.name}/${folder} UID ${q.uid}: ${(err as Error).message}`);
                }
                batchUid = { uid: q.uid, uidValidity: q.uidValidity };
                if (pm) done(pm);
                // Each commit is an fsync (synchronous = FULL): one a second at most, and a crash redoes at most that.
                batch.added();
              },
              o.window ?? WINDOW,
              WINDOW_BYTES,
            );
            let res: Awaited<ReturnType<typeof conn.syncFolder>>;
            try {
              res = await conn.syncFolder(
                folder,
                state,
                async (msg, snap) => {
                  s.read++;
                  // Only the start of a message bigger than the cap was fetched: parsed knowing its real size.
                  const cut = msg.size > msg.source.length ? msg.size : undefined;
                  if (batching) {
                    worker.analyzer ??= new Analyzer(limits, o.analyzeInWorker ?? true);
                    // Cut messages are parsed one at a time on this thread (each parse of megabytes holds several
                    // copies of them): memory stays flat however many huge messages a folder holds.
                    const result = cut ? (cutChain = cutChain.then(() => analyzeCut(msg.source, limits, cut))) : worker.analyzer.analyze(msg.source);
                    await inFlight.push({ uid: msg.uid, uidValidity: snap.uidValidity }, msg.source.length, result);
                    return;
                  }
                  let r: ProcessedMessage;
                  const where = { mailboxId: mb.id, folder, uid: msg.uid, uidValidity: snap.uidValidity, classifier: 'offline' };
                  // The UID moves forward in the same transaction as the message: a cut connection loses nothing.
                  const advance = () => saveState(db, mb.id, folder, { uidValidity: snap.uidValidity, lastUid: msg.uid });
                  try {
                    r = await processRaw(db, msg.source, where, po, advance, cut);
                  } catch (err) {
                    if (o.signal?.aborted) throw err;
                    // A message we cannot process is recorded as such and skipped, never a stuck sync.
                    s.errors.push(`${mb.name}/${folder} UID ${msg.uid}: ${(err as Error).message}`);
                    tx(db, advance);
                    return;
                  }
                  done(r);
                },
                { signal: o.signal, maxBytes },
              ).catch(async (err: unknown) => {
                // The connection failed mid-fetch: the messages that arrived whole (in flight to the commits,
                // up to WINDOW of them) are stored and the folder's last UID moves past them before the error
                // is reported, so a link that always drops after a few megabytes still advances run after run.
                if (!o.signal?.aborted) {
                  await inFlight.drain();
                  batch.commit();
                }
                throw err;
              });
              // Everything fetched is committed, in UID order, before the folder counts as read.
              await inFlight.drain();
              batch.commit();
            } finally {
              // An error mid-batch: the batch and its UIDs roll back together; the next run fetches them again
              // (and whatever was still in flight). Its WARM replies were not stored: they are not announced now
              // (the next run stores and announces them).
              inFlight.clear();
              if (batch.abort()) s.warm.length = Math.min(s.warm.length, warmAtBegin);
            }
            if (!o.signal?.aborted) {
              // The whole folder is in: remember its HIGHESTMODSEQ for the next quick check.
              tx(db, () => saveState(db, mb.id, folder, { uidValidity: res.snapshot.uidValidity, highestModseq: res.snapshot.highestModseq, lastUid: res.fullResync && res.fetched === 0 ? 0 : undefined }));
            }
            s.folders.push({ mailbox: mb.name, folder, fetched: res.fetched, fullResync: res.fullResync, unchanged: res.unchanged });
            // The folder is committed: its WARM replies are notified now, not after the whole run. (With no notifier,
            // a pass before the last one does nothing: replies are announced by being printed, at the end.)
            if (!o.signal?.aborted && o.notifier?.configured) await announce(false);
          }
        } catch (err) {
          if (o.signal?.aborted) throw err;
          // This mailbox stops here (what it committed stays; the next run picks up); the others go on.
          s.mailboxErrors.push({ mailbox: mb.name, error: (err as Error).message });
        } finally {
          await conn.close();
        }
      }
    } catch (err) {
      // Whatever stopped the run, the WARM replies it committed are notified now. (Those announced by printing
      // stay pending: nothing is printed for a run that fails; the next run prints them.)
      await announce(false).catch(() => undefined);
      throw err;
    } finally {
      await worker.analyzer?.close();
    }
    modelOutcome(s, po, o);
    await announce(true);
    return s;
  } finally {
    releaseLock(db, SYNC_LOCK);
  }
}

/** The most of one message read (file) or fetched (IMAP): what the parser reads or the database keeps. */
function readCap(limits: ParseLimits): number {
  return Math.max(limits.parseBytes, limits.rawBytes + 64 * 1024);
}

/**
 * An import's announcement: under the sync lock (a sync running at the same time announces the same pending
 * replies), waiting a few seconds for it; when a sync holds it longer, the notifications are left to that sync
 * (or the next run) and the replies are still printed.
 */
async function announceImported(db: Db, s: SyncSummary, o: InboxOptions, final: boolean): Promise<void> {
  const state = newAnnounceState();
  if (!o.notifier?.configured) return announceWarm(db, s, o.notifier, { final, canNotify: false, state });
  let lock = acquireLock(db, SYNC_LOCK);
  for (let i = 0; !lock.ok && i < 10 && !o.signal?.aborted; i++) {
    await new Promise((r) => setTimeout(r, 500));
    lock = acquireLock(db, SYNC_LOCK);
  }
  try {
    await announceWarm(db, s, o.notifier, { final, canNotify: lock.ok, state });
  } finally {
    if (lock.ok) releaseLock(db, SYNC_LOCK);
  }
}

/** analyzeOffline for a message cut at the reading cap, on this thread: parsed knowing its real size. */
async function analyzeCut(source: Buffer, limits: ParseLimits, size: number): Promise<AnalyzeResult> {
  try {
    const p = await parseMessage(source, limits, { size });
    try {
      return { ok: true, a: { p, c: classifyOffline(p) } };
    } catch (err) {
      return { ok: true, a: { p, c: null, classifyError: (err as Error)?.message ?? String(err) } };
    }
  } catch (err) {
    return { ok: false, error: (err as Error)?.message ?? String(err) };
  }
}

/**
 * Imports an .eml file, a folder of them, a Maildir or an mbox. Same classification and effects as sync; offline,
 * also the same worker thread and batched commits (a batch that fails rolls back whole and the next import
 * stores it again: messages are found again by Message-ID, nothing is doubled).
 */
export async function importMail(db: Db, path: string, o: InboxOptions): Promise<SyncSummary> {
  const s = newSyncSummary();
  s.resumed = tx(db, () => resumeDuePauses(db, nowOf(o)));
  const po = processOptions(db, o);
  const where = { mailboxId: null, folder: null, uid: null, uidValidity: null, classifier: 'offline' };
  const done = (r: ProcessedMessage) => {
    addToSummary(s, r);
    o.onMessage?.(r);
    if (s.scanned % 100 === 0) o.onProgress?.(`${s.scanned} messages`);
  };
  const analyzer = o.classifier ? null : new Analyzer(po.limits ?? DEFAULT_LIMITS, o.analyzeInWorker ?? true);
  let warmAtBegin = 0;
  const batch = new CommitBatch(db, { max: BATCH_MAX, ms: 1000, onBegin: () => (warmAtBegin = s.warm.length) });
  // Stores each message in file order once its analysis is done.
  const inFlight = new InFlight<string>(
    (name, r) => {
      batch.begin();
      try {
        if (!r.ok) throw new Error(r.error);
        done(storeAnalyzed(db, r.a, where, po));
      } catch (err) {
        if (o.signal?.aborted) throw err;
        s.errors.push(`${name}: ${(err as Error).message}`);
      }
      batch.added();
    },
    o.window ?? WINDOW,
    WINDOW_BYTES,
  );
  const limits = po.limits ?? DEFAULT_LIMITS;
  // No more of one message in memory than the parser reads or the database keeps (a 155 MB message is
  // counted, not buffered: its size is still reported).
  const maxBytes = readCap(limits);
  try {
    try {
      for await (const f of readMailFiles(path, { maxBytes })) {
        if (o.signal?.aborted) break;
        if (f.error) {
          // A file that cannot be read is reported by name and skipped; the others are imported (the run fails).
          s.unreadable.push(`${f.name}: ${f.error}`);
          continue;
        }
        s.read++;
        if (analyzer) {
          // A message cut at maxBytes is parsed here with its real size (rare: it does not need the worker).
          const result = f.size ? analyzeCut(f.source, limits, f.size) : analyzer.analyze(f.source);
          await inFlight.push(f.name, f.source.length, result);
          continue;
        }
        try {
          done(await processRaw(db, f.source, where, po, undefined, f.size));
        } catch (err) {
          if (o.signal?.aborted) break;
          s.errors.push(`${f.name}: ${(err as Error).message}`);
        }
      }
      // Interrupted: what was stored is kept (it is whole); what was still in flight is left for the next import.
      if (!o.signal?.aborted) await inFlight.drain();
      batch.commit();
    } catch (err) {
      // A file that cannot be read further (an I/O error, a folder removed): the messages before it are stored,
      // and their WARM replies announced, before the error is reported.
      if (!o.signal?.aborted) {
        try {
          await inFlight.drain();
          batch.commit();
        } catch {
          // the batch rolls back below; the next import stores it
        }
      }
      throw err;
    } finally {
      inFlight.clear();
      if (batch.abort()) s.warm.length = Math.min(s.warm.length, warmAtBegin);
      await analyzer?.close();
    }
  } catch (err) {
    await announceImported(db, s, o, false).catch(() => undefined);
    throw err;
  }
  modelOutcome(s, po, o);
  await announceImported(db, s, o, true);
  return s;
}

export interface InboundRow {
  id: number;
  message_id: string;
  from: string | null;
  subject: string | null;
  label: string | null;
  confidence: number | null;
  reason: string | null;
  return_date: string | null;
  bounce_type: string | null;
  lead: string | null;
  folder: string | null;
  /** The message's Date header (when it was written), ISO; null when it had none or an unreadable one. */
  sent_date: string | null;
  received_at: string;
  problem: string | null;
}

/**
 * Inbound messages, newest first by the date they were written (the Date header, `sent_date`), else by when they
 * came in (`received_at`): after a backfill import, the replies are in the order they were sent, not imported.
 */
export function listInbound(db: Db, o: { label?: string; lead?: string; limit?: number } = {}): InboundRow[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (o.label) {
    where.push('i.label = ?');
    params.push(o.label.toUpperCase());
  }
  if (o.lead) {
    where.push('l.domain = ?');
    params.push(o.lead.toLowerCase());
  }
  params.push(o.limit ?? 1000);
  return db.sqlite
    .prepare(
      `SELECT i.id, i.message_id, i.from_email AS "from", i.subject, i.label, i.confidence, i.reason, i.return_date, i.bounce_type,
              l.domain AS lead, i.folder, i.sent_date, i.received_at, i.problem
         FROM inbound i LEFT JOIN leads l ON l.id = i.lead_id
        ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
        ORDER BY COALESCE(i.sent_date, i.received_at) DESC, i.id DESC LIMIT ?`,
    )
    .all(...params) as InboundRow[];
}
