// Regressions from the session-8 review of the offline classifier (issue 9): stop words that are negated or
// only about the CC line, GDPR erasure and legal objections in every language, signatures without a
// delimiter, WARM proposal requests and double negatives, header-less automatic replies (subject only,
// holiday closures, unmonitored mailboxes, help-desk acknowledgements), "just curious" and "more spam",
// confidences rounded to two decimals. The labelled set test/fixtures/inbox/replies-s8 is also scored by
// `npm run eval:mail`.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { classifyMail, detectUnsubscribe, stripReply, type MailInput } from '../../src/domain/classify/index.js';
import { parseMessage } from '../../src/stages/inbox/parse.js';

const SET = resolve(import.meta.dirname, '../fixtures/inbox/replies-s8');
const REF = new Date('2026-12-01T09:00:00Z');
const QUOTE = '\n\nOn Mon, Nov 30, 2026 at 9:00 AM Ana Lima <ana@lima-studio.example> wrote:\n> Worth a 15-minute call?\n> Not interested? Reply STOP or unsubscribe: https://u.lima-studio.example/u/x\n';

/** A reply in the thread of our email (our quoted original with its unsubscribe footer below), no automatic header. */
function reply(text: string, extra: Partial<MailInput> = {}): MailInput {
  return {
    headers: { 'in-reply-to': ['<out-1@lima-studio.example>'] },
    subject: 'Re: A quick idea for your store',
    from: 'kim@fernhill-goods.example',
    contentType: 'text/plain; charset=utf-8',
    date: REF,
    text: text + QUOTE,
    ...extra,
  };
}

describe('a negated or contrasted stop word is not a request to stop: intent decides', () => {
  it.each([
    ["Please don't unsubscribe me, I'd like to know more. Could we talk on Friday?", 'WARM'],
    ['I was going to unsubscribe, but this is timely. What does it cost?', 'WARM'],
    ["I didn't mean to unsubscribe, that was a misclick. Send the pricing please.", 'WARM'],
    ['I almost clicked unsubscribe. Glad I did not: how much for 300 products?', 'WARM'],
    ["Don't stop - send me the deck and your rates.", 'WARM'],
    ['Take me off the cc please and send the proposal straight to our founder, we want to go ahead.', 'WARM'],
    ['Bitte nicht abmelden! Was würde das kosten?', 'WARM'],
    ['Ne me désabonnez pas, je suis intéressée. Quel est le tarif ?', 'WARM'],
    ['No me deis de baja, nos interesa. ¿Precio?', 'WARM'],
    ['Non smettete di scrivermi, mi interessa. Quanto costa?', 'WARM'],
    ['Niet afmelden graag, we zijn geïnteresseerd. Wat kost het?', 'WARM'],
    ['Não parem de me enviar, tenho interesse. Qual o preço?', 'WARM'],
  ])('%s → %s', (text, want) => {
    expect(detectUnsubscribe(text)).toBeNull();
    expect(classifyMail(reply(text)).label).toBe(want);
  });

  it.each([
    'Please remove me, thank you. No offence meant.',
    'Remove us please. Best of luck!',
    "Unsubscribe me and don't contact this address again.",
    'Not interested, take me off your list.',
    "I don't want you to email me again.",
    'We do not wish to be contacted.',
    'Could you remove me?',
    'Bitte austragen, danke, nichts für ungut.',
    'Merci de ne plus m’écrire.',
    'No, no me escriban más.',
    'Vi prego di non contattarmi più.',
    'Graag niet meer mailen.',
    'Não me enviem mais e-mails.',
  ])('a real request stays UNSUBSCRIBE: %s', (text) => {
    expect(classifyMail(reply(text)).label).toBe('UNSUBSCRIBE');
  });
});

