// `inbox`, reviewed in session 9 (review-s9-issue9 D4, D5, D7):
// - D5: `inbox sync` fetches no more of a huge message than the parser reads (a partial FETCH BODY.PEEK[]<0.N>),
//   with its real size (RFC822.SIZE): a 20 MB message in the real Dovecot is stored, classified, its raw_size right,
//   and the bytes that crossed the wire are counted by a proxy.
// - D4: WARM replies are announced durably: stored not-yet-announced, announced (notified, or printed) by the run
//   that stores them or by the next one, exactly once.
// - D7: our own mailbox with a +tag or in another case is ours; a colleague at a subdomain of the lead's domain
//   belongs to the lead; WARM-sounding mail from someone who is no lead is stored and listed, never notified.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../../src/db/open.js';
import { importMail, syncInbox, type MailboxRef } from '../../src/stages/inbox/index.js';
import { ImapMailbox } from '../../src/adapters/imap.js';
import { DEFAULT_LIMITS } from '../../src/stages/inbox/parse.js';
import { mailboxKey, parentDomains } from '../../src/stages/inbox/store.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { tempDir } from '../helpers/cli.js';

const base = { classifier: null, softBounceLimit: 3 };

function seed(d: Db, email: string): void {
  const q = d.sqlite;
  q.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES ('main', ?, '127.0.0.1', '127.0.0.1', 1, 'none', ?, 'PW')`).run(email, email);
  q.prepare(`INSERT INTO campaigns (name) VALUES ('c')`).run();
  for (let n = 1; n <= 8; n++) {
    q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`shop${n}.example.com`);
    q.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `ceo@shop${n}.example.com`);
    q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id) VALUES (1, ?, ?, 1)`).run(n, n);
    q.prepare(`INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, mailbox_id, to_email, subject, message_id, state) VALUES (?, ?, ?, 1, 1, ?, 'Quick question for Shop', ?, 'sent')`).run(n, n, n, `ceo@shop${n}.example.com`, `s9-out-${n}@test.local`);
  }
}

