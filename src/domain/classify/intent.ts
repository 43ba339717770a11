// Offline reply intent: WARM (wants to talk, asks about price or details), COLD (no, not a fit,
// already covered, wrong person with nobody to point to), NEUTRAL (later, ask someone else, what
// is this, acknowledged). Weighted patterns in seven languages, read clause by clause:
// - negation in front of a positive cue turns it negative ("not interested", "nicht interessiert");
// - after "but/aber/mais/pero/ma/maar/mas" the later clause counts more ("sounds good, but not now");
// - product questions (price, integration, how it works) are interest; "who are you" is not.
import { sentences } from './text.js';
import { foldMemo } from './types.js';
import { languageScores, stopWordScores } from './lang.js';
import { RegexGate } from './gate.js';

export type Intent = 'WARM' | 'COLD' | 'NEUTRAL';

export interface IntentResult {
  label: Intent;
  confidence: number;
  reason: string;
  lang: string;
  scores: Record<Intent, number>;
}

interface Cue {
  label: Intent;
  weight: number;
  re: RegExp;
  name: string;
  /** A negation right before the cue flips it (positive cues only). */
  negatable?: boolean;
  /** "Not the right person": a refusal only when the reply points nowhere else. */
  wrongPerson?: boolean;
  /** Points to someone else (a referral). */
  referral?: boolean;
  /** Talking or meeting: interest now, or only the form of a "later" ("talk to me in the spring"). */
  meeting?: boolean;
  /** An "interested" cue: skipped where a refusal already matched ("not interested" counts once). */
  interest?: boolean;
  /** The language of the cue's words (undefined: English names for patterns in several languages). */
  lang?: string;
  /** The reason names the word that matched, not the cue ("call", "demo": the same word in many languages). */
  word?: boolean;
}

const MEETING = new Set(['wants a call', 'schedule', 'call', 'termin', 'rendez-vous', 'llamada', 'chiamata', 'afspraak', 'reuniao']);
const W = (name: string, weight: number, re: RegExp, negatable = true): Cue => ({ label: 'WARM', weight, re, name, negatable, meeting: MEETING.has(name), interest: /interess|interest/.test(name) });
const C = (name: string, weight: number, re: RegExp): Cue => ({ label: 'COLD', weight, re, name });
const N = (name: string, weight: number, re: RegExp): Cue => ({ label: 'NEUTRAL', weight, re, name, referral: name.startsWith('referral') });
const WP = (name: string, weight: number, re: RegExp): Cue => ({ label: 'COLD', weight, re, name, wrongPerson: true });

/** Cues of one language (multilingual cues, named in English, are marked in MULTILINGUAL). */
function inLang(lang: string, cues: Cue[]): Cue[] {
  return cues.map((c) => (MULTILINGUAL.has(c.name) ? c : { ...c, lang }));
}
/** Cues in the English sections whose patterns hold several languages. */
const MULTILINGUAL = new Set(['tell me more', 'next steps', 'exactly what we need', 'unhappy with current', 'call me', 'call']);

