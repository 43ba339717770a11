// The sending mailbox's Sent folder over IMAP (imapflow): find it (special-use \Sent or a usual name),
// look for Message-IDs there (how `send --resolve-unknown` settles a message whose fate is unknown),
// and append a copy for servers that do not keep one. Also the recipient-side evidence in the INBOX
// (replies, bounces, auto-replies that name a Message-ID). Sync of incoming mail is src/adapters/imap.ts.
import { ImapFlow } from 'imapflow';
import type { Security } from './smtp.js';

export interface ImapConfig {
  host: string;
  port: number;
  security: Security;
  user: string;
  pass: string;
  allowInvalidCert?: boolean;
  timeoutMs?: number;
}

export class ImapError extends Error {
  readonly code?: string;
  readonly authFailed: boolean;
  constructor(message: string, code?: string, authFailed = false) {
    super(message);
    this.name = 'ImapError';
    this.code = code;
    this.authFailed = authFailed;
  }
}

const SENT_NAMES = ['Sent', 'Sent Items', 'Sent Messages', 'Sent Mail', '[Gmail]/Sent Mail', 'INBOX.Sent', 'INBOX/Sent'];

/** imapflow options for a mailbox: one place for security, timeouts and TLS, shared with the inbox sync. */
export function imapOptions(cfg: ImapConfig): ConstructorParameters<typeof ImapFlow>[0] {
  return {
    host: cfg.host,
    port: cfg.port,
    secure: cfg.security === 'tls',
    doSTARTTLS: cfg.security === 'starttls' ? true : cfg.security === 'none' ? false : undefined,
    auth: { user: cfg.user, pass: cfg.pass },
    logger: false,
    connectionTimeout: cfg.timeoutMs ?? 30_000,
    greetingTimeout: cfg.timeoutMs ?? 30_000,
    socketTimeout: 5 * 60_000,
    tls: cfg.allowInvalidCert ? { rejectUnauthorized: false } : undefined,
    disableAutoIdle: true,
  };
}

function client(cfg: ImapConfig): ImapFlow {
  return new ImapFlow(imapOptions(cfg));
}

async function connect(cfg: ImapConfig): Promise<ImapFlow> {
  const c = client(cfg);
  c.on('error', () => undefined); // surfaced through the failing command instead
  try {
    await c.connect();
  } catch (err) {
    const e = err as { authenticationFailed?: boolean; code?: string; responseText?: string; message?: string };
    const auth = Boolean(e.authenticationFailed) || e.code === 'AUTHENTICATIONFAILED';
    throw new ImapError(
      auth ? `IMAP login refused${e.responseText ? `: ${e.responseText}` : ''}` : `cannot reach the IMAP server: ${e.message ?? String(err)}`,
      e.code,
      auth,
    );
  }
  return c;
}

/** The Sent folder's path: the configured one, else the \Sent special-use folder, else a usual name. */
async function findSentFolder(c: ImapFlow, hint?: string | null): Promise<string | null> {
  const list = await c.list();
  if (hint) {
    const hit = list.find((m) => m.path === hint || m.path.toLowerCase() === hint.toLowerCase());
    return hit ? hit.path : null;
  }
  const special = list.find((m) => m.specialUse === '\\Sent');
  if (special) return special.path;
  for (const name of SENT_NAMES) {
    const hit = list.find((m) => m.path.toLowerCase() === name.toLowerCase());
    if (hit) return hit.path;
  }
  return null;
}

/** Logs in, finds the Sent folder, logs out. Throws ImapError. */
export async function verifyImap(cfg: ImapConfig, sentHint?: string | null): Promise<{ sentFolder: string | null }> {
  const c = await connect(cfg);
  try {
    return { sentFolder: await findSentFolder(c, sentHint) };
  } finally {
    await c.logout().catch(() => undefined);
  }
}

export interface SentHit {
  uid: number;
  date: string | null;
}

export class SentFolder {
  private constructor(
    private readonly c: ImapFlow,
    readonly folder: string,
  ) {}

  static async open(cfg: ImapConfig, sentHint?: string | null): Promise<SentFolder> {
    const c = await connect(cfg);
    let folder: string | null;
    try {
      folder = await findSentFolder(c, sentHint);
    } catch (err) {
      await c.logout().catch(() => undefined);
      throw new ImapError(`cannot list IMAP folders: ${(err as Error).message}`);
    }
    if (!folder) {
      await c.logout().catch(() => undefined);
      throw new ImapError(
        sentHint ? `the IMAP account has no folder "${sentHint}"` : 'the IMAP account has no Sent folder (no \\Sent special-use folder, no folder named Sent)',
      );
    }
    return new SentFolder(c, folder);
  }

