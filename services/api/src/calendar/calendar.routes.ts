import type { AppDeps } from '../deps';
import { listQuery, query, type QueryParam } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { calendarResponse, CalendarResponse } from './calendar.mapper';
import { CALENDAR_STATES, CalendarService, DEFAULT_CALENDAR_LIMIT, MAX_CALENDAR_LIMIT, MAX_WINDOW_DAYS } from './calendar.service';

/** `cursor=`: the opaque `next_cursor` of the page before (checked by the service). */
const cursorParam: QueryParam<string | undefined> = {
  read: (reader, name) =>
    reader.parsed(name, (raw) =>
      raw.length > 400 ? { message: 'is not a cursor of this calendar' } : { value: raw === '' ? undefined : raw },
    ),
  description: 'The `next_cursor` of the previous page (asked with the same `from`, `to` and filters).',
  schema: { type: 'string', maxLength: 400 },
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

export function calendarRoutes(deps: AppDeps, limits: RateLimiters) {
  return calendarApi.router(new CalendarService(deps), limits);
}
