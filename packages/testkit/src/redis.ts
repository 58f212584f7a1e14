/**
 * Redis for tests: every test works under its own BullMQ prefix (`uniqueName()`), and cleans
 * up only its own keys, never FLUSHALL / FLUSHDB (other test runs share Redis db 0).
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ContentJobPayload, createContentQueue, createOccurrenceQueue, OccurrencePayload } from '@scheduler/queue';

/** Every key under the prefix, by SCAN (never KEYS on a shared server's hot path). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** A FLUSHALL confined to one test: deletes every key under the prefix (one of `uniqueName`) and nothing else. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  if (!/^[a-z]+-[0-9a-f]{8}$/.test(prefix)) throw new Error(`refusing to delete keys under unexpected prefix "${prefix}"`);
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  return keys.length;
}

/** The two queues of a deployment under one prefix. */
export interface PrefixQueues {
  prefix: string;
  queue: Queue<OccurrencePayload>;
  contentQueue: Queue<ContentJobPayload>;
}

export function openQueues(connection: Redis, prefix: string): PrefixQueues {
  return {
    prefix,
    queue: createOccurrenceQueue({ connection, prefix }),
    contentQueue: createContentQueue({ connection, prefix }),
  };
}

/** Obliterates both queues and closes them; a failure of either is left to the key cleanup. */
export async function obliterateQueues({ queue, contentQueue }: PrefixQueues): Promise<void> {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await contentQueue.obliterate({ force: true }).catch(() => undefined);
  await queue.close().catch(() => undefined);
  await contentQueue.close().catch(() => undefined);
}
