import type { EntityManager } from 'typeorm';
import { expandOccurrences, SKIPPED_REASON, type Blackout, type RecurrenceRule } from '@scheduler/recurrence';
import { blackoutsForCampaign, blackoutsFrom, expansionBlackoutOf } from './blackout.entity';
import { expansionOf, type RunCounts } from './schedule-lifecycle';
import type { CampaignWindow } from './schedule-rule';
import { ScheduledJob } from './scheduled-job.entity';
import { readAll } from './reads';

/** What a schedule's runs are computed with besides its own columns (the lifecycle's `UserSkips`). */
export interface Planning {
  skips: Date[];
  blackouts: Blackout[];
}

export type Planned = Pick<ScheduledJob, 'id' | 'nextRunAt' | 'workspaceId' | 'campaignId'>;

/** Where a schedule's plan starts: its pending run while that is due, else now. */
export function planFrom(schedules: readonly Pick<ScheduledJob, 'nextRunAt'>[], now: Date): Date {
  let from = now.getTime();
  for (const s of schedules) if (s.nextRunAt && s.nextRunAt.getTime() < from) from = s.nextRunAt.getTime();
  return new Date(from);
}

/** From this many schedules in a batch on, `loadPlanningAll` reads the workspace's skips at once. */
const WORKSPACE_SKIPS_FROM = 200;

/**
 * Loads what the user planned around a batch of schedules of one workspace, in two queries: each
 * schedule's skips from its plan's start and the blackouts that cover it (the workspace's and its
 * campaign's, those not ended before the plan starts). Used by the API (`withPlanningAll`) and by
 * a campaign's status change, in the API and the worker alike.
 */
export async function loadPlanningAll<S extends Planned>(manager: EntityManager, schedules: S[], now: Date): Promise<void> {
  if (schedules.length === 0) return;
  const from = planFrom(schedules, now);
  const [rows, blackouts] = await readAll(manager, [
    // A large batch (the calendar's every schedule): the workspace's skips, on its index, rather
    // than thousands of ids sent and parsed (the other schedules' rows are not looked up). A small
    // one: one array parameter, however many schedules (an IN list is slow to build).
    () =>
      schedules.length >= WORKSPACE_SKIPS_FROM
        ? manager.query<{ scheduled_job_id: string; occurrence_at: Date }[]>(
            `SELECT scheduled_job_id, occurrence_at FROM schedule_skips WHERE workspace_id = $1 AND occurrence_at >= $2`,
            [schedules[0].workspaceId, from],
          )
        : manager.query<{ scheduled_job_id: string; occurrence_at: Date }[]>(
            `SELECT scheduled_job_id, occurrence_at FROM schedule_skips WHERE scheduled_job_id = ANY($1::uuid[]) AND occurrence_at >= $2`,
            [schedules.map((s) => s.id), from],
          ),
    () => blackoutsFrom(manager, schedules[0].workspaceId, from),
  ] as const);
  const skips = new Map<string, Date[]>();
  for (const r of rows) {
    const list = skips.get(r.scheduled_job_id);
    if (list) list.push(r.occurrence_at);
    else skips.set(r.scheduled_job_id, [r.occurrence_at]);
  }
  // The blackouts that apply, converted once per campaign.
  const byCampaign = new Map<string | null, Blackout[]>();
  for (const schedule of schedules) {
    let applying = byCampaign.get(schedule.campaignId);
    if (!applying) {
      applying = blackoutsForCampaign(blackouts, schedule.campaignId).map(expansionBlackoutOf);
      byCampaign.set(schedule.campaignId, applying);
    }
    Object.assign(schedule, { skips: skips.get(schedule.id) ?? [], blackouts: applying });
  }
}

/**
 * What the expansion makes of the instant of a shifted run's delayed job (one the rule does not
 * fire at: a `shift` blackout moved an occurrence there), with the schedule's skips and blackouts
 * loaded: `planned`, it fires; `skipped`, the user skipped that shifted run (recorded `skipped`,
 * reason `skipped`, as the user's other skips); `withdrawn`, it is no run of the schedule any more
 * (its blackout was changed or deleted, the rule or the campaign's window changed).
 */
export function shiftedRunFate(
  schedule: RunCounts,
  rule: RecurrenceRule,
  at: Date,
  campaign?: CampaignWindow,
): 'planned' | 'skipped' | 'withdrawn' {
  const t = at.getTime();
  const window = { from: at, to: new Date(t + 1), limit: 1 };
  for (const o of expandOccurrences(expansionOf(schedule, rule, new Date(t - 1), campaign), window)) {
    if (o.at.getTime() !== t) break;
    if (o.state === 'planned') return 'planned';
    if (o.state === 'skipped' && o.reason === SKIPPED_REASON && o.shifted_from !== undefined) return 'skipped';
  }
  return 'withdrawn';
}
