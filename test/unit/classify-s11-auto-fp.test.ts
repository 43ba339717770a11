// False positives of the offline classifier in the costly direction (review-s11-classifier-fp.md), automatic mail
// and handovers:
// H1  a shop's help-desk acknowledgement that asks not to write twice, not to use another channel or not to write
//     to an unmonitored box is AUTO_REPLY, not UNSUBSCRIBE; a machine's clear request to leave a list still counts.
// H3  "please remove anna@… / her / my old address from your list, send it to me instead" is a handover: the label
//     is the writer's intent and `targets` names the addresses to remove (none named: the address we mailed).
// H8  an out-of-office about working hours, a team, an office or someone else is not `departed`.
// M1  a threaded out-of-office that quotes us, with no header and nothing but away wording, stays AUTO_REPLY.
// M2  an unquoted reply that mentions a holiday and asks us for something is a human reply.
// LOW "fermée le lundi" (closed on Mondays) is no return date.
// The sentences are paraphrases of the review's, in several languages.
import { describe, it, expect } from 'vitest';
import { classifyMail, extractReturnDate, type MailInput } from '../../src/domain/classify/index.js';

const REF = new Date('2026-11-30T10:00:00Z');
const QUOTE =
  '\n\nOn Wed, 25 Nov 2026 at 09:00, Ana Lima <ana@lima-studio.example> wrote:\n> Hi there,\n>\n> Would it be useful if I sent over a short example?\n>\n> Ana\n> Not interested? Unsubscribe: https://u.lima.example/u/abc123\n';
const AUTO = { 'Auto-Submitted': 'auto-replied' };
const XAUTO = { 'X-Autoreply': 'yes' };
const THREAD = { 'In-Reply-To': '<out-2@lima-studio.example>', References: '<out-2@lima-studio.example>' };

function mail(text: string, headers: Record<string, string> = {}, subject = 'Re: Quick question', from = 'owner@store.example'): MailInput {
  const h: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = [v];
  return { headers: h, subject, from, contentType: 'text/plain; charset=utf-8', date: REF, text };
}

describe('H1: help-desk acknowledgements are automatic replies, not requests to stop', () => {
  it.each([
    [AUTO, 'Thanks for contacting Teapot Ltd. We have received your message and will answer within 3 business days. Please do not email us again about the same order: it only slows us down.'],
    [{ ...THREAD }, "Thank you for contacting us. We received your message and will reply within 24 hours. Please don't email us again about the same request." + QUOTE],
    [{}, 'This inbox is not monitored. Please do not contact us here, write to hello@teapot.example instead.'],
    [AUTO, "Thanks for your email. Our opening hours are Mon-Fri 9-17. Please don't contact us via Facebook about orders, only by email."],
    [AUTO, 'Danke für Ihre Nachricht. Wir antworten innerhalb von 24 Stunden. Bitte senden Sie uns keine weiteren E-Mails zu diesem Ticket.'],
    [XAUTO, 'Danke für Ihre Mail! Wir melden uns innerhalb von 2 Werktagen. Bitte rufen Sie uns nicht mehr wegen des Bestellstatus an.'],
    [AUTO, 'Merci pour votre message. Nous répondons sous 48 heures. Plus de messages ne fera pas avancer votre demande.'],
    [AUTO, 'Gracias por tu mensaje. Respondemos en un plazo de 48 horas. No nos envíes más correos sobre el mismo pedido.'],
    [AUTO, 'Grazie per il messaggio, rispondiamo entro 48 ore. Niente email di sollecito per favore.'],
    [XAUTO, 'Bedankt voor je bericht. We reageren binnen 2 werkdagen. Stuur ons geen berichten meer via Instagram.'],
    [AUTO, 'Obrigado pela mensagem! Respondemos em até 2 dias úteis. Não nos envie mais mensagens pelo WhatsApp.'],
  ])('%j %s', (headers, text) => {
    const c = classifyMail(mail(text, headers));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.departed).toBeFalsy();
  });

  it.each([
    [{ 'Auto-Submitted': 'auto-generated' }, 'Please take us off your mailing list.'],
    [AUTO, 'This is an automated message. Please remove this address from your list and stop sending marketing emails.'],
    [{ ...AUTO, 'X-Apple-Unsubscribe': 'true' }, 'Apple Mail sent this email to unsubscribe from the message “Quick question”.'],
  ])('a clear automated request still counts: %s', (headers, text) => {
    expect(classifyMail(mail(text, headers)).label).toBe('UNSUBSCRIBE');
  });
});

describe('H3: removing someone else or an old address is a handover, not the lead unsubscribing', () => {
  it.each([
    ['Please remove jo@store.example from your list, she has left. I am the new buyer, please send me the example.', ['jo@store.example']],
    ['Please unsubscribe my old address max@oldshop.example from your list and use this one from now on. Send the example!', ['max@oldshop.example']],
    ['Jo left last month. Please remove her from your list and send everything to me instead, I am interested.', []],
    ['Entfernen Sie bitte meine alte Adresse aus dem Verteiler und nutzen Sie ab jetzt max@shop.example. Angebot gerne!', []],
    ["Merci de retirer mon adresse perso et d'écrire à contact@boutique.example, on est intéressés.", []],
  ])('%s', (text, targets) => {
    const c = classifyMail(mail(text + QUOTE, THREAD));
    expect(c.label).not.toBe('UNSUBSCRIBE');
    expect(c.targets).toEqual(targets);
  });

  it.each([
    ['Please remove me from your list.'],
    ['Please remove me and my colleague jo@store.example from your list, we are not interested.'],
    ['Please remove owner@store.example from your list.'],
  ])("the writer's own request stays UNSUBSCRIBE: %s", (text) => {
    const c = classifyMail(mail(text + QUOTE, THREAD));
    expect(c.label).toBe('UNSUBSCRIBE');
    expect(c.targets).toBeUndefined();
  });
});

