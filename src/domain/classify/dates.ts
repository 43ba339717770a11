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

export interface FoundDate {
  iso: string; // YYYY-MM-DD
  index: number;
  cued: boolean;
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

function cuedBefore(text: string, index: number): boolean {
  const before = text.slice(Math.max(0, index - 40), index);
  return RETURN_CUE.test(before);
}

/** Every date found in the text, resolved against the reference date. */
export function findDates(raw: string, ref: Date, lang?: string): FoundDate[] {
  const text = foldMemo(raw);
  const out: FoundDate[] = [];
  const push = (v: string | null, index: number) => {
    if (v) out.push({ iso: v, index, cued: cuedBefore(text, index) });
  };
  let m: RegExpExecArray | null;
  // 2026-03-14
  const isoRe = /\b(20\d\d)-(\d{1,2})-(\d{1,2})\b/g;
  while ((m = isoRe.exec(text))) push(iso(+m[1]!, +m[2]!, +m[3]!), m.index);
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
      push(pick, m.index);
      continue;
    }
    push(withYear(month, day, ref, y), m.index);
  }
  // 14 March 2026, 14th of March, 14. März, 14 de marzo de 2026
  const dmyRe = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th|er|e|o|º)?\\.?\\s*(?:of\\s+|de\\s+)?(${MONTH_RE})\\.?(?:\\s*(?:de\\s+)?(20\\d\\d))?\\b`, 'g');
  while ((m = dmyRe.exec(text))) push(withYear(MONTHS[m[2]!]!, +m[1]!, ref, m[3] ? +m[3] : undefined), m.index);
  // March 14, 2026 / March 14th
  const mdyRe = new RegExp(`\\b(${MONTH_RE})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s*(20\\d\\d))?`, 'g');
  while ((m = mdyRe.exec(text))) push(withYear(MONTHS[m[1]!]!, +m[2]!, ref, m[3] ? +m[3] : undefined), m.index);
  // A day of the month alone, "back on the 10th", "bis zum 10.", "de retour le 10": the next such day on
  // or after the reference date.
  const dayOnlyRe = new RegExp(
    `\\b(?:(?:the\\s+)?(\\d{1,2})(st|nd|rd|th)|(?:am|ab dem|ab|bis zum|le|au|el|il|al|dal|op|de|dia|o dia)\\s+(\\d{1,2})(?:\\.|e|er|o|º)?)(?![\\d./:,-]*\\d)(?!\\.?\\s*(?:of\\s+|de\\s+|di\\s+)?(?:${MONTH_RE})\\b)(?!\\s*(?:%|h\\b|uhr|am\\b|pm\\b|days?|tage?|jours?|dias?|giorni|dagen|hours?|minutes?|weeks?))`,
    'g',
  );
  while ((m = dayOnlyRe.exec(text))) {
    const before = text.slice(Math.max(0, m.index - 14), m.index);
    if (new RegExp(`(?:${MONTH_RE})\\.?\\s*$`).test(before)) continue; // "December 10th" is read above
    const num = m[1] ?? m[3]!;
    // Only after a return cue ("back on the 10th", "bis zum 10."): "our 5th year" is no date.
    if (!cuedBefore(text, m.index + m[0].indexOf(num))) continue;
    push(nextDayOfMonth(+num, ref), m.index);
  }
  // "on Monday", "bis Montag", "lundi prochain": the next such weekday after the reference.
  const wdRe = new RegExp(`\\b(${WEEKDAY_RE})\\b(?![,.]?\\s*(?:\\d{1,2}[./]|(?:the\\s+)?\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTH_RE})|(?:${MONTH_RE})))`, 'g');
  while ((m = wdRe.exec(text))) {
    const want = WEEKDAYS[m[1]!]!;
    const cur = ref.getUTCDay() === 0 ? 7 : ref.getUTCDay();
    let add = (want - cur + 7) % 7;
    if (add === 0) add = 7;
    const d = new Date(ref.getTime() + add * 86400_000);
    push(d.toISOString().slice(0, 10), m.index);
  }
  // Relative: "tomorrow", "next week" are too vague for a date except tomorrow.
  const tomorrow = /\b(tomorrow|morgen|demain|manana|domani|amanha)\b/g;
  while ((m = tomorrow.exec(text))) push(new Date(ref.getTime() + 86400_000).toISOString().slice(0, 10), m.index);
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
  const dates = findDates(text, ref, lang).filter((d) => d.iso >= refDay && d.iso <= limit);
  if (!dates.length) return null;
  const cued = dates.filter((d) => d.cued);
  const pool = cued.length ? cued : dates;
  return pool.map((d) => d.iso).sort().at(-1)!;
}
