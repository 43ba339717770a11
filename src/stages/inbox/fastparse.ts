// A fast path for the common cases: a single-part text/plain message with ASCII headers (most human
// replies and auto-replies), and a one-level multipart/report or multipart/mixed made of a text part and
// report parts (most bounces and complaints). It reads headers and body without mailparser's stream
// machinery, about ten times cheaper per message (twenty for a bounce). Anything unusual (HTML, nested
// multiparts, file attachments, 8-bit headers, unknown charsets, format=flowed, odd From headers)
// returns null and goes through mailparser, which handles it fully.
import type { ParsedMail, AddressObject } from 'mailparser';
import { TextDecoder } from 'node:util';
import { isAscii } from 'node:buffer';
import { blankLineAt } from './parse-scan.js';

/**
 * Where the header section ends: the first LF (in the first 64 KB) followed by LF or CRLF, all bytes up to it
 * 7-bit and not NUL (8-bit or NUL in headers: let mailparser decide). Native searches: for the blank line, then
 * one for a NUL and one ASCII check of the header bytes (a byte loop did all three before, stopping at the first
 * bad byte; either way a bad byte anywhere up to the blank line means null).
 */
function headerEnd(buf: Buffer): { at: number; sep: number } | null {
  const i = blankLineAt(buf, Math.min(buf.length, 64 * 1024));
  if (i === -1) return null;
  const head = buf.subarray(0, i + 1);
  if (head.indexOf(0) !== -1 || !isAscii(head)) return null;
  return buf[i + 1] === 0x0a ? { at: i + 1, sep: 1 } : { at: i + 1, sep: 2 };
}

// A TextDecoder per charset label, made once: constructing one costs more than decoding a short body.
// decode() without {stream} keeps no state between calls, so sharing them is safe.
const decoders = new Map<string, TextDecoder | null>();
function decoder(charset: string): TextDecoder | null {
  const label = charset.trim().toLowerCase() || 'utf-8';
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null;
    }
    if (decoders.size < 200) decoders.set(label, d);
  }
  return d;
}

function decodeQP(s: string): Buffer {
  const out: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x3d && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(ch & 0xff);
  }
  return Buffer.from(out);
}

/** RFC 2047 encoded words; null when a charset is unknown. */
function decodeWords(value: string): string | null {
  if (!value.includes('=?')) return value;
  let failed = false;
  const joined = value.replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1');
  const out = joined.replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (_m, cs: string, enc: string, data: string) => {
    const d = decoder(cs);
    if (!d) {
      failed = true;
      return '';
    }
    const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQP(data.replace(/_/g, ' '));
    return d.decode(bytes);
  });
  return failed ? null : out;
}

const PARAM = /^\s*([^=\s]+)\s*=\s*"?([^"]*)"?\s*$/;

function params(v: string): { type: string; params: Record<string, string> } {
  const [type, ...rest] = v.split(';');
  const p: Record<string, string> = {};
  for (const part of rest) {
    const m = PARAM.exec(part);
    if (m) p[m[1]!.toLowerCase()] = m[2]!;
  }
  return { type: (type ?? '').trim().toLowerCase(), params: p };
}

const ADDRESS_ALL = /[^\s<>,;"()]{1,64}@[^\s<>,;"()]{1,255}/g;

function addressList(v: string | undefined): AddressObject | undefined {
  if (!v) return undefined;
  // Bounded repeats: `+` rescans a long run without '@' from every start position (quadratic on hostile headers).
  const list = (v.match(ADDRESS_ALL) ?? []).map((address) => ({ address, name: '' }));
  return { value: list, text: v, html: '' } as AddressObject;
}

interface HeaderBlock {
  /** Values by lowercase name, in the order a plain object's keys come (see readHeaders). */
  all: Map<string, string[]>;
  headerLines: { key: string; line: string }[];
}

/** A name a plain object would list first, in numeric order: a canonical array index ("0", "17", not "017"). */
const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/;
function isIndexKey(k: string): boolean {
  return INDEX_KEY.test(k) && Number(k) < 4294967295;
}

