// Regressions from the session-11 review of issue 9 (review-s11-issue9.md), automatic mail:
// #1 a request to stop sent by a mail client or a machine (Apple Mail's Unsubscribe banner with
//    `X-Apple-Unsubscribe: true` and `Auto-Submitted: auto-replied`, Outlook.com's "automated unsubscribe request"
//    with the Subject of our List-Unsubscribe mailto, an auto-generated "please remove us from your list") was
//    AUTO_REPLY; it is UNSUBSCRIBE, bounces still first, and an out-of-office with an unsubscribe footer of its own
//    stays AUTO_REPLY.
// #4 a reply that quotes ours (In-Reply-To, attribution line, no RFC 3834 header) and mentions a holiday was
//    AUTO_REPLY; it is a human reply read for intent. A plain text-only notice stays AUTO_REPLY.
// #7 "I have left the company" notices in first person and in de/fr/es/it/nl/pt set `departed`.
// #10 "ab dem 1.12. für drei Wochen" gave the first day of the absence as the return date.
// The sentences below are paraphrases, not the review's own lines (those are in the CLI test and its fixtures).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { classifyMail, extractReturnDate, type MailInput } from '../../src/domain/classify/index.js';
import { parseMessage } from '../../src/stages/inbox/parse.js';

const REF = new Date('2026-11-30T10:00:00Z');
const QUOTE =
  '\n\nOn Wed, 25 Nov 2026 at 09:00, Ana Lima <ana@lima-studio.example> wrote:\n> Hi there,\n>\n> Would it be useful if I sent over a short example?\n>\n> Ana\n> Not interested? Unsubscribe: https://u.lima.example/u/abc123\n';

function mail(text: string, headers: Record<string, string> = {}, subject = 'Re: Quick question'): MailInput {
  const h: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = [v];
  return { headers: h, subject, from: 'owner@store.example', contentType: 'text/plain; charset=utf-8', date: REF, text };
}
const AUTO = { 'Auto-Submitted': 'auto-replied' };
const GENERATED = { 'Auto-Submitted': 'auto-generated' };
const THREAD = { 'In-Reply-To': '<out-2@lima-studio.example>', References: '<out-2@lima-studio.example>' };

describe('#1: requests to stop sent by a mail client or a machine are UNSUBSCRIBE', () => {
  it('Apple Mail: X-Apple-Unsubscribe wins over Auto-Submitted, whatever the subject', () => {
    for (const subject of ['unsubscribe', 'Quick question about S9', 'Re: Quick question']) {
      const c = classifyMail(mail('Apple Mail sent this email to unsubscribe from the message “Quick question about S9”.', { ...AUTO, 'X-Apple-Unsubscribe': 'true' }, subject));
      expect(c.label, subject).toBe('UNSUBSCRIBE');
      expect(c.reason).toMatch(/Apple Mail/);
    }
  });

  it("the Subject of our List-Unsubscribe mailto (`?subject=unsubscribe`), with or without a header or body", () => {
    for (const [body, headers] of [
      ['', GENERATED],
      ['This request was generated automatically by the mail app.', AUTO],
      ['Sent by the unsubscribe button of Yahoo Mail.', {}],
    ] as const) {
      expect(classifyMail(mail(body, headers, ' Unsubscribe ')).label, body).toBe('UNSUBSCRIBE');
    }
  });

  it.each([
    ['Kindly delete this address from your distribution list.'],
    ["We don't wish to receive sales emails. Remove us from your database."],
    ['Bitte entfernen Sie uns aus Ihrem Verteiler.'],
    ['Merci de nous retirer de votre liste de diffusion.'],
  ])('an auto-generated message that asks to stop: %s', (text) => {
    const c = classifyMail(mail(text, GENERATED));
    expect(c.label).toBe('UNSUBSCRIBE');
    expect(c.reason).toMatch(/automated request/);
  });

  it.each([
    ["I'm on annual leave until 10 December. To stop receiving our newsletter, unsubscribe here: https://s.example/u", '2026-12-10'],
    ['Je suis absente jusqu’au 7 décembre.\n\nSe désinscrire de notre lettre : https://s.example/u', '2026-12-07'],
    ['Ich bin bis zum 9.12. nicht im Büro.\n\nNewsletter abbestellen', '2026-12-09'],
  ])('an out-of-office with an unsubscribe footer of its own stays AUTO_REPLY: %s', (text, date) => {
    const c = classifyMail(mail(text, AUTO, 'Automatic reply: Quick question'));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe(date);
  });

  it('an automatic acknowledgement with a link to unsubscribe from its notifications stays AUTO_REPLY', () => {
    const c = classifyMail(mail('Thank you for contacting us, we have received your request and will reply within 24 hours.\n\nUnsubscribe from these notifications: https://help.s.example/unsub', AUTO));
    expect(c.label).toBe('AUTO_REPLY');
  });

  it('bounces still come first: a delivery report for an "unsubscribe" message is a BOUNCE', async () => {
    const raw = [
      'From: MAILER-DAEMON@mx.store.example (Mail Delivery System)',
      'To: ana@lima-studio.example',
      'Subject: Undelivered Mail Returned to Sender',
      'Date: Mon, 30 Nov 2026 10:00:00 +0000',
      'Message-ID: <bounce-unsub@mx.store.example>',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.store.example',
      '',
      'Final-Recipient: rfc822; gone@store.example',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
      '',
      '--B',
      'Content-Type: message/rfc822',
      '',
      'From: ana@lima-studio.example',
      'To: gone@store.example',
      'Subject: unsubscribe',
      'X-Apple-Unsubscribe: true',
      '',
      'Apple Mail sent this email to unsubscribe.',
      '',
      '--B--',
      '',
    ].join('\r\n');
    const c = classifyMail((await parseMessage(Buffer.from(raw))).input);
    expect(c.label).toBe('BOUNCE');
    expect(c.bounceType).toBe('hard');
  });

  it("Sisimai's maildir/bsd/arf-26.eml (Apple Mail) is UNSUBSCRIBE when the corpus is there", async () => {
    const f = resolve(import.meta.dirname, '../../../shared/corpora/sisimai-set-of-emails/maildir/bsd/arf-26.eml');
    let buf: Buffer;
    try {
      buf = readFileSync(f);
    } catch {
      return;
    }
    expect(classifyMail((await parseMessage(buf)).input).label).toBe('UNSUBSCRIBE');
  });
});

