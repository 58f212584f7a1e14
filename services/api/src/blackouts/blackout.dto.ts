import { IsIn, IsString, IsUUID, ValidateBy } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { BLACKOUT_POLICIES, canonicalTimeZone, type BlackoutPolicy } from '@scheduler/recurrence';
import type { FieldError } from '../http/errors';
import { BodyCheck, Name, Nullable, Optional } from '../http/validation';

/** A blackout covers at most this many local days (start and end included). */
export const MAX_BLACKOUT_DAYS = 366;
/** A workspace holds at most this many blackouts. */
export const MAX_BLACKOUTS_PER_WORKSPACE = 1000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** The day number (days since 1970-01-01) of a real calendar date `YYYY-MM-DD`, else null. */
export function dayOf(text: unknown): number | null {
  const m = typeof text === 'string' ? DATE.exec(text) : null;
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  const back = new Date(ms);
  if (+m[1] < 1 || back.getUTCFullYear() !== +m[1] || back.getUTCMonth() !== +m[2] - 1 || back.getUTCDate() !== +m[3]) return null;
  return Math.round(ms / DAY_MS);
}

/** `end_date` not before `start_date`, and the span within `MAX_BLACKOUT_DAYS` (the body's dates or the stored ones). */
export function spanErrors(start: string, end: string): FieldError[] {
  const s = dayOf(start);
  const e = dayOf(end);
  if (s === null || e === null) return [];
  if (e < s) return [{ field: 'end_date', message: 'end_date must not be before start_date' }];
  if (e - s + 1 > MAX_BLACKOUT_DAYS) {
    return [{ field: 'end_date', message: `a blackout covers at most ${MAX_BLACKOUT_DAYS} days (start_date and end_date included)` }];
  }
  return [];
}

/** A real calendar date `YYYY-MM-DD`. */
function LocalDate(): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    ValidateBy({
      name: 'localDate',
      validator: {
        validate: (value) => dayOf(value) !== null,
        defaultMessage: (args) => `${args?.property} must be a calendar date YYYY-MM-DD, such as 2026-12-24`,
      },
    })(target, property);
  };
}

/** An IANA time-zone name the recurrence package knows. */
function TimeZoneName(): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    ValidateBy({
      name: 'timeZone',
      validator: {
        validate: (value) => typeof value === 'string' && canonicalTimeZone(value) !== null,
        defaultMessage: (args) => `${args?.property} must be an IANA time-zone name, such as Europe/Berlin or UTC`,
      },
    })(target, property);
  };
}

/** A body that sends both dates has their order and span checked in the same 422 as its other fields. */
const checkSpan = BodyCheck((body, failed) => {
  const { start_date: start, end_date: end } = body;
  if (typeof start !== 'string' || typeof end !== 'string' || failed.has('start_date') || failed.has('end_date')) return [];
  return spanErrors(start, end);
});

const dateDoc = (what: string) =>
  JSONSchema({ description: `${what}: a local date \`YYYY-MM-DD\` in \`timezone\`, inclusive.`, examples: ['2026-12-24'] });
const zoneDoc = JSONSchema({ description: 'IANA time zone the dates are read in.', examples: ['Europe/Berlin'] });
const campaignDoc = JSONSchema({
  description:
    "A campaign of the caller's workspace: the blackout covers only its schedules. Absent or `null`: every schedule of the workspace.",
});
const policyDoc = JSONSchema({
  description:
    '`skip`: an occurrence inside is recorded `skipped` (reason `blackout: <name>`). `shift`: it runs at the same local time on ' +
    'the first day after the blackout (one run with an occurrence the schedule already has then).',
});

@checkSpan
@JSONSchema({ description: `A new blackout. \`end_date\` is not before \`start_date\`; at most ${MAX_BLACKOUT_DAYS} days.` })
export class CreateBlackoutDto {
  @Name()
  name: string;

  @LocalDate()
  @dateDoc('First day')
  start_date: string;

  @LocalDate()
  @dateDoc('Last day')
  end_date: string;

  @TimeZoneName()
  @zoneDoc
  timezone: string;

  @Nullable()
  @IsUUID('all')
  @campaignDoc
  campaign_id?: string | null;

  @IsIn(BLACKOUT_POLICIES)
  @policyDoc
  policy: BlackoutPolicy;
}

@checkSpan
@JSONSchema({ description: 'Partial update: only the fields sent change; `campaign_id: null` makes it workspace-wide.' })
export class UpdateBlackoutDto {
  @Optional()
  @Name()
  name?: string;

  @Optional()
  @LocalDate()
  @dateDoc('First day')
  start_date?: string;

  @Optional()
  @LocalDate()
  @dateDoc('Last day')
  end_date?: string;

  @Optional()
  @TimeZoneName()
  @zoneDoc
  timezone?: string;

  @Nullable()
  @IsUUID('all')
  @campaignDoc
  campaign_id?: string | null;

  @Optional()
  @IsIn(BLACKOUT_POLICIES)
  @policyDoc
  policy?: BlackoutPolicy;
}
