// `inbox import`, reviewed in session 8 (review-s8-issue9 D3, D8, D9, D10): an unreadable file inside a folder is
// reported by name and skipped (the others are imported, exit 1), an unreadable path is one clear line; a message
// over the size cap reports its real size without being buffered; mboxcl2 Content-Length keeps an unescaped From_
// line in a body, and mbox errors name FILE:LINE; an empty folder says so; `inbox list` shows and sorts by the
// Date header. The CLI runs as a subprocess; permission cases run it as `nobody` (setpriv), since root reads anything.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { chmodSync, chownSync, mkdirSync, openSync, closeSync, writeSync, writeFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { queryDb } from '../helpers/db.js';
import { openDb } from '../../src/db/open.js';
import { runCli, tempDir, canRunAsNobody, runAsNobody } from '../helpers/cli.js';

const FIX = resolve(import.meta.dirname, '../fixtures/inbox/files-s8');

let t: ReturnType<typeof tempDir>;
let env: Record<string, string>;
beforeEach(() => {
  t = tempDir('outreach-inbox-s8-');
  chmodSync(t.dir, 0o755);
  env = {
    OUTREACH_DB: join(t.dir, 'o.db'),
    OUTREACH_SETTINGS: join(t.dir, 'none.yaml'),
    ANTHROPIC_API_KEY: '',
    AWS_BEARER_TOKEN_BEDROCK: '',
  };
  openDb(env.OUTREACH_DB!).close(); // an existing pipeline: inbox import does not create a database (session 9)
});
afterEach(() => t.cleanup());

const reply = (id: string, body: string, date = 'Wed, 25 Nov 2026 10:00:00 +0000') =>
  `From: Jo <jo@${id}.example>\r\nTo: tom@speedlane.io\r\nSubject: Re: Quick question\r\nDate: ${date}\r\nMessage-ID: <${id}@s8.example>\r\n\r\n${body}\r\n`;

const rows = (sql: string): any[] => queryDb(env.OUTREACH_DB!, sql);

const asNobody = (args: string[], cwd: string) => {
  try {
    chownSync(join(cwd, 'o.db'), 65534, 65534); // the test's database, writable by nobody
  } catch {
    // none there
  }
  return runAsNobody(args, cwd, { OUTREACH_DB: join(cwd, 'o.db'), OUTREACH_SETTINGS: join(cwd, 'none.yaml') });
};

