// Session 11 review of issue #9, parse findings: #6 undeclared (or mislabelled) Latin-1 text, #13 synthetic ids
// that must not depend on delivery's trace headers, #14 a header section too big for the MIME parser.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseMessage, canonicalForId } from '../../src/stages/inbox/parse.js';
import { classifyMail } from '../../src/domain/classify/index.js';

const FIX = resolve(import.meta.dirname, '../fixtures/inbox/parse-s11');
const fixture = (f: string) => readFileSync(join(FIX, f));
/** Both ways of parsing (the fast path where it applies, and mailparser for everything) must agree. */
async function both(raw: Buffer) {
  const fast = await parseMessage(raw);
  const slow = await parseMessage(raw, undefined, { fastPath: false });
  expect(fast.input.text).toBe(slow.input.text);
  expect(fast.problems).toEqual(slow.problems);
  return fast;
}

describe('#6 8-bit text that is not UTF-8 is read as windows-1252', () => {
  it.each([
    ['latin1-no-charset.eml', 'Bitte löschen Sie meine Adresse aus Ihrem Verteiler.'],
    ['latin1-us-ascii.eml', 'Bitte löschen Sie meine Adresse aus Ihrem Verteiler.'],
    ['latin1-html-only.eml', 'Bitte löschen Sie meine Adresse aus Ihrem Verteiler.'],
    ['latin1-alternative.eml', 'Bitte löschen Sie meine Adresse aus Ihrem Verteiler.'],
  ])('%s: read, no problem noted, classified UNSUBSCRIBE', async (f, want) => {
    const p = await both(fixture(f));
    expect(p.input.text).toContain(want);
    expect(p.input.text).not.toContain('\uFFFD');
    expect(p.problems).toEqual([]);
    expect(classifyMail(p.input).label).toBe('UNSUBSCRIBE');
  });

  it('text declared UTF-8 that is Latin-1: read, and the mislabel noted (not "undecodable")', async () => {
    const p = await both(fixture('latin1-utf8-label.eml'));
    expect(p.input.text).toContain('Não quero receber mais e-mails, por favor remova.');
    expect(p.problems.join('; ')).toMatch(/declared as charset utf-8 is not valid UTF-8: read as windows-1252/);
    expect(p.problems.join('; ')).not.toMatch(/undecodable/);
    expect(classifyMail(p.input).label).toBe('UNSUBSCRIBE');
  });

  it('valid UTF-8 without a charset stays UTF-8', async () => {
    const p = await both(fixture('utf8-no-charset.eml'));
    expect(p.input.text).toContain('Grüße, Žaneta – €');
    expect(p.problems).toEqual([]);
  });

  it('text that really cannot be decoded keeps its problem note', async () => {
    // Bytes invalid in the declared charset (Shift_JIS lead byte without its trail byte, then a NUL-free tail).
    const raw = Buffer.concat([
      Buffer.from('From: a@x.example\r\nMessage-ID: <sj@x.example>\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\nabc '),
      Buffer.from([0x81, 0x20, 0x82]),
      Buffer.from(' def\r\n'),
    ]);
    const p = await parseMessage(raw);
    expect(p.problems.join('; ')).toMatch(/undecodable characters/);
  });

  it('the deep-nesting plain scan reads undeclared Latin-1 the same way', async () => {
    let body = '';
    for (let i = 0; i < 45; i++) body += `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`;
    body += '--b45\r\nContent-Type: text/plain\r\n\r\nBitte löschen Sie meine Adresse aus Ihrem Verteiler.\r\n--b45--\r\n';
    const raw = Buffer.concat([
      Buffer.from('From: a@x.example\r\nMessage-ID: <deep@x.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n'),
      Buffer.from(body, 'latin1'),
    ]);
    const p = await parseMessage(raw);
    expect(p.problems.join('; ')).toMatch(/nested multiparts/);
    expect(p.input.text).toContain('Bitte löschen Sie meine Adresse aus Ihrem Verteiler.');
  });
});

