import { RUN_OUTCOMES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import { campaignIdFilter, checkRange, listQuery, query } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { Type } from '../openapi/schema';
import { crossScheduleRunResponse, RunResponse } from './run.mapper';
import { RunService } from './run.service';

export const runApi = new RouteGroup<RunService>({ base: '/runs', tag: 'runs' });

runApi.get(
  '/',
  {
    operationId: 'listRuns',
    summary: "Run history across the caller's schedules, newest first",
    description:
      'Every recorded occurrence of every schedule of the caller (the rows of `GET /schedule/{id}/runs`, each with its ' +
      'schedule), newest `occurrence_at` first: `?outcome=missed&from=…&to=…` is "what did not happen this week".',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      outcome: query.oneOf(RUN_OUTCOMES, 'Only runs with this outcome.'),
      from: listQuery.instant('Only occurrences at or after this instant.'),
      to: listQuery.instant('Only occurrences before this instant.'),
      schedule_id: query.uuid('Only runs of this schedule.'),
      campaign_id: campaignIdFilter,
      ...PAGE_QUERY,
    },
    success: { status: 200, description: 'One page of runs.', schema: Type.Array(RunResponse), paged: true },
  },
  async ({ caller, query }, service) => {
    checkRange([{ from: ['from', query.from], to: ['to', query.to] }]);
    const filter = {
      outcome: query.outcome,
      occurrenceAt: { from: query.from, to: query.to },
      scheduleId: query.schedule_id,
      campaignId: query.campaign_id,
    };
    const { runs, total, names } = await service.list(caller, filter, pageOf(query));
    return { body: runs.map((r) => crossScheduleRunResponse(r, names.get(r.scheduledJobId) ?? null)), total };
  },
);

export function runRoutes(deps: AppDeps, limits: RateLimiters) {
  return runApi.router(new RunService(deps), limits);
}