describe.skipIf(!canRunAsNobody())('unreadable files (run as nobody)', () => {
  /** A folder owned by nobody with four replies; `locked` ones belong to root with mode 000. */
  function setup(locked: string[]): string {
    const dir = join(t.dir, 'mixed');
    mkdirSync(dir);
    for (const n of ['a', 'b', 'c', 'd']) writeFileSync(join(dir, `${n}.eml`), reply(`u${n}`, `Reply ${n}: thanks, we will think about it.`));
    const md = join(dir, 'inner', 'cur');
    mkdirSync(md, { recursive: true });
    writeFileSync(join(md, '1.host:2,S'), reply('umd1', 'Not now, maybe next quarter.'));
    writeFileSync(join(md, '2.host:2,S'), reply('umd2', 'Not now, maybe next year.'));
    for (const p of [t.dir, dir, join(dir, 'inner'), md, ...['a', 'b', 'c', 'd'].map((n) => join(dir, `${n}.eml`)), join(md, '1.host:2,S'), join(md, '2.host:2,S')]) chownSync(p, 65534, 65534);
    for (const p of locked) {
      chownSync(join(dir, p), 0, 0);
      chmodSync(join(dir, p), 0o000);
    }
    return dir;
  }

  it('an unreadable file in a folder and in a Maildir inside it: named, skipped, the rest imported, exit 1', async () => {
    setup(['b.eml', 'inner/cur/2.host:2,S']);
    const r = await asNobody(['inbox', 'import', 'mixed'], t.dir);
    expect(r.stderr).not.toMatch(/Unexpected error|This is a bug/);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot read mixed/b.eml: permission denied');
    expect(r.stderr).toContain('Cannot read mixed/inner/cur/2.host:2,S: permission denied');
    expect(r.stderr).toMatch(/2 files could not be read \(listed above\); the other files were imported\./);
    expect(rows('SELECT message_id FROM inbound ORDER BY message_id').map((x) => x.message_id)).toEqual(['ua@s8.example', 'uc@s8.example', 'ud@s8.example', 'umd1@s8.example']);
    // The next run, permissions fixed, imports what was skipped (and nothing twice).
    chmodSync(join(t.dir, 'mixed', 'b.eml'), 0o644);
    chmodSync(join(t.dir, 'mixed', 'inner/cur/2.host:2,S'), 0o644);
    const again = await asNobody(['inbox', 'import', 'mixed', '--json'], t.dir);
    expect(again.code).toBe(0);
    const j = JSON.parse(again.stdout);
    expect([j.stored, j.duplicates, j.unreadable]).toEqual([2, 4, []]);
  });

  it('--json lists the unreadable files', async () => {
    setup(['c.eml']);
    const r = await asNobody(['inbox', 'import', 'mixed', '--json'], t.dir);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.unreadable).toEqual(['mixed/c.eml: permission denied']);
    expect(j.stored).toBe(5);
  });

  it('an unreadable folder, Maildir or file given on the command line: one line naming it and why, exit 1', async () => {
    const dir = setup([]);
    const noperm = join(t.dir, 'noperm');
    mkdirSync(noperm);
    writeFileSync(join(noperm, 'x.eml'), reply('np', 'hello'));
    chmodSync(noperm, 0o000);
    writeFileSync(join(t.dir, 'unreadable.eml'), reply('ur', 'hello'));
    chmodSync(join(t.dir, 'unreadable.eml'), 0o000);
    writeFileSync(join(t.dir, 'locked.mbox'), `From a@b.example Wed Nov 25 10:00:00 2026\n${reply('lm', 'hello')}`);
    chmodSync(join(t.dir, 'locked.mbox'), 0o000);
    chmodSync(join(dir, 'inner'), 0o000);
    chownSync(join(dir, 'inner'), 0, 0);
    for (const [arg, want] of [
      ['noperm', 'Cannot read the folder noperm: permission denied.'],
      ['unreadable.eml', 'Cannot read unreadable.eml: permission denied.'],
      ['locked.mbox', 'Cannot read locked.mbox: permission denied.'],
      ['noperm/x.eml', 'Cannot read noperm/x.eml: permission denied.'],
    ] as const) {
      const r = await asNobody(['inbox', 'import', arg], t.dir);
      expect([arg, r.code]).toEqual([arg, 1]);
      expect(r.stderr).toContain(want);
      expect(r.stderr).not.toMatch(/Unexpected error|This is a bug/);
    }
    // A subfolder that cannot be listed is one unreadable entry; the files beside it are imported.
    const r = await asNobody(['inbox', 'import', 'mixed'], t.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot read mixed/inner: permission denied');
    expect(rows('SELECT COUNT(*) AS n FROM inbound')[0].n).toBe(4);
  });
});

