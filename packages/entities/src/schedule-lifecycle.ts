import type { RecurrenceRule } from '@scheduler/recurrence';
import type { Campaign } from './campaign.entity';
import type { RunOutcome } from './schedule-run.entity';
import { MAX_CONSECUTIVE_ERRORS, ScheduledJob, ScheduledJobStatus } from './scheduled-job.entity';
import { CampaignWindow, nextRunAfter } from './schedule-rule';

/**
 * The schedule lifecycle: when a schedule runs next, when it stops and with which status, and
 * what brings it back. Pure functions over a schedule's columns, called by the API (create,
 * update, pause, resume, previews, campaign date changes) and by the worker (each occurrence),
 * so both always agree. No I/O.
 *
 * Statuses:
 * - `active`: fires at `next_run_at` (null only on its way to another status).
 * - `paused`: by the user; `resume` starts it again from the next occurrence after now.
 * - `completed`: it made all its runs (`max_runs` reached), or its rule ran out as it fired
 *   after at least one run.
 * - `expired`: it stopped with runs left: its end date, its campaign's end date or status
 *   closed first (or its rule ran out before it ever ran).
 * - `error`: its stored rule no longer parses, or `MAX_CONSECUTIVE_ERRORS` runs in a row failed.
 * None of the last three fires on its own; an edit revives them (`afterEdit`).
 */

/** The columns the lifecycle writes, which are also what a settled occurrence writes back. */
export const LIFECYCLE_FIELDS = [
  'status',
  'nextRunAt',
  'lastRunAt',
  'runCount',
  'errorCount',
  'consecutiveErrors',
  'lastError',
] as const satisfies readonly (keyof ScheduledJob)[];
export type ScheduleLifecycle = Pick<ScheduledJob, (typeof LIFECYCLE_FIELDS)[number]>;

/** What the lifecycle reads of a schedule: its lifecycle columns and its `max_runs`. */
export type LifecycleInput = ScheduleLifecycle & Pick<ScheduledJob, 'maxRuns'>;

/** What the worker needs to know about an occurrence's campaign. */
export type OccurrenceCampaign = Pick<Campaign, 'status' | 'startDate' | 'endDate'> | null;

function lifecycleOf(schedule: ScheduleLifecycle): ScheduleLifecycle {
  const { status, nextRunAt, lastRunAt, runCount, errorCount, consecutiveErrors, lastError } = schedule;
  return { status, nextRunAt, lastRunAt, runCount, errorCount, consecutiveErrors, lastError };
}

/** How many runs `max_runs` still allows (Infinity without a limit; never negative). */
export function runsLeft(schedule: Pick<ScheduledJob, 'maxRuns' | 'runCount'>): number {
  return schedule.maxRuns === null ? Infinity : Math.max(0, schedule.maxRuns - schedule.runCount);
}

/** True while the schedule has a BullMQ scheduler to keep: active with a next run. */
export function firesAgain(schedule: Pick<ScheduledJob, 'status' | 'nextRunAt'>): boolean {
  return schedule.status === 'active' && schedule.nextRunAt !== null;
}

/**
 * The schedule's next run strictly after `after`: the rule's next occurrence (the rule carries
 * the end date) inside the campaign's window, while `max_runs` allows one; null when there is
 * none or the rule is unusable.
 */
export function nextRunOf(
  schedule: Pick<ScheduledJob, 'maxRuns' | 'runCount'>,
  rule: RecurrenceRule | null,
  after: Date,
  campaign?: CampaignWindow,
): Date | null {
  if (!rule || runsLeft(schedule) === 0) return null;
  return nextRunAfter(rule, after, campaign);
}

/**
 * The runs the schedule will make strictly after `after`, soonest first, at most `count`:
 * inside the campaign's window, up to the end date and the runs left under `max_runs`.
 */
export function upcomingRuns(
  schedule: Pick<ScheduledJob, 'maxRuns' | 'runCount'>,
  rule: RecurrenceRule | null,
  after: Date,
  campaign: CampaignWindow,
  count: number,
): Date[] {
  const runs: Date[] = [];
  if (!rule) return runs;
  const limit = Math.min(count, runsLeft(schedule));
  for (let at = nextRunAfter(rule, after, campaign); at && runs.length < limit; at = nextRunAfter(rule, at, campaign)) {
    runs.push(at);
  }
  return runs;
}

/**
 * The status of a schedule left without a next run. `max_runs` used up is `completed`. With runs
 * left: when it is the worker moving past an occurrence (`fired`), the rule ran out, so it is
 * `completed` if it ever ran (else `expired`); when an edit, a resume or a campaign's new dates
 * found no run for it (`rescheduled`), its window closed on runs it still had: `expired`.
 */
