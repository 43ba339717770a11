// What the person actually wrote: the reply above the quoted original (which carries our own text
// and footer, including the word "unsubscribe") and above the signature. Several languages and the
// usual clients (Gmail, Outlook, Apple Mail, Thunderbird, mobile).

/** A line that introduces the quoted original ("On Mon, X wrote:", "Am ... schrieb ...:", ...). */
const ATTRIBUTION = [
  /^on\b.{0,200}\bwrote:?\s*$/i,
  /^am\b.{0,200}\bschrieb\b.{0,120}:?\s*$/i,
  /^le\b.{0,200}\ba\s+[ée]crit\s*:?\s*$/i,
  /^el\b.{0,200}\bescribi[óo]\s*:?\s*$/i,
  /^il\b.{0,200}\bha\s+scritto\s*:?\s*$/i,
  /^op\b.{0,200}\bschreef\b.{0,120}:?\s*$/i,
  /^em\b.{0,200}\bescreveu\s*:?\s*$/i,
  /^.{0,200}\b(wrote|schrieb|a [ée]crit|escribi[óo]|ha scritto|schreef|escreveu|het volgende geschreven|skrev|napisał)\s*:\s*$/i,
];

/**
 * Whether a line (or two joined) is an attribution line: ATTRIBUTION.some(re => re.test(s)). The last pattern, which
 * may start anywhere, is the costly one; it ends with ":" and optional spaces, so it can only match a string whose
 * last non-space character is ":" (trimEnd removes exactly the characters \s matches).
 */
function isAttribution(s: string): boolean {
  for (let i = 0; i < ATTRIBUTION.length - 1; i++) if (ATTRIBUTION[i]!.test(s)) return true;
  return s.trimEnd().endsWith(':') && ATTRIBUTION[ATTRIBUTION.length - 1]!.test(s);
}

/** Separators of forwarded/quoted originals. */
const SEPARATOR = [
  /^-{2,}\s*(original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|forwarded message|weitergeleitete nachricht|message transf[ée]r[ée])\s*-{2,}\s*$/i,
  /^(begin forwarded message|anfang der weitergeleiteten (nachricht|e-mail)|d[ée]but du message r[ée]exp[ée]di[ée]|inicio del mensaje reenviado|inizio messaggio inoltrato|begin doorgestuurd bericht|in[íi]cio da mensagem (reencaminhada|encaminhada))\s*:\s*$/i,
  /^_{10,}\s*$/,
  /^-{5,}\s*$/,
];

/** Outlook-style header block of the quoted original: "From: ..." followed by "Sent:"/"Date:" within 4 lines. */
const HEADER_FROM = /^\*?(from|von|de|da|van|de la part de)\s*:\*?\s*\S/i;
const HEADER_NEXT = /^\*?(sent|date|gesendet|datum|envoy[ée]|enviad[oa]( el| em)?|fecha|inviato|data|verzonden|verstuurd|to|an|[àa]|para|a|aan|cc|subject|betreff|objet|asunto|oggetto|onderwerp|assunto)\s*:\*?/i;

/** Lines that start the signature block. */
const SIGNATURE_START = [
  /^--\s*$/,
  /^(sent from|sent via|sent with|get outlook for|von meinem|gesendet (von|mit|vom)|holen sie sich outlook|envoy[ée] (de|depuis|avec)|t[ée]l[ée]charger outlook|obtenir outlook|enviado (desde|con|de|do|pelo|a partir)|obt(ener|enha|er o) outlook|descarga outlook|inviato (da|dal|con)|scarica outlook|verzonden (vanaf|met|via)|verstuurd (vanaf|met|via)|outlook voor (ios|android) downloaden)\b/i,
];

/** Where a legal footer, confidentiality notice or company imprint starts: everything after it is boilerplate.
 * A notice line must also carry one of NOTICE_WORDS (so "This email is the third one you sent" stays). */
