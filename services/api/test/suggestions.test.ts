/**
 * Slot suggestions (`GET /schedule/suggestions`, issue #12 part 5): free slots in local working
 * hours (09:00–17:00 Mon–Fri by default, `hours=`/`days=` otherwise) in the zone, also across a
 * DST change; never in a window one more run would overfill; one per day before any day gets a
 * second; `count` respected; a suggested slot, when used, raises no warning; other workspaces'
 * runs never count; 422s. The clock is pinned: Monday 2030-03-04 06:00 UTC (07:00 in Berlin).
 */
import { apiAs, expectProblem, newUserId, PinnedClock, type JsonObject, type UserApi } from '@scheduler/testkit';
import { useTestApp } from './helpers';

const T0 = '2030-03-04T06:00:00.000Z';

describe('slot suggestions', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin(T0));

  /** Three daily runs of a.example at 09:00 Berlin time from Monday: the 09:00 window is full every day. */
  async function busyMornings(api: UserApi) {
    for (let i = 0; i < 3; i += 1) {
      const res = await api.post('/schedule', {
        name: `morning ${i}`,
        schedule_type: 'daily',
        scheduled_at: '2030-03-04T09:00:00',
        timezone: 'Europe/Berlin',
        job_config: { publisher_domain: 'a.example' },
      });
      expect(res.status).toBe(201);
    }
  }

  const suggest = async (api: UserApi, params: string) => {
    const res = await api.get(`/schedule/suggestions?publisher_domain=a.example&timezone=Europe/Berlin&${params}`);
    expect(res.status).toBe(200);
    return res.body.suggestions as { at: string; local: string; timezone: string }[];
  };

  it('when the 09:00 window is full each day, then the emptiest free slot of each weekday is suggested, one per day', async () => {
    const api = apiAs(t, newUserId());
    await busyMornings(api);
    // 09:00 and 09:30 would be a 4th run in the window starting at 09:00; 10:00 is the first free slot.
    expect(await suggest(api, 'count=3')).toEqual([
      { at: '2030-03-04T09:00:00.000Z', local: '2030-03-04T10:00:00+01:00', timezone: 'Europe/Berlin' },
      { at: '2030-03-05T09:00:00.000Z', local: '2030-03-05T10:00:00+01:00', timezone: 'Europe/Berlin' },
      { at: '2030-03-06T09:00:00.000Z', local: '2030-03-06T10:00:00+01:00', timezone: 'Europe/Berlin' },
    ]);
    // Another publisher: its own windows are empty, so 09:00 is free.
    const other = await api.get('/schedule/suggestions?publisher_domain=b.example&timezone=Europe/Berlin&count=1');
    expect(other.body.suggestions[0].local).toBe('2030-03-04T09:00:00+01:00');
  });

  it('when every weekday has one, then weekends stay out and a day gets a second only after every day has one', async () => {
    const api = apiAs(t, newUserId());
    await busyMornings(api);
    const ten = await suggest(api, 'count=12');
    expect(ten).toHaveLength(12);
    const days = ten.map((s) => s.local.slice(0, 10));
    // The 14 days from Monday 07:00 hold 10 weekdays (Mon 4 … Fri 15); weekends never.
    const weekdays = [...new Set(days)];
    expect(weekdays).toEqual([
      '2030-03-04',
      '2030-03-05',
      '2030-03-06',
      '2030-03-07',
      '2030-03-08',
      '2030-03-11',
      '2030-03-12',
      '2030-03-13',
      '2030-03-14',
      '2030-03-15',
    ]);
    for (const s of ten) {
      const hour = Number(s.local.slice(11, 13));
      expect(hour).toBeGreaterThanOrEqual(9);
      expect(hour).toBeLessThan(17);
    }
    // The two days with a second slot are the first two, and their second slot keeps out of the first one's window.
    expect(days.filter((d) => d === '2030-03-04')).toHaveLength(2);
    expect(days.filter((d) => d === '2030-03-05')).toHaveLength(2);
    expect(ten.filter((s) => s.local.startsWith('2030-03-04')).map((s) => s.local.slice(11, 16))).toEqual(['10:00', '11:00']);
  });

  it('when hours and days are given, then only those local slots are suggested', async () => {
    const api = apiAs(t, newUserId());
    await busyMornings(api);
    expect((await suggest(api, 'count=2&hours=13-15&days=sat,sun')).map((s) => s.local)).toEqual([
      '2030-03-09T13:00:00+01:00',
      '2030-03-10T13:00:00+01:00',
    ]);
    // hours=08-10 on Mondays: 08:00 is free ([08:00, 09:00) holds none); 08:30 and 09:xx would be a 4th run with the 09:00 ones,
    // so each of the two Mondays has one slot only: fewer than count.
    expect((await suggest(api, 'count=4&hours=08-10&days=mon')).map((s) => s.local)).toEqual([
      '2030-03-04T08:00:00+01:00',
      '2030-03-11T08:00:00+01:00',
    ]);
  });

  it('when the week crosses the DST change, then the slots keep their local time and change their offset', async () => {
    const api = apiAs(t, newUserId());
    await busyMornings(api);
    // Berlin moves to +02:00 on Sunday 2030-03-31.
    expect(await suggest(api, 'count=3&from=2030-03-29T00:00:00Z')).toEqual([
      { at: '2030-03-29T09:00:00.000Z', local: '2030-03-29T10:00:00+01:00', timezone: 'Europe/Berlin' },
      { at: '2030-04-01T08:00:00.000Z', local: '2030-04-01T10:00:00+02:00', timezone: 'Europe/Berlin' },
      { at: '2030-04-02T08:00:00.000Z', local: '2030-04-02T10:00:00+02:00', timezone: 'Europe/Berlin' },
    ]);
  });

  it('when a suggested slot is used, then the new schedule raises no warning; the slot before it would', async () => {
    const api = apiAs(t, newUserId());
    await busyMornings(api);
    const [slot] = await suggest(api, 'count=1');
    const body = { name: 'x', schedule_type: 'once', timezone: 'Europe/Berlin', job_config: { publisher_domain: 'a.example' } };
    const used = await api.post('/schedule', { ...body, scheduled_at: slot.at });
    expect(used.status).toBe(201);
    expect(used.body.warnings).toEqual([]);
    const full = await api.post('/schedule', { ...body, scheduled_at: new Date(Date.parse(slot.at) - 30 * 60_000).toISOString() });
    expect((full.body.warnings as JsonObject[]).length).toBe(1);
  });

  it("when another workspace fills the mornings, then this workspace's suggestions ignore them", async () => {
    const busy = apiAs(t, newUserId());
    await busyMornings(busy);
    const api = apiAs(t, newUserId());
    expect((await suggest(api, 'count=1'))[0].local).toBe('2030-03-04T09:00:00+01:00');
  });

  it('when a parameter is missing or bad, then 422 naming it', async () => {
    const api = apiAs(t, newUserId());
    expectProblem(await api.get('/schedule/suggestions'), 422, { fields: ['publisher_domain'] });
    const bad = (params: string) => api.get(`/schedule/suggestions?publisher_domain=a.example&${params}`);
    expectProblem(await bad('timezone=Mars/Base'), 422, { fields: ['timezone'] });
    expectProblem(await bad('hours=17-09'), 422, { fields: ['hours'] });
    expectProblem(await bad('hours=9'), 422, { fields: ['hours'] });
    expectProblem(await bad('hours=00-25'), 422, { fields: ['hours'] });
    expectProblem(await bad('days=mon,funday'), 422, { fields: ['days'] });
    expectProblem(await bad('days=mon,mon'), 422, { fields: ['days'] });
    expectProblem(await bad('count=0'), 422, { fields: ['count'] });
    expectProblem(await bad('count=51'), 422, { fields: ['count'] });
    expectProblem(await bad('from=tomorrow'), 422, { fields: ['from'] });
    expectProblem(await bad('limit=3'), 422, { fields: ['limit'] });
    const fine = await bad('count=2&hours=0-24&days=sun');
    expect(fine.status).toBe(200);
    expect(fine.body.suggestions).toHaveLength(2);
  });
});
