import { Allow, IsBoolean, IsIn, IsInt, IsObject, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  CATCHUP_POLICIES,
  DEFAULT_CATCHUP_POLICY,
  DEFAULT_MISFIRE_GRACE_SECONDS,
  MAX_APPROVAL_TIMEOUT_HOURS,
  type CatchupPolicy,
} from '@scheduler/entities';
import {
  DEFAULT_TIME_ZONE,
  parseSchedule,
  type ScheduleInput,
  ISO_DATE_TIME_PATTERN,
  MAX_ISO_TEXT_LENGTH,
  MAX_RUNS_LIMIT,
  SCHEDULE_TYPES,
  type ScheduleType,
} from '@scheduler/recurrence';
import { INSTANT_MESSAGE, QUERY_INSTANT } from '../http/query';
import { BodyCheck, bodyErrors, CodePoints, Name, Nullable, Optional, TEXT_LENGTH } from '../http/validation';
import { dtoSchema } from '../openapi/request-schemas';
import { TemplateJobFieldsDto } from '../templates/template.dto';

/** Fields of a schedule that decide when it fires. */
export const RULE_FIELDS = ['schedule_type', 'scheduled_at', 'recurrence_pattern', 'recurrence_end_date', 'timezone', 'max_runs'] as const;

/** The rule fields of a body, as the recurrence package reads them. */
export function scheduleInputOf(body: { [F in (typeof RULE_FIELDS)[number]]?: unknown }): ScheduleInput {
  return {
    schedule_type: body.schedule_type,
    scheduled_at: body.scheduled_at,
    recurrence_pattern: body.recurrence_pattern,
    recurrence_end_date: body.recurrence_end_date,
    timezone: body.timezone,
    max_runs: body.max_runs,
  };
}

/** Longest `misfire_grace_seconds`: a week. */
export const MAX_MISFIRE_GRACE_SECONDS = 604_800;

/**
 * How the rule fields are documented. They are validated by `@scheduler/recurrence` (the one
 * implementation of schedule maths, which reports every bad field for the 422), so the DTO only
 * declares them (`@Allow`); their patterns and limits are that package's constants.
 */
type SchemaObject = Exclude<Parameters<typeof JSONSchema>[0], (...args: never[]) => unknown>;
const instantText = { type: 'string', pattern: ISO_DATE_TIME_PATTERN, maxLength: MAX_ISO_TEXT_LENGTH } as const;
const RULE_SCHEMAS: Record<(typeof RULE_FIELDS)[number], SchemaObject> = {
  schedule_type: { type: 'string', enum: [...SCHEDULE_TYPES] },
  scheduled_at: {
    ...instantText,
    description:
      'The first run, ISO 8601. With `Z` or an offset it is an absolute instant; without one it is wall-clock ' +
      'time in `timezone`. Must be in the future when sent (except for `POST /schedule/preview`). Required except ' +
      'for `cron` (start = now). Milliseconds are dropped.',
    examples: ['2027-03-14T09:00:00', '2027-03-14T13:00:00Z'],
  },
  recurrence_pattern: {
    type: 'string',
    description:
      '`once`, `daily`: must be absent/null. `weekly`: `weekly:monday` or `weekly:monday,thursday` (default: the ' +
      'weekday of `scheduled_at`). `monthly`: `monthly:1`, `monthly:1,15`, `monthly:last` (default: the day of ' +
      'month of `scheduled_at`). `cron` (required): 5 fields (`0 9 * * 1`) or 6 with leading seconds, ' +
      'evaluated in `timezone`. Returned normalized.',
    examples: ['weekly:monday,thursday', 'monthly:1,15', '0 9 * * 1'],
  },
  recurrence_end_date: {
    ...instantText,
    description: 'No run after this instant; after `scheduled_at`. Read like `scheduled_at`.',
  },
  timezone: {
    type: 'string',
    default: DEFAULT_TIME_ZONE,
    description: `IANA time zone (\`null\` or absent: \`${DEFAULT_TIME_ZONE}\`).`,
    examples: ['America/New_York', 'UTC'],
  },
  max_runs: { type: 'integer', minimum: 1, maximum: MAX_RUNS_LIMIT, description: 'Stop after this many runs.' },
};

