import { readManager } from '../db/read-router';
import { EntityManager, FindOptionsWhere, In, Not } from 'typeorm';
import {
  approvalGateOf,
  Campaign,
  FINISHED_SCHEDULE_STATUSES,
  Job,
  jobConfigProblem,
  JobTemplate,
  jobQueuedMarker,
  mergeJobConfig,
  ScheduledJob,
  newJobValues,
  recordJobCreated,
} from '@scheduler/entities';
import { contentJobPayload, handOverAfterCommit } from '@scheduler/queue';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { refuseClosedCampaign } from '../campaigns/closed-campaign';
import { conflict, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import type { Page } from '../http/pagination';
import type { CreateTemplateDto, UpdateTemplateDto, UseTemplateDto } from './template.dto';

type TemplateFields = CreateTemplateDto | UpdateTemplateDto;

export interface TemplateFilter {
  campaignId?: string;
  favoritesOnly: boolean;
}

/** How many blocking schedules a 409 names before it says "and N more". */
const MAX_NAMED_SCHEDULES = 20;

function applyFields(template: JobTemplate, dto: TemplateFields): void {
  if (dto.name !== undefined) template.name = dto.name;
  if (dto.description !== undefined) template.description = dto.description;
  if (dto.campaign_id !== undefined) template.campaignId = dto.campaign_id === null ? null : dto.campaign_id.toLowerCase();
  if (dto.publisher_domain !== undefined) template.publisherDomain = dto.publisher_domain;
  if (dto.llm_provider !== undefined) template.llmProvider = dto.llm_provider;
  if (dto.llm_model !== undefined) template.llmModel = dto.llm_model;
  if (dto.writing_strategy !== undefined) template.writingStrategy = dto.writing_strategy;
  if (dto.country !== undefined) template.country = dto.country;
  if (dto.language !== undefined) template.language = dto.language;
  if (dto.max_retries !== undefined) template.maxRetries = dto.max_retries;
  if (dto.batch_size !== undefined) template.batchSize = dto.batch_size;
  if (dto.metadata !== undefined) template.metadata = dto.metadata;
  if (dto.tags !== undefined) template.tags = dto.tags;
  if (dto.is_favorite !== undefined) template.isFavorite = dto.is_favorite;
  if (dto.visibility !== undefined) template.visibility = dto.visibility;
}

/**
 * Checks that the campaign is the workspace's (else 404) and holds a share lock on it until the
 * transaction ends, so a concurrent campaign delete cannot remove it under the new reference.
 */
async function lockOwnCampaign(tx: EntityManager, workspaceId: string, campaignId: string): Promise<void> {
  const campaign = await tx.getRepository(Campaign).findOne({
    select: { id: true },
    where: { id: campaignId, workspaceId },
    lock: { mode: 'pessimistic_read' },
  });
  if (!campaign) throw notFound('Campaign');
}

export class TemplateService {
  constructor(private readonly deps: AppDeps) {}

  private get repo() {
    return readManager(this.deps).getRepository(JobTemplate);
  }

  async create(caller: Caller, dto: CreateTemplateDto): Promise<JobTemplate> {
    return this.deps.dataSource.transaction(async (tx) => {
      if (dto.campaign_id) await lockOwnCampaign(tx, caller.workspaceId, dto.campaign_id.toLowerCase());
      const repo = tx.getRepository(JobTemplate);
      const template = repo.create({ userId: caller.userId, workspaceId: caller.workspaceId, tags: [], metadata: {} });
      applyFields(template, dto);
      const saved = await repo.save(template);
      await recordAudit(tx, caller, { action: 'create', entityType: 'template', entityId: saved.id, after: auditSnapshot(tx, saved) });
      return saved;
    });
  }

  /** Favorites first, then most recently used (never-used last), then newest. */
  async list(caller: Caller, filter: TemplateFilter, page: Page): Promise<[JobTemplate[], number]> {
    const where: FindOptionsWhere<JobTemplate> = { workspaceId: caller.workspaceId };
    if (filter.campaignId) where.campaignId = filter.campaignId;
    if (filter.favoritesOnly) where.isFavorite = true;
    return this.repo.findAndCount({
      where,
      order: { isFavorite: 'DESC', lastUsedAt: { direction: 'DESC', nulls: 'LAST' }, createdAt: 'DESC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  /** The workspace's template, or a 404 (also for another workspace's template). */
  async get(caller: Caller, id: string): Promise<JobTemplate> {
    const template = await this.repo.findOneBy({ id, workspaceId: caller.workspaceId });
    if (!template) throw notFound('Template');
    return template;
  }

  /** Row-locked read-modify-write, so a concurrent use's `use_count + 1` is never written over. */
  async update(caller: Caller, id: string, dto: UpdateTemplateDto, expected?: IfMatch): Promise<JobTemplate> {
    return this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(JobTemplate);
      const template = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!template) throw notFound('Template');
      assertMatches(expected, template, 'Template');
      // Only a move to another campaign needs the check (and its lock): the current one is the
      // workspace's, and locking it here could deadlock with that campaign's cascading delete.
      if (dto.campaign_id && dto.campaign_id.toLowerCase() !== template.campaignId) {
        await lockOwnCampaign(tx, caller.workspaceId, dto.campaign_id.toLowerCase());
      }
      const before = auditSnapshot(tx, template);
      applyFields(template, dto);
      const saved = await repo.save(template);
      await recordAudit(tx, caller, { action: 'update', entityType: 'template', entityId: id, before, after: auditSnapshot(tx, saved) });
      return saved;
    });
  }

  async toggleFavorite(caller: Caller, id: string): Promise<JobTemplate> {
    return this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(JobTemplate);
      const template = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!template) throw notFound('Template');
      const before = auditSnapshot(tx, template);
      template.isFavorite = !template.isFavorite;
      const saved = await repo.save(template);
      await recordAudit(tx, caller, { action: 'favorite', entityType: 'template', entityId: id, before, after: auditSnapshot(tx, saved) });
      return saved;
    });
  }

  /**
   * Deletes the template unless a schedule of the workspace that can still fire uses it (409 naming
   * them). Finished schedules keep their history and just lose the link (ON DELETE SET NULL),
   * as do Jobs made from it. The row lock makes a schedule created meanwhile wait for the
   * delete (its foreign key check then fails) instead of being unlinked silently.
   */
  async remove(caller: Caller, id: string, expected?: IfMatch): Promise<void> {
    await this.deps.dataSource.transaction(async (tx) => {
      const template = await tx.getRepository(JobTemplate).findOne({
        where: { id, workspaceId: caller.workspaceId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!template) throw notFound('Template');
      assertMatches(expected, template, 'Template');
      const blocking = await tx.getRepository(ScheduledJob).find({
        select: { id: true, name: true },
        where: { templateId: id, workspaceId: caller.workspaceId, status: Not(In([...FINISHED_SCHEDULE_STATUSES])) },
        order: { createdAt: 'ASC', id: 'ASC' },
      });
      if (blocking.length > 0) {
        const named = blocking.slice(0, MAX_NAMED_SCHEDULES).map((s) => `${JSON.stringify(s.name)} (${s.id})`);
        const more = blocking.length > MAX_NAMED_SCHEDULES ? ` and ${blocking.length - MAX_NAMED_SCHEDULES} more` : '';
        throw conflict(
          `Template is used by ${blocking.length} schedule(s) that can still run: ${named.join(', ')}${more}. ` +
            'Delete them, point them at another template, or wait until they finish.',
        );
      }
      await tx.getRepository(JobTemplate).delete({ id });
      await recordAudit(tx, caller, {
        action: 'delete',
        entityType: 'template',
        entityId: id,
        before: auditSnapshot(tx, template),
        after: null,
      });
    });
  }

  /**
   * Creates a pending Job from the template with the overrides on top (`mergeJobConfig`),
   * counts the use atomically in the same transaction, then hands the Job to the content queue.
   * Refused, with nothing written: in a completed or archived campaign (409), and when the merged
   * config fails the worker's own check (`jobConfigProblem`: no `publisher_domain`, 422).
   */
  async use(caller: Caller, id: string, overrides: UseTemplateDto): Promise<Job> {
    const now = this.deps.now();
    const job = await this.deps.dataSource.transaction(async (tx) => {
      const templates = tx.getRepository(JobTemplate);
      const found = await templates.findOne({
        select: { id: true, campaignId: true, lastUsedAt: true },
        where: { id, workspaceId: caller.workspaceId },
      });
      if (!found) throw notFound('Template');
      // Lock order campaign -> template, as a campaign's cascading delete takes them; the other
      // order deadlocks with it (the Job's foreign key needs the campaign row).
      let gate = approvalGateOf(null, null);
      if (found.campaignId) {
        const campaign = await tx.getRepository(Campaign).findOne({
          select: { id: true, status: true, requiresApproval: true, approvalTimeoutHours: true },
          where: { id: found.campaignId },
          lock: { mode: 'pessimistic_read' },
        });
        refuseClosedCampaign(campaign, 'Jobs');
        gate = approvalGateOf(null, campaign);
      }
      const counted = await templates
        .createQueryBuilder()
        .update()
        // A use is not an edit: `updated_at` stays as it was.
        .set({ useCount: () => 'use_count + 1', lastUsedAt: now, updatedAt: () => 'updated_at' })
        .where('id = :id AND workspace_id = :workspaceId', { id, workspaceId: caller.workspaceId })
        .execute();
      if (!counted.affected) throw notFound('Template');
      const template = await templates.findOneByOrFail({ id });
      const config = mergeJobConfig(template, { ...overrides });
      // The transaction rolls back the counted use with it.
      const problem = jobConfigProblem(config);
      if (problem) throw validationFailed([problem]);
      const jobs = tx.getRepository(Job);
      const made = await jobs.save(
        jobs.create(
          // The member who used the template, in the workspace's Jobs; a campaign that requires
          // approval gates its template uses too.
          newJobValues(
            {
              userId: caller.userId,
              workspaceId: caller.workspaceId,
              campaignId: template.campaignId,
              templateId: template.id,
              scheduledJobId: null,
              scheduledJobName: null,
              config,
            },
            gate,
            now,
          ),
        ),
      );
      await recordJobCreated(tx, made);
      await recordAudit(tx, caller, {
        action: 'use',
        entityType: 'template',
        entityId: id,
        changes: {
          use_count: { old: template.useCount - 1, new: template.useCount },
          last_used_at: { old: found.lastUsedAt?.toISOString() ?? null, new: now.toISOString() },
          job_id: { old: null, new: made.id },
        },
      });
      return made;
    });
    if (job.status === 'awaiting_approval') return job; // its approval hands it over
    await handOverAfterCommit(
      this.deps.contentQueue,
      {
        payload: contentJobPayload(job),
        markQueued: jobQueuedMarker(this.deps.dataSource),
      },
      { logger: this.deps.logger, syncFailures: this.deps.metrics.api.syncFailures },
    );
    return job;
  }
}