const mail = (from: string, id: string, body: string, extra: string[] = []) =>
  [`From: ${from}`, 'To: alice@test.local', 'Subject: Re: Quick question for Shop', `Message-ID: <${id}>`, 'Date: Wed, 25 Nov 2026 10:00:00 +0000', ...extra, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');

/** A TCP proxy to Dovecot counting the bytes the server sends. */
async function countingProxy(target: number) {
  const sockets = new Set<Socket>();
  let bytes = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      bytes += d.length;
      client.write(d);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    get bytes() {
      return bytes;
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

describe('D7: own mailbox, colleagues at subdomains, mail from people who are no lead', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: Db;
  const posted: string[] = [];
  const notifier = { configured: true, notify: async (r: { messageId: string }) => void posted.push(r.messageId) };
  beforeAll(() => {
    tmp = tempDir('outreach-inbox-s9-d7-');
    db = openDb(join(tmp.dir, 'o.db'));
    seed(db, 'alice@test.local');
  });
  afterAll(() => {
    db.close();
    tmp.cleanup();
  });
  const file = (name: string, raw: string) => {
    const p = join(tmp.dir, name);
    writeFileSync(p, raw);
    return p;
  };

  it('mailboxKey and parentDomains', () => {
    expect(mailboxKey('Alice+Sent@Test.Local')).toBe('alice@test.local');
    expect(mailboxKey('+x@test.local')).toBe('+x@test.local');
    expect(parentDomains('uk.shop7.com')).toEqual(['shop7.com']);
    expect(parentDomains('eu.uk.shop7.example.com')).toEqual(['uk.shop7.example.com', 'shop7.example.com', 'example.com']);
    expect(parentDomains('shop7.com')).toEqual([]);
    expect(parentDomains('x.shop7.myshopify.com')).toEqual(['shop7.myshopify.com']); // never myshopify.com
  });

  it('mail from our own mailbox with a +tag or in another case is ours, never a reply', async () => {
    const dir = join(tmp.dir, 'own');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.eml'), mail('Ana <alice+sent@test.local>', 'own-tag@test.local', 'Yes, very interested, call me tomorrow!'));
    writeFileSync(join(dir, 'b.eml'), mail('Ana <ALICE+Outbox@Test.Local>', 'own-case@test.local', 'Yes, very interested, call me tomorrow!'));
    const s = await importMail(db, dir, { ...base, notifier: notifier as never });
    expect(s).toMatchObject({ own: 2, stored: 0, warm: [] });
    expect(posted).toEqual([]);
  });

  it('a colleague at a subdomain of the lead\'s domain belongs to the lead', async () => {
    const s = await importMail(db, file('sub.eml', mail('Buyer <buyer@uk.shop7.example.com>', 'sub-colleague@uk.shop7.example.com', 'Sounds great, send me pricing and a time for a call.')), { ...base, notifier: notifier as never });
    expect(s.stored).toBe(1);
    expect(db.sqlite.prepare(`SELECT lead_id, label FROM inbound WHERE message_id = 'sub-colleague@uk.shop7.example.com'`).get()).toEqual({ lead_id: 7, label: 'WARM' });
    expect(db.sqlite.prepare(`SELECT status, stop_reason FROM enrollments WHERE lead_id = 7`).get()).toEqual({ status: 'stopped', stop_reason: 'replied' });
    expect(s.warm.map((w) => [w.messageId, w.leadDomain])).toEqual([['sub-colleague@uk.shop7.example.com', 'shop7.example.com']]);
    expect(posted).toEqual(['sub-colleague@uk.shop7.example.com']);
  });

  it('WARM-sounding mail from someone who is no lead: stored with its label, listed as not a lead, never notified', async () => {
    posted.length = 0;
    const s = await importMail(db, file('stranger.eml', mail('Vendor <sales@vendor-nowhere.example>', 'stranger@vendor-nowhere.example', 'Very interested! Can we schedule a call tomorrow?')), { ...base, notifier: notifier as never });
    expect(s.byLabel).toEqual({ WARM: 1 });
    expect(s.warm).toEqual([expect.objectContaining({ messageId: 'stranger@vendor-nowhere.example', leadId: null })]);
    expect(posted).toEqual([]);
    expect(s.notified).toBe(0);
    // Announced by being printed (the CLI prints s.warm): not announced again by the next run.
    expect(db.sqlite.prepare(`SELECT label, lead_id, notified_at IS NOT NULL AS announced FROM inbound WHERE message_id = 'stranger@vendor-nowhere.example'`).get()).toEqual({ label: 'WARM', lead_id: null, announced: 1 });
    const next = await importMail(db, file('cold.eml', mail('Jo <jo@shop2.example.com>', 'cold-2@shop2.example.com', 'No thanks.')), { ...base, notifier: notifier as never });
    expect(next.warm).toEqual([]);
    expect(posted).toEqual([]);
  });
});

describe('D4: a WARM reply stored by a run that never announced it is announced by the next run, once', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: Db;
  beforeAll(() => {
    tmp = tempDir('outreach-inbox-s9-d4-');
    db = openDb(join(tmp.dir, 'o.db'));
    seed(db, 'alice@test.local');
  });
  afterAll(() => {
    db.close();
    tmp.cleanup();
  });

  it('rows left with notified_at NULL (a killed run) are notified and listed as earlier by the next run, then never again', async () => {
    const dir = join(tmp.dir, 'mail');
    mkdirSync(dir);
    for (const n of [1, 2, 3]) writeFileSync(join(dir, `${n}.eml`), mail(`Ceo <ceo@shop${n}.example.com>`, `warm-${n}@shop${n}.example.com`, 'Yes, interested! Send pricing and let us talk Thursday.'));
    writeFileSync(join(dir, 'x.eml'), mail('Someone <x@nolead.example>', 'warm-x@nolead.example', 'Yes, interested! Send pricing and let us talk Thursday.'));
    await importMail(db, dir, base);
    // As a run killed after its commit leaves them (SIGKILL: nothing after the commit ran).
    db.sqlite.prepare(`UPDATE inbound SET notified_at = NULL, notify_error = NULL`).run();
    const posted: string[] = [];
    const notifier = { configured: true, notify: async (r: { messageId: string }) => void posted.push(r.messageId) };
    writeFileSync(join(tmp.dir, 'nothing-new.eml'), mail('Jo <jo@shop5.example.com>', 'cold-5@shop5.example.com', 'No thanks.'));
    const s = await importMail(db, join(tmp.dir, 'nothing-new.eml'), { ...base, notifier: notifier as never });
    expect(posted).toEqual(['warm-1@shop1.example.com', 'warm-2@shop2.example.com', 'warm-3@shop3.example.com']);
    expect(s.notified).toBe(3);
    expect(s.warm.map((w) => [w.messageId, w.earlier, w.leadDomain])).toEqual([
      ['warm-1@shop1.example.com', true, 'shop1.example.com'],
      ['warm-2@shop2.example.com', true, 'shop2.example.com'],
      ['warm-3@shop3.example.com', true, 'shop3.example.com'],
      ['warm-x@nolead.example', true, null], // printed, never notified
    ]);
    expect(db.sqlite.prepare(`SELECT COUNT(*) AS n FROM inbound WHERE label = 'WARM' AND notified_at IS NULL`).get()).toEqual({ n: 0 });
    const again = await importMail(db, join(tmp.dir, 'nothing-new.eml'), { ...base, notifier: notifier as never });
    expect(again.warm).toEqual([]);
    expect(posted).toHaveLength(3);
  });
});

describe.skipIf(!mailstackAvailable() && !process.env.CI)('D5: a huge message over IMAP is fetched only as far as it is read', () => {
  let ms: Mailstack;
  let tmp: { dir: string; cleanup: () => void };
  let db: Db;
  let mailbox: MailboxRef;
  const SIZE = 20 * 1024 * 1024;
  let bigSize = 0;

  beforeAll(async () => {
    ms = await startMailstack();
    tmp = tempDir('outreach-inbox-s9-d5-');
    db = openDb(join(tmp.dir, 'o.db'));
    seed(db, ms.users.sink.user);
    mailbox = { id: 1, name: 'main', email: ms.users.sink.user, imap: { host: '127.0.0.1', port: ms.imapPort, security: 'none', user: ms.users.sink.user, pass: ms.users.sink.pass } };
    const attachment = randomBytes(Math.ceil((SIZE * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\r\n');
    const big = [
      'From: Ceo <ceo@shop3.example.com>',
      'To: sink@test.local',
      'Subject: Re: Quick question for Shop',
      'Message-ID: <big-20mb@shop3.example.com>',
      'In-Reply-To: <s9-out-3@test.local>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Very interested, call me tomorrow. The catalogue is attached.',
      '--B',
      'Content-Type: application/octet-stream; name="catalogue.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment,
      '--B--',
      '',
    ].join('\r\n');
    bigSize = Buffer.byteLength(big);
    await ms.append(ms.users.sink, 'INBOX', big);
    await ms.append(ms.users.sink, 'INBOX', mail('Ceo <ceo@shop4.example.com>', 'small-4@shop4.example.com', 'Not interested, thanks.').replace('alice@', 'sink@'));
  }, 120_000);
  afterAll(async () => {
    db?.close();
    await ms?.stop();
    tmp?.cleanup();
  });

  it('the adapter fetches at most maxBytes of a message and gives its real size', async () => {
    const conn = new ImapMailbox(mailbox.imap);
    await conn.connect();
    const got: { uid: number; length: number; size: number }[] = [];
    try {
      await conn.syncFolder('INBOX', { uidValidity: null, lastUid: 0, highestModseq: null }, async (m) => void got.push({ uid: m.uid, length: m.source.length, size: m.size }), { maxBytes: 1024 * 1024 });
    } finally {
      await conn.close();
    }
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual({ uid: 1, length: 1024 * 1024, size: bigSize });
    expect(got[1]!.length).toBe(got[1]!.size); // a small message comes whole
  });

  it('sync stores and classifies it with its real size, and no more than the parse cap crosses the wire', async () => {
    const proxy = await countingProxy(ms.imapPort);
    try {
      const s = await syncInbox(db, [{ ...mailbox, imap: { ...mailbox.imap, port: proxy.port } }], base);
      expect(s.mailboxErrors).toEqual([]);
      expect(s.errors).toEqual([]);
      expect(s.byLabel).toEqual({ WARM: 1, COLD: 1 });
      // The 20 MB message cost the sync the parse cap (4 MB), not 20 MB.
      expect(proxy.bytes).toBeLessThan(DEFAULT_LIMITS.parseBytes + 512 * 1024);
    } finally {
      await proxy.close();
    }
    const row = db.sqlite.prepare(`SELECT lead_id, label, raw_size, length(raw) AS kept, problem FROM inbound WHERE message_id = 'big-20mb@shop3.example.com'`).get() as { lead_id: number; label: string; raw_size: number; kept: number; problem: string };
    expect(row).toMatchObject({ lead_id: 3, label: 'WARM', raw_size: bigSize });
    expect(row.kept).toBeLessThanOrEqual(DEFAULT_LIMITS.rawBytes);
    expect(row.problem).toContain(`message is ${bigSize} bytes; parsed the first ${DEFAULT_LIMITS.parseBytes} only`);
    // The next run fetches nothing again (the UID moved past it).
    const again = await syncInbox(db, [mailbox], base);
    expect(again.scanned).toBe(0);
  });
});
