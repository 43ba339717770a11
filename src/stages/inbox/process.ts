// One message through the inbox: parse → skip our own → classify (bounce, auto-reply, unsubscribe
// offline; intent by the model when one is configured, else offline) → store once → effects, all in
// one transaction. Shared by `inbox sync` (IMAP) and `inbox import` (files).
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { classifyAutomatic, classifyIntent, type Classification } from '../../domain/classify/index.js';
import { parseMessage, DEFAULT_LIMITS, type ParseLimits, type ParsedMessage } from './parse.js';
import { applyEffects, inboundExists, insertInbound, isOwnMessage, recordSpend, threadMessage, touchInbound, type Effect, type Match, type StoredInbound } from './store.js';

/** The part of the draft stage's model adapter the inbox uses. */
export interface ReplyClassifier {
  readonly provider: string;
  readonly model: string;
  classifyReply(
    input: { subject?: string; text: string },
    opts?: { signal?: AbortSignal },
  ): Promise<{ label: 'WARM' | 'COLD' | 'NEUTRAL' | 'UNSUBSCRIBE'; confidence: number; reason: string; usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number } }>;
}

export interface ProcessOptions {
  /** A model for intent; null classifies offline. */
  classifier: ReplyClassifier | null;
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
}

async function classify(p: ParsedMessage, o: ProcessOptions): Promise<{ c: Classification; classifier: string; usage?: Parameters<typeof recordSpend>[4]; model?: string; modelError?: string }> {
  const { result, bodyText } = classifyAutomatic(p.input);
  if (result) return { c: result, classifier: 'offline' };
  if (o.classifier && bodyText.trim()) {
    try {
      // Only what the person wrote goes to the model, as data; its answer only labels this message.
      const r = await o.classifier.classifyReply({ subject: p.subject, text: bodyText.slice(0, 8000) }, { signal: o.signal });
      return {
        c: { label: r.label, confidence: r.confidence, reason: r.reason.slice(0, 300), bodyText },
        classifier: o.classifier.provider,
        usage: r.usage,
        model: o.classifier.model,
      };
    } catch (err) {
      if (o.signal?.aborted) throw err;
      const offline = classifyIntent(bodyText, p.subject);
      return {
        c: { label: offline.label, confidence: offline.confidence, reason: offline.reason, lang: offline.lang, bodyText },
        classifier: 'offline',
        modelError: (err as Error).message.slice(0, 300),
      };
    }
  }
  const offline = classifyIntent(bodyText, p.subject);
  return { c: { label: offline.label, confidence: offline.confidence, reason: offline.reason, lang: offline.lang, bodyText }, classifier: 'offline' };
}

/**
 * Processes one raw message. `inTx` runs inside the same transaction as the insert (sync uses it to
 * move the folder's last UID forward with the message, so a cut connection loses nothing).
 */
export async function processRaw(db: Db, source: Buffer, where: StoredInbound, o: ProcessOptions, inTx?: () => void): Promise<ProcessedMessage> {
  const p = await parseMessage(source, o.limits ?? DEFAULT_LIMITS);
  const base = { messageId: p.messageId, from: p.from, subject: p.subject, problems: p.problems, effects: [] as Effect[] };
  if (isOwnMessage(db, p, o.ownAddresses)) {
    if (inTx) tx(db, inTx);
    return { ...base, status: 'own' };
  }
  if (inboundExists(db, p.messageId)) {
    tx(db, () => {
      touchInbound(db, p.messageId, where);
      inTx?.();
    });
    return { ...base, status: 'duplicate' };
  }
  const { c, classifier, usage, model, modelError } = await classify(p, o);
  if (modelError) p.problems.push(`model classification failed, used offline: ${modelError}`);
  const now = (o.now ?? (() => new Date()))();
  return tx(db, () => {
    const m = threadMessage(db, p, c.label === 'BOUNCE' ? c.bounceRecipient : undefined);
    const id = insertInbound(db, p, c, m, { ...where, classifier });
    inTx?.();
    if (id === null) return { ...base, status: 'duplicate' as const };
    if (usage) recordSpend(db, id, classifier, model ?? '', usage, o.runId);
    const effects = applyEffects(db, p, c, m, id, { softBounceLimit: o.softBounceLimit, now, runId: o.runId });
    return {
      ...base,
      status: 'stored' as const,
      label: c.label,
      confidence: c.confidence,
      reason: c.reason,
      bounceType: c.bounceType,
      returnDate: c.returnDate,
      leadId: m.leadId,
      match: m.how,
      effects,
      modelError,
      bodyText: c.bodyText,
    };
  });
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