describe('erasure requests, objections and legal threats are requests to stop, in every language', () => {
  it.each([
    'Please erase all the personal data you keep about me.',
    'This is a request for erasure of my personal data.',
    'I object to the processing of my data.',
    'Cease and desist immediately.',
    "Write again and I'll report you to the ICO.",
    "I'd rather not receive further emails, thanks.",
    'Bin my email address please.',
    'Delete it, and tell me where you got my address (Art. 15 GDPR).',
    'Merci de supprimer mes données personnelles.',
    "RGPD : j'exerce mon droit à l'effacement.",
    "Je m'oppose au traitement de mes données.",
    'Apaguem os meus dados, por favor.',
    'Quero exercer o direito ao esquecimento previsto na LGPD.',
    'Ich verlange die Löschung meiner Daten gemäß DSGVO.',
    'Me opongo al tratamiento de mis datos.',
    'Ik maak bezwaar tegen de verwerking van mijn gegevens.',
    "Chiedo la cancellazione dei miei dati (diritto all'oblio).",
  ])('%s', (text) => {
    expect(classifyMail(reply(text)).label).toBe('UNSUBSCRIBE');
  });

  it.each([
    ['We are GDPR compliant already. Can you remove the render-blocking scripts? Price?', 'WARM'],
    ['Our avg order value is low, could you remove unused apps for us?', 'WARM'],
    ['I will report back to my team and get back to you.', 'NEUTRAL'],
  ])('look-alikes are not: %s', (text, want) => {
    expect(classifyMail(reply(text)).label).toBe(want);
  });
});

describe('signatures without a "-- " delimiter do not feed intent', () => {
  it('a name block below the text is stripped (no closing)', () => {
    const s = stripReply('Please erase my personal data under the GDPR.\n\nNora Price\nData Protection Officer, Price & Demo Ltd');
    expect(s.text).toBe('Please erase my personal data under the GDPR.');
    expect(s.hadSignature).toBe(true);
  });
  it('a closing with the name on the same line is stripped', () => {
    expect(stripReply('Not for us, thanks.\nRegards, Simon Price - Demo Lead, Pricewell').text).toBe('Not for us, thanks.');
  });
  it.each([
    ['Under the GDPR, erase my personal data.\n\nNora Price\nData Protection Officer, Price & Co', 'UNSUBSCRIBE'],
    ['Not interested.\n\nBest,\nCarl Demo\nCall Centre Manager, Quote Ltd', 'COLD'],
    ['Pas pour nous, merci.\n\nCordialement,\nLéa Devis\nResponsable Prix, Démo SARL', 'COLD'],
    ['No nos interesa.\n\nSaludos,\nMarta Precio\nDemos y Llamadas SL', 'COLD'],
  ])('%s → %s', (text, want) => {
    expect(classifyMail(reply(text)).label).toBe(want);
  });
  it('a short reply whose last lines are not a name keeps them', () => {
    expect(stripReply('Sounds good.\n\nsend the pricing\nplease').text).toContain('send the pricing');
  });
});

describe('WARM: proposal requests in several languages, double negatives', () => {
  it.each([
    ['Vale, envíame una propuesta y la vemos el lunes.', 'WARM'],
    ['¿Nos puedes mandar un presupuesto?', 'WARM'],
    ['Pode me enviar mais detalhes e uma proposta?', 'WARM'],
    ['Mandami un preventivo, grazie.', 'WARM'],
    ['Pouvez-vous nous envoyer une proposition ?', 'WARM'],
    ["We'd like a quote for the speed work.", 'WARM'],
    ['Not uninterested. How long does a project take?', 'WARM'],
    ['Nicht uninteressiert. Wie läuft das ab?', 'WARM'],
    ['Uninterested, thanks.', 'COLD'],
  ])('%s → %s', (text, want) => {
    expect(classifyMail(reply(text)).label).toBe(want);
  });
});

