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

/** The occurrence queue's name for a shard, before any hash tag: shard 0 is `schedule-occurrences`, shard n `schedule-occurrences-n`. */
export function occurrenceQueueName(shard: number): string {
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

/** Opens one occurrence queue per shard on a connection. */
export function createOccurrenceQueues(options: { connection: RedisClient; prefix: string; shards: number }): OccurrenceQueues {
  return occurrenceQueuesOver(
    Array.from(
      { length: Math.max(1, options.shards) },
      (_, shard) =>
        new Queue<OccurrencePayload>(queueNameOn(options.connection, occurrenceQueueName(shard)), {
          connection: options.connection,
          prefix: options.prefix,
          settings: occurrenceQueueSettings,
        }),
    ),
  );
}

/** What code that writes schedulers accepts: the shards, or one queue (a single shard, as tests build it). */
export type OccurrenceTarget = OccurrenceQueues | Queue<OccurrencePayload>;

/** The shards of a target: a lone queue is a one-shard set. */
export function asOccurrenceQueues(target: OccurrenceTarget): OccurrenceQueues {
  return target instanceof Queue ? occurrenceQueuesOver([target]) : target;
}

/**
 * The occurrence queue of a shard beyond a set's count, on the set's connection and prefix: where
 * the schedulers of a larger shard count before a decrease still are, for the reconciler to move.
 */
export function openOccurrenceShard(queues: OccurrenceQueues, shard: number): Queue<OccurrencePayload> {
  const first = queues.all[0];
  const tagged = first.name.startsWith('{');
  const name = occurrenceQueueName(shard);
  return new Queue<OccurrencePayload>(tagged ? `{${name}}` : name, {
    connection: first.opts.connection,
    prefix: first.opts.prefix,
    settings: occurrenceQueueSettings,
  });
}

/** The status key holding the shard count the schedulers in Redis were placed for, and a client for it. */
function shardCountKey(queues: OccurrenceQueues): { client: RedisClient; key: string } {
  const first = queues.all[0];
  // Our queues are always opened on a client (`createRedis`), which the queue keeps as its connection.
  return { client: first.opts.connection as RedisClient, key: statusKeys(first.opts.prefix ?? 'bull').occurrenceShards };
}

/**
 * The shard count recorded beside the status keys (`recordOccurrenceShards`), 1 when none is: a
 * deployment from before shards has all its schedulers in shard 0.
 */
export async function recordedOccurrenceShards(queues: OccurrenceQueues): Promise<number> {
  const { client, key } = shardCountKey(queues);
  const recorded = Number(await client.get(key));
  return Number.isInteger(recorded) && recorded >= 1 ? recorded : 1;
}

/** Records that the schedulers in Redis are placed for this set's shard count (after a full sweep moved them). */
export async function recordOccurrenceShards(queues: OccurrenceQueues): Promise<void> {
  const { client, key } = shardCountKey(queues);
  await client.set(key, String(queues.all.length));
}
