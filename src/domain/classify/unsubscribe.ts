// Requests to stop, in several languages, read from what the person wrote (never from the quoted
// original, which carries our own footer). ARF spam complaints count as unsubscribe requests.
import { foldMemo, type MailInput } from './types.js';

export interface UnsubscribeResult {
  confidence: number;
  reason: string;
  domainWide: boolean;
  complaint: boolean;
}

const STOP_PATTERNS: RegExp[] = [
  // en
  /\bunsubscribe\b/,
  /\b(remove|delete|take|drop|strike) (me|us|my (e-?mail|address|details|data|name)|our (e-?mail|address|company|details)|this (e-?mail|address))\b.{0,40}\b(from|off)\b/,
  /\b(remove|delete) (me|us|my (e-?mail|address|details|data)|this (e-?mail|address))\b[.!,]?\s*$/m,
  /\btake me off\b|\btake us off\b|\bopt (me |us )?out\b|\bopt-out\b/,
  /\b(stop|quit|cease) (e-?mailing|emailing|contacting|messaging|spamming|sending|writing|bothering)\b/,
  /\b(do not|don't|dont|never|please don't|pls don't) (e-?mail|contact|write to|message|mail|spam|send (me|us)|reach out to) (me|us|this|again|anymore|any more)\b/,
  /\b(do not|don't|dont) (ever )?(e-?mail|contact|write|message)\b.{0,30}\b(again|anymore|any more|ever)\b/,
  /\bno (more|further) (e-?mails|emails|messages|contact|mail)\b/,
  /\b(cease|stop|end|discontinue) (all|any|further) (communication|communications|contact|correspondence|e-?mails|emails|outreach)\b/,
  /\b(not|never) (to )?(contact|e-?mail) (me|us) again\b/,
  /\bmark (me|this|us) as (unsubscribed|do not contact)\b/,
  /\b(don'?t|do not|no longer) (want|wish|like) to (receive|get) (any )?(more |further |these |your )?(e-?mails|emails|messages|mails?|newsletters?)\b|\b(want|like|wish|ask) to be (removed|taken off|unsubscribed)\b|\bremoved from (your|the|this|any|all)( future)? (list|lists|e-?mails|emails|mailing|database|communications?)\b|\b(delete|remove|erase) (my|our) (contact )?(details|data|information|info|e-?mail( address)?|address|contact)\b/,
  // the footer of our own mail says "reply STOP": a reply that is only that word is a request to stop
  /^\W*(please |pls |bitte |svp |por favor |per favore )?(stop|stopp|arret|alto|basta|remove|remove me|remove us|delete me|entfernen|austragen|retirer|quitar|rimuovere|verwijderen|remover)( it| this| now| please)?\W*(please|bitte|svp|por favor|per favore|aub)?\W*$/,
  // de
  /\b(abmelden|abbestellen|austragen|abmeldung|abbestellung)\b/,
  /\b(keine|nicht) (weiteren |mehr )?(e-?mails|mails|nachrichten|werbung|kontaktaufnahme|zusendungen)( mehr)?\b/,
  /\b(nicht mehr|nie wieder) (kontaktieren|anschreiben|schreiben|mailen|zu kontaktieren|anzuschreiben)\b/,
  /\b(entfernen|loschen|streichen) sie (mich|uns|meine|unsere)\b|\b(mich|uns) (bitte )?(aus|von) (ihrem|ihrer|dem|der|eurem|eurer) (verteiler|liste|datenbank|mailingliste|e-?mail-?liste)\b/,
  /\bunterlassen sie\b.{0,40}\b(kontakt\w*|e-?mails|mails|nachrichten|anschreiben|zusendung\w*|werbung)\b|\b(horen|hort|hor) (sie )?auf\b.{0,20}\b(schreiben|mailen|kontaktieren|senden|anzuschreiben)\b|\b(mochte|mochten|will|wollen)\b.{0,20}\bkeine\b.{0,20}\b(e-?mails|mails|nachrichten|werbung)\b/,
  /\b(verteiler|liste|datenbank|mailingliste|e-?mail-?liste)\b.{0,30}\b(gestrichen|entfernt|geloscht|ausgetragen|genommen) (werden|haben)\b/,
  // "Bitte schreiben Sie mir nicht mehr", "Kontaktieren Sie mich bitte nicht mehr", "schick mir keine Mails mehr"
  /\b(kontaktier\w*|schreib\w*|anschreib\w*|mail\w*|e-?mail\w*|send\w*|schick\w*|belastig\w*|beliefer\w*|anruf\w*|ruf\w*) (sie |ihr |du )?(mir|mich|uns) (bitte |doch |auch |ab sofort |in zukunft |kunftig )*(nicht mehr|nie wieder|nie mehr|keine (weiteren )?(e-?mails?|mails?|nachrichten|werbung|angebote|newsletter)( mehr)?)\b(?! als)/,
  // "Ich möchte nicht mehr angeschrieben werden", "wir wollen nicht kontaktiert werden"
  /\b(nicht|nie|keinesfalls) (mehr |weiter |langer |wieder |erneut )?(angeschrieben|kontaktiert|angemailt|angerufen|belastigt|beliefert|angesprochen) (werden|zu werden)\b/,
  // "Löschen Sie bitte meine E-Mail-Adresse", "bitte meine Daten löschen", "lösch mich aus dem Verteiler"
  /\b(entfernen|lo(e)?schen|streichen|tilgen) sie (bitte |umgehend |sofort )*(mich|uns|meine|unsere)\b/,
  /\b(meine|unsere) (e-?mail-?adresse|e-?mail|adresse|daten|kontaktdaten|personenbezogenen daten) (bitte |umgehend |sofort )*(aus \w+ \w+ )?(lo(e)?schen|entfernen|streichen)\b|\b(lo(e)?sch|lo(e)?scht|entfern|entfernt) (mich|uns|meine)\b|\blass(en sie|t)? (mich|uns) (bitte )?(in ruhe|zufrieden)\b/,
  /\bwiderspreche\b.{0,60}\b(nutzung|verarbeitung|kontakt|werbung)\b|\bwiderspruch gegen\b/,
  // fr
  /\b(desinscri\w*|desabonn\w*|desinscription|desabonnement)\b/,
  /\bne (plus|jamais) (me|nous) (contacter|ecrire|envoyer|solliciter|relancer)\b|\bne (me |m'|nous )(contactez|ecrivez|envoyez|sollicitez|relancez) plus\b/,
  /\b(retirez|supprimez|enlevez|effacez)[- ](moi|nous)\b|\b(retirez|supprimez|enlevez|effacez) (mon|notre|mes|nos) (adresse|e-?mail|contact|coordonnees|donnees)\b|\b(retirer|supprimer|enlever) (mon|notre|mes) (adresse|e-?mail|contact|coordonnees)\b/,
  /\b(ne )?(souhaite|souhaitons|veux|voulons|desire) (plus|pas|plus jamais) recevoir\b|\bne plus (m'|me |nous )(envoyer|ecrire|contacter|solliciter|relancer)\b/,
  /\b(arretez|cessez) de (m'|nous |me )(envoyer|ecrire|contacter|solliciter)\w*\b/,
  /\b(me|nous) (retirer|supprimer|enlever|radier|desinscrire|effacer) (de|des) (vos|votre|la|les|cette|ces) (listes?|fichiers?|bases?|mailing|listes de diffusion)\b/,
  // "Veuillez cesser de m'envoyer des e-mails", "arrête de m'écrire", "je ne souhaite plus être contacté"
  /\b(arrete[sz]?|arreter|cesse[sz]?|cesser) (donc )?de (m'|nous |me )(envoy|ecri|contact|sollicit|relanc|spamm|harcel|mail)\w*\b/,
  /\bne (souhaite|souhaitons|veux|voulons|desire|desirons) (plus|pas|plus jamais|pas etre|plus etre)( etre)? (contacte|sollicite|relance|demarche)e?s?\b|\bne plus etre (contacte|sollicite|relance|demarche)e?s?\b/,
  /\b(veuillez|merci de|pouvez-vous|pourriez-vous) (me|nous) (retirer|supprimer|enlever|effacer|radier|desinscrire)\b/,
  // es
  /\b(dar(me|nos)? de baja|darse de baja|baja de (su|la|esta) lista|desuscrib\w*|desinscrib\w*|cancelar (la )?suscripcion)\b/,
  /\bno (quiero|queremos|deseo|deseamos) (recibir|que me (escriban|envien|contacten))\b/,
  /\bno (me|nos) (contacte[ns]?|escriba[ns]?|envie[ns]?|mande[ns]?) (mas|nunca)\b|\bno (me |nos )?vuelva[ns]? a (contactar|escribir|enviar|mandar)\w*\b|\bdejen de (enviar|escribir|contactar)\w*\b/,
  /\b(elimine[ns]?|borre[ns]?|quite[ns]?|saque[ns]?)(me|nos)?\b.{0,30}\b(lista|base de datos|correo|email)\b|\b(quitar|eliminar|borrar)(me|nos)\b/,
  // "Por favor, elimíname de su lista", "Deje de enviarme correos", "no me envíes más correos"
  /\b(elimin|borr|quit|saqu|sac|retir|remuev|remov)(a|e|en|ad)?(me|nos)\b.{0,40}\b(lista|listado|base de datos|correos?|emails?|envios|contactos|mailing)\b/,
  /\b(elimin|borr|quit|retir)(a|e|en|ad)[nr]? (mi|mis|nuestro|nuestra|nuestros) (correo|email|e-mail|direccion|datos|contacto)\b/,
  /\b(deje[ns]?|deja|dejad|dejar|paren|para|pare) de (enviar|escribir|contactar|mandar|molestar|llamar)(me|nos|le)?\b/,
  /\bno (me|nos) (vuelva[ns]? a |vuelvas a |sigan |siga |sigas )?(contact|escrib|envi|mand|molest|llam)\w* (mas|nunca|de nuevo|otra vez)\b|\bno (quiero|queremos|deseo|deseamos) (mas )?ser (contactad|molestad)\w*/,
  // it
  /\b(cancellami|cancellatemi|disiscri\w*|annulla(re)? l'iscrizione|rimuovetemi|rimuovermi|toglietemi|togliermi|cancellarmi)\b/,
  /\bnon (mi|ci) (contattate|scrivete|mandate|inviate|contattare|scrivere|contatti|scriva|mandi|invii) piu\b|\bnon (contattatemi|scrivetemi|contattateci|scriveteci|mandatemi|inviatemi)( piu)?\b|\bsmettete(la)? di (scrivermi|contattarmi|inviarmi|scriverci|contattarci)\b/,
  /\bnon (voglio|vogliamo|desidero|desideriamo) (piu )?ricevere\b/,
  /\b(rimuovere|cancellare|eliminare) (il mio|la mia|i miei|il nostro|la nostra) (indirizzo|email|e-mail|contatto|dati)\b/,
  // "smetti/smettete/la smetta di scrivermi", "non contattarmi più", "non desidero essere contattato"
  /\b(smett\w*|cessate|cessi) (di |con )?(scriver|contattar|inviar|mandar|spammar|disturbar)(mi|ci)\b|\bnon (contattarmi|scrivermi|inviarmi|mandarmi|contattarci|scriverci|disturbarmi)\b/,
  /\bnon (voglio|vogliamo|desidero|desideriamo) (piu )?essere (contattat|disturbat|ricontattat)\w*/,
  /\b(rimuovete|cancellate|eliminate|togliete|rimuova|cancelli|elimini|tolga) (il mio|la mia|i miei|il nostro|la nostra) (indirizzo|email|e-mail|contatto|contatti|dati|nominativo|iscrizione)\b|\b(mi|ci) (dalla|dalle|dai|dal) (vostra |sua )?(lista|liste|mailing|database|newsletter|indirizzario)\b/,
  // nl
  /\b(afmelden|uitschrijven|uitschrijving|afmelding)\b/,
  /\b(verwijder|schrap) (mij|me|ons|mijn|onze)\b|\b(mij|ons) (graag )?(verwijderen|uitschrijven|afmelden)\b/,
  /\b(van|uit) (de|jullie|uw|je|deze|het) (mailing ?|verzend)?(lijst|lijsten|bestand|database|mailinglijst) (te )?(halen|verwijderen|afhalen|schrappen|uitschrijven)\b|\bhaal (mij|me|ons)\b.{0,30}\b(lijst|bestand|mailinglijst|database)\b/,
  /\bgeen (e-?mails|mails|berichten|contact) meer\b|\bniet (meer|langer) (te )?(mailen|contacteren|benaderen|e-?mailen|sturen)\b|\bstop (met|maar met) (mailen|e-?mailen|sturen)\b/,
  // "mail mij niet meer", "ik wil niet meer benaderd worden", "hou op met mailen"
  /\b(mail|e-?mail|contacteer|benader|stuur|bel|mailt|stuurt|contacteert|benadert) (mij|me|ons) (a\.?u\.?b\.? |alsjeblieft |alstublieft |graag )?(niet meer|nooit meer|geen (e-?mails|mails|berichten) meer)\b/,
  /\bniet (meer |langer )?(benaderd|gemaild|gecontacteerd|ge-?e-?maild|lastig gevallen) (te )?worden\b|\b(hou|houd|houdt|stop|stopt) (nu )?(op |eens )?met (mailen|e-?mailen|sturen|mij te mailen|ons te mailen|benaderen|contacteren)\b/,
  // pt
  /\b(descadastr\w*|cancelar (a )?(minha )?inscricao|remover (o )?meu (e-?mail|contato|endereco)|retirar (o )?meu)\b/,
  /\b(remova|removam|retire|retirem|excluam|apaguem)(-me|-nos)?\b.{0,30}\b(lista|e-?mail|cadastro|contato)\b/,
  /\b(tire|tirem|tirar|tira)(-me|-nos| me| nos)? (da|dessa|desta|de sua|da sua) (lista|base|mailing|cadastro)\b/,
  /\bnao (quero|queremos|desejo|desejamos) (mais )?receber\b/,
  /\bnao (me|nos) (envie|enviem|mande|mandem|contate|contatem|contacte|contactem|escreva|escrevam) mais\b|\bparem de (me |nos )?(enviar|mandar|contatar|contactar|escrever)\b/,
  // "pare de me enviar", "não quero ser contatado", "me remova da lista"
  /\bpar(e|em|a|ar) de (me |nos )?(enviar|mandar|contatar|contactar|escrever|incomodar)\b/,
  /\bnao (quero|queremos|desejo|desejamos) (mais )?ser (contatad|contactad|incomodad)\w*|\bnao (me|nos) (contate|contatem|contacte|contactem|envie|enviem|mande|mandem|escreva|escrevam|procure|procurem)\b.{0,20}\b(mais|nunca)\b/,
  /\b(me|nos) (remova|removam|retire|retirem|exclua|excluam|tire|tirem|apague|apaguem) (da|de|desta|dessa|do|dos) (sua |vossa )?(lista|base|cadastro|mailing|contatos)\b/,
];

/** Asked for the whole company to be left alone, not only this person. */
const DOMAIN_WIDE = [
  /\b(anyone|anybody|nobody|no one|everyone|any(one)? else|all of us|any of (us|our)|any (other )?(colleague|employee)s?)\b.{0,40}\b(at|in|from) (our|this|the) (company|domain|team|organi[sz]ation|business|firm|store|shop)\b/,
  /\b(our|the) (whole|entire) (company|domain|team|organi[sz]ation)\b|\bentire domain\b|\bour domain\b|\b(company|domain)[- ]wide\b/,
  /\bniemand(en)? (bei|in|aus) (uns|unserem|unserer)\b|\b(unser(e|en)?|das) (ganze|gesamte) (unternehmen|firma|team)\b|\bunsere (domain|firma)\b/,
  /\b(personne|aucun\w*) (de|dans|chez) (notre|nous)\b|\btoute (notre |l')(societe|entreprise|equipe)\b/,
  /\b(nadie|ninguno) (de|en) (nuestra|nuestro)\b|\btoda (nuestra|la) (empresa|compania|organizacion)\b/,
  /\bnessuno (della|del|nella|nel) (nostra|nostro)\b|\btutta (la nostra|l') ?(azienda|societa|organizzazione)\b/,
  /\bniemand (van|bij|binnen) (ons|onze)\b|\bhet hele (bedrijf|team)\b|\bons (hele )?bedrijf\b/,
  /\bninguem (da|na|de) (nossa|nosso)\b|\btoda a (nossa )?(empresa|equipe|equipa)\b/,
];

/** ARF (RFC 5965) feedback reports: the recipient marked our mail as spam. */
export function isComplaint(input: MailInput): boolean {
  const ct = input.contentType.toLowerCase();
  return (/multipart\/report/.test(ct) && /report-type\s*=\s*"?feedback-report/.test(ct)) || /feedback-type\s*:\s*(abuse|fraud|complaint|opt-out|not-spam|other|virus)/i.test(input.feedbackReport ?? '') || /^\s*feedback-type\s*:\s*abuse/im.test(input.text.slice(0, 4000));
}

export function detectUnsubscribe(text: string, subject = ''): UnsubscribeResult | null {
  const t = foldMemo(text.slice(0, 6000));
  const s = foldMemo(subject);
  const hits = STOP_PATTERNS.filter((re) => re.test(t));
  // Subject "Unsubscribe" with an empty body is how mail clients send a List-Unsubscribe mailto.
  const subjectHit = /^\s*(re:\s*)?(unsubscribe|remove|abmelden|desinscription|baja|cancellami|afmelden|descadastrar)\b/.test(s);
  if (!hits.length && !subjectHit) return null;
  // "Don't unsubscribe me" or "I did not ask to unsubscribe" are rare; a negated hit right before keeps it weak.
  const domainWide = DOMAIN_WIDE.some((re) => re.test(t));
  return {
    confidence: Math.min(0.97, 0.8 + 0.06 * hits.length + (subjectHit ? 0.05 : 0)),
    reason: subjectHit && !hits.length ? 'unsubscribe subject' : `asks to stop (${hits.length} phrase${hits.length > 1 ? 's' : ''})${domainWide ? ', whole company' : ''}`,
    domainWide,
    complaint: false,
  };
}
