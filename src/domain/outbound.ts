// The outbound message state machine and what an SMTP reply means for a message: sent, try again later,
// give up (and suppress the address when the server says it does not exist), or "we cannot know" (unknown),
// which is never retried blindly. Pure: the send stage feeds it what the SMTP adapter observed.

export const MESSAGE_STATES = ['queued', 'sending', 'sent', 'deferred', 'failed', 'unknown', 'cancelled'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** Allowed moves. `sending → queued` is a release: the message provably never reached the server. */
const TRANSITIONS: Record<MessageState, readonly MessageState[]> = {
  queued: ['sending', 'cancelled'],
  sending: ['sent', 'deferred', 'failed', 'unknown', 'queued'],
  deferred: ['sending', 'cancelled', 'failed'],
  unknown: ['sent', 'queued', 'failed', 'cancelled'],
  sent: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: MessageState, to: MessageState): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}

export function isFinal(s: MessageState): boolean {
  return TRANSITIONS[s].length === 0;
}

/** Where in the SMTP conversation a failure happened (set by the SMTP adapter). */
export type SmtpPhase =
  | 'api' // never reached the wire (closed connection object, bad input)
  | 'connect' // TCP, TLS, greeting, EHLO
  | 'auth'
  | 'mail' // MAIL FROM
  | 'rcpt' // RCPT TO
  | 'data-cmd' // the DATA command itself (before the body)
  | 'data'; // the body was (being) sent: the final reply decides

export interface SmtpFailure {
  phase: SmtpPhase;
  /** nodemailer's error code (EAUTH, ECONNECTION, ETIMEDOUT, EENVELOPE, EMESSAGE, ...). */
  code?: string;
  /** The server's reply code, when it replied. */
  responseCode?: number;
  /** The server's reply text, saved as smtp_response / last_error. */
  response?: string;
}

export type SmtpAction =
  /** Temporary problem with this message: try again after a backoff. */
  | { kind: 'defer'; reason: string }
  /** Permanent failure of this message. hardBounce: the address does not exist → suppress it. */
  | { kind: 'fail'; hardBounce: boolean; reason: string }
  /** The server may have accepted it: settle with --resolve-unknown, never resend blindly. */
  | { kind: 'unknown'; reason: string }
  /** Wrong credentials: stop this mailbox (status auth_failed), the others go on. */
  | { kind: 'auth_failed'; reason: string }
  /** Not sent, and not the message's fault: put it back in the queue and leave this mailbox for this run. */
  | { kind: 'release'; reason: string; retryNow: boolean };

/** "550 5.1.1 <x@y>: user unknown" → "5.1.1" (RFC 3463 enhanced status code), if present. */
export function enhancedStatus(response: string | undefined): string | undefined {
  if (!response) return undefined;
  const m = /(?:^|[\s-])([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$|[^\d.])/.exec(response);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/** Does this permanent reply say the address itself is bad (a hard bounce to suppress)? */
export function isBadAddress(responseCode: number | undefined, response: string | undefined): boolean {
  const es = enhancedStatus(response);
  if (es) {
    // 5.1.x: bad destination mailbox/system address; 5.2.1: mailbox disabled; 5.5.x never for addresses.
    return /^5\.1\.\d+$/.test(es) || es === '5.2.1';
  }
  // No enhanced code: 550 (mailbox unavailable), 551 (user not local), 553 (mailbox name not allowed).
  return responseCode === 550 || responseCode === 551 || responseCode === 553;
}

function reply(f: SmtpFailure): string {
  const text = (f.response ?? '').trim();
  if (text) return text;
  return f.code ? `${f.code}${f.responseCode ? ` ${f.responseCode}` : ''}` : 'no reply';
}

/** What to do with a message after a failed SMTP attempt. */
export function classifySmtpFailure(f: SmtpFailure): SmtpAction {
  const rc = f.responseCode;
  const r = reply(f);
  const temp = rc !== undefined && rc >= 400 && rc < 500;
  const perm = rc !== undefined && rc >= 500 && rc < 600;

  if (f.phase === 'api') return { kind: 'release', reason: `not sent: ${r}`, retryNow: true };

  if (f.phase === 'auth' || f.code === 'EAUTH') {
    // 454 4.7.0 is a temporary authentication failure (server side): try later, keep the mailbox.
    if (temp) return { kind: 'release', reason: `temporary authentication failure: ${r}`, retryNow: false };
    return { kind: 'auth_failed', reason: `SMTP login refused: ${r}` };
  }

  if (f.phase === 'connect') return { kind: 'release', reason: `cannot reach the SMTP server: ${r}`, retryNow: false };

  if (f.phase === 'mail') {
    // The server refuses our sender (rate limit, policy, unverified address): a mailbox problem, not the message's.
    return { kind: 'release', reason: `the server refused the sender: ${r}`, retryNow: false };
  }

  if (f.phase === 'rcpt') {
    if (temp) return { kind: 'defer', reason: r };
    if (perm) {
      if (isBadAddress(rc, f.response)) return { kind: 'fail', hardBounce: true, reason: r };
      return { kind: 'fail', hardBounce: false, reason: r };
    }
    // RCPT without a reply: the connection dropped before DATA, nothing was sent.
    return { kind: 'release', reason: `connection lost before DATA: ${r}`, retryNow: false };
  }

  if (f.phase === 'data-cmd') {
    if (temp) return { kind: 'defer', reason: r };
    if (perm) return { kind: 'fail', hardBounce: false, reason: r };
    return { kind: 'release', reason: `connection lost before DATA: ${r}`, retryNow: false };
  }

  // phase 'data': the body went (at least partly) over the wire.
  if (rc === 421) return { kind: 'defer', reason: r }; // service closing: it did not take the message
  if (temp) return { kind: 'defer', reason: r };
  if (perm) return { kind: 'fail', hardBounce: isBadAddress(rc, f.response), reason: r };
  return { kind: 'unknown', reason: `no reply after DATA (${f.code ?? 'connection lost'}): the server may have accepted it` };
}

/** Seconds to wait before attempt n+1 after n temporary failures: 5 min, 10, 20, ... capped at 6 h. */
export function backoffSeconds(attempts: number): number {
  const n = Math.max(1, attempts);
  return Math.min(300 * 2 ** (n - 1), 6 * 3600);
}

/** After this many temporary failures a message is given up (failed, without suppressing the address). */
export const MAX_ATTEMPTS = 8;

/** Message-ID on the sender's domain, stored without angle brackets. */
export function makeMessageId(domain: string, random: string): string {
  const d = domain.toLowerCase().replace(/^.*@/, '').trim();
  if (!d || !/^[a-z0-9.-]+$/.test(d)) throw new Error(`cannot make a Message-ID on domain "${domain}"`);
  return `${random}@${d}`;
}

export function bracket(messageId: string): string {
  const id = messageId.trim().replace(/^<|>$/g, '');
  return `<${id}>`;
}

export function unbracket(messageId: string): string {
  return messageId.trim().replace(/^<|>$/g, '');
}

/** "Re: " + the first subject, without stacking prefixes. */
export function replySubject(firstSubject: string): string {
  const s = firstSubject.trim();
  return /^re:\s/i.test(s) ? s : `Re: ${s}`;
}
