import { nextOccurrence, nextOccurrences, parseSchedule } from '../src';
import { MAX_OCCURRENCES, occurrencesBetween } from '../src/occurrences';
import { errorFields, rule } from './helpers/rules';

describe('limits', () => {
  const everySecond = rule({ schedule_type: 'cron', scheduled_at: '2027-01-01T00:00:00Z', recurrence_pattern: '* * * * * *' });
  const at = new Date('2027-01-01T00:00:00Z');

  it('when more than 1000 next occurrences are asked for, then 1000 are returned', () => {
    expect(MAX_OCCURRENCES).toBe(1000);
    expect(nextOccurrences(everySecond, at, 5000)).toHaveLength(1000);
  });

  it.each([0, -1, NaN, 2.9])('when the count is %p, then it is floored and never negative', (count) => {
    expect(nextOccurrences(everySecond, at, count)).toHaveLength(count > 0 ? Math.floor(count) : 0);
  });

  it('when occurrencesBetween has a limit, then it stops there; the range is inclusive at both ends', () => {
    expect(
      occurrencesBetween(everySecond, new Date('2027-01-01T00:00:10Z'), new Date('2027-01-01T00:00:20Z'), 3).map((d) => d.toISOString()),
    ).toEqual(['2027-01-01T00:00:10.000Z', '2027-01-01T00:00:11.000Z', '2027-01-01T00:00:12.000Z']);
    expect(occurrencesBetween(everySecond, new Date('2027-01-01T00:00:10Z'), new Date('2027-01-01T00:00:20Z'), 100)).toHaveLength(11);
    expect(occurrencesBetween(everySecond, new Date('2027-01-01T00:00:10.001Z'), new Date('2027-01-01T00:00:10.999Z'), 100)).toEqual([]);
  });

  it('when the asked instant has milliseconds, then the next occurrence is the next whole second strictly after it', () => {
    expect(nextOccurrence(everySecond, new Date('2027-01-01T00:00:05.001Z'))!.toISOString()).toBe('2027-01-01T00:00:06.000Z');
  });

  it('when occurrences would pass the year 9999, then there are none (null, not an endless search)', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '9999-12-31T09:00:00Z' });
    expect(nextOccurrences(r, new Date('9999-12-30T00:00:00Z'), 5).map((d) => d.toISOString())).toEqual(['9999-12-31T09:00:00.000Z']);
    expect(nextOccurrence(r, new Date('9999-12-31T09:00:00Z'))).toBeNull();
  });

  it('when a schedule could never run before its end date or the year 10000, then it is refused', () => {
    expect(errorFields({ schedule_type: 'cron', scheduled_at: '9999-03-01T00:00:00Z', recurrence_pattern: '0 0 29 2 *' })).toEqual([
      'scheduled_at',
    ]);
    expect(parseSchedule({ schedule_type: 'cron', scheduled_at: '9995-03-01T00:00:00Z', recurrence_pattern: '0 0 29 2 *' }).ok).toBe(true);
  });
});
