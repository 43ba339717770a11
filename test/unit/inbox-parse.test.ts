// Hostile mail: never a throw, never a hang; each message comes back with what went wrong in `problems`.
// Also the mail-file readers (.eml, folder, Maildir, mbox) and the reply-set accuracy floor.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseMessage, clean, splitIds, DEFAULT_LIMITS } from '../../src/stages/inbox/parse.js';
import { readMailFiles, detectKind } from '../../src/adapters/mailfile.js';
import { classifyMail } from '../../src/domain/classify/index.js';
import { tempDir } from '../helpers/cli.js';
import { Analyzer } from '../../src/stages/inbox/analyzer.js';
import { analyzeOffline, type Analyzed } from '../../src/stages/inbox/analyze.js';

const FIX = resolve(import.meta.dirname, '../fixtures/inbox');
const tmp = tempDir('outreach-inbox-parse-');
afterAll(() => tmp.cleanup());

describe('hostile mail', () => {
  const files = readdirSync(join(FIX, 'hostile'));
  it.each(files)('%s parses without throwing, with one-line fields', async (f) => {
    const p = await parseMessage(readFileSync(join(FIX, 'hostile', f)));
    expect(p.messageId.length).toBeGreaterThan(0);
    for (const field of [p.subject, p.from, p.fromName, p.messageId]) expect(field).not.toMatch(/[\r\n\u0000]/);
    expect(() => classifyMail(p.input)).not.toThrow();
  });

  it.each([
    ['malformed-mime.eml', /closing boundary/],
    ['bad-charset.eml', /charset/],
    ['invalid-utf8.eml', /charset/],
    ['deep-nesting.eml', /nested multiparts/],
    ['header-injection.eml', /header injection/],
    ['no-message-id.eml', /no Message-ID/],
    ['nul-bytes.eml', /NUL/],
    ['garbage.eml', /no Message-ID/],
  ])('%s records the problem', async (f, re) => {
    const p = await parseMessage(readFileSync(join(FIX, 'hostile', f)));
    expect(p.problems.join('; ')).toMatch(re);
  });

  it('a missing Message-ID becomes a stable content hash', async () => {
    const raw = readFileSync(join(FIX, 'hostile/no-message-id.eml'));
    const a = await parseMessage(raw);
    const b = await parseMessage(Buffer.from(raw));
    expect(a.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.messageId).toBe(b.messageId);
  });

  it('HTML with scripts: the script text is never read as the reply', async () => {
    const p = await parseMessage(readFileSync(join(FIX, 'hostile/html-script.eml')));
    const c = classifyMail(p.input);
    expect(c.label).toBe('COLD');
    expect(c.bodyText).not.toMatch(/script|alert|interested, send pricing/);
  });

  it('a huge attachment is capped: parsed from its start, not stored', async () => {
    const big = Buffer.alloc(30 * 1024 * 1024, 'QUFBQUFBQUFBQUFB\r\n');
    const head = Buffer.from(
      'From: Big <big@store.example>\r\nTo: sam@acme.test\r\nSubject: Re: Quick question\r\nMessage-ID: <big@store.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nYes, interested. Details attached.\r\n--X\r\nContent-Type: application/zip; name="a.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    );
    const raw = Buffer.concat([head, big, Buffer.from('\r\n--X--\r\n')]);
    const t0 = Date.now();
    const p = await parseMessage(raw);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(p.problems.join()).toMatch(/parsed the first/);
    expect(p.rawSize).toBe(raw.length);
    expect(p.raw.length).toBeLessThanOrEqual(256 * 1024);
    expect(classifyMail(p.input).label).toBe('WARM');
  });

  it('keeps small messages whole and drops attachments from what is stored', async () => {
    const raw = Buffer.from('From: a@b.example\r\nSubject: s\r\nMessage-ID: <s@b.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="Y"\r\n\r\n--Y\r\nContent-Type: text/plain\r\n\r\nhello\r\n--Y\r\nContent-Type: application/pdf; name="x.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--Y--\r\n');
    const p = await parseMessage(raw);
    expect(p.attachments).toEqual([{ filename: 'x.pdf', contentType: 'application/pdf', size: expect.any(Number) }]);
    expect(p.raw.toString()).toContain('body not stored in full');
    expect(p.raw.toString()).not.toContain('JVBERi0xLjQK');
  });

  it('clean and splitIds', () => {
    expect(clean('a\r\nBcc: x\u0000')).toBe('a Bcc: x');
    expect(splitIds('<a@b> <c@d>\r\n <e@f>')).toEqual(['a@b', 'c@d', 'e@f']);
    expect(splitIds('a@b')).toEqual(['a@b']);
  });
});

describe('mail files', () => {
  const msg = (n: number) => `From: p${n}@s.example\r\nSubject: m${n}\r\nMessage-ID: <m${n}@s.example>\r\n\r\nbody ${n}\r\nFrom the start of a line\r\n`;

  it('an mbox, with mboxrd ">From " quoting undone', async () => {
    const path = join(tmp.dir, 'box.mbox');
    writeFileSync(path, [1, 2, 3].map((n) => `From p${n}@s.example Mon Mar  2 10:00:00 2026\n${msg(n).replace(/\r\n/g, '\n').replace(/^From the/m, '>From the')}\n`).join(''));
    expect(detectKind(path)).toBe('mbox');
    const got = [];
    for await (const m of readMailFiles(path)) got.push(m);
    expect(got).toHaveLength(3);
    const p = await parseMessage(got[1]!.source);
    expect(p.messageId).toBe('m2@s.example');
    expect(p.input.text).toContain('\nFrom the start');
  });

  it('a Maildir (cur and new) and a folder of .eml files', async () => {
    const md = join(tmp.dir, 'Maildir');
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(md, d), { recursive: true });
    writeFileSync(join(md, 'cur', '1.host:2,S'), msg(1));
    writeFileSync(join(md, 'new', '2.host'), msg(2));
    writeFileSync(join(md, 'tmp', '3.host'), msg(3)); // being delivered: not read
    expect(detectKind(md)).toBe('maildir');
    const names = [];
    for await (const m of readMailFiles(md)) names.push(m.name);
    expect(names).toHaveLength(2);

    const folder = join(tmp.dir, 'emls');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.eml'), msg(4));
    writeFileSync(join(folder, 'b.eml'), msg(5));
    writeFileSync(join(folder, 'notes.md'), 'not mail');
    writeFileSync(join(folder, 'old.mbox'), [6, 7].map((k) => `From p${k}@s.example Mon Mar  2 10:00:00 2026\n${msg(k)}\n`).join(''));
    expect(detectKind(folder)).toBe('folder');
    const n = [];
    for await (const m of readMailFiles(folder)) n.push(m.name);
    expect(n).toHaveLength(4);
    expect(detectKind(join(folder, 'a.eml'))).toBe('eml');
  });
});

