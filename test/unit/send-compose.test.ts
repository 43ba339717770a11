// Message building for send: MIME structure, threading headers, RFC 8058 headers, and DKIM signatures that
// mailauth verifies against the published key. Plus --until parsing.
import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { simpleParser } from 'mailparser';
import { composeMessage } from '../../src/adapters/smtp.js';
import { parseUntil } from '../../src/cli/commands/send.js';

const require = createRequire(import.meta.url);
const { authenticate } = require('mailauth') as {
  authenticate: (msg: Buffer, o: Record<string, unknown>) => Promise<{ dkim: { results: { status: { result: string }; signingDomain: string }[] } }>;
};

const mail = {
  from: { name: 'Ana Lima', address: 'ana@lima.test' },
  to: 'owner@shop.example',
  subject: 'Re: Quick question',
  text: 'Hello\nUnsubscribe: https://u.lima.test/u/abc.def\n',
  html: '<p>Hello</p><a href="https://u.lima.test/u/abc.def">Unsubscribe</a>',
  messageId: 'm2@lima.test',
  date: new Date('2026-11-30T10:00:00Z'),
  inReplyTo: 'm1@lima.test',
  references: ['m1@lima.test'],
  headers: { 'List-Unsubscribe': '<https://u.lima.test/u/abc.def>, <mailto:ana@lima.test?subject=unsubscribe>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
};

describe('composeMessage', () => {
  it('builds multipart/alternative with the threading and one-click headers', async () => {
    const raw = await composeMessage(mail);
    const p = await simpleParser(raw);
    expect(p.messageId).toBe('<m2@lima.test>');
    expect(p.inReplyTo).toBe('<m1@lima.test>');
    expect(p.references).toBe('<m1@lima.test>');
    expect(p.subject).toBe('Re: Quick question');
    expect(p.date?.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect((p.headers.get('content-type') as { value: string }).value).toBe('multipart/alternative');
    expect(p.text).toContain('https://u.lima.test/u/abc.def');
    expect(p.html).toContain('https://u.lima.test/u/abc.def');
    expect(raw.toString()).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
  });
  it('text only when there is no HTML', async () => {
    const p = await simpleParser(await composeMessage({ ...mail, html: null }));
    expect((p.headers.get('content-type') as { value: string }).value).toBe('text/plain');
  });
  it('DKIM-signs so that a receiver verifies it with the published key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const raw = await composeMessage(mail, { domainName: 'lima.test', keySelector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    expect(raw.toString()).toMatch(/^DKIM-Signature: .*d=lima\.test/m);
    const resolver = async (name: string, type: string) => {
      if (name === 's1._domainkey.lima.test' && type === 'TXT') return [[`v=DKIM1; k=rsa; p=${pub}`]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const res = await authenticate(raw, { ip: '127.0.0.1', helo: 'lima.test', sender: 'ana@lima.test', resolver, trustReceived: false });
    expect(res.dkim.results[0]).toMatchObject({ signingDomain: 'lima.test', status: { result: 'pass' } });
    // Tampering breaks it.
    const bad = Buffer.from(raw.toString().replace('Hello', 'Hallo'));
    const res2 = await authenticate(bad, { ip: '127.0.0.1', helo: 'lima.test', sender: 'ana@lima.test', resolver, trustReceived: false });
    expect(res2.dkim.results[0]!.status.result).not.toBe('pass'); // mailauth: body hash mismatch is "neutral"
  });
});

describe('--until', () => {
  const now = new Date('2026-11-30T10:00:00Z');
  it.each([
    ['17:00', 'UTC', '2026-11-30T17:00:00.000Z'],
    ['17:00', 'America/New_York', '2026-11-30T22:00:00.000Z'],
    ['09:00', 'UTC', '2026-12-01T09:00:00.000Z'], // already past today: tomorrow
    ['+2h', 'UTC', '2026-11-30T12:00:00.000Z'],
    ['+45m', 'UTC', '2026-11-30T10:45:00.000Z'],
    ['2026-12-01T08:30:00Z', 'UTC', '2026-12-01T08:30:00.000Z'],
  ])('%s (%s)', async (text, zone, iso) => expect((await parseUntil(text, now, zone)).toISOString()).toBe(iso));
  it('rejects nonsense with a usage error', async () => {
    await expect(parseUntil('tomorrowish', now, 'UTC')).rejects.toMatchObject({ exitCode: 2 });
  });
});
