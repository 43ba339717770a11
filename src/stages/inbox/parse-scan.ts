// Byte searches shared by parse.ts and fastparse.ts (a module of its own: parse.ts imports fastparse.ts).

const LF_CR_LF = Buffer.from('\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');

/**
 * The first i < `limit` where a blank line starts: raw[i] is LF and LF or CRLF follows (the bytes after i may lie
 * past `limit`); -1 when there is none. Two native searches (a byte loop before): LF CR LF, then LF LF before it.
 */
export function blankLineAt(raw: Buffer, limit: number): number {
  if (limit <= 0) return -1;
  const hay = raw.subarray(0, limit + 2); // an LF at i < limit and the 2 bytes after it
  const crlf = hay.indexOf(LF_CR_LF);
  const lf = (crlf === -1 ? hay : hay.subarray(0, crlf + 1)).indexOf(LF_LF);
  const i = lf !== -1 ? lf : crlf;
  return i < limit ? i : -1;
}
