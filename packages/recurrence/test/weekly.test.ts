import { firstOccurrence } from '../src/occurrences';
import { fromStart, localsFromStart, next, rule } from './helpers/rules';

describe('weekly schedules', () => {
  it('when the pattern lists several weekdays, then it runs on each of them at the wall time', () => {
    // 2027-01-01 is a Friday
    const r = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-01-01T09:00:00',
      timezone: 'America/New_York',
      recurrence_pattern: 'weekly:monday,thursday',
    });
    expect(fromStart(r, 5)).toEqual([
      '2027-01-04T14:00:00.000Z',
      '2027-01-07T14:00:00.000Z',
      '2027-01-11T14:00:00.000Z',
      '2027-01-14T14:00:00.000Z',
      '2027-01-18T14:00:00.000Z',
    ]);
  });

  it.each([
    ['weekly:monday', 'weekly:monday'],
    ['WEEKLY:Monday', 'weekly:monday'],
    ['weekly:thu,MON,monday', 'weekly:monday,thursday'],
    ['weekly: sun , sat ', 'weekly:saturday,sunday'],
    ['weekly:sunday,friday,wednesday,tuesday,saturday,thursday,monday', 'weekly:monday,tuesday,wednesday,thursday,friday,saturday,sunday'],
  ])('when the pattern is %p, then it is normalized to %p', (pattern, normalized) => {
    const r = rule({ schedule_type: 'weekly', scheduled_at: '2027-01-01T09:00:00', recurrence_pattern: pattern });
    expect(r.pattern).toBe(normalized);
  });

  it('when the pattern is absent, then the weekday of scheduled_at (local date) is used', () => {
    // 2027-01-07T02:00Z is Wednesday 2027-01-06 21:00 in New York
    const r = rule({ schedule_type: 'weekly', scheduled_at: '2027-01-07T02:00:00Z', timezone: 'America/New_York' });
    expect(r.pattern).toBe('weekly:wednesday');
    expect(fromStart(r, 2)).toEqual(['2027-01-07T02:00:00.000Z', '2027-01-14T02:00:00.000Z']);
  });

  it('when scheduled_at is not on a listed weekday, then the first run is the first listed weekday after it', () => {
    const r = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-01-05T09:00:00', // Tuesday
      recurrence_pattern: 'weekly:monday',
    });
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-01-11T09:00:00.000Z');
  });

  it('when the listed weekday is scheduled_at day but later in the day, then the first run is that same day', () => {
    const r = rule({ schedule_type: 'weekly', scheduled_at: '2027-01-04T09:00:00', recurrence_pattern: 'weekly:monday' });
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-01-04T09:00:00.000Z');
  });

  it('when a weekly run falls in the spring-forward gap, then it is shifted by the gap that week only (New York)', () => {
    const r = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-03-07T02:30:00',
      timezone: 'America/New_York',
      recurrence_pattern: 'weekly:sunday',
    });
    expect(localsFromStart(r, 3)).toEqual([
      { local: '2027-03-07T02:30:00-05:00', dst_adjusted: false },
      { local: '2027-03-14T03:30:00-04:00', dst_adjusted: true },
      { local: '2027-03-21T02:30:00-04:00', dst_adjusted: false },
    ]);
  });

  it('when a weekly run falls in the repeated hour (Sydney, 2027-04-04), then it runs at the first instance', () => {
    const r = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-03-28T02:30:00',
      timezone: 'Australia/Sydney',
      recurrence_pattern: 'weekly:sun',
    });
    expect(fromStart(r, 3)).toEqual(['2027-03-27T15:30:00.000Z', '2027-04-03T15:30:00.000Z', '2027-04-10T16:30:00.000Z']);
  });

  it('when weekly runs cross Stockholm DST in both directions, then 09:00 local is kept', () => {
    const r = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-03-21T09:00:00',
      timezone: 'Europe/Stockholm',
      recurrence_pattern: 'weekly:sunday',
    });
    expect(fromStart(r, 2)).toEqual(['2027-03-21T08:00:00.000Z', '2027-03-28T07:00:00.000Z']);
    expect(next(r, '2027-10-25T00:00:00Z', 2)).toEqual(['2027-10-31T08:00:00.000Z', '2027-11-07T08:00:00.000Z']);
  });

  it('when a weekly schedule crosses the year end, then it keeps its weekday', () => {
    const r = rule({ schedule_type: 'weekly', scheduled_at: '2027-12-24T23:00:00', recurrence_pattern: 'weekly:friday' });
    expect(fromStart(r, 3)).toEqual(['2027-12-24T23:00:00.000Z', '2027-12-31T23:00:00.000Z', '2028-01-07T23:00:00.000Z']);
  });

  it('when the zone is ahead of UTC, then the weekday is the local one (Kathmandu Monday 01:00 is Sunday in UTC)', () => {
    const r = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-01-04T01:00:00',
      timezone: 'Asia/Kathmandu',
      recurrence_pattern: 'weekly:monday',
    });
    expect(fromStart(r, 2)).toEqual(['2027-01-03T19:15:00.000Z', '2027-01-10T19:15:00.000Z']);
  });
});
