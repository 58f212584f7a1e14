import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { Config } from '@scheduler/config';
import { createDataSource } from '@scheduler/entities';
import { createContentQueue, createOccurrenceQueues, createRedis } from '@scheduler/queue';
import type { ContentJobPayload, OccurrenceQueues, RedisClient } from '@scheduler/queue';
import { apiMetrics, createLogger, createRegistry } from '@scheduler/telemetry';
import type { ApiMetrics, Logger, Registry } from '@scheduler/telemetry';
import { ReadRouter } from './db/read-router';

/** Everything the API needs from outside; `main.ts` builds it, tests build their own. */
export interface AppDeps {
  config: Config;
  /** The primary: every write, every transaction, every read that is not routed to a replica. */
  dataSource: DataSource;
  /** Replica reads (`DATABASE_REPLICA_URLS`): services read through `readManager(deps)`. */
  reads: ReadRouter;
  /** Redis client for rate limits (and anything else the API keeps in Redis). */
  redis: RedisClient;
  /** The occurrence queue of every shard (`OCCURRENCE_SHARDS`): a schedule's scheduler is written in `.of(its id)`. */
  occurrenceQueues: OccurrenceQueues;
  contentQueue: Queue<ContentJobPayload>;
  logger: Logger;
  /** Prometheus registry served at `/metrics`, and the API's own series in it. */
  metrics: { registry: Registry; api: ApiMetrics };
  /** The current time; tests may pin it. */
  now: () => Date;
}

export interface OwnedDeps extends AppDeps {
  /** Closes the queues, Redis and the database pool. */
  close(): Promise<void>;
}

/** Opens what the API needs for a configuration: `main.ts` and the tests both build it here. */
export async function createDeps(
  config: Config,
  options: { logger?: Logger; now?: () => Date; poolSize?: number } = {},
): Promise<OwnedDeps> {
  const dataSource = createDataSource(config.databaseUrl, {
    applicationName: 'content-scheduler-api',
    poolSize: options.poolSize,
  });
  await dataSource.initialize();
  const redis = createRedis(config);
  const occurrenceQueues = createOccurrenceQueues({ connection: redis, prefix: config.queuePrefix, shards: config.occurrenceShards });
  const contentQueue = createContentQueue({ connection: redis, prefix: config.queuePrefix });
  const registry = createRegistry('api');
  const metrics = { registry, api: apiMetrics(registry) };
  const logger = options.logger ?? createLogger(config.logLevel, 'api');
  const reads = new ReadRouter({
    primary: dataSource,
    replicaUrls: config.databaseReplicaUrls,
    maxLagSeconds: config.replicaMaxLagSeconds,
    poolSize: options.poolSize,
    redis,
    keyPrefix: config.queuePrefix,
    metrics: metrics.api,
    logger,
  });
  await reads.start();
  return {
    config,
    dataSource,
    reads,
    redis,
    occurrenceQueues,
    contentQueue,
    logger,
    metrics,
    now: options.now ?? (() => new Date()),
    close: async () => {
      await reads.close();
      await Promise.allSettled([occurrenceQueues.close(), contentQueue.close()]);
      await redis.quit().catch(() => undefined);
      await dataSource.destroy().catch(() => undefined);
    },
  };
}
