import { firstOccurrence, occurrencesBetween } from '../src/occurrences';
import { fromStart, localsFromStart, rule } from './helpers/rules';

function daysOfYear(pattern: string, year: number, timezone = 'UTC'): string[] {
  const r = rule({ schedule_type: 'monthly', scheduled_at: `${year}-01-01T09:00:00`, timezone, recurrence_pattern: pattern });
  return occurrencesBetween(r, new Date(`${year}-01-01T00:00:00Z`), new Date(`${year}-12-31T23:59:59Z`), 100).map((d) =>
    d.toISOString().slice(5, 10),
  );
}

describe('monthly schedules', () => {
  it.each([
    ['monthly:29', 2027, '02-28'],
    ['monthly:29', 2028, '02-29'],
    ['monthly:30', 2027, '02-28'],
    ['monthly:30', 2028, '02-29'],
    ['monthly:31', 2027, '02-28'],
    ['monthly:31', 2028, '02-29'],
    ['monthly:last', 2027, '02-28'],
    ['monthly:last', 2028, '02-29'],
  ])('when %s meets February %i, then it runs on %s', (pattern, year, feb) => {
    const days = daysOfYear(pattern, year);
    expect(days.filter((d) => d.startsWith('02-'))).toEqual([feb]);
  });

  it.each([
    ['monthly:29', ['01-29', '02-28', '03-29', '04-29', '05-29', '06-29', '07-29', '08-29', '09-29', '10-29', '11-29', '12-29']],
    ['monthly:30', ['01-30', '02-28', '03-30', '04-30', '05-30', '06-30', '07-30', '08-30', '09-30', '10-30', '11-30', '12-30']],
    ['monthly:31', ['01-31', '02-28', '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31']],
    ['monthly:last', ['01-31', '02-28', '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31']],
  ])('when %s runs through 2027, then it runs once a month on the expected days', (pattern, expected) => {
    expect(daysOfYear(pattern, 2027)).toEqual(expected);
  });

  it('when listed days collapse onto the same date, then that date runs once', () => {
    expect(daysOfYear('monthly:29,30,31', 2027).slice(0, 6)).toEqual(['01-29', '01-30', '01-31', '02-28', '03-29', '03-30']);
    expect(daysOfYear('monthly:29,30,31', 2028).filter((d) => d.startsWith('02-'))).toEqual(['02-29']);
    expect(daysOfYear('monthly:31,last', 2027).length).toBe(12);
  });

  it('when the pattern mixes a day and last, then it runs on both', () => {
    expect(daysOfYear('monthly:15,last', 2027).slice(0, 5)).toEqual(['01-15', '01-31', '02-15', '02-28', '03-15']);
  });

  it.each([
    ['monthly:1', 'monthly:1'],
    ['monthly:last,15,1,15', 'monthly:1,15,last'],
    ['Monthly:LAST', 'monthly:last'],
    ['monthly: 05 , 1', 'monthly:1,5'],
  ])('when the pattern is %p, then it is normalized to %p', (pattern, normalized) => {
    const r = rule({ schedule_type: 'monthly', scheduled_at: '2027-01-01T09:00:00', recurrence_pattern: pattern });
    expect(r.pattern).toBe(normalized);
  });

  it('when the pattern is absent, then the local day of month of scheduled_at is used (31 -> last day of shorter months)', () => {
    const r = rule({ schedule_type: 'monthly', scheduled_at: '2027-01-31T10:00:00', timezone: 'Europe/Stockholm' });
    expect(r.pattern).toBe('monthly:31');
    expect(localsFromStart(r, 3).map((v) => v.local)).toEqual([
      '2027-01-31T10:00:00+01:00',
      '2027-02-28T10:00:00+01:00',
      '2027-03-31T10:00:00+02:00',
    ]);
  });

  it("when scheduled_at is after this month's day, then the first run is next month", () => {
    const r = rule({ schedule_type: 'monthly', scheduled_at: '2027-01-15T09:00:00', recurrence_pattern: 'monthly:1' });
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-02-01T09:00:00.000Z');
  });

  it('when a monthly schedule crosses the year end, then it continues in January (and the leap February)', () => {
    const r = rule({ schedule_type: 'monthly', scheduled_at: '2027-12-31T09:00:00', recurrence_pattern: 'monthly:last' });
    expect(fromStart(r, 3)).toEqual(['2027-12-31T09:00:00.000Z', '2028-01-31T09:00:00.000Z', '2028-02-29T09:00:00.000Z']);
  });

  it('when a monthly run is in the spring-forward gap or the repeated hour, then the DST rules apply (New York)', () => {
    const gap = rule({
      schedule_type: 'monthly',
      scheduled_at: '2027-02-14T02:30:00',
      timezone: 'America/New_York',
      recurrence_pattern: 'monthly:14',
    });
    expect(localsFromStart(gap, 3)).toEqual([
      { local: '2027-02-14T02:30:00-05:00', dst_adjusted: false },
      { local: '2027-03-14T03:30:00-04:00', dst_adjusted: true },
      { local: '2027-04-14T02:30:00-04:00', dst_adjusted: false },
    ]);
    const fold = rule({
      schedule_type: 'monthly',
      scheduled_at: '2027-10-07T01:30:00',
      timezone: 'America/New_York',
      recurrence_pattern: 'monthly:7',
    });
    expect(fromStart(fold, 3)).toEqual(['2027-10-07T05:30:00.000Z', '2027-11-07T05:30:00.000Z', '2027-12-07T06:30:00.000Z']);
  });

  it('when monthly runs in a southern-hemisphere zone across the year, then 09:00 local is kept (Sydney)', () => {
    const r = rule({
      schedule_type: 'monthly',
      scheduled_at: '2027-03-01T09:00:00',
      timezone: 'Australia/Sydney',
      recurrence_pattern: 'monthly:1',
    });
    expect(fromStart(r, 8)).toEqual([
      '2027-02-28T22:00:00.000Z', // AEDT +11
      '2027-03-31T22:00:00.000Z',
      '2027-04-30T23:00:00.000Z', // AEST +10
      '2027-05-31T23:00:00.000Z',
      '2027-06-30T23:00:00.000Z',
      '2027-07-31T23:00:00.000Z',
      '2027-08-31T23:00:00.000Z',
      '2027-09-30T23:00:00.000Z', // 2027-10-01 is before the 2027-10-03 switch
    ]);
  });
});