const RULE_DESCRIPTION =
  'Rule fields (`schedule_type`, `scheduled_at`, `recurrence_pattern`, `recurrence_end_date`, `timezone`, ' +
  '`max_runs`) are validated together; every bad field is named in the 422. A schedule that would never run ' +
  "(no occurrence before `recurrence_end_date`, or none inside its campaign's dates) is a 422.";

/** Types whose rule takes no pattern (a pattern is a 422). */
const PATTERNLESS_TYPES = ['once', 'daily'] as const satisfies readonly ScheduleType[];
/** JSON Schema 2020-12 `if`/`then` (the decorator's OpenAPI 3.0 types do not know them). */
const when = (types: readonly ScheduleType[], then: object): SchemaObject =>
  ({ if: { type: 'object', properties: { schedule_type: { enum: [...types] } }, required: ['schedule_type'] }, then }) as SchemaObject;

/**
 * `job_config` is open-ended (job inputs such as `target_url` ride along), but the generation
 * settings it may override follow the template's rules, so a bad one is a 422 now rather than a
 * failed run later — in the same 422 as the body's other fields.
 */
const checkJobConfig = BodyCheck((body, failed) =>
  body.job_config === undefined || failed.has('job_config')
    ? []
    : bodyErrors(TemplateJobFieldsDto, body.job_config, { allowUnknown: true, field: 'job_config' }),
);

/**
 * The rule's errors (`parseSchedule`) beside the other fields' errors, so that one 422 names
 * every bad field. Only when another field is bad: otherwise the service parses the rule itself,
 * against its clock (`scheduled_at` in the future, a cron start of now), and reports it alone.
 */
const checkRuleWithFields = BodyCheck((body, failed) => {
  if (failed.size === 0) return [];
  const parsed = parseSchedule(scheduleInputOf(body), { requireFutureStart: false });
  return parsed.ok ? [] : parsed.errors.filter((error) => !failed.has(error.field));
});

/**
 * Schedule fields other than `name` and `schedule_type`, shared by create and update. The rule
 * fields (`schedule_type`, `scheduled_at`, `recurrence_pattern`, `timezone`,
 * `recurrence_end_date`, `max_runs`) are only declared (`@Allow`): see `RULE_SCHEMAS`.
 */
@checkJobConfig
class ScheduleFieldsDto {
  @Nullable()
  @IsString()
  @CodePoints(0, TEXT_LENGTH)
  description?: string | null;

  @Nullable()
  @IsUUID('all')
  @JSONSchema({ description: 'A campaign of the caller (else 404).' })
  campaign_id?: string | null;

  @Nullable()
  @IsUUID('all')
  @JSONSchema({ description: 'A template of the caller (else 404).' })
  template_id?: string | null;

  @Nullable()
  @Allow()
  @JSONSchema(RULE_SCHEMAS.scheduled_at)
  scheduled_at?: unknown;

  @Nullable()
  @Allow()
  @JSONSchema(RULE_SCHEMAS.recurrence_pattern)
  recurrence_pattern?: unknown;

  @Nullable()
  @Allow()
  @JSONSchema(RULE_SCHEMAS.recurrence_end_date)
  recurrence_end_date?: unknown;

  @Nullable()
  @Allow()
  @JSONSchema(RULE_SCHEMAS.timezone)
  timezone?: unknown;

  @Nullable()
  @Allow()
  @JSONSchema(RULE_SCHEMAS.max_runs)
  max_runs?: unknown;

  /**
   * Open-ended (job inputs such as `target_url` ride along into the Job), but the generation
   * settings in it are validated as on a template (`validateJobConfig` in the routes).
   */
  @Optional()
  @IsObject()
  @JSONSchema((schema) => {
    const { properties } = dtoSchema(TemplateJobFieldsDto);
    return {
      ...schema,
      description:
        "Job configuration merged over the template's fields (it wins), e.g. `target_url`, `anchor_text`. Other keys " +
        'are carried into the Job as sent; the generation settings follow the template rules.',
      properties: properties as Record<string, SchemaObject>,
    };
  })
  job_config?: Record<string, unknown>;

