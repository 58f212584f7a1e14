/**
 * iCal feeds: CRUD (the token is shown on create and rotate only, stored as its SHA-256), rotate
 * and delete kill the old address, an unknown token is a 404 problem, the feed is rate limited
 * per address, and the `.ics`, parsed and expanded by ical.js, holds exactly the calendar's
 * occurrences of the feed window (30 days back, 180 ahead) in zones with DST changes and for
 * `monthly:31`; a feed never shows another workspace's schedules; a campaign feed only its own.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import ICAL from 'ical.js';
import { CalendarFeed } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, expectProblem, newUserId, PinnedClock } from '@scheduler/testkit';
import { useTestApp } from './helpers';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const clock = new PinnedClock();
const pathOf = (url: string) => new URL(url).pathname;

interface IcsEvent {
  uid: string;
  start: number;
  summary: string;
  categories: string[];
  url: string | null;
  status: string | null;
}

/** The events a standard client computes from the text: each VEVENT expanded (RRULE or not) by ical.js. */
function eventsOf(text: string, until: number): { calendar: InstanceType<typeof ICAL.Component>; events: IcsEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events: IcsEvent[] = [];
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    const it = event.iterator();
    for (let next = it.next(); next; next = it.next()) {
      const start = next.toJSDate().getTime();
      if (start >= until) break;
      events.push({
        uid: event.uid,
        start,
        summary: event.summary,
        categories: vevent.getAllProperties('categories').flatMap((p: InstanceType<typeof ICAL.Property>) => p.getValues().map(String)),
        url: (vevent.getFirstPropertyValue('url') as string | null) ?? null,
        status: (vevent.getFirstPropertyValue('status') as string | null) ?? null,
      });
    }
  }
  return { calendar, events };
}

