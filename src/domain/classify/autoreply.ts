// Automatic replies: RFC 3834 headers (Auto-Submitted), the vendor headers that predate it, and the
// text alone, because many out-of-office replies carry no header at all. X-Auto-Response-Suppress is
// set by senders to ask others not to auto-reply; on its own it proves nothing.
import { extractReturnDate } from './dates.js';
import { foldMemo, header, type MailInput } from './types.js';

export interface AutoReplyResult {
  kind: 'out_of_office' | 'auto_reply' | 'delivered_notice' | 'bulk';
  confidence: number;
  reason: string;
  returnDate?: string;
  /** Decided by headers or subject; false when only the text suggested it. */
  strong: boolean;
}

const OOO_SUBJECT =
  /\b(out of (the )?office|ooo|automatic reply|auto(matic)?[- ]?reply|auto[- ]?response|autoreply|away from (the )?office|on (vacation|holiday|leave)|vacation( reply| notice)?|abwesenheit(snotiz|smeldung)?|automatische antwort|nicht im buro|ausser haus|reponse automatique|absent(e)?( du bureau)?|absence|respuesta automatica|fuera de (la )?oficina|ausente|risposta automatica|fuori (ufficio|sede)|assente|automatisch antwoord|afwezig(heid)?|niet aanwezig|resposta automatica|fora do escritorio|ferias|out of office)\b|^auto:/;

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

/** Auto-acknowledgements of support desks and shops, not out-of-office. */
const AUTO_ACK =
  /\b(we (have )?received your (message|e-?mail|request)|thank you for contacting|thanks for (contacting|reaching out to) (us|our)|your (ticket|request|case) (has been|was) (created|received|opened)|do not reply to this (e-?mail|message)|this is an automated|wir haben ihre (nachricht|anfrage) erhalten|nous avons (bien )?recu votre|hemos recibido su|abbiamo ricevuto (la|il) (sua|vostra|tuo)|wij hebben (uw|je) (bericht|e-?mail|aanvraag) ontvangen|recebemos (a )?sua)\b/;

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
  const subjectHit = OOO_SUBJECT.test(subject);
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
  const headerScore = score - (textHits ? Math.min(4, 1.5 * textHits) : 0) - (ack ? 1.5 : 0);
  // One out-of-office sentence plus a return date is enough without any header.
  // The date only matters when it can lift the score over the bar below or goes into the result.
  const needDate = score >= 2.5 || (textHits > 0 && score + 1 >= 2.5);
  const returnDate = needDate ? extractReturnDate(bodyText ?? input.text, ref, undefined) ?? undefined : undefined;
  if (textHits && returnDate) score += 1;
  const bulk = /^(bulk|list|junk)$/.test(precedence) || Boolean(header(input, 'list-id')) || Boolean(header(input, 'list-unsubscribe') && !header(input, 'in-reply-to'));
  // A reply that answers at length with only a passing holiday mention is human: needs header or 2 signals.
  if (score < 2.5) {
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
  };
}
