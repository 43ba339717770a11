import { fold, lastFoldAscii, MAX_CLASSIFY_CHARS } from './text.js';

// The shape every classifier reads: a parsed message reduced to what matters, built by the inbox
// stage from mailparser's output (or by tests directly). Pure data, no I/O.
export type Label = 'BOUNCE' | 'AUTO_REPLY' | 'UNSUBSCRIBE' | 'WARM' | 'COLD' | 'NEUTRAL';
export const LABELS: readonly Label[] = ['BOUNCE', 'AUTO_REPLY', 'UNSUBSCRIBE', 'WARM', 'COLD', 'NEUTRAL'];
export type BounceType = 'hard' | 'soft';

export interface MailInput {
  /** Header values by lower-case name (decoded), in order. */
  headers: Record<string, string[]>;
  subject: string;
  /** The sender's address, lower case ('' when missing). */
  from: string;
  fromName?: string;
  /** The plain-text body (or HTML rendered to text). */
  text: string;
  /** The top-level Content-Type value with parameters. */
  contentType: string;
  /** Text of message/delivery-status parts (RFC 3464), if any. */
  deliveryStatus?: string;
  /** Text of message/feedback-report parts (RFC 5965, ARF), if any. */
  feedbackReport?: string;
  /** Headers of the original message attached to a bounce (message/rfc822 or text/rfc822-headers). */
  originalHeaders?: string;
  /** When the message was sent (reference for relative return dates). */
  date?: Date;
}

export interface Classification {
  label: Label;
  confidence: number;
  reason: string;
  bounceType?: BounceType;
  /** For bounces: the recipient that failed, the DSN status and a short category. */
  bounceRecipient?: string;
  bounceStatus?: string;
  bounceCategory?: string;
  /** A delay warning ("will be retried"): the sending server still tries, so it is not a soft bounce yet. */
  bounceDelayed?: boolean;
  /** For out-of-office replies: YYYY-MM-DD. */
  returnDate?: string;
  /** For automatic replies: the person has left, or the mailbox is no longer read. */
  departed?: boolean;
  /**
   * For unsubscribe requests that ask for the whole company to be left alone ("remove our whole company",
   * "take our domain off your list", "ne plus contacter personne chez nous"): the sender's domain (and the
   * lead's) is to be suppressed too, not only the sender's address.
   */
  domainWide?: boolean;
  /**
   * For automatic mail: bulk or list mail (a newsletter, a shop's order or shipping notice), told by its
   * headers (List-Id, List-Unsubscribe, Precedence: bulk) or by its body (an unsubscribe footer, "view in
   * browser", "you receive this because…"). Nobody asked us anything: no stop, no pause, no suppression.
   */
  bulk?: boolean;
  /** For ARF spam complaints. */
  complaint?: boolean;
  /** The language guessed for the text (en, de, fr, es, it, nl, pt). */
  lang?: string;
  /** What the person wrote (quotes and signature stripped). */
  bodyText?: string;
}

// The same strings (subject, body) are folded by several detectors in a row: remember the last few.
const foldKeys: string[] = [];
const foldVals: string[] = [];
let foldNext = 0;

/** fold(s), computed once for the last few distinct strings (same result, less work). */
export function foldMemo(s: string): string {
  for (let i = 0; i < foldKeys.length; i++) if (foldKeys[i] === s) return foldVals[i]!;
  const v = fold(s);
  remember(s, v);
  // Folded text is folded again by some readers (the language guess reads the folded body). An ASCII result of at
  // most MAX_CLASSIFY_CHARS characters is its own fold: no accents to remove, no backtick, already lower case, not
  // cut. Remembered as such, its fold costs nothing.
  // (When the input was ASCII its fold is too, known without scanning it again: lastFoldAscii, set by fold.)
  if (v !== s && v.length <= MAX_CLASSIFY_CHARS && (lastFoldAscii || !NON_ASCII.test(v))) remember(v, v);
  return v;
}

const NON_ASCII = /[^\x00-\x7f]/;

function remember(s: string, v: string): void {
  foldKeys[foldNext] = s;
  foldVals[foldNext] = v;
  foldNext = (foldNext + 1) % 8;
}

export function header(input: MailInput, name: string): string {
  return input.headers[name.toLowerCase()]?.[0] ?? '';
}
