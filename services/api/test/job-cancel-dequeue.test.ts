/**
 * A Job cancelled with `PATCH /jobs/{id}` leaves the `content-jobs` queue when no pipeline has
 * taken it (waiting or delayed), after the commit, and the response says whether it did
 * (`dequeued`); a Job a pipeline holds stays where it is.
 */
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONTENT_JOB_NAME, CONTENT_JOBS_QUEUE, createRedis } from '@scheduler/queue';
import { apiAs, createTemplate, insertJob, newUserId, TEST_REDIS_URL, useTemplate } from '@scheduler/testkit';
import { useTestApp } from './helpers';

describe('PATCH /jobs/{id} to cancelled takes the Job off the content queue', () => {
  const t = useTestApp();
  const user = newUserId();
  const api = () => apiAs(t, user);
  let templateId = '';
  let redis: Redis;
  let pipeline: Worker;

  beforeAll(async () => {
    templateId = (await createTemplate(t, user, { name: 'T', publisher_domain: 'forbes.com' })).id;
    redis = createRedis(TEST_REDIS_URL, 'worker');
    // A content pipeline that takes Jobs only when told to (no processor, no polling).
    pipeline = new Worker(CONTENT_JOBS_QUEUE, null, { connection: redis, prefix: t.config.queuePrefix, autorun: false });
  });
  afterAll(async () => {
    await pipeline.close();
    await redis.quit();
  });

  const stateOf = async (jobId: string) => (await t.deps.contentQueue.getJob(jobId))?.getState() ?? 'gone';

  it('when the Job is waiting on content-jobs, then it is removed and the response says dequeued: true', async () => {
    const job = await useTemplate(t, user, templateId);
    expect(await stateOf(job.id)).toBe('waiting');
    const res = await api().patch(`/jobs/${job.id}`, { status: 'cancelled' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: job.id, status: 'cancelled', dequeued: true });
    expect(await stateOf(job.id)).toBe('gone');
    expect((await api().get(`/jobs/${job.id}`)).body.status).toBe('cancelled');
  });

  it('when the Job is delayed on content-jobs, then it is removed too', async () => {
    const row = await insertJob(t.deps.dataSource, { userId: user });
    await t.deps.contentQueue.add(
      CONTENT_JOB_NAME,
      { job_id: row.id, user_id: user, workspace_id: `user:${user}`, scheduled_job_id: null, campaign_id: null },
      { jobId: row.id, delay: 60_000 },
    );
    expect(await stateOf(row.id)).toBe('delayed');
    const res = await api().patch(`/jobs/${row.id}`, { status: 'cancelled' });
    expect(res.body).toMatchObject({ status: 'cancelled', dequeued: true });
    expect(await stateOf(row.id)).toBe('gone');
  });

  it('when a pipeline has taken the Job (active), then it is left alone and the response says dequeued: false', async () => {
    const job = await useTemplate(t, user, templateId);
    const taken = await pipeline.getNextJob('pipeline-token');
    expect(taken?.id).toBe(job.id);
    expect(await stateOf(job.id)).toBe('active');
    const running = await api().patch(`/jobs/${job.id}`, { status: 'running' });
    expect(running.body).not.toHaveProperty('dequeued');
    const res = await api().patch(`/jobs/${job.id}`, { status: 'cancelled' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', dequeued: false });
    expect(await stateOf(job.id)).toBe('active');
  });

  it('when the Job is not on the queue, then the cancel still succeeds with dequeued: false', async () => {
    const row = await insertJob(t.deps.dataSource, { userId: user });
    const res = await api().patch(`/jobs/${row.id}`, { status: 'cancelled' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', dequeued: false });
  });

  it('when a report does not cancel the Job, then the response has no dequeued field and the queue is untouched', async () => {
    const job = await useTemplate(t, user, templateId);
    const res = await api().patch(`/jobs/${job.id}`, { cost_usd: 0.5 });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('dequeued');
    expect(await stateOf(job.id)).toBe('waiting');
  });

  it('when the cancel is refused (409), then the queue is untouched', async () => {
    const job = await useTemplate(t, user, templateId);
    expect((await api().patch(`/jobs/${job.id}`, { status: 'cancelled' })).body.dequeued).toBe(true);
    await t.deps.contentQueue.add(
      CONTENT_JOB_NAME,
      { job_id: job.id, user_id: user, workspace_id: `user:${user}`, scheduled_job_id: null, campaign_id: null },
      { jobId: job.id },
    );
    expect((await api().patch(`/jobs/${job.id}`, { status: 'cancelled' })).status).toBe(409);
    expect(await stateOf(job.id)).toBe('waiting');
  });
});
