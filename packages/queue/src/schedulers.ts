import { Queue } from 'bullmq';
import { nextOccurrence, RecurrenceRule, serializeRule } from '@scheduler/recurrence';
import {
  CONTENT_JOB_NAME,
  CONTENT_JOBS_QUEUE,
  ContentJobPayload,
  OCCURRENCE_JOB_NAME,
  OccurrencePayload,
  WEBHOOK_DELIVERIES_QUEUE,
  WEBHOOK_DELIVERY_JOB_NAME,
  WebhookDeliveryPayload,
  webhookDeliveryJobId,
} from './contract';
import type { RedisClient } from './connection';
import { asOccurrenceQueues, createOccurrenceQueues, OccurrenceTarget, queueNameOn } from './shards';

export interface QueueOptions {
  connection: RedisClient;
  prefix: string;
}

/** The occurrence queue of a single shard (`createOccurrenceQueues` opens every shard's). */
export function createOccurrenceQueue(options: QueueOptions): Queue<OccurrencePayload> {
  return createOccurrenceQueues({ ...options, shards: 1 }).all[0];
}

export function createContentQueue(options: QueueOptions): Queue<ContentJobPayload> {
  return new Queue<ContentJobPayload>(queueNameOn(options.connection, CONTENT_JOBS_QUEUE), {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { removeOnComplete: { count: 10_000 }, removeOnFail: { count: 10_000 } },
  });
}

/**
 * Options of every occurrence job: a failure caused by PostgreSQL or Redis being away is
 * retried with backoff (the processor decides lateness against the occurrence instant, not
 * against the retry).
 */
export const OCCURRENCE_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential' as const, delay: 500 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

/**
 * Queues one occurrence outside its scheduler: the reconciler's catch-up for an occurrence
 * that is overdue with nothing queued (after a Redis flush, say). The job id names the
 * schedule and instant, so queuing it twice is a no-op, and the Job unique per (schedule,
 * occurrence) keeps a duplicate from materializing twice anyway.
 */
export async function enqueueOccurrence(
  queue: Queue<OccurrencePayload>,
  scheduleId: string,
  version: number,
  occurrence: Date,
): Promise<void> {
  await queue.add(
    OCCURRENCE_JOB_NAME,
    { schedule_id: scheduleId, version, occurrence_at: occurrence.toISOString() },
    { ...OCCURRENCE_JOB_OPTIONS, jobId: `catchup:${scheduleId}:${occurrence.getTime()}` },
  );
}

/**
 * The occurrence instant a job stands for: catch-up jobs carry it; jobs a scheduler produced
 * carry it in their id (`repeat:<scheduler id>:<epoch ms>`).
 */
