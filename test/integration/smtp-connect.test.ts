// Every await of the SMTP adapter settles, whatever the server does: a refused port, a host that does not
// resolve, a server that accepts and never greets, greets and then hangs up, drops the connection in the
// middle of AUTH or RSET, stops answering mid-transaction, or ignores QUIT. Before, nodemailer reported some
// of these only through its 'error' event, the adapter's promise never settled, and `outreach send` exited 0
// in silence with the message left in 'sending' (unknown at the next run, so never sent).
// Real components: real TCP sockets on loopback (a port listened on then closed, so refused), scripted raw
// SMTP servers, smtp-server (test/helpers/fault-smtp.ts), the real adapter, the send stage, and the built CLI.
import { describe, it, expect, afterAll } from 'vitest';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { SmtpClient, SmtpError, verifySmtp, type SmtpConfig } from '../../src/adapters/smtp.js';
import { runSend, type SendAdapters } from '../../src/stages/send/index.js';
import { smtpConfigOf } from '../../src/stages/mailbox/index.js';
import { ManualClock } from '../../src/adapters/clock.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startFaultSmtp, type FaultSmtp } from '../helpers/fault-smtp.js';
import { seedCampaign, addTestMailbox, testSettings, openTestDb, sendSettingsYaml } from '../helpers/send-fixture.js';

const t = tempDir('outreach-smtp-connect-');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
  t.cleanup();
});

/** A port on 127.0.0.1 where nothing listens: listened on, then closed (connections to it are refused). */
async function refusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok, fail) => {
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok());
  });
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

type Step = 'drop' | 'silent' | string | undefined;

interface RawServer {
  port: number;
  /** Commands received, in order, over all connections (the DATA body is not included). */
  commands: string[];
  connections: number;
}

/**
 * A minimal SMTP server speaking the wire protocol by hand, so a test can make it misbehave at any point.
 * `greet`: the greeting ('silent' = accept and never greet, 'drop' = hang up at once). `on(command)`:
 * 'drop' hangs up, 'silent' never answers, a string is the reply, undefined is the normal answer.
 */
async function rawServer(opts: { greet?: Step; on?: (cmd: string, n: number) => Step; afterBody?: Step } = {}): Promise<RawServer> {
  const state: RawServer = { port: 0, commands: [], connections: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    state.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    const greet = opts.greet ?? '220 raw.test ESMTP';
    if (greet === 'drop') return void sock.destroy();
    if (greet !== 'silent') sock.write(`${greet}\r\n`);
    let buf = '';
    let inData = false;
    const answer = (step: Step, normal: string) => {
      if (step === 'drop') return void sock.destroy();
      if (step === 'silent') return;
      sock.write(`${step ?? normal}\r\n`);
    };
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            answer(opts.afterBody, '250 2.0.0 Ok: queued');
          }
          continue;
        }
        state.commands.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        const step = opts.on?.(verb, state.commands.length);
        if (sock.destroyed) return;
        switch (verb) {
          case 'EHLO':
            answer(step, '250-raw.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME');
            break;
          case 'AUTH':
            answer(step, '235 2.7.0 Authentication successful');
            break;
          case 'DATA':
            if (step === undefined) inData = true;
            answer(step, '354 End data with <CR><LF>.<CR><LF>');
            break;
          case 'QUIT':
            answer(step, '221 2.0.0 Bye');
            if (step === undefined) sock.end();
            break;
          default:
            answer(step, '250 2.0.0 Ok');
        }
      }
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  state.port = (server.address() as AddressInfo).port;
  cleanups.push(
    () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  );
  return state;
}

const cfg = (port: number, over: Partial<SmtpConfig> = {}): SmtpConfig => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  connectionTimeoutMs: 3000,
  greetingTimeoutMs: 3000,
  socketTimeoutMs: 3000,
  ...over,
});
const RAW = Buffer.from('From: a@sender.test\r\nTo: b@example.com\r\nSubject: hi\r\nMessage-ID: <x1@sender.test>\r\n\r\nhello\r\n');
const ENV = { from: 'a@sender.test', to: ['b@example.com'] };

