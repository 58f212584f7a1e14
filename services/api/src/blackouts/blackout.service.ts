import { readManager } from '../db/read-router';
import { In, IsNull, MoreThan, Not, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { Blackout, Campaign, endedStatus, nextRunOf, ruleOf, ScheduledJob, schedulerSyncLedger } from '@scheduler/entities';
import { canonicalTimeZone } from '@scheduler/recurrence';
import { AfterCommitReport, SchedulerSpec, syncSchedulerAfterCommit } from '@scheduler/queue';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { conflict, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import type { Page } from '../http/pagination';
import { withPlanningAll } from '../schedules/planning';
import { pendingFrom } from '../schedules/schedule-skips';
import { CreateBlackoutDto, MAX_BLACKOUTS_PER_WORKSPACE, spanErrors, UpdateBlackoutDto } from './blackout.dto';

/** Schedules are rescheduled this many at a time (each chunk locked, planned and written). */
const CHUNK = 500;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** The filters of `GET /blackouts`. */
export interface BlackoutFilters {
  campaignId?: string;
  /** `YYYY-MM-DD`: only blackouts whose dates include this day. */
  activeOn?: string;
}

/** The scope a blackout covers: one campaign's schedules, or (null) the whole workspace's. */
type Scope = string | null;

/**
 * Recomputes `next_run_at` of the workspace's active schedules that `scopes` cover (a campaign's,
 * or all of them when a scope is null), with the blackouts as they are now in `tx`, in chunks of
 * `CHUNK` locked in id order (as a campaign's date change does). A schedule whose next run moves
 * gets a new `version` (its scheduler is rewritten; a shifted run's delayed job is queued) and,
 * with no run left, the status the lifecycle ends it with. Returns what to sync after the commit.
 */
export async function rescheduleCovered(tx: EntityManager, workspaceId: string, scopes: Scope[], now: Date): Promise<SchedulerSpec[]> {
  const campaignIds = scopes.includes(null) ? null : [...new Set(scopes as string[])];
  const repo = tx.getRepository(ScheduledJob);
  const specs: SchedulerSpec[] = [];
  let lastId = FIRST_ID;
  for (;;) {
    const where: FindOptionsWhere<ScheduledJob> = { workspaceId, status: 'active', nextRunAt: Not(IsNull()), id: MoreThan(lastId) };
    if (campaignIds) where.campaignId = In(campaignIds);
    const batch = await repo.find({ where, order: { id: 'ASC' }, take: CHUNK, lock: { mode: 'pessimistic_write' } });
    if (batch.length === 0) break;
    lastId = batch[batch.length - 1].id;
    await withPlanningAll(tx, batch, now);
    const ids = [...new Set(batch.map((s) => s.campaignId).filter((id): id is string => id !== null))];
    const campaigns = new Map((ids.length ? await tx.getRepository(Campaign).findBy({ id: In(ids) }) : []).map((c) => [c.id, c]));
    for (const schedule of batch) {
      const rule = ruleOf(schedule);
      if (!rule) continue;
      const campaign = schedule.campaignId ? (campaigns.get(schedule.campaignId) ?? null) : null;
      const next = nextRunOf(schedule, rule, pendingFrom(schedule, now), campaign);
      if (next?.getTime() === schedule.nextRunAt?.getTime()) continue;
      const version = schedule.version + 1;
      const status = next ? 'active' : endedStatus(schedule, 'rescheduled');
      await repo.update({ id: schedule.id, workspaceId }, { nextRunAt: next, status, version });
      specs.push({ id: schedule.id, version, rule: next ? rule : null, nextRunAt: next });
    }
    if (batch.length < CHUNK) break;
  }
  return specs;
}

/**
 * Blackouts of the caller's workspace. Every write recomputes, in its own transaction, the
 * `next_run_at` of the active schedules the blackout covers before and after it
 * (`rescheduleCovered`), and syncs their schedulers after the commit.
 */
export class BlackoutService {
  constructor(private readonly deps: AppDeps) {}

  private get afterCommit(): AfterCommitReport {
    return {
      logger: this.deps.logger,
      syncFailures: this.deps.metrics.api.syncFailures,
      ledger: schedulerSyncLedger(this.deps.dataSource),
    };
  }

  private async sync(specs: SchedulerSpec[]): Promise<void> {
    for (const spec of specs) await syncSchedulerAfterCommit(this.deps.occurrenceQueues.of(spec.id), spec, this.afterCommit);
  }

  /** A campaign named in a body: the caller's workspace's, else a 404 (as schedules treat it). */
  private async ownCampaign(tx: EntityManager, caller: Caller, id: string | null | undefined): Promise<void> {
    if (!id) return;
    if (!(await tx.getRepository(Campaign).existsBy({ id, workspaceId: caller.workspaceId }))) throw notFound('Campaign');
  }

  async create(caller: Caller, dto: CreateBlackoutDto): Promise<Blackout> {
    const now = this.deps.now();
    const { blackout, specs } = await this.deps.dataSource.transaction(async (tx) => {
      await this.ownCampaign(tx, caller, dto.campaign_id);
      // One create at a time per workspace, so the cap holds under concurrent requests.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`blackouts:${caller.workspaceId}`]);
      const count = await tx.getRepository(Blackout).countBy({ workspaceId: caller.workspaceId });
      if (count >= MAX_BLACKOUTS_PER_WORKSPACE) {
        throw conflict(`A workspace has at most ${MAX_BLACKOUTS_PER_WORKSPACE} blackouts (MAX_BLACKOUTS_PER_WORKSPACE): delete one first`);
      }
      const repo = tx.getRepository(Blackout);
      const blackout = await repo.save(
        repo.create({
          userId: caller.userId,
          workspaceId: caller.workspaceId,
          campaignId: dto.campaign_id ?? null,
          name: dto.name,
          startDate: dto.start_date,
          endDate: dto.end_date,
          timezone: canonicalTimeZone(dto.timezone) ?? dto.timezone,
          policy: dto.policy,
        }),
      );
      await recordAudit(tx, caller, {
        action: 'create',
        entityType: 'blackout',
        entityId: blackout.id,
        after: auditSnapshot(tx, blackout),
      });
      const specs = await rescheduleCovered(tx, caller.workspaceId, [blackout.campaignId], now);
      return { blackout, specs };
    });
    await this.sync(specs);
    return blackout;
  }

  async list(caller: Caller, filters: BlackoutFilters, page: Page): Promise<[Blackout[], number]> {
    const qb = readManager(this.deps)
      .getRepository(Blackout)
      .createQueryBuilder('b')
      .where('b.workspace_id = :workspaceId', { workspaceId: caller.workspaceId });
    if (filters.campaignId) qb.andWhere('b.campaign_id = :campaignId', { campaignId: filters.campaignId });
    if (filters.activeOn) qb.andWhere(':day BETWEEN b.start_date AND b.end_date', { day: filters.activeOn });
    return qb.orderBy('b.start_date', 'ASC').addOrderBy('b.id', 'ASC').take(page.limit).skip(page.offset).getManyAndCount();
  }

  /** The workspace's blackout, or a 404 (also for another workspace's). */
  async get(caller: Caller, id: string): Promise<Blackout> {
    const blackout = await readManager(this.deps).getRepository(Blackout).findOneBy({ id, workspaceId: caller.workspaceId });
    if (!blackout) throw notFound('Blackout');
    return blackout;
  }

  private async locked(tx: EntityManager, caller: Caller, id: string, expected: IfMatch): Promise<Blackout> {
    const blackout = await tx
      .getRepository(Blackout)
      .findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
    if (!blackout) throw notFound('Blackout');
    assertMatches(expected, blackout, 'Blackout');
    return blackout;
  }

  /** Partial update: only the fields sent change; the stored dates are checked with the sent ones. */
  async update(caller: Caller, id: string, dto: UpdateBlackoutDto, expected?: IfMatch): Promise<Blackout> {
    const now = this.deps.now();
    const { blackout, specs } = await this.deps.dataSource.transaction(async (tx) => {
      const blackout = await this.locked(tx, caller, id, expected);
      const before: Scope = blackout.campaignId;
      const snapshot = auditSnapshot(tx, blackout);
      if (dto.campaign_id !== undefined) await this.ownCampaign(tx, caller, dto.campaign_id);
      if (dto.name !== undefined) blackout.name = dto.name;
      if (dto.start_date !== undefined) blackout.startDate = dto.start_date;
      if (dto.end_date !== undefined) blackout.endDate = dto.end_date;
      if (dto.timezone !== undefined) blackout.timezone = canonicalTimeZone(dto.timezone) ?? dto.timezone;
      if (dto.policy !== undefined) blackout.policy = dto.policy;
      if (dto.campaign_id !== undefined) blackout.campaignId = dto.campaign_id;
      const errors = spanErrors(blackout.startDate, blackout.endDate);
      if (errors.length) throw validationFailed(errors);
      const saved = await tx.getRepository(Blackout).save(blackout);
      await recordAudit(tx, caller, {
        action: 'update',
        entityType: 'blackout',
        entityId: id,
        before: snapshot,
        after: auditSnapshot(tx, saved),
      });
      // Its name only changes what runs say, not when they happen.
      const changesRuns = Object.keys(dto).some((k) => k !== 'name' && (dto as Record<string, unknown>)[k] !== undefined);
      const specs = changesRuns ? await rescheduleCovered(tx, caller.workspaceId, [before, saved.campaignId], now) : [];
      return { blackout: saved, specs };
    });
    await this.sync(specs);
    return blackout;
  }

  async remove(caller: Caller, id: string, expected?: IfMatch): Promise<void> {
    const now = this.deps.now();
    const specs = await this.deps.dataSource.transaction(async (tx) => {
      const blackout = await this.locked(tx, caller, id, expected);
      await tx.getRepository(Blackout).delete({ id: blackout.id, workspaceId: caller.workspaceId });
      await recordAudit(tx, caller, {
        action: 'delete',
        entityType: 'blackout',
        entityId: id,
        before: auditSnapshot(tx, blackout),
        after: null,
      });
      return rescheduleCovered(tx, caller.workspaceId, [blackout.campaignId], now);
    });
    await this.sync(specs);
  }
}
