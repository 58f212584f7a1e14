export const SCHEDULE_TYPES = ['once', 'daily', 'weekly', 'monthly', 'cron'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

/** A validation error on one API field (snake_case name, as in the request body). */
export interface FieldError {
  field: string;
  message: string;
}

/** Raw, untrusted values straight from a JSON body or a DB row. */
export interface ScheduleInput {
  /** required: one of SCHEDULE_TYPES */
  schedule_type: unknown;
  /** string (ISO 8601, with or without offset) or Date; optional for cron */
  scheduled_at?: unknown;
  /** string | null | undefined */
  recurrence_pattern?: unknown;
  /** IANA zone, default 'UTC' */
  timezone?: unknown;
  /** string | Date | null | undefined */
  recurrence_end_date?: unknown;
  /** integer >= 1 | null | undefined */
  max_runs?: unknown;
}

/** A validated schedule. Plain JSON-serializable object (it travels inside Redis as JSON). */
export interface RecurrenceRule {
  type: ScheduleType;
  /** IANA zone name as given by the client (validated) */
  timezone: string;
  /** ISO UTC instant ('...Z', whole seconds): occurrences are >= start */
  start: string;
  /** local wall-clock 'YYYY-MM-DDTHH:mm:ss' of scheduled_at in timezone (time of day to keep) */
  wall: string;
  /** normalized pattern ('weekly:monday,thursday', 'monthly:1,15,last', cron text) or null */
  pattern: string | null;
  /** ISO UTC instant of recurrence_end_date; no occurrence after it */
  end: string | null;
}

export type ParseResult = { ok: true; rule: RecurrenceRule } | { ok: false; errors: FieldError[] };

export interface ParseOptions {
  /** "now" for requireFutureStart and for a cron without scheduled_at (default: new Date()) */
  now?: Date;
  /** API create/update: scheduled_at must be strictly after now */
  requireFutureStart?: boolean;
}

export interface OccurrenceView {
  /** UTC ISO with Z and milliseconds: '2027-03-14T13:00:00.000Z' */
  at: string;
  /** ISO with the zone's offset: '2027-03-14T09:00:00-04:00' */
  local: string;
  /** true when a DST gap moved this occurrence off its nominal wall-clock time */
  dst_adjusted: boolean;
}
