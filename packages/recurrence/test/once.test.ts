import { describeOccurrence, nextOccurrence, nextOccurrences } from '../src';
import { firstOccurrence } from '../src/occurrences';
import { errorFields, rule } from './helpers/rules';

describe('once schedules', () => {
  it('when scheduled_at has an offset, then the single run is exactly that instant', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: '2027-03-14T09:00:00+01:00', timezone: 'America/New_York' });
    expect(r.start).toBe('2027-03-14T08:00:00.000Z');
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-03-14T08:00:00.000Z');
    expect(nextOccurrences(r, new Date('2027-01-01T00:00:00Z'), 5).map((d) => d.toISOString())).toEqual(['2027-03-14T08:00:00.000Z']);
  });

  it('when asked for the run after the single run, then there is none', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: '2027-03-14T09:00:00Z' });
    expect(nextOccurrence(r, new Date('2027-03-14T09:00:00Z'))).toBeNull();
    expect(nextOccurrence(r, new Date('2027-03-14T08:59:59.999Z'))!.toISOString()).toBe('2027-03-14T09:00:00.000Z');
  });

  it('when scheduled_at has no offset, then it is wall-clock time in the zone', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: '2027-03-14T09:00:00', timezone: 'America/New_York' });
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-03-14T13:00:00.000Z');
    expect(describeOccurrence(r, firstOccurrence(r)!)).toEqual({
      at: '2027-03-14T13:00:00.000Z',
      local: '2027-03-14T09:00:00-04:00',
      dst_adjusted: false,
    });
  });

  it('when a wall-clock scheduled_at falls in the spring-forward gap, then it runs shifted by the gap and is marked dst_adjusted', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: '2027-03-14T02:30:00', timezone: 'America/New_York' });
    expect(r.wall).toBe('2027-03-14T02:30:00');
    expect(describeOccurrence(r, firstOccurrence(r)!)).toEqual({
      at: '2027-03-14T07:30:00.000Z',
      local: '2027-03-14T03:30:00-04:00',
      dst_adjusted: true,
    });
  });

  it('when a wall-clock scheduled_at is in the repeated hour, then it runs at the first instance', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: '2027-11-07T01:30:00', timezone: 'America/New_York' });
    expect(describeOccurrence(r, firstOccurrence(r)!)).toEqual({
      at: '2027-11-07T05:30:00.000Z',
      local: '2027-11-07T01:30:00-04:00',
      dst_adjusted: false,
    });
  });

  it('when scheduled_at is a Date, then it is used as the instant', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: new Date('2027-06-01T12:34:56Z'), timezone: 'Asia/Kolkata' });
    expect(r.wall).toBe('2027-06-01T18:04:56');
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-06-01T12:34:56.000Z');
  });

  it('when scheduled_at has milliseconds, then they are dropped (runs are whole seconds)', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: '2027-06-01T12:34:56.789Z' });
    expect(r.start).toBe('2027-06-01T12:34:56.000Z');
  });

  it.each(['daily', 'weekly:monday', 'monthly:1', '0 9 * * *'])('when a once schedule has the pattern %p, then it is refused', (p) => {
    expect(errorFields({ schedule_type: 'once', scheduled_at: '2027-01-01T00:00:00Z', recurrence_pattern: p })).toEqual([
      'recurrence_pattern',
    ]);
  });
});
