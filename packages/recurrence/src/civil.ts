/**
 * Proleptic Gregorian calendar arithmetic on plain numbers (no Date objects, no allocation).
 *
 * A "wall" value is a local wall-clock date-time encoded as milliseconds, exactly as
 * `Date.UTC(year, month - 1, day, hour, minute, second)` would encode it. Wall values are
 * only ever compared with each other or shifted by whole days; they become instants only
 * through a time zone (see zone.ts).
 */

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of the civil date (month 1..12). Howard Hinnant's algorithm. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Scratch output of {@link civilFromDays}: read it immediately after the call. */
export const civil = { year: 0, month: 0, day: 0 };

/** Writes the civil date (month 1..12) of a day number into {@link civil}. */
export function civilFromDays(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  civil.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  civil.month = month;
  civil.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
}

/** Day of week of a day number: 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** Wall value of a civil date-time. */
export function wallOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** 'YYYY-MM-DDTHH:mm:ss' of a wall value (milliseconds, if any, are dropped). */
export function formatWall(wall: number): string {
  const days = Math.floor(wall / DAY_MS);
  const rem = wall - days * DAY_MS;
  civilFromDays(days);
  const h = Math.floor(rem / HOUR_MS);
  const mi = Math.floor((rem % HOUR_MS) / MINUTE_MS);
  const s = Math.floor((rem % MINUTE_MS) / SECOND_MS);
  return `${pad(civil.year, 4)}-${pad(civil.month, 2)}-${pad(civil.day, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
}

/** '+HH:MM' (or '+HH:MM:SS' for historical offsets with seconds) of an offset in ms. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.round(Math.abs(offsetMs) / SECOND_MS);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}${pad(h, 2)}:${pad(m, 2)}${s ? ':' + pad(s, 2) : ''}`;
}

/** Earliest instant this package accepts or produces: 1900-01-01T00:00:00Z. */
export const MIN_INSTANT_MS = Date.UTC(1900, 0, 1);
/** Latest instant this package accepts or produces: 9999-12-31T23:59:59.999Z. */
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
