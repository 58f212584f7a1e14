/**
 * `GET /calendar/days`: each local day's count and first `per_day` equal what paging
 * `GET /calendar` over the same window gives, bucketed by the viewer's local day (a property
 * over random schedules, random past runs and random viewer zones, in a window with DST changes
 * on both sides of "now": the API's clock is pinned to 2027-03-20, the window runs 2027-03-01 to
 * 2027-05-01, so New York's spring change is in the past, Berlin's and Sydney's in the future);
 * a day of 23 hours; the 422s of its parameters; the filters; workspace isolation.
 */
import fc from 'fast-check';
import { ScheduleRun } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, expectProblem, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

const NOW = Date.parse('2027-03-20T12:00:00Z');
const FROM = '2027-03-01T00:00:00.000Z';
const TO = '2027-05-01T00:00:00.000Z';
const HOUR = 3_600_000;
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kathmandu', 'America/Sao_Paulo'];
const OUTCOMES = ['materialized', 'missed', 'failed', 'skipped'] as const;

interface Occurrence {
  schedule_id: string;
  at: string;
  state: string;
}
interface Day {
  date: string;
  count: number;
  occurrences: Occurrence[];
}

/** The local date of an instant in a zone, straight from Intl (no cache: the reference the API is checked against). */
function localDate(at: string, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    new Date(at),
  );
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The calendar's days as a client would make them: every page of `GET /calendar`, bucketed by local date. */
function bucket(occurrences: Occurrence[], zone: string, perDay: number): Day[] {
  const days = new Map<string, Day>();
  for (const o of occurrences) {
    const date = localDate(o.at, zone);
    const day = days.get(date) ?? { date, count: 0, occurrences: [] };
    days.set(date, day);
    day.count += 1;
    if (day.occurrences.length < perDay) day.occurrences.push(o);
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
}

describe('GET /calendar/days', () => {
  const t = useTestApp({}, { now: () => new Date(NOW) });
  const window = `from=${FROM}&to=${TO}`;

  async function allPages(api: ReturnType<typeof apiAs>, query: string, limit: number): Promise<Occurrence[]> {
    const shown: Occurrence[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(`/calendar?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      shown.push(...page.body.occurrences);
      cursor = page.body.next_cursor;
    } while (cursor);
    return shown;
  }

  async function insertRuns(user: string, scheduleId: string, runs: { at: number; outcome: (typeof OUTCOMES)[number] }[]) {
    const repo = t.deps.dataSource.getRepository(ScheduleRun);
    const unique = [...new Map(runs.map((r) => [r.at, r])).values()];
    await repo.save(
      unique.map((r) =>
        repo.create({
          scheduledJobId: scheduleId,
          userId: user,
          workspaceId: `user:${user}`,
          occurrenceAt: new Date(r.at),
          outcome: r.outcome,
        }),
      ),
    );
  }

  it('for random schedules, past runs and zones: counts and first per_day = the paged calendar bucketed by local day', async () => {
    const schedule = fc.record({
      kind: fc.constantFrom('daily', 'hourly', 'weekly', 'cron'),
      zone: fc.constantFrom(...ZONES),
      startHours: fc.integer({ min: 1, max: 24 * 5 }),
      runs: fc.array(fc.record({ hoursBefore: fc.integer({ min: 1, max: 19 * 24 - 1 }), outcome: fc.constantFrom(...OUTCOMES) }), {
        maxLength: 40,
      }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(schedule, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(7, 500, 5000),
        fc.constantFrom(undefined, 'planned', 'missed', 'skipped'),
        async (schedules, viewer, perDay, limit, state) => {
          const user = newUserId();
          const api = apiAs(t, user);
          for (const [i, s] of schedules.entries()) {
            const created = await createSchedule(t, user, {
              name: `s${i}`,
              schedule_type: s.kind === 'cron' ? 'cron' : s.kind === 'weekly' ? 'weekly' : 'daily',
              scheduled_at: new Date(NOW + s.startHours * HOUR).toISOString(),
              timezone: s.zone,
              ...(s.kind === 'weekly' ? { recurrence_pattern: 'weekly:monday,thursday' } : {}),
              ...(s.kind === 'cron' ? { recurrence_pattern: '30 1,2,3 * * *' } : {}),
              ...(s.kind === 'hourly' ? { schedule_type: 'cron', recurrence_pattern: '0 * * * *' } : {}),
            });
            await insertRuns(
              user,
              created.id as string,
              s.runs.map((r) => ({ at: NOW - r.hoursBefore * HOUR - i * 60_000, outcome: r.outcome })),
            );
          }
          const filters = `${window}${state ? `&state=${state}` : ''}`;
          const expected = bucket(await allPages(api, filters, limit), viewer, perDay);
          const res = await api.get(`/calendar/days?${filters}&timezone=${encodeURIComponent(viewer)}&per_day=${perDay}`);
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ from: FROM, to: TO, timezone: viewer });
          expect(res.body.days).toEqual(expected);
        },
      ),
      { numRuns: Number(process.env.CALENDAR_PROPERTY_RUNS ?? 15) },
    );
  }, 180_000);

  it("buckets by the viewer's local day: an hourly schedule has 23 runs on Berlin's spring-forward day, 24 in UTC", async () => {
    const user = newUserId();
    await createSchedule(t, user, {
      name: 'Hourly',
      schedule_type: 'cron',
      recurrence_pattern: '0 * * * *',
      scheduled_at: new Date(NOW + HOUR).toISOString(),
    });
    const api = apiAs(t, user);
    const berlin = await api.get(`/calendar/days?${window}&timezone=europe/berlin&per_day=2`);
    expect(berlin.status).toBe(200);
    expect(berlin.body.timezone).toBe('Europe/Berlin');
    const byDate = new Map<string, Day>(berlin.body.days.map((d: Day) => [d.date, d]));
    expect(byDate.get('2027-03-27')!.count).toBe(24);
    expect(byDate.get('2027-03-28')!.count).toBe(23);
    expect(byDate.get('2027-03-28')!.occurrences.map((o) => o.at)).toEqual(['2027-03-27T23:00:00.000Z', '2027-03-28T00:00:00.000Z']);
    // The first day is cut by "now" (13:00 UTC = 14:00 Berlin on the 20th: 10 runs left of it).
    expect(berlin.body.days[0]).toMatchObject({ date: '2027-03-20', count: 10 });
    const utc = await api.get(`/calendar/days?${window}`);
    expect(utc.body.timezone).toBe('UTC');
    const utcDay = utc.body.days.find((d: Day) => d.date === '2027-03-28');
    expect(utcDay.count).toBe(24);
    expect(utcDay.occurrences).toHaveLength(6);
    expect(utc.body.days.at(-1)).toMatchObject({ date: '2027-04-30', count: 24 });
  });

  it('applies the filters; another workspace sees none of it', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user, { name: 'Spring' });
    await createSchedule(t, user, { name: 'In campaign', scheduled_at: new Date(NOW + HOUR).toISOString(), campaign_id: campaign.id });
    await createSchedule(t, user, { name: 'Outside', scheduled_at: new Date(NOW + 2 * HOUR).toISOString() });
    const mine = await apiAs(t, user).get(`/calendar/days?${window}&campaign_id=${campaign.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.days.length).toBeGreaterThan(30);
    for (const d of mine.body.days) {
      expect(d.count).toBe(1);
      expect(d.occurrences.map((o: { schedule_name: string }) => o.schedule_name)).toEqual(['In campaign']);
    }
    const all = await apiAs(t, user).get(`/calendar/days?${window}`);
    expect(all.body.days[1].count).toBe(2);
    const paused = await apiAs(t, user).get(`/calendar/days?${window}&state=paused`);
    expect(paused.body.days).toEqual([]);

    const other = apiAs(t, newUserId());
    const theirs = await other.get(`/calendar/days?${window}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.days).toEqual([]);
    const stolen = await other.get(`/calendar/days?${window}&campaign_id=${campaign.id}`);
    expect(stolen.status).toBe(200);
    expect(stolen.body.days).toEqual([]);
  });

  it('refuses a missing or too long window, an unknown zone and per_day out of 1–50 with a 422 naming each', async () => {
    const api = apiAs(t, newUserId());
    expectProblem(await api.get('/calendar/days'), 422, { fields: ['from', 'to'] });
    const long = await api.get(`/calendar/days?from=${FROM}&to=2027-05-02T00:00:01Z`);
    expectProblem(long, 422, { fields: ['to'] });
    expect(long.body.errors[0].message).toBe('must be at most 62 days after from');
    expect((await api.get(`/calendar/days?from=${FROM}&to=2027-05-02T00:00:00Z`)).status).toBe(200);
    expectProblem(await api.get(`/calendar/days?from=${TO}&to=${FROM}`), 422, { fields: ['to'] });
    for (const zone of ['Mars/Olympus', '+02:00', 'x'.repeat(65)]) {
      const res = await api.get(`/calendar/days?${window}&timezone=${encodeURIComponent(zone)}`);
      expectProblem(res, 422, { fields: ['timezone'] });
    }
    for (const perDay of ['0', '51', 'x', '1.5'])
      expectProblem(await api.get(`/calendar/days?${window}&per_day=${perDay}`), 422, { fields: ['per_day'] });
    expectProblem(await api.get(`/calendar/days?${window}&cursor=x`), 422, { fields: ['cursor'] });
    expectProblem(await api.get(`/calendar/days?${window}&state=nope`), 422, { fields: ['state'] });
  });
});
