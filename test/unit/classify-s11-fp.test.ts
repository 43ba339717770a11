// Regressions from the session-11 review of the widened offline classifier (review-s11-classifier-fp.md), groups
// H2, H4, H5, H6, H7, H9 and the negated-interest item (M4): human replies and merchant wording read as stop
// requests (UNSUBSCRIBE suppresses the sender for good), and a few real stop requests missed.
// A stop request is about our mail or a list, or is the whole short message; an imperative verb alone, a wish for
// another channel, merchant vocabulary, the sender's own footer and a subject alone are none.
// Rows marked "paraphrase" were written after the fix of the review rows; the first batch of them was run once
// before any further change (2 of 42 were wrong then and were fixed: "tasso di disiscrizione", "opt us out of
// the annual billing"), the rest were written to check the fix and are listed for both directions.
import { describe, it, expect } from 'vitest';
import { classifyIntent, classifyMail, detectUnsubscribe, type MailInput } from '../../src/domain/classify/index.js';

const REF = new Date('2026-11-30T10:00:00Z');
const QUOTE =
  '\n\nOn Sun, 29 Nov 2026 at 09:17, Ana Lima <ana@lima-studio.example> wrote:\n> Hi there,\n>\n> Would it be useful if I sent over a short example?\n>\n> Best,\n> Ana\n>\n> -- \n> Ana Lima, Lima Studio\n> Not interested? Unsubscribe: https://u.lima.example/u/abc123\n';

/** A reply in the thread of our email, the quoted original (with our unsubscribe footer) below it. */
function reply(text: string, bottom = false): MailInput {
  return {
    headers: { 'in-reply-to': ['<out-1@lima-studio.example>'] },
    subject: 'Re: Quick question',
    from: 'p@store.example',
    contentType: 'text/plain; charset=utf-8',
    date: REF,
    text: bottom ? QUOTE.trimStart() + '\n' + text + '\n' : text + QUOTE,
  };
}
/** A new message (not threaded, no quote) with its own subject. */
function fresh(subject: string, text: string): MailInput {
  return { headers: {}, subject, from: 'p@store.example', contentType: 'text/plain; charset=utf-8', date: REF, text: text + '\n' };
}
const HUMAN = ['WARM', 'NEUTRAL', 'COLD'];

describe('H2: an imperative verb, a bare "Stop!" in an eager reply, a question about a tool: no stop request', () => {
  it.each([
    // review rows
    ["Levami una curiosità: quanto costa il servizio?"],
    ["Toglimi un dubbio: funziona anche con WooCommerce?"],
    ["Rimuovici il vecchio logo dal sito e siamo a posto, poi procediamo. Quando iniziate?"],
    ["Cancellami l'appuntamento di venerdì e spostalo a lunedì, grazie. Interessati!"],
    ["Eliminaci pure le commissioni fisse e firmiamo subito!"],
    ["Tragen Sie mich gerne für die Demo am Donnerstag ein, sieht gut aus!"],
    ["Meine Kollegin Anna hört auf, ich übernehme ab sofort. Schicken Sie mir gern das Angebot."],
    ["Wir hören auf, wenn es um Werbung geht, aber SEO interessiert uns. Was kostet ein Audit?"],
    ["Stop. This is exactly what we need! Call me tomorrow."],
    ["Stopp! Das ist genau das, was wir suchen. Rufen Sie mich an."],
    ["Stop! Dit is precies wat we zoeken. Bel me morgen."],
    ["Solo necesitamos la integración con Shopify, basta. ¿Cuánto cuesta?"],
    ["Vogliamo solo il modulo recensioni, basta. Mandami il preventivo."],
    ["I don't want these emails to go to spam, so please send from another address next time. Interested though."],
    ["We don't want these emails to look like spam, that's why we need your help. When can we talk?"],
    ["We don't need more newsletters, we need a better abandoned cart flow. Can you help with that?"],
    ["We don't want more emails in our customers' inboxes, we want SMS. Do you do SMS?"],
    ["Could you take us through the results from your last campaign? Sounds interesting."],
    ["Take me off the phone list and keep emailing, calls are hard for me. What's the next step?"],
    ["Does your tool delete all our contacts when we uninstall? That would be a dealbreaker."],
    ["When we cancel, will you delete all our contacts from the system? Otherwise fine, let's talk."],
    ["Pouvez-vous supprimer l'adresse de l'ancien entrepôt sur le site ? Sinon c'est bon pour nous."],
    ["Plus de mails automatiques pour nos clients, c'est exactement ce qu'il nous faut. On en parle ?"],
    ["Dame de baja el plan básico y pásame al premium, ¿cuánto cuesta?"],
    ["No más correos con PDFs, mejor llámame al 600 123 456 y lo vemos."],
    ["Niente email, chiamami al 333 1234567 per il preventivo."],
    ["Preciso dar baixa no estoque automaticamente quando vendo no Mercado Livre. Vocês fazem isso?"],
    ["Me dê baixa do plano antigo e me mande a proposta nova, por favor."],
    ["Remove us from the waitlist on your site and add us to the pilot instead please!"],
    // LOW s27
    ["Please stop!\nJust kidding. Yes, let's talk on Monday."],
  ])('%s', (text) => {
    const c = classifyMail(reply(text));
    expect(HUMAN).toContain(c.label);
    expect(c.domainWide ?? false).toBe(false);
  });
  it('the German "sieht gut aus" below the quote is no "tragen Sie mich aus"', () => {
    expect(HUMAN).toContain(classifyMail(reply('Tragen Sie mich gerne für die Demo am Donnerstag ein, sieht gut aus!', true)).label);
  });
});

