import request from 'supertest';
import { Job, JobTemplate, ScheduledJob, ScheduledJobStatus } from '@scheduler/entities';
import {
  createCampaign as createCampaignVia,
  createTemplate as createTemplateVia,
  DAY,
  expectProblem,
  expectUnauthorized,
  insertSchedule as insertScheduleRow,
  JsonObject,
  MISSING_ID,
  newUserId,
  PinnedClock,
} from '@scheduler/testkit';
import { JOB_FIELDS, useTestApp } from './helpers';

const BASE = '/api/v1/templates';

const TEMPLATE_FIELDS = [
  'id',
  'user_id',
  'campaign_id',
  'name',
  'description',
  'publisher_domain',
  'llm_provider',
  'llm_model',
  'writing_strategy',
  'country',
  'language',
  'max_retries',
  'batch_size',
  'metadata',
  'tags',
  'use_count',
  'is_favorite',
  'visibility',
  'copy_count',
  'copied_from',
  'created_at',
  'updated_at',
  'last_used_at',
].sort();

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const FULL_TEMPLATE = {
  name: 'Forbes Standard Template',
  description: 'Standard configuration for Forbes content',
  publisher_domain: 'forbes.com',
  llm_provider: 'anthropic',
  llm_model: 'claude-3-5-sonnet-20241022',
  writing_strategy: 'expert',
  country: 'us',
  language: 'en-GB',
  max_retries: 5,
  batch_size: 10,
  tags: ['forbes', 'expert'],
  metadata: { tone: 'professional', target_audience: 'business executives' },
};

const clock = new PinnedClock();
const testApp = useTestApp({}, { now: clock.now });

afterEach(() => {
  clock.reset();
});

const api = () => request(testApp.app);

async function createCampaign(userId: string, name = 'Campaign'): Promise<string> {
  return (await createCampaignVia(testApp, userId, { name })).id;
}

async function createTemplate(userId: string, body: JsonObject = {}): Promise<JsonObject> {
  return createTemplateVia(testApp, userId, body);
}

async function getTemplate(userId: string, id: string): Promise<JsonObject> {
  const res = await api().get(`${BASE}/${id}`).set('Authorization', testApp.auth(userId));
  expect(res.status).toBe(200);
  return res.body;
}

async function countTemplates(userId: string): Promise<number> {
  return testApp.deps.dataSource.getRepository(JobTemplate).countBy({ userId });
}

/** A schedule row of the template, starting tomorrow, in the given state. */
async function insertSchedule(userId: string, templateId: string, name: string, status: ScheduledJobStatus): Promise<ScheduledJob> {
  return insertScheduleRow(testApp.deps.dataSource, {
    userId,
    templateId,
    name,
    scheduledAt: new Date(Date.now() + DAY),
    jobConfig: {},
    nextRunAt: null,
    status,
  });
}

