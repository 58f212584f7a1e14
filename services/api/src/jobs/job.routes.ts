import { JOB_STATUSES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import { campaignIdFilter, query } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { Type } from '../openapi/schema';
import { UpdateJobDto } from './job.dto';
import { jobResponse, JobResponse } from './job.mapper';
import { JobService } from './job.service';

export const jobApi = new RouteGroup<JobService>({ base: '/jobs', tag: 'jobs', resource: 'Job' });

jobApi.get(
  '/',
  {
    operationId: 'listJobs',
    summary: "List the caller's Jobs, newest first",
    kind: 'lists',
    query: {
      campaign_id: campaignIdFilter,
      scheduled_job_id: query.uuid('Only Jobs of this schedule.'),
      status: query.oneOf(JOB_STATUSES, 'Only Jobs with this status.'),
      ...PAGE_QUERY,
    },
    success: { status: 200, description: 'One page of Jobs.', schema: Type.Array(JobResponse), paged: true },
  },
  async ({ userId, query }, service) => {
    const filter = { campaignId: query.campaign_id, scheduledJobId: query.scheduled_job_id, status: query.status };
    const [items, total] = await service.list(userId, filter, pageOf(query));
    return { body: items.map(jobResponse), total };
  },
);

jobApi.get(
  '/:id',
  {
    operationId: 'getJob',
    summary: 'Get a Job',
    kind: 'reads',
    success: { status: 200, description: 'The Job.', schema: JobResponse },
  },
  async ({ userId, id }, service) => jobResponse(await service.get(userId, id)),
);

jobApi.patch(
  '/:id',
  {
    operationId: 'updateJob',
    summary: 'Report progress of a Job (content pipeline)',
    description: 'The server sets `started_at` (first `running`) and `completed_at` (final status).',
    kind: 'writes',
    body: UpdateJobDto,
    conflict: 'Not an allowed transition, the same status again, or the Job is in a final status (completed, failed, cancelled).',
    ifMatch: true,
    success: { status: 200, description: 'The updated Job.', schema: JobResponse },
  },
  async ({ userId, id, body, ifMatch }, service) => jobResponse(await service.update(userId, id, body, ifMatch)),
);

export function jobRoutes(deps: AppDeps, limits: RateLimiters) {
  return jobApi.router(new JobService(deps), limits);
}
