// Malformed MIME must not lose what the person wrote: a multipart whose declared boundary never occurs (or
// that declares none), a truncated multipart, a text part with an invalid transfer encoding. The text is read
// as well as possible, the message keeps a note of what went wrong, and nothing throws.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMessage, findDelimiter } from '../../src/stages/inbox/parse.js';
import { classifyMail } from '../../src/domain/classify/index.js';

const HEAD = 'From: Ann Lee <ann@shop.example>\r\nTo: sam@acme.test\r\nSubject: Re: Quick question\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n';
const WANT = 'We are interested, send pricing';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function mail(id: string, contentType: string | null, body: string, extra = ''): Buffer {
  return Buffer.from(`${HEAD}Message-ID: <${id}@shop.example>\r\n${contentType ? `Content-Type: ${contentType}\r\n` : ''}${extra}\r\n${body}`, 'latin1');
}

async function read(raw: Buffer) {
  const p = await parseMessage(raw);
  const slow = await parseMessage(raw, undefined, { fastPath: false });
  // The fast path and mailparser agree on what the person wrote.
  expect(slow.input.text).toBe(p.input.text);
  return { p, c: classifyMail(p.input), problems: p.problems.join('; ') };
}

describe('a multipart whose declared boundary never occurs', () => {
  it('reads the parts with the delimiter the body really uses (the reviewer\'s message)', async () => {
    const raw = mail('nope', 'multipart/alternative; boundary="NOPE"', `--WRONG\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${WANT}\r\n\r\n--WRONG\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>${WANT}</p>\r\n--WRONG--\r\n`);
    const { p, c, problems } = await read(raw);
    expect(p.input.text.trim()).toBe(WANT);
    expect(c.label).toBe('WARM');
    expect(problems).toMatch(/multipart boundary not found: parts read with the delimiter the body uses \(--WRONG\)/);
    expect(problems).not.toMatch(/closing boundary/); // the boundary is missing altogether, not its closing line
  });

  it('the committed hostile fixture reads the same way', async () => {
    const raw = readFileSync(resolve(import.meta.dirname, '../fixtures/inbox/hostile/boundary-mismatch.eml'));
    const { p, c, problems } = await read(raw);
    expect(p.input.text).toMatch(/interested/i);
    expect(p.input.text).not.toMatch(/Content-Type|--WRONG/);
    expect(c.label).toBe('WARM');
    expect(problems).toMatch(/boundary not found/);
  });

  it('with no delimiter at all: the body minus its part headers, as text', async () => {
    const raw = mail('nodelim', 'multipart/mixed; boundary="NOPE"', `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${WANT}\r\n`);
    const { p, c, problems } = await read(raw);
    expect(p.input.text).toBe(WANT);
    expect(c.label).toBe('WARM');
    expect(problems).toMatch(/multipart boundary not found: read the body as text/);
  });

  it('the real delimiter without its closing line (truncated as well)', async () => {
    const raw = mail('trunc2', 'multipart/alternative; boundary="NOPE"', `--real-1\r\nContent-Type: text/plain\r\n\r\n${WANT}\r\n--real-1\r\nContent-Type: text/html\r\n\r\n<p>We are inter`);
    const { p, c } = await read(raw);
    expect(p.input.text).toContain(WANT);
    expect(c.label).toBe('WARM');
  });

  it('an HTML-only body: read as text, scripts never read', async () => {
    const raw = mail('html', 'multipart/alternative; boundary=NOPE', `--W\r\nContent-Type: text/html\r\n\r\n<html><script>alert("not interested")</script><p>${WANT}</p></html>\r\n--W--\r\n`);
    const { p, c } = await read(raw);
    expect(p.input.text).toBe(WANT);
    expect(c.label).toBe('WARM');
  });

  it('a bounce keeps its delivery-status part (found with the real delimiter)', async () => {
    const raw = Buffer.from(
      'From: MAILER-DAEMON@mx.example\r\nTo: sam@acme.test\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-nope@mx.example>\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/report; report-type=delivery-status; boundary="NOPE"\r\n\r\n' +
        '--R1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n' +
        '--R1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; gone@shop.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n' +
        '--R1--\r\n',
    );
    const { p, c } = await read(raw);
    expect(p.input.deliveryStatus).toMatch(/Final-Recipient: rfc822; gone@shop\.example/);
    expect(c).toMatchObject({ label: 'BOUNCE', bounceType: 'hard', bounceRecipient: 'gone@shop.example' });
  });
});

