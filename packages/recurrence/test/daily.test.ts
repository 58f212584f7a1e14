import { describeOccurrence, nextOccurrence } from '../src';
import { firstOccurrence } from '../src/occurrences';
import { fromStart, localsFromStart, rule } from './helpers/rules';

describe('daily schedules', () => {
  describe('when a daily schedule crosses a DST change, then it keeps its local time of day', () => {
    it.each([
      // zone, scheduled_at (wall clock), expected UTC instants of the first 4 runs
      [
        'America/New_York (spring forward 2027-03-14)',
        'America/New_York',
        '2027-03-12T09:00:00',
        ['2027-03-12T14:00:00.000Z', '2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z', '2027-03-15T13:00:00.000Z'],
      ],
      [
        'America/New_York (fall back 2027-11-07)',
        'America/New_York',
        '2027-11-05T09:00:00',
        ['2027-11-05T13:00:00.000Z', '2027-11-06T13:00:00.000Z', '2027-11-07T14:00:00.000Z', '2027-11-08T14:00:00.000Z'],
      ],
      [
        'Europe/Stockholm (spring forward 2027-03-28)',
        'Europe/Stockholm',
        '2027-03-26T09:00:00',
        ['2027-03-26T08:00:00.000Z', '2027-03-27T08:00:00.000Z', '2027-03-28T07:00:00.000Z', '2027-03-29T07:00:00.000Z'],
      ],
      [
        'Europe/Stockholm (fall back 2027-10-31)',
        'Europe/Stockholm',
        '2027-10-29T09:00:00',
        ['2027-10-29T07:00:00.000Z', '2027-10-30T07:00:00.000Z', '2027-10-31T08:00:00.000Z', '2027-11-01T08:00:00.000Z'],
      ],
      [
        'Australia/Sydney (DST ends 2027-04-04)',
        'Australia/Sydney',
        '2027-04-02T09:00:00',
        ['2027-04-01T22:00:00.000Z', '2027-04-02T22:00:00.000Z', '2027-04-03T23:00:00.000Z', '2027-04-04T23:00:00.000Z'],
      ],
      [
        'Australia/Sydney (DST starts 2027-10-03)',
        'Australia/Sydney',
        '2027-10-01T09:00:00',
        ['2027-09-30T23:00:00.000Z', '2027-10-01T23:00:00.000Z', '2027-10-02T22:00:00.000Z', '2027-10-03T22:00:00.000Z'],
      ],
      [
        'Asia/Kolkata (+05:30, no DST)',
        'Asia/Kolkata',
        '2027-03-13T09:00:00',
        ['2027-03-13T03:30:00.000Z', '2027-03-14T03:30:00.000Z', '2027-03-15T03:30:00.000Z', '2027-03-16T03:30:00.000Z'],
      ],
      [
        'Asia/Kathmandu (+05:45, no DST)',
        'Asia/Kathmandu',
        '2027-10-30T09:00:00',
        ['2027-10-30T03:15:00.000Z', '2027-10-31T03:15:00.000Z', '2027-11-01T03:15:00.000Z', '2027-11-02T03:15:00.000Z'],
      ],
      [
        'Europe/Moscow (2011-03-27: last switch to +04)',
        'Europe/Moscow',
        '2011-03-25T09:00:00',
        ['2011-03-25T06:00:00.000Z', '2011-03-26T06:00:00.000Z', '2011-03-27T05:00:00.000Z', '2011-03-28T05:00:00.000Z'],
      ],
      [
        'Europe/Moscow (2014-10-26: back to +03 for good)',
        'Europe/Moscow',
        '2014-10-24T09:00:00',
        ['2014-10-24T05:00:00.000Z', '2014-10-25T05:00:00.000Z', '2014-10-26T06:00:00.000Z', '2014-10-27T06:00:00.000Z'],
      ],
    ])('%s', (_label, timezone, scheduledAt, expected) => {
      const r = rule({ schedule_type: 'daily', scheduled_at: scheduledAt, timezone });
      expect(fromStart(r, 4)).toEqual(expected);
    });
  });

  it('when Moscow kept +04 all year (winter 2012/2013), then 09:00 Moscow is 05:00Z, and 06:00Z again after 2014', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '2010-01-15T09:00:00', timezone: 'Europe/Moscow' });
    expect(nextOccurrence(r, new Date('2010-01-15T12:00:00Z'))!.toISOString()).toBe('2010-01-16T06:00:00.000Z');
    expect(nextOccurrence(r, new Date('2013-01-15T12:00:00Z'))!.toISOString()).toBe('2013-01-16T05:00:00.000Z');
    expect(nextOccurrence(r, new Date('2016-01-15T12:00:00Z'))!.toISOString()).toBe('2016-01-16T06:00:00.000Z');
  });

  describe('when the time of day does not exist on the spring-forward day, then that day runs shifted by the gap', () => {
    it.each([
      [
        'America/New_York 02:30',
        'America/New_York',
        '2027-03-13T02:30:00',
        [
          { local: '2027-03-13T02:30:00-05:00', dst_adjusted: false },
          { local: '2027-03-14T03:30:00-04:00', dst_adjusted: true },
          { local: '2027-03-15T02:30:00-04:00', dst_adjusted: false },
        ],
      ],
      [
        'Europe/Stockholm 02:30',
        'Europe/Stockholm',
        '2027-03-27T02:30:00',
        [
          { local: '2027-03-27T02:30:00+01:00', dst_adjusted: false },
          { local: '2027-03-28T03:30:00+02:00', dst_adjusted: true },
          { local: '2027-03-29T02:30:00+02:00', dst_adjusted: false },
        ],
      ],
      [
        'Australia/Sydney 02:30',
        'Australia/Sydney',
        '2027-10-02T02:30:00',
        [
          { local: '2027-10-02T02:30:00+10:00', dst_adjusted: false },
          { local: '2027-10-03T03:30:00+11:00', dst_adjusted: true },
          { local: '2027-10-04T02:30:00+11:00', dst_adjusted: false },
        ],
      ],
      [
        'America/Sao_Paulo 00:30 (midnight transition, 2018-11-04)',
        'America/Sao_Paulo',
        '2018-11-03T00:30:00',
        [
          { local: '2018-11-03T00:30:00-03:00', dst_adjusted: false },
          { local: '2018-11-04T01:30:00-02:00', dst_adjusted: true },
          { local: '2018-11-05T00:30:00-02:00', dst_adjusted: false },
        ],
      ],
    ])('%s', (_label, timezone, scheduledAt, expected) => {
      const r = rule({ schedule_type: 'daily', scheduled_at: scheduledAt, timezone });
      expect(localsFromStart(r, 3)).toEqual(expected);
    });

    it('America/New_York 02:30 on 2027-03-14 runs at 07:30Z, one hour after the 07:00Z transition', () => {
      const r = rule({ schedule_type: 'daily', scheduled_at: '2027-03-13T02:30:00', timezone: 'America/New_York' });
      expect(fromStart(r, 3)).toEqual(['2027-03-13T07:30:00.000Z', '2027-03-14T07:30:00.000Z', '2027-03-15T06:30:00.000Z']);
    });
  });

  describe('when the time of day happens twice on the fall-back day, then it runs once, at the first instance', () => {
    it.each([
      [
        'America/New_York 01:30',
        'America/New_York',
        '2027-11-06T01:30:00',
        ['2027-11-06T05:30:00.000Z', '2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z'],
      ],
      [
        'Europe/Stockholm 02:30',
        'Europe/Stockholm',
        '2027-10-30T02:30:00',
        ['2027-10-30T00:30:00.000Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z'],
      ],
      [
        'Australia/Sydney 02:30',
        'Australia/Sydney',
        '2027-04-03T02:30:00',
        ['2027-04-02T15:30:00.000Z', '2027-04-03T15:30:00.000Z', '2027-04-04T16:30:00.000Z'],
      ],
      [
        'Europe/Moscow 01:30 (2014-10-26)',
        'Europe/Moscow',
        '2014-10-25T01:30:00',
        ['2014-10-24T21:30:00.000Z', '2014-10-25T21:30:00.000Z', '2014-10-26T22:30:00.000Z'],
      ],
    ])('%s', (_label, timezone, scheduledAt, expected) => {
      const r = rule({ schedule_type: 'daily', scheduled_at: scheduledAt, timezone });
      expect(fromStart(r, 3)).toEqual(expected);
    });

    it('the second instance is never returned, whatever instant we ask from', () => {
      const r = rule({ schedule_type: 'daily', scheduled_at: '2027-11-06T01:30:00', timezone: 'America/New_York' });
      // between the first (05:30Z) and the second (06:30Z) instance of 01:30 on 2027-11-07
      expect(nextOccurrence(r, new Date('2027-11-07T05:30:00Z'))!.toISOString()).toBe('2027-11-08T06:30:00.000Z');
      expect(nextOccurrence(r, new Date('2027-11-07T06:00:00Z'))!.toISOString()).toBe('2027-11-08T06:30:00.000Z');
    });
  });

  it('when a daily schedule crosses the year end, then it continues on January 1st', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '2027-12-30T23:30:00', timezone: 'Pacific/Chatham' });
    expect(localsFromStart(r, 3).map((v) => v.local)).toEqual([
      '2027-12-30T23:30:00+13:45',
      '2027-12-31T23:30:00+13:45',
      '2028-01-01T23:30:00+13:45',
    ]);
  });

  it('when Samoa skipped 2011-12-30 (24 h gap), then that day runs at the same instant as 12-31 and fires once', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '2011-12-28T09:00:00', timezone: 'Pacific/Apia' });
    expect(fromStart(r, 4)).toEqual([
      '2011-12-28T19:00:00.000Z',
      '2011-12-29T19:00:00.000Z',
      '2011-12-30T19:00:00.000Z', // 2011-12-31T09:00+14:00
      '2011-12-31T19:00:00.000Z',
    ]);
    expect(describeOccurrence(r, new Date('2011-12-30T19:00:00Z')).local).toBe('2011-12-31T09:00:00+14:00');
  });

  it('when scheduled_at carries an offset, then the time of day is its local time in the zone', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '2027-01-10T14:00:00Z', timezone: 'America/New_York' });
    expect(r.wall).toBe('2027-01-10T09:00:00');
    expect(nextOccurrence(r, new Date('2027-07-01T00:00:00Z'))!.toISOString()).toBe('2027-07-01T13:00:00.000Z');
  });

  it('when scheduled_at is the second instance of a repeated hour, then the first run is the next day (runs happen at first instances only)', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '2027-11-07T01:30:00-05:00', timezone: 'America/New_York' });
    expect(r.start).toBe('2027-11-07T06:30:00.000Z');
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-11-08T06:30:00.000Z');
  });

  it('when an end date is set, then runs stop at it (inclusive)', () => {
    const r = rule({
      schedule_type: 'daily',
      scheduled_at: '2027-03-13T09:00:00',
      timezone: 'America/New_York',
      recurrence_end_date: '2027-03-15T09:00:00',
    });
    expect(fromStart(r, 10)).toEqual(['2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z', '2027-03-15T13:00:00.000Z']);
    expect(nextOccurrence(r, new Date('2027-03-15T13:00:00Z'))).toBeNull();
  });

  it('when seconds are part of scheduled_at, then they are kept', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '2027-05-01T08:15:42', timezone: 'Europe/Stockholm' });
    expect(fromStart(r, 2)).toEqual(['2027-05-01T06:15:42.000Z', '2027-05-02T06:15:42.000Z']);
  });
});
