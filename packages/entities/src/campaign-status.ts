import { In, MoreThan, type EntityManager } from 'typeorm';
import type { RecurrenceRule } from '@scheduler/recurrence';
import { Campaign, type CampaignStatus } from './campaign.entity';
import { recordEvent } from './outbox-event.entity';
import { loadPlanningAll } from './planning';
import {
  campaignPausedReason,
  firesAgain,
  intoCampaignWindow,
  reopenedByCampaignWindow,
  resumed,
  skippedWhilePaused,
} from './schedule-lifecycle';
import { ruleOf } from './schedule-rule';
import { ScheduleRun } from './schedule-run.entity';
import { ScheduledJob } from './scheduled-job.entity';

/**
 * A campaign's status change and what it does to its schedules, in one place for the API
 * (`PUT /campaigns/{id}`, `POST /campaigns/{id}/pause|resume`) and the worker (the due-resume
 * sweep at `resume_at`). Each function works in the caller's transaction (an EntityManager) and
 * returns what to write to Redis after the commit; nothing here touches Redis.
 */

/** What a campaign was before a change, as its schedules' recomputation needs it. */
export type CampaignBefore = Pick<Campaign, 'status' | 'startDate' | 'endDate' | 'pausedReason'>;

export function campaignBefore(campaign: CampaignBefore): CampaignBefore {
  const { status, startDate, endDate, pausedReason } = campaign;
  return { status, startDate, endDate, pausedReason };
}

/** A scheduler to write after the commit (the queue package's `SchedulerSpec`). */
export interface ScheduleToSync {
  id: string;
  version: number;
  rule: RecurrenceRule | null;
  /** Its next run: a shifted one (not an occurrence of the rule) gets its delayed occurrence job. */
  nextRunAt: Date | null;
}

/** What to put in step in Redis once the change committed. */
export interface CampaignSync {
  /** Schedules that no longer fire: their scheduler goes. */
  expired: string[];
  /** Schedules that fire again (or with a new version): their scheduler is written. */
  reopened: ScheduleToSync[];
}

/** What a pause says: its reason and when it ends by itself (both null: no reason, only by resume). */
export interface CampaignPause {
  reason: string | null;
  resumeAt: Date | null;
}

/**
 * Sets a campaign's status with the pause fields that go with it: a pause carries `pause` (or,
 * when none is given, keeps the pause in force, which a campaign newly paused has none of); any
 * other status clears `paused_reason` and `resume_at`.
 */
export function setCampaignStatus(campaign: Campaign, status: CampaignStatus, pause?: CampaignPause): void {
  const wasPaused = campaign.status === 'paused';
  campaign.status = status;
  if (status !== 'paused') {
    campaign.pausedReason = null;
    campaign.resumeAt = null;
  } else if (pause) {
    campaign.pausedReason = pause.reason;
    campaign.resumeAt = pause.resumeAt;
  } else if (!wasPaused) {
    campaign.pausedReason = null;
    campaign.resumeAt = null;
  }
}

/**
 * Records the runs a paused schedule did not make (`skippedWhilePaused`: after its last settled
 * occurrence, up to now) as `skipped` with `reason`, in the caller's transaction; rows already
 * there are kept. Used by a schedule's resume (`schedule paused`) and by its campaign's
 * (`campaignPausedReason`, for the schedules the campaign held).
 */
export async function recordSkippedWhilePaused(
  tx: EntityManager,
  schedule: ScheduledJob,
  rule: RecurrenceRule | null,
  now: Date,
  campaign: Campaign | null,
  reason: string,
): Promise<number> {
  const runs = tx.getRepository(ScheduleRun);
  const last = await runs.findOne({
    select: { occurrenceAt: true },
    // A run now is no occurrence: it settles none of the rule's.
    where: { scheduledJobId: schedule.id, trigger: 'schedule' },
    order: { occurrenceAt: 'DESC' },
  });
  const settled = [last?.occurrenceAt, schedule.lastRunAt].filter((d): d is Date => d instanceof Date);
  const since = settled.length ? new Date(Math.max(...settled.map((d) => d.getTime()))) : null;
  const skipped = skippedWhilePaused(schedule, rule, since, now, campaign);
  if (skipped.length === 0) return 0;
  await runs
    .createQueryBuilder()
    .insert()
    .values(
      skipped.map((at) => ({
        scheduledJobId: schedule.id,
        userId: schedule.userId,
        workspaceId: schedule.workspaceId,
        occurrenceAt: at,
        outcome: 'skipped' as const,
        reason,
      })),
    )
    .orIgnore()
    .execute();
  return skipped.length;
}

const BATCH = 500;

/**
 * Applies a campaign's committed-to-be change (the row is saved, and locked, by the caller) to
 * its schedules, in batches under their row locks:
 * - new start or end dates move the `next_run_at` of the active schedules into the new window; a
 *   schedule left with no run inside it expires; a stopped schedule the old window had stopped
 *   that has runs in the new one comes back (`reopenedByCampaignWindow`);
 * - a new status applies to the active schedules at once (`heldByCampaign`): `paused` holds them
 *   (no next run, no scheduler); `active` again records the runs the held ones did not make as
 *   `skipped` with the pause's reason (`campaignPausedReason` of the campaign before the change)
 *   and gives them their next run and scheduler back; `completed` or `archived` expires them.
 * Nothing happens to the schedules when neither the dates nor the status changed.
 */
