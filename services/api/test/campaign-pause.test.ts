import request from 'supertest';
import { apiAs, expectProblem, newUserId, PinnedClock } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * `POST /campaigns/{id}/pause {reason?, resume_at?}` and `POST /campaigns/{id}/resume`: the
 * campaign's status with its pause fields, its schedules held and given back, the runs the pause
 * held recorded `skipped` with its reason on resume; the same change as `PUT` with `status`.
 */
describe('campaign pause and resume', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin('2030-01-01T08:00:00Z'));
  afterEach(() => clock.reset());

  const campaignOf = async (user: string, body: object = {}) => {
    const res = await apiAs(t, user).post('/campaigns', { name: 'c', ...body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const dailyIn = async (user: string, campaignId: string) => {
    const res = await apiAs(t, user).post('/schedule', {
      name: 'daily',
      campaign_id: campaignId,
      schedule_type: 'daily',
      scheduled_at: '2030-01-01T09:00:00Z',
      timezone: 'UTC',
      job_config: { publisher_domain: 'forbes.com' },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const runsOf = async (scheduleId: string) =>
    (
      await t.deps.dataSource.query<{ at: Date; outcome: string; reason: string | null }[]>(
        'SELECT occurrence_at AS at, outcome, reason FROM schedule_runs WHERE scheduled_job_id = $1 ORDER BY occurrence_at',
        [scheduleId],
      )
    ).map((r) => [r.at.toISOString(), r.outcome, r.reason]);
  const campaignRow = async (id: string) =>
    (
      await t.deps.dataSource.query<{ status: string; paused_reason: string | null; resume_at: Date | null; updated_at: Date }[]>(
        'SELECT status, paused_reason, resume_at, updated_at FROM campaigns WHERE id = $1',
        [id],
      )
    )[0];
  /** The daily 09:00 UTC occurrences from Jan 1 2030 up to `until` (inclusive). */
  const dailyRunsUntil = (until: string) => {
    const runs: string[] = [];
    for (let at = Date.parse('2030-01-01T09:00:00Z'); at <= Date.parse(until); at += 86_400_000) runs.push(new Date(at).toISOString());
    return runs;
  };

  it('when paused with a reason and resume_at, then 200 with them, its schedule is held, and the resume records the held runs skipped with the reason', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);

    const paused = await api.post(`/campaigns/${campaign}/pause`, { reason: 'brand review', resume_at: '2030-02-01T00:00:00Z' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', paused_reason: 'brand review', resume_at: '2030-02-01T00:00:00.000Z' });
    expect((await api.get(`/campaigns/${campaign}`)).body).toMatchObject({ paused_reason: 'brand review' });
    expect((await api.get(`/schedule/${schedule}`)).body).toMatchObject({
      status: 'active',
      next_run_at: null,
      not_running_reason: 'campaign_paused',
    });
    expect(await t.deps.occurrenceQueues.of(schedule).getJobScheduler(schedule)).toBeUndefined();

    clock.pin('2030-01-03T10:00:00Z');
    const resumed = await api.post(`/campaigns/${campaign}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'active', paused_reason: null, resume_at: null });
    expect((await api.get(`/schedule/${schedule}`)).body).toMatchObject({ status: 'active', next_run_at: '2030-01-04T09:00:00.000Z' });
    expect(await t.deps.occurrenceQueues.of(schedule).getJobScheduler(schedule)).toBeDefined();
    expect(await runsOf(schedule)).toEqual(
      dailyRunsUntil('2030-01-03T10:00:00Z').map((at) => [at, 'skipped', 'campaign paused: brand review']),
    );
  });

  it('when a paused campaign is paused again, then its reason and resume_at are replaced (left out: null)', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await campaignOf(user);
    await api.post(`/campaigns/${campaign}/pause`, { reason: 'first', resume_at: '2030-01-05T00:00:00Z' }).expect(200);
    const again = await api.post(`/campaigns/${campaign}/pause`, { reason: 'second' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'paused', paused_reason: 'second', resume_at: null });
    const bare = await request(t.app).post(`/api/v1/campaigns/${campaign}/pause`).set('Authorization', t.auth(user));
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ status: 'paused', paused_reason: null, resume_at: null });
  });

  it('when PUT sets the status, then it is the same change: held runs skipped with `campaign paused`, and active clears the pause fields', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    await api.post(`/campaigns/${campaign}/pause`, { resume_at: '2030-03-01T00:00:00Z' }).expect(200);
    // PUT paused on a paused campaign keeps its pause.
    expect((await api.put(`/campaigns/${campaign}`, { status: 'paused' })).body).toMatchObject({ resume_at: '2030-03-01T00:00:00.000Z' });
    clock.pin('2030-01-02T12:00:00Z');
    const put = await api.put(`/campaigns/${campaign}`, { status: 'active' });
    expect(put.body).toMatchObject({ status: 'active', paused_reason: null, resume_at: null });
    expect(await runsOf(schedule)).toEqual(dailyRunsUntil('2030-01-02T12:00:00Z').map((at) => [at, 'skipped', 'campaign paused']));
    expect((await api.get(`/schedule/${schedule}`)).body.next_run_at).toBe('2030-01-03T09:00:00.000Z');
  });

  it('when the campaign is not paused, then resume is 409; a completed or archived one cannot be paused (409); nothing changes', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await campaignOf(user);
    expectProblem(await api.post(`/campaigns/${campaign}/resume`), 409);
    for (const status of ['completed', 'archived']) {
      const closed = await campaignOf(user, { status });
      const before = await campaignRow(closed);
      expectProblem(await api.post(`/campaigns/${closed}/pause`, { reason: 'x' }), 409);
      expect(await campaignRow(closed)).toEqual(before);
      expectProblem(await api.post(`/campaigns/${closed}/resume`), 409);
    }
  });

  it.each([
    ['a past resume_at', { resume_at: '2029-12-31T23:00:00Z' }, ['resume_at']],
    ['resume_at now', { resume_at: '2030-01-01T08:00:00Z' }, ['resume_at']],
    ['resume_at at the end date', { resume_at: '2030-06-01T00:00:00Z' }, ['resume_at']],
    ['resume_at not a date', { resume_at: 'tomorrow' }, ['resume_at']],
    ['resume_at a number', { resume_at: 1893484800000 }, ['resume_at']],
    ['reason a number', { reason: 5 }, ['reason']],
    ['reason empty', { reason: '' }, ['reason']],
    ['reason too long', { reason: '€'.repeat(501) }, ['reason']],
    ['an unknown field', { why: 'x' }, ['why']],
  ])('when the pause has %s, then 422 naming the field and nothing is written', async (_what, body, fields) => {
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await campaignOf(user, { end_date: '2030-06-01T00:00:00Z' });
    const schedule = await dailyIn(user, campaign);
    const before = await campaignRow(campaign);
    expectProblem(await api.post(`/campaigns/${campaign}/pause`, body), 422, { fields });
    expect(await campaignRow(campaign)).toEqual(before);
    expect((await api.get(`/schedule/${schedule}`)).body.next_run_at).toBe('2030-01-01T09:00:00.000Z');
  });

  it('when the longest reason (500 code points) is sent, then it is kept', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const res = await apiAs(t, user).post(`/campaigns/${campaign}/pause`, { reason: '€'.repeat(500) });
    expect(res.status).toBe(200);
    expect(res.body.paused_reason).toBe('€'.repeat(500));
  });

  it('when the resume takes a body, then 422 and it stays paused', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await campaignOf(user);
    await api.post(`/campaigns/${campaign}/pause`).expect(200);
    expectProblem(await api.post(`/campaigns/${campaign}/resume`, { now: true }), 422, { fields: ['now'] });
    expect((await campaignRow(campaign)).status).toBe('paused');
  });

  it('when If-Match is stale, then pause and resume are 412 and change nothing; with the current tag they go through', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const auth = t.auth(user);
    const read = await request(t.app).get(`/api/v1/campaigns/${campaign}`).set('Authorization', auth);
    const tag = read.headers.etag;
    await apiAs(t, user).put(`/campaigns/${campaign}`, { name: 'renamed' }).expect(200);
    const stale = await request(t.app).post(`/api/v1/campaigns/${campaign}/pause`).set('Authorization', auth).set('If-Match', tag).send({});
    expectProblem(stale, 412);
    expect((await campaignRow(campaign)).status).toBe('active');

    const fresh = (await request(t.app).get(`/api/v1/campaigns/${campaign}`).set('Authorization', auth)).headers.etag;
    const paused = await request(t.app)
      .post(`/api/v1/campaigns/${campaign}/pause`)
      .set('Authorization', auth)
      .set('If-Match', fresh)
      .send({});
    expect(paused.status).toBe(200);
    expectProblem(await request(t.app).post(`/api/v1/campaigns/${campaign}/resume`).set('Authorization', auth).set('If-Match', fresh), 412);
    expect((await campaignRow(campaign)).status).toBe('paused');
    const resumed = await request(t.app)
      .post(`/api/v1/campaigns/${campaign}/resume`)
      .set('Authorization', auth)
      .set('If-Match', paused.headers.etag);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('active');
  });

  it('when another workspace pauses or resumes the campaign, then 404 and nothing changes', async () => {
    const owner = newUserId();
    const campaign = await campaignOf(owner);
    const other = apiAs(t, newUserId());
    expectProblem(await other.post(`/campaigns/${campaign}/pause`, { reason: 'stolen' }), 404);
    expect(await campaignRow(campaign)).toMatchObject({ status: 'active', paused_reason: null });
    await apiAs(t, owner).post(`/campaigns/${campaign}/pause`).expect(200);
    expectProblem(await other.post(`/campaigns/${campaign}/resume`), 404);
    expect((await campaignRow(campaign)).status).toBe('paused');
  });
});
