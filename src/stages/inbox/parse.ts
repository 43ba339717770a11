// Parses one raw message (from IMAP or a file) into what the inbox needs: identifiers for threading,
// the classifier's input, and a list of problems. Hostile mail never throws out of here: malformed
// MIME, unknown charsets, absurd nesting, huge attachments and control characters in headers are
// recorded as problems and the message is still stored and classified as well as it can be.
import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail, type AddressObject, type HeaderValue } from 'mailparser';
import { htmlToText, type MailInput } from '../../domain/classify/index.js';
import { fastParse, decodeUtf8OrWindows1252, utf8Label } from './fastparse.js';
import { notMailReason } from '../../adapters/mailfile.js';
import { blankLineAt } from './parse-scan.js';

export interface ParseLimits {
  /** Messages larger than this are parsed from their first parseBytes only. */
  parseBytes: number;
  /** How much of the original to keep in inbound.raw. */
  rawBytes: number;
  /** Keep attachments in inbound.raw (default false: headers and text only). */
  keepAttachments: boolean;
  /** More nested multiparts than this are not parsed as MIME (a parser bomb). */
  maxMimeDepth: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  parseBytes: 4 * 1024 * 1024,
  rawBytes: 256 * 1024,
  keepAttachments: false,
  maxMimeDepth: 40,
};

export interface ParsedMessage {
  messageId: string;
  /** True when the message had no Message-ID and one was derived from its content. */
  syntheticId: boolean;
  /** For a synthetic id: the id versions before 2026-11-28 derived from the same message (a hash of the bytes as
   * they came), so a message stored then is still found, not stored twice. */
  legacyIds?: string[];
  inReplyTo: string | null;
  references: string[];
  from: string;
  fromName: string;
  to: string[];
  cc: string[];
  subject: string;
  date: Date | null;
  input: MailInput;
  /** Message-IDs of the original message quoted inside a bounce or complaint (to find what we sent). */
  originalIds: string[];
  /** Recipients named in an attached original (To:), for bounces without a DSN recipient. */
  originalTo: string[];
  attachments: { filename: string; contentType: string; size: number }[];
  problems: string[];
  raw: Buffer;
  rawSize: number;
}

const CTRL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const CRLF = /[\r\n]+/g;
/** Any character either replacement above would touch (most header values have none: skip both then). */
const MESSAGE_ID_WORD = /message-id/i;
const CTRL_OR_CRLF = /[\u0000-\u001f\u007f]/;

/** One line, no control characters: what every header-derived field stored or printed goes through. */
export function clean(s: string | undefined | null, max = 998): string {
  const v = s ?? '';
  return (CTRL_OR_CRLF.test(v) ? v.replace(CRLF, ' ').replace(CTRL, '') : v).trim().slice(0, max);
}

export function stripAngles(id: string): string {
  return clean(id).replace(/^<+|>+$/g, '').trim();
}

/** Message-IDs in a References/In-Reply-To value, without angle brackets. */
export function splitIds(value: string | string[] | undefined | null): string[] {
  const s = Array.isArray(value) ? value.join(' ') : value ?? '';
  const ids = s.match(/<[^<>\s]{1,500}>/g);
  if (ids) return ids.map((i) => stripAngles(i));
  return s
    .split(/[\s,]+/)
    .map((i) => stripAngles(i))
    .filter((i) => i.includes('@'));
}

function headerString(v: HeaderValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toUTCString();
  if (Array.isArray(v)) return v.map((x) => headerString(x as HeaderValue)).join(', ');
  if (typeof v === 'object') {
    const o = v as { text?: string; value?: unknown; params?: Record<string, string> };
    if (typeof o.text === 'string') return o.text;
    if (typeof o.value === 'string') {
      const params = o.params ? Object.entries(o.params).map(([k, p]) => `; ${k}=${p}`).join('') : '';
      return o.value + params;
    }
  }
  return String(v);
}

function addresses(a: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  const out: { address: string; name: string }[] = [];
  const walk = (vals: { address?: string; name?: string; group?: unknown[] }[]) => {
    for (const v of vals) {
      if (v.group) walk(v.group as typeof vals);
      else if (v.address) out.push({ address: clean(v.address, 320).toLowerCase(), name: clean(v.name, 200) });
    }
  };
  for (const o of list) walk(o.value ?? []);
  return out;
}

/** The header section of a raw message (up to the first blank line). */
export function headerSection(raw: Buffer): Buffer {
  const max = Math.min(raw.length, 256 * 1024);
  const i = blankLineAt(raw, max - 1);
  return i >= 0 ? raw.subarray(0, i + 1) : raw.subarray(0, max);
}

/** "multipart" as bytes. For a lowercase letter t, (b | 0x20) === t holds for b = t and b = t - 0x20 (its capital) only. */
const MULTIPART_LOWER = Buffer.from('multipart', 'latin1');

/**
 * Whether raw[0..end) holds "multipart/" in any case, what /multipart\//i finds in its latin1 text (without the
 * u flag only ASCII letters match case-insensitively there, no other latin1 character folds to one). Each "/" is
 * found by native search and the 9 bytes before it compared: no string of the message is made. Null (undecided)
 * past 64 slashes, so that a body full of them costs no more than the regex: the caller asks the regex then.
 */
function mentionsMultipart(raw: Buffer, end: number): boolean | null {
  let hops = 0;
  for (let i = raw.indexOf(0x2f, 9); i !== -1 && i < end; i = raw.indexOf(0x2f, i + 1)) {
    if (++hops > 64) return null;
    let k = 0;
    while (k < 9 && (raw[i - 9 + k]! | 0x20) === MULTIPART_LOWER[k]) k++;
    if (k === 9) return true;
  }
  return false;
}

const MULTIPART_CT = /^content-type[ \t]*:[ \t]*multipart\//i;
const BOUNDARY_PARAM = /boundary[ \t]*=[ \t]*(?:"([^"]{1,200})"|([^\s;"]{1,200}))/i;

/**
 * Deepest multipart nesting: boundaries declared inside parts of other boundaries, read line by line
 * without parsing (one pass, bounded: stops as soon as the depth passes `limit`). Multiparts side by side
 * do not add up: a delimiter line of an enclosing boundary closes every part opened inside it.
 */