export function endedStatus(schedule: Pick<ScheduledJob, 'maxRuns' | 'runCount'>, how: 'fired' | 'rescheduled'): 'completed' | 'expired' {
  if (runsLeft(schedule) === 0) return 'completed';
  if (how === 'fired') return schedule.runCount > 0 ? 'completed' : 'expired';
  return 'expired';
}

/** The next run from now, and `active` when there is one, else the status it ended with. */
function rescheduled(schedule: LifecycleInput, rule: RecurrenceRule | null, now: Date, campaign: CampaignWindow): ScheduleLifecycle {
  const next = nextRunOf(schedule, rule, now, campaign);
  return { ...lifecycleOf(schedule), nextRunAt: next, status: next ? 'active' : endedStatus(schedule, 'rescheduled') };
}

/** Only an active schedule can be paused. */
export function canPause(status: ScheduledJobStatus): boolean {
  return status === 'active';
}

/** Only a paused schedule can be resumed. */
export function canResume(status: ScheduledJobStatus): boolean {
  return status === 'paused';
}

/** Pausing: no next run until resumed; occurrences meanwhile are skipped. */
export function paused(schedule: ScheduleLifecycle): ScheduleLifecycle {
  return { ...lifecycleOf(schedule), status: 'paused', nextRunAt: null };
}

/** Resuming a paused schedule: from the next run after now (runs missed while paused are not made up). */
export function resumed(schedule: LifecycleInput, rule: RecurrenceRule | null, now: Date, campaign: CampaignWindow): ScheduleLifecycle {
  return rescheduled(schedule, rule, now, campaign);
}

/** What an update changed of what a schedule fires. */
export interface ScheduleEdit {
  /** Any rule field was sent (type, start, pattern, end date, zone, max_runs). */
  ruleChanged: boolean;
  /** `campaign_id` was sent with a different value. */
  campaignChanged: boolean;
  /** `template_id` was sent. */
  templateChanged: boolean;
  /** `job_config` was sent. */
  jobConfigChanged: boolean;
}

/** True when the edit changes when or what the schedule fires (the update then bumps `version`). */
export function changesFiring(edit: ScheduleEdit): boolean {
  return edit.ruleChanged || edit.campaignChanged || edit.templateChanged || edit.jobConfigChanged;
}

/**
 * True when the edit brings a stopped schedule back: one in `error` is fixed by changing what
 * it fires (rule, campaign, template or `job_config`); a `completed` or `expired` one by a new
 * rule (it becomes active only if that rule has runs left).
 */
export function revives(status: ScheduledJobStatus, edit: ScheduleEdit): boolean {
  if (status === 'error') return changesFiring(edit);
  return (status === 'completed' || status === 'expired') && edit.ruleChanged;
}

/**
 * The lifecycle after an update (the schedule already carries the new rule fields, `rule` is the
 * new rule). An edit that changes firing recomputes the next run from now for an active schedule
 * and for one it revives: with a run, it is `active` with a fresh consecutive error count; an
 * active one without a run ends (`endedStatus`); a revived one without a run stays as it was.
 * A paused schedule keeps its state (resume computes its next run), and so does any schedule
 * after an edit that changes nothing it fires (a rename).
 */
export function afterEdit(
  schedule: LifecycleInput,
  edit: ScheduleEdit,
  rule: RecurrenceRule | null,
  now: Date,
  campaign: CampaignWindow,
): ScheduleLifecycle {
  const state = lifecycleOf(schedule);
  if (!changesFiring(edit)) return state;
  if (schedule.status !== 'active' && !revives(schedule.status, edit)) return state;
  const next = nextRunOf(schedule, rule, now, campaign);
  if (next) return { ...state, status: 'active', nextRunAt: next, consecutiveErrors: 0 };
  return { ...state, nextRunAt: null, status: schedule.status === 'active' ? endedStatus(schedule, 'rescheduled') : schedule.status };
}

/**
 * An active schedule after its campaign's dates changed: its next run moves into the new window
 * at once, or it ends (`expired`, with runs left) when the window holds none.
 */
export function intoCampaignWindow(schedule: LifecycleInput, rule: RecurrenceRule | null, now: Date, campaign: CampaignWindow): ScheduleLifecycle {
  return rescheduled(schedule, rule, now, campaign);
}

/**
 * Moves an active schedule past a processed occurrence (and past now: occurrences between them
 * are not fired; they were recorded as missed), ending it when no run is left.
 */
