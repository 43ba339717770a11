// Classifies one inbound message, in the order that matters: bounces first (many real bounces carry
// `Auto-Submitted: auto-replied`), then automatic replies, then requests to stop, then the intent of
// what the person wrote. Pure: the inbox stage parses mail into a MailInput and applies the effects.
import { detectBounce } from './bounce.js';
import { detectAutoReply, detectBulkBody, machineOnly, saysAutomatic, talksWithUs, withoutBulkLines } from './autoreply.js';
import { complaintKind, detectUnsubscribe } from './unsubscribe.js';
import { classifyIntent } from './intent.js';
import { stripReply } from './strip.js';
import { guessLanguage } from './lang.js';
import { foldMemo, header, type Classification as BaseClassification, type MailInput } from './types.js';

export * from './types.js';

/** What the classifier returns (see types.ts), with the addresses a handover asks to remove. */
export interface Classification extends BaseClassification {
  /**
   * A request to remove someone else or an old address while the writer stays ("please remove anna@store.example
   * from your list, she left; send it to me instead", "unsubscribe my old address bob@… and use this one"): the
   * addresses named for removal (possibly none: then the address we mailed, when it is not the writer's). The
   * label is then the writer's own intent (WARM, NEUTRAL, COLD), never UNSUBSCRIBE: the lead is not stopped as
   * unsubscribed, and the writer is not suppressed.
   */
  targets?: string[];
}
export { detectBounce, parseDeliveryStatus } from './bounce.js';
export { detectAutoReply, detectBulkBody } from './autoreply.js';
export { detectUnsubscribe, isComplaint, footerOffer } from './unsubscribe.js';
export { classifyIntent } from './intent.js';
export { stripReply } from './strip.js';
export { extractReturnDate, findDates } from './dates.js';
export { htmlToText, fold } from './text.js';
export { guessLanguage } from './lang.js';

/**
 * Everything but intent: a bounce, an automatic reply or a request to stop is decided here without
 * a model. Returns null for a human reply whose intent is still to be read (offline or by a model),
 * with the stripped text in `bodyText`.
 */
export function classifyAutomatic(input: MailInput): { result: Classification | null; bodyText: string } {
  const r = classifyAutomaticRaw(input);
  if (r.result) r.result.confidence = round2(r.result.confidence);
  return r;
}

