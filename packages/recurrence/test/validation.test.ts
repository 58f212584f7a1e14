import { parseSchedule, ScheduleInput } from '../src';
import { errorFields } from './helpers/rules';

const NOW = new Date('2027-01-01T00:00:00Z');
const base = { scheduled_at: '2027-06-01T09:00:00', timezone: 'Europe/Stockholm' };

describe('parseSchedule validation', () => {
  describe('recurrence_pattern that does not fit its schedule type', () => {
    it.each([
      ['weekly', 'weekly:funday'],
      ['weekly', 'weekly:'],
      ['weekly', 'weekly:monday,'],
      ['weekly', 'weekly:mon;tue'],
      ['weekly', 'weekly:mondays'],
      ['weekly', 'weekly:tues'],
      ['weekly', 'monday'],
      ['weekly', 'monthly:1'],
      ['weekly', '0 9 * * 1'],
      ['weekly', ''],
      ['weekly', '   '],
      ['monthly', 'monthly:32'],
      ['monthly', 'monthly:0'],
      ['monthly', 'monthly:-1'],
      ['monthly', 'monthly:1.5'],
      ['monthly', 'monthly:first'],
      ['monthly', 'monthly:'],
      ['monthly', 'monthly:1,,2'],
      ['monthly', 'monthly:100'],
      ['monthly', 'weekly:monday'],
      ['monthly', '0 0 1 * *'],
      ['monthly', '1'],
      ['daily', 'weekly:monday'],
      ['daily', 'daily'],
      ['daily', ''],
      ['once', 'monthly:1'],
      ['cron', 'weekly:monday'],
      ['cron', 'monthly:1'],
    ])('when a %s schedule has the pattern %p, then recurrence_pattern is the only error', (type, pattern) => {
      expect(errorFields({ ...base, schedule_type: type, recurrence_pattern: pattern })).toEqual(['recurrence_pattern']);
    });
  });

  describe('cron expressions that are malformed, unsupported or impossible', () => {
    it.each([
      ['', 'empty'],
      ['0 9 * *', 'four fields'],
      ['0 0 0 0 0 0 0', 'seven fields'],
      ['60 * * * *', 'minute 60'],
      ['* 24 * * *', 'hour 24'],
      ['* * 0 * *', 'day-of-month 0'],
      ['* * 32 * *', 'day-of-month 32'],
      ['* * * 13 *', 'month 13'],
      ['* * * 0 *', 'month 0'],
      ['* * * * 8', 'day-of-week 8'],
      ['60 * * * * *', 'second 60'],
      ['0 0 L * *', 'L'],
      ['0 0 15W * *', 'W'],
      ['0 0 LW * *', 'LW'],
      ['0 0 * * 5L', 'dow L'],
      ['0 0 * * MON#2', '#'],
      ['0 0 ? * MON', '?'],
      ['@reboot', '@reboot'],
      ['@every 5m', '@every'],
      ['*/0 * * * *', 'step 0'],
      ['*/61 * * * *', 'step too large'],
      ['5-2 * * * *', 'backwards range'],
      ['0 0 * * FRI-MON', 'wrap-around day range'],
      ['0 0 * JANUARY *', 'full month name'],
      ['0 0 * * MONDAY', 'full day name'],
      ['0 0 * * JAN', 'month name in day-of-week'],
      ['0 JAN * * *', 'name in hour'],
      ['a b c d e', 'letters'],
      ['1,,2 * * * *', 'empty list item'],
      ['- * * * *', 'lone dash'],
      ['*/ * * * *', 'step without number'],
      ['*-5 * * * *', 'star range'],
      ['1-2-3 * * * *', 'double range'],
      ['-1 * * * *', 'negative'],
      ['0 0 30 2 *', 'February 30th never happens'],
      ['0 0 31 4,6,9,11 *', 'day 31 of 30-day months never happens'],
      ['0 0 31 2 *', 'February 31st never happens'],
      ['0 0 * * * * *', 'too many'],
      ['99999999999999999999 * * * *', 'huge number'],
      ['x'.repeat(500), 'very long'],
    ])('when the cron is %p (%s), then recurrence_pattern is the only error', (pattern) => {
      expect(errorFields({ ...base, schedule_type: 'cron', recurrence_pattern: pattern })).toEqual(['recurrence_pattern']);
    });

    it.each([
      '0 0 30 2 MON', // OR semantics: every Monday in February
      '0 0 29 2 *', // leap years
      '0 0 */31 2 *', // */31 is day 1 only: February 1st
      '5/15 * * * *',
      '0 0 1,15 * 1-5',
      '0 22 * * 1-5',
      '0 0 * * 0-7',
      '0 0-59/5 * * * *',
    ])('when the cron is %p, then it is accepted', (pattern) => {
      expect(parseSchedule({ ...base, schedule_type: 'cron', recurrence_pattern: pattern }).ok).toBe(true);
    });

    it('when the cron pattern is missing, then recurrence_pattern is required', () => {
      expect(errorFields({ ...base, schedule_type: 'cron' })).toEqual(['recurrence_pattern']);
      expect(errorFields({ ...base, schedule_type: 'cron', recurrence_pattern: null })).toEqual(['recurrence_pattern']);
    });
  });

  describe('wrong values and wrong JS types give field errors', () => {
    it.each<[string, ScheduleInput, string[]]>([
      ['missing schedule_type', { scheduled_at: '2027-06-01T09:00:00Z' } as ScheduleInput, ['schedule_type']],
      ['null schedule_type', { schedule_type: null, scheduled_at: '2027-06-01T09:00:00Z' }, ['schedule_type']],
      ['unknown schedule_type', { schedule_type: 'hourly', scheduled_at: '2027-06-01T09:00:00Z' }, ['schedule_type']],
      ['capitalized schedule_type', { schedule_type: 'Daily', scheduled_at: '2027-06-01T09:00:00Z' }, ['schedule_type']],
      ['number schedule_type', { schedule_type: 1, scheduled_at: '2027-06-01T09:00:00Z' }, ['schedule_type']],
      ['unknown zone', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', timezone: 'Mars/Olympus_Mons' }, ['timezone']],
      ['offset as zone', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', timezone: '+05:00' }, ['timezone']],
      ['empty zone', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', timezone: '' }, ['timezone']],
      ['padded zone', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', timezone: ' UTC' }, ['timezone']],
      ['number zone', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', timezone: 5 }, ['timezone']],
      ['object zone', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', timezone: {} }, ['timezone']],
      ['missing scheduled_at', { schedule_type: 'daily' }, ['scheduled_at']],
      ['null scheduled_at', { schedule_type: 'weekly', scheduled_at: null }, ['scheduled_at']],
      ['number scheduled_at', { schedule_type: 'daily', scheduled_at: 1790000000000 }, ['scheduled_at']],
      ['object scheduled_at', { schedule_type: 'daily', scheduled_at: {} }, ['scheduled_at']],
      ['boolean scheduled_at', { schedule_type: 'daily', scheduled_at: true }, ['scheduled_at']],
      ['garbage scheduled_at', { schedule_type: 'daily', scheduled_at: 'next tuesday' }, ['scheduled_at']],
      ['Feb 30', { schedule_type: 'daily', scheduled_at: '2027-02-30T09:00:00' }, ['scheduled_at']],
      ['month 13', { schedule_type: 'daily', scheduled_at: '2027-13-01T09:00:00' }, ['scheduled_at']],
      ['24:00', { schedule_type: 'daily', scheduled_at: '2027-03-14T24:00:00' }, ['scheduled_at']],
      ['leap second', { schedule_type: 'daily', scheduled_at: '2027-03-14T23:59:60Z' }, ['scheduled_at']],
      ['bad offset', { schedule_type: 'daily', scheduled_at: '2027-03-14T09:00:00+25:00' }, ['scheduled_at']],
      ['invalid Date', { schedule_type: 'daily', scheduled_at: new Date(NaN) }, ['scheduled_at']],
      ['before 1900', { schedule_type: 'daily', scheduled_at: '1899-12-31T23:00:00Z' }, ['scheduled_at']],
      ['number pattern', { schedule_type: 'weekly', scheduled_at: '2027-06-01T09:00:00Z', recurrence_pattern: 5 }, ['recurrence_pattern']],
      ['object pattern', { schedule_type: 'cron', recurrence_pattern: { cron: '* * * * *' } }, ['recurrence_pattern']],
      [
        'array pattern',
        { schedule_type: 'weekly', scheduled_at: '2027-06-01T09:00:00Z', recurrence_pattern: ['weekly:monday'] },
        ['recurrence_pattern'],
      ],
      [
        'garbage end',
        { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', recurrence_end_date: 'soon' },
        ['recurrence_end_date'],
      ],
      ['number end', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', recurrence_end_date: 5 }, ['recurrence_end_date']],
      [
        'end before start',
        { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', recurrence_end_date: '2027-05-01T09:00:00Z' },
        ['recurrence_end_date'],
      ],
      [
        'end equal to start',
        { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', recurrence_end_date: '2027-06-01T09:00:00Z' },
        ['recurrence_end_date'],
      ],
      ['max_runs 0', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: 0 }, ['max_runs']],
      ['max_runs -1', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: -1 }, ['max_runs']],
      ['max_runs 1.5', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: 1.5 }, ['max_runs']],
      ['max_runs string', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: '5' }, ['max_runs']],
      ['max_runs NaN', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: NaN }, ['max_runs']],
      ['max_runs Infinity', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: Infinity }, ['max_runs']],
      ['max_runs too big', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: 2 ** 31 }, ['max_runs']],
      ['max_runs boolean', { schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs: true }, ['max_runs']],
    ])('%s', (_label, input, fields) => {
      expect(errorFields(input)).toEqual(fields);
    });

    it('when max_runs is null, absent, 1 or large, then it is accepted (and not stored in the rule)', () => {
      for (const max_runs of [null, undefined, 1, 2147483647]) {
        const r = parseSchedule({ schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00Z', max_runs });
        expect(r.ok).toBe(true);
      }
    });

    it('when several fields are wrong, then every one of them is reported', () => {
      const fields = errorFields({
        schedule_type: 'weekly',
        scheduled_at: 'tomorrow',
        timezone: 42,
        recurrence_pattern: 'weekly:funday',
        recurrence_end_date: [],
        max_runs: 0,
      });
      expect(fields.sort()).toEqual(['max_runs', 'recurrence_end_date', 'recurrence_pattern', 'scheduled_at', 'timezone']);
    });

    it('when the zone is unknown, then a wall-clock scheduled_at is not reported as a second error', () => {
      expect(errorFields({ schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00', timezone: 'Nowhere/City' })).toEqual(['timezone']);
    });

    it('when input is not an object at all, then schedule_type is reported instead of throwing', () => {
      for (const junk of [null, undefined, 42, 'daily', []]) {
        const r = parseSchedule(junk as unknown as ScheduleInput);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.errors.map((e) => e.field)).toContain('schedule_type');
      }
    });

    it('when a getter throws, then parseSchedule still returns errors', () => {
      const hostile = {
        get schedule_type(): unknown {
          throw new Error('boom');
        },
      };
      const r = parseSchedule(hostile);
      expect(r.ok).toBe(false);
    });
  });

  describe('timezone', () => {
    it.each(['UTC', 'Etc/UTC', 'America/New_York', 'Asia/Kathmandu', 'Asia/Kolkata', 'Europe/Moscow', 'Australia/Sydney'])(
      'accepts %s',
      (timezone) => {
        const r = parseSchedule({ schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00', timezone });
        expect(r.ok && r.rule.timezone).toBe(timezone);
      },
    );

    it('when timezone is absent or null, then it is UTC', () => {
      for (const timezone of [undefined, null]) {
        const r = parseSchedule({ schedule_type: 'daily', scheduled_at: '2027-06-01T09:00:00', timezone });
        expect(r.ok && r.rule.timezone).toBe('UTC');
        expect(r.ok && r.rule.start).toBe('2027-06-01T09:00:00.000Z');
      }
    });
  });

  describe('requireFutureStart (API create)', () => {
    it.each([
      ['2026-12-31T23:59:59Z', false],
      ['2027-01-01T00:00:00Z', false],
      ['2027-01-01T00:00:00.001Z', true],
      ['2027-01-01T09:00:00', true],
    ])('scheduled_at %s is accepted: %s', (scheduled_at, ok) => {
      const r = parseSchedule({ schedule_type: 'daily', scheduled_at }, { now: NOW, requireFutureStart: true });
      expect(r.ok).toBe(ok);
      if (!r.ok) expect(r.errors).toEqual([{ field: 'scheduled_at', message: 'must be in the future' }]);
    });

    it('when requireFutureStart is off (preview), then a past scheduled_at is fine', () => {
      expect(parseSchedule({ schedule_type: 'daily', scheduled_at: '2001-01-01T09:00:00Z' }, { now: NOW }).ok).toBe(true);
    });
  });

  describe('recurrence_end_date', () => {
    it('when the end date is wall-clock text, then it is resolved in the zone', () => {
      const r = parseSchedule({
        schedule_type: 'daily',
        scheduled_at: '2027-06-01T09:00:00',
        timezone: 'America/New_York',
        recurrence_end_date: '2027-06-30T23:59:59',
      });
      expect(r.ok && r.rule.end).toBe('2027-07-01T03:59:59.000Z');
    });

    it('when no run falls between scheduled_at and the end date, then the end date is refused', () => {
      // Tuesday 09:00 start, Mondays only, ends Wednesday
      expect(
        errorFields({
          schedule_type: 'weekly',
          scheduled_at: '2027-01-05T09:00:00Z',
          recurrence_pattern: 'weekly:monday',
          recurrence_end_date: '2027-01-06T09:00:00Z',
        }),
      ).toEqual(['recurrence_end_date']);
    });

    it('when a cron has no scheduled_at, then the end date must be after now', () => {
      expect(
        errorFields({ schedule_type: 'cron', recurrence_pattern: '0 9 * * *', recurrence_end_date: '2026-01-01T00:00:00Z' }, { now: NOW }),
      ).toEqual(['recurrence_end_date']);
    });
  });

  it('when every field is valid, then the rule is the documented plain object', () => {
    const r = parseSchedule({
      schedule_type: 'weekly',
      scheduled_at: '2027-03-11T09:00:00',
      timezone: 'America/New_York',
      recurrence_pattern: 'weekly:thu,mon',
      recurrence_end_date: '2027-12-31T00:00:00Z',
      max_runs: 10,
    });
    expect(r).toEqual({
      ok: true,
      rule: {
        type: 'weekly',
        timezone: 'America/New_York',
        start: '2027-03-11T14:00:00.000Z',
        wall: '2027-03-11T09:00:00',
        pattern: 'weekly:monday,thursday',
        end: '2027-12-31T00:00:00.000Z',
      },
    });
  });
});
