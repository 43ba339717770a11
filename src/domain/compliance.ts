// The rules every draft must pass before it can be approved (CAN-SPAM, GDPR/PECR for EU and UK recipients,
// and deliverability). Each result says what is wrong and how to fix it; one failure blocks the draft.
import { UNSUBSCRIBE_URL_MARKER } from './unsubscribe.js';
import { extractLinks, hostAllowed, hostOf } from './claims.js';
import { rawPlaceholders, splitBody } from './template.js';

export interface RuleResult {
  rule: string;
  ok: boolean;
  message: string;
  fix?: string;
}

export interface ComplianceSettings {
  sender: { name: string; company: string; email: string; postal_address: string; sending_domain: string; website: string; allowed_link_domains: string[] };
  compliance: { lawful_basis: 'none' | 'legitimate_interest' | 'consent'; max_words: number; max_subject_chars: number };
  unsubscribe: { base_url: string; mailto: string };
}

export interface ComplianceInput {
  subject: string;
  body: string;
  /** 1 = the first email of the sequence. */
  position: number;
  recipient: {
    email: string;
    /** ISO country of the store/recipient when known. */
    country: string | null;
    /** A suppression hit (findSuppression), if any. */
    suppressed: { reason: string; kind?: string } | null;
  };
  /** The lead's own domains (its store), which an email may name. */
  leadDomains?: string[];
}

/** EU and EEA member states plus the UK (GDPR / UK GDPR and PECR). */
export const EU_UK = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GB'.split(' '),
);
const CC_TLD_ALIAS: Record<string, string> = { uk: 'GB', el: 'GR' };

/** The recipient's country: given, else from a country-code TLD of the address (`.de`, `.co.uk`). */
export function recipientCountry(country: string | null | undefined, email: string, domain?: string): string | null {
  if (country) return country.toUpperCase();
  for (const host of [email.slice(email.lastIndexOf('@') + 1), domain ?? '']) {
    const tld = host.toLowerCase().split('.').pop() ?? '';
    if (tld === 'eu') return 'EU';
    if (tld.length === 2) return (CC_TLD_ALIAS[tld] ?? tld.toUpperCase());
  }
  return null;
}

export function isEuUk(country: string | null): boolean {
  return Boolean(country && (country === 'EU' || EU_UK.has(country)));
}

/** Domains an email may link to: the sender's own, the unsubscribe host and the configured allow-list. */
export function allowedLinkDomains(s: ComplianceSettings): string[] {
  const d = [
    s.sender.sending_domain,
    hostOf(s.sender.website),
    hostOf(s.sender.email),
    hostOf(s.unsubscribe.base_url),
    hostOf(s.unsubscribe.mailto),
    ...s.sender.allowed_link_domains.map(hostOf),
  ]
    .map((x) => x.toLowerCase().replace(/^www\./, ''))
    .filter(Boolean);
  return [...new Set(d)];
}

/** Phrases spam filters and recipients read as spam. Matched as whole words, case-insensitively. */
export const SPAM_TRIGGERS = [
  '100% free', 'act now', 'apply now', 'as seen on', 'buy now', 'call now', 'cash bonus', 'click here', 'click below',
  'congratulations', 'dear friend', 'double your', 'earn money', 'extra cash', 'fast cash', 'for free', 'free gift',
  'free money', 'get paid', 'guaranteed', 'increase sales', 'limited time', 'make money', 'miracle', 'no cost',
  'no obligation', 'not spam', 'once in a lifetime', 'order now', 'risk-free', 'risk free', 'special promotion',
  'this is not spam', 'urgent', 'winner', 'you have been selected', "you've been selected", 'million dollars',
  'lowest price', 'best price', 'cancel at any time', 'no catch', 'no strings attached', 'viagra', 'crypto', 'bitcoin',
];

const SPAM_RES = SPAM_TRIGGERS.map((p) => [p, new RegExp(`(^|[^\\p{L}])${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\p{L}]|$)`, 'u')] as const);

function words(text: string): number {
  return (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).length;
}

const squash = (s: string) => s.toLowerCase().replace(/[\s,;]+/g, ' ').trim();

