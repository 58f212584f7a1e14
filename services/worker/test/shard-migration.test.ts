/**
 * A change of `OCCURRENCE_SHARDS` on one Redis: the reconciler's pass moves every scheduler to
 * its schedule's shard (written there first, then removed from the old queue), records the new
 * count, and a decrease empties the shards beyond it. The same move on a real cluster, while
 * occurrences fire, is in cluster.test.ts.
 */
import type { DataSource } from 'typeorm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  ContentJobPayload,
  createContentQueue,
  createOccurrenceQueues,
  createRedis,
  OccurrenceQueues,
  occurrenceShardOf,
  statusKeys,
  syncScheduler,
} from '@scheduler/queue';
import { createLogger } from '@scheduler/telemetry';
import {
  cleanUpUsers,
  deleteKeysUnder,
  inHours,
  insertSchedules,
  newUserId,
  openDataSource,
  TEST_REDIS_URL,
  uniqueName,
} from '@scheduler/testkit';
import { Reconciler } from '../src/reconciler';

const silent = createLogger('silent', 'test');

describe('the reconciler when the occurrence shard count changes', () => {
  let ds: DataSource;
  let redis: Redis;
  let prefix: string;
  let contentQueue: Queue<ContentJobPayload>;
  let users: string[] = [];
  const opened: OccurrenceQueues[] = [];
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    prefix = uniqueName('shards');
    contentQueue = createContentQueue({ connection: redis, prefix });
  });
  afterEach(async () => {
    await contentQueue.close();
    for (const queues of opened.splice(0)) await queues.close();
    await deleteKeysUnder(redis, prefix);
    await cleanUpUsers(ds, users);
    users = [];
  });
  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
  });

  const shardsOf = (shards: number) => {
    const queues = createOccurrenceQueues({ connection: redis, prefix, shards });
    opened.push(queues);
    return queues;
  };
  const reconcilerOf = (queues: OccurrenceQueues) => new Reconciler(ds, queues, contentQueue, silent);
  const pass = (queues: OccurrenceQueues) => reconcilerOf(queues).reconcile();
  /** For each schedule, the shards whose queue holds its scheduler (the test database may hold other suites' schedules too). */
  const placement = (queues: OccurrenceQueues, ids: string[]) =>
    Promise.all(
      ids.map(async (id) => {
        const found = await Promise.all(queues.all.map(async (queue, shard) => ((await queue.getJobScheduler(id)) ? shard : -1)));
        return found.filter((shard) => shard >= 0);
      }),
    );

  it('when it goes from 1 to 3 and back to 1, then each pass moves the schedulers to their shards and leaves none behind', async () => {
    const userId = newUserId();
    users.push(userId);
    const schedules = await insertSchedules(ds, userId, 60, 'daily', new Date(inHours(2)));
    const one = shardsOf(1);
    for (const s of schedules) await syncScheduler(one.all[0], s);
    const moving = schedules.filter((s) => occurrenceShardOf(s.id, 3) !== 0).length;
    expect(moving).toBeGreaterThan(0);

    const three = shardsOf(3);
    expect(await reconcilerOf(three).shardCountChange()).toEqual({ from: [1], to: 3 });
    const ids = schedules.map((s) => s.id);
    const up = await pass(three);
    // Shard 0 keeps its name on one Redis: only the others' schedulers move. (A pass counts the
    // schedules of the whole test database, other suites' too.)
    expect(up.created).toBeGreaterThanOrEqual(moving);
    expect(up.removed).toBeGreaterThanOrEqual(moving);
    expect(await placement(three, ids)).toEqual(ids.map((id) => [occurrenceShardOf(id, 3)]));
    for (const s of schedules) {
      expect((await three.of(s.id).getJobScheduler(s.id))?.template?.data).toEqual({ schedule_id: s.id, version: s.version });
    }
    expect(await redis.get(statusKeys(prefix).occurrenceShards)).toBe('3');
    // In place: no change is seen any more, and another pass leaves them where they are.
    expect(await reconcilerOf(three).shardCountChange()).toBeNull();
    await pass(three);
    expect(await placement(three, ids)).toEqual(ids.map((id) => [occurrenceShardOf(id, 3)]));

    const down = await pass(one);
    // The count changed: a full sweep, whatever the incremental bookkeeping says.
    expect(down).toMatchObject({ kind: 'full', full_sweep_reason: 'shards' });
    expect(down.created).toBeGreaterThanOrEqual(moving);
    // Back in shard 0 only: the shards beyond the new count were emptied.
    expect(await placement(three, ids)).toEqual(ids.map(() => [0]));
    expect(await three.all[1].getJobSchedulersCount()).toBe(0);
    expect(await three.all[2].getJobSchedulersCount()).toBe(0);
    // The old layout held schedulers this pass, so the next one looks at it again (a process still
    // on the old count may write there), and finding it empty, forgets it.
    expect(await redis.get(statusKeys(prefix).occurrenceShards)).toBe('1,3');
    expect(await reconcilerOf(one).shardCountChange()).toEqual({ from: [3], to: 1 });
    await pass(one);
    expect(await redis.get(statusKeys(prefix).occurrenceShards)).toBe('1');
  });
});
