// A real loopback mail stack per test file: Debian's Postfix (SMTP with AUTH) delivering over LMTP into
// Debian's Dovecot (IMAP), started by scripts/mailstack/mailstack.sh on free ports in a temp runtime dir,
// so several test files (and several developers) run their own at once.
//
// Use:  describe.skipIf(!mailstackAvailable() && !process.env.CI)('...', () => { let ms: Mailstack; beforeAll(async () => { ms = await startMailstack(); }); afterAll(() => ms.stop()); ... })
// In CI a missing stack fails instead of skipping (.ci/run installs the packages).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readFileSync, chmodSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';

export const MAILSTACK_SCRIPT = resolve(import.meta.dirname, '../../scripts/mailstack/mailstack.sh');

export interface MailUser {
  /** Full address, also the login name, e.g. alice@test.local. */
  user: string;
  pass: string;
}

export interface MailboxMessage {
  uid: number;
  messageId: string | undefined;
  subject: string | undefined;
  from: string | undefined;
  to: string[];
  inReplyTo: string | undefined;
  source: Buffer;
}

export interface Mailstack {
  host: '127.0.0.1';
  smtpPort: number;
  imapPort: number;
  lmtpPort: number;
  authPort: number;
  domain: string;
  users: { alice: MailUser; bob: MailUser; sink: MailUser };
  /** Runtime dir: configs, postfix.log, dovecot.log, Maildirs. */
  dir: string;
  /** Environment for mailstack.sh addressing this instance. */
  env: Record<string, string>;
  /** Hand a raw RFC 5322 message to Dovecot over LMTP (no Postfix), e.g. a reply fixture. */
  deliver(raw: string | Buffer, to: string, from?: string): Promise<void>;
  /** Append a raw message to a folder over IMAP; returns its UID. */
  append(who: MailUser, mailbox: string, raw: string | Buffer, flags?: string[]): Promise<number | undefined>;
  /** Every message in a folder (INBOX, Sent, ...) with its parsed envelope and raw source. */
  list(who: MailUser, mailbox?: string): Promise<MailboxMessage[]>;
  /** Polls list() until pred holds (or the timeout), returning the last listing. */
  waitFor(who: MailUser, mailbox: string, pred: (msgs: MailboxMessage[]) => boolean, timeoutMs?: number): Promise<MailboxMessage[]>;
  /** An imapflow client for a user (not connected). */
  imap(who: MailUser): ImapFlow;
  /** Mail queued in Postfix and not delivered yet (0 once everything reached Dovecot). */
  queueSize(): number;
  stop(): Promise<void>;
}

const running = new Set<string>();
let exitHookInstalled = false;

/** True when Postfix and Dovecot are installed and we can run them (root). */
export function mailstackAvailable(): boolean {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return (
    root &&
    existsSync('/usr/sbin/postfix') &&
    existsSync('/usr/sbin/dovecot') &&
    existsSync('/usr/lib/dovecot/lmtp') &&
    existsSync('/usr/lib/dovecot/imap')
  );
}

