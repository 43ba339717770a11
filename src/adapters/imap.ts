// IMAP for `inbox sync`, over imapflow: per folder UIDVALIDITY, last UID and HIGHESTMODSEQ (CONDSTORE,
// QRESYNC where offered), INBOX plus every Junk/Spam folder (each flagged \Junk and each with a junk-like
// name: a mailbox often has both, e.g. the webmail's Junk and a server filter's Spam) and any folder the
// operator names.
// Streams in UID chunks so a mailbox of any size is never held in memory; the mailbox lock is released
// in finally; no IMAP command is issued inside the `for await` over fetch() (imapflow would deadlock).
// Adapters never touch the database: the caller stores each message and its UID.
import { ImapFlow, type MailboxObject } from 'imapflow';
import { imapOptions, type ImapConfig } from './imap-sent.js';
import { isJunkFolderName } from '../domain/mail-folders.js';

export { isJunkFolderName };

export type { ImapConfig };

/** A mailbox to sync: its connection, and folders the operator wants read besides INBOX and Junk/Spam. */
export interface ImapSyncConfig extends ImapConfig {
  folders?: string[];
}

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

/**
 * A connection error in words a user can act on: which setting is wrong and the flag that fixes it (a TLS
 * mismatch is the usual one: --imap-security tls on a plain-text port 143, or none/starttls on port 993).
 * Branches on Node's and imapflow's error codes, never on the message text.
 */
export function connectErrorText(cfg: Pick<ImapConfig, 'host' | 'port' | 'security'>, e: { code?: string; message?: string; responseText?: string }): string {
  const at = `${cfg.host}:${cfg.port}`;
  const code = e.code ?? '';
  const other = cfg.security === 'tls' ? '' : ` (it is set to --imap-security ${cfg.security})`;
  switch (code) {
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'EPROTO':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_HTTP_REQUEST':
      return cfg.security === 'tls'
        ? `the server at ${at} does not speak TLS on this port: try --imap-security starttls (or none), or port 993 for tls (\`outreach mailbox add NAME --update --imap-security starttls\`)`
        : `TLS with the server at ${at} failed (it answered something that is not TLS): check --imap-security and --imap-port (993 for tls, 143 for starttls or none)`;
    case 'GREETING_TIMEOUT':
    case 'ClosedAfterConnectText':
    case 'ClosedAfterConnectTLS':
      return cfg.security === 'tls'
        ? `the server at ${at} did not greet over TLS: check --imap-security and --imap-port (993 for tls, 143 for starttls or none)`
        : `the server at ${at} sent no IMAP greeting${other}: port ${cfg.port === 993 ? '993 expects TLS' : `${cfg.port} may expect TLS`}, try --imap-security tls (port 993), or port 143 for starttls or none`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `the server at ${at} presented a self-signed certificate, which is not trusted: use the host name of a certificate your system trusts, or trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `the certificate of the server at ${at} is signed by an authority your system does not trust: trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment, or ask the provider for its IMAP host name`;
    case 'CERT_HAS_EXPIRED':
      return `the certificate of the server at ${at} has expired: its administrator must renew it (or use your provider's current IMAP host name)`;
    case 'CERT_NOT_YET_VALID':
      return `the certificate of the server at ${at} is not valid yet: check this machine's clock`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the certificate of the server at ${at} is not issued for the name "${cfg.host}": set --imap-host to the name on its certificate (your provider's IMAP host name, e.g. imap.example.com, not an IP address or an alias)`;
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${at}: check --imap-host and --imap-port (993 for tls, 143 for starttls or none)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host name "${cfg.host}": check --imap-host (and this machine's DNS)`;
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return `no answer from ${at} (timed out): check --imap-host and --imap-port, and that a firewall lets this machine reach it`;
    default:
      return `cannot connect to IMAP ${at}: ${(e.responseText ?? e.message ?? 'unknown error').trim()}`;
  }
}
export class ImapMailbox {
  private readonly client: ImapFlow;
  constructor(private readonly cfg: ImapSyncConfig) {
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
      throw new ImapSyncError(connectErrorText(this.cfg, e), e.code);
    }
  }

  /**
   * INBOX, then every folder flagged \Junk, then every folder with a junk-like name, then the folders the operator
   * named (cfg.folders), each once (INBOX in any case counts as INBOX). A named folder that does not exist fails
   * the mailbox with the list of its folders.
   */
  async folders(): Promise<string[]> {
    const list = await this.client.list();
    const selectable = list.filter((f) => !f.flags?.has('\\Noselect') && !f.flags?.has('\\NonExistent'));
    const out: string[] = ['INBOX'];
    const seen = new Set(['INBOX']);
    const add = (path: string) => {
      const key = path.toUpperCase() === 'INBOX' ? 'INBOX' : path;
      if (seen.has(key)) return;
      seen.add(key);
      out.push(path);
    };
    for (const f of selectable) if (f.specialUse === '\\Junk') add(f.path);
    for (const f of selectable) if (isJunkFolderName(f.path)) add(f.path);
    const missing: string[] = [];
    for (const wanted of this.cfg.folders ?? []) {
      const f = selectable.find((x) => x.path === wanted) ?? selectable.find((x) => x.path.toLowerCase() === wanted.toLowerCase());
      if (f) add(f.path);
      else if (wanted.toUpperCase() !== 'INBOX') missing.push(wanted);
    }
    if (missing.length) {
      const names = selectable.map((f) => f.path).sort();
      throw new ImapSyncError(
        `no folder ${missing.map((m) => `"${m}"`).join(', ')} in ${this.cfg.user} (its folders: ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', ...' : ''})`,
        'NotFound',
      );
    }
    return out;
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
