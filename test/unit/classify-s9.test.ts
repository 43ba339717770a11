// Regressions from the session-9 review of issue 9 (classification): D1, a store's own newsletter or order
// notice (no List-Unsubscribe, no Precedence, only a footer "Unsubscribe: URL") was read as a request to stop
// and unsubscribed the lead; D2, company-wide removal requests ("take our domain off your list", "merci de ne
// plus contacter personne chez nous") were missed or not domain-wide; D3, a stale out-of-office whose
// yearless return date had just passed paused the sequence until the same date next year. The labelled set
// test/fixtures/inbox/replies-s9 is also scored by `npm run eval:mail`.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { classifyMail, detectBulkBody, detectUnsubscribe, extractReturnDate, footerOffer, fold, type MailInput } from '../../src/domain/classify/index.js';
import { parseMessage } from '../../src/stages/inbox/parse.js';

const SET = resolve(import.meta.dirname, '../fixtures/inbox/replies-s9');
const REF = new Date('2026-11-29T05:00:00Z');
const QUOTE = '\n\nOn Thu, Nov 26, 2026 at 9:00 AM Ana Lima <ana@lima-studio.example> wrote:\n> Worth a 15-minute call?\n> Not interested? Reply STOP or unsubscribe: https://u.lima-studio.example/u/x\n';

/** A fresh message from the lead's domain: no In-Reply-To, no list headers (a newsletter sent from Gmail or a small ESP). */
function fresh(text: string, subject = 'News from the shop'): MailInput {
  return { headers: {}, subject, from: 'news@shop7.example.com', contentType: 'text/plain; charset=utf-8', date: REF, text };
}
/** A reply in the thread of our email, with our quoted original (and its unsubscribe footer) below. */
function reply(text: string, extra: Partial<MailInput> = {}): MailInput {
  return {
    headers: { 'in-reply-to': ['<out-1@lima-studio.example>'] },
    subject: 'Re: Quick question',
    from: 'owner@shop3.example.com',
    contentType: 'text/plain; charset=utf-8',
    date: REF,
    text: text + QUOTE,
    ...extra,
  };
}

