import 'reflect-metadata';
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from '@scheduler/config';
import { createDataSource, prepareDatabase } from '@scheduler/entities';
import { createContentQueue, createOccurrenceQueue, createRedis } from '@scheduler/queue';
import { createApp } from './app';
import { jsonLogger } from './deps';

/** Starts the API: config, database (created and migrated), Redis, queues, HTTP server. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = jsonLogger(config.logLevel, 'api');
  if (config.jwt.usingDevelopmentSecret) {
    logger.warn('JWT_SECRET is not set: using the DEVELOPMENT secret. Never run like this in production.');
  }
  await prepareDatabase(config.databaseUrl);
  const dataSource = createDataSource(config.databaseUrl, { applicationName: 'content-scheduler-api' });
  await dataSource.initialize();
  const redis = createRedis(config.redisUrl);
  const occurrenceQueue = createOccurrenceQueue({ connection: redis, prefix: config.queuePrefix });
  const contentQueue = createContentQueue({ connection: redis, prefix: config.queuePrefix });
  const app = createApp({ config, dataSource, redis, occurrenceQueue, contentQueue, logger, now: () => new Date() });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.port, () => resolve(s));
  });
  const address = server.address();
  logger.info('api listening', { port: typeof address === 'object' && address ? address.port : config.port });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('api stopping', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([occurrenceQueue.close(), contentQueue.close()]);
    await redis.quit().catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
    logger.info('api stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(`api failed to start: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
