/** Compilation of a RecurrenceRule into the matcher and constants the occurrence functions use. */
import { DAY_MS, civil, civilFromDays, formatWall, weekdayOfDays } from './civil';
import { parseCron } from './cron';
import { parseIsoParts, parseWallText, partsToInstant } from './iso';
import {
  CronMatcher,
  DailyMatcher,
  MonthlyMatcher,
  OnceMatcher,
  WallMatcher,
  WeeklyMatcher,
  parseMonthly,
  parseWeekly,
  weeklyPatternFor,
} from './patterns';
import { RecurrenceRule, SCHEDULE_TYPES, ScheduleType } from './types';
import { TimeZone, getTimeZone } from './zone';

/** A rule with everything precomputed for the occurrence functions. */
export interface CompiledRule {
  readonly rule: RecurrenceRule;
  readonly type: ScheduleType;
  readonly zone: TimeZone;
  readonly startMs: number;
  /** Infinity when the rule has no end */
  readonly endMs: number;
  readonly wallMs: number;
  readonly matcher: WallMatcher;
}

export type PatternCheck = { ok: true; text: string | null; matcher: WallMatcher } | { ok: false; message: string };

/** Validates a pattern for a type and builds its matcher. `pattern` null means "absent". */
export function checkPattern(type: ScheduleType, pattern: string | null, wallMs: number): PatternCheck {
  const tod = ((wallMs % DAY_MS) + DAY_MS) % DAY_MS;
  switch (type) {
    case 'once':
    case 'daily':
      if (pattern !== null) {
        return { ok: false, message: `must be null or absent for ${type} schedules` };
      }
      return { ok: true, text: null, matcher: type === 'once' ? new OnceMatcher(wallMs) : new DailyMatcher(tod) };
    case 'weekly': {
      if (pattern === null) {
        const d = weekdayOfDays(Math.floor(wallMs / DAY_MS));
        return { ok: true, text: weeklyPatternFor(d), matcher: new WeeklyMatcher(tod, [d]) };
      }
      const r = parseWeekly(pattern);
      return r.ok ? { ok: true, text: r.text, matcher: new WeeklyMatcher(tod, r.value) } : r;
    }
    case 'monthly': {
      if (pattern === null) {
        civilFromDays(Math.floor(wallMs / DAY_MS));
        const day = civil.day;
        return { ok: true, text: `monthly:${day}`, matcher: new MonthlyMatcher(tod, [day]) };
      }
      const r = parseMonthly(pattern);
      return r.ok ? { ok: true, text: r.text, matcher: new MonthlyMatcher(tod, r.value) } : r;
    }
    case 'cron': {
      if (pattern === null) {
        return { ok: false, message: 'is required for cron schedules (e.g. "0 9 * * 1")' };
      }
      return cronCheck(pattern);
    }
  }
}

/** How many distinct cron expressions `cronCheck` keeps (oldest forgotten first). */
export const CRON_CHECK_CACHE_SIZE = 1000;
const cronChecks = new Map<string, PatternCheck>();

/**
 * A cron expression's check and matcher, kept by its text: neither depends on the schedule's start,
 * and the matcher is immutable, so the rows of an import (or the pages of a calendar) that share an
 * expression parse it once.
 */
function cronCheck(pattern: string): PatternCheck {
  const known = cronChecks.get(pattern);
  if (known) return known;
  const r = parseCron(pattern);
  const check: PatternCheck = r.ok ? { ok: true, text: r.spec.text, matcher: new CronMatcher(r.spec) } : { ok: false, message: r.message };
  if (cronChecks.size >= CRON_CHECK_CACHE_SIZE) cronChecks.delete(cronChecks.keys().next().value as string);
  cronChecks.set(pattern, check);
  return check;
}

export function isScheduleType(v: unknown): v is ScheduleType {
  return typeof v === 'string' && (SCHEDULE_TYPES as readonly string[]).includes(v);
}

/** Instant of an ISO string carrying an explicit offset, or null. */
function absoluteInstant(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const p = parseIsoParts(v);
  if (p === null || p.offset === null) return null;
  return partsToInstant(p, null);
}

/** Compiles a rule-shaped value; returns an error message when it is not a valid rule. */
export function compileRule(value: unknown): CompiledRule | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'rule must be an object';
  const r = value as Record<string, unknown>;
  if (!isScheduleType(r.type)) return 'rule.type is not a schedule type';
  const type = r.type;
  if (typeof r.timezone !== 'string') return 'rule.timezone must be a string';
  const zone = getTimeZone(r.timezone);
  if (zone === null) return 'rule.timezone is not a known time zone';
  const startMs = absoluteInstant(r.start);
  if (startMs === null) return 'rule.start must be an ISO instant with offset';
  const wallMs = parseWallText(r.wall);
  if (wallMs === null) return "rule.wall must be 'YYYY-MM-DDTHH:mm:ss'";
  let endMs = Infinity;
  if (r.end !== null && r.end !== undefined) {
    const e = absoluteInstant(r.end);
    if (e === null) return 'rule.end must be null or an ISO instant with offset';
    endMs = e;
  }
  if (r.pattern !== null && r.pattern !== undefined && typeof r.pattern !== 'string') {
    return 'rule.pattern must be a string or null';
  }
  const pattern = typeof r.pattern === 'string' ? r.pattern : null;
  if ((type === 'weekly' || type === 'monthly') && pattern === null) return `rule.pattern is required for ${type}`;
  const check = checkPattern(type, pattern, wallMs);
  if (!check.ok) return `rule.pattern ${check.message}`;
  const rule: RecurrenceRule = {
    type,
    timezone: r.timezone,
    start: new Date(startMs).toISOString(),
    wall: formatWall(wallMs),
    pattern: check.text,
    end: endMs === Infinity ? null : new Date(endMs).toISOString(),
  };
  return { rule, type, zone, startMs, endMs, wallMs, matcher: check.matcher };
}

interface CacheEntry {
  compiled: CompiledRule;
  type: unknown;
  timezone: unknown;
  start: unknown;
  wall: unknown;
  pattern: unknown;
  end: unknown;
}

const cache = new WeakMap<object, CacheEntry>();

/** Compiled form of a rule (cached per rule object; re-validated if the object was mutated). Throws TypeError when invalid. */
export function compiled(rule: RecurrenceRule): CompiledRule {
  if (typeof rule === 'object' && rule !== null) {
    const hit = cache.get(rule);
    if (
      hit !== undefined &&
      hit.type === rule.type &&
      hit.timezone === rule.timezone &&
      hit.start === rule.start &&
      hit.wall === rule.wall &&
      hit.pattern === rule.pattern &&
      hit.end === rule.end
    ) {
      return hit.compiled;
    }
  }
  const c = compileRule(rule);
  if (typeof c === 'string') throw new TypeError(`invalid RecurrenceRule: ${c}`);
  cache.set(rule, {
    compiled: c,
    type: rule.type,
    timezone: rule.timezone,
    start: rule.start,
    wall: rule.wall,
    pattern: rule.pattern,
    end: rule.end,
  });
  return c;
}
