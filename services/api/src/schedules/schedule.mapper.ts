import {
  CATCHUP_POLICIES,
  MAX_APPROVAL_TIMEOUT_HOURS,
  NOT_RUNNING_REASONS,
  notRunningReason,
  RUN_OUTCOMES,
  RUN_TRIGGERS,
  SCHEDULED_JOB_STATUSES,
  type Campaign,
  type ScheduledJob,
  type ScheduleRun,
  type ScheduleSkip,
} from '@scheduler/entities';
import { SCHEDULE_TYPES, type OccurrenceView } from '@scheduler/recurrence';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Instant, JsonObject, Nullable, OneOf, Type, Uuid, named, type Same, type Static } from '../openapi/schema';
import { MAX_MISFIRE_GRACE_SECONDS } from './schedule.dto';
import { Warnings, type ConflictWarning } from '../conflicts/conflicts.mapper';

/** Why a schedule will not run; `null` when it runs at `next_run_at`. */
const NotRunningReasonSchema = () =>
  Nullable(
    OneOf(NOT_RUNNING_REASONS, {
      description:
        'Why the schedule makes no run: its own status (`schedule_paused`, `schedule_error`, `schedule_completed`, ' +
        '`schedule_expired`), or `campaign_paused` for an active schedule its paused campaign holds (no next run ' +
        'until the campaign is active again). `null` when it runs at `next_run_at`.',
    }),
  );

/** The `varchar(64)` time zone column. */
const TIME_ZONE_LENGTH = 64;

const scheduleProperties = {
  id: Uuid(),
  user_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH }),
  campaign_id: Nullable(Uuid()),
  template_id: Nullable(Uuid()),
  name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
  description: Nullable(Type.String()),
  schedule_type: OneOf(SCHEDULE_TYPES),
  scheduled_at: Instant('The first run (start of the rule), UTC.'),
  recurrence_pattern: Nullable(Type.String({ description: 'Normalized pattern; `null` for once and daily.' })),
  recurrence_end_date: Nullable(Instant()),
  timezone: Type.String({ minLength: 1, maxLength: TIME_ZONE_LENGTH }),
  max_runs: Nullable(Type.Integer({ minimum: 1 })),
  job_config: JsonObject(),
  status: OneOf(SCHEDULED_JOB_STATUSES),
  next_run_at: Nullable(Instant('The true next fire instant; `null` when the schedule will not run (`not_running_reason` says why).')),
  not_running_reason: NotRunningReasonSchema(),
  last_run_at: Nullable(Instant()),
  run_count: Type.Integer({ minimum: 0 }),
  error_count: Type.Integer({ minimum: 0 }),
  last_error: Nullable(Type.String()),
  misfire_grace_seconds: Type.Integer({ minimum: 0, maximum: MAX_MISFIRE_GRACE_SECONDS }),
  catchup_policy: OneOf(CATCHUP_POLICIES),
  requires_approval: Type.Boolean({ description: 'Its Jobs (or all of its campaign, when the campaign says so) wait for an approval.' }),
  approval_timeout_hours: Nullable(Type.Integer({ minimum: 1, maximum: MAX_APPROVAL_TIMEOUT_HOURS })),
  version: Type.Integer({ minimum: 1, description: 'Bumped whenever what or when the schedule fires changes.' }),
  created_at: Instant(),
  updated_at: Instant(),
};

/** What a client sees of a schedule. */
export const ScheduleResponse = named('Schedule', Closed(scheduleProperties));
export type ScheduleResponse = Static<typeof ScheduleResponse>;

/** A created or updated schedule: with the conflict warnings of its next 30 days (the write succeeded). */
export const ScheduleWithWarningsResponse = named('ScheduleWithWarnings', Closed({ ...scheduleProperties, warnings: Warnings() }));
export type ScheduleWithWarningsResponse = Static<typeof ScheduleWithWarningsResponse>;

export function scheduleWithWarningsResponse(s: ScheduledJob, warnings: ConflictWarning[]): ScheduleWithWarningsResponse {
  return { ...scheduleResponse(s), warnings };
}

export function scheduleResponse(s: ScheduledJob): ScheduleResponse {
  return {
    id: s.id,
    user_id: s.userId,
    campaign_id: s.campaignId,
    template_id: s.templateId,
    name: s.name,
    description: s.description,
    schedule_type: s.scheduleType as ScheduleResponse['schedule_type'],
    scheduled_at: iso(s.scheduledAt),
    recurrence_pattern: s.recurrencePattern,
    recurrence_end_date: iso(s.recurrenceEndDate),
    timezone: s.timezone,
    max_runs: s.maxRuns,
    job_config: s.jobConfig,
    status: s.status,
    next_run_at: iso(s.nextRunAt),
    not_running_reason: notRunningReason(s),
    last_run_at: iso(s.lastRunAt),
    run_count: s.runCount,
    error_count: s.errorCount,
    last_error: s.lastError,
    misfire_grace_seconds: s.misfireGraceSeconds,
    catchup_policy: s.catchupPolicy,
    requires_approval: s.requiresApproval,
    approval_timeout_hours: s.approvalTimeoutHours,
    version: s.version,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

/** A schedule in `GET /schedule/upcoming`, with its campaign. */
export const UpcomingScheduleResponse = named(
  'UpcomingSchedule',
  Closed({
    ...scheduleProperties,
    campaign: Type.Unsafe<{ id: string; name: string; color: string | null } | null>({
      oneOf: [
        Closed({ id: Uuid(), name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }), color: Nullable(Type.String()) }),
        { type: 'null' },
      ],
      description: "The schedule's campaign, or `null` without one.",
    }),
  }),
);
export type UpcomingScheduleResponse = Static<typeof UpcomingScheduleResponse>;