describe('H4: a wish for another channel, another person or another thing is no stop request', () => {
  it.each([
    ["Stop emailing and call me: 555-0100. Very interested."],
    ["Don't email me, text me at 555-0100. Interested!"],
    ["I don't want to be contacted by phone, but email is fine. What's the price?"],
    ["No more emails needed, let's just jump on a call Tuesday at 10."],
    ["No more emails from your colleague please, talk to me directly. What's the price?"],
    ["Keine Mails mehr an meinen Kollegen bitte, schreiben Sie direkt mir. Was kostet das?"],
    ["Remove me from the Tuesday call invite, but keep me posted by email. Still interested."],
    ["Schreiben Sie mir nicht mehr auf LinkedIn, sondern per Mail, gerne mit Angebot."],
    ["Ne m'écrivez plus sur LinkedIn, plutôt par e-mail. Envoyez-moi la proposition."],
    ["No me escribas más por WhatsApp, mejor por email. ¿Me mandas precios?"],
    ["Non scrivetemi più su WhatsApp, solo email. Mandatemi il listino."],
    ["Bel me niet meer, mail liever. Stuur de offerte maar."],
    ["Não me mande mais mensagens no WhatsApp, prefiro e-mail. Pode enviar a proposta?"],
    ["Our customers can't stop emailing us about shipping. Can you help automate the replies?"],
    ["Please delete my address from the invoice and resend it, then we're good to go."],
    ["Can you opt us out of the free trial and start the paid plan right away?"],
    ["We want to opt out of Shopify Payments. Can you help us migrate? Budget is there."],
  ])('%s', (text) => {
    expect(HUMAN).toContain(classifyMail(reply(text)).label);
  });
  it('"Stop emailing and call me" below the quote', () => {
    expect(HUMAN).toContain(classifyMail(reply('Stop emailing and call me: 555-0100. Very interested.', true)).label);
  });
});

describe('H5: merchant vocabulary (unsubscribe rate, Abmeldung, désinscription, opt out as a topic) is no request', () => {
  it.each([
    ["Honestly our biggest issue is the unsubscribe rate on our Klaviyo flows. Can you help with that?"],
    ["Our customers keep asking how to unsubscribe from the order updates. Can your app handle that?"],
    ["We already use Postscript; every text ends with 'Reply STOP to opt out'. What would you do differently?"],
    ["Die Abmeldung vom Newsletter funktioniert bei uns im Shop nicht richtig. Können Sie das beheben?"],
    ["Le taux de désinscription de notre newsletter est trop élevé. Vous pouvez nous aider ?"],
    ["¿Los clientes pueden cancelar la suscripción desde la app? Nos interesa."],
    ["Klanten kunnen zich moeilijk afmelden voor onze nieuwsbrief. Kunnen jullie dat oplossen?"],
    ["O descadastro da newsletter está quebrado na nossa loja. Vocês conseguem arrumar?"],
  ])('%s', (text) => {
    expect(HUMAN).toContain(classifyMail(reply(text)).label);
  });
  it('a reply whose subject is "Re: unsubscribe flows" is about the topic', () => {
    const m = reply("Yes, our unsubscribe flow is broken, can you fix it? What's the price?");
    expect(HUMAN).toContain(classifyMail({ ...m, subject: 'Re: unsubscribe flows' }).label);
  });
});

