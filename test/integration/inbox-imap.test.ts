// `inbox sync` against the real loopback Postfix + Dovecot: replies delivered over LMTP (INBOX) and put in
// Junk, incremental sync by UID, the quick CONDSTORE re-sync, a UIDVALIDITY change (full re-sync, no
// duplicates), our own copies skipped, and a connection cut mid-sync that loses nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { spawn } from 'node:child_process';
import { syncInbox, type MailboxRef } from '../../src/stages/inbox/index.js';
import { Analyzer } from '../../src/stages/inbox/analyzer.js';
import { DEFAULT_LIMITS } from '../../src/stages/inbox/parse.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const base = { classifier: null, softBounceLimit: 3 };

function replyRaw(n: number, body: string, extra = ''): string {
  return [
    `From: Person ${n} <person${n}@store${n}.example>`,
    'To: alice@test.local',
    'Subject: Re: Quick question',
    `Message-ID: <imap-reply-${n}@store${n}.example>`,
    `In-Reply-To: <out-${n}@test.local>`,
    'Date: Mon, 02 Mar 2026 10:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    ...(extra ? [extra] : []),
    '',
    body,
    '',
  ].join('\r\n');
}

/**
 * A TCP proxy to Dovecot: cuts each connection after `cutAfter` bytes from the server (a dropped link), and its
 * server-to-client direction can be paused (a stalled link) and resumed.
 */