const IMPRINT = /^(gesch[äa]ftsf[üu]hr(er|erin|ung)|amtsgericht|registergericht|handelsregister|ust-?id(nr)?|sitz der gesellschaft|kvk|p\.?\s?iva|siret|cnpj|cif|nif)\b.{0,200}$/i;
const NOTICE_WORDS = /confidential|vertraulich|confidentiel|confidencial|riservat|vertrouwelijk|intended|destinatari|destinataire|geadresseerde|adressat|privileg|in error|irrt[üu]mlich|par erreur|por error|per errore|por engano|abusivamente|prohibited|untersagt|interdit|prohibid|vietat|verboden|proibid/i;
const DISCLAIMER_START =
  /^(\*+\s*)?(confidentiality( notice)?|disclaimer|privileged (and|&) confidential|this (e-?mail|message|communication)( and any( of its)? (attachments?|files))? (is|are|may|contains?|and|is intended)|the information (contained )?in this (e-?mail|message)|if you (are not|have received this|received this)|diese (e-?mail|nachricht)( und (alle|etwaige) anh[äa]nge)? (enth[äa]lt|ist|kann)|der inhalt dieser|gesch[äa]ftsf[üu]hr(er|erin|ung)\s*:|amtsgericht|registergericht|handelsregister|ust-?id|sitz der gesellschaft|ce (message|courriel|mail)( et (ses|toutes les) pi[èe]ces jointes)? (est|sont|peut|contient)|les informations contenues|aviso (legal|de confidencialidad)|este (mensaje|correo)( y sus (archivos )?adjuntos)? (es|va|puede|contiene)|la informaci[óo]n contenida|le informazioni contenute|questo messaggio( e i suoi allegati)? (è|e|pu[òo]|contiene)|ai sensi del|dit (e-?mail)?bericht( en eventuele bijlagen)? (is|kan|bevat)|de informatie (in|verzonden)|esta mensagem( e seus anexos)? (é|e|s[ãa]o|pode|cont[ée]m)|as informa[çc][õo]es contidas|aviso de confidencialidade)\b/i;

/** Closing formulas; when followed only by a few short lines, the rest is a signature. */
const CLOSING =
  /^(best( regards| wishes)?|kind regards|many thanks|thanks( so much| very much)?|talk soon|take care|warmly|herzliche gr[üu](ss|ß)e|besten dank|bien cordialement|tr[èe]s cordialement|un abrazo|abrazos|saludos cordiales|a presto|saluti cordiali|cordialmente|hartelijke groet(en)?|mvg|abs|beijos|saudaç[õo]es|warm regards|regards|many thanks|thanks( again| a lot)?|thank you|cheers|all the best|sincerely|br|mit freundlichen gr[üu](ss|ß)en|freundliche gr[üu](ss|ß)e|viele gr[üu](ss|ß)e|beste gr[üu](ss|ß)e|liebe gr[üu](ss|ß)e|sch[öo]ne gr[üu](ss|ß)e|gru(ss|ß)|lg|vg|mfg|cordialement|bien [àa] (vous|toi)|bonne (journ[ée]e|soir[ée]e)|salutations|merci( beaucoup| d'avance)?|saludos( cordiales)?|un saludo|atentamente|gracias|cordiali saluti|distinti saluti|saluti|grazie( mille)?|un saluto|buona giornata|met vriendelijke groet(en)?|vriendelijke groet(en)?|groet(en|jes)?|hartelijke groet|bedankt|atenciosamente|cumprimentos|abra[çc]os?|obrigad[oa]|att)\b[\s,.!]*$/i;

export interface Stripped {
  /** The new text the sender wrote. */
  text: string;
  /** Whether a quoted original was found and removed. */
  hadQuote: boolean;
  hadSignature: boolean;
}

/** A closing and the name on one line: "Regards, Helen Price", "Cordialement, Marc Dubois - Prix SARL". */
const CLOSING_INLINE =
  /^(best( regards| wishes)?|kind regards|warm regards|regards|many thanks|thanks|thank you|cheers|all the best|sincerely|mit freundlichen gr(ü|u)(ss|ß)en|(viele|beste|liebe|freundliche) gr(ü|u)(ss|ß)e|gru(ss|ß)|(bien |tr[èe]s )?cordialement|salutations|(un )?saludos?( cordiales)?|atentamente|(cordiali |distinti )?saluti|un saluto|(met )?vriendelijke groet(en)?|groet(en|jes)?|atenciosamente|cumprimentos|abra[çc]os?)\s*[,\u2013\u2014-]\s*/i;
/** The name after such a closing, with an optional title or company after a comma or dash. */
const NAME_TAIL = /^\p{Lu}\p{Ll}+([ '-]\p{Lu}[\p{L}.']*)*\s*([,|\u2013\u2014-].{0,60})?$/u;
/** A person's name alone on a line: two to four capitalised words ("Helen Price", "Jan van der Berg"). */
const NAME_LINE = /^\p{Lu}[\p{Ll}'\u2019-]+(\s+(\p{Lu}[\p{Ll}'\u2019.-]*|van|von|der|den|de|da|di|del|della|dos|das|du|la|le|y|e)){1,3}$/u;

