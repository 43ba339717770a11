// Regressions from the review of the offline classifier: a person who mentions being away is not an
// out-of-office notice; requests to stop in German, French, Spanish, Italian, Dutch and Portuguese;
// US-style dates and day-only return dates. The labelled set test/fixtures/inbox/replies-review is
// also scored by `npm run eval:mail`.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { classifyMail, detectAutoReply, detectUnsubscribe, extractReturnDate, findDates, type MailInput } from '../../src/domain/classify/index.js';
import { parseMessage } from '../../src/stages/inbox/parse.js';

const SET = resolve(import.meta.dirname, '../fixtures/inbox/replies-review');
const REF = new Date('2026-11-30T10:00:00Z'); // a Monday

/** A reply in the thread of our email, without any automatic header. */
function reply(text: string, extra: Partial<MailInput> = {}): MailInput {
  return {
    headers: { 'in-reply-to': ['<out-1@lima-studio.example>'] },
    subject: 'Re: Quick question about Copper & Clay',
    from: 'sam@copper-and-clay.example',
    contentType: 'text/plain; charset=utf-8',
    date: REF,
    text,
    ...extra,
  };
}

describe('a person who mentions being away is a human reply', () => {
  it.each([
    ["Thanks Ana. I'm traveling this week; I'll get back to you when I return on Monday.", 'NEUTRAL'],
    ['Got it. I will be back in the office on December 7 and will have a look then.', 'NEUTRAL'],
    ["I'm off to lunch, will read your proposal and get back to you tomorrow.", 'NEUTRAL'],
    ["Hi Ana, I'm away until Friday but this looks great - can you send pricing?", 'WARM'],
    ["I'm on vacation until Monday but yes, I'm very interested, let's book a call when I'm back.", 'WARM'],
    ["We are currently on holiday until January, and honestly we're not interested. Please don't follow up.", 'COLD'],
  ])('%s → %s', (text, want) => {
    const c = classifyMail(reply(text));
    expect(c.label).toBe(want);
    expect(c.returnDate).toBeUndefined();
  });

  it('the same words with an RFC 3834 header are an automatic reply, with the return date', () => {
    const c = classifyMail(reply("Thanks Ana. I'm traveling this week; I'll get back to you when I return on Monday.", { headers: { 'auto-submitted': ['auto-replied'] } }));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe('2026-12-07');
  });

  it.each([
    ['I am out of the office until December 14 with limited access to email. For urgent matters please contact Jo at jo@copper-and-clay.example.', '2026-12-14'],
    ['Thank you for your message. I am currently out of the office and will return on 7 December. I will respond to your email upon my return.', '2026-12-07'],
    ["I'm currently on annual leave and will be back on Monday 7th December. I'll respond to your message when I return.", '2026-12-07'],
    ['Ich bin bis zum 14.12.2026 nicht im Büro. Ihre E-Mail wird nicht weitergeleitet.', '2026-12-14'],
    ["Je suis absent jusqu'au 14 décembre. Je traiterai votre message à mon retour.", '2026-12-14'],
    ['Estoy fuera de la oficina hasta el 14 de diciembre. Para asuntos urgentes, escriba a info@copper-and-clay.example.', '2026-12-14'],
    ['Sono fuori ufficio fino al 14 dicembre. Per urgenze contattare info@copper-and-clay.example.', '2026-12-14'],
    ['Ik ben afwezig tot en met 14 december. Voor dringende zaken kunt u mailen naar info@copper-and-clay.example.', '2026-12-14'],
    ['Estou de férias até 14 de dezembro. Para assuntos urgentes contacte info@copper-and-clay.example.', '2026-12-14'],
  ])('header-less notice: %s', (text, date) => {
    const c = classifyMail(reply(text));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe(date);
  });

  it('our own subject words after "Re:" are not an out-of-office subject; a notice prefix before it is', () => {
    const text = "Thanks Ana. I'm traveling this week; I'll get back to you when I return on Monday.";
    expect(classifyMail(reply(text, { subject: 'Re: Your vacation collection' })).label).toBe('NEUTRAL');
    expect(classifyMail(reply(text, { subject: 'Out of Office: Re: Your vacation collection' })).label).toBe('AUTO_REPLY');
    expect(classifyMail(reply(text, { subject: 'Automatic reply: Your vacation collection' })).label).toBe('AUTO_REPLY');
  });

  it('a greeting to nobody in particular is not a sign of a person ("Hello, Thank you for your email")', () => {
    const r = detectAutoReply(reply('Hello,\nThank you for your email. I am out of the office until 14 December with limited access to email.'));
    expect(r?.kind).toBe('out_of_office');
  });
});

