// review-s10-issue9 D2, D6, D7, D8, D9 as a user (or cron) meets them: the built CLI in a subprocess.
// - import of a Maildir reads its junk/spam Maildir++ subfolders and names the ones it skips (-v, --json);
// - `inbox list --lead` with a domain that is no lead says so (exit 1), one with no messages says that;
// - `inbox sync --mailbox A --mailbox B` syncs both in order, a wrong name fails before anything is synced;
// - -v names the folders read, a Spam folder next to Junk included, and `--folder` adds one;
// - TLS mismatches and certificate errors are sentences with the fix; "saved" only when something was fetched.
// Real Postfix/Dovecot on loopback, a loopback TLS server with a self-signed certificate, a cutting TCP proxy.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';

const mail = (o: { from: string; id: string; subject?: string; body: string; to?: string }) =>
  [
    `From: ${o.from}`,
    `To: ${o.to ?? 'alice@test.local'}`,
    `Subject: ${o.subject ?? 'Re: Quick question'}`,
    `Message-ID: <${o.id}>`,
    'Date: Wed, 25 Nov 2026 10:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.body,
    '',
  ].join('\r\n');

function maildir(dir: string): void {
  for (const s of ['cur', 'new', 'tmp']) mkdirSync(join(dir, s), { recursive: true });
}

function migrate(env: Record<string, string>, cwd: string) {
  return runCli(['db', 'migrate'], { env, cwd });
}

