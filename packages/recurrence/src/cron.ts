/**
 * Cron expressions: parsing (with precise error messages, never exceptions) and the search
 * for the next matching local wall-clock time.
 *
 * Grammar (Vixie cron, plus an optional leading seconds field):
 *   [second] minute hour day-of-month month day-of-week
 *   item  := '*' | value | value '-' value        optionally followed by '/' step
 *   field := item (',' item)*
 * Month names JAN-DEC and day names SUN-SAT are accepted (any case), day-of-week 0-7 with
 * 0 and 7 both Sunday. `value/step` (no range) means value..max/step. Macros @yearly,
 * @annually, @monthly, @weekly, @daily, @midnight and @hourly are accepted.
 * Not supported (error): L, W, #, ?, @reboot, wrap-around ranges such as FRI-MON.
 *
 * Day matching follows Vixie cron exactly: when the day-of-month or the day-of-week field
 * starts with '*', a day must match both fields; otherwise (both restricted) a day matches
 * when EITHER field matches.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, civil, civilFromDays, daysFromCivil, weekdayOfDays } from './civil';

export interface CronSpec {
  /** normalized text (whitespace collapsed, names upper-case, macros lower-case) */
  text: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday .. 6 = Saturday */
  daysOfWeek: number[];
  /** Vixie flags: the day-of-month / day-of-week field text starts with '*' */
  domStar: boolean;
  dowStar: boolean;
}

export type CronParseResult = { ok: true; spec: CronSpec } | { ok: false; message: string };

