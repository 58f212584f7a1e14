/**
 * @scheduler/recurrence: the one implementation of schedule maths (pure functions, no I/O).
 * See README.md for every rule it implements.
 */
export { SCHEDULE_TYPES } from './types';
export type { FieldError, OccurrenceView, ParseOptions, ParseResult, RecurrenceRule, ScheduleInput, ScheduleType } from './types';
export { parseSchedule, serializeRule, deserializeRule, DEFAULT_TIME_ZONE, MAX_RUNS_LIMIT } from './rule';
export { ISO_DATE_TIME_PATTERN, MAX_ISO_TEXT_LENGTH } from './iso';
export { nextOccurrence, nextOccurrences, describeOccurrence } from './occurrences';
export { canonicalTimeZone } from './zone';
export {
  expandOccurrences,
  nextFiring,
  blackoutFate,
  blackoutReason,
  BLACKOUT_POLICIES,
  MAX_EXPANDED,
  MAX_EXPANSION_STEPS,
  SKIPPED_REASON,
} from './expansion';
export type {
  Blackout,
  BlackoutFate,
  BlackoutPolicy,
  ExpandedOccurrence,
  ExpandedState,
  ExpansionCampaign,
  ExpansionInput,
  ExpansionPause,
  ExpansionWindow,
} from './expansion';