describe('inbox import: Maildir++ subfolders; inbox list --lead', () => {
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let md: string;

  beforeAll(async () => {
    tmp = tempDir('outreach-cli-inbox-s10-');
    env = { OUTREACH_DB: join(tmp.dir, 'o.db'), OUTREACH_SETTINGS: join(tmp.dir, 'none.yaml'), ANTHROPIC_API_KEY: '', AWS_BEARER_TOKEN_BEDROCK: '', OUTREACH_NOTIFY_WEBHOOK_URL: '', OUTREACH_NOTIFY_COMMAND: '' };
    expect((await migrate(env, tmp.dir)).code).toBe(0);
    const d = new Database(env.OUTREACH_DB!);
    for (let n = 1; n <= 4; n++) {
      d.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`shop${n}.example.com`);
      d.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `boss@shop${n}.example.com`);
    }
    d.close();
    // A Maildir as Dovecot or an export leaves it: the root, a .Spam and a .Junk E-mail (replies filed as spam),
    // a .Sent (our own copies) and a .Trash.
    md = join(tmp.dir, 'Maildir');
    for (const sub of ['', '.Spam', '.Junk E-mail', '.Sent', '.Trash']) maildir(join(md, sub));
    writeFileSync(join(md, 'new', '1.host'), mail({ from: 'X <x@y.example>', id: 's10-root@y.example', subject: 'hello', body: 'Just a note.' }));
    writeFileSync(join(md, '.Spam', 'new', '2.host'), mail({ from: 'Boss <boss@shop2.example.com>', id: 's10-spam@shop2.example.com', body: 'Please remove me from your list.' }));
    writeFileSync(join(md, '.Junk E-mail', 'cur', '3.host:2,S'), mail({ from: 'Boss <boss@shop1.example.com>', id: 's10-junk@shop1.example.com', body: 'Yes, interested! Can we talk Thursday?' }));
    writeFileSync(join(md, '.Sent', 'cur', '4.host:2,S'), mail({ from: 'Alice <alice@test.local>', to: 'boss@shop3.example.com', id: 's10-sent@test.local', subject: 'Quick question', body: 'Hi!' }));
    writeFileSync(join(md, '.Trash', 'cur', '5.host:2,S'), mail({ from: 'Boss <boss@shop3.example.com>', id: 's10-trash@shop3.example.com', body: 'Not interested.' }));
  });
  afterAll(() => tmp.cleanup());

  it('reads the junk/spam subfolders with the Maildir and names the skipped ones (-v, --json, default)', async () => {
    const v = await runCli(['-v', 'inbox', 'import', md], { env, cwd: tmp.dir });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/Imported: 3 messages, 3 new \(.*1 UNSUBSCRIBE.*\)/);
    expect(v.stderr).toContain(`Read the junk/spam subfolders ${join(md, '.Junk E-mail')}, ${join(md, '.Spam')} too.`);
    expect(v.stderr).toContain(`Skipped 2 subfolders: ${join(md, '.Sent')}, ${join(md, '.Trash')}. Import one by its path, e.g. \`outreach inbox import ${join(md, '.Sent')}\`.`);
    const d = new Database(env.OUTREACH_DB!);
    try {
      expect(d.prepare(`SELECT label FROM inbound WHERE message_id = 's10-spam@shop2.example.com'`).get()).toEqual({ label: 'UNSUBSCRIBE' });
      expect(d.prepare(`SELECT COUNT(*) AS n FROM suppressions WHERE value = 'boss@shop2.example.com'`).get()).toEqual({ n: 1 });
      expect(d.prepare(`SELECT COUNT(*) AS n FROM inbound WHERE message_id IN ('s10-trash@shop3.example.com', 's10-sent@test.local')`).get()).toEqual({ n: 0 });
    } finally {
      d.close();
    }

    const j = await runCli(['inbox', 'import', md, '--json'], { env, cwd: tmp.dir });
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ stored: 0, duplicates: 3, subfolders: { read: [join(md, '.Junk E-mail'), join(md, '.Spam')], skipped: [join(md, '.Sent'), join(md, '.Trash')] } });

    const plain = await runCli(['inbox', 'import', md], { env, cwd: tmp.dir });
    expect(plain.stderr.trim()).toBe('Imported 0 new messages of 3 (3 already seen), with .Junk E-mail, .Spam. Not read: 2 subfolders (.Sent, .Trash); import one by its path.');

    // A skipped subfolder imported by its path.
    const trash = await runCli(['inbox', 'import', join(md, '.Trash'), '--json'], { env, cwd: tmp.dir });
    expect(JSON.parse(trash.stdout)).toMatchObject({ stored: 1, subfolders: { read: [], skipped: [] } });
  });

  it('inbox list --lead: a domain that is no lead is an error (exit 1); a lead with no messages says so', async () => {
    const unknown = await runCli(['inbox', 'list', '--lead', 'unknown.example'], { env, cwd: tmp.dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No lead with the domain "unknown\.example"/);
    expect(unknown.stderr).not.toMatch(/No inbound messages yet/);
    const unknownJson = await runCli(['inbox', 'list', '--lead', 'unknown.example', '--json'], { env, cwd: tmp.dir });
    expect(unknownJson.code).toBe(1);

    const none = await runCli(['inbox', 'list', '--lead', 'shop4.example.com'], { env, cwd: tmp.dir });
    expect([none.code, none.stderr.trim(), none.stdout]).toEqual([0, 'No messages for lead shop4.example.com.', '']);
    const noneLabel = await runCli(['inbox', 'list', '--lead', 'shop2.example.com', '--label', 'warm'], { env, cwd: tmp.dir });
    expect([noneLabel.code, noneLabel.stderr.trim()]).toEqual([0, 'No WARM messages for lead shop2.example.com.']);

    // The domain as a user may paste it (scheme, www., upper case, a path) names the same lead.
    const some = await runCli(['inbox', 'list', '--lead', 'https://www.Shop2.example.com/pages/about', '--json'], { env, cwd: tmp.dir });
    expect(some.code).toBe(0);
    expect((JSON.parse(some.stdout) as { message_id: string }[]).map((r) => r.message_id)).toEqual(['s10-spam@shop2.example.com']);
  });
});

