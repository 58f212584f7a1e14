import {
  blackoutFate,
  blackoutReason,
  expandOccurrences,
  nextFiring,
  nextOccurrence,
  SKIPPED_REASON,
  type Blackout,
  type ExpandedOccurrence,
  type ExpansionInput,
  type ExpansionPause,
  type RecurrenceRule,
} from '@scheduler/recurrence';
import { isClosedCampaign, type Campaign } from './campaign.entity';
import type { RunOutcome } from './schedule-run.entity';
import { CatchupPolicy, DEFAULT_CATCHUP_POLICY, MAX_CONSECUTIVE_ERRORS, ScheduledJob, ScheduledJobStatus } from './scheduled-job.entity';
import { CampaignWindow, expansionCampaignOf } from './schedule-rule';

/**
 * The schedule lifecycle: when a schedule runs next, when it stops and with which status, and
 * what brings it back. Pure functions over a schedule's columns, called by the API (create,
 * update, pause, resume, previews, campaign date changes) and by the worker (each occurrence),
 * so both always agree. No I/O.
 *
 * Statuses:
 * - `active`: fires at `next_run_at`. It is null only on its way to another status, or while its
 *   campaign is paused (`heldByCampaign`: the schedule is active but held, and makes no run).
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

/**
 * What the user planned around a schedule, which the expansion applies: the occurrences they
 * skipped (`schedule_skips`) and the blackouts that cover it (the workspace's and its campaign's,
 * `blackoutsForCampaign`). Callers load them with the schedule (the skips at least from its
 * pending run, the blackouts that have not ended) when they compute its runs. Absent: none.
 */
export interface UserSkips {
  skips?: readonly Date[];
  blackouts?: readonly Blackout[];
}

/** What the expansion reads of a schedule's counts: runs made, `max_runs`, and the user's skips. */
export type RunCounts = Pick<ScheduledJob, 'maxRuns' | 'runCount'> & UserSkips;

/** What the lifecycle reads of a schedule: its lifecycle columns, its `max_runs` and the user's skips. */
export type LifecycleInput = ScheduleLifecycle & Pick<ScheduledJob, 'maxRuns'> & UserSkips;

/** True when the user skipped this instant. */
export function isSkipped(schedule: UserSkips, at: Date): boolean {
  const ms = at.getTime();
  return (schedule.skips ?? []).some((s) => s.getTime() === ms);
}

/** What the worker needs to know about an occurrence's campaign. */
export type OccurrenceCampaign = Pick<Campaign, 'status' | 'startDate' | 'endDate'> | null;

/**
 * At most this many occurrences are recorded missed (or skipped) in one go: by one processed
 * occurrence, or by one resume. Older ones first; the rest are left out of the history.
 */
export const MAX_MISSED_RECORDED = 1000;

function lifecycleOf(schedule: ScheduleLifecycle): ScheduleLifecycle {
  const { status, nextRunAt, lastRunAt, runCount, errorCount, consecutiveErrors, lastError } = schedule;
  return { status, nextRunAt, lastRunAt, runCount, errorCount, consecutiveErrors, lastError };
}

/** How many runs `max_runs` still allows (Infinity without a limit; never negative). */
export function runsLeft(schedule: Pick<ScheduledJob, 'maxRuns' | 'runCount'>): number {
  return schedule.maxRuns === null ? Infinity : Math.max(0, schedule.maxRuns - schedule.runCount);
}

/**
 * A campaign's hold on its schedules, applied wherever the lifecycle gives an active schedule a
 * next run (create, edit, resume, a campaign's changes, the worker's occurrence checks), so that
 * `next_run_at` always says what will happen:
 * - campaign paused: the schedule stays `active` but has no next run (nothing is advertised and
 *   it has no BullMQ scheduler); the campaign's resume records the runs it did not make as
 *   `skipped` and gives it its next run again (`skippedWhilePaused`, `resumed`);
 * - campaign completed or archived: the schedule ends, `expired`, as the worker would end it at
 *   its next occurrence;
 * - campaign active (or none, or a window without status): unchanged.
 * A schedule that is not active is left as it is (its own status already says it does not run).
 */
