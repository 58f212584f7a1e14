import type { Request } from 'express';
import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { Type } from '../openapi/schema';
import { CreateFeedDto } from './feed.dto';
import { feedResponse, FeedResponse, feedWithUrlResponse, FeedWithUrlResponse } from './feed.mapper';
import { FeedService } from './feed.service';

interface FeedContext {
  service: FeedService;
  /** `PUBLIC_BASE_URL`, or null: the request's own scheme and host. */
  publicBaseUrl: string | null;
}

/** The absolute address of a feed token: `<PUBLIC_BASE_URL or the request's origin>/ical/<token>.ics`. */
export function feedUrl(req: Request, publicBaseUrl: string | null, token: string): string {
  const base = publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${base.replace(/\/+$/, '')}/ical/${token}.ics`;
}

export const feedApi = new RouteGroup<FeedContext>({ base: '/calendar/feeds', tag: 'calendar', resource: 'Feed' });

feedApi.post(
  '/',
  {
    operationId: 'createCalendarFeed',
    summary: 'Create an iCal feed of the calendar (its address is shown only here)',
    description:
      'The `url` holds a random 256-bit token and needs no bearer token: anyone with it reads the calendar of the workspace ' +
      '(or of `campaign_id`) from 30 days back to 180 days ahead. It is stored hashed: list it again and it is not there; ' +
      '`rotate` gives a new one.',
    kind: 'writes',
    access: 'write',
    body: CreateFeedDto,
    notFound: true,
    success: { status: 201, description: 'The feed, with its address.', schema: FeedWithUrlResponse },
  },
  async ({ req, caller, body }, ctx) => {
    const { feed, token } = await ctx.service.create(caller, body);
    return feedWithUrlResponse(feed, feedUrl(req, ctx.publicBaseUrl, token));
  },
);

feedApi.get(
  '/',
  {
    operationId: 'listCalendarFeeds',
    summary: "List the workspace's iCal feeds, oldest first (without their addresses)",
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: { ...PAGE_QUERY },
    success: { status: 200, description: 'One page of feeds.', schema: Type.Array(FeedResponse), paged: true },
  },
  async ({ caller, query }, ctx) => {
    const [feeds, total] = await ctx.service.list(caller, pageOf(query));
    return { body: feeds.map(feedResponse), total };
  },
);

feedApi.post(
  '/:id/rotate',
  {
    operationId: 'rotateCalendarFeed',
    summary: 'Give an iCal feed a new address (the old one answers 404 from now on)',
    kind: 'writes',
    access: 'write',
    success: { status: 200, description: 'The feed, with its new address.', schema: FeedWithUrlResponse },
  },
  async ({ req, caller, id }, ctx) => {
    const { feed, token } = await ctx.service.rotate(caller, id);
    return feedWithUrlResponse(feed, feedUrl(req, ctx.publicBaseUrl, token));
  },
);

feedApi.delete(
  '/:id',
  {
    operationId: 'deleteCalendarFeed',
    summary: 'Delete an iCal feed (its address answers 404 from now on)',
    kind: 'writes',
    access: 'write',
    success: { status: 204, description: 'Deleted.' },
  },
  async ({ caller, id }, ctx) => ctx.service.remove(caller, id),
);

export function feedRoutes(deps: AppDeps, limits: RateLimiters) {
  return feedApi.router({ service: new FeedService(deps), publicBaseUrl: deps.config.publicBaseUrl }, limits);
}
