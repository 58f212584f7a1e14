import { parseSchedule, type RecurrenceRule } from '@scheduler/recurrence';
import { apiAs, newUserId, PinnedClock, type UserApi } from '@scheduler/testkit';
import { countRuns, plannedRuns } from '../src/campaigns/campaign-forecast';
import { useTestApp } from './helpers';

describe('counting the runs of a forecast', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const ruleOf = (input: Record<string, unknown>): RecurrenceRule => {
    const parsed = parseSchedule({ timezone: 'UTC', ...input } as never, { now: new Date('2029-12-31T00:00:00Z') });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.rule;
  };

  it('when a schedule has more runs than one expansion yields, then they are all counted and max_runs still holds', () => {
    const everyMinute = ruleOf({ schedule_type: 'cron', recurrence_pattern: '* * * * *', scheduled_at: '2030-01-01T00:01:00Z' });
    // Every minute from 00:01 on Jan 1 to before 00:00 100 days later: 144,000 - 1.
    const to = new Date(now.getTime() + 100 * 86_400_000);
    let n = 0;
    for (const _ of plannedRuns({ rule: everyMinute }, now, to)) n += 1;
    expect(n).toBe(100 * 24 * 60 - 1);
    expect(countRuns([{ rule: everyMinute, maxRuns: 120_000, runCount: 0 }], now, to, null).count).toBe(120_000);
  });

  it('when several schedules run, then the needed-th run is the needed-th of their runs in time order', () => {
    const inputs = [9, 13, 17].map((hour, i) => ({
      rule: ruleOf({ schedule_type: 'daily', scheduled_at: `2030-01-0${i + 1}T${String(hour).padStart(2, '0')}:00:00Z` }),
      maxRuns: 5 + i,
    }));
    const all: number[] = [];
    inputs.forEach(({ maxRuns }, i) => {
      const hour = [9, 13, 17][i];
      for (let d = 0; d < maxRuns; d++) all.push(Date.UTC(2030, 0, 1 + i + d, hour));
    });
    all.sort((a, b) => a - b);
    const to = new Date('2031-01-01T00:00:00Z');
    for (const needed of [1, 7, all.length]) {
      expect(countRuns(inputs, now, to, needed)).toEqual({ count: all.length, reachedAt: new Date(all[needed - 1]), capped: false });
    }
    expect(countRuns(inputs, now, to, all.length + 1).reachedAt).toBeNull();
  });
});

/**
 * The forecast of `GET /campaigns/{id}/stats`: Jobs so far plus the runs the campaign's active
 * schedules will still make up to its end date (recurrence, max_runs, skips and the campaign's
 * pause with resume_at applied; a paused schedule makes none), the run that reaches the target,
 * and the spend at the mean cost of the completed Jobs. The expected figures are derived here
 * from the rules, day by day.
 */