function classifyAutomaticRaw(input: MailInput): { result: Classification | null; bodyText: string } {
  const complaint = complaintKind(input);
  if (complaint !== null) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: 0.99, reason: `spam complaint (${complaint})`, complaint: true, domainWide: false, bodyText: '' },
      bodyText: '',
    };
  }
  const bounce = detectBounce(input);
  if (bounce) {
    return {
      result: {
        label: 'BOUNCE',
        confidence: bounce.confidence,
        reason: bounce.reason,
        bounceType: bounce.type,
        bounceRecipient: bounce.recipient,
        bounceStatus: bounce.status,
        bounceCategory: bounce.category,
        ...(bounce.delayed ? { bounceDelayed: true } : {}),
      },
      bodyText: '',
    };
  }
  const stripped = stripReply(input.text);
  const bodyText = stripped.text;
  // A request to stop sent by a mail client on the person's behalf (Apple Mail's "Unsubscribe" banner, Outlook.com,
  // Gmail), to the mailto of our own List-Unsubscribe header: it may carry `Auto-Submitted: auto-replied`, but it
  // is the person's request, never an out-of-office notice.
  const clientUnsub = clientUnsubscribe(input, bodyText);
  if (clientUnsub) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: 0.97, reason: clientUnsub, domainWide: false, complaint: false, lang: guessLanguage(bodyText || input.subject), bodyText },
      bodyText,
    };
  }
  // The language only goes into an automatic result: guessed when one is returned.
  let auto = detectAutoReply(input, bodyText || input.text);
  if (auto && auto.textOnly && stripped.hadQuote && isThreadedReply(input) && !saysAutomatic(foldMemo((bodyText || input.text).slice(0, 8000))) && answersUs(bodyText, input.subject)) {
    // Only the wording suggested an out-of-office, and the message answers ours the way a person does: it is
    // threaded to it (In-Reply-To/References), quotes it under an attribution line or separator, and carries no
    // RFC 3834 header nor an automatic subject. "I'm on holiday, back on Monday. Yes, please send the example."
    // is a human reply: its intent decides (WARM, or NEUTRAL for "estou de férias, falamos em janeiro").
    // Only away wording and a promise to answer on return ("Sono in ferie fino al 6 gennaio, risponderò al mio
    // rientro", "Out of office until Jan 4. Back then.") stays an out-of-office: pausing is what helps.
    auto = null;
  }
  if (auto && !auto.away && auto.kind !== 'bulk') {
    // Automatic mail that is no out-of-office and asks to stop ("Auto-Submitted: auto-generated" + "Please remove
    // us from your list"): a request to stop sent by a machine on the person's behalf. A notice about someone
    // away keeps its label even with an unsubscribe footer of its own (read as a footer's offer, not a request),
    // and list mail (List-Id, Precedence: bulk) is nobody's request to us.
    // Only a clear request counts: a help desk's "please do not email us again about the same order" or "don't
    // contact us via Facebook" speaks of orders, tickets and channels, not of our list.
    const stop = detectUnsubscribe(listRequestSentences(requestLines(bodyText || input.text)), '', { bulk: true });
    if (stop) {
      return {
        result: { label: 'UNSUBSCRIBE', confidence: stop.confidence, reason: `automated request: ${stop.reason}`, domainWide: stop.domainWide, complaint: false, lang: guessLanguage(bodyText || input.subject), bodyText },
        bodyText,
      };
    }
  }
  if (auto && !auto.strong && !machineOnly(foldMemo((bodyText || input.text).slice(0, 8000)))) {
    // Only the text says "away": a person who also says yes or no is a human reply (never lose a WARM one).
    // "This mailbox is not monitored. Please do not contact us here" is a machine's, whatever it asks.
    const intent = classifyIntent(bodyText, input.subject);
    if ((intent.label === 'WARM' || intent.label === 'COLD') && intent.scores[intent.label] >= 3) auto = null;
  }
  if (auto) {
    return {
      result: {
        label: 'AUTO_REPLY',
        confidence: auto.confidence,
        reason: auto.reason,
        returnDate: auto.returnDate,
        departed: auto.departed,
        ...(auto.kind === 'bulk' ? { bulk: true } : {}),
        lang: guessLanguage(bodyText || input.subject),
        bodyText,
      },
      bodyText,
    };
  }
  // Bulk mail told by its body (a store's newsletter or order notice without List-Unsubscribe): its own
  // unsubscribe footer is no request to us. In a reply only what the person wrote counts (our quoted footer
  // does not), and only strong evidence: a person does not write "view in browser | manage preferences".
  let unsub = null as ReturnType<typeof detectUnsubscribe>;
  const isReply = Boolean(header(input, 'in-reply-to') || header(input, 'references')) || REPLY_SUBJECT.test(input.subject);
  const bulk = detectBulkBody(isReply ? bodyText : input.text);
  if (bulk && (bulk.strong || !isReply)) {
    // A real request to stop, written above a footer of the sender's own ("please unsubscribe me"), still counts.
    unsub = detectUnsubscribe(bodyText, input.subject, { bulk: true });
    if (!unsub) {
      let human = false;
      if (!bulk.strong) {
        // What a person would have written above the footer: the footer's own lines ("don't want these
        // emails? unsubscribe here") say nothing of the sender's intent.
        const intent = classifyIntent(withoutBulkLines(bodyText), input.subject);
        human = (intent.label === 'WARM' || intent.label === 'COLD') && intent.scores[intent.label] >= 3;
      }
      if (!human) {
        return {
          result: { label: 'AUTO_REPLY', confidence: bulk.confidence, reason: bulk.reason, bulk: true, lang: guessLanguage(bodyText || input.subject), bodyText },
          bodyText,
        };
      }
    }
  }
  unsub ??= detectUnsubscribe(bodyText, input.subject);
  if (unsub && !unsub.domainWide) {
    // Someone else's address, or the writer's old one, to remove while the writer goes on: a handover.
    const targets = handoverTargets(bodyText, input.from);
    if (targets) {
      const intent = classifyIntent(withoutRemoval(bodyText), input.subject);
      return {
        result: { label: intent.label, confidence: intent.confidence, reason: `asks to remove ${targets.length ? targets.join(', ') : 'another address'}; ${intent.reason}`, targets, lang: intent.lang, bodyText },
        bodyText,
      };
    }
  }
  if (unsub) {
    return {
      result: { label: 'UNSUBSCRIBE', confidence: unsub.confidence, reason: unsub.reason, domainWide: unsub.domainWide, complaint: false, lang: guessLanguage(bodyText || input.subject), bodyText },
      bodyText,
    };
  }
  return { result: null, bodyText };
}