const FOLDED = /\r?\n[ \t]+/g;
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** Unfolds and splits an ASCII header block; null on anything a MIME parser would have to guess about. */
function readHeaders(headText: string): HeaderBlock | null {
  // Split at "\n", then one "\r" taken off a line's end: the same lines as split(/\r?\n/) (a match of it is a
  // "\n" with the "\r" just before it, if any), without a regex split; empty lines are skipped.
  const lines = headText.replace(FOLDED, ' ').split('\n');
  const headerLines: { key: string; line: string }[] = [];
  // A Map rather than the plain object it was (a keyed store on an object costs more). Names that are array
  // indexes still come first, in numeric order, as the object's keys did. (A header named "constructor" or
  // "__proto__" is a header like any other: on the object it found the prototype's value and threw.)
  const all = new Map<string, string[]>();
  let indexKeys = false;
  for (let line of lines) {
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (!line.length) continue;
    const i = line.indexOf(':');
    if (i <= 0) return null;
    const key = line.slice(0, i).trim().toLowerCase();
    if (!FIELD_NAME.test(key)) return null;
    const value = line.slice(i + 1).trim();
    const list = all.get(key);
    if (list) list.push(value);
    else {
      if (!indexKeys && key.charCodeAt(0) <= 0x39 && isIndexKey(key)) indexKeys = true;
      all.set(key, [value]);
    }
    headerLines.push({ key, line });
  }
  if (indexKeys) {
    const keys = [...all.keys()];
    const idx = keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
    const ordered = new Map<string, string[]>();
    for (const k of [...idx, ...keys.filter((k) => !isIndexKey(k))]) ordered.set(k, all.get(k)!);
    return { all: ordered, headerLines };
  }
  return { all, headerLines };
}

/** A body decoded by its Content-Transfer-Encoding; null for an encoding we leave to mailparser. */
function decodeTransfer(body: Buffer, cteHeader: string | undefined): Buffer | null {
  const cte = (cteHeader ?? '7bit').toLowerCase().trim();
  if (cte === '7bit' || cte === '8bit' || cte === 'binary') return body;
  if (cte === 'quoted-printable') return decodeQP(body.toString('latin1'));
  if (cte === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  return null;
}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });
const WINDOWS_1252 = new TextDecoder('windows-1252');

/**
 * 8-bit bytes of a text part that declares no charset (or us-ascii) or declares UTF-8: UTF-8 when they are
 * valid UTF-8, else windows-1252, as mail clients read undeclared 8-bit text (old Outlook/Lotus and web forms
 * still send Latin-1 that way). `latin1` tells the caller the fallback was taken.
 */
export function decodeUtf8OrWindows1252(bytes: Uint8Array): { text: string; latin1: boolean } {
  try {
    return { text: FATAL_UTF8.decode(bytes), latin1: false };
  } catch {
    return { text: WINDOWS_1252.decode(bytes), latin1: true };
  }
}

/** Charset labels whose 8-bit bytes are read as UTF-8, else windows-1252 (see decodeUtf8OrWindows1252). */
export function utf8Label(charset: string | undefined): boolean {
  const l = (charset ?? '').trim().toLowerCase();
  return l === '' || l === 'us-ascii' || l === 'ascii' || l === 'utf-8' || l === 'utf8';
}

const CRLF_ALL = /\r\n/g;
/** Labels whose decoder() is UTF-8 ('' included) or windows-1252 (the WHATWG reading of ASCII and Latin-1). */
const ASCII_READ = new Set(['', 'us-ascii', 'ascii', 'utf-8', 'utf8', 'iso-8859-1', 'latin1', 'windows-1252']);

function has8bit(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return true;
  return false;
}

/**
 * A text part as mailparser renders it (CRLF → LF); null when its charset or bytes are not clean. 8-bit text
 * that declares no charset (or us-ascii), and declared UTF-8 that is not valid, go to the mailparser path,
 * which reads them as UTF-8 when valid, else as windows-1252 (parse.ts: relabelLatin1Parts), so both paths
 * give one text; a TextDecoder('us-ascii') here would read valid UTF-8 as windows-1252 (mojibake).
 */
