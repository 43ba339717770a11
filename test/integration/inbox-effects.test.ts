// The inbox against a real SQLite file: threading, storing once, and what each label does to the
// pipeline (suppress, stop, pause/resume, stage), the model path through the fake Claude API with
// the real SDK, the sync lock, and WARM notifications to a loopback webhook.
import { describe, it, expect, beforeEach, afterEach, afterAll, beforeAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { openDb, type Db } from '../../src/db/open.js';
import { findSuppression } from '../../src/db/suppressions.js';
import { importMail, SYNC_LOCK, syncInbox } from '../../src/stages/inbox/index.js';
import { acquireLock, releaseLock } from '../../src/stages/inbox/lock.js';
import { dayAfterReturn, baseSubject, INBOX_SQL } from '../../src/stages/inbox/store.js';
import { resumeDuePauses } from '../../src/db/enrollments.js';
import { createNotifier } from '../../src/adapters/notify.js';
import { createModelAdapter } from '../../src/adapters/llm/index.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startHttp, type HttpHandle } from '../helpers/http.js';
import { tempDir } from '../helpers/cli.js';

const NOW = () => new Date('2026-03-02T12:00:00Z');
let tmp: { dir: string; cleanup: () => void };
let db: Db;

/** Two leads with a contact, an active enrollment and one sent message each. */
function seed(d: Db) {
  const q = d.sqlite;
  q.prepare(`INSERT INTO mailboxes (name, email, smtp_host) VALUES ('main', 'sam@acme.test', '127.0.0.1')`).run();
  q.prepare(`INSERT INTO campaigns (name) VALUES ('spring')`).run();
  q.prepare(`INSERT INTO steps (campaign_id, position) VALUES (1, 1)`).run();
  for (const n of [1, 2, 3, 4, 5, 6]) {
    q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`store${n}.example`);
    q.prepare(`INSERT INTO contacts (lead_id, email, is_primary) VALUES (?, ?, 1)`).run(n, `person${n}@store${n}.example`);
    q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id, thread_message_id) VALUES (1, ?, ?, 1, ?)`).run(n, n, `out-${n}@acme.test`);
    q.prepare(
      `INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, step_id, mailbox_id, to_email, from_email, subject, message_id, state, sent_at)
       VALUES (?, ?, ?, 1, 1, 1, ?, 'sam@acme.test', 'Quick question', ?, 'sent', '2026-03-02T09:00:00Z')`,
    ).run(n, n, n, `person${n}@store${n}.example`, `out-${n}@acme.test`);
  }
}

function eml(name: string, headers: Record<string, string>, body: string): string {
  const path = join(tmp.dir, name);
  const h = { Date: 'Mon, 02 Mar 2026 10:00:00 +0000', To: 'sam@acme.test', 'Content-Type': 'text/plain; charset=utf-8', ...headers };
  writeFileSync(path, Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n\r\n' + body.replace(/\n/g, '\r\n') + '\r\n');
  return path;
}

const reply = (n: number, body: string, extra: Record<string, string> = {}, id = `r${n}-${Math.random().toString(36).slice(2)}`) =>
  eml(`${id}.eml`, { From: `Person ${n} <person${n}@store${n}.example>`, Subject: 'Re: Quick question', 'Message-ID': `<${id}@store${n}.example>`, 'In-Reply-To': `<out-${n}@acme.test>`, ...extra }, body);

const base = { classifier: null, now: NOW, softBounceLimit: 3 };
const enrollment = (lead: number) => db.sqlite.prepare('SELECT status, stop_reason, paused_until FROM enrollments WHERE lead_id = ?').get(lead) as { status: string; stop_reason: string | null; paused_until: string | null };
const stage = (lead: number) => (db.sqlite.prepare('SELECT stage FROM leads WHERE id = ?').get(lead) as { stage: string }).stage;

beforeEach(() => {
  tmp = tempDir('outreach-inbox-fx-');
  db = openDb(join(tmp.dir, 'o.db'));
  seed(db);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

describe('effects of each label', () => {
  it('WARM/COLD/NEUTRAL stop the sequence and move the lead to replied; WARM is surfaced', async () => {
    await importMail(db, reply(1, 'Sounds great, can we talk on Thursday at 3pm?\n\nOn Mon, Mar 2, 2026 Sam <sam@acme.test> wrote:\n> Unsubscribe: https://u.acme.test/x'), base);
    const s = await importMail(db, reply(2, 'No thanks, we already have an agency.'), base);
    expect(enrollment(1)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(enrollment(2)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(stage(1)).toBe('replied');
    expect(s.byLabel).toEqual({ COLD: 1 });
    const row = db.sqlite.prepare(`SELECT label, lead_id, outbound_id, classifier, body_text, confidence, reason FROM inbound WHERE from_email = 'person1@store1.example'`).get() as Record<string, unknown>;
    expect(row).toMatchObject({ label: 'WARM', lead_id: 1, outbound_id: 1, classifier: 'offline', body_text: 'Sounds great, can we talk on Thursday at 3pm?' });
    expect(findSuppression(db, 'person1@store1.example')).toBeNull(); // the quoted footer's "unsubscribe" is not a request
    const ev = db.sqlite.prepare(`SELECT type, data FROM events WHERE lead_id = 1 AND type = 'replied'`).get() as { data: string };
    expect(JSON.parse(ev.data).label).toBe('WARM');
  });

  it('a hard bounce suppresses the address forever and stops the enrollment', async () => {
    const path = eml('bounce.eml', { From: 'MAILER-DAEMON@mx.acme.test', Subject: 'Undelivered Mail Returned to Sender', 'Message-ID': '<b1@mx.acme.test>', 'Auto-Submitted': 'auto-replied', 'X-Failed-Recipients': 'person3@store3.example' },
      'This message was created automatically by mail delivery software.\nA message that you sent could not be delivered. This is a permanent error.\n  person3@store3.example\n    550 5.1.1 User unknown\n\nMessage-ID: <out-3@acme.test>\n');
    const s = await importMail(db, path, base);
    expect(s.byLabel).toEqual({ BOUNCE: 1 });
    expect(findSuppression(db, 'person3@store3.example')).toMatchObject({ reason: 'bounced' });
    expect(enrollment(3)).toMatchObject({ status: 'stopped', stop_reason: 'bounced' });
    expect(stage(3)).toBe('bounced');
  });

  it('soft bounces send the message again later and suppress after the configured number; delay warnings count for nothing', async () => {
    const dsn = (name: string, action: string, subject: string) =>
      eml(`${name}.eml`, { From: 'MAILER-DAEMON@mx.acme.test', Subject: subject, 'Message-ID': `<${name}@mx.acme.test>`, 'MIME-Version': '1.0', 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="B"' },
        `--B\nContent-Type: text/plain\n\nMailbox full.\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\nFinal-Recipient: rfc822; person4@store4.example\nAction: ${action}\nStatus: 4.2.2\n\n--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: <out-4@acme.test>\nTo: person4@store4.example\n\n--B--\n`);
    const msg = () => db.sqlite.prepare(`SELECT state, next_attempt_at, last_error FROM messages WHERE message_id = 'out-4@acme.test'`).get() as { state: string; next_attempt_at: string | null; last_error: string | null };
    // Three warnings about the one message ("will be retried"): recorded, nothing else.
    for (const i of [1, 2, 3]) await importMail(db, dsn(`warn${i}`, 'delayed', 'Delayed Mail (still being retried)'), { ...base, softBounceLimit: 2 });
    expect(findSuppression(db, 'person4@store4.example')).toBeNull();
    expect(enrollment(4).status).toBe('active');
    expect(msg().state).toBe('sent');
    // The server gave up (mailbox full): a soft bounce. The message is sent again a day later.
    const first = await importMail(db, dsn('soft1', 'failed', 'Undelivered Mail Returned to Sender'), { ...base, softBounceLimit: 2 });
    expect(first.byLabel).toEqual({ BOUNCE: 1 });
    expect(findSuppression(db, 'person4@store4.example')).toBeNull();
    expect(enrollment(4).status).toBe('active');
    expect(msg()).toMatchObject({ state: 'deferred', next_attempt_at: '2026-03-03T12:00:00.000Z', last_error: expect.stringMatching(/^soft bounce 4\.2\.2/) });
    // It bounces again: the limit (2) is reached, the address is suppressed and the sequence stops.
    db.sqlite.prepare(`UPDATE messages SET state = 'sent' WHERE message_id = 'out-4@acme.test'`).run(); // (as send would, on the retry)
    await importMail(db, dsn('soft2', 'failed', 'Undelivered Mail Returned to Sender'), { ...base, softBounceLimit: 2 });
    expect(findSuppression(db, 'person4@store4.example')).toMatchObject({ reason: 'bounced' });
    expect(db.sqlite.prepare(`SELECT note FROM suppressions WHERE value = 'person4@store4.example'`).get()).toEqual({ note: '2 soft bounces' });
    expect(enrollment(4).status).toBe('stopped');
  });

  it('a soft bounce of a message whose follow-up already went out does not send it again', async () => {
    db.sqlite.prepare(`INSERT INTO steps (campaign_id, position) VALUES (1, 2)`).run();
    db.sqlite
      .prepare(
        `INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, step_id, mailbox_id, to_email, from_email, subject, message_id, state, sent_at)
         VALUES (5, 5, 5, 1, 2, 1, 'person5@store5.example', 'sam@acme.test', 'Re: Quick question', 'out-5b@acme.test', 'sent', '2026-03-02T11:00:00Z')`,
      )
      .run();
    const path = eml('late-soft.eml', { From: 'MAILER-DAEMON@mx.acme.test', Subject: 'Undelivered Mail Returned to Sender', 'Message-ID': '<late@mx.acme.test>', 'MIME-Version': '1.0', 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="B"' },
      '--B\nContent-Type: text/plain\n\nMailbox full.\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\nFinal-Recipient: rfc822; person5@store5.example\nAction: failed\nStatus: 4.2.2\n\n--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: <out-5@acme.test>\n\n--B--\n');
    await importMail(db, path, base);
    expect(db.sqlite.prepare(`SELECT message_id, state FROM messages WHERE enrollment_id = 5 ORDER BY id`).all()).toEqual([
      { message_id: 'out-5@acme.test', state: 'sent' },
      { message_id: 'out-5b@acme.test', state: 'sent' },
    ]);
  });

  it('counts an address\'s soft bounces from an index, not by reading every bounce event', () => {
    const plan = (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${INBOX_SQL.softBounces}`).all('person4@store4.example') as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan).toContain('USING INDEX events_bounce_email_idx');
  });

  it('out-of-office pauses until the return date plus one business day, then resumes', async () => {
    // 13 March 2026 is a Friday: the sequence resumes on Monday 16 March.
    await importMail(db, reply(5, 'I am out of the office until Friday 13 March with no access to email.', { 'Auto-Submitted': 'auto-replied', Subject: 'Automatic reply: Quick question' }), base);
    expect(enrollment(5)).toMatchObject({ status: 'paused', stop_reason: 'out_of_office', paused_until: '2026-03-16T00:00:00.000Z' });
    const row = db.sqlite.prepare(`SELECT label, return_date FROM inbound WHERE lead_id = 5`).get();
    expect(row).toEqual({ label: 'AUTO_REPLY', return_date: '2026-03-13' });
    expect(resumeDuePauses(db, new Date('2026-03-15T12:00:00Z'))).toBe(0);
    expect(resumeDuePauses(db, new Date('2026-03-16T00:00:01Z'))).toBe(1);
    expect(enrollment(5)).toMatchObject({ status: 'active', paused_until: null });
    expect(dayAfterReturn('2026-03-09')).toBe('2026-03-10T00:00:00.000Z');
  });

  it('unsubscribe suppresses the person (and the domain when asked) and stops everything', async () => {
    await importMail(db, reply(6, "Please don't contact me again, or anyone else at our company."), base);
    expect(findSuppression(db, 'person6@store6.example')).toMatchObject({ reason: 'unsubscribed' });
    expect(findSuppression(db, 'someone.else@store6.example')).toMatchObject({ kind: 'domain' });
    expect(enrollment(6)).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
    expect(stage(6)).toBe('unsubscribed');
  });

  it('a stop request from another address in the thread of our mail also suppresses the address we mailed', async () => {
    // person1's mail was forwarded to the owner, who answers in the thread from a free-mail address
    await importMail(db, eml('fwd-unsub.eml', { From: 'Owner <owner.private@gmail.com>', Subject: 'Re: Quick question', 'Message-ID': '<u1@gmail.com>', 'In-Reply-To': '<out-1@acme.test>' }, 'Please unsubscribe us, we are not interested.'), base);
    expect(findSuppression(db, 'owner.private@gmail.com')).toMatchObject({ reason: 'unsubscribed' });
    expect(findSuppression(db, 'person1@store1.example')).toMatchObject({ reason: 'unsubscribed' });
    expect(enrollment(1)).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
    // without a thread (a colleague writing fresh), only the sender is suppressed: nobody else asked
    await importMail(db, eml('colleague-unsub.eml', { From: 'Kim <kim@store2.example>', Subject: 'Your emails', 'Message-ID': '<u2@store2.example>' }, 'Please remove me from your list.'), base);
    expect(findSuppression(db, 'kim@store2.example')).toMatchObject({ reason: 'unsubscribed' });
    expect(findSuppression(db, 'person2@store2.example')).toBeNull();
  });

  it('a hard bounce through a forward suppresses the address we mailed, and the lead is bounced', async () => {
    const path = eml('fwd-bounce.eml', { From: 'MAILER-DAEMON@mx.gmail.test', Subject: 'Delivery Status Notification (Failure)', 'Message-ID': '<fb1@mx.gmail.test>', 'MIME-Version': '1.0', 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="B"' },
      '--B\nContent-Type: text/plain\n\nThe forwarded message could not be delivered.\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.gmail.test\n\nOriginal-Recipient: rfc822; person3@store3.example\nFinal-Recipient: rfc822; sam.home@gmail.test\nAction: failed\nStatus: 5.1.1\n\n--B\nContent-Type: text/rfc822-headers\n\nFrom: sam@acme.test\nTo: person3@store3.example\nMessage-ID: <out-3@acme.test>\nSubject: Quick question\n\n--B--\n');
    const s = await importMail(db, path, base);
    expect(s.byLabel).toEqual({ BOUNCE: 1 });
    expect(findSuppression(db, 'sam.home@gmail.test')).toMatchObject({ reason: 'bounced' });
    expect(findSuppression(db, 'person3@store3.example')).toMatchObject({ reason: 'bounced' });
    expect(enrollment(3)).toMatchObject({ status: 'stopped', stop_reason: 'bounced' });
    expect(stage(3)).toBe('bounced');
  });

  it('an auto-reply saying the person has left suppresses that address and stops what goes to it', async () => {
    await importMail(db, reply(4, 'Thank you for your email. Person Four is no longer with the company and this mailbox is no longer monitored. Please contact info@store4.example.', { 'Auto-Submitted': 'auto-replied', Subject: 'Automatic reply: Quick question' }), base);
    expect(findSuppression(db, 'person4@store4.example')).toMatchObject({ reason: 'left_company' });
    expect(enrollment(4)).toMatchObject({ status: 'stopped', stop_reason: 'left_company' });
    expect(stage(4)).toBe('contacted'); // the store itself is still a lead
    // an ordinary out-of-office is only a pause
    await importMail(db, reply(5, 'I am out of the office until Friday 13 March with no access to email.', { 'Auto-Submitted': 'auto-replied', Subject: 'Automatic reply: Quick question' }), base);
    expect(findSuppression(db, 'person5@store5.example')).toBeNull();
    expect(enrollment(5).status).toBe('paused');
  });

  it('an ARF complaint suppresses the original recipient, not the feedback address', async () => {
    const path = eml('arf.eml', { From: 'fbl@isp.example', Subject: 'complaint', 'Message-ID': '<arf@isp.example>', 'MIME-Version': '1.0', 'Content-Type': 'multipart/report; report-type=feedback-report; boundary="F"' },
      '--F\nContent-Type: text/plain\n\nabuse report\n--F\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n\n--F\nContent-Type: message/rfc822\n\nFrom: sam@acme.test\nTo: person2@store2.example\nMessage-ID: <out-2@acme.test>\nSubject: Quick question\n\nhi\n--F--\n');
    await importMail(db, path, base);
    expect(findSuppression(db, 'person2@store2.example')).toMatchObject({ reason: 'complained' });
    expect(findSuppression(db, 'fbl@isp.example')).toBeNull();
    expect(enrollment(2).status).toBe('stopped');
  });
});

