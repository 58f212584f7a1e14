import type { Job as QueueJob, Queue } from 'bullmq';
import { ContentJobPayload, enqueueContentJob, occurrenceInstantOf, OccurrencePayload, removeScheduler } from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';
import type { MaterializeResult, MaterializeService } from './materialize.service';


/**
 * The BullMQ processor of the occurrence queue: materializes the occurrence, then (after the
 * commit) hands the Job to the content queue and retires the scheduler of a schedule that is
 * done. A throw (PostgreSQL or Redis away) makes BullMQ retry with backoff; the retry is safe
 * because the Job is unique per (schedule, occurrence) and its queue id is the Job id.
 */
export function createOccurrenceProcessor(deps: {
  materialize: MaterializeService;
  occurrenceQueue: Queue<OccurrencePayload>;
  contentQueue: Queue<ContentJobPayload>;
  logger: Logger;
  metrics: WorkerMetrics;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return async (job: QueueJob<OccurrencePayload>): Promise<MaterializeResult['outcome']> => {
    const scheduleId = job.data?.schedule_id;
    const occurrence = occurrenceInstantOf(job as { id?: string; data: OccurrencePayload });
    if (typeof scheduleId !== 'string' || !occurrence) {
      deps.logger.warn({ queue_job_id: job.id }, 'occurrence job without schedule or instant');
      return 'ignored';
    }
    const version = typeof job.data.version === 'number' ? job.data.version : null;
    const result = await deps.materialize.materialize(scheduleId, version, occurrence);
    deps.metrics.runs.inc({ outcome: result.duplicate ? 'duplicate' : result.outcome });
    if (result.missedRecorded) deps.metrics.missedRecorded.inc(result.missedRecorded);
    if (result.job && !result.duplicate) {
      deps.metrics.jobsMaterialized.inc();
      deps.metrics.fireLag.observe(Math.max(0, (now().getTime() - occurrence.getTime()) / 1000));
    }
    if (result.job) {
      // Until this succeeds the occurrence is not acknowledged; a retry hands the same Job on.
      await enqueueContentJob(deps.contentQueue, {
        job_id: result.job.id,
        user_id: result.job.userId,
        scheduled_job_id: result.job.scheduledJobId,
        campaign_id: result.job.campaignId,
      });
    }
    if (result.removeScheduler) {
      // After the commit: a Redis failure is logged and counted, and the reconciler removes it.
      await removeScheduler(deps.occurrenceQueue, scheduleId, { logger: deps.logger, syncFailures: deps.metrics.syncFailures });
    }
    deps.logger.info(
      {
        schedule_id: scheduleId,
        occurrence_at: occurrence.toISOString(),
        outcome: result.outcome,
        job_id: result.job?.id,
        duplicate: result.duplicate ?? false,
        reason: result.reason,
        missed_recorded: result.missedRecorded,
      },
      'occurrence processed',
    );
    return result.outcome;
  };
}