describe('POST /templates', () => {
  it('creates a template with every field and answers 201 with it in snake_case', async () => {
    const user = newUserId();
    const campaignId = await createCampaign(user);
    const res = await api()
      .post(BASE)
      .set('Authorization', testApp.auth(user))
      .send({ ...FULL_TEMPLATE, campaign_id: campaignId, is_favorite: true });

    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(TEMPLATE_FIELDS);
    expect(res.body).toMatchObject({
      ...FULL_TEMPLATE,
      campaign_id: campaignId,
      user_id: user,
      use_count: 0,
      is_favorite: true,
      last_used_at: null,
    });
    expect(res.body.country).toBe('us');
    expect(res.body.created_at).toMatch(ISO_Z);
    expect(res.body.updated_at).toMatch(ISO_Z);
    expect(await getTemplate(user, res.body.id)).toEqual(res.body);
  });

  it('when only a name is sent, then the defaults apply', async () => {
    const user = newUserId();
    const res = await api().post(BASE).set('Authorization', testApp.auth(user)).send({ name: 'Bare' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Bare',
      campaign_id: null,
      description: null,
      publisher_domain: null,
      llm_provider: null,
      max_retries: 3,
      batch_size: 1,
      metadata: {},
      tags: [],
      use_count: 0,
      is_favorite: false,
      last_used_at: null,
    });
  });

  it('accepts nulls on the optional nullable fields', async () => {
    const user = newUserId();
    const res = await api()
      .post(BASE)
      .set('Authorization', testApp.auth(user))
      .send({ name: 'Nulls', description: null, campaign_id: null, country: null, language: null, llm_model: null });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ description: null, campaign_id: null, country: null, language: null, llm_model: null });
  });

  it("when campaign_id is another user's campaign, then 404 Campaign not found and nothing is created", async () => {
    const owner = newUserId();
    const other = newUserId();
    const foreignCampaign = await createCampaign(owner);
    const res = await api().post(BASE).set('Authorization', testApp.auth(other)).send({ name: 'x', campaign_id: foreignCampaign });
    expectProblem(res, 404, { detail: 'Campaign not found' });
    expect(await countTemplates(other)).toBe(0);
  });

  it('when campaign_id does not exist, then 404 Campaign not found', async () => {
    const user = newUserId();
    const res = await api().post(BASE).set('Authorization', testApp.auth(user)).send({ name: 'x', campaign_id: MISSING_ID });
    expectProblem(res, 404, { detail: 'Campaign not found' });
  });

  describe('validation', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['name empty', { name: '' }, 'name'],
      ['name 256 characters', { name: 'n'.repeat(256) }, 'name'],
      ['name explicitly null', { name: null }, 'name'],
      ['name missing', { description: 'no name' }, 'name'],
      ['name not a string', { name: 42 }, 'name'],
      ['llm_provider not a known provider', { name: 'x', llm_provider: 'mistral' }, 'llm_provider'],
      ['writing_strategy not a known strategy', { name: 'x', writing_strategy: 'casual' }, 'writing_strategy'],
      ['country of three letters', { name: 'x', country: 'usa' }, 'country'],
      ['country with a digit', { name: 'x', country: 'u1' }, 'country'],
      ['language not a BCP 47 tag', { name: 'x', language: 'en--GB' }, 'language'],
      ['language with an underscore', { name: 'x', language: 'en_GB' }, 'language'],
      ['language a number', { name: 'x', language: 12 }, 'language'],
      ['max_retries 11', { name: 'x', max_retries: 11 }, 'max_retries'],
      ['max_retries -1', { name: 'x', max_retries: -1 }, 'max_retries'],
      ['max_retries fractional', { name: 'x', max_retries: 1.5 }, 'max_retries'],
      ['max_retries null', { name: 'x', max_retries: null }, 'max_retries'],
      ['batch_size 0', { name: 'x', batch_size: 0 }, 'batch_size'],
      ['batch_size 101', { name: 'x', batch_size: 101 }, 'batch_size'],
      ['metadata an array', { name: 'x', metadata: ['a'] }, 'metadata'],
      ['metadata a string', { name: 'x', metadata: 'a' }, 'metadata'],
      ['publisher_domain not a hostname', { name: 'x', publisher_domain: 'not a domain' }, 'publisher_domain'],
      ['publisher_domain a URL', { name: 'x', publisher_domain: 'https://forbes.com/' }, 'publisher_domain'],
      ['llm_model empty', { name: 'x', llm_model: '' }, 'llm_model'],
      ['llm_model 129 characters', { name: 'x', llm_model: 'm'.repeat(129) }, 'llm_model'],
      ['campaign_id not a UUID', { name: 'x', campaign_id: 'campaign-abc-123' }, 'campaign_id'],
      ['tags not strings', { name: 'x', tags: ['ok', 3] }, 'tags'],
      ['tags not an array', { name: 'x', tags: 'forbes' }, 'tags'],
      ['is_favorite not a boolean', { name: 'x', is_favorite: 'yes' }, 'is_favorite'],
      ['an unknown field', { name: 'x', shedule_type: 'daily' }, 'shedule_type'],
      ['a server-kept field', { name: 'x', use_count: 7 }, 'use_count'],
    ];

    it.each(cases)('when %s, then 422 naming the field and nothing is created', async (_label, body, field) => {
      const user = newUserId();
      const res = await api().post(BASE).set('Authorization', testApp.auth(user)).send(body);
      expectProblem(res, 422, { fields: [field] });
      expect(await countTemplates(user)).toBe(0);
    });

    it('names every bad field at once', async () => {
      const user = newUserId();
      const res = await api()
        .post(BASE)
        .set('Authorization', testApp.auth(user))
        .send({ name: '', country: 'usa', batch_size: 0, bogus: 1 });
      expectProblem(res, 422, { fields: ['name', 'country', 'batch_size', 'bogus'] });
    });

    it('accepts country in any case and stores it as given, and BCP 47 languages', async () => {
      const user = newUserId();
      for (const [country, language] of [
        ['US', 'en'],
        ['gb', 'en-GB'],
        ['De', 'zh-Hant-TW'],
      ]) {
        const res = await api().post(BASE).set('Authorization', testApp.auth(user)).send({ name: 'x', country, language });
        expect(res.status).toBe(201);
        expect(res.body.country).toBe(country);
        expect(res.body.language).toBe(language);
      }
    });

    it('when the body is not a JSON object, then 422', async () => {
      const user = newUserId();
      const res = await api()
        .post(BASE)
        .set('Authorization', testApp.auth(user))
        .send([{ name: 'x' }]);
      expectProblem(res, 422, { fields: ['body'] });
    });
  });
});

