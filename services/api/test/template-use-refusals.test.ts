import { Job, JobTemplate } from '@scheduler/entities';
import { apiAs, createCampaign, createTemplate, expectProblem, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * A template use that would make a Job the pipeline cannot run (no `publisher_domain` after the
 * merge: the worker's own check, `jobConfigProblem`) is a 422 naming `publisher_domain`; one in a
 * completed or archived campaign is a 409 naming its status. Neither writes anything.
 */
describe('refused template uses', () => {
  const t = useTestApp();

  const nothingWritten = async (userId: string, templateId: string) => {
    expect(await t.deps.dataSource.getRepository(Job).countBy({ userId })).toBe(0);
    expect(await t.deps.dataSource.getRepository(JobTemplate).findOneByOrFail({ id: templateId })).toMatchObject({
      useCount: 0,
      lastUsedAt: null,
    });
  };

  it('when the template has no publisher_domain and the body sets none, then the use is a 422 naming publisher_domain and writes nothing', async () => {
    const user = newUserId();
    const template = await createTemplate(t, user, { publisher_domain: null });
    const res = await apiAs(t, user).post(`/templates/${template.id}/use`, { target_url: 'https://example.com/a' });
    expectProblem(res, 422, { fields: ['publisher_domain'] });
    await nothingWritten(user, template.id as string);
  });

  it('when the body clears the publisher_domain with null, then the use is a 422 naming publisher_domain and writes nothing', async () => {
    const user = newUserId();
    const template = await createTemplate(t, user, { publisher_domain: 'forbes.com' });
    const res = await apiAs(t, user).post(`/templates/${template.id}/use`, { publisher_domain: null });
    expectProblem(res, 422, { fields: ['publisher_domain'] });
    await nothingWritten(user, template.id as string);
  });

  it('when the body sets the publisher_domain a template lacks, then the use creates the Job', async () => {
    const user = newUserId();
    const template = await createTemplate(t, user, { publisher_domain: null });
    const res = await apiAs(t, user).post(`/templates/${template.id}/use`, { publisher_domain: 'forbes.com' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ publisher_domain: 'forbes.com', scheduled_job_id: null, scheduled_job_name: null });
  });

  it.each(['completed', 'archived'])(
    'when the template’s campaign is %s, then the use is a 409 naming the status and writes nothing',
    async (status) => {
      const user = newUserId();
      const campaign = await createCampaign(t, user);
      const template = await createTemplate(t, user, { campaign_id: campaign.id });
      expect((await apiAs(t, user).put(`/campaigns/${campaign.id}`, { status })).status).toBe(200);
      const res = await apiAs(t, user).post(`/templates/${template.id}/use`);
      expectProblem(res, 409, { detail: new RegExp(`campaign is ${status}`) });
      await nothingWritten(user, template.id as string);
    },
  );

  it('when the template’s campaign is paused, then a use (a manual action) still creates the Job', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user, { status: 'paused' });
    const template = await createTemplate(t, user, { campaign_id: campaign.id });
    expect((await apiAs(t, user).post(`/templates/${template.id}/use`)).status).toBe(201);
  });
});