/**
 * A request to stop sent by a mail client for the person, as our List-Unsubscribe mailto asks
 * (`?subject=unsubscribe`): Apple Mail marks it `X-Apple-Unsubscribe: true`; others (Outlook.com, Gmail) send the
 * mailto's subject as is. The reason, or null.
 */
function clientUnsubscribe(input: MailInput, bodyText: string): string | null {
  if (/^\s*(true|yes|1)\b/i.test(header(input, 'x-apple-unsubscribe'))) return 'unsubscribe sent by Apple Mail (X-Apple-Unsubscribe)';
  // The subject of our mailto, sent by a client (automatic, or a short template body). A person who writes a real
  // message under that subject ("how does the unsubscribe link work with GDPR? We're close to buying.") is read
  // like any other reply.
  if (/^\s*unsubscribe\s*$/i.test(input.subject)) {
    const automatic = /^\s*auto-(replied|generated|notified)/i.test(header(input, 'auto-submitted'));
    const words = bodyText.trim() === '' ? 0 : bodyText.trim().split(/\s+/).length;
    const template = /\bautomati|\bgenerated\b|sent this (e-?mail|message) to unsubscribe/i.test(bodyText.slice(0, 2000));
    if (automatic || template || words <= 12) return 'unsubscribe subject (List-Unsubscribe mailto)';
  }
  return null;
}

/**
 * The lines of an automatic message that can carry a request to stop: not a link line ("Unsubscribe from these
 * notifications: https://…") nor a footer line with an unsubscribe word that names nobody ("Manage preferences |
 * Unsubscribe"); "please remove this address from your list" stays.
 */
function requestLines(text: string): string {
  return text
    .slice(0, 12000)
    .split('\n')
    .filter((line) => !/https?:\/\/|www\.|mailto:/i.test(line) && (withoutBulkLines(line).trim() !== '' || /\b(me|us|my|our|this (e-?mail )?address|mich|uns|moi|nous|nos|nuestr\w*|ci|noi|mij|ons|nos|nosso|nossa)\b/i.test(line)))
    .join('\n');
}

/**
 * The sentences of an automatic message that can be a request to leave a list: they name a list, a mailing,
 * marketing mail, an unsubscription or an address to remove ("please remove us from your list", "stop sending
 * marketing emails", "remove this address"), and speak of no order, ticket, request, support matter or channel
 * (Facebook, WhatsApp, phone...). A help desk's "Bitte senden Sie uns keine weiteren E-Mails zu diesem Ticket" is
 * none; nor is "Stuur ons geen berichten meer via Instagram".
 */