/** Free TCP ports on 127.0.0.1, held open together so they are distinct, then released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<ReturnType<typeof createServer>>((ok, fail) => {
        const s = createServer();
        s.once('error', fail);
        s.listen(0, '127.0.0.1', () => ok(s));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  return ports;
}

function runScript(cmd: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((ok) => {
    execFile('bash', [MAILSTACK_SCRIPT, cmd], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      ok({ code, out: `${stdout}${stderr}` });
    });
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that dies without calling stop() must not leave daemons behind.
  process.on('exit', () => {
    for (const dir of running) {
      spawnSync('bash', [MAILSTACK_SCRIPT, 'clean'], { env: { ...process.env, MAILSTACK_DIR: dir }, stdio: 'ignore' });
    }
  });
}

export async function startMailstack(opts: { domain?: string; keepDir?: boolean } = {}): Promise<Mailstack> {
  if (!mailstackAvailable()) {
    throw new Error('Postfix/Dovecot not available: run `bash scripts/mailstack/mailstack.sh install` as root');
  }
  installExitHook();
  const domain = opts.domain ?? 'test.local';
  let lastErr = '';
  // A port picked free can be taken by someone else before the daemons bind it: retry with new ports.
  for (let attempt = 0; attempt < 4; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'outreach-mailstack-'));
    chmodSync(dir, 0o755);
    const [smtpPort, imapPort, lmtpPort, authPort] = await freePorts(4);
    const env = {
      MAILSTACK_DIR: dir,
      SMTP_PORT: String(smtpPort),
      IMAP_PORT: String(imapPort),
      LMTP_PORT: String(lmtpPort),
      AUTH_PORT: String(authPort),
      MAIL_DOMAIN: domain,
    };
    running.add(dir);
    const r = await runScript('start', env);
    if (r.code !== 0) {
      lastErr = r.out;
      await runScript('clean', env);
      running.delete(dir);
      continue;
    }
    return makeHandle({ dir, env, domain, smtpPort: smtpPort!, imapPort: imapPort!, lmtpPort: lmtpPort!, authPort: authPort!, keepDir: !!opts.keepDir });
  }
  throw new Error(`mailstack did not start:\n${lastErr}`);
}

function makeHandle(p: {
  dir: string;
  env: Record<string, string>;
  domain: string;
  smtpPort: number;
  imapPort: number;
  lmtpPort: number;
  authPort: number;
  keepDir: boolean;
}): Mailstack {
  const u = (name: string): MailUser => ({ user: `${name}@${p.domain}`, pass: `${name}pass` });
  const imap = (who: MailUser): ImapFlow =>
    new ImapFlow({
      host: '127.0.0.1',
      port: p.imapPort,
      secure: false,
      doSTARTTLS: false,
      auth: { user: who.user, pass: who.pass },
      logger: false,
    });
  const list = async (who: MailUser, mailbox = 'INBOX'): Promise<MailboxMessage[]> => {
    const c = imap(who);
    await c.connect();
    try {
      const lock = await c.getMailboxLock(mailbox);
      const out: MailboxMessage[] = [];
      try {
        const exists = c.mailbox && typeof c.mailbox === 'object' ? c.mailbox.exists : 0;
        if (exists > 0) {
          for await (const m of c.fetch('1:*', { uid: true, envelope: true, source: true })) {
            out.push({
              uid: m.uid,
              messageId: m.envelope?.messageId,
              subject: m.envelope?.subject,
              from: m.envelope?.from?.[0]?.address,
              to: (m.envelope?.to ?? []).map((a) => a.address ?? ''),
              inReplyTo: m.envelope?.inReplyTo,
              source: m.source ?? Buffer.alloc(0),
            });
          }
        }
      } finally {
        lock.release();
      }
      return out;
    } finally {
      await c.logout().catch(() => undefined);
    }
  };
  let stopped = false;
  return {
    host: '127.0.0.1',
    smtpPort: p.smtpPort,
    imapPort: p.imapPort,
    lmtpPort: p.lmtpPort,
    authPort: p.authPort,
    domain: p.domain,
    users: { alice: u('alice'), bob: u('bob'), sink: u('sink') },
    dir: p.dir,
    env: p.env,
    imap,
    list,
    async deliver(raw, to, from = `postmaster@${p.domain}`) {
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: p.lmtpPort, lmtp: true, ignoreTLS: true, name: 'test-helper' });
      try {
        const info = await t.sendMail({ envelope: { from, to: [to] }, raw: typeof raw === 'string' ? raw : raw });
        if (info.rejected.length) throw new Error(`LMTP rejected ${info.rejected.join(',')}`);
      } finally {
        t.close();
      }
    },
    async append(who, mailbox, raw, flags = []) {
      const c = imap(who);
      await c.connect();
      try {
        const r = await c.append(mailbox, raw, flags);
        return r ? r.uid : undefined;
      } finally {
        await c.logout().catch(() => undefined);
      }
    },
    async waitFor(who, mailbox, pred, timeoutMs = 15_000) {
      const t0 = Date.now();
      for (;;) {
        const msgs = await list(who, mailbox);
        if (pred(msgs) || Date.now() - t0 > timeoutMs) return msgs;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    queueSize() {
      // Count queue files directly: postqueue refuses a -c dir not listed in the default main.cf.
      let n = 0;
      for (const q of ['incoming', 'active', 'deferred', 'maildrop', 'hold']) {
        const r = spawnSync('find', [join(p.dir, 'postfix-spool', q), '-type', 'f'], { encoding: 'utf8' });
        n += r.stdout.split('\n').filter(Boolean).length;
      }
      return n;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await runScript('stop', p.env);
      running.delete(p.dir);
      if (!p.keepDir) rmSync(p.dir, { recursive: true, force: true });
    },
  };
}

/** Reads the runtime dir's Postfix log (for debugging a failing test). */
export function postfixLog(ms: Mailstack): string {
  try {
    return readFileSync(join(ms.dir, 'postfix.log'), 'utf8');
  } catch {
    return '';
  }
}
