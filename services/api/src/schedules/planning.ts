import type { EntityManager } from 'typeorm';
import {
  blackoutsForCampaign,
  blackoutsFrom,
  expansionBlackoutOf,
  planFrom,
  readAll,
  type Planned,
  type Planning,
} from '@scheduler/entities';
import type { Blackout } from '@scheduler/recurrence';
import { skipsOf } from './schedule-skips';

/** What a schedule's runs are computed with besides its own columns (the lifecycle's `UserSkips`). */
export type { Planning };

/** `withPlanning` for a batch of schedules of one workspace, in two queries (shared with the worker). */
export { loadPlanningAll as withPlanningAll } from '@scheduler/entities';

/**
 * The schedule with what the user planned around it loaded, for the lifecycle's functions: its
 * skips (`skipsOf`) and the blackouts that cover it (the workspace's and its campaign's that can
 * still decide a run from its plan's start: `blackoutsFrom`).
 */
export async function withPlanning<S extends Planned>(manager: EntityManager, schedule: S, now: Date): Promise<S & Planning> {
  const [skips, blackouts] = await readAll(manager, [
    () => skipsOf(manager, schedule, now),
    () => blackoutsFrom(manager, schedule.workspaceId, planFrom([schedule], now)),
  ] as const);
  return Object.assign(schedule, { skips, blackouts: blackoutsForCampaign(blackouts, schedule.campaignId).map(expansionBlackoutOf) });
}

/** The blackouts that cover a schedule of `campaignId` in the workspace (from `since`): for a schedule not yet written. */
export async function blackoutsCovering(
  manager: EntityManager,
  workspaceId: string,
  campaignId: string | null,
  since: Date,
): Promise<Blackout[]> {
  return blackoutsForCampaign(await blackoutsFrom(manager, workspaceId, since), campaignId).map(expansionBlackoutOf);
}