export function upcomingScheduleResponse(s: ScheduledJob, campaign: Campaign | undefined): UpcomingScheduleResponse {
  return {
    ...scheduleResponse(s),
    campaign: campaign ? { id: campaign.id, name: campaign.name, color: campaign.color } : null,
  };
}

/** The largest `hours` of `GET /schedule/upcoming`: a year. */
export const MAX_UPCOMING_HOURS = 8760;

export const UpcomingSchedulesResponse = named(
  'UpcomingSchedules',
  Closed({
    time_window_hours: Type.Integer({ minimum: 1, maximum: MAX_UPCOMING_HOURS }),
    cutoff_time: Instant('now + `time_window_hours`.'),
    upcoming_count: Type.Integer({ minimum: 0, description: 'Total number of matching schedules (all pages).' }),
    jobs: Type.Array(UpcomingScheduleResponse, { description: 'This page, soonest `next_run_at` first.' }),
  }),
);

/** One fire instant of a preview (`describeOccurrence` of the recurrence package). */
export const OccurrenceResponse = named(
  'Occurrence',
  Closed({
    at: Instant('The fire instant, UTC.'),
    local: Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?[+-]\\d{2}:\\d{2}(:\\d{2})?$',
      description: "The same instant as ISO 8601 with the zone's offset.",
      examples: ['2027-03-14T09:00:00-04:00'],
    }),
    dst_adjusted: Type.Boolean({ description: 'True where a DST gap moved the run off its nominal wall-clock time.' }),
  }),
);
const occurrenceIsTheRecurrenceView: Same<Static<typeof OccurrenceResponse>, OccurrenceView> = true;
void occurrenceIsTheRecurrenceView;

/**
 * One run of a schedule's preview: the fire instant, and for a run a `shift` blackout moved,
 * the blackout's name and the nominal instant it was moved from.
 */
export const PreviewOccurrenceResponse = named(
  'PreviewOccurrence',
  Closed({
    ...OccurrenceResponse.properties,
    blackout: Type.Optional(Type.String({ description: "Only on a run a `shift` blackout moved here: the blackout's name." })),
    shifted_from: Type.Optional(Instant('Only on a run a `shift` blackout moved here: its nominal instant.')),
  }),
);
export type PreviewOccurrenceResponse = Static<typeof PreviewOccurrenceResponse>;

/** A preview entry: `describeOccurrence` of the run, with the blackout that moved it. */
export function previewOccurrenceResponse(view: OccurrenceView, o: { shifted_from?: Date; blackout?: string }): PreviewOccurrenceResponse {
  return o.shifted_from && o.blackout ? { ...view, blackout: o.blackout, shifted_from: o.shifted_from.toISOString() } : view;
}

/** The most fire instants a preview lists (`count`). */
export const MAX_PREVIEW_COUNT = 100;

export const SchedulePreviewResponse = named(
  'SchedulePreview',
  Closed({
    timezone: Type.String(),
    occurrences: Type.Array(PreviewOccurrenceResponse, {
      maxItems: MAX_PREVIEW_COUNT,
      description: 'Empty when the schedule will not run (`not_running_reason`).',
    }),
    not_running_reason: NotRunningReasonSchema(),
  }),
);

/** One row of a schedule's run history. */
export const ScheduleRunResponse = named(
  'ScheduleRun',
  Closed({
    occurrence_at: Instant(),
    outcome: OneOf(RUN_OUTCOMES, {
      description: '`materialized` (with `job_id`), `skipped` (with `reason`), `missed`, `failed` (with `error`).',
    }),
    job_id: Nullable(Uuid()),
    reason: Nullable(Type.String({ examples: ['campaign paused'] })),
    error: Nullable(Type.String()),
    trigger: OneOf(RUN_TRIGGERS, {
      description:
        '`schedule`: one of its occurrences; `manual`: a run now (`POST /schedule/{id}/run`), whose `occurrence_at` is when it was made.',
    }),
    processed_at: Instant(),
  }),
);
export type ScheduleRunResponse = Static<typeof ScheduleRunResponse>;

export function runResponse(r: ScheduleRun): ScheduleRunResponse {
  return {
    occurrence_at: iso(r.occurrenceAt),
    outcome: r.outcome,
    job_id: r.jobId,
    reason: r.reason,
    error: r.error,
    trigger: r.trigger,
    processed_at: iso(r.processedAt),
  };
}

/** A skipped occurrence of a schedule. */
export const ScheduleSkipResponse = named(
  'ScheduleSkip',
  Closed({
    schedule_id: Uuid(),
    occurrence_at: Instant('The occurrence that will not fire.'),
    created_by: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: 'The member (`sub`) who skipped it.' }),
    created_at: Instant(),
  }),
);
export type ScheduleSkipResponse = Static<typeof ScheduleSkipResponse>;

export function skipResponse(s: ScheduleSkip): ScheduleSkipResponse {
  return { schedule_id: s.scheduledJobId, occurrence_at: iso(s.occurrenceAt), created_by: s.createdBy, created_at: iso(s.createdAt) };
}