  /** Which of these Message-IDs (without brackets) are in the Sent folder. */
  async find(messageIds: string[]): Promise<Map<string, SentHit>> {
    const found = new Map<string, SentHit>();
    if (!messageIds.length) return found;
    const lock = await this.c.getMailboxLock(this.folder, { readOnly: true });
    try {
      for (const id of messageIds) {
        // HEADER search is a substring match: confirm the exact Message-ID on the envelope.
        const uids = await this.c.search({ header: { 'message-id': id } }, { uid: true });
        if (!uids || !uids.length) continue;
        const msgs = [];
        for await (const m of this.c.fetch(uids, { uid: true, envelope: true, internalDate: true }, { uid: true })) msgs.push(m);
        const hit = msgs.find((m) => (m.envelope?.messageId ?? '').replace(/^<|>$/g, '') === id);
        if (hit) {
          const d = hit.internalDate ?? hit.envelope?.date;
          found.set(id, { uid: hit.uid, date: d ? new Date(d).toISOString() : null });
        }
      }
    } finally {
      lock.release();
    }
    return found;
  }

  /** Appends a copy (as read) to the Sent folder. */
  async append(raw: Buffer, date?: Date): Promise<void> {
    await this.c.append(this.folder, raw, ['\\Seen'], date);
  }

  async close(): Promise<void> {
    await this.c.logout().catch(() => undefined);
  }
}

/** Mail in the INBOX that names one of our Message-IDs: proof that the message left our server. */
export interface InboxEvidence {
  uid: number;
  /** reply: In-Reply-To/References names it; bounce: a delivery report (DSN) quoting it; mention: its id in the text. */
  kind: 'reply' | 'bounce' | 'mention';
  from: string | null;
  subject: string | null;
  date: string | null;
}

export class InboxFolder {
  private constructor(private readonly c: ImapFlow) {}

  static async open(cfg: ImapConfig): Promise<InboxFolder> {
    return new InboxFolder(await connect(cfg));
  }

  /**
   * For each Message-ID (without brackets): a message received since `since` whose headers or body
   * name it. A server-side search (HEADER In-Reply-To / References, TEXT), confirmed on the fetched
   * source, since IMAP search is a case-insensitive substring match.
   */
  async findReferencing(messageIds: string[], since?: Date | null): Promise<Map<string, InboxEvidence>> {
    const found = new Map<string, InboxEvidence>();
    if (!messageIds.length) return found;
    const lock = await this.c.getMailboxLock('INBOX', { readOnly: true });
    try {
      for (const id of messageIds) {
        // TEXT, not BODY: a bounce quotes our headers inside its message/rfc822 part, which Dovecot's BODY skips.
        const query: Record<string, unknown> = { or: [{ header: { 'in-reply-to': id } }, { header: { references: id } }, { text: id }] };
        // A day of slack: SINCE compares dates in the server's zone, and a bounce can predate our record.
        if (since) query.since = new Date(since.getTime() - 86_400_000);
        const uids = await this.c.search(query as never, { uid: true });
        if (!uids || !uids.length) continue;
        const msgs = [];
        // The newest first, and a bounded number: a thread with many replies needs one.
        for await (const m of this.c.fetch(uids.slice(-20), { uid: true, envelope: true, bodyStructure: true, headers: ['references', 'content-type'] }, { uid: true })) msgs.push(m);
        let best: InboxEvidence | null = null;
        const rank = { reply: 0, bounce: 1, mention: 2 } as const;
        for (const m of msgs) {
          const bracketed = `<${id}>`;
          const headers = (m.headers?.toString('utf8') ?? '').replace(/\r?\n[ \t]+/g, ' ');
          const references = /^references:(.*)$/im.exec(headers)?.[1] ?? '';
          let kind: InboxEvidence['kind'];
          if ((m.envelope?.inReplyTo ?? '').includes(bracketed) || references.includes(bracketed)) kind = 'reply';
          else {
            // A TEXT hit: confirm the exact id in the raw text (the search matches substrings).
            const src = await this.sourceOf(m.uid);
            if (!new RegExp(`(^|[^\\w.@-])${escapeRegExp(id)}($|[^\\w.@-])`, 'm').test(src)) continue;
            const type = (m.bodyStructure?.type ?? '').toLowerCase();
            kind = type === 'multipart/report' || /^content-type:\s*multipart\/report/im.test(headers) ? 'bounce' : 'mention';
          }
          const ev: InboxEvidence = {
            uid: m.uid,
            kind,
            from: m.envelope?.from?.[0]?.address ?? null,
            subject: m.envelope?.subject ?? null,
            date: m.envelope?.date ? new Date(m.envelope.date).toISOString() : null,
          };
          if (!best || rank[ev.kind] < rank[best.kind]) best = ev;
        }
        if (best) found.set(id, best);
      }
    } finally {
      lock.release();
    }
    return found;
  }

  private async sourceOf(uid: number): Promise<string> {
    const m = await this.c.fetchOne(String(uid), { source: { maxLength: 512 * 1024 } } as never, { uid: true });
    return m && m.source ? m.source.toString('utf8') : '';
  }

  async close(): Promise<void> {
    await this.c.logout().catch(() => undefined);
  }
}

function escapeRegExp(t: string): string {
  return t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
