// Hostile mail sized to hurt the patterns: a long run of address characters with no '@' (a one-word body, a long
// Cc header), a From of many spaces, a run of blank lines. Each message must be parsed and classified like any
// other, with the label its text deserves. How long they take is measured by `npm run bench -- hostile` (timings
// do not belong in tests): before the bounded patterns, a 60,000-character Cc took 9 s to parse and a run of
// blank lines 1.2 s.
import { describe, expect, it } from 'vitest';
import { analyzeOffline } from '../../src/stages/inbox/analyze.js';

const N = 300_000;
const head = (extra = '', from = 'Kim <kim@shop.test>', subject = 'Re: your store') =>
  `From: ${from}\r\nTo: me@agency.test\r\n${extra}Subject: ${subject}\r\nMessage-ID: <hostile@shop.test>\r\n` +
  `Date: Sun, 29 Nov 2026 04:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;

const cases: { name: string; source: string; label: string }[] = [
  { name: 'a body of one 300,000-character word', source: head() + 'a'.repeat(N), label: 'NEUTRAL' },
  { name: 'the word, then an @ that starts no address', source: head() + 'b'.repeat(N) + '@!', label: 'NEUTRAL' },
  { name: 'a Cc header of one 60,000-character word (the fast parser reads headers up to 64 KB)', source: head(`Cc: ${'c'.repeat(60_000)}\r\n`) + 'Sounds good, send me the pricing.', label: 'WARM' },
  { name: 'a Cc header of one 300,000-character word', source: head(`Cc: ${'c'.repeat(N)}\r\n`) + 'Sounds good, send me the pricing.', label: 'WARM' },
  { name: 'a From header of 300,000 spaces before the address', source: head('', `${' '.repeat(N)}<kim@shop.test>`) + 'No thanks.', label: 'COLD' },
  { name: '150,000 blank lines before the text', source: head() + '\r\n'.repeat(N / 2) + 'Not interested, thanks.', label: 'COLD' },
  { name: 'a bounce whose body is one 300,000-character word', source: head('', 'MAILER-DAEMON@mx.shop.test', 'Undelivered Mail Returned to Sender') + 'd'.repeat(N), label: 'BOUNCE' },
];

describe('hostile mail of 300 KB is classified, not stuck', () => {
  for (const c of cases) {
    it(c.name, { timeout: 60_000 }, async () => {
      const a = await analyzeOffline(Buffer.from(c.source));
      expect(a.classifyError).toBeUndefined();
      expect(a.c?.label).toBe(c.label);
    });
  }
});
