// The sending mailbox's Sent folder over IMAP (imapflow): find it (special-use \Sent or a usual name),
// look for Message-IDs there (how `send --resolve-unknown` settles a message whose fate is unknown),
// and append a copy for servers that do not keep one. Sync of incoming mail is src/adapters/imap.ts.
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
