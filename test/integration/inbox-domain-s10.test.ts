// `inbox`, reviewed in session 10 (review-s10-issue9 D1): mail from a lead's address or domain that is no reply.
// A message matched to a lead ONLY by its sender's address or domain (no In-Reply-To/References/thread id, no
// subject+address of a message we sent) answers our outreach only when we had sent that lead something (sent, or
// possibly sent) before it was written: its Date, or when it arrived (top Received header, else now) when the Date
// is missing or later than it arrived. Otherwise it is stored UNRELATED with the lead (listed by `leads show`), stops
// nothing, moves no stage, is never announced as WARM and never sent to the model; a stop request in it is still
// honoured; a bounce keeps its rules. Real SQLite files, `importMail` of .eml files and a folder, the fake Claude API
// with the real SDK, and (when Postfix/Dovecot can run) a first `syncInbox` of a mailbox holding years of a store's mail.
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { findSuppression } from '../../src/db/suppressions.js';
import { importMail, syncInbox, type MailboxRef } from '../../src/stages/inbox/index.js';
import { receivedAt, writtenAt, CLOCK_SKEW_MS } from '../../src/stages/inbox/store.js';
import { leadReplied } from '../../src/stages/send/store.js';
import { showLead } from '../../src/stages/leads/query.js';
import { createModelAdapter } from '../../src/adapters/llm/index.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { tempDir } from '../helpers/cli.js';

const NOW = () => new Date('2026-03-02T12:00:00Z');
const SENT_AT = '2026-03-02T09:00:00Z';

/**
 * Leads store{n}.example with a contact person{n}@store{n}.example and an active enrollment. `mailed` leads have one
 * message sent at SENT_AT (Message-ID out-{n}@acme.test, subject "Quick question"); `queued` has one never sent;
 * `unknown` one possibly sent (claimed at SENT_AT, no sent_at); the others were never mailed.
 */
const MAILED = [1, 7, 8, 9, 10, 11, 12, 13, 14];
function seed(d: Db): void {
  const q = d.sqlite;
  q.prepare(`INSERT INTO mailboxes (name, email, smtp_host) VALUES ('main', 'sam@acme.test', '127.0.0.1')`).run();
  q.prepare(`INSERT INTO campaigns (name) VALUES ('spring')`).run();
  q.prepare(`INSERT INTO steps (campaign_id, position) VALUES (1, 1)`).run();
  for (let n = 1; n <= 14; n++) {
    const domain = n === 7 ? 'shop7.example.com' : `store${n}.example`;
    q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, ?)`).run(domain, MAILED.includes(n) || n === 4 ? 'contacted' : 'drafted');
    q.prepare(`INSERT INTO contacts (lead_id, email, is_primary) VALUES (?, ?, 1)`).run(n, `person${n}@${domain}`);
    q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id, thread_message_id) VALUES (1, ?, ?, 1, ?)`).run(n, n, `out-${n}@acme.test`);
    const state = MAILED.includes(n) ? 'sent' : n === 3 ? 'queued' : n === 4 ? 'unknown' : null;
    if (!state) continue;
    q.prepare(
      `INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, step_id, mailbox_id, to_email, from_email, subject, message_id, state, sent_at, claimed_at)
       VALUES (?, ?, ?, 1, 1, 1, ?, 'sam@acme.test', 'Quick question', ?, ?, ?, ?)`,
    ).run(n, n, n, `person${n}@${domain}`, `out-${n}@acme.test`, state, state === 'sent' ? SENT_AT : null, state === 'unknown' ? SENT_AT : null);
  }
}

let tmp: { dir: string; cleanup: () => void };
let db: Db;
const posted: string[] = [];
const notifier = { configured: true, notify: async (r: { messageId: string }) => void posted.push(r.messageId) };
const base = { classifier: null, now: NOW, softBounceLimit: 3, notifier: notifier as never };

/** An .eml with the given headers (null drops a default one) and body. */
function eml(name: string, headers: Record<string, string | null>, body: string, dir = tmp.dir): string {
  const path = join(dir, name);
  const h: Record<string, string | null> = { Date: 'Mon, 02 Mar 2026 10:00:00 +0000', To: 'sam@acme.test', Subject: 'Hello', 'Content-Type': 'text/plain; charset=utf-8', ...headers };
  const lines = Object.entries(h).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  writeFileSync(path, lines.join('\r\n') + '\r\n\r\n' + body.replace(/\n/g, '\r\n') + '\r\n');
  return path;
}