export function mimeDepth(raw: Buffer, limit: number): number {
  const scanned = Math.min(raw.length, 8 * 1024 * 1024);
  const mentions = mentionsMultipart(raw, scanned);
  if (mentions === false) return 0; // most replies: no string made, no line walk
  const text = raw.subarray(0, scanned).toString('latin1');
  if (mentions === null && !/multipart\//i.test(text)) return 0;
  const stack: string[] = [];
  const open = new Map<string, number>(); // boundary -> how many times it is on the stack
  let max = 0;
  let pending: string | null = null; // a multipart Content-Type header, maybe folded over several lines
  const declare = (header: string) => {
    const m = BOUNDARY_PARAM.exec(header);
    const b = m ? (m[1] ?? m[2])! : '';
    stack.push(b);
    open.set(b, (open.get(b) ?? 0) + 1);
    if (stack.length > max) max = stack.length;
  };
  const popTo = (len: number) => {
    while (stack.length > len) {
      const b = stack.pop()!;
      const n = open.get(b)! - 1;
      if (n) open.set(b, n);
      else open.delete(b);
    }
  };
  let pos = 0;
  while (pos < text.length && max <= limit) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const c = text.charCodeAt(pos);
    if (pending !== null) {
      if ((c === 32 || c === 9) && pending.length < 2000) {
        pending += text.slice(pos, Math.min(nl, pos + 2000));
        pos = nl + 1;
        continue;
      }
      declare(pending);
      pending = null;
      if (max > limit) break;
    }
    if (c === 45 && text.charCodeAt(pos + 1) === 45 && open.size) {
      // A delimiter line of a boundary on the stack: "--B" (next part) or "--B--" (end of B).
      let line = text.slice(pos + 2, Math.min(nl, pos + 2 + 210));
      if (line.endsWith('\r')) line = line.slice(0, -1);
      line = line.replace(/[ \t]+$/, '');
      const closing = line.endsWith('--') && open.has(line.slice(0, -2));
      const b = closing ? line.slice(0, -2) : line;
      if (open.has(b)) {
        const i = stack.lastIndexOf(b);
        popTo(closing ? i : i + 1);
      }
    } else if ((c === 67 || c === 99) && MULTIPART_CT.test(text.slice(pos, Math.min(nl, pos + 40)))) {
      pending = text.slice(pos, Math.min(nl, pos + 2000));
    }
    pos = nl + 1;
  }
  if (pending !== null) declare(pending);
  return max;
}

function decodeQP(s: string): Buffer {
  const text = s.replace(/=\r?\n/g, '');
  const out = Buffer.alloc(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x3d && i + 2 < text.length + 0 && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out[n++] = parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = ch & 0xff;
  }
  return out.subarray(0, n);
}

/**
 * The text of every text/plain part, found by a plain line scan (for a multipart bomb too deep to parse
 * as MIME): after a delimiter line of a declared boundary, the part's headers, then its body up to the
 * next delimiter line. One pass over at most `raw.length` bytes, at most `maxText` characters kept.
 */
export function scanTextParts(raw: Buffer, maxText = 256 * 1024): string {
  const text = raw.toString('latin1');
  const boundaries = new Set<string>();
  const out: string[] = [];
  let kept = 0;
  // Top-level header section first: its Content-Type declares the outer boundary.
  let state: string = 'headers'; // 'headers' | 'text' | 'skip'
  let head = '';
  let body: string[] = [];
  let bodyLen = 0;
  let cte = '';
  let charset = '';
  const finishPart = () => {
    if (state === 'text' && body.length) {
      const rawBody = body.join('\n');
      let bytes: Buffer;
      if (cte === 'base64') bytes = Buffer.from(rawBody.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
      else if (cte === 'quoted-printable') bytes = decodeQP(rawBody);
      else bytes = Buffer.from(rawBody, 'latin1');
      let t: string;
      try {
        t = utf8Label(charset) ? decodeUtf8OrWindows1252(bytes).text : new TextDecoder(charset).decode(bytes);
      } catch {
        t = bytes.toString('utf8');
      }
      t = t.trim();
      if (t) {
        out.push(t.slice(0, maxText - kept));
        kept += t.length + 1;
      }
    }
    body = [];
    bodyLen = 0;
  };
  const startBody = () => {
    const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
    const ct = /^content-type[ \t]*:[ \t]*([^;\r\n]*)(.*)$/im.exec(unfolded);
    const type = (ct?.[1] ?? 'text/plain').trim().toLowerCase();
    const b = BOUNDARY_PARAM.exec(ct?.[2] ?? '');
    if (type.startsWith('multipart/') && b && boundaries.size < 10_000) boundaries.add((b[1] ?? b[2])!);
    cte = (/^content-transfer-encoding[ \t]*:[ \t]*([^\s;]+)/im.exec(unfolded)?.[1] ?? '').toLowerCase();
    charset = (/charset[ \t]*=[ \t]*"?([^\s;"]+)/i.exec(ct?.[2] ?? '')?.[1] ?? '').toLowerCase();
    const attachment = /^content-disposition[ \t]*:[ \t]*attachment/im.test(unfolded);
    state = (type === 'text/plain' || type === '') && !attachment ? 'text' : 'skip';
    head = '';
  };
  let pos = 0;
  let top = true;
  while (pos < text.length && kept < maxText) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    let line = text.slice(pos, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = nl + 1;
    if (line.startsWith('--') && boundaries.size) {
      const t = line.replace(/[ \t]+$/, '').slice(2);
      const b = t.endsWith('--') && boundaries.has(t.slice(0, -2)) ? t.slice(0, -2) : t;
      if (boundaries.has(b)) {
        finishPart();
        state = b === t ? 'headers' : 'skip';
        head = '';
        top = false;
        continue;
      }
    }
    if (state === 'headers') {
      if (line === '') {
        startBody();
        // The top-level body of a multipart is a preamble, not text.
        if (top && boundaries.size) state = 'skip';
        top = false;
      } else if (head.length < 8192) head += line + '\n';
    } else if (state === 'text' && bodyLen < maxText) {
      body.push(line);
      bodyLen += line.length + 1;
    }
  }
  finishPart();
  return out.join('\n\n').slice(0, maxText);
}

// ---- A header section too big for the MIME parser ----

/** A header section whose cost passes this is compacted first: mailparser's splitter allows a header block 1 MB,
 * each line counting at least 64 bytes; this leaves a margin. */
const COMPACT_HEAD_COST = 768 * 1024;
/** The fields that matter, kept wherever they stand in a huge header section (up to 4 of each: several From are a problem to see). */
const NEEDED_FIELDS = new Set([
  'from', 'to', 'cc', 'reply-to', 'sender', 'return-path', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'auto-submitted', 'precedence',
  'x-precedence', 'x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-autogenerated', 'x-auto-response-suppress',
  'x-failed-recipients', 'list-id', 'list-unsubscribe', 'x-apple-unsubscribe', 'x-ms-exchange-generated-message-source',
  'x-ms-exchange-inbox-rules-loop',
]);

/**
 * A message whose top-level header section would make mailparser give up ("Max header size for a MIME node
 * exceeded", which loses the body and every header after the limit): the header section rebuilt from the fields
 * that matter (NEEDED_FIELDS, wherever they stand, at most 64 KB each) and the first other fields up to 64 KB,
 * then the body as it is. Null when the header section is within bounds (the usual case: one native search in
 * its first 24 KB). One line scan, memory bounded by the input (at most parseBytes).
 */
