// The CPU-only half of processing a message: parse it and classify it offline. No database, no
// network, so `inbox sync` runs it on a worker thread (analyze-worker.ts) while the main thread keeps
// reading IMAP and committing earlier messages. Same functions either way: results are identical.
import { classifyAutomatic, classifyIntent, type Classification } from '../../domain/classify/index.js';
import { parseMessage, DEFAULT_LIMITS, type ParseLimits, type ParsedMessage } from './parse.js';

export interface Analyzed {
  p: ParsedMessage;
  /** The offline classification; null when the classifier threw (classifyError says why). */
  c: Classification | null;
  classifyError?: string;
}

/** The offline classification of a parsed message: bounce, auto-reply, unsubscribe, else intent. */
export function classifyOffline(p: ParsedMessage): Classification {
  const { result, bodyText } = classifyAutomatic(p.input);
  if (result) return result;
  const offline = classifyIntent(bodyText, p.subject);
  return { label: offline.label, confidence: offline.confidence, reason: offline.reason, lang: offline.lang, bodyText };
}

export async function analyzeOffline(source: Buffer, limits: ParseLimits = DEFAULT_LIMITS): Promise<Analyzed> {
  const p = await parseMessage(source, limits);
  try {
    return { p, c: classifyOffline(p) };
  } catch (err) {
    // Reported only if the message is new (own copies and duplicates are never classified).
    return { p, c: null, classifyError: (err as Error).message };
  }
}
