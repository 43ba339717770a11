// Hostile mail: never a throw, never a hang; each message comes back with what went wrong in `problems`.
// Also the mail-file readers (.eml, folder, Maildir, mbox) and the reply-set accuracy floor.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseMessage, clean, splitIds, DEFAULT_LIMITS, mimeDepth, scanTextParts } from '../../src/stages/inbox/parse.js';
import { readMailFiles, detectKind, isMboxSeparator, notMailReason, type MailFile } from '../../src/adapters/mailfile.js';
import { UserError } from '../../src/errors.js';
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

  it('the synthetic id is the same whatever the line endings and trailing whitespace', async () => {
    const lf = 'From: Nomid <n@store.example>\nTo: sam@acme.test\nSubject: Re: hi\n\nPlease unsubscribe me.\n';
    const ids = await Promise.all(
      [lf, lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r'), lf + '\n\n', lf.trimEnd(), lf.replace(/\n/g, '\r\n') + '  \r\n'].map(async (t) => (await parseMessage(Buffer.from(t))).messageId),
    );
    expect(ids[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(ids).size).toBe(1);
    // A different body is a different message.
    expect((await parseMessage(Buffer.from(lf.replace('Please', 'Please do not')))).messageId).not.toBe(ids[0]);
    // The same message found in a CRLF mbox gets the id of the LF .eml.
    const box = join(tmp.dir, 'nomid-crlf.mbox');
    writeFileSync(box, ('From n@store.example Mon Nov 30 10:00:00 2026\n' + lf + '\n').replace(/\n/g, '\r\n'));
    const got: MailFile[] = [];
    for await (const m of readMailFiles(box)) got.push(m);
    expect(got).toHaveLength(1);
    expect((await parseMessage(got[0]!.source)).messageId).toBe(ids[0]);
  });

  it('clean and splitIds', () => {
    expect(clean('a\r\nBcc: x\u0000')).toBe('a Bcc: x');
    expect(splitIds('<a@b> <c@d>\r\n <e@f>')).toEqual(['a@b', 'c@d', 'e@f']);
    expect(splitIds('a@b')).toEqual(['a@b']);
  });
});

/** A message whose body is a multipart/mixed holding `n` multipart/alternative parts side by side. */
function flatMultiparts(n: number, first: string): Buffer {
  const parts = Array.from({ length: n }, (_, i) => `--OUT\r\nContent-Type: multipart/alternative; boundary="a${i}"\r\n\r\n--a${i}\r\nContent-Type: text/plain\r\n\r\nnewsletter ${i}\r\n--a${i}\r\nContent-Type: text/html\r\n\r\n<p>newsletter ${i}</p>\r\n--a${i}--\r\n`);
  return Buffer.from(
    `From: Sam <sam@store.example>\r\nTo: ana@lima.example\r\nSubject: Re: Quick question\r\nMessage-ID: <flat${n}@store.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="OUT"\r\n\r\n--OUT\r\nContent-Type: text/plain\r\n\r\n${first}\r\n${parts.join('')}--OUT--\r\n`,
  );
}

