import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { IsNull, LessThan, Not } from 'typeorm';
import {
  approvalTimedOutReason,
  IDEMPOTENCY_KEY_TTL_HOURS,
  Job,
  jobQueuedMarker,
  recordSchedulersSyncedAt,
  ruleOf,
  ScheduledJob,
} from '@scheduler/entities';
import { serializeRule } from '@scheduler/recurrence';
import {
  asOccurrenceQueues,
  ContentJobPayload,
  contentJobPayload,
  enqueueOccurrence,
  enqueueShiftedOccurrence,
  handOverJob,
  isRuleOccurrence,
  OccurrencePayload,
  OccurrenceQueues,
  OccurrenceTarget,
  otherLayoutQueues,
  ReconcileReport,
  recordedOccurrenceShards,
  recordOccurrenceShards,
  shiftedOccurrenceJobId,
  statusKeys,
  syncScheduler,
} from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';

const RECONCILE_LOCK_KEY = 827_364_002;
const BATCH = 500;
/** An occurrence this far past its time with nothing processing it counts as overdue. */
const OVERDUE_SLACK_MS = 15_000;
/** A pending Job not handed to the content queue after this long is handed over again. */
const UNQUEUED_SLACK_MS = 30_000;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';
/** Default of `RECONCILE_FULL_SWEEP_HOURS`. */
const DEFAULT_FULL_SWEEP_HOURS = 6;

/**
 * Why a pass sweeps everything (`Reconciler.fullSweepReason`): `no-state`, no full sweep recorded
 * for this queue prefix yet; `unfinished`, the last one did not finish; `redis-token`, Redis does
 * not hold the last sweep's token (a flush or a restart lost it); `due`, the last one finished
 * more than `RECONCILE_FULL_SWEEP_HOURS` ago; `shards`, the schedulers may be placed for another
 * `OCCURRENCE_SHARDS` (`shardCountChange`): the sweep moves them to their shards.
 */
export type FullSweepReason = 'no-state' | 'unfinished' | 'redis-token' | 'due' | 'shards';

export interface ReconcilerOptions {
  /** `RECONCILE_FULL_SWEEP_HOURS`: the longest time between two full sweeps. */
  fullSweepHours?: number;
  /**
   * How far ahead an incremental pass checks that shifted next runs have their delayed job (the
   * worker passes two reconcile intervals, so every one is checked before it is due). Default 120.
   */
  shiftLookaheadSeconds?: number;
}

interface ReconcilerState {
  redis_token: string;
  full_sweep_started_at: Date | null;
  full_sweep_finished_at: Date | null;
}

/**
 * Cancels up to `$2` Jobs still awaiting approval at `$1` past their deadline, most overdue first,
 * with the reason (its hours are the deadline's distance from the Job's creation). The status
 * condition is repeated in the UPDATE: a Job approved or rejected meanwhile (the API's
 * conditional UPDATE) is left as it is, and a Job is cancelled once however many passes run.
 * Reads `jobs_approval_deadline_idx`.
 */
const CANCEL_TIMED_OUT = `
  WITH due AS (
    SELECT id FROM jobs
     WHERE status = 'awaiting_approval' AND approval_deadline IS NOT NULL AND approval_deadline <= $1
     ORDER BY approval_deadline
     LIMIT $2
       FOR UPDATE SKIP LOCKED
  )
  UPDATE jobs j
     SET status = 'cancelled',
         status_reason = format($3, round(extract(epoch FROM j.approval_deadline - j.created_at) / 3600)::int),
         completed_at = $1, updated_at = now()
    FROM due
   WHERE j.id = due.id AND j.status = 'awaiting_approval'
  RETURNING j.id`;

/**
 * Deletes up to `$2` `Idempotency-Key`s older than `$1` (they are ignored from then on, so
 * nothing answers from them any more), oldest first, on `idempotency_keys_created_at_idx`.
 */
const DELETE_EXPIRED_KEYS = `
  DELETE FROM idempotency_keys
   WHERE (workspace_id, key) IN (
     SELECT workspace_id, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2
   )`;

