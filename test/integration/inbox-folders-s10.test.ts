// Which folders `inbox sync` and `inbox import` read (review-s10-issue9 D2, D6): every Junk/Spam folder of an
// IMAP mailbox (the \Junk one and each junk-named one, each once), a folder added later starting on its own sync
// state, folders the operator names; and the junk/spam Maildir++ subfolders of a real Dovecot Maildir on import.
// Real Dovecot (loopback mailstack), a real SQLite file.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { importMail, syncInbox, type MailboxRef } from '../../src/stages/inbox/index.js';
import { connectErrorText, ImapMailbox } from '../../src/adapters/imap.js';
import { maildirSubfolderReport } from '../../src/adapters/mailfile.js';
import { isJunkFolderName } from '../../src/domain/mail-folders.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { tempDir } from '../helpers/cli.js';

const base = { classifier: null, softBounceLimit: 3 };

function reply(n: number, body: string): string {
  return [
    `From: Person ${n} <person${n}@store${n}.example>`,
    'To: alice@test.local',
    'Subject: Re: Quick question',
    `Message-ID: <s10-folders-${n}@store${n}.example>`,
    `In-Reply-To: <s10-out-${n}@test.local>`,
    'Date: Mon, 02 Mar 2026 10:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

function seed(path: string, alice: string): Db {
  const d = openDb(path);
  const q = d.sqlite;
  q.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES ('main', ?, '127.0.0.1', '127.0.0.1', 1, 'none', ?, 'ALICE_PW')`).run(alice, alice);
  q.prepare(`INSERT INTO campaigns (name) VALUES ('c')`).run();
  for (let n = 1; n <= 10; n++) {
    q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`store${n}.example`);
    q.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `person${n}@store${n}.example`);
    q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id) VALUES (1, ?, ?, 1)`).run(n, n);
    q.prepare(`INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, mailbox_id, to_email, subject, message_id, state) VALUES (?, ?, ?, 1, 1, ?, 'Quick question', ?, 'sent')`).run(n, n, n, `person${n}@store${n}.example`, `s10-out-${n}@test.local`);
  }
  return d;
}