/** `depth` multiparts each inside the last, with a text/plain part holding `text` at the bottom. */
function nestedMultiparts(depth: number, text: string, cte = ''): Buffer {
  let body = `Content-Type: text/plain; charset=utf-8\r\n${cte ? `Content-Transfer-Encoding: ${cte}\r\n` : ''}\r\n${text}\r\n`;
  for (let i = 0; i < depth; i++) body = `Content-Type: multipart/mixed;\r\n\tboundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
  return Buffer.from(`From: Sam <sam@store.example>\r\nTo: ana@lima.example\r\nSubject: Re: Quick question\r\nMessage-ID: <nest${depth}@store.example>\r\nMIME-Version: 1.0\r\n${body}`);
}

describe('multipart depth', () => {
  it('measures nesting, not the number of multiparts', () => {
    expect(mimeDepth(flatMultiparts(42, 'x'), 40)).toBe(2);
    expect(mimeDepth(nestedMultiparts(35, 'x'), 40)).toBe(35);
    expect(mimeDepth(nestedMultiparts(60, 'x'), 40)).toBe(41); // stops once past the limit
    expect(mimeDepth(Buffer.from('From: a@b.example\r\nSubject: s\r\n\r\nhi\r\n'), 40)).toBe(0);
    // A boundary closed with "--B--" ends the parts opened inside it; the same name reused by a child still nests.
    const reuse = Buffer.from('Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n\r\nhi\r\n--X--\r\n--X--\r\n');
    expect(mimeDepth(reuse, 40)).toBe(2);
  });

  it('42 multiparts side by side (two levels deep) are parsed as MIME: the stop request is read', async () => {
    const p = await parseMessage(flatMultiparts(42, 'Please unsubscribe me. Attached are the newsletters you sent.'));
    expect(p.problems.join('; ')).not.toMatch(/nested multiparts/);
    expect(p.input.text).toContain('Please unsubscribe me');
    expect(classifyMail(p.input).label).toBe('UNSUBSCRIBE');
  });

  it('a 60-level bomb is not parsed as MIME, but its text parts are still read', async () => {
    const p = await parseMessage(nestedMultiparts(60, 'Please unsubscribe me.'));
    expect(p.problems.join('; ')).toMatch(/more than 40 nested multiparts/);
    expect(p.input.text).toContain('Please unsubscribe me.');
    expect(classifyMail(p.input).label).toBe('UNSUBSCRIBE');
    const qp = await parseMessage(nestedMultiparts(60, 'Please unsubscribe me, caf=C3=A9 owner.', 'quoted-printable'));
    expect(qp.input.text).toContain('Please unsubscribe me, café owner.');
    const b64 = await parseMessage(nestedMultiparts(60, Buffer.from('Please remove me from your list.').toString('base64'), 'base64'));
    expect(b64.input.text).toContain('Please remove me from your list.');
  });

  it('the scan reads text/plain parts only, and stays bounded on a huge bomb', async () => {
    const mixed = Buffer.from('Content-Type: multipart/mixed; boundary="o"\r\n\r\npreamble\r\n--o\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--o\r\nContent-Type: text/plain\r\n\r\nplain one\r\n--o\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment\r\n\r\nJVBERi0x\r\n--o\r\n\r\nplain two\r\n--o--\r\nepilogue\r\n');
    expect(scanTextParts(mixed)).toBe('plain one\n\nplain two');
    // 3.5 MB of declarations, each opening a new level, none closed: depth check and scan stay linear.
    const unit = 'Content-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\n';
    const bomb = Buffer.from('From: e@evil.example\r\nSubject: bomb\r\nMessage-ID: <bomb@evil.example>\r\n' + unit.repeat(Math.floor((3.5 * 1024 * 1024) / unit.length)) + 'Content-Type: text/plain\r\n\r\nstop\r\n');
    const p = await parseMessage(bomb);
    expect(p.problems.join('; ')).toMatch(/nested multiparts/);
    expect(p.input.text.length).toBeLessThanOrEqual(1024 * 1024);
    expect(p.input.text).toContain('stop');
  });
});

describe('not mail', () => {
  const notmail = readdirSync(join(FIX, 'notmail'));
  it.each(notmail)('%s is refused with the reason', async (f) => {
    await expect(parseMessage(readFileSync(join(FIX, 'notmail', f)))).rejects.toThrow(/not a mail message|empty file/);
  });

  it('random binary and NUL-heavy data are refused; every real and hostile message is accepted', async () => {
    await expect(parseMessage(randomBytes(20 * 1024))).rejects.toThrow(/not a mail message/);
    const msg = 'From: a@b.example\r\nSubject: hi\r\nMessage-ID: <u16@b.example>\r\n\r\nPlease unsubscribe me\r\n';
    expect(notMailReason(Buffer.from(msg.repeat(20), 'utf16le'))).toMatch(/NUL/);
    expect(notMailReason(Buffer.from('X-Note: hi\r\nX-Other: there\r\n\r\nbody\r\n'))).toMatch(/no From, Date/);
    expect(notMailReason(Buffer.from('\r\nFrom: a@b.example\r\n\r\nbody\r\n'))).toMatch(/no mail header section/);
    for (const d of ['mail', 'hostile']) for (const f of readdirSync(join(FIX, d))) expect([f, notMailReason(readFileSync(join(FIX, d, f)))]).toEqual([f, null]);
    expect(notMailReason(Buffer.from('Received: from x by y; Mon, 2 Mar 2026 10:00:00 +0000\nX-A: b\n\nhi\n'))).toBeNull();
    // a message saved from an mbox keeps its separator line, in whatever shape its writer used (real bounces do)
    for (const sep of ['From MAILER-DAEMON Mon 1 Jan 2015 00:00:00 +0900', 'From MAILER-DAEMON Fri Jan 1 00:0:00 2015', 'From () 2019-10-02 05:04:34 +0000']) {
      expect([sep, notMailReason(Buffer.from(`${sep}\nReturn-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example>\nSubject: failed\n\nbody\n`))]).toEqual([sep, null]);
    }
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

  it('only a real separator line starts a message; blank lines before the first are fine', async () => {
    const path = join(FIX, 'files/body-from.mbox');
    expect(detectKind(path)).toBe('mbox');
    const got: MailFile[] = [];
    for await (const m of readMailFiles(path)) got.push(m);
    expect(got.map((m) => m.name)).toEqual(['body-from.mbox:3', 'body-from.mbox:13', 'body-from.mbox:23']); // FILE:LINE of each From_ line
    const ps = await Promise.all(got.map((m) => parseMessage(m.source)));
    expect(ps.map((p) => p.messageId)).toEqual(['bf1@ex1.example.org', 'bf3@ex3.example.org', 'bf4@ex4.example.org']);
    expect(ps[0]!.input.text).toContain('\nFrom the bottom of my heart'); // mboxrd quoting undone
    expect(ps[1]!.input.text).toContain('From me to you: please unsubscribe me.');
    expect(classifyMail(ps[1]!.input).label).toBe('UNSUBSCRIBE');
    expect(ps[2]!.input.text).toContain('From what I can tell, no.');
  });

  it.each([
    ['From sender@example.org Mon Nov 30 10:00:00 2026', true],
    ['From MAILER-DAEMON Fri Jul  8 12:08:34 2011', true],
    ['From - Sat Nov 28 12:34:56 2026', true],
    ['From 1700000000000000000@xxx Sat Nov 28 12:34:56 +0000 2026', true],
    ['From user@host.example Tue Feb  3 08:09 2026', true],
    ['From user@host.example Tue Feb  3 08:09:10 PST 2026', true],
    ['From user@host.example Mon Nov 30 10:00:00 2026\r', true],
    ['From me to you: please unsubscribe me.', false],
    ['From what I can tell', false],
    ['From the bottom of my heart, thanks. Mon Nov 30 10:00:00 2026', false],
    ['>From sender@example.org Mon Nov 30 10:00:00 2026', false],
    ['From: sender@example.org', false],
  ])('isMboxSeparator(%j) is %s', (line, want) => {
    expect(isMboxSeparator(line)).toBe(want);
  });

  it('a Maildir with only cur/ or only new/, alone or inside a folder', async () => {
    const cur = join(tmp.dir, 'md-cur');
    mkdirSync(join(cur, 'cur'), { recursive: true });
    writeFileSync(join(cur, 'cur', '17000.host:2,S'), msg(8));
    const nw = join(tmp.dir, 'parent', 'inner');
    mkdirSync(join(nw, 'new'), { recursive: true });
    writeFileSync(join(nw, 'new', 'x'), msg(9));
    expect(detectKind(cur)).toBe('maildir');
    expect(detectKind(nw)).toBe('maildir');
    for (const [dir, want] of [[cur, ['17000.host:2,S']], [join(tmp.dir, 'parent'), ['x']]] as const) {
      const names: string[] = [];
      for await (const m of readMailFiles(dir)) names.push(m.name.split('/').pop()!);
      expect(names).toEqual(want);
    }
  });

  it('a folder without mail says so; an empty folder is just empty; mail without an extension is found', async () => {
    const none = join(tmp.dir, 'no-mail');
    mkdirSync(none);
    writeFileSync(join(none, 'readme.txt'), 'Just notes.\n');
    writeFileSync(join(none, 'bin.eml'), randomBytes(4096));
    const run = async (p: string) => {
      const out: MailFile[] = [];
      for await (const m of readMailFiles(p)) out.push(m);
      return out;
    };
    const err = await run(none).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/No mail found in .*no-mail: 2 files \(bin\.eml, readme\.txt\)/);
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    expect(await run(empty)).toEqual([]);
    const saved = join(tmp.dir, 'saved');
    mkdirSync(saved);
    writeFileSync(join(saved, 'message-1'), msg(10));
    writeFileSync(join(saved, 'notes.txt'), 'Just notes.\n');
    writeFileSync(join(saved, 'junk.eml'), randomBytes(4096)); // handed over: the import refuses and reports it
    expect((await run(saved)).map((m) => m.name.split('/').pop())).toEqual(['junk.eml', 'message-1']);
    // One file that is not mail: refused, nothing read.
    await expect(run(join(none, 'bin.eml'))).rejects.toThrow(/bin\.eml: .*not a mail message/);
  });

  it('reads a FIFO sequentially (no positioned reads): one message or an mbox', async () => {
    const fifo = join(tmp.dir, 'fifo');
    for (const [content, want] of [
      [msg(11), ['m11@s.example']],
      [readFileSync(join(FIX, 'files/body-from.mbox'), 'latin1'), ['bf1@ex1.example.org', 'bf3@ex3.example.org', 'bf4@ex4.example.org']],
    ] as const) {
      execFileSync('mkfifo', [fifo]);
      // The writer is another process (a reader that blocks on open cannot stall it).
      const writer = spawn('sh', ['-c', 'cat > "$0"', fifo], { stdio: ['pipe', 'ignore', 'ignore'] });
      writer.stdin.on('error', () => {});
      writer.stdin.end(Buffer.from(content, 'latin1'));
      const ids: string[] = [];
      for await (const m of readMailFiles(fifo)) ids.push((await parseMessage(m.source)).messageId);
      expect(ids).toEqual(want);
      execFileSync('rm', [fifo]);
    }
  });

  it('reads stdin through a pipe, as `-` and as /dev/stdin', () => {
    const dist = resolve(import.meta.dirname, '../../dist/adapters/mailfile.js');
    for (const arg of ['-', '/dev/stdin']) {
      const code = `const { readMailFiles } = await import(${JSON.stringify(dist)}); const n = []; for await (const m of readMailFiles(${JSON.stringify(arg)})) n.push(m.name + ' ' + m.source.length); console.log(JSON.stringify(n));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { input: readFileSync(join(FIX, 'files/body-from.mbox')), encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toHaveLength(3);
      const one = spawnSync(process.execPath, ['--input-type=module', '-e', code], { input: msg(12), encoding: 'utf8', timeout: 30_000 });
      expect(JSON.parse(one.stdout)).toEqual([`${arg === '-' ? 'stdin' : '/dev/stdin'} ${Buffer.byteLength(msg(12))}`]);
    }
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
      // Not mail: refused there as here, with the reason.
      expect(await analyzer.analyze(readFileSync(join(FIX, 'notmail/garbage.eml')))).toEqual({ ok: false, error: expect.stringMatching(/not a mail message/) });
    } finally {
      await analyzer.close();
    }
    // After close (or a dead worker) the work is done here, still answered.
    const after = await analyzer.analyze(sources[0]!);
    expect(after.ok).toBe(true);
  });
});
