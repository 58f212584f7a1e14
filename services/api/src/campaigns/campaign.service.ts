import { In, MoreThan } from 'typeorm';
import {
  Campaign,
  CAMPAIGN_PAUSED_REASON,
  CampaignStatus,
  firesAgain,
  intoCampaignWindow,
  Job,
  JobTemplate,
  reopenedByCampaignWindow,
  resumed,
  ruleOf,
  ScheduledJob,
} from '@scheduler/entities';
import type { RecurrenceRule } from '@scheduler/recurrence';
import { AfterCommitReport, removeScheduler, syncSchedulerAfterCommit } from '@scheduler/queue';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { FieldError, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import { parseInstant } from '../http/format';
import type { Page } from '../http/pagination';
import type { SortOrder } from '../http/query';
import { sortOrder, type SortColumn } from '../http/sorting';
import { recordSkippedWhilePaused, upcomingRunsOf } from '../schedules/schedule.service';
import { withPlanningAll } from '../schedules/planning';
import { dateOrderErrors, type CreateCampaignDto, type UpdateCampaignDto } from './campaign.dto';

type CampaignFields = CreateCampaignDto | UpdateCampaignDto;

function applyFields(campaign: Campaign, dto: CampaignFields): void {
  const errors: FieldError[] = [];
  if (dto.name !== undefined) campaign.name = dto.name;
  if (dto.description !== undefined) campaign.description = dto.description;
  if (dto.status !== undefined) campaign.status = dto.status;
  if (dto.color !== undefined) campaign.color = dto.color ? dto.color.toUpperCase() : null;
  if (dto.tags !== undefined) campaign.tags = dto.tags;
  if (dto.target_job_count !== undefined) campaign.targetJobCount = dto.target_job_count;
  if (dto.target_budget_usd !== undefined) campaign.targetBudgetUsd = dto.target_budget_usd;
  if (dto.requires_approval !== undefined) campaign.requiresApproval = dto.requires_approval;
  if (dto.approval_timeout_hours !== undefined) campaign.approvalTimeoutHours = dto.approval_timeout_hours;
  if (dto.start_date !== undefined) {
    campaign.startDate = dto.start_date === null ? null : parseInstant(dto.start_date, 'start_date', errors);
  }
  if (dto.end_date !== undefined) {
    campaign.endDate = dto.end_date === null ? null : parseInstant(dto.end_date, 'end_date', errors);
  }
  errors.push(...dateOrderErrors(campaign.startDate, campaign.endDate));
  if (errors.length) throw validationFailed(errors);
}

/** The keys of `GET /campaigns?sort=`. */
export const CAMPAIGN_SORTS = {
  created_at: { property: 'createdAt' },
  name: { property: 'name' },
} satisfies Record<string, SortColumn>;
export type CampaignSortKey = keyof typeof CAMPAIGN_SORTS;
export const CAMPAIGN_SORT_KEYS = Object.keys(CAMPAIGN_SORTS) as CampaignSortKey[];

export class CampaignService {
  constructor(private readonly deps: AppDeps) {}

  private get repo() {
    return this.deps.dataSource.getRepository(Campaign);
  }

  private get afterCommit(): AfterCommitReport {
    return { logger: this.deps.logger, syncFailures: this.deps.metrics.api.syncFailures };
  }

  async create(caller: Caller, dto: CreateCampaignDto): Promise<Campaign> {
    const campaign = this.repo.create({
      userId: caller.userId,
      workspaceId: caller.workspaceId,
      status: 'active',
      tags: [],
      requiresApproval: false,
      approvalTimeoutHours: null,
    });
    applyFields(campaign, dto);
    return this.repo.save(campaign);
  }

  async list(
    caller: Caller,
    status: CampaignStatus | undefined,
    page: Page,
    sort?: SortOrder<CampaignSortKey>,
  ): Promise<[Campaign[], number]> {
    return this.repo.findAndCount({
      where: status ? { workspaceId: caller.workspaceId, status } : { workspaceId: caller.workspaceId },
      order: sort ? sortOrder(sort, CAMPAIGN_SORTS) : { createdAt: 'DESC', id: 'DESC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  /** The workspace's campaign, or a 404 (also for another workspace's campaign). */
  async get(caller: Caller, id: string): Promise<Campaign> {
    const campaign = await this.repo.findOneBy({ id, workspaceId: caller.workspaceId });
    if (!campaign) throw notFound('Campaign');
    return campaign;
  }

  /**
   * Partial update. New start or end dates move the `next_run_at` of the campaign's active
   * schedules into the new window; a schedule left with no run inside it expires (and its
   * scheduler goes after the commit). A schedule the old window had stopped that has runs in the
   * new one comes back (`reopenedByCampaignWindow`; its scheduler is written after the commit).
   * A new status applies to the active schedules at once (`heldByCampaign`): `paused` holds them
   * (no next run, no scheduler); `active` again records the runs the held ones did not make as
   * `skipped` (`campaign paused`) and gives them their next run and scheduler back; `completed`
   * or `archived` expires them.
   */
  async update(caller: Caller, id: string, dto: UpdateCampaignDto, expected?: IfMatch): Promise<Campaign> {
    const now = this.deps.now();
    const { campaign, expired, reopened } = await this.deps.dataSource.transaction(async (tx) => {
      const campaign = await tx
        .getRepository(Campaign)
        .findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!campaign) throw notFound('Campaign');
      assertMatches(expected, campaign, 'Campaign');
      const before = { startDate: campaign.startDate, endDate: campaign.endDate };
      const statusBefore = campaign.status;
      applyFields(campaign, dto);
      const saved = await tx.getRepository(Campaign).save(campaign);
      const expired: string[] = [];
      const reopened: { id: string; version: number; rule: RecurrenceRule | null; nextRunAt: Date | null }[] = [];
      if (dto.start_date !== undefined || dto.end_date !== undefined || saved.status !== statusBefore) {
        const schedules = tx.getRepository(ScheduledJob);
        let lastId = '00000000-0000-0000-0000-000000000000';
        for (;;) {
          const batch = await schedules.find({
            where: { campaignId: id, status: In(['active', 'expired', 'completed']), id: MoreThan(lastId) },
            order: { id: 'ASC' },
            take: 500,
            lock: { mode: 'pessimistic_write' },
          });
          if (batch.length === 0) break;
          lastId = batch[batch.length - 1].id;
          // The user's skips: the runs computed below pass over them.
          await withPlanningAll(tx, batch, now);
          for (const schedule of batch) {
            const rule = ruleOf(schedule);
            if (schedule.status !== 'active') {
              const back = reopenedByCampaignWindow(schedule, rule, now, before, saved);
              if (!back) continue;
              const version = schedule.version + 1;
              await schedules.update({ id: schedule.id }, { status: back.status, nextRunAt: back.nextRunAt, version });
              reopened.push({ id: schedule.id, version, rule, nextRunAt: back.nextRunAt });
              continue;
            }
            if (schedule.nextRunAt === null && saved.status !== 'paused') {
              // Held by the campaign's pause until now: resumed as a paused schedule is.
              await recordSkippedWhilePaused(tx, schedule, rule, now, saved, CAMPAIGN_PAUSED_REASON);
              const back = resumed(schedule, rule, now, saved);
              const version = schedule.version + 1;
              await schedules.update({ id: schedule.id }, { status: back.status, nextRunAt: back.nextRunAt, version });
              if (firesAgain(back)) reopened.push({ id: schedule.id, version, rule, nextRunAt: back.nextRunAt });
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
            if (!firesAgain(moved)) expired.push(schedule.id);
          }
        }
      }
      return { campaign: saved, expired, reopened };
    });
    for (const scheduleId of expired) await removeScheduler(this.deps.occurrenceQueue, scheduleId, this.afterCommit);
    for (const spec of reopened) await syncSchedulerAfterCommit(this.deps.occurrenceQueue, spec, this.afterCommit);
    return campaign;
  }

  /**
   * Deletes the campaign with its templates and schedules (database cascade); its Jobs stay
   * with `campaign_id` null. The schedules' BullMQ schedulers go after the commit; one that
   * Redis failing or a crash leaves behind is an orphan the reconciler removes (the delete has
   * happened, so it still answers 204).
   */
  async remove(caller: Caller, id: string, expected?: IfMatch): Promise<void> {
    const scheduleIds = await this.deps.dataSource.transaction(async (tx) => {
      const campaign = await tx
        .getRepository(Campaign)
        .findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!campaign) throw notFound('Campaign');
      assertMatches(expected, campaign, 'Campaign');
      const schedules = await tx.getRepository(ScheduledJob).find({ select: { id: true }, where: { campaignId: id } });
      await tx.getRepository(Campaign).delete({ id });
      return schedules.map((s) => s.id);
    });
    for (const scheduleId of scheduleIds) await removeScheduler(this.deps.occurrenceQueue, scheduleId, this.afterCommit);
  }

  async stats(caller: Caller, id: string) {
    const campaign = await this.get(caller, id);
    const ds = this.deps.dataSource;
    const [statusRows, totalScheduled, totalTemplates, costRow] = await Promise.all([
      ds
        .getRepository(Job)
        .createQueryBuilder('j')
        .select('j.status', 'status')
        .addSelect('COUNT(*)::int', 'count')
        .where('j.campaign_id = :id', { id })
        .groupBy('j.status')
        .getRawMany<{ status: string; count: number }>(),
      ds.getRepository(ScheduledJob).countBy({ campaignId: id }),
      ds.getRepository(JobTemplate).countBy({ campaignId: id }),
      ds
        .getRepository(Job)
        .createQueryBuilder('j')
        .select('COALESCE(SUM(j.cost_usd), 0)::float8', 'spent')
        .where('j.campaign_id = :id', { id })
        .getRawOne<{ spent: number }>(),
    ]);
    const statusDistribution: Record<string, number> = {};
    let totalJobs = 0;
    for (const row of statusRows) {
      statusDistribution[row.status] = row.count;
      totalJobs += row.count;
    }
    const now = this.deps.now();
    const spent = Math.round((costRow?.spent ?? 0) * 10_000) / 10_000;
    const daysRemaining = campaign.endDate ? Math.max(0, Math.floor((campaign.endDate.getTime() - now.getTime()) / 86_400_000)) : null;
    return {
      campaign_id: campaign.id,
      total_jobs: totalJobs,
      total_scheduled_jobs: totalScheduled,
      total_templates: totalTemplates,
      job_count_progress: campaign.targetJobCount ? totalJobs / campaign.targetJobCount : null,
      days_remaining: daysRemaining,
      status_distribution: statusDistribution,
      awaiting_approval: statusDistribution.awaiting_approval ?? 0,
      budget_spent_usd: spent,
      budget_progress: campaign.targetBudgetUsd ? spent / campaign.targetBudgetUsd : null,
      upcoming_runs: await upcomingRunsOf(this.deps, { workspaceId: caller.workspaceId, campaign }, 5),
    };
  }
}