export function occurrenceInstantOf(job: { id?: string; data: OccurrencePayload }): Date | null {
  if (job.data.occurrence_at) {
    const at = new Date(job.data.occurrence_at);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  const millis = Number(job.id?.split(':').pop());
  return Number.isFinite(millis) && millis > 0 ? new Date(millis) : null;
}

/**
 * Queues the run of a schedule at an instant its rule does not fire at (a blackout's `shift`
 * moved an occurrence there), delayed until then. BullMQ's scheduler only produces the rule's
 * own occurrences, so this job is what makes the shifted run happen. Its id has the form a
 * scheduler's jobs have (`repeat:<schedule>:<epoch ms>`), so the reconciler's overdue check finds
 * it, and queuing it twice is a no-op. The processor ignores it when the instant is no longer
 * one the schedule fires at (the blackout was deleted meanwhile).
 */
/** The job id of a shifted run's delayed job: the form a scheduler's jobs have (`repeat:<schedule>:<epoch ms>`). */
export function shiftedOccurrenceJobId(scheduleId: string, at: Date): string {
  return `repeat:${scheduleId}:${at.getTime()}`;
}

export async function enqueueShiftedOccurrence(
  queue: Queue<OccurrencePayload>,
  scheduleId: string,
  version: number,
  at: Date,
  now: Date = new Date(),
): Promise<void> {
  await queue.add(
    OCCURRENCE_JOB_NAME,
    { schedule_id: scheduleId, version, occurrence_at: at.toISOString(), shifted: true },
    { ...OCCURRENCE_JOB_OPTIONS, jobId: shiftedOccurrenceJobId(scheduleId, at), delay: Math.max(0, at.getTime() - now.getTime()) },
  );
}

/** True when `at` is one of the rule's own occurrences (what its BullMQ scheduler produces). */
export function isRuleOccurrence(rule: RecurrenceRule, at: Date): boolean {
  return nextOccurrence(rule, new Date(at.getTime() - 1))?.getTime() === at.getTime();
}

/** What a scheduler needs to know about a schedule. */
export interface SchedulerSpec {
  id: string;
  version: number;
  /** Null when the schedule must not fire (paused, finished, deleted). */
  rule: RecurrenceRule | null;
  /**
   * The schedule's `next_run_at`, when known: one that is not an occurrence of the rule (a
   * shifted run) gets its delayed job (`enqueueShiftedOccurrence`) besides the scheduler.
   */
  nextRunAt?: Date | null;
}

/**
 * Keeps one BullMQ job scheduler per firing schedule: upserts it with the schedule's rule and
 * version, or removes it when the schedule must not fire. True when a scheduler was written.
 * Throws when Redis fails: the reconciler, which is the repair, uses it as is; code that has
 * just committed to PostgreSQL uses `syncSchedulerAfterCommit` / `removeScheduler` instead.
 */
export async function syncScheduler(queue: Queue<OccurrencePayload>, spec: SchedulerSpec): Promise<boolean> {
  if (!spec.rule) {
    await queue.removeJobScheduler(spec.id);
    return false;
  }
  // BullMQ writes nothing (and returns no job) when the rule has no occurrence after now.
  const next = await queue.upsertJobScheduler(
    spec.id,
    { pattern: serializeRule(spec.rule) },
    {
      name: OCCURRENCE_JOB_NAME,
      data: { schedule_id: spec.id, version: spec.version },
      opts: OCCURRENCE_JOB_OPTIONS,
    },
  );
  if (spec.nextRunAt && !isRuleOccurrence(spec.rule, spec.nextRunAt)) {
    await enqueueShiftedOccurrence(queue, spec.id, spec.version, spec.nextRunAt);
    return true;
  }
  return next !== undefined;
}

/** A scheduler write that failed after its commit, as the failure counter labels it. */
export type SchedulerWrite = 'upsert' | 'remove';
/** Every Redis write made after a PostgreSQL commit, as the failure counter labels it. */
export type AfterCommitWrite = SchedulerWrite | 'dequeue' | 'hand_over';

/** A schedule whose scheduler a write put in step: what the write assumed of its committed row. */
export interface SyncedSchedule {
  id: string;
  /** The version written (absent for a removal: nothing of the row is in Redis). */
  version?: number;
  /** True when a scheduler was upserted, false when it was removed. */
  firing: boolean;
}

/**
 * The scheduler bookkeeping in PostgreSQL (`schedulerSyncLedger` in `@scheduler/entities`):
 * which schedules' schedulers are out of step, so the reconciler's periodic pass reads only those.
 */
export interface SchedulerSyncLedger {
  /** Records that Redis holds what these rows say (one UPDATE; a row changed meanwhile stays out of step). */
  synced(schedules: readonly SyncedSchedule[]): Promise<unknown>;
  /** Records that these schedules' schedulers may be out of step (a Redis write failed). */
  outOfStep(ids: readonly string[]): Promise<unknown>;
}

/** Where a Redis write made after a PostgreSQL commit reports a failure. */
export interface AfterCommitReport {
  logger: { warn(fields: Record<string, unknown>, message: string): void };
  /** `scheduler_sync_failures_total` (see `@scheduler/telemetry`). */
  syncFailures: { inc(labels: { operation: AfterCommitWrite }): void };
  /**
   * Where scheduler writes record their outcome. Without it nothing is recorded: a row the
   * commit changed stays out of step (the trigger marked it) and the reconciler's next pass
   * rewrites its scheduler, which is correct, only more work.
   */
  ledger?: SchedulerSyncLedger;
}

/** What a failed write was, and what it leaves behind. */
interface Consequence {
  what: string;
  leaves: string;
}
/** A failed scheduler write: the reconciler repairs it. */
const schedulerWrite = (operation: SchedulerWrite): Consequence => ({
  what: `scheduler ${operation}`,
  leaves: 'the reconciler will repair it',
});

/**
 * The one error policy for Redis writes made after a PostgreSQL commit: the change has happened
 * (PostgreSQL is the source of truth), so a Redis failure is logged (with what it leaves
 * behind: scheduler writes are repaired by the reconciler, which creates, rewrites or removes
 * the scheduler within one reconcile interval), counted, and never fails the caller.
 * Never throws; false when the write failed.
 */
async function afterCommit(
  operation: AfterCommitWrite,
  subject: Record<string, string>,
  report: AfterCommitReport,
  write: () => Promise<unknown>,
  consequence: Consequence,
): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    report.syncFailures.inc({ operation });
    report.logger.warn({ ...subject, operation, err: error }, `${consequence.what} failed after the commit; ${consequence.leaves}`);
    return false;
  }
}

