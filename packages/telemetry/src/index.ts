/**
 * Logs and metrics shared by both services: one way to make a structured JSON logger (pino)
 * and one place where metric names live, so dashboards see the same series from every process.
 */
import pino, { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { Logger } from 'pino';

/** Paths pino must never print: tokens and secrets. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'password',
  'secret',
  'config.jwt',
];

export function createLogger(level: string, service: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A registry with the process's default metrics (CPU, memory, event loop lag). */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Shared by the API and the worker: BullMQ scheduler writes that failed after their PostgreSQL
 * commit (`removeScheduler` / `syncSchedulerAfterCommit`); the reconciler repairs each one.
 */
function schedulerSyncMetrics(registry: Registry) {
  return {
    syncFailures: new Counter({
      name: 'scheduler_sync_failures_total',
      help: 'Writes to Redis that failed after their PostgreSQL commit, by operation (upsert, remove: left to the reconciler; dequeue: a cancelled Job left on content-jobs; hand_over: a Job the API committed (template use, run now, approval) left to the reconciler)',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
  };
}

export function apiMetrics(registry: Registry) {
  return {
    ...schedulerSyncMetrics(registry),
    dependencyUnavailable: new Counter({
      name: 'api_dependency_unavailable_total',
      help: 'Requests answered 503 because PostgreSQL or Redis was unreachable (connection refused, terminated, shutting down), or the identity provider key set could not be fetched (jwks), by dependency',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    routedReads: new Counter({
      name: 'db_routed_reads_total',
      help: 'Requests of the routes that may read from a PostgreSQL replica (lists, calendar, stats, previews), by the server that served them (target: replica or primary) and why (replica; no_replica: none configured; none_usable: every replica down or lagging; read_your_writes: none has replayed the last write of the workspace; replica_failed: the replica failed mid-request and the primary answered)',
      labelNames: ['target', 'reason'] as const,
      registers: [registry],
    }),
    replicaLag: new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'Replay lag of each PostgreSQL replica at its last health check (0 when it has replayed all it received); absent until measured',
      labelNames: ['replica'] as const,
      registers: [registry],
    }),
    replicaUsable: new Gauge({
      name: 'db_replica_usable',
      help: 'Whether each PostgreSQL replica takes reads (1: reachable, in recovery and within REPLICA_MAX_LAG_SECONDS; 0: skipped)',
      labelNames: ['replica'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
export type ApiMetrics = ReturnType<typeof apiMetrics>;

/** Read when Prometheus scrapes, so gauges are current without a polling loop. */
export interface WorkerGaugeSources {
  schedulersInRedis?: () => Promise<number>;
  queueDepth?: () => Promise<{ queue: string; state: string; count: number }[]>;
  /** Undispatched outbox events, and the age in seconds of the oldest (0 when none). */
  outbox?: () => Promise<{ depth: number; oldestAgeSeconds: number }>;
}

export function workerMetrics(registry: Registry, sources: WorkerGaugeSources = {}) {
  return {
    ...schedulerSyncMetrics(registry),
    fireLag: new Histogram({
      name: 'scheduler_fire_lag_seconds',
      help: 'Job committed minus occurrence instant',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    }),
    occurrenceBatchSize: new Histogram({
      name: 'scheduler_occurrence_batch_size',
      help: 'Occurrences materialized together in one transaction (OCCURRENCE_BATCH_SIZE caps it)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    jobsMaterialized: new Counter({
      name: 'scheduler_jobs_materialized_total',
      help: 'Jobs created from schedule occurrences',
      registers: [registry],
    }),
    runs: new Counter({
      name: 'scheduler_runs_total',
      help: 'Occurrences processed, by outcome (materialized, skipped, missed, failed, ignored, duplicate)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    missedRecorded: new Counter({
      name: 'scheduler_missed_recorded_total',
      help: 'Occurrences recorded as missed because no worker processed them in time',
      registers: [registry],
    }),
    campaignsAutoResumed: new Counter({
      name: 'scheduler_campaigns_auto_resumed_total',
      help: 'Paused campaigns made active again by the due-resume sweep at their resume_at (each pause once across all workers)',
      registers: [registry],
    }),
    reconcileFixes: new Counter({
      name: 'scheduler_reconcile_fixes_total',
      help: 'Repairs made by the reconciler, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'scheduler_reconcile_duration_seconds',
      help: 'Duration of one reconcile pass, by kind (incremental: the out-of-step and overdue schedules; full: every one)',
      labelNames: ['kind'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    reconcileExamined: new Counter({
      name: 'scheduler_reconcile_examined_total',
      help: 'Schedule rows the reconciler examined, by kind of pass (incremental or full)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    schedulersInRedis: new Gauge({
      name: 'scheduler_schedulers_in_redis',
      help: 'BullMQ job schedulers in Redis',
      registers: [registry],
      async collect() {
        if (sources.schedulersInRedis) this.set(await sources.schedulersInRedis());
      },
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered: 2xx; retrying: failed, another attempt follows; failed: the last attempt failed; blocked: the address was refused at connect time)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookDeliveryDuration: new Histogram({
      name: 'webhook_delivery_duration_seconds',
      help: 'Duration of one webhook delivery attempt',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    webhooksDisabled: new Counter({
      name: 'webhooks_disabled_total',
      help: 'Webhook endpoints disabled after failing continuously for WEBHOOK_DISABLE_AFTER_SECONDS',
      registers: [registry],
    }),
    emailDeliveries: new Counter({
      name: 'email_deliveries_total',
      help: 'Email notification attempts by outcome (sent: the SMTP server accepted it; retrying: failed, another attempt follows; failed: the last attempt failed, or the server refused it for good)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    emailDeliveryDuration: new Histogram({
      name: 'email_delivery_duration_seconds',
      help: 'Duration of one SMTP send of an email notification',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    outboxDispatched: new Counter({
      name: 'outbox_events_dispatched_total',
      help: 'Outbox events the dispatcher moved to the webhook-deliveries queue',
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'outbox_depth',
      help: 'Outbox events not yet dispatched',
      registers: [registry],
      async collect() {
        if (sources.outbox) this.set((await sources.outbox()).depth);
      },
    }),
    outboxOldestAge: new Gauge({
      name: 'outbox_oldest_age_seconds',
      help: 'Age of the oldest undispatched outbox event (0 when none)',
      registers: [registry],
      async collect() {
        if (sources.outbox) this.set((await sources.outbox()).oldestAgeSeconds);
      },
    }),
    queueDepth: new Gauge({
      name: 'scheduler_queue_depth',
      help: 'Jobs in a queue by state',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        if (!sources.queueDepth) return;
        for (const { queue, state, count } of await sources.queueDepth()) this.set({ queue, state }, count);
      },
    }),
  };
}
export type WorkerMetrics = ReturnType<typeof workerMetrics>;

export type { Registry } from 'prom-client';
