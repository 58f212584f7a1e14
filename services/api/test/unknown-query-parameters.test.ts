import { apiAs, createCampaign, expectProblem, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/** Every operation refuses a query parameter it does not declare, also one that declares none. */
describe('query parameters an operation does not take', () => {
  const t = useTestApp();

  it('when a route without parameters gets one, then it is a 422 naming it, and nothing changes', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user, { name: 'kept' });
    const api = apiAs(t, user);
    expectProblem(await api.get(`/campaigns/${campaign.id as string}?verbose=1`), 422, { fields: ['verbose'] });
    expectProblem(await api.get('/schedule/status?x=1'), 422, { fields: ['x'] });
    expectProblem(await api.delete(`/campaigns/${campaign.id as string}?force=true`), 422, { fields: ['force'] });
    const still = await api.get(`/campaigns/${campaign.id as string}`);
    expect(still.status).toBe(200);
    expect(still.body.name).toBe('kept');
  });

  it('when a route without parameters gets none, then it answers as before', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user);
    expect((await apiAs(t, user).get(`/campaigns/${campaign.id as string}`)).status).toBe(200);
  });
});
