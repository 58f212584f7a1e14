import 'reflect-metadata';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Worker } from 'bullmq';
import { Config, loadConfigOrExit } from '@scheduler/config';
import { createDataSource, prepareDatabase } from '@scheduler/entities';
import {
  CONTENT_JOBS_QUEUE,
  createContentQueue,
  createOccurrenceQueues,
  createWebhookDeliveryQueue,
  createRedis,
  EMAIL_DELIVERIES_QUEUE,
  EmailDeliveryPayload,
  occurrenceQueueName,
  occurrenceQueueSettings,
  OccurrencePayload,
  statusKeys,
  WEBHOOK_DELIVERIES_QUEUE,
  WebhookDeliveryPayload,
} from '@scheduler/queue';
import { MaterializeService } from './materialize.service';
import { createLogger, createRegistry, Logger, workerMetrics } from '@scheduler/telemetry';
import { createOccurrenceProcessor } from './occurrence.processor';
import { Reconciler } from './reconciler';
import { CampaignResumeSweep, RESUME_SWEEP_INTERVAL_MS } from './campaign-resume.sweep';
import { LOST_DELIVERY_SWEEP_MS, OutboxDispatcher, outboxStats } from './outbox.dispatcher';
import { createWebhookProcessor, webhookBackoff } from './webhook.processor';
import { createEmailDeliveryQueue, createEmailProcessor, createSmtpSender, type MailSender } from './email.processor';