export function compactHeaders(raw: Buffer): { source: Buffer; headerBytes: number } | null {
  // Each line counts at least 64 bytes and at most one in two bytes starts a line: under 24 KB the cost stays low.
  const start = raw.subarray(0, 24 * 1024);
  // "\n\n" or "\n\r\n" inside `start` (what two searches for them found before).
  if (blankLineAt(start, start.length) >= 0) return null;
  // First pass: where the header section ends, and what it costs the parser (nothing kept).
  let cost = 0;
  let pos = 0;
  let end = -1; // where the blank line ending the header section starts
  while (pos < raw.length) {
    if (raw[pos] === 0x0a || (raw[pos] === 0x0d && raw[pos + 1] === 0x0a)) {
      end = pos;
      break;
    }
    const nl = raw.indexOf(0x0a, pos);
    const next = nl === -1 ? raw.length : nl + 1;
    cost += Math.max(next - pos, 64);
    pos = next;
  }
  if (cost <= COMPACT_HEAD_COST) return null;
  const headerBytes = end === -1 ? raw.length : end;
  // Second pass, field by field (a line and its continuation lines): the needed ones as they are (up to 4 of a
  // name, 64 KB each), the others copied into one 64 KB buffer while they fit.
  const needed: Buffer[] = [];
  const counts = new Map<string, number>();
  const others = Buffer.alloc(64 * 1024);
  let othersLen = 0;
  const keep = (from: number, to: number) => {
    let colon = from;
    const stop = Math.min(to, from + 80);
    while (colon < stop && raw[colon] !== 0x3a) colon++;
    if (colon === from || colon === stop) return;
    const name = raw.toString('latin1', from, colon).trim().toLowerCase();
    const size = to - from;
    if (NEEDED_FIELDS.has(name)) {
      const n = counts.get(name) ?? 0;
      if (n >= 4) return;
      counts.set(name, n + 1);
      // Cut at 64 KB (a line break at the cut would end the header section: taken off, one put back).
      let cut = Math.min(to, from + 64 * 1024);
      while (cut > from && (raw[cut - 1] === 0x0a || raw[cut - 1] === 0x0d)) cut--;
      needed.push(raw.subarray(from, cut), Buffer.from('\r\n'));
    } else if (size <= 4096 && othersLen + size + 2 <= others.length) {
      let cut = to;
      while (cut > from && (raw[cut - 1] === 0x0a || raw[cut - 1] === 0x0d)) cut--;
      othersLen += raw.copy(others, othersLen, from, cut);
      othersLen += others.write('\r\n', othersLen, 'latin1');
    }
  };
  let fieldStart = -1;
  pos = 0;
  while (pos < headerBytes) {
    const nl = raw.indexOf(0x0a, pos);
    const next = nl === -1 || nl >= headerBytes ? headerBytes : nl + 1;
    if (raw[pos] !== 0x20 && raw[pos] !== 0x09) {
      if (fieldStart >= 0) keep(fieldStart, pos);
      fieldStart = pos;
    }
    pos = next;
  }
  if (fieldStart >= 0) keep(fieldStart, headerBytes);
  const body = end === -1 ? Buffer.from('\r\n') : raw.subarray(end);
  return { source: Buffer.concat([...needed, others.subarray(0, othersLen), body]), headerBytes };
}

// ---- 8-bit text that is not UTF-8 (undeclared Latin-1, or mislabelled as UTF-8) ----

/** A part's header block with its charset made windows-1252 (a Content-Type added when it has none). */
function withWindows1252(head: string): string {
  const eol = head.includes('\r\n') ? '\r\n' : '\n';
  const m = /^content-type[ \t]*:(.*(?:\r?\n[ \t].*)*)\r?\n?/im.exec(head);
  if (!m) return `Content-Type: text/plain; charset=windows-1252${eol}${head}`;
  let value = m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim();
  value = /charset[ \t]*=/i.test(value) ? value.replace(/charset[ \t]*=[ \t]*(?:"[^"]*"|[^\s;]*)/i, 'charset=windows-1252') : `${value}; charset=windows-1252`;
  return head.slice(0, m.index) + `Content-Type: ${value}${eol}` + head.slice(m.index + m[0].length);
}

/**
 * The message with `charset=windows-1252` on every text/plain or text/html part that declares no charset,
 * us-ascii or UTF-8 but whose bytes (after the transfer encoding) are not valid UTF-8, so that mailparser
 * reads them as mail clients do instead of as U+FFFD; null when no part is. `declaredUtf8`: one of them
 * declared UTF-8 (a mislabel, recorded as a problem). One line scan, as many edits as such parts.
 */
export function relabelLatin1Parts(raw: Buffer): { source: Buffer; declaredUtf8: boolean } | null {
  const s = raw.toString('latin1');
  const edits: { start: number; end: number; header: string }[] = [];
  const boundaries = new Set<string>();
  let declaredUtf8 = false;
  let state: 'headers' | 'body' | 'skip' = 'headers';
  let headStart = 0;
  let headEnd = 0;
  let bodyStart = -1;
  let info: PartInfo | null = null;
  const finish = (end: number) => {
    if (state === 'body' && info && bodyStart >= 0 && edits.length < 1000) {
      let e = end;
      // The line break before a delimiter line belongs to the delimiter.
      if (e > bodyStart && s.charCodeAt(e - 1) === 10) e--;
      if (e > bodyStart && s.charCodeAt(e - 1) === 13) e--;
      const body = s.slice(bodyStart, Math.max(bodyStart, e));
      const bytes =
        info.cte === 'base64' ? Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') : info.cte === 'quoted-printable' ? decodeQP(body) : Buffer.from(body, 'latin1');
      if (decodeUtf8OrWindows1252(bytes).latin1) {
        edits.push({ start: headStart, end: headEnd, header: withWindows1252(s.slice(headStart, headEnd)) });
        if (info.charset === 'utf-8' || info.charset === 'utf8') declaredUtf8 = true;
      }
    }
    state = 'skip';
    bodyStart = -1;
    info = null;
  };
  let pos = 0;
  while (pos < s.length) {
    let nl = s.indexOf('\n', pos);
    if (nl === -1) nl = s.length;
    const line = s.charCodeAt(nl - 1) === 13 && nl > pos ? s.slice(pos, nl - 1) : s.slice(pos, nl);
    if (boundaries.size && line.startsWith('--')) {
      const t = line.replace(/[ \t]+$/, '').slice(2);
      const closing = t.endsWith('--') && boundaries.has(t.slice(0, -2));
      if (closing || boundaries.has(t)) {
        finish(pos);
        state = closing ? 'skip' : 'headers';
        headStart = nl + 1;
        pos = nl + 1;
        continue;
      }
    }
    if (state === 'headers' && line === '') {
      headEnd = pos;
      info = partInfo(s.slice(headStart, headEnd));
      if (info.type.startsWith('multipart/')) {
        if (info.boundary && boundaries.size < 1000) boundaries.add(info.boundary);
        state = 'skip';
      } else if ((info.type === '' || info.type === 'text/plain' || info.type === 'text/html') && !info.attachment && utf8Label(info.charset)) {
        state = 'body';
        bodyStart = nl + 1;
      } else state = 'skip';
    }
    pos = nl + 1;
  }
  finish(s.length);
  if (!edits.length) return null;
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += s.slice(at, e.start) + e.header;
    at = e.end;
  }
  out += s.slice(at);
  return { source: Buffer.from(out, 'latin1'), declaredUtf8 };
}

