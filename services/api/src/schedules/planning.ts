import { In, MoreThanOrEqual, type EntityManager } from 'typeorm';
import {
  blackoutsForCampaign,
  expansionBlackoutOf,
  ScheduledJob,
  ScheduleSkip,
  type Blackout as StoredBlackout,
} from '@scheduler/entities';
import type { Blackout } from '@scheduler/recurrence';
import { skipsOf } from './schedule-skips';

/** What a schedule's runs are computed with besides its own columns (the lifecycle's `UserSkips`). */
export interface Planning {
  skips: Date[];
  blackouts: Blackout[];
}

type Planned = Pick<ScheduledJob, 'id' | 'nextRunAt' | 'workspaceId' | 'campaignId'>;

type LoadedBlackout = Pick<StoredBlackout, 'campaignId' | 'name' | 'startDate' | 'endDate' | 'timezone' | 'policy'>;

/**
 * The workspace's blackouts that can still decide an occurrence at or after `since`, oldest
 * first, in one query: those whose end date is not wholly before it (two days of slack: a local
 * date ends at most 14 h after its UTC day), and, recursively, older ones ending at most two days
 * before one of them starts: a chain of blackouts a `shift` walks over, out of which an earlier
 * occurrence can still land after `since` (the worker's `PLANNING` reads the same set).
 */
export async function blackoutsReaching(manager: EntityManager, workspaceId: string, since: Date): Promise<LoadedBlackout[]> {
  const fromDate = new Date(since.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
  const rows: {
    campaign_id: string | null;
    name: string;
    start_date: string;
    end_date: string;
    timezone: string;
    policy: LoadedBlackout['policy'];
  }[] = await manager.query(
    `WITH RECURSIVE reaching AS (
           SELECT x.id, x.campaign_id, x.name, x.start_date, x.end_date, x.timezone, x.policy
             FROM blackouts x
            WHERE x.workspace_id = $1 AND x.end_date >= $2::date
         UNION
           SELECT y.id, y.campaign_id, y.name, y.start_date, y.end_date, y.timezone, y.policy
             FROM blackouts y
             JOIN reaching r ON y.end_date >= r.start_date - 2
            WHERE y.workspace_id = $1 AND y.end_date < $2::date
       )
       SELECT campaign_id, name, start_date::text AS start_date, end_date::text AS end_date, timezone, policy
         FROM reaching
        ORDER BY reaching.start_date, reaching.id`,
    [workspaceId, fromDate],
  );
  return rows.map((r) => ({
    campaignId: r.campaign_id,
    name: r.name,
    startDate: r.start_date,
    endDate: r.end_date,
    timezone: r.timezone,
    policy: r.policy,
  }));
}

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
    blackoutsReaching(manager, schedule.workspaceId, planFrom([schedule], now)),
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
    blackoutsReaching(manager, schedules[0].workspaceId, from),
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
  return blackoutsForCampaign(await blackoutsReaching(manager, workspaceId, since), campaignId).map(expansionBlackoutOf);
}
