import { readManager } from '../db/read-router';
import { MoreThan, MoreThanOrEqual, type EntityManager } from 'typeorm';
import { Campaign, endedStatus, expansionOf, nextRunOf, ruleOf, ScheduledJob, ScheduleSkip } from '@scheduler/entities';
import { expandOccurrences } from '@scheduler/recurrence';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import { withPlanning } from './planning';
import type { Caller } from '../http/auth';
import { notFound, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { parseQueryInstant } from '../http/query';

/**
 * The user's skips a schedule's runs are computed with: those from its pending run (when it is
 * still due) or from now on; older ones are history (the worker recorded them `skipped`).
 */
export async function skipsOf(manager: EntityManager, schedule: Pick<ScheduledJob, 'id' | 'nextRunAt'>, now: Date): Promise<Date[]> {
  const from = new Date(Math.min(now.getTime(), schedule.nextRunAt?.getTime() ?? Infinity));
  const rows = await manager.getRepository(ScheduleSkip).find({
    select: { occurrenceAt: true },
    where: { scheduledJobId: schedule.id, occurrenceAt: MoreThanOrEqual(from) },
  });
  return rows.map((r) => r.occurrenceAt);
}

/** Where the schedule's next run is searched from: just before its pending run while that is due, else now. */
export function pendingFrom(schedule: Pick<ScheduledJob, 'nextRunAt'>, now: Date): Date {
  return schedule.nextRunAt && schedule.nextRunAt.getTime() <= now.getTime() ? new Date(schedule.nextRunAt.getTime() - 1) : now;
}

/** An `occurrence_at` (body or path) as an instant; 422 naming it when it is no instant. */
export function occurrenceOf(raw: unknown): Date {
  const at = typeof raw === 'string' ? parseQueryInstant(raw) : null;
  if (!at) {
    throw validationFailed([
      { field: 'occurrence_at', message: 'must be an ISO 8601 date-time with Z or an offset, such as 2026-01-05T14:00:00Z' },
    ]);
  }
  return at;
}

export interface SkipResult {
  skip: ScheduleSkip;
  schedule: ScheduledJob;
  /** False when it was skipped already (nothing changed). */
  changed: boolean;
}

const notAnOccurrence = (message: string) => validationFailed([{ field: 'occurrence_at', message }]);

/**
 * Skip, un-skip and list a schedule's skipped occurrences. A skip or un-skip that changes the
 * set bumps `version` and recomputes `next_run_at` (an active schedule with a next run), under
 * the schedule's row lock, as other edits do; the caller rewrites the scheduler after the commit.
 */
export class ScheduleSkips {
  constructor(private readonly deps: AppDeps) {}

  private async locked(tx: EntityManager, caller: Caller, id: string): Promise<ScheduledJob> {
    const schedule = await tx
      .getRepository(ScheduledJob)
      .findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
    if (!schedule) throw notFound('Scheduled job');
    return schedule;
  }

  private async campaignOf(tx: EntityManager, schedule: ScheduledJob): Promise<Campaign | null> {
    return schedule.campaignId ? tx.getRepository(Campaign).findOneBy({ id: schedule.campaignId }) : null;
  }

  /** The next run after an edit of the skips (only an active schedule with a next run has one to move). */
  private async rescheduled(tx: EntityManager, schedule: ScheduledJob & { skips: Date[] }, now: Date): Promise<void> {
    schedule.version += 1;
    if (schedule.status !== 'active' || schedule.nextRunAt === null) return;
    const next = nextRunOf(schedule, ruleOf(schedule), pendingFrom(schedule, now), await this.campaignOf(tx, schedule));
    schedule.nextRunAt = next;
    if (!next) schedule.status = endedStatus(schedule, 'rescheduled');
  }

  async skip(caller: Caller, id: string, at: Date): Promise<SkipResult> {
    const now = this.deps.now();
    return this.deps.dataSource.transaction(async (tx) => {
      const schedule = await this.locked(tx, caller, id);
      const skips = tx.getRepository(ScheduleSkip);
      const existing = await skips.findOneBy({ scheduledJobId: schedule.id, occurrenceAt: at });
      if (existing) return { skip: existing, schedule, changed: false };
      if (at.getTime() <= now.getTime()) throw notAnOccurrence('must be in the future');
      const rule = ruleOf(schedule);
      if (!rule) throw notAnOccurrence("is not an occurrence: the schedule's stored rule is no longer valid");
      const campaign = await this.campaignOf(tx, schedule);
      const loaded = await withPlanning(tx, schedule, now);
      // One of the runs it will make (the expansion: campaign window, end date, max_runs, the other skips).
      let found = false;
      let later = false;
      const window = { from: new Date(now.getTime() + 1), to: null };
      for (const o of expandOccurrences(expansionOf(loaded, rule, now, campaign), window)) {
        if (o.state === 'skipped') continue;
        if (found) {
          later = true;
          break;
        }
        if (o.at.getTime() === at.getTime()) found = true;
        else if (o.at.getTime() > at.getTime()) break;
      }
      if (!found) throw notAnOccurrence("is not one of the schedule's future occurrences (see GET /schedule/{id}/preview)");
      if (!later) throw notAnOccurrence('is the last run the schedule will make: pause or delete the schedule instead');
      const before = auditSnapshot(tx, schedule);
      const skip = await skips.save(
        skips.create({ scheduledJobId: schedule.id, occurrenceAt: at, workspaceId: caller.workspaceId, createdBy: caller.userId }),
      );
      loaded.skips.push(at);
      await this.rescheduled(tx, loaded, now);
      const saved = await tx.getRepository(ScheduledJob).save(loaded);
      await recordAudit(tx, caller, {
        action: 'skip',
        entityType: 'schedule',
        entityId: schedule.id,
        before,
        after: auditSnapshot(tx, saved),
        changes: { skipped_occurrence: { old: null, new: at.toISOString() } },
      });
      return { skip, schedule: saved, changed: true };
    });
  }

  /** Un-skips a future skipped occurrence: 404 when it is not skipped (or already past). */
  async unskip(caller: Caller, id: string, at: Date): Promise<ScheduledJob> {
    const now = this.deps.now();
    return this.deps.dataSource.transaction(async (tx) => {
      const schedule = await this.locked(tx, caller, id);
      const deleted = await tx
        .getRepository(ScheduleSkip)
        .delete({ scheduledJobId: schedule.id, occurrenceAt: at, workspaceId: caller.workspaceId });
      if (!deleted.affected || at.getTime() <= now.getTime()) throw notFound('Skipped occurrence');
      const before = auditSnapshot(tx, schedule);
      const loaded = await withPlanning(tx, schedule, now);
      await this.rescheduled(tx, loaded, now);
      const saved = await tx.getRepository(ScheduledJob).save(loaded);
      await recordAudit(tx, caller, {
        action: 'unskip',
        entityType: 'schedule',
        entityId: schedule.id,
        before,
        after: auditSnapshot(tx, saved),
        changes: { skipped_occurrence: { old: at.toISOString(), new: null } },
      });
      return saved;
    });
  }

  /** The schedule's future skipped occurrences, soonest first. */
  async list(caller: Caller, id: string, page: Page): Promise<[ScheduleSkip[], number]> {
    const schedule = await readManager(this.deps).getRepository(ScheduledJob).existsBy({ id, workspaceId: caller.workspaceId });
    if (!schedule) throw notFound('Scheduled job');
    return readManager(this.deps)
      .getRepository(ScheduleSkip)
      .findAndCount({
        where: { scheduledJobId: id, workspaceId: caller.workspaceId, occurrenceAt: MoreThan(this.deps.now()) },
        order: { occurrenceAt: 'ASC' },
        take: page.limit,
        skip: page.offset,
      });
  }
}