interface FieldDef {
  name: string;
  min: number;
  max: number;
  /** the values of '*' */
  starMax: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldDef[] = [
  { name: 'second', min: 0, max: 59, starMax: 59 },
  { name: 'minute', min: 0, max: 59, starMax: 59 },
  { name: 'hour', min: 0, max: 23, starMax: 23 },
  { name: 'day-of-month', min: 1, max: 31, starMax: 31 },
  { name: 'month', min: 1, max: 12, starMax: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 0, max: 7, starMax: 6, names: DAY_NAMES },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Largest day of each month in any year (February 29 exists in leap years). */
const MAX_MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function shorten(s: string): string {
  return s.length > 20 ? s.slice(0, 20) + '…' : s;
}

function parseValue(token: string, def: FieldDef): number | string {
  if (/^\d+$/.test(token)) {
    const v = token.length > 4 ? Infinity : Number(token);
    if (v < def.min || v > def.max) return `${def.name} value ${shorten(token)} is out of range ${def.min}-${def.max}`;
    return v;
  }
  if (def.names) {
    const i = def.names.indexOf(token.toUpperCase());
    if (i >= 0) return def.name === 'month' ? i + 1 : i;
  }
  if (/^[LW]$|^\d+[LW]$|^L[W-]|^LW$/i.test(token)) {
    return `${def.name} field: "${shorten(token)}" is not supported (L, W, # and ? are not supported)`;
  }
  return `${def.name} field: "${shorten(token)}" is not a valid value`;
}

function parseField(text: string, def: FieldDef): number[] | string {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return `${def.name} field has an empty list item`;
    if (/[#?]/.test(item)) return `${def.name} field: "${shorten(item)}" is not supported (L, W, # and ? are not supported)`;
    const m = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/([0-9]+))?$/.exec(item);
    if (m === null) return `${def.name} field: "${shorten(item)}" is not valid cron syntax`;
    let lo: number;
    let hi: number;
    if (m[1] === '*') {
      if (m[2] !== undefined) return `${def.name} field: "${shorten(item)}" is not valid cron syntax`;
      lo = def.min;
      hi = def.starMax;
    } else {
      const a = parseValue(m[1], def);
      if (typeof a === 'string') return a;
      lo = a;
      if (m[2] !== undefined) {
        const b = parseValue(m[2], def);
        if (typeof b === 'string') return b;
        if (b < a) return `${def.name} field: range "${shorten(item)}" runs backwards (wrap-around ranges are not supported)`;
        hi = b;
      } else {
        hi = m[3] !== undefined ? def.starMax : a;
      }
    }
    let step = 1;
    if (m[3] !== undefined) {
      const count = def.starMax - def.min + 1;
      step = m[3].length > 4 ? Infinity : Number(m[3]);
      if (step < 1 || step > count) return `${def.name} field: step ${shorten(m[3])} must be between 1 and ${count}`;
    }
    for (let v = lo; v <= hi; v += step) values.add(def.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return [...values].sort((x, y) => x - y);
}

/** Parses a cron expression; never throws. */
export function parseCron(input: string): CronParseResult {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, message: 'cron expression must not be empty' };
  if (trimmed.length > 200) return { ok: false, message: 'cron expression is too long (max 200 characters)' };
  let text: string;
  let body: string;
  if (trimmed.startsWith('@')) {
    text = trimmed.toLowerCase();
    const expansion = MACROS[text];
    if (expansion === undefined) {
      return { ok: false, message: `unsupported cron macro "${shorten(trimmed)}" (supported: ${Object.keys(MACROS).join(', ')})` };
    }
    body = expansion;
  } else {
    body = trimmed;
    text = trimmed.split(/\s+/).join(' ').toUpperCase();
  }
  const parts = body.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    return {
      ok: false,
      message: `cron expression must have 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, got ${parts.length}`,
    };
  }
  const fields = parts.length === 5 ? ['0', ...parts] : parts;
  const sets: number[][] = [];
  for (let i = 0; i < 6; i++) {
    const r = parseField(fields[i], FIELDS[i]);
    if (typeof r === 'string') return { ok: false, message: r };
    sets.push(r);
  }
  const spec: CronSpec = {
    text,
    seconds: sets[0],
    minutes: sets[1],
    hours: sets[2],
    daysOfMonth: sets[3],
    months: sets[4],
    daysOfWeek: sets[5],
    domStar: fields[3].startsWith('*'),
    dowStar: fields[5].startsWith('*'),
  };
  const orDays = !spec.domStar && !spec.dowStar;
  if (!orDays) {
    // A day must match the day-of-month set: some listed month must have some listed day.
    const possible = spec.months.some((mo) => spec.daysOfMonth.some((d) => d <= MAX_MONTH_DAYS[mo]));
    if (!possible) return { ok: false, message: 'cron expression can never fire (no listed month has any of the listed days)' };
  }
  return { ok: true, spec };
}

function table(values: number[], size: number): { ok: Uint8Array; next: Int8Array } {
  const ok = new Uint8Array(size);
  for (const v of values) ok[v] = 1;
  const next = new Int8Array(size).fill(-1);
  let n = -1;
  for (let i = size - 1; i >= 0; i--) {
    if (ok[i]) n = i;
    next[i] = n;
  }
  return { ok, next };
}

/** Next-match search over wall values for a cron spec. */
export class CronMatcher {
  private readonly secNext: Int8Array;
  private readonly minNext: Int8Array;
  private readonly hourNext: Int8Array;
  private readonly secOk: Uint8Array;
  private readonly minOk: Uint8Array;
  private readonly hourOk: Uint8Array;
  private readonly domOk: Uint8Array;
  private readonly monthOk: Uint8Array;
  private readonly dowOk: Uint8Array;
  private readonly orDays: boolean;
  private readonly firstSecMs: number;
  private readonly firstMinMs: number;

  constructor(spec: CronSpec) {
    const s = table(spec.seconds, 60);
    const mi = table(spec.minutes, 60);
    const h = table(spec.hours, 24);
    this.secNext = s.next;
    this.secOk = s.ok;
    this.minNext = mi.next;
    this.minOk = mi.ok;
    this.hourNext = h.next;
    this.hourOk = h.ok;
    this.domOk = table(spec.daysOfMonth, 32).ok;
    this.monthOk = table(spec.months, 13).ok;
    this.dowOk = table(spec.daysOfWeek, 7).ok;
    this.orDays = !spec.domStar && !spec.dowStar;
    this.firstSecMs = spec.seconds[0] * SECOND_MS;
    this.firstMinMs = spec.minutes[0] * MINUTE_MS;
  }

  private dayOk(dom: number, days: number): boolean {
    const a = this.domOk[dom] === 1;
    const b = this.dowOk[weekdayOfDays(days)] === 1;
    return this.orDays ? a || b : a && b;
  }

  /** Does this wall value (whole seconds) match the expression? */
  matches(wall: number): boolean {
    if (wall % SECOND_MS !== 0) return false;
    const days = Math.floor(wall / DAY_MS);
    const rem = wall - days * DAY_MS;
    civilFromDays(days);
    return (
      this.monthOk[civil.month] === 1 &&
      this.dayOk(civil.day, days) &&
      this.hourOk[Math.floor(rem / HOUR_MS)] === 1 &&
      this.minOk[Math.floor((rem % HOUR_MS) / MINUTE_MS)] === 1 &&
      this.secOk[Math.floor((rem % MINUTE_MS) / SECOND_MS)] === 1
    );
  }

  /** Smallest matching wall value >= from and <= limit, or Infinity. */
  next(from: number, limit: number): number {
    let t = Math.ceil(from / SECOND_MS) * SECOND_MS;
    while (t <= limit) {
      const days = Math.floor(t / DAY_MS);
      civilFromDays(days);
      const month = civil.month;
      if (this.monthOk[month] !== 1) {
        let y = civil.year;
        let m = month;
        do {
          m++;
          if (m > 12) {
            m = 1;
            y++;
          }
        } while (this.monthOk[m] !== 1);
        t = daysFromCivil(y, m, 1) * DAY_MS;
        continue;
      }
      const dayStart = days * DAY_MS;
      if (!this.dayOk(civil.day, days)) {
        t = dayStart + DAY_MS;
        continue;
      }
      const rem = t - dayStart;
      const h = Math.floor(rem / HOUR_MS);
      const nh = this.hourNext[h];
      if (nh < 0) {
        t = dayStart + DAY_MS;
        continue;
      }
      let r: number;
      if (nh > h) {
        r = dayStart + nh * HOUR_MS + this.firstMinMs + this.firstSecMs;
      } else {
        const mi = Math.floor((rem - h * HOUR_MS) / MINUTE_MS);
        const nm = this.minNext[mi];
        if (nm < 0) {
          t = dayStart + (h + 1) * HOUR_MS;
          continue;
        }
        if (nm > mi) {
          r = dayStart + h * HOUR_MS + nm * MINUTE_MS + this.firstSecMs;
        } else {
          const s = Math.floor((rem - h * HOUR_MS - mi * MINUTE_MS) / SECOND_MS);
          const ns = this.secNext[s];
          if (ns < 0) {
            t = dayStart + h * HOUR_MS + (mi + 1) * MINUTE_MS;
            continue;
          }
          r = dayStart + h * HOUR_MS + mi * MINUTE_MS + ns * SECOND_MS;
        }
      }
      return r <= limit ? r : Infinity;
    }
    return Infinity;
  }
}
