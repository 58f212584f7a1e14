import { ScheduledJob } from '@scheduler/entities';
import { ReconcileReport, statusKeys, WORKER_STALE_MS } from '@scheduler/queue';
import type { AppDeps } from '../deps';

/**
 * `GET /schedule/status`: how the scheduling machinery is doing, for operators. Counts are
 * global (not per user): they describe the service, not anyone's data.
 */
export async function schedulerStatus(deps: AppDeps) {
  const now = deps.now();
  const keys = statusKeys(deps.config.queuePrefix);
  const [heartbeats, lastReconcileRaw, schedulersInRedis, queueCounts, active, overdue] = await Promise.all([
    deps.redis.hgetall(keys.workers),
    deps.redis.get(keys.lastReconcile),
    deps.occurrenceQueue.getJobSchedulersCount(),
    deps.occurrenceQueue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
    deps.dataSource.getRepository(ScheduledJob).countBy({ status: 'active' }),
    deps.dataSource
      .getRepository(ScheduledJob)
      .createQueryBuilder('s')
      .select('MIN(s.next_run_at)', 'oldest')
      .where("s.status = 'active' AND s.next_run_at < :cutoff", { cutoff: new Date(now.getTime() - 60_000) })
      .getRawOne<{ oldest: Date | null }>(),
  ]);
  const workers = Object.entries(heartbeats)
    .map(([id, seen]) => ({ id, last_seen_at: new Date(Number(seen)).toISOString(), seen: Number(seen) }))
    .filter((w) => now.getTime() - w.seen <= WORKER_STALE_MS)
    .map(({ id, last_seen_at }) => ({ id, last_seen_at }));
  let lastReconcile: ReconcileReport | null = null;
  try {
    lastReconcile = lastReconcileRaw ? (JSON.parse(lastReconcileRaw) as ReconcileReport) : null;
  } catch {
    lastReconcile = null;
  }
  const oldest = overdue?.oldest ? new Date(overdue.oldest) : null;
  return {
    workers_seen: workers.length,
    workers,
    queue: queueCounts,
    schedulers_in_redis: schedulersInRedis,
    active_schedules: active,
    last_reconcile: lastReconcile,
    oldest_overdue_run_at: oldest ? oldest.toISOString() : null,
    oldest_overdue_seconds: oldest ? Math.round((now.getTime() - oldest.getTime()) / 1000) : null,
  };
}
