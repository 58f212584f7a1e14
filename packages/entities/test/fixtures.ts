import { parseSchedule, RecurrenceRule, ScheduleInput } from '@scheduler/recurrence';
import type { OccurrenceSchedule } from '../src';

/** The lifecycle tests' reference instant: 2030-01-01 09:00 UTC. */
export const T0 = new Date('2030-01-01T09:00:00Z');
export const at = (ms: number) => new Date(T0.getTime() + ms);
export const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** The rule of a valid schedule input (throws on an invalid one: a broken fixture). */
export function ruleFrom(input: ScheduleInput): RecurrenceRule {
  const parsed = parseSchedule(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.rule;
}

/** An active schedule that has not run yet, due at T0, without campaign; `fields` override. */
export function occurrenceSchedule(fields: Partial<OccurrenceSchedule> = {}): OccurrenceSchedule {
  return {
    status: 'active',
    nextRunAt: T0,
    lastRunAt: null,
    runCount: 0,
    errorCount: 0,
    consecutiveErrors: 0,
    lastError: null,
    maxRuns: null,
    misfireGraceSeconds: 3600,
    campaign: null,
    ...fields,
  };
}
