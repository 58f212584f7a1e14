import type { RepeatOptions } from 'bullmq';
import { deserializeRule, nextOccurrence } from '@scheduler/recurrence';

/**
 * BullMQ custom repeat strategy: the scheduler's `pattern` holds a serialized recurrence rule,
 * and its next occurrence strictly after `millis` comes from `@scheduler/recurrence`, the same
 * code that computes `next_run_at` and previews. Returns undefined when the rule has no more
 * occurrences (BullMQ then stops producing).
 */
export function occurrenceRepeatStrategy(millis: number, opts: RepeatOptions): number | undefined {
  if (!opts.pattern) return undefined;
  const rule = deserializeRule(opts.pattern);
  if (!rule) return undefined;
  const next = nextOccurrence(rule, new Date(millis));
  return next ? next.getTime() : undefined;
}

/** Settings for every Queue and Worker of the occurrence queue. */
export const occurrenceQueueSettings = { repeatStrategy: occurrenceRepeatStrategy };