describe('#4: a quoted reply that mentions a holiday is a human reply', () => {
  it.each([
    ['Back from holiday on Monday - yes, happy to see the example.'],
    ['Ich bin gerade im Urlaub, aber schicken Sie mir gern das Beispiel.'],
    ["Je suis en vacances jusqu'à lundi, mais envoyez-moi l'exemple, ça m'intéresse."],
    ['Sono in vacanza fino a lunedì, ne riparliamo dopo.'],
    ['Ik ben met vakantie, laten we het in januari bespreken.'],
    ['Estou de férias até segunda, depois vemos isso.'],
  ])('%s', (text) => {
    const c = classifyMail(mail(text + QUOTE, THREAD));
    expect(['WARM', 'NEUTRAL', 'COLD']).toContain(c.label);
  });

  it.each([['I am away on holiday until Monday. Yes, please send the example over.'], ['On vacation this week, but yes, send me the example.']])('a yes with a holiday is WARM: %s', (text) => {
    expect(classifyMail(mail(text + QUOTE, THREAD)).label).toBe('WARM');
  });

  it('below the quote (bottom-posted) too', () => {
    const c = classifyMail(mail(QUOTE.trimStart() + '\nEstoy de vacaciones, lo vemos en enero.\n', THREAD));
    expect(['WARM', 'NEUTRAL', 'COLD']).toContain(c.label);
  });

  it('a text-only notice without a quote stays AUTO_REPLY with its date', () => {
    const c = classifyMail(mail('I am away from the office until 4 December and will answer your message on my return.'));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe('2026-12-04');
  });

  it("a threaded notice that quotes the original but reads as boilerplate stays AUTO_REPLY", () => {
    const c = classifyMail(mail('Thank you for your email. I am on annual leave until 7 December with limited access to email. For urgent matters please contact jo@store.example.' + QUOTE, THREAD));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe('2026-12-07');
  });

  it('with an RFC 3834 header the same words stay AUTO_REPLY', () => {
    expect(classifyMail(mail('Estou de férias até 7 de dezembro.' + QUOTE, { ...THREAD, ...AUTO })).label).toBe('AUTO_REPLY');
  });
});

describe('#7: departures in the first person and in every language set `departed`', () => {
  it.each([
    ['I have left the company. Please contact sales@store.example.'],
    ['Il ne travaille plus pour notre société.'],
    ['Ich bin nicht mehr für die Firma tätig.'],
    ['Ich habe das Unternehmen verlassen.'],
    ['Já não trabalho na Store.'],
    ['Ya no formo parte del equipo de Store.'],
    ['Non faccio più parte di Store.'],
    ['Ik werk niet meer bij Store.'],
  ])('%s', (text) => {
    const c = classifyMail(mail(text, AUTO, 'Automatic reply'));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.departed).toBe(true);
  });

  it.each([
    ['Je ne travaille pas le vendredi, je vous réponds lundi.'],
    ['Non lavoro il venerdì, rispondo lunedì.'],
    ['Ich arbeite montags nicht im Büro.'],
    ['Merci, mais je ne travaille plus avec des agences.'],
    ['Ya no trabajo con agencias externas.'],
    ['Não trabalho mais com fornecedores novos.'],
  ])('not a departure: %s', (text) => {
    expect(classifyMail(mail(text, AUTO, 'Automatic reply')).departed).toBeUndefined();
  });
});

describe('#10: a start date with a length returns at its end, a start date alone is no return date', () => {
  it.each([
    ["I'm away from 2 December for three weeks.", '2026-12-23'],
    ['From December 1st I am on leave for 2 weeks.', '2026-12-15'],
    ['I will be travelling for two weeks starting 1 December.', '2026-12-15'],
    ['Ab 2.12. bin ich für 10 Tage im Urlaub.', '2026-12-12'],
    ['A partir du 1er décembre, je serai absent pendant deux semaines.', '2026-12-15'],
    ['Desde el 1 de diciembre estaré fuera durante tres semanas.', '2026-12-22'],
    ['Dal 2 dicembre sarò in ferie per due settimane.', '2026-12-16'],
    ['A partir de 2 de dezembro estarei de férias por uma semana.', '2026-12-09'],
  ])('%s → %s', (text, date) => {
    expect(extractReturnDate(text, REF)).toBe(date);
  });

  it.each([['On holiday from 1 December.'], ['Ab dem 2.12. bin ich im Urlaub.'], ['Vanaf 1 december ben ik afwezig.']])('no return date from the first day alone: %s', (text) => {
    expect(extractReturnDate(text, REF)).toBeNull();
  });

  it.each([
    ['Available again from 3 December.', '2026-12-03'],
    ['Ab dem 7.1. bin ich wieder erreichbar.', '2027-01-07'],
    ['Out of the office from 1 to 12 December.', '2026-12-12'],
    ['Je suis absent du 1er au 12 décembre.', '2026-12-12'],
  ])('a return "from" and ranges are unchanged: %s', (text, date) => {
    expect(extractReturnDate(text, REF)).toBe(date);
  });
});
