import { SCHEDULED_JOB_STATUSES } from '@scheduler/entities';
import { SCHEDULE_TYPES } from '@scheduler/recurrence';
import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import { campaignIdFilter, listQuery, query, type QueryValues } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { NAME_LENGTH } from '../http/validation';
import { Type } from '../openapi/schema';
import { jobResponse, JobResponse } from '../jobs/job.mapper';
import { idempotencyKeyOf, IDEMPOTENCY_KEY_PARAMETER, runNow } from './run-now';
import { occurrenceOf, ScheduleSkips } from './schedule-skips';
import { CreateScheduleDto, SkipOccurrenceDto, UpdateScheduleDto } from './schedule.dto';
import {
  MAX_PREVIEW_COUNT,
  MAX_UPCOMING_HOURS,
  runResponse,
  ScheduleResponse,
  scheduleResponse,
  SchedulePreviewResponse,
  ScheduleRunResponse,
  ScheduleSkipResponse,
  ScheduleWithWarningsResponse,
  scheduleWithWarningsResponse,
  skipResponse,
  UpcomingSchedulesResponse,
  upcomingScheduleResponse,
} from './schedule.mapper';
import { SCHEDULE_SORT_KEYS, ScheduleService, type ScheduleFilters } from './schedule.service';
import { schedulerStatus, SchedulerStatusResponse } from './scheduler-status';
import { ConflictService } from '../conflicts/conflicts.service';

interface Context {
  service: ScheduleService;
  conflicts: ConflictService;
  skips: ScheduleSkips;
  deps: AppDeps;
}

export const scheduleApi = new RouteGroup<Context>({ base: '/schedule', tag: 'schedules', resource: 'Scheduled job' });

/** `count` of the previews. */
const COUNT = query.int({ min: 1, max: MAX_PREVIEW_COUNT, default: 10, description: 'Number of fire instants.', component: 'Count' });

scheduleApi.post(
  '/',
  {
    operationId: 'createSchedule',
    summary: 'Create a schedule',
    kind: 'writes',
    access: 'write',
    body: CreateScheduleDto,
    notFound: true,
    conflict: 'The campaign is completed or archived: it takes no new schedules.',
    success: {
      status: 201,
      description:
        'The created (active) schedule; in a paused campaign it has no `next_run_at` until the campaign is active. With ' +
        '`warnings`: the conflict windows its runs of the next 30 days overfill (empty when none).',
      schema: ScheduleWithWarningsResponse,
    },
  },
  async ({ caller, body }, { service, conflicts }) => {
    const schedule = await service.create(caller, body);
    return scheduleWithWarningsResponse(schedule, await conflicts.warningsFor(caller.workspaceId, schedule.id));
  },
);

const statusFilter = query.oneOf(SCHEDULED_JOB_STATUSES, 'Only schedules with this status.');

/** The list's filters and sort (also those of the export). */
export const SCHEDULE_LIST_FILTERS = {
  campaign_id: campaignIdFilter,
  status_filter: statusFilter,
  status: query.alias('status_filter', statusFilter),
  upcoming_only: query.bool('Only active schedules with a next run.'),
  schedule_type: query.oneOf(SCHEDULE_TYPES, 'Only schedules of this type.'),
  template_id: query.uuid('Only schedules using this template.'),
  q: listQuery.text(NAME_LENGTH, 'Only schedules whose name contains this text (case-insensitive; blank is ignored).'),
  sort: listQuery.sort(
    SCHEDULE_SORT_KEYS,
    'Order of the list (default: soonest `next_run_at` first, then newest). Schedules without a next run come last either way.',
  ),
};

/** The service's filters of the list's query values. */
export function scheduleFiltersOf(query: QueryValues<typeof SCHEDULE_LIST_FILTERS>): ScheduleFilters {
  return {
    campaignId: query.campaign_id,
    status: query.status_filter,
    upcomingOnly: query.upcoming_only,
    scheduleType: query.schedule_type,
    templateId: query.template_id,
    nameContains: query.q,
    sort: query.sort,
  };
}

scheduleApi.get(
  '/',
  {
    operationId: 'listSchedules',
    summary: "List the caller's schedules, soonest `next_run_at` first",
    description: 'Schedules without a next run come last.',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: { ...SCHEDULE_LIST_FILTERS, ...PAGE_QUERY },
    success: { status: 200, description: 'One page of schedules.', schema: Type.Array(ScheduleResponse), paged: true },
  },
  async ({ caller, query }, { service }) => {
    const [items, total] = await service.list(caller, scheduleFiltersOf(query), pageOf(query));
    return { body: items.map(scheduleResponse), total };
  },
);

