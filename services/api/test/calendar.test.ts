/**
 * `GET /calendar`: the shape of an occurrence, the 422s of its parameters, the filters, every
 * state (future: planned, paused, skipped by the user; past, from inserted runs: materialized,
 * missed, failed, skipped), cursor paging across past and future (pages of 7 concatenated equal
 * one big page), and workspace isolation.
 */
import { ScheduleRun } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, createTemplate, expectProblem, insertJob, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('GET /calendar', () => {
  const t = useTestApp();
  const iso = (ms: number) => new Date(ms).toISOString();

  /** A user with a daily schedule starting in an hour (whole second), and helpers around it. */
  async function setup(body: object = {}) {
    const user = newUserId();
    const first = Math.ceil((Date.now() + HOUR) / 1000) * 1000;
    const schedule = await createSchedule(t, user, { name: 'Daily post', scheduled_at: iso(first), ...body });
    return { user, api: apiAs(t, user), schedule, first, day: (n: number) => iso(first + n * DAY) };
  }
  const window = (from: number, to: number) => `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}`;

  async function insertRun(user: string, scheduleId: string, at: number, fields: Partial<ScheduleRun>) {
    const repo = t.deps.dataSource.getRepository(ScheduleRun);
    await repo.save(
      repo.create({
        scheduledJobId: scheduleId,
        userId: user,
        workspaceId: `user:${user}`,
        occurrenceAt: new Date(at),
        outcome: 'missed',
        ...fields,
      }),
    );
  }

  it('lists each future occurrence with the documented fields: campaign colour, publisher domain, local wall time', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user, { name: 'Spring', color: '#1e88e5' });
    const template = await createTemplate(t, user, { publisher_domain: 'forbes.com' });
    const first = Math.ceil((Date.now() + HOUR) / 1000) * 1000;
    const schedule = await createSchedule(t, user, {
      name: 'Morning',
      scheduled_at: iso(first),
      timezone: 'Europe/Paris',
      campaign_id: campaign.id,
      template_id: template.id,
    });
    const res = await apiAs(t, user).get(`/calendar?${window(first - HOUR, first + 3 * DAY - 1)}`);
    expect(res.status).toBe(200);
    expect(res.body.from).toBe(iso(first - HOUR));
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.occurrences.map((o: { at: string }) => o.at)).toEqual([iso(first), iso(first + DAY), iso(first + 2 * DAY)]);
    const o = res.body.occurrences[0];
    expect(Object.keys(o).sort()).toEqual(
      [
        'schedule_id',
        'schedule_name',
        'campaign',
        'publisher_domain',
        'at',
        'local',
        'timezone',
        'dst_adjusted',
        'state',
        'job_id',
        'job_status',
        'reason',
      ].sort(),
    );
    expect(o).toMatchObject({
      schedule_id: schedule.id,
      schedule_name: 'Morning',
      campaign: { id: campaign.id, name: 'Spring', color: '#1E88E5' },
      publisher_domain: 'forbes.com',
      timezone: 'Europe/Paris',
      dst_adjusted: false,
      state: 'planned',
      job_id: null,
      job_status: null,
      reason: null,
    });
    // The wall time in Paris with its offset names the same instant.
    expect(new Date(o.local).getTime()).toBe(first);
    expect(o.local).toMatch(/[+-]0[12]:00$/);
  });

  it('refuses bad parameters with a 422 naming each, and writes nothing', async () => {
    const { api } = await setup();
    const now = Date.now();
    expectProblem(await api.get('/calendar'), 422, { fields: ['from', 'to'] });
    expectProblem(await api.get(`/calendar?from=${encodeURIComponent(iso(now))}`), 422, { fields: ['to'] });
    expectProblem(await api.get(`/calendar?${window(now, now)}`), 422, { fields: ['to'] });
    expectProblem(await api.get(`/calendar?${window(now, now - DAY)}`), 422, { fields: ['to'] });
    expectProblem(await api.get(`/calendar?${window(now, now + 367 * DAY)}`), 422, { fields: ['to'] });
    expect((await api.get(`/calendar?${window(now, now + 366 * DAY)}&limit=1`)).status).toBe(200);
    expectProblem(await api.get(`/calendar?${window(now, now + DAY)}&state=done`), 422, { fields: ['state'] });
    expectProblem(await api.get(`/calendar?${window(now, now + DAY)}&limit=0`), 422, { fields: ['limit'] });
    expectProblem(await api.get(`/calendar?${window(now, now + DAY)}&limit=5001`), 422, { fields: ['limit'] });
    expectProblem(await api.get(`/calendar?${window(now, now + DAY)}&cursor=nonsense!`), 422, { fields: ['cursor'] });
    expectProblem(await api.get(`/calendar?${window(now, now + DAY)}&campaign_id=x`), 422, { fields: ['campaign_id'] });
    expectProblem(await api.get(`/calendar?${window(now, now + DAY)}&from_date=x`), 422, { fields: ['from_date'] });
    expectProblem(await api.get(`/calendar?from=2026-01-01T00:00:00&to=2026-01-02T00:00:00Z`), 422, { fields: ['from'] });
  });

  it('a cursor only continues the calendar it was made for (other filters or window: 422)', async () => {
    const { api, first } = await setup();
    const q = window(first - HOUR, first + 10 * DAY);
    const page = await api.get(`/calendar?${q}&limit=2`);
    expect(page.status).toBe(200);
    const cursor = page.body.next_cursor as string;
    expect(typeof cursor).toBe('string');
    expect((await api.get(`/calendar?${q}&limit=2&cursor=${cursor}`)).status).toBe(200);
    expectProblem(await api.get(`/calendar?${q}&state=planned&cursor=${cursor}`), 422, { fields: ['cursor'] });
    expectProblem(await api.get(`/calendar?${window(first - HOUR, first + 11 * DAY)}&cursor=${cursor}`), 422, { fields: ['cursor'] });
  });

  it('shows a paused schedule as paused and a user skip as skipped, with reasons', async () => {
    const { api, schedule, day, first } = await setup();
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(1) })).status).toBe(200);
    const q = `/calendar?${window(first - HOUR, first + 3 * DAY - 1)}`;
    const states = (await api.get(q)).body.occurrences.map((o: { at: string; state: string; reason: string | null }) => [
      o.at,
      o.state,
      o.reason,
    ]);
    expect(states).toEqual([
      [day(0), 'planned', null],
      [day(1), 'skipped', 'skipped'],
      [day(2), 'planned', null],
    ]);
    expect((await api.post(`/schedule/${schedule.id}/pause`)).status).toBe(200);
    const paused = (await api.get(q)).body.occurrences.map((o: { state: string; reason: string | null }) => [o.state, o.reason]);
    expect(paused).toEqual([
      ['paused', 'schedule paused'],
      ['skipped', 'skipped'],
      ['paused', 'schedule paused'],
    ]);
  });

  it('shows the past from run history: materialized with its Job and status, missed, failed, skipped; filters by state', async () => {
    const { user, api, schedule, first } = await setup();
    const job = await insertJob(t.deps.dataSource, { userId: user, scheduledJobId: schedule.id, status: 'completed' });
    const past = (n: number) => first - HOUR - n * DAY;
    await insertRun(user, schedule.id, past(4), { outcome: 'materialized', jobId: job.id });
    await insertRun(user, schedule.id, past(3), { outcome: 'missed', reason: 'processed 900s late, grace is 300s' });
    await insertRun(user, schedule.id, past(2), { outcome: 'failed', error: 'the merged job config has no publisher_domain' });
    await insertRun(user, schedule.id, past(1), { outcome: 'skipped', reason: 'skipped' });
    const res = await api.get(`/calendar?${window(past(5), first + DAY + 1)}`);
    expect(res.status).toBe(200);
    const rows = res.body.occurrences.map(
      (o: { at: string; state: string; job_id: string | null; job_status: string | null; reason: string | null }) => [
        o.at,
        o.state,
        o.job_id,
        o.job_status,
        o.reason,
      ],
    );
    expect(rows).toEqual([
      [iso(past(4)), 'materialized', job.id, 'completed', null],
      [iso(past(3)), 'missed', null, null, 'processed 900s late, grace is 300s'],
      [iso(past(2)), 'failed', null, null, 'the merged job config has no publisher_domain'],
      [iso(past(1)), 'skipped', null, null, 'skipped'],
      [iso(first), 'planned', null, null, null],
      [iso(first + DAY), 'planned', null, null, null],
    ]);
    const missed = await api.get(`/calendar?${window(past(5), first + DAY + 1)}&state=missed`);
    expect(missed.body.occurrences.map((o: { at: string }) => o.at)).toEqual([iso(past(3))]);
    const skipped = await api.get(`/calendar?${window(past(5), first + DAY + 1)}&state=skipped`);
    expect(skipped.body.occurrences.map((o: { at: string }) => o.at)).toEqual([iso(past(1))]);
    const planned = await api.get(`/calendar?${window(past(5), first + DAY + 1)}&state=planned`);
    expect(planned.body.occurrences.map((o: { at: string }) => o.at)).toEqual([iso(first), iso(first + DAY)]);
  });

  it("filters by campaign and publisher domain (SQL), and another workspace's campaign gives an empty calendar", async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await createCampaign(t, user);
    const first = Math.ceil((Date.now() + HOUR) / 1000) * 1000;
    const inCampaign = await createSchedule(t, user, {
      name: 'in',
      scheduled_at: iso(first),
      campaign_id: campaign.id,
      job_config: { publisher_domain: 'a.example.com' },
    });
    const other = await createSchedule(t, user, {
      name: 'out',
      scheduled_at: iso(first + 60_000),
      job_config: { publisher_domain: 'b.example.com' },
    });
    const q = `/calendar?${window(first - HOUR, first + DAY - 1)}`;
    const ids = async (extra: string) =>
      (await api.get(`${q}${extra}`)).body.occurrences.map((o: { schedule_id: string }) => o.schedule_id);
    expect(await ids('')).toEqual([inCampaign.id, other.id]);
    expect(await ids(`&campaign_id=${campaign.id}`)).toEqual([inCampaign.id]);
    expect(await ids('&publisher_domain=B.example.com')).toEqual([other.id]);
    expect(await ids('&publisher_domain=c.example.com')).toEqual([]);

    const stranger = newUserId();
    const strangerApi = apiAs(t, stranger);
    await createSchedule(t, stranger, { scheduled_at: iso(first) });
    const theirs = await strangerApi.get(`${q}&campaign_id=${campaign.id}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.occurrences).toEqual([]);
    const all = (await strangerApi.get(q)).body.occurrences.map((o: { schedule_id: string }) => o.schedule_id);
    expect(all).not.toContain(inCampaign.id);
    expect(all).not.toContain(other.id);
    expect(all).toHaveLength(1);
  });

  it('pages of 7 concatenated equal one big page, across past runs and future occurrences of several schedules', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    // Two hours ahead: the cron's start (an hour before `first`) stays in the future however slow
    // the first two creates are on a loaded machine.
    const first = Math.ceil((Date.now() + 2 * HOUR) / 1000) * 1000;
    const schedules = [];
    for (const [i, body] of [
      { schedule_type: 'daily' },
      { schedule_type: 'weekly' },
      { schedule_type: 'cron', recurrence_pattern: '0 */6 * * *', scheduled_at: iso(first - HOUR) },
    ].entries()) {
      schedules.push(await createSchedule(t, user, { name: `s${i}`, scheduled_at: iso(first + i * 1000), ...body }));
    }
    for (let n = 1; n <= 5; n++) await insertRun(user, schedules[n % 3].id, first - n * 7 * HOUR, { outcome: 'missed', reason: 'x' });
    // Two occurrences at the same instant: ties are ordered by schedule id.
    await insertRun(user, schedules[0].id, first - 3 * HOUR, { outcome: 'missed' });
    await insertRun(user, schedules[1].id, first - 3 * HOUR, { outcome: 'missed' });
    const q = `/calendar?${window(first - 2 * DAY, first + 9 * DAY)}`;
    const whole = await api.get(`${q}&limit=5000`);
    expect(whole.status).toBe(200);
    expect(whole.body.next_cursor).toBeNull();
    const all = whole.body.occurrences;
    expect(all.length).toBeGreaterThan(40);
    const pages: unknown[] = [];
    let cursor: string | null = null;
    let count = 0;
    do {
      const res = await api.get(`${q}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.occurrences.length).toBeLessThanOrEqual(7);
      pages.push(...res.body.occurrences);
      cursor = res.body.next_cursor;
      count += 1;
    } while (cursor && count < 100);
    expect(pages).toEqual(all);
    expect(count).toBe(Math.ceil(all.length / 7));
    const sorted = [...all].sort((a, b) => a.at.localeCompare(b.at) || a.schedule_id.localeCompare(b.schedule_id));
    expect(all).toEqual(sorted);
  });
});
