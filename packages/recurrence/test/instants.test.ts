import { describeOccurrence } from '../src';
import { resolveInstant } from '../src/iso';
import { isValidTimeZone } from '../src/zone';
import { rule } from './helpers/rules';

describe('resolveInstant', () => {
  it.each([
    ['2027-03-14T09:00:00Z', 'America/New_York', '2027-03-14T09:00:00.000Z'],
    ['2027-03-14T09:00:00z', 'UTC', '2027-03-14T09:00:00.000Z'],
    ['2027-03-14T09:00:00+05:45', 'UTC', '2027-03-14T03:15:00.000Z'],
    ['2027-03-14T09:00:00-0330', 'UTC', '2027-03-14T12:30:00.000Z'],
    ['2027-03-14T09:00:00+01', 'UTC', '2027-03-14T08:00:00.000Z'],
    ['2027-03-14T09:00:00.123456Z', 'UTC', '2027-03-14T09:00:00.123Z'],
    ['2027-03-14 09:00', 'UTC', '2027-03-14T09:00:00.000Z'],
    ['2027-03-14T09:00:00', 'America/New_York', '2027-03-14T13:00:00.000Z'],
    ['2027-01-14T09:00:00', 'America/New_York', '2027-01-14T14:00:00.000Z'],
    ['2027-03-14T09:00:00', 'Asia/Kathmandu', '2027-03-14T03:15:00.000Z'],
    ['2027-03-14', 'Asia/Kolkata', '2027-03-13T18:30:00.000Z'],
    // gap: 02:30 does not exist in New York on 2027-03-14 -> 03:30 EDT
    ['2027-03-14T02:30:00', 'America/New_York', '2027-03-14T07:30:00.000Z'],
    ['2027-03-28T02:30:00', 'Europe/Stockholm', '2027-03-28T01:30:00.000Z'],
    ['2027-10-03T02:30:00', 'Australia/Sydney', '2027-10-02T16:30:00.000Z'],
    // fold: 01:30 happens twice in New York on 2027-11-07 -> the first (EDT)
    ['2027-11-07T01:30:00', 'America/New_York', '2027-11-07T05:30:00.000Z'],
    ['2027-10-31T02:30:00', 'Europe/Stockholm', '2027-10-31T00:30:00.000Z'],
    ['2027-04-04T02:30:00', 'Australia/Sydney', '2027-04-03T15:30:00.000Z'],
    ['2014-10-26T01:30:00', 'Europe/Moscow', '2014-10-25T21:30:00.000Z'],
  ])('%s in %s is %s', (value, zone, expected) => {
    expect(resolveInstant(value, zone)?.toISOString()).toBe(expected);
  });

  it.each([
    ['', 'UTC'],
    ['yesterday', 'UTC'],
    ['2027-02-29T09:00:00Z', 'UTC'],
    ['2027-04-31', 'UTC'],
    ['2027-03-14T25:00:00Z', 'UTC'],
    ['2027-03-14T09:60:00Z', 'UTC'],
    ['2027-03-14T09:00:00+24:00', 'UTC'],
    ['2027-3-14T09:00:00Z', 'UTC'],
    ['27-03-14T09:00:00Z', 'UTC'],
    ['2027-03-14T09:00:00 Z', 'UTC'],
    ['2027-03-14Z', 'UTC'],
    ['1899-12-31T23:59:59Z', 'UTC'],
    ['2027-03-14T09:00:00', 'Not/AZone'],
  ])('%p in %s is unparseable (null)', (value, zone) => {
    expect(resolveInstant(value, zone)).toBeNull();
  });

  it('when the text has an offset, then the zone is not needed', () => {
    expect(resolveInstant('2027-03-14T09:00:00Z', 'Not/AZone')?.toISOString()).toBe('2027-03-14T09:00:00.000Z');
  });
});

describe('isValidTimeZone', () => {
  it.each([
    'UTC',
    'Etc/UTC',
    'America/New_York',
    'Europe/Stockholm',
    'Australia/Sydney',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Etc/GMT+5',
    'America/Argentina/Buenos_Aires',
  ])('%s is valid', (tz) => expect(isValidTimeZone(tz)).toBe(true));
  it.each(['', 'Mars/Olympus', '+05:00', 'GMT+5', 'UTC ', 'America/New York', '../etc/passwd', 'a'.repeat(100)])('%p is not valid', (tz) =>
    expect(isValidTimeZone(tz)).toBe(false),
  );
  it('a non-string is not valid', () => {
    expect(isValidTimeZone(5 as unknown as string)).toBe(false);
  });
});

describe('describeOccurrence', () => {
  it.each([
    ['UTC', '2027-03-14T09:00:00', '2027-03-14T09:00:00.000Z', '2027-03-14T09:00:00+00:00'],
    ['America/New_York', '2027-03-14T09:00:00', '2027-03-14T13:00:00.000Z', '2027-03-14T09:00:00-04:00'],
    ['America/New_York', '2027-01-14T09:00:00', '2027-01-14T14:00:00.000Z', '2027-01-14T09:00:00-05:00'],
    ['Asia/Kolkata', '2027-03-14T09:00:00', '2027-03-14T03:30:00.000Z', '2027-03-14T09:00:00+05:30'],
    ['Asia/Kathmandu', '2027-03-14T09:00:00', '2027-03-14T03:15:00.000Z', '2027-03-14T09:00:00+05:45'],
    ['America/St_Johns', '2027-01-14T09:00:00', '2027-01-14T12:30:00.000Z', '2027-01-14T09:00:00-03:30'],
  ])('in %s, %s is at %s, local %s', (timezone, scheduledAt, at, local) => {
    const r = rule({ schedule_type: 'once', scheduled_at: scheduledAt, timezone });
    expect(describeOccurrence(r, new Date(at))).toEqual({ at, local, dst_adjusted: false });
  });

  it('when the zone offset had seconds (Kathmandu before 1920), then local shows them', () => {
    const r = rule({ schedule_type: 'once', scheduled_at: '1910-01-01T00:00:00Z', timezone: 'Asia/Kathmandu' });
    expect(describeOccurrence(r, new Date('1910-01-01T00:00:00Z')).local).toBe('1910-01-01T05:41:16+05:41:16');
  });
});
