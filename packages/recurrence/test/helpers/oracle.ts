/**
 * An independent, deliberately naive reference for the occurrence rules, used by the
 * property tests. It shares no code with src/: it reads local time straight from Intl for
 * every minute (or second) of a window and applies the documented rules literally:
 *  - an instant fires when its local wall time matches and that wall time has not been
 *    seen before (fall-back fold: only the first instance fires);
 *  - a wall time skipped by the clock (spring-forward gap) fires at wall - offsetBeforeGap;
 *  - the result is a sorted set of instants.
 */

export interface LocalFields {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Local wall clock of an instant, encoded as Date.UTC(local fields). */
export function localWallMs(zone: string, t: number): number {
  const parts = formatter(zone).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

export function fieldsOfWall(wall: number): LocalFields {
  const d = new Date(wall);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

export function localFields(zone: string, t: number): LocalFields {
  return fieldsOfWall(localWallMs(zone, t));
}

export type WallPredicate = (f: LocalFields) => boolean;

/**
 * All instants in [from, to] that the rules above produce for `matches`, scanning every
 * `stepMs` (60_000 for minute-level rules, 1_000 for rules with seconds).
 */
export function bruteForceOccurrences(
  zone: string,
  matches: WallPredicate,
  from: number,
  to: number,
  stepMs: number,
  /** how far before `from` to start scanning: must exceed the longest fold (1 h in practice) */
  margin = 6 * 3_600_000,
): number[] {
  const found = new Set<number>();
  let u = Math.floor((from - margin) / stepMs) * stepMs;
  let prevWall = localWallMs(zone, u);
  let maxSeen = prevWall;
  for (u += stepMs; u <= to; u += stepMs) {
    const wall = localWallMs(zone, u);
    if (wall - prevWall > stepMs) {
      // the clock jumped forward: wall times (prevWall, wall) do not exist
      const offsetBefore = prevWall - (u - stepMs);
      for (let w = prevWall + stepMs; w < wall; w += stepMs) {
        if (matches(fieldsOfWall(w))) found.add(w - offsetBefore);
      }
    }
    if (wall > maxSeen) {
      if (matches(fieldsOfWall(wall))) found.add(u);
      maxSeen = wall;
    }
    prevWall = wall;
  }
  return [...found].filter((t) => t >= from && t <= to).sort((a, b) => a - b);
}

/** Offset transitions of a zone in a UTC year, located to the minute by plain Intl sampling. */
export function transitionsInYear(zone: string, year: number): number[] {
  const out: number[] = [];
  const offset = (t: number) => localWallMs(zone, t) - t;
  const end = Date.UTC(year + 1, 0, 1);
  let t = Date.UTC(year, 0, 1);
  let o = offset(t);
  for (; t < end; t += 86_400_000) {
    const next = offset(t + 86_400_000);
    if (next !== o) {
      let lo = t;
      let hi = t + 86_400_000;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offset(mid) === next) hi = mid;
        else lo = mid;
      }
      out.push(hi);
      o = next;
    }
  }
  return out;
}

export function daysInMonthOf(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/* ------------------------------------------------------------------ rules as plain data */

export const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
}

export function dailyPredicate(tod: TimeOfDay): WallPredicate {
  return (f) => f.hour === tod.hour && f.minute === tod.minute && f.second === tod.second;
}

export function weeklyPredicate(tod: TimeOfDay, weekdays: number[]): WallPredicate {
  const daily = dailyPredicate(tod);
  return (f) => daily(f) && weekdays.includes(f.weekday);
}

/** days: 1..31, with 'last' given as 31 */
export function monthlyPredicate(tod: TimeOfDay, days: number[]): WallPredicate {
  const daily = dailyPredicate(tod);
  return (f) => daily(f) && days.some((n) => Math.min(n, daysInMonthOf(f.year, f.month)) === f.day);
}

/** A cron field as data: '*', '*' with step, a list, a range with optional step. */
export type CronFieldSpec =
  | { kind: 'star' }
  | { kind: 'starStep'; step: number }
  | { kind: 'list'; values: number[] }
  | { kind: 'range'; from: number; to: number; step: number };

export interface CronSpecData {
  seconds: CronFieldSpec | null; // null = 5-field expression
  minute: CronFieldSpec;
  hour: CronFieldSpec;
  dom: CronFieldSpec;
  month: CronFieldSpec;
  dow: CronFieldSpec;
}

export function cronFieldText(f: CronFieldSpec): string {
  switch (f.kind) {
    case 'star':
      return '*';
    case 'starStep':
      return `*/${f.step}`;
    case 'list':
      return f.values.join(',');
    case 'range':
      return f.step === 1 ? `${f.from}-${f.to}` : `${f.from}-${f.to}/${f.step}`;
  }
}

export function cronText(c: CronSpecData): string {
  const fields = [c.minute, c.hour, c.dom, c.month, c.dow].map(cronFieldText);
  return (c.seconds ? [cronFieldText(c.seconds), ...fields] : fields).join(' ');
}

function fieldValues(f: CronFieldSpec, min: number, max: number): number[] {
  const out: number[] = [];
  switch (f.kind) {
    case 'star':
      for (let v = min; v <= max; v++) out.push(v);
      break;
    case 'starStep':
      for (let v = min; v <= max; v += f.step) out.push(v);
      break;
    case 'list':
      out.push(...f.values);
      break;
    case 'range':
      for (let v = f.from; v <= f.to; v += f.step) out.push(v);
      break;
  }
  return out;
}

/** Vixie semantics: dom/dow OR-ed only when neither field text starts with '*'. */
export function cronPredicate(c: CronSpecData): WallPredicate {
  const sec = c.seconds ? fieldValues(c.seconds, 0, 59) : [0];
  const min = fieldValues(c.minute, 0, 59);
  const hour = fieldValues(c.hour, 0, 23);
  const dom = fieldValues(c.dom, 1, 31);
  const month = fieldValues(c.month, 1, 12);
  const dow = fieldValues(c.dow, 0, 6).map((d) => d % 7);
  const domStar = cronFieldText(c.dom).startsWith('*');
  const dowStar = cronFieldText(c.dow).startsWith('*');
  return (f) => {
    if (!sec.includes(f.second) || !min.includes(f.minute) || !hour.includes(f.hour) || !month.includes(f.month)) {
      return false;
    }
    const a = dom.includes(f.day);
    const b = dow.includes(f.weekday);
    return domStar || dowStar ? a && b : a || b;
  };
}
