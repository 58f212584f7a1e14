import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import { campaignIdFilter, type QueryParam } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { Type } from '../openapi/schema';
import { CreateBlackoutDto, dayOf, MAX_BLACKOUTS_PER_WORKSPACE, UpdateBlackoutDto } from './blackout.dto';
import { blackoutResponse, BlackoutResponse } from './blackout.mapper';
import { BlackoutService } from './blackout.service';

export const blackoutApi = new RouteGroup<BlackoutService>({ base: '/blackouts', tag: 'blackouts', resource: 'Blackout' });

const RUNS_MOVE =
  "The `next_run_at` of the active schedules it covers (its campaign's, or the whole workspace's) is recomputed in the same " +
  'transaction, and their schedulers are rewritten after the commit.';

blackoutApi.post(
  '/',
  {
    operationId: 'createBlackout',
    summary: 'Create a blackout (holiday, freeze period)',
    description: `${RUNS_MOVE} A workspace holds at most ${MAX_BLACKOUTS_PER_WORKSPACE} blackouts.`,
    kind: 'writes',
    access: 'write',
    body: CreateBlackoutDto,
    notFound: true,
    conflict: `The workspace already has ${MAX_BLACKOUTS_PER_WORKSPACE} blackouts (MAX_BLACKOUTS_PER_WORKSPACE).`,
    success: { status: 201, description: 'The created blackout.', schema: BlackoutResponse },
  },
  async ({ caller, body }, service) => blackoutResponse(await service.create(caller, body)),
);

/** `active_on=YYYY-MM-DD`: blackouts whose dates include that day. */
const activeOn: QueryParam<string | undefined> = {
  read: (reader, name) =>
    reader.parsed(name, (raw) =>
      dayOf(raw) !== null ? { value: raw } : { message: 'must be a calendar date YYYY-MM-DD, such as 2026-12-24' },
    ),
  description: 'Only blackouts whose dates (`start_date`..`end_date`, inclusive) include this local date `YYYY-MM-DD`.',
  schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
};

blackoutApi.get(
  '/',
  {
    operationId: 'listBlackouts',
    summary: "List the workspace's blackouts, earliest start_date first",
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: { campaign_id: campaignIdFilter, active_on: activeOn, ...PAGE_QUERY },
    success: { status: 200, description: 'One page of blackouts.', schema: Type.Array(BlackoutResponse), paged: true },
  },
  async ({ caller, query }, service) => {
    const [items, total] = await service.list(caller, { campaignId: query.campaign_id, activeOn: query.active_on }, pageOf(query));
    return { body: items.map(blackoutResponse), total };
  },
);

blackoutApi.get(
  '/:id',
  {
    operationId: 'getBlackout',
    summary: 'Get a blackout',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The blackout.', schema: BlackoutResponse },
  },
  async ({ caller, id }, service) => blackoutResponse(await service.get(caller, id)),
);

blackoutApi.put(
  '/:id',
  {
    operationId: 'updateBlackout',
    summary: 'Update a blackout (partial)',
    description: `Only the fields sent change. ${RUNS_MOVE} (A new name alone moves no run.)`,
    kind: 'writes',
    access: 'write',
    body: UpdateBlackoutDto,
    notFound: true,
    ifMatch: true,
    success: { status: 200, description: 'The updated blackout.', schema: BlackoutResponse },
  },
  async ({ caller, id, body, ifMatch }, service) => blackoutResponse(await service.update(caller, id, body, ifMatch)),
);

blackoutApi.delete(
  '/:id',
  {
    operationId: 'deleteBlackout',
    summary: 'Delete a blackout',
    description: `${RUNS_MOVE} The runs it held come back.`,
    kind: 'writes',
    access: 'write',
    ifMatch: true,
    success: { status: 204, description: 'Deleted.' },
  },
  async ({ caller, id, ifMatch }, service) => service.remove(caller, id, ifMatch),
);

export function blackoutRoutes(deps: AppDeps, limits: RateLimiters) {
  return blackoutApi.router(new BlackoutService(deps), limits);
}
