// Review s11 of issue #2, #11: records after a quoted field with lone-CR line ends (old Mac, some exports) are
// numbered by the line they start on, and a malformed record in such a file loses only its own line.
import { describe, it, expect } from 'vitest';
import { CsvReader, type CsvRecordError } from '../../src/domain/csv-read.js';

function read(text: string, chunk = 0) {
  const records: [number, string[]][] = [];
  const errors: CsvRecordError[] = [];
  const r = new CsvReader(',', (rec, line) => records.push([line, rec]), (e) => errors.push(e));
  if (chunk) for (let i = 0; i < text.length; i += chunk) r.push(text.slice(i, i + chunk));
  else r.push(text);
  r.end();
  return { records, errors };
}

describe('CsvReader line numbers with lone CR line ends (#11)', () => {
  it('counts the lone CRs inside a quoted value', () => {
    for (const chunk of [0, 1, 2, 5]) {
      const { records, errors } = read('company,website,notes\rA,a.com,"l1\rl2\rl3"\rB,bad site,x\r', chunk);
      expect(errors).toEqual([]);
      expect(records.map((r) => r[0])).toEqual([1, 2, 5]);
      expect(records[1]![1]).toEqual(['A', 'a.com', 'l1\rl2\rl3']);
    }
  });

  it('counts CRLF inside a quoted value once, and mixed line ends each once', () => {
    const { records } = read('h\r"a\r\nb\rc\nd"\rnext\r\nlast');
    expect(records.map((r) => r[0])).toEqual([1, 2, 6, 7]);
  });

  it('a malformed record in a lone-CR file is reported at its line and the next lines are still read', () => {
    for (const chunk of [0, 3]) {
      const { records, errors } = read('company,website\rA,"a.com"x\rB,bad site\rC,c.com\r', chunk);
      expect(errors.map((e) => [e.line, e.raw])).toEqual([[2, 'A,"a.com"x']]);
      expect(records).toEqual([
        [1, ['company', 'website']],
        [3, ['B', 'bad site']],
        [4, ['C', 'c.com']],
      ]);
    }
  });

  it('lineAtEnd counts lone CRs', () => {
    const r = new CsvReader(',', () => {}, () => {});
    r.push('a,b\r"x\ry');
    expect(r.lineAtEnd).toBe(3);
  });
});