  @Optional()
  @IsInt()
  @Min(0)
  @Max(MAX_MISFIRE_GRACE_SECONDS)
  @JSONSchema({ description: 'How late a run missed while no worker was up may still fire.' })
  misfire_grace_seconds?: number;

  @Optional()
  @IsIn(CATCHUP_POLICIES)
  @JSONSchema({
    description:
      'Which runs missed while no worker was up fire once one is back: `latest` the most recent one still within ' +
      '`misfire_grace_seconds`, once; `all` every one within grace, oldest first, each once; `none` none. The others ' +
      'are recorded `missed` in the run history.',
  })
  catchup_policy?: CatchupPolicy;

  @Optional()
  @IsBoolean()
  @JSONSchema({
    description:
      "Its Jobs wait as `awaiting_approval` until an approver approves (`POST /jobs/{id}/approve`) or rejects them. Its campaign's " +
      '`requires_approval: true` gates them too. Jobs already made keep their status when this changes.',
  })
  requires_approval?: boolean;

  @Nullable()
  @IsInt()
  @Min(1)
  @Max(MAX_APPROVAL_TIMEOUT_HOURS)
  @JSONSchema({
    description:
      'Hours a gated Job waits for a decision before it is cancelled (`status_reason` `approval timed out after N h`). When set ' +
      "it wins over the campaign's; `null`: the campaign's, else no timeout.",
  })
  approval_timeout_hours?: number | null;
}

@JSONSchema({
  description: RULE_DESCRIPTION,
  properties: {
    misfire_grace_seconds: { default: DEFAULT_MISFIRE_GRACE_SECONDS },
    catchup_policy: { default: DEFAULT_CATCHUP_POLICY },
    requires_approval: { default: false },
  },
  allOf: [
    when(
      SCHEDULE_TYPES.filter((t) => t !== 'cron'),
      { type: 'object', properties: { scheduled_at: { type: 'string' } }, required: ['scheduled_at'] },
    ),
    when(PATTERNLESS_TYPES, { type: 'object', properties: { recurrence_pattern: { type: 'null' } } }),
    when(['cron'], { type: 'object', properties: { recurrence_pattern: { type: 'string' } }, required: ['recurrence_pattern'] }),
  ],
})
@checkRuleWithFields
export class CreateScheduleDto extends ScheduleFieldsDto {
  @Name()
  name: string;

  @Allow()
  @JSONSchema(RULE_SCHEMAS.schedule_type)
  schedule_type?: unknown;
}

@JSONSchema({
  description:
    'Partial update. ' +
    RULE_DESCRIPTION +
    ' When any rule field changes the whole rule (sent fields over stored ones) is re-validated. A change to the ' +
    'rule, campaign, template or `job_config` bumps `version` and recomputes `next_run_at` from now; a completed ' +
    'or expired schedule whose new rule has runs left becomes active again. `status` is not writable (use pause/resume).',
})
export class UpdateScheduleDto extends ScheduleFieldsDto {
  @Optional()
  @Name()
  name?: string;

  @Optional()
  @Allow()
  @JSONSchema(RULE_SCHEMAS.schedule_type)
  schedule_type?: unknown;
}

/** `POST /schedule/{id}/skip`. */
@JSONSchema({ description: 'The future occurrence that is not to fire.' })
export class SkipOccurrenceDto {
  @IsString()
  @Matches(QUERY_INSTANT, { message: `occurrence_at ${INSTANT_MESSAGE}` })
  @JSONSchema({
    description:
      "One of the schedule's future occurrences, exactly (as `next_run_at` or a preview's `at` gives it), with `Z` or an offset.",
    examples: ['2026-12-25T09:00:00Z'],
  })
  occurrence_at: string;
}
