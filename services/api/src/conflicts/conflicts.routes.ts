import { canonicalTimeZone } from '@scheduler/recurrence';
import type { AppDeps } from '../deps';
import { listQuery, query, type QueryParam } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { validationFailed } from '../http/errors';
import { Closed, Instant, Type, named } from '../openapi/schema';
import { ConflictsResponse } from './conflicts.mapper';
import { ConflictService, MAX_CONFLICT_DAYS, SLOT_MINUTES, SUGGESTION_DAYS } from './conflicts.service';

/** Working days as `days=` names them, by their cron number (0 = Sunday). */
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export const MAX_SUGGESTIONS = 50;
export const DEFAULT_SUGGESTIONS = 5;

/** `hours=HH-HH`: local working hours, whole hours, start before end (`09-17`: 09:00 up to 17:00). */
export function parseHours(raw: string): { value: { start: number; end: number } } | { message: string } {
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(raw);
  const message = 'must be whole local hours START-END, 0 to 24 with START before END, such as 09-17';
  if (!m) return { message };
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > 23 || end > 24 || end <= start) return { message };
  return { value: { start, end } };
}

/** `days=mon,tue,…`: the working days (each once at most). */
export function parseDays(raw: string): { value: number[] } | { message: string } {
  const names = raw.split(',').map((d) => d.trim().toLowerCase());
  const days = names.map((d) => (DAY_NAMES as readonly string[]).indexOf(d));
  if (days.some((d) => d < 0)) return { message: `must be day names separated by commas, of ${DAY_NAMES.join(', ')}` };
  if (new Set(days).size !== days.length) return { message: 'names a day twice' };
  return { value: [...days].sort((a, b) => a - b) };
}

const hoursParam: QueryParam<{ start: number; end: number } | undefined> = {
  read: (reader, name) => reader.parsed(name, parseHours),
  description: 'Local working hours `START-END` in whole hours (default `09-17`: slots from 09:00 to 16:30).',
  schema: { type: 'string', pattern: '^\\d{1,2}-\\d{1,2}$', examples: ['09-17'] },
};

const daysParam: QueryParam<number[] | undefined> = {
  read: (reader, name) => reader.parsed(name, parseDays),
  description: `Working days, comma-separated, of ${DAY_NAMES.join(', ')} (default \`mon,tue,wed,thu,fri\`).`,
  schema: { type: 'string', maxLength: 27, examples: ['mon,tue,wed,thu,fri'] },
};

const timezoneParam: QueryParam<string | undefined> = {
  read: (reader, name) =>
    reader.parsed(name, (raw) => {
      const zone = raw.length <= 64 ? canonicalTimeZone(raw) : null;
      return zone ? { value: zone } : { message: 'must be an IANA time-zone name, such as Europe/Berlin or UTC' };
    }),
  description: 'The IANA zone of the working hours (default `UTC`).',
  schema: { type: 'string', maxLength: 64, examples: ['Europe/Berlin'] },
};

const SuggestionsResponse = named(
  'SlotSuggestions',
  Closed({
    publisher_domain: Type.String(),
    timezone: Type.String(),
    suggestions: Type.Array(
      Closed({
        at: Instant(),
        local: Type.String({ description: 'The same instant as wall time with offset in `timezone`.' }),
        timezone: Type.String(),
      }),
      { description: 'Soonest first; fewer than `count` when the days ahead have no more free slots.' },
    ),
  }),
);

export const conflictApi = new RouteGroup<ConflictService>({ base: '/schedule', tag: 'schedules' });

conflictApi.get(
  '/conflicts',
  {
    operationId: 'listScheduleConflicts',
    summary: 'Windows where more planned runs fall than the settings allow',
    description:
      'A window is `conflict_window_minutes` long and starts at a planned run; it is overfull when more than ' +
      '`conflict_max_per_window` planned runs of one publisher domain (scope `publisher_domain`; runs without one are not ' +
      'counted) or of the workspace (scope `all`) fall in it. Overlapping overfull windows of a group are one entry, from ' +
      'the first start to the last end. Only the plan counts (from now on): paused, skipped and blacked-out runs never fire. ' +
      `\`from\` and \`to\` are required, at most ${MAX_CONFLICT_DAYS} days apart; windows starting in [from, to) are listed.`,
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      from: listQuery.instant('Window start (inclusive). Required.'),
      to: listQuery.instant('Window end (exclusive). Required.'),
    },
    success: { status: 200, description: 'The overfull windows, soonest first.', schema: ConflictsResponse },
  },
  async ({ caller, query }, service) => service.conflicts(caller, query.from, query.to),
);

conflictApi.get(
  '/suggestions',
  {
    operationId: 'suggestScheduleSlots',
    summary: 'The next free slots for one more run of a publisher',
    description:
      `Slots on a ${SLOT_MINUTES}-minute grid in the local working hours and days, in the ${SUGGESTION_DAYS} days from \`from\` ` +
      '(or now), where one more run overfills no conflict window (the suggestions together neither). Spread across days: ' +
      'each day gets one (its emptiest slot) before any day gets a second.',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      publisher_domain: listQuery.text(253, 'The publisher domain the run is for. Required.'),
      timezone: timezoneParam,
      count: query.int({ min: 1, max: MAX_SUGGESTIONS, default: DEFAULT_SUGGESTIONS, description: 'Slots to suggest.' }),
      from: listQuery.instant('Suggest from this instant on (default and at the earliest: now).'),
      hours: hoursParam,
      days: daysParam,
    },
    success: { status: 200, description: 'The suggested slots.', schema: SuggestionsResponse },
  },
  async ({ caller, query }, service) => {
    if (!query.publisher_domain) throw validationFailed([{ field: 'publisher_domain', message: 'is required' }]);
    const timezone = query.timezone ?? 'UTC';
    const suggestions = await service.suggestions(caller, {
      publisherDomain: query.publisher_domain,
      timezone,
      count: query.count,
      from: query.from,
      hours: query.hours ?? { start: 9, end: 17 },
      days: query.days ?? [1, 2, 3, 4, 5],
    });
    return { publisher_domain: query.publisher_domain.toLowerCase(), timezone, suggestions };
  },
);

export function conflictRoutes(deps: AppDeps, limits: RateLimiters) {
  return conflictApi.router(new ConflictService(deps), limits);
}