export function listRequestSentences(text: string): string {
  return text
    .split(/(?<=[.!?;])\s+|\n+/)
    .filter((s) => {
      const f = foldMemo(s);
      return LIST_CUE.test(f) && !NOT_A_LIST_MATTER.test(f);
    })
    .join('\n');
}
const LIST_CUE =
  /\b(unsubscri\w*|mailing ?lists?|(e-?mail|mailing|contact|distribution|marketing|sales|prospect) (list|database)s?|(your|the|this|our|any|all) (lists?|database|mailings?)|from (your|the) (list|lists|database|system|records|crm)|newsletters?|marketing|promotional|advertising|cold (e-?mails?|outreach)|(this|my|our|the) (e-?mail )?address(es)?|opt(ed)?[ -]?out|verteiler\w*|(e-?mail-?|mailing-?|kontakt|adress)listen?|ihrer liste|der liste|newsletter|werbung|werbe-?\w+|abmeld\w*|abbestell\w*|austrag\w*|meine adresse|unsere adresse|diese adresse|liste de diffusion|(votre|la|vos) (liste|fichier|base)|desinscri\w*|desabonn\w*|publicit\w*|prospection|(mon|notre|cette) adresse|(la|su|tu|sus|vuestra) lista|de la lista|mailing|de baja|publicidad|suscripcion|mi (direccion|correo)|(dalla|la|vostra) lista|dalle vostre liste|disiscri\w*|(il mio|questo|il nostro) indirizzo|(jullie|uw|de) (lijst|mailinglijst|database)|mailinglijst|uitschrijv\w*|afmeld\w*|reclame|(mijn|ons|dit) (e-?mail)?adres|(da|sua) lista|descadastr\w*|(meu|nosso|este) (e-?mail|endereco))\b/;
const NOT_A_LIST_MATTER =
  /\b(orders?|order status|bestell\w*|auftrag\w*|pedidos?|ordin[ei]|bestelling\w*|commandes?|encomendas?|tickets?|case|cases|anliegen|vorgang|requests?|demandes?|solicitud\w*|richiest[ae]|sollecit\w*|aanvra\w*|solicitac\w*|support|helpdesk|help desk|customer service|kundenservice|kundendienst|service client|atencion al cliente|assistenza|klantenservice|atendimento|facebook|instagram|whatsapp|linkedin|twitter|tiktok|messenger|sms|texts?|phone|telefon\w*|telephone|telefono|telefoon|anruf\w*|rufen|appel\w*|llam\w*|chiam\w*|bel|bellen|ligu\w*|ligar|via|here|hier|ici|aqui|qui|same|selben|gleichen|meme|mismo|stesso|zelfde|mesmo)\b/;

/**
 * A reply that says something to us beyond being away: an intent cue (yes, no, later), a request ("send me the
 * example"), or a word of talking it over later ("ne riparliamo dopo", "depois vemos isso").
 */
function answersUs(bodyText: string, subject: string): boolean {
  if (talksWithUs(foldMemo(bodyText.slice(0, 8000)))) return true;
  const intent = classifyIntent(bodyText, subject);
  return intent.reason !== 'no intent cue found';
}

