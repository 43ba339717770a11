// A scriptable SMTP server (the `smtp-server` package) on a free loopback port for fault tests:
// temporary failures, per-recipient rejects, the connection dropped mid-DATA, a slow server, failed AUTH.
// Every fully received message is recorded, also those whose reply was never sent (dropped connection),
// so a test can tell "the server has it" from "the client thinks it was sent".
//
// Default rules by recipient local part (handy in fixtures): reject-* → 550 at RCPT, tempfail-* → 451 at RCPT,
// drop-* → the connection is cut after the DATA body arrives (no reply), slow-* → reply after `slowMs`.
// Hooks override or extend them: rcpt(address) and data(message) return what the server does.
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface FaultReply {
  code: number;
  message: string;
}

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  messageId: string | undefined;
  /** 'accepted' (250 sent), 'replied' (an error reply sent), 'dropped' (no reply: the connection was cut). */
  outcome: 'accepted' | 'replied' | 'dropped';
  user: string | undefined;
  at: number;
}

export type DataAction =
  | { action: 'accept'; delayMs?: number }
  | { action: 'reply'; code: number; message: string; delayMs?: number }
  | { action: 'drop' };

export interface FaultSmtpOptions {
  /** Valid logins; when given, AUTH is required. Wrong ones get 535. */
  users?: Record<string, string>;
  /** Every AUTH attempt fails with 535 5.7.8. */
  authFail?: boolean;
  /** Per recipient: a reply to refuse it at RCPT, or undefined to go on with the default rules. */
  rcpt?: (address: string, count: number) => FaultReply | 'accept' | undefined;
  /** Per message after the body arrived: what to do, or undefined for the default rules. */
  data?: (msg: Omit<ReceivedMessage, 'outcome' | 'at'>, count: number) => DataAction | undefined;
  /** Delay of slow-* recipients (and of every reply when `allSlowMs` is set). */
  slowMs?: number;
  allSlowMs?: number;
}

export interface FaultSmtp {
  host: '127.0.0.1';
  port: number;
  /** Every message whose body the server received, in order. */
  received: ReceivedMessage[];
  /** Accepted messages only (the server said 250). */
  accepted(): ReceivedMessage[];
  /** Counters of what the server saw. */
  stats: { connections: number; auths: number; authFailures: number; rcpt: number; rcptRejected: number };
  options: FaultSmtpOptions;
  close(): Promise<void>;
}

const err = (r: FaultReply): Error => Object.assign(new Error(r.message), { responseCode: r.code });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function headerValue(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8', 0, Math.min(raw.length, 64 * 1024)).split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return m?.[1]?.trim();
}

export async function startFaultSmtp(options: FaultSmtpOptions = {}): Promise<FaultSmtp> {
  const received: ReceivedMessage[] = [];
  const stats = { connections: 0, auths: 0, authFailures: 0, rcpt: 0, rcptRejected: 0 };
  let dataCount = 0;
  const sockets = new Map<string, Socket>();

  const server = new SMTPServer({
    name: 'fault.test.local',
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !options.users && !options.authFail,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    size: 50 * 1024 * 1024,
    onConnect(session, cb) {
      stats.connections++;
      // Keep each connection's socket so a 'drop' can cut it without replying.
      for (const c of (server as unknown as { connections: Set<{ id: string; _socket: Socket }> }).connections) {
        if (c.id === session.id) sockets.set(session.id, c._socket);
      }
      cb();
    },
    onClose(session) {
      sockets.delete(session.id);
    },
    onAuth(auth, _session, cb) {
      stats.auths++;
      const ok = !options.authFail && (!options.users || options.users[String(auth.username)] === auth.password);
      if (!ok) {
        stats.authFailures++;
        return cb(err({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
      }
      cb(null, { user: auth.username });
    },
    onRcptTo(addr, _session, cb) {
      stats.rcpt++;
      const address = addr.address;
      const hooked = options.rcpt?.(address, stats.rcpt);
      if (hooked === 'accept') return cb();
      if (hooked) {
        stats.rcptRejected++;
        return cb(err(hooked));
      }
      const local = address.split('@')[0]!.toLowerCase();
      if (local.startsWith('reject-')) {
        stats.rcptRejected++;
        return cb(err({ code: 550, message: '5.1.1 User unknown' }));
      }
      if (local.startsWith('tempfail-')) {
        stats.rcptRejected++;
        return cb(err({ code: 451, message: '4.2.0 Try again later' }));
      }
      cb();
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          dataCount++;
          const raw = Buffer.concat(chunks);
          const base = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            messageId: headerValue(raw, 'message-id')?.replace(/^<|>$/g, ''),
            user: typeof session.user === 'string' ? session.user : undefined,
          };
          let act = options.data?.(base, dataCount);
          if (!act) {
            const locals = base.to.map((a) => a.split('@')[0]!.toLowerCase());
            if (locals.some((l) => l.startsWith('drop-'))) act = { action: 'drop' };
            else if (locals.some((l) => l.startsWith('slow-'))) act = { action: 'accept', delayMs: options.slowMs ?? 2000 };
            else act = { action: 'accept' };
          }
          const delay = (act.action !== 'drop' ? act.delayMs : 0) ?? options.allSlowMs ?? 0;
          if (delay) await sleep(delay);
          if (act.action === 'drop') {
            received.push({ ...base, outcome: 'dropped', at: Date.now() });
            sockets.get(session.id)?.destroy();
            return; // never answer: the client sees the connection close after sending DATA
          }
          if (act.action === 'reply') {
            received.push({ ...base, outcome: 'replied', at: Date.now() });
            return cb(err({ code: act.code, message: act.message }));
          }
          received.push({ ...base, outcome: 'accepted', at: Date.now() });
          cb(null, `2.0.0 Ok: queued as F${dataCount}`);
        })();
      });
    },
  });
  server.on('error', () => undefined); // a client cut off mid-command is not the test's failure
  await new Promise<void>((ok, fail) => {
    server.server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    received,
    accepted: () => received.filter((m) => m.outcome === 'accepted'),
    stats,
    options,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets.values()) s.destroy();
        server.close(() => ok());
      }),
  };
}
