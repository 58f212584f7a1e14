import { Job, JobTemplate } from '@scheduler/entities';
import { apiAs, createTemplate, expectProblem, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * A template use that would make a Job the pipeline cannot run (no `publisher_domain` after the
 * merge: the worker's own check, `jobConfigProblem`) is a 422 naming `publisher_domain`, and
 * writes nothing.
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
});
