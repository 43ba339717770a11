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
  responseCode?: number;
  response?: string;
  command?: string;
}

function toSmtpError(err: unknown, phase: SmtpPhase): SmtpError {
  const e = err as NmError;
  return new SmtpError(e?.message ?? String(err), phase, {
    code: e?.code,
    responseCode: typeof e?.responseCode === 'number' ? e.responseCode : undefined,
    response: typeof e?.response === 'string' ? e.response : undefined,
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

  /** Connects and logs in. Throws SmtpError with phase 'connect' or 'auth'. */
  async connect(): Promise<void> {
    if (this.conn && this.alive) return;
    this.dispose();
    const conn = new SMTPConnection(this.options());
    this.conn = conn;
    conn.on('error', () => {
      this.alive = false;
    });
    conn.on('end', () => {
      this.alive = false;
    });
    await new Promise<void>((resolve, reject) => {
      conn.connect((err?: Error | null) => (err ? reject(toSmtpError(err, 'connect')) : resolve()));
    }).catch((e) => {
      this.dispose();
      throw e;
    });
    this.alive = true;
    if (this.cfg.user) {
      await new Promise<void>((resolve, reject) => {
        conn.login({ credentials: { user: this.cfg.user!, pass: this.cfg.pass ?? '' } }, (err?: Error | null) =>
          err ? reject(toSmtpError(err, 'auth')) : resolve(),
        );
      }).catch((e) => {
        this.dispose();
        throw e;
      });
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
      const info = await new Promise<{ response?: string; accepted?: string[] }>((resolve, reject) => {
        conn.send(envelope, raw, (err, res) => (err ? reject(err) : resolve(res as { response?: string; accepted?: string[] })));
      });
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
      else await new Promise<void>((resolve) => conn.reset(() => resolve()));
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
