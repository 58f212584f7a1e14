/**
 * Settings (`GET/PUT /settings`): defaults while a workspace has none (`updated_at` null, ETag
 * `"0"`), a partial PUT creating the row, every bad field a 422 naming it with nothing written,
 * If-Match (a stale tag is a 412), one row per workspace (another workspace keeps its defaults).
 */
import { WorkspaceSettings } from '@scheduler/entities';
import { apiAs, expectProblem, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

describe('settings', () => {
  const t = useTestApp();
  const rows = (workspaceId: string) => t.deps.dataSource.getRepository(WorkspaceSettings).countBy({ workspaceId });

  it('when a workspace never saved settings, then GET answers the defaults with ETag "0"', async () => {
    const res = await apiAs(t, newUserId()).get('/settings');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      conflict_window_minutes: 60,
      conflict_max_per_window: 3,
      conflict_scope: 'publisher_domain',
      updated_at: null,
    });
    expect(res.headers.etag).toBe('"0"');
  });

  it('when PUT sends some fields, then only those change, the row is created once, and the ETag moves', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const first = await api.put('/settings', { conflict_max_per_window: 5 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      conflict_window_minutes: 60,
      conflict_max_per_window: 5,
      conflict_scope: 'publisher_domain',
      updated_at: expect.any(String),
    });
    expect(await rows(`user:${user}`)).toBe(1);
    const second = await api.put('/settings', { conflict_scope: 'all', conflict_window_minutes: 1440 });
    expect(second.body).toMatchObject({ conflict_window_minutes: 1440, conflict_max_per_window: 5, conflict_scope: 'all' });
    expect(second.headers.etag).not.toBe(first.headers.etag);
    const got = await api.get('/settings');
    expect(got.body).toEqual(second.body);
    expect(got.headers.etag).toBe(second.headers.etag);
    expect(await rows(`user:${user}`)).toBe(1);
    // Another workspace still has the defaults.
    expect((await apiAs(t, newUserId()).get('/settings')).body.conflict_max_per_window).toBe(3);
  });

  it('when a field is out of range or unknown, then 422 naming each field and nothing is written', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    expectProblem(
      await api.put('/settings', { conflict_window_minutes: 4, conflict_max_per_window: 0, conflict_scope: 'everything' }),
      422,
      {
        fields: ['conflict_window_minutes', 'conflict_max_per_window', 'conflict_scope'],
      },
    );
    expectProblem(await api.put('/settings', { conflict_window_minutes: 1441 }), 422, { fields: ['conflict_window_minutes'] });
    expectProblem(await api.put('/settings', { conflict_window_minutes: 30.5 }), 422, { fields: ['conflict_window_minutes'] });
    expectProblem(await api.put('/settings', { conflict_max_per_window: 1001 }), 422, { fields: ['conflict_max_per_window'] });
    expectProblem(await api.put('/settings', { conflict_max_per_window: '3' }), 422, { fields: ['conflict_max_per_window'] });
    expectProblem(await api.put('/settings', { conflict_scope: null }), 422, { fields: ['conflict_scope'] });
    expectProblem(await api.put('/settings', { color: 'red' }), 422, { fields: ['color'] });
    expectProblem(await api.get('/settings?scope=all'), 422, { fields: ['scope'] });
    expect(await rows(`user:${user}`)).toBe(0);
  });

  it('when If-Match names another version, then 412 and nothing changes; the current tag (or "0" before the first PUT) passes', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const put = (body: object, tag: string) => api.put('/settings', body).set('If-Match', tag);
    expectProblem(await put({ conflict_max_per_window: 4 }, '"abc"'), 412);
    expect(await rows(`user:${user}`)).toBe(0);
    const first = await put({ conflict_max_per_window: 4 }, '"0"');
    expect(first.status).toBe(200);
    const stale = await put({ conflict_max_per_window: 9 }, '"0"');
    expectProblem(stale, 412);
    expect(stale.headers.etag).toBe(first.headers.etag);
    expect((await api.get('/settings')).body.conflict_max_per_window).toBe(4);
    const next = await put({ conflict_max_per_window: 9 }, first.headers.etag);
    expect(next.status).toBe(200);
    expect(next.body.conflict_max_per_window).toBe(9);
  });
});