describe('requests to stop, in six more languages than English', () => {
  it.each([
    // de
    ['Bitte schreiben Sie mir nicht mehr.'],
    ['Bitte kontaktieren Sie mich nicht mehr.'],
    ['Kontaktieren Sie uns bitte nie wieder.'],
    ['Ich möchte nicht mehr angeschrieben werden.'],
    ['Wir wollen nicht kontaktiert werden.'],
    ['Löschen Sie bitte meine E-Mail-Adresse.'],
    ['Loeschen Sie bitte meine Adresse.'],
    ['Bitte meine Daten löschen.'],
    ['Schick mir keine Mails mehr!'],
    ['Senden Sie mir keine Werbung mehr.'],
    ['Rufen Sie mich nicht mehr an.'],
    ['Lassen Sie mich bitte in Ruhe.'],
    // fr
    ["Veuillez cesser de m'envoyer des e-mails."],
    ['Veuillez cesser de m’envoyer des e-mails.'],
    ["Arrêtez de m'écrire."],
    ["Arretez de m'ecrire svp"],
    ['Je ne souhaite plus être contacté.'],
    ['Merci de me retirer de votre fichier.'],
    ['Pouvez-vous me désinscrire ?'],
    // es
    ['Por favor, elimíname de su lista.'],
    ['Por favor, eliminame de su lista.'],
    ['Elimínenme de su base de datos.'],
    ['Deje de enviarme correos.'],
    ['Dejen de escribirnos.'],
    ['No me envíes más correos.'],
    ['No me vuelvan a escribir.'],
    ['No quiero ser contactado.'],
    ['Bórrenme de la lista de correos.'],
    // it
    ['Smettete di scrivermi.'],
    ['La prego di non contattarmi più.'],
    ['Non desidero essere contattato.'],
    ['Cancellate il mio indirizzo, grazie.'],
    ['Toglietemi dalla lista.'],
    // nl
    ['Mail mij niet meer.'],
    ['Stuur me geen mails meer.'],
    ['Ik wil niet meer benaderd worden.'],
    ['Houd op met mailen.'],
    ['Verwijder mij uit uw bestand.'],
    // pt
    ['Pare de me enviar e-mails.'],
    ['Parem de me mandar mensagens.'],
    ['Não quero ser contactado.'],
    ['Nao me envie mais emails.'],
    ['Me remova da lista, por favor.'],
    ['Remova-me da sua lista.'],
  ])('%s', (text) => {
    expect(detectUnsubscribe(text)).not.toBeNull();
    expect(classifyMail(reply(text)).label).toBe('UNSUBSCRIBE');
  });

  it.each([
    ['Sure, send me the list of your clients.'],
    ['Bitte schreiben Sie mir mehr Details.'],
    ['Schicken Sie mir nicht mehr als zwei Seiten, bitte.'],
    ['Können Sie mir mehr Informationen per E-Mail senden?'],
    ['Nehmen Sie uns gerne in Ihre Planung für März auf.'],
    ['Pouvez-vous supprimer la remise du devis ?'],
    ["Merci de m'envoyer la liste des tarifs."],
    ['Envíame la lista de precios por correo.'],
    ['Déjame ver la lista de precios.'],
    ['¿Puedes sacarme una cotización?'],
    ['Basta scrivermi a questo indirizzo.'],
    ['Possiamo cancellare il nostro appuntamento di lunedì e spostarlo?'],
    ['Stuur me de lijst met prijzen.'],
    ['Pode me enviar a lista de preços por e-mail?'],
    ['Please remove the discount line from the quote and resend it.'],
  ])('not a request to stop: %s', (text) => {
    expect(detectUnsubscribe(text)).toBeNull();
    expect(classifyMail(reply(text)).label).not.toBe('UNSUBSCRIBE');
  });
});

describe('return dates: US order in English, days of the month alone', () => {
  it('an English out-of-office with a US date is read month first (detectAutoReply passes the language)', () => {
    const c = classifyMail(reply('I am on vacation until 12/10/2026.', { headers: { 'auto-submitted': ['auto-replied'] }, subject: 'Out of Office' }));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe('2026-12-10');
  });

  it.each([
    // explicit year: the day-first reading is in the past, so the US reading wins for English
    ['I am on vacation until 12/10/2026.', 'en', '2026-12-10'],
    ['back on 12/10', 'en', '2026-12-10'],
    // written the British way for a short absence: the near date, not next year
    ['back on 3/12', 'en', '2026-12-03'],
    // other languages are day first, always
    ['bis zum 12.10.2026 abwesend', 'de', null], // in the past: no return date
    ["de retour le 10/12", 'fr', '2026-12-10'],
    ['hasta el 10/12/2026', 'es', '2026-12-10'],
  ])('%s (%s) → %s', (text, lang, want) => {
    expect(extractReturnDate(text, REF, lang)).toBe(want);
  });

  it.each([
    ['Out of office 1-9 December, back on the 10th.', '2026-12-10'],
    ['back in the office on the 3rd', '2026-12-03'],
    ['I return on the 30th', '2026-11-30'], // the message date itself counts
    ['back on the 31st', '2026-12-31'],
    ['bis zum 10. nicht erreichbar', '2026-12-10'],
    ["de retour le 2", '2026-12-02'],
  ])('%s → %s', (text, want) => {
    expect(extractReturnDate(text, REF)).toBe(want);
  });

  it('the 31st in a month without one is the next month that has it', () => {
    expect(extractReturnDate('back on the 31st', new Date('2027-02-03T09:00:00Z'))).toBe('2027-03-31');
  });

  it('ordinals without a return cue, or with a month, are not read as day-only dates', () => {
    expect(findDates('our 5th year in business', REF)).toEqual([]);
    expect(findDates('back on December 10th', REF).map((d) => d.iso)).toEqual(['2026-12-10']);
    expect(findDates('back on the 10th of December', REF).map((d) => d.iso)).toEqual(['2026-12-10']);
    expect(findDates('back at 10 am', REF)).toEqual([]);
  });
});

describe('the labelled review set (test/fixtures/inbox/replies-review)', () => {
  const rows = readFileSync(resolve(SET, 'labels.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
  it.each(rows)('%s is %s', async (file, label, date) => {
    const parsed = await parseMessage(readFileSync(resolve(SET, file!)));
    const c = classifyMail(parsed.input);
    expect(c.label).toBe(label);
    if (date) expect(c.returnDate).toBe(date);
  });
});
