import { In, MoreThanOrEqual, type EntityManager } from 'typeorm';
import type { Blackout } from '@scheduler/recurrence';
import { blackoutsForCampaign, blackoutsFrom, expansionBlackoutOf } from './blackout.entity';
import { ScheduledJob } from './scheduled-job.entity';
import { ScheduleSkip } from './schedule-skip.entity';

/** What a schedule's runs are computed with besides its own columns (the lifecycle's `UserSkips`). */
export interface Planning {
  skips: Date[];
  blackouts: Blackout[];
}

export type Planned = Pick<ScheduledJob, 'id' | 'nextRunAt' | 'workspaceId' | 'campaignId'>;

/** Where a schedule's plan starts: its pending run while that is due, else now. */
export function planFrom(schedules: readonly Pick<ScheduledJob, 'nextRunAt'>[], now: Date): Date {
  return new Date(Math.min(now.getTime(), ...schedules.map((s) => s.nextRunAt?.getTime() ?? Infinity)));
}

/**
 * Loads what the user planned around a batch of schedules of one workspace, in two queries: each
 * schedule's skips from its plan's start and the blackouts that cover it (the workspace's and its
 * campaign's, those not ended before the plan starts). Used by the API (`withPlanningAll`) and by
 * a campaign's status change, in the API and the worker alike.
 */
export async function loadPlanningAll<S extends Planned>(manager: EntityManager, schedules: S[], now: Date): Promise<void> {
  if (schedules.length === 0) return;
  const from = planFrom(schedules, now);
  const [rows, blackouts] = await Promise.all([
    manager.getRepository(ScheduleSkip).find({
      select: { scheduledJobId: true, occurrenceAt: true },
      where: { scheduledJobId: In(schedules.map((s) => s.id)), occurrenceAt: MoreThanOrEqual(from) },
    }),
    blackoutsFrom(manager, schedules[0].workspaceId, from),
  ]);
  for (const schedule of schedules) {
    Object.assign(schedule, {
      skips: rows.filter((r) => r.scheduledJobId === schedule.id).map((r) => r.occurrenceAt),
      blackouts: blackoutsForCampaign(blackouts, schedule.campaignId).map(expansionBlackoutOf),
    });
  }
}