scheduleApi.get(
  '/upcoming',
  {
    operationId: 'listUpcomingSchedules',
    summary: 'Active schedules whose next run is within the window',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      hours: query.int({ min: 1, max: MAX_UPCOMING_HOURS, default: 24, description: 'Window from now, in hours.' }),
      ...PAGE_QUERY,
    },
    success: {
      status: 200,
      description: 'The window and one page of schedules, each with its campaign.',
      schema: UpcomingSchedulesResponse,
      paged: true,
    },
  },
  async ({ caller, query }, { service }) => {
    const result = await service.upcoming(caller, query.hours, pageOf(query));
    const campaignOf = (id: string | null) => (id ? result.campaigns.get(id) : undefined);
    return {
      total: result.total,
      body: {
        time_window_hours: query.hours,
        cutoff_time: result.cutoff.toISOString(),
        upcoming_count: result.total,
        jobs: result.schedules.map((s) => upcomingScheduleResponse(s, campaignOf(s.campaignId))),
      },
    };
  },
);

scheduleApi.get(
  '/status',
  {
    operationId: 'getSchedulerStatus',
    summary: 'Scheduler status',
    description: "Global, for operators: it describes the service, not the caller's data.",
    kind: 'reads',
    access: 'read',
    success: {
      status: 200,
      description: 'Workers, queue depth, schedulers, last reconcile, oldest overdue run.',
      schema: SchedulerStatusResponse,
    },
  },
  async (_input, { deps }) => schedulerStatus(deps),
);

scheduleApi.post(
  '/preview',
  {
    operationId: 'previewScheduleBody',
    summary: 'Preview the fire instants of a schedule body',
    description:
      'The body is validated like a create, except that `scheduled_at` may be in the past: a `campaign_id` or ' +
      "`template_id` must be the caller's own (else 404). Nothing is stored. Occurrences start at `scheduled_at`.",
    kind: 'reads',
    access: 'read',
    read: 'replica',
    query: { count: COUNT },
    body: CreateScheduleDto,
    notFound: true,
    success: { status: 200, description: 'The next `count` fire instants.', schema: SchedulePreviewResponse },
  },
  async ({ caller, query, body }, { service }) => {
    return service.previewOf(caller, body, query.count);
  },
);

scheduleApi.get(
  '/:id',
  {
    operationId: 'getSchedule',
    summary: 'Get a schedule',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The schedule.', schema: ScheduleResponse },
  },
  async ({ caller, id }, { service }) => scheduleResponse(await service.get(caller, id)),
);

scheduleApi.get(
  '/:id/preview',
  {
    operationId: 'previewSchedule',
    summary: 'Preview the next fire instants of a schedule',
    description:
      'Starts from the pending run (else from now) and is capped by the runs left under `max_runs`. Empty, with ' +
      '`not_running_reason`, while the schedule will not run (paused, in error, finished, or held by its paused campaign).',
    kind: 'reads',
    access: 'read',
    read: 'replica',
    query: { count: COUNT },
    success: { status: 200, description: 'The next fire instants (at most `count`).', schema: SchedulePreviewResponse },
  },
  async ({ caller, id, query }, { service }) => service.preview(caller, id, query.count),
);

scheduleApi.get(
  '/:id/runs',
  {
    operationId: 'listScheduleRuns',
    summary: 'Run history of a schedule, newest first',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: PAGE_QUERY,
    success: { status: 200, description: 'One page of runs.', schema: Type.Array(ScheduleRunResponse), paged: true },
  },
  async ({ caller, id, query }, { service }) => {
    const [runs, total] = await service.runs(caller, id, pageOf(query));
    return { body: runs.map(runResponse), total };
  },
);

scheduleApi.put(
  '/:id',
  {
    operationId: 'updateSchedule',
    summary: 'Update a schedule (partial)',
    kind: 'writes',
    access: 'write',
    body: UpdateScheduleDto,
    conflict: 'The new `campaign_id` names a completed or archived campaign: it takes no new schedules.',
    ifMatch: true,
    success: {
      status: 200,
      description: 'The updated schedule, with `warnings`: the conflict windows its runs of the next 30 days overfill (empty when none).',
      schema: ScheduleWithWarningsResponse,
    },
  },
  async ({ caller, id, body, ifMatch }, { service, conflicts }) => {
    const schedule = await service.update(caller, id, body, ifMatch);
    return scheduleWithWarningsResponse(schedule, await conflicts.warningsFor(caller.workspaceId, schedule.id));
  },
);

scheduleApi.post(
  '/:id/pause',
  {
    operationId: 'pauseSchedule',
    summary: 'Pause an active schedule',
    description: 'Takes no body. Runs until resume are skipped; `next_run_at` becomes null.',
    kind: 'writes',
    access: 'write',
    conflict: 'The schedule is not active.',
    ifMatch: true,
    success: { status: 200, description: 'The paused schedule.', schema: ScheduleResponse },
  },
  async ({ caller, id, ifMatch }, { service }) => scheduleResponse(await service.pause(caller, id, ifMatch)),
);

