import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { Campaign, ScheduledJob } from '@scheduler/entities';
import { createRedis } from '@scheduler/queue';
import { createLogger, createRegistry, workerMetrics } from '@scheduler/telemetry';
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
import { CampaignResumeSweep } from '../src/campaign-resume.sweep';

const silent = createLogger('silent', 'test');

/**
 * The worker's due-resume sweep, in process. The campaigns here are due only by the sweeps' own
 * clock (a `resume_at` far ahead of real time), so real worker processes of other suites never
 * take them.
 */
describe('the due-resume sweep', () => {
  let ds: DataSource;
  let redis: Redis;
  let queues: PrefixQueues;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    queues = openQueues(redis, uniqueName('resume'));
  });
  afterEach(async () => {
    await obliterateQueues(queues);
  });
  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
  });

  /** A paused campaign due at `resumeAt` with `count` daily 09:00 schedules it holds (from May 1 2035). */
  const pausedCampaign = async (resumeAt: Date, count: number, reason: string | null = 'brand review') => {
    const userId = newUserId();
    const campaign = await insertCampaign(ds, { userId, status: 'paused', pausedReason: reason, resumeAt });
    const schedules: ScheduledJob[] = [];
    for (let i = 0; i < count; i++) {
      schedules.push(
        await insertSchedule(ds, { userId, campaignId: campaign.id, scheduledAt: new Date('2035-05-01T09:00:00Z'), nextRunAt: null }),
      );
    }
    return { campaign, schedules };
  };
  const sweeper = (now: Date) => {
    const metrics = workerMetrics(createRegistry('worker'));
    return { metrics, sweep: new CampaignResumeSweep(ds, queues.queue, silent, metrics, () => now) };
  };

  it('when two sweeps race for a due campaign, then it is resumed once: active, schedules with their next run and scheduler, one set of skipped runs', async () => {
    const resumeAt = new Date('2035-06-01T00:00:00Z');
    const now = new Date('2035-06-03T12:00:00Z');
    const { campaign, schedules } = await pausedCampaign(resumeAt, 3);
    const [a, b] = [sweeper(now), sweeper(now)];

    const [byA, byB] = await Promise.all([a.sweep.sweep(), b.sweep.sweep()]);

    const mine = [...byA, ...byB].filter((r) => r.campaignId === campaign.id);
    expect(mine).toEqual([{ campaignId: campaign.id, resumeAt, schedulesResumed: 3 }]);
    const counted =
      (await a.metrics.campaignsAutoResumed.get()).values[0].value + (await b.metrics.campaignsAutoResumed.get()).values[0].value;
    expect(counted).toBe(byA.length + byB.length);

    expect(await ds.getRepository(Campaign).findOneByOrFail({ id: campaign.id })).toMatchObject({
      status: 'active',
      pausedReason: null,
      resumeAt: null,
    });
    for (const s of schedules) {
      const row = await ds.getRepository(ScheduledJob).findOneByOrFail({ id: s.id });
      expect(row).toMatchObject({ status: 'active', nextRunAt: new Date('2035-06-04T09:00:00Z'), version: s.version + 1 });
      expect(await queues.queue.getJobScheduler(s.id)).toBeDefined();
      const runs = await ds.query<{ at: Date; outcome: string; reason: string }[]>(
        'SELECT occurrence_at AS at, outcome, reason FROM schedule_runs WHERE scheduled_job_id = $1 ORDER BY occurrence_at',
        [s.id],
      );
      // Every 09:00 from May 1 to June 3 (34 days), each once, with the pause's reason.
      const days = Math.floor((Date.parse('2035-06-03T09:00:00Z') - Date.parse('2035-05-01T09:00:00Z')) / 86_400_000) + 1;
      expect(runs).toHaveLength(days);
      expect(new Set(runs.map((r) => `${r.outcome}/${r.reason}`))).toEqual(new Set(['skipped/campaign paused: brand review']));
    }

    // Nothing is due any more: a later sweep does nothing to it.
    const later = await sweeper(new Date('2035-06-03T12:00:05Z')).sweep.sweep();
    expect(later.filter((r) => r.campaignId === campaign.id)).toEqual([]);
  });

  it('when resume_at has not come, then the sweep leaves the campaign paused', async () => {
    const { campaign, schedules } = await pausedCampaign(new Date('2035-07-01T00:00:00Z'), 1, null);
    const done = await sweeper(new Date('2035-06-30T23:59:59Z')).sweep.sweep();
    expect(done.filter((r) => r.campaignId === campaign.id)).toEqual([]);
    expect((await ds.getRepository(Campaign).findOneByOrFail({ id: campaign.id })).status).toBe('paused');
    expect((await ds.getRepository(ScheduledJob).findOneByOrFail({ id: schedules[0].id })).nextRunAt).toBeNull();
  });

  it('when the API resumed it first (or is holding its row), then the sweep does not resume it again', async () => {
    const { campaign } = await pausedCampaign(new Date('2035-08-01T00:00:00Z'), 1);
    const now = new Date('2035-08-01T00:00:01Z');
    // A transaction holds the campaign's row lock (as the API's resume does): the sweep skips it.
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT id FROM campaigns WHERE id = $1 FOR UPDATE', [campaign.id]);
      const whileLocked = await sweeper(now).sweep.sweep();
      expect(whileLocked.filter((r) => r.campaignId === campaign.id)).toEqual([]);
      await runner.query(`UPDATE campaigns SET status = 'active', resume_at = NULL WHERE id = $1`, [campaign.id]);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    const after = await sweeper(now).sweep.sweep();
    expect(after.filter((r) => r.campaignId === campaign.id)).toEqual([]);
  });
});
