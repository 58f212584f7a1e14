/**
 * `GET /runs`: the caller's run history across schedules, newest first, filtered by outcome,
 * an occurrence range, a schedule or a campaign; paginated with X-Total-Count; another user's
 * runs never appear.
 */
import { ScheduleRun, type RunOutcome } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, DAY, expectProblem, fieldsOf, inHours, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

describe('GET /runs: run history across schedules', () => {
  const t = useTestApp();
  const user = newUserId();
  const other = newUserId();
  const api = () => apiAs(t, user);
  const base = Date.parse('2026-11-02T09:00:00Z');
  const at = (days: number) => new Date(base + days * DAY);
  const s = { inCampaign: '', plain: '', foreign: '' };
  let campaignId = '';

  beforeAll(async () => {
    campaignId = (await createCampaign(t, user, { name: 'C' })).id;
    s.inCampaign = (await createSchedule(t, user, { name: 'Daily Forbes', campaign_id: campaignId, scheduled_at: inHours(1) })).id;
    s.plain = (await createSchedule(t, user, { name: 'Weekly plain', scheduled_at: inHours(2) })).id;
    s.foreign = (await createSchedule(t, other, { name: 'Not yours', scheduled_at: inHours(1) })).id;
    const runs = t.deps.dataSource.getRepository(ScheduleRun);
    const row = (scheduledJobId: string, userId: string, days: number, outcome: RunOutcome, extra: Partial<ScheduleRun> = {}) =>
      runs.create({ scheduledJobId, userId, workspaceId: `user:${userId}`, occurrenceAt: at(days), outcome, ...extra });
    await runs.save([
      row(s.inCampaign, user, 0, 'missed'),
      row(s.inCampaign, user, 1, 'skipped', { reason: 'campaign paused' }),
      row(s.inCampaign, user, 2, 'failed', { error: 'no publisher_domain' }),
      row(s.plain, user, 1.5, 'missed'),
      row(s.plain, user, 3, 'missed'),
      row(s.foreign, other, 1, 'missed'),
      row(s.foreign, other, 2.5, 'missed'),
    ]);
  });

  const occurrences = (res: { body: { occurrence_at: string }[] }) => res.body.map((r) => r.occurrence_at);

  it("when listed, then every run of the caller's schedules comes newest first, with its schedule and the run fields", async () => {
    const res = await api().get('/runs');
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('5');
    expect(occurrences(res)).toEqual([3, 2, 1.5, 1, 0].map((d) => at(d).toISOString()));
    expect(res.body[1]).toEqual({
      schedule_id: s.inCampaign,
      schedule_name: 'Daily Forbes',
      occurrence_at: at(2).toISOString(),
      outcome: 'failed',
      job_id: null,
      reason: null,
      error: 'no publisher_domain',
      trigger: 'schedule',
      processed_at: expect.any(String),
    });
    expect(res.text).not.toContain(s.foreign);
  });

  it('when filtered by outcome and a [from, to) window, then only those runs ("what did not happen this week")', async () => {
    const res = await api().get(`/runs?outcome=missed&from=${at(0).toISOString()}&to=${at(3).toISOString()}`);
    expect(occurrences(res)).toEqual([at(1.5).toISOString(), at(0).toISOString()]);
    expect(res.headers['x-total-count']).toBe('2');
    expect(occurrences(await api().get(`/runs?from=${at(2).toISOString()}`))).toEqual([at(3), at(2)].map((d) => d.toISOString()));
    expect(occurrences(await api().get(`/runs?to=${at(1).toISOString()}`))).toEqual([at(0).toISOString()]);
  });

  it('when filtered by schedule_id or campaign_id, then only runs of that schedule or of the schedules of that campaign', async () => {
    expect((await api().get(`/runs?schedule_id=${s.plain}`)).body.map((r: { schedule_id: string }) => r.schedule_id)).toEqual([
      s.plain,
      s.plain,
    ]);
    const inCampaign = await api().get(`/runs?campaign_id=${campaignId}`);
    expect(inCampaign.headers['x-total-count']).toBe('3');
    expect(new Set(inCampaign.body.map((r: { schedule_id: string }) => r.schedule_id))).toEqual(new Set([s.inCampaign]));
    expect((await api().get(`/runs?campaign_id=${campaignId}&schedule_id=${s.plain}`)).body).toEqual([]);
    expect((await api().get(`/runs?campaign_id=${campaignId}&schedule_id=${s.inCampaign.toUpperCase()}`)).body).toHaveLength(3);
  });

  it('when paged, then limit and offset walk the same order and X-Total-Count is the whole', async () => {
    const first = await api().get('/runs?limit=2');
    const second = await api().get('/runs?limit=2&offset=2');
    expect(first.headers['x-total-count']).toBe('5');
    expect([...occurrences(first), ...occurrences(second)]).toEqual(occurrences(await api().get('/runs?limit=4')));
  });

  it("when another user's schedule or campaign is named, then nothing of theirs is listed", async () => {
    for (const path of [`/runs?schedule_id=${s.foreign}`, '/runs?outcome=missed']) {
      const res = await apiAs(t, newUserId()).get(path);
      expect([res.status, res.body, res.headers['x-total-count']]).toEqual([200, [], '0']);
    }
    expect((await apiAs(t, other).get(`/runs?campaign_id=${campaignId}`)).body).toEqual([]);
  });

  it('when a parameter is bad, or from is after to, then a 422 names it', async () => {
    const bad = await api().get('/runs?outcome=lost&from=2026-11-02&schedule_id=x');
    expectProblem(bad, 422);
    expect(fieldsOf(bad).sort()).toEqual(['from', 'outcome', 'schedule_id']);
    const reversed = await api().get(`/runs?from=${at(3).toISOString()}&to=${at(1).toISOString()}`);
    expectProblem(reversed, 422);
    expect(fieldsOf(reversed)).toEqual(['from']);
  });
});
