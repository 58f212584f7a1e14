import { apiAs, createCampaign, createSchedule, createTemplate, expectProblem, inHours, newUserId, problemOf } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/** The message a 422 gives for one field. */
function messageFor(res: Parameters<typeof problemOf>[0], field: string): string[] {
  return (problemOf(res).errors ?? []).filter((e) => e.field === field).map((e) => e.message as string);
}

describe('a 422 says what is wrong', () => {
  const t = useTestApp();

  describe('when a field has the wrong type, then its one message names the type', () => {
    it.each([
      ['/campaigns', { name: 'c', target_budget_usd: 'abc' }, 'target_budget_usd', 'target_budget_usd must be a number'],
      ['/campaigns', { name: 123 }, 'name', 'name must be a string'],
      ['/campaigns', { name: 'c', tags: 'a' }, 'tags', 'tags must be an array'],
      ['/campaigns', { name: 'c', tags: ['a', 7] }, 'tags', 'each value in tags must be a string'],
      ['/campaigns', { name: 'c', target_job_count: '5' }, 'target_job_count', 'target_job_count must be an integer'],
      ['/campaigns', { name: 'c', target_job_count: 1.5 }, 'target_job_count', 'target_job_count must be an integer'],
      ['/templates', { name: 't', max_retries: '3' }, 'max_retries', 'max_retries must be an integer'],
      ['/templates', { name: 't', is_favorite: 'yes' }, 'is_favorite', 'is_favorite must be a boolean'],
      ['/templates', { name: 't', metadata: [] }, 'metadata', 'metadata must be an object'],
      ['/templates', { name: 't', llm_model: 42 }, 'llm_model', 'llm_model must be a string'],
      ['/schedule', { name: ['x'], schedule_type: 'daily', scheduled_at: inHours(1) }, 'name', 'name must be a string'],
      [
        '/schedule',
        { name: 's', schedule_type: 'daily', scheduled_at: inHours(1), job_config: 'x' },
        'job_config',
        'job_config must be an object',
      ],
    ])('POST %s %j', async (path, body, field, message) => {
      const res = await apiAs(t, newUserId()).post(path, body);
      expectProblem(res, 422, { fields: [field] });
      expect(messageFor(res, field)).toEqual([message]);
    });

    it('when a job_config setting has the wrong type, then it is named inside job_config', async () => {
      const res = await apiAs(t, newUserId()).post('/schedule', {
        name: 's',
        schedule_type: 'daily',
        scheduled_at: inHours(1),
        job_config: { batch_size: 'many' },
      });
      expectProblem(res, 422, { fields: ['job_config.batch_size'] });
      expect(messageFor(res, 'job_config.batch_size')).toEqual(['batch_size must be an integer']);
    });

    it('when the type is right, then the rule broken is still the message', async () => {
      const res = await apiAs(t, newUserId()).post('/campaigns', { name: 'c', target_budget_usd: 1e13 });
      expectProblem(res, 422, { fields: ['target_budget_usd'] });
      expect(messageFor(res, 'target_budget_usd')[0]).toMatch(/must not be greater than/);
    });
  });

  describe('one 422 names every bad field at once', () => {
    it('when a schedule body is empty, then name and schedule_type are both named', async () => {
      const res = await apiAs(t, newUserId()).post('/schedule', {});
      expectProblem(res, 422, { fields: ['name', 'schedule_type'] });
    });

    it('when a schedule has a bad name and a bad rule, then the fields and the rule are named together', async () => {
      const res = await apiAs(t, newUserId()).post('/schedule', {
        name: '',
        schedule_type: 'weekly',
        scheduled_at: 'tomorrow',
        recurrence_pattern: 'weekly:caturday',
        timezone: 'Mars/Olympus_Mons',
        max_runs: 0,
        misfire_grace_seconds: -1,
      });
      expectProblem(res, 422, {
        fields: ['name', 'misfire_grace_seconds', 'scheduled_at', 'recurrence_pattern', 'timezone', 'max_runs'],
      });
    });

    it('when an unknown field and a bad rule are sent, then both are named', async () => {
      const res = await apiAs(t, newUserId()).post('/schedule', { name: 's', shedule_type: 'daily', scheduled_at: inHours(1) });
      expectProblem(res, 422, { fields: ['shedule_type', 'schedule_type'] });
    });

    it('when job_config and another field are bad, then both are named in one 422', async () => {
      const res = await apiAs(t, newUserId()).post('/schedule', {
        name: 7,
        schedule_type: 'daily',
        scheduled_at: inHours(1),
        job_config: { llm_provider: 'skynet', target_url: 'https://example.com/a' },
      });
      expectProblem(res, 422, { fields: ['name', 'job_config.llm_provider'] });
    });

    it('when a preview body has a bad field and a bad rule, then both are named', async () => {
      const res = await apiAs(t, newUserId()).post('/schedule/preview', { name: '', schedule_type: 'hourly' });
      expectProblem(res, 422, { fields: ['name', 'schedule_type'] });
    });

    it('when a schedule update has a bad field and a bad job_config, then both are named', async () => {
      const user = newUserId();
      const schedule = await createSchedule(t, user);
      const res = await apiAs(t, user).put(`/schedule/${schedule.id}`, { description: 5, job_config: { country: 'zzz' } });
      expectProblem(res, 422, { fields: ['description', 'job_config.country'] });
    });

    it('when a campaign has a bad name and its end before its start, then both are named', async () => {
      const res = await apiAs(t, newUserId()).post('/campaigns', {
        name: '',
        start_date: '2027-02-01',
        end_date: '2027-01-01',
      });
      expectProblem(res, 422, { fields: ['name', 'end_date'] });
    });

    it('when a campaign update sends both dates out of order and a bad colour, then both are named', async () => {
      const user = newUserId();
      const campaign = await createCampaign(t, user);
      const res = await apiAs(t, user).put(`/campaigns/${campaign.id}`, {
        color: 'red',
        start_date: '2027-02-01',
        end_date: '2027-01-01',
      });
      expectProblem(res, 422, { fields: ['color', 'end_date'] });
    });

    it('when a campaign update moves the end before the stored start, then the service still refuses it', async () => {
      const user = newUserId();
      const campaign = await createCampaign(t, user, { start_date: '2027-02-01' });
      const res = await apiAs(t, user).put(`/campaigns/${campaign.id}`, { end_date: '2027-01-01' });
      expectProblem(res, 422, { fields: ['end_date'] });
    });

    it('when a template use has several bad overrides, then each is named', async () => {
      const user = newUserId();
      const template = await createTemplate(t, user, { publisher_domain: 'example.com' });
      const res = await apiAs(t, user).post(`/templates/${template.id}/use`, {
        batch_size: 0,
        target_url: 'ftp://x',
        keywords: 'seo',
      });
      expectProblem(res, 422, { fields: ['batch_size', 'target_url', 'keywords'] });
    });
  });
});
