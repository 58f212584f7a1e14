/**
 * The filters and `sort=` keys of the lists: schedules by type, template and a name substring;
 * Jobs by template and by `scheduled_for` / `created_at` ranges; sorts with an id tiebreak; and
 * each bad value a 422 naming its parameter. EXPLAIN shows the main filters read an index.
 */
import { createHash } from 'node:crypto';
import {
  apiAs,
  createCampaign,
  createSchedule,
  createTemplate,
  DAY,
  expectProblem,
  fieldsOf,
  inHours,
  insertJob,
  newUserId,
} from '@scheduler/testkit';
import { useTestApp } from './helpers';

const ids = (res: { body: { id: string }[] }) => res.body.map((x) => x.id);

describe('GET /schedule filters and sorts', () => {
  const t = useTestApp();
  const user = newUserId();
  const api = () => apiAs(t, user);
  const made: Record<string, { id: string; name: string; next_run_at: string; created_at: string }> = {};
  let templateId = '';

  beforeAll(async () => {
    templateId = (await createTemplate(t, user, { name: 'T' })).id;
    made.daily = (await createSchedule(t, user, { name: 'Daily Forbes Content', scheduled_at: inHours(3) })) as never;
    made.weekly = (await createSchedule(t, user, {
      name: 'Client A weekly',
      schedule_type: 'weekly',
      recurrence_pattern: 'weekly:monday',
      scheduled_at: inHours(1),
      template_id: templateId,
    })) as never;
    made.once = (await createSchedule(t, user, { name: '100%_done forbes', schedule_type: 'once', scheduled_at: inHours(2) })) as never;
    made.paused = (await createSchedule(t, user, { name: 'paused one', scheduled_at: inHours(4) })) as never;
    expect((await api().post(`/schedule/${made.paused.id}/pause`)).status).toBe(200);
  });

  it('when filtered by schedule_type or template_id, then only those schedules are listed (and counted)', async () => {
    const weekly = await api().get('/schedule?schedule_type=weekly');
    expect(ids(weekly)).toEqual([made.weekly.id]);
    expect(weekly.headers['x-total-count']).toBe('1');
    expect(ids(await api().get(`/schedule?template_id=${templateId}`))).toEqual([made.weekly.id]);
    expect(ids(await api().get(`/schedule?template_id=${templateId.toUpperCase()}&schedule_type=daily`))).toEqual([]);
  });

  it('when q= is sent, then names containing it, case-insensitively, are listed; % and _ are plain characters', async () => {
    expect(ids(await api().get('/schedule?q=FORBES')).sort()).toEqual([made.daily.id, made.once.id].sort());
    expect(ids(await api().get('/schedule?q=%25_'))).toEqual([made.once.id]);
    expect(ids(await api().get('/schedule?q=_'))).toEqual([made.once.id]);
    expect(ids(await api().get('/schedule?q=x%25y'))).toEqual([]);
    expect((await api().get('/schedule?q=%20%20')).headers['x-total-count']).toBe('4'); // blank: no filter
  });

  it('when sorted, then each key orders ascending or (with -) descending, schedules without a next run last', async () => {
    const running = [made.daily, made.weekly, made.once].sort((a, b) => Date.parse(a.next_run_at) - Date.parse(b.next_run_at));
    const byNext = ids(await api().get('/schedule?sort=next_run_at'));
    expect(byNext).toEqual([...running.map((s) => s.id), made.paused.id]);
    expect(ids(await api().get('/schedule?sort=-next_run_at'))).toEqual([...running.reverse().map((s) => s.id), made.paused.id]);
    const names = (await api().get('/schedule?sort=name')).body.map((s: { name: string }) => s.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
    expect((await api().get('/schedule?sort=-name')).body.map((s: { name: string }) => s.name)).toEqual([...names].reverse());
    expect(ids(await api().get('/schedule?sort=-created_at'))).toEqual([made.paused.id, made.once.id, made.weekly.id, made.daily.id]);
    expect(ids(await api().get('/schedule?sort=created_at'))).toEqual([made.daily.id, made.weekly.id, made.once.id, made.paused.id]);
    // The default order is unchanged: soonest next run first.
    expect(ids(await api().get('/schedule'))).toEqual(byNext);
  });

  it('when a filter or sort value is bad, then a 422 names each bad parameter', async () => {
    const res = await api().get(`/schedule?sort=next&schedule_type=hourly&template_id=x&q=${'a'.repeat(256)}`);
    expectProblem(res, 422);
    expect(fieldsOf(res).sort()).toEqual(['q', 'schedule_type', 'sort', 'template_id']);
    expectProblem(await api().get('/schedule?sort=--name'), 422);
    expectProblem(await api().get('/schedule?sort=name&sort=-name'), 422);
  });

  it('when two schedules tie on the sort key, then the id breaks the tie the same way on every page', async () => {
    const other = newUserId();
    for (let i = 0; i < 5; i++) await createSchedule(t, other, { name: 'same name', scheduled_at: inHours(5) });
    const A = apiAs(t, other);
    const all = ids(await A.get('/schedule?sort=name'));
    expect(all).toEqual([...all].sort());
    const paged = [...ids(await A.get('/schedule?sort=name&limit=2')), ...ids(await A.get('/schedule?sort=name&limit=2&offset=2'))];
    paged.push(...ids(await A.get('/schedule?sort=name&limit=2&offset=4')));
    expect(paged).toEqual(all);
    expect(ids(await A.get('/schedule?sort=-name'))).toEqual([...all].reverse());
  });
});

describe('GET /jobs filters and sorts', () => {
  const t = useTestApp();
  const user = newUserId();
  const api = () => apiAs(t, user);
  const base = Date.parse('2027-03-01T00:00:00Z');
  const at = (days: number) => new Date(base + days * DAY);
  const jobs: Record<string, string> = {};
  let templateId = '';

  beforeAll(async () => {
    const ds = t.deps.dataSource;
    templateId = (await createTemplate(t, user, { name: 'T' })).id;
    const rows = [
      { key: 'a', scheduledFor: at(1), createdAt: at(0) },
      { key: 'b', scheduledFor: at(2), createdAt: at(1), templateId },
      { key: 'c', scheduledFor: at(3), createdAt: at(2), status: 'completed' as const },
      { key: 'manual', scheduledFor: null, createdAt: at(3), templateId },
    ];
    for (const { key, ...fields } of rows) jobs[key] = (await insertJob(ds, { userId: user, ...fields })).id;
    const stored = await ds.query(`SELECT id, created_at FROM jobs WHERE user_id = $1 ORDER BY created_at`, [user]);
    expect(stored.map((r: { id: string }) => r.id)).toEqual([jobs.a, jobs.b, jobs.c, jobs.manual]);
  });

  it('when filtered by template_id (with status), then only those Jobs are listed', async () => {
    expect(ids(await api().get(`/jobs?template_id=${templateId}`))).toEqual([jobs.manual, jobs.b]);
    expect(ids(await api().get(`/jobs?template_id=${templateId}&status=completed`))).toEqual([]);
    expect(ids(await api().get('/jobs?status=completed'))).toEqual([jobs.c]);
  });

  it('when scheduled_from / scheduled_to are sent, then scheduled_for is in [from, to) and manual Jobs are left out', async () => {
    const res = await api().get(`/jobs?scheduled_from=${at(2).toISOString()}&scheduled_to=${at(3).toISOString()}`);
    expect(ids(res)).toEqual([jobs.b]);
    expect(res.headers['x-total-count']).toBe('1');
    expect(ids(await api().get(`/jobs?scheduled_from=${at(2).toISOString()}`))).toEqual([jobs.c, jobs.b]);
    expect(ids(await api().get(`/jobs?scheduled_to=2027-03-03T03:00:00%2B02:00`))).toEqual([jobs.b, jobs.a]);
    expect(ids(await api().get(`/jobs?scheduled_from=${at(2).toISOString()}&scheduled_to=${at(2).toISOString()}`))).toEqual([]);
  });

  it('when created_from / created_to are sent, then created_at is in [from, to)', async () => {
    expect(ids(await api().get(`/jobs?created_from=${at(1).toISOString()}&created_to=${at(3).toISOString()}`))).toEqual([jobs.c, jobs.b]);
    expect(ids(await api().get(`/jobs?created_from=${at(3).toISOString()}`))).toEqual([jobs.manual]);
  });

  it('when sorted by scheduled_for, then ascending or descending with manual Jobs last; created_at both ways', async () => {
    expect(ids(await api().get('/jobs?sort=scheduled_for'))).toEqual([jobs.a, jobs.b, jobs.c, jobs.manual]);
    expect(ids(await api().get('/jobs?sort=-scheduled_for'))).toEqual([jobs.c, jobs.b, jobs.a, jobs.manual]);
    expect(ids(await api().get('/jobs?sort=created_at'))).toEqual([jobs.a, jobs.b, jobs.c, jobs.manual]);
    expect(ids(await api().get('/jobs?sort=-created_at'))).toEqual(ids(await api().get('/jobs')));
  });

  it.each([
    ['scheduled_from=2027-03-01', 'scheduled_from'],
    ['scheduled_from=2027-03-01T00:00:00', 'scheduled_from'],
    ['created_to=2027-02-30T00:00:00Z', 'created_to'],
    ['created_to=2027-01-01T24:00:00Z', 'created_to'],
    ['created_from=yesterday', 'created_from'],
    ['created_from=1e12', 'created_from'],
    ['sort=status', 'sort'],
    ['template_id=123', 'template_id'],
  ])('when %s, then a 422 names %s', async (q, field) => {
    const res = await api().get(`/jobs?${q}`);
    expectProblem(res, 422);
    expect(fieldsOf(res)).toEqual([field]);
  });

  it('when a range starts after it ends, then a 422 names the from parameter of each', async () => {
    const res = await api().get(
      `/jobs?scheduled_from=${at(3).toISOString()}&scheduled_to=${at(1).toISOString()}&created_from=${at(3).toISOString()}&created_to=${at(2).toISOString()}`,
    );
    expectProblem(res, 422);
    expect(fieldsOf(res)).toEqual(['scheduled_from', 'created_from']);
  });
});

describe('GET /campaigns sorts', () => {
  const t = useTestApp();
  const user = newUserId();

  it('when sorted by name or created_at, then in that order with the default newest first', async () => {
    const made = [];
    for (const name of ['beta', 'Alpha', 'gamma']) made.push((await createCampaign(t, user, { name })).id as string);
    const api = apiAs(t, user);
    const names = (res: { body: { name: string }[] }) => res.body.map((c) => c.name);
    const byName = names(await api.get('/campaigns?sort=name'));
    expect(byName).toHaveLength(3);
    expect(names(await api.get('/campaigns?sort=-name'))).toEqual([...byName].reverse());
    expect(ids(await api.get('/campaigns?sort=created_at'))).toEqual(made);
    expect(ids(await api.get('/campaigns?sort=-created_at'))).toEqual([...made].reverse());
    expect(ids(await api.get('/campaigns'))).toEqual([...made].reverse());
    expectProblem(await api.get('/campaigns?sort=status'), 422);
  });
});

describe('the list filters read an index (EXPLAIN on 20,000 rows of 200 users)', () => {
  const users = Array.from({ length: 200 }, () => newUserId());
  const user = users[0];
  // Declared before the app, so it runs while the app's database is still open.
  afterAll(async () => {
    await t.deps.dataSource.query('DELETE FROM jobs WHERE user_id = ANY($1)', [users]);
    await t.deps.dataSource.query('DELETE FROM scheduled_jobs WHERE user_id = ANY($1)', [users]);
  });
  const t = useTestApp();

  beforeAll(async () => {
    const ds = t.deps.dataSource;
    await ds.query(
      `INSERT INTO scheduled_jobs (user_id, workspace_id, name, schedule_type, scheduled_at, status, next_run_at, created_at)
       SELECT u, 'user:' || u, 'schedule ' || g || ' ' || md5(g::text), (ARRAY['once','daily','weekly','monthly','cron'])[1 + g % 5],
              now(), 'expired', now() + g * interval '1 minute', now() - g * interval '1 minute'
         FROM unnest($1::text[]) AS u, generate_series(1, 100) AS g`,
      [users],
    );
    await ds.query(
      `INSERT INTO jobs (user_id, workspace_id, status, scheduled_for, created_at)
       SELECT u, 'user:' || u, 'completed', now() + g * interval '1 hour', now() - g * interval '1 hour'
         FROM unnest($1::text[]) AS u, generate_series(1, 100) AS g`,
      [users],
    );
    await ds.query('ANALYZE scheduled_jobs');
    await ds.query('ANALYZE jobs');
  });

  async function plan(sql: string, params: unknown[]): Promise<string> {
    const rows: { 'QUERY PLAN': string }[] = await t.deps.dataSource.query(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it.each([
    [
      'schedules by type, soonest first',
      `SELECT id FROM scheduled_jobs WHERE workspace_id = $1 AND schedule_type = 'weekly' ORDER BY next_run_at, id LIMIT 50`,
    ],
    ['schedules by name substring', `SELECT count(*) FROM scheduled_jobs WHERE workspace_id = $1 AND name ILIKE '%' || $2 || '%'`],
    ['schedules by name', `SELECT id FROM scheduled_jobs WHERE workspace_id = $1 ORDER BY name, id LIMIT 50`],
    [
      'schedules latest next run first',
      `SELECT id FROM scheduled_jobs WHERE workspace_id = $1 ORDER BY next_run_at DESC NULLS LAST, id DESC LIMIT 50`,
    ],
    [
      'Jobs in a scheduled_for range',
      `SELECT id FROM jobs WHERE workspace_id = $1 AND scheduled_for >= now() AND scheduled_for < now() + interval '1 day' ORDER BY created_at DESC, id DESC LIMIT 50`,
    ],
    ['Jobs by scheduled_for', `SELECT id FROM jobs WHERE workspace_id = $1 ORDER BY scheduled_for DESC NULLS LAST, id DESC LIMIT 50`],
  ])('%s: an index scan, no sequential scan', async (_label, sql) => {
    // $2: a substring of one generated name (the md5 of its number).
    // The lists are scoped by the workspace: a personal token's is `user:<sub>`.
    const workspace = `user:${user}`;
    const params = sql.includes('$2') ? [workspace, createHash('md5').update('37').digest('hex').slice(0, 12)] : [workspace];
    const text = await plan(sql, params);
    expect(text).toMatch(/Index|Bitmap Index Scan/);
    expect(text).not.toMatch(/Seq Scan/);
  });
});
