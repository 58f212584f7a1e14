import type { EntityManager } from 'typeorm';
import {
  approvalGateOf,
  Campaign,
  IDEMPOTENCY_KEY_TTL_HOURS,
  IdempotencyKey,
  Job,
  jobQueuedMarker,
  scheduleJobConfig,
  ScheduledJob,
  ScheduleRun,
  newJobValues,
  recordJobCreated,
} from '@scheduler/entities';
import { contentJobPayload, handOverAfterCommit } from '@scheduler/queue';
import { refuseClosedCampaign } from '../campaigns/closed-campaign';
import { recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { notFound, validationFailed, type FieldError } from '../http/errors';
import type { ParameterDoc } from '../http/route';

/** The header of run now that makes a retry return the same Job. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** 1–255 printable ASCII characters (space to `~`). */
const IDEMPOTENCY_KEY_PATTERN = `^[\\x20-\\x7E]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`;
const IDEMPOTENCY_KEY = new RegExp(IDEMPOTENCY_KEY_PATTERN);

export const IDEMPOTENCY_KEY_PARAMETER: ParameterDoc = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  required: false,
  description:
    `Makes a retry safe: a request with a key this workspace used on the same schedule in the last ${IDEMPOTENCY_KEY_TTL_HOURS} h ` +
    'answers 201 with the Job the first one made, and makes none. The same key on another schedule is a 422. ' +
    `1–${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters (a UUID is a good key).`,
  schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: IDEMPOTENCY_KEY_PATTERN },
};

function keyError(message: string): FieldError {
  return { field: IDEMPOTENCY_KEY_HEADER, message };
}

/** The request's key (undefined when not sent); 422 naming the header when it is not 1–255 printable characters. */
export function idempotencyKeyOf(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !IDEMPOTENCY_KEY.test(value)) {
    throw validationFailed([keyError(`must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters, sent once`)]);
  }
  return value;
}

const OPERATION = 'schedule.run';
const FRESH = `created_at > now() - interval '${IDEMPOTENCY_KEY_TTL_HOURS} hours'`;

/** The Job a fresh key already made (undefined: the key is new or expired); 422 when it was used for another schedule. */
async function replayOf(tx: EntityManager, caller: Caller, key: string, scheduleId: string): Promise<Job | undefined> {
  const rows: { operation: string; target_id: string; resource_id: string }[] = await tx.query(
    `SELECT operation, target_id, resource_id FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND ${FRESH}`,
    [caller.workspaceId, key],
  );
  if (rows.length === 0) return undefined;
  if (rows[0].operation !== OPERATION || rows[0].target_id !== scheduleId) throw validationFailed([keyError(usedElsewhere())]);
  const job = await tx.getRepository(Job).findOneBy({ id: rows[0].resource_id, workspaceId: caller.workspaceId });
  return job ?? undefined;
}

function usedElsewhere(): string {
  return `this key was already used for another request in the last ${IDEMPOTENCY_KEY_TTL_HOURS} h: send a new key for a new request`;
}

/**
 * Records the key with the Job, taking over an expired row of it. No row: a concurrent request
 * on another schedule took the key first (the transaction then rolls back the Job: 422).
 */
async function rememberKey(tx: EntityManager, caller: Caller, key: string, scheduleId: string, jobId: string): Promise<void> {
  const table = tx.getRepository(IdempotencyKey).metadata.tableName;
  const rows: unknown[] = await tx.query(
    `INSERT INTO ${table} (workspace_id, key, operation, target_id, resource_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workspace_id, key) DO UPDATE
       SET operation = EXCLUDED.operation, target_id = EXCLUDED.target_id, resource_id = EXCLUDED.resource_id, created_at = now()
       WHERE NOT (${table}.${FRESH})
     RETURNING key`,
    [caller.workspaceId, key, OPERATION, scheduleId, jobId],
  );
  if (rows.length === 0) throw validationFailed([keyError(usedElsewhere())]);
}

/**
 * A manual run row's `occurrence_at`: when it was made, moved off a whole second by a
 * microsecond where it falls on one (every scheduled occurrence does), so it never takes an
 * occurrence's place in `(scheduled_job_id, occurrence_at)`.
 */
