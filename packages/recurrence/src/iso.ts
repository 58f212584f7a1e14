/** ISO 8601 parsing and formatting of instants and wall-clock date-times. */
import { MAX_INSTANT_MS, MIN_INSTANT_MS, SECOND_MS, daysInMonth, formatOffset, formatWall, wallOf } from './civil';
import { getTimeZone, TimeZone } from './zone';

export interface IsoParts {
  /** wall value of the written date-time, whole seconds */
  wall: number;
  /** milliseconds written after the seconds (0..999, extra digits truncated) */
  ms: number;
  /** explicit offset in ms ('Z' = 0), or null when the text has none (wall-clock time) */
  offset: number | null;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** The accepted forms as a pattern (for documents such as the API's OpenAPI schema). */
export const ISO_DATE_TIME_PATTERN = ISO_RE.source;
/** Longer text is never one of the accepted forms. */
export const MAX_ISO_TEXT_LENGTH = 40;

/**
 * Parses 'YYYY-MM-DD', 'YYYY-MM-DDTHH:mm', 'YYYY-MM-DDTHH:mm:ss' and 'YYYY-MM-DDTHH:mm:ss.fff'
 * ('T', 't' or a space as separator; any number of 1-9 fraction digits), optionally followed by
 * 'Z' or an offset '+HH:MM', '+HHMM' or '+HH'. Calendar fields are range checked (no Feb 30,
 * no 24:00, no leap second). Returns null when the text is anything else.
 */
export function parseIsoParts(text: string): IsoParts | null {
  if (text.length > MAX_ISO_TEXT_LENGTH) return null;
  const m = ISO_RE.exec(text);
  if (m === null) return null;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = m[7] === undefined ? 0 : +(m[7] + '00').slice(0, 3);
  let offset: number | null = null;
  const o = m[8];
  if (o !== undefined) {
    if (o === 'Z' || o === 'z') offset = 0;
    else {
      const digits = o.slice(1).replace(':', '');
      const oh = +digits.slice(0, 2);
      const om = digits.length > 2 ? +digits.slice(2, 4) : 0;
      if (oh > 23 || om > 59) return null;
      offset = (o[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
    }
  }
  return { wall: wallOf(year, month, day, hour, minute, second), ms, offset };
}

export function inInstantRange(t: number): boolean {
  return t >= MIN_INSTANT_MS && t <= MAX_INSTANT_MS;
}

/** Instant of parsed parts in a zone (the zone is only used when the text has no offset). */
export function partsToInstant(parts: IsoParts, zone: TimeZone | null): number | null {
  let t: number;
  if (parts.offset !== null) t = parts.wall - parts.offset + parts.ms;
  else if (zone === null) return null;
  else t = zone.wallToInstant(parts.wall) + parts.ms;
  return inInstantRange(t) ? t : null;
}

/**
 * ISO string -> instant. A string without offset/Z is wall-clock time in `timezone`
 * (gap: shifted forward by the gap; fold: first instance). Returns null when the text is
 * not one of the accepted ISO 8601 forms, when it needs the zone and the zone is unknown,
 * or when the instant is outside 1900-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z.
 */
export function resolveInstant(value: string, timezone: string): Date | null {
  if (typeof value !== 'string') return null;
  const parts = parseIsoParts(value);
  if (parts === null) return null;
  const zone = parts.offset === null ? (typeof timezone === 'string' ? getTimeZone(timezone) : null) : null;
  const t = partsToInstant(parts, zone);
  return t === null ? null : new Date(t);
}

/** 'YYYY-MM-DDTHH:mm:ss±HH:MM' of an instant in a zone (fraction shown only when non-zero). */
export function formatLocal(t: number, zone: TimeZone): string {
  const offset = zone.offsetAt(t);
  const wall = t + offset;
  const ms = ((wall % SECOND_MS) + SECOND_MS) % SECOND_MS;
  const frac = ms ? '.' + String(ms).padStart(3, '0') : '';
  return formatWall(wall - ms) + frac + formatOffset(offset);
}

/** Parses the 'YYYY-MM-DDTHH:mm:ss' form used by RecurrenceRule.wall (strict). */
export function parseWallText(text: unknown): number | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text)) return null;
  const p = parseIsoParts(text);
  return p === null ? null : p.wall;
}
