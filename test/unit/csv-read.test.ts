import { describe, it, expect } from 'vitest';
import { CsvReader, MAX_QUOTED, type CsvRecordError } from '../../src/domain/csv-read.js';
import { parse } from 'csv-parse/sync';

function read(text: string, delimiter = ',', chunk = 0) {
  const records: [number, string[]][] = [];
  const errors: CsvRecordError[] = [];
  const r = new CsvReader(delimiter, (rec, line) => records.push([line, rec]), (e) => errors.push(e));
  if (chunk) for (let i = 0; i < text.length; i += chunk) r.push(text.slice(i, i + chunk));
  else r.push(text);
  r.end();
  return { records, errors };
}

const CASES: [string, string][] = [
  ['plain', 'a,b,c\n1,2,3\n'],
  ['no final newline', 'a,b\n1,2'],
  ['CRLF', 'a,b\r\n1,2\r\n3,4\r\n'],
  ['lone CR', 'a,b\r1,2\r'],
  ['quoted delimiter and quotes', 'a,b\n"x, y","say ""hi"""\n'],
  ['quoted newlines', 'a,b\n"line1\nline2",z\n"p\r\nq",r\n'],
  ['empty fields and trailing delimiter', 'a,b,c\n,,\n1,,\n1,2,\n'],
  ['quote inside an unquoted field', 'a,b\nsay "hi",x\n'],
  ['blank lines', 'a,b\n\n1,2\n\n'],
  ['unicode', 'naïve,日本\nbücher.de,ü@x.de\n'],
  ['empty quoted', 'a,b\n"",""\n'],
];

describe('CsvReader', () => {
  it.each(CASES)('reads %s like csv-parse does, in any chunking', (_name, text) => {
    const expected = parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: false }) as string[][];
    for (const chunk of [0, 1, 2, 3, 7]) {
      const { records, errors } = read(text, ',', chunk);
      expect(errors).toEqual([]);
      expect(records.map((r) => r[1])).toEqual(expected);
    }
  });

  it('numbers each record by the line it starts on, quoted newlines included', () => {
    const { records } = read('h1,h2\n"a\nb",c\nd,e\n\n"x\r\ny\nz",w\nlast,1');
    expect(records.map((r) => r[0])).toEqual([1, 2, 4, 5, 6, 9]);
  });

  it('strips a BOM and takes semicolons and tabs', () => {
    expect(read('\ufeffa;b\n1;"2;3"\n', ';').records.map((r) => r[1])).toEqual([['a', 'b'], ['1', '2;3']]);
    expect(read('a\tb\n1\t2\n', '\t').records.map((r) => r[1])).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('reports an unclosed quote at the line it opens and goes on with the next line', () => {
    for (const chunk of [0, 1, 5]) {
      const { records, errors } = read('website,email\nfirst.com,a@first.com\nsecond.com,"unclosed@second.com\nthird.com,c@third.com\n', ',', chunk);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.line).toBe(3);
      expect(errors[0]!.message).toMatch(/never closed/);
      expect(errors[0]!.raw).toBe('second.com,"unclosed@second.com');
      expect(records).toEqual([[1, ['website', 'email']], [2, ['first.com', 'a@first.com']], [4, ['third.com', 'c@third.com']]]);
    }
  });

  it('reports a quoted field followed by junk, with its line, and resumes after that line', () => {
    const { records, errors } = read('a,b\n"x"y,1\n2,3\n"m\nn"!,4\n5,6\n');
    expect(errors.map((e) => e.line)).toEqual([2, 4]);
    expect(errors[0]!.message).toMatch(/followed by "y"/);
    expect(records).toEqual([[1, ['a', 'b']], [3, ['2', '3']], [6, ['5', '6']]]);
  });

  it('takes a quoted field that never ends within MAX_QUOTED characters for an unclosed quote (bounded memory)', () => {
    const big = 'a,b\n1,"' + 'x'.repeat(MAX_QUOTED + 10) + '\n2,3\n';
    const errors: CsvRecordError[] = [];
    const records: string[][] = [];
    const r = new CsvReader(',', (rec) => records.push(rec), (e) => errors.push(e));
    for (let i = 0; i < big.length; i += 65536) r.push(big.slice(i, i + 65536));
    r.end();
    expect(errors.map((e) => e.line)).toEqual([2]);
    expect(records).toEqual([['a', 'b'], ['2', '3']]);
  });
});