describe('iCal feeds', () => {
  const t = useTestApp({ PUBLIC_BASE_URL: 'https://scheduler.example.com/' }, { now: clock.now });
  afterEach(() => clock.reset());
  const feeds = () => t.deps.dataSource.getRepository(CalendarFeed);

  it('create shows the address once (token stored hashed), list leaves it out, rotate and delete kill the old address', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    await createSchedule(t, user);
    const created = await api.post('/calendar/feeds', { name: 'Team plan' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['campaign_id', 'created_at', 'id', 'name', 'url']);
    expect(created.body.url).toMatch(/^https:\/\/scheduler\.example\.com\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    const token = /\/ical\/(.+)\.ics$/.exec(created.body.url)![1];
    const row = await feeds().findOneByOrFail({ id: created.body.id });
    expect(row.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);

    const list = await api.get('/calendar/feeds');
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('1');
    expect(list.body).toEqual([{ id: created.body.id, name: 'Team plan', campaign_id: null, created_at: created.body.created_at }]);
    expect(JSON.stringify(list.body)).not.toContain(token);

    const ok = await request(t.app).get(pathOf(created.body.url));
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/calendar; charset=utf-8');

    const rotated = await api.post(`/calendar/feeds/${created.body.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(created.body.id);
    expect(rotated.body.url).not.toBe(created.body.url);
    expectProblem(await request(t.app).get(pathOf(created.body.url)), 404);
    expect((await request(t.app).get(pathOf(rotated.body.url))).status).toBe(200);

    expect((await api.delete(`/calendar/feeds/${created.body.id}`)).status).toBe(204);
    expectProblem(await request(t.app).get(pathOf(rotated.body.url)), 404);
    expectProblem(await api.delete(`/calendar/feeds/${created.body.id}`), 404);
    expect(await feeds().countBy({ workspaceId: `user:${user}` })).toBe(0);
  });

  it('unknown tokens and malformed addresses are 404 problems; bad bodies 422 and another workspace 404, writing nothing', async () => {
    expectProblem(await request(t.app).get(`/ical/${'A'.repeat(43)}.ics`), 404);
    expectProblem(await request(t.app).get('/ical/short.ics'), 404);
    const user = newUserId();
    const api = apiAs(t, user);
    expectProblem(await api.post('/calendar/feeds', {}), 422, { fields: ['name'] });
    expectProblem(await api.post('/calendar/feeds', { name: 'x', campaign_id: 'nope', extra: 1 }), 422, {
      fields: ['campaign_id', 'extra'],
    });
    const stranger = newUserId();
    const theirCampaign = await createCampaign(t, stranger);
    expectProblem(await api.post('/calendar/feeds', { name: 'x', campaign_id: theirCampaign.id }), 404);
    const theirFeed = await apiAs(t, stranger).post('/calendar/feeds', { name: 'theirs' });
    expectProblem(await api.delete(`/calendar/feeds/${theirFeed.body.id}`), 404);
    expectProblem(await api.post(`/calendar/feeds/${theirFeed.body.id}/rotate`), 404);
    expect((await api.get('/calendar/feeds')).body).toEqual([]);
    expect(await feeds().countBy({ workspaceId: `user:${user}` })).toBe(0);
    expect((await request(t.app).get(pathOf(theirFeed.body.url))).status).toBe(200);
  });

  it('the .ics is valid RFC 5545 and its events are exactly the calendar of the feed window, in 4 zones with DST changes and monthly:31', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    clock.pin(now);
    const user = newUserId();
    const api = apiAs(t, user);
    const campaign = await createCampaign(t, user, { name: 'Launch' });
    const start = now + HOUR;
    const bodies = [
      { name: 'NY daily', schedule_type: 'daily', timezone: 'America/New_York' },
      { name: 'Paris weekly', schedule_type: 'weekly', recurrence_pattern: 'weekly:monday,friday', timezone: 'Europe/Paris' },
      { name: 'Sydney month end', schedule_type: 'monthly', recurrence_pattern: 'monthly:31', timezone: 'Australia/Sydney' },
      { name: 'Kolkata cron', schedule_type: 'cron', recurrence_pattern: '30 2 * * 1-5', timezone: 'Asia/Kolkata' },
    ];
    const schedules = [];
    for (const body of bodies)
      schedules.push(await createSchedule(t, user, { scheduled_at: new Date(start).toISOString(), campaign_id: campaign.id, ...body }));
    const skip = await api.get(`/schedule/${schedules[0].id}/preview?count=3`);
    expect((await api.post(`/schedule/${schedules[0].id}/skip`, { occurrence_at: skip.body.occurrences[2].at })).status).toBe(200);

    const feed = await api.post('/calendar/feeds', { name: 'Everything' });
    const res = await request(t.app).get(pathOf(feed.body.url));
    expect(res.status).toBe(200);
    const text = res.text;
    expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(text).toMatch(/\r\nVERSION:2\.0\r\n/);
    expect(text).toMatch(/\r\nPRODID:[^\r\n]+\r\n/);

    const from = now - 30 * DAY;
    const to = now + 180 * DAY;
    const { calendar, events } = eventsOf(text, to);
    expect(calendar.name).toBe('vcalendar');
    const expected = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(
        `/calendar?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expected.push(...page.body.occurrences);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(expected.length).toBeGreaterThan(200);
    expect(events.map((e) => [e.start, e.summary])).toEqual(expected.map((o) => [new Date(o.at).getTime(), o.schedule_name]));
    // Every zone crosses a DST change in the window (or has none: Kolkata), and monthly:31 runs on each month's last day.
    const nyLocal = expected.filter((o) => o.schedule_name === 'NY daily').map((o) => o.local.slice(11));
    expect(new Set(nyLocal.map((l: string) => l.slice(0, 8))).size).toBe(1);
    expect(new Set(nyLocal.map((l: string) => l.slice(-6)))).toEqual(new Set(['-05:00', '-04:00']));
    const monthEnds = expected.filter((o) => o.schedule_name === 'Sydney month end').map((o) => o.local.slice(0, 10));
    for (const d of monthEnds) {
      const [y, m, day] = d.split('-').map(Number);
      expect(day).toBe(new Date(Date.UTC(y, m, 0)).getUTCDate());
    }
    expect(monthEnds.length).toBeGreaterThanOrEqual(5);
    // Stable UIDs, the link, the campaign, DTSTAMP; the skipped one is cancelled.
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    const again = eventsOf((await request(t.app).get(pathOf(feed.body.url))).text, to).events;
    expect(again.map((e) => e.uid)).toEqual(events.map((e) => e.uid));
    for (const [i, e] of events.entries()) {
      expect(e.categories).toEqual(['Launch']);
      expect(e.url).toBe(`https://scheduler.example.com/api/v1/schedule/${expected[i].schedule_id}`);
      expect(e.status).toBe(expected[i].state === 'skipped' ? 'CANCELLED' : 'CONFIRMED');
    }
    expect(events.filter((e) => e.status === 'CANCELLED')).toHaveLength(1);
    for (const vevent of calendar.getAllSubcomponents('vevent')) expect(vevent.getFirstPropertyValue('dtstamp')).toBeTruthy();
  });

  it('a feed shows only its workspace (and a campaign feed only that campaign)', async () => {
    const user = newUserId();
    const stranger = newUserId();
    const campaign = await createCampaign(t, user, { name: 'Only this' });
    const inCampaign = await createSchedule(t, user, { name: 'mine in campaign', campaign_id: campaign.id });
    const outside = await createSchedule(t, user, { name: 'mine outside' });
    const theirs = await createSchedule(t, stranger, { name: 'theirs' });
    const uidsOf = async (url: string) =>
      new Set(eventsOf((await request(t.app).get(pathOf(url))).text, Date.now() + 200 * DAY).events.map((e) => e.uid.slice(0, 36)));
    const all = await uidsOf((await apiAs(t, user).post('/calendar/feeds', { name: 'all' })).body.url);
    expect(all).toEqual(new Set([inCampaign.id, outside.id]));
    const one = await uidsOf((await apiAs(t, user).post('/calendar/feeds', { name: 'one', campaign_id: campaign.id })).body.url);
    expect(one).toEqual(new Set([inCampaign.id]));
    const strangers = await uidsOf((await apiAs(t, stranger).post('/calendar/feeds', { name: 'all' })).body.url);
    expect(strangers).toEqual(new Set([theirs.id]));
  });
});

describe('iCal feed rate limit', () => {
  const t = useTestApp({ RATE_LIMIT_READS: '3' });

  it('is limited per client address: the 4th fetch in the window is a 429 problem', async () => {
    const user = newUserId();
    const feed = await apiAs(t, user).post('/calendar/feeds', { name: 'limited' });
    const path = pathOf(feed.body.url);
    for (let i = 0; i < 3; i++) expect((await request(t.app).get(path)).status).toBe(200);
    expectProblem(await request(t.app).get(path), 429);
    // Unknown tokens count too: guessing does not get around it.
    expectProblem(await request(t.app).get(`/ical/${'B'.repeat(43)}.ics`), 429);
  });
});
