import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { loadConfig, Config } from '@scheduler/config';
import { createApp } from '../src/app';
import { createDeps, type AppDeps } from '../src/deps';
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
  const deps = await createDeps(config, { now: options.now, poolSize: 4 });
  const app = createApp(deps);
  return {
    app,
    deps,
    config,
    token: (userId) => signToken(userId, config.jwt),
    auth: (userId) => `Bearer ${signToken(userId, config.jwt)}`,
    close: async () => {
      await deps.occurrenceQueue.obliterate({ force: true }).catch(() => undefined);
      await deps.contentQueue.obliterate({ force: true }).catch(() => undefined);
      await deps.close();
    },
  };
}
