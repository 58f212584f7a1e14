import { CAMPAIGN_STATUSES, JOB_STATUSES, MAX_APPROVAL_TIMEOUT_HOURS, type Campaign } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
import { MAX_PAUSED_REASON_LENGTH } from './campaign.dto';
import { FORECAST_HORIZON_DAYS } from './campaign-forecast';
import { Closed, Instant, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';

/** What a client sees of a campaign. */
export const CampaignResponse = named(
  'Campaign',
  Closed({
    id: Uuid(),
    user_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: 'Owner: the `sub` of the token that created it.' }),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
    description: Nullable(Type.String()),
    status: OneOf(CAMPAIGN_STATUSES),
    color: Nullable(Type.String({ pattern: '^#[0-9A-F]{6}$', description: 'Stored upper-case.', examples: ['#1E88E5'] })),
    tags: Type.Array(Type.String()),
    target_job_count: Nullable(Type.Integer({ minimum: 1 })),
    target_budget_usd: Nullable(Type.Number({ minimum: 0 })),
    start_date: Nullable(Instant()),
    end_date: Nullable(Instant()),
    requires_approval: Type.Boolean({ description: 'Every Job of the campaign waits for an approval.' }),
    approval_timeout_hours: Nullable(Type.Integer({ minimum: 1, maximum: MAX_APPROVAL_TIMEOUT_HOURS })),
    paused_reason: Nullable(Type.String({ minLength: 1, maxLength: MAX_PAUSED_REASON_LENGTH }), {
      description: 'Why it is paused (given on pause); null when it is not paused or no reason was given.',
    }),
    resume_at: Nullable(Instant(), {
      description: 'When the paused campaign becomes active again by itself; null when it is not paused or only a resume ends the pause.',
    }),
    created_at: Instant(),
    updated_at: Instant(),
  }),
);
export type CampaignResponse = Static<typeof CampaignResponse>;

export function campaignResponse(c: Campaign): CampaignResponse {
  return {
    id: c.id,
    user_id: c.userId,
    name: c.name,
    description: c.description,
    status: c.status,
    color: c.color,
    tags: c.tags,
    target_job_count: c.targetJobCount,
    target_budget_usd: c.targetBudgetUsd,
    start_date: iso(c.startDate),
    end_date: iso(c.endDate),
    requires_approval: c.requiresApproval,
    approval_timeout_hours: c.approvalTimeoutHours,
    paused_reason: c.pausedReason,
    resume_at: iso(c.resumeAt),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

export const UpcomingRunResponse = named(
  'UpcomingRun',
  Closed({
    scheduled_job_id: Uuid(),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
    run_at: Instant(),
    blackout: Type.Optional(Type.String({ description: "Only on a run a `shift` blackout moved: the blackout's name." })),
  }),
);

/** The forecast of `GET /campaigns/{id}/stats` (`forecastOf`). */
export const CampaignForecastResponse = named(
  'CampaignForecast',
  Closed(
    {
      projected_jobs_by_end_date: Nullable(Type.Integer({ minimum: 0 }), {
        description:
          "`total_jobs` plus the runs the campaign's active schedules will still make up to `end_date` (recurrence, " +
          "`max_runs`, skips, blackouts and the campaign's pause until its `resume_at` applied; a paused schedule, or a " +
          'campaign paused without `resume_at`, makes none). `null` without an end date.',
      }),
      will_meet_target: Nullable(Type.Boolean(), {
        description: '`projected_jobs_by_end_date >= target_job_count`; `null` without a target or an end date.',
      }),
      projected_target_date: Nullable(Instant(), {
        description:
          'When the Job count reaches `target_job_count`: the run that reaches it (within `end_date`, or ' +
          `${FORECAST_HORIZON_DAYS} days ahead without one), or the creation of the Job that reached it when it is ` +
          'reached already; `null` without a target or when it is never reached.',
      }),
      projected_spend_usd: Nullable(Type.Number({ minimum: 0 }), {
        description:
          "`projected_jobs_by_end_date` × the mean `cost_usd` of the campaign's completed Jobs (4 decimals); `null` " +
          'without an end date or without a completed Job with a cost.',
      }),
    },
    { description: 'What the campaign will reach by its end date at its current plan.' },
  ),
);

/** `GET /campaigns/{id}/stats` (computed by `CampaignService.stats`). */
export const CampaignStatsResponse = named(
  'CampaignStats',
  Closed({
    campaign_id: Uuid(),
    total_jobs: Type.Integer({ minimum: 0, description: 'Job records of the campaign.' }),
    total_scheduled_jobs: Type.Integer({ minimum: 0 }),
    total_templates: Type.Integer({ minimum: 0 }),
    job_count_progress: Nullable(Type.Number({ minimum: 0 }), { description: '`total_jobs / target_job_count`; `null` without a target.' }),
    days_remaining: Nullable(Type.Integer({ minimum: 0 }), {
      description: 'Whole days until `end_date` (0 once past); `null` without an end date.',
    }),
    status_distribution: Type.Unsafe<Record<string, number>>({
      type: 'object',
      description: 'Job count per Job status (statuses without Jobs are left out).',
      propertyNames: { enum: [...JOB_STATUSES] },
      additionalProperties: { type: 'integer', minimum: 1 },
    }),
    awaiting_approval: Type.Integer({
      minimum: 0,
      description: 'Jobs of the campaign waiting for an approval (`status_distribution.awaiting_approval`, 0 when none).',
    }),
    budget_spent_usd: Type.Number({ minimum: 0, description: "Sum of the `cost_usd` of the campaign's Jobs." }),
    budget_progress: Nullable(Type.Number({ minimum: 0 }), {
      description: '`budget_spent_usd / target_budget_usd`; `null` without a budget.',
    }),
    upcoming_runs: Type.Array(UpcomingRunResponse, {
      maxItems: 5,
      description: "The next 5 runs of the campaign's active schedules, soonest first.",
    }),
    forecast: CampaignForecastResponse,
  }),
);
export type CampaignStatsResponse = Static<typeof CampaignStatsResponse>;