/**
 * Makes Redis agree with PostgreSQL: every active schedule has exactly one job scheduler with
 * its current rule and version; schedulers without an active schedule go; an occurrence that
 * is overdue with nothing queued for it is queued again. The processor settles it, and every
 * occurrence after it up to now, under the schedule's `catchup_policy` (the lifecycle's
 * `catchUpPlan`), exactly as it does a late occurrence the scheduler delivered: so a Redis
 * flush catches up by the same policy as a worker outage. One leader at a time, by a
 * PostgreSQL advisory lock.
 *
 * A pass costs what changed, not the number of schedules: it reads the rows PostgreSQL records
 * as out of step with Redis (`scheduler_change_seq <> scheduler_synced_seq`, migration 0019: a
 * trigger marks a row in the transaction that changes its scheduler, the after-commit syncs mark
 * it in step once Redis holds it) and the overdue ones (`scheduled_jobs_active_next_run_idx`),
 * and reads Redis for those only. A full sweep (every active schedule against Redis, every
 * scheduler against PostgreSQL) runs when `fullSweepReason` says so: on the first pass, after
 * Redis lost the token the last sweep left there (a flush or restart), and every
 * `RECONCILE_FULL_SWEEP_HOURS`.
 *
 * With occurrence shards each schedule is checked against (and written to) its shard's queue,
 * and orphans are looked for in every shard. After a change of `OCCURRENCE_SHARDS` (the counts
 * recorded in Redis hold another: `shardCountChange`) a full sweep moves the schedulers: each is
 * written in its new shard first (the checks of the active schedules), then removed from its old
 * one (the orphan pass, which treats a scheduler outside its schedule's shard as an orphan); an
 * occurrence both copies fire materializes once (the Job is unique per schedule and occurrence).
 */
export class Reconciler {
  private readonly fullSweepMs: number;
  private readonly shiftLookaheadMs: number;
  private readonly queues: OccurrenceQueues;

  constructor(
    private readonly dataSource: DataSource,
    queues: OccurrenceTarget,
    private readonly contentQueue: Queue<ContentJobPayload>,
    private readonly logger: Logger,
    private readonly metrics?: WorkerMetrics,
    private readonly now: () => Date = () => new Date(),
    options: ReconcilerOptions = {},
  ) {
    this.fullSweepMs = (options.fullSweepHours ?? DEFAULT_FULL_SWEEP_HOURS) * 3_600_000;
    this.shiftLookaheadMs = (options.shiftLookaheadSeconds ?? 120) * 1000;
    this.queues = asOccurrenceQueues(queues);
  }

  /**
   * The shard counts other than this worker's whose layouts may still hold schedulers (a change
   * of `OCCURRENCE_SHARDS`, or a move still draining): a full sweep is needed to move them (null
   * when every scheduler is placed for this count).
   */
  async shardCountChange(): Promise<{ from: number[]; to: number } | null> {
    const to = this.queues.all.length;
    const from = (await recordedOccurrenceShards(this.queues)).filter((count) => count !== to);
    return from.length === 0 ? null : { from, to };
  }

