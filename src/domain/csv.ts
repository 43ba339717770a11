// CSV output that is safe to open in a spreadsheet: RFC 4180 quoting, CRLF line ends, and cells that a
// spreadsheet would run as a formula neutralized with a leading apostrophe (OWASP "CSV injection").
// Hand-written rather than csv-stringify for the export hot path: it runs once per cell of a million rows.
//
// A cell is neutralized when it starts with TAB or CR, or when its first character that is not blank is one of
// = + - @: some spreadsheets trim leading blanks (spaces, line breaks, NBSP, other Unicode spaces) before they
// decide that a cell is a formula, so `  =1+1` and `\n=1+1` are as dangerous as `=1+1`. restoreCell is the exact
// inverse, for reading such a file back.

/**
 * Blank as a spreadsheet may trim it: C0 controls and space, DEL and C1 controls (NEL), NBSP, the Unicode space
 * separators, line/paragraph separators, zero-width spaces and joiners, word joiner, BOM.
 */
function isBlank(ch: number): boolean {
  if (ch <= 0x20) return true;
  if (ch < 0x7f) return false;
  return (
    ch <= 0xa0 || // DEL, C1 controls (NEL U+0085), NBSP
    ch === 0x1680 ||
    ch === 0x180e ||
    (ch >= 0x2000 && ch <= 0x200d) || // en quad … hair space, zero-width space/non-joiner/joiner
    ch === 0x2028 ||
    ch === 0x2029 ||
    ch === 0x202f ||
    ch === 0x205f ||
    ch === 0x2060 ||
    ch === 0x3000 ||
    ch === 0xfeff
  );
}

/** = + - @ */
function isTrigger(ch: number): boolean {
  return ch === 61 || ch === 43 || ch === 45 || ch === 64;
}

/** Would a spreadsheet read this cell as a formula (or start one)? See the header. */
export function needsNeutralizing(s: string): boolean {
  if (s === '') return false;
  const first = s.charCodeAt(0);
  if (isTrigger(first) || first === 9 || first === 13) return true;
  if (!isBlank(first)) return false; // the common case: one comparison or two
  for (let i = 1; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (isBlank(ch)) continue;
    return isTrigger(ch);
  }
  return false;
}

export function neutralizeCell(value: string): string {
  return needsNeutralizing(value) ? `'${value}` : value;
}

/**
 * The inverse of neutralizeCell, for reading back a CSV this tool wrote: drops one leading apostrophe when what
 * follows it would have been neutralized. Any other value (`'quoted'`, `'x`) is left as it is.
 */
export function restoreCell(value: string): string {
  return value.charCodeAt(0) === 39 && needsNeutralizing(value.slice(1)) ? value.slice(1) : value;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let s = String(value);
  if (s === '') return s;
  // Character codes rather than regular expressions: this runs for every cell of a million-row export.
  const first = s.charCodeAt(0);
  if (isTrigger(first) || first === 9 || first === 13 || (isBlank(first) && needsNeutralizing(s))) s = `'${s}`;
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
