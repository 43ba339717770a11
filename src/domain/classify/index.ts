// Classifies one inbound message, in the order that matters: bounces first (many real bounces carry
// `Auto-Submitted: auto-replied`), then automatic replies, then requests to stop, then the intent of
// what the person wrote. Pure: the inbox stage parses mail into a MailInput and applies the effects.
import { detectBounce } from './bounce.js';
import { detectAutoReply, detectBulkBody, saysAutomatic, withoutBulkLines } from './autoreply.js';
import { complaintKind, detectUnsubscribe } from './unsubscribe.js';
import { classifyIntent } from './intent.js';
import { stripReply } from './strip.js';
import { guessLanguage } from './lang.js';
import { foldMemo, header, type Classification, type MailInput } from './types.js';

export * from './types.js';
export { detectBounce, parseDeliveryStatus } from './bounce.js';
export { detectAutoReply, detectBulkBody } from './autoreply.js';
export { detectUnsubscribe, isComplaint, footerOffer } from './unsubscribe.js';
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
  const complaint = complaintKind(input);
  if (complaint !== null) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: 0.99, reason: `spam complaint (${complaint})`, complaint: true, domainWide: false, bodyText: '' },
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
  // A request to stop sent by a mail client on the person's behalf (Apple Mail's "Unsubscribe" banner, Outlook.com,
  // Gmail), to the mailto of our own List-Unsubscribe header: it may carry `Auto-Submitted: auto-replied`, but it
  // is the person's request, never an out-of-office notice.
  const clientUnsub = clientUnsubscribe(input);
  if (clientUnsub) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: 0.97, reason: clientUnsub, domainWide: false, complaint: false, lang: guessLanguage(bodyText || input.subject), bodyText },
      bodyText,
    };
  }
  // The language only goes into an automatic result: guessed when one is returned.
  let auto = detectAutoReply(input, bodyText || input.text);
  if (auto && auto.textOnly && stripped.hadQuote && isThreadedReply(input) && !saysAutomatic(foldMemo((bodyText || input.text).slice(0, 8000)))) {
    // Only the wording suggested an out-of-office, and the message answers ours the way a person does: it is
    // threaded to it (In-Reply-To/References), quotes it under an attribution line or separator, and carries no
    // RFC 3834 header nor an automatic subject. "I'm on holiday, back on Monday. Yes, please send the example."
    // is a human reply: its intent decides (WARM, or NEUTRAL for "estou de férias, falamos em janeiro").
    auto = null;
  }
  if (auto && !auto.away && auto.kind !== 'bulk') {
    // Automatic mail that is no out-of-office and asks to stop ("Auto-Submitted: auto-generated" + "Please remove
    // us from your list"): a request to stop sent by a machine on the person's behalf. A notice about someone
    // away keeps its label even with an unsubscribe footer of its own (read as a footer's offer, not a request),
    // and list mail (List-Id, Precedence: bulk) is nobody's request to us.
    const stop = detectUnsubscribe(requestLines(bodyText || input.text), '', { bulk: true });
    if (stop) {
      return {
        result: { label: 'UNSUBSCRIBE', confidence: stop.confidence, reason: `automated request: ${stop.reason}`, domainWide: stop.domainWide, complaint: false, lang: guessLanguage(bodyText || input.subject), bodyText },
        bodyText,
      };
    }
  }
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
        ...(auto.kind === 'bulk' ? { bulk: true } : {}),
        lang: guessLanguage(bodyText || input.subject),
        bodyText,
      },
      bodyText,
    };
  }
  // Bulk mail told by its body (a store's newsletter or order notice without List-Unsubscribe): its own
  // unsubscribe footer is no request to us. In a reply only what the person wrote counts (our quoted footer
  // does not), and only strong evidence: a person does not write "view in browser | manage preferences".
  let unsub = null as ReturnType<typeof detectUnsubscribe>;
  const isReply = Boolean(header(input, 'in-reply-to') || header(input, 'references')) || REPLY_SUBJECT.test(input.subject);
  const bulk = detectBulkBody(isReply ? bodyText : input.text);
  if (bulk && (bulk.strong || !isReply)) {
    // A real request to stop, written above a footer of the sender's own ("please unsubscribe me"), still counts.
    unsub = detectUnsubscribe(bodyText, input.subject, { bulk: true });
    if (!unsub) {
      let human = false;
      if (!bulk.strong) {
        // What a person would have written above the footer: the footer's own lines ("don't want these
        // emails? unsubscribe here") say nothing of the sender's intent.
        const intent = classifyIntent(withoutBulkLines(bodyText), input.subject);
        human = (intent.label === 'WARM' || intent.label === 'COLD') && intent.scores[intent.label] >= 3;
      }
      if (!human) {
        return {
          result: { label: 'AUTO_REPLY', confidence: bulk.confidence, reason: bulk.reason, bulk: true, lang: guessLanguage(bodyText || input.subject), bodyText },
          bodyText,
        };
      }
    }
  }
  unsub ??= detectUnsubscribe(bodyText, input.subject);
  if (unsub) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: unsub.confidence, reason: unsub.reason, domainWide: unsub.domainWide, complaint: false, lang: guessLanguage(bodyText || input.subject), bodyText },
      bodyText,
    };
  }
  return { result: null, bodyText };
}

/**
 * A request to stop sent by a mail client for the person, as our List-Unsubscribe mailto asks
 * (`?subject=unsubscribe`): Apple Mail marks it `X-Apple-Unsubscribe: true`; others (Outlook.com, Gmail) send the
 * mailto's subject as is. The reason, or null.
 */
function clientUnsubscribe(input: MailInput): string | null {
  if (/^\s*(true|yes|1)\b/i.test(header(input, 'x-apple-unsubscribe'))) return 'unsubscribe sent by Apple Mail (X-Apple-Unsubscribe)';
  if (/^\s*unsubscribe\s*$/i.test(input.subject)) return 'unsubscribe subject (List-Unsubscribe mailto)';
  return null;
}

/**
 * The lines of an automatic message that can carry a request to stop: not a link line ("Unsubscribe from these
 * notifications: https://…") nor a footer line with an unsubscribe word that names nobody ("Manage preferences |
 * Unsubscribe"); "please remove this address from your list" stays.
 */
function requestLines(text: string): string {
  return text
    .slice(0, 12000)
    .split('\n')
    .filter((line) => !/https?:\/\/|www\.|mailto:/i.test(line) && (withoutBulkLines(line).trim() !== '' || /\b(me|us|my|our|this (e-?mail )?address|mich|uns|moi|nous|nos|nuestr\w*|ci|noi|mij|ons|nos|nosso|nossa)\b/i.test(line)))
    .join('\n');
}

/** Threaded to an earlier message by its headers. */
function isThreadedReply(input: MailInput): boolean {
  return Boolean(header(input, 'in-reply-to') || header(input, 'references'));
}

/** A reply or a forward by its subject prefix (Re:, AW:, Fwd:, TR:, RV:...). */
const REPLY_SUBJECT = /^\s*(re|aw|antw|antwort|sv|vs|r|rif|res|ref|wg|fw|fwd|tr|rv|enc|doorst)\s*(\[\d+\]|\(\d+\))?\s*:/i;

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
