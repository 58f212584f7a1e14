import { IsNull, Not } from 'typeorm';
import { ScheduledJob } from '@scheduler/entities';
import { ReconcileReport, statusKeys, WORKER_STALE_MS } from '@scheduler/queue';
import type { AppDeps } from '../deps';
import { Closed, Instant, Nullable, OneOf, Type, named, type Same, type Static } from '../openapi/schema';

/** A schedule more than this overdue counts as an overdue run. */
const OVERDUE_AFTER_MS = 60_000;

const count = () => Type.Integer({ minimum: 0 });

/** The worker's `ReconcileReport` (packages/queue), as the worker writes it to Redis. */
export const ReconcileReportResponse = named(
  'ReconcileReport',
  Closed(
    {
      finished_at: Type.String({ format: 'date-time' }),
      duration_ms: Type.Number({ minimum: 0 }),
      kind: OneOf(['incremental', 'full'] as const, {
        description:
          'incremental: the schedules PostgreSQL records as out of step and the overdue ones; full: every active schedule and scheduler.',
      }),
      full_sweep_reason: Nullable(
        Type.String({
          description:
            'Why the full sweep ran: no-state, unfinished, redis-token (Redis lost its token: a flush or restart), due, or shards (OCCURRENCE_SHARDS changed).',
        }),
      ),
      examined: Type.Integer({ minimum: 0, description: 'Schedule rows the pass read.' }),
      active_schedules: count(),
      created: count(),
      updated: count(),
      removed: count(),
      recreated_overdue: count(),
      jobs_handed_over: Type.Integer({ minimum: 0, description: 'Pending Jobs handed to the content queue again.' }),
    },
    { description: "The last pass of the worker's reconciler, as the worker reported it." },
  ),
);
// The schema follows the queue contract's type: a field added there and not here fails to compile.
const reportIsTheQueueContract: Same<Static<typeof ReconcileReportResponse>, ReconcileReport> = true;
void reportIsTheQueueContract;

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
const jobCounts = () => ({ waiting: count(), active: count(), delayed: count(), failed: count(), completed: count() });

export const SchedulerStatusResponse = named(
  'SchedulerStatus',
  Closed({
    workers_seen: Type.Integer({ minimum: 0, description: `Workers with a heartbeat in the last ${WORKER_STALE_MS / 1000} s.` }),
    workers: Type.Array(Closed({ id: Type.String(), last_seen_at: Instant() })),
    queue: Closed(jobCounts(), { description: 'Job counts of the occurrence queue (every shard together).' }),
    schedulers_in_redis: Type.Integer({ minimum: 0, description: 'Job schedulers in Redis, every shard together.' }),
    occurrence_shards: Type.Array(
      Closed({
        shard: count(),
        queue: Type.String({ description: 'The BullMQ queue name.' }),
        schedulers_in_redis: count(),
        ...jobCounts(),
      }),
      { description: 'The same figures per occurrence shard (`OCCURRENCE_SHARDS`), by shard number.' },
    ),
    active_schedules: Type.Integer({
      minimum: 0,
      description:
        'Active schedules of all users that have a next run (each has a scheduler; a paused campaign holds its schedules without one).',
    }),
    last_reconcile: Type.Unsafe<ReconcileReport | null>({ oneOf: [ReconcileReportResponse, { type: 'null' }] }),
    oldest_overdue_run_at: Nullable(
      Instant(`The oldest \`next_run_at\` of an active schedule more than ${OVERDUE_AFTER_MS / 1000} s overdue.`),
    ),
    oldest_overdue_seconds: Nullable(Type.Integer({ minimum: 0 })),
  }),
);
export type SchedulerStatusResponse = Static<typeof SchedulerStatusResponse>;

/**
 * A report as a worker wrote it. One from a worker older than the incremental pass (issue #15:
 * no `kind`) is what such a worker ran: a full pass that examined every active schedule.
 */
function withPassKind(
  report: Omit<ReconcileReport, 'kind' | 'full_sweep_reason' | 'examined'> & Partial<ReconcileReport>,
): ReconcileReport {
  return { kind: 'full', full_sweep_reason: null, examined: report.active_schedules, ...report };
}

/**
 * `GET /schedule/status`: how the scheduling machinery is doing, for operators. Counts are
 * global (not per user): they describe the service, not anyone's data.
 */
export async function schedulerStatus(deps: AppDeps): Promise<SchedulerStatusResponse> {
  const now = deps.now();
  const keys = statusKeys(deps.config.queuePrefix);
  const [heartbeats, lastReconcileRaw, shards, active, overdue] = await Promise.all([
    deps.redis.hgetall(keys.workers),
    deps.redis.get(keys.lastReconcile),
    Promise.all(
      deps.occurrenceQueues.all.map(async (queue, shard) => {
        const [schedulers, counts] = await Promise.all([queue.getJobSchedulersCount(), queue.getJobCounts(...JOB_STATES)]);
        return { shard, queue: queue.name, schedulers_in_redis: schedulers, ...pickCounts(counts) };
      }),
    ),
    deps.dataSource.getRepository(ScheduledJob).countBy({ status: 'active', nextRunAt: Not(IsNull()) }),
    deps.dataSource
      .getRepository(ScheduledJob)
      .createQueryBuilder('s')
      .select('MIN(s.next_run_at)', 'oldest')
      .where("s.status = 'active' AND s.next_run_at < :cutoff", { cutoff: new Date(now.getTime() - OVERDUE_AFTER_MS) })
      .getRawOne<{ oldest: Date | null }>(),
  ]);
  const workers = Object.entries(heartbeats)
    .map(([id, seen]) => ({ id, last_seen_at: new Date(Number(seen)).toISOString(), seen: Number(seen) }))
    .filter((w) => now.getTime() - w.seen <= WORKER_STALE_MS)
    .map(({ id, last_seen_at }) => ({ id, last_seen_at }));
  let lastReconcile: ReconcileReport | null;
  try {
    lastReconcile = lastReconcileRaw ? withPassKind(JSON.parse(lastReconcileRaw) as Parameters<typeof withPassKind>[0]) : null;
  } catch {
    lastReconcile = null;
  }
  const oldest = overdue?.oldest ? new Date(overdue.oldest) : null;
  return {
    workers_seen: workers.length,
    workers,
    queue: pickCounts(sumCounts(shards)),
    schedulers_in_redis: shards.reduce((sum, shard) => sum + shard.schedulers_in_redis, 0),
    occurrence_shards: shards,
    active_schedules: active,
    last_reconcile: lastReconcile,
    oldest_overdue_run_at: oldest ? oldest.toISOString() : null,
    oldest_overdue_seconds: oldest ? Math.round((now.getTime() - oldest.getTime()) / 1000) : null,
  };
}

type JobCounts = Record<(typeof JOB_STATES)[number], number>;

/** The states the status reports, from BullMQ's counts (a state it left out is 0). */
function pickCounts(counts: Record<string, number>): JobCounts {
  return Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])) as JobCounts;
}

/** The shards' counts added up. */
function sumCounts(shards: readonly JobCounts[]): JobCounts {
  return pickCounts(Object.fromEntries(JOB_STATES.map((state) => [state, shards.reduce((sum, shard) => sum + shard[state], 0)])));
}