describe('a multipart without a boundary parameter', () => {
  it('finds the delimiter in the body', async () => {
    const raw = mail('nob', 'multipart/alternative', `--WRONG\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${WANT}\r\n--WRONG--\r\n`);
    const { p, c, problems } = await read(raw);
    expect(p.input.text.trim()).toBe(WANT);
    expect(c.label).toBe('WARM');
    expect(problems).toMatch(/multipart without a boundary parameter/);
  });

  it('an unclosed quote around the boundary still finds the parts', async () => {
    const raw = mail('quote', 'multipart/mixed; boundary="XYZ', `--XYZ\r\nContent-Type: text/plain\r\n\r\n${WANT}\r\n--XYZ--\r\n`);
    const { p, c } = await read(raw);
    expect(p.input.text).toContain(WANT);
    expect(c.label).toBe('WARM');
  });
});

describe('a truncated multipart (closing delimiter missing)', () => {
  it('keeps the text read so far and says so', async () => {
    const raw = mail('trunc', 'multipart/alternative; boundary="B1"', `--B1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${WANT}\r\n\r\n--B1\r\nContent-Type: text/html\r\n\r\n<p>We are inter`);
    const { p, c, problems } = await read(raw);
    expect(p.input.text.trim()).toBe(WANT);
    expect(c.label).toBe('WARM');
    expect(problems).toMatch(/closing boundary/);
  });

  it('cut inside the text part itself', async () => {
    const raw = mail('trunc3', 'multipart/mixed; boundary="B1"', `--B1\r\nContent-Type: text/plain\r\n\r\n${WANT} and tell me m`);
    const { p, c } = await read(raw);
    expect(p.input.text).toContain(WANT);
    expect(c.label).toBe('WARM');
  });
});

describe('an invalid Content-Transfer-Encoding', () => {
  it('text declared base64 that is not: read as plain text', async () => {
    const raw = mail('b64', 'multipart/alternative; boundary="B1"', `--B1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${WANT}\r\n--B1--\r\n`);
    const { p, c, problems } = await read(raw);
    expect(p.input.text).toBe(WANT);
    expect(c.label).toBe('WARM');
    expect(problems).toMatch(/invalid transfer encoding/);
    expect(problems).not.toMatch(/undecodable/);
  });

  it('the same in a single-part message, in latin-1 (where garbage decodes without replacement characters)', async () => {
    const raw = mail('b64s', 'text/plain; charset=iso-8859-1', `${WANT}!\r\n`, 'Content-Transfer-Encoding: base64\r\n');
    const { p, c } = await read(raw);
    expect(p.input.text).toBe(`${WANT}!`);
    expect(c.label).toBe('WARM');
  });

  it('an HTML part declared base64 that is not', async () => {
    const raw = mail('b64h', 'multipart/alternative; boundary=B2', `--B2\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n<p>${WANT}</p>\r\n--B2--\r\n`);
    const { p, c } = await read(raw);
    expect(p.input.text).toBe(WANT);
    expect(c.label).toBe('WARM');
  });

  it('base64 broken by a junk line in the middle: the valid runs decoded, the junk kept', async () => {
    const enc = b64('Sounds good. We are interested, send pricing and case studies please.');
    const raw = mail('b64p', 'multipart/mixed; boundary=B3', `--B3\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${enc.slice(0, 40)}\r\n@@ broken line @@\r\n${enc.slice(40)}\r\n--B3--\r\n`);
    const { p, c } = await read(raw);
    expect(p.input.text).toMatch(/interested|pricing/);
    expect(c.label).toBe('WARM');
  });

  it('base64 with stray characters inside a line: decoded as a MIME parser does, nothing reported', async () => {
    const enc = b64('We are interested, send pricing and tell me more');
    const raw = mail('b64j', 'multipart/mixed; boundary=B5', `--B5\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${enc.slice(0, 40)}@@##!!\r\n${enc.slice(40)}\r\n--B5\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B5--\r\n`);
    const { p, c, problems } = await read(raw);
    expect(p.input.text).toBe('We are interested, send pricing and tell me more');
    expect(c.label).toBe('WARM');
    expect(problems).not.toMatch(/transfer encoding/);
  });

  it('invalid quoted-printable escapes are kept as written', async () => {
    const raw = mail('qp', 'text/plain; charset=utf-8', 'We are interested =ZZ send pric=\r\ning, Gr=C3=BC=C3=9Fe=\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n');
    const { p, c } = await read(raw);
    expect(p.input.text).toContain('We are interested =ZZ send pricing, Grüße');
    expect(c.label).toBe('WARM');
  });

  it('an unknown transfer encoding name', async () => {
    const raw = mail('cte', 'multipart/alternative; boundary=B4', `--B4\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode-ish\r\n\r\n${WANT}\r\n--B4--\r\n`);
    const { p, c } = await read(raw);
    expect(p.input.text).toContain(WANT);
    expect(c.label).toBe('WARM');
  });
});