describe('GET /templates', () => {
  it('orders favorites first, then most recently used, never-used last, then newest', async () => {
    const user = newUserId();
    const neverUsedOld = await createTemplate(user, { name: 'never used, old' });
    const usedEarlier = await createTemplate(user, { name: 'used earlier' });
    const usedLater = await createTemplate(user, { name: 'used later' });
    const favorite = await createTemplate(user, { name: 'favorite, never used' });
    const favoriteUsed = await createTemplate(user, { name: 'favorite, used' });
    const neverUsedNew = await createTemplate(user, { name: 'never used, new' });

    const use = async (id: string, at: string) => {
      clock.pin(at);
      const res = await api().post(`${BASE}/${id}/use`).set('Authorization', testApp.auth(user));
      expect(res.status).toBe(201);
    };
    // Used out of creation order, so "most recently used" differs from "newest".
    await use(usedLater.id, '2030-01-02T00:00:00Z');
    await use(usedEarlier.id, '2030-01-01T00:00:00Z');
    await use(favoriteUsed.id, '2029-01-01T00:00:00Z');
    for (const t of [favorite, favoriteUsed]) {
      const res = await api().post(`${BASE}/${t.id}/favorite`).set('Authorization', testApp.auth(user));
      expect(res.body.is_favorite).toBe(true);
    }

    const res = await api().get(BASE).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('6');
    expect(res.body.map((t: { name: string }) => t.name)).toEqual([
      favoriteUsed.name,
      favorite.name,
      usedLater.name,
      usedEarlier.name,
      neverUsedNew.name,
      neverUsedOld.name,
    ]);
  });

  it('favorites_only=true lists only favorites', async () => {
    const user = newUserId();
    await createTemplate(user, { name: 'plain' });
    const fav = await createTemplate(user, { name: 'fav', is_favorite: true });
    const res = await api().get(`${BASE}?favorites_only=true`).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(200);
    expect(res.body.map((t: { id: string }) => t.id)).toEqual([fav.id]);
    expect(res.headers['x-total-count']).toBe('1');
  });

  it('campaign_id filters to that campaign', async () => {
    const user = newUserId();
    const a = await createCampaign(user, 'A');
    const b = await createCampaign(user, 'B');
    const inA = await createTemplate(user, { name: 'in A', campaign_id: a });
    await createTemplate(user, { name: 'in B', campaign_id: b });
    await createTemplate(user, { name: 'in none' });
    const res = await api().get(`${BASE}?campaign_id=${a}`).set('Authorization', testApp.auth(user));
    expect(res.body.map((t: { id: string }) => t.id)).toEqual([inA.id]);
    expect(res.headers['x-total-count']).toBe('1');
  });

  it('paginates with limit and offset and reports the total in X-Total-Count', async () => {
    const user = newUserId();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createTemplate(user, { name: `t${i}` }));
    const res = await api().get(`${BASE}?limit=2&offset=1`).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('5');
    // Newest first among never-used, non-favorite templates: t4, t3, t2, t1, t0.
    expect(res.body.map((t: { name: string }) => t.name)).toEqual(['t3', 't2']);
  });

  it("never lists another user's templates", async () => {
    const owner = newUserId();
    const other = newUserId();
    await createTemplate(owner);
    const res = await api().get(BASE).set('Authorization', testApp.auth(other));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect(res.headers['x-total-count']).toBe('0');
  });

  it.each([
    ['campaign_id=abc', 'campaign_id'],
    ['favorites_only=maybe', 'favorites_only'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['offset=-1', 'offset'],
  ])('when the query has %s, then 422 naming it', async (query, field) => {
    const res = await api().get(`${BASE}?${query}`).set('Authorization', testApp.auth(newUserId()));
    expectProblem(res, 422, { fields: [field] });
  });
});

