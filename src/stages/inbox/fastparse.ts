// A fast path for the common case: a single-part text/plain message with ASCII headers (most human
// replies and auto-replies). It reads headers and body without mailparser's stream machinery, about ten
// times cheaper per message. Anything unusual (multipart, HTML, 8-bit headers, unknown charsets,
// format=flowed, odd From headers) returns null and goes through mailparser, which handles it fully.
import type { ParsedMail, AddressObject } from 'mailparser';
import { TextDecoder } from 'node:util';

function headerEnd(buf: Buffer): { at: number; sep: number } | null {
  const max = Math.min(buf.length, 64 * 1024);
  for (let i = 0; i < max; i++) {
    const c = buf[i]!;
    if (c === 0 || c >= 0x80) return null; // 8-bit or NUL in headers: let mailparser decide
    if (c === 0x0a) {
      if (buf[i + 1] === 0x0a) return { at: i + 1, sep: 1 };
      if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { at: i + 1, sep: 2 };
    }
  }
  return null;
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

function params(v: string): { type: string; params: Record<string, string> } {
  const [type, ...rest] = v.split(';');
  const p: Record<string, string> = {};
  for (const part of rest) {
    const m = /^\s*([^=\s]+)\s*=\s*"?([^"]*)"?\s*$/.exec(part);
    if (m) p[m[1]!.toLowerCase()] = m[2]!;
  }
  return { type: (type ?? '').trim().toLowerCase(), params: p };
}

function addressList(v: string | undefined): AddressObject | undefined {
  if (!v) return undefined;
  const list = (v.match(/[^\s<>,;"()]+@[^\s<>,;"()]+/g) ?? []).map((address) => ({ address, name: '' }));
  return { value: list, text: v, html: '' } as AddressObject;
}

export function fastParse(source: Buffer): ParsedMail | null {
  const end = headerEnd(source);
  if (!end) return null;
  const headText = source.subarray(0, end.at).toString('latin1');
  const lines = headText.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/).filter((l) => l.length);
  const headers = new Map<string, string>();
  const headerLines: { key: string; line: string }[] = [];
  const all: Record<string, string[]> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) return null;
    const key = line.slice(0, i).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(key)) return null;
    const value = line.slice(i + 1).trim();
    (all[key] ??= []).push(value);
    headerLines.push({ key, line });
  }
  if ((all['from']?.length ?? 0) > 1 || (all['content-type']?.length ?? 0) > 1) return null;
  const ct = params(all['content-type']?.[0] ?? 'text/plain');
  if (ct.type !== 'text/plain' || (ct.params.format ?? '').toLowerCase() === 'flowed') return null;
  const cte = (all['content-transfer-encoding']?.[0] ?? '7bit').toLowerCase().trim();
  const bodyRaw = source.subarray(end.at + end.sep);
  let bodyBytes: Buffer;
  if (cte === '7bit' || cte === '8bit' || cte === 'binary') bodyBytes = bodyRaw;
  else if (cte === 'quoted-printable') bodyBytes = decodeQP(bodyRaw.toString('latin1'));
  else if (cte === 'base64') bodyBytes = Buffer.from(bodyRaw.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else return null;
  const d = decoder(ct.params.charset ?? 'us-ascii');
  if (!d) return null;
  const text = d.decode(bodyBytes).replace(/\r\n/g, '\n'); // as mailparser does
  if (text.includes('\uFFFD') || text.includes('\u0000')) return null; // let mailparser record the problem

  const subject = decodeWords(all['subject']?.[0] ?? '');
  if (subject === null) return null;
  // From: "Name" <addr>, Name <addr>, or a bare address; anything else goes to mailparser.
  let from: AddressObject | undefined;
  const rawFrom = all['from']?.[0];
  if (rawFrom !== undefined) {
    const angle = /^\s*(.*?)\s*<([^<>\s@]+@[^<>\s@]+)>\s*$/.exec(rawFrom);
    const bare = /^\s*([^\s<>"(),;:]+@[^\s<>"(),;:]+)\s*(\([^()]*\))?\s*$/.exec(rawFrom);
    if (angle) {
      if (/[,;]/.test(angle[1]!.replace(/"[^"]*"/g, ''))) return null;
      const name = decodeWords(angle[1]!.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1'));
      if (name === null) return null;
      from = { value: [{ address: angle[2]!, name }], text: rawFrom, html: '' } as AddressObject;
    } else if (bare) {
      from = { value: [{ address: bare[1]!, name: '' }], text: rawFrom, html: '' } as AddressObject;
    } else return null;
  }
  for (const [k, v] of Object.entries(all)) headers.set(k, k === 'subject' ? subject : v[0]!);
  const dateRaw = all['date']?.[0];
  const date = dateRaw ? new Date(dateRaw.replace(/\s*\([^)]*\)\s*$/, '')) : undefined;
  const firstId = (v: string | undefined) => (v ? (/<[^<>]+>/.exec(v)?.[0] ?? v.trim()) : undefined);
  return {
    headers: headers as unknown as ParsedMail['headers'],
    headerLines,
    subject,
    from,
    to: addressList(all['to']?.join(', ')),
    cc: addressList(all['cc']?.join(', ')),
    date: date && !Number.isNaN(date.getTime()) ? date : undefined,
    messageId: firstId(all['message-id']?.[0]),
    inReplyTo: firstId(all['in-reply-to']?.[0]),
    references: all['references']?.join(' '),
    text,
    html: false,
    attachments: [],
  } as unknown as ParsedMail;
}