function advanced(state: ScheduleLifecycle, maxRuns: number | null, rule: RecurrenceRule, occurrence: Date, now: Date, campaign: CampaignWindow): ScheduleLifecycle {
  if (state.status !== 'active') return state;
  const counts = { maxRuns, runCount: state.runCount };
  const after = new Date(Math.max(occurrence.getTime(), now.getTime()));
  const next = nextRunOf(counts, rule, after, campaign);
  return { ...state, nextRunAt: next, status: next ? 'active' : endedStatus(counts, 'fired') };
}

/** What the worker does with an occurrence: fire it, or settle it without a Job. */
export type OccurrenceDecision =
  | { fire: true; rule: RecurrenceRule }
  | { fire: false; outcome: Exclude<RunOutcome, 'materialized'>; reason?: string; error?: string; state: ScheduleLifecycle };

/** The schedule as the worker's checks see it. */
export interface OccurrenceSchedule extends LifecycleInput {
  misfireGraceSeconds: number;
  campaign: OccurrenceCampaign;
}

/**
 * The worker's checks of an occurrence, in order: the schedule's status, a usable rule,
 * `max_runs`, the end date, the campaign (past its end or completed/archived: the schedule
 * expires; paused or before its start: skipped), then lateness against `misfire_grace_seconds`
 * (too late: missed). An occurrence that passes them all fires (`firedRun` or `failedRun`).
 */
export function decideOccurrence(schedule: OccurrenceSchedule, rule: RecurrenceRule | null, occurrence: Date, now: Date): OccurrenceDecision {
  const state = lifecycleOf(schedule);
  const at = occurrence.getTime();
  const ends = (status: ScheduledJobStatus, outcome: 'skipped' | 'failed', text: { reason?: string; error?: string }): OccurrenceDecision => ({
    fire: false,
    outcome,
    ...text,
    state: { ...state, status, nextRunAt: null, ...(text.error !== undefined ? { lastError: text.error } : {}) },
  });
  const goesOn = (outcome: 'skipped' | 'missed', reason: string): OccurrenceDecision => ({
    fire: false,
    outcome,
    reason,
    state: rule ? advanced(state, schedule.maxRuns, rule, occurrence, now, schedule.campaign) : state,
  });

  if (schedule.status !== 'active') return { fire: false, outcome: 'skipped', reason: `schedule ${schedule.status}`, state };
  if (!rule) return ends('error', 'failed', { error: 'the stored recurrence rule is no longer valid' });
  if (runsLeft(schedule) === 0) return ends('completed', 'skipped', { reason: 'max_runs reached' });
  if (rule.end && at > new Date(rule.end).getTime()) return ends('expired', 'skipped', { reason: 'after recurrence_end_date' });
  const campaign = schedule.campaign;
  if (campaign) {
    if (campaign.endDate && at > campaign.endDate.getTime()) return ends('expired', 'skipped', { reason: 'after campaign end_date' });
    if (campaign.status === 'completed' || campaign.status === 'archived') {
      return ends('expired', 'skipped', { reason: `campaign ${campaign.status}` });
    }
    if (campaign.status === 'paused') return goesOn('skipped', 'campaign paused');
    if (campaign.startDate && at < campaign.startDate.getTime()) return goesOn('skipped', 'before campaign start_date');
  }
  const lateSeconds = (now.getTime() - at) / 1000;
  if (lateSeconds > schedule.misfireGraceSeconds) {
    return goesOn('missed', `processed ${Math.round(lateSeconds)}s late, grace is ${schedule.misfireGraceSeconds}s`);
  }
  return { fire: true, rule };
}

/** The lifecycle after an occurrence made its Job: one more run, errors in a row reset, next run. */
export function firedRun(schedule: OccurrenceSchedule, rule: RecurrenceRule, occurrence: Date, now: Date): ScheduleLifecycle {
  const state = { ...lifecycleOf(schedule), runCount: schedule.runCount + 1, lastRunAt: occurrence, consecutiveErrors: 0 };
  return advanced(state, schedule.maxRuns, rule, occurrence, now, schedule.campaign);
}

/**
 * The lifecycle after an occurrence failed for the schedule's own reason (an unusable config):
 * counted; the `MAX_CONSECUTIVE_ERRORS`-th failure in a row stops it in `error`, else it goes on.
 */
export function failedRun(schedule: OccurrenceSchedule, rule: RecurrenceRule, occurrence: Date, now: Date, error: string): ScheduleLifecycle {
  const state = {
    ...lifecycleOf(schedule),
    errorCount: schedule.errorCount + 1,
    consecutiveErrors: schedule.consecutiveErrors + 1,
    lastError: error,
  };
  if (state.consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) return { ...state, status: 'error', nextRunAt: null };
  return advanced(state, schedule.maxRuns, rule, occurrence, now, schedule.campaign);
}
