// Hostile header names: a header called "__proto__" or "constructor" is a header like any other (it used to make
// the fast parser throw, and the message was recorded as unparseable MIME).
import { describe, it, expect } from 'vitest';
import { parseMessage } from '../../src/stages/inbox/parse.js';
import { classifyMail } from '../../src/domain/classify/index.js';

const msg = (extra: string) =>
  Buffer.from(
    `From: Eve <eve@shop1.example>\r\nTo: ana@lima-studio.example\r\nSubject: Re: Quick question\r\nMessage-ID: <proto-1@shop1.example>\r\n${extra}Content-Type: text/plain; charset=utf-8\r\n\r\nSounds interesting, can you send me the pricing?\r\n`,
  );

describe('header names that are object keys', () => {
  for (const extra of ['Constructor: yes\r\n', '__proto__: polluted\r\n', 'Constructor: yes\r\n__proto__: polluted\r\nHasOwnProperty: x\r\n']) {
    it(`parses and classifies a message with ${JSON.stringify(extra.trim())}`, async () => {
      const p = await parseMessage(msg(extra));
      expect(p.problems).toEqual([]);
      expect(p.from).toBe('eve@shop1.example');
      expect(p.input.text).toContain('Sounds interesting');
      expect(classifyMail(p.input).label).toBe('WARM');
      // Nothing leaked into the prototype chain of anything.
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('0');
    });
  }
});
