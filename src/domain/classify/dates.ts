// Dates written in out-of-office replies ("back on 14 March", "bis zum 3. Juni", "de retour le 2/9",
// "hasta el lunes"), in several languages. Pure: the reference date (when the reply was sent) comes in.
import { foldMemo } from './types.js';

const MONTHS: Record<string, number> = {};
const monthNames: [number, string[]][] = [
  [1, ['january', 'jan', 'januar', 'janner', 'janvier', 'janv', 'enero', 'ene', 'gennaio', 'gen', 'januari', 'janeiro']],
  [2, ['february', 'feb', 'februar', 'fevrier', 'fevr', 'fev', 'febrero', 'febbraio', 'februari', 'fevereiro']],
  [3, ['march', 'mar', 'marz', 'maerz', 'mars', 'marzo', 'maart', 'marco', 'mrt']],
  [4, ['april', 'apr', 'avril', 'avr', 'abril', 'abr', 'aprile']],
  [5, ['may', 'mai', 'mayo', 'maggio', 'mag', 'mei', 'maio']],
  [6, ['june', 'jun', 'juni', 'juin', 'junio', 'giugno', 'giu', 'junho']],
  [7, ['july', 'jul', 'juli', 'juillet', 'juil', 'julio', 'luglio', 'lug', 'julho']],
  [8, ['august', 'aug', 'aout', 'agosto', 'ago', 'augustus']],
  [9, ['september', 'sep', 'sept', 'septembre', 'septiembre', 'settembre', 'set', 'setembro']],
  [10, ['october', 'oct', 'oktober', 'okt', 'octobre', 'octubre', 'ottobre', 'ott', 'outubro', 'out']],
  [11, ['november', 'nov', 'novembre', 'noviembre', 'novembro']],
  [12, ['december', 'dec', 'dezember', 'dez', 'decembre', 'diciembre', 'dic', 'dicembre', 'dezembro']],
];
for (const [n, names] of monthNames) for (const name of names) MONTHS[name] = n;
const MONTH_RE = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|');

const WEEKDAYS: Record<string, number> = {};
const weekdayNames: [number, string[]][] = [
  [1, ['monday', 'montag', 'lundi', 'lunes', 'lunedi', 'maandag', 'segunda-feira', 'segunda']],
  [2, ['tuesday', 'dienstag', 'mardi', 'martes', 'martedi', 'dinsdag', 'terca-feira', 'terca']],
  [3, ['wednesday', 'mittwoch', 'mercredi', 'miercoles', 'mercoledi', 'woensdag', 'quarta-feira', 'quarta']],
  [4, ['thursday', 'donnerstag', 'jeudi', 'jueves', 'giovedi', 'donderdag', 'quinta-feira', 'quinta']],
  [5, ['friday', 'freitag', 'vendredi', 'viernes', 'venerdi', 'vrijdag', 'sexta-feira', 'sexta']],
  [6, ['saturday', 'samstag', 'samedi', 'sabado', 'zaterdag']],
  [7, ['sunday', 'sonntag', 'dimanche', 'domingo', 'domenica', 'zondag']],
];
for (const [n, names] of weekdayNames) for (const name of names) WEEKDAYS[name] = n;
const WEEKDAY_RE = Object.keys(WEEKDAYS)
  .sort((a, b) => b.length - a.length)
  .join('|');

/** Words that put a date in "return" position: the latest such date is the return date. */
const RETURN_CUE =
  /\b(back|return|returning|returns|until|till|through|thru|from|reachable|available|office on|zuruck|wieder|bis( zum| einschliesslich)?|ab( dem)?|retour|jusqu'(au|a)|a partir d[ue]|des le|regres\w*|vuelta|hasta( el)?|a partir del?|desde|rientr\w*|ritorno|fino (al|a)|dal|dall'|terug|tot( en met)?|vanaf|weer|volta\w*|retorn\w*|ate( o| a| dia)?|a partir de)\b/;

