// Is an address worth writing to? Syntax, disposable domains (mailchecker's maintained list), role accounts
// (flagged, never dropped: info@ is often a small store's only address) and the MX verdict from a DNS lookup
// the caller performs. No SMTP probing of recipients, ever.
import MailChecker from 'mailchecker';
import type { MxLookup } from '../adapters/dns.js';
import { normalizeEmail, isRoleAccount, ROLE_LOCALS } from './normalize.js';

export { isRoleAccount, ROLE_LOCALS };

export type Validation = 'unchecked' | 'syntax_ok' | 'valid' | 'invalid' | 'no_mx' | 'disposable';

export interface EmailCheck {
  email: string;
  validation: Validation;
  reason: string | null;
  isRole: boolean;
}

const NO_REPLY = /^(no-?reply|do-?not-?reply|donotreply|mailer-daemon|bounces?)([.+\-_].*)?$/;

export function isDisposable(domain: string): boolean {
  const list = MailChecker.blacklist();
  let d = domain.toLowerCase();
  for (;;) {
    if (list.has(d)) return true;
    const i = d.indexOf('.');
    if (i === -1) return false;
    d = d.slice(i + 1);
  }
}

/** The checks that need no network: syntax, no-reply, disposable, role. */
export function checkEmailOffline(input: string): EmailCheck {
  const n = normalizeEmail(input);
  if (!n.ok) return { email: input.trim().toLowerCase(), validation: 'invalid', reason: n.reason, isRole: false };
  const { email, local, domain } = n.value;
  const isRole = isRoleAccount(local);
  if (NO_REPLY.test(local)) return { email, validation: 'invalid', reason: 'a no-reply address: nobody reads it', isRole };
  if (isDisposable(domain)) return { email, validation: 'disposable', reason: `${domain} is a disposable-email domain`, isRole };
  return { email, validation: 'syntax_ok', reason: null, isRole };
}

/** Turns an MX lookup into a validation verdict for an address that passed the offline checks. */
export function applyMx(check: EmailCheck, mx: MxLookup): EmailCheck {
  if (check.validation !== 'syntax_ok') return check;
  const domain = check.email.split('@')[1]!;
  switch (mx.kind) {
    case 'mx':
      return { ...check, validation: 'valid', reason: `MX ${mx.records[0]!.exchange}` };
    case 'no_mx':
      return mx.hasAddress
        ? { ...check, validation: 'valid', reason: `no MX record; mail goes to ${domain}'s address record (RFC 5321 implicit MX)` }
        : { ...check, validation: 'no_mx', reason: `${domain} has no MX or address record: mail cannot be delivered` };
    case 'null_mx':
      return { ...check, validation: 'no_mx', reason: `${domain} publishes a null MX: it accepts no mail` };
    case 'nxdomain':
      return { ...check, validation: 'invalid', reason: `${domain} does not exist (NXDOMAIN)` };
    case 'error':
      return { ...check, reason: `${mx.message}; only the syntax was checked` };
  }
}

export async function validateEmail(input: string, lookupMx?: (domain: string) => Promise<MxLookup>): Promise<EmailCheck> {
  const check = checkEmailOffline(input);
  if (check.validation !== 'syntax_ok' || !lookupMx) return check;
  return applyMx(check, await lookupMx(check.email.split('@')[1]!));
}
