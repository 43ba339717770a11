// Automatic replies: RFC 3834 headers (Auto-Submitted), the vendor headers that predate it, and the
// text alone, because many out-of-office replies carry no header at all. X-Auto-Response-Suppress is
// set by senders to ask others not to auto-reply; on its own it proves nothing.
import { extractReturnDate } from './dates.js';
import { guessLanguage } from './lang.js';
import { footerOffer } from './unsubscribe.js';
import { foldMemo, header, type MailInput } from './types.js';

export interface AutoReplyResult {
  kind: 'out_of_office' | 'auto_reply' | 'delivered_notice' | 'bulk';
  confidence: number;
  reason: string;
  returnDate?: string;
  /** Decided by headers or subject; false when only the text suggested it. */
  strong: boolean;
  /** The notice says the person has left, or the mailbox is no longer read: mail to it reaches nobody. */
  departed?: boolean;
}

/** "No longer with the company" and "this mailbox is not monitored", on folded text (no accents), by language. */
const DEPARTED =
  /\bno longer (work(s|ing)? (at|for|with)|with (the company|us)|employed)\b|\b(has|have) left (the|our) (company|organi[sz]ation|business|team)\b|\bthis (mailbox|inbox|e-?mail address|address) is no longer (monitored|in use|active|read)\b|\b(ist|bin) nicht mehr (im unternehmen|bei uns|fur (uns|das unternehmen)|in unserem unternehmen)\b|\bhat (das unternehmen|unser unternehmen|uns) verlassen\b|\bdiese (e-?mail-?adresse|adresse|mailbox) wird nicht mehr (gelesen|abgerufen|genutzt)\b|\bne fait plus partie de\b|\ba quitte (la societe|l'entreprise|notre (societe|entreprise))\b|\bn'est plus (en poste|dans (la|notre) (societe|entreprise))\b|\bya no (trabaja|forma parte) (en|de|con)\b|\bha dejado (la|nuestra) empresa\b|\bnon (lavora|fa) piu (presso|parte)\b|\bha lasciato (l'azienda|la societa)\b|\bwerkt (hier )?niet meer (bij|voor)\b|\bheeft (het bedrijf|ons) verlaten\b|\bnao (trabalha|faz) mais (na|parte)\b|\bdeixou a empresa\b/;

const OOO_SUBJECT =
  /\b(out of (the )?office|ooo|automatic reply|auto(matic)?[- ]?reply|auto[- ]?response|autoreply|away from (the )?office|on (vacation|holiday|leave)|vacation( reply| notice)?|abwesenheit(snotiz|smeldung)?|abwesend|automatische antwort|nicht im buro|ausser haus|reponse automatique|absent(e)?( du bureau)?|absence|respuesta automatica|fuera de (la )?oficina|ausente|risposta automatica|fuori (ufficio|sede)|assente|automatisch antwoord|afwezig(heid)?|niet aanwezig|resposta automatica|fora do escritorio|ferias|out of office)\b|^auto:/;

/** A business closed for a period, by language: "our office is closed for the holidays", "wir sind in den Betriebsferien". */
const HOLIDAY_CLOSED =
  /\b(we are|we're|we will be|we'll be|our (team|office|offices|store|shop|studio|warehouse|support( team)?|customer (service|support)) (is|are|will be)|the (office|store|shop|team|studio|warehouse) (is|will be)) (closed|on (a )?(winter |summer |christmas |holiday )?(break|holidays?|vacation))\b.{0,80}\b(holidays?|christmas|new year|vacation|break|until|till|through|from|between|reopen\w*|back|returning)\b|\b(we|the (store|shop|office)) (will )?reopen(s|ing)? on\b|\b(betriebsferien|betriebsurlaub)\b|\b(unser (buro|team|laden|shop|lager) ist|wir sind) (vom|bis|ab|zwischen|uber|in den)\b.{0,60}\b(geschlossen|im urlaub|in den ferien)\b|\b(fermeture annuelle|nos bureaux (sont|seront) fermes|(notre|la) (boutique|equipe|societe) (est|sera) fermee)\b|\b(nuestr[ao]s? (oficinas?|tienda|equipo) (esta|estan|estara|estaran) cerrad[ao]s?|cierre por vacaciones)\b|\b(i nostri uffici|il nostro (ufficio|negozio|team)|l'ufficio) (sono|e|sara|saranno) chius[oi]\b|\bchiusura (per ferie|estiva|natalizia)\b|\b(ons kantoor|onze (winkel|webshop)|wij zijn|we zijn) (is |zijn )?(gesloten|met vakantie)\b|\b(nosso escritorio|nossa loja|a nossa equipa|nossa equipe) (esta|estara) (fechad[ao]|de ferias)\b|\bfechad[ao]s? para (ferias|as festas)\b/;

/** Sentences only a machine writes: one alone, without a header, makes the message automatic. */
const MACHINE_ONLY =
  /\bthis (mailbox|inbox|e-?mail address|address) is (no longer|not) (monitored|in use|active|read|checked|attended)\b|\b(do not|please do not|don'?t) reply to this (e-?mail|message|address)\b(?![^.!?\n]{0,20}\b(again|anymore|any more|ever)\b)|\b(this|it) is an? (automated|automatic|auto-generated) (reply|response|message|notification|e-?mail)\b|\b(diese (e-?mail-?adresse|adresse|mailbox|mailadresse) wird nicht (mehr )?(gelesen|abgerufen|uberwacht|betreut))\b|\bcette (adresse|boite) (e-?mail |mail )?n'est (pas|plus) (surveillee|consultee|lue)\b|\b(este|esta) (buzon|direccion|correo) no (esta|es) (supervisad|monitorizad|atendid|revisad)\w*\b|\bquesta (casella|mail|email|indirizzo) non (e|viene) (monitorat|controllat|presidiat|lett)\w*\b|\bdit (e-?mailadres|adres|postvak) wordt niet (gelezen|gecontroleerd|bewaakt)\b|\beste (endereco|e-?mail|email) nao e (monitorad|lid|verificad)\w*\b/;

/** Help desks in every language: a ticket number, "within 24-48 hours". */
const HELPDESK =
  /\b(ticket|case|request) (number|#|no\.?|id)( is)?\s*:?\s*[#a-z0-9-]*\d|\b(ticketnummer|ticket-?nr\.?|vorgangsnummer|numero de (ticket|dossier|demande|caso|solicitud|chamado|protocolo)|numero di (ticket|pratica|richiesta)|numero do (ticket|chamado|pedido de suporte)|protocolo|referentienummer)\s*:?\s*(is |e |es )?#?[a-z0-9-]*\d|\b(innerhalb (von )?|binnen |dans les |sous |en un plazo de |en las proximas |entro |nelle prossime |dentro de |em ate |no prazo de |nas proximas )\d+(\s*(-|bis|a|to|e|tot)\s*\d+)? ?(stunden|werktagen|arbeitstagen|tagen|uur|werkdagen|dagen|heures|jours( ouvres)?|horas|dias( uteis)?|ore|giorni( lavorativi)?)\b/;

/** Out-of-office sentences, by language. Each hit is strong evidence on its own. */
const OOO_TEXT = [
  // en
  /\b(i am|i'm|i will be|i'll be|we are|we're|currently|will be) (currently )?(out of (the )?office|ooo|away|on (annual |parental |maternity |paternity |sick )?(leave|vacation|holiday|holidays)|travel(l)?ing|off)\b/,
  /\bout of (the )?office (until|till|through|from|on|and|with)\b/,
  /\b(limited|no|intermittent|restricted) access to (my )?(e-?mail|emails|inbox)\b/,
  /\b(i will|i'll) (be back|return|respond|reply|get back to you|answer) (on|when|upon|after|as soon as)\b/,
  /\bupon my return\b|\bwhen i return\b|\bon my return\b|\bback in the office\b|\breturning (to the office )?on\b/,
  /\b(this is an|this is|thank you for your (e-?mail|message)\. this is an) (automated|automatic|auto-generated)\b/,
  /\b(automated|automatic|auto-generated) (reply|response|message|notification|e-?mail)\b/,
  /\bfor (urgent|immediate) (matters|issues|requests|enquiries|inquiries|assistance)\b.{0,80}\b(contact|reach|call|email)\b/,
  /\bwe (have )?received your (message|e-?mail|request|inquiry|enquiry)\b.{0,120}\b(will|shall) (get back|respond|reply|be in touch|contact you)\b/,
  /\bthis (mailbox|inbox|address) is (no longer|not) (monitored|in use|active)\b/,
  /\bno longer (work(s|ing)? (at|for|with)|with the company|employed)\b/,
  /\bhas left the (company|organi[sz]ation|business)\b/,
  /\b(ticket|case|request) (number|#|no\.?|id)\s*:?\s*[#a-z0-9-]*\d/,
  // A shop or team closed for a while ("our team is closed for the holidays ... back on January 4").
  HOLIDAY_CLOSED,
  MACHINE_ONLY,
  // Help-desk acknowledgements: "we got your message and will get back to you within 24-48 hours", ticket numbers.
  /\bwe('ve| have)? (got|received|receive) your (message|e-?mail|request|inquiry|enquiry|note)\b|\b(get back|respond|reply|answer) to you within \d+/,
  HELPDESK,
  // de
  /\bich bin (derzeit|zurzeit|aktuell|momentan|vom|ab|bis|leider)?.{0,40}\b(nicht im (buro|haus|office)|abwesend|ausser haus|im urlaub|in urlaub|nicht erreichbar|nicht verfugbar|auf reisen|in elternzeit|krank)\b/,
  /\b(abwesenheitsnotiz|abwesenheit|automatische antwort|automatisch generiert)\b/,
  /\b(ab dem|ab|bis (zum|einschliesslich)?|am) .{0,30}\b(wieder (im buro|erreichbar|da|zuruck|verfugbar)|zuruck)\b/,
  /\bihre (nachricht|e-?mail) wird (nicht )?(weitergeleitet|gelesen)\b|\bin dringenden fallen\b|\bin dringenden angelegenheiten\b/,
  /\b(e-?mails|nachrichten) (werden|wird) (nicht|erst nach meiner ruckkehr|nach meiner ruckkehr)\b|\bnach meiner ruckkehr\b/,
  // fr
  /\bje (suis|serai) (actuellement |en ce moment )?(absent|absente|en conges?|en vacances|hors du bureau|en deplacement|indisponible|en arret)\b/,
  /\b(de retour|je reviendrai|je serai de retour|je rentrerai|reprendrai)\b.{0,30}\b(le|a partir|des|lundi|mardi|mercredi|jeudi|vendredi|\d)/,
  /\b(reponse automatique|message automatique|ceci est un message automatique)\b|\ben cas d'urgence\b|\bpour toute urgence\b/,
  /\bje (traiterai|repondrai a) (votre|vos) (message|e-?mail|mail)s? (a|des) mon retour\b|\ba mon retour\b/,
  // es
  /\b(estoy|estare|me encuentro) (actualmente |fuera de la oficina|de vacaciones|ausente|fuera|de viaje|de baja)\b/,
  /\b(fuera de la oficina|de vacaciones|regresare|volvere|estare de vuelta|a mi regreso|a mi vuelta|respuesta automatica|mensaje automatico)\b/,
  /\bpara (asuntos|temas|cualquier asunto) urgentes?\b/,
  // it
  /\b(sono|saro|mi trovo) (attualmente |al momento )?(fuori (ufficio|sede)|assente|in ferie|in vacanza|in viaggio|in malattia)\b/,
  /\b(fuori ufficio|in ferie|rientrero|saro di ritorno|al mio rientro|al mio ritorno|risposta automatica|messaggio automatico|per urgenze)\b/,
  // nl
  /\b(ik ben|ben ik) (momenteel |tot en met |t\/m |vanaf |tot |niet )?.{0,30}\b(afwezig|niet aanwezig|met vakantie|op vakantie|niet op kantoor|niet bereikbaar|met verlof)\b/,
  /\b(afwezigheidsbericht|automatisch antwoord|automatisch bericht|weer aanwezig|weer op kantoor|weer terug|na mijn terugkomst|bij mijn terugkomst|voor dringende zaken)\b/,
  // pt
  /\b(estou|estarei|encontro-me) (atualmente |actualmente )?(fora do escritorio|ausente|de ferias|em ferias|fora|de licenca|em viagem)\b/,
  /\b(fora do escritorio|de ferias|em ferias|retornarei|regressarei|estarei de volta|no meu retorno|ao meu regresso|resposta automatica|mensagem automatica|assuntos urgentes)\b/,
];

/**
 * Boilerplate that people do not write to one another: an out-of-office notice that carries one of
 * these is automatic even without any header ("limited access to email", "for urgent matters contact",
 * "your message will not be forwarded", "this is an automatic reply"...).
 */
const OOO_BOILERPLATE = [
  /\b(limited|no|intermittent|restricted|sporadic|occasional) (access to|ability to check) (my )?(e-?mail|emails|inbox|messages)\b|\bwithout (access to )?(e-?mail|internet)( access)?\b/,
  /\b(for|in case of|in the case of) (urgent|immediate|pressing) (matters|issues|requests|enquiries|inquiries|assistance|questions|needs)\b|\bif (your (matter|request|enquiry|inquiry) is|it is|this is) urgent\b|\bin (my|the) absence\b|\bwhile i am (away|out)\b.{0,60}\b(contact|reach)\b/,
  /\b(automated|automatic|auto-generated) (reply|response|message|notification|e-?mail)\b|\bthis is an? (automated|automatic|auto-generated)\b/,
  /\b(your|the) (e-?mail|message|mail) (will not|won't) be (forwarded|read)\b|\b(e-?mails|messages) (will not|won't) be (forwarded|monitored|read)\b|\bthis (mailbox|inbox|address) is (no longer|not) (monitored|in use|active)\b/,
  /\bno longer (work(s|ing)? (at|for|with)|with the company|employed)\b|\bhas left the (company|organi[sz]ation|business)\b/,
  /\b(ticket|case|request) (number|#|no\.?|id)\s*:?\s*[#a-z0-9-]*\d/,
  HOLIDAY_CLOSED,
  MACHINE_ONLY,
  /\b(get back|respond|reply|answer) to you within \d+(\s*(-|to)\s*\d+)? ?(business |working )?(hours|days|h)\b/,
  /\b(respond|reply|answer) to (your|all) (e-?mails?|messages?|mails?|enquir(y|ies)|inquir(y|ies)|requests?)\b.{0,40}\b(upon|on|after|when|as soon as)\b.{0,20}\b(my )?return\b/,
  /\bon (annual|parental|maternity|paternity|sick|medical|extended|study) leave\b/,
  /^\W*(thank you|thanks|many thanks) for your (e-?mail|message|mail|note)\b[^\n]{0,80}\b(i am|i'm|i will be|i'll be|currently)\b/,
  // de, fr, es, it, nl, pt: the notices in these languages are boilerplate by their wording
  /\b(abwesenheitsnotiz|automatische antwort|automatisch generiert|in dringenden fallen|in dringenden angelegenheiten|keinen zugriff auf (meine )?e-?mails|wird nicht weitergeleitet|werden nicht weitergeleitet)\b/,
  /\b(reponse automatique|message automatique|en cas d'urgence|pour toute urgence|ne sera pas transfere|acces limite a mes e-?mails)\b/,
  /\b(respuesta automatica|mensaje automatico|para (asuntos|temas|cualquier asunto) urgentes?|acceso limitado al correo)\b/,
  /\b(risposta automatica|messaggio automatico|per urgenze|per questioni urgenti)\b/,
  /\b(afwezigheidsbericht|automatisch antwoord|automatisch bericht|voor dringende zaken|in dringende gevallen)\b/,
  /\b(resposta automatica|mensagem automatica|assuntos urgentes|para urgencias)\b/,
];

/**
 * What a person answering us writes and a notice does not: our name in the opening ("Thanks Ana."),
 * an acknowledgement ("Got it."), a word about our proposal ("will have a look", "read your proposal"),
 * a casual reason to be away ("off to lunch", "in meetings today", "traveling this week"), a question to us.
 */
function humanMarkers(raw: string, text: string): string[] {
  const out: string[] = [];
  const first = raw.replace(/^[\s>]+/, '').slice(0, 120);
  const greet = /^(thanks|thank you|thx|cheers|hi|hey|hello|dear|good morning|morning|afternoon|hallo|liebe|lieber|danke|vielen dank|moin|bonjour|salut|merci|hola|gracias|buenas|ciao|grazie|salve|hoi|dag|dank je|bedankt|ola|oi|obrigad[oa])[ ,]+/i.exec(first);
  if (greet) {
    const rest = first.slice(greet[0].length);
    const word = rest.split(/[\s,.!:;]/)[0]!.toLowerCase();
    const generic = /^(for|you|again|so|very|all|everyone|there|team|sir|sirs|madam|and|thank|thanks|sender|customer|colleague|colleagues|partner|partners|friend|friends|valued|visitor|client|i|für|fur|ihre|ihr|sehr|damen|herren|madame|monsieur|pour|por|su|per|la|il|voor|uw|pelo|pela|pour|de|del|di|van|do|da|vous|usted|lei|u)$/;
    if (!generic.test(word) && /^\p{Lu}\p{Ll}+( \p{Lu}\p{Ll}+)?\s*([.,!:;\u2013\u2014-]|$)/mu.test(rest)) out.push('addresses us by name');
  }
  if (/^\W*(got it|sure|ok(ay)?|noted|sounds (good|interesting|great)|will do|understood|great|perfect|nice|cool|interesting|fair enough|alles klar|klingt (gut|interessant)|verstanden|d'accord|entendu|c'est note|vale|perfecto|entendido|va bene|perfetto|ricevuto|prima|helder|begrepen|combinado|entendi|perfeito)\b/.test(text)) out.push('acknowledges');
  if (/\b(have|take|get) a (look|proper look|closer look|read)\b|\blook (at|into|over) (it|this|that|your)\b|\b(read|review|check|go through|digest|consider|think about|discuss) (it|this|that|your \w+|the (proposal|offer|deck|idea|details))\b|\byour (proposal|offer|pitch|idea|deck|suggestion|note|proposition|service|services|product|app|agency)\b|\b(let me|i need to|i'?ll need to|i have to|i'?ll) (check|ask|talk|discuss|think|run it|loop)\b|\bcircle back\b|\b(schaue?|sehe?) (ich )?(mir )?(das|es|ihr angebot|ihren vorschlag) (gerne |dann |mal |in ruhe )*an\b|\bje (regarde|regarderai|jette|jetterai) (ca|cela|votre|un oeil)\b|\b(lo|le) (miro|mirare|reviso|revisare|echo un vistazo)\b|\b(ci|lo|la) (guardo|guardero|do un'occhiata)\b|\bik (kijk|bekijk) (er|het)\b|\b(vou|irei) (ver|olhar|analisar)\b|\bdou uma olhada\b/.test(text)) out.push('answers what we wrote');
  if (/\b(off to|out (for|at)|at) (lunch|dinner|a meeting|the gym|the doctor'?s?)\b|\bin (meetings|a meeting|back-to-back meetings|workshops)\b|\b(traveling|travelling|on the road|on the go|on my phone|at a (trade ?show|conference|fair)|at the (trade ?show|conference|fair))\b.{0,30}\b(this week|today|right now|at the moment|these days)\b|\b(this week|today|right now|at the moment)\b.{0,20}\b(traveling|travelling|on the road|on the go|swamped|busy|slammed)\b/.test(text)) out.push('casual reason to be away');
  // A question put to us ("can you send pricing?"), not a notice's "Need help?" or "Urgent?".
  if (/\b(can|could|would|will|do|did|does|have|are|should|shall) (you|we)\b[^?\n]{0,160}\?/.test(text)) out.push('asks us a question');
  return out;
}

/** Auto-acknowledgements of support desks and shops, not out-of-office. */
const AUTO_ACK =
  /\b(we (have )?received your (message|e-?mail|request)|thank you for contacting|thanks for (contacting|reaching out to) (us|our)|your (ticket|request|case) (has been|was) (created|received|opened)|do not reply to this (e-?mail|message)|this is an automated|we('ve| have)? (got|received) your (message|e-?mail|request|inquiry|enquiry)|thanks for contacting|wir haben ihre (nachricht|anfrage) erhalten|nous avons (bien )?recu votre|hemos recibido su|abbiamo ricevuto (la|il) (sua|vostra|tuo)|wij hebben (uw|je) (bericht|e-?mail|aanvraag) ontvangen|recebemos (a )?sua)\b/;

export function detectAutoReply(input: MailInput, bodyText?: string): AutoReplyResult | null {
  const autoSubmitted = header(input, 'auto-submitted').toLowerCase().trim();
  const precedence = header(input, 'precedence').toLowerCase().trim();
  const xPrecedence = header(input, 'x-precedence').toLowerCase().trim();
  const xAutoreply = header(input, 'x-autoreply').toLowerCase();
  const xAutorespond = header(input, 'x-autorespond') || header(input, 'x-autoresponder');
  const xAutoGenerated = header(input, 'x-autogenerated').toLowerCase();
  const msExchange = header(input, 'x-ms-exchange-generated-message-source') || header(input, 'x-ms-exchange-inbox-rules-loop');
  const subject = foldMemo(input.subject);
  const text = foldMemo((bodyText ?? input.text).slice(0, 8000));
  const ref = input.date && !Number.isNaN(input.date.getTime()) ? input.date : new Date();

  const reasons: string[] = [];
  let score = 0;
  if (autoSubmitted && autoSubmitted !== 'no') {
    score += 3;
    reasons.push(`Auto-Submitted: ${autoSubmitted.split(';')[0]}`);
  }
  if (/auto_reply|auto-reply/.test(precedence) || /auto_reply|auto-reply/.test(xPrecedence)) {
    score += 3;
    reasons.push('Precedence: auto_reply');
  }
  if (xAutoreply && xAutoreply !== 'no') {
    score += 3;
    reasons.push('X-Autoreply');
  }
  if (xAutorespond) {
    score += 3;
    reasons.push('X-Autorespond');
  }
  if (/reply|auto/.test(xAutoGenerated)) {
    score += 3;
    reasons.push('X-AutoGenerated');
  }
  if (msExchange && /autorepl|out of office|mailbox rules/i.test(msExchange)) {
    score += 2;
    reasons.push('Exchange auto-reply');
  }
  // Only what comes before a reply prefix: "Automatic reply: Re: ..." is a notice, while in "Re: Your
  // vacation collection" the words are our own subject, answered by a person.
  const subjectHit = OOO_SUBJECT.test(subject.replace(/(^|[\s:])(re|aw|antw|antwort|sv|vs|r|rif|res|ref|wg|fw|fwd|tr|doorst)\s*(\[\d+\]|\(\d+\))?\s*:.*$/s, ''));
  if (subjectHit) {
    score += 2;
    reasons.push('subject');
  }
  const textHits = OOO_TEXT.filter((re) => re.test(text)).length;
  if (textHits) {
    score += Math.min(4, 1.5 * textHits);
    reasons.push(`text (${textHits} phrase${textHits > 1 ? 's' : ''})`);
  }
  const ack = AUTO_ACK.test(text);
  if (ack) {
    score += 1.5;
    reasons.push('acknowledgement');
  }
  // "This mailbox is not monitored", "do not reply to this email": no person writes that to us.
  const machine = MACHINE_ONLY.test(text);
  if (machine) {
    score += 1;
    reasons.push('machine wording');
  }
  // An out-of-office subject over a short notice ("Out of office" / "Back Dec 7."): the subject says it all.
  const shortBody = subjectHit && (bodyText ?? input.text).trim().length <= 400;
  if (shortBody) {
    score += 1;
    reasons.push('short notice');
  }
  const headerScore = score - (textHits ? Math.min(4, 1.5 * textHits) : 0) - (ack ? 1.5 : 0) - (machine ? 1 : 0);
  // No header and no subject say "automatic": only the wording does. A person answering us ("Thanks
  // Ana. I'm traveling this week; I'll get back to you when I return on Monday.") is not an
  // out-of-office notice merely because they mention being away: unless the notice boilerplate
  // outweighs what only a person writes, it is a human reply (its intent is read next).
  let personal = false;
  if (headerScore === 0 && (textHits || ack)) {
    const human = humanMarkers((bodyText ?? input.text).slice(0, 2000), text);
    const boiler = OOO_BOILERPLATE.filter((re) => re.test(text)).length;
    personal = human.length > 0 && human.length > boiler;
  }
  // One out-of-office sentence plus a return date is enough without any header.
  // The date only matters when it can lift the score over the bar below or goes into the result.
  const needDate = !personal && (score >= 2.5 || (textHits > 0 && score + 1 >= 2.5));
  const returnDate = needDate ? extractReturnDate(bodyText ?? input.text, ref, guessLanguage(bodyText ?? input.text)) ?? undefined : undefined;
  if (textHits && returnDate) score += 1;
  const bulk = /^(bulk|list|junk)$/.test(precedence) || Boolean(header(input, 'list-id')) || Boolean(header(input, 'list-unsubscribe') && !header(input, 'in-reply-to'));
  // A reply that answers at length with only a passing holiday mention is human: needs header or 2 signals.
  if (score < 2.5 || personal) {
    if (bulk && !header(input, 'in-reply-to')) return { kind: 'bulk', confidence: 0.7, reason: 'bulk or list mail', strong: true };
    return null;
  }
  const ooo = subjectHit || textHits > 0;
  return {
    kind: ooo ? 'out_of_office' : 'auto_reply',
    confidence: Math.min(0.98, 0.55 + score * 0.08),
    reason: `${ooo ? 'out of office' : 'automatic reply'}: ${reasons.join(', ')}`,
    returnDate: ooo ? returnDate : undefined,
    strong: headerScore >= 2,
    departed: DEPARTED.test(text) || undefined,
  };
}

/**
 * Bulk mail told by its body alone (no List-Unsubscribe, no Precedence: a store's newsletter sent from Gmail
 * or a small ESP, an order or shipping notification): the footer and wording of marketing mail, by language.
 * Each kind of evidence counts once, with its weight; on folded text.
 */
const BULK_SIGNALS: { name: string; weight: number; re: RegExp }[] = [
  {
    name: '"you receive this because"',
    weight: 2,
    re: /\b(you('re| are)? receiv(e|ing) (this|these)|you received this|this (e-?mail|message|newsletter|mail) (was|has been|is) sent to|you (are|were) (subscribed|signed up)|you('ve| have) (subscribed|signed up|opted in)|because you (subscribed|signed up|opted in|registered|made a purchase|are a (customer|subscriber|member)|shopped|created an account)|sie erhalten diese[n]? (e-?mail|nachricht|newsletter|mail)|diese (e-?mail|nachricht) wurde an \S+ (gesendet|verschickt)|weil sie sich (fur|bei|zu) |vous recevez (cet|ce|cette) (e-?mail|email|message|newsletter|courriel|lettre)|(cet|ce) (e-?mail|email|courriel|message) (a ete|vous a ete) envoye|vous etes inscrit|recibes este (correo|email|e-mail|mensaje|boletin)|has recibido este (correo|email|e-mail|mensaje)|este (correo|email|mensaje) (fue|ha sido) enviado|porque te (suscribiste|registraste)|ricevi questa (email|e-mail|newsletter|mail)|hai ricevuto questa (email|e-mail|mail)|questa (email|e-mail|mail) (e stata|ti e stata) inviata|perche (sei iscritto|ti sei iscritto)|je ontvangt deze (e-?mail|nieuwsbrief|mail)|u ontvangt deze (e-?mail|nieuwsbrief|mail)|deze (e-?mail|mail) is (verzonden|verstuurd) naar|omdat (je|u) (zich )?(bent |hebt |heeft )?(ingeschreven|aangemeld)|voce (esta )?receb(e|endo) (este|esse) (e-?mail|email)|recebeu este (e-?mail|email)|este (e-?mail|email) foi enviado para|porque (voce )?se (inscreveu|cadastrou))\b/,
  },
  {
    name: 'manage preferences',
    weight: 2,
    re: /\b(manage|update|change|edit) (your |my )?(e-?mail |email |subscription |notification |communication |marketing )?(preferences|subscriptions?)\b|\b(e-?mail|subscription|notification|communication) preferences\b|\bpreference cent(er|re)\b|\bnewsletter-?einstellungen\b|\b(einstellungen|praferenzen) (verwalten|andern|anpassen)\b|\b(gerer|modifier) (mes|vos|tes) (preferences|abonnements)\b|\b(gestionar|actualizar|cambiar) (tus|sus|mis) preferencias\b|\b(gestisci|aggiorna|modifica) (le )?(tue |mie )?preferenze\b|\b(voorkeuren|instellingen) (beheren|wijzigen|aanpassen)\b|\b(gerenciar|atualizar|alterar|gerir) (suas |as suas |minhas )?preferencias\b/,
  },
  {
    name: 'view in browser',
    weight: 2,
    re: /\bview (this (e-?mail|email|message|newsletter) )?(in|on) (your |a |the )?(web ?)?browser\b|\bview (it |this )?online\b|\bview as (a )?web ?page\b|\bweb version\b|\btrouble viewing this (e-?mail|email|message)\b|\b(e-?mail|email|message) (is )?not displaying (correctly|properly)\b|\bim browser (anzeigen|ansehen|offnen|lesen)\b|\bonline-version\b|\bwebversion\b|\b(voir|afficher|consulter) (cet (e-?mail|email) |ce message |la version )?(en ligne|dans (le|votre) navigateur)\b|\bversion en ligne\b|\bver (este (correo|email|mensaje) )?en (el |tu |su )?navegador\b|\bver (la )?version (web|online|en linea)\b|\bvisualizza (questa (email|e-mail|mail) )?(nel (tuo )?browser|online|la versione web)\b|\bversione (web|online)\b|\bbekijk (deze (e-?mail|mail|nieuwsbrief) )?(in (je|uw) browser|online)\b|\bwebversie\b|\bonline bekijken\b|\b(ver|visualizar|abrir) (este (e-?mail|email) )?(no (seu )?navegador|online)\b|\bversao (web|online)\b/,
  },
  {
    name: 'order or shipping notification',
    weight: 2,
    re: /\byour (order|package|parcel|shipment|purchase)( #?[a-z0-9-]{0,20}\d)? (has|is|was|will be)( now| been| being)? (shipped|on (its|the) way|dispatched|delivered|confirmed|out for delivery|ready for (pickup|collection)|processed|prepared|received)\b|\b(order|shipping|shipment|dispatch) confirmation\b|\bthank you for your (order|purchase)\b|\bihre (bestellung|sendung|lieferung)( #?[a-z0-9-]{0,20}\d)? (wurde|ist)( soeben| heute| gerade)? (versandt|versendet|verschickt|unterwegs|zugestellt|bestatigt|eingegangen)\b|\b(bestell|versand)bestatigung\b|\bvotre (commande|colis)( n°? ?#?[a-z0-9-]{0,20}\d)? (a ete|est)( bien)? (expedi|envoy|livr|confirm|en route|en cours)\w*|\bconfirmation de (commande|l'expedition)\b|\b(tu|su) (pedido|paquete|envio)( #?[a-z0-9-]{0,20}\d)? (ha sido|fue|esta|se ha)( ya)? (enviado|confirmado|entregado|en camino|expedido)\b|\bconfirmacion de (pedido|envio)\b|\bil (tuo|suo) (ordine|pacco)( #?[a-z0-9-]{0,20}\d)? (e stato|e in arrivo|e in consegna)\b|\bconferma (d'ordine|dell'ordine|di spedizione)\b|\b(je|uw) (bestelling|pakket)( #?[a-z0-9-]{0,20}\d)? (is|wordt)( onderweg| verzonden| bevestigd| bezorgd| verstuurd)\b|\bbestelbevestiging\b|\bseu (pedido|pacote|envio)( #?[a-z0-9-]{0,20}\d)? (foi|esta|ja foi)( enviado| confirmado| entregue| a caminho| despachado)\b|\bconfirmacao (do|de) pedido\b/,
  },
  {
    name: 'tracking',
    weight: 2,
    re: /\btracking (number|no\.?|code|id|link)\b|\btrack (your|my) (order|package|parcel|shipment|delivery)\b|\bsendungs(verfolgung|nummer)\b|\b(numero|n°) de suivi\b|\bsuivre (mon|votre) (colis|commande)\b|\b(numero|codigo) de seguimiento\b|\bsigue tu (pedido|paquete|envio)\b|\bnumero di tracciamento\b|\btraccia (il )?(tuo )?(pacco|ordine|spedizione)\b|\btrack (&|and|en) trace\b|\bvolg (je|uw) (pakket|bestelling|zending)\b|\bcodigo de rastreio\b|\brastrei(e|o|ar) (seu|o) (pedido|pacote)\b|\bacompanhe (a entrega|o (seu )?pedido)\b/,
  },
  {
    name: 'copyright line',
    weight: 1,
    re: /©|\(c\) ?(19|20)\d\d\b|\bcopyright\b|\ball rights reserved\b|\balle rechte vorbehalten\b|\btous droits reserves\b|\btodos los derechos reservados\b|\btutti i diritti riservati\b|\balle rechten voorbehouden\b|\btodos os direitos reservados\b/,
  },
  {
    name: 'promotion',
    weight: 1,
    re: /\b(shop|buy) (now|today|the (sale|collection))\b|\b\d{1,2} ?% off\b|\bfree (shipping|delivery|returns) (on|over|for|with)\b|\buse (the )?(code|coupon|promo code|discount code)\b|\bnew arrivals\b|\bsale (ends|starts|is on|is live)\b|\blimited[- ]time (offer|only)\b|\bjetzt (shoppen|kaufen|bestellen|entdecken)\b|\bversandkostenfrei\b|\bgutscheincode\b|\b(acheter|commander|decouvrir) maintenant\b|\blivraison (gratuite|offerte)\b|\bcode promo\b|\b(compra|compre|comprar) (ahora|ya|agora|ja)\b|\benvio gratis\b|\b(acquista|compra) ora\b|\bspedizione gratuita\b|\bcodice sconto\b|\bshop nu\b|\bgratis verzending\b|\bkortingscode\b|\bfrete gratis\b|\bcupom\b|\b(use|usa|utiliza|utilisez|verwenden sie|gebruik) (el |le |den |de )?(codigo|cupon|code|kortingscode)\b/,
  },
];

export interface BulkResult {
  confidence: number;
  reason: string;
  /** Enough evidence that nothing a person wrote could explain it (several footer signals). */
  strong: boolean;
}

/**
 * Bulk mail from its body: an unsubscribe link or line offered as a footer does ("Unsubscribe: https://…",
 * "unsubscribe here", "Unsubscribe | Manage preferences"), "you receive this because you subscribed", "view in
 * browser", an order or shipping notification, a copyright line and promotions. `text` is what to read: the
 * whole body of a fresh message, or what the person wrote in a reply (never our quoted original).
 */
export function detectBulkBody(text: string): BulkResult | null {
  // The head and the tail of a long newsletter: the footer is at the bottom.
  const raw = text.length > 12000 ? `${text.slice(0, 6000)}\n${text.slice(-6000)}` : text;
  const t = foldMemo(raw);
  let score = 0;
  const found: string[] = [];
  if (footerOffer(t)) {
    score += 2;
    found.push('unsubscribe link');
  }
  for (const s of BULK_SIGNALS) {
    if (s.re.test(t)) {
      score += s.weight;
      found.push(s.name);
    }
  }
  if (score < 2) return null;
  const kind = found.includes('order or shipping notification') || found.includes('tracking') ? 'order or shipping notification' : 'newsletter footer';
  return {
    confidence: Math.min(0.95, 0.65 + 0.05 * score),
    reason: `bulk mail: ${kind} (${found.join(', ')})`,
    strong: score >= 4,
  };
}

/** The lines of a text that belong to a bulk footer or notice (any unsubscribe word, "view in browser"...), removed. */
export function withoutBulkLines(text: string): string {
  return text
    .slice(0, 12000)
    .split('\n')
    .filter((line) => {
      const f = foldMemo(line);
      return !BULK_LINE_WORD.test(f) && !BULK_SIGNALS.some((s) => s.re.test(f));
    })
    .join('\n');
}
const BULK_LINE_WORD =
  /\b(unsubscribe|opt[ -]out|abmelden|abbestellen|desinscri\w*|desabonn\w*|de baja|suscripcion|disiscri\w*|iscrizione|uitschrijven|afmelden|descadastr\w*|inscricao|no longer (wish|want) to receive|stop receiving|(don'?t|do not) want (these|our) e-?mails)\b/;