describe('threading and de-duplication', () => {
  it('a colleague at the same domain, without In-Reply-To, still belongs to the lead', async () => {
    await importMail(db, eml('col.eml', { From: 'Boss <boss@store1.example>', Subject: 'Re: Quick question', 'Message-ID': '<boss@store1.example>' }, 'My colleague forwarded this - we are interested, what does it cost?'), base);
    expect(db.sqlite.prepare(`SELECT lead_id, outbound_id FROM inbound WHERE message_id = 'boss@store1.example'`).get()).toEqual({ lead_id: 1, outbound_id: 1 });
    expect(enrollment(1).status).toBe('stopped');
  });

  it('our own sent copies and mail from our mailboxes are never replies', async () => {
    const own = eml('own.eml', { From: 'Sam <sam@acme.test>', Subject: 'Quick question', 'Message-ID': '<out-1@acme.test>' }, 'Hi there, unsubscribe here');
    const fromUs = eml('own2.eml', { From: 'Sam <SAM@acme.test>', Subject: 'note', 'Message-ID': '<note@acme.test>' }, 'Please remove me');
    const s = await importMail(db, own, base);
    await importMail(db, fromUs, base);
    expect(s.own).toBe(1);
    expect((db.sqlite.prepare('SELECT COUNT(*) AS n FROM inbound').get() as { n: number }).n).toBe(0);
    expect(enrollment(1).status).toBe('active');
  });

  it('mail from our own sender address (settings sender.email), even in a lead\'s thread, is never a reply', async () => {
    const op = eml('operator.eml', { From: 'Ana Lima <Ana.Lima@Acme-HQ.test>', Cc: 'sam@acme.test', Subject: 'Re: Quick question', 'Message-ID': '<op1@acme-hq.test>', 'In-Reply-To': '<out-1@acme.test>' },
      'Happy to unsubscribe you from our list if you prefer, just say so.');
    const s = await importMail(db, op, { ...base, ownAddresses: ['ana.lima@acme-hq.test'] });
    expect(s).toMatchObject({ own: 1, stored: 0 });
    expect(findSuppression(db, 'ana.lima@acme-hq.test')).toBeNull();
    expect(findSuppression(db, 'person1@store1.example')).toBeNull();
    expect(enrollment(1).status).toBe('active');
    // without it, the same mail is taken for the lead's stop request (what the option prevents)
    expect((await importMail(db, op, base)).byLabel).toEqual({ UNSUBSCRIBE: 1 });
  });

  it('the same message imported twice is stored once and acts once', async () => {
    const p = reply(2, 'Please remove me from your list.', {}, 'dup');
    const a = await importMail(db, p, base);
    const b = await importMail(db, p, base);
    expect([a.stored, b.stored, b.duplicates]).toEqual([1, 0, 1]);
    expect((db.sqlite.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'unsubscribed'`).get() as { n: number }).n).toBe(1);
  });

  it('hostile mail is stored with its problem, never stops the run', async () => {
    const s = await importMail(db, join(import.meta.dirname, '../fixtures/inbox/hostile'), base);
    expect(s.errors).toEqual([]);
    expect(s.stored).toBeGreaterThanOrEqual(10);
    const problems = db.sqlite.prepare(`SELECT problem FROM inbound WHERE problem IS NOT NULL`).all() as { problem: string }[];
    expect(problems.length).toBeGreaterThanOrEqual(7);
    // The prompt-injection reply threads to lead 1 and changes only its own label.
    expect(db.sqlite.prepare(`SELECT label, lead_id FROM inbound WHERE message_id = 'inject-prompt@store1.example'`).get()).toEqual({ label: 'COLD', lead_id: 1 });
    expect((db.sqlite.prepare(`SELECT COUNT(*) AS n FROM enrollments WHERE status = 'active'`).get() as { n: number }).n).toBe(5);
  });

  it('a message with no Message-ID stored by an earlier version (id from its raw bytes) is not stored twice', async () => {
    const path = eml('noid.eml', { From: 'Person 1 <person1@store1.example>', Subject: 'Re: Quick question' }, 'Sounds good, call me.');
    expect((await importMail(db, path, base)).stored).toBe(1);
    // what versions before 2026-11-28 stored: sha256 of the bytes as they came (here CRLF, trailing CRLF kept)
    const legacy = 'sha256:' + createHash('sha256').update(readFileSync(path)).digest('hex');
    db.sqlite.prepare(`UPDATE inbound SET message_id = ?`).run(legacy);
    const again = await importMail(db, path, base);
    expect(again).toMatchObject({ stored: 0, duplicates: 1 });
    expect(db.sqlite.prepare('SELECT message_id FROM inbound').all()).toEqual([{ message_id: legacy }]);
  });

  it('baseSubject strips reply prefixes in several languages', () => {
    expect(baseSubject('Re: AW: Fwd: [EXT] Quick question')).toBe('quick question');
    expect(baseSubject('RE[2]: Quick  question')).toBe('quick question');
  });
});

describe('with a model (fake Claude API, real SDK)', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(() => fake.close());

  it('classifies intent with the model and records the spend; automatic mail never reaches it', async () => {
    fake.reset();
    fake.setResponder((req) => (req.tool === 'classify_reply' ? { toolInput: { label: 'WARM', confidence: 0.91, reason: 'asks for a call' } } : { error: { status: 400 } }));
    const classifier = createModelAdapter({ provider: 'anthropic', apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
    await importMail(db, reply(1, 'Can we talk tomorrow?\n\nOn Mon, Mar 2, 2026 Sam <sam@acme.test> wrote:\n> secret footer text'), { ...base, classifier });
    await importMail(db, reply(2, 'Out of office until 9 March.', { 'Auto-Submitted': 'auto-replied', Subject: 'Out of Office' }), { ...base, classifier });
    expect(db.sqlite.prepare(`SELECT label, classifier, confidence FROM inbound WHERE lead_id = 1`).get()).toEqual({ label: 'WARM', classifier: 'anthropic', confidence: 0.91 });
    const spend = db.sqlite.prepare(`SELECT purpose, provider, input_tokens > 0 AS used FROM spend`).all();
    expect(spend).toEqual([{ purpose: 'classify', provider: 'anthropic', used: 1 }]);
    expect(fake.requests).toHaveLength(1);
    // Only what the person wrote is sent, never the quoted original.
    expect(fake.requests[0]!.userText).toContain('Can we talk tomorrow?');
    expect(fake.requests[0]!.userText).not.toContain('secret footer text');
  });

  it('a model failure falls back to the offline classifier and says so', async () => {
    fake.reset();
    fake.setResponder(() => ({ error: { status: 500, type: 'api_error', message: 'boom' } }));
    const classifier = createModelAdapter({ provider: 'anthropic', apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
    await importMail(db, reply(3, 'Not interested, thanks.'), { ...base, classifier });
    const row = db.sqlite.prepare(`SELECT label, classifier, problem FROM inbound WHERE lead_id = 3`).get() as { label: string; classifier: string; problem: string };
    expect(row.label).toBe('COLD');
    expect(row.classifier).toBe('offline');
    expect(row.problem).toMatch(/model classification failed/);
  });
});

describe('lock and notifications', () => {
  it('a second sync while the lock is held returns at once; a dead holder is taken over', async () => {
    const other = process.ppid; // alive, and not us
    db.sqlite.prepare(`INSERT INTO locks (name, holder, pid, expires_at) VALUES (?, ?, ?, ?)`).run(SYNC_LOCK, `${hostname()}:${other}`, other, '2999-01-01T00:00:00Z');
    const s = await syncInbox(db, [], base);
    expect(s.locked?.pid).toBe(other);
    // while the running sync holds the write lock (a batch being committed), the holder is seen by a plain read,
    // without waiting for the write lock (a connection that waits only 100 ms would fail with SQLITE_BUSY)
    const impatient = openDb(join(tmp.dir, 'o.db'), { busyTimeoutMs: 100 });
    db.sqlite.exec('BEGIN IMMEDIATE');
    try {
      expect(acquireLock(impatient, SYNC_LOCK)).toMatchObject({ ok: false, holder: { pid: other } });
    } finally {
      db.sqlite.exec('COMMIT');
      impatient.close();
    }
    db.sqlite.prepare(`UPDATE locks SET pid = 999999, holder = ?`).run(`${hostname()}:999999`);
    expect(acquireLock(db, SYNC_LOCK)).toEqual({ ok: true });
    releaseLock(db, SYNC_LOCK);
    expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM locks').get()).toEqual({ n: 0 });
  });

  let hook: HttpHandle;
  const posts: any[] = [];
  beforeAll(async () => {
    hook = await startHttp(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      posts.push(JSON.parse(body));
      res.end('ok');
    });
  });
  afterAll(() => hook.close());

  it('a WARM reply is posted to the webhook (Slack-compatible text) and run through the command', async () => {
    const out = join(tmp.dir, 'notified.json');
    const notifier = createNotifier({ webhookUrl: hook.url, command: `cat > ${JSON.stringify(out)}` });
    const s = await importMail(db, reply(1, 'Yes! Send me pricing and a few times for a call.'), { ...base, notifier });
    expect(s.notified).toBe(1);
    expect(posts.at(-1).text).toMatch(/WARM reply from person1@store1.example/);
    expect(posts.at(-1).reply).toMatchObject({ label: 'WARM', leadDomain: 'store1.example' });
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ label: 'WARM', from: 'person1@store1.example' });
  });

  it('a failing webhook is reported, the reply is stored, and its notification is tried again on the next run', async () => {
    const down = createNotifier({ webhookUrl: 'http://127.0.0.1:9/nothing' });
    const s = await importMail(db, reply(1, 'Interested, call me.', {}, 'warm-retry'), { ...base, notifier: down });
    expect(s).toMatchObject({ stored: 1, notified: 0 });
    expect(s.notifyErrors[0]).toMatch(/webhook/);
    const state = () => db.sqlite.prepare(`SELECT notified_at, notify_error FROM inbound WHERE message_id = 'warm-retry@store1.example'`).get() as { notified_at: string | null; notify_error: string | null };
    expect(state()).toMatchObject({ notified_at: null, notify_error: expect.stringMatching(/webhook/) });
    // Still down on the next run (nothing new in it): tried again, still failing, still reported.
    const again = await importMail(db, reply(2, 'Not interested, thanks.'), { ...base, notifier: down });
    expect(again.notifyErrors).toEqual([expect.stringMatching(/^person1@store1\.example \(an earlier reply, tried again\): .*webhook/)]);
    // The webhook is back: the earlier reply is posted once, and never again.
    const before = posts.length;
    const up = createNotifier({ webhookUrl: hook.url });
    const third = await importMail(db, reply(3, 'No thanks.'), { ...base, notifier: up });
    expect(third).toMatchObject({ notified: 1, notifyErrors: [] });
    expect(posts.slice(before).map((p) => p.reply.messageId)).toEqual(['warm-retry@store1.example']);
    expect(state()).toMatchObject({ notified_at: expect.any(String), notify_error: null });
    expect((await importMail(db, reply(4, 'No thanks.'), { ...base, notifier: up })).notified).toBe(0);
  });
});
