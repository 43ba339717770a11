import { describe, it, expect } from 'vitest';
import {
  classifySmtpFailure, canTransition, enhancedStatus, isBadAddress, backoffSeconds, makeMessageId, replySubject,
  bracket, unbracket, isFinal, type SmtpFailure,
} from '../../src/domain/outbound.js';

describe('SMTP reply → action', () => {
  const cases: [string, SmtpFailure, string, boolean?][] = [
    ['RCPT 550 5.1.1 user unknown', { phase: 'rcpt', responseCode: 550, response: '550 5.1.1 <x@y>: Recipient address rejected: User unknown' }, 'fail', true],
    ['RCPT 550 without enhanced code', { phase: 'rcpt', responseCode: 550, response: '550 No such user' }, 'fail', true],
    ['RCPT 553 mailbox name not allowed', { phase: 'rcpt', responseCode: 553, response: '553 sorry' }, 'fail', true],
    ['RCPT 550 5.7.1 policy (our reputation, not the address)', { phase: 'rcpt', responseCode: 550, response: '550 5.7.1 Service unavailable; client blocked' }, 'fail', false],
    ['RCPT 552 5.2.2 mailbox full', { phase: 'rcpt', responseCode: 552, response: '552 5.2.2 Mailbox full' }, 'fail', false],
    ['RCPT 5.2.1 mailbox disabled', { phase: 'rcpt', responseCode: 550, response: '550 5.2.1 The email account that you tried to reach is disabled' }, 'fail', true],
    ['RCPT 451 greylisting', { phase: 'rcpt', responseCode: 451, response: '451 4.7.1 Greylisted, try again' }, 'defer'],
    ['RCPT 452 too many', { phase: 'rcpt', responseCode: 452, response: '452 4.5.3 Too many recipients' }, 'defer'],
    ['RCPT connection lost', { phase: 'rcpt', code: 'ECONNECTION' }, 'release'],
    ['DATA cmd 554', { phase: 'data-cmd', responseCode: 554, response: '554 5.5.1 no valid recipients' }, 'fail', false],
    ['DATA cmd 451', { phase: 'data-cmd', responseCode: 451, response: '451 4.3.0 local error' }, 'defer'],
    ['end of DATA 250 never came: dropped', { phase: 'data', code: 'ECONNECTION' }, 'unknown'],
    ['end of DATA timeout', { phase: 'data', code: 'ETIMEDOUT' }, 'unknown'],
    ['end of DATA 451', { phase: 'data', responseCode: 451, response: '451 4.3.0 Error: queue file write error' }, 'defer'],
    ['end of DATA 421', { phase: 'data', responseCode: 421, response: '421 4.4.2 closing' }, 'defer'],
    ['end of DATA 554 5.7.1 spam', { phase: 'data', responseCode: 554, response: '554 5.7.1 Message rejected as spam' }, 'fail', false],
    ['end of DATA 550 5.1.1 (LMTP-style per recipient)', { phase: 'data', responseCode: 550, response: '550 5.1.1 User unknown' }, 'fail', true],
    ['AUTH 535', { phase: 'auth', code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Error: authentication failed' }, 'auth_failed'],
    ['AUTH without reply code', { phase: 'auth', code: 'EAUTH' }, 'auth_failed'],
    ['AUTH 454 temporary', { phase: 'auth', code: 'EAUTH', responseCode: 454, response: '454 4.7.0 Temporary authentication failure' }, 'release'],
    ['connect refused', { phase: 'connect', code: 'ECONNECTION' }, 'release'],
    ['MAIL FROM 550 sender rejected', { phase: 'mail', responseCode: 553, response: '553 5.7.1 Sender address rejected' }, 'release'],
    ['closed connection object (never on the wire)', { phase: 'api', code: 'ECONNECTION' }, 'release'],
  ];
  it.each(cases)('%s', (_name, f, kind, hard) => {
    const a = classifySmtpFailure(f);
    expect(a.kind).toBe(kind);
    if (a.kind === 'fail') expect(a.hardBounce).toBe(hard);
  });
  it('saves the server reply as the reason', () => {
    const a = classifySmtpFailure({ phase: 'rcpt', responseCode: 451, response: '451 4.7.1 Greylisted' });
    expect(a.kind === 'defer' && a.reason).toBe('451 4.7.1 Greylisted');
  });
});

describe('state machine', () => {
  it.each([
    ['queued', 'sending', true], ['sending', 'sent', true], ['sending', 'unknown', true], ['sending', 'queued', true],
    ['unknown', 'sent', true], ['unknown', 'queued', true], ['deferred', 'sending', true],
    ['sent', 'sending', false], ['sent', 'queued', false], ['unknown', 'sending', false], ['failed', 'queued', false],
    ['cancelled', 'sending', false], ['queued', 'sent', false],
  ] as const)('%s → %s: %s', (a, b, ok) => expect(canTransition(a, b)).toBe(ok));
  it('final states', () => {
    expect(['sent', 'failed', 'cancelled'].every((s) => isFinal(s as 'sent'))).toBe(true);
    expect(isFinal('unknown')).toBe(false);
  });
});

describe('helpers', () => {
  it.each([
    ['550 5.1.1 <a@b>: unknown', '5.1.1'], ['451-4.7.1 try later', '4.7.1'], ['250 2.0.0 Ok: queued', '2.0.0'], ['550 no such user', undefined],
  ])('enhancedStatus(%s)', (r, es) => expect(enhancedStatus(r)).toBe(es));
  it('isBadAddress', () => {
    expect(isBadAddress(550, '550 5.1.1 x')).toBe(true);
    expect(isBadAddress(550, '550 5.7.1 x')).toBe(false);
    expect(isBadAddress(554, '554 transaction failed')).toBe(false);
  });
  it('backoff doubles from 5 minutes up to 6 hours', () => {
    expect([1, 2, 3, 4, 10, 20].map(backoffSeconds)).toEqual([300, 600, 1200, 2400, 21600, 21600]);
  });
  it('Message-IDs on the sender domain, stored without brackets', () => {
    expect(makeMessageId('Ana@Lima.Studio', 'abc')).toBe('abc@lima.studio');
    expect(() => makeMessageId('', 'abc')).toThrow();
    expect(bracket('a@b')).toBe('<a@b>');
    expect(bracket('<a@b>')).toBe('<a@b>');
    expect(unbracket('<a@b>')).toBe('a@b');
  });
  it('reply subject', () => {
    expect(replySubject('Quick question')).toBe('Re: Quick question');
    expect(replySubject('Re: Quick question')).toBe('Re: Quick question');
  });
});
