import request from 'supertest';
import { Job, JobStatus, ScheduledJob } from '@scheduler/entities';
import {
  createCampaign,
  createTemplate,
  expectProblem,
  expectUnauthorized,
  insertJob,
  insertSchedule,
  JsonObject,
  MISSING_ID,
  newUserId,
  PinnedClock,
  useTemplate,
} from '@scheduler/testkit';
import { JOB_FIELDS, useTestApp } from './helpers';

const BASE = '/api/v1/jobs';

const clock = new PinnedClock();
const testApp = useTestApp({}, { now: clock.now });

afterEach(() => {
  clock.reset();
});

const api = () => request(testApp.app);

/** A Job made the public way: a template use. */
async function createJob(userId: string, template: JsonObject = {}, overrides: JsonObject = {}): Promise<JsonObject> {
  const t = await createTemplate(testApp, userId, { publisher_domain: 'forbes.com', llm_provider: 'anthropic', ...template });
  return useTemplate(testApp, userId, t.id, overrides);
}

/** A Job materialized by a schedule, inserted directly (the schedule API is another feature). */
async function insertScheduledJob(userId: string): Promise<{ schedule: ScheduledJob; job: Job }> {
  const ds = testApp.deps.dataSource;
  const schedule = await insertSchedule(ds, { userId, name: 'Daily', jobConfig: {}, nextRunAt: null });
  const job = await insertJob(ds, {
    userId,
    scheduledJobId: schedule.id,
    scheduledFor: new Date('2030-01-01T09:00:00Z'),
    config: { llm_provider: 'google' },
    llmProvider: 'google',
  });
  return { schedule, job };
}

async function patch(userId: string, id: string, body: unknown): Promise<request.Response> {
  return api()
    .patch(`${BASE}/${id}`)
    .set('Authorization', testApp.auth(userId))
    .send(body as object);
}

async function getJob(userId: string, id: string): Promise<JsonObject> {
  const res = await api().get(`${BASE}/${id}`).set('Authorization', testApp.auth(userId));
  expect(res.status).toBe(200);
  return res.body;
}

/** Drives a fresh Job to `status` through the API. */
async function jobIn(userId: string, status: JobStatus): Promise<JsonObject> {
  // Only the approval gate makes an awaiting Job (approval.test.ts); PATCH cannot.
  if (status === 'awaiting_approval') throw new Error('jobIn cannot make an awaiting_approval Job');
  const job = await createJob(userId);
  const path: Record<Exclude<JobStatus, 'awaiting_approval'>, JobStatus[]> = {
    pending: [],
    running: ['running'],
    completed: ['running', 'completed'],
    failed: ['running', 'failed'],
    cancelled: ['cancelled'],
  };
  let current = job;
  for (const step of path[status]) {
    const res = await patch(userId, job.id, { status: step });
    expect(res.status).toBe(200);
    current = res.body;
  }
  delete current.dequeued; // what a cancel did to the queue is in its PATCH response only (job-cancel-dequeue.test.ts)
  return current;
}

