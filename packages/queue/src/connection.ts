import IORedis, { Cluster, Redis, RedisOptions } from 'ioredis';

/** A connection the code base opens: one Redis, or a Redis Cluster (`REDIS_CLUSTER_NODES`). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: the two configuration keys (`REDIS_URL`, `REDIS_CLUSTER_NODES`); `Config` is one. */
export interface RedisTarget {
  redisUrl: string;
  /** Seed nodes of a cluster; when there is one it wins over `redisUrl`. */
  redisClusterNodes?: readonly { host: string; port: number }[];
}

/**
 * One way to open Redis for the whole code base (API, worker, tests, bench). BullMQ workers
 * need `maxRetriesPerRequest: null` (blocking commands must not time out); producers fail fast
 * so an HTTP request does not hang while Redis is away. Given a target with cluster nodes it
 * opens an ioredis `Cluster` with the same per-node options (BullMQ takes either); given a URL,
 * one Redis.
 */
export function createRedis(target: string, role?: 'producer' | 'worker', extra?: RedisOptions): Redis;
export function createRedis(target: RedisTarget, role?: 'producer' | 'worker', extra?: RedisOptions): RedisClient;
export function createRedis(target: string | RedisTarget, role: 'producer' | 'worker' = 'producer', extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    connectTimeout: 5_000,
    lazyConnect: false,
    ...extra,
  };
  if (typeof target === 'string') return new IORedis(target, options);
  const nodes = target.redisClusterNodes ?? [];
  if (nodes.length === 0) return new IORedis(target.redisUrl, options);
  const { lazyConnect, ...redisOptions } = options;
  return new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    {
      lazyConnect,
      redisOptions,
      // A producer fails fast while the cluster is unreachable (an HTTP request answers 503
      // instead of waiting): the cluster keeps no offline queue for it, as `maxRetriesPerRequest`
      // gives up for one Redis. Workers wait (BullMQ's blocking commands resume when it is back).
      enableOfflineQueue: role === 'worker',
      // A command sent while a failed master's replica is taking over waits for the new slot
      // map instead of failing at once (the cluster's node timeout plus the election).
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: 2_000,
    },
  );
}

/** True when the connection is a Redis Cluster: its queues' keys must carry a hash tag. */
export function isClusterConnection(connection: RedisClient): connection is Cluster {
  return (connection as { isCluster?: boolean }).isCluster === true;
}
