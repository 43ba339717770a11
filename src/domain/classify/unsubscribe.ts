// Requests to stop, in several languages, read from what the person wrote (never from the quoted
// original, which carries our own footer). ARF spam complaints count as unsubscribe requests.
import { foldMemo, type MailInput } from './types.js';
import { RegexGate } from './gate.js';

export interface UnsubscribeResult {
  confidence: number;
  reason: string;
  domainWide: boolean;
  complaint: boolean;
}

/** Requests to leave the whole company alone: stop requests that are domain-wide by themselves. */
const COMPANY_STOP: RegExp[] = [
  // The whole company: "remove our whole company from your list", "take our domain off your list", "remove
  // everyone at our company", "delete all our addresses from your database", "remove us all".
  /\b(remove|delete|take|drop|strike|purge|erase|wipe|scrub|unsubscribe) (all (of )?our (company|business|domain|team|organi[sz]ation|store|shop|firm|staff|people|employees|colleagues|addresses|e-?mail addresses|e-?mails|contacts|details|records)|(our|the) (whole |entire )?(company|business|domain|team|organi[sz]ation|store|shop|firm|staff|people|employees|colleagues))\b.{0,60}\b(from|off|out of) (your|the|this|any|all)( \w+)? (list|lists|mailing|database|system|crm|records|distribution|contacts|outreach|campaigns?|newsletters?|e-?mails?|sequences?)\b/,
  /\b(remove|delete|take|drop|strike|purge|erase|unsubscribe) (every ?(one|body)|any ?(one|body)|all (of )?(us|the (people|staff|employees|addresses|contacts)))( else)? (at|in|from|of) .{0,60}\b(from|off|out of) (your|the|this|any|all)\b/,
  /\b(remove|delete|unsubscribe|take off|drop) (us all|all of us|every ?(one|body)( else)? (at|in|from) \S+|any ?(one|body)( else)? (at|in|from) \S+|(me|us) and (my|our|all my|all our) (colleagues|co-?workers|team(mates)?|staff|employees))\b/,
  /\b(don'?t|do not|never|stop|quit|cease|no longer) (e-?mail(ing)?|contact(ing)?|messag(e|ing)|writ(e|ing) to|reach(ing)? out to|spam(ming)?|pitch(ing)?|send(ing)? (e-?mails|emails|mail|messages) to|mail(ing)?) (any ?(one|body)|every ?(one|body)|people|any of (us|our)|our (staff|team|employees|people|colleagues|company|domain))\b(?! else)(?![^.!?\n]{0,40}\b(except|but|other than|besides|apart from|instead of) (me|us|myself)\b)/,
  /\b(nobody|no one|none of us|no-one) (at|in|from|here at) \S+ (wants?|needs?|asked for) (these|your|any|this|such) (e-?mails|emails|messages|mails?|spam|newsletters?)\b/,
  // "Kontaktieren Sie niemanden mehr bei uns", "nehmen Sie unsere Domain aus Ihrem Verteiler", "löschen Sie alle unsere Adressen"
  /\b(kontaktier\w*|schreib\w*|anschreib\w*|mail\w*|e-?mail\w*|send\w*|schick\w*) (sie |ihr |du )?(bitte )?(niemand(en|em)?|keinen (von uns|unserer \w+)|keine (unserer|unsere) \w+) (mehr |bitte )*(bei|in|aus|von|an|aus) (uns|unserem|unserer|unseren)\b|\b(niemand(en|em)?|keinen) (bei|in|aus|von) (uns|unserem \w+|unserer \w+) (mehr )?(kontaktieren|anschreiben|anmailen|schreiben)\b/,
  /\b(nehmen|streichen|entfernen|lo(e)?schen|tragen) sie (bitte )?(unsere|unser|alle unsere|alle) (ganze |gesamte |komplette )?(firma|unternehmen|domain|domane|team|adressen|e-?mail-?adressen|mitarbeiter|kontakte|kollegen)\b|\b(unsere|unser|alle unsere) (ganze |gesamte |komplette )?(firma|unternehmen|domain|domane|team|adressen|e-?mail-?adressen|mitarbeiter|kontakte) (bitte |umgehend |sofort )*(aus|von) (ihrem|ihrer|dem|der|eurem|eurer) (verteiler|liste|datenbank|mailingliste|e-?mail-?liste)\b/,
  // "Merci de ne plus contacter personne chez nous", "ne contactez plus personne de notre société",
  // "retirez toute notre entreprise de votre liste", "supprimez toutes nos adresses", "retirez notre domaine"
  /\bne plus (contacter|ecrire a|solliciter|relancer|demarcher|envoyer (de |d')?[\w-]+ a) (personne|aucun\w*|quiconque|qui que ce soit)\b|\bne (contactez|ecrivez a|sollicitez|relancez|demarchez|envoyez [\w'-]+ a) plus (personne|aucun\w*|quiconque)\b/,
  // "No contacten a nadie de nuestra empresa", "eliminen a toda nuestra empresa de su lista", "borren todas nuestras direcciones"
  /\bno (contacten|escriban|envien|manden|contacte|escriba|envie|mande|contactes|escribas)( mas| nunca)? (mas )?((correos|emails|e-mails|mensajes|nada) )?(a )?(nadie|ninguno|ninguna persona)\b|\bdejen de (contactar|escribir|enviar \w+|mandar \w+) a (nadie|todos|cualquier)\b/,
  /\b(elimin|borr|quit|saqu|sac|retir|remuev|dar de baja)(e|en|ad|a|ar)?n? (a )?(toda nuestra|todo nuestro|todas nuestras|todos nuestros|nuestro|nuestra|nuestros|nuestras) (empresa|compania|equipo|dominio|direcciones|correos|tienda|personal|organizacion|contactos)\b/,
  // "Non contattate più nessuno della nostra azienda", "rimuovete tutta la nostra azienda", "cancellate tutti i nostri indirizzi"
  /\bnon (contattate|scrivete|contattare|scrivere|contatti|scriva|inviate|mandate)( piu)? ((email|e-mail|messaggi|nulla) )?(a )?nessuno\b/,
  /\b(rimuovete|cancellate|eliminate|togliete|rimuova|cancelli|elimini|tolga|rimuovere|cancellare|eliminare|togliere) (tutta la nostra|tutto il nostro|tutti i nostri|tutte le nostre|il nostro|la nostra|i nostri|le nostre) (azienda|societa|team|dominio|indirizzi|email|e-mail|negozio|organizzazione|personale|contatti|colleghi)\b/,
  // "Mail niemand van ons meer", "neem met niemand bij ons nog contact op", "verwijder al onze adressen"
  /\b(mail|e-?mail|contacteer|benader|stuur|bel|mailt|stuurt|contacteert|benadert) (a\.?u\.?b\.? |alsjeblieft |alstublieft |graag )?(niemand|geen van ons|geen enkele (medewerker|collega)) (meer )?(van|bij|binnen|uit) (ons|onze)\b|\b(met )?niemand (van|bij|binnen) (ons|onze \w+) (meer|nog)\b|\b(verwijder|schrap|haal) (al onze|alle onze|onze|onze hele|onze volledige) (adressen|e-?mailadressen|bedrijf|domein|team|organisatie|winkel|medewerkers|contacten)\b/,
  // "Não contatem mais ninguém da nossa empresa", "removam toda a nossa empresa da lista", "apaguem todos os nossos endereços"
  /\bnao (contatem|contactem|enviem|escrevam|mandem|contate|contacte|envie|escreva|mande)( mais)? (mais )?((e-?mails|mensagens|nada) )?(a |para )?(ninguem|nenhum\w*)\b/,
  /\b(remova|removam|retire|retirem|exclua|excluam|tire|tirem|apague|apaguem|remover|excluir|apagar|retirar) (toda a nossa|todo o nosso|todos os nossos|todas as nossas|a nossa|o nosso|nossa|nosso|nossos|nossas) (empresa|equipe|equipa|dominio|enderecos|e-?mails|loja|organizacao|contatos|contactos|funcionarios|colaboradores)\b/,
];

/** Lists, databases and mailings a person asks to be taken out of, in every supported language. */
const LIST_NOUN =
  '(list|lists|mailing ?list|mailing|database|system|crm|records|distribution( list)?|contacts|outreach|campaigns?|newsletters?|e-?mail list|e-?mails|sequences?|liste|listen|verteiler\\w*|datenbank\\w*|mailingliste\\w*|e-?mail-?liste\\w*|adressliste\\w*|kartei|fichiers?|bases?( de donnees)?|listes? de diffusion|lista|listas|listado|base de datos|envios|mailings?|liste|indirizzario|lijst|lijsten|bestand|mailinglijst|cadastro|contatos|contactos)';
/** Who is to be taken off: the writer, a colleague ("him", "her", "my boss"), an address, "this address". */
const REMOVED_PERSON =
  '(me|us|him|her|them|this (person|contact|address|e-?mail( address)?)|(my|our) (\\w+ )?(colleague|boss|assistant|manager|ceo|owner|partner|founder|director|husband|wife|client)|[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})+)';

/**
 * What may follow an Italian "toglimi / cancellami / rimuovici": the end of the clause, politeness, or the list
 * ("dalla lista", "dai vostri contatti"). Not "toglimi un dubbio", "levami una curiosità", "cancellami
 * l'appuntamento", "rimuovici il vecchio logo".
 */
const IT_LIST_AFTER =
  '(?=\\s*(?:[.!,;:]|$|(?:pure |subito |per favore |grazie |per sempre |definitivamente )*(?:per favore|grazie|subito)\\b|(?:pure |subito |per favore |definitivamente )*(?:dalla|dalle|dai|dal|da|dagli|dall\'|dalla vostra|dai vostri) ?(?:vostra |vostre |vostri |vostro |sua |sue |suoi |tua |questa |questo |queste |questi |la |le |i |il |gli )?(?:\\w+ )?(?:lista|liste|mailing|mailing list|database|newsletter|indirizzario|contatti|invii|email|e-mail|mail|elenco|rubrica|comunicazioni|iscritti)\\b))';

/**
 * Imperative and third-person requests to stop (session 11): "dame de baja", "me dê baixa", "toglimi dalla
 * lista", "tragen Sie mich aus", "entfernen Sie diese Adresse aus Ihrem Verteiler", "retirer cette adresse",
 * "remove him / boss@x from your list", "please stop" as a sentence of a longer reply, "I don't want these
 * emails", "no más correos". Each is checked for negation like every stop pattern.
 */
const IMPERATIVE_STOP: RegExp[] = [
  // en: someone else, or an address, off the list: "take her off your list", "remove boss@x from your mailing list"
  new RegExp(`\\b(remove|delete|drop|strike|erase|scratch|unsubscribe|unlist) ${REMOVED_PERSON}\\b(?:(?!\\b(?:through|into|onto|to|for)\\b)[^.!?,\\n]){0,40}\\b(from|off|out of) (your|the|this|any|all|our)( \\w+)?( \\w+)? ${LIST_NOUN}\\b|\\btake ${REMOVED_PERSON} (off|out of) (your|the|this|any|all|our)( \\w+)?( \\w+)? ${LIST_NOUN}\\b`),
  /\b(remove|delete|erase|purge|unsubscribe) (all|every one|each) (of )?(our|my) (addresses|e-?mail addresses|e-?mails|contacts|details|people|colleagues)\b/,
  // "I don't want these emails", "we don't need any more of your messages", "he does not want these emails"
  // (A person says it: a footer asks it, "Don't want these emails anymore? Unsubscribe here.")
  /\b(i|we|he|she|they) (really |just |simply |certainly |definitely )?(don'?t|do not|doesn'?t|does not|no longer) (want|need|wish to (receive|get)|like)( to (receive|get))? (these|your|any|such|those|this kind of|more|further|any more)( of (your|these|those|the|this))?( \w+)? (e-?mails|emails|mails|messages|newsletters|spam|sales (e-?mails|pitches)|pitches|cold e-?mails)\b(?=\s*(?:[.!;]|,(?! (?:we|i) (?:need|want|would|'d|are|prefer))|$|(?:from (?:you|your \w+|this \w+)|any ?more|please|thanks|thank you|again|at all)\b))(?![^.!?\n]{0,30}\?)/m,
  // "please stop", "stop.", "Arrêtez, svp.", "Basta!" as a sentence of its own (a full stop or the end follows)
  /(^|[.!?,;:\n]|\s-)\s*(please |pls |so |just |bitte |svp |por favor |per favore |alsjeblieft |por favor,? )?(stop|stop it|stop this|stop now|stop already|stopp|arretez|arrete|cessez|stoppez|basta|smettetela|smettila|smettete|parad|paren|chega|pare|parem|hou op|stop ermee|stop daarmee),?( please| now| immediately| it| this| already| svp| s'il vous plait| bitte| por favor| per favore| alsjeblieft| aub| grazie| danke| merci| gracias| obrigad[oa]| thanks| thank you| bedankt| dank je| dank u)?\s*(?=[.!]|$)/m,
  // de: "Tragen Sie mich aus", "nehmen Sie mich aus allen Ihren Listen", "entfernen Sie diese Adresse", "hören Sie auf"
  /\btrag(en sie|t|e)? (mich|uns|diese adresse|meine adresse|die adresse)\b[^.!?,;\n]{0,50}\baus\b(?=\s*(?:[.!,;]|$|bitte\b|danke\b|(?:ihrem|ihrer|ihren|eurem|eurer|allen|dem|der|den) (?!(?:kalender|termin))))/m,
  // "Nehmen Sie mich bitte raus", "nimm mich da raus"
  /\b(nehm(en sie|t|e)?|nimm|streich(en sie|t|e)?|werf(en sie|t|e)?|wirf) (bitte |doch |endlich |sofort )*(mich|uns|diese adresse|meine adresse)( bitte| doch| endlich| sofort| da| dort| hier)* (raus|heraus)\b/,
  new RegExp(`\\b(nehm(en sie|t|e)?|streich(en sie|t|e)?|entfern(en sie|t|e)?|losch(en sie|t|e)?|loesch(en sie|t|e)?|tilg(en sie|t|e)?) (bitte |umgehend |sofort )*(mich|uns|diese|die|meine|unsere|folgende)( (e-?mail-?)?adresse| e-?mail)?\\b[^.!?\\n]{0,30}\\b(aus|von) (\\w+ ){0,2}${LIST_NOUN}\\b`),
  /\b(entfern|losch|loesch|streich|tilg|nehm)\w* (sie )?(bitte |umgehend |sofort )*(diese|die|meine|unsere|folgende) (e-?mail-?)?adresse\b/,
  /(?:\b(?:horen sie|hort ihr|hor)|(?:^|[.!?]\s*)(?:bitte )?hort) (bitte |doch |endlich |jetzt |sofort |damit )*auf(?=\s*([.!,;]|$|damit\b|mit (den|dem|diesen|ihren|euren|dieser|ihrer) (e-?mails|mails|nachrichten|anschreiben|anfragen|werbung)))/m,
  // fr: "retirer cette adresse", "supprimez mon e-mail de votre liste", "plus de mails, merci"
  /\b(retir|supprim|enlev|effac|ray|desinscri|radi)\w* ((cette|mon|ma|notre|mes|nos|ces) ?(adresse|adresses|e-?mails?|courriels?|contacts?)|l'(adresse (e-?)?mail|adresse electronique|e-?mail))\b/,
  /(^|[.!?,;:\n])\s*(merci de ne )?plus (de |d')(e-?mails|mails|courriels|messages|relances|sollicitations)\b(?=\s*(?:[.!,;]|$|svp\b|s'il\b|merci\b|de (?:votre|ta|vous)\b))/m,
  // es: "dame de baja", "denme de baja", "baja de tu lista", "no más correos"
  /(?:\b(da|de|den|dad)(me|nos) de baja\b|\b(deme|denos|denme) de baja\b)(?! (?:el|la|los|las|un|una|mi|mis|del|de la|de los|de las) (?!(?:lista|listas|listado|base|newsletter|boletin|mailing|correos?|envios|e-?mails?|direccion|contactos?)\b))|\bbaja (de|en) (tu|su|la|esta|vuestra|sus|tus|vuestras) (lista|listas|base|mailing|listado)\b/,
  /\bno( (quiero|queremos|deseo|deseamos|me mandes|me envies|nos mandes|nos envies|me manden|me envien|nos manden|nos envien))? mas (correos|emails|e-mails|mails|mensajes|envios)\b|\bno (me |nos )?(mandes|mandeis|manden|envies|enviad|envien) mas\b|\bya no (me|nos) (mandes|manden|envies|envien|escribas|escriban|contactes|contacten)( mas)?( (correos|emails|e-mails|mails|mensajes|nada))?\b/,
  // it: "toglimi dalla lista", "rimuovimi", "cancellaci", "niente più email"
  new RegExp(`\\b(togli|rimuovi|cancella|elimina|leva|depenna|disiscrivi|toglie|rimuove|leva)(te)?(mi|ci)\\b${IT_LIST_AFTER}`, 'm'),
  /\b(niente|basta|nessun'altra|non piu)( cosi)?( con)?( le| i| queste| questi)? (piu )?(email|e-mail|mail|messaggi)\b/,
  // pt: "me dê baixa da lista", "dê-me baixa", "dar baixa", "chega de e-mails"
  /(?:\b(me|nos) (de|dar|deem|dem|da|der) baixa\b|\b(de|deem|dem|da)-(me|nos) baixa\b)(?! (?:do|no|da|na|de|dos|das|nos|nas|em) (?!(?:lista|listas|cadastro|mailing|base|newsletter|e-?mails?|envios|contatos)\b))|\bbaixa (da|na|do|no|de) (sua |vossa |tua )?(lista|cadastro|mailing|base)\b/,
  /\b(chega|basta|nada mais) de (e-?mails|emails|mensagens)\b|\bsem mais (e-?mails|emails|mensagens)\b/,
];

const STOP_PATTERNS: RegExp[] = [
  ...COMPANY_STOP,
  // en
  /\bunsubscribe\b/,
  /\b(remove|delete|drop|strike) (me|us|my (e-?mail|address|details|data|name)|our (e-?mail|address|company|details)|this (e-?mail|address))\b(?:(?!\b(?:through|into|onto|to|for)\b).){0,40}\b(from|off)\b|\btake (me|us|my (e-?mail|address|details|data|name)|our (e-?mail|address|company|details)|this (e-?mail|address)) (off|out of)\b/,
  /\b(remove|delete) (me|us|my (e-?mail|address|details|data)|this (e-?mail|address))\b[.!,]?\s*$/m,
  // "I don't want you to email me again", "we do not wish to be contacted"
  /\b(don'?t|do not|no longer) (want|wish|like) (you |anyone |your company )?to (e-?mail|contact|write to|message|call|spam) (me|us)\b|\b(don'?t|do not|no longer) (want|wish|like) to be (contacted|e-?mailed|messaged|bothered|solicited|pitched)\b/,
  // "Please remove me, thanks, no hard feelings": the request, then politeness.
  /\b(remove|delete|drop|unsubscribe) (me|us)( please| now| asap| immediately| right away| thanks)?\s*([,.!;?]|$)/m,
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
  /\b(retirez|supprimez|enlevez|effacez|rayez|retirer|supprimer|enlever|effacer|rayer|desinscrivez|desinscrire) (toute notre|tout notre|toutes nos|tous nos|notre|nos|l'ensemble de (notre|nos)) ?(entreprise|societe|equipe|domaine|adresses|e-?mails|personnel|collaborateurs|boutique|contacts|organisation)\b/,
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
  new RegExp(`\\b(cancellami|cancellatemi|rimuovetemi|rimuovermi|toglietemi|togliermi|cancellarmi)\\b${IT_LIST_AFTER}|\\b(disiscri\\w*|annulla(re)? l'iscrizione)\\b`, 'm'),
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
  ...IMPERATIVE_STOP,
];

/**
 * Data-protection erasure requests, objections to processing and legal threats: requests to stop too, in
 * every supported language ("delete all personal data you hold about me", "droit à l'effacement",
 * "apaguem os meus dados", "I object to processing", "cease and desist", "I will report you to the ICO").
 */
const LEGAL_PATTERNS: RegExp[] = [
  // en
  /\b(delete|erase|remove|purge|wipe|destroy|lose)( all| any)?( of)?( the| my| our)?( personal| private| contact)? (data|information|info|details|records|e-?mail( address)?|address)\b.{0,40}\b(you (hold|have|keep|store|process|collected)|about (me|us)|on (me|us)|of mine|concerning (me|us)|relating to (me|us)|from your (systems?|records|database|files|crm))\b/,
  /\b(lose|delete|erase|forget|bin|trash|purge) my (e-?mail|address|number|details|contact|data)\b/,
  /\b(right to (erasure|be forgotten|object)|erasure (request|of (my|our|all)( personal)? (data|information))|(request|demand|ask for) (the )?(erasure|deletion) of)\b/,
  /\b(i|we) (hereby )?(formally )?object to (the |any |all |further )?(processing|use|storage|marketing use)\b/,
  /\bcease and desist\b/,
  /\b(i|we)( will| shall|'ll|'m going to| am going to| are going to|'re going to| will be| shall be)? report(ing)? (you|your (company|domain|business|address|e-?mails?))\b|\breport(ed|ing)? (you|this|it|your \w+) (to|with) (the )?(ico|cnil|aepd|garante|autoriteit persoonsgegevens|ap|cnpd|anpd|ftc|fcc|authorities|regulators?|data protection (authority|commissioner|office)|information commissioner|spamhaus|your (isp|host|provider))\b/,
  /\b(prefer not to|rather not|like not to) (receive|get|be sent) (any )?(more |further |additional )?(e-?mails|emails|messages|mail|communications?|marketing)\b/,
  // de
  /\b(recht auf (loschung|vergessenwerden|widerspruch)|loschung (meiner|unserer|aller)( personenbezogenen| gespeicherten)? daten|unterlassungserklarung|abmahnung|(werde|werden) (sie|euch|ihre firma) (bei|an) (der|die) (datenschutz\w*|aufsicht\w*|behorde|verbraucherzentrale)\w* (melden|anzeigen)|(melde|zeige) (sie|euch) (bei|an)\b.{0,40}\b(datenschutz\w*|aufsicht\w*|behorde|verbraucherzentrale))\b/,
  // fr
  /\b(supprim|effac|retir|detrui)\w* (toutes |l'ensemble de )?(mes|nos|les) (donnees|informations|coordonnees)( personnelles| me concernant)?\b|\bdroit (a l'effacement|a l'oubli|d'opposition)\b|\bje m'oppose\b|\bnous nous opposons\b|\b(saisir|saisirai|prevenir|signaler a|plainte (aupres de|a)) la cnil\b/,
  // es
  /\b(derecho (de supresion|al olvido|de oposicion|de cancelacion)|me opongo (al|a que)|nos oponemos (al|a que)|(denunciar(le|les)?|denunciare|reportar(le|les)?) (ante|a) la aepd|supresion de (mis|nuestros) datos)\b/,
  // it
  /\b(diritto (all'oblio|alla cancellazione|di opposizione)|mi oppongo (al|a)|ci opponiamo (al|a)|cancellazione dei (miei|nostri) dati|segnaler\w* al garante)\b/,
  // nl
  /\b(recht op (vergetelheid|verwijdering|gegevenswissing|bezwaar)|(ik maak|wij maken|we maken) bezwaar|verwijdering van (mijn|onze)( persoons)?gegevens|(melding|klacht) bij de autoriteit persoonsgegevens|wis (mijn|onze) gegevens)\b/,
  // pt
  /\b(apag|elimin|exclu|remov|delet)\w* (todos )?(os )?(meus|nossos) (dados|contatos|contactos|e-?mails?)\b|\bdireito (ao apagamento|ao esquecimento|a eliminacao|de oposicao)\b|\b(oponho-me|me oponho|opomo-nos)\b|\b(eliminacao|exclusao|apagamento) dos (meus|nossos) dados\b|\b(denunciar|queixa (a|na)|reclamacao (a|na)) (a )?(anpd|cnpd|procon)\b/,
];
/** A data-protection law or article named: with a verb of deletion or objection it is a request to stop. */
const PRIVACY_LAW = /\b(gdpr|dsgvo|rgpd|lgpd|ccpa|uk gdpr|data protection act|art(icle|ikel|icolo|igo|iculo|\.)? ?(15|17|21)( (gdpr|dsgvo|rgpd|lgpd|avg|uk gdpr))?)\b|\bavg\b(?=.{0,80}\b(verwijder|wis|bezwaar|gegevens))/;
/** Deleting something of the person's ("delete it", "löschen Sie meine Daten") or objecting: what the law is invoked for. */
const ERASE_VERB =
  /\b(delete|erase|remove|purge|wipe|loschen|losch\w*|entfern\w*|supprim\w*|effac\w*|borr\w*|elimin\w*|suprim\w*|cancell\w*|rimuov\w*|verwijder\w*|wis|apag\w*|exclu\w*|remov\w*)\b.{0,30}\b(it|me|my|mine|data|information|info|details|address|records|mich|meine|daten|moi|mes|donnees|datos|mis|dati|miei|gegevens|mijn|dados|meus)\b|\b(object|objection|widersprech\w*|widerspruch|oppose|opposition|opongo|oppongo|oponho|bezwaar)\b/;

/**
 * A stop word that is negated or only mentioned does not ask to stop: "don't unsubscribe me", "I was about
 * to unsubscribe but", "I didn't want to unsubscribe", "no dejes de escribirme", "bitte nicht abmelden",
 * "ne me désinscrivez pas", "non smettete di scrivermi", "não me descadastre". Tested on the few words right
 * before the match, within its clause. ("Not interested, remove me" keeps its comma: not negated.)
 */
const NEG_BEFORE =
  /(?:\b(?:don'?t|dont|do not|didn'?t|did not|never|no need to|(?:no|not|never) (?:want|wanting|going|trying|asking|looking|planning|meaning) to|(?:didn'?t|did not|don'?t|do not|never) (?:want|wish|mean|ask|need|intend|plan)(?: you| them| anyone)? to|(?:was|were|am|i'?m|we'?re|are|is) (?:about|going|ready|tempted|close|planning|this close) to|almost|nearly|(?:thought|thinking) (?:about|of)|considered|(?:won'?t|will not|wouldn'?t|would not|shouldn'?t|should not|mustn'?t|must not|can'?t|cannot|can not|couldn'?t|could not) (?:ever )?|no reason to|why would (?:i|we)|nicht|nie|keinesfalls|ne (?:me |m'|nous |vous )?|n'|no (?:me |nos |te |lo |la |les |le )?|non (?:mi |ci |ti |vi )?|niet|nooit|nao (?:me |nos |te )?|nem)\s*(?:please |pls |bitte |por favor |per favore |svp |pas |you |u |)?(?:(?:hit|hitting|click|clicked|clicking|press|pressed|pressing|use|used|using|the|that|this|your) ){0,3})$/;
/** "Remove me from the CC": leave the copy line, not the list. */
const CC_ONLY = /\b(from|off|out of|aus|de|du|da|dal|dalla|uit|del|do)\s+(the |this |that |dem |der |la |le |il |de )?(b?cc|cc line|cc list|copy|copie|copia|kopie)\b|\b(in|en|em) (cc|bcc|copie|copia|kopie)\b/;
const LIST_WORD = /\b(list|lists|liste|listen|lista|listas|lijst|database|datenbank|base de donnees|mailing|verteiler|newsletter|fichier|cadastro|e-?mails)\b/;

/** Stop patterns compiled once more with the g flag, to look at every match (a negated one does not count). */
const STOP_GLOBAL = STOP_PATTERNS.map((re) => new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'));
const COMPANY_GLOBAL = COMPANY_STOP.map((re) => new RegExp(re.source, re.flags + 'g'));
const LEGAL_GLOBAL = LEGAL_PATTERNS.map((re) => new RegExp(re.source, re.flags + 'g'));

export interface UnsubscribeOptions {
  /**
   * The message carries the footer of bulk mail (a newsletter, a shop's notification): a stop word alone in
   * a short line of it ("Unsubscribe", "Abmelden", "Se désinscrire") is a link of that footer, not a request.
   */
  bulk?: boolean;
}

/**
 * The offer of a footer, not a request to us: "Unsubscribe: https://…", "unsubscribe here", "Unsubscribe |
 * Manage preferences", "unsubscribe from this list", "you can unsubscribe at any time", "click here to
 * unsubscribe", "if you no longer wish to receive these emails", "Newsletter abbestellen: https://…", "pour
 * vous désinscrire", "para darse de baja", "per disiscriverti". What follows the match, then what precedes it
 * in its clause.
 */
const OFFER_AFTER =
  /^(?:-se|-te|-vous|-ti|-vi)?[^\S\n]*(?:(?:[:|\u2022\u00b7>(<\[\u2013\u2014-]|\bhere\b|\bhier\b|\bici\b|\baqui\b|\bqui\b)[^\S\n]*[:(<\[]?[^\S\n]*)?(?:https?:\/\/|www\.|mailto:|\{\{|%%|\*\|)|^(?:-se|-te|-vous|-ti|-vi)?[^\S\n]*[|\u2022\u00b7]|^(?:-se|-te|-vous|-ti|-vi)? (?:here|hier|ici|aqui|qui|anytime|any time|at any time|jederzeit|a tout moment|en cualquier momento|in qualsiasi momento|op elk moment|a qualquer momento)\b|^ (?:from|of) (?:this|these|our|all|the|future|all future) (?:list|mailing|newsletter|e-?mails|emails|mailings|communications|marketing|messages)|^ (?:link|button|page|preferences)\b|^ ?(?:or|\/) (?:manage|update|change|edit)\b/;
const OFFER_BEFORE =
  /^\s*(?:please |simply |just |easily )?(?:to|here|hier|ici|aqui|se|click(?: here)?(?: to| and)?|you (?:can|may|could)(?: always| also| easily| simply| still)?(?: opt to)?|if (?:you|u)(?:'d| would)?(?: no longer| don'?t| do not| would rather not)?(?: wish| want| like| prefer| choose)?(?: to)?|how to|zum|um(?: sich)?|wenn sie|pour(?: vous| se)?|cliquez ici pour(?: vous)?|si vous(?: ne)?(?: souhaitez| voulez)?(?: plus)?(?: vous)?|para|haz clic aqui para|si (?:ya )?no(?: desea| deseas| quiere| quieres)?|per|clicca qui per|se non(?: desideri| vuoi)?|om(?: je| u| zich)?|klik hier om|als (?:je|u)|caso(?: nao)?|se (?:voce )?nao(?: deseja| quiser)?)\s*$/;
/** A sentence opening with a condition on the reader's wishes, as footers do, in every supported language. */
const CONDITION_OFFER =
  /^\s*(?:if (?:you|u) (?:no longer|don'?t|do not|would rather not|'d rather not|would prefer not|'d prefer not|prefer not)(?: wish| want| like)?(?: to)? (?:receive|get|hear)|if (?:you|u) (?:no longer|don'?t|do not) (?:want|need|like) (?:these|our|the|my|this|such)(?: \w+)? (?:e-?mails|emails|messages|newsletters|mails|updates)|if (?:you|u) (?:wish|want|would like|'d like|prefer) to (?:unsubscribe|stop receiving|opt out|be removed|no longer receive)|should you (?:no longer |not )?(?:wish|want) to (?:receive|unsubscribe|be removed)|wenn sie (?:keine|den newsletter nicht|diese e-?mails nicht|nicht mehr|zukunftig keine)|falls sie (?:keine|nicht mehr)|si vous ne (?:souhaitez|voulez|desirez) (?:plus|pas)|si (?:ya )?no (?:desea|deseas|quiere|quieres|desean)|se non (?:desideri|vuoi|volete|desidera)|als (?:je|u) (?:geen|niet langer|niet meer)|se (?:voce |você )?(?:nao|não) (?:deseja|quiser|quer)|caso (?:nao|não) (?:deseje|queira))\b/;
/** A personal word: a short footer line with one of these is a person writing ("unsubscribe me"). */
const PERSONAL = /\b(me|us|my|our|i|we|mich|uns|mir|ich|wir|moi|nous|je|me|nos|yo|mi|ci|io|mij|ons|ik|eu)\b/;

/** The clause a match is in, up to the match: a comma, full stop, dash or bar ends it. */
function clauseBefore(t: string, index: number): string {
  const before = t.slice(Math.max(0, index - 45), index);
  const cut = Math.max(before.lastIndexOf(','), before.lastIndexOf('.'), before.lastIndexOf(';'), before.lastIndexOf('!'), before.lastIndexOf('?'), before.lastIndexOf('\n'), before.lastIndexOf(' - '), before.lastIndexOf('\u2014'), before.lastIndexOf('|'));
  return cut >= 0 ? before.slice(cut + 1) : before;
}

/** Whether a match is a footer's offer to unsubscribe (see OFFER_AFTER); with `shortLine`, also a short footer line. */
function offerAt(t: string, m: RegExpExecArray, clause: string, shortLine: boolean): boolean {
  // "Opt me out of these emails", "remove us from this list": a request names who is to be removed.
  if (PERSONAL.test(m[0])) return false;
  const end = m.index + m[0].length;
  if (OFFER_AFTER.test(t.slice(end, end + 60)) || OFFER_BEFORE.test(clause)) return true;
  // A word inside a link ("https://shop.example/unsubscribe?u=1", "…/abmelden") is no sentence at all.
  const ws = Math.max(t.lastIndexOf(' ', m.index - 1), t.lastIndexOf('\n', m.index - 1), m.index - 200);
  if (/[/@=?]|:\/\/|www\./.test(t.slice(ws + 1, m.index))) return true;
  // The sentence is a condition put to the reader: "If you no longer wish to receive these emails, please
  // unsubscribe", "Si vous ne souhaitez plus recevoir nos e-mails, cliquez ici".
  const head = t.slice(Math.max(0, m.index - 200), m.index);
  const stop = Math.max(head.lastIndexOf('.'), head.lastIndexOf('!'), head.lastIndexOf('?'), head.lastIndexOf('\n'));
  if (CONDITION_OFFER.test(head.slice(stop + 1))) return true;
  if (shortLine && m.index > 80) {
    // A short footer line holding the stop word ("Unsubscribe", "Newsletter abbestellen", "Se désinscrire").
    const nl = t.indexOf('\n', end);
    const line = clause + t.slice(m.index, nl < 0 ? Math.min(t.length, end + 60) : Math.min(nl, end + 60));
    if (line.trim().length <= 50 && !PERSONAL.test(line)) return true;
  }
  return false;
}

/** The words of an unsubscribe link or line, in every supported language (on folded text). */
const UNSUB_WORD =
  /\b(unsubscribe|opt[ -]out|abmelden|abbestellen|desinscri\w*|desabonn\w*|(darse|darte) de baja|cancelar (la |tu |su )?suscripcion|disiscri\w*|annulla(re)? (l')?iscrizione|cancella(re)? (l')?iscrizione|uitschrijven|afmelden|descadastr\w*|cancelar (a )?inscricao|no longer (wish|want) to receive|stop receiving)\b/g;

/**
 * Whether the folded text offers to unsubscribe the way a footer of bulk mail does ("Unsubscribe:
 * https://…", "unsubscribe here", "Unsubscribe | Manage preferences", "if you no longer wish to receive
 * these emails", a short "Abmelden" line at the bottom). A request to us ("please unsubscribe me") is not.
 */
export function footerOffer(t: string): boolean {
  UNSUB_WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let i = 0; i < 50 && (m = UNSUB_WORD.exec(t)); i++) {
    if (offerAt(t, m, clauseBefore(t, m.index), true)) return true;
  }
  return false;
}

/** Channels other than our mail: a stop about them, or a wish to move to them, is no request to leave our list. */
const CHANNEL =
  '(?:linkedin|xing|whatsapp|instagram|insta|facebook|messenger|telegram|signal|sms|texts?|text messages?|phone|telephone|cell|mobile|voicemail|twitter|tiktok|slack|teams|skype|telefon|handy|telefono|telefone|celular|telefoon|mobiel|telefonino|cellulare|dm|dms)';
/** The stop names another channel: "by phone", "auf LinkedIn", "sur LinkedIn", "por WhatsApp", "su WhatsApp", "no WhatsApp". */
const OTHER_CHANNEL = new RegExp(`\\b(?:by|via|on|over|through|per|auf|uber|sur|par|por|pelo|pela|no|na|su|tramite|op|in|on the|by the|am|al)\\s+${CHANNEL}\\b`);
/**
 * After the stop, in its sentence: a wish for another channel or for mail ("…and call me", "text me at",
 * "jump on a call", "llámame", "chiamami", "mail liever", "sondern per Mail", "plutôt par e-mail", "mejor por
 * email", "solo email", "prefiro e-mail", "but email is fine", "keep emailing", "talk to me directly").
 */
const OTHER_WISH = new RegExp(
  `(?<!\\b(?:don'?t|do not|never|not|nicht|no|non|niet|nao|ne)\\s)(?:\\b(?:call|text|phone|ring|whatsapp|sms|dm) (?:me|us)\\b|\\b(?:jump|hop|get) on a (?:quick )?call\\b|\\bgive (?:me|us) a (?:call|ring)\\b|\\bruf(?:en sie|t|e)? (?:mich|uns)\\b|\\b(?:appelez|appelle|appelez)[- ](?:moi|nous)\\b|\\bllam(?:a|e|en|ad)(?:me|nos)\\b|\\bchiam(?:a|i|ate)(?:mi|ci)\\b|\\bbel (?:me|mij|ons)\\b|\\b(?:ligue|liga|liguem)[- ]?(?:me|nos)\\b|\\bme lig(?:ue|a|uem)\\b|\\b(?:talk|speak|write) (?:to )?(?:me|us) directly\\b|\\bdirekt (?:mir|an mich|uns)\\b|\\b(?:but|sondern|lieber|besser|stattdessen|plutot|piuttosto|meglio|mejor|pero|liever|prefiro|preferimos|prefer|preferably|solo|only|alleen|nur|uniquement|somente|apenas|instead|rather|ma)\\b(?![^.!?\\n]{0,20}\\b(?:no|not|nenhum|nenhuma|keine|kein|aucun|geen|nessun|nessuna|ningun|ninguna|niente|nada|nichts|never|nie)\\b)[^.!?\\n]{0,20}\\b(?:e-?mail|mail|email|correo|courriel)\\b|\\b(?:e-?mail|mail)(?: is| are)? (?:fine|ok|okay|liever|works|is better)\\b|\\bkeep (?:me posted|emailing|e-?mailing|writing|sending)\\b|\\b${CHANNEL} (?:me|us)\\b)`,
);
/** A thing one leaves that is no mailing list: a plan, a trial, payments, a waitlist, an invite, an invoice, the phone list. */
const NON_LIST_OBJECT =
  /^[^.!?\n]{0,30}?\b(?:from|off|out of|of|aus|von|de|du|da|dal|uit|van)\s+(?:(?:the|your|our|this|that|my|a|an|any|all)\s+)?(?:[\w-]+\s+){0,3}?(?:(?:phone|call|calling|cold-?call|sms|text|whatsapp|guest|wait|waiting|invite|seating)[- ]?(?:list|lists)|waitlist|wait-list|trial|plan|plans|payments?|pilot|beta|invoice|invoices|order|orders|cart|calendar|meeting|call|invite|invitation|webinar|event|group chat|whatsapp group|slack channel|account|catalog|catalogue|site|website|page|photo|picture|program|programme|contract|quote|offer|team page|billing|pricing|tier|upgrade|renewal|auto-?renew\w*|insurance|warranty|shipping protection|membership|loyalty program)\b/;
/** Someone else's mail, not the writer's: "an meinen Kollegen", "to my colleague", "from your colleague". */
const OTHER_PERSON_AFTER =
  /^\s*(?:please |bitte )?(?:an|to|for|a|para|per|aan|from|von|de|da|van) (?:meinen|meine|meiner|unseren|unsere|my|our|your|ihrem|ihren|ihrer|mon|ma|votre|mi|mio|mia|tu|su|vostro|mijn|jullie|uw|meu|minha|seu|sua) (?:kolleg\w*|colleague\w*|coworker\w*|co-worker\w*|boss|chef\w*|collega|colleghi|collegue\w*|colega\w*|assistant\w*|assistent\w*|sales ?(?:rep|team|guy)|team|vertrieb)\b/;
/**
 * Third parties as the subject: "our customers keep asking how to unsubscribe", "los clientes pueden cancelar la
 * suscripción", "Klanten kunnen zich moeilijk afmelden", "customers can't stop emailing us".
 */
const THIRD_PARTY_SUBJECT =
  /\b(customers|clients|users|subscribers|people|shoppers|buyers|recipients|members|kunden|nutzer|abonnenten|empfanger|utilisateurs|abonnes|clientes|usuarios|suscriptores|clienti|utenti|iscritti|klanten|gebruikers|abonnees|assinantes|compradores|acquirenti|kopers)\b/;
/** A stop word used as a noun or a topic: "the unsubscribe rate", "our unsubscribe flow", "die Abmeldung", "le taux de désinscription", "o descadastro". */
const NOUN_AFTER = /^[\s-]*(rate|rates|flow|flows|link|links|button|buttons|page|pages|process|option|options|feature|features|form|forms|rquote|numbers|funnel|quote|quota|footer|header|setting|settings|events?|data|stats|statistics|tracking|rate[ns]?|quote|quoten|rate|taux|tasa|tasso|percentage|klicks|clicks|funktion|seite|prozess)\b/;
const ARTICLE_BEFORE =
  /(?:^|\s)(?:the|our|their|an|its|his|her|this|that|every|each|der|die|das|den|dem|des|eine|einer|einem|unsere|unserer|ihre|le|la|les|l'|un|une|du|de la|notre|leur|taux de|tasso di|tasa de|taxa de|rate of|di|o|os|do|da|no|na|nosso|nossa|um|uma|el|los|las|del|al|un|nuestro|nuestra|il|lo|gli|della|dello|nel|nella|het|een|onze|de)\s*$/;
const NOUN_MATCH = /^(unsubscribe|opt[ -]?out|abmeldung|abbestellung|desinscription|desabonnement|descadastro|afmelding|uitschrijving|disiscrizione|cancelacion|baja)$/;
/** A quoted stop word: "every text ends with 'Reply STOP to opt out'", "stuur ons een mail met 'afmelden'". */
function quoted(t: string, m: RegExpExecArray): boolean {
  const ls = t.lastIndexOf('\n', m.index - 1) + 1;
  const before = t.slice(Math.max(ls, m.index - 60), m.index);
  const le = t.indexOf('\n', m.index);
  const after = t.slice(m.index + m[0].length, Math.min(le < 0 ? t.length : le, m.index + m[0].length + 60));
  return /(?:^|[\s(:])['"\u201c\u2018\u00ab\u201e][^'"\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e]{0,50}$/.test(before) && /^[^'"\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e]{0,50}['"\u201d\u2019\u00bb\u201c]/.test(after);
}
/**
 * The sender's own footer for its own list, pasted under a reply: "Reply STOP to opt out of our SMS alerts",
 * "Rispondi CANCELLAMI a questa email", "Text STOP to 12345", "antworten Sie mit ABMELDEN".
 */
const REPLY_WORD_BEFORE =
  /\b(reply|text|send|answer|respond|txt|rispondi|rispondete|risponda|scrivi|antworten sie|antworte|antwortet|schreiben sie|repondez|reponds|envoyez|responde|responda|responder|envia|envie|respondendo|antwoord|beantwoord|stuur|sms)( us| ons| uns)?( with| con| mit| avec| par| com| met| a)?( the word)?\s*['"\u201c\u00ab]?\s*((?:stop|end|cancel|quit|unsubscribe|remove|opt out|stopp|arret|alto|basta|baja|cancellami|afmelden|sair|parar)\s*['"\u201d\u00bb]?\s*(?:(?:to|a|an|um|pour|para|per|om|al|au)\s*)?(?:\+?\d[\d -]{2,}\s*(?:to|a|an|um|pour|para|per|om|al|au)?\s*)?)?$/;
/** A stop word named as a button, a link or a process: "el botón de darse de baja", "the link to unsubscribe", "der Knopf zum Abmelden". */
const TOPIC_BEFORE =
  /\b(button|link|knopf|bouton|lien|boton|enlace|pulsante|collegamento|botao|knop|opcion|option|opzione|opcao|optie|page|pagina|seite|process|proceso|processo|prozess|procedure|funktion|funcion|funzione|funcao|functie)\s+(?:to |zum |zur |de |du |pour |para |per |di |do |da |om te |om |voor )?(?:l'|se |te |sich )?$/;
const FOOTER_AFTER = /^\W*(?:to (?:opt out|unsubscribe|stop|cancel)|(?:a|to|an|al|au|aan) (?:this|questa|questo|diese|cette|este|esta|deze|dit|esse|essa) (?:e-?mail|email|message|messaggio|nachricht|numero|number|nummer|mail)|to \d)/;

/** A stop word alone as its sentence ("Stop.", "Please stop!", ", basta."). */
const BARE_STOP = /^[\W]*(please |pls |so |just |bitte |svp |por favor |per favore |alsjeblieft |por favor,? )?(stop|stop it|stop this|stop now|stop already|stopp|arretez|arrete|cessez|stoppez|basta|smettetela|smettila|smettete|parad|paren|chega|pare|parem|hou op)\W*$/;
/** What an eager reply says after a bare "Stop!": interest, a call, a price, a joke. */
const POSITIVE_AFTER =
  /\b(exactly|just what|just the|looking for|been looking|genau|wir suchen|suchen wir|cherch\w*|buscando|buscamos|cercando|cerchiamo|procurando|zoeken|genau (das|was)|precies wat|exactement ce|justo lo que|proprio quello|esattamente (quello|cio)|exatamente o que|interested|interessiert|interessant|interesse|interessa\w*|geinteresseerd|interesad\w*|interessad\w*|interess\w*|call me|rufen sie mich|ruf mich|bel me|appelez-moi|appelle-moi|llamame|chiamami|ligue-me|let'?s talk|just kidding|kidding|joking|sounds (good|great)|love (it|this)|send me|schicken sie mir|envoyez-moi|mandami|mandame|me mande|stuur (me|maar)|preventivo|presupuesto|angebot|offerte|proposta|cuanto cuesta|what'?s the (price|cost)|how much|was kostet|combien|quanto costa|wat kost|quanto custa|pricing|genial|perfect\w*|great|super|excellent|wunderbar|parfait|perfecto|perfetto|perfeito|precies|dit is|das ist|c'est|eso es|e proprio|e isso)\b/;
const NEGATIVE_AFTER = /\b(not|no|nicht|kein\w*|pas|nao|non|niet|geen|nunca|never|jamais|mai)\b[^.!?\n]{0,15}\b(interest\w*|interess\w*|interes\w*|geinteresseerd)|\b(unsubscribe|remove me|leave me alone|spam|stop (e-?mailing|writing|sending)|no more)\b/;

/** The question a match sits in asks about what the tool does ("Does your tool delete all our contacts…?"), not for it. */
const QUESTION_HEAD = /(?:^|[.!?\n])[^.!?\n]*\b(?:does|do|did|will|when|how|whether|is|are|can your|would your|will your|could your)\b(?![^.!?\n]*\bplease\b)[^.!?\n]*$/;

/** Whether one match of a stop pattern is a request: not negated, not about the CC line, not a footer's offer. */
function realStop(t: string, m: RegExpExecArray, opts?: UnsubscribeOptions): boolean {
  // Only the clause the match is in: a comma, full stop or dash ends what a negation can reach.
  const clause = clauseBefore(t, m.index);
  if (NEG_BEFORE.test(clause)) return false;
  if (offerAt(t, m, clause, Boolean(opts?.bulk))) return false;
  const end = m.index + m[0].length;
  const around = t.slice(m.index, end + 30);
  if (CC_ONLY.test(around) && !LIST_WORD.test(around)) return false;
  // The rest of the sentence, and the sentence up to the match.
  const se = t.slice(end).search(/[.!?\n]/);
  const rest = t.slice(end, se < 0 ? t.length : end + se);
  const ss = Math.max(t.lastIndexOf('.', m.index - 1), t.lastIndexOf('!', m.index - 1), t.lastIndexOf('?', m.index - 1), t.lastIndexOf('\n', m.index - 1));
  const head = t.slice(ss + 1, m.index);
  const word = m[0].trim();
  // A bare "Stop!" / "Basta." that opens an eager reply ("Stop. This is exactly what we need!", "Please stop! Just
  // kidding"), or a ", basta." that closes a list of what is wanted ("Solo necesitamos X, basta."): no request.
  if (BARE_STOP.test(word)) {
    const after = t.slice(end, end + 300);
    if (POSITIVE_AFTER.test(after) && !NEGATIVE_AFTER.test(after)) return false;
    if (/^\s*,/.test(m[0]) && /\b(only|just|solo|soltanto|nur|seulement|uniquement|apenas|somente|alleen|alles|all we need)\b/.test(clauseBefore(t, m.index + m[0].indexOf(',')) + ' ' + head)) return false;
  }
  // Merchant vocabulary: the stop word as a noun or a topic, or said of third parties, or quoted.
  if (NOUN_AFTER.test(t.slice(end, end + 20)) && !PERSONAL.test(m[0])) return false;
  if (NOUN_MATCH.test(word) && ARTICLE_BEFORE.test(t.slice(Math.max(0, m.index - 20), m.index))) return false;
  if (THIRD_PARTY_SUBJECT.test(clause) || (THIRD_PARTY_SUBJECT.test(head) && !PERSONAL.test(m[0]) && !/\b(me|us|mich|uns|moi|nous|me|nos|mi|ci|mij|ons)\b/.test(head.slice(-25)))) return false;
  if (quoted(t, m)) return false;
  if (TOPIC_BEFORE.test(t.slice(Math.max(0, m.index - 30), m.index))) return false;
  // The sender's own footer: "Reply STOP to opt out of our SMS alerts", "Rispondi CANCELLAMI a questa email".
  if (REPLY_WORD_BEFORE.test(t.slice(Math.max(0, m.index - 40), m.index)) || (/\b(reply|rispondi|antworten|repondez|responde|responda|antwoord|stuur|text)\b/.test(head) && FOOTER_AFTER.test(t.slice(end, end + 40)))) return false;
  // Another channel, another person, another thing: no request to leave our list.
  const sentence = head + m[0] + rest;
  if (OTHER_CHANNEL.test(sentence) || OTHER_WISH.test(rest)) return false;
  if (OTHER_PERSON_AFTER.test(t.slice(end, end + 60))) return false;
  if (!LIST_WORD.test(m[0]) && NON_LIST_OBJECT.test(t.slice(m.index, end + 50)) && !NON_LIST_OBJECT_OK.test(t.slice(m.index, end + 50))) return false;
  // A question about what a tool does ("Does your tool delete all our contacts when we uninstall?").
  if (rest.length < 200 && t[end + rest.length] === '?' && QUESTION_HEAD.test(t.slice(Math.max(0, ss), m.index))) return false;
  return true;
}
/** A list named after all: "take me off your mailing list and the phone list". */
const NON_LIST_OBJECT_OK = /\b(?:from|off|out of|aus|von|de|da|dal|uit|van)\s+(?:(?:the|your|this|any|all)\s+)?(?:mailing ?list|e-?mail list|newsletter|database|crm|list)\b(?! (?:of|for) )|\b(?:e-?mails|newsletters?|mailings|messages|marketing e-?mails)\b/;

/**
 * How many patterns of a list have at least one real (not negated) match. `may[at + i]` (from STOP_GATE) is 0 when
 * pattern i cannot match `t` at all: it is skipped (its loop would find nothing; lastIndex is reset before each use).
 */
function countReal(list: RegExp[], t: string, opts: UnsubscribeOptions | undefined, may: Uint8Array, at: number): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    if (may[at + i] === 0) continue;
    const re = list[i]!;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t))) {
      if (realStop(t, m, opts)) {
        n++;
        break;
      }
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  return n;
}

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
  // "anyone at shop3.example.com", "everybody @shop.com", "all of us", "me and my colleagues", "all our addresses"
  /\b(any ?(one|body)|every ?(one|body)|nobody|no one|all of us|any of us)( else)? (at|from|in|@) ?@?[a-z0-9-]+(\.[a-z0-9-]+)+\b|\b(us all|all of us)\b|\b(me|us) and (my|our|all my|all our) (colleagues|co-?workers|team(mates)?|staff|employees)\b|\ball (of )?our (addresses|e-?mail addresses|e-?mails|contacts|colleagues|employees|staff|people)\b/,
];

/** The header Microsoft's JMRP puts on the complained-about message: its original recipient. */
const JMRP_HEADER = /^[^\S\r\n]*x-hmxmroriginalrecipient\s*:/im;
/** Microsoft's complaint service (JMRP, Outlook.com/Hotmail): "complaint about message from 192.0.2.1". */
const JMRP_FROM = /^(staff|abuse|jmrp|feedback|fbl)@(hotmail|outlook|live|msn)\.[a-z.]{2,6}$/;
const JMRP_SUBJECT = /^\s*complaint about message from\b/i;

/**
 * Spam complaints: ARF (RFC 5965) feedback reports, and Microsoft's JMRP reports (Hotmail/Outlook.com),
 * which are no ARF: a plain multipart/mixed from staff@hotmail.com, Subject "complaint about message from
 * IP", with the message in a message/rfc822 part that carries X-HmXmrOriginalRecipient.
 */
export function isComplaint(input: MailInput): boolean {
  return complaintKind(input) !== null;
}

/** Which kind of complaint report a message is, for the reason ("spam complaint (Microsoft JMRP report)"); null for none. */
export function complaintKind(input: MailInput): 'ARF feedback report' | 'Microsoft JMRP report' | null {
  const ct = input.contentType.toLowerCase();
  // The head of the text, lower-cased once: both of its patterns below (case-insensitive, no unicode flag: only ASCII
  // letters fold) need a word of their own there, "feedback-type" and "x-hmxmroriginalrecipient". Where that word is
  // absent the pattern cannot match, and is not run.
  const head = input.text.slice(0, 8000);
  const lower = head.toLowerCase();
  if ((/multipart\/report/.test(ct) && /report-type\s*=\s*"?feedback-report/.test(ct)) || /feedback-type\s*:\s*(abuse|fraud|complaint|opt-out|not-spam|other|virus)/i.test(input.feedbackReport ?? '') || (lower.includes('feedback-type') && /^[^\S\r\n]*feedback-type\s*:\s*abuse/im.test(input.text.slice(0, 4000)))) return 'ARF feedback report';
  return isJmrp(input, lower.includes('x-hmxmroriginalrecipient') ? head : '') ? 'Microsoft JMRP report' : null;
}

/** `head`: the first 8000 characters of the text, or '' when they cannot hold the JMRP header. */
function isJmrp(input: MailInput, head: string): boolean {
  // The JMRP header in the attached message (when it was read as an attachment, or rendered into the text).
  if (JMRP_HEADER.test(input.originalHeaders ?? '') || (head !== '' && JMRP_HEADER.test(head))) return true;
  // The attached message rendered inline (its X-Hm headers dropped): the sender and the subject of the report.
  return JMRP_FROM.test(input.from) && JMRP_SUBJECT.test(input.subject);
}

/** A body that says nothing of its own: empty, a few words, or a mail client's template for the unsubscribe mailto. */
function nearlyEmpty(t: string): boolean {
  const words = t.replace(/https?:\/\/\S+/g, ' ').match(/[a-z0-9\u00c0-\u024f]+/g) ?? [];
  if (words.length <= 6) return true;
  UNSUB_WORD.lastIndex = 0;
  return words.length <= 30 && UNSUB_WORD.test(t) && !/\?/.test(t);
}

/**
 * Which of the patterns read by detectUnsubscribe can match a text at all (see gate.ts), in this order: the stop
 * patterns (COMPANY_STOP first), the legal ones, DOMAIN_WIDE, PRIVACY_LAW, ERASE_VERB. None has the g flag.
 */
const STOP_GATE = new RegexGate([...STOP_PATTERNS, ...LEGAL_PATTERNS, ...DOMAIN_WIDE, PRIVACY_LAW, ERASE_VERB]);
const LEGAL_AT = STOP_PATTERNS.length;
const DOMAIN_AT = LEGAL_AT + LEGAL_PATTERNS.length;
const LAW_AT = DOMAIN_AT + DOMAIN_WIDE.length;

export function detectUnsubscribe(text: string, subject = '', opts?: UnsubscribeOptions): UnsubscribeResult | null {
  const t = foldMemo(text.slice(0, 6000));
  const s = foldMemo(subject);
  const may = STOP_GATE.scan(t);
  // Cheap first pass (most replies have no stop word at all), then every match is checked for negation.
  // (may[i] === 1 && re.test(t) is STOP_GATE.test(i, t): the i-th pattern's test(t), run only where its words are;
  // `may` is read directly, without a call and a text comparison per pattern.)
  const any = STOP_PATTERNS.some((re, i) => may[i] === 1 && re.test(t)) || LEGAL_PATTERNS.some((re, i) => may[LEGAL_AT + i] === 1 && re.test(t));
  let hits = any ? countReal(STOP_GLOBAL, t, opts, may, 0) + countReal(LEGAL_GLOBAL, t, opts, may, LEGAL_AT) : 0;
  if (may[LAW_AT] === 1 && PRIVACY_LAW.test(t) && may[LAW_AT + 1] === 1 && ERASE_VERB.test(t)) hits++; // PRIVACY_LAW and ERASE_VERB
  // Subject "Unsubscribe" with an empty body is how mail clients send a List-Unsubscribe mailto.
  // (Not for bulk mail: "Remove wrinkles now" is a newsletter's subject.)
  // The subject must be only the word ("Unsubscribe", "Re: remove me"), not "Remove duplicates from our catalog?",
  // "Baja de precios", "Re: unsubscribe flows"; and the body must say nothing else.
  const subjectHit =
    !opts?.bulk &&
    /^\s*(re:\s*)?(unsubscribe|remove|remove me|remove us|abmelden|desinscription|desinscrire|baja|darme de baja|cancellami|afmelden|uitschrijven|descadastrar|descadastro)\s*[.!]*\s*$/.test(s) &&
    nearlyEmpty(t);
  if (!hits && !subjectHit) return null;
  const domainWide = DOMAIN_WIDE.some((re, i) => may[DOMAIN_AT + i] === 1 && re.test(t)) || (hits > 0 && countReal(COMPANY_GLOBAL, t, opts, may, 0) > 0);
  return {
    confidence: Math.round(Math.min(0.97, 0.8 + 0.06 * hits + (subjectHit ? 0.05 : 0)) * 100) / 100,
    reason: subjectHit && !hits ? 'unsubscribe subject' : `asks to stop (${hits} phrase${hits > 1 ? 's' : ''})${domainWide ? ', whole company' : ''}`,
    domainWide,
    complaint: false,
  };
}
