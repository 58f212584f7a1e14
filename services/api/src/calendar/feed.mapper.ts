import type { CalendarFeed } from '@scheduler/entities';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Instant, Nullable, Type, Uuid, named, type Static } from '../openapi/schema';

const feedFields = {
  id: Uuid(),
  name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
  campaign_id: Nullable(Uuid('The campaign it covers; null: every schedule of the workspace.')),
  created_at: Instant(),
};

/** A feed as listed: its address is not known any more (the token is stored hashed). */
export const FeedResponse = named('CalendarFeed', Closed(feedFields));
export type FeedResponse = Static<typeof FeedResponse>;

/** A feed as created or rotated: with its address, shown only in this response. */
export const FeedWithUrlResponse = named(
  'CalendarFeedWithUrl',
  Closed({
    ...feedFields,
    url: Type.String({
      format: 'uri',
      pattern: '/ical/[A-Za-z0-9_-]{43}\\.ics$',
      description: 'The absolute address of the feed, holding its secret token: shown only on create and rotate.',
    }),
  }),
);
export type FeedWithUrlResponse = Static<typeof FeedWithUrlResponse>;

export function feedResponse(f: CalendarFeed): FeedResponse {
  return { id: f.id, name: f.name, campaign_id: f.campaignId, created_at: iso(f.createdAt) };
}

export function feedWithUrlResponse(f: CalendarFeed, url: string): FeedWithUrlResponse {
  return { ...feedResponse(f), url };
}
