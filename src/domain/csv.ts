// CSV output that is safe to open in a spreadsheet: RFC 4180 quoting, CRLF line ends, and cells that a
// spreadsheet would run as a formula neutralized with a leading apostrophe (OWASP "CSV injection").
// Hand-written rather than csv-stringify for the export hot path: it runs once per cell of a million rows.

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let s = String(value);
  if (s === '') return s;
  // Character codes rather than regular expressions: this runs for every cell of a million-row export.
  const first = s.charCodeAt(0);
  if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13) s = `'${s}`;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 34 || ch === 44 || ch === 10 || ch === 13) return '"' + s.replace(/"/g, '""') + '"';
  }
  return s;
}

export function csvLine(values: unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i) line += ',';
    line += csvCell(values[i]);
  }
  return line + '\r\n';
}
