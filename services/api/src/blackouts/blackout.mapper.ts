import { BLACKOUT_POLICIES } from '@scheduler/recurrence';
import type { Blackout } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Instant, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';

const LocalDate = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description, examples: ['2026-12-24'] });

/** What a client sees of a blackout. */
export const BlackoutResponse = named(
  'Blackout',
  Closed({
    id: Uuid(),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
    start_date: LocalDate('First day, local to `timezone`, inclusive.'),
    end_date: LocalDate('Last day, local to `timezone`, inclusive.'),
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    campaign_id: Nullable(Uuid(), { description: 'The campaign whose schedules it covers; `null`: every schedule of the workspace.' }),
    policy: OneOf(BLACKOUT_POLICIES),
    user_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: 'The member who created it.' }),
    created_at: Instant(),
    updated_at: Instant(),
  }),
);
export type BlackoutResponse = Static<typeof BlackoutResponse>;

export function blackoutResponse(b: Blackout): BlackoutResponse {
  return {
    id: b.id,
    name: b.name,
    start_date: b.startDate,
    end_date: b.endDate,
    timezone: b.timezone,
    campaign_id: b.campaignId,
    policy: b.policy,
    user_id: b.userId,
    created_at: iso(b.createdAt),
    updated_at: iso(b.updatedAt),
  };
}
