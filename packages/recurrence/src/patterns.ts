/**
 * weekly:/monthly: patterns and the wall-clock matchers of every schedule type.
 *
 * A matcher works purely on wall values (see civil.ts): `next(from, limit)` is the smallest
 * matching wall value in [from, limit] (Infinity if none) and `matches(wall)` tests one value.
 * Turning wall values into instants (DST gaps and folds) is done in occurrences.ts.
 */
import { DAY_MS, civil, civilFromDays, daysFromCivil, daysInMonth, weekdayOfDays } from './civil';
import { CronMatcher } from './cron';

export interface WallMatcher {
  next(from: number, limit: number): number;
  matches(wall: number): boolean;
}

/* ---------------------------------------------------------------- weekly */

/** Full names in normalized (ISO, Monday-first) order; index -> JS weekday number. */
export const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const ISO_TO_JS = [1, 2, 3, 4, 5, 6, 0];

const WEEKDAY_LOOKUP = new Map<string, number>();
WEEKDAY_NAMES.forEach((name, iso) => {
  WEEKDAY_LOOKUP.set(name, ISO_TO_JS[iso]);
  WEEKDAY_LOOKUP.set(name.slice(0, 3), ISO_TO_JS[iso]);
});

export type PatternResult<T> = { ok: true; value: T; text: string } | { ok: false; message: string };

function shorten(s: string): string {
  return s.length > 20 ? s.slice(0, 20) + '…' : s;
}

/** 'weekly:mon,Thursday' -> JS weekdays (0 = Sunday) + normalized 'weekly:monday,thursday'. */
export function parseWeekly(pattern: string): PatternResult<number[]> {
  const m = /^\s*weekly\s*:(.*)$/i.exec(pattern);
  const usage = 'must look like "weekly:monday" or "weekly:monday,thursday" for weekly schedules';
  if (m === null || pattern.length > 200) return { ok: false, message: usage };
  const days = new Set<number>();
  for (const raw of m[1].split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === '') return { ok: false, message: `${usage} (empty weekday in the list)` };
    const d = WEEKDAY_LOOKUP.get(item);
    if (d === undefined) {
      return { ok: false, message: `unknown weekday "${shorten(raw.trim())}" (use monday..sunday or mon..sun)` };
    }
    days.add(d);
  }
  const names = WEEKDAY_NAMES.filter((_, iso) => days.has(ISO_TO_JS[iso]));
  return { ok: true, value: [...days].sort((a, b) => a - b), text: `weekly:${names.join(',')}` };
}

export function weeklyPatternFor(jsWeekday: number): string {
  return `weekly:${WEEKDAY_NAMES[(jsWeekday + 6) % 7]}`;
}

/* --------------------------------------------------------------- monthly */

/** 'monthly:15,1,last' -> days [1, 15, 31] ('last' is 31: clamped to the month length) + 'monthly:1,15,last'. */
export function parseMonthly(pattern: string): PatternResult<number[]> {
  const m = /^\s*monthly\s*:(.*)$/i.exec(pattern);
  const usage = 'must look like "monthly:1", "monthly:1,15", "monthly:last" or "monthly:15,last" for monthly schedules';
  if (m === null || pattern.length > 200) return { ok: false, message: usage };
  const nums = new Set<number>();
  let last = false;
  for (const raw of m[1].split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === '') return { ok: false, message: `${usage} (empty day in the list)` };
    if (item === 'last') {
      last = true;
      continue;
    }
    if (!/^\d{1,2}$/.test(item) || +item < 1 || +item > 31) {
      return { ok: false, message: `day of month "${shorten(raw.trim())}" must be 1..31 or "last"` };
    }
    nums.add(+item);
  }
  const sorted = [...nums].sort((a, b) => a - b);
  const text = `monthly:${[...sorted.map(String), ...(last ? ['last'] : [])].join(',')}`;
  const days = last && !nums.has(31) ? [...sorted, 31] : sorted;
  return { ok: true, value: days, text };
}

/* -------------------------------------------------------------- matchers */

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Every day at a fixed time of day. */
export class DailyMatcher implements WallMatcher {
  constructor(private readonly tod: number) {}
  next(from: number, limit: number): number {
    let c = Math.floor(from / DAY_MS) * DAY_MS + this.tod;
    if (c < from) c += DAY_MS;
    return c <= limit ? c : Infinity;
  }
  matches(wall: number): boolean {
    return mod(wall, DAY_MS) === this.tod;
  }
}

/** Listed weekdays at a fixed time of day. */
export class WeeklyMatcher implements WallMatcher {
  /** days to add from JS weekday i to reach the next listed weekday (0 if listed) */
  private readonly delta = new Int8Array(7);
  private readonly ok = new Uint8Array(7);
  constructor(
    private readonly tod: number,
    weekdays: number[],
  ) {
    for (const d of weekdays) this.ok[d] = 1;
    for (let i = 0; i < 7; i++) {
      let k = 0;
      while (!this.ok[(i + k) % 7]) k++;
      this.delta[i] = k;
    }
  }
  next(from: number, limit: number): number {
    let day = Math.floor(from / DAY_MS);
    if (day * DAY_MS + this.tod < from) day++;
    day += this.delta[weekdayOfDays(day)];
    const c = day * DAY_MS + this.tod;
    return c <= limit ? c : Infinity;
  }
  matches(wall: number): boolean {
    return mod(wall, DAY_MS) === this.tod && this.ok[weekdayOfDays(Math.floor(wall / DAY_MS))] === 1;
  }
}

/** Listed days of the month (a day the month lacks -> its last day) at a fixed time of day. */
export class MonthlyMatcher implements WallMatcher {
  constructor(
    private readonly tod: number,
    /** sorted ascending, 1..31 */
    private readonly days: number[],
  ) {}
  next(from: number, limit: number): number {
    let day = Math.floor(from / DAY_MS);
    if (day * DAY_MS + this.tod < from) day++;
    civilFromDays(day);
    const dim = daysInMonth(civil.year, civil.month);
    const dom = civil.day;
    const days = this.days;
    let target = -1;
    for (let i = 0; i < days.length; i++) {
      const eff = days[i] < dim ? days[i] : dim;
      if (eff >= dom) {
        target = day + (eff - dom);
        break;
      }
    }
    if (target < 0) {
      const y = civil.month === 12 ? civil.year + 1 : civil.year;
      const m = civil.month === 12 ? 1 : civil.month + 1;
      const first = Math.min(days[0], daysInMonth(y, m));
      target = daysFromCivil(y, m, first);
    }
    const c = target * DAY_MS + this.tod;
    return c <= limit ? c : Infinity;
  }
  matches(wall: number): boolean {
    if (mod(wall, DAY_MS) !== this.tod) return false;
    civilFromDays(Math.floor(wall / DAY_MS));
    const dim = daysInMonth(civil.year, civil.month);
    const dom = civil.day;
    return this.days.some((d) => (d < dim ? d : dim) === dom);
  }
}

/** One nominal wall value (used by `once` for describeOccurrence). */
export class OnceMatcher implements WallMatcher {
  constructor(private readonly wall: number) {}
  next(from: number, limit: number): number {
    return this.wall >= from && this.wall <= limit ? this.wall : Infinity;
  }
  matches(wall: number): boolean {
    return wall === this.wall;
  }
}

export { CronMatcher };