describe('mbox: Content-Length (mboxcl2) and FILE:LINE locations', () => {
  it('a From_ line inside a Content-Length body stays in the body; a length that does not land on a From_ line is ignored', async () => {
    const r = await runCli(['inbox', 'import', join(FIX, 'mboxcl2.mbox')], { env });
    expect(r.stderr).not.toContain('Skipped');
    expect(r.code).toBe(0);
    const got = rows('SELECT message_id, body_text FROM inbound ORDER BY message_id');
    expect(got.map((x) => x.message_id)).toEqual(['cl1@cl.pt', 'cl2@cl2.pt', 'cl3@cl3.pt', 'cl4@cl4.pt']);
    expect(got[0].body_text).toContain('From ines@fromline.pt Wed Nov 25 10:00:00 2026\nthis line above looks like a From_ line inside a body');
    expect(got[0].body_text).toMatch(/Ines$/);
    // cl3's Content-Length (too long) would have swallowed cl4: not honoured.
    expect(got[2].body_text).toBe('Thanks, we will think about it.');
    // Re-import: nothing new, nothing reported.
    const again = await runCli(['inbox', 'import', join(FIX, 'mboxcl2.mbox')], { env });
    expect([again.code, again.stderr.trim()]).toEqual([0, 'Imported 0 new messages of 4 (4 already seen).']);
  });

  it('without Content-Length the fragment after an unescaped From_ line is reported at its line number', async () => {
    const r = await runCli(['inbox', 'import', join(FIX, 'fragment.mbox')], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Skipped a message: fragment.mbox:8: no mail header section');
    expect(rows('SELECT COUNT(*) AS n FROM inbound')[0].n).toBe(2);
  });
});

describe('a message over the size cap', () => {
  /** Writes a message with a base64 attachment of about `mb` MB (LF line ends) after `prefix`; its bytes and lines. */
  function bigMessage(path: string, mb: number, prefix = ''): { bytes: number; lines: number } {
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, prefix);
      const head =
        'From: Big <big@bigstore.example>\nTo: tom@speedlane.io\nSubject: Re: Quick question\nDate: Wed, 25 Nov 2026 10:00:00 +0000\nMessage-ID: <huge@bigstore.example>\n' +
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\n\n--BB\nContent-Type: text/plain\n\nPlease remove me from your list.\n\n--BB\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n';
      let bytes = writeSync(fd, head);
      let lines = head.split('\n').length - 1;
      const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n';
      const block = Buffer.from(line.repeat(13_000)); // ~1 MB
      for (let i = 0; i < mb; i++) {
        bytes += writeSync(fd, block);
        lines += 13_000;
      }
      bytes += writeSync(fd, '--BB--\n');
      return { bytes, lines: lines + 1 };
    } finally {
      closeSync(fd);
    }
  }

  it('an .eml of 70 MB: raw_size is its real size, the message is parsed from its start and classified', async () => {
    const path = join(t.dir, 'huge.eml');
    const size = bigMessage(path, 70).bytes;
    expect(statSync(path).size).toBe(size);
    const r = await runCli(['inbox', 'import', path], { env });
    expect(r.code).toBe(0);
    const [row] = rows('SELECT raw_size, label, problem, length(raw) AS kept FROM inbound');
    expect(row.raw_size).toBe(size);
    expect(row.label).toBe('UNSUBSCRIBE');
    expect(row.problem).toContain(`message is ${size} bytes; parsed the first 4194304 only`);
    expect(row.kept).toBeLessThanOrEqual(256 * 1024);
  });

  it('in an mbox: the size counted in full (CRLF line ends), and the next message is still read', async () => {
    const path = join(t.dir, 'huge.mbox');
    const m = bigMessage(path, 70, 'From a@b.example Wed Nov 25 10:00:00 2026\n');
    const fd = openSync(path, 'a');
    writeSync(fd, `\n${'From c@d.example Wed Nov 25 10:01:00 2026\n'}${reply('after', 'Not interested.').replace(/\r\n/g, '\n')}`);
    closeSync(fd);
    const r = await runCli(['inbox', 'import', path], { env });
    expect(r.code).toBe(0);
    const got = rows('SELECT message_id, raw_size FROM inbound ORDER BY id');
    expect(got.map((x) => x.message_id)).toEqual(['huge@bigstore.example', 'after@s8.example']);
    // The message (without its From_ line and the blank line before the next one), each LF counted as CRLF.
    expect(got[0].raw_size).toBe(m.bytes + m.lines);
  });
});

describe('import messages and `inbox list` dates', () => {
  it('an empty folder says that it holds no mail files (exit 0)', async () => {
    mkdirSync(join(t.dir, 'empty'));
    const r = await runCli(['inbox', 'import', join(t.dir, 'empty')], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`No mail files found in ${join(t.dir, 'empty')}.`);
  });

  it('imported mail keeps its Date as sent_date, and `inbox list` puts the newest written first', async () => {
    const dir = join(t.dir, 'backfill');
    mkdirSync(dir);
    // File order (the import order) is the reverse of the order they were written.
    writeFileSync(join(dir, '1.eml'), reply('old', 'Thanks, we will think about it.', 'Mon, 02 Nov 2026 09:00:00 +0100'));
    writeFileSync(join(dir, '2.eml'), reply('new', 'Not now, maybe next quarter.', 'Wed, 25 Nov 2026 10:00:00 +0000'));
    writeFileSync(join(dir, '3.eml'), reply('mid', 'Who are you?', 'Sun, 15 Nov 2026 12:30:00 -0500'));
    expect((await runCli(['inbox', 'import', dir], { env })).code).toBe(0);
    const r = await runCli(['inbox', 'list', '--json'], { env });
    const list = JSON.parse(r.stdout) as { message_id: string; sent_date: string | null }[];
    expect(list.map((x) => [x.message_id, x.sent_date])).toEqual([
      ['new@s8.example', '2026-11-25T10:00:00.000Z'],
      ['mid@s8.example', '2026-11-15T17:30:00.000Z'],
      ['old@s8.example', '2026-11-02T08:00:00.000Z'],
    ]);
  });
});