describe('GET /templates/:id', () => {
  it('returns the template', async () => {
    const user = newUserId();
    const t = await createTemplate(user, FULL_TEMPLATE);
    const res = await api().get(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(t);
  });

  it('a malformed or unknown id is 404', async () => {
    const user = newUserId();
    for (const id of ['not-a-uuid', MISSING_ID]) {
      const res = await api().get(`${BASE}/${id}`).set('Authorization', testApp.auth(user));
      expectProblem(res, 404, { detail: 'Template not found' });
    }
  });
});

describe('PUT /templates/:id', () => {
  it('changes only the fields sent', async () => {
    const user = newUserId();
    const t = await createTemplate(user, FULL_TEMPLATE);
    const res = await api()
      .put(`${BASE}/${t.id}`)
      .set('Authorization', testApp.auth(user))
      .send({ llm_model: 'gpt-4o', llm_provider: 'openai', tags: ['new'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...t,
      llm_model: 'gpt-4o',
      llm_provider: 'openai',
      tags: ['new'],
      updated_at: res.body.updated_at,
    });
    expect(await getTemplate(user, t.id)).toEqual(res.body);
  });

  it('null clears an optional field', async () => {
    const user = newUserId();
    const t = await createTemplate(user, FULL_TEMPLATE);
    const res = await api()
      .put(`${BASE}/${t.id}`)
      .set('Authorization', testApp.auth(user))
      .send({ description: null, publisher_domain: null, country: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ description: null, publisher_domain: null, country: null, name: t.name, language: t.language });
  });

  it('moves the template to another own campaign, and to none with null', async () => {
    const user = newUserId();
    const a = await createCampaign(user, 'A');
    const b = await createCampaign(user, 'B');
    const t = await createTemplate(user, { campaign_id: a });
    const moved = await api().put(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user)).send({ campaign_id: b });
    expect(moved.status).toBe(200);
    expect(moved.body.campaign_id).toBe(b);
    const detached = await api().put(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user)).send({ campaign_id: null });
    expect(detached.status).toBe(200);
    expect(detached.body.campaign_id).toBeNull();
  });

  it("when campaign_id is another user's campaign, then 404 Campaign not found and nothing changes", async () => {
    const user = newUserId();
    const own = await createCampaign(user);
    const foreign = await createCampaign(newUserId());
    const t = await createTemplate(user, { campaign_id: own });
    const res = await api().put(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user)).send({ campaign_id: foreign, name: 'renamed' });
    expectProblem(res, 404, { detail: 'Campaign not found' });
    expect(await getTemplate(user, t.id)).toMatchObject({ campaign_id: own, name: t.name });
  });

  it.each([
    ['name explicitly null', { name: null }, 'name'],
    ['name empty', { name: '' }, 'name'],
    ['name 256 characters', { name: 'n'.repeat(256) }, 'name'],
    ['llm_provider unknown', { llm_provider: 'mistral' }, 'llm_provider'],
    ['writing_strategy unknown', { writing_strategy: 'casual' }, 'writing_strategy'],
    ['country usa', { country: 'usa' }, 'country'],
    ['language bad', { language: 'en--GB' }, 'language'],
    ['max_retries 11', { max_retries: 11 }, 'max_retries'],
    ['batch_size 0', { batch_size: 0 }, 'batch_size'],
    ['metadata an array', { metadata: [] }, 'metadata'],
    ['metadata null', { metadata: null }, 'metadata'],
    ['tags null', { tags: null }, 'tags'],
    ['an unknown field', { nmae: 'typo' }, 'nmae'],
  ])('when %s, then 422 naming the field and nothing changes', async (_label, body, field) => {
    const user = newUserId();
    const t = await createTemplate(user, FULL_TEMPLATE);
    const res = await api().put(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user)).send(body);
    expectProblem(res, 422, { fields: [field] });
    expect(await getTemplate(user, t.id)).toEqual(t);
  });
});