describe('junk folder names and connection errors (pure)', () => {
  it.each([
    ['Junk', true], ['Spam', true], ['spam', true], ['Junk E-mail', true], ['Junk Email', true], ['INBOX.Spam', true], ['INBOX/Junk', true],
    ['[Gmail]/Spam', true], ['Spamverdacht', true], ['Bulk Mail', true], ['Courrier indésirable', true],
    ['Sent', false], ['Trash', false], ['Drafts', false], ['Archive', false], ['INBOX', false], ['Spam reports 2025', false],
  ])('%s is a junk folder: %s', (name, junk) => {
    expect(isJunkFolderName(name)).toBe(junk);
  });

  const cfg = { host: 'imap.example.com', port: 143, security: 'tls' as const };
  it.each([
    [{ ...cfg }, 'ERR_SSL_WRONG_VERSION_NUMBER', /does not speak TLS on this port: try --imap-security starttls \(or none\), or port 993 for tls/],
    [{ ...cfg }, 'EPROTO', /does not speak TLS on this port/],
    [{ ...cfg, port: 993, security: 'none' as const }, 'GREETING_TIMEOUT', /port 993 expects TLS, try --imap-security tls/],
    [{ ...cfg, port: 993 }, 'DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed certificate.*NODE_EXTRA_CA_CERTS/],
    [{ ...cfg, port: 993 }, 'SELF_SIGNED_CERT_IN_CHAIN', /self-signed certificate/],
    [{ ...cfg, port: 993 }, 'CERT_HAS_EXPIRED', /has expired/],
    [{ ...cfg, port: 993 }, 'ERR_TLS_CERT_ALTNAME_INVALID', /not issued for the name "imap\.example\.com": set --imap-host/],
    [{ ...cfg, port: 993 }, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', /authority your system does not trust/],
    [{ ...cfg, port: 993 }, 'ECONNREFUSED', /nothing accepts connections at imap\.example\.com:993/],
  ])('%o %s → a sentence with the fix', (c, code, want) => {
    const text = connectErrorText(c, { code, message: '80CC08A3447F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number' });
    expect(text).toMatch(want);
    expect(text).not.toMatch(/SSL routines/);
  });
});

describe.skipIf(!mailstackAvailable() && !process.env.CI)('inbox sync and import: every Junk/Spam folder (Dovecot)', () => {
  let ms: Mailstack;
  let tmp: { dir: string; cleanup: () => void };
  let db: Db;
  let mailbox: MailboxRef;
  const one = (sql: string, ...p: unknown[]) => db.sqlite.prepare(sql).get(...p) as Record<string, unknown> | undefined;

  beforeAll(async () => {
    ms = await startMailstack();
    tmp = tempDir('outreach-inbox-folders-s10-');
    db = seed(join(tmp.dir, 'o.db'), ms.users.alice.user);
    mailbox = { id: 1, name: 'main', email: ms.users.alice.user, imap: { host: '127.0.0.1', port: ms.imapPort, security: 'none', user: ms.users.alice.user, pass: ms.users.alice.pass } };
  });
  afterAll(async () => {
    db?.close();
    await ms?.stop();
    tmp?.cleanup();
  });

  it('a Spam folder next to the \\Junk one is read too; added later, it starts on its own state', async () => {
    // A database that already synced INBOX and Junk (\Junk): their positions are stored.
    await ms.deliver(reply(1, 'Not interested, thanks.'), ms.users.alice.user);
    await ms.append(ms.users.alice, 'Junk', reply(2, 'Not now, maybe next year.'));
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 1);
    const first = await syncInbox(db, [mailbox], base);
    expect(first.folders.map((f) => f.folder)).toEqual(['INBOX', 'Junk']);
    expect(first.stored).toBe(2);
    const positions = db.sqlite.prepare(`SELECT folder, uid_validity, last_uid FROM sync_state ORDER BY folder`).all();

    // Then a server-side filter starts filing into "Spam" (and a webmail into "Junk E-mail"): both are read,
    // from their first message, while INBOX and Junk go on from where they were (nothing fetched again).
    const c = ms.imap(ms.users.alice);
    await c.connect();
    await c.mailboxCreate('Spam');
    await c.mailboxCreate('Junk E-mail');
    await c.mailboxCreate('Projects');
    await c.logout();
    await ms.append(ms.users.alice, 'Spam', reply(3, 'Actually yes, interested - please call me Monday.'));
    await ms.append(ms.users.alice, 'Spam', reply(4, 'Please remove me from your list.'));
    await ms.append(ms.users.alice, 'Junk E-mail', reply(5, 'Sounds good, send me pricing.'));
    await ms.append(ms.users.alice, 'Projects', reply(6, 'Yes, let us talk on Thursday.'));
    const s = await syncInbox(db, [mailbox], base);
    expect(s.errors).toEqual([]);
    expect(s.mailboxErrors).toEqual([]);
    // Junk is both \Junk and junk-named: read once. Projects is no junk folder: not read.
    expect(s.folders.map((f) => [f.folder, f.fetched, f.fullResync])).toEqual([
      ['INBOX', 0, false],
      ['Junk', 0, false],
      ['Junk E-mail', 1, false],
      ['Spam', 2, false],
    ]);
    expect(s.stored).toBe(3);
    expect(s.byLabel).toEqual({ WARM: 2, UNSUBSCRIBE: 1 });
    expect(one(`SELECT folder, label FROM inbound WHERE message_id = 's10-folders-3@store3.example'`)).toEqual({ folder: 'Spam', label: 'WARM' });
    expect(one(`SELECT COUNT(*) AS n FROM suppressions WHERE value = 'person4@store4.example'`)).toEqual({ n: 1 });
    expect(one(`SELECT COUNT(*) AS n FROM inbound WHERE message_id = 's10-folders-6@store6.example'`)).toEqual({ n: 0 });
    // Each folder keeps its own position; the old ones did not move.
    const state = db.sqlite.prepare(`SELECT folder, uid_validity, last_uid FROM sync_state ORDER BY folder`).all() as { folder: string; uid_validity: number; last_uid: number }[];
    expect(state.filter((r) => r.folder === 'INBOX' || r.folder === 'Junk')).toEqual(positions);
    expect(state.map((r) => [r.folder, r.last_uid])).toEqual([['INBOX', 1], ['Junk', 1], ['Junk E-mail', 1], ['Spam', 2]]);
    expect(state.every((r) => r.uid_validity > 0)).toBe(true);

    // A re-sync reads nothing again, in any of the four.
    const again = await syncInbox(db, [mailbox], base);
    expect(again.scanned).toBe(0);
    expect(again.folders.map((f) => f.folder)).toEqual(['INBOX', 'Junk', 'Junk E-mail', 'Spam']);
    expect(again.folders.every((f) => f.unchanged)).toBe(true);
  });

  it('a folder the operator names is read too (case-insensitive); one that does not exist fails the mailbox, naming the folders', async () => {
    const s = await syncInbox(db, [{ ...mailbox, imap: { ...mailbox.imap, folders: ['projects', 'INBOX', 'Spam'] } } as MailboxRef], base);
    expect(s.mailboxErrors).toEqual([]);
    expect(s.folders.map((f) => [f.folder, f.fetched])).toEqual([['INBOX', 0], ['Junk', 0], ['Junk E-mail', 0], ['Spam', 0], ['Projects', 1]]);
    expect(one(`SELECT folder, label FROM inbound WHERE message_id = 's10-folders-6@store6.example'`)).toEqual({ folder: 'Projects', label: 'WARM' });

    const bad = await syncInbox(db, [{ ...mailbox, imap: { ...mailbox.imap, folders: ['Replies'] } } as MailboxRef], base);
    expect(bad.folders).toEqual([]);
    expect(bad.mailboxErrors).toEqual([{ mailbox: 'main', error: expect.stringMatching(/no folder "Replies" in alice@test\.local \(its folders: .*Archive.*Spam/) }]);
  });

  it('ImapMailbox.folders lists INBOX, the \\Junk folder, then the junk-named ones, each once', async () => {
    const conn = new ImapMailbox(mailbox.imap);
    await conn.connect();
    try {
      expect(await conn.folders()).toEqual(['INBOX', 'Junk', 'Junk E-mail', 'Spam']);
    } finally {
      await conn.close();
    }
  });

  it('import of a Dovecot Maildir reads its .Junk and .Spam subfolders, not .Sent or .Projects', async () => {
    // alice's real Maildir (Maildir++: .Junk, .Spam, .Sent, ...), copied, with our own copy in .Sent.
    const src = join(ms.dir, 'mail', ms.domain, 'alice', 'Maildir');
    const copy = join(tmp.dir, 'Maildir');
    cpSync(src, copy, { recursive: true });
    mkdirSync(join(copy, '.Sent', 'cur'), { recursive: true });
    writeFileSync(join(copy, '.Sent', 'cur', '1.host:2,S'), ['From: Alice <alice@test.local>', 'To: person9@store9.example', 'Subject: Quick question', 'Message-ID: <s10-out-9@test.local>', '', 'Hi!', ''].join('\r\n'));
    const report = maildirSubfolderReport(copy);
    expect(report.read.map((p) => basename(p))).toEqual(['.Junk', '.Junk E-mail', '.Spam']);
    // (Dovecot creates a folder on disk when mail first goes into it: the empty Drafts/Trash/Archive are not there.)
    expect(report.skipped.map((p) => basename(p))).toEqual(['.Projects', '.Sent']);
    expect(report.skipped.map((p) => basename(p))).not.toContain('.Spam');

    const fresh = seed(join(tmp.dir, 'import.db'), ms.users.alice.user);
    try {
      const s = await importMail(fresh, copy, base);
      expect(s.errors).toEqual([]);
      // INBOX 1, Junk 1, Junk E-mail 1, Spam 2 (Projects and the .Sent copy are not read)
      expect(s.scanned).toBe(5);
      expect(s.own).toBe(0);
      const ids = (fresh.sqlite.prepare(`SELECT message_id FROM inbound ORDER BY message_id`).all() as { message_id: string }[]).map((r) => r.message_id);
      expect(ids).toEqual(['s10-folders-1@store1.example', 's10-folders-2@store2.example', 's10-folders-3@store3.example', 's10-folders-4@store4.example', 's10-folders-5@store5.example']);
      expect(fresh.sqlite.prepare(`SELECT COUNT(*) AS n FROM suppressions WHERE value = 'person4@store4.example'`).get()).toEqual({ n: 1 });
      // A skipped subfolder is imported by its path.
      const sent = await importMail(fresh, join(copy, '.Sent'), base);
      expect(sent.own).toBe(1);
    } finally {
      fresh.close();
    }
  });
});
