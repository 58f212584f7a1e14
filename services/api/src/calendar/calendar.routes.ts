import type { AppDeps } from '../deps';
import { listQuery, query, type QueryParam } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { canonicalTimeZone } from '@scheduler/recurrence';
import { calendarDaysResponse, CalendarDaysResponse, calendarResponse, CalendarResponse } from './calendar.mapper';
import {
  CALENDAR_STATES,
  CalendarService,
  DEFAULT_CALENDAR_LIMIT,
  DEFAULT_PER_DAY,
  MAX_CALENDAR_LIMIT,
  MAX_DAYS_WINDOW_DAYS,
  MAX_PER_DAY,
  MAX_WINDOW_DAYS,
} from './calendar.service';

/** `cursor=`: the opaque `next_cursor` of the page before (checked by the service). */
const cursorParam: QueryParam<string | undefined> = {
  read: (reader, name) =>
    reader.parsed(name, (raw) =>
      raw.length > 400 ? { message: 'is not a cursor of this calendar' } : { value: raw === '' ? undefined : raw },
    ),
  description: 'The `next_cursor` of the previous page (asked with the same `from`, `to` and filters).',
  schema: { type: 'string', maxLength: 400 },
};

/** `timezone=`: an IANA zone (canonical spelling returned), UTC when absent. */
const timezoneParam: QueryParam<string> = {
  read: (reader, name) =>
    reader.parsed(name, (raw) => {
      if (raw === '') return { value: 'UTC' };
      const zone = raw.length <= 64 ? canonicalTimeZone(raw) : null;
      return zone ? { value: zone } : { message: 'must be an IANA time zone, such as Europe/Berlin' };
    }) ?? 'UTC',
  description: "The IANA time zone whose local days bucket the occurrences (the viewer's). Default `UTC`.",
  schema: { type: 'string', maxLength: 64, default: 'UTC', examples: ['Europe/Berlin'] },
};

export const calendarApi = new RouteGroup<CalendarService>({ base: '/calendar', tag: 'calendar' });

calendarApi.get(
  '/',
  {
    operationId: 'getCalendar',
    summary: "Every occurrence of the caller's schedules in a window, soonest first",
    description:
      'The past (before now) from run history and Jobs (`materialized`, `missed`, `failed`, `skipped`; run-now runs included, ' +
      'as `materialized` or `failed` at the instant they were made); the future from the same expansion the worker fires with ' +
      '(`planned`, `paused`, `skipped`), for active and paused schedules. `from` and `to` are required, at most ' +
      `${MAX_WINDOW_DAYS} days apart. Paged by an opaque \`cursor\`.`,
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      from: listQuery.instant('Window start (inclusive). Required.'),
      to: listQuery.instant('Window end (exclusive). Required.'),
      campaign_id: query.uuid("Only this campaign's schedules (another workspace's campaign: an empty calendar)."),
      publisher_domain: listQuery.text(253, "Only schedules whose merged job config's `publisher_domain` is this."),
      state: query.oneOf(CALENDAR_STATES, 'Only occurrences in this state.'),
      limit: query.int({ min: 1, max: MAX_CALENDAR_LIMIT, default: DEFAULT_CALENDAR_LIMIT, description: 'Occurrences per page.' }),
      cursor: cursorParam,
    },
    success: { status: 200, description: 'One page of the calendar.', schema: CalendarResponse },
  },
  async ({ caller, query }, service) =>
    calendarResponse(
      await service.page(caller, {
        from: query.from,
        to: query.to,
        campaignId: query.campaign_id,
        publisherDomain: query.publisher_domain,
        state: query.state,
        limit: query.limit,
        cursor: query.cursor,
      }),
    ),
);

calendarApi.get(
  '/days',
  {
    operationId: 'getCalendarDays',
    summary: "The calendar's occurrences by local day: each day's count and its first few",
    description:
      'The same occurrences as `GET /calendar` with the same filters (one pass over the same merge), bucketed by the local day ' +
      'of `timezone`: every day with at least one occurrence, in date order, with its `count` and its first `per_day` ' +
      `occurrences (soonest first). \`from\` and \`to\` are required, at most ${MAX_DAYS_WINDOW_DAYS} days apart; a day cut by ` +
      'the window counts only its part inside it. For a month grid that shows a few runs a day and "+N more".',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      from: listQuery.instant('Window start (inclusive). Required.'),
      to: listQuery.instant('Window end (exclusive). Required.'),
      campaign_id: query.uuid("Only this campaign's schedules (another workspace's campaign: an empty calendar)."),
      publisher_domain: listQuery.text(253, "Only schedules whose merged job config's `publisher_domain` is this."),
      state: query.oneOf(CALENDAR_STATES, 'Only occurrences in this state.'),
      timezone: timezoneParam,
      per_day: query.int({
        min: 1,
        max: MAX_PER_DAY,
        default: DEFAULT_PER_DAY,
        description: 'Occurrences listed per day (the count is of all).',
      }),
    },
    success: { status: 200, description: 'The days of the window that have occurrences.', schema: CalendarDaysResponse },
  },
  async ({ caller, query }, service) =>
    calendarDaysResponse(
      await service.days(caller, {
        from: query.from,
        to: query.to,
        campaignId: query.campaign_id,
        publisherDomain: query.publisher_domain,
        state: query.state,
        timezone: query.timezone,
        perDay: query.per_day,
      }),
    ),
);

export function calendarRoutes(deps: AppDeps, limits: RateLimiters) {
  return calendarApi.router(new CalendarService(deps), limits);
}