const syncedOf = (spec: SchedulerSpec): SyncedSchedule =>
  spec.rule ? { id: spec.id, version: spec.version, firing: true } : { id: spec.id, firing: false };

/**
 * Records the outcome of scheduler writes in the ledger (one UPDATE for those that succeeded, one
 * for those that failed). Never throws: a failure here (PostgreSQL away) leaves a successful
 * write's row out of step (rewritten by the next pass) or a failed one's in step until the
 * reconciler's full sweep (`RECONCILE_FULL_SWEEP_HOURS`) finds it; it is logged.
 */
async function recordSyncs(report: AfterCommitReport, succeeded: readonly SyncedSchedule[], failedIds: readonly string[]): Promise<void> {
  const { ledger } = report;
  if (!ledger) return;
  try {
    if (succeeded.length) await ledger.synced(succeeded);
    if (failedIds.length) await ledger.outOfStep(failedIds);
  } catch (error) {
    report.logger.warn(
      { schedules: succeeded.length + failedIds.length, err: error },
      'recording scheduler writes in PostgreSQL failed; the reconciler repairs what it left',
    );
  }
}

/** `syncScheduler` under the after-commit policy, recording nothing. */
function syncUnrecorded(queue: Queue<OccurrencePayload>, spec: SchedulerSpec, report: AfterCommitReport): Promise<boolean> {
  const operation = spec.rule ? 'upsert' : 'remove';
  return afterCommit(operation, { schedule_id: spec.id }, report, () => syncScheduler(queue, spec), schedulerWrite(operation));
}

/**
 * Puts the schedule's scheduler in step with a committed row (`syncScheduler` under the
 * after-commit policy), and records the outcome in `report.ledger`.
 */
export async function syncSchedulerAfterCommit(
  queue: Queue<OccurrencePayload>,
  spec: SchedulerSpec,
  report: AfterCommitReport,
): Promise<boolean> {
  const ok = await syncUnrecorded(queue, spec, report);
  await recordSyncs(report, ok ? [syncedOf(spec)] : [], ok ? [] : [spec.id]);
  return ok;
}

/** Scheduler writes one bulk sync keeps in flight. */
export const BULK_SYNC_CONCURRENCY = 256;

/**
 * `syncSchedulerAfterCommit` for many schedules at once (an import's commit), each in its
 * shard's queue: `concurrency` writes in flight, a new one started as soon as one finishes (no
 * batch waits for its slowest write), each under the after-commit policy; the outcomes recorded
 * in `report.ledger` at the end in one UPDATE (and one more for the failures). Never throws; the
 * number of writes that failed.
 */
export async function syncSchedulersAfterCommit(
  target: OccurrenceTarget,
  specs: readonly SchedulerSpec[],
  report: AfterCommitReport,
  concurrency = BULK_SYNC_CONCURRENCY,
): Promise<number> {
  const queues = asOccurrenceQueues(target);
  let next = 0;
  const succeeded: SyncedSchedule[] = [];
  const failed: string[] = [];
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      if (await syncUnrecorded(queues.of(spec.id), spec, report)) succeeded.push(syncedOf(spec));
      else failed.push(spec.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, lane));
  await recordSyncs(report, succeeded, failed);
  return failed.length;
}

/**
 * Removes the scheduler of a schedule that was deleted or will not fire again, after the commit
 * that said so (the after-commit policy: a failure is logged and counted, and the reconciler
 * removes the orphan), and records the outcome in `report.ledger`. False when Redis failed.
 */
export async function removeScheduler(queue: Queue<OccurrencePayload>, scheduleId: string, report: AfterCommitReport): Promise<boolean> {
  const ok = await afterCommit(
    'remove',
    { schedule_id: scheduleId },
    report,
    () => queue.removeJobScheduler(scheduleId),
    schedulerWrite('remove'),
  );
  await recordSyncs(report, ok ? [{ id: scheduleId, firing: false }] : [], ok ? [] : [scheduleId]);
  return ok;
}

/** Hands a Job to the content pipeline; the Job id is the BullMQ job id, so a repeat is a no-op. */
export async function enqueueContentJob(queue: Queue<ContentJobPayload>, payload: ContentJobPayload): Promise<void> {
  await enqueueContentJobs(queue, [payload]);
}