function decodeText(bytes: Buffer, charset: string | undefined): string | null {
  const label = (charset ?? 'us-ascii').trim().toLowerCase();
  // 7-bit text in a charset whose decoder (UTF-8 or windows-1252, see decoder()) reads 7-bit bytes as ASCII: the
  // latin1 text of the bytes is the decoder's text, with no U+FFFD possible and U+0000 only for a NUL byte. Two
  // native scans and a latin1 copy instead of has8bit's byte loop and a TextDecoder call.
  if (ASCII_READ.has(label) && isAscii(bytes)) {
    if (bytes.indexOf(0) !== -1) return null; // let mailparser record the problem (as below)
    return bytes.toString('latin1').replace(CRLF_ALL, '\n');
  }
  const ascii = label === 'us-ascii' || label === 'ascii' || label === '';
  if (ascii && has8bit(bytes)) return null;
  const d = decoder(label);
  if (!d) return null;
  // UTF-8 from Buffer's decoder is the TextDecoder's text but for a leading BOM (which the TextDecoder drops: it
  // decodes those) and for invalid bytes, which both make U+FFFD, refused below either way.
  const utf8 = (label === 'utf-8' || label === 'utf8') && !(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
  const text = (utf8 ? bytes.toString('utf8') : d.decode(bytes)).replace(CRLF_ALL, '\n'); // as mailparser does
  if (text.includes('\uFFFD') || text.includes('\u0000')) return null; // let mailparser record the problem
  return text;
}

/** Parts whose content mailparser hands over as an attachment, undecoded beyond the transfer encoding. */
const REPORT_PARTS = new Set(['message/delivery-status', 'message/global-delivery-status', 'message/feedback-report', 'text/rfc822-headers', 'message/rfc822-headers', 'message/rfc822', 'message/global', 'message/global-headers']);

interface FastAttachment {
  contentType: string;
  content: Buffer;
  size: number;
}

/**
 * The parts of a one-level multipart/report or multipart/mixed body: one plain-text part at most (the
 * text) and report parts (delivery status, feedback report, the original message or its headers), as
 * bounces and complaints are built. Null for anything else (HTML, nested multiparts, file attachments,
 * a missing closing boundary, a line that merely starts like the boundary), which goes to mailparser.
 */
function multipartBody(body: Buffer, boundary: string): { text: string | undefined; attachments: FastAttachment[] } | null {
  if (!boundary || boundary.length > 200) return null;
  const s = body.toString('latin1');
  const open = '--' + boundary;
  // Delimiter lines (RFC 2046): the CRLF before a delimiter belongs to it, not to the part above.
  const parts: string[] = [];
  let partStart = -1;
  let closed = false;
  let pos = 0;
  while (pos <= s.length) {
    const nl = s.indexOf('\n', pos);
    const lineEnd = nl === -1 ? s.length : nl;
    const line = s.slice(pos, lineEnd > pos && s.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd);
    if (line.startsWith(open)) {
      const rest = line.slice(open.length);
      if (rest !== '' && rest !== '--') return null;
      if (partStart >= 0) {
        let end = pos;
        if (end > partStart && s.charCodeAt(end - 1) === 10) end--;
        if (end > partStart && s.charCodeAt(end - 1) === 13) end--;
        parts.push(s.slice(partStart, Math.max(partStart, end)));
      }
      if (rest === '--') {
        closed = true;
        break;
      }
      partStart = nl === -1 ? s.length : nl + 1;
    }
    if (nl === -1) break;
    pos = nl + 1;
  }
  if (!closed || parts.length === 0) return null;
  let text: string | undefined;
  const attachments: FastAttachment[] = [];
  for (const part of parts) {
    const sep = /\r?\n\r?\n/.exec(part);
    const startsBlank = /^\r?\n/.test(part);
    const headText = startsBlank ? '' : sep ? part.slice(0, sep.index) : part;
    if (/[^\x09\x0a\x0d\x20-\x7e]/.test(headText)) return null; // 8-bit or control bytes in part headers
    const h = readHeaders(headText);
    if (!h) return null;
    if ((h.all.get('content-type')?.length ?? 0) > 1 || h.all.get('content-disposition')) return null;
    const bodyText = startsBlank ? part.replace(/^\r?\n/, '') : sep ? part.slice(sep.index + sep[0].length) : '';
    const bytes = decodeTransfer(Buffer.from(bodyText, 'latin1'), h.all.get('content-transfer-encoding')?.[0]);
    if (!bytes) return null;
    const pct = params(h.all.get('content-type')?.[0] ?? 'text/plain');
    if (pct.type === 'text/plain' && !pct.params.name && (pct.params.format ?? '').toLowerCase() !== 'flowed') {
      if (text !== undefined) return null; // several text parts: mailparser joins them its own way
      const t = decodeText(bytes, pct.params.charset);
      if (t === null) return null;
      text = t;
    } else if (REPORT_PARTS.has(pct.type) && !pct.params.name) {
      attachments.push({ contentType: pct.type, content: bytes, size: bytes.length });
    } else return null;
  }
  return { text, attachments };
}

// The patterns of fastParse, made once (a regex literal makes a new RegExp object each time it is evaluated).
// None is used with lastIndex: the global ones only by replace() and match(), which start from 0 and leave it at 0.
const FROM_ANGLE = /^\s*(.*?)\s*<([^<>\s@]+@[^<>\s@]+)>\s*$/;
const FROM_BARE = /^\s*([^\s<>"(),;:]+@[^\s<>"(),;:]+)\s*(\([^()]*\))?\s*$/;
const LIST_SEPARATOR = /[,;]/;
const QUOTED_ALL = /"[^"]*"/g;
const QUOTES_AROUND = /^"(.*)"$/;
const ESCAPED_ALL = /\\(.)/g;
const TRAILING_COMMENT = /\s*\([^)]*\)\s*$/;
const ANGLE_ID = /<[^<>]+>/;

