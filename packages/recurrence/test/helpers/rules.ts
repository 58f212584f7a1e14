import { describeOccurrence, nextOccurrences, parseSchedule, RecurrenceRule, ScheduleInput } from '../../src';

/** parseSchedule that must succeed (fails the test with the errors otherwise). */
export function rule(input: ScheduleInput, now?: Date): RecurrenceRule {
  const r = parseSchedule(input, now ? { now } : undefined);
  if (!r.ok) throw new Error(`expected a valid schedule, got ${JSON.stringify(r.errors)}`);
  return r.rule;
}

/** The first `count` occurrences strictly after `after` as ISO strings. */
export function next(r: RecurrenceRule, after: string, count: number): string[] {
  return nextOccurrences(r, new Date(after), count).map((d) => d.toISOString());
}

/** The first `count` occurrences from the rule's start (inclusive) as ISO strings. */
export function fromStart(r: RecurrenceRule, count: number): string[] {
  return nextOccurrences(r, new Date(Date.parse(r.start) - 1), count).map((d) => d.toISOString());
}

/** Local ISO views of the first `count` occurrences from the rule's start. */
export function localsFromStart(r: RecurrenceRule, count: number): { local: string; dst_adjusted: boolean }[] {
  return nextOccurrences(r, new Date(Date.parse(r.start) - 1), count).map((d) => {
    const v = describeOccurrence(r, d);
    return { local: v.local, dst_adjusted: v.dst_adjusted };
  });
}

/** Field names of a failed parse (throws if the parse succeeded). */
export function errorFields(input: ScheduleInput, options?: Parameters<typeof parseSchedule>[1]): string[] {
  const r = parseSchedule(input, options);
  if (r.ok) throw new Error(`expected errors, got rule ${JSON.stringify(r.rule)}`);
  return r.errors.map((e) => e.field);
}

export function z(iso: string): string {
  return new Date(iso).toISOString();
}
