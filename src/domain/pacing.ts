// Pacing rules, pure: sending windows (days and hours in the sender's or the recipient's time zone),
// business-day follow-up delays, the warm-up ramp of a mailbox, per-recipient-domain throttling,
// random spacing, and which mailbox sends next. Time zones via luxon.
import { DateTime } from 'luxon';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']; // luxon: weekday 1 = Monday

export interface SendingWindow {
  days: Weekday[];
  /** HH:MM, inclusive. */
  start: string;
  /** HH:MM, exclusive. A window whose end is before its start runs past midnight. */
  end: string;
}

export function isValidZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

function weekdayOf(dt: DateTime): Weekday {
  return WEEKDAYS[dt.weekday - 1]!;
}

/** Is `at` inside the window, in time zone `zone`? */
export function inWindow(at: Date, zone: string, w: SendingWindow): boolean {
  const dt = DateTime.fromJSDate(at, { zone });
  const m = dt.hour * 60 + dt.minute;
  const s = minutes(w.start);
  const e = minutes(w.end);
  if (s === e) return w.days.includes(weekdayOf(dt)); // whole day
  if (s < e) return w.days.includes(weekdayOf(dt)) && m >= s && m < e;
  // Past midnight: the part after midnight belongs to the previous day's window.
  if (m >= s) return w.days.includes(weekdayOf(dt));
  if (m < e) return w.days.includes(weekdayOf(dt.minus({ days: 1 })));
  return false;
}

/** The first instant at or after `at` inside the window (null when the window has no day). */
export function nextWindowStart(at: Date, zone: string, w: SendingWindow): Date | null {
  if (!w.days.length) return null;
  if (inWindow(at, zone, w)) return at;
  const dt = DateTime.fromJSDate(at, { zone });
  const [sh, sm] = w.start.split(':').map(Number);
  for (let i = 0; i <= 8; i++) {
    const day = dt.plus({ days: i }).set({ hour: sh!, minute: sm!, second: 0, millisecond: 0 });
    if (day.toMillis() >= dt.toMillis() && w.days.includes(weekdayOf(day))) return day.toJSDate();
  }
  return null;
}

/**
 * `n` business days after `from` (same local time), counting only the sending days in `zone`.
 * 0 → from itself. A follow-up set 2 business days after a Friday email goes on Tuesday.
 */
export function addBusinessDays(from: Date, n: number, zone: string, days: Weekday[]): Date {
  let dt = DateTime.fromJSDate(from, { zone });
  if (n <= 0 || !days.length) return from;
  let left = n;
  while (left > 0) {
    dt = dt.plus({ days: 1 });
    if (days.includes(weekdayOf(dt))) left--;
  }
  return dt.toJSDate();
}

/** Start of `at`'s calendar day in `zone` (daily caps count from there). */
export function startOfDay(at: Date, zone: string): Date {
  return DateTime.fromJSDate(at, { zone }).startOf('day').toJSDate();
}

export interface RampConfig {
  dailyCap: number;
  rampStart: number;
  rampStep: number;
  /** ISO time the mailbox began sending (null: not started yet, today is day 0). */
  rampStartedAt: string | null;
}

/** Today's limit for a mailbox: start at rampStart a day, add rampStep a day, never above dailyCap. */
export function dailyLimit(r: RampConfig, at: Date, zone: string): number {
  if (r.dailyCap <= 0) return 0;
  if (r.rampStart <= 0 && r.rampStep <= 0) return r.dailyCap; // no ramp
  const started = r.rampStartedAt ? DateTime.fromISO(r.rampStartedAt, { zone }).startOf('day') : null;
  const today = DateTime.fromJSDate(at, { zone }).startOf('day');
  const day = started ? Math.max(0, Math.round(today.diff(started, 'days').days)) : 0;
  return Math.min(r.dailyCap, Math.max(1, r.rampStart) + Math.max(0, r.rampStep) * day);
}

/** A random gap between messages, in ms, uniformly between min and max seconds. */
export function randomGapMs(minSeconds: number, maxSeconds: number, random: () => number): number {
  const lo = Math.max(0, minSeconds);
  const hi = Math.max(lo, maxSeconds);
  return Math.round((lo + (hi - lo) * random()) * 1000);
}

