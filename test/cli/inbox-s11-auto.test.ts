// review-s11-issue9 findings 1, 4, 7 and 10 as a user meets them: `outreach inbox import` of .eml files (the built
// CLI in a subprocess, a real SQLite file seeded with leads, enrollments and sent messages).
// - #1: Apple Mail's "Unsubscribe" banner (X-Apple-Unsubscribe, Auto-Submitted: auto-replied, Subject
//   "unsubscribe", sent to the mailto of our List-Unsubscribe), Outlook.com's automated unsubscribe and an
//   auto-generated "take this address off your mailing list" are requests to stop: suppressed, sequence stopped.
//   A real out-of-office with an unsubscribe footer of its own stays an out-of-office (nothing suppressed).
// - #4: a reply that quotes our message and says "estou de férias, falamos em janeiro" is a human reply: the
//   sequence is stopped (not paused, not left running).
// - #7: "je ne travaille plus chez S6" (first person, French) marks the address as gone (left_company).
// - #10: "ab dem 1.12. für drei Wochen im Urlaub" returns three weeks later, not on the first day of the absence.
// - #8: a Hotmail complaint report (JMRP) whose original is an inline message/rfc822 part suppresses the recipient.
// - review-s11-classifier-fp H1: a shop's help-desk ack ("Please do not email us again about the same order") is an
//   automatic reply, not a request to stop: nothing suppressed, nothing stopped.
// - H3: a colleague's "please remove boss@… from your list, she left; send me the example" (or "remove her … send
//   everything to me instead") suppresses the address named (or mailed), never the writer, and the lead is not
//   marked unsubscribed: the writer's intent (WARM) decides the rest.
// - H8: "Ich arbeite seit Oktober nicht mehr in Vollzeit" is an out-of-office, not a departure: nothing suppressed.
// - M1: a threaded out-of-office that quotes us, without any header, pauses until the return date (not a stop).
// Fixtures: test/fixtures/inbox/auto-s11.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { resolve } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { importIntoSeeded } from '../helpers/inbox-seed.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/inbox/auto-s11');
const LEADS = 14;


