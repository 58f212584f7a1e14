import { CAMPAIGN_STATUSES, JOB_STATUSES, MAX_APPROVAL_TIMEOUT_HOURS, type Campaign } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
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
  }),
);
export type CampaignStatsResponse = Static<typeof CampaignStatsResponse>;
