import { Router } from 'express';
import type { AppDeps } from '../deps';
import { sendProblem } from '../http/errors';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup, API_BASE } from '../http/route';
import { CalendarService, type CalendarItem, type CalendarState } from './calendar.service';
import { FeedService } from './feed.service';
import { icalText, type IcalEvent } from './ical-text';

/** The feed window: this many days back from now … */
export const FEED_DAYS_BACK = 30;
/** … to this many days ahead. */
export const FEED_DAYS_AHEAD = 180;
/** At most this many events in one feed (the soonest of the window). */
export const MAX_FEED_EVENTS = 5_000;
/** Each event lasts this long (an occurrence is an instant; calendars need a span to draw). */
export const FEED_EVENT_MINUTES = 15;
const DAY_MS = 86_400_000;

/** An event's status: what will or did happen is confirmed, a paused run tentative, what will not or did not cancelled. */
const STATUS: Record<CalendarState, 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED'> = {
  planned: 'CONFIRMED',
  materialized: 'CONFIRMED',
  paused: 'TENTATIVE',
  skipped: 'CANCELLED',
  missed: 'CANCELLED',
  failed: 'CANCELLED',
};

/** A stable UID: the schedule and the instant (the same occurrence keeps it across fetches, past or future). */
export function eventUid(i: Pick<CalendarItem, 'scheduleId' | 'at'>): string {
  return `${i.scheduleId}-${i.at.toISOString().replace(/[-:.]/g, '')}@content-scheduler`;
}

interface IcalContext {
  feeds: FeedService;
  calendar: CalendarService;
  deps: AppDeps;
}

export const icalApi = new RouteGroup<IcalContext>({ base: '/ical', tag: 'calendar', secured: false });

icalApi.raw(
  'get',
  '/:token.ics',
  {
    operationId: 'getIcalFeed',
    summary: 'An iCal feed (RFC 5545) of the calendar, by the token in its address (no bearer token)',
    description:
      `One VEVENT per occurrence of the feed's calendar from ${FEED_DAYS_BACK} days back to ${FEED_DAYS_AHEAD} days ahead ` +
      `(expanded instances, at most ${MAX_FEED_EVENTS}, soonest first), ${FEED_EVENT_MINUTES} minutes long, UID from the ` +
      'schedule and the instant, SUMMARY the schedule name, CATEGORIES the campaign name, URL the schedule; skipped, missed and ' +
      'failed occurrences are STATUS:CANCELLED, paused ones TENTATIVE. Rate limited per client address (the reads budget).',
    parameters: [
      {
        name: 'token',
        in: 'path',
        required: true,
        description: 'The feed token (43 base64url characters).',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
      },
    ],
    responses: {
      '200': { description: 'The calendar.', content: { 'text/calendar': { schema: { type: 'string' } } } },
      '404': { $ref: '#/components/responses/NotFound' },
      '429': { $ref: '#/components/responses/RateLimited' },
    },
  },
  async (req, res, ctx) => {
    res.locals.route = '/ical/:token.ics';
    const feed = await ctx.feeds.byToken(String(req.params.token));
    if (!feed) {
      sendProblem(res, 'not_found', 'Feed not found');
      return;
    }
    const now = ctx.deps.now();
    const page = await ctx.calendar.page(
      { userId: feed.userId, workspaceId: feed.workspaceId, roles: [] },
      {
        from: new Date(now.getTime() - FEED_DAYS_BACK * DAY_MS),
        to: new Date(now.getTime() + FEED_DAYS_AHEAD * DAY_MS),
        campaignId: feed.campaignId ?? undefined,
        limit: MAX_FEED_EVENTS,
      },
    );
    const base = ctx.deps.config.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const root = `${base.replace(/\/+$/, '')}${API_BASE}/schedule/`;
    const events = function* (): Generator<IcalEvent> {
      for (const item of page.items) {
        const link = root + item.scheduleId;
        yield {
          uid: eventUid(item),
          start: item.at,
          end: new Date(item.at.getTime() + FEED_EVENT_MINUTES * 60_000),
          stamp: now,
          summary: item.scheduleName,
          categories: item.campaign ? [item.campaign.name] : [],
          url: link,
          description: `${item.state}${item.reason ? `: ${item.reason}` : ''}\n${link}`,
          status: STATUS[item.state],
        };
      }
    };
    const text = icalText({ name: feed.name, prodId: '-//content-scheduler//calendar//EN' }, events());
    res.status(200).type('text/calendar; charset=utf-8').send(text);
  },
);

/** The feed route, rate limited per client address (no caller: the limiter keys by address). */
export function icalRoutes(deps: AppDeps, limits: RateLimiters): Router {
  const router = Router();
  router.use(
    icalApi.options.base,
    limits.reads,
    icalApi.router({ feeds: new FeedService(deps), calendar: new CalendarService(deps), deps }),
  );
  return router;
}
