import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createRedis } from '@scheduler/queue';
import { apiMetrics, createLogger, createRegistry } from '@scheduler/telemetry';
import { deleteKeysUnder, TEST_REDIS_URL, uniqueName } from '@scheduler/testkit';
import { parseLsn, ReadRouter, replicaName } from '../src/db/read-router';

/** The read router's pieces without a replica server (the replica suite runs them against one). */
describe('read router', () => {
  let redis: Redis;
  const prefixes: string[] = [];

  beforeAll(() => {
    redis = createRedis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  /** A router with one (never contacted) replica, over a primary whose WAL position the test sets. */
  function routerWith(position: { lsn: string }) {
    const prefix = uniqueName('rw');
    prefixes.push(prefix);
    const registry = createRegistry('api');
    const primary = { query: () => Promise.resolve([{ lsn: position.lsn }]) } as unknown as DataSource;
    const router = new ReadRouter({
      primary,
      replicaUrls: ['postgres://user:secret@replica.invalid:5433/app'],
      maxLagSeconds: 5,
      redis,
      keyPrefix: prefix,
      metrics: apiMetrics(registry),
      logger: createLogger('silent', 'api'),
    });
    return { router, prefix, registry };
  }

  it('when LSNs are parsed, then their order is the WAL order, also across the 32-bit boundary', () => {
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('1/0')).toBe(1n << 32n);
    expect(parseLsn('0/FFFFFFFF') < parseLsn('1/0')).toBe(true);
    expect(parseLsn('A/1') > parseLsn('9/FFFFFFFF')).toBe(true);
  });

  it('when a replica is named in logs and metrics, then its credentials are left out', () => {
    expect(replicaName('postgres://user:secret@replica.example:5433/app')).toBe('replica.example:5433/app');
    expect(replicaName('postgresql://replica.example/app')).toBe('replica.example:5432/app');
  });

  it('when writes note their WAL position, then the workspace keeps the highest one, with a TTL, even if an older one arrives last', async () => {
    const position = { lsn: '1/20' };
    const { router, prefix } = routerWith(position);
    await router.noteWrite('w1');
    position.lsn = '0/FFFFFFFF';
    await router.noteWrite('w1');
    const key = `${prefix}:rw:w1`;
    expect(BigInt(`0x${await redis.get(key)}`)).toBe(parseLsn('1/20'));
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(8_000);
    position.lsn = '2/0';
    await router.noteWrite('w1');
    expect(BigInt(`0x${await redis.get(key)}`)).toBe(parseLsn('2/0'));
  });

  it('when no replica has been found usable, then a replica route reads on the primary and is counted so', async () => {
    const { router, registry } = routerWith({ lsn: '0/1' });
    const manager = await router.route('w1', () => Promise.resolve(router.current()));
    expect(manager).toBeUndefined();
    const metric = await registry.getSingleMetric('db_routed_reads_total')!.get();
    expect(metric.values).toEqual([expect.objectContaining({ labels: { target: 'primary', reason: 'none_usable' }, value: 1 })]);
    expect(router.health()).toEqual([
      { name: 'replica.invalid:5433/app', usable: false, lagSeconds: null, replayLsn: null, problem: 'not checked yet' },
    ]);
  });

  it('when a replica cannot be reached at all, then a check marks it unusable without throwing', async () => {
    const { router } = routerWith({ lsn: '0/1' });
    await router.check();
    expect(router.health()[0]).toMatchObject({ usable: false, lagSeconds: null });
    expect(router.health()[0].problem).toBeTruthy();
    await router.close();
  });
});