// ---- Reading the text of malformed MIME (a boundary that never occurs, none at all, a bad transfer encoding) ----

/** A part-header line ("Content-Type: ...", "MIME-Version: 1.0") where a part starts. */
const PART_HEADER = /^(content-[a-z0-9-]{1,40}|mime-version)[ \t]*:/i;
/** What a delimiter line looks like whatever its boundary: "--" and up to 70 boundary characters (RFC 2046 bchars, no space). */
const DELIMITER_LIKE = /^--([0-9A-Za-z'()+_,\-./:=?]{1,70})[ \t]*$/;
/** A boundary parameter, read leniently (an unclosed quote too: boundary="XYZ). */
const LENIENT_BOUNDARY = /\bboundary[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|"?([^\s;"]{1,200}))/i;

/** Characters that are not text: the replacement character, C0 controls but tab/newline/CR/FF, and C1 controls. */
const BAD_CHARS = /[\uFFFD\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/g;

const BAD_CHAR = new RegExp(BAD_CHARS.source);

/** The share of characters in `s` that are not text (0 for an empty string). */
export function badShare(s: string): number {
  if (!s || !BAD_CHAR.test(s)) return 0; // the usual case, without collecting matches
  const sample = s.length > 200_000 ? s.slice(0, 200_000) : s;
  return (sample.match(BAD_CHARS)?.length ?? 0) / sample.length;
}

function hasWords(s: string): boolean {
  return /\p{L}{2,}/u.test(s);
}

interface PartInfo {
  type: string;
  cte: string;
  charset: string;
  attachment: boolean;
  boundary: string | null;
}

function partInfo(headerText: string): PartInfo {
  const unfolded = headerText.replace(/\r?\n[ \t]+/g, ' ');
  const ct = /^content-type[ \t]*:[ \t]*([^;\r\n]*)(.*)$/im.exec(unfolded);
  const b = LENIENT_BOUNDARY.exec(ct?.[2] ?? '');
  return {
    type: (ct?.[1] ?? '').trim().toLowerCase(),
    cte: (/^content-transfer-encoding[ \t]*:[ \t]*"?([^\s;"]+)/im.exec(unfolded)?.[1] ?? '').toLowerCase(),
    charset: (/charset[ \t]*=[ \t]*"?([^\s;"]+)/i.exec(ct?.[2] ?? '')?.[1] ?? '').toLowerCase(),
    attachment: /^content-disposition[ \t]*:[ \t]*attachment/im.test(unfolded),
    boundary: b ? (b[1] ?? b[2])!.trim() : null,
  };
}

/** Bytes as text in their charset (none, ASCII or UTF-8: UTF-8 when valid, else windows-1252, as parseMessage reads them). */
function decodeCharset(bytes: Buffer, charset: string): string {
  if (utf8Label(charset)) return decodeUtf8OrWindows1252(bytes).text;
  const label = charset;
  let t: string;
  try {
    t = new TextDecoder(label).decode(bytes);
  } catch {
    t = new TextDecoder('utf-8').decode(bytes);
  }
  return t;
}

const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64_CTE = /^content-transfer-encoding[ \t]*:[ \t]*"?base64/im;

/**
 * A part's body decoded by its transfer encoding as well as it can be: base64 runs that decode to text
 * are decoded, lines that are not base64 (or decode to garbage) are kept as they are; quoted-printable
 * keeps an invalid "=XY" as written. `invalid` is set when declared base64 was not.
 */
function decodeLeniently(lines: string[], info: PartInfo): { text: string; invalid: boolean } {
  const charset = info.charset;
  if (info.cte === 'base64') {
    const out: string[] = [];
    let invalid = false;
    let run: string[] = [];
    let rawRun: string[] = [];
    const flush = () => {
      if (!run.length) return;
      const joined = run.join('');
      const t = decodeCharset(Buffer.from(joined, 'base64'), charset);
      // Text that was never base64 ("Yes", "Thanks") also fits the alphabet: keep whichever reads as text.
      // (Long lines of real base64 that decode to binary are not text either way: dropped.)
      if ((joined.length % 4 !== 0 && !joined.endsWith('=')) || badShare(t) > 0.02) {
        if (!rawRun.some((l) => l.length >= 60)) {
          invalid = true;
          out.push(decodeCharset(Buffer.from(rawRun.join('\n'), 'latin1'), charset));
        }
      } else out.push(t);
      run = [];
      rawRun = [];
    };
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      if (BASE64_LINE.test(line)) {
        run.push(line);
        rawRun.push(line);
        continue;
      }
      const alphabet = line.replace(/[^A-Za-z0-9+/=]/g, '');
      if (!/\s/.test(line) && alphabet.length >= 0.8 * line.length) {
        // Base64 with a few stray characters: dropped, as a MIME parser does.
        run.push(alphabet);
        rawRun.push(line);
      } else {
        // A line of words where base64 was declared: the text itself.
        flush();
        invalid = true;
        out.push(decodeCharset(Buffer.from(line, 'latin1'), charset));
      }
    }
    flush();
    return { text: out.join('\n'), invalid };
  }
  const body = lines.join('\n');
  // An invalid "=XY" is kept as written (as mailparser does): nothing to recover, so not reported.
  if (info.cte === 'quoted-printable') return { text: decodeCharset(decodeQP(body), charset), invalid: false };
  return { text: decodeCharset(Buffer.from(body, 'latin1'), charset), invalid: false };
}

/**
 * The first line of the body that works as a multipart delimiter: "--X" followed by part headers (or a
 * blank line and text), or closed later by "--X--". Null when the body has none.
 */
export function findDelimiter(body: string): string | null {
  const lines = body.slice(0, 4 * 1024 * 1024).split(/\r?\n/);
  const closings = new Set<string>();
  for (const l of lines) {
    const m = DELIMITER_LIKE.exec(l);
    if (m && m[1]!.endsWith('--') && m[1]!.length > 2) closings.add(m[1]!.slice(0, -2));
  }
  for (let i = 0; i < lines.length; i++) {
    const m = DELIMITER_LIKE.exec(lines[i]!);
    if (!m) continue;
    const b = m[1]!;
    if (b.endsWith('--') && closings.has(b.slice(0, -2))) continue; // a closing line, not an opening one
    if (closings.has(b) && /[0-9A-Za-z]/.test(b)) return b;
    if (PART_HEADER.test(lines[i + 1] ?? '')) return b;
  }
  return null;
}

/**
 * The text of a body read without a MIME parser: parts split at delimiter lines of `boundaries` (and of
 * multiparts declared inside), each decoded leniently; text/plain parts first, else text/html as text.
 * `top` describes the message itself (its Content-Type); a multipart's preamble is skipped.
 */
