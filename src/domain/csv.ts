// CSV output that is safe to open in a spreadsheet: RFC 4180 quoting, CRLF line ends, and cells that a
// spreadsheet would run as a formula neutralized with a leading apostrophe (OWASP "CSV injection").
// Hand-written rather than csv-stringify for the export hot path: it runs once per cell of a million rows.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? neutralizeCell(value) : typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
  if (NEEDS_QUOTES.test(s)) s = '"' + s.replace(/"/g, '""') + '"';
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
