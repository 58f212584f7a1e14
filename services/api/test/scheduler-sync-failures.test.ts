import request from 'supertest';
import type { Queue } from 'bullmq';
import { Campaign, ScheduledJob } from '@scheduler/entities';
import { createOccurrenceQueue, createRedis, OccurrencePayload, OccurrenceQueues, occurrenceQueuesOver } from '@scheduler/queue';
import { createLogger } from '@scheduler/telemetry';
import { Reconciler } from '../../worker/src/reconciler';
import { newUserId, startTestApp, TestApp } from './helpers';

/**
 * Redis failing after a PostgreSQL commit: the change has happened, so the API answers 2xx; the
 * failure is logged and counted (`scheduler_sync_failures_total`), and the reconciler repairs
 * the scheduler later.
 */
describe('scheduler writes that fail after the commit', () => {
  let t: TestApp;
  let realQueue: Queue<OccurrencePayload>;
  let realQueues: OccurrenceQueues;
  let logged: Record<string, unknown>[];
  beforeAll(async () => {
    t = await startTestApp();
    realQueues = t.deps.occurrenceQueues;
    realQueue = realQueues.all[0];
  });
  afterAll(async () => {
    t.deps.occurrenceQueues = realQueues;
    await t.close();
  });

  const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  const as = (user: string) => ({
    post: (path: string, body?: object) => request(t.app).post(`/api/v1${path}`).set('Authorization', t.auth(user)).send(body),
    put: (path: string, body: object) => request(t.app).put(`/api/v1${path}`).set('Authorization', t.auth(user)).send(body),
    del: (path: string) => request(t.app).delete(`/api/v1${path}`).set('Authorization', t.auth(user)),
  });
  const failures = async (operation: 'upsert' | 'remove') => {
    const metric = await t.deps.metrics.api.syncFailures.get();
    return metric.values.find((v) => v.labels.operation === operation)?.value ?? 0;
  };
  const warnings = () => logged.filter((line) => line.level === 'warn' && /after the commit/.test(String(line.msg)));

  /**
   * Runs `act` while the app's occurrence queue sits on a Redis connection that is closed (the
   * queue's own Redis, not the one the rate limits use), with a logger whose lines are kept.
   */
  async function withRedisBroken<T>(act: () => Promise<T>): Promise<T> {
    const connection = createRedis(t.config.redisUrl);
    const broken = createOccurrenceQueue({ connection, prefix: t.config.queuePrefix });
    broken.on('error', () => undefined);
    await broken.waitUntilReady();
    connection.disconnect();
    const logger = t.deps.logger;
    logged = [];
    t.deps.logger = createLogger('warn', 'api', { write: (line: string) => void logged.push(JSON.parse(line)) });
    t.deps.occurrenceQueues = occurrenceQueuesOver([broken]);
    try {
      return await act();
    } finally {
      t.deps.occurrenceQueues = realQueues;
      t.deps.logger = logger;
      await broken.close().catch(() => undefined);
    }
  }

  const createSchedule = async (user: string, body: object = {}) => {
    const res = await as(user).post('/schedule', {
      name: 's',
      schedule_type: 'daily',
      scheduled_at: inHours(1),
      job_config: { publisher_domain: 'x.example.com' },
      ...body,
    });
    expect(res.status).toBe(201);
    expect(await realQueue.getJobScheduler(res.body.id)).toBeDefined();
    return res.body as { id: string; version: number };
  };

  it('when Redis fails after a campaign delete committed, then 204, the failures are logged and counted, and the reconciler removes the orphan schedulers', async () => {
    const user = newUserId();
    const campaign = (await as(user).post('/campaigns', { name: 'doomed' })).body;
    const first = await createSchedule(user, { campaign_id: campaign.id });
    const second = await createSchedule(user, { campaign_id: campaign.id });
    const before = await failures('remove');

    const res = await withRedisBroken(() => as(user).del(`/campaigns/${campaign.id}`));

    expect(res.status).toBe(204);
    expect(await t.deps.dataSource.getRepository(Campaign).findOneBy({ id: campaign.id })).toBeNull();
    expect(await t.deps.dataSource.getRepository(ScheduledJob).findOneBy({ id: first.id })).toBeNull();
    expect(await failures('remove')).toBe(before + 2);
    expect(
      warnings()
        .map((line) => line.schedule_id)
        .sort(),
    ).toEqual([first.id, second.id].sort());
    expect(warnings()[0]).toMatchObject({ operation: 'remove', err: { message: 'Connection is closed.' } });
    // The schedulers outlived their schedules; one reconcile pass removes them.
    expect(await realQueue.getJobScheduler(first.id)).toBeDefined();
    await new Reconciler(t.deps.dataSource, realQueue, t.deps.contentQueue, createLogger('silent', 'test')).reconcile();
    expect(await realQueue.getJobScheduler(first.id)).toBeUndefined();
    expect(await realQueue.getJobScheduler(second.id)).toBeUndefined();
  });

  it('when Redis fails after a schedule delete committed, then 204, logged and counted', async () => {
    const user = newUserId();
    const schedule = await createSchedule(user);
    const before = await failures('remove');
    const res = await withRedisBroken(() => as(user).del(`/schedule/${schedule.id}`));
    expect(res.status).toBe(204);
    expect(await t.deps.dataSource.getRepository(ScheduledJob).findOneBy({ id: schedule.id })).toBeNull();
    expect(await failures('remove')).toBe(before + 1);
    expect(warnings()).toEqual([expect.objectContaining({ schedule_id: schedule.id, operation: 'remove' })]);
  });

  it('when Redis fails after a schedule update committed, then 200 with the new version, logged and counted as an upsert', async () => {
    const user = newUserId();
    const schedule = await createSchedule(user);
    const before = await failures('upsert');
    const res = await withRedisBroken(() => as(user).put(`/schedule/${schedule.id}`, { scheduled_at: inHours(2) }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: schedule.version + 1, status: 'active' });
    expect(await failures('upsert')).toBe(before + 1);
    expect(warnings()).toEqual([expect.objectContaining({ schedule_id: schedule.id, operation: 'upsert' })]);
    // Redis still has the old version's scheduler: the reconciler's to rewrite.
    expect((await realQueue.getJobScheduler(schedule.id))?.template?.data).toEqual({ schedule_id: schedule.id, version: schedule.version });
  });

  /** Whether PostgreSQL records the schedule's scheduler in step with its row (migration 0019). */
  const inStep = async (id: string) => {
    const [row] = await t.deps.dataSource.query<{ in_step: boolean }[]>(
      'SELECT scheduler_change_seq = scheduler_synced_seq AS in_step FROM scheduled_jobs WHERE id = $1',
      [id],
    );
    return row.in_step;
  };

  it('when the writes succeed, then create, edit, pause and resume each leave the schedule recorded in step', async () => {
    const user = newUserId();
    const schedule = await createSchedule(user);
    expect(await inStep(schedule.id)).toBe(true);
    expect((await as(user).put(`/schedule/${schedule.id}`, { scheduled_at: inHours(3) })).status).toBe(200);
    expect(await inStep(schedule.id)).toBe(true);
    expect((await as(user).post(`/schedule/${schedule.id}/pause`)).status).toBe(200);
    expect(await inStep(schedule.id)).toBe(true);
    expect((await as(user).post(`/schedule/${schedule.id}/resume`)).status).toBe(200);
    expect(await inStep(schedule.id)).toBe(true);
  });

  it('when Redis fails after an update committed, then the schedule is recorded out of step, and the next incremental pass rewrites its scheduler', async () => {
    const user = newUserId();
    const schedule = await createSchedule(user);
    const reconciler = new Reconciler(t.deps.dataSource, realQueue, t.deps.contentQueue, createLogger('silent', 'test'));
    await reconciler.reconcile(); // the first pass under this prefix may be a full sweep
    const res = await withRedisBroken(() => as(user).put(`/schedule/${schedule.id}`, { scheduled_at: inHours(2) }));
    expect(res.status).toBe(200);
    expect(await inStep(schedule.id)).toBe(false);
    const report = await reconciler.reconcile();
    expect(report.kind).toBe('incremental');
    expect((await realQueue.getJobScheduler(schedule.id))?.template?.data).toEqual({
      schedule_id: schedule.id,
      version: schedule.version + 1,
    });
    expect(await inStep(schedule.id)).toBe(true);
  });

  it('when Redis fails after a pause committed, then 200 paused, logged and counted as a removal', async () => {
    const user = newUserId();
    const schedule = await createSchedule(user);
    const before = await failures('remove');
    const res = await withRedisBroken(() => as(user).post(`/schedule/${schedule.id}/pause`));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'paused', next_run_at: null });
    expect(await failures('remove')).toBe(before + 1);
    expect(warnings()).toEqual([expect.objectContaining({ schedule_id: schedule.id, operation: 'remove' })]);
  });

  it("when Redis fails after a campaign's new dates expired a schedule, then 200, logged and counted", async () => {
    const user = newUserId();
    const campaign = (await as(user).post('/campaigns', { name: 'shrinking' })).body;
    const schedule = await createSchedule(user, { campaign_id: campaign.id, scheduled_at: inHours(48) });
    const before = await failures('remove');
    const res = await withRedisBroken(() => as(user).put(`/campaigns/${campaign.id}`, { end_date: inHours(24) }));
    expect(res.status).toBe(200);
    expect(await t.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id: schedule.id })).toMatchObject({
      status: 'expired',
      nextRunAt: null,
    });
    expect(await failures('remove')).toBe(before + 1);
    expect(warnings()).toEqual([expect.objectContaining({ schedule_id: schedule.id, operation: 'remove' })]);
  });
});