export function lenientText(body: string, top: PartInfo, boundaries: Set<string>, maxText = 256 * 1024): { text: string; invalidEncoding: boolean } {
  const plain: string[] = [];
  const html: string[] = [];
  let invalidEncoding = false;
  let kept = 0;
  let info: PartInfo | null = top.type.startsWith('multipart/') ? null : top;
  let state: 'headers' | 'body' | 'skip' = info ? 'body' : 'skip';
  let head = '';
  let lines: string[] = [];
  let len = 0;
  const finish = () => {
    if (state === 'body' && info && lines.length && !info.attachment) {
      const isHtml = info.type === 'text/html';
      if (info.type === '' || info.type === 'text/plain' || isHtml) {
        const d = decodeLeniently(lines, info);
        invalidEncoding ||= d.invalid;
        const t = (isHtml ? htmlToText(d.text) : d.text.replace(/\r\n/g, '\n')).trim();
        if (t) {
          (isHtml ? html : plain).push(t);
          kept += t.length;
        }
      }
    }
    lines = [];
    len = 0;
  };
  let pos = 0;
  while (pos < body.length && kept < maxText) {
    let nl = body.indexOf('\n', pos);
    if (nl === -1) nl = body.length;
    let line = body.slice(pos, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = nl + 1;
    if (line.startsWith('--') && boundaries.size) {
      const t = line.replace(/[ \t]+$/, '').slice(2);
      const closing = t.endsWith('--') && boundaries.has(t.slice(0, -2));
      if (closing || boundaries.has(t)) {
        finish();
        state = closing ? 'skip' : 'headers';
        head = '';
        continue;
      }
    }
    if (state === 'headers') {
      if (line === '' || (!PART_HEADER.test(line) && !/^[ \t]/.test(line) && !/^[\x21-\x39\x3b-\x7e]{1,60}:/.test(line))) {
        // The end of the part headers (or a part without any: its first line is text).
        info = partInfo(head);
        if (info.type.startsWith('multipart/')) {
          if (info.boundary && boundaries.size < 1000) boundaries.add(info.boundary);
          state = 'skip';
        } else {
          state = 'body';
          if (line !== '') lines.push(line);
        }
        head = '';
      } else if (head.length < 8192) head += line + '\n';
    } else if (state === 'body' && len < maxText * 4) {
      lines.push(line);
      len += line.length + 1;
    }
  }
  finish();
  const text = (plain.length ? plain : html).join('\n\n').slice(0, maxText);
  return { text, invalidEncoding };
}

/** The body with part-header lines and delimiter-looking lines taken out, as text (HTML made text). */
function bodyMinusPartHeaders(body: string, charset: string): string {
  const out: string[] = [];
  let inHeader = false;
  for (const line of body.slice(0, 1024 * 1024).split(/\r?\n/)) {
    if (PART_HEADER.test(line)) {
      inHeader = true;
      continue;
    }
    if (inHeader && /^[ \t]+\S/.test(line)) continue; // a folded part header
    inHeader = false;
    if (DELIMITER_LIKE.test(line)) continue;
    out.push(line);
  }
  const t = decodeCharset(Buffer.from(out.join('\n'), 'latin1'), charset).trim();
  return /<(html|body|div|p|br|table|span|font)\b/i.test(t) ? htmlToText(t) : t;
}

/** The body (after the header section and its blank line) of a raw message, as latin1 text. */
function bodyOf(raw: Buffer): string {
  let at = headerSection(raw).length;
  if (raw[at] === 0x0d) at++;
  if (raw[at] === 0x0a) at++;
  return raw.subarray(at).toString('latin1');
}

function hasDelimiterLine(body: string, boundary: string): boolean {
  const d = '--' + boundary;
  let i = body.indexOf(d);
  while (i >= 0) {
    if (i === 0 || body.charCodeAt(i - 1) === 10) return true;
    i = body.indexOf(d, i + 1);
  }
  return false;
}

export interface Recovered {
  text: string;
  problem: string;
  /** The declared boundary never occurs in the body (or none is declared). */
  boundaryMissing: boolean;
  /** The body parsed again as MIME with the delimiter it really uses (its attachments and report parts). */
  parsed?: ParsedMail;
}

const SIXTY_FOUR = Buffer.from('64', 'latin1');
const BASE64_SPELLINGS = ['base64', 'BASE64', 'Base64'].map((w) => Buffer.from(w, 'latin1'));

/**
 * Whether raw holds "base64", "BASE64" or "Base64": one search for "64" and a look at the 4 bytes before each; past
 * 32 of them (a body full of "64"), the three searches it always made.
 */
function mentionsBase64(raw: Buffer): boolean {
  let hops = 0;
  for (let i = raw.indexOf(SIXTY_FOUR, 4); i !== -1; i = raw.indexOf(SIXTY_FOUR, i + 1)) {
    if (++hops > 32) return BASE64_SPELLINGS.some((w) => raw.indexOf(w) >= 0);
    const b = raw[i - 4];
    const rest = raw.toString('latin1', i - 3, i);
    if ((b === 0x62 && rest === 'ase') || (b === 0x42 && (rest === 'ASE' || rest === 'ase'))) return true;
  }
  return false;
}

/** The parser's text is poor: no words, or more than 2% of it not text. */
function poorText(current: string): boolean {
  return !hasWords(current) || badShare(current) > 0.02;
}

/**
 * False when recoverText(raw, current) returns null at once: the text reads well and the message never mentions
 * base64 (most replies). Synchronous, so parseMessage calls the async recoverText (a promise and an await) only
 * for the others.
 */
function mayRecoverText(raw: Buffer, current: string): boolean {
  return poorText(current) || mentionsBase64(raw);
}

/**
 * The text of a message whose MIME went wrong, or null when the parser's text is fine. Multiparts whose
 * declared boundary never occurs (or that declare none) are read with the delimiter the body really uses,
 * else as text without the part headers; a text part whose transfer encoding is invalid (or a body that
 * came out as garbage or empty while it holds text) is decoded leniently.
 */
export async function recoverText(raw: Buffer, current: string, mailparserOptions: Parameters<typeof simpleParser>[1]): Promise<Recovered | null> {
  // It runs on every message: the cheap tests first, so a readable reply that never mentions base64 costs
  // two scans of its text and one byte search, nothing more (parseMessage makes those tests first: mayRecoverText).
  const poor = poorText(current);
  // Text declared base64 that is not (a garbage decoding may still look like letters, in latin-1 say).
  // (A native byte search first: most replies never mention base64.)
  const mentions = mentionsBase64(raw);
  if (!poor && !mentions) return null;
  const headerText = headerSection(raw).toString('latin1');
  const top = partInfo(headerLinesOf(headerText, 'content-type').map((v) => `Content-Type: ${v}`)[0] ?? '');
  top.cte = (headerLinesOf(headerText, 'content-transfer-encoding')[0] ?? '').trim().toLowerCase().replace(/^"|"$/g, '');
  const body = bodyOf(raw);
  if (!poor && !BASE64_CTE.test(headerText) && !BASE64_CTE.test(body)) return null;
  if (!body.trim()) return null;
  if (top.type.startsWith('multipart/') && (!top.boundary || !hasDelimiterLine(body, top.boundary))) {
    if (!poor) return null;
    const what = top.boundary ? 'multipart boundary not found' : 'multipart without a boundary parameter';
    const used = findDelimiter(body);
    if (used) {
      try {
        const head = Buffer.from(`MIME-Version: 1.0\r\nContent-Type: ${top.type}; boundary="${used}"\r\n\r\n`, 'latin1');
        const parsed = await simpleParser(Buffer.concat([head, Buffer.from(body, 'latin1')]), mailparserOptions);
        let text = parsed.text ?? '';
        if (!hasWords(text) && typeof parsed.html === 'string' && parsed.html) text = htmlToText(parsed.html);
        if (hasWords(text) && badShare(text) <= 0.02) return { text, problem: `${what}: parts read with the delimiter the body uses (--${clean(used, 70)})`, boundaryMissing: true, parsed };
      } catch {
        // read below without a parser
      }
      const l = lenientText(body, top, new Set([used]));
      if (hasWords(l.text)) return { text: l.text, problem: `${what}: parts read with the delimiter the body uses (--${clean(used, 70)})${l.invalidEncoding ? '; invalid transfer encoding in a text part' : ''}`, boundaryMissing: true };
    }
    const text = bodyMinusPartHeaders(body, top.charset);
    return hasWords(text) ? { text, problem: `${what}: read the body as text`, boundaryMissing: true } : null;
  }
  // A well-formed structure whose text part came out empty or as garbage: decode the text parts leniently.
  const boundaries = new Set<string>(top.boundary ? [top.boundary] : []);
  const l = lenientText(body, top, boundaries);
  if (!hasWords(l.text)) return null;
  if (poor) {
    if (hasWords(current) && badShare(l.text) >= badShare(current) / 2) return null;
  } else if (!l.invalidEncoding || badShare(l.text) > badShare(current)) return null;
  return { text: l.text, problem: l.invalidEncoding ? 'invalid transfer encoding in a text part: read as well as possible' : 'text part not decodable by the MIME parser: read as well as possible', boundaryMissing: false };
}

/**
 * The bytes a synthetic Message-ID is computed from: line endings made CRLF and trailing whitespace at
 * the end removed, so one message saved as an LF .eml and found again in a CRLF mbox is one message.
 */
export function canonicalForId(source: Buffer): string {
  const s = source.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c === 32 || c === 9 || c === 13 || c === 10) end--;
    else break;
  }
  return s.slice(0, end);
}