/** The promise's outcome, failing the test (rather than hanging it) if it has not settled within `ms`. */
async function outcome<T>(p: Promise<T>, ms = 10_000): Promise<{ ok: true; value: T } | { ok: false; error: SmtpError }> {
  let timer: NodeJS.Timeout | undefined;
  const never = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return { ok: true, value: await Promise.race([p, never]) };
  } catch (err) {
    if ((err as Error).message.startsWith('did not settle')) throw err;
    return { ok: false, error: err as SmtpError };
  } finally {
    clearTimeout(timer);
  }
}

function expectConnectFailure(r: Awaited<ReturnType<typeof outcome>>, port: number, text: RegExp): SmtpError {
  expect(r.ok).toBe(false);
  const e = (r as { error: SmtpError }).error;
  expect(e).toBeInstanceOf(SmtpError);
  expect(e.phase).toBe('connect');
  expect(e.message).toContain(`127.0.0.1:${port}`);
  expect(e.message).toMatch(text);
  return e;
}

describe('SmtpClient: a connection that cannot be made rejects (phase connect), it never hangs', () => {
  it('a refused port (ECONNREFUSED): connect(), send() and verifySmtp() reject naming host and port', async () => {
    const port = await refusedPort();
    const c = new SmtpClient(cfg(port));
    const e = expectConnectFailure(await outcome(c.connect()), port, /connection refused/);
    expect(e.code).toBe('ECONNREFUSED');
    // send() connects first: same failure, before any byte of the message left.
    expectConnectFailure(await outcome(c.send(ENV, RAW)), port, /ECONNREFUSED/);
    expectConnectFailure(await outcome(verifySmtp(cfg(port))), port, /ECONNREFUSED/);
    await c.close();
  });

  it('a host name that does not resolve', async () => {
    const c = new SmtpClient(cfg(25, { host: 'no-such-host.invalid' }));
    const r = await outcome(c.connect());
    expect(r.ok).toBe(false);
    const e = (r as { error: SmtpError }).error;
    expect(e.phase).toBe('connect');
    expect(e.message).toContain('no-such-host.invalid:25');
    expect(e.message).toMatch(/host name not found|no connection within|ENOTFOUND|EAI_AGAIN/);
  });

  it('a server that accepts the connection and never greets: rejected after the greeting timeout', async () => {
    const s = await rawServer({ greet: 'silent' });
    const c = new SmtpClient(cfg(s.port, { greetingTimeoutMs: 300 }));
    const started = Date.now();
    expectConnectFailure(await outcome(c.connect()), s.port, /no greeting within 0\.3s/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(s.connections).toBe(1);
  });

  it('a server that hangs up before its greeting, or right after it', async () => {
    const before = await rawServer({ greet: 'drop' });
    expectConnectFailure(await outcome(new SmtpClient(cfg(before.port)).connect()), before.port, /closed|reset/i);
    const after = await rawServer({ on: (cmd) => (cmd === 'EHLO' ? 'drop' : undefined) });
    expectConnectFailure(await outcome(new SmtpClient(cfg(after.port)).send(ENV, RAW)), after.port, /closed|reset/i);
    expect(after.commands.some((l) => /^MAIL/i.test(l))).toBe(false);
  });

  it('a server that refuses service in its greeting (554)', async () => {
    const s = await rawServer({ greet: '554 5.3.2 No service here' });
    const e = expectConnectFailure(await outcome(new SmtpClient(cfg(s.port)).connect()), s.port, /refused the session: 554 5\.3\.2 No service here/);
    expect(e.responseCode).toBe(554);
  });

  it('TLS that cannot be set up: implicit TLS against a plain server, STARTTLS required but not offered', async () => {
    const plain = await rawServer();
    expectConnectFailure(await outcome(new SmtpClient(cfg(plain.port, { security: 'tls' })).connect()), plain.port, /TLS|SSL|no greeting|closed/i);
    const noStarttls = await rawServer({ on: (cmd) => (cmd === 'STARTTLS' ? '454 4.7.0 TLS not available' : undefined) });
    const e = expectConnectFailure(await outcome(new SmtpClient(cfg(noStarttls.port, { security: 'starttls' })).connect()), noStarttls.port, /STARTTLS refused: 454 4\.7\.0 TLS not available/);
    expect(e.responseCode).toBe(454);
    expect(noStarttls.commands.some((l) => /^(MAIL|AUTH)/i.test(l))).toBe(false); // nothing in clear text
  });

  it('the connection lost in the middle of AUTH is a connection failure, not a refused login', async () => {
    const s = await rawServer({ on: (cmd) => (cmd === 'AUTH' ? 'drop' : undefined) });
    const e = expectConnectFailure(await outcome(new SmtpClient(cfg(s.port, { user: 'u', pass: 'p' })).connect()), s.port, /closed|reset/i);
    expect(e.phase).not.toBe('auth');
    // A real refusal still is an auth failure (the send stage stops the mailbox on it).
    const refused = await rawServer({ on: (cmd) => (cmd === 'AUTH' ? '535 5.7.8 Authentication credentials invalid' : undefined) });
    const r = await outcome(new SmtpClient(cfg(refused.port, { user: 'u', pass: 'bad' })).connect());
    expect(r.ok).toBe(false);
    expect((r as { error: SmtpError }).error).toMatchObject({ phase: 'auth', responseCode: 535 });
  });

  it('a server that stops answering AUTH: rejected after the socket timeout', async () => {
    const s = await rawServer({ on: (cmd) => (cmd === 'AUTH' ? 'silent' : undefined) });
    const r = await outcome(new SmtpClient(cfg(s.port, { user: 'u', pass: 'p', socketTimeoutMs: 300 })).connect());
    expect(r.ok).toBe(false);
    expect((r as { error: SmtpError }).error.phase).toBe('connect');
  });
});

describe('SmtpClient: every await of a send settles', () => {
  it('a 4xx at RCPT, then the connection dropped during RSET: send() rejects with the 4xx, the next send reconnects', async () => {
    let rsets = 0;
    const s = await rawServer({
      on: (cmd) => {
        if (cmd === 'RCPT' && s.connections === 1) return '451 4.7.1 Greylisted';
        if (cmd === 'RSET') return ++rsets === 1 ? 'drop' : undefined;
        return undefined;
      },
    });
    const c = new SmtpClient(cfg(s.port));
    const r1 = await outcome(c.send(ENV, RAW));
    expect(r1.ok).toBe(false);
    expect((r1 as { error: SmtpError }).error).toMatchObject({ phase: 'rcpt', responseCode: 451 });
    expect(rsets).toBe(1);
    const r2 = await outcome(c.send(ENV, RAW));
    expect(r2.ok).toBe(true);
    expect(s.connections).toBe(2);
    await c.close();
  });

  it('a server that stops answering RSET: send() still rejects with the 4xx', async () => {
    const s = await rawServer({ on: (cmd) => (cmd === 'RCPT' ? '452 4.2.2 Mailbox full' : cmd === 'RSET' ? 'silent' : undefined) });
    const c = new SmtpClient(cfg(s.port, { socketTimeoutMs: 300 }));
    const r = await outcome(c.send(ENV, RAW));
    expect(r.ok).toBe(false);
    expect((r as { error: SmtpError }).error).toMatchObject({ phase: 'rcpt', responseCode: 452 });
    await c.close();
  });

  it('the connection dropped before DATA, after the 354 with no reply, and a server silent after the body', async () => {
    const atMail = await rawServer({ on: (cmd) => (cmd === 'MAIL' ? 'drop' : undefined) });
    const r1 = await outcome(new SmtpClient(cfg(atMail.port)).send(ENV, RAW));
    expect(r1.ok).toBe(false);
    expect(['mail', 'rcpt']).toContain((r1 as { error: SmtpError }).error.phase); // never reached DATA: nothing sent
    const afterBody = await rawServer({ afterBody: 'drop' });
    const r2 = await outcome(new SmtpClient(cfg(afterBody.port)).send(ENV, RAW));
    expect(r2.ok).toBe(false);
    expect((r2 as { error: SmtpError }).error.phase).toBe('data'); // the body went out: the outcome is unknown
    const silent = await rawServer({ afterBody: 'silent' });
    const r3 = await outcome(new SmtpClient(cfg(silent.port, { socketTimeoutMs: 300 })).send(ENV, RAW));
    expect(r3.ok).toBe(false);
    expect((r3 as { error: SmtpError }).error.phase).toBe('data');
  });

  it('the server closing the connection between two messages: the next send reconnects', async () => {
    let sent = 0;
    const s = await rawServer({ afterBody: undefined, on: (cmd) => (cmd === 'MAIL' && sent++ === 1 ? 'drop' : undefined) });
    const c = new SmtpClient(cfg(s.port));
    expect((await outcome(c.send(ENV, RAW))).ok).toBe(true);
    // The second MAIL FROM finds the connection gone: rejected before the body (nothing sent) ...
    const r2 = await outcome(c.send(ENV, RAW));
    expect(r2.ok).toBe(false);
    expect((r2 as { error: SmtpError }).error.phase).not.toBe('data');
    // ... and the third goes out over a new connection.
    expect((await outcome(c.send(ENV, RAW))).ok).toBe(true);
    expect(s.connections).toBe(2);
    await c.close();
  });

  it('close() returns even when the server ignores QUIT', async () => {
    const s = await rawServer({ on: (cmd) => (cmd === 'QUIT' ? 'silent' : undefined) });
    const c = new SmtpClient(cfg(s.port));
    await c.connect();
    const started = Date.now();
    expect((await outcome(c.close())).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

const SECRET = 's3cret';
const stageAdapters = (clock: ManualClock): SendAdapters => ({
  clock,
  smtp: (m) => new SmtpClient({ ...smtpConfigOf(m, () => undefined), socketTimeoutMs: 5000 }),
  sentFolder: async () => null,
  isAlive: () => true,
  hostname: hostname(),
  pid: process.pid,
});

describe('the send stage with a mailbox whose SMTP port refuses connections', () => {
  it('reports the mailbox problem, leaves no message sending or unknown, and sends it once the server is back', async () => {
    const port = await refusedPort();
    const db = openTestDb(join(t.dir, 'stage.db'));
    seedCampaign(db, { leads: 3 });
    const id = addTestMailbox(db, { name: 'down', email: 'down@sender.test', host: '127.0.0.1', port, user: null });
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    const r = await outcome(runSend(db, stageAdapters(clock), { settings: testSettings(), secret: SECRET }));
    expect(r.ok).toBe(true);
    const rep = (r as { value: Awaited<ReturnType<typeof runSend>> }).value;
    expect(rep.sent).toBe(0);
    expect(rep.unknown).toBe(0);
    expect(rep.mailboxProblems).toHaveLength(1);
    expect(rep.mailboxProblems[0]!.mailbox).toBe('down');
    expect(rep.mailboxProblems[0]!.problem).toContain(`127.0.0.1:${port}`);
    expect(rep.mailboxProblems[0]!.problem).toMatch(/ECONNREFUSED/);
    const states = db.sqlite.prepare(`SELECT state, claimed_by, attempts FROM messages`).all() as { state: string; claimed_by: string | null; attempts: number }[];
    expect(states.length).toBeGreaterThan(0);
    for (const s of states) {
      expect(['queued', 'deferred']).toContain(s.state); // retried later, never 'sending' or 'unknown'
      expect(s.claimed_by).toBeNull();
    }
    // The server comes back on another port: the same messages go out, exactly once each.
    const up: FaultSmtp = await startFaultSmtp();
    cleanups.push(() => up.close());
    db.sqlite.prepare(`UPDATE mailboxes SET smtp_port = ? WHERE id = ?`).run(up.port, id);
    clock.set('2026-11-30T12:00:00Z');
    const r2 = await runSend(db, stageAdapters(clock), { settings: testSettings(), secret: SECRET });
    expect(r2).toMatchObject({ sent: 3, unknown: 0, staleToUnknown: 0 });
    expect(up.accepted()).toHaveLength(3);
    db.close();
  });
});

const YAML = sendSettingsYaml('ana@sender.test');

describe('outreach send (built CLI) with a mailbox whose SMTP port refuses connections', () => {
  const dir = join(t.dir, 'cli');
  const dbPath = join(dir, 'o.db');
  const env = { OUTREACH_DB: dbPath, OUTREACH_SECRET: 'cli-secret', ANA_PW: 'pw' };
  const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: 30_000 });
  const states = () => {
    const db = openTestDb(dbPath);
    try {
      return db.sqlite.prepare(`SELECT state, last_error FROM messages ORDER BY id`).all() as { state: string; last_error: string | null }[];
    } finally {
      db.close();
    }
  };
  let port = 0;

  it('says which mailbox, host and port failed, and leaves the message to be retried (not sending, not unknown)', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'outreach.yaml'), YAML);
    const db = openTestDb(dbPath);
    seedCampaign(db, { campaign: 'spring', leads: 1 });
    db.close();
    port = await refusedPort();
    const add = await cli(['mailbox', 'add', 'ana', '--email', 'ana@sender.test', '--smtp-host', '127.0.0.1', '--smtp-port', String(port), '--smtp-security', 'none', '--smtp-password-env', 'ANA_PW', '--daily-cap', '100', '--ramp-start', '0', '--ramp-step', '0']);
    expect(add.code, add.stderr).toBe(0);

    const r = await cli(['send', '--campaign', 'spring', '-v']);
    expect(r.stderr).toMatch(new RegExp(`mailbox ana: .*127\\.0\\.0\\.1:${port}.*(refused|ECONNREFUSED)`));
    const after = states();
    expect(after).toHaveLength(1);
    expect(['queued', 'deferred']).toContain(after[0]!.state);
    expect(after[0]!.last_error).toContain(`127.0.0.1:${port}`);

    // The next run does not find a message "left mid-send" (that would make it unknown, never sent).
    const again = await cli(['send', '--campaign', 'spring', '-v']);
    expect(again.stdout + again.stderr).not.toMatch(/left mid-send|now unknown/);
    expect(['queued', 'deferred']).toContain(states()[0]!.state);

    // Fixed with a partial update of the port: the message goes out.
    const up = await startFaultSmtp();
    cleanups.push(() => up.close());
    const upd = await cli(['mailbox', 'add', 'ana', '--update', '--smtp-port', String(up.port)]);
    expect(upd.code, upd.stderr).toBe(0);
    const db2 = openTestDb(dbPath);
    // A deferred message waits for its backoff: make it due now (the CLI has no clock override).
    db2.sqlite.exec(`UPDATE messages SET next_attempt_at = NULL WHERE state = 'deferred'`);
    db2.close();
    const ok = await cli(['send', '--campaign', 'spring']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(states().map((s) => s.state)).toEqual(['sent']);
    expect(up.accepted()).toHaveLength(1);
  });

  it('exits 1 when a mailbox cannot be reached', async () => {
    const p = await refusedPort();
    const db = openTestDb(dbPath);
    seedCampaign(db, { campaign: 'autumn', leads: 1, email: (i) => `autumn-${i}@example.com` });
    db.close();
    await cli(['mailbox', 'add', 'ana', '--update', '--smtp-port', String(p)]);
    const r = await cli(['send', '--campaign', 'autumn']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`mailbox ana: .*127\\.0\\.0\\.1:${p}`));
  });
});
