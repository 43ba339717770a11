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
  /^.{0,200}\b(wrote|schrieb|a [ée]crit|escribi[óo]|ha scritto|schreef|escreveu)\s*:\s*$/i,
];

/** Separators of forwarded/quoted originals. */
const SEPARATOR = [
  /^-{2,}\s*(original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|forwarded message|weitergeleitete nachricht|message transf[ée]r[ée])\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^-{5,}\s*$/,
];

/** Outlook-style header block of the quoted original: "From: ..." followed by "Sent:"/"Date:" within 4 lines. */
const HEADER_FROM = /^\*?(from|von|de|da|van|de la part de)\s*:\*?\s*\S/i;
const HEADER_NEXT = /^\*?(sent|date|gesendet|datum|envoy[ée]|enviado|fecha|inviato|data|verzonden|verstuurd|to|an|[àa]|para|a|aan|subject|betreff|objet|asunto|oggetto|onderwerp|assunto)\s*:\*?/i;

/** Lines that start the signature block. */
const SIGNATURE_START = [
  /^--\s*$/,
  /^(sent from|get outlook for|von meinem|gesendet von|envoy[ée] de|enviado desde|enviado de|inviato da|verzonden (vanaf|met)|enviado do)\b/i,
];

/** Closing formulas; when followed only by a few short lines, the rest is a signature. */
const CLOSING =
  /^(best( regards| wishes)?|kind regards|warm regards|regards|many thanks|thanks( again| a lot)?|thank you|cheers|all the best|sincerely|br|mit freundlichen gr[üu](ss|ß)en|freundliche gr[üu](ss|ß)e|viele gr[üu](ss|ß)e|beste gr[üu](ss|ß)e|liebe gr[üu](ss|ß)e|sch[öo]ne gr[üu](ss|ß)e|gru(ss|ß)|lg|vg|mfg|cordialement|bien [àa] (vous|toi)|bonne (journ[ée]e|soir[ée]e)|salutations|merci( beaucoup| d'avance)?|saludos( cordiales)?|un saludo|atentamente|gracias|cordiali saluti|distinti saluti|saluti|grazie( mille)?|un saluto|buona giornata|met vriendelijke groet(en)?|vriendelijke groet(en)?|groet(en|jes)?|hartelijke groet|bedankt|atenciosamente|cumprimentos|abra[çc]os?|obrigad[oa]|att)\b[\s,.!]*$/i;

export interface Stripped {
  /** The new text the sender wrote. */
  text: string;
  /** Whether a quoted original was found and removed. */
  hadQuote: boolean;
  hadSignature: boolean;
}

export function stripReply(input: string): Stripped {
  const lines = input.replace(/\r\n?/g, '\n').slice(0, 200_000).split('\n');
  let end = lines.length;
  let hadQuote = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const two = i + 1 < lines.length ? `${line} ${lines[i + 1]!.trim()}` : line;
    if (line.startsWith('>')) {
      // A quote block; if text follows it again it is an inline answer, keep the unquoted lines.
      hadQuote = true;
      continue;
    }
    if (ATTRIBUTION.some((re) => re.test(line)) || (line.length < 200 && /^(on|am|le|el|il|op|em)\b/i.test(line) && ATTRIBUTION.some((re) => re.test(two)))) {
      end = i;
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
  // Signature: an explicit delimiter, a mobile footer, or a closing followed by a few short lines.
  let hadSignature = false;
  for (let i = 0; i < kept.length; i++) {
    const line = kept[i]!.trim();
    if (SIGNATURE_START.some((re) => re.test(line))) {
      kept = kept.slice(0, i);
      hadSignature = true;
      break;
    }
    if (i > 0 && CLOSING.test(line)) {
      const rest = kept.slice(i + 1).filter((l) => l.trim());
      if (rest.length <= 8 && rest.every((l) => l.trim().length <= 80)) {
        kept = kept.slice(0, i);
        hadSignature = true;
        break;
      }
    }
  }
  const text = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { text, hadQuote, hadSignature };
}