describe('D1: bulk mail is told by its body, and its own unsubscribe footer is no request to stop', () => {
  it.each([
    ['Our biggest sale starts now: 30% off everything until Monday.\n\nShop now: https://shop7.example.com/sale\n\nYou receive this because you subscribed at shop7.example.com. Unsubscribe: https://shop7.example.com/unsubscribe?u=123'],
    ['The winter collection is here, hand-poured in small batches.\n\nOak & Ember, 40 Mill Lane, Portland\nUnsubscribe | Manage preferences'],
    ['Hello tea lovers,\n\nThis month we visited a family estate in Darjeeling and brought back two teas we are proud of. Read the story on our journal.\n\nHappy brewing,\nThe Tea Loft team\n\nUnsubscribe here: https://tealoft.example/u'],
    ['View this email in your browser\n\nOur gift guide is live: something for everyone on your list.\n\nIf you no longer wish to receive these emails, unsubscribe here.'],
    ['Good news: your order #4417 has shipped and is on its way.\n\nTracking number: 1Z999AA10123456784\nThank you for your order!'],
    ['Unser Winter-Espresso ist da.\n\nJetzt shoppen: https://roesterei.example/winter\n\nSie erhalten diese E-Mail, weil Sie sich für unseren Newsletter angemeldet haben.\nNewsletter abbestellen: https://roesterei.example/abmelden'],
    ["Voir la version en ligne\n\nLes soldes d'hiver commencent aujourd'hui.\n\nVous recevez cet e-mail car vous êtes inscrit à notre newsletter.\nSe désinscrire"],
    ['Ver en el navegador\n\nYa está aquí nuestra colección de primavera.\n\nRecibes este correo porque te suscribiste en nuestra tienda.\nDarse de baja: https://tienda.example/baja'],
    ["Visualizza nel browser\n\nA dicembre arrivano i tortellini della tradizione.\n\nHai ricevuto questa email perché ti sei iscritto alla nostra newsletter.\nAnnulla l'iscrizione: https://pasta.example/u"],
    ['Bekijk deze e-mail in je browser\n\nLaat je fiets deze winter nakijken.\n\nJe ontvangt deze e-mail omdat je je hebt ingeschreven voor onze nieuwsbrief.\nUitschrijven | Voorkeuren beheren'],
    ['Seu pedido #2291 foi enviado e chega em 3 a 5 dias úteis.\n\nCódigo de rastreio: BR123456789PT\n\nObrigado por comprar na Loja Verde!'],
  ])('%s → AUTO_REPLY (bulk mail), never UNSUBSCRIBE', (text) => {
    const c = classifyMail(fresh(text));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.reason).toMatch(/^bulk mail: (newsletter footer|order or shipping notification) \(/);
    expect(c.returnDate).toBeUndefined();
    expect(c.domainWide).toBeUndefined();
  });

  it('names the evidence in the reason', () => {
    const c = classifyMail(fresh('30% off today.\n\nYou receive this because you subscribed.\nUnsubscribe: https://x.example/u'));
    expect(c.reason).toBe('bulk mail: newsletter footer (unsubscribe link, "you receive this because", promotion)');
    expect(classifyMail(fresh('Your order #12 has shipped.\nTracking number: 123')).reason).toMatch(/^bulk mail: order or shipping notification/);
  });

  it.each([
    'Unsubscribe: https://shop.example/u?x=1',
    'To unsubscribe, click here.',
    'Click here to unsubscribe.',
    'You can unsubscribe at any time.',
    'Unsubscribe | Manage preferences | View in browser',
    'Unsubscribe from this list',
    'If you no longer wish to receive these emails, please unsubscribe.',
    'Newsletter abbestellen: https://shop.example/abmelden',
    'Pour vous désinscrire, cliquez ici.',
    'Para darse de baja, haga clic aquí.',
    'Per disiscriverti clicca qui.',
    'Afmelden: https://shop.example/afmelden',
    'Descadastre-se aqui: https://loja.example/sair',
  ])('a footer offer is no request to stop: %s', (text) => {
    expect(detectUnsubscribe(text)).toBeNull();
    expect(footerOffer(fold(text))).toBe(true);
  });

  it.each([
    'Please unsubscribe me.',
    'Unsubscribe',
    'Unsubscribe me from these emails please.',
    'Opt me out of these emails.',
    'Please remove me from this list.',
    'I want to unsubscribe.',
    "I'd like to unsubscribe from your emails.",
    'Bitte melden Sie mich ab, abmelden bitte.',
  ])('a request stays a request: %s', (text) => {
    expect(detectUnsubscribe(text)).not.toBeNull();
    expect(classifyMail(reply(text)).label).toBe('UNSUBSCRIBE');
    expect(footerOffer(fold(text))).toBe(false);
  });

  it('a real request above a footer of the sender\'s own is UNSUBSCRIBE (fresh message or reply)', () => {
    const footer = '\n\nJane Holt\nFernhill Goods | fernhill-goods.example\nView in browser | Unsubscribe | Manage preferences\nYou receive this because you subscribed. © 2026 Fernhill Goods';
    for (const text of ['Please unsubscribe me from your emails.' + footer, 'Take me off your list, thanks.' + footer, 'Bitte nehmen Sie mich aus Ihrem Verteiler.' + footer]) {
      expect(classifyMail(fresh(text, 'your emails')).label).toBe('UNSUBSCRIBE');
      expect(classifyMail(reply(text)).label).toBe('UNSUBSCRIBE');
    }
  });

  it('a company-wide request above a newsletter footer keeps its domain scope', () => {
    const c = classifyMail(fresh('Please remove our whole company from your list.\n\n--\nShop 7 · View in browser · Unsubscribe · Manage preferences'));
    expect(c.label).toBe('UNSUBSCRIBE');
    expect(c.domainWide).toBe(true);
  });

  it('a human reply quoting our own footer is not UNSUBSCRIBE (intent decides)', () => {
    expect(classifyMail(reply('Yes, sounds useful. Can you send pricing? Happy to do a call Thursday.')).label).toBe('WARM');
    expect(classifyMail(reply("Thanks, but we're not interested.")).label).toBe('COLD');
    expect(classifyMail(reply('Please write to our operations lead, sam@shop3.example.com.')).label).not.toBe('UNSUBSCRIBE');
  });

  it('our own follow-up read back from another mailbox (Re:, our footer, no forward marker) is not UNSUBSCRIBE', () => {
    const ours = 'Hi Sam,\n\nJust following up on my note below: worth a 15-minute call next week?\n\nAna Lima, Lima Studio, 12 Rua Nova, Lisboa\nNot interested? Unsubscribe: https://u.lima-studio.example/u/k3j9';
    const c = classifyMail({ ...reply(''), text: ours, from: 'ana@lima-studio.example', headers: { 'in-reply-to': ['<out-0@lima-studio.example>'] } });
    expect(c.label).not.toBe('UNSUBSCRIBE');
  });

  it('a human reply with a shop signature is not bulk: weak evidence yields to a clear WARM or COLD', () => {
    expect(classifyMail(reply("Thanks, but we're not interested. We handle this in-house.\n\nBen Ortiz\nPebble Print Co, free shipping on orders over $40")).label).toBe('COLD');
    // A fresh message from a person whose signature links their newsletter: clearly WARM, so a person.
    expect(classifyMail(fresh('Hi Ana, yes, we are interested! Can you send pricing and book a call for Thursday?\n\nMia\nSubscribe to our newsletter | Unsubscribe: https://tealoft.example/u', 'pricing?')).label).toBe('WARM');
  });

  it('the subject "Unsubscribe" with an empty body (a List-Unsubscribe mailto) is still UNSUBSCRIBE', () => {
    expect(classifyMail({ ...fresh(''), subject: 'Unsubscribe' }).label).toBe('UNSUBSCRIBE');
  });

  it('detectBulkBody needs more than a copyright line or a promotion word', () => {
    expect(detectBulkBody('Interested. Send pricing.\n\n© 2026 Fernhill Goods')).toBeNull();
    expect(detectBulkBody('We have 30% off our own products this week, but yes, send pricing.')).toBeNull();
    expect(detectBulkBody('View in browser\n\nNews.\n\nUnsubscribe | Manage preferences')?.strong).toBe(true);
  });
});