export async function applyCampaignChange(tx: EntityManager, saved: Campaign, before: CampaignBefore, now: Date): Promise<CampaignSync> {
  const sync: CampaignSync = { expired: [], reopened: [] };
  // The status change's event, in the same transaction (the API's pause/resume/update and the worker's auto-resume).
  const paused = saved.status === 'paused' && before.status !== 'paused';
  const resumedNow = saved.status === 'active' && before.status === 'paused';
  if (paused || resumedNow) {
    await recordEvent(tx, saved.workspaceId, paused ? 'campaign.paused' : 'campaign.resumed', {
      campaign_id: saved.id,
      status: saved.status,
      previous_status: before.status,
      ...(paused
        ? { reason: saved.pausedReason, resume_at: saved.resumeAt?.toISOString() ?? null }
        : { paused_reason: before.pausedReason }),
    });
  }
  const datesChanged = saved.startDate?.getTime() !== before.startDate?.getTime() || saved.endDate?.getTime() !== before.endDate?.getTime();
  if (!datesChanged && saved.status === before.status) return sync;
  const reason = campaignPausedReason(before);
  const schedules = tx.getRepository(ScheduledJob);
  let lastId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await schedules.find({
      where: { campaignId: saved.id, status: In(['active', 'expired', 'completed']), id: MoreThan(lastId) },
      order: { id: 'ASC' },
      take: BATCH,
      lock: { mode: 'pessimistic_write' },
    });
    if (batch.length === 0) break;
    lastId = batch[batch.length - 1].id;
    // The user's skips and blackouts: the runs computed below pass over them.
    await loadPlanningAll(tx, batch, now);
    for (const schedule of batch) {
      const rule = ruleOf(schedule);
      if (schedule.status !== 'active') {
        const back = reopenedByCampaignWindow(schedule, rule, now, before, saved);
        if (!back) continue;
        const version = schedule.version + 1;
        await schedules.update({ id: schedule.id }, { status: back.status, nextRunAt: back.nextRunAt, version });
        sync.reopened.push({ id: schedule.id, version, rule, nextRunAt: back.nextRunAt });
        continue;
      }
      if (schedule.nextRunAt === null && saved.status !== 'paused') {
        // Held by the campaign's pause until now: resumed as a paused schedule is.
        await recordSkippedWhilePaused(tx, schedule, rule, now, saved, reason);
        const back = resumed(schedule, rule, now, saved);
        const version = schedule.version + 1;
        await schedules.update({ id: schedule.id }, { status: back.status, nextRunAt: back.nextRunAt, version });
        if (firesAgain(back)) sync.reopened.push({ id: schedule.id, version, rule, nextRunAt: back.nextRunAt });
        continue;
      }
      const moved = intoCampaignWindow(schedule, rule, now, saved);
      if (moved.status === schedule.status && moved.nextRunAt?.getTime() === schedule.nextRunAt?.getTime()) continue;
      await schedules.update(
        { id: schedule.id },
        firesAgain(moved)
          ? { nextRunAt: moved.nextRunAt }
          : { nextRunAt: moved.nextRunAt, status: moved.status, version: schedule.version + 1 },
      );
      if (!firesAgain(moved)) sync.expired.push(schedule.id);
      // Still firing, at a moved run: rewritten so a shifted run gets its delayed occurrence job.
      else sync.reopened.push({ id: schedule.id, version: schedule.version, rule, nextRunAt: moved.nextRunAt });
    }
  }
  return sync;
}

/**
 * Resumes one paused campaign whose `resume_at` has come (at or before `now`), if any: the
 * conditional UPDATE takes a due campaign no other transaction holds (`FOR UPDATE SKIP LOCKED`
 * on `campaigns_resume_due_idx`) and makes it active only while it is still paused with that
 * `resume_at`, so however many workers sweep at once, and whatever the API does meanwhile (it
 * locks the row too), each pause ends once. Then the shared change (`applyCampaignChange`) in the
 * same transaction. Null when nothing was due.
 */
export async function resumeOneDueCampaign(
  tx: EntityManager,
  now: Date,
): Promise<{ campaign: Campaign; resumeAt: Date; sync: CampaignSync } | null> {
  const rows = await tx.query<[{ id: string; paused_reason: string | null; resume_at: Date }[], number]>(
    `WITH due AS (
       SELECT id, paused_reason, resume_at FROM campaigns
        WHERE status = 'paused' AND resume_at IS NOT NULL AND resume_at <= $1
        ORDER BY resume_at
        LIMIT 1
          FOR UPDATE SKIP LOCKED
     )
     UPDATE campaigns c
        SET status = 'active', paused_reason = NULL, resume_at = NULL, updated_at = now()
       FROM due
      WHERE c.id = due.id AND c.status = 'paused' AND c.resume_at = due.resume_at
     RETURNING c.id, due.paused_reason AS paused_reason, due.resume_at AS resume_at`,
    [now],
  );
  const row = rows[0]?.[0];
  if (!row) return null;
  const campaign = await tx.getRepository(Campaign).findOneByOrFail({ id: row.id });
  const before: CampaignBefore = { ...campaignBefore(campaign), status: 'paused', pausedReason: row.paused_reason };
  const sync = await applyCampaignChange(tx, campaign, before, now);
  return { campaign, resumeAt: new Date(row.resume_at), sync };
}