export function heldByCampaign<S extends Pick<ScheduledJob, 'status' | 'nextRunAt'>>(state: S, campaign: CampaignWindow): S {
  if (state.status !== 'active' || !campaign?.status || campaign.status === 'active') return state;
  if (campaign.status === 'paused') return { ...state, nextRunAt: null };
  return { ...state, status: 'expired', nextRunAt: null };
}

/** Why a schedule makes no run, as its responses and previews say it (`not_running_reason`). */
export const NOT_RUNNING_REASONS = [
  'schedule_paused',
  'schedule_error',
  'schedule_completed',
  'schedule_expired',
  'campaign_paused',
] as const;
export type NotRunningReason = (typeof NOT_RUNNING_REASONS)[number];

/**
 * Why the schedule will not run (null when it runs at `next_run_at`): its own status when it is
 * not active; `campaign_paused` for an active schedule without a next run, which only its paused
 * campaign leaves so (`heldByCampaign`; every other way an active schedule loses its next run
 * also changes its status).
 */
export function notRunningReason(schedule: Pick<ScheduledJob, 'status' | 'nextRunAt'>): NotRunningReason | null {
  if (schedule.status !== 'active') return `schedule_${schedule.status}`;
  return schedule.nextRunAt === null ? 'campaign_paused' : null;
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
export function nextRunOf(schedule: RunCounts, rule: RecurrenceRule | null, after: Date, campaign?: CampaignWindow): Date | null {
  if (!rule || runsLeft(schedule) === 0) return null;
  return nextFiring(expansionOf(schedule, rule, after, campaign), after);
}

/**
 * What the recurrence package's expansion reads of a schedule: its rule (with its end date), its
 * runs made up to `since` and `max_runs`, its campaign's window, the user's skips and the
 * blackouts loaded with it. Pauses are not passed: an active schedule's next run is what these
 * compute (a paused one has none); views of the plan (calendar, feeds, forecast) add `pauseOf`.
 */
export function expansionOf(schedule: RunCounts, rule: RecurrenceRule, since: Date, campaign?: CampaignWindow): ExpansionInput {
  return {
    rule,
    runCount: schedule.runCount,
    maxRuns: schedule.maxRuns,
    since,
    campaign: expansionCampaignOf(campaign),
    skips: schedule.skips,
    blackouts: schedule.blackouts,
  };
}

/** Why a campaign's pause holds an occurrence: `campaign paused`, or `campaign paused: <reason>` given on pause. */
export function campaignPausedReason(campaign: Pick<Campaign, 'pausedReason'>): string {
  return campaign.pausedReason ? `${CAMPAIGN_PAUSED_REASON}: ${campaign.pausedReason}` : CAMPAIGN_PAUSED_REASON;
}

/**
 * The pause the plan of a schedule shows (calendar, feeds, forecast): a paused schedule's
 * (`schedule paused`, no known end), else its paused campaign's (the campaign's reason; until
 * its `resume_at`, when it has one); null when neither is paused. Other statuses are not pauses:
 * a schedule that is not active or paused has no plan at all.
 */
export function pauseOf(
  schedule: Pick<ScheduledJob, 'status'>,
  campaign: Pick<Campaign, 'status' | 'pausedReason' | 'resumeAt'> | null | undefined,
): ExpansionPause | null {
  if (schedule.status === 'paused') return { reason: notActiveReason('paused') };
  if (campaign?.status === 'paused') return { reason: campaignPausedReason(campaign), until: campaign.resumeAt };
  return null;
}

/** The planned occurrences of an expansion strictly after `after` and up to `until` (inclusive), at most `count`. */
function plannedOccurrences(input: ExpansionInput, after: Date, until: Date | null, count: number): ExpandedOccurrence[] {
  const runs: ExpandedOccurrence[] = [];
  if (!(count > 0)) return runs;
  const window = { from: new Date(after.getTime() + 1), to: until ? new Date(until.getTime() + 1) : null };
  for (const o of expandOccurrences(input, window)) {
    if (o.state !== 'planned') continue;
    runs.push(o);
    if (runs.length >= count) break;
  }
  return runs;
}

/** The planned runs of an expansion strictly after `after` and up to `until` (inclusive), at most `count`. */
function plannedRuns(input: ExpansionInput, after: Date, until: Date | null, count: number): Date[] {
  return plannedOccurrences(input, after, until, count).map((o) => o.at);
}

/**
 * `upcomingRuns` with what the expansion says of each run: a run a `shift` blackout moved has
 * `shifted_from` (its nominal instant) and `blackout` (the blackout's name), for previews.
 */
export function upcomingOccurrences(
  schedule: RunCounts,
  rule: RecurrenceRule | null,
  after: Date,
  campaign: CampaignWindow,
  count: number,
): ExpandedOccurrence[] {
  if (!rule) return [];
  return plannedOccurrences(expansionOf(schedule, rule, after, campaign), after, null, count);
}

/**
 * The runs the schedule will make strictly after `after`, soonest first, at most `count`:
 * inside the campaign's window, up to the end date and the runs left under `max_runs`.
 */
export function upcomingRuns(
  schedule: RunCounts,
  rule: RecurrenceRule | null,
  after: Date,
  campaign: CampaignWindow,
  count: number,
): Date[] {
  if (!rule) return [];
  return plannedRuns(expansionOf(schedule, rule, after, campaign), after, null, count);
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

/**
 * The next run from now, and `active` when there is one, else the status it ended with; then the
 * campaign's hold (`heldByCampaign`).
 */
function rescheduled(schedule: LifecycleInput, rule: RecurrenceRule | null, now: Date, campaign: CampaignWindow): ScheduleLifecycle {
  const next = nextRunOf(schedule, rule, now, campaign);
  const state: ScheduleLifecycle = {
    ...lifecycleOf(schedule),
    nextRunAt: next,
    status: next ? 'active' : endedStatus(schedule, 'rescheduled'),
  };
  return heldByCampaign(state, campaign);
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

/**
 * Why an occurrence of a schedule its paused campaign holds is `skipped`: as the worker says of
 * one it finds so, and as the campaign's resume records the runs the schedule did not make.
 */
export const CAMPAIGN_PAUSED_REASON = 'campaign paused';

/** Why the worker skips an occurrence of a schedule that is not active (`schedule paused`, ...). */
export function notActiveReason(status: ScheduledJobStatus): string {
  return `schedule ${status}`;
}

/**
 * The runs a paused schedule did not make, which its resume records as `skipped` (reason
 * `notActiveReason('paused')`, as the worker says of an occurrence it finds paused): the runs it
 * would have made after `since` (its last settled occurrence; from its first occurrence when
 * there is none) up to now, inside the campaign's window, up to its end date and the runs left
 * under `max_runs`; oldest first, at most `MAX_MISSED_RECORDED`.
 */
export function skippedWhilePaused(
  schedule: RunCounts,
  rule: RecurrenceRule | null,
  since: Date | null,
  now: Date,
  campaign: CampaignWindow,
): Date[] {
  if (!rule) return [];
  const cursor = since ?? new Date(new Date(rule.start).getTime() - 1);
  return plannedRuns(expansionOf(schedule, rule, cursor, campaign), cursor, now, MAX_MISSED_RECORDED);
}

/**
 * Resuming a paused schedule: from the next run after now (runs missed while paused are not made
 * up), held while its campaign is paused. A schedule its paused campaign held is resumed the same
 * way when the campaign is active again.
 */
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
  if (next) return heldByCampaign({ ...state, status: 'active', nextRunAt: next, consecutiveErrors: 0 }, campaign);
  return { ...state, nextRunAt: null, status: schedule.status === 'active' ? endedStatus(schedule, 'rescheduled') : schedule.status };
}

/**
 * An active schedule after its campaign's dates changed: its next run moves into the new window
 * at once, or it ends (`expired`, with runs left) when the window holds none.
 */
export function intoCampaignWindow(
  schedule: LifecycleInput,
  rule: RecurrenceRule | null,
  now: Date,
  campaign: CampaignWindow,
): ScheduleLifecycle {
  return rescheduled(schedule, rule, now, campaign);
}

/**
 * A stopped schedule after its campaign's dates changed: it comes back (`active`, at its next
 * run) when the campaign's window was what stopped it — the old window held no run for it after
 * now and the new one does, its own rule, end date and `max_runs` allowing. That is an `expired`
 * one (stopped by the window with runs left), or a `completed` one with runs left under
 * `max_runs` (the worker calls a schedule the window stopped right after a run `completed`).
 * It stays as it is when its own rule has no run left, when `max_runs` is used up, when the old
 * window still held runs (a completed or archived campaign stopped it, not the window), or when
 * the campaign is itself completed or archived. Null when it stays.
 */
export function reopenedByCampaignWindow(
  schedule: LifecycleInput,
  rule: RecurrenceRule | null,
  now: Date,
  before: CampaignWindow,
  after: Pick<Campaign, 'status' | 'startDate' | 'endDate'>,
): ScheduleLifecycle | null {
  if (schedule.status !== 'expired' && schedule.status !== 'completed') return null;
  if (isClosedCampaign(after.status)) return null;
  if (nextRunOf(schedule, rule, now, before)) return null;
  const next = nextRunOf(schedule, rule, now, after);
  return next ? heldByCampaign({ ...lifecycleOf(schedule), status: 'active', nextRunAt: next }, after) : null;
}

/**
 * Moves an active schedule past a processed occurrence and past now (the occurrences between
 * them were settled with it: fired or recorded missed by the catch-up plan), ending it when no
 * run is left. The next run is the rule's next occurrence, so the time of day never drifts.
 */
function advanced(
  state: ScheduleLifecycle,
  schedule: Pick<ScheduledJob, 'maxRuns'> & UserSkips,
  rule: RecurrenceRule,
  occurrence: Date,
  now: Date,
  campaign: CampaignWindow,
): ScheduleLifecycle {
  if (state.status !== 'active') return state;
  const counts = { maxRuns: schedule.maxRuns, runCount: state.runCount, skips: schedule.skips, blackouts: schedule.blackouts };
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
  /** `DEFAULT_CATCHUP_POLICY` when absent (the column's default). */
  catchupPolicy?: CatchupPolicy;
  campaign: OccurrenceCampaign;
}

// ---- Misfires and catch-up ------------------------------------------------------------------

/** Why an occurrence of a backlog is recorded missed, as the run history says it. */
export const MISSED_REASONS = {
  /** Past `misfire_grace_seconds` when a worker got to it. */
  pastGrace: 'no worker processed this occurrence in time',
  /** `latest`: within grace, but a more recent occurrence fired in its place. */
  superseded: 'a later occurrence fired in its place (catchup_policy latest)',
  /** `none`: within grace, but the schedule does not catch up. */
  notCaughtUp: 'not caught up (catchup_policy none)',
  /** `all`: within grace, but more than `MAX_MISSED_RECORDED` occurrences were to fire at once. */
  tooMany: `more than ${MAX_MISSED_RECORDED} occurrences to catch up at once`,
  /** At or before the schedule's last run: firing it now would run the schedule backwards. */
  alreadyPast: 'a later occurrence already ran',
} as const;

/** How late an occurrence is, as its `missed` reason says when it is the one being processed. */
function lateReason(occurrence: Date, now: Date, graceSeconds: number): string {
  return `processed ${Math.round((now.getTime() - occurrence.getTime()) / 1000)}s late, grace is ${graceSeconds}s`;
}

export interface MissedOccurrence {
  at: Date;
  reason: string;
  /** `skipped` for an occurrence the user skipped (reason `skipped`); else missed. */
  outcome?: 'missed' | 'skipped';
}

/** Which occurrences of a backlog fire and which are recorded missed. */
export interface CatchUpPlan {
  /** To fire, oldest first (each still passes the other checks of `decideOccurrence`). */
  fire: Date[];
  /** To record as missed, oldest first; always holds the processed occurrence when it does not fire. */
  missed: MissedOccurrence[];
}

/** What the catch-up plan reads of a schedule. */
export type CatchUpSchedule = Pick<ScheduledJob, 'nextRunAt' | 'lastRunAt' | 'misfireGraceSeconds'> & {
  catchupPolicy?: CatchupPolicy;
  /** Its campaign's window (a shift landing past the campaign's end does not happen). */
  campaign?: CampaignWindow;
} & UserSkips;

/** Why a nominal occurrence a `shift` blackout moved is recorded `skipped` at its own instant. */
export function shiftedReason(to: Date, blackout: string): string {
  return `shifted to ${to.toISOString()} (${blackoutReason(blackout)})`;
}

/**
 * What the blackouts loaded with the schedule make of its nominal occurrence `at`: null when none
 * covers it, else the reason it is recorded `skipped` with (no Job, no run counted): a `skip`
 * blackout's `blackout: <name>`; a `shift` one's `shifted to <instant> (blackout: <name>)` (the
 * run happens at that instant instead), or `blackout: <name>` when the shift lands nowhere.
 */
export function blackoutSkipReason(schedule: UserSkips & { campaign?: CampaignWindow }, rule: RecurrenceRule, at: Date): string | null {
  if (!schedule.blackouts || schedule.blackouts.length === 0) return null;
  const fate = blackoutFate({ rule, blackouts: schedule.blackouts, campaign: expansionCampaignOf(schedule.campaign) }, at);
  if (fate === null) return null;
  return fate.shifted_to ? shiftedReason(fate.shifted_to, fate.blackout) : blackoutReason(fate.blackout);
}

/**
 * The shifted runs in [start, now]: the expansion's occurrences a `shift` blackout moved (the
 * user's skips applied, so a skipped nominal occurrence moves nowhere; a skipped shifted run is
 * among them, recorded `skipped` by the plan). At most `MAX_MISSED_RECORDED` before `graceStart`
 * (those are recorded missed), all of them within grace. None without a `shift` blackout.
 */
function shiftedBacklog(schedule: CatchUpSchedule, rule: RecurrenceRule, start: number, graceStart: number, nowMs: number): number[] {
  if (!schedule.blackouts?.some((b) => b.policy === 'shift')) return [];
  const input: ExpansionInput = {
    rule,
    campaign: expansionCampaignOf(schedule.campaign),
    skips: schedule.skips,
    blackouts: schedule.blackouts,
  };
  const found: number[] = [];
  const collect = (from: number, to: number, cap: number): void => {
    if (!(to > from)) return;
    let n = 0;
    for (const o of expandOccurrences(input, { from: new Date(from), to: new Date(to) })) {
      if (o.shifted_from === undefined) continue;
      found.push(o.at.getTime());
      if (++n >= cap) return;
    }
  };
  collect(start, Math.min(graceStart, nowMs + 1), MAX_MISSED_RECORDED);
  collect(Math.max(start, graceStart), nowMs + 1, Infinity);
  return found;
}

/**
 * The catch-up plan for one processed occurrence of an active schedule. Its backlog is that
 * occurrence and every occurrence of the rule from the schedule's recorded `next_run_at` up to
 * now, with the shifted runs in that span (`shiftedBacklog`): the ones no worker processed in time (a worker normally processes each occurrence within
 * moments, and the scheduler produces only the next one after the instant it is taken, so after
 * an outage these reach the worker only here). Of the backlog, those more than
 * `misfire_grace_seconds` old, and any at or before the schedule's last run, are missed, and those
 * the user skipped are listed with them as `skipped` (they never fire); of the rest, the
 * schedule's `catchup_policy` decides:
 * - `latest`: the most recent fires, once; the others are missed (superseded);
 * - `all`: each fires, oldest first (at most `MAX_MISSED_RECORDED`, the most recent);
 * - `none`: only the processed occurrence itself fires, and only while it is the most recent one
 *   due (it came on time, not out of a backlog); the others are missed.
 * So an occurrence processed within grace with nothing newer due fires under every policy, and
 * a worker back from an outage never fires one twice (each fired occurrence is its own Job,
 * unique per schedule and occurrence) nor one older than the schedule's last run.
 * At most `MAX_MISSED_RECORDED` missed occurrences besides the processed one are listed.
 */
export function catchUpPlan(schedule: CatchUpSchedule, rule: RecurrenceRule, occurrence: Date, now: Date): CatchUpPlan {
  const policy = schedule.catchupPolicy ?? DEFAULT_CATCHUP_POLICY;
  const processed = occurrence.getTime();
  const nowMs = now.getTime();
  const graceStart = nowMs - schedule.misfireGraceSeconds * 1000;
  const lastRun = schedule.lastRunAt?.getTime() ?? -Infinity;

  // The backlog, in two parts: past grace (only as many as can be recorded) and within grace.
  const pastGrace: number[] = [];
  const withinGrace: number[] = [];
  const add = (at: number) => (at < graceStart ? pastGrace : withinGrace).push(at);
  let cursor = schedule.nextRunAt ? schedule.nextRunAt.getTime() - 1 : processed;
  let seenProcessed = false;
  for (;;) {
    if (cursor < graceStart - 1 && pastGrace.length >= MAX_MISSED_RECORDED) cursor = graceStart - 1;
    const next = nextOccurrence(rule, new Date(cursor))?.getTime();
    if (next === undefined || next > nowMs) break;
    if (next === processed) seenProcessed = true;
    add(next);
    cursor = next;
  }
  // The shifted runs of the backlog (a `shift` blackout moved an occurrence to an instant the rule
  // does not fire at, so its scheduler never delivers it), from the same expansion as the plan's.
  const start = schedule.nextRunAt ? schedule.nextRunAt.getTime() : processed;
  for (const at of shiftedBacklog(schedule, rule, start, graceStart, nowMs)) {
    if (at === processed) seenProcessed = true;
    add(at);
  }
  // The processed occurrence is in its own backlog even when the scan passed it by (it lies
  // before `next_run_at`: a redelivery, or an instant of an older version the rule still has).
  if (!seenProcessed) add(processed);
  pastGrace.sort((a, b) => a - b);
  withinGrace.sort((a, b) => a - b);

  const newest = Math.max(pastGrace[pastGrace.length - 1] ?? -Infinity, withinGrace[withinGrace.length - 1] ?? -Infinity);
  const skipped = new Set((schedule.skips ?? []).map((d) => d.getTime()));
  // The blackouts' skipped and shifted-away occurrences never fire at their own instant.
  const blackedOut = new Map<number, string>();
  for (const at of [...pastGrace, ...withinGrace]) {
    if (skipped.has(at)) continue;
    const reason = blackoutSkipReason(schedule, rule, new Date(at));
    if (reason !== null) blackedOut.set(at, reason);
  }
  const skippedReason = (at: number): string | undefined => (skipped.has(at) ? SKIPPED_REASON : blackedOut.get(at));
  const eligible = withinGrace.filter((at) => at > lastRun && skippedReason(at) === undefined);
  let fire: number[];
  if (policy === 'all') fire = eligible.slice(-MAX_MISSED_RECORDED);
  else if (policy === 'latest') fire = eligible.slice(-1);
  else fire = eligible.includes(processed) && processed === newest ? [processed] : [];

  const firing = new Set(fire);
  const reasonFor = (at: number): string => {
    const skip = skippedReason(at);
    if (skip !== undefined) return skip;
    if (at <= lastRun) return MISSED_REASONS.alreadyPast;
    if (at < graceStart) return at === processed ? lateReason(occurrence, now, schedule.misfireGraceSeconds) : MISSED_REASONS.pastGrace;
    if (policy === 'all') return MISSED_REASONS.tooMany;
    return policy === 'latest' ? MISSED_REASONS.superseded : MISSED_REASONS.notCaughtUp;
  };
  const missed: MissedOccurrence[] = [];
  let others = 0;
  for (const at of [...pastGrace, ...withinGrace]) {
    if (firing.has(at)) continue;
    if (at !== processed) {
      if (others >= MAX_MISSED_RECORDED) continue;
      others += 1;
    }
    missed.push({ at: new Date(at), reason: reasonFor(at), ...(skippedReason(at) !== undefined ? { outcome: 'skipped' as const } : {}) });
  }
  missed.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { fire: fire.map((at) => new Date(at)), missed };
}

/**
 * The worker's checks of an occurrence, in order: the schedule's status, a usable rule,
 * `max_runs`, the end date, the campaign (past its end or completed/archived: the schedule
 * expires; paused or before its start: skipped), the user's skip (skipped, reason `skipped`: the
 * schedule goes on to its next run), then the catch-up plan (`catchUpPlan`: lateness
 * against `misfire_grace_seconds` and the schedule's `catchup_policy`; not to fire: missed). An
 * occurrence that passes them all fires (`firedRun` or `failedRun`). `plan` is the plan of the
 * occurrence being processed, when this is one of the others it fires.
 */
export function decideOccurrence(
  schedule: OccurrenceSchedule,
  rule: RecurrenceRule | null,
  occurrence: Date,
  now: Date,
  plan?: CatchUpPlan,
): OccurrenceDecision {
  const state = lifecycleOf(schedule);
  const at = occurrence.getTime();
  const ends = (
    status: ScheduledJobStatus,
    outcome: 'skipped' | 'failed',
    text: { reason?: string; error?: string },
  ): OccurrenceDecision => ({
    fire: false,
    outcome,
    ...text,
    state: { ...state, status, nextRunAt: null, ...(text.error !== undefined ? { lastError: text.error } : {}) },
  });
  const goesOn = (outcome: 'skipped' | 'missed', reason: string): OccurrenceDecision => ({
    fire: false,
    outcome,
    reason,
    state: rule ? advanced(state, schedule, rule, occurrence, now, schedule.campaign) : state,
  });

  if (schedule.status !== 'active') return { fire: false, outcome: 'skipped', reason: notActiveReason(schedule.status), state };
  if (!rule) return ends('error', 'failed', { error: 'the stored recurrence rule is no longer valid' });
  if (runsLeft(schedule) === 0) return ends('completed', 'skipped', { reason: 'max_runs reached' });
  if (rule.end && at > new Date(rule.end).getTime()) return ends('expired', 'skipped', { reason: 'after recurrence_end_date' });
  const campaign = schedule.campaign;
  if (campaign) {
    if (campaign.endDate && at > campaign.endDate.getTime()) return ends('expired', 'skipped', { reason: 'after campaign end_date' });
    if (isClosedCampaign(campaign.status)) return ends('expired', 'skipped', { reason: `campaign ${campaign.status}` });
    // Held: no next run until the campaign's resume (which records the rest as skipped).
    if (campaign.status === 'paused')
      return { fire: false, outcome: 'skipped', reason: CAMPAIGN_PAUSED_REASON, state: heldByCampaign(state, campaign) };
    if (campaign.startDate && at < campaign.startDate.getTime()) return goesOn('skipped', 'before campaign start_date');
  }
  // The user skipped it (`POST /schedule/{id}/skip`): no Job, no run counted, on to the next one.
  if (isSkipped(schedule, occurrence)) return goesOn('skipped', SKIPPED_REASON);
  // A blackout covers it: skipped (`skip`), or moved to a later instant (`shift`), which fires instead.
  const blackedOut = blackoutSkipReason(schedule, rule, occurrence);
  if (blackedOut !== null) return goesOn('skipped', blackedOut);
  const verdict = plan ?? catchUpPlan(schedule, rule, occurrence, now);
  if (verdict.fire.some((d) => d.getTime() === at)) return { fire: true, rule };
  const missed = verdict.missed.find((m) => m.at.getTime() === at);
  return goesOn('missed', missed?.reason ?? lateReason(occurrence, now, schedule.misfireGraceSeconds));
}

/** The lifecycle after an occurrence made its Job: one more run, errors in a row reset, next run. */
export function firedRun(schedule: OccurrenceSchedule, rule: RecurrenceRule, occurrence: Date, now: Date): ScheduleLifecycle {
  const state = { ...lifecycleOf(schedule), runCount: schedule.runCount + 1, lastRunAt: occurrence, consecutiveErrors: 0 };
  return advanced(state, schedule, rule, occurrence, now, schedule.campaign);
}

/**
 * The lifecycle after an occurrence failed for the schedule's own reason (an unusable config):
 * counted; the `MAX_CONSECUTIVE_ERRORS`-th failure in a row stops it in `error`, else it goes on.
 */
export function failedRun(
  schedule: OccurrenceSchedule,
  rule: RecurrenceRule,
  occurrence: Date,
  now: Date,
  error: string,
): ScheduleLifecycle {
  const state = {
    ...lifecycleOf(schedule),
    errorCount: schedule.errorCount + 1,
    consecutiveErrors: schedule.consecutiveErrors + 1,
    lastError: error,
  };
  if (state.consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) return { ...state, status: 'error', nextRunAt: null };
  return advanced(state, schedule, rule, occurrence, now, schedule.campaign);
}

/** One occurrence of a settlement: its run row (a Job when `materialized`) and the schedule after it. */
export interface SettledOccurrence {
  at: Date;
  outcome: RunOutcome;
  reason?: string;
  error?: string;
  state: ScheduleLifecycle;
}

/** What processing one occurrence writes. */
export interface Settlement {
  /** Recorded missed in one go, without changing the schedule; oldest first. */
  missed: MissedOccurrence[];
  /**
   * Settled one after another, oldest first: each writes its run row (and its Job when
   * materialized) and the schedule's state after it. Holds the processed occurrence unless it is
   * among `missed`.
   */
  settled: SettledOccurrence[];
}

/**
 * Everything the worker writes for one processed occurrence: the catch-up plan's missed
 * occurrences, and each occurrence it fires through the checks of `decideOccurrence`, in order,
 * from the schedule's state after the one before (so `max_runs`, end dates and the campaign
 * apply to each; once the schedule stops, nothing after fires). `configError` says why the
 * schedule's merged config cannot make a Job (each fire then fails with it), null when it can.
 */
export function settleOccurrences(
  schedule: OccurrenceSchedule,
  rule: RecurrenceRule | null,
  occurrence: Date,
  now: Date,
  configError: string | null,
  plan: CatchUpPlan | null = schedule.status === 'active' && rule ? catchUpPlan(schedule, rule, occurrence, now) : null,
): Settlement {
  const processed = occurrence.getTime();
  const one = (state: OccurrenceSchedule, at: Date): SettledOccurrence => {
    const decision = decideOccurrence(state, rule, at, now, plan ?? undefined);
    if (!decision.fire) return { at, outcome: decision.outcome, reason: decision.reason, error: decision.error, state: decision.state };
    if (configError !== null)
      return { at, outcome: 'failed', error: configError, state: failedRun(state, decision.rule, at, now, configError) };
    return { at, outcome: 'materialized', state: firedRun(state, decision.rule, at, now) };
  };
  if (!plan || plan.fire.length === 0) {
    return { missed: plan ? plan.missed.filter((m) => m.at.getTime() !== processed) : [], settled: [one(schedule, occurrence)] };
  }
  const settled: SettledOccurrence[] = [];
  let state = schedule;
  for (const at of plan.fire) {
    // Once the schedule has stopped nothing after fires; the processed occurrence still gets its row.
    if (state.status !== 'active' && at.getTime() !== processed) continue;
    const step = one(state, at);
    settled.push(step);
    state = { ...state, ...step.state };
  }
  return { missed: plan.missed, settled };
}

/**
 * True when the schedule fires at `at` (a planned occurrence of its expansion: a shifted one
 * among them). The worker asks it of an instant that is not one of its rule's occurrences (a
 * delayed job for a shifted run): one that is no longer planned (its blackout was deleted or
 * changed meanwhile) is ignored.
 */
export function plansRunAt(schedule: RunCounts, rule: RecurrenceRule, at: Date, campaign?: CampaignWindow): boolean {
  const t = at.getTime();
  for (const o of expandOccurrences(expansionOf(schedule, rule, new Date(t - 1), campaign), { from: at, to: new Date(t + 1), limit: 1 })) {
    return o.state === 'planned' && o.at.getTime() === t;
  }
  return false;
}
