/**
 * The template library (issue #12 part 3): `visibility` on templates, every workspace's public
 * templates listed most copied first and searchable, copies into the caller's workspace counted
 * atomically on the source, and the tenancy rules: a public template is read and copied by
 * anyone, changed only by its own workspace; a private one stays a 404 for everyone else.
 *
 * The library spans workspaces, and other suites share the database: every test searches by a
 * marker of its own (a tag or a word) so that it sees only its templates.
 */
import { randomUUID } from 'node:crypto';
import { apiAs, createTemplate, expectProblem, newUserId, userRows, type JsonObject } from '@scheduler/testkit';
import { useTestApp } from './helpers';

const t = useTestApp();
const as = (user: string) => apiAs(t, user);
const marker = () => `m${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** The fields of a library item, sorted: the template's shareable part only. */
const LIBRARY_FIELDS = [
  'id',
  'author_id',
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
  'copy_count',
  'created_at',
  'updated_at',
].sort();

async function publish(user: string, body: JsonObject): Promise<JsonObject> {
  return createTemplate(t, user, { visibility: 'public', ...body });
}

async function copy(user: string, id: string, body?: object) {
  return as(user).post(`/library/templates/${id}/copy`, body);
}

async function library(user: string, query: string): Promise<JsonObject[]> {
  const res = await as(user).get(`/library/templates?${query}`);
  expect(res.status).toBe(200);
  return res.body as JsonObject[];
}

describe('templates: visibility', () => {
  it('a template is private by default; create and PUT take public and private; the response carries visibility, copy_count, copied_from', async () => {
    const user = newUserId();
    const plain = await createTemplate(t, user, {});
    expect([plain.visibility, plain.copy_count, plain.copied_from]).toEqual(['private', 0, null]);
    const pub = await createTemplate(t, user, { visibility: 'public' });
    expect(pub.visibility).toBe('public');
    const updated = await as(user).put(`/templates/${plain.id}`, { visibility: 'public' });
    expect(updated.status).toBe(200);
    expect(updated.body.visibility).toBe('public');
    const back = await as(user).put(`/templates/${plain.id}`, { visibility: 'private' });
    expect(back.body.visibility).toBe('private');
  });

  it.each([['shared'], ['PUBLIC'], [''], [null], [true], [1], [['public']]])(
    'visibility %j is a 422 naming visibility, on create and on PUT, and nothing is written',
    async (value) => {
      const user = newUserId();
      const own = await createTemplate(t, user, { name: 'stays' });
      const before = await userRows(t.deps.dataSource, user);
      const created = await as(user).post('/templates', { name: 'x', visibility: value });
      expectProblem(created, 422, { fields: ['visibility'] });
      const updated = await as(user).put(`/templates/${own.id}`, { visibility: value });
      expectProblem(updated, 422, { fields: ['visibility'] });
      expect(await userRows(t.deps.dataSource, user)).toEqual(before);
    },
  );
});

describe('library: listing and search', () => {
  it('lists public templates of every workspace, most copied first (ties: oldest first), never a private one', async () => {
    const tag = marker();
    const [a, b, c] = [newUserId(), newUserId(), newUserId()];
    const once = await publish(a, { name: 'once', tags: [tag] });
    const never = await publish(b, { name: 'never', tags: [tag] });
    const thrice = await publish(c, { name: 'thrice', tags: [tag] });
    const neverLater = await publish(a, { name: 'never, later', tags: [tag] });
    const hidden = await createTemplate(t, a, { name: 'private', tags: [tag] });
    for (const [id, times] of [
      [once.id, 1],
      [thrice.id, 3],
    ] as const) {
      for (let i = 0; i < times; i++) expect((await copy(newUserId(), id)).status).toBe(201);
    }
    const res = await as(newUserId()).get(`/library/templates?tag=${tag}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('4');
    expect(res.body.map((x: JsonObject) => [x.name, x.copy_count])).toEqual([
      ['thrice', 3],
      ['once', 1],
      ['never', 0],
      ['never, later', 0],
    ]);
    expect(res.body.map((x: JsonObject) => x.author_id)).toEqual([c, a, b, a]);
    expect(res.text).not.toContain(hidden.id);
    expect([never.id, neverLater.id]).toEqual([res.body[2].id, res.body[3].id]);
    // Pages follow the same order.
    const second = await library(newUserId(), `tag=${tag}&limit=2&offset=2`);
    expect(second.map((x) => x.name)).toEqual(['never', 'never, later']);
  });

  it("an item is the template's shareable part only: no campaign, favourite, use count, last use, copied_from or workspace", async () => {
    const tag = marker();
    const owner = newUserId();
    const campaign = (await as(owner).post('/campaigns', { name: 'owner campaign' })).body;
    const template = await publish(owner, {
      name: 'shared',
      description: 'a shared template',
      campaign_id: campaign.id,
      is_favorite: true,
      tags: [tag],
      llm_provider: 'anthropic',
      metadata: { tone: 'plain' },
    });
    expect((await as(owner).post(`/templates/${template.id}/use`, {})).status).toBe(201);
    const [item] = await library(newUserId(), `tag=${tag}`);
    expect(Object.keys(item).sort()).toEqual(LIBRARY_FIELDS);
    expect(item).toMatchObject({
      id: template.id,
      author_id: owner,
      name: 'shared',
      description: 'a shared template',
      publisher_domain: 'example.com',
      llm_provider: 'anthropic',
      metadata: { tone: 'plain' },
      tags: [tag],
      copy_count: 0,
    });
    const one = await as(newUserId()).get(`/library/templates/${template.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(item);
    for (const text of [JSON.stringify(item), one.text]) {
      expect(text).not.toContain(campaign.id);
      expect(text).not.toMatch(/use_count|is_favorite|last_used_at|campaign_id|workspace/);
    }
  });

  it('q matches the name or the description (case-insensitive substring, % and _ literal), tag exactly, publisher_domain case-insensitively; filters combine', async () => {
    const word = marker();
    const owner = newUserId();
    const byName = await publish(owner, { name: `Weekly ${word.toUpperCase()} digest`, tags: ['news'], publisher_domain: 'forbes.com' });
    const byDescription = await publish(owner, { name: 'other', description: `about ${word}`, tags: ['news', 'x'] });
    const percent = await publish(owner, { name: `${word} 100% sure_thing`, publisher_domain: `${word}.Wired.com` });
    // `_` is no wildcard: this one does not match `sure_thing`.
    await publish(owner, { name: 'sureXthing', publisher_domain: `${word}.wired.com` });
    await createTemplate(t, owner, { name: `private ${word}`, publisher_domain: 'forbes.com' });
    const ids = async (query: string) => (await library(newUserId(), query)).map((x) => x.id).sort();
    expect(await ids(`q=${word}`)).toEqual([byName.id, byDescription.id, percent.id].sort());
    expect(await ids(`q=${encodeURIComponent(`  ${word}  `)}`)).toEqual([byName.id, byDescription.id, percent.id].sort());
    expect(await ids(`q=${encodeURIComponent(`${word} 100%`)}`)).toEqual([percent.id]);
    expect(await ids(`q=${encodeURIComponent(`${word}%digest`)}`)).toEqual([]);
    expect(await ids(`q=sure_thing&publisher_domain=${word}.WIRED.com`)).toEqual([percent.id]);
    expect(await ids(`q=${word}&tag=news`)).toEqual([byName.id, byDescription.id].sort());
    expect(await ids(`q=${word}&tag=NEWS`)).toEqual([]);
    expect(await ids(`q=${word}&publisher_domain=FORBES.com`)).toEqual([byName.id]);
    expect(await ids(`q=${word}&tag=news&publisher_domain=forbes.com`)).toEqual([byName.id]);
    expect(await ids(`q=${word}&tag=x&publisher_domain=forbes.com`)).toEqual([]);
  });

  it.each([
    ['q', 'x'.repeat(256)],
    ['q', 'a\u0000b'],
    ['tag', 't'.repeat(101)],
    ['tag', '\u0007'],
    ['publisher_domain', 'd'.repeat(254)],
    ['limit', '0'],
    ['offset', '-1'],
    ['visibility', 'private'],
    ['user_id', 'someone'],
  ])('query %s=%j is a 422 naming it', async (name, value) => {
    const res = await as(newUserId()).get(`/library/templates?${name}=${encodeURIComponent(value)}`);
    expectProblem(res, 422, { fields: [name] });
  });
});

describe('library: copies', () => {
  it("copy → 201 a private template of the caller (copied_from, no campaign, the source's settings), and the source's copy_count +1", async () => {
    const owner = newUserId();
    const copier = newUserId();
    const campaign = (await as(owner).post('/campaigns', { name: 'owner campaign' })).body;
    const source = await publish(owner, {
      name: 'source',
      description: 'desc',
      campaign_id: campaign.id,
      llm_provider: 'openai',
      llm_model: 'gpt-x',
      writing_strategy: 'expert',
      country: 'US',
      language: 'en',
      max_retries: 7,
      batch_size: 4,
      tags: ['a', 'b'],
      metadata: { tone: 'plain' },
      is_favorite: true,
    });
    const res = await copy(copier, source.id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      user_id: copier,
      campaign_id: null,
      name: 'source',
      description: 'desc',
      publisher_domain: 'example.com',
      llm_provider: 'openai',
      llm_model: 'gpt-x',
      writing_strategy: 'expert',
      country: 'US',
      language: 'en',
      max_retries: 7,
      batch_size: 4,
      tags: ['a', 'b'],
      metadata: { tone: 'plain' },
      is_favorite: false,
      use_count: 0,
      visibility: 'private',
      copy_count: 0,
      copied_from: source.id,
      last_used_at: null,
    });
    expect(res.body.id).not.toBe(source.id);
    // In the copier's own templates; the source counted once, its updated_at unchanged.
    const mine = await as(copier).get(`/templates/${res.body.id}`);
    expect(mine.status).toBe(200);
    expect((await as(copier).get('/templates')).body.map((x: JsonObject) => x.id)).toEqual([res.body.id]);
    const after = (await as(owner).get(`/templates/${source.id}`)).body;
    expect(after.copy_count).toBe(1);
    expect(after.updated_at).toBe(source.updated_at);
    expect((await as(copier).get(`/library/templates/${source.id}`)).body.copy_count).toBe(1);
  });

  it('a name sent names the copy; a bad body is a 422 and counts nothing', async () => {
    const owner = newUserId();
    const copier = newUserId();
    const source = await publish(owner, { name: 'source' });
    const named = await copy(copier, source.id, { name: 'my copy' });
    expect(named.status).toBe(201);
    expect(named.body.name).toBe('my copy');
    const before = await userRows(t.deps.dataSource, copier);
    for (const body of [{ name: '' }, { name: 'x'.repeat(256) }, { name: 1 }, { campaign_id: randomUUID() }, { visibility: 'public' }]) {
      const res = await copy(copier, source.id, body);
      expect(res.status).toBe(422);
      expectProblem(res, 422);
    }
    expect(await userRows(t.deps.dataSource, copier)).toEqual(before);
    expect((await as(owner).get(`/templates/${source.id}`)).body.copy_count).toBe(1);
  });

  it('concurrent copies count exactly: 20 at once → copy_count 20 and 20 copies', async () => {
    const owner = newUserId();
    const source = await publish(owner, { name: 'popular' });
    const copiers = Array.from({ length: 20 }, () => newUserId());
    const results = await Promise.all(copiers.map((user) => copy(user, source.id)));
    expect(results.map((r) => r.status)).toEqual(copiers.map(() => 201));
    expect((await as(owner).get(`/templates/${source.id}`)).body.copy_count).toBe(20);
    const [{ n }] = await t.deps.dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM job_templates WHERE copied_from = $1', [
      source.id,
    ]);
    expect(n).toBe(20);
  });

  it('a private template (own or another workspace’s), a missing id or a non-UUID is a 404 in the library get and copy, and nothing is written', async () => {
    const owner = newUserId();
    const other = newUserId();
    const hidden = await createTemplate(t, owner, { name: 'hidden' });
    const wasPublic = await publish(owner, { name: 'was public' });
    expect((await as(owner).put(`/templates/${wasPublic.id}`, { visibility: 'private' })).status).toBe(200);
    const before = [await userRows(t.deps.dataSource, owner), await userRows(t.deps.dataSource, other)];
    for (const id of [hidden.id, hidden.id.toUpperCase(), wasPublic.id, randomUUID(), 'not-a-uuid']) {
      for (const user of [owner, other]) {
        expectProblem(await as(user).get(`/library/templates/${id}`), 404, { detail: 'Template not found' });
        expectProblem(await copy(user, id), 404, { detail: 'Template not found' });
        expectProblem(await copy(user, id, { name: 'x' }), 404);
      }
    }
    expect([await userRows(t.deps.dataSource, owner), await userRows(t.deps.dataSource, other)]).toEqual(before);
    expect((await as(owner).get(`/templates/${hidden.id}`)).body.copy_count).toBe(0);
  });

  it("the copy is the copier's to change and delete, and changing either never touches the other", async () => {
    const owner = newUserId();
    const copier = newUserId();
    const source = await publish(owner, { name: 'source', tags: ['s'], metadata: { k: 1 } });
    const made = (await copy(copier, source.id)).body;
    const changed = await as(copier).put(`/templates/${made.id}`, {
      name: 'mine now',
      tags: ['c'],
      metadata: { k: 2 },
      visibility: 'public',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'mine now', tags: ['c'], metadata: { k: 2 }, visibility: 'public', copied_from: source.id });
    expect((await as(copier).post(`/templates/${made.id}/favorite`)).body.is_favorite).toBe(true);
    expect((await as(copier).post(`/templates/${made.id}/use`, {})).status).toBe(201);
    const sourceNow = (await as(owner).get(`/templates/${source.id}`)).body;
    expect(sourceNow).toMatchObject({ name: 'source', tags: ['s'], metadata: { k: 1 }, use_count: 0, is_favorite: false, copy_count: 1 });
    expect(sourceNow.updated_at).toBe(source.updated_at);
    // The owner changes the source: the copy stays as it was.
    expect((await as(owner).put(`/templates/${source.id}`, { name: 'renamed source', metadata: { k: 3 } })).status).toBe(200);
    const copyNow = (await as(copier).get(`/templates/${made.id}`)).body;
    expect(copyNow).toMatchObject({ name: 'mine now', metadata: { k: 2 } });
    // The source deleted: the copy outlives it, still naming it.
    expect((await as(owner).delete(`/templates/${source.id}`)).status).toBe(204);
    expect((await as(copier).get(`/templates/${made.id}`)).body.copied_from).toBe(source.id);
    expect((await as(copier).delete(`/templates/${made.id}`)).status).toBe(204);
  });

  it('another workspace never changes a public template: every /templates route is a 404 and the source stays byte for byte', async () => {
    const owner = newUserId();
    const other = newUserId();
    const source = await publish(owner, { name: 'source' });
    const before = await userRows(t.deps.dataSource, owner);
    const B = as(other);
    for (const res of [
      await B.get(`/templates/${source.id}`),
      await B.put(`/templates/${source.id}`, { name: 'stolen' }),
      await B.put(`/templates/${source.id}`, { visibility: 'private' }),
      await B.delete(`/templates/${source.id}`),
      await B.post(`/templates/${source.id}/use`, {}),
      await B.post(`/templates/${source.id}/favorite`),
      await B.post('/schedule', {
        name: 'x',
        schedule_type: 'daily',
        scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
        template_id: source.id,
      }),
    ]) {
      expectProblem(res, 404);
    }
    expect(await userRows(t.deps.dataSource, owner)).toEqual(before);
    expect((await B.get('/templates')).body).toEqual([]);
  });
});
