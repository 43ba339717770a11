import { describe, it, expect } from 'vitest';
import { checkCompliance, allowedLinkDomains, recipientCountry, type ComplianceInput, type ComplianceSettings } from '../../src/domain/compliance.js';
import { UNSUBSCRIBE_URL_MARKER } from '../../src/domain/unsubscribe.js';

const S: ComplianceSettings = {
  sender: { name: 'Ana Lima', company: 'Lima Studio', email: 'ana@lima.studio', postal_address: '1 Main St, Austin TX 78701', sending_domain: 'lima.studio', website: 'https://www.lima.studio', allowed_link_domains: ['calendly.com'] },
  compliance: { lawful_basis: 'none', max_words: 60, max_subject_chars: 40 },
  unsubscribe: { base_url: 'https://go.lima.studio', mailto: '' },
};
const FOOT = `\n\n-- \nAna Lima, Lima Studio\n1 Main St, Austin TX 78701\nNot interested? Unsubscribe: ${UNSUBSCRIBE_URL_MARKER}\n`;
const BODY = 'Hi Maya,\n\nI looked at Lune & Ash and liked the rings. Could I send a short example?\n\nBest,\nAna';
const base = (over: Partial<ComplianceInput> = {}): ComplianceInput => ({
  subject: 'An idea for Lune & Ash',
  body: BODY + FOOT,
  position: 1,
  recipient: { email: 'maya@luneandash.com', country: 'US', suppressed: null },
  leadDomains: ['luneandash.com'],
  ...over,
});
const failed = (input: ComplianceInput, s: ComplianceSettings = S) => checkCompliance(input, s).filter((r) => !r.ok).map((r) => r.rule);

describe('checkCompliance', () => {
  it('passes a clean first email, every rule reported', () => {
    const r = checkCompliance(base(), S);
    expect(r.map((x) => x.rule)).toEqual(['sender_identity', 'postal_address', 'unsubscribe', 'subject', 'suppression', 'links', 'length', 'spam_triggers', 'placeholders', 'lawful_basis']);
    expect(r.filter((x) => !x.ok)).toEqual([]);
  });

  const noAddr = { ...S, sender: { ...S.sender, postal_address: '' } };
  const noUnsubDest = { ...S, sender: { ...S.sender, email: '' }, unsubscribe: { base_url: '', mailto: '' } };
  const li = { ...S, compliance: { ...S.compliance, lawful_basis: 'legitimate_interest' as const } };
  it.each<[string, Partial<ComplianceInput>, ComplianceSettings, string[]]>([
    ['no postal address in settings', {}, noAddr, ['postal_address']],
    ['footer removed', { body: BODY }, S, ['sender_identity', 'postal_address', 'unsubscribe']],
    ['unsubscribe marker without wording', { body: BODY + FOOT.replace('Not interested? Unsubscribe:', 'More:') }, S, ['unsubscribe']],
    ['no unsubscribe destination configured', {}, noUnsubDest, ['unsubscribe']],
    ['fake Re: on a first email', { subject: 'Re: our call' }, S, ['subject']],
    ['fake Fwd: on a first email', { subject: 'FWD: pricing' }, S, ['subject']],
    ['Re: on a follow-up is fine', { subject: 'Re: An idea', position: 2 }, S, []],
    ['subject in capitals', { subject: 'AMAZING OFFER' }, S, ['subject']],
    ['suppressed recipient', { recipient: { email: 'x@y.com', country: 'US', suppressed: { reason: 'unsubscribed' } } }, S, ['suppression']],
    ['link to another domain', { body: 'See https://evil.example/x for more, it is good for your store.' + FOOT }, S, ['links']],
    ['bare foreign domain', { body: 'Check out bit.ly today for the report on your store please.' + FOOT }, S, ['links']],
    ['allowed domains and the lead\'s own', { body: 'Book at https://calendly.com/ana or see lima.studio/work; I loved luneandash.com today.' + FOOT }, S, []],
    ['too long', { body: 'word '.repeat(61) + FOOT }, S, ['length']],
    ['subject too long', { subject: 'x'.repeat(41) }, S, ['length']],
    ['spam phrase', { body: 'This is 100% free and guaranteed to work for your store today.' + FOOT }, S, ['spam_triggers']],
    ['exclamation in subject', { subject: 'Hello!' }, S, ['spam_triggers']],
    ['raw placeholder', { body: 'Hi {{first_name}}, a short note for your store today, thanks.' + FOOT }, S, ['placeholders']],
    ['EU recipient without lawful basis', { recipient: { email: 'a@b.de', country: 'DE', suppressed: null } }, S, ['lawful_basis']],
    ['EU recipient with legitimate interest', { recipient: { email: 'a@b.de', country: 'DE', suppressed: null } }, li, []],
    ['UK from the address TLD', { recipient: { email: 'a@shop.co.uk', country: null, suppressed: null } }, S, ['lawful_basis']],
  ])('%s', (_name, over, s, rules) => {
    expect(failed(base(over), s)).toEqual(rules);
  });

  it('every failure says how to fix it', () => {
    const r = checkCompliance(base({ subject: 'Re: x', body: 'Hi {{x}} 100% free' }), noAddr);
    for (const f of r.filter((x) => !x.ok)) expect(f.fix, f.rule).toBeTruthy();
  });
});

describe('helpers', () => {
  it('allowedLinkDomains collects the sender domains', () => {
    expect(allowedLinkDomains(S)).toEqual(['lima.studio', 'go.lima.studio', 'calendly.com']);
  });
  it.each([
    ['US', 'a@b.com', undefined, 'US'],
    [null, 'a@b.de', undefined, 'DE'],
    [null, 'a@b.co.uk', undefined, 'GB'],
    [null, 'a@gmail.com', 'shop.fr', 'FR'],
    [null, 'a@b.com', 'b.com', null],
  ])('recipientCountry(%s, %s, %s) = %s', (c, e, d, out) => {
    expect(recipientCountry(c, e, d)).toBe(out);
  });
});
