// review-s11-issue9 findings 2 and 9 as a user meets them: `outreach inbox import` of bounces (the built CLI in a
// subprocess, a real SQLite file seeded with leads, enrollments and sent messages).
// - #2: a delivery-status report with several recipients judges the address we mailed by its own block: delayed →
//   nothing suppressed (a delay is only recorded), relayed/expanded → nothing at all, failed 4.x.x → soft (sent
//   again), failed 5.x.x → hard. Another recipient's failure never suppresses our address, and an address we never
//   mailed is not suppressed for it either; the forward rule (no block of ours) is unchanged. Also when the original
//   is not attached and the report is threaded by In-Reply-To (the import analyzes on a worker thread).
// - #9: Exchange/Outlook NDR texts in German and French ("Die E-Mail-Adresse wurde nicht gefunden", "Adresse
//   introuvable") are hard bounces; "Das Postfach des Empfängers ist voll" stays soft.
// Fixtures: test/fixtures/inbox/bounce-s11 (DSNs built like the appendix of the review).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { resolve } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { importIntoSeeded } from '../helpers/inbox-seed.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/inbox/bounce-s11');
const LEADS = 10;


describe('inbox import: multi-recipient delivery reports and localized Exchange NDRs (review s11 #2, #9)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let d: Database;
  const suppressed = () => (d.prepare(`SELECT value FROM suppressions ORDER BY value`).all() as { value: string }[]).map((r) => r.value);
  const enrollment = (n: number) => d.prepare(`SELECT status, stop_reason FROM enrollments WHERE lead_id = ?`).get(n);
  const stage = (n: number) => (d.prepare(`SELECT stage FROM leads WHERE id = ?`).get(n) as { stage: string }).stage;
  const message = (n: number) => (d.prepare(`SELECT state FROM messages WHERE lead_id = ?`).get(n) as { state: string }).state;
  const inbound = (file: string) => d.prepare(`SELECT label, bounce_type, lead_id FROM inbound WHERE message_id LIKE ?`).get(`${file}@%`);

  beforeAll(async () => {
    let result: unknown;
    ({ tmp, db: d, result } = await importIntoSeeded(FIXTURES, LEADS, 'outreach-cli-inbox-s11-bounce-'));
    expect(result).toMatchObject({ stored: 10 });
  });
  afterAll(() => {
    d?.close();
    tmp.cleanup();
  });

  it('suppresses exactly the addresses that failed for us (and the documented forward), nothing else', () => {
    expect(suppressed()).toEqual(['boss.home@gmail.example', 'boss@s3.example', 'boss@s4.example', 'boss@s6.example', 'boss@s7.example']);
  });

  it('#2: our address delayed while another recipient failed: nothing suppressed, the sequence goes on, the delay is recorded', () => {
    expect(enrollment(1)).toEqual({ status: 'active', stop_reason: null });
    expect(stage(1)).toBe('contacted');
    expect(message(1)).toBe('sent');
    expect(inbound('multi-delayed-1.eml')).toEqual({ label: 'BOUNCE', bounce_type: 'soft', lead_id: 1 });
    const ev = d.prepare(`SELECT json_extract(data, '$.email') AS email, json_extract(data, '$.delayed') AS delayed FROM events WHERE type = 'bounced' AND lead_id = 1`).all();
    expect(ev).toEqual([{ email: 'boss@s1.example', delayed: 1 }]);
  });

  it('#2: our address relayed (or expanded) while another failed: no effect at all for it', () => {
    for (const n of [2, 9]) {
      expect(enrollment(n)).toEqual({ status: 'active', stop_reason: null });
      expect(stage(n)).toBe('contacted');
      expect(message(n)).toBe('sent');
      expect(d.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'bounced' AND lead_id = ?`).get(n)).toEqual({ n: 0 });
    }
  });

  it('#2: our own block failed 5.1.1 while another was only delayed: ours is hard, the lead bounced', () => {
    expect(inbound('multi-failed-3.eml')).toEqual({ label: 'BOUNCE', bounce_type: 'hard', lead_id: 3 });
    expect(enrollment(3)).toEqual({ status: 'stopped', stop_reason: 'bounced' });
    expect(stage(3)).toBe('bounced');
  });

  it('a forward (no block of the address we mailed): the address we mailed bounces too, as documented', () => {
    expect(enrollment(4)).toEqual({ status: 'stopped', stop_reason: 'bounced' });
    expect(stage(4)).toBe('bounced');
  });

  it('#2: our own block failed 4.2.2 (mailbox full) while another failed 5.1.1: a soft bounce, sent again', () => {
    expect(inbound('multi-soft-5.eml')).toEqual({ label: 'BOUNCE', bounce_type: 'soft', lead_id: 5 });
    expect(enrollment(5)).toEqual({ status: 'active', stop_reason: null });
    expect(stage(5)).toBe('contacted');
    expect(message(5)).toBe('deferred');
  });

  it('#2: no original attached, threaded by In-Reply-To: our delayed block still decides (worker-thread import)', () => {
    expect(inbound('inreplyto-delayed-10.eml')).toMatchObject({ label: 'BOUNCE', lead_id: 10 });
    expect(enrollment(10)).toEqual({ status: 'active', stop_reason: null });
    expect(stage(10)).toBe('contacted');
    expect(message(10)).toBe('sent');
  });

  it('#9: German and French Exchange "address not found" NDRs are hard; a German "mailbox full" stays soft', () => {
    for (const [file, n] of [['exchange-de-6.eml', 6], ['exchange-fr-7.eml', 7]] as const) {
      expect(inbound(file)).toEqual({ label: 'BOUNCE', bounce_type: 'hard', lead_id: n });
      expect(enrollment(n)).toEqual({ status: 'stopped', stop_reason: 'bounced' });
      expect(stage(n)).toBe('bounced');
    }
    expect(inbound('exchange-de-full-8.eml')).toEqual({ label: 'BOUNCE', bounce_type: 'soft', lead_id: 8 });
    expect(enrollment(8)).toEqual({ status: 'active', stop_reason: null });
    expect(message(8)).toBe('deferred');
    expect(stage(8)).toBe('contacted');
  });
});
