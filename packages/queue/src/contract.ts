/** Holds one BullMQ job scheduler per active schedule (scheduler id = schedule id). */
export const OCCURRENCE_QUEUE = 'schedule-occurrences';
/** Hands materialized Jobs to the content pipeline (BullMQ job id = Job id). */
export const CONTENT_JOBS_QUEUE = 'content-jobs';

/** Name of the jobs the occurrence schedulers produce. */
export const OCCURRENCE_JOB_NAME = 'occurrence';
/** Name of the jobs on the content queue. */
export const CONTENT_JOB_NAME = 'content-job';

/** Data each occurrence carries; the occurrence instant is the BullMQ job's timestamp slot. */
export interface OccurrencePayload {
  schedule_id: string;
  /** The schedule's `version` when the scheduler was written. */
  version: number;
  /** Set on catch-up occurrences the reconciler queues; scheduler jobs carry it in their id. */
  occurrence_at?: string;
  /**
   * True on the delayed job of a run a `shift` blackout moved off the rule's occurrences
   * (`enqueueShiftedOccurrence`): the processor ignores it unless the schedule still fires then.
   */
  shifted?: boolean;
}

/** Data of a Job handed to the content pipeline. */
export interface ContentJobPayload {
  job_id: string;
  /** The member the Job was made for (a schedule's creator, or who used the template / ran it now). */
  user_id: string;
  /** The workspace the Job belongs to (`team:<id>` or `user:<sub>`): whose settings and budget it uses. */
  workspace_id: string;
  scheduled_job_id: string | null;
  campaign_id: string | null;
}

/** The content-queue payload of a Job (the one builder: API and worker hand over the same shape). */
export function contentJobPayload(job: {
  id: string;
  userId: string;
  workspaceId: string;
  scheduledJobId: string | null;
  campaignId: string | null;
}): ContentJobPayload {
  return {
    job_id: job.id,
    user_id: job.userId,
    workspace_id: job.workspaceId,
    scheduled_job_id: job.scheduledJobId,
    campaign_id: job.campaignId,
  };
}

/**
 * Redis keys (under the queue prefix) where workers report themselves and the reconciler
 * reports its last pass; `GET /schedule/status` reads them. Lost with Redis, rebuilt by the
 * next heartbeat and reconcile.
 */
export const statusKeys = (prefix: string) => ({
  /** Hash: worker id -> last heartbeat (epoch ms). */
  workers: `${prefix}:scheduler:workers`,
  /** String: JSON of the last reconcile pass. */
  lastReconcile: `${prefix}:scheduler:last-reconcile`,
  /**
   * String: the `OCCURRENCE_SHARDS` the schedulers in Redis were last placed for (absent: 1),
   * then, comma-separated, older counts whose queues still held schedulers at the last pass
   * (`3,1` while a move from 1 to 3 drains). The reconciler compares it with its own: another
   * count in it needs a full sweep that moves the schedulers to their shards.
   */
  occurrenceShards: `${prefix}:scheduler:occurrence-shards`,
  /**
   * String: the token of the reconciler's last full sweep, also held in PostgreSQL
   * (`reconciler_state`). Missing or different (a Redis flush or restart): the next pass sweeps.
   */
  reconcileToken: `${prefix}:scheduler:reconcile-token`,
});

/** A worker not seen for this long is not counted as up. */
export const WORKER_STALE_MS = 30_000;

/** Kinds of reconcile pass: the changed schedules only, or every one (`Reconciler.fullSweepReason`). */
export type ReconcileKind = 'incremental' | 'full';

export interface ReconcileReport {
  finished_at: string;
  duration_ms: number;
  /** `incremental`: the schedules PostgreSQL records as out of step, and the overdue ones; `full`: every active schedule and every scheduler. */
  kind: ReconcileKind;
  /** Why a full sweep ran (`no-state`, `redis-token`, `due`); null on an incremental pass. */
  full_sweep_reason: string | null;
  /** Schedule rows the pass read from PostgreSQL (out of step, overdue, or all on a full sweep). */
  examined: number;
  active_schedules: number;
  created: number;
  updated: number;
  removed: number;
  recreated_overdue: number;
  /** Pending Jobs handed to the content queue again after a failed hand-over. */
  jobs_handed_over: number;
}

/** Carries webhook deliveries: one BullMQ job per (event, webhook) and redeliver round. */
export const WEBHOOK_DELIVERIES_QUEUE = 'webhook-deliveries';
/** Name of the jobs on the delivery queue. */
export const WEBHOOK_DELIVERY_JOB_NAME = 'webhook-delivery';

/** Data of a delivery job: the `webhook_deliveries` row is the truth, the job only carries it out. */
export interface WebhookDeliveryPayload {
  delivery_id: string;
  /** Its event: the processor waits on the event's row lock, held by a dispatch that has not committed yet. */
  event_id: string;
  /** The delivery's `round` when queued: a job of an older round (before a redeliver) does nothing. */
  round: number;
}

/**
 * The delivery job's id: the same for the same delivery and round, so adding it again (a
 * redispatch after a crash, the sweep after a Redis flush) adds nothing while it is queued.
 */
export const webhookDeliveryJobId = (deliveryId: string, round: number) => `whd-${deliveryId}-${round}`;

/** Carries email notifications: one BullMQ job per (event, member) email. */
export const EMAIL_DELIVERIES_QUEUE = 'email-deliveries';
/** Name of the jobs on the email queue. */
export const EMAIL_DELIVERY_JOB_NAME = 'email-delivery';

/** Data of an email job: the `email_deliveries` row is the truth, the job only carries it out. */
export interface EmailDeliveryPayload {
  delivery_id: string;
  /** Its event: the processor waits on the event's row lock, held by a dispatch that has not committed yet. */
  event_id: string;
}

/** The email job's id: the same for the same delivery, so a redispatch or the sweep adds nothing while it is queued. */
export const emailDeliveryJobId = (deliveryId: string) => `eml-${deliveryId}`;
