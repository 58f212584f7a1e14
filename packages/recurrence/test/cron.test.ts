import { describeOccurrence, nextOccurrence, parseSchedule } from '../src';
import { firstOccurrence, occurrencesBetween } from '../src/occurrences';
import { fromStart, localsFromStart, next, rule } from './helpers/rules';

function cron(pattern: string, scheduledAt: string, timezone = 'UTC') {
  return rule({ schedule_type: 'cron', recurrence_pattern: pattern, scheduled_at: scheduledAt, timezone });
}

describe('cron schedules', () => {
  describe('5-field expressions in a zone', () => {
    it('when "0 9 * * 1" crosses spring forward in New York, then it stays at 09:00 local', () => {
      expect(fromStart(cron('0 9 * * 1', '2027-03-01T00:00:00', 'America/New_York'), 3)).toEqual([
        '2027-03-01T14:00:00.000Z',
        '2027-03-08T14:00:00.000Z',
        '2027-03-15T13:00:00.000Z',
      ]);
    });

    it('when a matching time is in the spring-forward gap, then it fires shifted by the gap', () => {
      const r = cron('30 2 * * *', '2027-03-13T00:00:00', 'America/New_York');
      expect(fromStart(r, 3)).toEqual(['2027-03-13T07:30:00.000Z', '2027-03-14T07:30:00.000Z', '2027-03-15T06:30:00.000Z']);
      expect(describeOccurrence(r, new Date('2027-03-14T07:30:00Z')).dst_adjusted).toBe(true);
    });

    it('when several matching times map to the same instant through the gap, then it fires once', () => {
      // 02:00 and 02:30 do not exist on 2027-03-14; shifted they coincide with 03:00 and 03:30
      const r = cron('0,30 2,3 * * *', '2027-03-14T00:00:00', 'America/New_York');
      expect(fromStart(r, 6)).toEqual([
        '2027-03-14T07:00:00.000Z',
        '2027-03-14T07:30:00.000Z',
        '2027-03-15T06:00:00.000Z',
        '2027-03-15T06:30:00.000Z',
        '2027-03-15T07:00:00.000Z',
        '2027-03-15T07:30:00.000Z',
      ]);
      // 03:00 local matches the expression by itself: not a DST adjustment
      expect(describeOccurrence(r, new Date('2027-03-14T07:00:00Z'))).toEqual({
        at: '2027-03-14T07:00:00.000Z',
        local: '2027-03-14T03:00:00-04:00',
        dst_adjusted: false,
      });
    });

    it('when an hourly cron crosses the spring-forward gap, then the missing hour fires at 03:00 once', () => {
      expect(fromStart(cron('0 * * * *', '2027-03-14T00:00:00', 'America/New_York'), 5)).toEqual([
        '2027-03-14T05:00:00.000Z',
        '2027-03-14T06:00:00.000Z',
        '2027-03-14T07:00:00.000Z',
        '2027-03-14T08:00:00.000Z',
        '2027-03-14T09:00:00.000Z',
      ]);
    });

    it('when an hourly cron crosses the fall-back fold, then the repeated hour fires only at its first instance', () => {
      expect(fromStart(cron('0 * * * *', '2027-11-07T00:00:00', 'America/New_York'), 4)).toEqual([
        '2027-11-07T04:00:00.000Z', // 00:00 EDT
        '2027-11-07T05:00:00.000Z', // 01:00 EDT (first instance)
        '2027-11-07T07:00:00.000Z', // 02:00 EST; 01:00 EST (06:00Z) is a second instance
        '2027-11-07T08:00:00.000Z',
      ]);
    });

    it('when "*/30 1 * * *" meets the fold, then 01:00 and 01:30 fire once each', () => {
      expect(fromStart(cron('*/30 1 * * *', '2027-11-07T00:00:00', 'America/New_York'), 3)).toEqual([
        '2027-11-07T05:00:00.000Z',
        '2027-11-07T05:30:00.000Z',
        '2027-11-08T06:00:00.000Z',
      ]);
    });

    it('when "30 2 * * *" runs in Sydney across the October switch, then the gap day fires at 03:30', () => {
      expect(localsFromStart(cron('30 2 * * *', '2027-10-02T00:00:00', 'Australia/Sydney'), 3)).toEqual([
        { local: '2027-10-02T02:30:00+10:00', dst_adjusted: false },
        { local: '2027-10-03T03:30:00+11:00', dst_adjusted: true },
        { local: '2027-10-04T02:30:00+11:00', dst_adjusted: false },
      ]);
    });

    it.each([
      ['Asia/Kolkata', '2027-05-01T03:30:00.000Z'],
      ['Asia/Kathmandu', '2027-05-01T03:15:00.000Z'],
      ['Europe/Moscow', '2027-05-01T06:00:00.000Z'],
    ])('when "0 9 * * *" runs in %s, then it fires at 09:00 local', (timezone, expected) => {
      expect(fromStart(cron('0 9 * * *', '2027-05-01T00:00:00', timezone), 1)).toEqual([expected]);
    });

    it('when "0 9 * * *" runs in Moscow across 2014-10-26, then the UTC time moves by an hour', () => {
      expect(fromStart(cron('0 9 * * *', '2014-10-25T00:00:00', 'Europe/Moscow'), 2)).toEqual([
        '2014-10-25T05:00:00.000Z',
        '2014-10-26T06:00:00.000Z',
      ]);
    });
  });

  describe('6-field expressions (leading seconds)', () => {
    it('when seconds are given, then they are honoured, also through the gap', () => {
      const r = cron('15 30 2 * * *', '2027-03-13T00:00:00', 'America/New_York');
      expect(fromStart(r, 3)).toEqual(['2027-03-13T07:30:15.000Z', '2027-03-14T07:30:15.000Z', '2027-03-15T06:30:15.000Z']);
    });

    it('when every matching second of a day is in the gap, then each fires shifted, and next year normally', () => {
      const r = cron('*/20 0 2 14 3 *', '2027-01-01T00:00:00', 'America/New_York');
      expect(fromStart(r, 4)).toEqual([
        '2027-03-14T07:00:00.000Z',
        '2027-03-14T07:00:20.000Z',
        '2027-03-14T07:00:40.000Z',
        '2028-03-14T06:00:00.000Z',
      ]);
      expect(describeOccurrence(r, new Date('2027-03-14T07:00:20Z'))).toEqual({
        at: '2027-03-14T07:00:20.000Z',
        local: '2027-03-14T03:00:20-04:00',
        dst_adjusted: true,
      });
    });

    it('when a 6-field expression hits the Stockholm fold, then only the first instance fires', () => {
      expect(fromStart(cron('30 30 2 * * *', '2027-10-31T00:00:00', 'Europe/Stockholm'), 2)).toEqual([
        '2027-10-31T00:30:30.000Z',
        '2027-11-01T01:30:30.000Z',
      ]);
    });

    it('when the seconds field is "*", then it fires every second', () => {
      expect(fromStart(cron('* * * * * *', '2027-01-01T00:00:00Z'), 3)).toEqual([
        '2027-01-01T00:00:00.000Z',
        '2027-01-01T00:00:01.000Z',
        '2027-01-01T00:00:02.000Z',
      ]);
    });
  });

  describe('day-of-month and day-of-week (Vixie semantics)', () => {
    it('when both are restricted, then a day matches if EITHER matches', () => {
      // 2027-08-13 is a Friday and the 13th: once
      expect(fromStart(cron('0 0 13 * 5', '2027-08-01T00:00:00'), 8).map((s) => s.slice(5, 10))).toEqual([
        '08-06',
        '08-13',
        '08-20',
        '08-27',
        '09-03',
        '09-10',
        '09-13',
        '09-17',
      ]);
    });

    it('when the day-of-month field starts with "*", then a day must match BOTH fields', () => {
      expect(fromStart(cron('0 0 */10 * 1', '2027-01-01T00:00:00'), 3).map((s) => s.slice(0, 10))).toEqual([
        '2027-01-11',
        '2027-02-01',
        '2027-03-01',
      ]);
    });

    it('when the same days are written as a range, then they are restricted and OR-ed with the weekday', () => {
      expect(fromStart(cron('0 0 1-31/10 * 1', '2027-01-01T00:00:00'), 5).map((s) => s.slice(0, 10))).toEqual([
        '2027-01-01',
        '2027-01-04',
        '2027-01-11',
        '2027-01-18',
        '2027-01-21',
      ]);
    });

    it('when day-of-week is 7, 0 or SUN, then it is Sunday', () => {
      const expected = ['2027-01-03T00:00:00.000Z', '2027-01-10T00:00:00.000Z', '2027-01-17T00:00:00.000Z'];
      for (const p of ['0 0 * * 7', '0 0 * * 0', '0 0 * * sun', '0 0 * * SUN']) {
        expect(fromStart(cron(p, '2027-01-01T00:00:00'), 3)).toEqual(expected);
      }
      expect(fromStart(cron('0 0 * * 5-7', '2027-01-01T00:00:00'), 4).map((s) => s.slice(0, 10))).toEqual([
        '2027-01-01',
        '2027-01-02',
        '2027-01-03',
        '2027-01-08',
      ]);
    });

    it('when month and day names are used, then they are case-insensitive', () => {
      const r = cron('0 12 * JAN,jul mon-FRI', '2027-01-29T00:00:00');
      expect(r.pattern).toBe('0 12 * JAN,JUL MON-FRI');
      expect(fromStart(r, 4).map((s) => s.slice(0, 13))).toEqual(['2027-01-29T12', '2027-07-01T12', '2027-07-02T12', '2027-07-05T12']);
    });

    it('when the expression is February 29th, then it fires only in leap years (and skips 2100)', () => {
      const r = cron('0 0 29 2 *', '2027-01-01T00:00:00');
      expect(fromStart(r, 3).map((s) => s.slice(0, 10))).toEqual(['2028-02-29', '2032-02-29', '2036-02-29']);
      expect(nextOccurrence(r, new Date('2097-01-01T00:00:00Z'))!.toISOString()).toBe('2104-02-29T00:00:00.000Z');
    });
  });

  it('when "*/15 9-17 * * MON-FRI" runs for a week, then it fires 36 times a weekday and never at the weekend', () => {
    const r = cron('*/15 9-17 * * MON-FRI', '2027-01-04T00:00:00');
    const week = occurrencesBetween(r, new Date('2027-01-04T00:00:00Z'), new Date('2027-01-10T23:59:59Z'), 1000);
    expect(week).toHaveLength(180);
    expect(week[0].toISOString()).toBe('2027-01-04T09:00:00.000Z');
    expect(week[week.length - 1].toISOString()).toBe('2027-01-08T17:45:00.000Z');
  });

  it.each([
    ['@hourly', '0 * * * *'],
    ['@daily', '0 0 * * *'],
    ['@midnight', '0 0 * * *'],
    ['@weekly', '0 0 * * 0'],
    ['@monthly', '0 0 1 * *'],
    ['@yearly', '0 0 1 1 *'],
    ['@ANNUALLY', '0 0 1 1 *'],
  ])('when the macro %s is used, then it runs like %s', (macro, expression) => {
    const a = cron(macro, '2027-03-10T00:00:01');
    const b = cron(expression, '2027-03-10T00:00:01');
    expect(a.pattern).toBe(macro.toLowerCase());
    expect(fromStart(a, 3)).toEqual(fromStart(b, 3));
  });

  describe('start', () => {
    it('when scheduled_at is absent, then the schedule starts at now (rounded up to the second)', () => {
      const now = new Date('2027-01-01T00:00:00.500Z');
      const r = rule({ schedule_type: 'cron', recurrence_pattern: '* * * * * *' }, now);
      expect(r.start).toBe('2027-01-01T00:00:01.000Z');
      expect(firstOccurrence(r)!.toISOString()).toBe('2027-01-01T00:00:01.000Z');
      const daily = rule({ schedule_type: 'cron', recurrence_pattern: '0 9 * * *', timezone: 'America/New_York' }, now);
      expect(firstOccurrence(daily)!.toISOString()).toBe('2027-01-01T14:00:00.000Z');
    });

    it('when scheduled_at is absent, then requireFutureStart does not apply', () => {
      const r = parseSchedule({ schedule_type: 'cron', recurrence_pattern: '0 9 * * *' }, { requireFutureStart: true });
      expect(r.ok).toBe(true);
    });

    it('when scheduled_at is given, then nothing fires before it', () => {
      const r = cron('0 9 * * *', '2027-06-15T09:00:01');
      expect(fromStart(r, 1)).toEqual(['2027-06-16T09:00:00.000Z']);
      expect(next(r, '2020-01-01T00:00:00Z', 1)).toEqual(['2027-06-16T09:00:00.000Z']);
    });
  });
});
