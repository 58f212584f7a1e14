import { parseSchedule } from '../src';
import { canonicalTimeZone } from '../src/zone';

describe('time-zone names are stored in their canonical spelling', () => {
  it.each([
    ['america/new_york', 'America/New_York'],
    ['AMERICA/NEW_YORK', 'America/New_York'],
    ['europe/stockholm', 'Europe/Stockholm'],
    ['utc', 'UTC'],
    ['America/New_York', 'America/New_York'],
    ['UTC', 'UTC'],
  ])('when the zone is written %s, then it is %s', (sent, stored) => {
    expect(canonicalTimeZone(sent)).toBe(stored);
    const r = parseSchedule({ schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00', timezone: sent });
    expect(r.ok && r.rule.timezone).toBe(stored);
  });

  it.each(['Asia/Kolkata', 'US/Eastern', 'Etc/UTC', 'Europe/Kyiv'])(
    'when the zone is a link to another (%s), then it is kept as sent (Intl would give a retired name for some)',
    (link) => {
      expect(canonicalTimeZone(link)).toBe(link);
    },
  );

  it('when the zone is unknown, then there is no canonical name', () => {
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone(' UTC')).toBeNull();
  });

  it('when two spellings of one zone are parsed, then the rules are equal', () => {
    const a = parseSchedule({ schedule_type: 'weekly', scheduled_at: '2027-03-14T09:00:00', timezone: 'america/new_york' });
    const b = parseSchedule({ schedule_type: 'weekly', scheduled_at: '2027-03-14T09:00:00', timezone: 'America/New_York' });
    expect(a).toEqual(b);
  });
});