/**
 * Header fields that delivery adds (MTA, LDA/LMTP, Maildir/mbox stores, spam and virus filters, the receiving
 * side's authentication checks), not the sender: the same message exported as an .eml and fetched from IMAP
 * differs only in these.
 */
const TRACE_FIELD =
  /^(?:return-path|delivered-to|x-delivered-to|x-original-to|envelope-to|x-envelope-(?:from|to)|received|received-spf|authentication-results|arc-(?:seal|message-signature|authentication-results)|x-spam(?:-[a-z0-9-]*)?|x-spamd-[a-z0-9-]*|x-virus-[a-z0-9-]*|x-rspamd-[a-z0-9-]*|x-sieve(?:-[a-z0-9-]*)?|x-uid|x-keywords|x-status|status|x-imapbase|content-length|lines)[ \t]*:/i;

/**
 * The id source: the canonical form (canonicalForId) with the top-level trace fields (TRACE_FIELD) taken out,
 * so a message without a Message-ID gets one id however it reached us. `withTrace`: the canonical form with
 * them, what versions before 2026-11-29 hashed (the same string when the message has none: its id is unchanged).
 */
export function idSources(source: Buffer): { id: string; withTrace: string } {
  const withTrace = canonicalForId(source);
  let end = withTrace.indexOf('\r\n\r\n');
  end = end === -1 ? withTrace.length : end + 2;
  // (A hostile header section is read for trace fields in its first 1 MB only: the id stays a function of the bytes.)
  end = Math.min(end, 1024 * 1024);
  // Spans of trace fields (a field and its continuation lines), adjacent ones merged: [from, to, from, to, ...].
  const spans: number[] = [];
  let skip = false;
  let pos = 0;
  while (pos < end) {
    let nl = withTrace.indexOf('\r\n', pos);
    nl = nl === -1 || nl + 2 > end ? end : nl + 2;
    const c = withTrace.charCodeAt(pos);
    if (c !== 32 && c !== 9) skip = TRACE_FIELD.test(withTrace.slice(pos, Math.min(nl, pos + 80)));
    if (skip) {
      if (spans.length && spans[spans.length - 1] === pos) spans[spans.length - 1] = nl;
      else spans.push(pos, nl);
    }
    pos = nl;
  }
  if (!spans.length) return { id: withTrace, withTrace };
  let id = '';
  let at = 0;
  for (let i = 0; i < spans.length; i += 2) {
    id += withTrace.slice(at, spans[i]);
    at = spans[i + 1]!;
  }
  return { id: id + withTrace.slice(at), withTrace };
}

const headerRes = new Map<string, RegExp>();
let lastFolded = '';
let lastUnfolded = '';

const RFC822_PART = /^content-type:[ \t]*message\/(?:rfc822|global)\b/gim;
const MESSAGE_SLASH = Buffer.from('message/', 'latin1');
const EMBEDDED_TYPES = ['message/rfc822', 'message/global'].map((w) => Buffer.from(w, 'latin1'));

/**
 * Whether source holds "message/rfc822" or "message/global": one search for "message/" and a look after each; past
 * 32 of them, the two searches it always made.
 */
function mentionsEmbeddedMessage(source: Buffer): boolean {
  let hops = 0;
  for (let i = source.indexOf(MESSAGE_SLASH); i !== -1; i = source.indexOf(MESSAGE_SLASH, i + 1)) {
    if (++hops > 32) return EMBEDDED_TYPES.some((w) => source.indexOf(w) >= 0);
    const rest = source.toString('latin1', i + 8, i + 14);
    if (rest === 'rfc822' || rest === 'global') return true;
  }
  return false;
}

/**
 * The header sections of the messages inside message/rfc822 (or message/global) parts, read from the source (its
 * first MB, at most 64 KB each): for a part mailparser folded into the text instead of listing it as an attachment.
 */
function inlineOriginalHeaders(source: Buffer): string {
  const MAX = 1 << 20;
  if (!mentionsEmbeddedMessage(source)) return '';
  const head = source.subarray(0, Math.min(source.length, MAX)).toString('latin1');
  let out = '';
  RFC822_PART.lastIndex = 0;
  for (let m = RFC822_PART.exec(head); m; m = RFC822_PART.exec(head)) {
    const blank = /\r?\n\r?\n/g; // the end of the part's own headers: the embedded message starts after it
    blank.lastIndex = m.index;
    const partEnd = blank.exec(head);
    if (!partEnd) break;
    const start = partEnd.index + partEnd[0].length;
    blank.lastIndex = start;
    const innerEnd = blank.exec(head);
    const end = Math.min(innerEnd ? innerEnd.index : head.length, start + 64 * 1024);
    if (end > start) out += Buffer.from(head.slice(start, end), 'latin1').toString('utf8') + '\n';
    if (out.length > 256 * 1024) break;
    RFC822_PART.lastIndex = Math.max(RFC822_PART.lastIndex, end);
  }
  return out;
}