scheduleApi.post(
  '/:id/resume',
  {
    operationId: 'resumeSchedule',
    summary: 'Resume a paused schedule',
    description:
      'Takes no body. `next_run_at` becomes the next occurrence after now (missed runs are skipped); a schedule ' +
      'with no run left becomes `completed` or `expired`.',
    kind: 'writes',
    access: 'write',
    conflict: 'The schedule is not paused.',
    ifMatch: true,
    success: { status: 200, description: 'The resumed schedule.', schema: ScheduleResponse },
  },
  async ({ caller, id, ifMatch }, { service }) => scheduleResponse(await service.resume(caller, id, ifMatch)),
);

scheduleApi.post(
  '/:id/run',
  {
    operationId: 'runScheduleNow',
    summary: 'Run a schedule now',
    description:
      "Takes no body. Makes one Job at once from the schedule's merged config (template fields, `job_config` on top, as " +
      'its occurrences get), with `scheduled_for` null, and records it in the run history with `trigger: manual`. It does ' +
      'not count toward `max_runs` and does not move `next_run_at`; any schedule status is fine. The Job goes to the ' +
      'content pipeline, unless the schedule or its campaign requires approval (then `awaiting_approval`). With ' +
      '`Idempotency-Key`, a retry answers with the same Job and makes none.',
    kind: 'writes',
    access: 'write',
    parameters: [IDEMPOTENCY_KEY_PARAMETER],
    conflict: "The schedule's campaign is completed or archived: it takes no new Jobs.",
    success: {
      status: 201,
      description: 'The Job (pending, or awaiting_approval when gated); a retry with the same key: the same Job.',
      schema: JobResponse,
    },
  },
  async ({ caller, id, req }, { deps }) => {
    const key = idempotencyKeyOf(req.headers['idempotency-key']);
    return jobResponse((await runNow(deps, caller, id, key)).job);
  },
);

scheduleApi.post(
  '/:id/skip',
  {
    operationId: 'skipOccurrence',
    summary: 'Skip a future occurrence',
    description:
      "`occurrence_at` must be one of the schedule's future runs, exactly (as `next_run_at` or a preview gives it), and not " +
      'its last one (else 422). It will not fire: the worker records it `skipped` (reason `skipped`) and makes no Job; ' +
      'it consumes no run of `max_runs`. `next_run_at` and previews leave it out (skipping the next run moves ' +
      '`next_run_at` and bumps `version`). Skipping an occurrence already skipped changes nothing (200).',
    kind: 'writes',
    access: 'write',
    body: SkipOccurrenceDto,
    success: { status: 200, description: 'The skipped occurrence.', schema: ScheduleSkipResponse },
  },
  async ({ caller, id, body }, { service, skips }) => {
    const result = await skips.skip(caller, id, occurrenceOf(body.occurrence_at));
    if (result.changed) await service.syncAfterCommit(result.schedule);
    return skipResponse(result.skip);
  },
);

scheduleApi.get(
  '/:id/skips',
  {
    operationId: 'listSkippedOccurrences',
    summary: 'Skipped future occurrences of a schedule, soonest first',
    description: 'Past ones are in the run history (`skipped`, reason `skipped`).',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: PAGE_QUERY,
    success: { status: 200, description: 'One page of skipped occurrences.', schema: Type.Array(ScheduleSkipResponse), paged: true },
  },
  async ({ caller, id, query }, { skips }) => {
    const [items, total] = await skips.list(caller, id, pageOf(query));
    return { body: items.map(skipResponse), total };
  },
);

scheduleApi.delete(
  '/:id/skips/:occurrence_at',
  {
    operationId: 'unskipOccurrence',
    summary: 'Un-skip an occurrence',
    description:
      'The occurrence fires again as planned; `next_run_at` comes back to it when it is the next run. 404 when it is not ' +
      'skipped or already past; 422 when `occurrence_at` is no instant.',
    kind: 'writes',
    access: 'write',
    parameters: [
      {
        name: 'occurrence_at',
        in: 'path',
        required: true,
        description: 'The skipped occurrence, with `Z` or an offset (URL-encode a `+`).',
        schema: { type: 'string', examples: ['2026-12-25T09:00:00Z'] },
      },
    ],
    success: { status: 204, description: 'Un-skipped.' },
  },
  async ({ caller, id, req }, { service, skips }) => {
    const schedule = await skips.unskip(caller, id, occurrenceOf(req.params.occurrence_at));
    await service.syncAfterCommit(schedule);
  },
);

scheduleApi.delete(
  '/:id',
  {
    operationId: 'deleteSchedule',
    summary: 'Delete a schedule',
    description: 'Its Jobs are kept.',
    kind: 'writes',
    access: 'write',
    ifMatch: true,
    success: { status: 204, description: 'Deleted.' },
  },
  async ({ caller, id, ifMatch }, { service }) => service.remove(caller, id, ifMatch),
);

export function scheduleRoutes(deps: AppDeps, limits: RateLimiters) {
  return scheduleApi.router(
    { service: new ScheduleService(deps), conflicts: new ConflictService(deps), skips: new ScheduleSkips(deps), deps },
    limits,
  );
}
