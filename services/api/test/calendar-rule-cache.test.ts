/**
 * The calendar's cache of compiled rules (`RuleCache`): a hit only at the version it was read at
 * (an edited schedule's rule is read again), and bounded (least recently used out first).
 */
import { parseSchedule, type RecurrenceRule } from '@scheduler/recurrence';
import { RuleCache } from '../src/calendar/calendar.service';

function rule(pattern: string): RecurrenceRule {
  const parsed = parseSchedule({
    schedule_type: 'cron',
    recurrence_pattern: pattern,
    timezone: 'UTC',
    scheduled_at: new Date('2030-01-01T00:00:00Z'),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.rule;
}

it('answers only at the version it was read at, and null (an invalid stored rule) is a hit', () => {
  const cache = new RuleCache(10);
  const a = rule('0 9 * * *');
  cache.set('s1', 1, a);
  expect(cache.get('s1', 1)).toBe(a);
  expect(cache.get('s1', 2)).toBeUndefined(); // edited: read again
  expect(cache.get('s1', 1)).toBeUndefined(); // the stale entry is gone
  cache.set('s2', 3, null);
  expect(cache.get('s2', 3)).toBeNull();
  expect(cache.get('unknown', 1)).toBeUndefined();
});

it('keeps at most its capacity, dropping the least recently used', () => {
  const cache = new RuleCache(3);
  const r = rule('*/5 * * * *');
  for (const id of ['a', 'b', 'c']) cache.set(id, 1, r);
  expect(cache.get('a', 1)).toBe(r); // a is now the most recent
  cache.set('d', 1, r);
  expect(cache.size).toBe(3);
  expect(cache.get('b', 1)).toBeUndefined();
  expect([cache.get('a', 1), cache.get('c', 1), cache.get('d', 1)]).toEqual([r, r, r]);
});
