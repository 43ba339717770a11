// Output under review findings: a spinner never loops on a zero-width terminal, colour is decided per stream
// (and never on with NO_COLOR / --no-color), tables look as before but are built in linear time and written in pieces.
import { describe, it, expect, beforeAll } from 'vitest';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { Output, preloadSpinner, displayWidth, BOX_MAX_ROWS } from '../../src/cli/output.js';

/** A fake terminal: records what is written, answers the cursor calls ora makes, has the width we say. */
class FakeTty extends PassThrough {
  isTTY = true;
  rows = 24;
  text = '';
  writes: string[] = [];
  constructor(public columns: number) {
    super();
    this.on('data', (d) => {
      this.text += String(d);
      this.writes.push(String(d));
    });
  }
  cursorTo(x: number) {
    return this.write(`\x1b[${x + 1}G`);
  }
  moveCursor(_dx: number, dy: number) {
    return this.write(dy < 0 ? `\x1b[${-dy}A` : '');
  }
  clearLine() {
    return this.write('\x1b[0K');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SGR = /\x1b\[[0-9;]*m/;

function out(o: { color: boolean; stderrColor?: boolean; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream }) {
  return new Output({ json: false, quiet: false, verbose: false, color: o.color, stderrColor: o.stderrColor, stdout: o.stdout ?? new PassThrough(), stderr: o.stderr ?? new PassThrough() });
}

beforeAll(async () => {
  await preloadSpinner({ isTTY: true }); // load ora as a terminal run would (vitest's stderr is not one)
});

describe('Output.spinner', () => {
  it('animates on a terminal with a width (the control case: the fake terminal is driven by ora)', async () => {
    const tty = new FakeTty(80);
    const sp = out({ color: false, stderr: tty }).spinner('Importing');
    await sleep(250);
    sp.succeed('done');
    expect(tty.text).toContain('Importing');
    expect(tty.text).toContain('✔ done');
    expect(tty.text).not.toMatch(SGR); // colour off: no cyan spinner, no green mark
  });

  it('does not animate on a terminal of zero columns, and finishes', async () => {
    const tty = new FakeTty(0);
    const sp = out({ color: false, stderr: tty }).spinner('Importing');
    sp.update('Importing 10');
    await sleep(250);
    sp.succeed('done');
    sp.stop();
    expect(tty.text).toBe(''); // the non-TTY behaviour: silent (the success shows only with --verbose)
    const sp2 = out({ color: false, stderr: tty }).spinner('x');
    sp2.fail('it failed');
    expect(tty.text).toBe('! it failed\n');
  });

  it('stops animating when the terminal shrinks to zero columns while it spins', async () => {
    const tty = new FakeTty(80);
    const sp = out({ color: false, stderr: tty }).spinner('Sending');
    await sleep(120);
    tty.columns = 0;
    tty.emit('resize');
    await sleep(250); // ora would now clear Infinity lines at its next frame
    sp.succeed('sent');
    expect(tty.text).toContain('✔ sent');
  });

  it('colours its mark only when stderr may be coloured', async () => {
    const coloured = new FakeTty(80);
    out({ color: false, stderrColor: true, stderr: coloured }).spinner('a').succeed('ok');
    expect(coloured.text).toContain('\x1b[32m✔');
    const plain = new FakeTty(80);
    out({ color: true, stderrColor: false, stderr: plain }).spinner('a').fail('no');
    expect(plain.text).toContain('✖ no');
    expect(plain.text).not.toMatch(SGR);
  });
});

describe('colour per stream', () => {
  it('keeps colour on stderr and drops it on stdout when only stderr may be coloured, and the reverse', () => {
    for (const [color, stderrColor] of [
      [false, true],
      [true, false],
    ] as const) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let o = '';
      let e = '';
      stdout.on('data', (d) => (o += d));
      stderr.on('data', (d) => (e += d));
      const x = out({ color, stderrColor, stdout, stderr });
      x.print(x.c.green('result'));
      x.warn('careful');
      x.table([{ a: 1 }], [{ header: 'a', value: (r) => r.a }]);
      expect(SGR.test(o), `stdout coloured=${color}`).toBe(color);
      expect(SGR.test(e), `stderr coloured=${stderrColor}`).toBe(stderrColor);
      expect(o).toContain('result');
      expect(e).toContain('careful');
    }
  });
});

describe('Output.table', () => {
  const require = createRequire(import.meta.url);
  const Table = require('cli-table3') as typeof import('cli-table3');
  const rows = [
    { d: 'oakandivy.com', n: 'Oak & Ivy\r\nHome', f: 92 },
    { d: 'xn--caf-dma.fr', n: 'Café 東京 😀', f: 7 },
    { d: 'x.io', n: '', f: null },
  ];
  const cols = [
    { header: 'domain', value: (r: (typeof rows)[number]) => r.d },
    { header: 'company', value: (r: (typeof rows)[number]) => r.n },
    { header: 'fit', value: (r: (typeof rows)[number]) => r.f, align: 'right' as const },
  ];
  const cells = rows.map((r) => [r.d, r.n.replace(/\r\n/, ' '), r.f === null ? '' : String(r.f)]);

  function render(tty: boolean, list = rows) {
    const stdout = tty ? new FakeTty(120) : new PassThrough();
    const writes: string[] = [];
    stdout.on('data', (d) => writes.push(String(d)));
    out({ color: false, stdout }).table(list, cols);
    return { text: writes.join(''), writes };
  }

  it('draws the same box as before on a terminal', () => {
    const t = new Table({ head: ['domain', 'company', 'fit'], colAligns: ['left', 'left', 'right'], style: { head: [], border: [] } });
    for (const c of cells) t.push(c);
    expect(render(true).text).toBe(t.toString() + '\n');
  });

  it('prints the same plain columns as before when piped (four spaces apart, no trailing blanks)', () => {
    const none = { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' };
    const t = new Table({ head: ['domain', 'company', 'fit'], colAligns: ['left', 'left', 'right'], style: { head: [], border: [] }, chars: none });
    for (const c of cells) t.push(c);
    const before = t.toString().split('\n').map((l) => l.trimEnd().replace(/^ /, '')).join('\n') + '\n';
    expect(render(false).text).toBe(before);
    expect(before.split('\n')[1]).toBe('oakandivy.com     Oak & Ivy Home     92');
  });

  it('measures wide and combining characters as a terminal shows them', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('東京')).toBe(4);
    expect(displayWidth('😀')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('…')).toBe(1);
  });

  it('prints a long table as plain columns, in pieces, every row on its own line', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => ({ d: `shop${i}.com`, n: `Shop ${i}`, f: i % 100 }));
    for (const tty of [true, false]) {
      const { text, writes } = render(tty, many);
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(many.length + 1);
      expect(lines[0]).toMatch(/^domain {6,}company {4,}fit$/);
      expect(lines[1]).toMatch(/^shop0\.com +Shop 0 +0$/);
      expect(lines.at(-1)).toMatch(/^shop99999\.com +Shop 99999 +99$/);
      expect(text).not.toContain('│');
      expect(writes.length).toBeGreaterThan(10);
      expect(Math.max(...writes.map((w) => w.length))).toBeLessThan(256 * 1024);
    }
    expect(render(true, many.slice(0, BOX_MAX_ROWS)).text).toContain('│');
  });
});