export interface MailboxCandidate {
  id: number;
  /** Messages it may still send today. */
  remaining: number;
  /** When it last sent (ISO) or null. */
  lastSentAt: string | null;
}

/**
 * Rotation by remaining capacity: the mailbox with the most left today sends next; ties go to the one
 * that sent least recently, then the lowest id (stable). Null when every mailbox is used up.
 */
export function pickMailbox(c: MailboxCandidate[]): number | null {
  const usable = c.filter((m) => m.remaining > 0);
  if (!usable.length) return null;
  usable.sort(
    (a, b) =>
      b.remaining - a.remaining || (a.lastSentAt ?? '').localeCompare(b.lastSentAt ?? '') || a.id - b.id,
  );
  return usable[0]!.id;
}

/** The recipient's domain for throttling (the part after @, lower case). */
export function recipientDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

// Countries that sit in one time zone (ISO 3166-1 alpha-2 → IANA). Countries spanning several zones
// (US, CA, BR, AU, RU, MX, ID, KZ, ...) are left out on purpose: the country alone does not give the
// recipient's time, so the sender's zone is used for them.
const COUNTRY_ZONES: Record<string, string> = {
  GB: 'Europe/London', IE: 'Europe/Dublin', FR: 'Europe/Paris', DE: 'Europe/Berlin', NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels', LU: 'Europe/Luxembourg', CH: 'Europe/Zurich', AT: 'Europe/Vienna', IT: 'Europe/Rome',
  ES: 'Europe/Madrid', PT: 'Europe/Lisbon', DK: 'Europe/Copenhagen', NO: 'Europe/Oslo', SE: 'Europe/Stockholm',
  FI: 'Europe/Helsinki', IS: 'Atlantic/Reykjavik', PL: 'Europe/Warsaw', CZ: 'Europe/Prague', SK: 'Europe/Bratislava',
  HU: 'Europe/Budapest', SI: 'Europe/Ljubljana', HR: 'Europe/Zagreb', RO: 'Europe/Bucharest', BG: 'Europe/Sofia',
  GR: 'Europe/Athens', CY: 'Asia/Nicosia', MT: 'Europe/Malta', EE: 'Europe/Tallinn', LV: 'Europe/Riga',
  LT: 'Europe/Vilnius', UA: 'Europe/Kyiv', RS: 'Europe/Belgrade', TR: 'Europe/Istanbul', IL: 'Asia/Jerusalem',
  AE: 'Asia/Dubai', SA: 'Asia/Riyadh', QA: 'Asia/Qatar', IN: 'Asia/Kolkata', PK: 'Asia/Karachi',
  SG: 'Asia/Singapore', MY: 'Asia/Kuala_Lumpur', TH: 'Asia/Bangkok', VN: 'Asia/Ho_Chi_Minh', PH: 'Asia/Manila',
  HK: 'Asia/Hong_Kong', TW: 'Asia/Taipei', CN: 'Asia/Shanghai', JP: 'Asia/Tokyo', KR: 'Asia/Seoul',
  NZ: 'Pacific/Auckland', ZA: 'Africa/Johannesburg', NG: 'Africa/Lagos', KE: 'Africa/Nairobi', EG: 'Africa/Cairo',
  MA: 'Africa/Casablanca', CO: 'America/Bogota', PE: 'America/Lima', AR: 'America/Argentina/Buenos_Aires',
  UY: 'America/Montevideo', CR: 'America/Costa_Rica', PA: 'America/Panama', DO: 'America/Santo_Domingo',
  PR: 'America/Puerto_Rico', JM: 'America/Jamaica', VE: 'America/Caracas', BD: 'Asia/Dhaka', LK: 'Asia/Colombo',
};

/** The recipient's time zone when the lead's country gives it, else null. */
export function zoneForCountry(country: string | null | undefined): string | null {
  if (!country) return null;
  return COUNTRY_ZONES[country.toUpperCase()] ?? null;
}

/** The zone a message's window is judged in. */
export function windowZone(senderZone: string, country: string | null | undefined, useRecipient: boolean): string {
  if (useRecipient) {
    const z = zoneForCountry(country);
    if (z) return z;
  }
  return senderZone;
}