describe("H6: the sender's own newsletter or SMS footer under a reply is no request", () => {
  it.each([
    ["Va bene, mandami il preventivo.\nGiulia Rossi - Negozio Rossi\nNon vuoi più ricevere la nostra newsletter? Rispondi CANCELLAMI a questa email."],
    ["Ja, stuur maar.\nSanne de Vries\nGeen nieuwsbrief meer ontvangen? Stuur ons een mail met 'afmelden'."],
    ["Interested, send pricing.\nTom | Kettle & Co | Reply STOP to opt out of our SMS alerts."],
  ])('%s', (text) => {
    expect(HUMAN).toContain(classifyMail(reply(text)).label);
  });
});

describe('H7: a subject alone decides only over an empty body', () => {
  it.each([
    ['Remove duplicates from our catalog?', 'Hi Ana, can your team help us clean up duplicate products? We have budget for it.'],
    ['Baja de precios para Black Friday', 'Hola Ana, ¿nos ayudas con la campaña de rebajas? Estamos interesados, mándame precios.'],
    ['Abmelden-Button im Shop kaputt', 'Hallo Ana, können Sie uns helfen? Der Button funktioniert nicht. Was würde das kosten?'],
  ])('%s', (subject, text) => {
    expect(detectUnsubscribe(text, subject)).toBeNull();
    expect(HUMAN).toContain(classifyMail(fresh(subject, text)).label);
  });
  it.each([['Unsubscribe', ''], ['Remove me', ''], ['abmelden', 'Gesendet von meinem iPhone'], ['Re: unsubscribe', 'unsubscribe']])(
    'subject %s with an empty body is still a request',
    (subject, text) => {
      expect(detectUnsubscribe(text, subject)).not.toBeNull();
    },
  );
});

describe('H9: short real requests are UNSUBSCRIBE', () => {
  it.each([
    ["Basta, grazie."],
    ["Nehmen Sie mich bitte raus."],
    ["Ya no me manden correos, gracias."],
  ])('%s', (text) => {
    expect(classifyMail(reply(text)).label).toBe('UNSUBSCRIBE');
  });
});

describe('M4: a negative subject in its own clause does not negate the interest after "et/y/e/en/and"', () => {
  it.each([
    ["Personne n'a jamais fait ça pour nous et ça nous intéresse beaucoup."],
    ["Nadie en la tienda sabe hacerlo y nos interesa mucho."],
    // paraphrase
    ["Personne ne le fait et nous sommes intéressés."],
    ["Nessuno lo fa meglio e ci interessa."],
    ["Niemand doet dat en we zijn geïnteresseerd."],
    ["No one has done this and we are very interested."],
    ["Keiner von uns hat Zeit und wir sind interessiert."],
  ])('%s is WARM', (text) => {
    expect(classifyIntent(text, 'Re: Quick question').label).toBe('WARM');
  });
  it.each([
    // paraphrase: a negative subject that governs the interest stays COLD
    ["Nessuno è interessato."],
    ["Nadie en la tienda está interesado."],
    ["Nobody here is so interested."],
    ["Niemand ist also interessiert."],
    ["Nadie está interesado y nadie lo estará."],
    ["We are not interested and we never will be."],
  ])('%s is COLD', (text) => {
    expect(classifyIntent(text, 'Re: Quick question').label).toBe('COLD');
  });
});