describe('automatic replies without RFC 3834 headers', () => {
  /** A notice: not in a thread, no quoted original. */
  const notice = (subject: string, text: string): MailInput => ({ headers: {}, subject, from: 'info@shop.example', contentType: 'text/plain', date: REF, text });
  it.each([
    ['Out of office', 'Back Dec 9.', '2026-12-09'],
    ['Abwesend', 'Ab 10.12. wieder da.', '2026-12-10'],
    ['Afwezig', 'Terug op 8 december.', '2026-12-08'],
    ['Fora do escritório', 'Volto a 11/12.', '2026-12-11'],
    ['Fuori sede', 'Rientro il 9/12.', '2026-12-09'],
    ['Absence', 'De retour le 7/12.', '2026-12-07'],
    ['Ausente', 'Vuelvo el 14 de diciembre.', '2026-12-14'],
  ])('subject %s with a short body', (subject, text, date) => {
    const c = classifyMail(notice(subject, text));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe(date);
  });

  it.each([
    ['Our warehouse is closed for the holidays; we will be back on January 6, 2027.', '2027-01-06'],
    ['Wir sind vom 24.12. bis 05.01.2027 in den Betriebsferien. Ab dem 06.01.2027 sind wir wieder da.', '2027-01-06'],
  ])('holiday closure: %s', (text, date) => {
    const c = classifyMail(reply(text));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate).toBe(date);
  });

  it.each([
    'This inbox is not monitored. Please use our help centre.',
    'Please do not reply to this email; use the contact form on our site.',
    "Cette adresse n'est pas surveillée, merci d'utiliser le formulaire.",
    "Thanks for contacting Fernhill! We've received your message and will get back to you within 1-2 business days.",
    'We have received your request. Your ticket number is FH-20931.',
    'Wir haben Ihre Anfrage erhalten und melden uns innerhalb von 24 Stunden.',
    'Hemos recibido su mensaje y le responderemos en un plazo de 48 horas.',
  ])('%s', (text) => {
    expect(classifyMail(reply(text)).label).toBe('AUTO_REPLY');
  });

  it('a person who says the shop is closed but wants to talk is a human reply', () => {
    expect(classifyMail(reply("We're closed until Monday, but yes, let's talk then.")).label).toBe('WARM');
  });
});

describe('curiosity and sarcasm', () => {
  it.each([
    ['How many Shopify stores have you sped up? Just curious.', 'NEUTRAL'],
    ['Out of curiosity, what do you charge?', 'WARM'], // a price question is interest, curious or not
    ['Lovely, more spam on a Tuesday morning. Thanks.', 'COLD'],
    ['Can we talk on Tuesday morning?', 'WARM'],
  ])('%s → %s', (text, want) => {
    expect(classifyMail(reply(text)).label).toBe(want);
  });
});

describe('confidence', () => {
  it('is rounded to two decimals for every label', () => {
    const texts = ['Unsubscribe.', 'Remove me. Stop emailing me.', 'Interested, send pricing.', 'No thanks.', 'Maybe next year.'];
    for (const t of texts) {
      const c = classifyMail(reply(t));
      expect(Math.round(c.confidence * 100) / 100).toBe(c.confidence);
      expect(String(c.confidence).length).toBeLessThanOrEqual(4);
    }
    const auto = classifyMail({ ...reply('I am out of the office until December 9.'), headers: { 'auto-submitted': ['auto-replied'] } });
    expect(String(auto.confidence).length).toBeLessThanOrEqual(4);
  });
});

describe('the labelled s8 set (test/fixtures/inbox/replies-s8)', () => {
  const rows = readFileSync(resolve(SET, 'labels.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
  it('holds at least 60 replies', () => expect(rows.length).toBeGreaterThanOrEqual(60));
  it.each(rows)('%s is %s', async (file, label, date) => {
    const parsed = await parseMessage(readFileSync(resolve(SET, file!)));
    const c = classifyMail(parsed.input);
    expect(c.label).toBe(label);
    if (date) expect(c.returnDate).toBe(date);
  });
});
