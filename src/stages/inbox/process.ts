// One message through the inbox: parse → skip our own → classify (bounce, auto-reply, unsubscribe
// offline; intent by the model when one is configured, else offline) → store once → effects, all in
// one transaction. Shared by `inbox sync` (IMAP) and `inbox import` (files).
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { classifyAutomatic, classifyIntent, type Classification } from '../../domain/classify/index.js';
import { parseMessage, DEFAULT_LIMITS, type ParseLimits, type ParsedMessage } from './parse.js';
import type { Analyzed } from './analyze.js';
import {
  applyEffects,
  atomic,
  bounceVerdict,
  effectsMayFailHalfway,
  forgetInbound,
  inboundExists,
  insertInbound,
  ownOrStored,
  recordSpend,
  storedClassification,
  threadMessage,
  touchInbound,
  type BounceVerdict,
  type Effect,
  type Match,
  type StoredClassification,
  type StoredInbound,
} from './store.js';

/** The part of the draft stage's model adapter the inbox uses. */
export interface ReplyClassifier {
  readonly provider: string;
  readonly model: string;
  classifyReply(
    input: { subject?: string; text: string },
    opts?: { signal?: AbortSignal },
  ): Promise<{ label: 'WARM' | 'COLD' | 'NEUTRAL' | 'UNSUBSCRIBE'; confidence: number; reason: string; usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number } }>;
}

/**
 * The model's circuit breaker for one run: after 3 messages in a row whose model call failed, when failing calls
 * have cost `budgetMs` in all (a server that never answers), or at once when the key is refused (401/403), the
 * rest of the run is classified offline without calling the model. Every fallback is still recorded on its
 * message (`problem`), and the run reports the count and the reason.
 */
export class ModelBreaker {
  failures = 0;
  /** Messages classified offline because the model failed or was off. */
  offline = 0;
  disabled: string | null = null;
  rejected = false;
  lastError: string | null = null;
  private consecutive = 0;
  private failedMs = 0;
  readonly maxConsecutive: number;
  readonly budgetMs: number;

  constructor(opts: { maxConsecutive?: number; budgetMs?: number } = {}) {
    this.maxConsecutive = opts.maxConsecutive ?? 3;
    this.budgetMs = opts.budgetMs ?? 60_000;
  }

  get open(): boolean {
    return this.disabled !== null;
  }

  succeeded(): void {
    this.consecutive = 0;
  }

  failed(err: unknown, ms: number): void {
    const status = (err as { status?: number })?.status;
    const why = ((err as Error)?.message ?? String(err)).slice(0, 300).replace(/\.\s*$/, '');
    this.failures++;
    this.consecutive++;
    this.failedMs += ms;
    this.lastError = why;
    if (this.disabled) return;
    if (status === 401 || status === 403) {
      this.rejected = true;
      this.disabled = why;
    } else if (this.consecutive >= this.maxConsecutive) {
      this.disabled = `${this.consecutive} failed calls in a row, the last: ${why}`;
    } else if (this.failedMs >= this.budgetMs) {
      this.disabled = `failing calls took ${Math.round(this.failedMs / 1000)} s, the last: ${why}`;
    }
  }
}

export interface ProcessOptions {
  /** A model for intent; null classifies offline. */
  classifier: ReplyClassifier | null;
  /** Turns the model off for the rest of the run when it keeps failing (one per run). */
  breaker?: ModelBreaker;
  ownAddresses: Set<string>;
  softBounceLimit: number;
  limits?: ParseLimits;
  now?: () => Date;
  runId?: number | null;
  signal?: AbortSignal;
}

export interface ProcessedMessage {
  status: 'stored' | 'duplicate' | 'own';
  messageId: string;
  from: string;
  subject: string;
  label?: string;
  confidence?: number;
  reason?: string;
  bounceType?: string;
  returnDate?: string;
  leadId?: number | null;
  match?: Match['how'];
  effects: Effect[];
  problems: string[];
  /** The model failed and the offline classifier answered instead. */
  modelError?: string;
  bodyText?: string;
  /** The lead's domain (WARM replies, filled in when they are announced). */
  leadDomain?: string | null;
  /** A WARM reply an earlier run stored but never announced (it was killed before): announced by this run. */
  earlier?: boolean;
}

type Usage = Parameters<typeof recordSpend>[4];
interface Classified {
  c: Classification;
  classifier: string;
  /** What the model calls for this message cost (also when their output was refused): a spend row. */
  usage?: Usage;
  /** The provider and model the usage was billed by. */
  provider?: string;
  model?: string;
  modelError?: string;
}

/**
 * `notReply`: asked only before a model call, whether the message is a lead's mail that answers nothing we sent
 * (threadMessage's notReply). Its intent changes nothing (it is stored UNRELATED), so the model is not paid to read
 * it: a first sync of a mailbox holding years of a store's mail would otherwise send every one of them to the model.
 * Stop requests are still found offline (classifyAutomatic), as for every message.
 */
