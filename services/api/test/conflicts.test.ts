/**
 * Conflicts (PRODUCT.md Part 2 "Conflicts and slot suggestions", issue #12 part 4): the overfull
 * windows of `GET /schedule/conflicts`, hand-computed (3 runs of a publisher at 09:00 and one at
 * 09:30 with at most 3 a window → one window of 4; another publisher not counted; scope `all`
 * counts both), runs that never fire (skipped, blacked out, paused) not counted, other
 * workspaces never counted, and the `warnings` of create, update and import rows (dry run and
 * commit), empty when the plan is fine. The clock is pinned: Monday 2030-03-04 06:00 UTC.
 */
import { apiAs, expectProblem, newUserId, PinnedClock, type JsonObject, type UserApi } from '@scheduler/testkit';
import { useTestApp } from './helpers';

const T0 = '2030-03-04T06:00:00.000Z';
const DAY = '2030-03-05';
const dayWindow = `from=${DAY}T00:00:00Z&to=2030-03-06T00:00:00Z`;

describe('schedule conflicts', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin(T0));

  const daily = (api: UserApi, time: string, domain: string, extra: JsonObject = {}) =>
    api.post('/schedule', {
      name: `${domain} ${time}`,
      schedule_type: 'daily',
      scheduled_at: `${DAY}T${time}:00Z`,
      timezone: 'UTC',
      job_config: { publisher_domain: domain },
      ...extra,
    });

  async function created(res: Promise<{ status: number; body: JsonObject }> | { status: number; body: JsonObject }): Promise<JsonObject> {
    const r = await res;
    if (r.status !== 201) throw new Error(`not created: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Three daily runs of a.example at 09:00, one at 09:30, one of b.example at 09:15. */
  async function plan() {
    const user = newUserId();
    const api = apiAs(t, user);
    const nine = [];
    for (let i = 0; i < 3; i += 1) nine.push(await created(daily(api, '09:00', 'a.example')));
    const b = await created(daily(api, '09:15', 'b.example'));
    const half = await created(daily(api, '09:30', 'a.example'));
    return { user, api, nine, b, half };
  }

  it('when 3 runs of a publisher fall at 09:00 and one at 09:30 with at most 3 a window, then one window of 4 is listed', async () => {
    const { api, nine, half } = await plan();
    const res = await api.get(`/schedule/conflicts?${dayWindow}`);
    expect(res.status).toBe(200);
    const at = (time: string) => `${DAY}T${time}:00.000Z`;
    const sortedIds = nine.map((s) => s.id as string).sort();
    expect(res.body).toEqual({
      from: `${DAY}T00:00:00.000Z`,
      to: '2030-03-06T00:00:00.000Z',
      window_minutes: 60,
      max_per_window: 3,
      scope: 'publisher_domain',
      truncated: false,
      conflicts: [
        {
          window_start: at('09:00'),
          window_end: at('10:00'),
          publisher_domain: 'a.example',
          count: 4,
          max_per_window: 3,
          occurrences: [...sortedIds.map((id) => ({ schedule_id: id, at: at('09:00') })), { schedule_id: half.id, at: at('09:30') }],
        },
      ],
    });
  });

  it('when the scope is all, then both publishers count in one window; a larger max or shorter window clears it', async () => {
    const { api } = await plan();
    expect((await api.put('/settings', { conflict_scope: 'all' })).status).toBe(200);
    const all = await api.get(`/schedule/conflicts?${dayWindow}`);
    expect(all.body.scope).toBe('all');
    expect(all.body.conflicts.map((c: JsonObject) => [c.window_start, c.window_end, c.publisher_domain, c.count])).toEqual([
      [`${DAY}T09:00:00.000Z`, `${DAY}T10:00:00.000Z`, null, 5],
    ]);
    // A 20-minute window: [09:00, 09:20) holds 4 of the 5 (09:30 is out); with at most 4, nothing.
    await api.put('/settings', { conflict_window_minutes: 20 });
    const short = await api.get(`/schedule/conflicts?${dayWindow}`);
    expect(short.body.conflicts.map((c: JsonObject) => [c.window_start, c.window_end, c.count])).toEqual([
      [`${DAY}T09:00:00.000Z`, `${DAY}T09:20:00.000Z`, 4],
    ]);
    await api.put('/settings', { conflict_max_per_window: 4 });
    expect((await api.get(`/schedule/conflicts?${dayWindow}`)).body.conflicts).toEqual([]);
  });

  it('when overfull windows overlap, then they are one entry from the first start to the last end', async () => {
    const api = apiAs(t, newUserId());
    await api.put('/settings', { conflict_max_per_window: 1 });
    for (const time of ['09:00', '09:40', '10:20']) await created(daily(api, time, 'a.example'));
    await created(daily(api, '14:00', 'a.example'));
    const res = await api.get(`/schedule/conflicts?${dayWindow}`);
    // Windows at 09:00 (09:00, 09:40) and 09:40 (09:40, 10:20) are overfull and overlap; 10:20 alone and 14:00 alone are fine.
    expect(res.body.conflicts.map((c: JsonObject) => [c.window_start, c.window_end, c.count])).toEqual([
      [`${DAY}T09:00:00.000Z`, `${DAY}T10:40:00.000Z`, 3],
    ]);
  });

  it('when a run is skipped, blacked out or its schedule paused, then it is not counted', async () => {
    const { api, nine, half } = await plan();
    const conflicts = async () => (await api.get(`/schedule/conflicts?${dayWindow}`)).body.conflicts as JsonObject[];
    expect(await conflicts()).toHaveLength(1);

    expect((await api.post(`/schedule/${nine[0].id}/skip`, { occurrence_at: `${DAY}T09:00:00Z` })).status).toBe(200);
    expect(await conflicts()).toEqual([]);
    expect((await api.delete(`/schedule/${nine[0].id}/skips/${DAY}T09:00:00Z`)).status).toBe(204);
    expect(await conflicts()).toHaveLength(1);

    expect((await api.post(`/schedule/${half.id}/pause`)).status).toBe(200);
    expect(await conflicts()).toEqual([]);
    expect((await api.post(`/schedule/${half.id}/resume`)).status).toBe(200);
    expect(await conflicts()).toHaveLength(1);

    // A campaign with a skip blackout on that day: its schedule's run there never fires.
    const campaign = await created(api.post('/campaigns', { name: 'C' }));
    expect((await api.put(`/schedule/${nine[1].id}`, { campaign_id: campaign.id })).status).toBe(200);
    expect(await conflicts()).toHaveLength(1);
    const blackout = await api.post('/blackouts', {
      name: 'Off',
      start_date: DAY,
      end_date: DAY,
      timezone: 'UTC',
      policy: 'skip',
      campaign_id: campaign.id,
    });
    expect(blackout.status).toBe(201);
    expect(await conflicts()).toEqual([]);
  });

  it('when another workspace plans runs for the same publisher, then they never count or appear', async () => {
    const a = apiAs(t, newUserId());
    const b = apiAs(t, newUserId());
    for (let i = 0; i < 3; i += 1) await created(daily(a, '09:00', 'a.example'));
    for (let i = 0; i < 2; i += 1) await created(daily(b, '09:00', 'a.example'));
    const last = await created(daily(b, '09:10', 'a.example'));
    expect(last.warnings).toEqual([]);
    expect((await a.get(`/schedule/conflicts?${dayWindow}`)).body.conflicts).toEqual([]);
    expect((await b.get(`/schedule/conflicts?${dayWindow}`)).body.conflicts).toEqual([]);
  });

  it('when a create or an update overfills a window, then the response warns (and the write succeeds); none when fine', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    for (let i = 0; i < 3; i += 1) expect((await created(daily(api, '09:00', 'a.example'))).warnings).toEqual([]);
    // Another publisher at the same time: fine.
    expect((await created(daily(api, '09:00', 'b.example'))).warnings).toEqual([]);

    const fourth = await created(daily(api, '09:30', 'a.example'));
    expect(fourth.status).toBe('active');
    const warnings = fourth.warnings as JsonObject[];
    // Daily: every day of the next 30 has the window; at most 10 are listed, soonest first.
    expect(warnings).toHaveLength(10);
    expect(warnings[0]).toEqual({
      code: 'conflict',
      message: expect.stringContaining('a.example'),
      window_start: `${DAY}T09:00:00.000Z`,
      window_end: `${DAY}T10:00:00.000Z`,
      publisher_domain: 'a.example',
      count: 4,
      max_per_window: 3,
    });
    expect(warnings[1].window_start).toBe('2030-03-06T09:00:00.000Z');

    // Moved out of the window: no warning; moved back in: warned again.
    const moved = await api.put(`/schedule/${fourth.id}`, { scheduled_at: `${DAY}T11:00:00Z` });
    expect(moved.status).toBe(200);
    expect(moved.body.warnings).toEqual([]);
    const back = await api.put(`/schedule/${fourth.id}`, { scheduled_at: `${DAY}T09:45:00Z` });
    expect(back.status).toBe(200);
    expect((back.body.warnings as JsonObject[])[0]).toMatchObject({ window_start: `${DAY}T09:00:00.000Z`, count: 4 });
    // The warning is only the changed schedule's: a rename of a schedule outside the window warns of nothing.
    const other = await created(daily(api, '15:00', 'a.example'));
    expect((await api.put(`/schedule/${other.id}`, { name: 'renamed' })).body.warnings).toEqual([]);
  });

  it('when import rows overfill a window, then those rows warn on the dry run and on the commit; other rows do not', async () => {
    const api = apiAs(t, newUserId());
    for (let i = 0; i < 2; i += 1) await created(daily(api, '09:00', 'a.example'));
    const rows = [
      {
        name: 'r1',
        schedule_type: 'daily',
        scheduled_at: `${DAY}T09:10:00Z`,
        timezone: 'UTC',
        job_config: { publisher_domain: 'a.example' },
      },
      {
        name: 'r2',
        schedule_type: 'daily',
        scheduled_at: `${DAY}T09:20:00Z`,
        timezone: 'UTC',
        job_config: { publisher_domain: 'a.example' },
      },
      {
        name: 'r3',
        schedule_type: 'daily',
        scheduled_at: `${DAY}T16:00:00Z`,
        timezone: 'UTC',
        job_config: { publisher_domain: 'a.example' },
      },
    ];
    for (const path of ['/schedule/import?dry_run=true', '/schedule/import?dry_run=false']) {
      const res = await api.post(path, rows);
      expect(res.status).toBe(path.endsWith('true') ? 200 : 201);
      const report = res.body.rows as JsonObject[];
      // Against the existing two and each other: 09:00, 09:00, 09:10, 09:20 in [09:00, 10:00) is 4.
      for (const row of report.slice(0, 2)) {
        expect((row.warnings as JsonObject[])[0]).toMatchObject({
          code: 'conflict',
          window_start: `${DAY}T09:00:00.000Z`,
          window_end: `${DAY}T10:00:00.000Z`,
          publisher_domain: 'a.example',
          count: 4,
        });
      }
      expect(report[2].warnings).toEqual([]);
    }
    // After the commit the plan has the rows (twice the morning ones would be 6, but the dry run wrote nothing).
    const after = await api.get(`/schedule/conflicts?${dayWindow}`);
    expect(after.body.conflicts.map((c: JsonObject) => c.count)).toEqual([4]);
  });

  it('when from or to is missing, reversed or more than 92 days apart, then 422 naming the field', async () => {
    const api = apiAs(t, newUserId());
    expectProblem(await api.get('/schedule/conflicts'), 422, { fields: ['from', 'to'] });
    expectProblem(await api.get(`/schedule/conflicts?from=${DAY}T00:00:00Z`), 422, { fields: ['to'] });
    expectProblem(await api.get(`/schedule/conflicts?from=${DAY}T00:00:00Z&to=${DAY}T00:00:00Z`), 422, { fields: ['to'] });
    expectProblem(await api.get(`/schedule/conflicts?from=2030-03-01T00:00:00Z&to=2030-06-02T00:00:00Z`), 422, { fields: ['to'] });
    expectProblem(await api.get(`/schedule/conflicts?from=x&to=y`), 422, { fields: ['from', 'to'] });
    expectProblem(await api.get(`/schedule/conflicts?${dayWindow}&scope=all`), 422, { fields: ['scope'] });
    expect((await api.get(`/schedule/conflicts?from=2030-03-01T00:00:00Z&to=2030-06-01T00:00:00Z`)).status).toBe(200);
  });
});
