// IMAP for `inbox sync`, over imapflow: per folder UIDVALIDITY, last UID and HIGHESTMODSEQ (CONDSTORE,
// QRESYNC where offered), INBOX plus the Junk/Spam folder (special-use \Junk, else the usual names).
// Streams in UID chunks so a mailbox of any size is never held in memory; the mailbox lock is released
// in finally; no IMAP command is issued inside the `for await` over fetch() (imapflow would deadlock).
// Adapters never touch the database: the caller stores each message and its UID.
import { ImapFlow, type MailboxObject } from 'imapflow';
import { imapOptions, type ImapConfig } from './imap-sent.js';

export type { ImapConfig };

export interface FolderState {
  uidValidity: number | null;
  lastUid: number;
  highestModseq: string | null;
}

export interface FolderSnapshot {
  path: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: string | null;
  exists: number;
}

export interface FetchedMessage {
  uid: number;
  /** The message, or only its first `maxBytes` when it is bigger (see `size`). */
  source: Buffer;
  /** The message's whole size (RFC822.SIZE): more than source.length when only its start was fetched. */
  size: number;
}

export interface FolderResult {
  snapshot: FolderSnapshot;
  /** UIDVALIDITY changed: every message was fetched again (de-duplicated by Message-ID downstream). */
  fullResync: boolean;
  /** Nothing changed since the last sync (HIGHESTMODSEQ and UIDNEXT as before). */
  unchanged: boolean;
  fetched: number;
}

export class ImapSyncError extends Error {
  readonly code?: string;
  readonly authFailed: boolean;
  constructor(message: string, code?: string, authFailed = false) {
    super(message);
    this.name = 'ImapSyncError';
    this.code = code;
    this.authFailed = authFailed;
  }
}

const JUNK_NAMES = /^(junk|spam|junk e-?mail|bulk mail|\[gmail\]\/spam|inbox[./](junk|spam)|spam-?verdacht|courrier ind[ée]sirable|correo no deseado|posta indesiderata|ongewenste e-?mail|lixo eletr[oô]nico)$/i;

export class ImapMailbox {
  private readonly client: ImapFlow;
  constructor(private readonly cfg: ImapConfig) {
    this.client = new ImapFlow({ ...imapOptions(cfg), qresync: true });
    // A dropped connection surfaces as an error from the pending command; don't crash on the event.
    this.client.on('error', () => undefined);
  }

  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (err) {
      const e = err as { authenticationFailed?: boolean; code?: string; responseText?: string; message: string };
      if (e.authenticationFailed) throw new ImapSyncError(`IMAP login refused for ${this.cfg.user} at ${this.cfg.host}:${this.cfg.port}${e.responseText ? `: ${e.responseText}` : ''}`, e.code, true);
      throw new ImapSyncError(`cannot connect to IMAP ${this.cfg.host}:${this.cfg.port}: ${e.responseText ?? e.message}`, e.code);
    }
  }

  /** INBOX and the Junk/Spam folder when there is one. */
  async folders(): Promise<string[]> {
    const list = await this.client.list();
    const junk = list.find((f) => f.specialUse === '\\Junk') ?? list.find((f) => JUNK_NAMES.test(f.path));
    return ['INBOX', ...(junk && junk.path.toUpperCase() !== 'INBOX' ? [junk.path] : [])];
  }

  /**
   * Fetches what is new in a folder since `state`, calling onMessage for each (in UID order) so the
   * caller can commit it with its UID before the next one arrives.
   */
  async syncFolder(
    path: string,
    state: FolderState,
    onMessage: (m: FetchedMessage, snapshot: FolderSnapshot) => Promise<void>,
    opts: { chunk?: number; signal?: AbortSignal; maxBytes?: number } = {},
  ): Promise<FolderResult> {
    const chunkSize = opts.chunk ?? 250;
    // At most maxBytes of each message (BODY.PEEK[]<0.maxBytes>, a partial fetch): a 300 MB message costs the
    // sync what the parser reads, not 300 MB held by imapflow; RFC822.SIZE still gives its real size.
    const source = opts.maxBytes && opts.maxBytes > 0 ? { start: 0, maxLength: Math.floor(opts.maxBytes) } : true;
    const lock = await this.client.getMailboxLock(path, { readOnly: true });
    try {
      const mb = this.client.mailbox as MailboxObject;
      const snapshot: FolderSnapshot = {
        path,
        uidValidity: Number(mb.uidValidity),
        uidNext: Number(mb.uidNext ?? 0),
        highestModseq: mb.highestModseq !== undefined && mb.highestModseq !== null ? String(mb.highestModseq) : null,
        exists: mb.exists ?? 0,
      };
      const fullResync = state.uidValidity !== null && state.uidValidity !== snapshot.uidValidity;
      const fromUid = fullResync ? 0 : state.lastUid;
      const result: FolderResult = { snapshot, fullResync, unchanged: false, fetched: 0 };
      if (!fullResync && snapshot.exists === 0) {
        result.unchanged = true;
        return result;
      }
      // CONDSTORE: same HIGHESTMODSEQ and no UID above ours means nothing arrived (one SELECT, no search).
      if (!fullResync && state.highestModseq && snapshot.highestModseq === state.highestModseq && snapshot.uidNext - 1 <= fromUid) {
        result.unchanged = true;
        return result;
      }
      if (!fullResync && snapshot.uidNext && snapshot.uidNext - 1 <= fromUid) {
        result.unchanged = true;
        return result;
      }
      const found = await this.client.search({ uid: `${fromUid + 1}:*` }, { uid: true });
      // "N:*" always matches the highest UID, even below N: keep only the new ones.
      const uids = (Array.isArray(found) ? found : []).filter((u) => u > fromUid).sort((a, b) => a - b);
      for (let i = 0; i < uids.length; i += chunkSize) {
        if (opts.signal?.aborted) break;
        const chunk = uids.slice(i, i + chunkSize);
        // Only the caller's callback runs inside this loop: it writes to the database, never to IMAP.
        for await (const msg of this.client.fetch(chunk.join(','), { uid: true, source, size: true }, { uid: true })) {
          if (!msg.source) continue;
          await onMessage({ uid: msg.uid, source: msg.source, size: Math.max(msg.size ?? 0, msg.source.length) }, snapshot);
          result.fetched++;
        }
      }
      return result;
    } catch (err) {
      if (err instanceof ImapSyncError) throw err;
      const e = err as { code?: string; responseText?: string; message: string };
      throw new ImapSyncError(`IMAP sync of ${path} failed: ${e.responseText ?? e.message}`, e.code);
    } finally {
      lock.release();
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }
}