/** Words that put a date in "start" position ("from 1 December", "ab dem 1.12.", "à partir du", "desde el", "dal", "vanaf"). */
const START_CUE = /\b(from|starting( on| from)?|beginning|as of|ab( dem| den)?|a partir d[ue]|a compter d[ue]|des le|desde( el)?|a partir del?|dal|dall'|vanaf|a partir de|a partir do|desde o)(\s+(the|le|el|il|o|den|dem|on|lundi|monday))?\s*$/;
/** Being away, by language (folded): a start date in such a sentence begins the absence. */
const AWAY_WORD =
  /\b(holidays?|vacation|away|leave|out of (the )?office|ooo|off|travel\w*|urlaub|ferien|abwesend|nicht (im buro|erreichbar|da)|elternzeit|conges?|vacances|absente?|en deplacement|vacaciones|ausente|fuera|de viaje|ferie|vacanza|assente|fuori|vakantie|afwezig|verlof|ferias|licenca)\b/;
/** Being back, by language (folded): a "from" date in such a sentence is the return ("available from 3 Dec"). */
const BACK_WORD =
  /\b(back|return\w*|available|reachable|in the office|wieder|zuruck|erreichbar|im buro|retour|disponible|joignable|de vuelta|regres\w*|vuelvo|di ritorno|rientr\w*|reperibile|terug|bereikbaar|weer|de volta|volto|retorn\w*)\b/;

const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, 
  ein: 1, eine: 1, einen: 1, zwei: 2, drei: 3, vier: 4, funf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10,
  un: 1, une: 1, deux: 2, trois: 3, quatre: 4, cinq: 5, sept: 7, huit: 8, neuf: 9, dix: 10, quinze: 15,
  uno: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10, quince: 15,
  due: 2, tre: 3, quattro: 4, sei: 6, sette: 7, otto: 8, nove: 9, dieci: 10, quindici: 15,
  een: 1, twee: 2, drie: 3, vijf: 5, zes: 6, zeven: 7, negen: 9, tien: 10,
  um: 1, uma: 1, dois: 2, duas: 2, sete: 7, oito: 8, dez: 10,
};
const NUMBER_RE = Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|');
/** A length of absence: "for three weeks", "für drei Wochen", "pour deux semaines", "por dos semanas", "per due settimane", "voor twee weken", "por duas semanas", "for 10 days". */
const DURATION_RE = new RegExp(
  `\\b(?:for|fur|pour|pendant|durant|por|durante|per|voor|gedurende)\\s+(?:(?:the|die|les|las|los|le|as|os|de)\\s+)?(?:(?:next|nachsten|prochaines?|proximas?|proximos?|prossim[ei]|komende|volgende)\\s+)?(\\d{1,2}|${NUMBER_RE})\\s+(weeks?|wochen?|semaines?|semanas?|settimane?|weken|week|days?|tage?n?|jours?|dias?|giorni|giorno|dagen|dag|months?|monate?n?|mois|mes(?:es)?|mesi|mese|maanden|maand)\\b`,
);

/** The length right after the date, without a preposition: "vanaf 1 december twee weken", "ab dem 1.12. drei Wochen". */
const BARE_DURATION_RE = new RegExp(`^\\s*${DURATION_RE.source.replace(/^\\b\(\?:[^)]*\)\\s\+/, '')}`);
/** A length at the end of a text ("for two weeks" before the cue). */
const DURATION_AT_END_RE = new RegExp(`${DURATION_RE.source}[\\s,]*$`);

/** The number of days of a duration match. */
function durationDays(m: RegExpExecArray): number | null {
  const n = /^\d+$/.test(m[1]!) ? +m[1]! : NUMBER_WORDS[m[1]!];
  if (!n) return null;
  const unit = m[2]!;
  if (/^(week|woche|semaine|semana|settiman|weken)/.test(unit)) return n * 7;
  if (/^(month|monat|mois|mes|maand)/.test(unit)) return n * 30;
  return n;
}

export interface FoundDate {
  iso: string; // YYYY-MM-DD
  index: number;
  cued: boolean;
  /**
   * The first day of an absence, not its end: "ab dem 1.12. im Urlaub", "on holiday from 1 December" (never a
   * return date). A start followed by its length ("ab dem 1.12. für drei Wochen") is turned into the return date.
   */
  start?: boolean;
}

