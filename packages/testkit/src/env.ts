/**
 * Where the tests' PostgreSQL and Redis are. jest's global setup (scripts/jest-global-setup.js)
 * creates and migrates TEST_DATABASE_URL before any suite runs; every suite shares it and keeps
 * to its own rows (unique user ids), never truncating.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scheduler_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The HS256 secret of every test API, in-process or spawned. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough';

/** TEST_DATABASE_URL with another database name (same server and credentials). */
export function databaseUrl(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}