/**
 * Hands several Jobs to the content pipeline in one round trip (`addBulk`), each under its Job
 * id as `enqueueContentJob` does: when it throws, some may be in, and a repeat of any is a no-op.
 */
export async function enqueueContentJobs(queue: Queue<ContentJobPayload>, payloads: ContentJobPayload[]): Promise<void> {
  if (payloads.length === 0) return;
  await queue.addBulk(payloads.map((data) => ({ name: CONTENT_JOB_NAME, data, opts: { jobId: data.job_id } })));
}

/** BullMQ states of a content job that no pipeline has taken yet. */
const NOT_TAKEN_STATES: readonly string[] = ['waiting', 'delayed', 'prioritized', 'paused'];

/**
 * Takes a Job that was cancelled (committed) off the content queue if no pipeline has taken it:
 * a waiting or delayed BullMQ job is removed; an active one (a pipeline holds it), one already
 * finished, or one that is not there is left alone. True when it was removed. A BullMQ job a
 * pipeline takes in the meantime is locked, and is left too. Under the after-commit policy: a
 * Redis failure is logged and counted (operation `dequeue`), and gives false; the pipeline
 * that later takes the Job finds it cancelled (its status reports are 409s).
 */
export async function dequeueContentJob(queue: Queue<ContentJobPayload>, jobId: string, report: AfterCommitReport): Promise<boolean> {
  let removed = false;
  await afterCommit(
    'dequeue',
    { job_id: jobId },
    report,
    async () => {
      const job = await queue.getJob(jobId);
      if (!job || !NOT_TAKEN_STATES.includes(await job.getState())) return;
      removed = (await queue.remove(jobId)) === 1;
    },
    {
      what: 'content-jobs dequeue',
      leaves: 'the cancelled Job stays on the content queue, and the pipeline that takes it finds it cancelled',
    },
  );
  return removed;
}

/** A Job as the content queue sees it, and how to record that it was handed over. */
export interface HandOver {
  payload: ContentJobPayload;
  /** Records the hand-over in PostgreSQL (sets `jobs.queued_at`). */
  markQueued: (jobId: string) => Promise<unknown>;
}

/**
 * Hands a Job to the content pipeline and records it. Safe to repeat: the queue ignores a Job
 * id it already holds. A failure leaves `queued_at` null, and the reconciler hands it over later.
 */
export async function handOverJob(queue: Queue<ContentJobPayload>, handOver: HandOver): Promise<void> {
  await enqueueContentJob(queue, handOver.payload);
  await handOver.markQueued(handOver.payload.job_id);
}

/**
 * Hands a Job committed by an API request (template use, run now, an approval) to the content
 * pipeline, under the after-commit policy: the Job is recorded, so a Redis failure is logged,
 * counted (operation `hand_over`) and never fails the request (answering 500 would invite a
 * retry that makes a second Job, or a 409); the Job stays `pending` with `queued_at` null and
 * the reconciler hands it over. False when the hand-over failed.
 */
export function handOverAfterCommit(queue: Queue<ContentJobPayload>, handOver: HandOver, report: AfterCommitReport): Promise<boolean> {
  return afterCommit('hand_over', { job_id: handOver.payload.job_id }, report, () => handOverJob(queue, handOver), {
    what: 'content-jobs hand-over',
    leaves: 'the Job stays pending and the reconciler hands it over',
  });
}

export function createWebhookDeliveryQueue(options: QueueOptions): Queue<WebhookDeliveryPayload> {
  return new Queue<WebhookDeliveryPayload>(queueNameOn(options.connection, WEBHOOK_DELIVERIES_QUEUE), {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { removeOnComplete: { count: 10_000 }, removeOnFail: { count: 10_000 } },
  });
}

/**
 * Queues a delivery (its retries are the job's attempts, waited per the worker's
 * `backoffStrategy`: `WEBHOOK_RETRY_DELAYS_SECONDS`).
 */
export async function enqueueWebhookDelivery(
  queue: Queue<WebhookDeliveryPayload>,
  delivery: { id: string; eventId: string; round: number },
  retries: number,
): Promise<void> {
  const { id: deliveryId, eventId, round } = delivery;
  await queue.add(
    WEBHOOK_DELIVERY_JOB_NAME,
    { delivery_id: deliveryId, event_id: eventId, round },
    { jobId: webhookDeliveryJobId(deliveryId, round), attempts: retries + 1, backoff: { type: 'webhook' } },
  );
}