describe('never an empty body when there is readable text', () => {
  const good = `--G\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${WANT}\r\n--G\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>${WANT}</p>\r\n--G--\r\n`;
  const variants: [string, string | null, string, string?][] = [
    ['well formed', 'multipart/alternative; boundary=G', good],
    ['boundary renamed', 'multipart/alternative; boundary=H', good],
    ['boundary parameter gone', 'multipart/alternative', good],
    ['boundary empty', 'multipart/alternative; boundary=""', good],
    ['closing line gone', 'multipart/alternative; boundary=G', good.replace('--G--\r\n', '')],
    ['every delimiter gone', 'multipart/alternative; boundary=G', good.replace(/--G(--)?\r\n/g, '')],
    ['declared multipart, plain text body', 'multipart/mixed; boundary=G', `${WANT}\r\n`],
    ['parts declared base64, plain inside', 'multipart/alternative; boundary=G', good.replace(/charset=utf-8\r\n/g, 'charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n')],
    ['no Content-Type, base64 declared', null, `${WANT}\r\n`, 'Content-Transfer-Encoding: base64\r\n'],
    ['CR-only line endings and a wrong boundary', 'multipart/alternative; boundary=H', good],
  ];
  it.each(variants)('%s', async (name, ct, body, extra) => {
    let raw = mail('v', ct, body, extra);
    if (name.startsWith('CR-only')) raw = Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\r'), 'latin1');
    const { p, c } = await read(raw);
    expect(p.input.text).toContain(WANT);
    expect(p.input.text).not.toMatch(/Content-Type|<p>/);
    expect(c.label).toBe('WARM');
  });
});

describe('findDelimiter', () => {
  it.each([
    ['a delimiter followed by part headers', '--abc\r\nContent-Type: text/plain\r\n\r\nhi\r\n', 'abc'],
    ['a delimiter closed later', 'preamble\r\n--x.y=z\r\n\r\nhi\r\n--x.y=z--\r\n', 'x.y=z'],
    ['a signature separator is not one', 'hi\r\n-- \r\nAnn\r\n', null],
    ['a line of dashes is not one', 'hi\r\n----------\r\nmore text\r\n', null],
    ['an "Original Message" line is not one', '-----Original Message-----\r\nFrom: x\r\n', null],
  ])('%s', (_n, body, want) => {
    expect(findDelimiter(body)).toBe(want);
  });
});
