// The mail side of the demo: reading what the SMTP server received (Message-ID, subject, List-Unsubscribe)
// and writing the prospects' answers (warm, cold, out-of-office, and an RFC 3464 bounce) into a Maildir,
// threaded to those Message-IDs, for `outreach inbox import`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface SentMessage {
  to: string;
  from: string;
  messageId: string;
  subject: string;
  references: string;
  listUnsubscribe: string;
  date: string;
  text: string;
  headerBlock: string;
}

/** Header fields of a raw message, unfolded (first occurrence of each name wins). */
export function parseHeaders(raw: string): { headers: Map<string, string>; block: string; body: string } {
  const sep = raw.search(/\r?\n\r?\n/);
  const block = sep === -1 ? raw : raw.slice(0, sep);
  const body = sep === -1 ? '' : raw.slice(sep).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(i + 1).trim());
  }
  return { headers, block, body };
}

/** RFC 2047 encoded words (=?UTF-8?B?...?= / Q) in a header value, decoded. */
export function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*(?==\?)?/g, (_m, _cs: string, enc: string, text: string) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  });
}

function textOf(raw: string): string {
  // The first text/plain part, quoted-printable decoded: enough to quote the original in a reply.
  const m = /content-type:\s*text\/plain[^\n]*\n(?:[^\n]+\n)*?\r?\n([\s\S]*?)(?:\r?\n--|$)/i.exec(raw);
  const part = m ? m[1]! : parseHeaders(raw).body;
  return part.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function readSent(raw: Buffer, envelopeTo: string): SentMessage {
  const text = raw.toString('utf8');
  const { headers, block } = parseHeaders(text);
  return {
    to: envelopeTo.toLowerCase(),
    from: headers.get('from') ?? '',
    messageId: headers.get('message-id') ?? '',
    subject: decodeWords(headers.get('subject') ?? ''),
    references: headers.get('references') ?? '',
    listUnsubscribe: headers.get('list-unsubscribe') ?? '',
    date: headers.get('date') ?? '',
    text: textOf(text),
    headerBlock: block,
  };
}

/** The https/http URL in a List-Unsubscribe header (`<https://...>, <mailto:...>`). */
export function oneClickUrl(listUnsubscribe: string): string | null {
  const m = /<(https?:\/\/[^>]+)>/i.exec(listUnsubscribe);
  return m ? m[1]! : null;
}

export type ReplyKind = 'warm' | 'cold' | 'out_of_office' | 'bounce';

export interface ReplyInput {
  kind: ReplyKind;
  sent: SentMessage;
  /** Our mailbox address (the reply goes to it). */
  mailbox: string;
  senderName: string;
  contactName?: string;
  now: Date;
}

const rfcDate = (d: Date) => d.toUTCString().replace('GMT', '+0000');
const msgId = (domain: string) => `<${randomBytes(8).toString('hex')}.${Date.now().toString(36)}@${domain}>`;
const domainOf = (email: string) => email.split('@')[1] ?? 'localhost';
const quote = (text: string) => text.trim().split(/\r?\n/).map((l) => `> ${l}`).join('\n');

function fold(headers: [string, string][]): string {
  return headers.map(([k, v]) => `${k}: ${v}`).join('\r\n');
}

/** One reply as an RFC 5322 message (CRLF line ends). */
export function buildReply(r: ReplyInput): string {
  const { sent, now } = r;
  const who = r.contactName ? `${r.contactName} <${sent.to}>` : sent.to;
  const refs = [sent.references, sent.messageId].filter(Boolean).join(' ');
  const firstName = r.senderName.split(/\s+/)[0] ?? r.senderName;
  const onWrote = `On ${rfcDate(new Date(now.getTime() - 3_600_000))}, ${r.senderName} <${r.mailbox}> wrote:`;
  const common: [string, string][] = [
    ['Date', rfcDate(now)],
    ['To', r.mailbox],
    ['MIME-Version', '1.0'],
  ];
  switch (r.kind) {
    case 'warm':
    case 'cold': {
      const body =
        r.kind === 'warm'
          ? `Hi ${firstName},\n\nThis sounds interesting, and the timing is good: we are planning our holiday emails right now.\nCould we set up a short call next week? I would also like to know what it would cost for a store our size.\n\nThanks,\n${r.contactName ?? 'The team'}`
          : `Hi ${firstName},\n\nThanks for reaching out, but we're not interested. We already work with an agency for our emails.\n\nBest of luck,\n${r.contactName ?? 'The team'}`;
      return (
        fold([
          ['From', who],
          ...common,
          ['Subject', `Re: ${sent.subject}`],
          ['Message-ID', msgId(domainOf(sent.to))],
          ['In-Reply-To', sent.messageId],
          ['References', refs],
          ['Content-Type', 'text/plain; charset=utf-8'],
          ['Content-Transfer-Encoding', '8bit'],
        ]) + `\r\n\r\n${body}\n\n${onWrote}\n${quote(sent.text)}\n`.replace(/\r?\n/g, '\r\n')
      );
    }
    case 'out_of_office': {
      const back = new Date(now.getTime() + 10 * 86_400_000);
      const backText = back.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
      const body = `Hello,\n\nThank you for your email. I am out of the office until ${backText} with limited access to email.\nI will reply to your message when I am back. For order questions, please use the contact form on our website.\n\nKind regards,\n${r.contactName ?? 'Customer care'}`;
      return (
        fold([
          ['From', who],
          ...common,
          ['Subject', `Automatic reply: ${sent.subject}`],
          ['Message-ID', msgId(domainOf(sent.to))],
          ['In-Reply-To', sent.messageId],
          ['References', refs],
          ['Auto-Submitted', 'auto-replied'],
          ['X-Autoreply', 'yes'],
          ['Precedence', 'auto_reply'],
          ['Content-Type', 'text/plain; charset=utf-8'],
        ]) + `\r\n\r\n${body}\n`.replace(/\r?\n/g, '\r\n')
      );
    }
    case 'bounce': {
      // What Postfix writes when the recipient's server refuses the address: an RFC 3464 report with the
      // original's headers (and so its Message-ID) in the text/rfc822-headers part.
      const mx = `mx.${domainOf(sent.to)}`;
      const boundary = `${randomBytes(6).toString('hex')}/${mx}`;
      const queueId = randomBytes(5).toString('hex').toUpperCase();
      const parts = [
        `--${boundary}`,
        'Content-Description: Notification',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        `This is the mail system at host ${mx}.`,
        '',
        "I'm sorry to have to inform you that your message could not",
        'be delivered to one or more recipients. It\'s attached below.',
        '',
        '                   The mail system',
        '',
        `<${sent.to}>: host ${mx}[127.0.0.1] said: 550 5.1.1 <${sent.to}>:`,
        '    Recipient address rejected: User unknown in virtual mailbox table (in reply',
        '    to RCPT TO command)',
        '',
        `--${boundary}`,
        'Content-Description: Delivery report',
        'Content-Type: message/delivery-status',
        '',
        `Reporting-MTA: dns; ${mx}`,
        `X-Postfix-Queue-ID: ${queueId}`,
        `X-Postfix-Sender: rfc822; ${r.mailbox}`,
        `Arrival-Date: ${rfcDate(new Date(now.getTime() - 60_000))}`,
        '',
        `Final-Recipient: rfc822; ${sent.to}`,
        `Original-Recipient: rfc822;${sent.to}`,
        'Action: failed',
        'Status: 5.1.1',
        `Remote-MTA: dns; ${mx}`,
        `Diagnostic-Code: smtp; 550 5.1.1 <${sent.to}>: Recipient address rejected: User unknown in virtual mailbox table`,
        '',
        `--${boundary}`,
        'Content-Description: Undelivered Message Headers',
        'Content-Type: text/rfc822-headers',
        '',
        sent.headerBlock.replace(/\r?\n/g, '\n'),
        '',
        `--${boundary}--`,
        '',
      ];
      return (
        fold([
          ['Return-Path', '<>'],
          ['From', `MAILER-DAEMON@${mx} (Mail Delivery System)`],
          ...common,
          ['Subject', 'Undelivered Mail Returned to Sender'],
          ['Message-ID', `<${queueId}.${Date.now()}@${mx}>`],
          ['Auto-Submitted', 'auto-replied'],
          ['Content-Type', `multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`],
        ]) + '\r\n\r\nThis is a MIME-encapsulated message.\r\n\r\n' + parts.join('\n').replace(/\r?\n/g, '\r\n')
      );
    }
  }
}

/** Writes messages into a new Maildir (cur/, new/, tmp/) and returns its path. */
export function writeMaildir(dir: string, messages: string[]): string {
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  messages.forEach((m, i) => {
    writeFileSync(join(dir, 'new', `${Math.floor(Date.now() / 1000)}.M${i}P${process.pid}.outreach-demo`), m);
  });
  return dir;
}