export function fastParse(source: Buffer): ParsedMail | null {
  const end = headerEnd(source);
  if (!end) return null;
  const head = readHeaders(source.subarray(0, end.at).toString('latin1'));
  if (!head) return null;
  const { all, headerLines } = head;
  const headers = new Map<string, string>();
  if ((all.get('from')?.length ?? 0) > 1 || (all.get('content-type')?.length ?? 0) > 1) return null;
  const ct = params(all.get('content-type')?.[0] ?? 'text/plain');
  const bodyRaw = source.subarray(end.at + end.sep);
  let text: string | undefined;
  let attachments: FastAttachment[] = [];
  if (ct.type === 'multipart/report' || ct.type === 'multipart/mixed') {
    const cte = (all.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase().trim();
    if (cte !== '7bit' && cte !== '8bit' && cte !== 'binary') return null;
    const mp = multipartBody(bodyRaw, ct.params.boundary ?? '');
    if (!mp) return null;
    ({ text, attachments } = mp);
  } else {
    if (ct.type !== 'text/plain' || (ct.params.format ?? '').toLowerCase() === 'flowed') return null;
    const bodyBytes = decodeTransfer(bodyRaw, all.get('content-transfer-encoding')?.[0]);
    if (!bodyBytes) return null;
    const t = decodeText(bodyBytes, ct.params.charset);
    if (t === null) return null;
    text = t;
  }

  const subject = decodeWords(all.get('subject')?.[0] ?? '');
  if (subject === null) return null;
  // From: "Name" <addr>, Name <addr>, or a bare address; anything else goes to mailparser.
  let from: AddressObject | undefined;
  const rawFrom = all.get('from')?.[0];
  if (rawFrom !== undefined) {
    // Past a sane length mailparser takes it: the anchored patterns below backtrack quadratically over a long
    // run of spaces (\s*(.*?)\s*).
    if (rawFrom.length > 2000) return null;
    const angle = FROM_ANGLE.exec(rawFrom);
    // (`bare` matters only when `angle` does not match: not tried then.)
    const bare = angle ? null : FROM_BARE.exec(rawFrom);
    if (angle) {
      if (LIST_SEPARATOR.test(angle[1]!.replace(QUOTED_ALL, ''))) return null;
      const name = decodeWords(angle[1]!.replace(QUOTES_AROUND, '$1').replace(ESCAPED_ALL, '$1'));
      if (name === null) return null;
      from = { value: [{ address: angle[2]!, name }], text: rawFrom, html: '' } as AddressObject;
    } else if (bare) {
      from = { value: [{ address: bare[1]!, name: '' }], text: rawFrom, html: '' } as AddressObject;
    } else return null;
  }
  for (const [k, v] of all) headers.set(k, k === 'subject' ? subject : v[0]!);
  const dateRaw = all.get('date')?.[0];
  const date = dateRaw ? new Date(dateRaw.replace(TRAILING_COMMENT, '')) : undefined;
  const firstId = (v: string | undefined) => (v ? (ANGLE_ID.exec(v)?.[0] ?? v.trim()) : undefined);
  return {
    headers: headers as unknown as ParsedMail['headers'],
    headerLines,
    subject,
    from,
    to: addressList(all.get('to')?.join(', ')),
    cc: addressList(all.get('cc')?.join(', ')),
    date: date && !Number.isNaN(date.getTime()) ? date : undefined,
    messageId: firstId(all.get('message-id')?.[0]),
    inReplyTo: firstId(all.get('in-reply-to')?.[0]),
    references: all.get('references')?.join(' '),
    text,
    html: false,
    attachments,
  } as unknown as ParsedMail;
}
