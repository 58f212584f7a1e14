/**
 * The scheduler on a real Redis Cluster (`startRedisCluster`: 6 local `redis-server` processes,
 * 3 masters and 3 replicas, a fresh one per test), reached by the processes under test through
 * `REDIS_CLUSTER_NODES` and spread over `OCCURRENCE_SHARDS=3` occurrence queues: the exactly-once
 * burst with a worker killed mid-burst, a master killed while occurrences are due, rate limits
 * shared by two API processes, and a change of the shard count while occurrences fire.
 *
 * Needs the build (`npm run -s build`): the processes run the compiled entry points.
 */
import type { ChildProcess } from 'node:child_process';
import type { DataSource } from 'typeorm';
import { DEFAULT_MISFIRE_GRACE_SECONDS } from '@scheduler/entities';
import {
  createOccurrenceQueues,
  createRedis,
  OccurrenceQueues,
  occurrenceShardOf,
  ReconcileReport,
  RedisClient,
  statusKeys,
  syncScheduler,
} from '@scheduler/queue';
import {
  cleanUpUsers,
  countDelayed,
  DAY,
  expectEachOccurrenceOnce,
  insertSchedules,
  measure,
  newUserId,
  openDataSource,
  perWorker,
  pollUntil,
  RedisClusterHarness,
  runSameSecondBurst,
  sleep,
  startApiProcess,
  startRedisCluster,
  summary,
  uniqueName,
  waitUntilUp,
  wholeSecondAhead,
  WorkerProcesses,
} from '@scheduler/testkit';

const SHARDS = 3;
let ds: DataSource;
let cluster: RedisClusterHarness | null = null;
let redis: RedisClient | null = null;
let queues: OccurrenceQueues | null = null;
const procs = new WorkerProcesses();
let apis: ChildProcess[] = [];
let users: string[] = [];

beforeAll(async () => {
  ds = await openDataSource();
});

afterEach(async () => {
  await procs.killAll();
  for (const api of apis) api.kill('SIGKILL');
  apis = [];
  await queues?.close();
  queues = null;
  redis?.disconnect();
  redis = null;
  await cluster?.stop();
  cluster = null;
  await cleanUpUsers(ds, users);
  users = [];
});

afterAll(async () => {
  procs.dispose();
  await ds?.destroy();
});

/** A fresh cluster, a client of it (as the API and workers open one) and the occurrence shards under a new prefix. */
async function onCluster(shards = SHARDS) {
  cluster = await startRedisCluster();
  redis = createRedis({ redisUrl: 'redis://unused:6379', redisClusterNodes: cluster.seedNodes }, 'worker');
  const prefix = uniqueName('cluster');
  queues = createOccurrenceQueues({ connection: redis, prefix, shards });
  const env = {
    QUEUE_PREFIX: prefix,
    REDIS_CLUSTER_NODES: cluster.seeds,
    OCCURRENCE_SHARDS: String(shards),
    // Each occurrence's line is at debug (what `perWorker` reads).
    LOG_LEVEL: 'debug',
    WORKER_CONCURRENCY: '10',
    // A killed worker's occurrences go to another after about two locks.
    WORKER_LOCK_SECONDS: '4',
  };
  return { cluster, redis, queues, prefix, env };
}

function newUser(): string {
  const id = newUserId();
  users.push(id);
  return id;
}

