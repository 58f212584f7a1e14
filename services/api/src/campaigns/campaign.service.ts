import { readManager } from '../db/read-router';
import {
  applyCampaignChange,
  Campaign,
  campaignBefore,
  CampaignStatus,
  isClosedCampaign,
  Job,
  JobTemplate,
  ScheduledJob,
  setCampaignStatus,
  type CampaignSync,
  schedulerSyncLedger,
} from '@scheduler/entities';
import { AfterCommitReport, removeScheduler, syncSchedulerAfterCommit } from '@scheduler/queue';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { conflict, FieldError, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import { parseInstant } from '../http/format';
import type { Page } from '../http/pagination';
import type { SortOrder } from '../http/query';
import { sortOrder, type SortColumn } from '../http/sorting';
import { upcomingRunsOf } from '../schedules/schedule.service';
import { forecastOf } from './campaign-forecast';
import { dateOrderErrors, type CreateCampaignDto, type PauseCampaignDto, type UpdateCampaignDto } from './campaign.dto';

type CampaignFields = CreateCampaignDto | UpdateCampaignDto;

function applyFields(campaign: Campaign, dto: CampaignFields): void {
  const errors: FieldError[] = [];
  if (dto.name !== undefined) campaign.name = dto.name;
  if (dto.description !== undefined) campaign.description = dto.description;
  if (dto.status !== undefined) setCampaignStatus(campaign, dto.status);
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
    return readManager(this.deps).getRepository(Campaign);
  }

  private get afterCommit(): AfterCommitReport {
    return {
      logger: this.deps.logger,
      syncFailures: this.deps.metrics.api.syncFailures,
      ledger: schedulerSyncLedger(this.deps.dataSource),
    };
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
    return this.deps.dataSource.transaction(async (tx) => {
      const saved = await tx.getRepository(Campaign).save(campaign);
      await recordAudit(tx, caller, { action: 'create', entityType: 'campaign', entityId: saved.id, after: auditSnapshot(tx, saved) });
      return saved;
    });
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
   * Partial update. New dates or a new status apply to the campaign's schedules at once, in the
   * same transaction (`applyCampaignChange`, shared with the worker's auto-resume): see there. A
   * status other than `paused` clears `paused_reason` and `resume_at`; `paused` sent to an active
   * campaign pauses it without either (a paused one keeps its own).
   */
  async update(caller: Caller, id: string, dto: UpdateCampaignDto, expected?: IfMatch): Promise<Campaign> {
    return this.change(caller, id, expected, 'update', (campaign) => applyFields(campaign, dto));
  }

  /**
   * `POST /campaigns/{id}/pause`: the campaign's status becomes `paused` with the body's `reason`
   * and `resume_at` (a paused campaign gets them replaced). 409 for a completed or archived
   * campaign; 422 for a `resume_at` not in the future or not before the campaign's `end_date`.
   */
  async pause(caller: Caller, id: string, dto: PauseCampaignDto, expected?: IfMatch): Promise<Campaign> {
    return this.change(caller, id, expected, 'pause', (campaign, now) => {
      if (isClosedCampaign(campaign.status)) throw conflict(`The campaign is ${campaign.status}: it cannot be paused`);
      const errors: FieldError[] = [];
      const resumeAt = typeof dto.resume_at === 'string' ? parseInstant(dto.resume_at, 'resume_at', errors) : null;
      if (resumeAt && resumeAt <= now) errors.push({ field: 'resume_at', message: 'resume_at must be in the future' });
      if (resumeAt && campaign.endDate && resumeAt >= campaign.endDate) {
        errors.push({ field: 'resume_at', message: "resume_at must be before the campaign's end_date" });
      }
      if (errors.length) throw validationFailed(errors);
      setCampaignStatus(campaign, 'paused', { reason: dto.reason ?? null, resumeAt });
    });
  }

  /** `POST /campaigns/{id}/resume`: a paused campaign becomes active (as `PUT` with `status: active`); 409 unless paused. */
  async resume(caller: Caller, id: string, expected?: IfMatch): Promise<Campaign> {
    return this.change(caller, id, expected, 'resume', (campaign) => {
      if (campaign.status !== 'paused') throw conflict(`The campaign is ${campaign.status}, not paused`);
      setCampaignStatus(campaign, 'active');
    });
  }

  /**
   * The one way the API changes a campaign: under its row lock (and `If-Match`), `edit` changes
   * the row (throwing a 4xx writes nothing), then the change applies to its schedules in the same
   * transaction (`applyCampaignChange`); the schedulers are put in step after the commit.
   */
  private async change(
    caller: Caller,
    id: string,
    expected: IfMatch | undefined,
    action: 'update' | 'pause' | 'resume',
    edit: (campaign: Campaign, now: Date) => void,
  ): Promise<Campaign> {
    const now = this.deps.now();
    const { campaign, sync } = await this.deps.dataSource.transaction(async (tx) => {
      const campaign = await tx
        .getRepository(Campaign)
        .findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!campaign) throw notFound('Campaign');
      assertMatches(expected, campaign, 'Campaign');
      const before = campaignBefore(campaign);
      const snapshot = auditSnapshot(tx, campaign);
      edit(campaign, now);
      const saved = await tx.getRepository(Campaign).save(campaign);
      await recordAudit(tx, caller, { action, entityType: 'campaign', entityId: id, before: snapshot, after: auditSnapshot(tx, saved) });
      return { campaign: saved, sync: await applyCampaignChange(tx, saved, before, now) };
    });
    await this.syncAfterCommit(sync);
    return campaign;
  }

  private async syncAfterCommit(sync: CampaignSync): Promise<void> {
    for (const scheduleId of sync.expired) await removeScheduler(this.deps.occurrenceQueues.of(scheduleId), scheduleId, this.afterCommit);
    for (const spec of sync.reopened) await syncSchedulerAfterCommit(this.deps.occurrenceQueues.of(spec.id), spec, this.afterCommit);
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
      await recordAudit(tx, caller, {
        action: 'delete',
        entityType: 'campaign',
        entityId: id,
        before: auditSnapshot(tx, campaign),
        after: null,
      });
      return schedules.map((s) => s.id);
    });
    for (const scheduleId of scheduleIds) await removeScheduler(this.deps.occurrenceQueues.of(scheduleId), scheduleId, this.afterCommit);
  }

  async stats(caller: Caller, id: string) {
    const campaign = await this.get(caller, id);
    const ds = readManager(this.deps);
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
      forecast: await forecastOf(ds, campaign, totalJobs, now),
    };
  }
}