async function classify(p: ParsedMessage, o: ProcessOptions, notReply?: () => boolean): Promise<Classified> {
  const { result, bodyText } = classifyAutomatic(p.input);
  if (result) return { c: result, classifier: 'offline' };
  if (o.classifier && bodyText.trim() && !notReply?.()) {
    const b = o.breaker;
    if (b?.open) {
      b.offline++;
      const offline = classifyIntent(bodyText, p.subject);
      return {
        c: { label: offline.label, confidence: offline.confidence, reason: offline.reason, lang: offline.lang, bodyText },
        classifier: 'offline',
        modelError: `model turned off for this run (${b.disabled!.slice(0, 200)})`,
      };
    }
    const started = Date.now();
    try {
      // Only what the person wrote goes to the model, as data; its answer only labels this message.
      const r = await o.classifier.classifyReply({ subject: p.subject, text: bodyText.slice(0, 8000) }, { signal: o.signal });
      b?.succeeded();
      return {
        c: { label: r.label, confidence: r.confidence, reason: r.reason.slice(0, 300), bodyText },
        classifier: o.classifier.provider,
        usage: r.usage,
        provider: o.classifier.provider,
        model: o.classifier.model,
      };
    } catch (err) {
      if (o.signal?.aborted) throw err;
      b?.failed(err, Date.now() - started);
      if (b) b.offline++;
      const offline = classifyIntent(bodyText, p.subject);
      // Answers that were billed but refused (invalid output) still cost money: recorded like the others.
      const billed = (err as { usage?: Usage }).usage;
      const paid = billed && billed.inputTokens + billed.outputTokens + billed.cacheReadTokens + billed.cacheWriteTokens > 0;
      return {
        c: { label: offline.label, confidence: offline.confidence, reason: offline.reason, lang: offline.lang, bodyText },
        classifier: 'offline',
        modelError: (err as Error).message.slice(0, 300),
        ...(paid ? { usage: billed, provider: o.classifier.provider, model: o.classifier.model } : {}),
      };
    }
  }
  const offline = classifyIntent(bodyText, p.subject);
  return { c: { label: offline.label, confidence: offline.confidence, reason: offline.reason, lang: offline.lang, bodyText }, classifier: 'offline' };
}

/**
 * A message's result with nothing stored: its keys in the order `{ ...base, status }` gave them. Results are built as
 * plain literals: in V8 an object spread followed by more keys (and an `effects` given again) cost 2-25 us an object,
 * more than storing the message.
 */
function unstored(p: ParsedMessage, status: 'own' | 'duplicate'): ProcessedMessage {
  return { messageId: p.messageId, from: p.from, subject: p.subject, problems: p.problems, effects: [], status };
}

/** Our own copy, or a message stored before (refreshes where it lives): never classified again. */
function ownOrDuplicate(db: Db, p: ParsedMessage, where: StoredInbound, o: ProcessOptions, inTx?: () => void): ProcessedMessage | null {
  const seen = ownOrStored(db, p, o.ownAddresses);
  if (seen === 'own') {
    if (inTx) tx(db, inTx);
    return unstored(p, 'own');
  }
  const stored = seen === 'stored' ? p.messageId : p.legacyIds?.find((id) => inboundExists(db, id));
  if (stored) {
    tx(db, () => {
      touchInbound(db, stored, where);
      inTx?.();
    });
    return unstored(p, 'duplicate');
  }
  return null;
}

