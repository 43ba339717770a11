// SMTP through nodemailer's own building blocks: MailComposer builds the MIME message (so the exact bytes
// can also be appended to the Sent folder), nodemailer's DKIM signer signs it, and one SMTPConnection per
// mailbox is reused across messages. Every failure says in which phase it happened (connect, auth, MAIL,
// RCPT, DATA command, after the body), because that decides whether a message can be retried or is unknown.
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import MailComposer from 'nodemailer/lib/mail-composer';
import DKIM from 'nodemailer/lib/dkim';
import type { SmtpPhase } from '../domain/outbound.js';

export type Security = 'tls' | 'starttls' | 'none';

export interface SmtpConfig {
  host: string;
  port: number;
  security: Security;
  user?: string | null;
  pass?: string;
  /** Our name in EHLO (default: the part after @ of the sender, else the OS host name). */
  name?: string;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** Accept self-signed certificates (only for testing against a private server). */
  allowInvalidCert?: boolean;
}

export class SmtpError extends Error {
  readonly phase: SmtpPhase;
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  constructor(message: string, phase: SmtpPhase, info: { code?: string; responseCode?: number; response?: string } = {}) {
    super(message);
    this.name = 'SmtpError';
    this.phase = phase;
    this.code = info.code;
    this.responseCode = info.responseCode;
    this.response = info.response;
  }
}

interface NmError extends Error {
  code?: string;
  /** The system error's code (ECONNREFUSED, ENOTFOUND...) when nodemailer replaced `code` with its own (ESOCKET, EDNS). */
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  timeoutType?: string;
}

function toSmtpError(err: unknown, phase: SmtpPhase): SmtpError {
  const e = err as NmError;
  return new SmtpError(e?.message ?? String(err), phase, {
    code: e?.code,
    responseCode: typeof e?.responseCode === 'number' ? e.responseCode : undefined,
    response: typeof e?.response === 'string' ? e.response : undefined,
  });
}

/** What went wrong while opening the connection, in words a user can act on. */
function describeConnectFailure(e: NmError, cfg: SmtpConfig): string {
  const sys = e.originalCode ?? (e.code && !['ESOCKET', 'ECONNECTION', 'EDNS', 'ETLS', 'ETIMEDOUT', 'EPROTOCOL'].includes(e.code) ? e.code : undefined);
  const secs = (ms: number | undefined, dflt: number) => `${Math.round((ms ?? dflt) / 100) / 10}s`;
  if (e.timeoutType === 'CONNECT_TIMEOUT') return `no connection within ${secs(cfg.connectionTimeoutMs, 30_000)} (a firewall, or the wrong host or port)`;
  if (e.timeoutType === 'GREETING_TIMEOUT') return `connected, but the server sent no greeting within ${secs(cfg.greetingTimeoutMs, 30_000)} (is it an SMTP server? with --smtp-security tls, is the port a TLS port?)`;
  if (e.timeoutType === 'UPGRADE_TIMEOUT') return `the TLS handshake after STARTTLS did not finish within ${secs(cfg.greetingTimeoutMs, 30_000)}`;
  if (e.timeoutType === 'SOCKET_TIMEOUT') return `the server stopped answering (no reply within ${secs(cfg.socketTimeoutMs, 120_000)})`;
  switch (sys) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED): nothing listens on that port';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `host unreachable (${sys})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ENODATA':
      return `host name not found (${sys})`;
    case 'ECONNRESET':
      return 'the server reset the connection (ECONNRESET)';
    case 'ETIMEDOUT':
      return 'connection timed out (ETIMEDOUT)';
  }
  const reply = typeof e.response === 'string' ? e.response.trim() : '';
  if (e.code === 'ETLS') return reply ? `STARTTLS refused: ${reply}` : `TLS failed: ${e.message}`;
  if (reply) return `the server refused the session: ${reply}`;
  if (/ssl|tls|certificate|self[- ]signed|wrong version number|EPROTO/i.test(`${e.message} ${sys ?? ''}`)) return `TLS failed: ${e.message}`;
  return e.message || String(e);
}

/** A connection failure as an SmtpError of phase 'connect' naming the server, e.g. "smtp.x.com:587: connection refused (ECONNREFUSED): ...". */
function connectError(err: unknown, cfg: SmtpConfig): SmtpError {
  const e = (err ?? {}) as NmError;
  // No `response`: the callers show `response ?? message`, and the message names the server and says what
  // happened (the reply, if there was one, is in it).
  return new SmtpError(`${cfg.host}:${cfg.port}: ${describeConnectFailure(e, cfg)}`, 'connect', {
    code: e.originalCode ?? e.code,
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
  });
}