  /** Runs one pass if this process can take the leader lock; null when another leader holds it. */
  async runIfLeader(): Promise<ReconcileReport | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [RECONCILE_LOCK_KEY])) as { locked: boolean }[];
      if (!locked) return null;
      try {
        return await this.reconcile();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [RECONCILE_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  /** The queue prefix: the key of this Redis's row in `reconciler_state` and of its token. */
  private get prefix(): string {
    return this.queues.all[0].opts.prefix ?? 'bull';
  }

  /** The occurrence queues' Redis connection (where the sweep's token lives). */
  private redis() {
    return this.queues.all[0].getBackend().client;
  }

  /**
   * Why the next pass must read every schedule and scheduler, or null when reading what changed
   * is enough. The one place that decides it: a change that puts all of Redis in doubt (another
   * layout of the queues, say) belongs here.
   */
  async fullSweepReason(): Promise<FullSweepReason | null> {
    const [state] = await this.dataSource.query<ReconcilerState[]>(
      'SELECT redis_token, full_sweep_started_at, full_sweep_finished_at FROM reconciler_state WHERE queue_prefix = $1',
      [this.prefix],
    );
    if (!state) return 'no-state';
    const { full_sweep_started_at: started, full_sweep_finished_at: finished } = state;
    if (!finished || (started && finished < started)) return 'unfinished';
    if ((await (await this.redis()).get(statusKeys(this.prefix).reconcileToken)) !== state.redis_token) return 'redis-token';
    if (this.now().getTime() - finished.getTime() >= this.fullSweepMs) return 'due';
    if (await this.shardCountChange()) return 'shards';
    return null;
  }

  async reconcile(): Promise<ReconcileReport> {
    const started = Date.now();
    const reason = await this.fullSweepReason();
    const report: ReconcileReport = {
      finished_at: '',
      duration_ms: 0,
      kind: reason ? 'full' : 'incremental',
      full_sweep_reason: reason,
      examined: 0,
      active_schedules: 0,
      created: 0,
      updated: 0,
      removed: 0,
      recreated_overdue: 0,
      jobs_handed_over: 0,
    };
    if (reason) {
      await this.fullSweep(report);
    } else {
      await this.queueOverdue(report);
      await this.queueShiftedDueSoon(report);
      report.active_schedules = await this.dataSource.getRepository(ScheduledJob).countBy({ status: 'active', nextRunAt: Not(IsNull()) });
    }
    // After a full sweep too: the rows that stopped firing (their schedulers went as orphans) are marked in step.
    await this.repairOutOfStep(report);
    await this.handOverUnqueuedJobs(report);
    const timedOut = await this.cancelTimedOutApprovals();
    const expiredKeys = await this.deleteExpiredIdempotencyKeys();
    report.duration_ms = Date.now() - started;
    report.finished_at = new Date().toISOString();
    const fixes = report.created + report.updated + report.removed + report.recreated_overdue + report.jobs_handed_over;
    if (reason) this.logger.info({ ...report }, 'reconcile full sweep done');
    if (fixes > 0) this.logger.warn({ ...report }, 'reconcile repaired schedulers and jobs');
    if (timedOut > 0) this.logger.info({ approvals_timed_out: timedOut }, 'Jobs awaiting approval past their deadline cancelled');
    if (expiredKeys > 0) this.logger.info({ idempotency_keys_deleted: expiredKeys }, 'expired Idempotency-Keys deleted');
    if (this.metrics) {
      if (timedOut) this.metrics.reconcileFixes.inc({ kind: 'approvals_timed_out' }, timedOut);
      this.metrics.reconcileDuration.observe({ kind: report.kind }, report.duration_ms / 1000);
      this.metrics.reconcileExamined.inc({ kind: report.kind }, report.examined);
      for (const kind of ['created', 'updated', 'removed', 'recreated_overdue', 'jobs_handed_over'] as const) {
        if (report[kind]) this.metrics.reconcileFixes.inc({ kind }, report[kind]);
      }
    }
    return report;
  }

  /**
   * Every active schedule read against Redis (in chunks of `BATCH`, each marked in step at the
   * change it was read at), then every scheduler against PostgreSQL. A new token goes to
   * PostgreSQL and Redis first: a flush during the sweep loses it, and the next pass sweeps again.
   */
  private async fullSweep(report: ReconcileReport): Promise<void> {
    const token = randomUUID();
    await this.dataSource.query(
      `INSERT INTO reconciler_state (queue_prefix, redis_token, full_sweep_started_at) VALUES ($1, $2, $3)
       ON CONFLICT (queue_prefix) DO UPDATE SET redis_token = EXCLUDED.redis_token, full_sweep_started_at = EXCLUDED.full_sweep_started_at`,
      [this.prefix, token, this.now()],
    );
    await (await this.redis()).set(statusKeys(this.prefix).reconcileToken, token);
    await this.inChunks(
      // An active schedule without a next run (held by its paused campaign) has no scheduler
      // and nothing overdue: its campaign's resume gives it both.
      "s.status = 'active' AND s.next_run_at IS NOT NULL",
      async (batch) => {
        report.active_schedules += batch.length;
        await Promise.all(batch.map((schedule) => this.reconcileOne(schedule, report)));
      },
      report,
    );
    // Placed for another shard count: moved by the checks above, and the old layouts emptied here.
    const shardChange = await this.shardCountChange();
    if (shardChange) this.logger.warn(shardChange, 'occurrence shard count changed: this sweep moves the schedulers to their shards');
    const draining = await this.removeOrphans(report, shardChange?.from ?? []);
    if (shardChange) await recordOccurrenceShards(this.queues, draining);
    await this.dataSource.query('UPDATE reconciler_state SET full_sweep_finished_at = $3 WHERE queue_prefix = $1 AND redis_token = $2', [
      this.prefix,
      token,
      this.now(),
    ]);
  }

  /**
   * The rows PostgreSQL records as out of step with Redis (`scheduled_jobs_scheduler_out_of_step_idx`):
   * each one's scheduler written (or removed when it does not fire) without reading Redis, and
   * marked in step at the change it was read at.
   */
  private async repairOutOfStep(report: ReconcileReport): Promise<void> {
    await this.inChunks(
      's.scheduler_change_seq <> s.scheduler_synced_seq',
      (batch) => Promise.all(batch.map((schedule) => this.writeScheduler(schedule, report))),
      report,
    );
  }

  /**
   * Reads the schedules matching `where` in chunks of `BATCH` by id, with their change sequence,
   * hands each chunk to `repair`, then marks the chunk in step at the sequences read.
   */
  private async inChunks(where: string, repair: (batch: ScheduledJob[]) => Promise<unknown>, report: ReconcileReport): Promise<void> {
    let lastId = FIRST_ID;
    for (;;) {
      const batch = await this.dataSource
        .getRepository(ScheduledJob)
        .createQueryBuilder('s')
        .addSelect('s.schedulerChangeSeq')
        .where(`${where} AND s.id > :lastId`, { lastId })
        .orderBy('s.id', 'ASC')
        .limit(BATCH)
        .getMany();
      if (batch.length === 0) return;
      lastId = batch[batch.length - 1].id;
      report.examined += batch.length;
      await repair(batch);
      await recordSchedulersSyncedAt(
        this.dataSource,
        batch.map((s) => ({ id: s.id, seq: s.schedulerChangeSeq ?? '0' })),
      );
      if (batch.length < BATCH) return;
    }
  }

  /** Puts a schedule's scheduler in step with its row without reading Redis first. */
  private async writeScheduler(schedule: ScheduledJob, report: ReconcileReport): Promise<void> {
    const rule = schedule.status === 'active' && schedule.nextRunAt ? ruleOf(schedule) : null;
    const queue = this.queues.of(schedule.id);
    if (rule) {
      if (await syncScheduler(queue, { id: schedule.id, version: schedule.version, rule, nextRunAt: schedule.nextRunAt })) {
        report.updated += 1;
      }
    } else if (await queue.removeJobScheduler(schedule.id)) {
      report.removed += 1;
    }
  }

  /** The active schedules more than the slack overdue (`scheduled_jobs_active_next_run_idx`), in chunks. */
  private async queueOverdue(report: ReconcileReport): Promise<void> {
    const cutoff = new Date(this.now().getTime() - OVERDUE_SLACK_MS);
    await this.byNextRun(
      new Date(0),
      cutoff,
      (batch) => Promise.all(batch.map((schedule) => this.catchUpOverdue(schedule, report))),
      report,
    );
  }

  /**
   * The active schedules due within the look-ahead (and not overdue) whose next run is shifted
   * off their rule (a blackout's `shift`): their delayed job queued again when it is gone (a
   * Redis write that failed, a campaign date change), before it is due. Whether an instant is an
   * occurrence of a rule is computed once per (rule, instant) in the pass: the schedules due
   * together mostly share a few rules.
   */
  private async queueShiftedDueSoon(report: ReconcileReport): Promise<void> {
    const now = this.now().getTime();
    const memo = new Map<string, boolean>();
    await this.byNextRun(
      new Date(now - OVERDUE_SLACK_MS),
      new Date(now + this.shiftLookaheadMs),
      (batch) =>
        Promise.all(
          batch.map((schedule) => {
            const rule = ruleOf(schedule);
            const at = schedule.nextRunAt;
            if (!rule || !at) return Promise.resolve();
            const key = `${serializeRule(rule)}@${at.getTime()}`;
            let onRule = memo.get(key);
            if (onRule === undefined) memo.set(key, (onRule = isRuleOccurrence(rule, at)));
            return onRule ? Promise.resolve() : this.ensureShiftedQueued(schedule, at, report);
          }),
        ),
      report,
    );
  }

  /** The active schedules with `from <= next_run_at < to` (`scheduled_jobs_active_next_run_idx`), in chunks of `BATCH`. */
  private async byNextRun(from: Date, to: Date, each: (batch: ScheduledJob[]) => Promise<unknown>, report: ReconcileReport): Promise<void> {
    let after = { at: new Date(from.getTime() - 1), id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
    for (;;) {
      const batch = await this.dataSource
        .getRepository(ScheduledJob)
        .createQueryBuilder('s')
        .where("s.status = 'active' AND s.next_run_at < :to AND (s.next_run_at, s.id) > (:at, :id)", { to, ...after })
        .orderBy('s.next_run_at', 'ASC')
        .addOrderBy('s.id', 'ASC')
        .limit(BATCH)
        .getMany();
      report.examined += batch.length;
      await each(batch);
      if (batch.length < BATCH) return;
      const last = batch[batch.length - 1];
      after = { at: last.nextRunAt as Date, id: last.id };
    }
  }

  private async reconcileOne(schedule: ScheduledJob, report: ReconcileReport): Promise<void> {
    const rule = ruleOf(schedule);
    if (!rule || !schedule.nextRunAt) return;
    const queue = this.queues.of(schedule.id);
    const scheduler = await queue.getJobScheduler(schedule.id);
    const pattern = serializeRule(rule);
    const data = scheduler?.template?.data;
    // An overdue last occurrence (a `once` past its time) has no scheduler to write; the
    // catch-up below handles it, so it is not counted as a fix on every pass.
    if (!scheduler) {
      if (await syncScheduler(queue, { id: schedule.id, version: schedule.version, rule })) report.created += 1;
    } else if (scheduler.pattern !== pattern || data?.version !== schedule.version) {
      if (await syncScheduler(queue, { id: schedule.id, version: schedule.version, rule })) report.updated += 1;
    }
    const now = this.now().getTime();
    if (schedule.nextRunAt.getTime() < now - OVERDUE_SLACK_MS) {
      await this.catchUpOverdue(schedule, report);
    } else if (!isRuleOccurrence(rule, schedule.nextRunAt)) {
      await this.ensureShiftedQueued(schedule, schedule.nextRunAt, report);
    }
  }

  /**
   * A shifted next run (not an occurrence of the rule, so no scheduler delivers it) whose
   * delayed job is gone (a Redis flush): queued again before it is due, under the same id
   * (re-adding an existing one is a no-op). Counted with the schedulers `created`.
   */
  private async ensureShiftedQueued(schedule: ScheduledJob, at: Date, report: ReconcileReport): Promise<void> {
    const queue = this.queues.of(schedule.id);
    if (!(await queue.getJob(shiftedOccurrenceJobId(schedule.id, at)))) {
      await enqueueShiftedOccurrence(queue, schedule.id, schedule.version, at, this.now());
      report.created += 1;
    }
  }

  /**
   * The occurrence PostgreSQL expects (an overdue `next_run_at`) has not been processed: queued
   * unless it is queued (its processing applies the catch-up policy to it and to those after it).
   */
  private async catchUpOverdue(schedule: ScheduledJob, report: ReconcileReport): Promise<void> {
    if (!schedule.nextRunAt) return;
    const pendingId = `repeat:${schedule.id}:${schedule.nextRunAt.getTime()}`;
    const queue = this.queues.of(schedule.id);
    const pending = await queue.getJob(pendingId);
    const state = pending ? await pending.getState() : 'unknown';
    if (!pending || state === 'completed' || state === 'failed' || state === 'unknown') {
      await enqueueOccurrence(queue, schedule.id, schedule.version, schedule.nextRunAt);
      report.recreated_overdue += 1;
    }
  }

  /** Pending Jobs whose hand-over to the content queue failed after their commit. */
  private async handOverUnqueuedJobs(report: ReconcileReport): Promise<void> {
    const cutoff = new Date(this.now().getTime() - UNQUEUED_SLACK_MS);
    const markQueued = jobQueuedMarker(this.dataSource);
    for (;;) {
      const jobs = await this.dataSource.getRepository(Job).find({
        select: { id: true, userId: true, workspaceId: true, scheduledJobId: true, campaignId: true },
        where: { status: 'pending', queuedAt: IsNull(), createdAt: LessThan(cutoff) },
        order: { createdAt: 'ASC' },
        take: BATCH,
      });
      for (const job of jobs) {
        await handOverJob(this.contentQueue, {
          payload: contentJobPayload(job),
          markQueued,
        });
        report.jobs_handed_over += 1;
      }
      if (jobs.length < BATCH) break;
    }
  }

  /**
   * Cancels the Jobs nobody approved or rejected before their `approval_deadline`, in chunks
   * (`status_reason` `approval timed out after N h`). Runs in the leader's pass; the conditional
   * UPDATE also makes it exactly once should two passes overlap. Returns how many it cancelled.
   */
  async cancelTimedOutApprovals(): Promise<number> {
    let cancelled = 0;
    for (;;) {
      // An UPDATE … RETURNING comes back as [rows, affected count].
      const [rows] = await this.dataSource.query<[{ id: string }[], number]>(CANCEL_TIMED_OUT, [
        this.now(),
        BATCH,
        approvalTimedOutReason('%s'),
      ]);
      cancelled += rows.length;
      if (rows.length < BATCH) return cancelled;
    }
  }

  /**
   * Deletes the `Idempotency-Key`s past their 24 hours, in chunks, so the table holds about a
   * day of keys. Runs in the leader's pass. Returns how many it deleted.
   */
  async deleteExpiredIdempotencyKeys(): Promise<number> {
    const cutoff = new Date(this.now().getTime() - IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000);
    let deleted = 0;
    for (;;) {
      // A DELETE comes back as [rows, affected count].
      const [, count] = await this.dataSource.query<[unknown[], number]>(DELETE_EXPIRED_KEYS, [cutoff, BATCH]);
      deleted += count;
      if (count < BATCH) return deleted;
    }
  }

  /**
   * Removes, in every shard, the schedulers of schedules that must not fire and those outside
   * their schedule's shard (written in their own shard already). After a change of the shard
   * count, the queues of the older layouts (`oldCounts`) that this one does not have are emptied
   * too. Returns the old counts whose queues held schedulers: they are swept again next pass
   * (a process still on the old count may have written there meanwhile), the others are done.
   */
  private async removeOrphans(report: ReconcileReport, oldCounts: readonly number[]): Promise<number[]> {
    for (const [shard, queue] of this.queues.all.entries()) await this.removeOrphansIn(queue, shard, report);
    const draining: number[] = [];
    for (const count of oldCounts) {
      for (const queue of otherLayoutQueues(this.queues, count)) {
        try {
          if ((await this.removeOrphansIn(queue, null, report)) > 0 && !draining.includes(count)) draining.push(count);
        } finally {
          await queue.close();
        }
      }
    }
    return draining;
  }

  /**
   * Removes the orphans of one queue: that of `shard`, or (null) one of an old layout, where every
   * scheduler is misplaced. Returns how many it removed.
   */
  private async removeOrphansIn(queue: Queue<OccurrencePayload>, shard: number | null, report: ReconcileReport): Promise<number> {
    let removed = 0;
    const repo = this.dataSource.getRepository(ScheduledJob);
    const total = await queue.getJobSchedulersCount();
    for (let start = 0; start < total; start += BATCH) {
      const schedulers = await queue.getJobSchedulers(start, start + BATCH - 1, true);
      const ids = schedulers.map((s) => s.key);
      if (ids.length === 0) break;
      const uuidLike = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
      const active = uuidLike.length
        ? await repo
            .createQueryBuilder('s')
            .select('s.id', 'id')
            .where("s.id IN (:...ids) AND s.status = 'active' AND s.next_run_at IS NOT NULL", { ids: uuidLike })
            .getRawMany<{ id: string }>()
        : [];
      const keep = new Set(active.map((r) => r.id).filter((id) => this.queues.shardOf(id) === shard));
      const orphans = ids.filter((id) => !keep.has(id));
      for (const id of orphans) {
        await queue.removeJobScheduler(id);
        report.removed += 1;
        removed += 1;
      }
      // Removing shifts later schedulers down; stay on this page.
      start -= orphans.length;
    }
    return removed;
  }
}
