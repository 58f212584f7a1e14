import { randomUUID } from 'node:crypto';
import {
  CLUSTER_SLOTS,
  clusterSlotOf,
  CONTENT_JOBS_QUEUE,
  createContentQueue,
  createOccurrenceQueue,
  createOccurrenceQueues,
  createRedis,
  OCCURRENCE_QUEUE,
  occurrenceQueueName,
  occurrenceShardOf,
  occurrenceShardTag,
} from '../src';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('occurrence shards', () => {
  it('when a schedule id is hashed, then its shard is stable, in range, and the ids spread evenly', () => {
    const ids = Array.from({ length: 3000 }, () => randomUUID());
    for (const shards of [1, 2, 3, 8]) {
      const counts = new Array<number>(shards).fill(0);
      for (const id of ids) {
        const shard = occurrenceShardOf(id, shards);
        expect(occurrenceShardOf(id, shards)).toBe(shard);
        counts[shard] += 1;
      }
      // Within 20 % of an even split.
      for (const count of counts) expect(Math.abs(count - ids.length / shards)).toBeLessThan((0.2 * ids.length) / shards);
    }
    // Pinned: every process and release must agree (a new hash would move every scheduler).
    expect([2, 3, 8].map((n) => occurrenceShardOf('00000000-0000-0000-0000-000000000000', n))).toEqual([1, 0, 1]);
    expect([2, 3, 8].map((n) => occurrenceShardOf('3f2b6a8e-1c1d-4f4e-9a0b-8d7c6b5a4f3e', n))).toEqual([0, 0, 6]);
  });

  it('when computing a hash slot, then it is the one Redis computes', () => {
    // The cluster specification's CRC16 check value (0x31C3), and `CLUSTER KEYSLOT foo` / `bar`.
    expect(clusterSlotOf('123456789')).toBe(0x31c3);
    expect(clusterSlotOf('foo')).toBe(12182);
    expect(clusterSlotOf('bar')).toBe(5061);
  });

  it('when there is one Redis, then shard 0 keeps the queue name of old and shard n is suffixed', () => {
    expect(occurrenceQueueName(0)).toBe(OCCURRENCE_QUEUE);
    expect(occurrenceQueueName(0, 3)).toBe(OCCURRENCE_QUEUE);
    expect(occurrenceQueueName(2, 3)).toBe(`${OCCURRENCE_QUEUE}-2`);
  });

  it('when on a cluster, then each shard is a hash tag whose slot lies in its own part of the slot space', () => {
    for (const shards of [1, 3, 6]) {
      for (let shard = 0; shard < shards; shard++) {
        const tag = occurrenceShardTag(shard, shards);
        expect(occurrenceQueueName(shard, shards, true)).toBe(`{${tag}}`);
        const slot = clusterSlotOf(tag);
        expect(slot).toBeGreaterThanOrEqual(Math.ceil((shard * CLUSTER_SLOTS) / shards));
        expect(slot).toBeLessThan(Math.ceil(((shard + 1) * CLUSTER_SLOTS) / shards));
      }
    }
  });

  it('when the queues are opened on one Redis, then their names carry no hash tag and a schedule goes to its shard', async () => {
    const redis = createRedis(REDIS_URL);
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const single = createOccurrenceQueue({ connection: redis, prefix });
    const content = createContentQueue({ connection: redis, prefix });
    const sharded = createOccurrenceQueues({ connection: redis, prefix, shards: 3 });
    try {
      expect(single.name).toBe(OCCURRENCE_QUEUE);
      expect(content.name).toBe(CONTENT_JOBS_QUEUE);
      expect(sharded.all.map((q) => q.name)).toEqual([OCCURRENCE_QUEUE, `${OCCURRENCE_QUEUE}-1`, `${OCCURRENCE_QUEUE}-2`]);
      const id = randomUUID();
      expect(sharded.of(id)).toBe(sharded.all[occurrenceShardOf(id, 3)]);
      expect(sharded.shardOf(id)).toBe(occurrenceShardOf(id, 3));
    } finally {
      await Promise.all([single.close(), content.close(), sharded.close()]);
      await redis.quit();
    }
  });
});