type NmCallback<T> = (err?: Error | null, value?: T) => void;

/**
 * Runs one nodemailer operation and settles when it calls back, or when the connection ends without it
 * calling back. nodemailer reports some failures only through its 'error' and 'end' events and never
 * calls the operation's callback: a refused or timed-out connect, a connection lost during AUTH or RSET.
 * Without this, such a promise would never settle and the process would just exit when its event loop
 * emptied (silently, with a message left mid-send). 'end' is waited on for one turn of the event loop,
 * because when nodemailer does call back (e.g. a 421, a drop mid-DATA) it does so right after 'end'.
 */
function settle<T>(conn: SMTPConnection, start: (cb: NmCallback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let lastError: unknown = null;
    const onError = (e: unknown) => {
      lastError = e;
    };
    const onEnd = () => {
      setImmediate(() => finish(lastError ?? Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' })));
    };
    const finish = (err: unknown, value?: T) => {
      if (done) return;
      done = true;
      conn.removeListener('error', onError);
      conn.removeListener('end', onEnd);
      if (err) reject(err);
      else resolve(value as T);
    };
    conn.on('error', onError);
    conn.once('end', onEnd);
    try {
      start((err, value) => finish(err ?? null, value));
    } catch (e) {
      finish(e);
    }
  });
}

export interface SendResult {
  /** The server's final reply, e.g. "250 2.0.0 Ok: queued as 4F1B2". */
  response: string;
  accepted: string[];
}

/** A connection to one SMTP server, opened on first use, reopened when the server closed it. */
export class SmtpClient {
  private conn: SMTPConnection | null = null;
  private alive = false;
  private sawDataGo = false;
  private lastLine = '';
  private onBody: (() => void) | null = null;

  constructor(private readonly cfg: SmtpConfig) {}

  private options(): ConstructorParameters<typeof SMTPConnection>[0] {
    const c = this.cfg;
    // Server replies arrive through the logger when transactionLog is on: that is how we learn that DATA
    // was accepted (354) before a connection dropped, which makes the message unknown rather than unsent.
    const track = (meta: unknown, ...args: unknown[]) => {
      const line = typeof args[0] === 'string' ? args[0] : '';
      if (line && (meta as { tnx?: string } | null)?.tnx === 'server') {
        this.lastLine = line;
        if (/^354[ -]/.test(line)) {
          this.sawDataGo = true;
          const hook = this.onBody;
          this.onBody = null;
          // The body is being written now: after this tick the client only waits for the final reply.
          if (hook) setImmediate(hook);
        }
      }
    };
    const quiet = () => undefined;
    const logger = { trace: quiet, debug: track, info: quiet, warn: quiet, error: quiet, fatal: quiet, level: quiet };
    return {
      host: c.host,
      port: c.port,
      secure: c.security === 'tls',
      ignoreTLS: c.security === 'none',
      requireTLS: c.security === 'starttls',
      name: c.name,
      connectionTimeout: c.connectionTimeoutMs ?? 30_000,
      greetingTimeout: c.greetingTimeoutMs ?? 30_000,
      socketTimeout: c.socketTimeoutMs ?? 120_000,
      tls: c.allowInvalidCert ? { rejectUnauthorized: false } : undefined,
      transactionLog: true,
      logger: logger as never,
    };
  }

  /**
   * Connects and logs in. Always settles: throws SmtpError with phase 'connect' (refused, unreachable, DNS,
   * TLS, no greeting, the connection lost before or during login: nothing was sent) or 'auth' (the server
   * refused the login).
   */
  async connect(): Promise<void> {
    if (this.conn && this.alive) return;
    this.dispose();
    const conn = new SMTPConnection(this.options());
    this.conn = conn;
    // Always listened to: an 'error' without a listener would throw from the socket's event handler.
    conn.on('error', () => {
      this.alive = false;
    });
    conn.on('end', () => {
      this.alive = false;
    });
    try {
      await settle<void>(conn, (cb) => conn.connect(cb));
    } catch (err) {
      this.dispose();
      throw connectError(err, this.cfg);
    }
    this.alive = true;
    if (this.cfg.user) {
      try {
        await settle<unknown>(conn, (cb) => conn.login({ credentials: { user: this.cfg.user!, pass: this.cfg.pass ?? '' } }, cb));
      } catch (err) {
        this.dispose();
        const e = err as NmError;
        // Refused by the server (a reply, or nodemailer's own EAUTH) is a login failure; a connection lost
        // or timed out in the middle of AUTH is not: the password may be right, nothing was sent.
        if (e?.code === 'EAUTH' || typeof e?.responseCode === 'number') throw toSmtpError(err, 'auth');
        throw connectError(err, this.cfg);
      }
    }
  }

  /**
   * Sends one message. Throws SmtpError: phase 'connect'/'auth' (nothing sent), 'mail'/'rcpt'/'data-cmd'
   * (refused before the body), 'data' (the body went out; no reply code means the outcome is unknown),
   * 'api' (never reached the wire). `onBodySent` runs once the server said 354 and the body is on its way:
   * the send stage uses that wait for the final reply to make its next claim durable.
   */
  async send(envelope: { from: string; to: string[] }, raw: Buffer, onBodySent?: () => void): Promise<SendResult> {
    await this.connect();
    const conn = this.conn!;
    this.sawDataGo = false;
    this.lastLine = '';
    this.onBody = onBodySent ?? null;
    try {
      const info = await settle<{ response?: string; accepted?: string[] }>(conn, (cb) =>
        conn.send(envelope, raw, (err, res) => cb(err, res as { response?: string; accepted?: string[] })),
      );
      // The final 250 ends the mail transaction (RFC 5321 4.1.4): the next MAIL FROM needs no RSET first.
      return { response: info.response ?? this.lastLine, accepted: info.accepted ?? envelope.to };
    } catch (err) {
      const e = err as NmError;
      let phase: SmtpPhase;
      if (e.command === 'API' && !this.sawDataGo) phase = 'api';
      else if (e.command === 'MAIL FROM') phase = 'mail';
      else if (e.command === 'RCPT TO') phase = 'rcpt';
      else if (e.command === 'DATA' && e.code === 'EENVELOPE') phase = 'data-cmd';
      else if (this.sawDataGo) phase = 'data';
      else phase = 'rcpt'; // the connection failed before DATA was accepted: the body never left
      this.onBody = null;
      const se = toSmtpError(err, phase);
      if (!this.alive || !se.responseCode || phase === 'data') this.dispose();
      else {
        // RSET so the connection can carry the next message; if that fails too, the next send reconnects.
        await settle<unknown>(conn, (cb) => conn.reset(cb)).catch(() => this.dispose());
      }
      throw se;
    }
  }

  private dispose(): void {
    const c = this.conn;
    this.conn = null;
    this.alive = false;
    if (c) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  }

  /** Says QUIT and closes. Never throws; settles within 2 s even when the server does not answer. */
  async close(): Promise<void> {
    const c = this.conn;
    if (c && this.alive) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        c.once('end', () => {
          clearTimeout(t);
          resolve();
        });
        try {
          c.quit();
        } catch {
          clearTimeout(t);
          resolve();
        }
      });
    }
    this.dispose();
  }
}

