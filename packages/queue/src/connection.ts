import IORedis, { Redis, RedisOptions } from 'ioredis';

/**
 * One way to open Redis for the whole code base. BullMQ workers need
 * `maxRetriesPerRequest: null` (blocking commands must not time out); producers fail fast so
 * an HTTP request does not hang while Redis is away.
 */
export function createRedis(url: string, role: 'producer' | 'worker' = 'producer', extra: RedisOptions = {}): Redis {
  return new IORedis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    connectTimeout: 5_000,
    lazyConnect: false,
    ...extra,
  });
}
