import { ScheduledJob } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, expectProblem, inHours, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * A completed or archived campaign has stopped its schedules for good: a schedule created in it,
 * or moved into it by PUT, is a 409 naming the campaign's status, and nothing is written.
 */
describe('schedules in a completed or archived campaign', () => {
  const t = useTestApp();
  const body = { name: 's', schedule_type: 'daily', scheduled_at: inHours(1), job_config: { publisher_domain: 'forbes.com' } };

  it.each(['completed', 'archived'])('when a schedule is created in a %s campaign, then it is a 409 naming the status', async (status) => {
    const user = newUserId();
    const campaign = await createCampaign(t, user, { status });
    const res = await apiAs(t, user).post('/schedule', { ...body, campaign_id: campaign.id });
    expectProblem(res, 409, { detail: new RegExp(`campaign is ${status}`) });
    expect(await t.deps.dataSource.getRepository(ScheduledJob).countBy({ userId: user })).toBe(0);
  });

  it.each(['completed', 'archived'])(
    'when a schedule is moved by PUT into a %s campaign, then it is a 409 and stays as it was',
    async (status) => {
      const user = newUserId();
      const campaign = await createCampaign(t, user, { status });
      const schedule = await createSchedule(t, user, body);
      const res = await apiAs(t, user).put(`/schedule/${schedule.id}`, { campaign_id: campaign.id });
      expectProblem(res, 409, { detail: new RegExp(`campaign is ${status}`) });
      expect((await apiAs(t, user).get(`/schedule/${schedule.id}`)).body).toMatchObject({
        campaign_id: null,
        status: 'active',
        version: schedule.version,
      });
    },
  );

  it('when a schedule already in a campaign that was completed is renamed, then the rename is accepted', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user);
    const schedule = await createSchedule(t, user, { ...body, campaign_id: campaign.id });
    await apiAs(t, user).put(`/campaigns/${campaign.id}`, { status: 'completed' });
    const res = await apiAs(t, user).put(`/schedule/${schedule.id}`, { name: 'renamed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'renamed', status: 'expired' });
  });
});