describe('#13 the synthetic id does not depend on the trace headers delivery prepends', () => {
  it('the exported .eml and the delivered copy (Return-Path, Delivered-To, Received, X-Original-To; LF) get one id', async () => {
    const exported = await parseMessage(fixture('no-id-exported.eml'));
    const delivered = await parseMessage(fixture('no-id-delivered.eml'));
    expect(exported.syntheticId).toBe(true);
    expect(exported.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(delivered.messageId).toBe(exported.messageId);
  });

  it('a message without trace headers keeps the id older versions stored (same formula)', async () => {
    const raw = fixture('no-id-exported.eml');
    const p = await parseMessage(raw);
    expect(p.messageId).toBe('sha256:' + createHash('sha256').update(canonicalForId(raw), 'latin1').digest('hex'));
  });

  it('a delivered copy stored by an older version (id with the trace headers) is still found by legacyIds', async () => {
    const raw = fixture('no-id-delivered.eml');
    const p = await parseMessage(raw);
    const before = 'sha256:' + createHash('sha256').update(canonicalForId(raw), 'latin1').digest('hex');
    expect(p.messageId).not.toBe(before);
    expect(p.legacyIds).toContain(before);
    expect(p.legacyIds).toContain('sha256:' + createHash('sha256').update(raw).digest('hex'));
  });

  it('trace headers inside the body, or other headers, still tell messages apart', async () => {
    const a = await parseMessage(fixture('no-id-exported.eml'));
    const b = await parseMessage(Buffer.from(fixture('no-id-exported.eml').toString('latin1').replace('list.', 'list.\r\nReceived: by me'), 'latin1'));
    const c = await parseMessage(Buffer.from(fixture('no-id-exported.eml').toString('latin1').replace('Subject: Re:', 'Subject: Fwd:'), 'latin1'));
    expect(new Set([a.messageId, b.messageId, c.messageId]).size).toBe(3);
  });
});

describe('#14 a header section too big for the MIME parser does not hide the body', () => {
  const tail =
    'Subject: Re: Quick question\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <big-head@store.example>\r\n' +
    'In-Reply-To: <out-1@lima-studio.example>\r\nReferences: <out-0@lima-studio.example> <out-1@lima-studio.example>\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n\r\nPlease remove me from your list.\r\n';
  it.each([
    ['2,000 long lines (2 MB)', Array.from({ length: 2000 }, (_, i) => `X-Junk-${i}: ${'a'.repeat(1000)}\r\n`).join('')],
    ['40,000 short lines (300 KB, each counted 64 bytes by the parser)', Array.from({ length: 40000 }, (_, i) => `X-J: ${i}\r\n`).join('')],
  ])('%s before the headers that matter', async (_name, junk) => {
    const raw = Buffer.from(`From: P <p@store.example>\r\nTo: ana@lima-studio.example\r\n${junk}${tail}`);
    const p = await both(raw);
    expect(p.input.text).toContain('Please remove me from your list.');
    expect(p.messageId).toBe('big-head@store.example');
    expect(p.inReplyTo).toBe('out-1@lima-studio.example');
    expect(p.references).toEqual(['out-0@lima-studio.example', 'out-1@lima-studio.example']);
    expect(p.subject).toBe('Re: Quick question');
    expect(p.from).toBe('p@store.example');
    expect(p.date?.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(p.problems.join('; ')).toMatch(/header section of \d+ bytes too big to parse as MIME: read by a plain scan/);
    expect(p.problems.join('; ')).not.toMatch(/Max header size|unreadable Date/);
    expect(p.raw.length).toBeLessThanOrEqual(256 * 1024);
    expect(classifyMail(p.input).label).toBe('UNSUBSCRIBE');
  });

  it('a huge multipart header section: the parts are still parsed', async () => {
    const junk = Array.from({ length: 1500 }, (_, i) => `X-Junk-${i}: ${'b'.repeat(1000)}\r\n`).join('');
    const raw = Buffer.from(
      `From: P <p@store.example>\r\n${junk}Message-ID: <mp@store.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="Z"\r\n\r\n` +
        '--Z\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYes, interested. Send the example.\r\n--Z\r\nContent-Type: text/html\r\n\r\n<p>Yes</p>\r\n--Z--\r\n',
    );
    const p = await parseMessage(raw);
    expect(p.messageId).toBe('mp@store.example');
    expect(p.input.text.trim()).toBe('Yes, interested. Send the example.');
  });

  it('a normal header section is left as it is (no problem noted)', async () => {
    const p = await parseMessage(Buffer.from(`From: P <p@store.example>\r\nX-A: ${'c'.repeat(200_000)}\r\n${tail}`));
    expect(p.problems).toEqual([]);
    expect(p.input.text).toContain('Please remove me');
  });
});