const MANUAL_OCCURRENCE_AT = `(SELECT CASE WHEN date_trunc('second', t) = t THEN t + interval '1 microsecond' ELSE t END
   FROM (SELECT clock_timestamp() AS t) c)`;

export interface RunNowResult {
  job: Job;
  /** True when an `Idempotency-Key` retry found the Job of the first request. */
  replayed: boolean;
}

/**
 * Run now: a Job made at once from the schedule's merged config (`scheduleJobConfig`, as the
 * worker makes an occurrence's), `scheduled_for` null, its run row `trigger: manual`; not counted
 * in `run_count`, `next_run_at` unchanged, in any schedule status. Gated like the worker's Jobs
 * (`approvalGateOf`): `awaiting_approval`, not handed over; else handed to `content-jobs` after
 * the commit. Refused with nothing written: another workspace's schedule (404), a closed
 * campaign (409), a config without `publisher_domain` (422), a key used for another schedule (422).
 */
export async function runNow(deps: AppDeps, caller: Caller, id: string, key: string | undefined): Promise<RunNowResult> {
  const result = await deps.dataSource.transaction(async (tx): Promise<RunNowResult> => {
    const schedules = tx.getRepository(ScheduledJob);
    const found = await schedules.findOne({ select: { id: true, campaignId: true }, where: { id, workspaceId: caller.workspaceId } });
    if (!found) throw notFound('Scheduled job');
    // Lock order campaign -> schedule, as the campaign's cascading delete takes them.
    const campaign = found.campaignId
      ? await tx.getRepository(Campaign).findOne({ where: { id: found.campaignId }, lock: { mode: 'pessimistic_read' } })
      : null;
    // The schedule's row lock serializes run now (and its keys) with the worker's occurrences.
    const schedule = await schedules.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
    if (!schedule) throw notFound('Scheduled job');
    if (key !== undefined) {
      const replay = await replayOf(tx, caller, key, schedule.id);
      if (replay) return { job: replay, replayed: true };
    }
    // Moved to another campaign meanwhile (rare): that one's state counts.
    let owner = campaign;
    if (schedule.campaignId !== found.campaignId) {
      owner = schedule.campaignId ? await tx.getRepository(Campaign).findOneBy({ id: schedule.campaignId }) : null;
    }
    refuseClosedCampaign(owner, 'Jobs');
    const made = await scheduleJobConfig(tx, schedule);
    if (made.problem) throw validationFailed([made.problem]);
    const gate = approvalGateOf(schedule, owner);
    const now = deps.now();
    const jobs = tx.getRepository(Job);
    const job = await jobs.save(
      jobs.create(
        newJobValues(
          {
            userId: caller.userId,
            workspaceId: caller.workspaceId,
            campaignId: schedule.campaignId,
            templateId: made.templateId,
            scheduledJobId: schedule.id,
            scheduledJobName: schedule.name,
            config: made.config,
          },
          gate,
          now,
        ),
      ),
    );
    const runs = tx.getRepository(ScheduleRun).metadata.tableName;
    await tx.query(
      `INSERT INTO ${runs} (scheduled_job_id, user_id, workspace_id, occurrence_at, outcome, job_id, trigger)
       VALUES ($1, $2, $3, ${MANUAL_OCCURRENCE_AT}, 'materialized', $4, 'manual')`,
      [schedule.id, caller.userId, caller.workspaceId, job.id],
    );
    if (key !== undefined) await rememberKey(tx, caller, key, schedule.id, job.id);
    await recordJobCreated(tx, job);
    await recordAudit(tx, caller, {
      action: 'run',
      entityType: 'schedule',
      entityId: schedule.id,
      changes: { job_id: { old: null, new: job.id } },
    });
    return { job, replayed: false };
  });
  const { job } = result;
  // Gated: its approval hands it over. A replay's Job is handed over again only while pending and unqueued.
  if (job.status !== 'pending' || (result.replayed && job.queuedAt !== null)) return result;
  await handOverAfterCommit(
    deps.contentQueue,
    {
      payload: contentJobPayload(job),
      markQueued: jobQueuedMarker(deps.dataSource),
    },
    { logger: deps.logger, syncFailures: deps.metrics.api.syncFailures },
  );
  return result;
}
