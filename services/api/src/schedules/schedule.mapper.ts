import type { Campaign, ScheduledJob, ScheduleRun } from '@scheduler/entities';
import { iso } from '../http/format';

export function scheduleResponse(s: ScheduledJob) {
  return {
    id: s.id,
    user_id: s.userId,
    campaign_id: s.campaignId,
    template_id: s.templateId,
    name: s.name,
    description: s.description,
    schedule_type: s.scheduleType,
    scheduled_at: iso(s.scheduledAt),
    recurrence_pattern: s.recurrencePattern,
    recurrence_end_date: iso(s.recurrenceEndDate),
    timezone: s.timezone,
    max_runs: s.maxRuns,
    job_config: s.jobConfig,
    status: s.status,
    next_run_at: iso(s.nextRunAt),
    last_run_at: iso(s.lastRunAt),
    run_count: s.runCount,
    error_count: s.errorCount,
    last_error: s.lastError,
    misfire_grace_seconds: s.misfireGraceSeconds,
    version: s.version,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function upcomingScheduleResponse(s: ScheduledJob, campaign: Campaign | undefined) {
  return {
    ...scheduleResponse(s),
    campaign: campaign ? { id: campaign.id, name: campaign.name, color: campaign.color } : null,
  };
}

export function runResponse(r: ScheduleRun) {
  return {
    occurrence_at: iso(r.occurrenceAt),
    outcome: r.outcome,
    job_id: r.jobId,
    reason: r.reason,
    error: r.error,
    processed_at: iso(r.processedAt),
  };
}