function iso(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1) return null;
  return dt.toISOString().slice(0, 10);
}

/** How far back a date without a year may lie and still be this year's: further back, it is next year's. */
export const PAST_YEAR_WINDOW_DAYS = 183;

/**
 * Picks the year of a date written without one. This year's date, unless it lies more than about six months
 * (PAST_YEAR_WINDOW_DAYS) before the reference: then next year's. So a December notice "back Jan 5" returns
 * next January, while "out until Nov 20" received on Nov 29 is this year's Nov 20, already past (a notice
 * left on after the person came back), never next November. (February 29 in a year without one is no date.)
 */
function withYear(m: number, d: number, ref: Date, y?: number): string | null {
  if (y !== undefined) return iso(y < 100 ? 2000 + y : y, m, d);
  const refY = ref.getUTCFullYear();
  const cand = iso(refY, m, d);
  if (!cand) return null;
  const floor = new Date(ref.getTime() - PAST_YEAR_WINDOW_DAYS * 86400_000).toISOString().slice(0, 10);
  return cand >= floor ? cand : iso(refY + 1, m, d);
}

function daysBetween(a: string, b: string): number {
  return Math.abs(Date.parse(b) - Date.parse(a)) / 86400_000;
}

/** The next date with this day of the month on or after the reference date (skipping months too short for it). */
function nextDayOfMonth(d: number, ref: Date): string | null {
  if (d < 1 || d > 31) return null;
  let y = ref.getUTCFullYear();
  let mo = ref.getUTCMonth() + 1;
  const refDay = ref.toISOString().slice(0, 10);
  for (let i = 0; i < 13; i++) {
    const v = iso(y, mo, d);
    if (v && v >= refDay) return v;
    mo++;
    if (mo > 12) {
      mo = 1;
      y++;
    }
  }
  return null;
}

/**
 * Whether the date found at `at`..`end` starts an absence: a start cue right before it ("ab dem", "from", "à
 * partir du", "desde", "dal", "vanaf") in a sentence about being away, not about being back ("available from").
 * With the length of the absence next to it ("für drei Wochen", "for two weeks"), its end: the return date.
 */
function startOfAbsence(text: string, iso: string, at: number, end: number): { end?: string } | null {
  const before = text.slice(Math.max(0, at - 60), at);
  const cue = START_CUE.exec(before);
  if (!cue) return null;
  const lineStart = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('!'), before.lastIndexOf('?'), before.lastIndexOf(';')) + 1;
  const head = before.slice(lineStart, cue.index);
  let tail = text.slice(end, end + 80).replace(/^[.,\s]+/, '');
  const stop = tail.search(/[.!?;\n]/);
  if (stop >= 0) tail = tail.slice(0, stop);
  // The length, after the date ("ab dem 1.12. für drei Wochen") or before the cue ("for two weeks from 1 December").
  const dur = DURATION_RE.exec(tail) ?? BARE_DURATION_RE.exec(tail) ?? DURATION_AT_END_RE.exec(head);
  const days = dur ? durationDays(dur) : null;
  if (days) {
    const t = Date.parse(`${iso}T00:00:00Z`) + days * 86400_000;
    return { end: new Date(t).toISOString().slice(0, 10) };
  }
  const sentence = `${head} ${tail}`;
  if (AWAY_WORD.test(sentence) && !BACK_WORD.test(sentence)) return {};
  return null;
}

/** Before a weekday, in its clause: a place closed that day ("fermée le", "closed on"), or a habitual article (fr "le", it "il"). */
const HABITUAL_WEEKDAY =
  /\b(closed|shut|geschlossen|zu|ferme|fermee|fermes|fermees|cerrad[ao]s?|chius[oaie]|gesloten|dicht|fechad[ao]s?)\b.{0,20}$|(^|\s)(le|il)\s+$/;

function cuedBefore(text: string, index: number): boolean {
  const before = text.slice(Math.max(0, index - 40), index);
  return RETURN_CUE.test(before);
}