/** Unfolded header lines of a text block (for attached originals and rfc822-headers parts). */
function headerLinesOf(text: string, name: string): string[] {
  // The same header block is often asked for several names in a row: unfold it once.
  if (text !== lastFolded) {
    lastFolded = text;
    lastUnfolded = text.replace(/\r?\n[ \t]+/g, ' ');
  }
  const unfolded = lastUnfolded;
  let re = headerRes.get(name);
  if (!re) headerRes.set(name, (re = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'gim')));
  re.lastIndex = 0;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(unfolded))) out.push(m[1]!);
  return out;
}

const CLOSING_MISSING = 'multipart message without its closing boundary (truncated or malformed MIME)';

const MAILPARSER_OPTIONS = {
  keepDeliveryStatus: true,
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipHtmlToText: true,
  maxHtmlLengthToParse: 1024 * 1024,
};

/**
 * `fastPath: false` sends every message through mailparser (tests compare the two ways). `size`: the message's
 * whole size when `source` holds only its start (a file import reads no more of a huge message than it parses).
 */
export async function parseMessage(source: Buffer, limits: ParseLimits = DEFAULT_LIMITS, opts: { fastPath?: boolean; size?: number } = {}): Promise<ParsedMessage> {
  // Not mail at all (random binary, an empty or a text file): refused, with the reason, rather than
  // stored as a reply nobody wrote.
  const notMail = notMailReason(source);
  if (notMail) throw new Error(notMail);
  const problems: string[] = [];
  const rawSize = Math.max(source.length, opts.size ?? 0);
  let toParse = source;
  // Classic Mac line endings (CR only) defeat MIME parsers: turn them into CRLF first.
  const probe = source.subarray(0, 4096);
  if (!probe.includes(0x0a) && probe.includes(0x0d)) {
    source = Buffer.from(source.toString('latin1').replace(/\r(?!\n)/g, '\r\n'), 'latin1');
    toParse = source;
    problems.push('CR-only line endings');
  }
  if (rawSize > limits.parseBytes) {
    problems.push(`message is ${rawSize} bytes; parsed the first ${limits.parseBytes} only`);
    toParse = source.subarray(0, limits.parseBytes);
  }
  // A header section too big for the MIME parser would hide the body and the headers past its limit: the fields
  // that matter and the body are read by a bounded plain scan, then parsed as a message of a sane size.
  const compacted = compactHeaders(toParse);
  if (compacted) {
    problems.push(
      `header section of ${compacted.headerBytes} bytes too big to parse as MIME: read by a plain scan (the headers that matter: From, Subject, Date, Message-ID, In-Reply-To, References, Content-Type...; of the others, the first 64 KB)`,
    );
    toParse = compacted.source;
  }
  const depth = mimeDepth(toParse, limits.maxMimeDepth);
  let parsed: ParsedMail | null = null;
  let scanned: string | null = null;
  if (depth > limits.maxMimeDepth) {
    // A multipart bomb: headers parsed as MIME, the text parts read by a bounded line scan.
    problems.push(`more than ${limits.maxMimeDepth} nested multiparts; body not parsed as MIME (text parts read by a plain scan)`);
    scanned = scanTextParts(toParse);
    toParse = headerSection(toParse);
  }
  try {
    parsed = (opts.fastPath === false ? null : fastParse(toParse)) ?? await simpleParser(toParse, MAILPARSER_OPTIONS);
  } catch (err) {
    problems.push(`unparseable MIME: ${clean((err as Error).message, 200)}`);
  }

  // 8-bit text that is not UTF-8 (undeclared Latin-1, or mislabelled UTF-8): mailparser made it U+FFFD. Read
  // those parts again as windows-1252, as mail clients do (the fast path does the same for a single part).
  if (parsed && scanned === null && (parsed.text?.includes('\uFFFD') || (typeof parsed.html === 'string' && parsed.html.includes('\uFFFD')))) {
    const relabelled = relabelLatin1Parts(toParse);
    if (relabelled) {
      try {
        const again = await simpleParser(relabelled.source, MAILPARSER_OPTIONS);
        parsed.text = again.text;
        parsed.html = again.html;
        if (relabelled.declaredUtf8) problems.push('text declared as charset utf-8 is not valid UTF-8: read as windows-1252');
      } catch {
        // keep what the first parse read
      }
    }
  }

  const hdrText = headerSection(compacted ? toParse : source).toString('utf8');
  // No prototype: a header named "__proto__" or "constructor" (hostile mail) is a key like any other.
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  if (parsed) {
    for (const [k, v] of parsed.headers) headers[k.toLowerCase()] = [clean(headerString(v), 4000)];
    // Repeated headers (several Received:, two From:) keep all values from the raw lines.
    for (const line of parsed.headerLines ?? []) {
      if (line.key === 'from' || line.key === 'auto-submitted') {
        const list = headerLinesOf(hdrText, line.key);
        if (list.length > 1) headers[line.key] = list.map((x) => clean(x, 4000));
      }
    }
  } else {
    for (const name of ['from', 'to', 'subject', 'message-id', 'in-reply-to', 'references', 'date', 'content-type', 'auto-submitted', 'precedence', 'x-autoreply', 'x-failed-recipients']) {
      const vals = headerLinesOf(hdrText, name);
      if (vals.length) headers[name] = vals.map((x) => clean(x, 4000));
    }
  }
  if ((headers['from']?.length ?? 0) > 1) problems.push('several From headers');
  if (/[\r\n]/.test(headerString(parsed?.headers.get('subject')))) problems.push('line breaks inside a header (header injection attempt)');
  if (/\u0000/.test(hdrText)) problems.push('NUL bytes in headers');

  const fromList = parsed ? addresses(parsed.from) : [];
  let from = fromList[0]?.address ?? '';
  let fromName = fromList[0]?.name ?? '';
  if (!parsed && headers['from']) {
    const m = /<?([^<>\s@]{1,64}@[^<>\s]{1,255}?)>?\s*$/.exec(headers['from'][0]!);
    from = m ? m[1]!.toLowerCase() : '';
  }
  if (fromList.length > 1) problems.push('several addresses in From');
  if (!from) problems.push('no usable From address');
  const ctHeader = headers['content-type']?.[0] ?? '';
  const boundary = /multipart\/[^;]*;.*boundary=("?)([^";]+)\1/i.exec(ctHeader)?.[2];
  if (boundary && depth <= limits.maxMimeDepth && !toParse.includes(`--${boundary}--`)) problems.push(CLOSING_MISSING);
  if (from && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(from)) {
    problems.push(`malformed From address "${clean(from, 80)}"`);
  }
  const subject = clean(parsed?.subject ?? headers['subject']?.[0] ?? '', 500);
  let date: Date | null = parsed?.date ?? null;
  if (date && Number.isNaN(date.getTime())) date = null;
  if (!date && (headers['date']?.length ?? 0) > 0) problems.push('unreadable Date header');

  let text = scanned ?? parsed?.text ?? '';
  if (!text.trim() && parsed && typeof parsed.html === 'string' && parsed.html) text = htmlToText(parsed.html);
  // Malformed MIME (a boundary that never occurs, none declared, an invalid transfer encoding) must not
  // lose what the person wrote: read the body leniently when the parser found no readable text.
  let bodyParsed = parsed;
  if (parsed && scanned === null && mayRecoverText(toParse, text)) {
    const rec = await recoverText(toParse, text, MAILPARSER_OPTIONS);
    if (rec) {
      text = rec.text;
      // A boundary that never occurs is what went wrong, not a missing closing line of it.
      if (rec.boundaryMissing && problems.includes(CLOSING_MISSING)) problems.splice(problems.indexOf(CLOSING_MISSING), 1);
      problems.push(rec.problem);
      if (rec.parsed) bodyParsed = rec.parsed;
    }
  }
  if (!parsed && scanned === null) {
    // Best effort: the body after the header section, as text.
    text = decodeUtf8OrWindows1252(source.subarray(headerSection(source).length, Math.min(source.length, 256 * 1024))).text;
  }
  if (text.includes('\uFFFD')) problems.push('undecodable characters (bad or unknown charset)');
  if (text.includes('\u0000')) text = text.replace(/\u0000/g, '');
  text = text.slice(0, 1024 * 1024);

  let deliveryStatus = '';
  let feedbackReport = '';
  let originalHeaders = '';
  const attachments: ParsedMessage['attachments'] = [];
  for (const a of bodyParsed?.attachments ?? []) {
    const ct = (a.contentType || '').toLowerCase();
    if (ct === 'message/delivery-status' || ct === 'message/global-delivery-status') deliveryStatus += a.content.toString('utf8').slice(0, 64 * 1024) + '\n\n';
    else if (ct === 'message/feedback-report') feedbackReport += a.content.toString('utf8').slice(0, 64 * 1024);
    else if (ct === 'message/rfc822' || ct === 'text/rfc822-headers' || ct === 'message/rfc822-headers' || ct === 'message/global' || ct === 'message/global-headers') {
      originalHeaders += headerSection(a.content).toString('utf8').slice(0, 64 * 1024) + '\n';
    } else {
      attachments.push({ filename: clean(a.filename ?? '', 200), contentType: clean(ct, 100), size: a.size ?? a.content.length });
    }
  }
  // An original sent as an inline message/rfc822 part (Hotmail's complaint reports) is folded into the text by
  // mailparser, headers lost: read its header section from the source.
  if (!originalHeaders) originalHeaders = inlineOriginalHeaders(source);
  // Bounces that quote the original inline: its Message-ID appears in the text.
  const originalIds = new Set<string>();
  // (No original, as in most replies: no header lines to read, nothing to look for.)
  if (originalHeaders) for (const v of headerLinesOf(originalHeaders, 'message-id')) for (const id of splitIds(v)) originalIds.add(id);
  // (The literal test first: the anchored pattern is slow to scan and almost never matches a reply.)
  if (MESSAGE_ID_WORD.test(text)) for (const m of text.slice(0, 200_000).matchAll(/^[^\S\r\n]*message-id\s*:\s*(<[^<>\s]{1,500}>)/gim)) originalIds.add(stripAngles(m[1]!));
  const originalTo = !originalHeaders ? [] : headerLinesOf(originalHeaders, 'to').flatMap((v) => (v.match(/[^\s<>,;"]{1,64}@[^\s<>,;"]{1,255}/g) ?? []).map((x) => x.toLowerCase()));

  let messageId = stripAngles(parsed?.messageId ?? headers['message-id']?.[0] ?? '');
  let syntheticId = false;
  let legacyIds: string[] | undefined;
  if (!messageId || messageId.length > 500) {
    // No usable Message-ID: a hash of the content, so the same message synced twice is still one row.
    // (Of a canonical form: the same message with LF or CRLF line endings, and with or without the trace
    // fields delivery prepends (Return-Path, Delivered-To, Received...), gets the same id.)
    const ids = idSources(source);
    messageId = 'sha256:' + createHash('sha256').update(ids.id, 'latin1').digest('hex');
    syntheticId = true;
    // Ids older versions stored for the same message: with the trace fields (before 2026-11-29), and of the
    // bytes as they came (before 2026-11-28). A message without trace fields keeps the id it always had.
    const legacy = new Set<string>();
    if (ids.withTrace !== ids.id) legacy.add('sha256:' + createHash('sha256').update(ids.withTrace, 'latin1').digest('hex'));
    legacy.add('sha256:' + createHash('sha256').update(source).digest('hex'));
    legacy.delete(messageId);
    if (legacy.size) legacyIds = [...legacy];
    problems.push('no Message-ID header');
  }
  const inReplyTo = splitIds(headerString(parsed?.inReplyTo ?? headers['in-reply-to']?.[0]))[0] ?? null;
  const references = splitIds(parsed?.references ?? headers['references']?.[0]).slice(0, 100);

  const input: MailInput = {
    headers,
    subject,
    from,
    fromName,
    text,
    contentType: headers['content-type']?.[0] ?? 'text/plain',
    deliveryStatus: deliveryStatus || undefined,
    feedbackReport: feedbackReport || undefined,
    originalHeaders: originalHeaders || undefined,
    date: date ?? undefined,
  };

  // What to keep: the whole message when small and without attachments; otherwise headers and text.
  let raw: Buffer;
  if (attachments.length === 0 && rawSize <= limits.rawBytes) raw = source;
  else if (limits.keepAttachments && rawSize <= limits.rawBytes) raw = source;
  else {
    const head = headerSection(source);
    const note = `\r\n[outreach: body not stored in full: ${rawSize} bytes, ${attachments.length} attachment(s)]\r\n\r\n`;
    raw = Buffer.concat([head, Buffer.from(note), Buffer.from(text.slice(0, Math.max(0, limits.rawBytes - head.length - note.length)), 'utf8')]);
    if (raw.length > limits.rawBytes) raw = raw.subarray(0, limits.rawBytes);
  }

  return {
    messageId,
    syntheticId,
    legacyIds,
    inReplyTo,
    references,
    from,
    fromName,
    to: parsed ? addresses(parsed.to).map((a) => a.address) : [],
    cc: parsed ? addresses(parsed.cc).map((a) => a.address) : [],
    subject,
    date,
    input,
    originalIds: [...originalIds].filter((id) => id !== messageId),
    originalTo,
    attachments,
    problems,
    raw,
    rawSize,
  };
}
