import { nextOccurrence, parseSchedule, RecurrenceRule, serializeRule } from '@scheduler/recurrence';
import { occurrenceInstantOf, occurrenceRepeatStrategy } from '../src';

function rule(input: Record<string, unknown>): RecurrenceRule {
  const parsed = parseSchedule(input as never);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.rule;
}

/** BullMQ asks the strategy for the next instant after `millis`; it must be the recurrence package's answer. */
describe('the BullMQ repeat strategy', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['once', { schedule_type: 'once', scheduled_at: '2027-03-14T06:30:00Z' }],
    ['daily across spring-forward', { schedule_type: 'daily', scheduled_at: '2027-03-10T09:00:00', timezone: 'America/New_York' }],
    [
      'weekly list',
      {
        schedule_type: 'weekly',
        scheduled_at: '2027-01-04T08:15:00',
        recurrence_pattern: 'weekly:monday,thursday',
        timezone: 'Europe/Stockholm',
      },
    ],
    [
      'monthly last',
      { schedule_type: 'monthly', scheduled_at: '2027-01-31T23:30:00', recurrence_pattern: 'monthly:31', timezone: 'Australia/Sydney' },
    ],
    [
      'cron with seconds',
      { schedule_type: 'cron', scheduled_at: '2027-01-01T00:00:00Z', recurrence_pattern: '*/20 * * * * *', timezone: 'Asia/Kathmandu' },
    ],
  ];

  it.each(cases)('when the rule is %s, then each instant BullMQ gets equals nextOccurrence, step after step', (_label, input) => {
    const r = rule(input);
    const pattern = serializeRule(r);
    let millis = Date.parse('2026-12-31T00:00:00Z');
    const fromStrategy: number[] = [];
    const expected: number[] = [];
    let cursor = new Date(millis);
    for (let i = 0; i < 40; i++) {
      const next = occurrenceRepeatStrategy(millis, { pattern });
      const truth = nextOccurrence(r, cursor);
      fromStrategy.push(next ?? -1);
      expected.push(truth ? truth.getTime() : -1);
      if (next === undefined || !truth) break;
      millis = next;
      cursor = truth;
    }
    expect(fromStrategy).toEqual(expected);
    expect(fromStrategy.length).toBeGreaterThan(0);
    if (r.type === 'once') expect(fromStrategy).toEqual([Date.parse('2027-03-14T06:30:00Z'), -1]);
  });

  it('when the pattern is not a serialized rule, then the strategy stops the scheduler instead of throwing', () => {
    expect(occurrenceRepeatStrategy(Date.now(), { pattern: '0 9 * * 1' })).toBeUndefined();
    expect(occurrenceRepeatStrategy(Date.now(), {})).toBeUndefined();
  });

  it('reads the occurrence instant from a scheduler job id or from a catch-up payload', () => {
    expect(occurrenceInstantOf({ id: 'repeat:abc:1799999999000', data: { schedule_id: 'abc', version: 1 } })?.getTime()).toBe(
      1799999999000,
    );
    expect(
      occurrenceInstantOf({
        id: 'catchup:abc:1',
        data: { schedule_id: 'abc', version: 1, occurrence_at: '2027-01-01T00:00:00.000Z' },
      })?.toISOString(),
    ).toBe('2027-01-01T00:00:00.000Z');
    expect(occurrenceInstantOf({ id: 'weird', data: { schedule_id: 'abc', version: 1 } })).toBeNull();
  });
});