async function imapProxy(target: number, cutAfter = Infinity) {
  const sockets = new Set<Socket>();
  const held: { client: Socket; data: Buffer }[] = [];
  const state = { paused: false, fetching: false, fetchBytes: 0 };
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
        // the bytes up to the cut still reach the client (a link drops mid-stream, not at a chunk's start)
        const keep = d.length - (seen - cutAfter);
        if (keep > 0 && !state.paused) return void client.write(d.subarray(0, keep), end);
        return end();
      }
      if (state.paused) return void held.push({ client, data: d });
      if (/ FETCH \(/.test(d.toString('latin1', 0, Math.min(d.length, 200)))) state.fetching = true;
      if (state.fetching) state.fetchBytes += d.length;
      client.write(d);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    /** Bytes from the server since the first FETCH response. */
    get fetchBytes() {
      return state.fetchBytes;
    },
    pause: () => {
      state.paused = true;
    },
    resume: () => {
      state.paused = false;
      for (const h of held.splice(0)) h.client.write(h.data);
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

describe.skipIf(!mailstackAvailable() && !process.env.CI)('inbox sync over IMAP (Dovecot)', () => {
  let ms: Mailstack;
  let tmp: { dir: string; cleanup: () => void };
  let db: Db;
  let mailbox: MailboxRef;
  const count = (sql: string) => (db.sqlite.prepare(sql).get() as { n: number }).n;

  beforeAll(async () => {
    ms = await startMailstack();
    tmp = tempDir('outreach-inbox-imap-');
    db = seededDb(join(tmp.dir, 'o.db'));
    mailbox = { id: 1, name: 'main', email: ms.users.alice.user, imap: { host: '127.0.0.1', port: ms.imapPort, security: 'none', user: ms.users.alice.user, pass: ms.users.alice.pass } };
  });
  function seededDb(path: string): Db {
    const d = openDb(path);
    const q = d.sqlite;
    q.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES ('main', ?, '127.0.0.1', '127.0.0.1', ?, 'none', ?, 'ALICE_PW')`).run(ms.users.alice.user, ms.imapPort, ms.users.alice.user);
    q.prepare(`INSERT INTO campaigns (name) VALUES ('c')`).run();
    for (let n = 1; n <= 40; n++) {
      q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`store${n}.example`);
      q.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `person${n}@store${n}.example`);
      q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id) VALUES (1, ?, ?, 1)`).run(n, n);
      q.prepare(`INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, mailbox_id, to_email, subject, message_id, state) VALUES (?, ?, ?, 1, 1, ?, 'Quick question', ?, 'sent')`).run(n, n, n, `person${n}@store${n}.example`, `out-${n}@test.local`);
    }
    return d;
  }
  afterAll(async () => {
    db?.close();
    await ms?.stop();
    tmp?.cleanup();
  });

  it('first sync reads INBOX and Junk, skips our own copies, and acts on each reply', async () => {
    await ms.deliver(replyRaw(1, 'Yes, interested! Can we talk Thursday?'), ms.users.alice.user);
    await ms.deliver(replyRaw(2, 'Not interested, thanks.'), ms.users.alice.user);
    await ms.deliver(replyRaw(3, 'Please remove me from your list.'), ms.users.alice.user);
    await ms.append(ms.users.alice, 'Junk', replyRaw(4, 'Sounds good, send me pricing.'));
    // Our own sent copy (BCC to ourselves) is not a reply.
    await ms.deliver(['From: Alice <alice@test.local>', 'To: person5@store5.example', 'Subject: Quick question', 'Message-ID: <out-5@test.local>', '', 'Hi! Unsubscribe: https://x', ''].join('\r\n'), ms.users.alice.user);
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 4);
    const s = await syncInbox(db, [mailbox], base);
    expect(s.errors).toEqual([]);
    expect(s.byLabel).toEqual({ WARM: 2, COLD: 1, UNSUBSCRIBE: 1 });
    expect(s.own).toBe(1);
    expect(s.folders.map((f) => f.folder)).toEqual(['INBOX', 'Junk']);
    expect(db.sqlite.prepare(`SELECT folder FROM inbound WHERE lead_id = 4`).get()).toEqual({ folder: 'Junk' });
    expect(count(`SELECT COUNT(*) AS n FROM enrollments WHERE status = 'stopped'`)).toBe(4);
    const state = db.sqlite.prepare(`SELECT folder, uid_validity, last_uid, highest_modseq FROM sync_state ORDER BY folder`).all() as { folder: string; uid_validity: number; last_uid: number; highest_modseq: string | null }[];
    expect(state.map((r) => [r.folder, r.last_uid])).toEqual([['INBOX', 4], ['Junk', 1]]);
    expect(state.every((r) => r.uid_validity > 0 && r.highest_modseq !== null)).toBe(true);
  });

  it('an empty re-sync fetches nothing; a new message is fetched alone', async () => {
    const again = await syncInbox(db, [mailbox], base);
    expect(again.scanned).toBe(0);
    expect(again.folders.every((f) => f.unchanged)).toBe(true);
    await ms.deliver(replyRaw(6, 'Ok, noted.'), ms.users.alice.user);
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 5);
    const next = await syncInbox(db, [mailbox], base);
    expect(next.scanned).toBe(1);
    expect(next.byLabel).toEqual({ NEUTRAL: 1 });
  });

  it('a UIDVALIDITY change re-reads the folder and de-duplicates by Message-ID', async () => {
    db.sqlite.prepare(`UPDATE sync_state SET uid_validity = uid_validity + 1000 WHERE folder = 'INBOX'`).run();
    const before = count('SELECT COUNT(*) AS n FROM inbound');
    const s = await syncInbox(db, [mailbox], base);
    expect(s.folders.find((f) => f.folder === 'INBOX')).toMatchObject({ fullResync: true, fetched: 5 });
    expect(s.stored).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM inbound')).toBe(before);
    expect(count(`SELECT COUNT(*) AS n FROM events WHERE type = 'replied'`)).toBe(4);
  });

  it('a connection cut mid-sync loses nothing: the next run picks up where it stopped', async () => {
    for (let n = 10; n < 40; n++) await ms.deliver(replyRaw(n, `Thanks, we are not interested at the moment. ${'x'.repeat(2000)}`), ms.users.alice.user);
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 35);
    const proxy = await imapProxy(ms.imapPort, 40_000);
    try {
      const cut = await syncInbox(db, [{ ...mailbox, imap: { ...mailbox.imap, port: proxy.port } }], base);
      expect(cut.mailboxErrors).toEqual([{ mailbox: 'main', error: expect.stringMatching(/IMAP|connect|closed|Connection/i) }]);
    } finally {
      await proxy.close();
    }
    const partial = count(`SELECT COUNT(*) AS n FROM inbound WHERE lead_id BETWEEN 10 AND 39`);
    expect(partial).toBeLessThan(30);
    // The messages that arrived whole before the cut are stored (and the UID moved past them): a link that always
    // drops after 40 KB still makes progress run after run.
    expect(partial).toBeGreaterThan(0);
    // The lock of the interrupted run was released in finally.
    expect(count('SELECT COUNT(*) AS n FROM locks')).toBe(0);
    const s = await syncInbox(db, [mailbox], base);
    expect(s.stored).toBe(30 - partial);
    expect(count(`SELECT COUNT(*) AS n FROM inbound WHERE lead_id BETWEEN 10 AND 39`)).toBe(30);
    expect(count(`SELECT COUNT(*) AS n FROM (SELECT message_id FROM inbound GROUP BY message_id HAVING COUNT(*) > 1)`)).toBe(0);
  });

  it('parsing and classifying on the worker thread stores exactly what the in-thread path stores', async () => {
    const analyzer = new Analyzer(DEFAULT_LIMITS);
    expect(analyzer.threaded).toBe(true); // the worker really runs in these tests
    await analyzer.close();
    const rows = async (analyzeInWorker: boolean) => {
      const d = seededDb(join(tmp.dir, `same-${analyzeInWorker}.db`));
      try {
        const s = await syncInbox(d, [mailbox], { ...base, analyzeInWorker });
        expect(s.errors).toEqual([]);
        return {
          summary: { stored: s.stored, own: s.own, byLabel: s.byLabel },
          inbound: d.sqlite.prepare(`SELECT folder, uid, message_id, from_email, subject, lead_id, outbound_id, label, bounce_type, confidence, reason, return_date, body_text, raw, problem FROM inbound ORDER BY message_id`).all(),
          events: d.sqlite.prepare(`SELECT lead_id, type, data FROM events ORDER BY id`).all(),
          state: d.sqlite.prepare(`SELECT folder, uid_validity, last_uid, highest_modseq FROM sync_state ORDER BY folder`).all(),
        };
      } finally {
        d.close();
      }
    };
    const threaded = await rows(true);
    expect(threaded.inbound.length).toBeGreaterThan(30);
    expect(await rows(false)).toEqual(threaded);
  });

  it('a wrong password is a clear error, and the other mailboxes are still synced', async () => {
    const d = seededDb(join(tmp.dir, 'two-mailboxes.db'));
    try {
      const s = await syncInbox(d, [{ ...mailbox, id: 1, name: 'broken', imap: { ...mailbox.imap, pass: 'wrong' } }, { ...mailbox, name: 'fine', error: undefined }], base);
      expect(s.mailboxErrors).toEqual([{ mailbox: 'broken', error: expect.stringMatching(/login refused/) }]);
      expect(s.stored).toBeGreaterThan(30); // the second mailbox (the same account, correct password) was read
      const unset = await syncInbox(d, [{ ...mailbox, name: 'nopass', error: 'ALICE_PW is not set' }], base);
      expect(unset.mailboxErrors).toEqual([{ mailbox: 'nopass', error: 'ALICE_PW is not set' }]);
    } finally {
      d.close();
    }
  });

  it('a run cut after a commit still announces the WARM replies it stored (the next run counts them as seen)', async () => {
    const proxy = await imapProxy(ms.imapPort);
    const d = seededDb(join(tmp.dir, 'cut-warm.db'));
    const notified: string[] = [];
    const notifier = { configured: true, notify: async (r: { messageId: string }) => void notified.push(r.messageId) };
    try {
      let seen = 0;
      const run = syncInbox(d, [{ ...mailbox, imap: { ...mailbox.imap, port: proxy.port } }], { ...base, window: 4, notifier: notifier as never, onMessage: () => void seen++ });
      while (proxy.fetchBytes < 30_000) await new Promise((r) => setTimeout(r, 5));
      proxy.pause();
      while (seen < 3) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 1300)); // the open batch is committed by its timer
      await proxy.close(); // then the connection dies
      const s = await run;
      expect(s.mailboxErrors).toHaveLength(1);
      const warm = (d.sqlite.prepare(`SELECT message_id FROM inbound WHERE label = 'WARM' ORDER BY id`).all() as { message_id: string }[]).map((r) => r.message_id);
      expect(warm).toContain('imap-reply-1@store1.example'); // INBOX UID 1, committed before the cut
      expect(notified).toEqual(warm);
      const again = await syncInbox(d, [mailbox], { ...base, notifier: notifier as never });
      expect(again.mailboxErrors).toEqual([]);
      expect(notified.filter((id) => id === 'imap-reply-1@store1.example')).toHaveLength(1); // announced once
    } finally {
      d.close();
      await proxy.close();
    }
  });

  it('a stalled connection does not keep the database locked: the open batch commits within a second', async () => {
    const proxy = await imapProxy(ms.imapPort);
    const path = join(tmp.dir, 'stall.db');
    const d = seededDb(path);
    try {
      // A window of 4: messages are committed while the fetch goes on (as in a mailbox of thousands), and the
      // connection stalls half-way through the fetch, with a batch open.
      let seen = 0;
      const run = syncInbox(d, [{ ...mailbox, imap: { ...mailbox.imap, port: proxy.port } }], { ...base, window: 4, onMessage: () => void seen++ });
      while (proxy.fetchBytes < 30_000) await new Promise((r) => setTimeout(r, 5));
      proxy.pause();
      while (seen < 3) await new Promise((r) => setTimeout(r, 20));
      // Another process (send, serve, a second sync) writes meanwhile: it gets the lock within its 3 s wait.
      // (A process of its own: a write from this one would block the event loop the sync's timer runs on.)
      const writer = `const D = require(${JSON.stringify(join(ROOT, 'node_modules/better-sqlite3'))}); const d = new D(${JSON.stringify(path)}, { timeout: 3000 });
        d.exec("BEGIN IMMEDIATE; INSERT INTO suppressions (kind, value, reason) VALUES ('email', 'stall@test.example', 'manual'); COMMIT"); d.close();`;
      const w = await new Promise<{ code: number | null; stderr: string }>((ok) => {
        const c = spawn(process.execPath, ['-e', writer], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        c.stderr.on('data', (b) => (stderr += b));
        c.on('exit', (code) => ok({ code, stderr }));
      });
      expect(w.stderr).toBe('');
      expect(w.code).toBe(0);
      proxy.resume();
      const s = await run;
      expect(s.mailboxErrors).toEqual([]);
      expect(s.stored).toBeGreaterThan(30);
      expect((d.sqlite.prepare(`SELECT COUNT(*) AS n FROM suppressions WHERE value = 'stall@test.example'`).get() as { n: number }).n).toBe(1);
    } finally {
      d.close();
      await proxy.close();
    }
  });
});