describe('the labelled reply set', () => {
  it('the offline classifier stays at or above 85% on our own replies (test/fixtures/inbox/replies)', async () => {
    const dir = join(FIX, 'replies');
    const rows = readFileSync(join(dir, 'labels.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(rows.length).toBeGreaterThanOrEqual(150);
    let ok = 0;
    for (const [file, label] of rows) {
      const p = await parseMessage(readFileSync(join(dir, file!)));
      if (classifyMail(p.input).label === label) ok++;
    }
    expect(ok / rows.length).toBeGreaterThanOrEqual(0.85);
  });
});

describe('the fast path agrees with mailparser', () => {
  it('on every fixture it accepts (same subject, sender, ids, date and text)', async () => {
    const { fastParse } = await import('../../src/stages/inbox/fastparse.js');
    const { simpleParser } = await import('mailparser');
    const dirs = ['replies', 'replies-holdout', 'mail', 'hostile'];
    let checked = 0;
    for (const d of dirs) {
      for (const f of readdirSync(join(FIX, d)).filter((x) => x.endsWith('.eml'))) {
        const raw = readFileSync(join(FIX, d, f));
        const fast = fastParse(raw);
        if (!fast) continue;
        checked++;
        const slow = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true }); // as parseMessage calls it
        expect(fast.subject, f).toBe(slow.subject);
        expect((fast.from as any)?.value[0]?.address, f).toBe(slow.from?.value[0]?.address);
        expect((fast.from as any)?.value[0]?.name, f).toBe(slow.from?.value[0]?.name);
        expect(fast.messageId, f).toBe(slow.messageId);
        expect(fast.inReplyTo, f).toBe(slow.inReplyTo);
        expect(fast.date?.toISOString(), f).toBe(slow.date?.toISOString());
        expect((fast.text ?? '').trim(), f).toBe((slow.text ?? '').trim());
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('quoted-printable, base64 and encoded words', async () => {
    const { fastParse } = await import('../../src/stages/inbox/fastparse.js');
    const qp = fastParse(Buffer.from('From: =?utf-8?Q?J=C3=BCrgen?= <j@x.example>\r\nSubject: =?utf-8?B?R3LDvMOfZQ==?= =?utf-8?Q?_aus_K=C3=B6ln?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe, sehr interessant=\r\n!\r\n'));
    expect(qp?.subject).toBe('Grüße aus Köln');
    expect((qp?.from as any).value[0]).toEqual({ address: 'j@x.example', name: 'Jürgen' });
    expect(qp?.text).toBe('Grüße, sehr interessant!\n');
    const b64 = fastParse(Buffer.from('From: a@x.example\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n' + Buffer.from('Oui, ça m’intéresse').toString('base64') + '\r\n'));
    expect(b64?.text).toBe('Oui, ça m’intéresse');
    // 8-bit text with no charset (or us-ascii) is mailparser's: it reads UTF-8 and flags what is not,
    // where a windows-1252 reading would turn "Grüße" into "GrÃ¼Ãe" and hide the words from the classifier.
    for (const mail of [
      'From: a@x.example\r\nMessage-ID: <u1@x.example>\r\nContent-Type: text/plain\r\n\r\nJa, gerne. Grüße aus Köln\r\n',
      'From: a@x.example\r\nMessage-ID: <u2@x.example>\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nGrüße aus Köln\r\n--q--\r\n',
    ]) {
      expect(fastParse(Buffer.from(mail))).toBeNull();
      expect((await parseMessage(Buffer.from(mail))).input.text).toContain('Grüße aus Köln');
    }
    // Anything unusual is left to mailparser.
    expect(fastParse(Buffer.from('From: a@x.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n'))).toBeNull(); // no parts
    expect(fastParse(Buffer.from('From: a@x.example\r\nSubject: =?x-nope?Q?a?=\r\n\r\nhi\r\n'))).toBeNull();
    expect(fastParse(Buffer.from('From: a@x.example, b@y.example\r\n\r\nhi\r\n'))).toBeNull();
  });
});

describe('the fast path reads bounces and complaints as mailparser does', () => {
  const head = (ct: string, extra = '') =>
    `From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: sam@ours.example\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example>\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n${extra}Content-Type: ${ct}\r\n\r\n`;
  const dsn = 'Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; gone@shop.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n';
  const original = 'From: sam@ours.example\r\nTo: gone@shop.example\r\nMessage-ID: <out-7@ours.example>\r\nSubject: Quick question\r\n\r\nHello there\r\n';
  const report = (parts: string[], b = 'B1', pre = 'This is a MIME report.\r\n', post = 'epilogue\r\n') =>
    head(`multipart/report; report-type=delivery-status; boundary="${b}"`) + pre + parts.map((p) => `--${b}\r\n${p}\r\n`).join('') + `--${b}--\r\n` + post;
  const accepted: [string, string][] = [
    ['text, delivery status and the original', report(['Content-Type: text/plain\r\n\r\nI could not deliver your message.\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`, `Content-Type: message/rfc822\r\n\r\n${original}`])],
    ['only the original headers', report(['Content-Type: text/plain; charset=us-ascii\r\n\r\nUser unknown.', `Content-Type: message/delivery-status\r\n\r\n${dsn}`, `Content-Type: text/rfc822-headers\r\n\r\n${original.split('\r\n\r\n')[0]}\r\n`])],
    ['a quoted-printable text part and a base64 original', report(['Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nZustellung fehlgeschlagen: Empf=C3=A4nger unbekannt.=\r\n Bitte pr=C3=BCfen.\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`, `Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(original).toString('base64')}\r\n`])],
    ['a part without headers (text/plain by default), no preamble', report(['\r\nYour message could not be delivered.\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`], 'xyz', '', '')],
    ['LF line endings', report(['Content-Type: text/plain\r\n\r\nNot delivered.\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`]).replace(/\r\n/g, '\n')],
    [
      'an ARF spam complaint',
      head('multipart/report; report-type=feedback-report; boundary="arf"').replace('MAILER-DAEMON@mx.example', 'abuse@isp.example') +
        '--arf\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n\r\n--arf\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: isp/1.0\r\nVersion: 1\r\n\r\n--arf\r\nContent-Type: message/rfc822\r\n\r\n' +
        original +
        '\r\n--arf--\r\n',
    ],
    ['multipart/mixed with a forwarded original', head('multipart/mixed; boundary=m1') + '--m1\r\nContent-Type: text/plain\r\n\r\nDelivery failed for gone@shop.example: 550 no such user\r\n--m1\r\nContent-Type: message/rfc822\r\n\r\n' + original + '--m1--\r\n'],
  ];

  it.each(accepted)('%s', async (_name, mail) => {
    const { fastParse } = await import('../../src/stages/inbox/fastparse.js');
    const raw = Buffer.from(mail);
    expect(fastParse(raw)).not.toBeNull();
    const fast = await parseMessage(raw);
    const slow = await parseMessage(raw, DEFAULT_LIMITS, { fastPath: false });
    const pick = (p: typeof fast) => ({
      text: p.input.text,
      deliveryStatus: p.input.deliveryStatus,
      feedbackReport: p.input.feedbackReport,
      originalHeaders: p.input.originalHeaders,
      originalIds: p.originalIds,
      originalTo: p.originalTo,
      attachments: p.attachments,
      problems: p.problems,
      messageId: p.messageId,
      from: p.from,
      subject: p.subject,
      date: p.date?.toISOString(),
    });
    expect(pick(fast)).toEqual(pick(slow));
    expect(classifyMail(fast.input)).toEqual(classifyMail(slow.input));
  });

  it('the original Message-ID and recipient are found, so the bounce threads to what we sent', async () => {
    const p = await parseMessage(Buffer.from(accepted[0]![1]));
    expect(p.originalIds).toEqual(['out-7@ours.example']);
    expect(p.originalTo).toEqual(['gone@shop.example']);
    expect(classifyMail(p.input)).toMatchObject({ label: 'BOUNCE', bounceType: 'hard', bounceRecipient: 'gone@shop.example', bounceStatus: '5.1.1' });
  });

  it.each([
    ['an HTML part', report(['Content-Type: text/html\r\n\r\n<p>Not delivered</p>\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`])],
    ['a nested multipart', report(['Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nx\r\n--inner--\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`])],
    ['no closing boundary (truncated)', report(['Content-Type: text/plain\r\n\r\nNot delivered.\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`]).replace('--B1--\r\n', '')],
    ['a line that only starts like the boundary', report(['Content-Type: text/plain\r\n\r\n--B1x is not a delimiter\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`])],
    ['a file attachment', report(['Content-Type: text/plain\r\n\r\nSee attached.\r\n', 'Content-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment; filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n'])],
    ['two text parts', report(['Content-Type: text/plain\r\n\r\none\r\n', 'Content-Type: text/plain\r\n\r\ntwo\r\n'])],
    ['8-bit part headers', report(['Content-Type: text/plain\r\nX-Note: caf\u00e9\r\n\r\nx\r\n', `Content-Type: message/delivery-status\r\n\r\n${dsn}`])],
    ['multipart/alternative', head('multipart/alternative; boundary=a') + '--a\r\nContent-Type: text/plain\r\n\r\nx\r\n--a--\r\n'],
  ])('is left to mailparser with %s', async (_name, mail) => {
    const { fastParse } = await import('../../src/stages/inbox/fastparse.js');
    expect(fastParse(Buffer.from(mail))).toBeNull();
    // And the message still parses (through mailparser).
    expect((await parseMessage(Buffer.from(mail))).messageId).toBe('dsn-1@mx.example');
  });
});

describe('pathological HTML never stalls the classifier', () => {
  // Each of these was quadratic in a first version (minutes); the test timeout is the guard.
  it.each([
    ['unclosed blockquote tags with attributes', '<blockquote '.repeat(60000)],
    ['unclosed tags', '<a '.repeat(100000)],
    ['unclosed scripts', '<script>x'.repeat(60000)],
    ['many divs', '<div '.repeat(100000)],
    ['deeply nested quotes', '<blockquote>'.repeat(5000) + 'hi' + '</blockquote>'.repeat(5000)],
  ])('%s', async (_name, html) => {
    const { htmlToText } = await import('../../src/domain/classify/index.js');
    const raw = Buffer.from(`From: a@b.example\r\nSubject: x\r\nMessage-ID: <h@b.example>\r\nContent-Type: text/html\r\n\r\n${html}\r\n`);
    const p = await parseMessage(raw);
    expect(() => classifyMail(p.input)).not.toThrow();
    expect(typeof htmlToText(html)).toBe('string');
  }, 20_000);
});

describe('analysis on the worker thread (inbox sync)', () => {
  const sources = ['mail', 'hostile'].flatMap((d) => readdirSync(join(FIX, d)).map((f) => readFileSync(join(FIX, d, f))));
  const strip = (a: Analyzed) => ({ ...a, p: { ...a.p, input: null } }); // the worker does not send the classifier's input back

  it('gives exactly what the same functions give on this thread, and keeps working once the worker is gone', async () => {
    const analyzer = new Analyzer(DEFAULT_LIMITS);
    try {
      expect(analyzer.threaded).toBe(true);
      const results = await Promise.all(sources.map((s) => analyzer.analyze(s)));
      for (let i = 0; i < sources.length; i++) {
        const r = results[i]!;
        expect(r.ok).toBe(true);
        const local = await analyzeOffline(sources[i]!);
        if (r.ok) {
          expect(Buffer.isBuffer(r.a.p.raw)).toBe(true);
          // mailparser dates a message without Date: "now": compare everything else.
          const norm = (a: Analyzed) => JSON.parse(JSON.stringify(strip(a), (k, v) => (k === 'date' ? undefined : v)));
          expect(norm(r.a)).toEqual(norm(local));
        }
      }
    } finally {
      await analyzer.close();
    }
    // After close (or a dead worker) the work is done here, still answered.
    const after = await analyzer.analyze(sources[0]!);
    expect(after.ok).toBe(true);
  });
});