describe('on a Redis Cluster with occurrence shards', () => {
  it('when the shards have one tag each, then they are served by three distinct masters', async () => {
    const { cluster: c, queues: q, prefix } = await onCluster();
    const masters = await Promise.all(q.all.map((queue) => c.masterOf(`${prefix}:${queue.name}:id`)));
    expect(new Set(masters).size).toBe(SHARDS);
  });

  it('when one of three workers is killed -9 mid-burst of 500 same-second schedules, then every occurrence is one Job, none twice, within grace', async () => {
    const { redis: r, queues: q, env } = await onCluster();
    const userId = newUser();
    let killed = 0;
    const burst = await runSameSecondBurst({
      ds,
      redis: r,
      queues: q,
      procs,
      env,
      userId,
      drainMs: 45_000,
      midBurst: async (workers) => {
        workers[0].child.kill('SIGKILL');
        await workers[0].exited;
        killed = Date.now();
      },
    });
    summary('cluster: 3 workers x 500 once, kill -9 mid-burst', burst.m, {
      shards: SHARDS,
      per_shard: q.all.map((_, shard) => burst.ids.filter((id) => occurrenceShardOf(id, SHARDS) === shard).length),
      jobs_at_kill: burst.jobsMidBurst,
      per_worker: burst.perWorker,
      all_done_after: `${burst.drainedAfterSeconds}s`,
      killed_after: `${((killed - burst.dueAt.getTime()) / 1000).toFixed(1)}s`,
    });
    expect(burst.setupLeftMs).toBeGreaterThan(0);
    expect(burst.queued).toBe(500);
    expectEachOccurrenceOnce(burst.m, 500, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    expect(burst.m.byStatus).toEqual({ completed: 500 });
    // Every shard had its part of the schedules.
    for (let shard = 0; shard < SHARDS; shard++) {
      expect(burst.ids.filter((id) => occurrenceShardOf(id, SHARDS) === shard).length).toBeGreaterThan(100);
    }
  }, 120_000);

  it('when a master is killed -9 while 300 occurrences are due, then its replica takes over and every occurrence fires once, within grace', async () => {
    const { cluster: c, redis: r, queues: q, prefix, env } = await onCluster();
    const userId = newUser();
    const shardMaster = await c.masterOf(`${prefix}:${q.all[0].name}:id`);
    const burst = await runSameSecondBurst({
      ds,
      redis: r,
      queues: q,
      procs,
      env,
      userId,
      workers: 2,
      schedules: 300,
      drainMs: 60_000,
      midBurst: async () => {
        await c.kill(shardMaster);
      },
    });
    await c.waitUntilOk();
    const mastersAfter = await c.masters();
    summary('cluster: master of shard 0 killed -9 mid-burst (2 workers, 300 once)', burst.m, {
      killed_master: shardMaster,
      masters_after: mastersAfter,
      jobs_at_kill: burst.jobsMidBurst,
      per_worker: burst.perWorker,
      all_done_after: `${burst.drainedAfterSeconds}s`,
    });
    expect(burst.queued).toBe(300);
    // The replica took over: three masters again, the killed one not among them.
    expect(mastersAfter).toHaveLength(3);
    expect(mastersAfter).not.toContain(shardMaster);
    expectEachOccurrenceOnce(burst.m, 300, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    expect(burst.m.byStatus).toEqual({ completed: 300 });
  }, 150_000);

  it('when two API processes serve one workspace, then its rate limit is one budget on the cluster', async () => {
    const { env } = await onCluster();
    const user = newUser();
    const apiEnv = { QUEUE_PREFIX: env.QUEUE_PREFIX, REDIS_CLUSTER_NODES: env.REDIS_CLUSTER_NODES, RATE_LIMIT_LISTS: '4' };
    const a = await startApiProcess(apiEnv, user);
    apis.push(a.process);
    const b = await startApiProcess(apiEnv, user);
    apis.push(b.process);
    const statuses: number[] = [];
    for (const api of [a, b, a, b, a, b]) statuses.push((await api.call('GET', '/campaigns')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  }, 60_000);

  it('when the shard count goes from 1 to 3 at the instant 300 occurrences are due, a worker of the old count still firing, then the schedulers move to their shards and nothing fires twice or is lost', async () => {
    const { redis: r, prefix, env } = await onCluster();
    const userId = newUser();
    const before = createOccurrenceQueues({ connection: r, prefix, shards: 1 });
    try {
      // Placed for one shard, served by a worker of the old count.
      const old = procs.spawn('one-shard', { ...env, OCCURRENCE_SHARDS: '1', RECONCILE_INTERVAL_SECONDS: '3600' });
      await waitUntilUp(r, prefix, old);
      const dueAt = wholeSecondAhead(6_000);
      const schedules = await insertSchedules(ds, userId, 300, 'daily', dueAt);
      for (const s of schedules) await syncScheduler(before.all[0], s);
      const ids = schedules.map((s) => s.id);
      expect(await countDelayed(before, ids, dueAt)).toBe(300);

      // A worker of the new count arrives just before the instant: its first reconcile pass
      // moves the schedulers while the old worker still fires from the old queue.
      await sleep(Math.max(0, dueAt.getTime() - 1_000 - Date.now()));
      const migrating = procs.spawn('three-shards', { ...env, RECONCILE_INTERVAL_SECONDS: '1' });
      await waitUntilUp(r, prefix, migrating);
      const report = await pollUntil(
        async () => JSON.parse((await r.get(statusKeys(prefix).lastReconcile)) ?? 'null') as ReconcileReport | null,
        (rep) => rep !== null && rep.removed >= 300,
        30_000,
      );
      await pollUntil(
        () => measure(ds, userId, dueAt),
        (m) => m.created >= 300,
        dueAt.getTime() - Date.now() + 30_000,
      );
      await sleep(1_500);
      const m = await measure(ds, userId, dueAt);
      const q = queues!;
      const perShard = await Promise.all(q.all.map((queue) => queue.getJobSchedulersCount()));
      const nextQueued = await countDelayed(q, ids, new Date(dueAt.getTime() + DAY));
      summary('cluster: shard count 1 -> 3 at the instant (300 daily)', m, {
        first_pass: { created: report?.created, removed: report?.removed },
        schedulers_per_shard: perShard,
        next_day_queued: nextQueued,
        // Who fired: the old worker from the old queue, the new one from the shards (a Job made twice would show as a duplicate).
        per_worker: perWorker([old, migrating], new Set(ids)),
      });
      expectEachOccurrenceOnce(m, 300, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
      // Every scheduler is in its own shard, once; the old queue is empty. (The pass counts the
      // schedules of the whole test database, other suites' too.)
      expect(report?.removed).toBeGreaterThanOrEqual(300);
      expect(report).toMatchObject({ kind: 'full', full_sweep_reason: 'shards' });
      expect(await before.all[0].getJobSchedulersCount()).toBe(0);
      for (const id of ids) {
        const holders = await Promise.all(q.all.map(async (queue) => (await queue.getJobScheduler(id)) !== undefined));
        expect(holders).toEqual(q.all.map((_, shard) => shard === q.shardOf(id)));
      }
      expect(nextQueued).toBe(300);
      // Once a pass finds the old layout empty, only the new count is recorded.
      expect(
        await pollUntil(
          () => r.get(statusKeys(prefix).occurrenceShards),
          (v) => v === '3',
          10_000,
        ),
      ).toBe('3');
    } finally {
      await before.close();
    }
  }, 120_000);
});
