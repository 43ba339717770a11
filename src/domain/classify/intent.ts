// Offline reply intent: WARM (wants to talk, asks about price or details), COLD (no, not a fit,
// already covered, wrong person with nobody to point to), NEUTRAL (later, ask someone else, what
// is this, acknowledged). Weighted patterns in seven languages, read clause by clause:
// - negation in front of a positive cue turns it negative ("not interested", "nicht interessiert");
// - after "but/aber/mais/pero/ma/maar/mas" the later clause counts more ("sounds good, but not now");
// - product questions (price, integration, how it works) are interest; "who are you" is not.
import { fold, sentences } from './text.js';
import { guessLanguage } from './lang.js';

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
}

const W = (name: string, weight: number, re: RegExp, negatable = true): Cue => ({ label: 'WARM', weight, re, name, negatable });
const C = (name: string, weight: number, re: RegExp): Cue => ({ label: 'COLD', weight, re, name });
const N = (name: string, weight: number, re: RegExp): Cue => ({ label: 'NEUTRAL', weight, re, name });

const CUES: Cue[] = [
  // ---- COLD: explicit refusals (checked with their own negation built in) ----
  C('not interested', 4, /\b(not|no longer|never been|not really|not at all|aren't|am not|are not|isn't|wouldn't be) (be )?(very |really |currently |at all |particularly )?interested\b|\bno interest\b|\buninterested\b|\bnot of interest\b/),
  C('no thanks', 3, /\bno,? thanks?( you)?\b|\bno,? thank you\b|\bthanks,? but no\b|\bi'?ll pass\b|\bwe'?ll pass\b|\bwe('ll| will) have to pass\b|\bpass on this\b|\bhard pass\b|\bnope\b|\bno need\b/),
  C('not a fit', 3, /\b(not|isn'?t|is not|aren'?t|are not|wouldn'?t be|won'?t be)( really| quite| a great| a good)? (a |the )?(good |right |great )?fit\b|\bnot something (we|i)('re| are| am)? ?(need|want|looking for|interested in|can use)\b|\b(it'?s|that'?s) a no\b|\bnot (relevant|applicable|something we need|for us|what we need|what we're looking for)\b|\bdoesn'?t (fit|apply|make sense) (for )?us\b|\bnot a priority\b|\bnot in the (market|budget)\b/),
  C('already covered', 3, /\b(we |we've |we have |we are |we're )?already (have|use|using|work(ing)? with|got|partnered|signed|handle|do this|built)\b|\bhappy with (our|the|what we have|the current)\b|\b(we'?re|we are|all) (all )?(set|covered|good)\b(?! to)|\bwe (do|handle) (it|this|that) in[- ]house\b|\bin-?house team\b|\bour own (team|solution|agency)\b/),
  C('no need', 3, /\b(don'?t|do not|doesn'?t|does not) (need|require|want)\b|\bno (budget|use for|need for)\b|\bnot (looking|buying|hiring|in need)\b|\b(won'?t|will not|wouldn'?t) (be )?(need|use|work for|moving forward|proceed)\w*\b|\bdecline\b|\bnot (to )?(move|moving|go|going) forward\b|\b(just|recently) signed\b|\bnot going to (work|happen)\b/),
  C('no', 1.5, /^\s*no\s*[.!]?\s*$/m),
  C('wrong person', 2, /\b(not|wrong) (the )?(right|correct|best|appropriate) (person|contact|department)\b|\bwrong (person|contact|email|address)\b|\bi don'?t (handle|deal with|work on|manage)\b|\bnothing to do with\b|\bno longer (responsible|in charge)\b/),
  C('closed / not shopify', 3, /\b(we('re| are)|the (store|shop|company|business) is) (closing|shutting down|closed|out of business|winding down)\b|\b(we )?(don'?t|do not|no longer) (use|run on|sell on) shopify\b|\bmoved (away )?(from|off) shopify\b|\bnot (on|using) shopify\b/),
  C('annoyed', 2, /\bspam\b|\bhow dare\b|\bannoying\b|\bleave (me|us) alone\b|\bstop spamming\b/),
  // de
  C('kein interesse', 4, /\bkein(e|en)? (interesse|bedarf)\b|\bnicht (daran |mehr |wirklich )?interessiert\b|\bnein,? danke\b|\buninteressant\b|\bkein thema fur uns\b/),
  C('schon versorgt', 3, /\b(haben|nutzen|arbeiten) (wir )?(bereits|schon) (mit|eine|einen|ein|so|das)\b|\bsind (gut |bestens |bereits |schon )?(versorgt|aufgestellt|abgedeckt)\b|\bzufrieden mit\b|\bmachen (wir|das) (alles )?intern\b|\binhouse\b|\bhaben (so etwas|sowas|das|so was) (schon|bereits)\b/),
  C('passt nicht', 3, /\bpasst (leider )?nicht\b|\bnicht (relevant|passend|das richtige|fur uns)\b|\bbrauchen (wir|das) (nicht|keine?n?)\b|\b(brauchen|benotigen) (wir )?(nichts|keine?n?|nicht)\b|\bkein budget\b|\bverzichten\b|\bmuss(en)? (ich|wir) (leider )?absagen\b|\bkommt (fur uns )?nicht in frage\b/),
  C('falscher ansprechpartner', 2, /\b(falsche[rn]?|nicht der richtige|nicht die richtige) (ansprechpartner(in)?|person|adresse)\b|\bnicht zustandig\b/),
  // fr
  C('pas interesse', 4, /\bpas (du tout |vraiment |tres )?interess[ee]s?e?s?\b|\b(aucun|pas d')interet\b|\bnon,? merci\b|\bsans (facon|interet)\b|\bne (sommes|suis) pas (du tout )?interess/),
  C('deja equipe', 3, /\b(nous avons|on a|j'ai|nous utilisons|on utilise|nous travaillons) deja\b|\bdeja (equipes?|un prestataire|une solution|une agence|en place)\b|\bsatisfaits? (de|avec) notre\b|\ben interne\b/),
  C('pas besoin', 3, /\bpas (besoin|pertinent|pour nous|adapte|le bon moment pour nous)\b|\b(n'avons|n'ai) (pas|aucun) besoin\b|\bpas de budget\b|\bne correspond pas\b|\bne nous (concerne|interesse) pas\b|\bdecliner?\b/),
  C('pas la bonne personne', 2, /\bpas la bonne (personne|adresse)\b|\bne (suis|m'occupe) pas (en charge|de)\b/),
  // es
  C('no interesado', 4, /\bno (estamos|estoy|estaria|estariamos) (muy )?interesad[oa]s?\b|\bno (nos|me) interesa\b|\bno,? gracias\b|\bsin interes\b|\bningun interes\b/),
  C('ya tenemos', 3, /\bya (tenemos|contamos|trabajamos|usamos|utilizamos)\b|\b(estamos|quedamos) (contentos|satisfechos) con\b|\blo hacemos internamente\b|\bequipo interno\b/),
  C('no necesitamos', 3, /\bno (lo )?(necesitamos|necesito|requerimos)\b|\bno es para nosotros\b|\bno (encaja|aplica|es relevante)\b|\b(sin|no tenemos) presupuesto\b|\bno es (una )?prioridad\b/),
  C('no soy la persona', 2, /\bno soy la persona\b|\bpersona equivocada\b|\bno me (encargo|ocupo)\b/),
  // it
  C('non interessato', 4, /\bnon (siamo|sono|saremmo|sarei) (affatto |molto )?interessat[oiae]\b|\bnon (ci|mi) interessa\b|\bno,? grazie\b|\bnessun interesse\b/),
  C('abbiamo gia', 3, /\babbiamo gia\b|\b(usiamo|utilizziamo|lavoriamo) gia\b|\bgia (un|una|coperti|a posto)\b|\bsoddisfatti (del|della|con)\b|\binternamente\b/),
  C('non serve', 3, /\bnon (ne )?abbiamo bisogno\b|\bnon (ci|mi) serve\b|\bnon fa per noi\b|\bnon (e|sono) (rilevante|pertinente|una priorita)\b|\bnessun budget\b|\bnon abbiamo budget\b/),
  C('persona sbagliata', 2, /\bnon sono la persona\b|\bpersona sbagliata\b|\bnon me ne occupo\b/),
  // nl
  C('geen interesse', 4, /\bgeen (interesse|behoefte)\b|\bniet (geinteresseerd|geinterresseerd)\b|\bnee,? (dank|bedankt)\w*\b/),
  C('hebben al', 3, /\b(we |wij )?(hebben|gebruiken|werken) (al|reeds) (een|met|zo)\b|\btevreden (met|over) (onze|de huidige)\b|\bdoen (we|wij) (zelf|intern)\b/),
  C('niet nodig', 3, /\bniet (nodig|relevant|interessant voor ons|voor ons)\b|\bpast niet\b|\bgeen budget\b|\bhoeven (we|wij) niet\b/),
  C('niet de juiste', 2, /\bniet de (juiste|goede) (persoon|contactpersoon)\b|\bverkeerde persoon\b/),
  // pt
  C('sem interesse', 4, /\bnao (temos|tenho) (nenhum )?interesse\b|\bsem interesse\b|\bnao (estamos|estou) interessad[oa]s?\b|\bnao,? obrigad[oa]\b|\bnao nos interessa\b/),
  C('ja temos', 3, /\bja (temos|usamos|utilizamos|trabalhamos|contamos)\b|\b(satisfeitos|contentes) com\b|\bfazemos (isso )?internamente\b|\bequipe interna\b/),
  C('nao precisamos', 3, /\bnao (precisamos|preciso|necessitamos)\b|\bnao e para nos\b|\bnao (faz sentido|se aplica)\b|\bsem orcamento\b|\bnao temos orcamento\b/),
  C('nao sou a pessoa', 2, /\bnao sou a pessoa\b|\bpessoa errada\b/),

  // ---- WARM ----
  W('interested', 3, /\b(very |really |quite |definitely |potentially |genuinely |could be |might be |would be |i'?m |we'?re |we are |i am |am |are |be )?interested\b/),
  W('sounds good', 2, /\b(sounds|looks|seems) (good|great|interesting|promising|intriguing|cool|useful|relevant|like a good fit)\b|\bintrigued\b|\bcurious\b|\bi like (this|the idea|what)\b|\binteresting\b/),
  W('wants a call', 3.5, /\b(let'?s|lets|we (could|can|should)|happy to|glad to|open to|keen to|would love to|i'?d love to|i'?d like to|would like to|love to|want to) (talk|chat|meet|connect|speak|discuss|hop on|jump on|set (something |a call |a time )?up|schedule|book|learn more|hear more|see (a demo|more|how)|try|test|explore|give it a (try|shot|go))\b/),
  W('schedule', 3, /\b(book|schedule|set up|arrange|find|grab|organi[sz]e) (a |some |15 |20 |30 )?(min(ute)?s? )?(call|meeting|demo|time|chat|slot|zoom|teams|session)\b|\b(call|meeting|demo|chat) (on|next|this|tomorrow|monday|tuesday|wednesday|thursday|friday)\b|\bcalendly\b|\bmy calendar\b|\bsend (me |us )?(an? )?(invite|calendar invite|link to book)\b/),
  W('availability', 3, /\b(are you|would you be|i'?m|i am|we'?re|we are) (free|available)\b|\b(what|which) (time|times|day|days|slot)s? (work|suit|would work)\b|\bwhen (are you|would you be|works|is good|can we|could we)\b|\b(works|suits) (for )?me\b|\b\d{1,2}(:\d\d)? ?(am|pm)\b|\b(tomorrow|monday|tuesday|wednesday|thursday|friday) (at|morning|afternoon)\b|\b(um|a|a las|alle|om|as|at) \d{1,2}([:.h]\d\d)? ?(uhr|h|am|pm)?\b(?! (percent|%|orders|euro|dollars))/, false),
  W('send info', 3, /\b(send|share|forward|email|put together|prepare|draft) (me |us |over )?( ?some| ?a| ?the| ?your| ?more)* ?(info|information|details|deck|pricing|prices|proposal|case stud(y|ies)|examples|brochure|overview|one-?pager|presentation|quote|samples|offer)\b|\bmore (info|information|details)\b|\btell me more\b|\blearn more\b|\bhear more\b/),
  W('pricing', 2.5, /\b(pricing|price|prices|cost|costs|how much|rates|fee|fees|quote|budget for this|trial|free trial)\b/),
  W('yes', 2.5, /^\s*(yes|yeah|yep|sure|absolutely|definitely|of course|sounds good|why not|go ahead|count (me|us) in|let'?s do it|i'?m in|deal)\b/m),
  W('positive', 2, /\b(go ahead|count (me|us) in|let'?s do (it|this)|sign (me|us) up|worth a (look|try|chat|call|conversation)|could (work|be useful|help)|open to (it|this|a|learning|hearing|exploring)|keen|timing is (good|great|perfect)|perfect timing|been (looking|meaning) (for|to)|exactly what we need|we need (this|help|something like))\b/),
  // de
  W('interessiert', 3, /\b(sehr |durchaus |grundsatzlich |eventuell )?interessiert\b|\binteressant\b|\bklingt (gut|interessant|spannend|vielversprechend)\b|\bspannend\b|\bneugierig\b/),
  W('gerne', 2.5, /\bgerne?\b|\bja,? (bitte|gerne|klar)\b|\bsehr gut\b/),
  W('termin', 3, /\b(termin|telefonat|gesprach|anruf|videocall|call|demo|austausch)\b|\b(kurz )?(sprechen|telefonieren|austauschen|unterhalten)\b|\bwann (haben sie|hast du|passt es|konnen wir|ware)\b|\b(passt|geht) (mir|uns|es)? ?(am|um|nachste)\b/),
  W('preis', 2.5, /\b(preis|preise|kosten|kostet|konditionen|angebot|testphase|testen|referenzen|fallstudien|fallbeispiele)\b|\bgerade (aktuell|ein thema)\b|\bmehr (infos|informationen|details)\b|\b(schicken|senden) sie (mir|uns)\b|\bunterlagen\b/),
  // fr
  W('interesse', 3, /\binteress[ee]s?e?s?\b|\bca m'interesse\b|\bcela (m'|nous )interesse\b|\binteressant\b|\bcurieux\b|\bpourquoi pas\b/),
  W('volontiers', 2.5, /\bvolontiers\b|\bavec plaisir\b|\boui,? (bien sur|volontiers|avec plaisir|pourquoi pas)\b|\bd'accord\b|\bavec grand plaisir\b/),
  W('rendez-vous', 3, /\b(rendez-vous|rdv|appel|echange|echanger|visio|creneau|demo|demonstration|discuter|en parler)\b|\bquand (etes-vous|seriez-vous|pouvons-nous|pourrions-nous)\b|\bdisponible\b/),
  W('tarif', 2.5, /\b(tarif|tarifs|prix|combien|devis|cout|couts|essai)\b|\bplus d'(informations|infos|details)\b|\ben savoir plus\b|\benvoyez-(moi|nous)\b/),
  // es
  W('interesado', 3, /\binteresad[oa]s?\b|\b(me|nos) interesa\b|\binteresante\b|\bsuena (bien|interesante)\b|\bcurios[oa]\b/),
  W('con gusto', 2.5, /\bcon (mucho )?gusto\b|\bencantad[oa]s?\b|\bclaro( que si)?\b|\bsi,? (claro|por favor|adelante)\b|\bpor que no\b|\bde acuerdo\b/),
  W('llamada', 3, /\b(llamada|reunion|videollamada|agendar|hablar|conversar|charlar|demo|demostracion)\b|\bcuando (podemos|puede|puedes|le va|te va|tiene)\b|\bdisponible\b/),
  W('precio', 2.5, /\b(precio|precios|cuanto cuesta|cuesta|tarifa|tarifas|cotizacion|presupuesto para|costo|coste|prueba)\b|\bmas (informacion|info|detalles)\b|\benvie(me|nos)\b/),
  // it
  W('interessato', 3, /\binteressat[oiae]\b|\b(mi|ci) interessa\b|\binteressante\b|\bcurios[oi]\b/),
  W('volentieri', 2.5, /\bvolentieri\b|\bcon piacere\b|\bsi,? (certo|grazie|volentieri|perche no)\b|\bperche no\b|\bva bene\b|\bd'accordo\b/),
  W('chiamata', 3, /\b(chiamata|telefonata|incontro|riunione|call|demo|sentirci|parlarne|vederci|appuntamento)\b|\bquando (possiamo|potremmo|sei|siete|e)\b|\bdisponibil[ei]\b/),
  W('prezzo', 2.5, /\b(prezzo|prezzi|costo|costi|quanto costa|preventivo|tariff[ae]|prova)\b|\b(maggiori|piu) (informazioni|info|dettagli)\b|\binviate(mi|ci)\b|\bmandate(mi|ci)\b/),
  // nl
  W('geinteresseerd', 3, /\bgeinteresseerd\b|\binteressant\b|\bklinkt (goed|interessant|leuk)\b|\bnieuwsgierig\b/),
  W('graag', 2.5, /\bgraag\b|\bja,? (graag|prima|zeker|hoor)\b|\bprima\b|\bakkoord\b|\bwaarom niet\b/),
  W('afspraak', 3, /\b(afspraak|gesprek|bellen|belletje|videocall|call|demo|kennismaking|overleg|afstemmen)\b|\bwanneer (kunnen|heb je|heeft u|schikt|past)\b|\bbeschikbaar\b/),
  W('prijs', 2.5, /\b(prijs|prijzen|kosten|wat kost|offerte|tarief|tarieven|proefperiode)\b|\bmeer (informatie|info|details)\b|\bstuur (me|ons)\b/),
  // pt
  W('interessado', 3, /\binteressad[oa]s?\b|\b(tenho|temos) interesse\b|\binteressante\b|\bcurios[oa]\b|\bparece (bom|interessante|otimo)\b/),
  W('com prazer', 2.5, /\bcom (todo o )?prazer\b|\bclaro\b|\bsim,? (claro|por favor|vamos)\b|\bpor que nao\b|\bcombinado\b|\bde acordo\b/),
  W('reuniao', 3, /\b(reuniao|chamada|ligacao|conversar|conversa|agendar|marcar|demo|demonstracao|call)\b|\bquando (podemos|pode|voce pode|tem)\b|\bdisponivel\b/),
  W('preco', 2.5, /\b(preco|precos|quanto custa|custo|custos|orcamento|valores|teste gratis)\b|\bmais (informacoes|info|detalhes)\b|\benvie(-me|-nos)?\b|\bmande(-me|-nos)\b/),

  // ---- NEUTRAL: later, someone else, what is this, acknowledged ----
  N('later', 3, /\b(not (right )?now|not at (the|this) moment|not (at )?this (time|year|quarter)|maybe later|later (this|in the) (year|quarter)|next (quarter|year|month|season)|after (the )?(holidays|summer|new year|black friday|bfcm|peak season|q[1-4]|launch|migration)|in (a few|a couple( of)?|two|three|six|\d+) (weeks|months)|(reach|check|circle|follow) (back|up|out)( with (me|us))?( again)? (in|next|after|later)|(revisit|talk|touch base|reconnect) (this )?(in|next|after|later)|too busy|busy (right now|at the moment|season)|bad timing|timing (isn'?t|is not) (right|great|good)|no time right now|q[1-4] (20\d\d|next year))\b/),
  N('spater', 3, /\b(spater|nachstes jahr|nachstes quartal|im moment (nicht|keine zeit|leider nicht)|derzeit (nicht|keine kapazitat)|aktuell (nicht|keine kapazitat)|nach (dem|der) (sommer|weihnachten|saison|umstellung)|in (ein paar|einigen|zwei|drei|\d+) (wochen|monaten)|melden sie sich (gerne )?(in|im|nach|wieder)|zu einem spateren zeitpunkt|zurzeit nicht)\b/),
  N('plus tard', 3, /\b(plus tard|l'annee prochaine|le trimestre prochain|pas (pour le moment|maintenant|en ce moment|tout de suite)|dans (quelques|deux|trois|\d+) (mois|semaines)|apres (l'ete|les fetes|la saison)|recontactez-(moi|nous)|revenez vers (moi|nous)|pas le bon moment)\b/),
  N('mas adelante', 3, /\b(mas adelante|el (proximo|ano que viene)|el proximo (ano|mes|trimestre)|en (unos|unas|algunos|dos|tres|\d+) (meses|semanas)|ahora (mismo )?no|por (ahora|el momento) no|no es (el|buen) momento|despues de (verano|las fiestas|navidad)|vuelva a (contactar|escribir)(nos|me)? (en|mas)|contact(e|a)(me|nos) (en|mas adelante))\b/),
  N('piu avanti', 3, /\b(piu avanti|(il )?prossimo anno|l'anno prossimo|tra (qualche|un paio di|due|tre|\d+) (mesi|settimane)|per ora no|al momento no|non (e|sia) il momento|dopo (l'estate|le feste|natale)|ricontatta(temi|teci|mi|ci))\b/),
  N('later nl', 3, /\b(later (dit jaar|terug)|volgend (jaar|kwartaal)|over (een paar|enkele|twee|drie|\d+) (weken|maanden)|op dit moment niet|momenteel niet|nu (even )?niet|na de (zomer|feestdagen))\b/),
  N('mais tarde', 3, /\b(mais (tarde|para frente|adiante)|(no )?proximo (ano|mes|trimestre)|daqui a (alguns|algumas|uns|umas|dois|tres|\d+) (meses|semanas)|(agora|no momento|por enquanto) nao|nao e o momento|depois (do verao|das festas))\b/),
  N('referral', 3.5, /\b(reach out to|contact|talk to|speak (to|with)|email|write to|get in touch with|ask) (my |our )?(colleague|coworker|co-worker|partner|boss|manager|head of|team|marketing|ceo|founder|owner|cofounder)\b|\b(is|would be) (the )?(right|best|better|correct) (person|contact)\b|\b(cc'?d|cc'?ing|copying|copied|looping in|looped in|i'?ve (forwarded|passed)|forwarded (this|your)|passed (this|it|your)( email| message)? (on|along)|handles (this|that|our)|in charge of|responsible for|takes care of)\b/),
  N('referral de', 3.5, /\b(kolleg(e|in|en)|zustandig(e|er)?|ansprechpartner(in)? (ist|ware)|weitergeleitet|in (cc|kopie)|leite (es|das|ihre) .{0,20}weiter|kummert sich)\b/),
  N('referral fr', 3.5, /\b(mon collegue|ma collegue|mes collegues|(la )?personne en charge|s'occupe|transmis|transfere|en copie|responsable (de|du|des))\b/),
  N('referral es', 3.5, /\b(mi (colega|companer[oa]|jefe|socio)|(la )?persona (encargada|responsable)|se encarga|reenviado|reenvie|en copia|he pasado)\b/),
  N('referral it', 3.5, /\b(il mio collega|la mia collega|i miei colleghi|(la )?persona (giusta|responsabile)|si occupa|inoltrato|inoltrata|in copia|ho girato)\b/),
  N('referral nl', 3.5, /\b(mijn collega|(de )?juiste persoon is|verantwoordelijk|doorgestuurd|in de cc|doorgezet)\b/),
  N('referral pt', 3.5, /\b(meu colega|minha colega|(a )?pessoa responsavel|responsavel (por|pelo|pela)|encaminhei|encaminhado|em copia|repassei)\b/),
  N('who are you', 2.5, /\b(what is (this|it) (about|regarding)|who (are you|is this)|how did you (get|find)( my| our)? (email|address|details|contact)|where did you get|which company|what company|remind me|do we know each other|is this (automated|a bot|spam|a sales)|what exactly (do|does|is))\b|\b(wer sind sie|woher haben sie|worum geht es|qui etes-vous|de quoi s'agit|d'ou vient|quien (es|eres)|de que se trata|como consiguio|chi (sei|siete|e)|di cosa si tratta|wie bent u|waar gaat (dit|het) over|quem (e|sao)|do que se trata)\b/),
  N('will consider', 2.5, /\b(i'?ll|i will|we'?ll|we will|let me|need to|have to|going to) (think|consider|review|look (into|at|over)|check|discuss|talk( it over)?|run it by|get back|come back|circle back|share (it|this) with)\b|\bget back to you\b|\bthink about it\b|\bkeep (it|this|you) in mind\b|\bon file\b|\b(ich|wir) (schaue|schauen|uberlege|uberlegen|prufe|prufen|melde|melden|bespreche|besprechen)\b|\bje (reviens|regarde|vais (regarder|reflechir|en parler))\b|\bnous (allons|reviendrons)\b|\b(lo|la) (reviso|revisare|pensare|pensaremos|consultare)\b|\bte (aviso|digo)\b|\b(ci|ne) (penso|pensiamo|parlo|parliamo)\b|\bvi faro sapere\b|\bik (kom|laat|bekijk|overleg)\b|\b(vou|vamos) (ver|analisar|pensar|avaliar|conversar)\b/),
  N('acknowledged', 1.5, /^\s*(thanks|thank you|thx|ok|okay|noted|received|got it|merci|danke|gracias|grazie|bedankt|obrigad[oa]|dank je)\b[\s!.,]*$/m),
];

const NEGATION = /\b(not|no|never|don'?t|dont|doesn'?t|isn'?t|aren'?t|won'?t|wouldn'?t|can'?t|cannot|hardly|nicht|kein\w*|nie|pas|jamais|ni|nunca|non|mai|niet|geen|nooit|nao|nem|sans|sin|senza|zonder|sem)\b[^.,;!?]{0,30}$/;
const CONTRAST = /\b(but|however|although|aber|jedoch|allerdings|mais|cependant|pero|sin embargo|ma|tuttavia|maar|echter|mas|porem|contudo)\b/;

/** Product questions: a question mark with a buying word. */
const PRODUCT_QUESTION = /\b(how|what|which|can|could|do|does|is|are|will|would|wie|was|welche|konnen|kann|gibt|comment|combien|quel|quelle|est-ce|pouvez|como|cuanto|cual|que|puede|pueden|come|quanto|quale|potete|hoe|wat|welke|kunnen|kan|quais|qual|podem|pode)\b.{0,80}\b(cost|price|pricing|work|integrat|setup|set up|shopify|app|plan|plans|contract|results|case|roi|support|timeline|onboarding|kost|preis|funktion|vertrag|ergebnis|prix|coute|fonctionne|contrat|resultat|precio|cuesta|funciona|contrato|prezzo|costa|funziona|contratto|prijs|werkt|contract|preco|custa|funciona)/;
const SKEPTIC_QUESTION = /\b(who|why|how did you|where did you|wer|warum|woher|qui|pourquoi|quien|por que|chi|perche|wie|waarom|quem|por que)\b/;

function negated(clause: string, index: number): boolean {
  return NEGATION.test(clause.slice(Math.max(0, index - 40), index));
}

/** Classifies what the person wrote (already stripped of quotes and signature). */
export function classifyIntent(text: string, subject = ''): IntentResult {
  const body = fold(text).slice(0, 6000);
  const lang = guessLanguage(body);
  const scores: Record<Intent, number> = { WARM: 0, COLD: 0, NEUTRAL: 0 };
  const why: { label: Intent; name: string; w: number }[] = [];
  const add = (label: Intent, w: number, name: string) => {
    scores[label] += w;
    why.push({ label, name, w });
  };

  const clauses = sentences(body);
  // Most cues appear nowhere in a short reply: test each once on the whole text, then per clause only those that hit.
  const present = CUES.filter((c) => c.re.test(body));
  const coldPresent = present.filter((c) => c.label === 'COLD');
  // Position of the last contrast word: what follows it is the point of the message.
  let contrastAt = -1;
  clauses.forEach((c, i) => {
    if (CONTRAST.test(c)) contrastAt = i;
  });

  clauses.forEach((clause, ci) => {
    // Sub-clauses split on a contrast inside a sentence ("sounds good, but not now").
    const parts = clause.split(CONTRAST);
    const hasInnerContrast = parts.length > 1;
    const pieces = hasInnerContrast ? [parts[0]!, parts.slice(1).join(' ')] : [clause];
    pieces.forEach((piece, pi) => {
      let factor = 1;
      if (hasInnerContrast) factor = pi === 0 ? 0.6 : 1.4;
      else if (contrastAt >= 0) factor = ci < contrastAt ? 0.7 : ci === contrastAt ? 1.3 : 1;
      const matchedCold = coldPresent.some((c) => c.re.test(piece));
      for (const cue of present) {
        const m = cue.re.exec(piece);
        if (!m) continue;
        if (cue.label === 'WARM') {
          if (matchedCold && cue.negatable !== false && /interess|interest/.test(cue.name)) continue; // "not interested" already counted
          if (cue.negatable !== false && negated(piece, m.index)) {
            add('COLD', cue.weight * 0.8 * factor, `not ${cue.name}`);
            continue;
          }
        }
        add(cue.label, cue.weight * factor, cue.name);
      }
      if (piece.includes('?')) {
        if (PRODUCT_QUESTION.test(piece) && !SKEPTIC_QUESTION.test(piece)) add('WARM', 1.5 * factor, 'product question');
        else if (SKEPTIC_QUESTION.test(piece)) add('NEUTRAL', 1 * factor, 'question');
        else add('NEUTRAL', 0.5 * factor, 'question');
      }
    });
  });

  // A referral by address ("please contact anna@shop.com") is neutral: someone else may be warm.
  if (/[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/.test(body) && /\b(contact|reach|write|email|talk|try|ask|kontakt|wenden|contacte|contacter|escriba|scriv|contatt|neem contact|mail)/.test(body)) {
    add('NEUTRAL', 2, 'points to another address');
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
  const cues = why
    .filter((w) => w.label === label)
    .sort((a, b) => b.w - a.w)
    .slice(0, 3)
    .map((w) => w.name);
  return { label, confidence, reason: `${label.toLowerCase()}: ${[...new Set(cues)].join(', ')}`, lang, scores };
}
