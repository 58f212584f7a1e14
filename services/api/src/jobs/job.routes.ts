import { JOB_STATUSES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import { campaignIdFilter, checkRange, listQuery, query } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { Type } from '../openapi/schema';
import { RejectJobDto, UpdateJobDto } from './job.dto';
import { jobResponse, JobResponse, jobUpdateResponse, JobUpdateResponse } from './job.mapper';
import { JOB_SORT_KEYS, JobService } from './job.service';

export const jobApi = new RouteGroup<JobService>({ base: '/jobs', tag: 'jobs', resource: 'Job' });

jobApi.get(
  '/',
  {
    operationId: 'listJobs',
    summary: "List the caller's Jobs, newest first",
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      campaign_id: campaignIdFilter,
      scheduled_job_id: query.uuid('Only Jobs of this schedule.'),
      status: query.oneOf(
        JOB_STATUSES,
        'Only Jobs with this status. `awaiting_approval` is the approval queue: without `sort=` it lists the nearest ' +
          '`approval_deadline` first (Jobs without one after them), each oldest first.',
      ),
      template_id: query.uuid('Only Jobs made from this template.'),
      scheduled_from: listQuery.instant('Only Jobs whose `scheduled_for` is at or after this instant (manual Jobs have none).'),
      scheduled_to: listQuery.instant('Only Jobs whose `scheduled_for` is before this instant (manual Jobs have none).'),
      created_from: listQuery.instant('Only Jobs created at or after this instant.'),
      created_to: listQuery.instant('Only Jobs created before this instant.'),
      sort: listQuery.sort(
        JOB_SORT_KEYS,
        'Order of the list (default: newest `created_at` first). Manual Jobs (no `scheduled_for`) come last when sorted by it.',
      ),
      ...PAGE_QUERY,
    },
    success: { status: 200, description: 'One page of Jobs.', schema: Type.Array(JobResponse), paged: true },
  },
  async ({ caller, query }, service) => {
    checkRange([
      { from: ['scheduled_from', query.scheduled_from], to: ['scheduled_to', query.scheduled_to] },
      { from: ['created_from', query.created_from], to: ['created_to', query.created_to] },
    ]);
    const filter = {
      campaignId: query.campaign_id,
      scheduledJobId: query.scheduled_job_id,
      status: query.status,
      templateId: query.template_id,
      scheduledFor: { from: query.scheduled_from, to: query.scheduled_to },
      createdAt: { from: query.created_from, to: query.created_to },
      sort: query.sort,
    };
    const [items, total] = await service.list(caller, filter, pageOf(query));
    return { body: items.map(jobResponse), total };
  },
);

jobApi.get(
  '/:id',
  {
    operationId: 'getJob',
    summary: 'Get a Job',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The Job.', schema: JobResponse },
  },
  async ({ caller, id }, service) => jobResponse(await service.get(caller, id)),
);

jobApi.patch(
  '/:id',
  {
    operationId: 'updateJob',
    summary: 'Report progress of a Job (content pipeline)',
    description:
      'The server sets `started_at` (first `running`) and `completed_at` (final status). A Job set to `cancelled` is ' +
      'taken off the `content-jobs` queue after the commit if no pipeline has taken it (`dequeued`).',
    kind: 'writes',
    access: 'write',
    body: UpdateJobDto,
    conflict: 'Not an allowed transition, the same status again, or the Job is in a final status (completed, failed, cancelled).',
    ifMatch: true,
    success: { status: 200, description: 'The updated Job, and whether a cancel took it off the queue.', schema: JobUpdateResponse },
  },
  async ({ caller, id, body, ifMatch }, service) => jobUpdateResponse(await service.update(caller, id, body, ifMatch)),
);

const DECISION_CONFLICT = 'The Job is not `awaiting_approval` (already approved, rejected, timed out, cancelled, or never gated).';

jobApi.post(
  '/:id/approve',
  {
    operationId: 'approveJob',
    summary: 'Approve a Job awaiting approval: it becomes pending and goes to the content pipeline',
    description:
      'For approvers and admins. The Job becomes `pending` (`decided_by`, `decided_at` set) and is handed to the ' +
      '`content-jobs` queue after the commit, once (its id is the BullMQ job id); should that fail, the worker hands it ' +
      'over later. Of two concurrent approvals one succeeds, the other is a 409.',
    kind: 'writes',
    access: 'approve',
    conflict: DECISION_CONFLICT,
    success: { status: 200, description: 'The approved (pending) Job.', schema: JobResponse },
  },
  async ({ caller, id }, service) => jobResponse(await service.approve(caller, id)),
);

jobApi.post(
  '/:id/reject',
  {
    operationId: 'rejectJob',
    summary: 'Reject a Job awaiting approval: it is cancelled with the reason',
    description:
      'For approvers and admins. The Job becomes `cancelled` with `status_reason` = `reason` (`decided_by`, ' +
      '`decided_at`, `completed_at` set); it never reaches the content pipeline.',
    kind: 'writes',
    access: 'approve',
    body: RejectJobDto,
    conflict: DECISION_CONFLICT,
    success: { status: 200, description: 'The rejected (cancelled) Job.', schema: JobResponse },
  },
  async ({ caller, id, body }, service) => jobResponse(await service.reject(caller, id, body.reason)),
);

export function jobRoutes(deps: AppDeps, limits: RateLimiters) {
  return jobApi.router(new JobService(deps), limits);
}
