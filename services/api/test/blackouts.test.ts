/**
 * Blackouts (`/blackouts`, PRODUCT.md Part 2): CRUD with partial PUT and If-Match, every 422
 * naming its field (nothing written), another workspace's campaign 404, the per-workspace cap;
 * and what they do to schedules at once: `next_run_at`, previews and campaign `upcoming_runs`
 * move on create (skip: the covered run is gone; shift: it runs the first day after, named by
 * the blackout) and come back on delete or on a date change, for the campaign's schedules only
 * or the whole workspace's; a shifted next run has its delayed occurrence job in Redis.
 */
import { Blackout, ScheduledJob } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, expectProblem, newUserId, PinnedClock, type JsonObject } from '@scheduler/testkit';
import { MAX_BLACKOUTS_PER_WORKSPACE } from '../src/blackouts/blackout.dto';
import { useTestApp } from './helpers';

const DAY = 86_400_000;
const dateOf = (iso: string | number | Date) => new Date(iso).toISOString().slice(0, 10);

describe('blackouts', () => {
  const t = useTestApp();
  const blackoutRows = (workspace: string) => t.deps.dataSource.getRepository(Blackout).countBy({ workspaceId: workspace });
  const scheduleRow = (id: string) => t.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id });

  /** A user, their api, and a schedule whose first run is in an hour (at a whole second). */
  async function setUp(body: JsonObject = {}) {
    const user = newUserId();
    const first = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const schedule = await createSchedule(t, user, { scheduled_at: first.toISOString(), ...body });
    return { user, api: apiAs(t, user), schedule, first, day: (n: number) => new Date(first.getTime() + n * DAY).toISOString() };
  }

  const blackout = (first: Date, extra: JsonObject = {}) => ({
    name: 'Holiday',
    start_date: dateOf(first),
    end_date: dateOf(first),
    timezone: 'UTC',
    policy: 'skip',
    ...extra,
  });

  it('when a blackout is created, read, listed, changed and deleted, then each answers with its shape, ETag and status', async () => {
    const { user, api, first } = await setUp();
    const created = await api.post(
      '/blackouts',
      blackout(first, { timezone: 'europe/berlin', start_date: '2099-12-24', end_date: '2099-12-26' }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Holiday',
      start_date: '2099-12-24',
      end_date: '2099-12-26',
      timezone: 'Europe/Berlin',
      campaign_id: null,
      policy: 'skip',
      user_id: user,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id as string;
    const got = await api.get(`/blackouts/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    const etag = got.headers.etag;
    expect(etag).toMatch(/^"/);

    const list = await api.get('/blackouts?active_on=2099-12-25');
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('1');
    expect(list.body.map((b: JsonObject) => b.id)).toEqual([id]);
    expect((await api.get('/blackouts?active_on=2099-12-27')).body).toEqual([]);

    // Only the fields sent change; a stale If-Match is a 412 that changes nothing.
    const renamed = await api.put(`/blackouts/${id}`, { name: 'Christmas' }).set('If-Match', etag);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...created.body, name: 'Christmas', updated_at: expect.any(String) });
    const stale = await api.put(`/blackouts/${id}`, { policy: 'shift' }).set('If-Match', etag);
    expectProblem(stale, 412);
    expect((await api.get(`/blackouts/${id}`)).body.policy).toBe('skip');
    expectProblem(await api.delete(`/blackouts/${id}`).set('If-Match', etag), 412);

    expect((await api.delete(`/blackouts/${id}`).set('If-Match', renamed.headers.etag)).status).toBe(204);
    expectProblem(await api.get(`/blackouts/${id}`), 404);
    expect((await api.get('/blackouts')).body).toEqual([]);
  });

  it.each<[string, string, JsonObject]>([
    ['no name', 'name', { name: undefined }],
    ['an empty name', 'name', { name: '' }],
    ['a name of 256 characters', 'name', { name: 'x'.repeat(256) }],
    ['a start_date that is no calendar date', 'start_date', { start_date: '2026-02-30' }],
    ['a start_date with a time', 'start_date', { start_date: '2026-02-03T00:00:00Z' }],
    ['an end_date that is a number', 'end_date', { end_date: 20260203 }],
    ['an end_date before start_date', 'end_date', { start_date: '2026-03-02', end_date: '2026-03-01' }],
    ['a span of 367 days', 'end_date', { start_date: '2026-01-01', end_date: '2027-01-02' }],
    ['an unknown zone', 'timezone', { timezone: 'Mars/Olympus' }],
    ['no zone', 'timezone', { timezone: undefined }],
    ['an unknown policy', 'policy', { policy: 'pause' }],
    ['a campaign_id that is no UUID', 'campaign_id', { campaign_id: 'abc' }],
    ['an unknown field', 'reason', { reason: 'x' }],
  ])('when the body has %s, then 422 naming %s and nothing is written', async (_label, field, patch) => {
    const { user, api, first } = await setUp();
    const body: JsonObject = { ...blackout(first), ...patch };
    for (const k of Object.keys(patch)) if (patch[k] === undefined) delete body[k];
    const res = await api.post('/blackouts', body);
    expectProblem(res, 422, { fieldsInclude: [field] });
    expect(await blackoutRows(`user:${user}`)).toBe(0);
  });

  it('when a span of exactly 366 days is sent, then it is taken; a PUT that makes the stored span too long is a 422', async () => {
    const { api, first } = await setUp();
    const res = await api.post('/blackouts', blackout(first, { start_date: '2099-01-01', end_date: '2100-01-01' }));
    expect(res.status).toBe(201);
    const longer = await api.put(`/blackouts/${res.body.id}`, { end_date: '2100-01-02' });
    expectProblem(longer, 422, { fields: ['end_date'] });
    const before = await api.put(`/blackouts/${res.body.id}`, { end_date: '2098-12-31' });
    expectProblem(before, 422, { fields: ['end_date'] });
    expect((await api.get(`/blackouts/${res.body.id}`)).body.end_date).toBe('2100-01-01');
  });

  it('when a query parameter is unknown or active_on is no date, then 422 naming it', async () => {
    const { api } = await setUp();
    expectProblem(await api.get('/blackouts?from=2026-01-01'), 422, { fields: ['from'] });
    expectProblem(await api.get('/blackouts?active_on=2026-02-30'), 422, { fields: ['active_on'] });
  });

  it("when campaign_id names another workspace's campaign, then 404 and nothing is written", async () => {
    const { user, api, first } = await setUp();
    const other = await createCampaign(t, newUserId());
    expectProblem(await api.post('/blackouts', blackout(first, { campaign_id: other.id })), 404);
    const mine = await api.post('/blackouts', blackout(first, { start_date: '2099-01-01', end_date: '2099-01-01' }));
    expectProblem(await api.put(`/blackouts/${mine.body.id}`, { campaign_id: other.id }), 404);
    expect((await api.get(`/blackouts/${mine.body.id}`)).body.campaign_id).toBeNull();
    expect(await blackoutRows(`user:${user}`)).toBe(1);
  });

  it(`when the workspace already has ${MAX_BLACKOUTS_PER_WORKSPACE} blackouts, then a create is a 409 naming the cap`, async () => {
    const { user, api, first } = await setUp();
    await t.deps.dataSource.query(
      `INSERT INTO blackouts (user_id, workspace_id, name, start_date, end_date, timezone, policy)
       SELECT $1, 'user:' || $1, 'b' || n, '2099-01-01', '2099-01-01', 'UTC', 'skip' FROM generate_series(1, $2) AS n`,
      [user, MAX_BLACKOUTS_PER_WORKSPACE],
    );
    const res = await api.post('/blackouts', blackout(first));
    expectProblem(res, 409, { detail: new RegExp(`at most ${MAX_BLACKOUTS_PER_WORKSPACE} blackouts`) });
    expect(await blackoutRows(`user:${user}`)).toBe(MAX_BLACKOUTS_PER_WORKSPACE);
  });

  it('when a skip blackout covers the next run, then next_run_at, the version and the preview move at once, and come back on delete', async () => {
    const { api, schedule, first, day } = await setUp();
    expect(schedule.next_run_at).toBe(day(0));
    const res = await api.post('/blackouts', blackout(first));
    expect(res.status).toBe(201);
    const moved = (await api.get(`/schedule/${schedule.id}`)).body;
    expect(moved.next_run_at).toBe(day(1));
    expect(moved.version).toBe(schedule.version + 1);
    const scheduler = await t.deps.occurrenceQueues.of(schedule.id).getJobScheduler(schedule.id);
    expect(scheduler?.template?.data).toEqual({ schedule_id: schedule.id, version: schedule.version + 1 });
    const preview = await api.get(`/schedule/${schedule.id}/preview?count=2`);
    expect(preview.body.occurrences).toEqual([
      { at: day(1), local: expect.any(String), dst_adjusted: false },
      { at: day(2), local: expect.any(String), dst_adjusted: false },
    ]);
    expect((await api.delete(`/blackouts/${res.body.id}`)).status).toBe(204);
    const back = (await api.get(`/schedule/${schedule.id}`)).body;
    expect(back.next_run_at).toBe(day(0));
    expect(back.version).toBe(schedule.version + 2);
  });

  it('when a shift blackout covers a weekly run, then it runs the next day: next_run_at, the preview entry naming the blackout, and its delayed job', async () => {
    const { api, schedule, first, day } = await setUp({ schedule_type: 'weekly' });
    const res = await api.post('/blackouts', blackout(first, { name: 'Freeze', policy: 'shift' }));
    expect(res.status).toBe(201);
    expect((await scheduleRow(schedule.id)).nextRunAt?.toISOString()).toBe(day(1));
    const preview = await api.get(`/schedule/${schedule.id}/preview?count=2`);
    expect(preview.body.occurrences).toEqual([
      { at: day(1), local: expect.any(String), dst_adjusted: false, blackout: 'Freeze', shifted_from: day(0) },
      { at: day(7), local: expect.any(String), dst_adjusted: false },
    ]);
    // The scheduler only fires the rule's own instants: the shifted run has its delayed job.
    const job = await t.deps.occurrenceQueues.all[0].getJob(`repeat:${schedule.id}:${new Date(day(1)).getTime()}`);
    expect(job?.data).toEqual({ schedule_id: schedule.id, version: schedule.version + 1, occurrence_at: day(1), shifted: true });
    expect(await job?.getState()).toBe('delayed');
    // Moved off the covered day by a PUT: the run is back where the rule has it.
    const put = await api.put(`/blackouts/${res.body.id}`, {
      start_date: dateOf(first.getTime() + 2 * DAY),
      end_date: dateOf(first.getTime() + 2 * DAY),
    });
    expect(put.status).toBe(200);
    expect((await api.get(`/schedule/${schedule.id}`)).body.next_run_at).toBe(day(0));
  });

  it('when a shift blackout covers a daily run, then the shifted run is one run with the next day’s own', async () => {
    const { api, schedule, first, day } = await setUp();
    await api.post('/blackouts', blackout(first, { policy: 'shift' }));
    expect((await api.get(`/schedule/${schedule.id}`)).body.next_run_at).toBe(day(1));
    const preview = await api.get(`/schedule/${schedule.id}/preview?count=2`);
    expect(preview.body.occurrences.map((o: JsonObject) => o.at)).toEqual([day(1), day(2)]);
    expect(await t.deps.occurrenceQueues.all[0].getJob(`repeat:${schedule.id}:${new Date(day(1)).getTime()}`)).toBeUndefined();
  });

  it("when a blackout names a campaign, then only that campaign's schedules move; one without a campaign moves them all", async () => {
    const { user, api, schedule: loose, first, day } = await setUp();
    const campaign = await createCampaign(t, user);
    const inCampaign = await createSchedule(t, user, { scheduled_at: first.toISOString(), campaign_id: campaign.id });
    const scoped = await api.post('/blackouts', blackout(first, { campaign_id: campaign.id }));
    expect(scoped.status).toBe(201);
    expect((await api.get(`/schedule/${inCampaign.id}`)).body.next_run_at).toBe(day(1));
    expect((await api.get(`/schedule/${loose.id}`)).body.next_run_at).toBe(day(0));
    expect((await api.get(`/blackouts?campaign_id=${campaign.id}`)).body.map((b: JsonObject) => b.id)).toEqual([scoped.body.id]);

    // Made workspace-wide by a PUT: the other schedule moves too; deleted: both come back.
    expect((await api.put(`/blackouts/${scoped.body.id}`, { campaign_id: null })).status).toBe(200);
    expect((await api.get(`/schedule/${loose.id}`)).body.next_run_at).toBe(day(1));
    expect((await api.get(`/schedule/${inCampaign.id}`)).body.next_run_at).toBe(day(1));
    expect((await api.delete(`/blackouts/${scoped.body.id}`)).status).toBe(204);
    expect((await api.get(`/schedule/${loose.id}`)).body.next_run_at).toBe(day(0));
    expect((await api.get(`/schedule/${inCampaign.id}`)).body.next_run_at).toBe(day(0));
  });

  it("when a shift blackout covers a campaign's weekly run, then the campaign's upcoming_runs names it on the moved run", async () => {
    const { user, api, first, day } = await setUp({ schedule_type: 'once' });
    const campaign = await createCampaign(t, user);
    const weekly = await createSchedule(t, user, { scheduled_at: first.toISOString(), campaign_id: campaign.id, schedule_type: 'weekly' });
    await api.post('/blackouts', blackout(first, { name: 'Offsite', policy: 'shift', campaign_id: campaign.id }));
    const stats = await api.get(`/campaigns/${campaign.id}/stats`);
    expect(stats.body.upcoming_runs.slice(0, 2)).toEqual([
      { scheduled_job_id: weekly.id, name: 'schedule', run_at: day(1), blackout: 'Offsite' },
      { scheduled_job_id: weekly.id, name: 'schedule', run_at: day(7) },
    ]);
  });

  it('when a schedule is created or previewed while a blackout covers its first run, then next_run_at and the body preview apply it', async () => {
    const { api, first, day } = await setUp();
    await api.post(
      '/blackouts',
      blackout(first, { start_date: dateOf(first.getTime() + 2 * DAY), end_date: dateOf(first.getTime() + 2 * DAY) }),
    );
    const body = { name: 'later', schedule_type: 'daily', scheduled_at: day(2) };
    const created = await api.post('/schedule', body);
    expect(created.status).toBe(201);
    expect(created.body.next_run_at).toBe(day(3));
    const preview = await api.post('/schedule/preview?count=2', body);
    expect(preview.body.occurrences.map((o: JsonObject) => o.at)).toEqual([day(3), day(4)]);
    // A `once` whose only run a skip blackout covers has no run: 422.
    const once = await api.post('/schedule', { name: 'once', schedule_type: 'once', scheduled_at: day(2) });
    expectProblem(once, 422, { fields: ['scheduled_at'] });
  });
});

describe('blackouts: a run shifted out of a blackout that has ended', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  afterEach(() => clock.reset());

  it('when the schedule is edited after the shift blackout ended but before its shifted run, then next_run_at keeps the shifted run', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const first = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const day = (n: number) => new Date(first.getTime() + n * DAY);
    const schedule = await createSchedule(t, user, { scheduled_at: first.toISOString(), schedule_type: 'weekly' });
    // Day 0 shifts; days 1..4 are skipped, so the shifted run lands on day 5.
    await api.post('/blackouts', { name: 'Shift', start_date: dateOf(day(0)), end_date: dateOf(day(0)), timezone: 'UTC', policy: 'shift' });
    await api.post('/blackouts', { name: 'Skip', start_date: dateOf(day(1)), end_date: dateOf(day(4)), timezone: 'UTC', policy: 'skip' });
    expect((await api.get(`/schedule/${schedule.id}`)).body.next_run_at).toBe(day(5).toISOString());
    // Four days on, the shift blackout ended more than two days ago; an edit recomputes next_run_at.
    clock.pin(day(4));
    const edited = await api.put(`/schedule/${schedule.id}`, { job_config: { publisher_domain: 'example.com' } });
    expect(edited.status).toBe(200);
    expect(edited.body.next_run_at).toBe(day(5).toISOString());
    const preview = await api.get(`/schedule/${schedule.id}/preview?count=1`);
    expect(preview.body.occurrences).toEqual([
      { at: day(5).toISOString(), local: expect.any(String), dst_adjusted: false, blackout: 'Shift', shifted_from: day(0).toISOString() },
    ]);
  });
});
