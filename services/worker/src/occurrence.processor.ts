import type { Job as QueueJob, Queue } from 'bullmq';
import {
  ContentJobPayload,
  contentJobPayload,
  enqueueShiftedOccurrence,
  handOverJob,
  occurrenceInstantOf,
  OccurrencePayload,
  OccurrenceTarget,
  asOccurrenceQueues,
  removeScheduler,
} from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';
import type { MaterializedJob, MaterializeResult, MaterializeService } from './materialize.service';
import { BatchOptions, OccurrenceBatcher } from './occurrence.batcher';

const payloadOf = (job: MaterializedJob): ContentJobPayload => contentJobPayload(job);

/**
 * The BullMQ processor of the occurrence queue: materializes the occurrence (with the others
 * that arrive with it, `OccurrenceBatcher`: one transaction and one content-queue add per batch;
 * `batch` absent: each alone), which hands its Job to the content queue after the commit, then
 * retires the scheduler of a schedule that is done. One processor (create it once) serves any
 * number of occurrence queues, their occurrences batched together. A throw (PostgreSQL or Redis
 * away) makes BullMQ retry with backoff; the retry is safe because the Job is unique per
 * (schedule, occurrence) and its queue id is the Job id. Jobs the catch-up made for other
 * occurrences are handed over and marked after the commit; one that fails there is left to the
 * reconciler's hand-over of unqueued Jobs (a retry would not find it).
 */
export function createOccurrenceProcessor(deps: {
  materialize: MaterializeService;
  /** The occurrence queues (every shard, or one queue): a schedule's writes go to its shard's. */
  occurrenceQueue: OccurrenceTarget;
  contentQueue: Queue<ContentJobPayload>;
  logger: Logger;
  metrics: WorkerMetrics;
  batch?: BatchOptions;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  const occurrenceQueues = asOccurrenceQueues(deps.occurrenceQueue);
  const batcher = new OccurrenceBatcher(deps, deps.batch ?? { size: 1, waitMs: 0 });
  return async (job: QueueJob<OccurrencePayload>): Promise<MaterializeResult['outcome']> => {
    const scheduleId = job.data?.schedule_id;
    const occurrence = occurrenceInstantOf(job as { id?: string; data: OccurrencePayload });
    if (typeof scheduleId !== 'string' || !occurrence) {
      deps.logger.warn({ queue_job_id: job.id }, 'occurrence job without schedule or instant');
      return 'ignored';
    }
    const version = typeof job.data.version === 'number' ? job.data.version : null;
    // Resolves once the Job is committed and (unless withheld) handed over: until then the
    // occurrence is not acknowledged, and a retry hands the same Job on.
    const result = await batcher.submit({ scheduleId, version, occurrence, shifted: job.data.shifted === true });
    deps.metrics.runs.inc({ outcome: result.duplicate ? 'duplicate' : result.outcome });
    if (result.missedRecorded) deps.metrics.missedRecorded.inc(result.missedRecorded);
    if (result.job && !result.duplicate) {
      deps.metrics.jobsMaterialized.inc();
      deps.metrics.fireLag.observe(Math.max(0, (now().getTime() - occurrence.getTime()) / 1000));
    }
    const caughtUp = result.caughtUp ?? [];
    for (const job of caughtUp) {
      deps.metrics.runs.inc({ outcome: 'materialized' });
      deps.metrics.jobsMaterialized.inc();
      deps.metrics.fireLag.observe(Math.max(0, (now().getTime() - job.occurrence.getTime()) / 1000));
    }
    for (const job of caughtUp) {
      if (job.withheld) continue; // awaits its approval, which hands it over
      try {
        await handOverJob(deps.contentQueue, { payload: payloadOf(job), markQueued: deps.materialize.markQueued });
      } catch (error) {
        deps.logger.warn({ schedule_id: scheduleId, job_id: job.id, err: error }, 'catch-up job not handed over; the reconciler will');
      }
    }
    if (result.shifted) {
      // The next run a shift blackout moved off the rule's occurrences: its delayed job (after
      // the commit; a Redis failure leaves it to the reconciler's overdue check).
      try {
        await enqueueShiftedOccurrence(occurrenceQueues.of(scheduleId), scheduleId, result.shifted.version, result.shifted.at, now());
      } catch (error) {
        deps.metrics.syncFailures.inc({ operation: 'upsert' });
        deps.logger.warn({ schedule_id: scheduleId, err: error }, 'shifted run not queued; the reconciler will');
      }
    }
    if (result.skippedShift) {
      // A shifted run the user skipped: its delayed job records it `skipped` at its instant (a
      // Redis failure loses that row only; nothing fires either way).
      try {
        await enqueueShiftedOccurrence(
          occurrenceQueues.of(scheduleId),
          scheduleId,
          result.skippedShift.version,
          result.skippedShift.at,
          now(),
        );
      } catch (error) {
        deps.metrics.syncFailures.inc({ operation: 'upsert' });
        deps.logger.warn({ schedule_id: scheduleId, err: error }, 'skipped shifted run not queued; it is not recorded');
      }
    }
    if (result.removeScheduler) {
      // After the commit: a Redis failure is logged and counted, and the reconciler removes it.
      await removeScheduler(occurrenceQueues.of(scheduleId), scheduleId, { logger: deps.logger, syncFailures: deps.metrics.syncFailures });
    }
    // At debug: at thousands of occurrences a second the line costs about 5 % of the worker's
    // CPU (measured); the batch's line (`occurrence batch processed`, info) counts them, and
    // the run history has each one.
    deps.logger.debug(
      {
        schedule_id: scheduleId,
        occurrence_at: occurrence.toISOString(),
        outcome: result.outcome,
        job_id: result.job?.id,
        awaiting_approval: result.job?.withheld ?? false,
        duplicate: result.duplicate ?? false,
        reason: result.reason,
        missed_recorded: result.missedRecorded,
        caught_up: caughtUp.map((j) => ({ occurrence_at: j.occurrence.toISOString(), job_id: j.id })),
        shifted_to: result.shifted?.at.toISOString(),
      },
      'occurrence processed',
    );
    return result.outcome;
  };
}