describe('GET /jobs', () => {
  it('lists the user’s Jobs newest first with X-Total-Count', async () => {
    const user = newUserId();
    const first = await createJob(user);
    const second = await createJob(user);
    const third = await createJob(user);
    await createJob(newUserId());

    const res = await api().get(BASE).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('3');
    expect(res.body.map((j: { id: string }) => j.id)).toEqual([third.id, second.id, first.id]);
    expect(Object.keys(res.body[0]).sort()).toEqual(JOB_FIELDS);
  });

  it('paginates with limit and offset', async () => {
    const user = newUserId();
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await createJob(user));
    const res = await api().get(`${BASE}?limit=2&offset=2`).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('5');
    expect(res.body.map((j: { id: string }) => j.id)).toEqual([jobs[2].id, jobs[1].id]);
  });

  it('filters by campaign_id', async () => {
    const user = newUserId();
    const campaignId = (await createCampaign(testApp, user)).id;
    const inCampaign = await createJob(user, { campaign_id: campaignId });
    await createJob(user);
    const res = await api().get(`${BASE}?campaign_id=${campaignId}`).set('Authorization', testApp.auth(user));
    expect(res.body.map((j: { id: string }) => j.id)).toEqual([inCampaign.id]);
    expect(res.headers['x-total-count']).toBe('1');
    expect(res.body[0].campaign_id).toBe(campaignId);
  });

  it('filters by scheduled_job_id', async () => {
    const user = newUserId();
    const { schedule, job } = await insertScheduledJob(user);
    await createJob(user);
    const res = await api().get(`${BASE}?scheduled_job_id=${schedule.id}`).set('Authorization', testApp.auth(user));
    expect(res.body.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect(res.body[0].scheduled_job_id).toBe(schedule.id);
    expect(res.body[0].scheduled_for).toBe('2030-01-01T09:00:00.000Z');
  });

  it('filters by status', async () => {
    const user = newUserId();
    const running = await jobIn(user, 'running');
    await jobIn(user, 'pending');
    const res = await api().get(`${BASE}?status=running`).set('Authorization', testApp.auth(user));
    expect(res.body.map((j: { id: string }) => j.id)).toEqual([running.id]);
    expect(res.headers['x-total-count']).toBe('1');
  });

  it.each([
    ['status=done', 'status'],
    ['campaign_id=abc', 'campaign_id'],
    ['scheduled_job_id=42', 'scheduled_job_id'],
    ['limit=201', 'limit'],
  ])('when the query has %s, then 422 naming it', async (query, field) => {
    const res = await api().get(`${BASE}?${query}`).set('Authorization', testApp.auth(newUserId()));
    expectProblem(res, 422, { fields: [field] });
  });
});

describe('GET /jobs/:id', () => {
  it('returns the Job with exactly the documented fields', async () => {
    const user = newUserId();
    const job = await createJob(user);
    const res = await api().get(`${BASE}/${job.id}`).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(JOB_FIELDS);
    expect(res.body).toEqual(job);
  });

  it("another user's Job, a missing or a malformed id is 404", async () => {
    const owner = newUserId();
    const job = await createJob(owner);
    for (const [user, id] of [
      [newUserId(), job.id],
      [owner, MISSING_ID],
      [owner, 'not-a-uuid'],
    ]) {
      const res = await api().get(`${BASE}/${id}`).set('Authorization', testApp.auth(user));
      expectProblem(res, 404, { detail: 'Job not found' });
    }
  });
});

