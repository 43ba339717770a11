// Classifies one inbound message, in the order that matters: bounces first (many real bounces carry
// `Auto-Submitted: auto-replied`), then automatic replies, then requests to stop, then the intent of
// what the person wrote. Pure: the inbox stage parses mail into a MailInput and applies the effects.
import { detectBounce } from './bounce.js';
import { detectAutoReply } from './autoreply.js';
import { detectUnsubscribe, isComplaint } from './unsubscribe.js';
import { classifyIntent } from './intent.js';
import { stripReply } from './strip.js';
import { guessLanguage } from './lang.js';
import type { Classification, MailInput } from './types.js';

export * from './types.js';
export { detectBounce, parseDeliveryStatus } from './bounce.js';
export { detectAutoReply } from './autoreply.js';
export { detectUnsubscribe, isComplaint } from './unsubscribe.js';
export { classifyIntent } from './intent.js';
export { stripReply } from './strip.js';
export { extractReturnDate, findDates } from './dates.js';
export { htmlToText, fold } from './text.js';
export { guessLanguage } from './lang.js';

/**
 * Everything but intent: a bounce, an automatic reply or a request to stop is decided here without
 * a model. Returns null for a human reply whose intent is still to be read (offline or by a model),
 * with the stripped text in `bodyText`.
 */
export function classifyAutomatic(input: MailInput): { result: Classification | null; bodyText: string } {
  const r = classifyAutomaticRaw(input);
  if (r.result) r.result.confidence = round2(r.result.confidence);
  return r;
}

function classifyAutomaticRaw(input: MailInput): { result: Classification | null; bodyText: string } {
  if (isComplaint(input)) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: 0.99, reason: 'spam complaint (ARF feedback report)', complaint: true, domainWide: false, bodyText: '' },
      bodyText: '',
    };
  }
  const bounce = detectBounce(input);
  if (bounce) {
    return {
      result: {
        label: 'BOUNCE',
        confidence: bounce.confidence,
        reason: bounce.reason,
        bounceType: bounce.type,
        bounceRecipient: bounce.recipient,
        bounceStatus: bounce.status,
        bounceCategory: bounce.category,
        ...(bounce.delayed ? { bounceDelayed: true } : {}),
      },
      bodyText: '',
    };
  }
  const stripped = stripReply(input.text);
  const bodyText = stripped.text;
  // The language only goes into an automatic result: guessed when one is returned.
  let auto = detectAutoReply(input, bodyText || input.text);
  if (auto && !auto.strong) {
    // Only the text says "away": a person who also says yes or no is a human reply (never lose a WARM one).
    const intent = classifyIntent(bodyText, input.subject);
    if ((intent.label === 'WARM' || intent.label === 'COLD') && intent.scores[intent.label] >= 3) auto = null;
  }
  if (auto) {
    return {
      result: {
        label: 'AUTO_REPLY',
        confidence: auto.confidence,
        reason: auto.reason,
        returnDate: auto.returnDate,
        departed: auto.departed,
        lang: guessLanguage(bodyText || input.subject),
        bodyText,
      },
      bodyText,
    };
  }
  const unsub = detectUnsubscribe(bodyText, input.subject);
  if (unsub) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: unsub.confidence, reason: unsub.reason, domainWide: unsub.domainWide, complaint: false, lang: guessLanguage(bodyText || input.subject), bodyText },
      bodyText,
    };
  }
  return { result: null, bodyText };
}

/** The whole offline classification. */
export function classifyMail(input: MailInput): Classification {
  const { result, bodyText } = classifyAutomatic(input);
  if (result) return result;
  const intent = classifyIntent(bodyText, input.subject);
  return { label: intent.label, confidence: round2(intent.confidence), reason: intent.reason, lang: intent.lang, bodyText };
}

/** Confidence to two decimals: 0.86, never 0.8600000000000001 in JSON. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