describe('inbox import: automated unsubscribes, holiday mentions in replies, departures, absence lengths (review s11 #1, #4, #7, #10)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let d: Database;
  const suppression = (value: string) => d.prepare(`SELECT reason FROM suppressions WHERE value = ?`).get(value) as { reason: string } | undefined;
  const enrollment = (n: number) => d.prepare(`SELECT status, stop_reason FROM enrollments WHERE lead_id = ?`).get(n) as { status: string; stop_reason: string | null };
  const inbound = (id: string) => d.prepare(`SELECT label, return_date, lead_id FROM inbound WHERE message_id LIKE ?`).get(`${id}@%`);

  beforeAll(async () => {
    let result: unknown;
    ({ tmp, db: d, result } = await importIntoSeeded(FIXTURES, LEADS, 'outreach-cli-inbox-s11-auto-'));
    expect(result).toMatchObject({ stored: 13 });
  });
  afterAll(() => {
    d?.close();
    tmp.cleanup();
  });

  it("#1: Apple Mail's unsubscribe (Auto-Submitted: auto-replied, X-Apple-Unsubscribe) suppresses the address and stops the sequence", () => {
    expect(inbound('apple-unsub-1')).toEqual({ label: 'UNSUBSCRIBE', return_date: null, lead_id: 1 });
    expect(suppression('boss@s1.example')).toEqual({ reason: 'unsubscribed' });
    expect(enrollment(1)).toEqual({ status: 'stopped', stop_reason: 'unsubscribed' });
  });

  it('#1: an auto-generated request to stop and an automated "unsubscribe" from Outlook.com are requests to stop too', () => {
    expect(inbound('autogen-unsub-2')).toMatchObject({ label: 'UNSUBSCRIBE', lead_id: 2 });
    expect(suppression('boss@s2.example')).toEqual({ reason: 'unsubscribed' });
    expect(enrollment(2)).toEqual({ status: 'stopped', stop_reason: 'unsubscribed' });
    expect(inbound('outlook-unsub-3')).toMatchObject({ label: 'UNSUBSCRIBE', lead_id: 3 });
    expect(suppression('boss@s3.example')).toEqual({ reason: 'unsubscribed' });
    expect(enrollment(3)).toEqual({ status: 'stopped', stop_reason: 'unsubscribed' });
  });

  it('#1: an out-of-office with an unsubscribe footer of its own stays an out-of-office: nothing suppressed, not stopped', () => {
    expect(inbound('ooo-footer-4')).toEqual({ label: 'AUTO_REPLY', return_date: '2026-12-14', lead_id: 4 });
    expect(suppression('boss@s4.example')).toBeUndefined();
    expect(enrollment(4).status).not.toBe('stopped');
  });

  it('#4: a quoted reply that mentions a holiday is a human reply: the sequence stops, no pause', () => {
    expect(inbound('holiday-human-5')).toEqual({ label: 'NEUTRAL', return_date: null, lead_id: 5 });
    expect(enrollment(5)).toEqual({ status: 'stopped', stop_reason: 'replied' });
    expect(suppression('boss@s5.example')).toBeUndefined();
  });

  it('#7: "je ne travaille plus chez S6" marks the address as gone', () => {
    expect(inbound('departed-6')).toMatchObject({ label: 'AUTO_REPLY', lead_id: 6 });
    expect(suppression('boss@s6.example')).toEqual({ reason: 'left_company' });
    expect(enrollment(6)).toEqual({ status: 'stopped', stop_reason: 'left_company' });
  });

  it('#10: "ab dem 1.12. für drei Wochen im Urlaub" returns at the end of the three weeks, not on Dec 1', () => {
    expect(inbound('ooo-start-7')).toEqual({ label: 'AUTO_REPLY', return_date: '2026-12-22', lead_id: 7 });
    expect(suppression('boss@s7.example')).toBeUndefined();
  });

  it('#8: a Hotmail complaint report with the original inline (message/rfc822, Content-Disposition: inline) suppresses its recipient', () => {
    expect(inbound('jmrp-inline-9')).toMatchObject({ label: 'UNSUBSCRIBE', lead_id: 9 });
    expect(suppression('boss@s9.example')).toEqual({ reason: 'complained' });
    expect(enrollment(9)).toMatchObject({ status: 'stopped' });
  });

  const leadStage = (n: number) => (d.prepare(`SELECT stage FROM leads WHERE id = ?`).get(n) as { stage: string }).stage;
  const enrollmentFull = (n: number) => d.prepare(`SELECT status, stop_reason, paused_until FROM enrollments WHERE lead_id = ?`).get(n) as { status: string; stop_reason: string | null; paused_until: string | null };

  it("fp H1: a help desk's \"please do not email us again about the same order\" is an automatic reply: nothing suppressed or stopped", () => {
    expect(inbound('helpdesk-ack-10')).toMatchObject({ label: 'AUTO_REPLY', lead_id: 10 });
    expect(suppression('boss@s10.example')).toBeUndefined();
    expect(enrollment(10).status).not.toBe('stopped');
    expect(leadStage(10)).not.toBe('unsubscribed');
  });

  it('fp H3: "please remove boss@… from your list, she left; send me the example" suppresses the named address, not the writer nor the lead', () => {
    expect(inbound('handover-11')).toMatchObject({ label: 'WARM', lead_id: 11 });
    expect(suppression('boss@s11.example')).toEqual({ reason: 'unsubscribed' });
    expect(suppression('kim@s11.example')).toBeUndefined();
    expect(suppression('s11.example')).toBeUndefined();
    expect(leadStage(11)).not.toBe('unsubscribed');
  });

  it('fp H3: "remove her from your list and send everything to me instead" suppresses the address we mailed, not the writer', () => {
    expect(inbound('handover-12')).toMatchObject({ label: 'WARM', lead_id: 12 });
    expect(suppression('boss@s12.example')).toEqual({ reason: 'unsubscribed' });
    expect(suppression('kim@s12.example')).toBeUndefined();
    expect(leadStage(12)).not.toBe('unsubscribed');
  });

  it('fp H8: "nicht mehr in Vollzeit" in an out-of-office is no departure: nothing suppressed, not stopped', () => {
    expect(inbound('parttime-13')).toMatchObject({ label: 'AUTO_REPLY', lead_id: 13 });
    expect(suppression('boss@s13.example')).toBeUndefined();
    expect(enrollment(13).status).not.toBe('stopped');
  });

  it('fp M1: a threaded out-of-office that quotes us, without any header, pauses until the return date', () => {
    expect(inbound('ooo-quoted-14')).toEqual({ label: 'AUTO_REPLY', return_date: '2027-01-04', lead_id: 14 });
    expect(enrollmentFull(14)).toMatchObject({ status: 'paused', stop_reason: 'out_of_office' });
    expect(enrollmentFull(14).paused_until?.slice(0, 10)).toBe('2027-01-05');
  });

  it('leaves the other leads alone', () => {
    expect(enrollment(8)).toEqual({ status: 'active', stop_reason: null });
  });
});