describe('D2: company-wide removal requests are UNSUBSCRIBE with the domain scope', () => {
  it.each([
    'Please remove our whole company from your list, nobody at shop3.example.com wants these emails.',
    'Take our domain off your list.',
    'Remove everyone at our company from your list.',
    'Please remove all our addresses from your database.',
    'Please stop emailing anyone at shop3.example.com.',
    'Do not contact anyone from our company again.',
    'Unsubscribe the whole team please.',
    'Remove me and my colleagues from your mailing list.',
    'Remove us all from your list.',
    // de
    'Kontaktieren Sie bitte niemanden mehr bei uns.',
    'Bitte schreiben Sie niemanden mehr bei uns an.',
    'Bitte entfernen Sie unsere gesamte Firma aus Ihrem Verteiler.',
    'Löschen Sie alle unsere Adressen.',
    // fr
    'Merci de ne plus contacter personne chez nous.',
    'Ne contactez plus personne de notre société.',
    "Merci de ne plus envoyer d'e-mails à personne chez nous.",
    'Retirez toute notre entreprise de votre liste.',
    // es
    'No contacten a nadie de nuestra empresa.',
    'No envíen más correos a nadie de nuestra empresa.',
    'Eliminen todas nuestras direcciones de su lista.',
    // it
    'Non contattate più nessuno della nostra azienda.',
    'Non inviate più email a nessuno di noi.',
    'Rimuovete tutti i nostri indirizzi dalla vostra lista.',
    // nl
    'Mail niemand van ons meer alstublieft.',
    'Neem met niemand van ons nog contact op.',
    'Verwijder al onze adressen uit uw bestand.',
    // pt
    'Por favor, não contatem mais ninguém da nossa empresa.',
    'Não enviem mais e-mails para ninguém da nossa empresa.',
    'Removam toda a nossa empresa da vossa lista.',
  ])('%s', (text) => {
    const u = detectUnsubscribe(text);
    expect(u).not.toBeNull();
    expect(u!.domainWide).toBe(true);
    const c = classifyMail(reply(text));
    expect(c.label).toBe('UNSUBSCRIBE');
    expect(c.domainWide).toBe(true);
    expect(c.reason).toMatch(/whole company/);
  });

  it.each([
    'Please remove me from your list. My colleague handles marketing, not me.',
    'Take me off your list.',
    'Bitte entfernen Sie mich aus Ihrem Verteiler.',
    'Merci de me retirer de votre liste.',
  ])('a personal request is not domain-wide: %s', (text) => {
    const c = classifyMail(reply(text));
    expect(c.label).toBe('UNSUBSCRIBE');
    expect(c.domainWide).toBe(false);
  });

  it.each([
    ['Interesting! Our whole team has been looking for something like this. Could you send a proposal and your pricing?', 'WARM'],
    ['We need to remove our store from the old theme first; can we talk next week about pricing?', 'WARM'],
    ["Don't stop emailing anyone at our company, we want this. Send pricing please.", 'WARM'],
    ["Please don't contact anyone else here, I'm the right person. Send me the pricing.", 'WARM'],
    ["Don't email anyone at our company except me, I handle this. Interested, send pricing.", 'WARM'],
  ])('no request to stop, no suppression: %s', (text, want) => {
    expect(classifyMail(reply(text)).label).toBe(want);
  });
});

