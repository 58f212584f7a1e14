import { Queue } from 'bullmq';
import { OCCURRENCE_QUEUE, OccurrencePayload, statusKeys } from './contract';
import { isClusterConnection, type RedisClient } from './connection';
import { occurrenceQueueSettings } from './repeat-strategy';

/**
 * The occurrence queue split into shards (`OCCURRENCE_SHARDS`): a schedule's scheduler lives in
 * the queue of its shard, a stable hash of its id, so that on a Redis Cluster (each shard's keys
 * under their own hash tag) the firing load spreads over the masters. Shard 0 keeps the name
 * the single queue always had, so one Redis with one shard keeps its keys.
 */

/**
 * The shard of a schedule: FNV-1a (32 bit) of its id modulo the shard count. Stable across
 * processes and releases (it only depends on the id), so API and workers agree; changing the
 * count moves about `1 - 1/n` of the schedules, which the reconciler migrates.
 */
export function occurrenceShardOf(scheduleId: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < scheduleId.length; i++) {
    hash ^= scheduleId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** Hash slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

/** The Redis Cluster hash slot of a hash tag's content: CRC16 (XMODEM) modulo 16384, as Redis computes it. */
export function clusterSlotOf(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % CLUSTER_SLOTS;
}

/**
 * The hash tag of an occurrence shard on a cluster: `schedule-occurrences-<shard>`, or with the
 * first suffix `-<k>` that puts its slot in the shard's own `1/shards` of the slot space. A
 * cluster created with its slots split evenly over its masters (what `redis-cli --cluster
 * create` does) then holds the shards on distinct masters when there are as many shards as
 * masters, and spreads them evenly when the shard count is a multiple of the master count.
 */
export function occurrenceShardTag(shard: number, shards: number): string {
  const from = Math.ceil((shard * CLUSTER_SLOTS) / shards);
  const to = Math.ceil(((shard + 1) * CLUSTER_SLOTS) / shards);
  const base = `${OCCURRENCE_QUEUE}-${shard}`;
  for (let k = 0; ; k++) {
    const tag = k === 0 ? base : `${base}-${k}`;
    const slot = clusterSlotOf(tag);
    if (slot >= from && slot < to) return tag;
  }
}

/**
 * The BullMQ name of a shard's occurrence queue. On one Redis: shard 0 is `schedule-occurrences`
 * (the name the single queue always had, so a deployment keeps its keys), shard n
 * `schedule-occurrences-n`. On a cluster: the shard's hash tag in braces
 * (`{schedule-occurrences-1-7}`, `occurrenceShardTag`), so that every key of the queue is in one
 * slot, as BullMQ's scripts need, and the shards spread over the masters.
 */
export function occurrenceQueueName(shard: number, shards = 1, cluster = false): string {
  if (cluster) return `{${occurrenceShardTag(shard, shards)}}`;
  return shard === 0 ? OCCURRENCE_QUEUE : `${OCCURRENCE_QUEUE}-${shard}`;
}

/**
 * The BullMQ name of a queue on a connection: on a Redis Cluster the name is a hash tag
 * (`{content-jobs}`), so every key of the queue lives in one slot, as BullMQ's Lua scripts
 * need, and distinct queues land on distinct slots; on one Redis the name is left as it is.
 */
export function queueNameOn(connection: RedisClient, name: string): string {
  return isClusterConnection(connection) ? `{${name}}` : name;
}

/** The occurrence queues, one per shard, and which one holds a schedule's scheduler. */
export interface OccurrenceQueues {
  /** Every shard's queue, by shard number. */
  readonly all: readonly Queue<OccurrencePayload>[];
  /** The queue of the schedule's shard: every write of its scheduler or occurrences goes there. */
  of(scheduleId: string): Queue<OccurrencePayload>;
  /** The schedule's shard number (`occurrenceShardOf` with this set's count). */
  shardOf(scheduleId: string): number;
  close(): Promise<void>;
}

/** The shards over given queues (index = shard). */
export function occurrenceQueuesOver(queues: readonly Queue<OccurrencePayload>[]): OccurrenceQueues {
  if (queues.length === 0) throw new Error('at least one occurrence queue is needed');
  const shardOf = (scheduleId: string) => occurrenceShardOf(scheduleId, queues.length);
  return {
    all: queues,
    shardOf,
    of: (scheduleId) => queues[shardOf(scheduleId)],
    close: async () => {
      await Promise.allSettled(queues.map((queue) => queue.close()));
    },
  };
}

/** Opens the occurrence queue of one shard of `shards` on a connection. */
export function openOccurrenceQueue(
  options: { connection: RedisClient; prefix: string },
  shard: number,
  shards: number,
): Queue<OccurrencePayload> {
  return new Queue<OccurrencePayload>(occurrenceQueueName(shard, shards, isClusterConnection(options.connection)), {
    connection: options.connection,
    prefix: options.prefix,
    settings: occurrenceQueueSettings,
  });
}

/** Opens one occurrence queue per shard on a connection. */
export function createOccurrenceQueues(options: { connection: RedisClient; prefix: string; shards: number }): OccurrenceQueues {
  const shards = Math.max(1, options.shards);
  return occurrenceQueuesOver(Array.from({ length: shards }, (_, shard) => openOccurrenceQueue(options, shard, shards)));
}

/** What code that writes schedulers accepts: the shards, or one queue (a single shard, as tests build it). */
export type OccurrenceTarget = OccurrenceQueues | Queue<OccurrencePayload>;

/** The shards of a target: a lone queue is a one-shard set. */
export function asOccurrenceQueues(target: OccurrenceTarget): OccurrenceQueues {
  // By shape, not class: a stand-in for a queue (a test's failing one) is a lone queue too.
  const shards = target as Partial<OccurrenceQueues>;
  return typeof shards.of === 'function' && Array.isArray(shards.all)
    ? (target as OccurrenceQueues)
    : occurrenceQueuesOver([target as Queue<OccurrencePayload>]);
}

/**
 * The occurrence queues of another shard count on a set's connection and prefix, those whose
 * names the set does not have: where schedulers placed for that count (before a change of
 * `OCCURRENCE_SHARDS`) may still be, for the reconciler to move. Close them after use.
 */
export function otherLayoutQueues(queues: OccurrenceQueues, shards: number): Queue<OccurrencePayload>[] {
  const first = queues.all[0];
  const connection = first.opts.connection as RedisClient;
  const current = new Set(queues.all.map((queue) => queue.name));
  const cluster = isClusterConnection(connection);
  return Array.from({ length: shards }, (_, shard) => shard)
    .filter((shard) => !current.has(occurrenceQueueName(shard, shards, cluster)))
    .map((shard) => openOccurrenceQueue({ connection, prefix: first.opts.prefix ?? 'bull' }, shard, shards));
}

/** The status key holding the shard count the schedulers in Redis were placed for, and a client for it. */
function shardCountKey(queues: OccurrenceQueues): { client: RedisClient; key: string } {
  const first = queues.all[0];
  // Our queues are always opened on a client (`createRedis`), which the queue keeps as its connection.
  return { client: first.opts.connection as RedisClient, key: statusKeys(first.opts.prefix ?? 'bull').occurrenceShards };
}

/**
 * The shard counts whose layouts may hold schedulers, as recorded beside the status keys
 * (`recordOccurrenceShards`): the count they were last placed for first, then older counts
 * whose queues are still to be emptied. `[1]` when nothing is recorded: a deployment from before
 * shards has all its schedulers in shard 0.
 */
export async function recordedOccurrenceShards(queues: OccurrenceQueues): Promise<number[]> {
  const { client, key } = shardCountKey(queues);
  const counts = String((await client.get(key)) ?? '1')
    .split(',')
    .map(Number)
    .filter((count) => Number.isInteger(count) && count >= 1);
  return counts.length > 0 ? [...new Set(counts)] : [1];
}

/**
 * Records the layouts that may hold schedulers: this set's shard count, then `draining` (older
 * counts whose queues a pass still found schedulers in; they are swept again until empty).
 */
export async function recordOccurrenceShards(queues: OccurrenceQueues, draining: readonly number[] = []): Promise<void> {
  const { client, key } = shardCountKey(queues);
  const current = queues.all.length;
  await client.set(key, [current, ...draining.filter((count) => count !== current)].join(','));
}