export interface RunningWorker {
  id: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts one worker process's parts: the BullMQ worker, the reconciler loop, the campaigns'
 * due-resume sweep, the outbox dispatcher, the webhook deliveries and (with `SMTP_URL`) the email
 * notifications, heartbeats and health.
 */
export async function startWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  await prepareDatabase(config.databaseUrl);
  const dataSource = createDataSource(config.databaseUrl, {
    applicationName: 'content-scheduler-worker',
    // A batch of occurrences holds one connection; the rest serve batches retried one by one,
    // the reconciler, the outbox dispatcher and the deliveries.
    poolSize: Math.min(20, config.worker.concurrency + 2),
  });
  await dataSource.initialize();
  const redis = createRedis(config, 'worker');
  const workerConnection = createRedis(config, 'worker');
  const occurrenceQueues = createOccurrenceQueues({ connection: redis, prefix: config.queuePrefix, shards: config.occurrenceShards });
  const contentQueue = createContentQueue({ connection: redis, prefix: config.queuePrefix });
  const deliveryQueue = createWebhookDeliveryQueue({ connection: redis, prefix: config.queuePrefix });
  const emailQueue = createEmailDeliveryQueue({ connection: redis, prefix: config.queuePrefix });
  const materialize = new MaterializeService(dataSource);
  const registry = createRegistry('worker');
  const metrics = workerMetrics(registry, {
    schedulersInRedis: async () => {
      const counts = await Promise.all(occurrenceQueues.all.map((queue) => queue.getJobSchedulersCount()));
      return counts.reduce((sum, count) => sum + count, 0);
    },
    queueDepth: async () => {
      const depth: { queue: string; state: string; count: number }[] = [];
      // Each occurrence shard is its own series (`schedule-occurrences`, `schedule-occurrences-1`, …).
      for (const [name, queue] of [
        ...occurrenceQueues.all.map((queue, shard) => [occurrenceQueueName(shard, occurrenceQueues.all.length), queue] as const),
        [CONTENT_JOBS_QUEUE, contentQueue],
        [WEBHOOK_DELIVERIES_QUEUE, deliveryQueue],
        [EMAIL_DELIVERIES_QUEUE, emailQueue],
      ] as const) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
        for (const [state, count] of Object.entries(counts)) depth.push({ queue: name, state, count });
      }
      return depth;
    },
    outbox: () => outboxStats(dataSource),
  });
  // One BullMQ worker per occurrence shard, all with the same processor (its batches gather
  // occurrences of every shard): every worker process consumes every shard.
  const processOccurrence = createOccurrenceProcessor({
    materialize,
    occurrenceQueue: occurrenceQueues,
    contentQueue,
    logger,
    metrics,
    batch: { size: config.worker.batchSize, waitMs: config.worker.batchWaitMs },
  });
  const occurrenceWorkers = occurrenceQueues.all.map((queue) => {
    const worker = new Worker<OccurrencePayload>(queue.name, processOccurrence, {
      connection: workerConnection,
      prefix: config.queuePrefix,
      concurrency: config.worker.concurrency,
      settings: occurrenceQueueSettings,
      // A crashed worker's occurrences go to another worker after about two of these.
      lockDuration: config.worker.lockSeconds * 1000,
      stalledInterval: config.worker.lockSeconds * 1000,
    });
    worker.on('failed', (job, error) => {
      logger.warn(
        { queue_job_id: job?.id, schedule_id: job?.data?.schedule_id, err: error },
        'occurrence attempt failed; BullMQ will retry',
      );
    });
    worker.on('error', (error) => logger.error({ err: error, queue: queue.name }, 'worker error'));
    return worker;
  });

  const keys = statusKeys(config.queuePrefix);
  const heartbeat = async () => {
    await redis.hset(keys.workers, id, String(Date.now())).catch(() => undefined);
  };
  await heartbeat();
  const heartbeatTimer = setInterval(() => void heartbeat(), 5_000);

  const reconciler = new Reconciler(dataSource, occurrenceQueues, contentQueue, logger, metrics, undefined, {
    fullSweepHours: config.worker.reconcileFullSweepHours,
    shiftLookaheadSeconds: 2 * config.worker.reconcileIntervalSeconds,
  });
  let reconciling: Promise<void> = Promise.resolve();
  const reconcileOnce = () => {
    reconciling = reconciler
      .runIfLeader()
      .then(async (report) => {
        if (report) await redis.set(keys.lastReconcile, JSON.stringify(report));
      })
      .catch((error) => logger.warn({ err: error }, 'reconcile failed; will retry next interval'));
    return reconciling;
  };
  void reconcileOnce();
  const reconcileTimer = setInterval(() => void reconcileOnce(), config.worker.reconcileIntervalSeconds * 1000);

  // Paused campaigns whose resume_at has come: every worker sweeps, PostgreSQL makes each resume once.
  const resumeSweep = new CampaignResumeSweep(dataSource, occurrenceQueues, logger, metrics);
  let sweeping: Promise<unknown> | null = null;
  const sweepOnce = () => {
    if (sweeping) return; // the one before is still at it
    sweeping = resumeSweep
      .sweep()
      .catch((error) => logger.warn({ err: error }, 'campaign resume sweep failed; will retry'))
      .finally(() => {
        sweeping = null;
      });
  };
  sweepOnce();
  const resumeTimer = setInterval(sweepOnce, RESUME_SWEEP_INTERVAL_MS);

  // The outbox: every worker dispatches (SKIP LOCKED shares the events) and delivers.
  const webhookConfig = config.webhooks;
  const emailConfig = config.email;
  const dispatcher = new OutboxDispatcher(
    dataSource,
    deliveryQueue,
    logger,
    {
      retries: webhookConfig.retryDelaysMs.length,
      email: { queue: emailQueue, retries: emailConfig.retries, retryDelayMs: emailConfig.retryDelayMs },
    },
    metrics,
  );
  const deliveryConnection = createRedis(config, 'worker');
  const deliveryWorker = new Worker<WebhookDeliveryPayload>(
    deliveryQueue.name,
    createWebhookProcessor({
      dataSource,
      logger,
      metrics,
      options: {
        timeoutMs: webhookConfig.timeoutMs,
        allowPrivateNetworks: webhookConfig.allowPrivateNetworks,
        retryDelaysMs: webhookConfig.retryDelaysMs,
        disableAfterMs: webhookConfig.disableAfterMs,
      },
    }),
    {
      connection: deliveryConnection,
      prefix: config.queuePrefix,
      concurrency: webhookConfig.concurrency,
      settings: { backoffStrategy: webhookBackoff(webhookConfig.retryDelaysMs) },
      // An attempt lasts at most the timeout; the lock outlives it.
      lockDuration: Math.max(30_000, webhookConfig.timeoutMs * 3),
    },
  );
  deliveryWorker.on('error', (error) => logger.error({ err: error }, 'webhook delivery worker error'));
  // Email: only a worker with SMTP_URL sends; without one the deliveries wait (pending, queued) for a worker that has it.
  let emailSender: MailSender | null = null;
  let emailWorker: Worker<EmailDeliveryPayload> | null = null;
  let emailConnection: ReturnType<typeof createRedis> | null = null;
  if (emailConfig.smtpUrl) {
    emailSender = createSmtpSender({ smtpUrl: emailConfig.smtpUrl, timeoutMs: emailConfig.timeoutMs });
    emailConnection = createRedis(config, 'worker');
    emailWorker = new Worker<EmailDeliveryPayload>(
      emailQueue.name,
      createEmailProcessor({
        dataSource,
        logger,
        metrics,
        sender: emailSender,
        from: emailConfig.from,
        retryDelayMs: emailConfig.retryDelayMs,
      }),
      {
        connection: emailConnection,
        prefix: config.queuePrefix,
        concurrency: emailConfig.concurrency,
        // One send lasts at most about three timeouts (connect, greeting, socket); the lock outlives it.
        lockDuration: Math.max(30_000, emailConfig.timeoutMs * 4),
      },
    );
    emailWorker.on('error', (error) => logger.error({ err: error }, 'email delivery worker error'));
  } else {
    logger.info('SMTP_URL is not set: this worker sends no email notifications (they wait for a worker that has it)');
  }
  let dispatching: Promise<unknown> | null = null;
  const dispatchOnce = () => {
    if (dispatching) return;
    dispatching = dispatcher
      .dispatch()
      .catch((error) => logger.warn({ err: error }, 'outbox dispatch failed (PostgreSQL or Redis away); nothing marked, will retry'))
      .finally(() => {
        dispatching = null;
      });
  };
  if (webhookConfig.dispatch) dispatchOnce();
  const dispatchTimer = setInterval(() => webhookConfig.dispatch && dispatchOnce(), webhookConfig.dispatchIntervalMs);
  const lostTimer = setInterval(() => {
    if (webhookConfig.dispatch)
      dispatcher.sweepLost().catch((error) => logger.warn({ err: error }, 'lost-delivery sweep failed; will retry'));
  }, LOST_DELIVERY_SWEEP_MS);

  // Never rejects: each check turns its own failure into an answer.
  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url === '/readyz') {
      const checks: Record<string, string> = {};
      const unreachable = (what: string) => (error: Error) => {
        logger.warn({ err: error }, `readiness: ${what} unreachable`);
        return 'unreachable';
      };
      checks.postgres = await dataSource.query('SELECT 1').then(() => 'ok', unreachable('PostgreSQL'));
      checks.redis = await redis.ping().then(() => 'ok', unreachable('Redis'));
      const ready = Object.values(checks).every((v) => v === 'ok');
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }));
      return;
    }
    if (req.url === '/metrics') {
      try {
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      } catch (error) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(error as Error).message}`);
      }
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"status":404}');
  };
  const server: Server = createServer((req, res) => void respond(req, res));
  const stop = async () => {
    clearInterval(heartbeatTimer);
    clearInterval(reconcileTimer);
    clearInterval(resumeTimer);
    clearInterval(dispatchTimer);
    clearInterval(lostTimer);
    // Finishes the occurrences in hand; those not started stay in Redis for another worker.
    await Promise.all([...occurrenceWorkers.map((worker) => worker.close()), deliveryWorker.close(), emailWorker?.close()]);
    emailSender?.close?.();
    await dispatching;
    await reconciling;
    await sweeping;
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    await redis.hdel(keys.workers, id).catch(() => undefined);
    await Promise.allSettled([occurrenceQueues.close(), contentQueue.close(), deliveryQueue.close(), emailQueue.close()]);
    await Promise.allSettled([redis.quit(), workerConnection.quit(), deliveryConnection.quit(), emailConnection?.quit()]);
    await dataSource.destroy().catch(() => undefined);
  };
  try {
    await listen(server, config.worker.port);
  } catch (error) {
    await stop();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.worker.port;
  logger.info(
    {
      worker_id: id,
      port,
      concurrency: config.worker.concurrency,
      batch_size: config.worker.batchSize,
      batch_wait_ms: config.worker.batchWaitMs,
    },
    'worker started',
  );

  return { id, port, stop };
}

/** A start-up failure the operator fixes in the environment: printed as its message alone. */
export class WorkerStartError extends Error {}

/**
 * Binds the health/metrics server. A port already taken stops the worker with a message naming
 * `WORKER_PORT` rather than moving to another port: health checks and Prometheus look for the
 * configured one. (`npm start` picks a free port for its worker itself.)
 */
function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new WorkerStartError(
              `WORKER_PORT ${port} is already in use (the worker's health and metrics port): ` +
                'set WORKER_PORT to a free port, or to 0 for any free port',
            )
          : error,
      );
    };
    server.once('error', failed);
    server.listen(port, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger(config.logLevel, 'worker');
  // Handlers go in before start-up, so a signal that arrives while starting still stops cleanly.
  const starting = startWorker(config, logger);
  logger.info('worker starting'); // pid is a base field of every line
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    const running = await starting;
    logger.info({ signal, worker_id: running.id }, 'worker stopping');
    await running.stop();
    logger.info({ worker_id: running.id }, 'worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await starting;
}

if (require.main === module) {
  main().catch((error) => {
    const text = error instanceof WorkerStartError ? error.message : ((error as Error).stack ?? String(error));
    console.error(`worker failed to start: ${text}`);
    process.exit(1);
  });
}