describe('D3: a yearless return date in the past stays in this year unless it is more than six months back', () => {
  const ooo = (text: string, date: Date): MailInput => ({ headers: { 'auto-submitted': ['auto-replied'] }, subject: 'Automatic reply: Quick question', from: 'ava@shop2.example.com', contentType: 'text/plain', date, text });

  it.each([
    // stale notices: the date has passed this year (days to weeks ago): no return date, no pause
    ['2026-11-29', 'I am out of the office until Nov 20 with limited access to email.', null],
    ['2026-11-29', 'Back on 1 October.', null],
    ['2026-03-02', 'back on 5 January', null],
    ['2026-11-29', 'Ich bin bis zum 20.11. nicht im Büro.', null],
    ['2026-11-29', 'Je suis absent jusqu’au 15 novembre.', null],
    // more than six months back: next year's (the real turn of the year)
    ['2026-12-22', 'I am out of the office until January 5.', '2027-01-05'],
    ['2026-12-30', 'Ich bin ab dem 02.01. wieder im Büro.', '2027-01-02'],
    ['2026-11-29', 'Back on 10 May.', '2027-05-10'],
    // ahead this year: unchanged
    ['2026-11-29', 'I am out of the office until December 10.', '2026-12-10'],
    ['2026-11-29', 'Out until Nov 30.', '2026-11-30'],
  ])('received %s: "%s" → %s', (day, text, want) => {
    const ref = new Date(`${day}T09:00:00Z`);
    expect(extractReturnDate(text, ref)).toBe(want);
    const c = classifyMail(ooo(text, ref));
    expect(c.label).toBe('AUTO_REPLY');
    expect(c.returnDate ?? null).toBe(want);
  });

  it('the boundary: 183 days back stays this year (past), 184 days back is next year', () => {
    // 2026-11-29 minus 183 days = 2026-05-30; minus 184 = 2026-05-29
    expect(extractReturnDate('back on 30 May', REF)).toBeNull();
    expect(extractReturnDate('back on 29 May', REF)).toBe('2027-05-29');
  });
});

describe('the labelled s9 set (test/fixtures/inbox/replies-s9)', () => {
  const rows = readFileSync(resolve(SET, 'labels.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
  it('holds at least 25 messages', () => expect(rows.length).toBeGreaterThanOrEqual(25));
  it.each(rows)('%s is %s', async (file, label, date) => {
    const parsed = await parseMessage(readFileSync(resolve(SET, file!)));
    const c = classifyMail(parsed.input);
    expect(c.label).toBe(label);
    if (date) expect(c.returnDate).toBe(date);
    if (/^0(19|2[0-8])-company/.test(file!)) expect(c.domainWide).toBe(true);
    if (file === '031-ooo-stale.eml') expect(c.returnDate).toBeUndefined();
  });
});
