/**
 * Dependencies that are away, for the 503 tests, without touching the machine's PostgreSQL or
 * Redis: a DataSource on the test database whose pool, once initialized, can only reconnect to
 * a closed port (its open connections are terminated), and a Redis client on a closed port.
 */
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@scheduler/entities';
import { TEST_DATABASE_URL, uniqueName } from '@scheduler/testkit';

/** A TCP port on 127.0.0.1 that nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface PgPool {
  options: Record<string, unknown>;
  totalCount: number;
}

/**
 * A DataSource whose PostgreSQL is gone: initialized normally, then its connections are
 * terminated by the server (`pg_terminate_backend`, as a restart does) and every new one is
 * refused (the pool's address now names a closed port).
 */
export async function unreachableDataSource(admin: DataSource): Promise<DataSource> {
  const applicationName = uniqueName('unreachable');
  const ds = createDataSource(TEST_DATABASE_URL, { applicationName, poolSize: 2 });
  await ds.initialize();
  const pool = (ds.driver as unknown as { master: PgPool }).master;
  const port = await closedPort();
  Object.assign(pool.options, { connectionString: `postgres://postgres@127.0.0.1:${port}/none`, host: '127.0.0.1', port });
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  for (let i = 0; i < 100 && pool.totalCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return ds;
}

/** A Redis client on a closed port that gives a command up at once (as the API's does after its retries). */
export async function unreachableRedis(): Promise<Redis> {
  return new Redis(await closedPort(), '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
}