describe('H8: only leaving the company is a departure', () => {
  it.each([
    ['Danke für Ihre Nachricht. Ich arbeite seit September nicht mehr in Vollzeit und bin nur Mo-Mi erreichbar. In dringenden Fällen: info@shop.example.'],
    ["Je suis absent jusqu'au 4 janvier. Je ne travaille plus au bureau le lundi. Pour toute urgence, contactez Marie."],
    ['Sono fuori ufficio fino al 6 gennaio. Non lavoro più in negozio la domenica. Per urgenze scrivete a info@negozio.example.'],
    ['Estou de férias até 5 de janeiro. Já não trabalho no escritório às segundas. Para assuntos urgentes fale com o Rui.'],
    ['Estoy fuera de la oficina hasta el 7 de enero. Ya no trabajo en la tienda de Bilbao, ahora estoy en Madrid. Para asuntos urgentes llame al 910 000 000.'],
    ['Ik ben afwezig tot 4 januari. Ik werk niet meer voor de klantenservice-afdeling maar voor inkoop.'],
    ["I'm out of office until January 4. Note that Sam no longer works in the support team; for orders contact orders@store.example."],
    ['Ich bin bis 4.1. im Urlaub. Herr Kurz ist nicht mehr für den Vertrieb tätig, sondern leitet jetzt den Einkauf.'],
    ["I'm on parental leave until March. I have left the team temporarily; for urgent matters contact Sam."],
    ["Je ne suis plus chez le client aujourd'hui, je suis absente jusqu'au 3 janvier."],
    ['Ich arbeite nicht mehr mit Agenturen zusammen. Ich bin bis 4.1. im Urlaub.'],
  ])('%s', (text) => {
    const c = classifyMail(mail(text, AUTO));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.departed).toBeFalsy();
  });

  it.each([
    ['I have left the company. Please contact info@store.example.'],
    ['Jo Smith no longer works at Teapot Ltd. Please email hello@teapot.example.'],
    ['Frau Lang ist nicht mehr bei der Muster GmbH tätig. Bitte wenden Sie sich an info@muster.example.'],
    ['Je ne travaille plus chez Maison Roux. Merci de contacter contact@roux.example.'],
    ['Ya no trabajo en Tienda Luna. Escriba a info@luna.example.'],
  ])('a real departure is still `departed`: %s', (text) => {
    const c = classifyMail(mail(text, AUTO));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.departed).toBe(true);
  });
});

describe('M1: a threaded out-of-office that quotes us and says nothing else pauses', () => {
  it.each([
    ["Hi, I'm on holiday until 4 January and will reply when I'm back.\nMaria", '2027-01-04'],
    ['Bin im Urlaub bis 6.1., danach melde ich mich.', '2027-01-06'],
    ["Je suis en congés jusqu'au 4 janvier, je vous répondrai à mon retour.", '2027-01-04'],
    ['Estoy de vacaciones hasta el 7 de enero. Le responderé a mi vuelta.', '2027-01-07'],
    ['Sono in ferie fino al 6 gennaio, risponderò al mio rientro.', '2027-01-06'],
    ['Ik ben met vakantie tot 4 januari en reageer na mijn terugkomst.', '2027-01-04'],
    ['Estou de férias até 5 de janeiro e respondo quando voltar.', '2027-01-05'],
  ])('%s', (text, date) => {
    const c = classifyMail(mail(text + QUOTE, THREAD));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe(date);
  });
});

describe('M2: an unquoted reply that mentions a holiday and asks us for something is human', () => {
  it.each([
    ["I'm out of office until Monday 7 Dec. Happy to talk after that, send me a few slots."],
    ["Je suis en congés jusqu'au 4 janvier, on en reparle à mon retour."],
    ['Ik ben met vakantie tot 4 januari. Stuur het voorstel maar, dan kijk ik ernaar.'],
  ])('%s', (text) => {
    const c = classifyMail(mail(text, THREAD));
    expect(['WARM', 'NEUTRAL', 'COLD']).toContain(c.label);
  });
});

describe('LOW: a weekday of a habit is no return date', () => {
  it('"fermée le lundi" (closed on Mondays)', () => {
    const c = classifyMail(mail('Merci pour votre e-mail. Notre boutique est fermée le lundi. Ne nous écrivez plus sur Instagram, seulement par e-mail.', AUTO));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBeUndefined();
    expect(extractReturnDate('We are closed on Monday. Back on 3 December.', REF)).toBe('2026-12-03');
  });
});

describe('a person who writes a real message under the subject "Unsubscribe" is not our mailto\'s client request', () => {
  it('a question of 20 words is read like any reply; the client templates and an empty body stay requests', () => {
    const q = classifyMail(mail("Hi Ana, quick question before we sign: how does the unsubscribe link in your emails work with GDPR? We're close to buying.", {}, 'Unsubscribe'));
    expect(q.reason).not.toMatch(/unsubscribe subject/);
    expect(classifyMail(mail('', {}, 'unsubscribe')).label).toBe('UNSUBSCRIBE');
    expect(classifyMail(mail('This is an automated unsubscribe request sent by Outlook.com.', {}, 'unsubscribe')).label).toBe('UNSUBSCRIBE');
    expect(classifyMail(mail('This message was automatically generated by Gmail.', {}, 'Unsubscribe')).label).toBe('UNSUBSCRIBE');
  });
});
