// Terminal output: data shown to a person never carries control characters or escape sequences to the terminal;
// JSON and raw (CSV) output are left as they are.
import { describe, it, expect } from 'vitest';
import { PassThrough } from 'node:stream';
import { Output, cleanCell, cleanText } from '../../src/cli/output.js';

function capture(color = false) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const o = new Output({ json: false, quiet: false, verbose: true, color, stdout, stderr });
  return { o, out: () => out, err: () => err };
}

// every C0 control but LF and TAB, DEL, C1 controls, and ESC in any form
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('cleanCell', () => {
  it.each([
    ['\x1b[31mRED\x1b[0m', 'RED'],
    ['a\r\nb', 'a b'],
    ['a\rb\nc\td', 'a b c d'],
    ['title\x1b]0;pwned\x07!', 'title!'],
    ['link \x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\', 'link x'],
    ['clear\x1b[2J\x1b[H', 'clear'],
    ['a\x00b\x07c', 'a?b?c'],
    ['c1 \x9b31m csi', 'c1  csi'],
    ['nel\x85x', 'nel?x'],
    ['bidi \u202eevil\u202c', 'bidi evil'],
    ['unterminated \x1b]0;title', 'unterminated 0;title'],
    ['Ünïcødé ok 😀', 'Ünïcødé ok 😀'],
    [null, ''],
    [42, '42'],
  ])('%j → %j', (input, expected) => {
    const v = cleanCell(input);
    expect(v).toBe(expected);
    expect(v).not.toMatch(CONTROL);
  });
});

describe('cleanText', () => {
  it('keeps lines and tabs, turns CRLF into LF and a lone CR into a space', () => {
    expect(cleanText('a\r\nb\tc\rd')).toBe('a\nb\tc d');
  });
  it('removes every escape sequence without colour, keeps only colour (SGR) sequences with it', () => {
    expect(cleanText('\x1b[1mbold\x1b[22m \x1b]0;t\x07\x1b[2J')).toBe('bold ');
    expect(cleanText('\x1b[1mbold\x1b[22m \x1b]0;t\x07\x1b[2J\x1b', true)).toBe('\x1b[1mbold\x1b[22m ?');
  });
});

describe('Output', () => {
  it('prints table cells as one line of inert text each (piped and coloured alike)', () => {
    for (const color of [false, true]) {
      const c = capture(color);
      c.o.table(
        [
          { d: 'evil.com', n: '\x1b[31mRED\x1b[0m\x1b]0;pwned\x07' },
          { d: 'cr.com', n: 'Oak & Ivy\r\nHome\tGoods' },
        ],
        [
          { header: 'domain', value: (r) => r.d },
          { header: 'company', value: (r) => r.n },
        ],
      );
      const text = c.out();
      expect(text).toContain('RED');
      expect(text).toContain('Oak & Ivy Home Goods');
      expect(text).not.toContain('pwned');
      expect(text).not.toContain('\r');
      expect(text).not.toContain('\x1b[31m');
      expect(text.trimEnd().split('\n')).toHaveLength(3); // header and two rows: no cell broke a line
    }
  });

  it('printJsonArray writes the same bytes as printJson of the whole array, in pieces', () => {
    const rows = [
      { domain: 'a.com', tags: ['x', 'y'], notes: 'line1\nline2 "q"', n: 1, nested: { k: [1, { z: null }] } },
      { domain: 'b.com', tags: [], notes: null, n: 2.5, nested: {} },
      ...Array.from({ length: 3000 }, (_, i) => ({ domain: `s${i}.com`, company: 'x'.repeat(40) })),
    ];
    for (const list of [[], rows.slice(0, 1), rows]) {
      const a = capture();
      a.o.printJsonArray(list);
      const b = capture();
      b.o.printJson(list);
      expect(a.out()).toBe(b.out());
    }
    let writes = 0;
    const c = capture();
    const w = (c.o as unknown as { stdout: { write: (s: string) => boolean } }).stdout;
    const orig = w.write.bind(w);
    w.write = (t: string) => (writes++, orig(t));
    c.o.printJsonArray(rows);
    expect(writes).toBeGreaterThan(1); // never one giant string
  });

  it('neutralizes print() and notices on stderr, but never JSON or raw output', () => {
    const c = capture();
    c.o.print('company: \x1b[31mRED\x1b[0m\rX');
    c.o.warn('bad \x1b]0;t\x07value');
    c.o.error('x\x1b[2J', 'hint\x07');
    c.o.printJson({ company: '\x1b[31mRED\x1b[0m' });
    c.o.write('raw,\x1b[31m\r\n');
    expect(c.out()).toBe('company: RED X\n' + JSON.stringify({ company: '\x1b[31mRED\x1b[0m' }, null, 2) + '\n' + 'raw,\x1b[31m\r\n');
    expect(c.out()).toContain('\\u001b[31mRED'); // JSON escapes it: data stays data
    expect(c.err()).toBe('! bad value\n✖ x\n  hint?\n');
  });
});

describe('exitCodeFor: a database locked by someone else', () => {
  it.each(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE'])('%s: a clear message, exit 1, no "bug" report', async (code) => {
    const { exitCodeFor } = await import('../../src/cli/main.js');
    const c = capture();
    const err = Object.assign(new Error('database is locked'), { code });
    expect(exitCodeFor(err, c.o, false)).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(c.err()).toContain('The database stayed locked by another outreach process for too long.');
    expect(c.err()).not.toMatch(/bug/i);
  });
});