/** A TCP proxy that closes each connection once `cutAfter` bytes came from the server (a link that drops). */
async function cuttingProxy(target: number, cutAfter: number) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let seen = 0;
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      seen += d.length;
      if (seen > cutAfter) {
        const keep = d.length - (seen - cutAfter);
        return keep > 0 ? void client.write(d.subarray(0, keep), end) : end();
      }
      client.write(d);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!mailstackAvailable() && !process.env.CI)('inbox sync: several mailboxes, the folders read, TLS errors', () => {
  let ms: Mailstack;
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let tls: TlsServer | null = null;
  let tlsPort = 0;
  const q = (sql: string) => {
    const d = new Database(env.OUTREACH_DB!);
    try {
      return d.prepare(sql).all() as Record<string, unknown>[];
    } finally {
      d.close();
    }
  };
  const addMailbox = (name: string, email: string, port: number, security: string, pwEnv: string) => {
    const d = new Database(env.OUTREACH_DB!);
    d.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES (?, ?, '127.0.0.1', '127.0.0.1', ?, ?, ?, ?)`).run(name, email, port, security, email, pwEnv);
    d.close();
  };

  beforeAll(async () => {
    ms = await startMailstack();
    tmp = tempDir('outreach-cli-inbox-s10-sync-');
    env = {
      OUTREACH_DB: join(tmp.dir, 'o.db'), OUTREACH_SETTINGS: join(tmp.dir, 'none.yaml'), ANTHROPIC_API_KEY: '', AWS_BEARER_TOKEN_BEDROCK: '',
      OUTREACH_NOTIFY_WEBHOOK_URL: '', OUTREACH_NOTIFY_COMMAND: '', ALICE_PW: ms.users.alice.pass, BOB_PW: ms.users.bob.pass,
    };
    expect((await migrate(env, tmp.dir)).code).toBe(0);
    addMailbox('main', ms.users.alice.user, ms.imapPort, 'none', 'ALICE_PW');
    addMailbox('bob', ms.users.bob.user, ms.imapPort, 'none', 'BOB_PW');
    // --imap-security tls on Dovecot's plain-text port
    addMailbox('tlsbad', ms.users.alice.user, ms.imapPort, 'tls', 'ALICE_PW');
    if (haveOpenssl) {
      // An IMAP server behind TLS with a self-signed certificate for another name.
      const key = join(tmp.dir, 'key.pem');
      const cert = join(tmp.dir, 'cert.pem');
      const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=other.example', '-addext', 'subjectAltName=DNS:other.example']);
      expect(r.status, String(r.stderr)).toBe(0);
      tls = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s) => {
        s.on('error', () => undefined);
        s.write('* OK IMAP4rev1 ready\r\n');
      });
      tls.on('tlsClientError', () => undefined);
      await new Promise<void>((ok) => tls!.listen(0, '127.0.0.1', ok));
      tlsPort = (tls.address() as { port: number }).port;
      addMailbox('selfsigned', ms.users.alice.user, tlsPort, 'tls', 'ALICE_PW');
    }
    await ms.deliver(mail({ from: 'Ceo <ceo@shop1.example.com>', id: 's10-a1@shop1.example.com', body: 'Not interested, thanks.' }), ms.users.alice.user);
    await ms.deliver(mail({ from: 'Ceo <ceo@shop2.example.com>', id: 's10-b1@shop2.example.com', to: 'bob@test.local', body: 'Not interested, thanks.' }), ms.users.bob.user);
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 1);
    await ms.waitFor(ms.users.bob, 'INBOX', (m) => m.length >= 1);
  });
  afterAll(async () => {
    await new Promise<void>((ok) => (tls ? tls.close(() => ok()) : ok()));
    await ms?.stop();
    tmp?.cleanup();
  });

  it('--mailbox given twice syncs both, in order; a wrong name fails (exit 1) before anything is synced', async () => {
    const bad = await runCli(['inbox', 'sync', '--mailbox', 'main', '--mailbox', 'nope'], { env, cwd: tmp.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/No mailbox named "nope"/);
    expect(q('SELECT COUNT(*) AS n FROM sync_state')).toEqual([{ n: 0 }]);

    const r = await runCli(['inbox', 'sync', '--mailbox', 'bob', '--mailbox', 'main', '--mailbox', 'bob', '--json'], { env, cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { stored: number; folders: { mailbox: string; folder: string }[] };
    expect(s.folders.map((f) => `${f.mailbox}/${f.folder}`)).toEqual(['bob/INBOX', 'bob/Junk', 'main/INBOX', 'main/Junk']);
    expect(s.stored).toBe(2);
  });

  it('-v names the folders read, a Spam folder next to Junk included; --folder adds one, a missing one fails that mailbox', async () => {
    const c = ms.imap(ms.users.alice);
    await c.connect();
    await c.mailboxCreate('Spam');
    await c.mailboxCreate('Replies');
    await c.logout();
    await ms.append(ms.users.alice, 'Spam', mail({ from: 'Ceo <ceo@shop3.example.com>', id: 's10-spam@shop3.example.com', body: 'Actually yes, interested - please call me Monday.' }));
    await ms.append(ms.users.alice, 'Replies', mail({ from: 'Ceo <ceo@shop4.example.com>', id: 's10-replies@shop4.example.com', body: 'Ok, noted.' }));
    const v = await runCli(['-v', 'inbox', 'sync', '--mailbox', 'main'], { env, cwd: tmp.dir });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain('Folders read in main: INBOX (nothing new), Junk (nothing new), Spam (1 fetched)');
    expect(q(`SELECT folder FROM inbound WHERE message_id = 's10-spam@shop3.example.com'`)).toEqual([{ folder: 'Spam' }]);

    const f = await runCli(['-v', 'inbox', 'sync', '--mailbox', 'main', '--folder', 'Replies'], { env, cwd: tmp.dir });
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain('Folders read in main: INBOX (nothing new), Junk (nothing new), Spam (nothing new), Replies (1 fetched)');

    const missing = await runCli(['inbox', 'sync', '--mailbox', 'main', '--folder', 'Nope'], { env, cwd: tmp.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Inbox sync failed for mailbox "main": no folder "Nope" in alice@test\.local \(its folders: .*Replies.*\)/);
    expect(missing.stderr).toMatch(/Nothing was fetched from it; the next run tries again\./);
    expect(missing.stderr).not.toMatch(/saved/);
  });

  it('--imap-security tls on a plain-text port: a sentence with the fix, and no "saved" when nothing connected', async () => {
    const r = await runCli(['inbox', 'sync', '--mailbox', 'tlsbad'], { env, cwd: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Inbox sync failed for mailbox "tlsbad": the server at 127.0.0.1:${ms.imapPort} does not speak TLS on this port: try --imap-security starttls (or none), or port 993 for tls`);
    expect(r.stderr).not.toMatch(/SSL routines|wrong version number|ssl3_get_record/);
    expect(r.stderr).toMatch(/Nothing was fetched from it/);
    expect(r.stderr).not.toMatch(/saved/);
  });

  it.skipIf(!haveOpenssl)('a self-signed certificate, and a certificate for another name, are sentences with the fix', async () => {
    const r = await runCli(['inbox', 'sync', '--mailbox', 'selfsigned'], { env, cwd: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`the server at 127\\.0\\.0\\.1:${tlsPort} presented a self-signed certificate, which is not trusted: .*NODE_EXTRA_CA_CERTS`));
    // Trusted (its CA given), but issued for other.example, not 127.0.0.1.
    const n = await runCli(['inbox', 'sync', '--mailbox', 'selfsigned'], { env: { ...env, NODE_EXTRA_CA_CERTS: join(tmp.dir, 'cert.pem') }, cwd: tmp.dir });
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/is not issued for the name "127\.0\.0\.1": set --imap-host to the name on its certificate/);
    expect(n.stderr).not.toMatch(/saved/);
  });

  it('a connection cut mid-fetch says what was fetched is saved (and it is)', async () => {
    for (let i = 0; i < 30; i++) {
      await ms.deliver(mail({ from: `P <p${i}@bulk${i}.example>`, id: `s10-cut-${i}@bulk.example`, body: `Thanks, not now. ${'x'.repeat(2000)}` }), ms.users.bob.user);
    }
    await ms.waitFor(ms.users.bob, 'INBOX', (m) => m.length >= 31);
    const proxy = await cuttingProxy(ms.imapPort, 40_000);
    try {
      addMailbox('cut', ms.users.bob.user, proxy.port, 'none', 'BOB_PW');
      const r = await runCli(['inbox', 'sync', '--mailbox', 'cut'], { env, cwd: tmp.dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Inbox sync failed for mailbox "cut"/);
      expect(r.stderr).toMatch(/What was fetched before the error is saved; the next run continues from there\./);
    } finally {
      await proxy.close();
    }
    const stored = q(`SELECT COUNT(*) AS n FROM inbound WHERE message_id LIKE 's10-cut-%'`)[0]!.n as number;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(30);
  });
});