describe('campaign forecast', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin('2030-01-01T08:00:00Z'));
  afterEach(() => clock.reset());

  const DAY = 86_400_000;
  const END = '2030-01-11T00:00:00Z';
  /** Daily instants at `hour`:00 UTC from Jan 1 2030 while before `end`, minus `skip`, after `after`, at most `max`. */
  const daily = (hour: number, opts: { skip?: string[]; after?: string; max?: number } = {}) => {
    const runs: number[] = [];
    const after = opts.after ? Date.parse(opts.after) : -Infinity;
    for (let at = Date.parse(`2030-01-01T${String(hour).padStart(2, '0')}:00:00Z`); at < Date.parse(END); at += DAY) {
      if (at <= after || (opts.skip ?? []).includes(new Date(at).toISOString())) continue;
      if (opts.max !== undefined && runs.length >= opts.max) break;
      runs.push(at);
    }
    return runs;
  };

  const schedule = async (api: UserApi, campaignId: string, hour: number, extra: object = {}) => {
    const res = await api.post('/schedule', {
      name: `daily ${hour}`,
      campaign_id: campaignId,
      schedule_type: 'daily',
      scheduled_at: `2030-01-01T${String(hour).padStart(2, '0')}:00:00Z`,
      timezone: 'UTC',
      job_config: { publisher_domain: 'forbes.com' },
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** A Job of the campaign (a template use), completed with `cost` when one is given. */
  const job = async (api: UserApi, templateId: string, cost?: number) => {
    const used = await api.post(`/templates/${templateId}/use`, { target_url: 'https://forbes.com/a' });
    expect(used.status).toBe(201);
    if (cost !== undefined) {
      await api.patch(`/jobs/${used.body.id}`, { status: 'running' }).expect(200);
      await api.patch(`/jobs/${used.body.id}`, { status: 'completed', cost_usd: cost }).expect(200);
    }
    return used.body as { id: string; created_at: string };
  };
  const forecast = async (api: UserApi, campaignId: string) => {
    const res = await api.get(`/campaigns/${campaignId}/stats`);
    expect(res.status).toBe(200);
    return res.body.forecast as Record<string, unknown>;
  };

  /** Two daily schedules (09:00 with a skip, 12:00 with max_runs 4), a paused one, and three Jobs (two completed). */
  const setUp = async (campaignBody: object = { end_date: END }) => {
    const user = newUserId();
    const api = apiAs(t, user);
    const created = await api.post('/campaigns', { name: 'forecast', ...campaignBody });
    expect(created.status).toBe(201);
    const campaign = created.body.id as string;
    const morning = await schedule(api, campaign, 9);
    await api.post(`/schedule/${morning}/skip`, { occurrence_at: '2030-01-03T09:00:00.000Z' }).expect(200);
    await schedule(api, campaign, 12, { max_runs: 4 });
    const paused = await schedule(api, campaign, 15);
    await api.post(`/schedule/${paused}/pause`).expect(200);
    const template = await api.post('/templates', { name: 'tpl', campaign_id: campaign, publisher_domain: 'forbes.com' });
    expect(template.status).toBe(201);
    const jobs = [await job(api, template.body.id, 1.5), await job(api, template.body.id, 2.5), await job(api, template.body.id)];
    return { api, campaign, jobs };
  };

  it('when the plan runs to the end date, then the projection counts every run left, the spend is at the mean cost, and a target above it is not met', async () => {
    const { api, campaign } = await setUp({ end_date: END, target_job_count: 20 });
    const runs = [...daily(9, { skip: ['2030-01-03T09:00:00.000Z'] }), ...daily(12, { max: 4 })];
    const projected = 3 + runs.length;
    expect(runs.length).toBe(13); // 9 mornings (10 days, one skipped) + 4 noons
    expect(await forecast(api, campaign)).toEqual({
      projected_jobs_by_end_date: projected,
      will_meet_target: false,
      projected_target_date: null,
      projected_spend_usd: projected * ((1.5 + 2.5) / 2),
    });
  });

  it('when the target is within the plan, then it is met and the target date is the run that reaches it', async () => {
    const { api, campaign } = await setUp({ end_date: END, target_job_count: 10 });
    const runs = [...daily(9, { skip: ['2030-01-03T09:00:00.000Z'] }), ...daily(12, { max: 4 })].sort((a, b) => a - b);
    const f = await forecast(api, campaign);
    expect(f).toMatchObject({ projected_jobs_by_end_date: 3 + runs.length, will_meet_target: true });
    // 3 Jobs so far: the 7th run reaches 10.
    expect(f.projected_target_date).toBe(new Date(runs[10 - 3 - 1]).toISOString());
  });

  it('when the target is reached already, then the target date is when the Job that reached it was made', async () => {
    const { api, campaign, jobs } = await setUp({ end_date: END, target_job_count: 2 });
    const f = await forecast(api, campaign);
    expect(f).toMatchObject({ will_meet_target: true, projected_target_date: new Date(jobs[1].created_at).toISOString() });
  });

  it('when the campaign is paused until a resume_at, then only the runs from it on count, and max_runs counts from there', async () => {
    const { api, campaign } = await setUp({ end_date: END, target_job_count: 100 });
    const resumeAt = '2030-01-05T08:00:00Z';
    await api.post(`/campaigns/${campaign}/pause`, { resume_at: resumeAt }).expect(200);
    const runs = [...daily(9, { after: resumeAt }), ...daily(12, { after: resumeAt, max: 4 })];
    expect(await forecast(api, campaign)).toMatchObject({ projected_jobs_by_end_date: 3 + runs.length, will_meet_target: false });

    // Paused without a resume_at: nothing more will run.
    await api.post(`/campaigns/${campaign}/pause`).expect(200);
    expect(await forecast(api, campaign)).toMatchObject({ projected_jobs_by_end_date: 3 });
  });

  it('when time has passed, then only the runs after now count', async () => {
    const { api, campaign } = await setUp({ end_date: END });
    clock.pin('2030-01-06T10:00:00Z');
    const runs = daily(9, { after: '2030-01-06T10:00:00Z' });
    // The noon schedule's 4 runs are all before now (no worker ran them here: its run_count is 0, so
    // its expansion from now still has 4 runs left).
    const noon = daily(12, { after: '2030-01-06T10:00:00Z', max: 4 });
    expect((await forecast(api, campaign)).projected_jobs_by_end_date).toBe(3 + runs.length + noon.length);
  });

  it('without an end date, then the by-end-date figures are null while the target date is still found', async () => {
    const { api, campaign } = await setUp({ target_job_count: 5 });
    const runs = [...daily(9, { skip: ['2030-01-03T09:00:00.000Z'] }), ...daily(12, { max: 4 })].sort((a, b) => a - b);
    expect(await forecast(api, campaign)).toEqual({
      projected_jobs_by_end_date: null,
      will_meet_target: null,
      projected_target_date: new Date(runs[5 - 3 - 1]).toISOString(),
      projected_spend_usd: null,
    });
  });

  it('without Jobs, a target or schedules, then the spend, target figures are null and the projection is 0', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const created = await api.post('/campaigns', { name: 'empty', end_date: END });
    expect(await forecast(api, created.body.id)).toEqual({
      projected_jobs_by_end_date: 0,
      will_meet_target: null,
      projected_target_date: null,
      projected_spend_usd: null,
    });
  });
});
