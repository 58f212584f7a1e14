import { apiAs, createCampaign, createSchedule, createTemplate, expectProblem, inHours, newUserId } from '@scheduler/testkit';
import { requestContractErrors } from './contract';
import { useTestApp } from './helpers';

const BLANK_NAMES = ['   ', '\u200b', '\t\n', '\u00a0\u3000', '\u200d\ufeff\u2060'];
const schedule = { schedule_type: 'daily', scheduled_at: inHours(1) };

describe('the API refuses nonsense it used to accept', () => {
  const t = useTestApp();

  describe('names of only spaces or invisible characters', () => {
    it.each(BLANK_NAMES)('when a campaign, template or schedule is created as %j, then 422 names name', async (name) => {
      const api = apiAs(t, newUserId());
      expectProblem(await api.post('/campaigns', { name }), 422, { fields: ['name'] });
      expectProblem(await api.post('/templates', { name }), 422, { fields: ['name'] });
      expectProblem(await api.post('/schedule', { name, ...schedule }), 422, { fields: ['name'] });
    });

    it('when a name is renamed to blank, then 422, and the old name stays', async () => {
      const user = newUserId();
      const api = apiAs(t, user);
      const campaign = await createCampaign(t, user, { name: 'Kept' });
      const template = await createTemplate(t, user, { name: 'Kept' });
      const made = await createSchedule(t, user, { name: 'Kept' });
      expectProblem(await api.put(`/campaigns/${campaign.id}`, { name: ' \u200b ' }), 422, { fields: ['name'] });
      expectProblem(await api.put(`/templates/${template.id}`, { name: ' \u200b ' }), 422, { fields: ['name'] });
      expectProblem(await api.put(`/schedule/${made.id}`, { name: ' \u200b ' }), 422, { fields: ['name'] });
      expect((await api.get(`/campaigns/${campaign.id}`)).body.name).toBe('Kept');
      expect((await api.get(`/schedule/${made.id}`)).body.name).toBe('Kept');
    });

    it('when a name has visible text among spaces, then it is kept as sent', async () => {
      const res = await apiAs(t, newUserId()).post('/campaigns', { name: ' \u200bQ1 ' });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe(' \u200bQ1 ');
    });

    it('the document refuses blank names too', () => {
      expect(requestContractErrors('POST', '/api/v1/campaigns', { name: '\u200b ' })).not.toEqual([]);
      expect(requestContractErrors('POST', '/api/v1/templates', { name: '   ' })).not.toEqual([]);
      expect(requestContractErrors('POST', '/api/v1/campaigns', { name: ' x ' })).toEqual([]);
    });
  });

  describe('languages and countries that do not exist', () => {
    it.each([
      [{ language: 'klingon' }, 'language'],
      [{ language: 'xx' }, 'language'],
      [{ language: 'und' }, 'language'],
      [{ language: 'en-ZZ' }, 'language'],
      [{ language: 'en-Abcd' }, 'language'],
      [{ country: 'zz' }, 'country'],
      [{ country: 'ZZ' }, 'country'],
      [{ country: 'AA' }, 'country'],
      [{ country: 'EU' }, 'country'],
      [{ country: 'YU' }, 'country'],
      [{ country: 'su' }, 'country'],
    ])('when a template is created with %j, then 422 names it', async (fields, field) => {
      const res = await apiAs(t, newUserId()).post('/templates', { name: 't', ...fields });
      expectProblem(res, 422, { fields: [field] });
    });

    it.each([
      { language: 'en', country: 'US' },
      { language: 'en-GB', country: 'gb' },
      { language: 'zh-Hant-TW', country: 'TW' },
      { language: 'es-419', country: 'mx' },
      { language: 'pt-BR', country: 'Br' },
      { language: 'tlh', country: 'XK' },
      { language: 'en-GB', country: 'uk' },
    ])('when a template names a real language and country %j, then they are stored as sent', async (fields) => {
      const res = await apiAs(t, newUserId()).post('/templates', { name: 't', ...fields });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject(fields);
    });

    it('when job_config or a template use names them, then the same rules apply', async () => {
      const user = newUserId();
      const api = apiAs(t, user);
      const bad = { language: 'klingon', country: 'zz' };
      expectProblem(await api.post('/schedule', { name: 's', ...schedule, job_config: bad }), 422, {
        fields: ['job_config.language', 'job_config.country'],
      });
      const template = await createTemplate(t, user, { publisher_domain: 'example.com' });
      expectProblem(await api.post(`/templates/${template.id}/use`, bad), 422, { fields: ['language', 'country'] });
    });
  });

  describe('duplicate tags', () => {
    it('when a campaign or template repeats a tag, then 422 names tags and the tag', async () => {
      const user = newUserId();
      const api = apiAs(t, user);
      for (const path of ['/campaigns', '/templates']) {
        const res = await api.post(path, { name: 'x', tags: ['a', 'b', 'a'] });
        expectProblem(res, 422, { fields: ['tags'] });
        expect(res.body.errors[0].message).toContain('"a"');
      }
      const campaign = await createCampaign(t, user, { tags: ['a'] });
      expectProblem(await api.put(`/campaigns/${campaign.id}`, { tags: ['q', 'q'] }), 422, { fields: ['tags'] });
      expect((await api.get(`/campaigns/${campaign.id}`)).body.tags).toEqual(['a']);
    });

    it('when tags differ only in case, then they are distinct', async () => {
      const res = await apiAs(t, newUserId()).post('/campaigns', { name: 'x', tags: ['a', 'A'] });
      expect(res.status).toBe(201);
    });

    it('the document says the tags are unique', () => {
      expect(requestContractErrors('POST', '/api/v1/campaigns', { name: 'x', tags: ['a', 'a'] })).not.toEqual([]);
      expect(requestContractErrors('POST', '/api/v1/templates', { name: 'x', tags: ['a', 'a'] })).not.toEqual([]);
    });
  });

  describe('time zones in another case', () => {
    it('when a schedule names america/new_york, then it is stored as America/New_York', async () => {
      const user = newUserId();
      const made = await createSchedule(t, user, { timezone: 'america/new_york', scheduled_at: '2027-03-14T09:00:00' });
      expect(made.timezone).toBe('America/New_York');
      expect(made.scheduled_at).toBe('2027-03-14T13:00:00.000Z');
      const updated = await apiAs(t, user).put(`/schedule/${made.id}`, { timezone: 'EUROPE/STOCKHOLM' });
      expect(updated.body.timezone).toBe('Europe/Stockholm');
      const preview = await apiAs(t, user).post('/schedule/preview', {
        name: 'p',
        schedule_type: 'daily',
        scheduled_at: inHours(1),
        timezone: 'utc',
      });
      expect(preview.body.timezone).toBe('UTC');
    });
  });

  describe('query parameters', () => {
    it.each([
      ['/campaigns?stauts=active', 'stauts'],
      ['/templates?favourites_only=true', 'favourites_only'],
      ['/schedule?status_filter=active&upcoming=true', 'upcoming'],
      ['/schedule/upcoming?hour=3', 'hour'],
      ['/jobs?page=2', 'page'],
    ])('when a list gets an unknown parameter (%s), then 422 names it', async (path, field) => {
      expectProblem(await apiAs(t, newUserId()).get(path), 422, { fields: [field] });
    });

    it('when an alias contradicts its parameter, then 422 names the alias', async () => {
      const api = apiAs(t, newUserId());
      expectProblem(await api.get('/campaigns?status=active&status_filter=paused'), 422, { fields: ['status_filter'] });
      expectProblem(await api.get('/schedule?status_filter=active&status=paused'), 422, { fields: ['status'] });
    });

    it('when an alias agrees with its parameter, or is used alone, then the list answers', async () => {
      const api = apiAs(t, newUserId());
      expect((await api.get('/campaigns?status=active&status_filter=active')).status).toBe(200);
      expect((await api.get('/campaigns?status_filter=paused&limit=5&offset=0')).status).toBe(200);
      expect((await api.get('/schedule?status=active')).status).toBe(200);
    });
  });
});