// The date patterns of findDates, compiled once. Each is global and read with exec from lastIndex 0 until it finds
// no more (which sets lastIndex back to 0); findDates also resets it before each use.
/** 14 March 2026, 14th of March, 14. März, 14 de marzo de 2026 */
const DMY_RE = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th|er|e|o|º)?\\.?\\s*(?:of\\s+|de\\s+)?(${MONTH_RE})\\.?(?:\\s*(?:de\\s+)?(20\\d\\d))?\\b`, 'g');
/** March 14, 2026 / March 14th */
const MDY_RE = new RegExp(`\\b(${MONTH_RE})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s*(20\\d\\d))?`, 'g');
/** A day of the month alone after a cue word. */
const DAY_ONLY_RE = new RegExp(
  `\\b(?:(?:the\\s+)?(\\d{1,2})(st|nd|rd|th)|(?:am|ab dem|ab|bis zum|le|au|el|il|al|dal|op|de|dia|o dia)\\s+(\\d{1,2})(?:\\.|e|er|o|º)?)(?![\\d./:,-]*\\d)(?!\\.?\\s*(?:of\\s+|de\\s+|di\\s+)?(?:${MONTH_RE})\\b)(?!\\s*(?:%|h\\b|uhr|am\\b|pm\\b|days?|tage?|jours?|dias?|giorni|dagen|hours?|minutes?|weeks?))`,
  'g',
);
/** A month name at the end of a text ("December" before "10th"). */
const MONTH_AT_END_RE = new RegExp(`(?:${MONTH_RE})\\.?\\s*$`);
/** "on Monday", "bis Montag", "lundi prochain". */
const WEEKDAY_G_RE = new RegExp(`\\b(${WEEKDAY_RE})\\b(?![,.]?\\s*(?:\\d{1,2}[./]|(?:the\\s+)?\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTH_RE})|(?:${MONTH_RE})))`, 'g');

/** Every date found in the text, resolved against the reference date. */
export function findDates(raw: string, ref: Date, lang?: string): FoundDate[] {
  const text = foldMemo(raw);
  const out: FoundDate[] = [];
  const push = (v: string | null, index: number, end: number, at = index) => {
    if (!v) return;
    const d: FoundDate = { iso: v, index, cued: cuedBefore(text, index) };
    const s = startOfAbsence(text, v, at, end);
    if (s) {
      // "ab dem 1.12. für drei Wochen": the end of the absence is the return date; without a length, no return.
      if (s.end) {
        d.iso = s.end;
        d.cued = true;
      } else {
        d.start = true;
      }
    }
    out.push(d);
  };
  let m: RegExpExecArray | null;
  // 2026-03-14
  const isoRe = /\b(20\d\d)-(\d{1,2})-(\d{1,2})\b/g;
  while ((m = isoRe.exec(text))) push(iso(+m[1]!, +m[2]!, +m[3]!), m.index, m.index + m[0].length);
  // 14.03.2026, 14/03/2026, 3/14/2026, 14.3., 14/3
  const numRe = /(?<![\d.\/-])(\d{1,2})([./-])(\d{1,2})(?:\2((?:20)?\d\d))?(?![\d\/-]|\.\d)/g;
  while ((m = numRe.exec(text))) {
    const a = +m[1]!;
    const b = +m[3]!;
    const y = m[4] ? +m[4] : undefined;
    if (m[2] === '-' && !y) continue; // "3-5" is a range, not a date
    let day = a;
    let month = b;
    // US order only when it is the only reading that works, or English with slashes.
    if (a <= 12 && b > 12) [day, month] = [b, a];
    else if (a <= 12 && b <= 12 && a !== b && m[2] === '/' && lang === 'en') {
      // English with slashes is ambiguous (US 12/10 = 10 December, UK = 12 October): month first, unless
      // only the day-first reading lands in the window a return date can be in (an explicit past year
      // date), or day-first is within a month and month-first months later (a short absence, UK style).
      const us = withYear(a, b, ref, y);
      const uk = withYear(b, a, ref, y);
      const floor = new Date(ref.getTime() - 7 * 86400_000).toISOString().slice(0, 10);
      const usOk = us !== null && us >= floor;
      const ukOk = uk !== null && uk >= floor;
      const refDay = ref.toISOString().slice(0, 10);
      const ukNear = ukOk && uk! >= refDay && daysBetween(refDay, uk!) <= 31 && (!usOk || daysBetween(uk!, us!) >= 60);
      const pick = usOk && !ukNear ? us : ukOk ? uk : us;
      push(pick, m.index, m.index + m[0].length);
      continue;
    }
    push(withYear(month, day, ref, y), m.index, m.index + m[0].length);
  }
  // 14 March 2026, 14th of March, 14. März, 14 de marzo de 2026
  const dmyRe = DMY_RE;
  dmyRe.lastIndex = 0;
  while ((m = dmyRe.exec(text))) push(withYear(MONTHS[m[2]!]!, +m[1]!, ref, m[3] ? +m[3] : undefined), m.index, m.index + m[0].length);
  // March 14, 2026 / March 14th
  const mdyRe = MDY_RE;
  mdyRe.lastIndex = 0;
  while ((m = mdyRe.exec(text))) push(withYear(MONTHS[m[1]!]!, +m[2]!, ref, m[3] ? +m[3] : undefined), m.index, m.index + m[0].length);
  // A day of the month alone, "back on the 10th", "bis zum 10.", "de retour le 10": the next such day on
  // or after the reference date.
  const dayOnlyRe = DAY_ONLY_RE;
  dayOnlyRe.lastIndex = 0;
  while ((m = dayOnlyRe.exec(text))) {
    const before = text.slice(Math.max(0, m.index - 14), m.index);
    if (MONTH_AT_END_RE.test(before)) continue; // "December 10th" is read above
    const num = m[1] ?? m[3]!;
    // Only after a return cue ("back on the 10th", "bis zum 10."): "our 5th year" is no date.
    if (!cuedBefore(text, m.index + m[0].indexOf(num))) continue;
    push(nextDayOfMonth(+num, ref), m.index, m.index + m[0].length, m.index + m[0].indexOf(num));
  }
  // "on Monday", "bis Montag", "lundi prochain": the next such weekday after the reference.
  const wdRe = WEEKDAY_G_RE;
  wdRe.lastIndex = 0;
  while ((m = wdRe.exec(text))) {
    // A weekday of a habit, not a date: "notre boutique est fermée le lundi", "closed on Monday", "il sabato".
    if (!cuedBefore(text, m.index) && HABITUAL_WEEKDAY.test(text.slice(Math.max(0, m.index - 60), m.index).split(/[.!?;\n]/).at(-1)!)) continue;
    const want = WEEKDAYS[m[1]!]!;
    const cur = ref.getUTCDay() === 0 ? 7 : ref.getUTCDay();
    let add = (want - cur + 7) % 7;
    if (add === 0) add = 7;
    const d = new Date(ref.getTime() + add * 86400_000);
    push(d.toISOString().slice(0, 10), m.index, m.index + m[0].length);
  }
  // Relative: "tomorrow", "next week" are too vague for a date except tomorrow.
  const tomorrow = /\b(tomorrow|morgen|demain|manana|domani|amanha)\b/g;
  while ((m = tomorrow.exec(text))) push(new Date(ref.getTime() + 86400_000).toISOString().slice(0, 10), m.index, m.index + m[0].length);
  return out.sort((x, y) => x.index - y.index);
}

/**
 * The return date of an out-of-office reply: the latest date at or after the reference date,
 * preferring dates introduced by a return cue ("back on", "until", "bis", "jusqu'au"...). At most a
 * year ahead: anything further is a phone number or a reference, not a return.
 */
export function extractReturnDate(text: string, ref: Date, lang?: string): string | null {
  const refDay = ref.toISOString().slice(0, 10);
  const limit = new Date(ref.getTime() + 366 * 86400_000).toISOString().slice(0, 10);
  const dates = findDates(text, ref, lang).filter((d) => !d.start && d.iso >= refDay && d.iso <= limit);
  if (!dates.length) return null;
  const cued = dates.filter((d) => d.cued);
  const pool = cued.length ? cued : dates;
  return pool.map((d) => d.iso).sort().at(-1)!;
}
