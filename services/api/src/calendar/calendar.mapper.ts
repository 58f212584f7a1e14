import { JOB_STATUSES } from '@scheduler/entities';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Instant, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';
import { CALENDAR_STATES, type CalendarDays, type CalendarItem, type CalendarPage } from './calendar.service';

export const CalendarOccurrenceResponse = named(
  'CalendarOccurrence',
  Closed({
    schedule_id: Uuid('The schedule the occurrence belongs to.'),
    schedule_name: Type.String({ minLength: 1, maxLength: NAME_LENGTH, description: "The schedule's current name." }),
    campaign: Nullable(
      Closed({
        id: Uuid(),
        name: Type.String({ maxLength: NAME_LENGTH }),
        color: Nullable(Type.String({ pattern: '^#[0-9A-F]{6}$', description: 'Stored upper-case.' })),
      }),
      { description: "The schedule's campaign, or null." },
    ),
    publisher_domain: Nullable(
      Type.String({ description: "The merged job config's `publisher_domain` (the schedule's, else its template's)." }),
    ),
    at: Instant('The occurrence instant, UTC.'),
    local: Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?[+-]\\d{2}:\\d{2}(:\\d{2})?$',
      description: "The same instant as wall time in the schedule's zone, with its offset.",
      examples: ['2027-03-14T09:00:00-04:00'],
    }),
    timezone: Type.String({ description: "The schedule's IANA time zone." }),
    dst_adjusted: Type.Boolean({ description: 'True where a DST gap moved the run off its nominal wall-clock time (future occurrences).' }),
    state: OneOf(CALENDAR_STATES, {
      description:
        '`planned`, `paused` (would run, the schedule or campaign is paused), `skipped` (`reason` says why), and for the past ' +
        '`materialized` (a Job exists), `missed`, `failed`.',
    }),
    job_id: Nullable(Uuid('The Job of a materialized occurrence.')),
    job_status: Nullable(OneOf(JOB_STATUSES, { description: "That Job's status now." })),
    reason: Nullable(Type.String({ description: 'Why it is skipped, paused, missed or failed.' })),
  }),
);
export type CalendarOccurrenceResponse = Static<typeof CalendarOccurrenceResponse>;

export const CalendarResponse = named(
  'Calendar',
  Closed({
    from: Instant('The window start asked for (inclusive).'),
    to: Instant('The window end asked for (exclusive).'),
    occurrences: Type.Array(CalendarOccurrenceResponse, { description: 'This page, soonest first (ties by schedule id).' }),
    next_cursor: Nullable(
      Type.String({ description: 'Pass as `cursor=` (with the same other parameters) for the next page; null on the last.' }),
    ),
  }),
);
export type CalendarResponse = Static<typeof CalendarResponse>;

export function calendarOccurrenceResponse(i: CalendarItem): CalendarOccurrenceResponse {
  return {
    schedule_id: i.scheduleId,
    schedule_name: i.scheduleName,
    campaign: i.campaign ? { id: i.campaign.id, name: i.campaign.name, color: i.campaign.color } : null,
    publisher_domain: i.publisherDomain,
    at: i.at.toISOString(),
    local: i.local,
    timezone: i.timezone,
    dst_adjusted: i.dstAdjusted,
    state: i.state,
    job_id: i.jobId,
    job_status: i.jobStatus,
    reason: i.reason,
  };
}

export function calendarResponse(p: CalendarPage): CalendarResponse {
  return {
    from: p.from.toISOString(),
    to: p.to.toISOString(),
    occurrences: p.items.map(calendarOccurrenceResponse),
    next_cursor: p.nextCursor,
  };
}

export const CalendarDaysResponse = named(
  'CalendarDays',
  Closed({
    from: Instant('The window start asked for (inclusive).'),
    to: Instant('The window end asked for (exclusive).'),
    timezone: Type.String({ description: 'The IANA zone the days are of (canonical spelling).' }),
    days: Type.Array(
      Closed({
        date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The local date in `timezone`.', examples: ['2027-03-14'] }),
        count: Type.Integer({ minimum: 1, description: 'Every occurrence of that day in the window.' }),
        occurrences: Type.Array(CalendarOccurrenceResponse, { description: 'Its first `per_day`, soonest first (ties by schedule id).' }),
      }),
      { description: 'Every day with at least one occurrence, in date order.' },
    ),
  }),
);
export type CalendarDaysResponse = Static<typeof CalendarDaysResponse>;

export function calendarDaysResponse(d: CalendarDays): CalendarDaysResponse {
  return {
    from: d.from.toISOString(),
    to: d.to.toISOString(),
    timezone: d.timezone,
    days: d.days.map((day) => ({ date: day.date, count: day.count, occurrences: day.items.map(calendarOccurrenceResponse) })),
  };
}
