import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { loadConfig, Config } from '@scheduler/config';
import { createDataSource } from '@scheduler/entities';
import { createContentQueue, createOccurrenceQueue, createRedis } from '@scheduler/queue';
import { createApp } from '../src/app';
import type { AppDeps } from '../src/deps';
import { signToken } from '../src/http/auth';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough';

export interface TestApp {
  app: Express;
  deps: AppDeps;
  config: Config;
  /** A valid token for the user. */
  token(userId: string): string;
  /** `Authorization` header value for the user. */
  auth(userId: string): string;
  close(): Promise<void>;
}

/** A fresh user id: tests isolate their data by user, never by truncating tables. */
export function newUserId(): string {
  return `user-${randomUUID()}`;
}

/**
 * Starts the real app on the test database and Redis, with its own BullMQ prefix so queue
 * state never leaks between suites. Extra env overrides the defaults (e.g. rate limits).
 */
export async function startTestApp(env: Record<string, string> = {}, options: { now?: () => Date } = {}): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scheduler_test',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    JWT_SECRET: TEST_JWT_SECRET,
    QUEUE_PREFIX: `test-${randomUUID().slice(0, 8)}`,
    RATE_LIMIT_WRITES: '100000',
    RATE_LIMIT_LISTS: '100000',
    RATE_LIMIT_READS: '100000',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const dataSource = createDataSource(config.databaseUrl, { poolSize: 4 });
  await dataSource.initialize();
  const redis = createRedis(config.redisUrl);
  const occurrenceQueue = createOccurrenceQueue({ connection: redis, prefix: config.queuePrefix });
  const contentQueue = createContentQueue({ connection: redis, prefix: config.queuePrefix });
  const deps: AppDeps = {
    config,
    dataSource,
    redis,
    occurrenceQueue,
    contentQueue,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    now: options.now ?? (() => new Date()),
  };
  const app = createApp(deps);
  return {
    app,
    deps,
    config,
    token: (userId) => signToken(userId, config.jwt),
    auth: (userId) => `Bearer ${signToken(userId, config.jwt)}`,
    close: async () => {
      await occurrenceQueue.obliterate({ force: true }).catch(() => undefined);
      await contentQueue.obliterate({ force: true }).catch(() => undefined);
      await occurrenceQueue.close();
      await contentQueue.close();
      await redis.quit();
      await dataSource.destroy();
    },
  };
}