describe('DELETE /templates/:id', () => {
  it('deletes the template: 204, then 404', async () => {
    const user = newUserId();
    const t = await createTemplate(user);
    const res = await api().delete(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const after = await api().get(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user));
    expectProblem(after, 404);
  });

  it('when an active schedule uses it, then 409 naming the schedule; once that schedule is completed, the delete succeeds', async () => {
    const user = newUserId();
    const t = await createTemplate(user);
    const schedule = await insertSchedule(user, t.id, 'Weekly Forbes run', 'active');

    const blocked = await api().delete(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user));
    expectProblem(blocked, 409);
    expect(blocked.body.detail).toContain(schedule.id);
    expect(blocked.body.detail).toContain('Weekly Forbes run');
    expect(await getTemplate(user, t.id)).toEqual(t);

    await testApp.deps.dataSource.getRepository(ScheduledJob).update({ id: schedule.id }, { status: 'completed' });
    const allowed = await api().delete(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user));
    expect(allowed.status).toBe(204);
    const unlinked = await testApp.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id: schedule.id });
    expect(unlinked.templateId).toBeNull();
  });

  it('a paused schedule also blocks the delete, and the 409 names every blocking schedule but no finished one', async () => {
    const user = newUserId();
    const t = await createTemplate(user);
    const paused = await insertSchedule(user, t.id, 'Paused one', 'paused');
    const active = await insertSchedule(user, t.id, 'Active one', 'active');
    const expired = await insertSchedule(user, t.id, 'Expired one', 'expired');
    const res = await api().delete(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user));
    expectProblem(res, 409);
    for (const s of [paused, active]) {
      expect(res.body.detail).toContain(s.id);
      expect(res.body.detail).toContain(s.name);
    }
    expect(res.body.detail).not.toContain(expired.id);
  });

  it.each(['completed', 'expired', 'error'] as const)('a %s schedule does not block the delete and loses the link', async (status) => {
    const user = newUserId();
    const t = await createTemplate(user);
    const schedule = await insertSchedule(user, t.id, `A ${status} schedule`, status);
    const res = await api().delete(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user));
    expect(res.status).toBe(204);
    const row = await testApp.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id: schedule.id });
    expect(row.templateId).toBeNull();
  });

  it('Jobs made from the template are kept, with template_id cleared', async () => {
    const user = newUserId();
    const t = await createTemplate(user);
    const used = await api().post(`${BASE}/${t.id}/use`).set('Authorization', testApp.auth(user));
    expect(used.status).toBe(201);
    expect((await api().delete(`${BASE}/${t.id}`).set('Authorization', testApp.auth(user))).status).toBe(204);
    const job = await api().get(`/api/v1/jobs/${used.body.id}`).set('Authorization', testApp.auth(user));
    expect(job.status).toBe(200);
    expect(job.body.template_id).toBeNull();
  });
});

describe('POST /templates/:id/favorite', () => {
  it('toggles is_favorite on and off and answers 200 with the template', async () => {
    const user = newUserId();
    const t = await createTemplate(user);
    const on = await api().post(`${BASE}/${t.id}/favorite`).set('Authorization', testApp.auth(user));
    expect(on.status).toBe(200);
    expect(Object.keys(on.body).sort()).toEqual(TEMPLATE_FIELDS);
    expect(on.body.is_favorite).toBe(true);
    expect((await getTemplate(user, t.id)).is_favorite).toBe(true);
    const off = await api().post(`${BASE}/${t.id}/favorite`).set('Authorization', testApp.auth(user));
    expect(off.status).toBe(200);
    expect(off.body.is_favorite).toBe(false);
    expect((await getTemplate(user, t.id)).is_favorite).toBe(false);
  });
});