const CUES: Cue[] = [
  // ---- COLD: explicit refusals (checked with their own negation built in) ----
  ...inLang('en', [
    C('not interested', 4, /\b(not|no longer|never been|not really|not at all|aren't|am not|are not|isn't|wouldn't be) (be )?(very |really |currently |at all |particularly )?interested\b|\bno interest\b|(?<!\b(not|never|hardly|far from) )\buninterested\b|\bnot of interest\b/),
    C('no thanks', 3, /\bno,? thanks?( you)?\b|\bno,? thank you\b|\bthanks,? but no\b|\b(i|we)'?ll pass\b(?! (it|this|that|them|these|those|your \w+|the \w+|everything|along|word)( \w+)? (on|along|to|over)\b| (it|this|that|them) to\b| along\b)|\bwe('ll| will) have to pass\b|\bpass on this\b|\bhard pass\b|\bnope\b|\bno need\b/),
    C('not a fit', 3, /\b(not|isn'?t|is not|aren'?t|are not|wouldn'?t be|won'?t be)( really| quite| a great| a good)? (a |the )?(good |right |great )?fit\b|\bnot something (we|i)('re| are| am)? ?(need|want|looking for|interested in|can use)\b|\b(it'?s|that'?s) a no\b|\bnot (relevant|applicable|something we need|for us|what we need|what we're looking for)\b|\bdoesn'?t (fit|apply|make sense) (for )?us\b|\bnot a priority\b|\bnot in the (market|budget)\b/),
    C('already covered', 3, /\b(we |we've |we have |we are |we're )?already (have|use|using|work(ing)? with|got|partnered|signed|handle|do this|built)\b|(?<!not |n't |never |less than )\bhappy with (our|the|what we have|the current)\b|\b(we'?re|we are|all) (all )?(set|covered|good)\b(?! to| for now)|\bwe (do|handle) (it|this|that) in[- ]house\b|\bin-?house team\b|\bour own (team|solution|agency)\b/),
    C('no need', 3, /\b(don'?t|do not|doesn'?t|does not) (need|require|want)\b|\bno (budget|use for|need for)\b|\bnot (looking|buying|hiring|in need)\b|\b(won'?t|will not|wouldn'?t) (be )?(need|use|work for|moving forward|proceed)\w*\b|\bdecline\b|\bnot (to )?(move|moving|go|going) forward\b|\b(just|recently) signed\b|\bnot going to (work|happen)\b/),
    C('no', 1.5, /^[^\S\r\n]*no\s*[.!]?\s*$/m),
    WP('wrong person', 2, /\bnot (really )?my (area|department|field|call|decision|responsibility)\b|\b(not|wrong) (the )?(right|correct|best|appropriate) (person|contact|department)\b|\bwrong (person|contact|email|address)\b|\bi don'?t (handle|deal with|work on|manage)\b|\bnothing to do with\b|\bno longer (responsible|in charge)\b/),
    C('closed / not shopify', 3, /\b(we('re| are)|the (store|shop|company|business) is) (closing|shutting down|closed|out of business|winding down)\b|\b(we )?(don'?t|do not|no longer) (use|run on|sell on) shopify\b|\bmoved (away )?(from|off) shopify\b|\bnot (on|using) shopify\b/),
    C('annoyed', 2, /\bspam\b|\bhow dare\b|\bannoying\b|\bleave (me|us) alone\b|\bstop spamming\b/),
    // "more spam", "another spam", "this is spam": called spam outright, whatever polite words surround it.
    C('called it spam', 3.5, /\b(more|another|yet another|again|just|typical|pure|total|classic|such|this is|that'?s|it'?s) spam\b|\bspam(my)? (again|e-?mails?|mails?|pitch)\b/),
  ]),
  // de
  ...inLang('de', [
    C('kein interesse', 4, /\bkein(e|en)? (interesse|bedarf)\b|\bnicht (daran |mehr |wirklich )?interessiert\b|\bnein,? danke\b|(?<!\bnicht )\buninteressant\b|\bkein thema fur uns\b/),
    C('schon versorgt', 3, /\b(haben|nutzen|arbeiten) (wir )?(bereits|schon) (mit|eine|einen|ein|so|das)\b|\bsind (gut |bestens |bereits |schon )?(versorgt|aufgestellt|abgedeckt)\b|(?<!nicht |nicht so |nicht wirklich |un)\bzufrieden mit\b|\bmachen (wir|das) (alles )?intern\b|\binhouse\b|\bhaben (dafur |hierfur |da )?(schon|bereits) (jemanden|einen dienstleister|eine agentur|einen partner)\b|\bhaben (so etwas|sowas|das|so was) (schon|bereits)\b/),
    C('passt nicht', 3, /\bpasst (leider )?nicht\b|\bnicht (relevant|passend|das richtige|fur uns)\b|\bbrauchen (wir|das) (nicht|keine?n?)\b|\b(brauchen|benotigen) (wir )?(nichts|keine?n?|nicht)\b|\bkein budget\b|\bverzichten\b|\bmuss(en)? (ich|wir) (leider )?absagen\b|\bkommt (fur uns )?nicht in frage\b/),
    WP('falscher ansprechpartner', 2, /\b(falsche[rn]?|nicht der richtige|nicht die richtige) (ansprechpartner(in)?|person|adresse)\b|\bnicht zustandig\b/),
  ]),
  // fr
  ...inLang('fr', [
    C('pas interesse', 4, /\bpas (du tout |vraiment |tres )?interess[ee]s?e?s?\b|\b(aucun|pas d')interet\b|\bnon,? merci\b|\bsans (facon|interet)\b|\bne (sommes|suis) pas (du tout )?interess/),
    C('deja equipe', 3, /\b(nous avons|on a|j'ai|nous utilisons|on utilise|nous travaillons) deja\b|\bdeja (equipes?|un prestataire|une solution|une agence|en place)\b|\bsatisfaits? (de|avec) notre\b|\ben interne\b/),
    C('pas besoin', 3, /\bpas (besoin|pertinent|pour nous|adapte|le bon moment pour nous)\b|\b(n'avons|n'ai) (pas|aucun) besoin\b|\bpas de budget\b|\bne correspond pas\b|\bne nous (concerne|interesse) pas\b|\bdecliner?\b/),
    WP('pas la bonne personne', 2, /\bpas la bonne (personne|adresse)\b|\bne (suis|m'occupe) (pas|plus) (en charge|de)\b/),
  ]),
  // es
  ...inLang('es', [
    C('no interesado', 4, /\bno (estamos|estoy|estaria|estariamos) (muy )?interesad[oa]s?\b|\bno (nos|me) interesa\b|\bno,? gracias\b|\bsin interes\b|\bningun interes\b/),
    C('ya tenemos', 3, /\bya (tenemos|contamos|trabajamos|usamos|utilizamos)\b|\b(estamos|quedamos) (contentos|satisfechos) con\b|\blo hacemos internamente\b|\bequipo interno\b/),
    C('no necesitamos', 3, /\bno (lo )?(necesitamos|necesito|requerimos)\b|\bno es para nosotros\b|\bno (encaja|aplica|es relevante)\b|\b(sin|no tenemos) presupuesto\b|\bno es (una )?prioridad\b/),
    WP('no soy la persona', 2, /\bno soy la persona\b|\bpersona equivocada\b|\bno me (encargo|ocupo)\b/),
  ]),
  // it
  ...inLang('it', [
    C('non interessato', 4, /\bnon (siamo|sono|saremmo|sarei) (affatto |molto )?interessat[oiae]\b|\bnon (ci|mi) interessa\b|\bno,? grazie\b|\bnessun interesse\b/),
    C('abbiamo gia', 3, /\babbiamo gia\b|\b(usiamo|utilizziamo|lavoriamo) gia\b|\bgia (un|una|coperti|a posto)\b|\bsoddisfatti (del|della|con)\b|\binternamente\b/),
    C('non serve', 3, /\bnon (ne )?abbiamo bisogno\b|\bnon (ci|mi) serve\b|\bnon fa per noi\b|\bnon (e|sono) (rilevante|pertinente|una priorita)\b|\bnessun budget\b|\bnon abbiamo budget\b/),
    WP('persona sbagliata', 2, /\bnon sono la persona\b|\bpersona sbagliata\b|\bnon me ne occupo\b/),
  ]),
  // nl
  ...inLang('nl', [
    C('geen interesse', 4, /\bgeen (interesse|behoefte)\b|\bniet (geinteresseerd|geinterresseerd)\b|\bnee,? (dank|bedankt)\w*\b/),
    C('hebben al', 3, /\bhebben (daar |hier |daarvoor )?al (iemand|een partij|een bureau)\b|\b(we |wij )?(hebben|gebruiken|werken) (al|reeds) (een|met|zo)\b|\btevreden (met|over) (onze|de huidige)\b|\bdoen (we|wij) (zelf|intern)\b/),
    C('niet nodig', 3, /\bniet (nodig|relevant|interessant voor ons|voor ons)\b|\bpast niet\b|\bgeen budget\b|\bhoeven (we|wij) niet\b/),
    WP('niet de juiste', 2, /\bniet de (juiste|goede) (persoon|contactpersoon)\b|\bverkeerde persoon\b|\bligt niet bij mij\b/),
  ]),
  // pt
  ...inLang('pt', [
    C('sem interesse', 4, /\bnao (temos|tenho) (nenhum )?interesse\b|\bsem interesse\b|\bnao (estamos|estou) interessad[oa]s?\b|\bnao,? obrigad[oa]\b|\bnao nos interessa\b/),
    C('ja temos', 3, /\bja (temos|usamos|utilizamos|trabalhamos|contamos)\b|\b(satisfeitos|contentes) com\b|\bfazemos (isso )?internamente\b|\bequipe interna\b/),
    C('nao precisamos', 3, /\bnao (precisamos|preciso|necessitamos)\b|\bnao e para nos\b|\bnao (faz sentido|se aplica)\b|\bsem orcamento\b|\bnao temos orcamento\b/),
    WP('nao sou a pessoa', 2, /\bnao sou a pessoa\b|\bpessoa errada\b|\bnao sou eu quem\b/),
  ]),
  // ---- COLD, more of the ways people say no (all languages) ----
  C('no thanks', 3, /^[^\S\r\n]*(no|nope|nah|nein|no|non|nee|neen|nao)( no)?[\s.!,]*(thanks?|thank you|thx|danke|merci|gracias|grazie|bedankt|dank je|obrigad[oa]|valeu)?[\s.!]*$/m),
  C('not needed', 3, /\b(not needed|unnecessary|zero (need|interest)|not for (me|us)|(isn'?t|is not|not) something (we|i)('d| would| will)|(we'?re|we are|i'?m|i am) (fine|good|ok|okay)(,? thanks?| thank you)?\s*(for now)?[.!]*$|no,? we'?re (good|fine|ok))\b/m),
  C('no outside help', 3, /\b(we|i) (never|don'?t|do not|won'?t|will not|wouldn'?t) (ever )?(work with|use|hire|spend money on|pay for|buy|outsource)\b|\bnot (going|gonna) to (buy|sign|pay|spend|hire)\b|\bdecided to (keep|stay|stick|continue|go with|remain)\b|\bwe do (it|this|that|everything|all (of )?(it|this|that)) (ourselves|in-?house|internally)\b/),
  C('nicht notig', 3, /\bnicht (notig|notwendig|erforderlich|interessant)\b|^[^\S\r\n]*(nein|no|ne|nee)[\s.!,]*(danke)?[\s.!]*$|\b(arbeiten|kooperieren|lagern) (wir )?(grundsatzlich|generell|prinzipiell)? ?(nicht|keine?)\b|\b(grundsatzlich|generell|prinzipiell) (nicht|keine?n?)\b|\b(kein|keinen) (thema|bedarf)\b|\bbesteht (derzeit |aktuell )?kein\b|\bwir verzichten\b|\blieber nicht\b|\bgut aufgestellt\b/m),
  C('ca ira', 3, /\b(non,? )?ca ira\b|\bpas (la peine|un besoin|necessaire|utile)\b|\binutile\b|\bnous-memes\b|\b(gerons|gere|faisons|fait) (tout|cela|ca) (nous-memes|en interne|seuls)\b|\bne (faisons|travaillons) (pas|jamais) (appel|avec)\b|\b(ca|cela) ne (nous|m') ?interesse pas\b|\bje passe( mon tour)?\b/),
  C('no hace falta', 3, /\bno (nos |me )?hace falta\b|\bno es necesario\b|\bestamos bien (asi|como estamos)\b|^[^\S\r\n]*paso[\s.!]*$|\bno trabajamos con (agencias|proveedores|empresas externas)\b|\blo hacemos (nosotros|internamente)\b|\bpara nada\b/m),
  C('non serve', 3, /\bnon (ci |mi )?serve\b|\b(siamo|sono) (gia )?a posto\b|\blasci(ate)? perdere\b|\bnon lavoriamo con (agenzie|fornitori|consulenti)\b|\bfacciamo (tutto )?(da soli|internamente|in casa)\b/),
  C('hoeft niet', 3, /\bhoeft niet\b|\b(zoeken|hoeven|willen) (we |wij )?(niks|niets)\b|\bniet naar op zoek\b|\blaat maar\b|^[^\S\r\n]*(nee|neen|nee hoor)[\s.!,]*$|\bwe doen (dit|het|dat|alles)( allemaal)? (zelf|intern)\b|\bwe werken niet met (bureaus|externe)\b|\bzijn (al )?voorzien\b|\bliever niet\b/m),
  C('say no', 3, /\b(have to|got to|going to|gonna|must|will have to|i'?ll) (say no|decline|pass)\b|\bstick with (what we have|our|the current|who we have)\b|\b(don'?t|do not|can'?t) see (this|it|that) (being|as|working as) (a |the )?(fit|good fit|priority)\b|\bnot in a position to\b|\btoo small (for|to)\b|\bwaste (your|my|our) time\b|\bbut no\b[.!]*$|\bnot on our (roadmap|radar|agenda|list)\b|\bno plans to\b/m),
  C('nichts fur uns', 3, /\bnichts fur (uns|mich)\b|\bkeine verwendung\b|\blohnt sich (fur uns |fur mich )?nicht\b|\bzu klein (dafur|fur)\b|\b(dafur|hierfur) (zu klein|nicht geeignet)\b|\bnicht unser (thema|ding)\b/),
  C('pas preneur', 3, /\b(pas|non) preneurs?\b|\bne (donnerons|donnerai|donnons|donnerai) pas suite\b|\bpas (de|donner) suite\b|\btrop petits? pour\b/),
  C('no es de interes', 3, /\bno es (algo que|lo que) (necesit|busc|quer)\w*|\bno es de (nuestro|mi) interes\b|\bprefer(imos|iria|iriamos|o) (que )?no\b|\bno vamos a (contratar|seguir|avanzar)\b|\bno (nos )?encaja\b/),
  C('non e di interesse', 3, /\bnon e di (nostro|mio) interesse\b|\bnon fa al caso (nostro|mio)\b|\bprefer(iamo|isco) di no\b|\bnon (procediamo|procederemo)\b/),
  C('niets voor ons', 3, /\bniets voor (ons|mij)\b|\bzien (hier|daar|ervan|er) ?(van)? ?af\b|\bniet aan de orde\b/),
  C('nao e do interesse', 3, /\bnao e do (nosso|meu) interesse\b|\bnao faz parte (dos|do|das) (nossos?|meus?|nossas?) (planos|escopo|prioridades)\b|\bdispensamos\b|\bnao vamos (seguir|contratar|avancar)\b/),
  C('chose another', 3.5, /\b(chose|chosen|picked|went with|gone with|decided (on|to go with)|signed (with|a contract with)|hired|partnered with|closed with) (another|a different|an other|someone else|a competitor|other)\b|\b(fur|mit) (einen|eine|einem|einer) (anderen|andere) (anbieter|agentur|dienstleister|partner)\b|\bmit dem thema durch\b|\b(choisi|retenu|signe avec|opte pour|pris) (un autre|une autre|un concurrent|d'autres)\b|\b(elegido|escogido|firmado con|cerrado con|contratado a|optado por) (otra|otro)\b|\b(scelto|chiuso con|firmato con|preso) (un'altra|un altro|altra|altro)\b|\b(gekozen voor|getekend met|in zee met|contract getekend met) (een )?(ander|andere)\b|\b(escolhemos|fechamos com|contratamos|assinamos com|optamos por) (outra|outro)\b/),
  C('nao precisa', 3, /\bnao (precisa|rola)\b|\bdispenso\b|\b(estamos|estou) (bem )?(servidos|atendidos)\b|\bnao trabalhamos com (agencias|fornecedores)\b|\bfazemos (tudo )?(internamente|nos mesmos|sozinhos)\b|\bde jeito nenhum\b/),

  // ---- WARM ----
  ...inLang('en', [
    W('interested', 3, /\b(very |really |quite |definitely |potentially |genuinely |could be |might be |would be |i'?m |we'?re |we are |i am |am |are |be )?interested\b/),
    // "Not uninterested", "nicht uninteressiert": a double negative is interest (the negation is part of the cue).
    W('not uninterested', 3, /\b(not|never|hardly) (un|dis)interested\b|\bnicht (un|des)interessiert\b|\bnicht uninteressant\b|\bpas (inint\w*|desinteress\w*)\b|\bno (estoy|estamos|soy|somos) desinteresad\w*|\bnon (sono|siamo) disinteressat\w*|\bniet ongeinteresseerd\b|\bnao (estou|estamos|sou|somos) desinteressad\w*/, false),
    W('sounds good', 2, /\b(sounds|looks|seems) (good|great|interesting|promising|intriguing|cool|useful|relevant|like a good fit)\b|\bintrigued\b|(?<!\b(just|only|merely|purely) )\bcurious\b|\bi like (this|the idea|what)\b|\binteresting\b/),
    W('wants a call', 3.5, /\b(let'?s|lets|we (could|can|should)|happy to|glad to|open to|keen to|would love to|i'?d love to|i'?d like to|would like to|love to|want to) (talk|chat|meet|connect|speak|discuss|hop on|jump on|set (something |a call |a time )?up|schedule|book|learn more|hear more|see (a demo|more|how)|try|test|explore|give it a (try|shot|go))\b|\b(can|could|shall|should) we (talk|chat|meet|speak|connect|set (something |a call |a time )?up|schedule|hop on|jump on|have a (call|chat))\b/),
    W('schedule', 3, /\b(book|schedule|set up|arrange|find|grab|organi[sz]e) (a |some |15 |20 |30 )?(min(ute)?s? )?(call|meeting|demo|time|chat|slot|zoom|teams|session)\b|\b(call|meeting|demo|chat) (on|next|this|tomorrow|monday|tuesday|wednesday|thursday|friday)\b|\bcalendly\b|\bmy calendar\b|\b(calendar|booking|meeting|scheduling) link\b|\bsend (me |us )?(an? )?(invite|calendar invite|link to book)\b/),
    // "call", "demo" are said in every language: one cue, named by the word, so a reply is never given a
    // German (or Dutch, Italian...) cue for an English word.
    { ...W('call', 3, /\b(videocall|call|demo)\b/), word: true },
    W('availability', 3, /\b(do you have|have you got|would you have|got) (some |any )?(time|a slot|a moment|15 minutes|30 minutes)\b|\b(are you|would you be|i'?m|i am|we'?re|we are) (free|available)\b|\b(any|some|your) availability\b|\b(des|vos) disponibilites\b|\b(what|which) (time|times|day|days|slot)s? (work|suit|would work)\b|\bwhen (are you|would you be|works|is good|can we|could we)\b|\b(works|suits) (for )?me\b|\b\d{1,2}(:\d\d)? ?(am|pm)\b|(?<!\bon a )\b(tomorrow|monday|tuesday|wednesday|thursday|friday) (at|morning|afternoon)\b|\b(um|a|a las|alle|om|as|at) \d{1,2}([:.h]\d\d)? ?(uhr|h|am|pm)?\b(?! (percent|%|orders|euro|dollars))/, false),
    W('send info', 3, /\b(send|share|forward|email|put together|prepare|draft) (me |us |over )?( ?some| ?a| ?the| ?your| ?more)* ?(info|information|details|deck|pricing|prices|proposal|case stud(y|ies)|examples?|samples?|brochure|overview|one-?pager|presentation|quote|samples|offer)\b|\bmore (info|information|details)\b|\btell me more\b|\blearn more\b|\bhear more\b|\b(we|i)('d| would| want| need)( like| love)?( to (get|have|see|receive))? (a|an|the|your) (proposal|quote|estimate|offer|price list|audit)\b/),
    W('tell me more', 3, /\b(tell me more|know more|like to (know|learn|hear) more|saber mas|saber mais|cuenta(me|nos) mas|me conta mais|conte-me mais|vertel (eens |me |ons )?meer|meer (weten|horen)|saperne di piu|raccont\w* di piu|mehr (erfahren|wissen|daruber)|en savoir plus|en dire plus|show me (an? |some )?(example|examples|case|demo|numbers|results))\b/),
    W('next steps', 3, /\b(next steps?|how (do|would|can) we (proceed|start|get started|move forward)|what (do|would|will) you need from (us|me)|nachste(n)? schritte?|wie geht es (jetzt )?weiter|prochaines? etapes?|(que|cuales son los|los) (proximos )?pasos|prossimi passi|come procediamo|volgende stap(pen)?|hoe gaan we verder|proximos passos|como seguimos)\b/),
    W('exactly what we need', 3, /\bexactly what (we|i) (need|needed|were looking for|was looking for|want)\b|\bgenau (das|was) (wir|ich) (brauchen|suchen|gesucht)\w*|\bexactement ce (qu'il nous faut|que nous cherch\w*|que je cherch\w*)|\btout a fait notre (problematique|besoin|sujet)\b|\bjusto lo que (necesit|busc)\w*|\bproprio (quello|cio) che (cercav|ci serv)\w*|\bkomt als geroepen\b|\bprecies wat (we|wij|ik) (zoeken|zocht|nodig hebben)\b|\bexatamente o que (precis|procur)\w*/),
    W('unhappy with current', 3, /\b(not|never been|less than) (really |entirely |very |that |too )?(happy|satisfied|thrilled) with (our|the|my) (current|existing|agency|provider|results|partner|setup)\b|\b(unzufrieden|nicht (so |wirklich |ganz )?zufrieden) mit\b|\b(pas|peu|plus) (vraiment |tres )?satisfaits? (de|avec|par)\b|\b(no estamos|poco|nada) (muy )?(contentos|satisfechos)\b|\bnon (siamo |sono )?(molto |del tutto )?soddisfatt\w*\b|\bniet (echt |zo )?tevreden\b|\bnao estamos (muito |tao )?(satisfeitos|contentes|felizes) com\b|\binsatisfeit[oa]s?\b/, false),
    W('all ears', 3, /\b(all ears|happy to (hear|listen|learn|see) (how|what|more|about|your)|i'?m listening|send (me|us|over) (something|anything|a link|a few examples)( to (read|look at))?)\b/),
    W('send it', 2.5, /\b(send|shoot|forward) (it|them|that|this|those|one|(the|an?|your|that|this)( \w+)? (example|sample|deck|proposal|mockup|case study|audit|link)) (over|across|through|my way|along)\b/),
    // The answer to our own offer ("Would it be useful if I sent over a short example?"): "I'd love to see an
    // example", "we'd like to take a look", "keen to see it", "would appreciate a sample".
    W('wants to see', 3, /\b(love|like|want|keen|happy|glad|curious|eager|interested|excited|appreciate it if you could) to (see|get|have|receive|take a look( at)?|have a look( at)?|look at|check out|read|view|try)\b(?! (you|if|whether|why)\b)|\b(would|'d) (love|like|appreciate|welcome|value) (an?|the|your|that|this|some|one)( short| quick| brief| concrete| real)? (example|sample|case study|demo|look|proposal|mockup|audit)\b/),
    W('pricing', 2.5, /\b(pricing|price|prices|cost|costs|how much|rates|rate card|fee|fees|quote|budget for this|trial|free trial|retainer)\b|\b(you|would you|do you) charge\b/),
    W('call me', 3, /\b(call|ring|phone) me\b|\b(chiamarmi|chiamatemi|mi chiama)\b|\b(rufen sie mich|ruf mich|rufen sie) .{0,30}\ban\b|\bappelez-moi\b|\bllam(a|e)me\b|\bchiamami\b|\bmi chiami\b|\bbel me\b|\b(me )?lig(ue|a)(-me| pra mim| para mim)\b|\bpode me ligar\b|\bme liga\b/, false),
    W('yes', 2.5, /^[^\S\r\n]*(yes|yeah|yep|sure|absolutely|definitely|of course|sounds good|why not|go ahead|count (me|us) in|let'?s do it|i'?m in|deal)\b/m),
    W('positive', 2, /\b(go ahead|count (me|us) in|let'?s do (it|this)|sign (me|us) up|worth a (look|try|chat|call|conversation)|could (work|be useful|help)|open to (it|this|a|learning|hearing|exploring)|keen|timing is (good|great|perfect)|perfect timing|(very|really|super|extremely) (useful|helpful|valuable|relevant)|been (looking|meaning) (for|to)|exactly what we need|we need (this|help|something like))\b/),
  ]),
  // de
  ...inLang('de', [
    W('interessiert', 3, /\b(sehr |durchaus |grundsatzlich |eventuell )?interessiert\b|\binteressant\b|\bklingt (gut|interessant|spannend|vielversprechend)\b|\bspannend\b|\bneugierig\b/),
    W('gerne', 2.5, /\bgerne?\b|\bja,? (bitte|gerne|klar)\b|\bsehr gut\b/),
    W('termin', 3, /\b(termin|telefonat|gesprach|anruf|videocall|call|demo|austausch)\b|\b(kurz )?(sprechen|telefonieren|austauschen|unterhalten)\b|\bwann (haben sie|hast du|passt es|konnen wir|ware)\b|\b(passt|geht) (mir|uns|es)? ?(am|um|nachste)\b/),
    // "Schick mal rüber", "schicken Sie es gerne", "her damit", "würde gerne ein Beispiel sehen"
    W('schick ruber', 2.5, /\b(schick|schicken sie|schickt|sende|senden sie|sendet)( \w+)?( (mal|gerne|gern|ruhig|doch|einfach|es|das|ihn|sie|uns|mir))* (ruber|heruber|durch)\b|\bher damit\b|\b(schicken|senden) sie (es|das|ihn|sie) (gerne|gern|ruhig|doch|mal)\b/),
    W('gerne sehen', 3, /\b(wurde|wurden|mochte|mochten|will|wollen)( \w+){0,4} (gerne|gern)( \w+){0,4} (sehen|anschauen|ansehen|bekommen|erhalten|lesen)\b|\b(beispiel|beispiele|muster|kostprobe)\b[^.?!]{0,30}\b(ware|waren|gerne|gern|willkommen|interessiert|sehen|ansehen|anschauen)\b|\b(bin|sind) gespannt\b/),
    W('preis', 2.5, /\b(preis|preise|kosten|kostet|konditionen|angebot|testphase|testen|referenzen|fallstudien|fallbeispiele)\b|\bgerade (aktuell|ein thema)\b|\bmehr (infos|informationen|details)\b|\b(schicken|senden) sie (mir|uns)\b|\bunterlagen\b/),
  ]),
  // fr
  ...inLang('fr', [
    W('interesse', 3, /\binteress[ee]s?e?s?\b|\bca m'interesse\b|\bcela (m'|nous )interesse\b|\binteressant\b|\bcurieux\b|\bpourquoi pas\b/),
    W('volontiers', 2.5, /\bvolontiers\b|\bavec plaisir\b|\boui,? (bien sur|volontiers|avec plaisir|pourquoi pas)\b|\bd'accord\b|\bavec grand plaisir\b/),
    W('rendez-vous', 3, /\b(rendez-vous|rdv|appel|echange|echanger|visio|creneau|demo|demonstration|en discuter ensemble|on en parle|en parler ensemble|nous appeler|s'appeler)\b|\bquand (etes-vous|seriez-vous|pouvons-nous|pourrions-nous)\b|\bdisponible\b|\b(on peut|on pourrait|peut-on|pourrait-on|pouvons-nous|pourrions-nous|je veux bien|nous voulons bien|j'aimerais|nous aimerions|volontiers pour) (en |se |s')?(parler|discuter|echanger|appeler|voir|telephoner)\b/),
    W('tarif', 2.5, /\b(tarif|tarifs|prix|combien|devis|cout|couts|essai)\b|\bplus d'(informations|infos|details)\b|\ben savoir plus\b|\b(envoie|envoyer|faites|faire|transmettez|adressez|pourriez-vous|pouvez-vous|peux-tu)(-moi|-nous| moi| nous| me| m')? ?(envoyer |faire |transmettre )?(une |un |votre |vos |la )?(proposition|offre|grille tarifaire)\b/),
  ]),
  ...inLang('fr', [
    W('envoyez-moi', 2.5, /\benvoye[sz]?-(moi|nous)\b|\benvoie-(moi|nous)\b|\b(envoyez|envoie|envoyer|faites|transmettez)(-moi|-nous)?[- ](le|la|les|ca|cela)( moi| nous)?\b|\b(je|nous) (veux|voulons|prends|prenons) bien\b/),
    W('aimerais voir', 3, /\b(aimerais|aimerions|voudrais|voudrions|veux bien|voulons bien|souhaiterais|souhaiterions|ravie?s? de|curieu(x|se|ses) de|hate de|plaisir de) (bien )?(voir|recevoir|avoir|decouvrir|lire|jeter un (oeil|coup d'oeil)|regarder|essayer|tester)\b/),
  ]),
  // es
  ...inLang('es', [
    W('interesado', 3, /\binteresad[oa]s?\b|\b(me|nos) encaja\b|\b(me|nos) interesa\b|\binteresante\b|\bsuena (bien|interesante)\b|\bcurios[oa]\b/),
    W('con gusto', 2.5, /\bcon (mucho )?gusto\b|\bencantad[oa]s?\b|\bclaro( que si)?\b|\bsi,? (claro|por favor|adelante)\b|\bpor que no\b|\bde acuerdo\b/),
    W('llamada', 3, /\b((tienes|tiene|teneis|tienen) hueco|llamada|reunion|videollamada|agendar|hablar|conversar|charlar|demo|demostracion)\b|\bcuando (podemos|puede|puedes|le va|te va|tiene)\b|\bdisponible\b/),
    W('mandamelo', 2.5, /\b(manda|envia|pasa|mande|envie|pase|mandad|enviad|pasad|manden|envien|pasen)(me|nos)(lo|la|los|las)\b|\b(mandalo|envialo|pasalo)\b/),
    W('me encantaria', 3, /\b(me|nos) (encantaria|gustaria|interesaria|vendria bien)\b[^.?!]{0,20}\b(ver|recibir|conocer|echar un vistazo|probar|leer|tener)\b|\b(quiero|queremos|quisiera|quisieramos) (ver|recibir|conocer|echar un vistazo)\b/),
    W('precio', 2.5, /\b(precio|precios|cuanto cuesta|cuesta|tarifa|tarifas|cotizacion|presupuesto para|costo|coste|prueba)\b|\bmas (informacion|info|detalles)\b|\benvie(me|nos)\b|\b(enviame|envianos|enviadme|mandame|mandanos|mandadme|pasame|pasanos|envieme|envienos|mandeme|mandenos|(puedes|puede|podrias|podria|podeis|pueden) (enviar|mandar|pasar)(me|nos)|(me|nos) (puedes|puede|podrias|podria|pueden|podeis) (enviar|mandar|pasar))\b.{0,30}\b(propuesta|presupuesto|oferta|cotizacion|informacion|info|detalles|precios?|tarifas?|ejemplos?|casos?)\b/),
  ]),
  // it
  ...inLang('it', [
    W('interessato', 3, /\binteressat[oiae]\b|\b(mi|ci) interesser(ebbe|ebbero)\b|\bincuriosi(sce|scono|to|ti|ta)\b|\b(mi|ci) interessa\b|\binteressante\b|\bcurios[oi]\b/),
    W('volentieri', 2.5, /\bvolentieri\b|\bcon piacere\b|\bsi,? (certo|grazie|volentieri|perche no)\b|\bperche no\b|\bva bene\b|\bd'accordo\b/),
    W('chiamata', 3, /\b(chiamata|telefonata|incontro|riunione|call|demo|sentirci|parlarne|vederci|appuntamento)\b|\bquando (possiamo|potremmo|sei|siete|e)\b|\bdisponibil[ei]\b/),
    W('mandalo', 2.5, /\b(manda|invia|mandate|inviate|mandi|invii)(melo|mela|meli|mele|celo|cela|celi|cele|lo|la|li|le)\b|\bmanda(mi|teci|temi) pure\b/),
    W('mi piacerebbe', 3, /\b(mi|ci) (piacerebbe|farebbe piacere|interesserebbe)\b[^.?!]{0,20}\b(vedere|ricevere|avere|dare un'occhiata|provare|leggere|conoscere)\b|\b(vorrei|vorremmo) (\w+ )?(vedere|ricevere|dare un'occhiata)\b/),
    W('prezzo', 2.5, /\b(prezzo|prezzi|costo|costi|quanto costa|preventivo|tariff[ae]|prova)\b|\b(maggiori|piu) (informazioni|info|dettagli)\b|\binviate(mi|ci)\b|\bmandate(mi|ci)\b|\b(mandami|inviami|mandaci|inviaci|mi (mandi|invii|puoi mandare|puoi inviare|potete mandare|potete inviare|potreste mandare|potreste inviare)|(puoi|potete|potreste|potrebbe) (mandarmi|inviarmi|mandarci|inviarci))\b.{0,30}\b(proposta|preventivo|offerta|dettagli|informazioni|prezzi|listino)\b/),
  ]),
  // nl
  ...inLang('nl', [
    W('geinteresseerd', 3, /\bgeinteresseerd\b|(?<!n)\biets voor (ons|mij)\b|\binteressant\b|\bklinkt (goed|interessant|leuk)\b|\bnieuwsgierig\b/),
    W('graag', 2.5, /\bgraag\b|\bja,? (graag|prima|zeker|hoor)\b|\bprima\b|\bakkoord\b|\bwaarom niet\b/),
    W('afspraak', 3, /\b(kennismaken|laten we (even )?(bellen|afspreken|praten)|wanneer (kan|kun|heb) (jij|je|u)|afspraak|gesprek|bellen|belletje|videocall|call|demo|kennismaking|overleg|afstemmen)\b|\bwanneer (kunnen|heb je|heeft u|schikt|past)\b|\bbeschikbaar\b/),
    W('stuur maar', 2.5, /\bstuur (maar|gerust|gewoon|het maar|dat maar|die maar|het gerust|maar eens|eens)\b|\b(zou|wil|willen|zouden) (\w+ ){0,3}(graag|wel) (\w+ ){0,3}(zien|ontvangen|bekijken|lezen)\b/),
    W('benieuwd', 3, /\b(ben|zijn|erg|heel|best|wel|zeer|echt) benieuwd\b|\bbenieuwd (naar|hoe|wat|of)\b/),
    W('prijs', 2.5, /\b(prijs|prijzen|kosten|wat kost|offerte|voorstel|tarief|tarieven|proefperiode)\b|\bmeer (informatie|info|details)\b|\bstuur (me|ons)\b/),
  ]),
  // pt
  ...inLang('pt', [
    W('interessado', 3, /\binteressad[oa]s?\b|\b(tenho|temos) interesse\b|\binteressante\b|\bcurios[oa]\b|\bparece (bom|interessante|otimo)\b/),
    W('com prazer', 2.5, /\bcom (todo o )?prazer\b|\bclaro\b|\bsim,? (claro|por favor|vamos)\b|\bpor que nao\b|\bcombinado\b|\bde acordo\b/),
    W('reuniao', 3, /\b(reuniao|chamada|ligacao|conversar|conversa|agendar|podemos falar|vamos falar|falamos|marcar|demo|demonstracao|call)\b|\bquando (podemos|pode|voce pode|tem)\b|\bdisponivel\b/),
    W('manda ai', 2.5, /\b(manda|mande|envia|envie|mandem|enviem|pode mandar|pode enviar)(-me|-nos)? (ai|pra mim|pra gente|para mim|para nos|sim|la)\b|\b(manda|envia|mande|envie)(-mo|-ma|-me isso|-nos isso)\b/),
    W('gostaria de ver', 3, /\b(adoraria|adorariamos|gostaria|gostariamos|queria|quero|queremos|quero muito|tenho curiosidade em|estou curios[oa] para) (de |muito )?(ver|receber|conhecer|dar uma olhada|testar|ler)\b/),
    W('preco', 2.5, /\b(preco|precos|quanto custa|custo|custos|orcamento|valores|teste gratis)\b|\bmais (informacoes|info|detalhes)\b|\benvie(-me|-nos)?\b|\bmande(-me|-nos)\b|\b(pode|poderia|podem|poderiam|consegue|conseguem|podes) (me |nos )?(mandar|enviar|passar)(-me|-nos)?\b.{0,30}\b(proposta|orcamento|detalhes|informacoes|precos?|valores|exemplos?)\b|\b(me |nos )?(manda|envia|mandem|enviem|passe|passa)(-me|-nos)? (uma |a |sua |vossa |um )?(proposta|orcamento|cotacao)\b/),
  
  ]),
  // ---- NEUTRAL: later, someone else, what is this, acknowledged ----
  N('later', 3, /\b(maybe (in|next|after|later|around|towards)|(next|this coming|in the) (spring|summer|autumn|fall|winter|new year)|not (right )?now|not at (the|this) moment|not (at )?this (time|year|quarter)|maybe later|later (this|in the) (year|quarter)|next (quarter|year|month|season)|after (the )?(holidays|summer|new year|black friday|bfcm|peak season|q[1-4]|launch|migration)|in (about |around |roughly )?(a few|a couple( of)?|two|three|six|\d+) (weeks|months)|(reach|check|circle|follow) (back|up|out)( with (me|us))?( again)? (in|next|after|later)|(revisit|talk|touch base|reconnect) (this )?(in|next|after|later)(?! (week|weekend|monday|tuesday|wednesday|thursday|friday|days?|couple of days|a couple( of)? days|few days|a few days|a day or two|one day|a day|\d+ days|a week|one week|1 week|two weeks|2 weeks|the week)\b)|too busy|busy (right now|at the moment|season)|bad timing|timing (isn'?t|is not) (right|great|good)|no time right now|q[1-4] (20\d\d|next year)|not (before|until|till|prior to) (january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|next|the (new year|spring|summer|autumn|fall|winter|end of)|after|q[1-4]|20\d\d|mid|end of|early|late)|(not|isn'?t|is not) (a )?(good|great|the right|the best) (time|moment)|(in|during) (the )?(first|second|third|fourth|next) (quarter|half)|(in|during) q[1-4])\b/),
  N('spater', 3, /\b((gerade|derzeit|momentan|aktuell|jetzt) (ungunstig|schlecht|schwierig)|ungunstiger zeitpunkt|(im|ab|nach dem) (fruhjahr|fruhling|sommer|herbst|winter|neuen jahr)|spater|nachstes jahr|nachstes quartal|im moment (nicht|keine zeit|leider nicht)|derzeit (nicht|keine kapazitat)|aktuell (nicht|keine kapazitat)|nach (dem|der) (sommer|weihnachten|saison|umstellung)|in (ein paar|einigen|zwei|drei|\d+) (wochen|monaten)|melden sie sich (\w+ ){0,2}(in|im|nach|wieder|nochmal|noch einmal|spater|ab)|(kein|nicht der|nicht ein) (guter|gunstiger|richtiger|passender|idealer) (zeitpunkt|moment)|(im|ab dem|nach dem|ab|vor dem) (ersten|zweiten|dritten|vierten|nachsten|kommenden|neuen) (quartal|halbjahr|jahr)|nicht vor (dem )?(januar|februar|marz|april|mai|juni|juli|august|september|oktober|november|dezember|fruhjahr|sommer|herbst|winter|ende|mitte|anfang|nachste\w*|\d)|zu einem spateren zeitpunkt|zurzeit nicht|(danach|anschliessend|dann) (gerne )?(nochmal|noch einmal|wieder)|gerne (im \w+ |nach \w+ )?(nochmal|noch einmal|wieder) (melden|anfragen|kontaktieren|schreiben))\b/),
  N('plus tard', 3, /\b(plus tard|l'annee prochaine|le trimestre prochain|pas (pour le moment|maintenant|en ce moment|tout de suite)|dans (quelques|deux|trois|\d+) (mois|semaines)|apres (l'ete|les fetes|la saison)|recontactez-(moi|nous)|revenez vers (moi|nous)|pas le bon moment|pas (un|le) (bon|meilleur) moment|pas avant (janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|l'an|la rentree|l'ete|le printemps|l'automne|l'hiver|la fin|le \w+ trimestre|\d)|au (premier|deuxieme|second|troisieme|quatrieme|prochain) (trimestre|semestre))\b/),
  N('mas adelante', 3, /\b(mas adelante|el (proximo|ano que viene)|el proximo (ano|mes|trimestre)|en (unos|unas|algunos|dos|tres|\d+) (meses|semanas)|ahora (mismo )?no|por (ahora|el momento) no|no es (el|buen) momento|despues de (verano|las fiestas|navidad)|vuelva a (contactar|escribir)(nos|me)? (en|mas)|contact(e|a)(me|nos) (en|mas adelante)|no es (un )?(buen|el mejor) momento|no antes de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|fin de|finales|el proximo|\d)|(en|durante) el (primer|segundo|tercer|cuarto|proximo) (trimestre|semestre))\b/),
  N('piu avanti', 3, /\b(piu avanti|(il )?prossimo anno|l'anno prossimo|tra (qualche|un paio di|due|tre|\d+) (mesi|settimane)|per ora no|al momento no|non (e|sia) il momento|non (e|sia) un (buon|bel) momento|dopo (l'estate|le feste|natale)|ricontatta(temi|teci|mi|ci)|non prima di (gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|fine|\w+ prossimo|\d)|nel (primo|secondo|terzo|quarto|prossimo) (trimestre|semestre))\b/),
  N('later nl', 3, /\b(later (dit jaar|terug)|volgend (jaar|kwartaal)|over (een paar|enkele|twee|drie|\d+) (weken|maanden)|op dit moment niet|momenteel niet|nu (even )?niet|na de (zomer|feestdagen)|geen (goed|gunstig) moment|niet (voor|eerder dan) (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|de zomer|het voorjaar|volgend \w+|\d)|in het (eerste|tweede|derde|vierde|volgende) (kwartaal|halfjaar))\b/),
  N('mais tarde', 3, /\b(mais (tarde|para frente|adiante)|(no )?proximo (ano|mes|trimestre)|daqui a (alguns|algumas|uns|umas|dois|tres|\d+) (meses|semanas)|(agora|no momento|por enquanto) nao|nao e o momento|nao e (um )?(bom|o melhor) momento|depois (do verao|das festas)|nao antes de (janeiro|fevereiro|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro|o proximo|\d)|no (primeiro|segundo|terceiro|quarto|proximo) (trimestre|semestre))\b/),
  N('later month', 3, /\b(reach out|get back|get in touch|touch base|circle back|check back|ping me|try me|follow up|reconnect|revisit|talk again|melden|nochmal|noch einmal|reparle|reparler|recontact\w*|relance\w*|revenez|hablamos|hablemos|escribeme|escribenos|vuelve a|contactame|riscriv\w*|riparliamo|risentiamo|ricontatt\w*|spreken we|neem .{0,20}contact|falamos|conversamos|a gente conversa|me procure|retomamos)\b.{0,40}\b(january|february|march|april|may|june|july|august|september|october|november|december|januar|februar|marz|juni|juli|oktober|dezember|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|januari|februari|maart|mei|augustus|janeiro|fevereiro|marco|maio|junho|julho|setembro|outubro|novembro|dezembro)\b|\b(depois (do|da|das|dos) (carnaval|verao|natal|ferias|festas|black friday)|despues de (las rebajas|verano|navidad|vacaciones)|dopo (i saldi|l'estate|le ferie|natale)|na de (zomer|vakantie|feestdagen|uitverkoop)|apres (les soldes|l'ete|les vacances|les fetes))\b/),
  N('referral', 3.5, /\b(mention|pass|forward|show|send) (it|this|that) (on )?to (our|my) \w+|\b(reach(ing)? out to|contact(ing)?|talk(ing)? to|speak(ing)? (to|with)|email(ing)?|writ(e|ing) to|get(ting)? in touch with|ask(ing)?) (my |our )?(colleague|coworker|co-worker|partner|boss|manager|head of|team|marketing|ceo|founder|owner|cofounder)\b|\b(is|would be) (the )?(right|best|better|correct) (person|contact)\b|\b(cc'?d|cc'?ing|copying|copied|looping in|looped in|adding \w+,? (from|who|our|my)|you('d)? want (to talk to |to speak (to|with) )?(our|my)|try (my|our)|i'?ve (forwarded|passed)|forwarded (this|your)|pass(ed|ing)? (this|it|that|them|your (email|message|note|details|info))( email| message)? (on|along)\b|handles (this|that|our)|in charge of|responsible for|takes care of)\b/),
  N('referral de', 3.5, /\b(kolleg(e|in|en)|zustandig(e|er)?|ansprechpartner(in)? (ist|ware)|weitergeleitet|weitergegeben|weitergeben|weiterleiten|in (cc|kopie)|leite (es|das|ihre) .{0,20}weiter|kummert sich)\b/),
  N('referral fr', 3.5, /\b(voyez avec|voir avec|adressez-vous a|mon collegue|ma collegue|mes collegues|(la )?personne en charge|s'occupe|transmis|transmets|transmettre|transfere|transfert|je fais suivre|en copie|responsable (de|du|des))\b/),
  N('referral es', 3.5, /\b(mi (colega|companer[oa]|jefe|socio|socia)|lo lleva|(la )?persona (encargada|responsable)|se encarga|reenviado|reenvie|en copia|he pasado)\b/),
  N('referral it', 3.5, /\b(il mio collega|la mia collega|i miei colleghi|(la )?persona (giusta|responsabile)|si occupa|inoltrato|inoltrata|inoltro|in copia|ho girato|le giro|giro la)\b/),
  N('referral nl', 3.5, /\b(mijn collega|(de )?juiste persoon is|verantwoordelijk|doorgestuurd|stuur (het|dit|deze|je mail|uw mail) door|in de cc|doorgezet)\b/),
  N('referral pt', 3.5, /\b(meu colega|minha colega|meu socio|minha socia|(a )?pessoa responsavel|responsavel (por|pelo|pela)|encaminhei|encaminhado|encaminhar|em copia|copiando|copiei|repassei|quem cuida)\b/),
  N('who are you', 2.5, /\b(no idea who (you are|this is)|(don'?t|do not) know (who you are|you|your company)|never heard of (you|your)|what is (this|it) (about|regarding)|who (are you|is this|gave you)|is this a (sales )?pitch|how did you (get|find)( my| our)? (email|address|details|contact)|where did you get|which company|what company|remind me|do we know each other|is this (automated|a bot|spam|a sales)|what exactly (do|does|is))\b|\b(wer sind sie|woher haben sie|worum geht es|qui etes-vous|de quoi s'agit|d'ou vient|quien (es|eres)|de que se trata|como consiguio|chi (sei|siete|e)|di cosa si tratta|wie bent u|wie ben jij|wie zijn jullie|wer hat ihnen|waar gaat (dit|het) over|quem (e|sao)|do que se trata)\b/),
  N('will discuss internally', 3.5, /\b(discuss|talk|check|run (it|this) (past|by)|speak|consult|chat)( it| this| that)?( over)? (with|past|by) (my|our|the) (partner|business partner|team|boss|owner|owners|manager|cofounder|co-founder|board|ceo|founder|husband|wife)\b|\b(check|ask) (with )?(the|my|our) (owner|owners|boss|partner|cofounder|co-founder|board)\b|\bnot my (call|decision)\b|\b(mit|bei) (meinem|meiner|unserem|unserer|dem|der) (partner|team|chef|chefin|geschaftsfuhrung|geschaftsfuhrer|kollegen|inhaber|vorstand)\b|\b(klare|kläre|besprech\w*|abstimmen) .{0,20}intern\b|\b(en )?(parler|discuter|voir) (a|avec) (mon|ma|mes|notre|nos|l'equipe|la direction|le patron)\b|\b(lo )?(consulto|hablo|comento|veo) con (mi|el|la|nuestro|nuestra)\b|\bne parlo con\b|\b(parlarne|sentire) con (il|la|mio|mia)\b|\b(overleg|bespreek|bespreken)( het| dit)? (met|intern)\b|\bintern (bespreken|overleggen)\b|\b(vou |vamos )?(ver|falar|conversar|checar) com (meu|minha|o|a|nosso|nossa) (socio|socia|equipe|chefe|time|dono|dona|diretor|diretoria)\b/),
  N('will consider', 2.5, /\b(i'?ll|i will|we'?ll|we will|let me|need to|have to|going to) (think|consider|review|look (into|at|over)|check|discuss|talk( it over)?|run it by|get back|come back|circle back|share (it|this) with)\b|\bget back to you\b|\bthink about it\b|\bkeep (it|this|you) in mind\b|\bon file\b|\b(ich|wir) (schaue|schauen|uberlege|uberlegen|prufe|prufen|melde|melden|bespreche|besprechen)\b|\bje (reviens|regarde|vais (regarder|reflechir|en parler))\b|\bnous (allons|reviendrons)\b|\b(lo|la) (reviso|revisare|pensare|pensaremos|consultare)\b|\bte (aviso|digo)\b|\b(ci|ne) (penso|pensiamo|parlo|parliamo)\b|\bvi faro sapere\b|\bik (kom|laat|bekijk|overleg)\b|\b(vou|vamos) (ver|analisar|pensar|avaliar|conversar)\b/),
  // "Just curious", "just wondering": a question asked with no intent to buy.
  N('just curious', 2.5, /\b(just|only|merely|purely) (curious|wondering|asking)\b|\bout of (pure |sheer )?curiosity\b|\b(par|simple|pure) curiosite\b|\bpor (pura )?curiosidad\b|\bper (pura )?curiosita\b|\buit (pure )?nieuwsgierigheid\b|\bpor (pura )?curiosidade\b|\baus (reiner )?neugier\b|\bnur (neugierig|interessehalber)\b|\binteressehalber\b/),
  N('acknowledged', 1.5, /^[^\S\r\n]*(thanks|thank you|thx|ok|okay|noted|received|got it|merci|danke|gracias|grazie|bedankt|obrigad[oa]|dank je)\b[\s!.,]*$/m),
];

/** Languages of the cues listed among the multilingual ones (each names one language's words). */
const NAMED_LANG: Record<string, string> = {
  'not needed': 'en', 'just curious': 'en', 'no outside help': 'en', 'say no': 'en', 'later': 'en', 'referral': 'en',
  'nicht notig': 'de', 'nichts fur uns': 'de', 'spater': 'de', 'referral de': 'de',
  'ca ira': 'fr', 'pas preneur': 'fr', 'plus tard': 'fr', 'referral fr': 'fr',
  'no hace falta': 'es', 'no es de interes': 'es', 'mas adelante': 'es', 'referral es': 'es',
  'non serve': 'it', 'non e di interesse': 'it', 'piu avanti': 'it', 'referral it': 'it',
  'hoeft niet': 'nl', 'niets voor ons': 'nl', 'later nl': 'nl', 'referral nl': 'nl',
  'nao e do interesse': 'pt', 'nao precisa': 'pt', 'mais tarde': 'pt', 'referral pt': 'pt',
};
for (const c of CUES) if (!c.lang && !MULTILINGUAL.has(c.name)) c.lang = NAMED_LANG[c.name];

/**
 * The name a matched cue is given in the reason: a cue of another language whose words the reply's own
 * language also uses ("interessant", "kosten", "disponible") is named by that language's cue.
 */
function nameIn(lang: string, cue: Cue, words: string): string {
  if (!cue.lang || cue.lang === lang) return cue.name;
  for (const c of CUES) {
    if (c.lang !== lang || c.label !== cue.label) continue;
    const m = c.re.exec(words);
    if (m && m.index === 0 && m[0].length === words.length) return c.name;
  }
  return cue.name;
}

/** The reply's language: stop words, with the languages of the cues it matched as further votes (short replies have few stop words). */
function replyLanguage(stop: Record<string, number>, votes: Record<string, number>): string {
  const pick = (score: (l: string) => number): { best: string; tied: boolean } => {
    // Nothing found, or ties with the language listed first: English, as in guessLanguage.
    let best = 'en';
    let bestScore = 0;
    let tied = false;
    for (const l of Object.keys(stop)) {
      const v = score(l);
      if (v > bestScore) {
        best = l;
        bestScore = v;
        tied = false;
      } else if (v === bestScore && v > 0) tied = true;
    }
    return { best, tied };
  };
  const both = pick((l) => stop[l]! + (votes[l] ?? 0));
  // Cues shared by two languages ("nee" is Dutch and German) decide nothing: then the stop words alone.
  return both.tied ? pick((l) => stop[l]!).best : both.best;
}

/** Greeting and name at the start of a reply ("Hi Sam,", "Hallo Herr Baker,"). */
const GREETING = /^\s*(hi|hey|hello|dear|hallo|guten (morgen|tag)|moin|servus|bonjour|salut|hola|buenas|buenos dias|ciao|buongiorno|salve|hoi|goedemorgen|goedemiddag|ola|oi|bom dia|boa tarde)\b( (herr|frau|mr|mrs|ms|monsieur|madame|senor|signor))?( [a-z]+)?[\s,!.:-]*/;
/** Words around a short answer that carry no intent ("No, thanks!", "nope, sorry", "Nee, dank je"). */
const FILLER = /\b(thanks?( you| a lot| so much| anyway)?|thank you|thx|ty|many thanks|(vielen |besten )?dank(e)?( schon| sehr| dir| ihnen| je| u| je wel| u wel| trotzdem)?|merci( beaucoup| bien| quand meme)?|(muchas )?gracias|grazie( mille| comunque)?|bedankt|obrigad[oa]|valeu|sorry|desole|lo siento|scusa(te)?|please|pls|bitte|svp|s'il vous plait|por favor|per favore|alsjeblieft|aub|good luck|bonne (continuation|journee)|(buena )?suerte|in bocca al lupo|succes( verder)?|boa sorte|sucesso|cheers|regards|hoor)\b/g;

/** Whole short replies (greeting, thanks and punctuation removed), by language: the answer is the reply. */
const SHORT: ReadonlyMap<string, Intent> = new Map<string, Intent>([
  // COLD
  ...[
    'no', 'nope', 'nah', 'no no', 'no way', 'never', 'pass', "i'll pass", 'ill pass', "we'll pass", 'hard pass', 'not interested', 'no interest',
    'not for us', 'not for me', 'no need', 'not needed', "we're good", 'we are good', "we're fine", 'we are fine', "i'm good", "i'm fine", 'all good',
    'not now', 'not right now', "we're good for now", 'all good for now', "we're fine for now", 'not today', 'not at this time', 'no not now', 'not really', 'not interested at all',
    'nein', 'no', 'ne', 'nee', 'kein bedarf', 'kein interesse', 'nicht interessiert', 'nicht notig', 'nicht notwendig', 'brauchen wir nicht',
    'nicht fur uns', 'nicht jetzt', 'jetzt nicht', 'kein thema', 'wir verzichten', 'lieber nicht', 'nicht interessant', 'nein kein bedarf', 'nein kein interesse',
    'non', 'non non', 'pas interesse', 'pas interessee', 'pas interesses', 'pas interessees', 'non pas interesse', 'ca ira', 'non ca ira', 'pas pour nous',
    'pas besoin', 'aucun interet', 'sans facon', 'pas maintenant', 'pas la peine', 'inutile', 'je passe', 'je passe mon tour', "ca ne m'interesse pas",
    'ca ne nous interesse pas', 'pas pour moi', 'non pas pour nous',
    'paso', 'no me interesa', 'no nos interesa', 'no interesa', 'sin interes', 'no hace falta', 'no necesitamos', 'ahora no', 'para nada',
    'no es necesario', 'estamos bien', 'estamos bien asi', 'no estamos interesados', 'no estoy interesado', 'no estoy interesada',
    'passo', 'non interessa', 'non mi interessa', 'non ci interessa', 'non interessato', 'non interessati', 'non interessata', 'non serve',
    'non ci serve', 'non ora', 'adesso no', 'per ora no', 'lasci perdere', 'lasciate perdere', 'siamo a posto', 'a posto cosi',
    'neen', 'geen interesse', 'geen behoefte', 'niet nodig', 'hoeft niet', 'laat maar', 'niet geinteresseerd', 'nu niet', 'niet voor ons', 'liever niet',
    'nao', 'sem interesse', 'nao tenho interesse', 'nao temos interesse', 'nao precisa', 'nao precisamos', 'dispenso', 'agora nao',
    'estamos bem', 'estamos servidos', 'estamos bem servidos', 'nao rola', 'de jeito nenhum', 'nao e para nos',
  ].map((p) => [p, 'COLD'] as [string, Intent]),
  // NEUTRAL: acknowledged, maybe
  ...[
    'ok', 'okay', 'k', 'noted', 'received', 'got it', 'will do', 'maybe', 'perhaps', 'ok noted', 'ok received',
    'erhalten', 'angekommen', 'vielleicht', 'zur kenntnis genommen', 'bien recu', 'recu', 'peut etre', 'note', 'recibido', 'quizas', 'tal vez',
    'ricevuto', 'forse', 'ontvangen', 'misschien', 'recebido', 'talvez', 'ok recebido', 'ok ricevuto', 'ok bien recu',
  ].map((p) => [p, 'NEUTRAL'] as [string, Intent]),
  // WARM
  ...[
    'yes', 'yeah', 'yep', 'sure', 'ok sure', 'interested', 'very interested', "i'm interested", "we're interested", 'yes interested', "let's talk",
    "let's chat", 'tell me more', 'ja', 'ja gerne', 'gerne', 'ja klar', 'oui', 'oui volontiers', 'volontiers', 'oui avec plaisir', 'si', 'claro',
    'claro que si', 'si claro', 'sim', 'sim claro', 'com certeza', 'volentieri', 'certo', 'si certo', 'graag', 'ja graag', 'zeker', 'ja zeker',
  ].map((p) => [p, 'WARM'] as [string, Intent]),
]);

/** The whole reply reduced to its answer when it is short ("Hi Sam, no thanks!" → "no"); null when longer. */
function shortCore(body: string): string | null {
  if (body.length > 120) return null;
  // The runs of [a-z'] left after the greeting and fillers, joined by one space: the same string as replacing each
  // run of other characters by a space and trimming (trim only meets those spaces), and its number of words is the
  // number of runs ('' when there is none: one word for split, within the limit) — without the two extra passes.
  const runs = body.replace(GREETING, ' ').replace(FILLER, ' ').match(/[a-z']+/g) ?? [];
  return runs.length <= 6 ? runs.join(' ') : null;
}

/** A negation word in any of the seven languages (accents folded). */
const NEG_DECL = /\b(not|no|never|don'?t|doesn'?t|won'?t|wouldn'?t|isn'?t|aren'?t|can'?t|cannot|nothing|nicht|nichts|kein\w*|nie|niemals|pas|jamais|rien|aucun\w*|nunca|nada|ningun\w*|non|mai|niente|nessun\w*|niet|niets|geen|nooit|nao|nenhum\w*|nem)\b/;
/** Negations that say nothing about the offer ("no worries", "not sure", "kein Problem"). */
const NEG_IDIOM = /\b((please )?(don'?t|do not) (stop|unsubscribe|remove|delete|take (me|us) off)|nicht (abmelden|austragen|aufhoren|loschen)|ne (me |nous )?(desinscrivez|desabonnez|retirez|supprimez|arretez) pas|no (me |nos )?(des de baja|den de baja|dejes de|dejen de|borres|borren)|non (smettete|smettere|smettetela|cancellatemi|toglietemi)|niet (stoppen|afmelden|uitschrijven)|nao (pare|parem|me descadastre|nos descadastre)|no (worries|problem|rush|pressure)|not (sure|yet)|kein problem|keine (sorge|ursache|eile)|pas de (souci|soucis|probleme)|(no hay |ningun )?problema|nessun problema|geen (probleem|zorgen)|sem problema)\b/;

/** Portuguese words that tell a short reply from Spanish ("Bora conversar semana que vem?"). */
const EXTRA_STOP_PT = new Set(['bora', 'vem', 'voce', 'gente', 'tambem', 'entao', 'pra', 'valeu', 'beleza']);

/** Which cues can match a text at all (see gate.ts): a cue whose required words are absent is not tested. */
const CUE_GATE = new RegexGate(CUES.map((c) => c.re));

const LATER = new Set(['later', 'spater', 'plus tard', 'mas adelante', 'piu avanti', 'later nl', 'mais tarde', 'later month']);
const CUES_BY_NAME = new Map(CUES.map((c) => [c.name, c]));

// A dash or colon ends what a negation reaches ("Please don't stop - send me the pricing").
const NEGATION = /\b(not|no|never|don'?t|dont|doesn'?t|isn'?t|aren'?t|won'?t|wouldn'?t|can'?t|cannot|hardly|nicht|kein\w*|nie|pas|jamais|ni|nunca|non|mai|niet|geen|nooit|nao|nem|sans|sin|senza|zonder|sem)\b(?:(?! - )[^.,;:!?\u2013\u2014]){0,30}$/;
/**
 * A negative subject or a doubt in front of a positive cue: "Nobody here is interested", "none of us are",
 * "I doubt we'd be interested", "why would I be interested", "Niemand hier ist interessiert", "Personne ici
 * n'est intéressé", "Nadie aquí está interesado", "Nessuno qui è interessato", "Ninguém aqui está interessado".
 */
const NEG_SUBJECT = /\b(nobody|no-?one|no one|none of (us|them|our \w+)|not (a single|one) (one|person|of us)|niemand|keiner (von uns|hier|bei uns)|personne\b(?=[^.,;:!?]{0,25}\bn')|aucun\w*\b(?=[^.,;:!?]{0,25}\bn')|nadie|ninguno|nessuno|ninguem|nenhum de nos|(i|we) (really |highly |very much |strongly )?doubt|doubtful|unlikely|(ich |wir )?(bezweifle|bezweifeln|zweifle)|(je |nous )?(doute|doutons)|(yo )?dudo|(lo )?dubito|(ik )?betwijfel|(eu )?duvido|(doubt|bezweifle|bezweifeln|doute|doutons|dudo|dudamos|dubito|dubitiamo|betwijfel|betwijfelen|duvido|duvidamos),? (that|dass|que|che|dat|of|whether|if)\b[^.;:!?]{0,30}|why (on earth |exactly )?(would|should|do you think) (i|we|anyone|anybody|someone)|warum (sollte|sollten|wurde|wurden) (ich|wir|jemand)|pourquoi (serais|serions|voudrais|voudrions|est-ce que (je|nous) serai\w*)|por que (estaria|estariamos|me interesaria|nos interesaria|iba a|ibamos a)|perche (dovrei|dovremmo|mi interesserebbe|ci interesserebbe|sarei|saremmo)|waarom (zou|zouden) (ik|wij|we|iemand)|por que (eu |nos )?(estaria|estariamos|teria|teriamos))\b(?:(?! - )[^.,;:!?\u2013\u2014]){0,30}$/;
/** A bare "no" answering the question before it ("Interested? No.", "Interessiert? Nein."). */
const ANSWER_NO = /^(no|nope|nah|not really|not at all|hardly|nein|eher nicht|nicht wirklich|non|pas vraiment|pas du tout|no realmente|para nada|non proprio|per niente|nee|neen|niet echt|nao|nem por isso|de jeito nenhum)\b[\s.!,]*(thanks?|thank you|danke|merci|gracias|grazie|bedankt|obrigad[oa])?[\s.!]*$/;
const CONTRAST = /\b(but|however|although|aber|jedoch|allerdings|mais|cependant|pero|sin embargo|ma|tuttavia|(?<!\b(stuur|laat|doe|ga|kom|zeg|geef|probeer|bel|mail|plan|zet|vraag|neem|mag|kan|zeg het|stuur het|stuur die|stuur dat) )maar|echter|mas|porem|contudo)\b/;
/** The same without French "mais", which in Portuguese means "more" ("mais detalhes"): used for replies in Portuguese. */
const CONTRAST_PT = /\b(but|however|although|aber|jedoch|allerdings|cependant|pero|sin embargo|ma|tuttavia|(?<!\b(stuur|laat|doe|ga|kom|zeg|geef|probeer|bel|mail|plan|zet|vraag|neem|mag|kan|zeg het|stuur het|stuur die|stuur dat) )maar|echter|mas|porem|contudo)\b/;

/** Product questions: a question mark with a buying word. */
const PRODUCT_QUESTION = /\b(how|what|which|can|could|do|does|is|are|will|would|have you|wie|was|welche|konnen|kann|gibt|haben sie|habt ihr|hast du|comment|combien|quel|quelle|quels|quelles|est-ce|pouvez|avez-vous|como|cuanto|cual|cuales|que|puede|pueden|tienen|tiene|tienes|come|quanto|quale|quali|potete|avete|hoe|wat|welke|kunnen|kan|hebben jullie|heeft u|heb je|ha|hanno|quais|qual|podem|pode|tem|voces tem)\b.{0,80}\b(lavorate|lavorano|arbeiten sie|arbeitet ihr|travaillez|trabajais|trabajan|werken jullie|trabalham|cost|price|pricing|charge|work|integrat|setup|set up|shopify|app|plan|plans|contract|results|case|roi|support|timeline|onboarding|next step|example|reference|process|structure|engagement|clients|brands|stores|kost|preis|funktion|vertrag|ergebnis|beispiel|referenz|branche|kunden|ablauf|konkret|prix|coute|fonctionne|contrat|resultat|exemple|reference|etape|precio|cuesta|cobran|funciona|contrato|ejemplo|referencia|resultado|prezzo|costa|funziona|contratto|esempi|referenz|risultat|prijs|werkt|voorbeeld|referentie|resultaten|preco|custa|cobram|exemplo|resultado)/;
const SKEPTIC_QUESTION = /\b(who|why|how did you|where did you|wer|warum|woher|qui|pourquoi|quien|por que|chi|perche|wie (ben|bent|is|zijn)|waarom|quem|por que)\b/;

/** The person asks us to send something to them ("send me the proposal", "schicken Sie mir", "envoyez-moi"). */
const ASKS_US = /\b(send|email|mail|forward|share)( over)? (me|us)\b|\b(schicken|senden|schick|sende) (sie |du )?(mir|uns)\b|\benvoye[sz]?-(moi|nous)\b|\b(envia|envie|manda|mande|envi[ae]n?)(me|nos|-me|-nos)\b|\b(mandami|inviami|mandatemi|inviatemi)\b|\bstuur (me|ons)\b/;

/**
 * A coordinating word that opens a new clause with its own subject: "Personne n'a jamais fait ça pour nous et ça
 * nous intéresse", "Nadie en la tienda sabe hacerlo y nos interesa", "Keiner kann das und wir wollen es". A
 * negation or a negative subject before it governs the verb of its own clause, not the cue after it.
 */
const CLAUSE_SUBJECT = '(?:ca|cela|nous|nos|on|wir|es|das|we|it|that|this|i|ci|ce|ich|je|yo|io|eu|ik|wij|het|dat|dit|esto|eso|isso|questo|noi|nosotros|lo|le|mi|me|us)\\b';
const NEW_CLAUSE = new RegExp(
  `^.*(?:\\b(?:and|et|y|und)\\s+(?=${CLAUSE_SUBJECT}|\\s*$)|\\b(?:e|en|so|also|donc|alors|entonces|quindi|dus|entao|deshalb|daher)\\s+(?=${CLAUSE_SUBJECT}))`,
);

function negated(clause: string, index: number): boolean {
  let before = clause.slice(Math.max(0, index - 40), index);
  // Only the clause of the cue: "…n'a jamais fait ça pour nous et ça nous intéresse" keeps "ça nous".
  // (The subject may be the cue's own first word: "…e ci interessa", "…y nos interesa".)
  const join = NEW_CLAUSE.exec(before + clause.slice(index, index + 12));
  if (join && join[0].length <= before.length) before = before.slice(join[0].length);
  return NEGATION.test(before) || NEG_SUBJECT.test(before);
}

/** Classifies what the person wrote (already stripped of quotes and signature). */
export function classifyIntent(text: string, subject = ''): IntentResult {
  // The same folded text as the auto-reply and unsubscribe checks (memoized), so it is folded once per message.
  const body = foldMemo(text.slice(0, 6000));
  const scores: Record<Intent, number> = { WARM: 0, COLD: 0, NEUTRAL: 0 };
  const why: { label: Intent; name: string; w: number }[] = [];
  const add = (label: Intent, w: number, name: string) => {
    scores[label] += w;
    why.push({ label, name, w });
  };
  let wrongPersonW = 0;
  let referral = false;
  let meetingW = 0;
  let later = false;

  const clauses = sentences(body);
  const words = body.match(/[a-z]+/g) ?? [];
  // languageScores(body) reads the words of foldMemo(body.slice(0, 4000)): when that is the body itself (a folded
  // ASCII body of up to 4000 characters is its own fold), they are these words, read once.
  const stop = foldMemo(body.slice(0, 4000)) === body ? stopWordScores(words) : languageScores(body);
  for (const w of words) if (EXTRA_STOP_PT.has(w)) stop.pt = (stop.pt ?? 0) + 1;
  const contrastRe = stop.pt! > stop.fr! ? CONTRAST_PT : CONTRAST;
  const hasQuestion = body.includes('?');
  const asksUs = ASKS_US.test(body);
  // Most cues appear nowhere in a short reply: test each once on the whole text, then per clause only those that hit.
  // may[i] === 1 && CUES[i].re.test(body) is CUE_GATE.test(i, body): CUES[i].re.test(body), run only where the
  // cue's words are (no cue has the g flag); the scan is read once, not looked up again for each cue.
  const may = CUE_GATE.scan(body);
  const present = CUES.filter((c, i) => may[i] === 1 && c.re.test(body));
  const coldPresent = present.filter((c) => c.label === 'COLD');
  // Position of the last contrast word: what follows it is the point of the message.
  // Each clause's first contrast match, read once: used here (test) and below (exec). contrastRe has no g flag, so
  // test and exec find the same thing and change no lastIndex.
  const contrastMatches = clauses.map((c) => contrastRe.exec(c));
  let contrastAt = -1;
  contrastMatches.forEach((cm, i) => {
    if (cm !== null) contrastAt = i;
  });

  // Every piece of every clause with the cues it matches, one cue per matched span and label: the same words
  // matched by several languages' cues ("interessant", "disponible", "claro") count once, under the cue of
  // the reply's language. The language is read from stop words and, for short replies, from these cues too.
  interface Hit {
    cue: Cue;
    m: RegExpExecArray;
  }
  const pieces: { piece: string; ci: number; factor: number; groups: Hit[][] }[] = [];
  const votes: Record<string, number> = {};
  clauses.forEach((clause, ci) => {
    // Sub-clauses split on a contrast inside a sentence ("sounds good, but not now").
    // Cut before the first contrast word, the text kept as written (a split on the word itself would change
    // the spacing the cues are written for).
    const cm = contrastMatches[ci] ?? null;
    const hasInnerContrast = cm !== null;
    const list = cm ? [clause.slice(0, cm.index), clause.slice(cm.index)] : [clause];
    list.forEach((piece, pi) => {
      let factor = 1;
      if (hasInnerContrast) factor = pi === 0 ? 0.6 : 1.4;
      else if (contrastAt >= 0) factor = ci < contrastAt ? 0.7 : ci === contrastAt ? 1.3 : 1;
      const bySpan = new Map<string, Hit[]>();
      for (const cue of present) {
        const m = cue.re.exec(piece);
        if (!m) continue;
        const span = `${cue.label}${m.index}:${m[0].length}`;
        const g = bySpan.get(span);
        if (g) g.push({ cue, m });
        else bySpan.set(span, [{ cue, m }]);
      }
      for (const g of bySpan.values()) {
        const langs = new Set(g.map((h) => h.cue.lang).filter((l): l is string => l !== undefined));
        // A cue's words say more about the language than a stop word: 1.5 votes, shared by the languages that use them.
        for (const l of langs) votes[l] = (votes[l] ?? 0) + 1.5 / langs.size;
      }
      pieces.push({ piece, ci, factor, groups: [...bySpan.values()] });
    });
  });
  const lang = replyLanguage(stop, votes);
  // A short question answered "no" right after ("Interested? No.", "Need help? Nope."): the question's
  // positive words are what the person turns down.
  const echoNo = new Set<number>();
  clauses.forEach((c, i) => {
    const next = clauses[i + 1];
    if (next !== undefined && c.endsWith('?') && c.split(/\s+/).length <= 5 && ANSWER_NO.test(next)) echoNo.add(i);
  });

  for (const { piece, ci, factor, groups } of pieces) {
    const matchedCold = coldPresent.some((c) => c.re.test(piece));
    const hit = groups.length > 0;
    for (const g of groups) {
      // The first cue listed counts (its weight and kind); the reason names the one of the reply's language.
      const { cue, m } = g[0]!;
      const named = g.find((h) => h.cue.lang === lang)?.cue ?? cue;
      const name = named.word ? m[0] : nameIn(lang, named, m[0]);
      if (cue.label === 'WARM') {
        if (matchedCold && cue.negatable !== false && cue.interest) continue; // "not interested" already counted
        if (cue.negatable !== false && (negated(piece, m.index) || echoNo.has(ci))) {
          add('COLD', cue.weight * 0.8 * factor, `not ${name}`);
          continue;
        }
      }
      if (cue.wrongPerson) wrongPersonW += cue.weight * factor;
      if (cue.referral) referral = true;
      if (cue.meeting) meetingW += cue.weight * factor;
      if (LATER.has(cue.name)) later = true;
      // "Send me the proposal, I'll show it to my co-founder": the person asks for it; the colleague is a hand-off.
      add(cue.label, cue.weight * factor * (cue.referral && asksUs ? 0.5 : 1), name);
    }
    // No cue, no question anywhere, but a negation: a declarative "no" to an offer ("Das ist nichts für uns",
    // "It won't be", "Não faz parte dos planos") leans to a refusal; explicit cues outweigh it.
    if (!hit && !hasQuestion && NEG_DECL.test(piece) && !NEG_IDIOM.test(piece)) add('COLD', 1.5 * factor, 'negative answer');
    if (piece.includes('?')) {
      if (PRODUCT_QUESTION.test(piece) && !SKEPTIC_QUESTION.test(piece)) add('WARM', 1.5 * factor, 'product question');
      else if (SKEPTIC_QUESTION.test(piece)) add('NEUTRAL', 1 * factor, 'question');
      else add('NEUTRAL', 0.5 * factor, 'question');
    }
  }

  // A referral by address ("please contact anna@shop.com") is neutral: someone else may be warm.
  // (An address contains "@": without one the address pattern cannot match, and is not run.)
  if (body.includes('@') && /[a-z0-9._%+-]{1,64}@[a-z0-9.-]{1,255}\.[a-z]{2,63}/.test(body) && /\b(contact|reach|write|email|talk|try|ask|kontakt|wenden|contacte|contacter|escriba|scriv|contatt|neem contact|mail)/.test(body)) {
    add('NEUTRAL', 2, 'points to another address');
    referral = true;
  }
  // "Not the right person" is a refusal only when the reply points nowhere else; with a referral it is neutral.
  if (referral && wrongPersonW > 0) {
    scores.COLD -= wrongPersonW;
    scores.NEUTRAL += wrongPersonW;
    for (const w of why) if (w.label === 'COLD' && CUES_BY_NAME.get(w.name)?.wrongPerson) w.label = 'NEUTRAL';
  }
  // "Get back to me in six months and we can talk then": with a later, talking is its form, not interest now.
  if (later && meetingW > 0) {
    scores.WARM -= 0.6 * meetingW;
  }
  // A short reply is its answer: "No thanks.", "Kein Bedarf", "Pas intéressé", "nope", "Not now", "Ok".
  const core = shortCore(body);
  if (core !== null && body.trim()) {
    const label = core === '' ? 'NEUTRAL' : SHORT.get(core);
    if (label) add(label, 5, core === '' ? 'acknowledged' : `short reply: ${core}`);
  }
  // The subject of a reply sometimes carries the answer ("Re: demo? yes").
  if (!body.trim() && subject) {
    const s = classifyIntent(subject.replace(/^(re|aw|sv|antw|rif|r|res|enc|fw|fwd|wg|tr)\s*:\s*/gi, ''));
    return { ...s, confidence: Math.min(s.confidence, 0.5), reason: `subject only: ${s.reason}` };
  }

  const ranked = (Object.entries(scores) as [Intent, number][]).sort((a, b) => b[1] - a[1]);
  const [topLabel, top] = ranked[0]!;
  const second = ranked[1]![1];
  if (top <= 0) {
    return { label: 'NEUTRAL', confidence: 0.4, reason: 'no intent cue found', lang, scores };
  }
  // Ties: a refusal beats interest, and both beat neutral (mixed signals read as the cautious label).
  let label = topLabel;
  if (top === second) {
    const tied = ranked.filter((r) => r[1] === top).map((r) => r[0]);
    label = tied.includes('COLD') ? 'COLD' : tied.includes('NEUTRAL') ? 'NEUTRAL' : 'WARM';
  }
  const margin = (top - second) / (top + second + 1);
  // Calibrated loosely: one clear cue ≈ 0.8, several agreeing cues ≈ 0.9, mixed signals near 0.55.
  const confidence = Math.round(Math.min(0.95, 0.5 + 0.35 * margin + Math.min(0.1, top / 60)) * 100) / 100;
  // The three strongest distinct cue names (one cue found twice is named once).
  const cues = [
    ...new Set(
      why
        .filter((w) => w.label === label)
        .sort((a, b) => b.w - a.w)
        .map((w) => w.name),
    ),
  ].slice(0, 3);
  return { label, confidence, reason: `${label.toLowerCase()}: ${cues.join(', ')}`, lang, scores };
}