describe('paraphrase: non-requests stay non-requests', () => {
  it.each([
    ["Toglimi una curiosità, avete clienti nel food?"],
    ["Togliamoci un pensiero: quanto tempo serve per partire?"],
    ["Eliminami pure il vecchio banner dalla home e partiamo. Quando?"],
    ["Tragen Sie uns bitte für den Workshop im März ein, klingt spannend!"],
    ["Unser Praktikant hört auf, deshalb suchen wir Hilfe. Was kostet das?"],
    ["Stop – this is brilliant, exactly what our store needs. Free on Tuesday?"],
    ["Arrêtez ! C'est exactement ce qu'on cherchait. Appelez-moi demain."],
    ["We don't want these emails landing in promotions, can you help with deliverability?"],
    ["Take me through the pricing tiers, we're keen."],
    ["Does the integration remove all our contacts when we switch plans?"],
    ["Will your app delete all our contacts if we cancel the subscription?"],
    ["Quítame el plan gratuito y ponme el profesional, ¿cuánto es?"],
    ["Denme de baja el plan anual y pásenme al mensual, ¿se puede?"],
    ["Preciso dar baixa nos pedidos automaticamente. Vocês fazem isso?"],
    ["Plus de ventes pour nos clients, c'est ce qu'on cherche. On s'appelle ?"],
    ["Please stop texting and email me instead, keen to hear more."],
    ["Don't call me, email me the details instead. Interested!"],
    ["Keine Anrufe mehr bitte, lieber per E-Mail. Schicken Sie mir das Angebot."],
    ["Ne m'écrivez plus sur WhatsApp, plutôt par mail. Envoyez le devis."],
    ["No me escribas más por Instagram, mejor por correo. ¿Precio?"],
    ["Non chiamatemi più, scrivetemi solo via email. Mandate il listino."],
    ["Stuur me geen berichten meer via LinkedIn, liever per e-mail. Offerte graag."],
    ["Não me ligue mais, prefiro e-mail. Pode mandar o orçamento?"],
    ["Our unsubscribe page looks broken on mobile. Can you fix it? Budget ok."],
    ["Half our subscribers unsubscribe after the first email. How would you fix that?"],
    ["Die Abbestellung des Newsletters klappt bei Kunden nicht. Helfen Sie uns?"],
    ["Il tasso di disiscrizione è alto. Potete aiutarci?"],
    ["El botón de darse de baja no funciona en nuestra tienda. ¿Lo pueden arreglar?"],
    ["Onze klanten willen zich afmelden maar de link werkt niet. Kunnen jullie helpen?"],
    ["Our shoppers want to opt out of SMS but keep email. Can your app do that?"],
    ["Can you opt us out of the annual billing and move us to monthly?"],
    ["Opt me out of the beta program and sign me up for the paid plan, please."],
    ["Yes please, send the proposal.\nNina Berg | Berg Goods | Reply STOP to unsubscribe from our texts."],
    ["Perfetto, mandami il preventivo.\nNegozio Bianchi\nPer disiscriverti dalla newsletter rispondi CANCELLAMI."],
    ["Sounds great, send me the deck.\nLaura | Bloom Shop | Text STOP to 55555 to opt out of offers."],
  ])('%s', (text) => {
    expect(HUMAN).toContain(classifyMail(reply(text)).label);
  });
});

describe('paraphrase: requests stay requests', () => {
  it.each([
    ["Toglimi dalla lista, grazie."],
    ["Stop, grazie."],
    ["Smettetela, grazie."],
    ["Nehmen Sie mich raus."],
    ["Nehmen Sie uns bitte raus."],
    ["Ya no nos escriban más."],
    ["Ya no me escriban, gracias."],
    ["Please take us off your list."],
    ["Remove me from your mailing list, not interested."],
    ["Stop emailing us please."],
    ["Streichen Sie mich aus Ihrem Verteiler."],
    ["Ne m'envoyez plus de mails."],
    ["No me manden más correos."],
    ["Non mandatemi più email."],
    ["Mail me niet meer aub."],
    ["Não me enviem mais e-mails."],
    ["Please unsubscribe us."],
    ["Stop. Remove me."],
    ["I don't want these emails. Please remove me."],
    ["Basta, per favore, non scrivetemi più."],
    ["Stop sending me emails, I'm not interested."],
    ["Cancellatemi dalla vostra lista."],
    ["Cancellami, grazie."],
    ["Rimuovimi dai vostri contatti per favore."],
    ["Dame de baja de tu lista."],
    ["Me dê baixa do cadastro."],
    ["Please stop. Not interested."],
    ["Stop! I've asked you three times already."],
    ["Stopp. Kein Interesse."],
    ["Plus de messages, merci."],
    ["Hören Sie auf, mir zu schreiben."],
    ["Rufen Sie mich nicht mehr an."],
    ["We don't want any more of these emails."],
    ["Basta così con le email, grazie."],
  ])('%s', (text) => {
    expect(classifyMail(reply(text)).label).toBe('UNSUBSCRIBE');
  });
});
