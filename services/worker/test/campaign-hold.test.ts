import { createLogger } from '@scheduler/telemetry';
import type { DataSource } from 'typeorm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ruleOf, ScheduledJob } from '@scheduler/entities';
import { ContentJobPayload, createRedis, OccurrencePayload, syncScheduler } from '@scheduler/queue';
import {
  insertCampaign,
  insertSchedule,
  newUserId,
  obliterateQueues,
  openDataSource,
  openQueues,
  PrefixQueues,
  TEST_REDIS_URL,
  uniqueName,
} from '@scheduler/testkit';
import { MaterializeService } from '../src/materialize.service';
import { Reconciler } from '../src/reconciler';

const silent = createLogger('silent', 'test');
const T0 = new Date('2030-01-01T09:00:00Z');

/**
 * A schedule its paused campaign holds is stored active with no next run: the worker leaves it
 * so, and the reconciler neither gives it a scheduler nor thinks it overdue.
 */
describe('the worker and a schedule held by its paused campaign', () => {
  let ds: DataSource;
  let redis: Redis;
  let queue: Queue<OccurrencePayload>;
  let contentQueue: Queue<ContentJobPayload>;
  let queues: PrefixQueues;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    queues = openQueues(redis, uniqueName('test'));
    ({ queue, contentQueue } = queues);
  });
  afterEach(async () => {
    await obliterateQueues(queues);
  });
  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
  });

  it('when an occurrence of a paused campaign is processed, then it is skipped and the schedule keeps no next run and loses its scheduler', async () => {
    const userId = newUserId();
    const campaign = await insertCampaign(ds, { userId, status: 'paused' });
    const schedule = await insertSchedule(ds, { userId, campaignId: campaign.id });
    const result = await new MaterializeService(ds, () => new Date(T0.getTime() + 1000)).materialize(schedule.id, 1, T0);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'campaign paused', removeScheduler: true });
    expect(await ds.getRepository(ScheduledJob).findOneByOrFail({ id: schedule.id })).toMatchObject({ status: 'active', nextRunAt: null });
  });

  it('when the reconciler meets a held schedule, then it creates no scheduler, queues no catch-up, and removes a leftover scheduler', async () => {
    const userId = newUserId();
    const campaign = await insertCampaign(ds, { userId, status: 'paused' });
    const overdue = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
    const held = await insertSchedule(ds, { userId, campaignId: campaign.id, scheduledAt: overdue, nextRunAt: null });
    const leftover = await insertSchedule(ds, { userId, campaignId: campaign.id, scheduledAt: overdue, nextRunAt: null });
    await syncScheduler(queue, { id: leftover.id, version: 1, rule: ruleOf(leftover) });

    await new Reconciler(ds, queue, contentQueue, silent).reconcile();

    expect(await queue.getJobScheduler(held.id)).toBeUndefined();
    expect(await queue.getJobScheduler(leftover.id)).toBeUndefined();
    const queued = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.filter((j) => j.data.schedule_id === held.id || j.data.schedule_id === leftover.id)).toEqual([]);
  });
});