/**
 * Where a signature without a delimiter or a closing starts: the last paragraph when it is a name line
 * followed by one to four short lines (title, company, phone), below what the person wrote; or a line with
 * a closing and the name ("Regards, Helen Price"). -1 when there is none. Names and companies there
 * ("Helen Price, Price & Co") must not be read as words of the reply.
 */
function signatureBlock(kept: string[]): number {
  let last = kept.length - 1;
  while (last >= 0 && !kept[last]!.trim()) last--;
  if (last < 1) return -1;
  // A closing with the name on the same line, among the last few lines.
  for (let i = Math.max(1, last - 5); i <= last; i++) {
    const line = kept[i]!.trim();
    const c = line.length <= 100 ? CLOSING_INLINE.exec(line) : null;
    if (c && NAME_TAIL.test(line.slice(c[0].length)) && kept.slice(i + 1, last + 1).every((l) => l.trim().length <= 80)) return i;
  }
  let start = last;
  while (start > 0 && kept[start - 1]!.trim()) start--;
  const block = kept.slice(start, last + 1).map((l) => l.trim());
  if (start === 0 || block.length < 2 || block.length > 5) return -1;
  if (!kept.slice(0, start).some((l) => l.trim())) return -1;
  if (!NAME_LINE.test(block[0]!) || block.some((l) => l.length > 70 || /[?]$/.test(l))) return -1;
  return start;
}

export function stripReply(input: string): Stripped {
  // Without a "\r" the line-ending replacement changes nothing: skipped (a substring search is cheaper).
  const lines = (input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input).slice(0, 200_000).split('\n');
  let end = lines.length;
  let hadQuote = false;
  let attributionAt = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('>')) {
      // A quote block; if text follows it again it is an inline answer, keep the unquoted lines.
      hadQuote = true;
      continue;
    }
    // The line, or the line and the next joined (an attribution wrapped by the client).
    if (isAttribution(line) || (line.length < 200 && /^(on|am|le|el|il|op|em)\b/i.test(line) && isAttribution(i + 1 < lines.length ? `${line} ${lines[i + 1]!.trim()}` : line))) {
      end = i;
      attributionAt = i;
      hadQuote = true;
      break;
    }
    if (SEPARATOR.some((re) => re.test(line))) {
      end = i;
      hadQuote = true;
      break;
    }
    if (HEADER_FROM.test(line)) {
      const next = lines.slice(i + 1, i + 5).map((l) => l.trim());
      if (next.some((l) => HEADER_NEXT.test(l))) {
        end = i;
        hadQuote = true;
        break;
      }
    }
  }
  let kept = lines.slice(0, end).filter((l) => !l.trim().startsWith('>'));
  // Bottom-posted or inline answer: nothing above "On ... wrote:", the original quoted with "> ", and the
  // person's text below or between the quoted lines. (An unquoted original below an attribution is never read.)
  if (attributionAt >= 0 && kept.every((l) => !l.trim())) {
    const after = lines.slice(attributionAt + 1, attributionAt + 1 + 2000);
    const firstQuoted = after.findIndex((l) => l.trim().startsWith('>'));
    if (firstQuoted >= 0 && after.slice(0, firstQuoted).every((l) => !l.trim() || isAttribution(l.trim()) || l.trim().length < 80)) {
      const below: string[] = [];
      for (const l of after.slice(firstQuoted)) {
        const t = l.trim();
        if (isAttribution(t) || SEPARATOR.some((re) => re.test(t))) break;
        if (!t.startsWith('>')) below.push(l);
      }
      if (below.some((l) => l.trim())) kept = below;
    }
  }
  // Signature: an explicit delimiter, a mobile footer, a legal notice, or a closing followed by a few short lines.
  let hadSignature = false;
  for (let i = 0; i < kept.length; i++) {
    const line = kept[i]!.trim();
    if (SIGNATURE_START.some((re) => re.test(line)) || (i > 0 && (IMPRINT.test(line) || (DISCLAIMER_START.test(line) && NOTICE_WORDS.test(line))))) {
      kept = kept.slice(0, i);
      hadSignature = true;
      break;
    }
  }
  for (let i = 0; i < kept.length; i++) {
    const line = kept[i]!.trim();
    if (i > 0 && CLOSING.test(line)) {
      const rest = kept.slice(i + 1).filter((l) => l.trim());
      if (rest.length <= 8 && rest.every((l) => l.trim().length <= 80)) {
        kept = kept.slice(0, i);
        hadSignature = true;
        break;
      }
    }
  }
  if (!hadSignature) {
    const cut = signatureBlock(kept);
    if (cut > 0) {
      kept = kept.slice(0, cut);
      hadSignature = true;
    }
  }
  const text = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { text, hadQuote, hadSignature };
}
