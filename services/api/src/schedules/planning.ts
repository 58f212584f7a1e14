import { In, MoreThanOrEqual, type EntityManager } from 'typeorm';
import { blackoutsForCampaign, blackoutsFrom, expansionBlackoutOf, ScheduledJob, ScheduleSkip } from '@scheduler/entities';
import type { Blackout } from '@scheduler/recurrence';
import { skipsOf } from './schedule-skips';

/** What a schedule's runs are computed with besides its own columns (the lifecycle's `UserSkips`). */
export interface Planning {
  skips: Date[];
  blackouts: Blackout[];
}

type Planned = Pick<ScheduledJob, 'id' | 'nextRunAt' | 'workspaceId' | 'campaignId'>;

/** Where a schedule's plan starts: its pending run while that is due, else now. */
function planFrom(schedules: readonly Pick<ScheduledJob, 'nextRunAt'>[], now: Date): Date {
  return new Date(Math.min(now.getTime(), ...schedules.map((s) => s.nextRunAt?.getTime() ?? Infinity)));
}

/**
 * The schedule with what the user planned around it loaded, for the lifecycle's functions: its
 * skips (`skipsOf`) and the blackouts that cover it (the workspace's and its campaign's, those
 * not ended before its plan starts).
 */
export async function withPlanning<S extends Planned>(manager: EntityManager, schedule: S, now: Date): Promise<S & Planning> {
  const [skips, blackouts] = await Promise.all([
    skipsOf(manager, schedule, now),
    blackoutsFrom(manager, schedule.workspaceId, planFrom([schedule], now)),
  ]);
  return Object.assign(schedule, { skips, blackouts: blackoutsForCampaign(blackouts, schedule.campaignId).map(expansionBlackoutOf) });
}

/** `withPlanning` for a batch of schedules of one workspace, in two queries. */
export async function withPlanningAll<S extends Planned>(manager: EntityManager, schedules: S[], now: Date): Promise<void> {
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

/** The blackouts that cover a schedule of `campaignId` in the workspace (not ended before `since`): for a schedule not yet written. */
export async function blackoutsCovering(
  manager: EntityManager,
  workspaceId: string,
  campaignId: string | null,
  since: Date,
): Promise<Blackout[]> {
  return blackoutsForCampaign(await blackoutsFrom(manager, workspaceId, since), campaignId).map(expansionBlackoutOf);
}