const INVOICE = 'Hi, please find attached your invoice for October. Thanks for your business! Let us know if you have any questions.';
const row = (id: string) =>
  db.sqlite.prepare(`SELECT label, lead_id, outbound_id, confidence, reason, notified_at IS NOT NULL AS announced FROM inbound WHERE message_id = ?`).get(id) as
    | { label: string; lead_id: number | null; outbound_id: number | null; confidence: number; reason: string; announced: number }
    | undefined;
const enrollment = (lead: number) => db.sqlite.prepare('SELECT status, stop_reason, paused_until FROM enrollments WHERE lead_id = ?').get(lead) as { status: string; stop_reason: string | null; paused_until: string | null };
const stage = (lead: number) => (db.sqlite.prepare('SELECT stage FROM leads WHERE id = ?').get(lead) as { stage: string }).stage;
const events = (lead: number, type: string) => (db.sqlite.prepare('SELECT COUNT(*) AS n FROM events WHERE lead_id = ? AND type = ?').get(lead, type) as { n: number }).n;
/** The id of the message we sent (or may have sent) to the lead. */
const out = (lead: number) => (db.sqlite.prepare('SELECT id FROM messages WHERE lead_id = ?').get(lead) as { id: number }).id;
const ACTIVE = { status: 'active', stop_reason: null, paused_until: null };