describe('POST /templates/:id/use', () => {
  it('creates a pending Job from the template merged with the overrides (override wins), counts the use and queues the Job', async () => {
    const user = newUserId();
    const campaignId = await createCampaign(user);
    const t = await createTemplate(user, { ...FULL_TEMPLATE, campaign_id: campaignId });
    clock.pin('2031-06-01T12:34:56.789Z');

    const res = await api()
      .post(`${BASE}/${t.id}/use`)
      .set('Authorization', testApp.auth(user))
      .send({
        llm_provider: 'openai',
        llm_model: 'gpt-4o',
        batch_size: 2,
        target_url: 'https://example.com/landing',
        anchor_text: 'best widgets',
        keywords: ['widgets', 'reviews'],
        notes: 'mention the spring sale',
      });

    expect(res.status).toBe(201);
    const job = res.body;
    expect(Object.keys(job).sort()).toEqual(JOB_FIELDS);
    expect(job).toMatchObject({
      user_id: user,
      campaign_id: campaignId,
      template_id: t.id,
      scheduled_job_id: null,
      scheduled_for: null,
      status: 'pending',
      // overrides win
      llm_provider: 'openai',
      llm_model: 'gpt-4o',
      // template fields kept
      publisher_domain: 'forbes.com',
      writing_strategy: 'expert',
      country: 'us',
      language: 'en-GB',
      cost_usd: null,
      error_message: null,
      started_at: null,
      completed_at: null,
    });
    expect(job.config).toEqual({
      publisher_domain: 'forbes.com',
      llm_provider: 'openai',
      llm_model: 'gpt-4o',
      writing_strategy: 'expert',
      country: 'us',
      language: 'en-GB',
      max_retries: 5,
      batch_size: 2,
      metadata: FULL_TEMPLATE.metadata,
      target_url: 'https://example.com/landing',
      anchor_text: 'best widgets',
      keywords: ['widgets', 'reviews'],
      notes: 'mention the spring sale',
    });
    expect(job.created_at).toMatch(ISO_Z);

    const after = await getTemplate(user, t.id);
    expect(after.use_count).toBe(1);
    expect(after.last_used_at).toBe('2031-06-01T12:34:56.789Z');
    expect(after.updated_at).toBe(t.updated_at);

    const queued = await testApp.deps.contentQueue.getJob(job.id);
    expect(queued).toBeDefined();
    expect(queued!.data).toEqual({
      job_id: job.id,
      user_id: user,
      workspace_id: `user:${user}`,
      scheduled_job_id: null,
      campaign_id: campaignId,
    });
    // The hand-over is recorded, so the reconciler will not hand it over again.
    const row = await testApp.deps.dataSource.getRepository(Job).findOneByOrFail({ id: job.id });
    expect(row.queuedAt).not.toBeNull();

    const stored = await api().get(`/api/v1/jobs/${job.id}`).set('Authorization', testApp.auth(user));
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(job);
  });

  it('with no body, or an empty one, the Job carries the template fields unchanged', async () => {
    const user = newUserId();
    const t = await createTemplate(user, FULL_TEMPLATE);
    const noBody = await api().post(`${BASE}/${t.id}/use`).set('Authorization', testApp.auth(user));
    const emptyBody = await api().post(`${BASE}/${t.id}/use`).set('Authorization', testApp.auth(user)).send({});
    for (const res of [noBody, emptyBody]) {
      expect(res.status).toBe(201);
      expect(res.body.config).toEqual({
        publisher_domain: 'forbes.com',
        llm_provider: 'anthropic',
        llm_model: 'claude-3-5-sonnet-20241022',
        writing_strategy: 'expert',
        country: 'us',
        language: 'en-GB',
        max_retries: 5,
        batch_size: 10,
        metadata: FULL_TEMPLATE.metadata,
      });
      expect(res.body.llm_provider).toBe('anthropic');
      expect(res.body.campaign_id).toBeNull();
    }
    expect(noBody.body.id).not.toBe(emptyBody.body.id);
    expect((await getTemplate(user, t.id)).use_count).toBe(2);
  });

  it('a null override clears that setting for the Job only', async () => {
    const user = newUserId();
    const t = await createTemplate(user, FULL_TEMPLATE);
    const res = await api().post(`${BASE}/${t.id}/use`).set('Authorization', testApp.auth(user)).send({ country: null });
    expect(res.status).toBe(201);
    expect(res.body.country).toBeNull();
    expect(res.body.config.country).toBeNull();
    expect((await getTemplate(user, t.id)).country).toBe('us');
  });

  it('concurrent uses each count: ten at once give use_count 10 and ten Jobs', async () => {
    const user = newUserId();
    const t = await createTemplate(user);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => api().post(`${BASE}/${t.id}/use`).set('Authorization', testApp.auth(user)).send({})),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(10);
    expect((await getTemplate(user, t.id)).use_count).toBe(10);
    expect(await testApp.deps.dataSource.getRepository(Job).countBy({ templateId: t.id })).toBe(10);
  });

  it.each([
    ['an unknown field', { target: 'https://x.com' }, 'target'],
    ['a template-only field', { name: 'renamed' }, 'name'],
    ['llm_provider unknown', { llm_provider: 'mistral' }, 'llm_provider'],
    ['writing_strategy unknown', { writing_strategy: 'casual' }, 'writing_strategy'],
    ['country usa', { country: 'usa' }, 'country'],
    ['language bad', { language: 'en--GB' }, 'language'],
    ['max_retries 11', { max_retries: 11 }, 'max_retries'],
    ['batch_size 0', { batch_size: 0 }, 'batch_size'],
    ['metadata an array', { metadata: [1] }, 'metadata'],
    ['target_url not a URL', { target_url: 'not a url' }, 'target_url'],
    ['target_url not http(s)', { target_url: 'ftp://example.com/x' }, 'target_url'],
    ['anchor_text empty', { anchor_text: '' }, 'anchor_text'],
    ['keywords not strings', { keywords: [1, 2] }, 'keywords'],
    ['notes not a string', { notes: 5 }, 'notes'],
  ])('when the body has %s, then 422 naming it, no Job and no use counted', async (_label, body, field) => {
    const user = newUserId();
    const t = await createTemplate(user);
    const res = await api().post(`${BASE}/${t.id}/use`).set('Authorization', testApp.auth(user)).send(body);
    expectProblem(res, 422, { fields: [field] });
    expect((await getTemplate(user, t.id)).use_count).toBe(0);
    expect(await testApp.deps.dataSource.getRepository(Job).countBy({ userId: user })).toBe(0);
  });
});

