import { ruleOf } from '@scheduler/entities';
import { parseSchedule, serializeRule, type RecurrenceRule } from '@scheduler/recurrence';
import { StoredRules } from '../src/materialize.service';

/** A schedule as the lock reads it: its legacy fields and, unless `stored` is false, its stored rule. */
function scheduleAt(iso: string, stored = true) {
  const parsed = parseSchedule({ schedule_type: 'daily', scheduled_at: new Date(iso), timezone: 'Europe/Paris' });
  if (!parsed.ok) throw new Error('rule invalid');
  return {
    scheduleType: 'daily' as const,
    scheduledAt: new Date(iso),
    recurrencePattern: null,
    timezone: 'Europe/Paris',
    recurrenceEndDate: null,
    maxRuns: null,
    recurrenceRule: stored ? (JSON.parse(serializeRule(parsed.rule)) as RecurrenceRule) : null,
  };
}

describe('StoredRules (the materializer reads each stored rule once)', () => {
  it('when two schedules store the same rule, then both get one rule object, equal to what ruleOf reads', () => {
    const rules = new StoredRules();
    const a = scheduleAt('2030-01-01T09:00:00Z');
    const b = scheduleAt('2030-01-01T09:00:00Z');
    const first = rules.of(a);
    expect(first).not.toBeNull();
    expect(rules.of(b)).toBe(first);
    expect(first).toEqual(ruleOf(b));
    expect(rules.size).toBe(1);
  });

  it('when schedules store different rules, then each gets its own, and at most `max` are kept', () => {
    const rules = new StoredRules(2);
    const nine = rules.of(scheduleAt('2030-01-01T09:00:00Z'));
    const ten = rules.of(scheduleAt('2030-01-01T10:00:00Z'));
    expect(ten).not.toBe(nine);
    expect(ten).toEqual(ruleOf(scheduleAt('2030-01-01T10:00:00Z')));
    rules.of(scheduleAt('2030-01-01T11:00:00Z'));
    expect(rules.size).toBeLessThanOrEqual(2);
  });

  it('when a schedule has no stored rule, or one that does not read, then ruleOf reads its fields and nothing is kept', () => {
    const rules = new StoredRules();
    const legacy = scheduleAt('2030-01-01T09:00:00Z', false);
    expect(rules.of(legacy)).toEqual(ruleOf(legacy));
    const unreadable = { ...scheduleAt('2030-01-01T09:00:00Z'), recurrenceRule: { not: 'a rule' } as unknown as RecurrenceRule };
    expect(rules.of(unreadable)).toEqual(ruleOf(unreadable));
    expect(rules.of(unreadable)).not.toBeNull();
    expect(rules.size).toBe(0);
  });
});
