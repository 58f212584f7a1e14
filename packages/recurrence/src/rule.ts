/** Validation of raw schedule input into a RecurrenceRule; rule (de)serialization. */
import { SECOND_MS, formatWall } from './civil';
import { PatternCheck, checkPattern, compileRule, compiled, isScheduleType } from './compile';
import { inInstantRange, parseIsoParts, partsToInstant } from './iso';
import { firstOccurrenceMs } from './occurrences';
import { FieldError, ParseOptions, ParseResult, RecurrenceRule, SCHEDULE_TYPES, ScheduleInput, ScheduleType } from './types';
import { TimeZone, canonicalTimeZone, getTimeZone } from './zone';

/** Largest max_runs accepted (fits a PostgreSQL integer column). */
export const MAX_RUNS_LIMIT = 2_147_483_647;
/** The time zone of a schedule that names none. */
export const DEFAULT_TIME_ZONE = 'UTC';

/* ------------------------------------------------------------- validation */

type InstantField =
  | { kind: 'absent' }
  | { kind: 'invalid' }
  /** naive text and the zone is unknown: reported on `timezone` only */
  | { kind: 'unresolved' }
  | { kind: 'ok'; ms: number; naiveWall: number | null };

const ISO_HINT = 'must be an ISO 8601 date-time, e.g. "2027-03-14T09:00:00" (wall-clock time in timezone) or "2027-03-14T13:00:00Z"';
const RANGE_HINT = 'must be between 1900-01-01 and 9999-12-31';

function readInstant(value: unknown, field: string, zone: TimeZone | null, errors: FieldError[]): InstantField {
  if (value === undefined || value === null) return { kind: 'absent' };
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) {
      errors.push({ field, message: 'must be a valid date' });
      return { kind: 'invalid' };
    }
    if (!inInstantRange(ms)) {
      errors.push({ field, message: RANGE_HINT });
      return { kind: 'invalid' };
    }
    return { kind: 'ok', ms, naiveWall: null };
  }
  if (typeof value !== 'string') {
    errors.push({ field, message: ISO_HINT });
    return { kind: 'invalid' };
  }
  const parts = parseIsoParts(value);
  if (parts === null) {
    errors.push({ field, message: ISO_HINT });
    return { kind: 'invalid' };
  }
  if (parts.offset === null && zone === null) return { kind: 'unresolved' };
  const ms = partsToInstant(parts, zone);
  if (ms === null) {
    errors.push({ field, message: RANGE_HINT });
    return { kind: 'invalid' };
  }
  return { kind: 'ok', ms, naiveWall: parts.offset === null ? parts.wall : null };
}

/**
 * Validates raw schedule input (a JSON body or a DB row) into a RecurrenceRule, collecting
 * every field error. Never throws.
 */
export function parseSchedule(input: ScheduleInput, options?: ParseOptions): ParseResult {
  try {
    return parseUnsafe(input, options);
  } catch {
    // Defensive: hostile objects (throwing getters, proxies) must not turn into a 500.
    // From JSON the one way here is an instant whose local time leaves the supported range.
    return {
      ok: false,
      errors: [{ field: 'scheduled_at', message: 'the schedule could not be computed from this start (out of the supported range)' }],
    };
  }
}