describe('mail from a lead we never mailed', () => {
  beforeEach(() => {
    tmp = tempDir('outreach-inbox-s10-');
    db = openDb(join(tmp.dir, 'o.db'));
    seed(db);
    posted.length = 0;
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('an old invoice from the store is stored UNRELATED with the lead and changes nothing', async () => {
    const s = await importMail(db, eml('inv.eml', { From: 'Billing <billing@store2.example>', Subject: 'Your invoice #1234 from Store2', Date: 'Tue, 05 Mar 2024 10:00:00 +0000', 'Message-ID': '<inv-1234@store2.example>' }, INVOICE), base);
    expect(s).toMatchObject({ stored: 1, byLabel: { UNRELATED: 1 }, warm: [] });
    const r = row('inv-1234@store2.example')!;
    expect(r).toMatchObject({ label: 'UNRELATED', lead_id: 2, outbound_id: null, confidence: 1 });
    expect(r.reason).toMatch(/^not a reply to our outreach: we never mailed this lead; written 2024-03-05 10:00 UTC; reads as NEUTRAL/);
    expect(enrollment(2)).toEqual(ACTIVE);
    expect(stage(2)).toBe('drafted');
    expect(events(2, 'replied')).toBe(0);
    // send, campaign and draft read a lead's human replies from inbound: this is none.
    expect(leadReplied(db, 2)).toBe(false);
    // `leads show` lists it with the lead.
    const shown = showLead(db, 2).timeline.filter((t: { kind: string }) => t.kind === 'reply');
    expect(shown).toEqual([expect.objectContaining({ type: 'reply UNRELATED', summary: expect.stringContaining('billing@store2.example: Your invoice #1234 from Store2 (not a reply to our outreach') })]);
  });

  it('a queued message that never went out is no message sent: the lead was never mailed', async () => {
    await importMail(db, eml('q.eml', { From: 'Ops <ops@store3.example>', 'Message-ID': '<q3@store3.example>' }, 'The delivery is scheduled for Friday.'), base);
    expect(row('q3@store3.example')).toMatchObject({ label: 'UNRELATED', lead_id: 3, outbound_id: null });
    expect(enrollment(3)).toEqual(ACTIVE);
  });

  it('WARM-sounding mail from the lead\'s domain (today) is not announced as a WARM reply, now or by a later run', async () => {
    const s = await importMail(db, eml('w.eml', { From: 'Ana <ana@store5.example>', Subject: 'Partnership', 'Message-ID': '<w5@store5.example>' }, 'Very interested in working together! Can we schedule a call tomorrow?'), base);
    expect(s.warm).toEqual([]);
    expect(s.notified).toBe(0);
    expect(row('w5@store5.example')).toMatchObject({ label: 'UNRELATED', lead_id: 5, announced: 0 });
    expect(row('w5@store5.example')!.reason).toMatch(/we never mailed this lead; written 2026-03-02 10:00 UTC; reads as WARM/);
    const later = await importMail(db, eml('x.eml', { From: 'X <x@nowhere-s10.example>', 'Message-ID': '<x@nowhere-s10.example>' }, 'ok'), base);
    expect(later.warm).toEqual([]);
    expect(posted).toEqual([]);
    expect(enrollment(5)).toEqual(ACTIVE);
    expect(stage(5)).toBe('drafted');
  });

  it('a stop request from the lead\'s address is still honoured, whatever it answers', async () => {
    await importMail(db, eml('u.eml', { From: 'Kim <kim@store6.example>', Subject: 'Your newsletter', Date: 'Tue, 05 Mar 2024 10:00:00 +0000', 'Message-ID': '<u6@store6.example>' }, 'Please remove me from your mailing list.'), base);
    expect(row('u6@store6.example')).toMatchObject({ label: 'UNSUBSCRIBE', lead_id: 6 });
    expect(findSuppression(db, 'kim@store6.example')).toMatchObject({ reason: 'unsubscribed' });
    expect(enrollment(6)).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
  });

  it('an out-of-office that answers nothing of ours pauses nothing', async () => {
    await importMail(db, eml('o.eml', { From: 'Person 5 <person5@store5.example>', Subject: 'Automatic reply: Order 5521', 'Auto-Submitted': 'auto-replied', 'Message-ID': '<o5@store5.example>' }, 'I am out of the office until Friday 13 March with no access to email.'), base);
    expect(row('o5@store5.example')).toMatchObject({ label: 'AUTO_REPLY', lead_id: 5 });
    expect(enrollment(5)).toEqual(ACTIVE);
  });

  it('a backfill of years of a store\'s mail (a folder) stops nothing; the one reply after our message does', async () => {
    const dir = join(tmp.dir, 'backfill');
    mkdirSync(dir);
    for (let i = 0; i < 30; i++) {
      const n = [1, 2, 5][i % 3]!;
      const y = 2021 + (i % 5);
      eml(`${i}.eml`, { From: `Staff ${i} <staff${i}@store${n}.example>`, Subject: `Question ${i}`, Date: `Tue, 0${1 + (i % 9)} Jun ${y} 10:00:00 +0000`, 'Message-ID': `<old-${i}@store${n}.example>` },
        i % 2 ? 'Thanks, sounds great, let us talk next week about the pricing.' : 'No thanks, not interested.', dir);
    }
    eml('reply.eml', { From: 'Buyer <buyer@store1.example>', Subject: 'about your note', 'Message-ID': '<new-1@store1.example>' }, 'Sounds great, send me pricing and a time for a call.', dir);
    const s = await importMail(db, dir, base);
    expect(s.stored).toBe(31);
    expect(s.byLabel).toEqual({ UNRELATED: 30, WARM: 1 });
    expect(s.warm.map((w) => w.messageId)).toEqual(['new-1@store1.example']);
    expect(posted).toEqual(['new-1@store1.example']);
    expect(enrollment(2)).toEqual(ACTIVE);
    expect(enrollment(5)).toEqual(ACTIVE);
    expect(enrollment(1)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(row('new-1@store1.example')).toMatchObject({ label: 'WARM', lead_id: 1, outbound_id: out(1) });
    expect((db.sqlite.prepare(`SELECT COUNT(*) AS n FROM inbound WHERE lead_id = 1 AND label = 'UNRELATED' AND outbound_id IS NULL`).get() as { n: number }).n).toBe(10);
  });
});

describe('mail from a lead we mailed', () => {
  beforeEach(() => {
    tmp = tempDir('outreach-inbox-s10-');
    db = openDb(join(tmp.dir, 'o.db'));
    seed(db);
    posted.length = 0;
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('written before our first message (from the contact\'s own address): no reply, linked to none of our messages', async () => {
    await importMail(db, eml('b.eml', { From: 'Person 1 <person1@store1.example>', Subject: 'Stock for spring', Date: 'Sun, 01 Mar 2026 16:00:00 +0000', 'Message-ID': '<b1@store1.example>' }, 'Can we talk about the order? Call me tomorrow.'), base);
    const r = row('b1@store1.example')!;
    expect(r).toMatchObject({ label: 'UNRELATED', lead_id: 1, outbound_id: null });
    expect(r.reason).toMatch(/^not a reply to our outreach: written 2026-03-01 16:00 UTC, before our first message to this lead \(2026-03-02 09:00 UTC\); reads as WARM/);
    expect(enrollment(1)).toEqual(ACTIVE);
    expect(stage(1)).toBe('contacted');
    expect(posted).toEqual([]);
  });

  it('a colleague, or a colleague at a subdomain, answering after our message still stops the sequence and is announced WARM', async () => {
    const s = await importMail(db, eml('c.eml', { From: 'Ops <ops@store1.example>', Subject: 'pricing question', 'Message-ID': '<c1@store1.example>' }, 'Sounds great, send me pricing and a time for a call.'), base);
    expect(row('c1@store1.example')).toMatchObject({ label: 'WARM', lead_id: 1, outbound_id: out(1) });
    expect(enrollment(1)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(stage(1)).toBe('replied');
    expect(s.warm.map((w) => [w.messageId, w.leadDomain])).toEqual([['c1@store1.example', 'store1.example']]);
    const sub = await importMail(db, eml('s.eml', { From: 'Buyer <buyer@uk.shop7.example.com>', Subject: 'Re: your mail', 'Message-ID': '<s7@uk.shop7.example.com>' }, 'Sounds great, send me pricing and a time for a call.'), base);
    expect(row('s7@uk.shop7.example.com')).toMatchObject({ label: 'WARM', lead_id: 7, outbound_id: out(7) });
    expect(enrollment(7)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(sub.warm.map((w) => w.leadDomain)).toEqual(['shop7.example.com']);
    expect(posted).toEqual(['c1@store1.example', 's7@uk.shop7.example.com']);
  });

  it('a message possibly sent (unknown, claimed before) counts as mailed', async () => {
    await importMail(db, eml('k.eml', { From: 'Ops <ops@store4.example>', 'Message-ID': '<k4@store4.example>' }, 'No thanks, we already have an agency.'), base);
    expect(row('k4@store4.example')).toMatchObject({ label: 'COLD', lead_id: 4, outbound_id: out(4) });
    expect(enrollment(4)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
  });

  it('the writer\'s clock may be a few minutes behind ours, not an hour', async () => {
    await importMail(db, eml('k12.eml', { From: 'A <a@store12.example>', Date: 'Mon, 02 Mar 2026 08:50:00 +0000', 'Message-ID': '<k12@store12.example>' }, 'No thanks, we already have an agency.'), base);
    await importMail(db, eml('k13.eml', { From: 'B <b@store13.example>', Date: 'Mon, 02 Mar 2026 08:00:00 +0000', 'Message-ID': '<k13@store13.example>' }, 'No thanks, we already have an agency.'), base);
    expect(row('k12@store12.example')).toMatchObject({ label: 'COLD', outbound_id: out(12) });
    expect(row('k13@store13.example')).toMatchObject({ label: 'UNRELATED', outbound_id: null });
    expect(enrollment(12).status).toBe('stopped');
    expect(enrollment(13)).toEqual(ACTIVE);
  });

  it('a missing or future Date: the time it arrived counts (top Received header, else now)', async () => {
    // Date in the future, arrived (Received) before our message: no reply.
    await importMail(db, eml('f8.eml', { From: 'A <a@store8.example>', Date: 'Thu, 01 Jan 2032 10:00:00 +0000', 'Message-ID': '<f8@store8.example>', Received: 'from mx.store8.example by mail.acme.test with ESMTPS id 1;\r\n\tMon, 02 Mar 2026 08:00:00 +0000 (UTC)' }, 'Yes, interested, call me.'), base);
    // No Date, arrived after our message: a reply.
    await importMail(db, eml('f9.eml', { From: 'B <b@store9.example>', Date: null, 'Message-ID': '<f9@store9.example>', Received: 'from mx.store9.example by mail.acme.test; Mon, 02 Mar 2026 11:00:00 +0000' }, 'No thanks, we already have an agency.'), base);
    // A future Date, no Received header: read now (after our message): a reply.
    await importMail(db, eml('f10.eml', { From: 'C <c@store10.example>', Date: 'Thu, 01 Jan 2032 10:00:00 +0000', 'Message-ID': '<f10@store10.example>' }, 'No thanks, we already have an agency.'), base);
    // No Date, arrived the day before our message: no reply.
    await importMail(db, eml('f11.eml', { From: 'D <d@store11.example>', Date: null, 'Message-ID': '<f11@store11.example>', Received: 'by mail.acme.test; Sun, 01 Mar 2026 11:00:00 +0000' }, 'No thanks, we already have an agency.'), base);
    const f8 = row('f8@store8.example')!;
    expect(f8).toMatchObject({ label: 'UNRELATED', outbound_id: null });
    expect(f8.reason).toContain('received 2026-03-02 08:00 UTC (its Date (2032-01-01T10:00:00.000Z) is later than it arrived), before our first message');
    expect(enrollment(8)).toEqual(ACTIVE);
    expect(row('f9@store9.example')).toMatchObject({ label: 'COLD', outbound_id: out(9) });
    expect(enrollment(9).status).toBe('stopped');
    expect(row('f10@store10.example')).toMatchObject({ label: 'COLD', outbound_id: out(10) });
    expect(row('f11@store11.example')).toMatchObject({ label: 'UNRELATED' });
    expect(row('f11@store11.example')!.reason).toContain('received 2026-03-01 11:00 UTC (no readable Date header)');
    expect(enrollment(11)).toEqual(ACTIVE);
  });

  it('In-Reply-To our message is a reply whatever its Date says', async () => {
    await importMail(db, eml('t.eml', { From: 'Ops <ops@store14.example>', Date: 'Tue, 05 Mar 2024 10:00:00 +0000', 'In-Reply-To': '<out-14@acme.test>', 'Message-ID': '<t14@store14.example>' }, 'No thanks, we already have an agency.'), base);
    expect(row('t14@store14.example')).toMatchObject({ label: 'COLD', outbound_id: out(14) });
    expect(enrollment(14).status).toBe('stopped');
  });
});

describe('writtenAt and receivedAt', () => {
  const raw = (h: string) => Buffer.from(`${h}\r\nFrom: a@b.example\r\n\r\nbody\r\n`);
  const now = new Date('2026-03-02T12:00:00Z');
  it('reads the topmost Received header (folded, with a comment); one in the future is ignored', () => {
    expect(receivedAt(raw('Received: from a by b;\r\n\tMon, 02 Mar 2026 08:00:00 +0100 (CET)\r\nReceived: from c by d; Sun, 01 Mar 2026 08:00:00 +0000'), now)?.toISOString()).toBe('2026-03-02T07:00:00.000Z');
    expect(receivedAt(raw('Received: from a by b; Thu, 01 Jan 2032 10:00:00 +0000'), now)).toBeNull();
    expect(receivedAt(raw('Received: from a by b (no date)'), now)).toBeNull();
    expect(receivedAt(Buffer.alloc(0), now)).toBeNull();
  });
  it('believes an old Date (mail fetched into the mailbox later), not a future one', () => {
    const r = raw('Received: by fetchmail; Mon, 02 Mar 2026 08:00:00 +0000');
    expect(writtenAt({ raw: r, date: new Date('2021-06-01T10:00:00Z') }, now)).toEqual({ at: new Date('2021-06-01T10:00:00Z'), source: 'date' });
    expect(writtenAt({ raw: r, date: new Date(Date.parse('2026-03-02T08:00:00Z') + CLOCK_SKEW_MS + 60_000) }, now).source).toBe('received');
    expect(writtenAt({ raw: r, date: null }, now)).toMatchObject({ source: 'received', note: 'no readable Date header' });
    expect(writtenAt({ raw: Buffer.from('From: a@b\r\n\r\nx'), date: null }, now)).toMatchObject({ at: now, source: 'now' });
  });
});

describe('with a model (fake Claude API, real SDK)', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
    tmp = tempDir('outreach-inbox-s10-model-');
    db = openDb(join(tmp.dir, 'o.db'));
    seed(db);
  });
  afterAll(async () => {
    await fake.close();
    db.close();
    tmp.cleanup();
  });

  it('a lead\'s mail that is no reply is never sent to the model; a colleague\'s reply after our message is', async () => {
    fake.reset();
    fake.setResponder((req) => (req.tool === 'classify_reply' ? { toolInput: { label: 'WARM', confidence: 0.93, reason: 'asks for a call' } } : { error: { status: 400 } }));
    const classifier = createModelAdapter({ provider: 'anthropic', apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
    const o = { ...base, classifier };
    await importMail(db, eml('m2.eml', { From: 'Billing <billing@store2.example>', Date: 'Tue, 05 Mar 2024 10:00:00 +0000', 'Message-ID': '<m2@store2.example>' }, 'Could we talk about the open invoice? Call me.'), o);
    await importMail(db, eml('m1old.eml', { From: 'Ops <ops@store1.example>', Date: 'Tue, 05 Mar 2024 10:00:00 +0000', 'Message-ID': '<m1old@store1.example>' }, 'Could we talk about the open invoice? Call me.'), o);
    expect(fake.requests).toHaveLength(0);
    expect(row('m2@store2.example')).toMatchObject({ label: 'UNRELATED', lead_id: 2 });
    expect(enrollment(1)).toEqual(ACTIVE);
    await importMail(db, eml('m1.eml', { From: 'Ops <ops@store1.example>', 'Message-ID': '<m1@store1.example>' }, 'Could we talk about it? Call me.'), o);
    expect(fake.requests).toHaveLength(1);
    expect(row('m1@store1.example')).toMatchObject({ label: 'WARM', lead_id: 1, outbound_id: out(1), confidence: 0.93 });
    expect(enrollment(1)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
  });
});

describe.skipIf(!mailstackAvailable() && !process.env.CI)('the first sync of a mailbox holding years of a store\'s mail (real Dovecot)', () => {
  let ms: Mailstack;
  let mailbox: MailboxRef;
  const sentAt = new Date(Date.now() - 86_400_000).toISOString();
  beforeAll(async () => {
    ms = await startMailstack();
    tmp = tempDir('outreach-inbox-s10-sync-');
    db = openDb(join(tmp.dir, 'o.db'));
    seed(db);
    db.sqlite.prepare(`UPDATE mailboxes SET email = ?`).run(ms.users.sink.user);
    db.sqlite.prepare(`UPDATE messages SET sent_at = ? WHERE state = 'sent'`).run(sentAt);
    mailbox = { id: 1, name: 'main', email: ms.users.sink.user, imap: { host: '127.0.0.1', port: ms.imapPort, security: 'none', user: ms.users.sink.user, pass: ms.users.sink.pass } };
    // Years of mail from the stores' staff, as an existing mailbox holds it (each with the Received header of its day).
    for (let i = 0; i < 12; i++) {
      const n = [1, 2, 5][i % 3]!;
      const date = `Tue, 0${1 + (i % 9)} Jun ${2020 + (i % 6)} 10:00:00 +0000`;
      await ms.append(ms.users.sink, 'INBOX', [
        `Received: from mx.store${n}.example by mail.test.local with ESMTPS id ${i}; ${date.replace('10:00:00', '10:00:07')}`,
        `From: Staff ${i} <staff${i}@store${n}.example>`, `To: ${ms.users.sink.user}`, `Subject: Catalogue ${i}`, `Date: ${date}`, `Message-ID: <sync-old-${i}@store${n}.example>`,
        'Content-Type: text/plain; charset=utf-8', '', i % 2 ? 'Sounds great, can we talk next week about pricing?' : 'No thanks, not interested.', '',
      ].join('\r\n'));
    }
    // Today: a colleague of lead 1 answers (delivered over LMTP: Dovecot adds today's Received header), and a
    // store we never mailed writes.
    await ms.deliver(['From: Buyer <buyer@store1.example>', `To: ${ms.users.sink.user}`, 'Subject: your note', `Date: ${new Date().toUTCString()}`, 'Message-ID: <sync-new-1@store1.example>', 'Content-Type: text/plain; charset=utf-8', '', 'Sounds great, send me pricing and a time for a call.', ''].join('\r\n'), ms.users.sink.user);
    await ms.deliver(['From: Ana <ana@store2.example>', `To: ${ms.users.sink.user}`, 'Subject: stock', 'Message-ID: <sync-new-2@store2.example>', 'Content-Type: text/plain; charset=utf-8', '', 'Very interested in more stock, call me.', ''].join('\r\n'), ms.users.sink.user);
  }, 120_000);
  afterAll(async () => {
    db?.close();
    await ms?.stop();
    tmp?.cleanup();
  });

  it('stops only the lead that answered after our message, and announces only that reply', async () => {
    posted.length = 0;
    const s = await syncInbox(db, [mailbox], { classifier: null, softBounceLimit: 3, notifier: notifier as never });
    expect(s.mailboxErrors).toEqual([]);
    expect(s.stored).toBe(14);
    expect(s.byLabel).toEqual({ UNRELATED: 13, WARM: 1 });
    expect(s.warm.map((w) => w.messageId)).toEqual(['sync-new-1@store1.example']);
    expect(posted).toEqual(['sync-new-1@store1.example']);
    expect(enrollment(1)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(enrollment(2)).toEqual(ACTIVE);
    expect(enrollment(5)).toEqual(ACTIVE);
    expect(stage(2)).toBe('drafted');
    // The store we never mailed: no Date header, so read as received today, and still no reply.
    expect(row('sync-new-2@store2.example')!.reason).toMatch(/^not a reply to our outreach: we never mailed this lead; received \S+ \S+ UTC \(no readable Date header\); reads as WARM/);
  });
});