describe('PATCH /jobs/:id', () => {
  it('pending → running sets started_at (server time) and nothing else of the timestamps', async () => {
    const user = newUserId();
    const job = await createJob(user);
    clock.pin('2031-02-03T04:05:06.007Z');
    const res = await patch(user, job.id, { status: 'running' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...job, status: 'running', started_at: '2031-02-03T04:05:06.007Z', updated_at: res.body.updated_at });
    expect(await getJob(user, job.id)).toEqual(res.body);
  });

  it('running → completed sets completed_at, keeps started_at and records cost_usd', async () => {
    const user = newUserId();
    clock.pin('2031-02-03T04:00:00.000Z');
    const running = await jobIn(user, 'running');
    clock.pin('2031-02-03T04:10:00.000Z');
    const res = await patch(user, running.id, { status: 'completed', cost_usd: 0.1234 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'completed',
      started_at: '2031-02-03T04:00:00.000Z',
      completed_at: '2031-02-03T04:10:00.000Z',
      cost_usd: 0.1234,
    });
    expect(await getJob(user, running.id)).toEqual(res.body);
  });

  it('running → failed records the error message and sets completed_at', async () => {
    const user = newUserId();
    const running = await jobIn(user, 'running');
    const res = await patch(user, running.id, { status: 'failed', error_message: 'LLM quota exceeded' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.error_message).toBe('LLM quota exceeded');
    expect(res.body.completed_at).not.toBeNull();
  });

  it('pending → cancelled sets completed_at but never started_at', async () => {
    const user = newUserId();
    const job = await createJob(user);
    const res = await patch(user, job.id, { status: 'cancelled' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(res.body.started_at).toBeNull();
    expect(res.body.completed_at).not.toBeNull();
  });

  it('reports cost and error without a status change while the Job is not final; null clears error_message', async () => {
    const user = newUserId();
    const running = await jobIn(user, 'running');
    const first = await patch(user, running.id, { cost_usd: 1.5, error_message: 'retrying' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'running', cost_usd: 1.5, error_message: 'retrying', started_at: running.started_at });
    const cleared = await patch(user, running.id, { error_message: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ cost_usd: 1.5, error_message: null });
  });

  it.each([
    ['completed', 'running'],
    ['completed', 'failed'],
    ['failed', 'running'],
    ['cancelled', 'pending'],
    ['pending', 'completed'],
    ['pending', 'failed'],
    ['running', 'pending'],
  ] as Array<[JobStatus, JobStatus]>)('%s → %s is 409 and changes nothing', async (from, to) => {
    const user = newUserId();
    const job = await jobIn(user, from);
    const res = await patch(user, job.id, { status: to });
    expectProblem(res, 409);
    expect(await getJob(user, job.id)).toEqual(job);
  });

  it.each(['pending', 'running', 'completed'] as JobStatus[])('the same status again (%s) is 409', async (status) => {
    const user = newUserId();
    const job = await jobIn(user, status);
    const res = await patch(user, job.id, { status });
    expectProblem(res, 409);
    expect(await getJob(user, job.id)).toEqual(job);
  });

  it('a final Job no longer changes at all, not even its cost', async () => {
    const user = newUserId();
    const done = await jobIn(user, 'completed');
    const res = await patch(user, done.id, { cost_usd: 9 });
    expectProblem(res, 409);
    expect(await getJob(user, done.id)).toEqual(done);
  });

  it('concurrent transitions: of five simultaneous pending → running, exactly one wins', async () => {
    const user = newUserId();
    const job = await createJob(user);
    const results = await Promise.all(Array.from({ length: 5 }, () => patch(user, job.id, { status: 'running' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409]);
  });

  it.each([
    ['cost_usd negative', { cost_usd: -0.01 }, 'cost_usd'],
    ['cost_usd a string', { cost_usd: '1.00' }, 'cost_usd'],
    ['cost_usd null', { cost_usd: null }, 'cost_usd'],
    ['cost_usd with five decimals', { cost_usd: 0.12345 }, 'cost_usd'],
    ['status unknown', { status: 'done' }, 'status'],
    ['status null', { status: null }, 'status'],
    ['error_message not a string', { error_message: 5 }, 'error_message'],
    ['an unknown field', { started_at: '2030-01-01T00:00:00Z' }, 'started_at'],
    ['no field at all', {}, 'body'],
  ])('when %s, then 422 naming the field and the Job is unchanged', async (_label, body, field) => {
    const user = newUserId();
    const job = await jobIn(user, 'running');
    const res = await patch(user, job.id, body);
    expectProblem(res, 422, { fields: [field] });
    expect(await getJob(user, job.id)).toEqual(job);
  });

  it("another user's Job is 404 and unchanged; a malformed id is 404", async () => {
    const owner = newUserId();
    const job = await createJob(owner);
    const res = await patch(newUserId(), job.id, { status: 'running' });
    expectProblem(res, 404, { detail: 'Job not found' });
    expect(await getJob(owner, job.id)).toEqual(job);
    expectProblem(await patch(owner, 'not-a-uuid', { status: 'running' }), 404);
  });
});

describe('without a token', () => {
  it.each([
    ['GET /', () => api().get(BASE)],
    ['GET /:id', () => api().get(`${BASE}/${MISSING_ID}`)],
    ['PATCH /:id', () => api().patch(`${BASE}/${MISSING_ID}`).send({ status: 'running' })],
  ] as Array<[string, () => request.Test]>)('%s is 401 with WWW-Authenticate: Bearer', async (_label, call) => {
    const res = await call();
    expectUnauthorized(res);
  });

  it('a PATCH without a token leaves the Job unchanged', async () => {
    const user = newUserId();
    const job = await createJob(user);
    const res = await api().patch(`${BASE}/${job.id}`).send({ status: 'running' });
    expectProblem(res, 401);
    expect(await getJob(user, job.id)).toEqual(job);
  });
});