/** Threads, stores and applies the effects of a classified message, in one transaction. */
function commitMessage(
  db: Db,
  p: ParsedMessage,
  r: Classified,
  where: StoredInbound,
  o: ProcessOptions,
  inTx?: () => void,
): ProcessedMessage {
  const { classifier, usage, provider, model, modelError } = r;
  const now = (o.now ?? (() => new Date()))();
  // Reads only: what the message answers, and so what is stored.
  const thread = () => {
    const bounce = r.c.label === 'BOUNCE';
    const m = threadMessage(db, p, { bounceRecipient: bounce ? r.c.bounceRecipient : undefined, checkDate: !bounce, now });
    // A lead's mail that answers nothing we sent is stored UNRELATED, not as a human reply (see storedClassification).
    return { m, c: storedClassification(r.c, m) };
  };
  let inserted: number | null = null;
  const write = (m: Match, c: StoredClassification, bounce?: BounceVerdict): ProcessedMessage => {
    // The time the message is stored, for all its rows (what strftime('%Y-%m-%dT%H:%M:%fZ','now') gave each).
    const at = new Date().toISOString();
    // `where` with this classifier, as a literal (what `{ ...where, classifier }` gave, without the spread's cost).
    const stored: StoredInbound = { mailboxId: where.mailboxId, folder: where.folder, uid: where.uid, uidValidity: where.uidValidity, classifier };
    const id = (inserted = insertInbound(db, p, c, m, stored, at));
    inTx?.();
    if (id === null) return unstored(p, 'duplicate');
    if (usage) recordSpend(db, id, provider ?? classifier, model ?? '', usage, o.runId);
    const effects = applyEffects(db, p, c, m, id, { softBounceLimit: o.softBounceLimit, now, runId: o.runId, at, bounce });
    // The keys in the order `{ ...base, status, label, ... }` gave them (see unstored).
    return {
      messageId: p.messageId,
      from: p.from,
      subject: p.subject,
      problems: p.problems,
      effects,
      status: 'stored',
      label: c.label,
      confidence: c.confidence,
      reason: c.reason,
      bounceType: c.bounceType,
      returnDate: c.returnDate,
      leadId: m.leadId,
      match: m.how,
      modelError,
      bodyText: c.bodyText,
    };
  };
  // Alone: its own transaction, reads included.
  if (!db.sqlite.inTransaction) {
    return tx(db, () => {
      const { m, c } = thread();
      return write(m, c);
    });
  }
  // In a batch (CommitBatch): a message that fails half-way must leave nothing behind, as the batch goes on and
  // commits the others. A savepoint (atomic) does that, at a price: SQLite copies every page the message then
  // changes (10-15 pages of 8 KiB: its rows and their index entries, all pages written before) to the savepoint's
  // journal, which cost more than the writes themselves (a first sync of 10,000 messages wrote 1 GB to a temp file).
  // It is left out when nothing can fail half-way (effectsMayFailHalfway): the reads come first, then only
  // statements that no data can make fail. Should one fail all the same (I/O, memory), the message's row is removed
  // again, so that it is not taken for stored: the run reports it as failed, as before, and whatever stores it later
  // applies its effects anew (updates and ON CONFLICT DO NOTHING inserts, which change nothing the second time, but
  // an event written before the failure, which would then be there twice); the effects written before the failure
  // stay. An I/O error or a full disk while SQLite writes pages leaves its pager in its error state: the batch's
  // COMMIT then fails and rolls everything back.
  const { m, c } = thread();
  // A bounce about something we sent: its report is read now, before anything is written (applyEffects would read it
  // after the insert, the same way: bounceVerdict is pure), and so it needs no savepoint. Should it throw, nothing of
  // the message is written, as when the savepoint rolled it back.
  const bounce = c.label === 'BOUNCE' && (m.leadId || m.outboundId) ? bounceVerdict(p, c, m) : undefined;
  if (inTx || usage || effectsMayFailHalfway(c, m, bounce !== undefined)) return atomic(db, () => write(m, c, bounce));
  try {
    return write(m, c, bounce);
  } catch (err) {
    if (inserted !== null) forgetInbound(db, inserted);
    throw err;
  }
}

/**
 * Processes one raw message. `inTx` runs inside the same transaction as the insert (sync uses it to
 * move the folder's last UID forward with the message, so a cut connection loses nothing). `size`: the
 * message's whole size when `source` is only its start.
 */
export async function processRaw(db: Db, source: Buffer, where: StoredInbound, o: ProcessOptions, inTx?: () => void, size?: number): Promise<ProcessedMessage> {
  const p = await parseMessage(source, o.limits ?? DEFAULT_LIMITS, size ? { size } : {});
  const seen = ownOrDuplicate(db, p, where, o, inTx);
  if (seen) return seen;
  const now = (o.now ?? (() => new Date()))();
  const r = await classify(p, o, () => Boolean(threadMessage(db, p, { now }).notReply));
  if (r.modelError) p.problems.push(`model classification failed, used offline: ${r.modelError}`);
  return commitMessage(db, p, r, where, o, inTx);
}

/**
 * Stores a message already parsed and classified offline (by analyzeOffline, on the worker thread):
 * the same checks, transaction and effects as processRaw with no model.
 */
export function storeAnalyzed(db: Db, a: Analyzed, where: StoredInbound, o: ProcessOptions, inTx?: () => void): ProcessedMessage {
  const seen = ownOrDuplicate(db, a.p, where, o, inTx);
  if (seen) return seen;
  if (!a.c) throw new Error(a.classifyError ?? 'classification failed');
  return commitMessage(db, a.p, { c: a.c, classifier: 'offline' }, where, o, inTx);
}

export interface InboxSummary {
  scanned: number;
  stored: number;
  duplicates: number;
  own: number;
  byLabel: Record<string, number>;
  problems: number;
  warm: ProcessedMessage[];
  errors: string[];
}

export function emptySummary(): InboxSummary {
  return { scanned: 0, stored: 0, duplicates: 0, own: 0, byLabel: {}, problems: 0, warm: [], errors: [] };
}

export function addToSummary(s: InboxSummary, r: ProcessedMessage): void {
  s.scanned++;
  if (r.status === 'own') s.own++;
  else if (r.status === 'duplicate') s.duplicates++;
  else {
    s.stored++;
    if (r.label) s.byLabel[r.label] = (s.byLabel[r.label] ?? 0) + 1;
    if (r.label === 'WARM') s.warm.push(r);
  }
  if (r.problems.length) s.problems++;
}