/** Connects and logs in, then quits: for `mailbox test` and `doctor`. */
export async function verifySmtp(cfg: SmtpConfig): Promise<void> {
  const c = new SmtpClient({ ...cfg, connectionTimeoutMs: cfg.connectionTimeoutMs ?? 15_000, greetingTimeoutMs: cfg.greetingTimeoutMs ?? 15_000 });
  try {
    await c.connect();
  } finally {
    await c.close();
  }
}

export interface DkimConfig {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export interface OutgoingMail {
  from: { name?: string; address: string };
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  /** Without angle brackets. */
  messageId: string;
  date: Date;
  inReplyTo?: string | null;
  references?: string[];
  replyTo?: string | null;
  headers?: Record<string, string>;
}

/** Builds the raw RFC 5322 message (multipart/alternative when there is HTML), DKIM-signed when configured. */
export async function composeMessage(mail: OutgoingMail, dkim?: DkimConfig | null): Promise<Buffer> {
  const composer = new MailComposer({
    from: mail.from.name ? { name: mail.from.name, address: mail.from.address } : mail.from.address,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    messageId: `<${mail.messageId}>`,
    date: mail.date,
    ...(mail.inReplyTo ? { inReplyTo: `<${mail.inReplyTo}>` } : {}),
    ...(mail.references?.length ? { references: mail.references.map((r) => `<${r}>`) } : {}),
    ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
    headers: mail.headers ?? {},
  });
  const raw = await new Promise<Buffer>((resolve, reject) => {
    composer.compile().build((err: Error | null, msg: Buffer) => (err ? reject(err) : resolve(msg)));
  });
  if (!dkim) return raw;
  const signer = new DKIM({ domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey: dkim.privateKey });
  const stream = signer.sign(raw);
  const chunks: Buffer[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
