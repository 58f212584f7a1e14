import { deserializeRule, nextOccurrence, RecurrenceRule, serializeRule } from '../src';
import { firstOccurrence } from '../src/occurrences';
import { rule } from './helpers/rules';

const valid: RecurrenceRule = {
  type: 'monthly',
  timezone: 'Europe/Stockholm',
  start: '2027-01-31T09:00:00.000Z',
  wall: '2027-01-31T10:00:00',
  pattern: 'monthly:15,last',
  end: null,
};

describe('serializeRule / deserializeRule', () => {
  it('when a rule is serialized, then it is compact JSON with a fixed key order', () => {
    expect(serializeRule(valid)).toBe(
      '{"type":"monthly","timezone":"Europe/Stockholm","start":"2027-01-31T09:00:00.000Z","wall":"2027-01-31T10:00:00","pattern":"monthly:15,last","end":null}',
    );
  });

  it('when a parsed rule goes through JSON (as in Redis), then it comes back equal', () => {
    const r = rule({
      schedule_type: 'cron',
      scheduled_at: '2027-03-01T00:00:00',
      timezone: 'America/New_York',
      recurrence_pattern: '0  9 * *   mon',
      recurrence_end_date: '2028-01-01T00:00:00Z',
    });
    expect(r.pattern).toBe('0 9 * * MON');
    expect(deserializeRule(serializeRule(r))).toEqual(r);
  });

  it('when the JSON has extra keys or a non-normalized pattern, then they are dropped / normalized', () => {
    const text = JSON.stringify({ ...valid, pattern: 'monthly:last,15', extra: { anything: true } });
    expect(deserializeRule(text)).toEqual(valid);
  });

  it.each([
    ['not json', 'nope'],
    ['empty', ''],
    ['null', 'null'],
    ['array', '[]'],
    ['number', '42'],
    ['empty object', '{}'],
    ['unknown type', JSON.stringify({ ...valid, type: 'hourly' })],
    ['unknown zone', JSON.stringify({ ...valid, timezone: 'Mars/Base' })],
    ['zone not a string', JSON.stringify({ ...valid, timezone: 1 })],
    ['start without offset', JSON.stringify({ ...valid, start: '2027-01-31T09:00:00' })],
    ['start garbage', JSON.stringify({ ...valid, start: 'soon' })],
    ['wall with offset', JSON.stringify({ ...valid, wall: '2027-01-31T10:00:00Z' })],
    ['wall without seconds', JSON.stringify({ ...valid, wall: '2027-01-31T10:00' })],
    ['wall impossible date', JSON.stringify({ ...valid, wall: '2027-02-31T10:00:00' })],
    ['bad pattern', JSON.stringify({ ...valid, pattern: 'monthly:32' })],
    ['pattern of another type', JSON.stringify({ ...valid, pattern: 'weekly:monday' })],
    ['missing pattern for monthly', JSON.stringify({ ...valid, pattern: null })],
    ['pattern on daily', JSON.stringify({ ...valid, type: 'daily' })],
    ['impossible cron', JSON.stringify({ ...valid, type: 'cron', pattern: '0 0 30 2 *' })],
    ['end garbage', JSON.stringify({ ...valid, end: 'never' })],
    ['end number', JSON.stringify({ ...valid, end: 5 })],
  ])('when the text is malformed (%s), then it is null', (_label, text) => {
    expect(deserializeRule(text)).toBeNull();
  });

  it('when the functions are handed an invalid rule object, then they throw a TypeError (a programming error)', () => {
    const bad = { ...valid, pattern: 'monthly:99' } as RecurrenceRule;
    expect(() => firstOccurrence(bad)).toThrow(TypeError);
    expect(() => nextOccurrence(valid, new Date(NaN))).toThrow(TypeError);
  });

  it('when a rule object is mutated after use, then the new values are used (no stale cache)', () => {
    const r: RecurrenceRule = { ...valid };
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-01-31T09:00:00.000Z');
    r.pattern = 'monthly:1';
    expect(firstOccurrence(r)!.toISOString()).toBe('2027-02-01T09:00:00.000Z');
  });
});
