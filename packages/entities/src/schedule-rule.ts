import { deserializeRule, ExpansionCampaign, nextFiring, parseSchedule, RecurrenceRule } from '@scheduler/recurrence';
import type { Campaign } from './campaign.entity';
import type { ScheduledJob } from './scheduled-job.entity';

/**
 * The recurrence rule of a stored schedule: the rule the API compiled and stored with it, or,
 * for rows without one, the rule rebuilt from its columns. A rule that no longer parses (say, a
 * time zone dropped from the system's tz database) yields null and the schedule cannot fire.
 */
export function ruleOf(
  schedule: Pick<ScheduledJob, 'scheduleType' | 'scheduledAt' | 'recurrencePattern' | 'timezone' | 'recurrenceEndDate' | 'maxRuns'> &
    Partial<Pick<ScheduledJob, 'recurrenceRule'>>,
): RecurrenceRule | null {
  if (schedule.recurrenceRule) {
    const stored = deserializeRule(JSON.stringify(schedule.recurrenceRule));
    if (stored) return stored;
  }
  const parsed = parseSchedule({
    schedule_type: schedule.scheduleType,
    scheduled_at: schedule.scheduledAt,
    recurrence_pattern: schedule.recurrencePattern,
    timezone: schedule.timezone,
    recurrence_end_date: schedule.recurrenceEndDate,
    max_runs: schedule.maxRuns,
  });
  return parsed.ok ? parsed.rule : null;
}

/**
 * What the schedule lifecycle reads of a schedule's campaign: its dates and, where known, its
 * status (a window without one is an active campaign's; see `heldByCampaign`).
 */
export type CampaignWindow = (Pick<Campaign, 'startDate' | 'endDate'> & Partial<Pick<Campaign, 'status'>>) | null | undefined;

/** The campaign's start/end window as the recurrence package's expansion reads it. */
export function expansionCampaignOf(campaign: CampaignWindow): ExpansionCampaign | null {
  return campaign ? { start: campaign.startDate, end: campaign.endDate } : null;
}

/**
 * The schedule's next fire instant strictly after `after`: the rule's next occurrence that
 * falls inside the campaign's start/end window, or null when there is none
 * (`nextFiring` of the recurrence package's expansion).
 */
export function nextRunAfter(rule: RecurrenceRule, after: Date, campaign?: CampaignWindow): Date | null {
  return nextFiring({ rule, campaign: expansionCampaignOf(campaign) }, after);
}