const EMAIL_RE = /[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/gi;

/** Whom a removal names other than the writer: a third person, a colleague, "my old/personal address", an address. */
const OTHER_TARGET =
  /\b(remove|take|delete|drop|unsubscribe|strike) (her|him)\b|\b(my|our) (old|previous|former|personal|private|other|work) (e-?mail )?address\b|\b(my|our) (colleague|coworker|co-worker|predecessor)\b|\b(meine|unsere) (alte|bisherige|private|personliche|fruhere|andere) (e-?mail-?)?adresse\b|\bmeine[nr]? (kollegin|kollegen|vorgangerin|vorganger)\b|\bentfernen sie (sie|ihn)\b|\bmon (ancienne )?adresse (perso|personnelle|privee)\b|\bmon ancienne adresse\b|\bretirez-(la|le)\b|\b(ma collegue|mon collegue|mon predecesseur)\b|\bmi (antigua|vieja|anterior) direccion\b|\bmi direccion (antigua|personal|vieja|anterior)\b|\bmi (companer[oa]|colega)\b|\bil mio (vecchio|precedente) indirizzo\b|\bil mio indirizzo (personale|vecchio|precedente)\b|\b(il mio|la mia) collega\b|\bmijn (oude|vorige|prive|persoonlijke) (e-?mail)?adres\b|\bmijn collega\b|\bmeu (antigo )?(e-?mail|endereco) (antigo|pessoal)\b|\bmeu antigo (e-?mail|endereco)\b|\b(meu|minha) colega\b/;

/** The writer goes on: asks for something, takes over, gives a new address or shows interest. */
const WRITER_STAYS =
  /\b(instead|stattdessen|ab jetzt|von nun an|ab sofort|from now on|a la place|desormais|dorenavant|en su lugar|a partir de ahora|invece|d'ora in poi|voortaan|vanaf nu|em vez|a partir de agora|daqui em diante|i'?m the new|i am the new|ich bin (die|der) neue|interested|interessiert|interesse\w*|interesa\w*|interessat\w*|geinteresseerd|interessad\w*|use this (one|address)|nutzen sie|verwenden sie|schreiben sie (an|mir)|d'ecrire a|ecrivez a|escrib(e|a|an|id) a|scriv(i|ete) a|gebruik|schrijf naar|escrev(a|am) para|angebot gerne|gerne)\b/;

const NOT_INTERESTED =
  /\b(not|no longer|never) (be )?interested\b|\bkein (interesse|bedarf)\b|\bnicht interessiert\b|\bpas (interesse|interessee?s?)\b|\bno (nos |me )?interesa\b|\bnon (ci |mi )?interessa\b|\bniet (meer )?geinteresseerd\b|\bnao (temos |tenho )?interess\w*/;

/** Just before an address: the new one to use, not one to remove ("use", "nutzen Sie ab jetzt", "écrire à"). */
const NEW_ADDRESS_BEFORE =
  /\b(use|write to|send (it |them |everything )?to|contact|reach (me|us) at|nutzen sie|verwenden sie|schreiben sie an|an|ecrire a|ecrivez a|utilisez|escrib\w* a|usa|usad|utiliza|scriv\w* a|gebruik|naar|escrev\w* para|para|utilize)\b[^.;!?\n]{0,25}$/;

/**
 * The addresses a stop request asks to remove when it is a handover, or null when it is the writer's own request:
 * it must name someone or some address other than the writer (OTHER_TARGET, or an address that is not the
 * writer's in the sentence of the request) and the writer must stay (WRITER_STAYS, a request to us). The addresses
 * returned are those named for removal, not the new one to use.
 */
export function handoverTargets(text: string, from: string): string[] | null {
  const t = foldMemo(text.slice(0, 4000));
  const own = from.toLowerCase();
  const named: string[] = [];
  for (const m of t.matchAll(EMAIL_RE)) {
    const addr = m[0].toLowerCase().replace(/\.+$/, '');
    if (addr === own) return null;
    if (NEW_ADDRESS_BEFORE.test(t.slice(Math.max(0, m.index! - 40), m.index!))) continue;
    if (!named.includes(addr)) named.push(addr);
  }
  if (!named.length && !OTHER_TARGET.test(t)) return null;
  if ((!WRITER_STAYS.test(t) && !talksWithUs(t)) || NOT_INTERESTED.test(t)) return null;
  return named;
}

/** The text without its sentences that ask for a removal: what the writer wants besides. */
function withoutRemoval(text: string): string {
  const kept = text.split(/(?<=[.!?,;:])\s+|\n+|\s(?=(and|und|et|y|e|en) )/).filter((s) => s && !/^(and|und|et|y|e|en)$/.test(s) && !detectUnsubscribe(s));
  return kept.join('\n');
}

/** Threaded to an earlier message by its headers. */
function isThreadedReply(input: MailInput): boolean {
  return Boolean(header(input, 'in-reply-to') || header(input, 'references'));
}

/** A reply or a forward by its subject prefix (Re:, AW:, Fwd:, TR:, RV:...). */
const REPLY_SUBJECT = /^\s*(re|aw|antw|antwort|sv|vs|r|rif|res|ref|wg|fw|fwd|tr|rv|enc|doorst)\s*(\[\d+\]|\(\d+\))?\s*:/i;

/** The whole offline classification. */
export function classifyMail(input: MailInput): Classification {
  const { result, bodyText } = classifyAutomatic(input);
  if (result) return result;
  const intent = classifyIntent(bodyText, input.subject);
  return { label: intent.label, confidence: round2(intent.confidence), reason: intent.reason, lang: intent.lang, bodyText };
}

/** Confidence to two decimals: 0.86, never 0.8600000000000001 in JSON. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