export function checkCompliance(input: ComplianceInput, s: ComplianceSettings): RuleResult[] {
  const r: RuleResult[] = [];
  const add = (rule: string, ok: boolean, message: string, fix?: string) => r.push(ok ? { rule, ok, message } : { rule, ok, message, fix });
  const full = input.body;
  const { body: written } = splitBody(full);

  // Sender identity.
  const ids = [s.sender.name, s.sender.company].map((x) => x.trim()).filter(Boolean);
  if (!ids.length) add('sender_identity', false, 'No sender name or company is set.', 'Set sender.name and sender.company in outreach.yaml.');
  else {
    const present = ids.some((id) => squash(full).includes(squash(id)));
    add('sender_identity', present, present ? 'The sender is identified.' : `The email does not name the sender (${ids.join(' / ')}).`, 'Keep the template footer with {{sender_name}} and {{sender_company}}.');
  }

  // Physical postal address.
  const addr = s.sender.postal_address.trim();
  if (!addr) add('postal_address', false, 'No postal address is set; every commercial email must carry one.', 'Set sender.postal_address in outreach.yaml to a real physical address.');
  else {
    const present = squash(full).includes(squash(addr));
    add('postal_address', present, present ? 'The postal address is in the email.' : 'The postal address is missing from the email.', 'Keep {{sender_postal_address}} in the template footer.');
  }

  // A working unsubscribe line.
  const markerLine = full.split('\n').find((l) => l.includes(UNSUBSCRIBE_URL_MARKER));
  const canWork = Boolean(s.unsubscribe.base_url.trim() || s.unsubscribe.mailto.trim() || s.sender.email.trim());
  const badBase = s.unsubscribe.base_url.trim() && !/^https?:\/\/[^\s/]+/i.test(s.unsubscribe.base_url.trim());
  if (!markerLine) add('unsubscribe', false, 'The email has no unsubscribe link.', 'Keep {{unsubscribe_url}} in the template footer (send fills in the link for each message).');
  else if (!/unsubscribe|opt[ -]?out|stop receiving|no longer (want|wish) to receive/i.test(markerLine.split(UNSUBSCRIBE_URL_MARKER).join(' ')))
    add('unsubscribe', false, 'The unsubscribe link is not introduced as an unsubscribe line.', 'Write it as e.g. "Unsubscribe: {{unsubscribe_url}}".');
  else if (!canWork || badBase)
    add('unsubscribe', false, badBase ? `unsubscribe.base_url "${s.unsubscribe.base_url}" is not an http(s) URL.` : 'No unsubscribe destination is configured.', 'Set unsubscribe.base_url (where `outreach serve` answers) or unsubscribe.mailto in outreach.yaml.');
  else add('unsubscribe', true, 'The unsubscribe line is present.');

  // Deceptive subject.
  const subj = input.subject.trim();
  if (!subj) add('subject', false, 'The subject is empty.', 'Write a short, honest subject.');
  else if (input.position === 1 && /^\s*(re|fwd?|fw|aw|wg|tr|sv|vs|antw)\s*(\[\d+\])?\s*:/i.test(subj))
    add('subject', false, `The first email's subject "${subj}" pretends to be a reply or a forward.`, 'Remove the "Re:"/"Fwd:" prefix: only real follow-ups in a thread may carry it.');
  else if (/[A-Z]{4,}/.test(subj) && subj === subj.toUpperCase() && /[A-Z]/.test(subj))
    add('subject', false, 'The subject is in capitals.', 'Write the subject in normal case.');
  else add('subject', true, 'The subject is honest.');

  // Suppressed recipient.
  const sup = input.recipient.suppressed;
  add(
    'suppression',
    !sup,
    sup ? `${input.recipient.email} is on the suppression list (${sup.reason}).` : 'The recipient is not suppressed.',
    sup ? 'Never mail a suppressed address; reject this draft.' : undefined,
  );

  // Links only to allowed domains.
  const allowed = [...allowedLinkDomains(s), ...(input.leadDomains ?? []).map((d) => d.toLowerCase())];
  const bad = extractLinks(`${input.subject}\n${full}`, [UNSUBSCRIBE_URL_MARKER]).filter((l) => !hostAllowed(l.host, allowed));
  add(
    'links',
    bad.length === 0,
    bad.length ? `Links outside the allowed domains: ${[...new Set(bad.map((b) => b.host))].join(', ')}.` : 'Links only go to allowed domains.',
    bad.length ? 'Remove them, or add the domain to sender.allowed_link_domains in outreach.yaml if it is yours.' : undefined,
  );

  // Length limits.
  const n = words(written);
  const maxW = s.compliance.max_words;
  const maxS = s.compliance.max_subject_chars;
  if (n > maxW) add('length', false, `The body has ${n} words (limit ${maxW}).`, 'Shorten it, or raise compliance.max_words in outreach.yaml.');
  else if (subj.length > maxS) add('length', false, `The subject has ${subj.length} characters (limit ${maxS}).`, 'Shorten the subject.');
  else if (n < 8) add('length', false, `The body has only ${n} words.`, 'Write at least a greeting, one sentence and a sign-off.');
  else add('length', true, `${n} words, subject ${subj.length} characters.`);

  // Spam triggers.
  const hay = `${subj}\n${written}`.toLowerCase();
  const hits = SPAM_RES.filter(([, re]) => re.test(hay)).map(([p]) => p);
  if (/!{2,}|\${2,}|\?{3,}/.test(`${subj}\n${written}`)) hits.push('repeated punctuation (!!, $$)');
  if (/!/.test(subj)) hits.push('an exclamation mark in the subject');
  add('spam_triggers', hits.length === 0, hits.length ? `Spam-filter triggers: ${hits.join(', ')}.` : 'No spam triggers.', hits.length ? 'Rephrase without them.' : undefined);

  // Raw placeholders.
  const raw = rawPlaceholders(`${subj}\n${full}`, [UNSUBSCRIBE_URL_MARKER]);
  add('placeholders', raw.length === 0, raw.length ? `Unfilled placeholders: ${[...new Set(raw)].join(', ')}.` : 'No raw placeholders.', raw.length ? 'Fill them in or remove them.' : undefined);

  // Lawful basis for EU/UK recipients.
  const country = recipientCountry(input.recipient.country, input.recipient.email);
  if (isEuUk(country)) {
    const ok = s.compliance.lawful_basis !== 'none';
    add(
      'lawful_basis',
      ok,
      ok ? `EU/UK recipient (${country}): lawful basis ${s.compliance.lawful_basis} is recorded.` : `The recipient is in the EU/UK (${country}) and no lawful basis is recorded.`,
      ok ? undefined : 'After a legitimate-interest assessment, set compliance.lawful_basis: legitimate_interest (and lawful_basis_note) in outreach.yaml, or do not mail this lead.',
    );
  } else add('lawful_basis', true, country ? `Recipient country ${country}: no EU/UK rule applies.` : 'Recipient country unknown and not an EU/UK address.');
  return r;
}

export function failures(results: RuleResult[]): RuleResult[] {
  return results.filter((x) => !x.ok);
}

export function passes(results: RuleResult[]): boolean {
  return results.every((x) => x.ok);
}
