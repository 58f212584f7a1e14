import { readManager } from '../db/read-router';
import { And, LessThan, MoreThanOrEqual, type FindOperator, type FindOptionsWhere } from 'typeorm';
import { Job, jobEventData, jobQueuedMarker, JOB_TRANSITIONS, JobStatus, recordEvent } from '@scheduler/entities';
import { contentJobPayload, dequeueContentJob, handOverAfterCommit } from '@scheduler/queue';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { conflict, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import type { Page } from '../http/pagination';
import type { SortOrder } from '../http/query';
import { sortOrder, type SortColumn } from '../http/sorting';
import type { UpdateJobDto } from './job.dto';

export interface JobFilter {
  campaignId?: string;
  scheduledJobId?: string;
  status?: JobStatus;
  templateId?: string;
  /** `scheduled_for` in [from, to). */
  scheduledFor?: Range;
  /** `created_at` in [from, to). */
  createdAt?: Range;
  sort?: SortOrder<JobSortKey>;
}

/** An instant range, `from` inclusive, `to` exclusive; either end may be open. */
export interface Range {
  from?: Date;
  to?: Date;
}

/** The keys of `GET /jobs?sort=` (manual Jobs, without `scheduled_for`, come last either way). */
export const JOB_SORTS = {
  created_at: { property: 'createdAt' },
  scheduled_for: { property: 'scheduledFor', nullable: true },
  approval_deadline: { property: 'approvalDeadline', nullable: true },
} satisfies Record<string, SortColumn>;

/**
 * The approval queue's order (`status=awaiting_approval` without `sort=`): the nearest deadline
 * first, those without one after, each oldest first (`jobs_approval_queue_idx`).
 */
const APPROVAL_QUEUE_ORDER = {
  approvalDeadline: { direction: 'ASC', nulls: 'LAST' },
  createdAt: 'ASC',
  id: 'ASC',
} as const;
export type JobSortKey = keyof typeof JOB_SORTS;
export const JOB_SORT_KEYS = Object.keys(JOB_SORTS) as JobSortKey[];

/** The TypeORM condition of a range, or undefined when both ends are open. */
export function inRange(range: Range | undefined): FindOperator<Date> | undefined {
  if (!range || (!range.from && !range.to)) return undefined;
  if (range.from && range.to) return And(MoreThanOrEqual(range.from), LessThan(range.to));
  return range.from ? MoreThanOrEqual(range.from) : LessThan(range.to as Date);
}

/** A progress report's result: the Job, and (when it cancelled the Job) whether it left the content queue. */
export interface JobUpdate {
  job: Job;
  /** Null unless this report cancelled the Job. */
  dequeued: boolean | null;
}

const isFinal = (status: JobStatus): boolean => JOB_TRANSITIONS[status].length === 0;

export class JobService {
  constructor(private readonly deps: AppDeps) {}

  private get repo() {
    return readManager(this.deps).getRepository(Job);
  }

  /** Newest first. */
  async list(caller: Caller, filter: JobFilter, page: Page): Promise<[Job[], number]> {
    const where: FindOptionsWhere<Job> = { workspaceId: caller.workspaceId };
    if (filter.campaignId) where.campaignId = filter.campaignId;
    if (filter.scheduledJobId) where.scheduledJobId = filter.scheduledJobId;
    if (filter.status) where.status = filter.status;
    if (filter.templateId) where.templateId = filter.templateId;
    const scheduledFor = inRange(filter.scheduledFor);
    if (scheduledFor) where.scheduledFor = scheduledFor;
    const createdAt = inRange(filter.createdAt);
    if (createdAt) where.createdAt = createdAt;
    return this.repo.findAndCount({
      where,
      order: filter.sort
        ? sortOrder(filter.sort, JOB_SORTS)
        : filter.status === 'awaiting_approval'
          ? APPROVAL_QUEUE_ORDER
          : { createdAt: 'DESC', id: 'DESC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  /** The workspace's Job, or a 404 (also for another workspace's Job). */
  async get(caller: Caller, id: string): Promise<Job> {
    const job = await this.repo.findOneBy({ id, workspaceId: caller.workspaceId });
    if (!job) throw notFound('Job');
    return job;
  }

  /**
   * A progress report from the content pipeline. The read-check-write runs under the Job's
   * row lock, so two concurrent reports cannot both move it. A Job in a final status no longer
   * changes at all (409); the server keeps `started_at` and `completed_at`.
   */
  async update(caller: Caller, id: string, dto: UpdateJobDto, expected?: IfMatch): Promise<JobUpdate> {
    if (dto.status === undefined && dto.cost_usd === undefined && dto.error_message === undefined) {
      throw validationFailed([{ field: 'body', message: 'must set at least one of status, cost_usd, error_message' }]);
    }
    const job = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(Job);
      const job = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!job) throw notFound('Job');
      assertMatches(expected, job, 'Job');
      if (isFinal(job.status)) throw conflict(`Job is ${job.status}, a final status: it can no longer change`);
      const before = auditSnapshot(tx, job);
      if (dto.status !== undefined) {
        if (dto.status === job.status) throw conflict(`Job is already ${job.status}`);
        if (job.status === 'awaiting_approval' && dto.status !== 'cancelled') {
          throw conflict(`Job is awaiting_approval: only POST /jobs/${job.id}/approve releases it (or cancel it)`);
        }
        const allowed = JOB_TRANSITIONS[job.status];
        if (!allowed.includes(dto.status)) {
          throw conflict(`Job cannot go from ${job.status} to ${dto.status} (allowed: ${allowed.join(', ')})`);
        }
        const now = this.deps.now();
        job.status = dto.status;
        if (dto.status === 'running' && !job.startedAt) job.startedAt = now;
        if (isFinal(dto.status)) job.completedAt = now;
      }
      if (dto.cost_usd !== undefined) job.costUsd = dto.cost_usd;
      if (dto.error_message !== undefined) job.errorMessage = dto.error_message;
      const saved = await repo.save(job);
      // In the same transaction: the event exists exactly when the change commits.
      if (dto.status === 'completed' || dto.status === 'failed') {
        await recordEvent(tx, saved.workspaceId, `job.${dto.status}`, jobEventData(saved));
      }
      const action = dto.status === 'cancelled' ? 'cancel' : 'update';
      await recordAudit(tx, caller, { action, entityType: 'job', entityId: id, before, after: auditSnapshot(tx, saved) });
      return saved;
    });
    // After the commit: a cancelled Job that no pipeline has taken leaves the content queue.
    const dequeued =
      dto.status === 'cancelled'
        ? await dequeueContentJob(this.deps.contentQueue, job.id, {
            logger: this.deps.logger,
            syncFailures: this.deps.metrics.api.syncFailures,
          })
        : null;
    return { job, dequeued };
  }

  /**
   * Approves an awaiting Job: one conditional UPDATE (`WHERE status = 'awaiting_approval'`), so of
   * two concurrent approvals (or an approval and the timeout sweep) exactly one changes the row,
   * and only that one hands the Job to `content-jobs`, after the commit, with the Job id as the
   * BullMQ job id; `queued_at` is set once it is there. A failed hand-over leaves it `pending`
   * with `queued_at` null: the worker's reconciler hands it over.
   */
  async approve(caller: Caller, id: string): Promise<Job> {
    const job = await this.decide(caller, id, { status: 'pending' });
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

  /** Rejects an awaiting Job: `cancelled` with the reason (never on the content queue, nothing to dequeue). */
  async reject(caller: Caller, id: string, reason: string): Promise<Job> {
    return this.decide(caller, id, { status: 'cancelled', reason });
  }

  /**
   * The conditional UPDATE of a decision, by the calling member (`decided_by`); 404 for a Job not
   * in the caller's workspace, 409 unless it is awaiting.
   */
  private async decide(caller: Caller, id: string, decision: { status: 'pending' | 'cancelled'; reason?: string }) {
    return this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(Job);
      const now = this.deps.now();
      const changed = await repo
        .createQueryBuilder()
        .update()
        .set({
          status: decision.status,
          decidedBy: caller.userId,
          decidedAt: now,
          ...(decision.status === 'cancelled' ? { statusReason: decision.reason ?? null, completedAt: now } : {}),
        })
        .where("id = :id AND workspace_id = :workspaceId AND status = 'awaiting_approval'", { id, workspaceId: caller.workspaceId })
        .execute();
      const job = await repo.findOneBy({ id, workspaceId: caller.workspaceId });
      if (!job) throw notFound('Job');
      if (!changed.affected) throw conflict(`Job is ${job.status}, not awaiting_approval`);
      // The conditional UPDATE changed an awaiting Job: before it, these fields were as every awaiting Job has them.
      const after = auditSnapshot(tx, job);
      const before = { ...after, status: 'awaiting_approval', decided_by: null, decided_at: null };
      if (decision.status === 'cancelled') Object.assign(before, { status_reason: null, completed_at: null });
      await recordAudit(tx, caller, {
        action: decision.status === 'pending' ? 'approve' : 'reject',
        entityType: 'job',
        entityId: id,
        before,
        after,
      });
      return job;
    });
  }
}