function parseUnsafe(input: ScheduleInput, options?: ParseOptions): ParseResult {
  const errors: FieldError[] = [];
  const src: Partial<ScheduleInput> = typeof input === 'object' && input !== null ? input : {};
  const nowOpt = options?.now;
  const nowMs = nowOpt instanceof Date && !Number.isNaN(nowOpt.getTime()) ? nowOpt.getTime() : Date.now();

  // schedule_type
  const rawType = src.schedule_type;
  let type: ScheduleType | null = null;
  if (rawType === undefined || rawType === null) errors.push({ field: 'schedule_type', message: 'is required' });
  else if (!isScheduleType(rawType)) {
    errors.push({ field: 'schedule_type', message: `must be one of ${SCHEDULE_TYPES.join(', ')}` });
  } else type = rawType;

  // timezone
  const rawTz = src.timezone;
  let timezone = DEFAULT_TIME_ZONE;
  let zone: TimeZone | null = null;
  if (rawTz === undefined || rawTz === null) zone = getTimeZone(DEFAULT_TIME_ZONE);
  else if (typeof rawTz !== 'string') {
    errors.push({ field: 'timezone', message: 'must be a string: an IANA time zone such as "America/New_York"' });
  } else {
    zone = getTimeZone(rawTz);
    if (zone === null) {
      errors.push({ field: 'timezone', message: 'must be a valid IANA time zone such as "America/New_York" or "UTC"' });
    } else timezone = canonicalTimeZone(rawTz) ?? rawTz;
  }

  // scheduled_at
  const at = readInstant(src.scheduled_at, 'scheduled_at', zone, errors);
  if (at.kind === 'absent' && type !== null && type !== 'cron') {
    errors.push({ field: 'scheduled_at', message: `is required for ${type} schedules` });
  }
  if (at.kind === 'ok' && options?.requireFutureStart && !(at.ms > nowMs)) {
    errors.push({ field: 'scheduled_at', message: 'must be in the future' });
  }

  // recurrence_end_date
  const end = readInstant(src.recurrence_end_date, 'recurrence_end_date', zone, errors);

  // max_runs
  const maxRuns = src.max_runs;
  if (
    maxRuns !== undefined &&
    maxRuns !== null &&
    !(typeof maxRuns === 'number' && Number.isInteger(maxRuns) && maxRuns >= 1 && maxRuns <= MAX_RUNS_LIMIT)
  ) {
    errors.push({ field: 'max_runs', message: `must be an integer between 1 and ${MAX_RUNS_LIMIT}, or null` });
  }

  // start and wall-clock time
  let startMs: number | null = null;
  let wallMs: number | null = null;
  if (zone !== null) {
    if (at.kind === 'ok') {
      if (at.naiveWall !== null) {
        wallMs = at.naiveWall;
        startMs = zone.wallToInstant(wallMs);
      } else {
        startMs = Math.floor(at.ms / SECOND_MS) * SECOND_MS;
        wallMs = zone.toWall(startMs);
      }
    } else if (at.kind === 'absent' && type === 'cron') {
      startMs = Math.ceil(nowMs / SECOND_MS) * SECOND_MS;
      wallMs = zone.toWall(startMs);
    }
  }

  if (end.kind === 'ok') {
    if (at.kind === 'ok' && !(end.ms > at.ms)) {
      errors.push({ field: 'recurrence_end_date', message: 'must be after scheduled_at' });
    } else if (at.kind === 'absent' && startMs !== null && !(end.ms > startMs)) {
      errors.push({ field: 'recurrence_end_date', message: 'must be after the schedule start (now, as scheduled_at is absent)' });
    }
  }

  // recurrence_pattern
  const rawPattern = src.recurrence_pattern;
  let pattern: string | null = null;
  let patternOk = true;
  if (rawPattern !== undefined && rawPattern !== null) {
    if (typeof rawPattern !== 'string') {
      errors.push({ field: 'recurrence_pattern', message: 'must be a string or null' });
      patternOk = false;
    } else pattern = rawPattern;
  }
  let check: PatternCheck | null = null;
  if (type !== null && patternOk) {
    // The default weekly/monthly pattern needs the wall-clock date; any date will do to validate.
    check = checkPattern(type, pattern, wallMs ?? 0);
    if (!check.ok) errors.push({ field: 'recurrence_pattern', message: check.message });
  }

  if (errors.length > 0 || type === null || zone === null || startMs === null || wallMs === null || check === null || !check.ok) {
    if (errors.length === 0) errors.push({ field: 'scheduled_at', message: ISO_HINT }); // unreachable in practice
    return { ok: false, errors };
  }

  const rule: RecurrenceRule = {
    type,
    timezone,
    start: new Date(startMs).toISOString(),
    wall: formatWall(wallMs),
    pattern: check.text,
    end: end.kind === 'ok' ? new Date(end.ms).toISOString() : null,
  };
  // A schedule that would never run is refused rather than silently "completed".
  const c = compiled(rule);
  const first = firstOccurrenceMs(c);
  if (first === null) {
    if (c.endMs !== Infinity && firstOccurrenceMs({ ...c, endMs: Infinity }) !== null) {
      return {
        ok: false,
        errors: [{ field: 'recurrence_end_date', message: 'no run would happen between scheduled_at and recurrence_end_date' }],
      };
    }
    return { ok: false, errors: [{ field: 'scheduled_at', message: 'no run would happen on or after scheduled_at (before year 10000)' }] };
  }
  return { ok: true, rule };
}

/** Compact JSON of a rule (fixed key order). */
export function serializeRule(rule: RecurrenceRule): string {
  return JSON.stringify({
    type: rule.type,
    timezone: rule.timezone,
    start: rule.start,
    wall: rule.wall,
    pattern: rule.pattern,
    end: rule.end,
  });
}

/** Rule from serializeRule's JSON; null on anything malformed (never throws). Unknown keys are dropped. */
export function deserializeRule(text: string): RecurrenceRule | null {
  try {
    if (typeof text !== 'string' || text.length > 10_000) return null;
    const value: unknown = JSON.parse(text);
    const c = compileRule(value);
    return typeof c === 'string' ? null : c.rule;
  } catch {
    return null;
  }
}