describe("another user's template", () => {
  const attempts: Array<[string, (id: string) => request.Test]> = [
    ['GET', (id) => api().get(`${BASE}/${id}`)],
    ['PUT', (id) => api().put(`${BASE}/${id}`).send({ name: 'stolen' })],
    ['DELETE', (id) => api().delete(`${BASE}/${id}`)],
    ['favorite', (id) => api().post(`${BASE}/${id}/favorite`)],
    ['use', (id) => api().post(`${BASE}/${id}/use`).send({})],
  ];

  it.each(attempts)('%s is 404 and leaves it untouched', async (_label, call) => {
    const owner = newUserId();
    const intruder = newUserId();
    const t = await createTemplate(owner, FULL_TEMPLATE);
    const res = await call(t.id).set('Authorization', testApp.auth(intruder));
    expectProblem(res, 404, { detail: 'Template not found' });
    expect(await getTemplate(owner, t.id)).toEqual(t);
    expect(await testApp.deps.dataSource.getRepository(Job).countBy({ templateId: t.id })).toBe(0);
  });

  it.each(attempts)('%s with a malformed id is 404', async (_label, call) => {
    const res = await call('nope').set('Authorization', testApp.auth(newUserId()));
    expectProblem(res, 404);
  });
});

describe('without a token', () => {
  it.each([
    ['POST /', () => api().post(BASE).send({ name: 'x' })],
    ['GET /', () => api().get(BASE)],
    ['GET /:id', () => api().get(`${BASE}/${MISSING_ID}`)],
    ['PUT /:id', () => api().put(`${BASE}/${MISSING_ID}`).send({ name: 'x' })],
    ['DELETE /:id', () => api().delete(`${BASE}/${MISSING_ID}`)],
    ['POST /:id/favorite', () => api().post(`${BASE}/${MISSING_ID}/favorite`)],
    ['POST /:id/use', () => api().post(`${BASE}/${MISSING_ID}/use`)],
  ] as Array<[string, () => request.Test]>)('%s is 401 with WWW-Authenticate: Bearer', async (_label, call) => {
    const res = await call();
    expectUnauthorized(res);
  });

  it('a write with a bad token changes nothing', async () => {
    const user = newUserId();
    const t = await createTemplate(user);
    const res = await api().post(`${BASE}/${t.id}/favorite`).set('Authorization', 'Bearer not.a.token');
    expectProblem(res, 401);
    expect((await getTemplate(user, t.id)).is_favorite).toBe(false);
    const del = await api().delete(`${BASE}/${t.id}`);
    expectProblem(del, 401);
    expect(await getTemplate(user, t.id)).toEqual(t);
  });
});
