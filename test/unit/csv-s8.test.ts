// CSV injection (review s8 #19): a cell is neutralized when it starts with TAB or CR, or when its first
// character that is not blank (spaces, tabs, line breaks, NBSP, other Unicode spaces) is = + - or @, because
// some spreadsheets trim leading blanks before deciding that a cell is a formula. restoreCell undoes it exactly.
import { describe, it, expect } from 'vitest';
import { csvCell, csvLine, needsNeutralizing, neutralizeCell, restoreCell } from '../../src/domain/csv.js';

const TRIGGERS = ['=', '+', '-', '@'];
const BLANKS: [string, string][] = [
  ['space', ' '],
  ['two spaces', '  '],
  ['tab', '\t'],
  ['LF', '\n'],
  ['CR LF', '\r\n'],
  ['vertical tab', '\v'],
  ['form feed', '\f'],
  ['NBSP U+00A0', '\u00a0'],
  ['NEL U+0085', '\u0085'],
  ['ogham space U+1680', '\u1680'],
  ['en quad U+2000', '\u2000'],
  ['em space U+2003', '\u2003'],
  ['thin space U+2009', '\u2009'],
  ['hair space U+200A', '\u200a'],
  ['zero-width space U+200B', '\u200b'],
  ['line separator U+2028', '\u2028'],
  ['paragraph separator U+2029', '\u2029'],
  ['narrow NBSP U+202F', '\u202f'],
  ['medium math space U+205F', '\u205f'],
  ['ideographic space U+3000', '\u3000'],
  ['BOM U+FEFF', '\ufeff'],
  ['mixed', ' \u00a0\n\t\u3000'],
];

describe('neutralizeCell: formula starts, also after blanks', () => {
  const cases: [string, string, boolean][] = [
    // [label, value, neutralized?]
    ...TRIGGERS.map((t): [string, string, boolean] => [`starts with ${t}`, `${t}1+1`, true]),
    ['starts with TAB', '\tx', true],
    ['starts with CR', '\rx', true],
    ...BLANKS.flatMap(([name, b]) => TRIGGERS.map((t): [string, string, boolean] => [`${name} then ${t}`, `${b}${t}cmd`, true])),
    ...BLANKS.map(([name, b]): [string, string, boolean] => [`${name} then a letter`, `${b}Acme`, b.startsWith('\t') || b.startsWith('\r')]),
    ['blanks only', '  \u00a0 ', false],
    ['blank then digit', ' 42', false],
    ['plain text', 'Acme Inc', false],
    ['= inside', 'a=b', false],
    ['- inside', 'Jean-Luc', false],
    ['email', 'jane@shop.com', false],
    ['empty', '', false],
    ['apostrophe then =', "'=x", false],
    ['fullwidth equals (not a formula start)', '\uff1d1', false],
    ['letter then blank then =', 'a =1', false],
  ];
  it.each(cases)('%s', (_label, value, neutralized) => {
    expect(needsNeutralizing(value)).toBe(neutralized);
    expect(neutralizeCell(value)).toBe(neutralized ? `'${value}` : value);
    const cell = csvCell(value);
    // csvCell: the same decision, then RFC 4180 quoting
    const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
    expect(unquoted).toBe(neutralized ? `'${value}` : value);
    // restoreCell is the inverse of neutralizeCell (a value that itself starts with an apostrophe before a formula
    // start is the one ambiguity of the apostrophe method: it reads back without it)
    if (!value.startsWith("'")) expect(restoreCell(neutralizeCell(value))).toBe(value);
  });
});

describe('csvCell quoting with neutralized cells', () => {
  it.each([
    ['  =1+1', `'  =1+1`],
    ['\n=1+1', `"'\n=1+1"`],
    ['\r\n@SUM(A1)', `"'\r\n@SUM(A1)"`],
    ['\u00a0=HYPERLINK("http://x")', `"'\u00a0=HYPERLINK(""http://x"")"`],
    [' -2,3', `"' -2,3"`],
    ['ok, fine', '"ok, fine"'],
    [-5, '-5'],
    [true, 'true'],
    [null, ''],
  ])('%j → %j', (value, out) => expect(csvCell(value)).toBe(out));

  it('a whole line', () => {
    expect(csvLine(['  =1', 'a', ' +1', null])).toBe(`'  =1,a,' +1,\r\n`);
  });
});

describe('restoreCell', () => {
  it.each([
    [`'=1`, '=1'],
    [`'  =1`, '  =1'],
    [`'\u00a0@x`, '\u00a0@x'],
    [`'\tx`, '\tx'],
    [`'+33 6 12 34 56 78`, '+33 6 12 34 56 78'],
    [`'quoted'`, `'quoted'`],
    [`'x`, `'x`],
    [`' x`, `' x`],
    ['plain', 'plain'],
    ['', ''],
  ])('%j → %j', (value, out) => expect(restoreCell(value)).toBe(out));
});
