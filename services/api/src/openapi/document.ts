/**
 * The OpenAPI 3.1 description of every route the API serves, written by hand from the routes,
 * DTOs and mappers (PRODUCT.md is the contract, docs/API.md the decisions). Served at
 * `GET /api/v1/openapi.json` and rendered by Swagger UI at `GET /docs`.
 *
 * Keep it in step with the code: `test/openapi.test.ts` fails when a route is missing here (or
 * documented but not served), and validates real responses against the response schemas,
 * which are closed (`additionalProperties: false`, every field `required`), so an added,
 * renamed or retyped field shows up as a test failure.
 *
 * Enumerations come from the code's own constants; bounds are restated from the DTO decorators.
 */
import {
  CAMPAIGN_STATUSES,
  JOB_STATUSES,
  LLM_PROVIDERS,
  RUN_OUTCOMES,
  SCHEDULED_JOB_STATUSES,
  WRITING_STRATEGIES,
} from '@scheduler/entities';
import { MAX_RUNS_LIMIT, SCHEDULE_TYPES } from '@scheduler/recurrence';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../http/pagination';

/** A JSON Schema (2020-12) or OpenAPI object: plain JSON. */
export type Json = { [key: string]: unknown };

export interface OpenApiDocument extends Json {
  openapi: '3.1.0';
  info: Json;
  paths: Record<string, Record<string, Json>>;
  components: Json & { schemas: Record<string, Json> };
}

const schemaRef = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });
const paramRef = (name: string): Json => ({ $ref: `#/components/parameters/${name}` });
const headerRef = (name: string): Json => ({ $ref: `#/components/headers/${name}` });

/* ------------------------------------------------------------------ field schemas */

/** Instants leave the API as UTC ISO 8601 with `Z` and milliseconds (`Date.toISOString()`). */
const INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';
const instant = (description?: string): Json => ({
  type: 'string',
  format: 'date-time',
  pattern: INSTANT_PATTERN,
  ...(description ? { description } : {}),
  examples: ['2026-01-05T14:00:00.000Z'],
});
const nullableInstant = (description?: string): Json => ({ ...instant(description), type: ['string', 'null'] });

const uuid = (description?: string): Json => ({ type: 'string', format: 'uuid', ...(description ? { description } : {}) });
const nullableUuid = (description?: string): Json => ({ ...uuid(description), type: ['string', 'null'] });

const str = (min: number | null, max: number | null, extra: Json = {}): Json => ({
  type: 'string',
  ...(min !== null ? { minLength: min } : {}),
  ...(max !== null ? { maxLength: max } : {}),
  ...extra,
});
const nullableStr = (min: number | null, max: number | null, extra: Json = {}): Json => ({
  ...str(min, max, extra),
  type: ['string', 'null'],
});
const int = (min: number, max?: number, extra: Json = {}): Json => ({
  type: 'integer',
  minimum: min,
  ...(max !== undefined ? { maximum: max } : {}),
  ...extra,
});
const enumOf = (values: readonly string[], extra: Json = {}): Json => ({ type: 'string', enum: [...values], ...extra });
const nullableEnumOf = (values: readonly string[], extra: Json = {}): Json => ({
  type: ['string', 'null'],
  enum: [...values, null],
  ...extra,
});
const jsonObject = (description: string): Json => ({ type: 'object', description });

/** A closed response object: every listed property is always present, nothing else is. */
const closed = (properties: Record<string, Json>, extra: Json = {}): Json => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  additionalProperties: false,
  ...extra,
});

/** A request body object: unknown fields are a 422, so they are not allowed. */
const body = (properties: Record<string, Json>, required: string[] = [], extra: Json = {}): Json => ({
  type: 'object',
  ...(required.length ? { required } : {}),
  properties,
  additionalProperties: false,
  ...extra,
});

const tags = (itemMax: number): Json => ({
  type: 'array',
  maxItems: 50,
  items: { type: 'string', minLength: 1, maxLength: itemMax },
});

/**
 * Campaign dates: an ISO 8601 date or date-time. Without an offset the time is UTC; a bare
 * date is midnight UTC.
 */
const CAMPAIGN_DATE_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|z|[+-]\\d{2}:\\d{2})?)?$';
const campaignDate = (what: string): Json => ({
  type: ['string', 'null'],
  pattern: CAMPAIGN_DATE_PATTERN,
  description: `${what}: ISO 8601 date or date-time. Without an offset it is read as UTC; a bare date is midnight UTC. \`null\` clears it.`,
  examples: ['2026-01-01T00:00:00Z', '2026-03-31'],
});

/**
 * Schedule instants (`scheduled_at`, `recurrence_end_date`): ISO 8601, with or without an
 * offset; without one it is wall-clock time in the schedule's `timezone`.
 */
const SCHEDULE_INSTANT_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}([Tt ]\\d{2}:\\d{2}(:\\d{2}([.,]\\d{1,9})?)?(Z|z|[+-]\\d{2}(:?\\d{2})?)?)?$';

const HEX_COLOR_PATTERN = '^#[0-9A-Fa-f]{6}$';
const COUNTRY_PATTERN = '^[A-Za-z]{2}$';
const LANGUAGE_PATTERN = '^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$';

/* ----------------------------------------------------------------------- schemas */

const problemProperties: Record<string, Json> = {
  type: {
    type: 'string',
    format: 'uri',
    description: 'Identifies the kind of problem: `https://content-scheduler.dev/problems/<code>`.',
    examples: ['https://content-scheduler.dev/problems/not-found'],
  },
  title: { type: 'string', description: 'Short summary of the kind of problem (the HTTP reason phrase).' },
  status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status code.' },
  detail: { type: 'string', description: 'Explanation of this occurrence. Never contains stack traces or SQL.' },
  errors: {
    type: 'array',
    description: 'Validation errors (422 only): one entry per bad field.',
    minItems: 1,
    items: schemaRef('FieldError'),
  },
};

const campaignProperties: Record<string, Json> = {
  id: uuid(),
  user_id: str(1, 255, { description: 'Owner: the `sub` of the token that created it.' }),
  name: str(1, 255),
  description: nullableStr(null, 10_000),
  status: enumOf(CAMPAIGN_STATUSES),
  color: { type: ['string', 'null'], pattern: '^#[0-9A-F]{6}$', description: 'Stored upper-case.', examples: ['#1E88E5'] },
  tags: { type: 'array', items: { type: 'string' } },
  target_job_count: { type: ['integer', 'null'], minimum: 1 },
  target_budget_usd: { type: ['number', 'null'], minimum: 0 },
  start_date: nullableInstant(),
  end_date: nullableInstant(),
  created_at: instant(),
  updated_at: instant(),
};

const campaignWritable = (forCreate: boolean): Record<string, Json> => ({
  name: str(1, 255),
  description: nullableStr(null, 10_000),
  status: enumOf(CAMPAIGN_STATUSES, forCreate ? { default: 'active' } : {}),
  color: {
    type: ['string', 'null'],
    pattern: HEX_COLOR_PATTERN,
    description: 'Hex colour `#RRGGBB` (stored upper-case).',
    examples: ['#1E88E5'],
  },
  tags: tags(100),
  target_job_count: { type: ['integer', 'null'], minimum: 1, maximum: 1_000_000_000 },
  target_budget_usd: {
    type: ['number', 'null'],
    minimum: 0,
    maximum: 999_999_999_999.99,
    description: 'US dollars, at most 2 decimal places.',
  },
  start_date: campaignDate('Start of the campaign'),
  end_date: campaignDate('End of the campaign, after `start_date`'),
});

/** Generation settings a template holds and a template use may override. */
const templateJobFields: Record<string, Json> = {
  publisher_domain: nullableStr(null, 253, {
    format: 'hostname',
    description: 'A fully qualified host name with a top-level domain, such as `forbes.com`.',
    examples: ['forbes.com'],
  }),
  llm_provider: nullableEnumOf(LLM_PROVIDERS),
  llm_model: nullableStr(1, 128, { examples: ['claude-sonnet-4'] }),
  writing_strategy: nullableEnumOf(WRITING_STRATEGIES),
  country: nullableStr(null, null, {
    pattern: COUNTRY_PATTERN,
    description: 'Two-letter country code, stored as sent.',
    examples: ['US'],
  }),
  language: nullableStr(null, 35, {
    pattern: LANGUAGE_PATTERN,
    description: 'BCP 47 language tag with hyphens (`en`, `en-GB`).',
    examples: ['en', 'en-GB'],
  }),
  max_retries: int(0, 10),
  batch_size: int(1, 100),
  metadata: jsonObject('Free-form JSON object.'),
};

const templateWritable = (forCreate: boolean): Record<string, Json> => ({
  name: str(1, 255),
  description: nullableStr(null, 10_000),
  campaign_id: nullableUuid('A campaign of the caller (another user\'s or a missing one is a 404). `null` detaches.'),
  ...templateJobFields,
  max_retries: int(0, 10, forCreate ? { default: 3 } : {}),
  batch_size: int(1, 100, forCreate ? { default: 1 } : {}),
  tags: tags(100),
  is_favorite: { type: 'boolean', ...(forCreate ? { default: false } : {}) },
});

const templateProperties: Record<string, Json> = {
  id: uuid(),
  user_id: str(1, 255),
  campaign_id: nullableUuid(),
  name: str(1, 255),
  description: nullableStr(null, null),
  publisher_domain: nullableStr(null, 253),
  llm_provider: nullableEnumOf(LLM_PROVIDERS),
  llm_model: nullableStr(null, 128),
  writing_strategy: nullableEnumOf(WRITING_STRATEGIES),
  country: nullableStr(null, 2),
  language: nullableStr(null, 35),
  max_retries: int(0, 10),
  batch_size: int(1, 100),
  metadata: { type: 'object' },
  tags: { type: 'array', items: { type: 'string' } },
  use_count: int(0, undefined, { description: 'Times the template was used (kept by the server).' }),
  is_favorite: { type: 'boolean' },
  created_at: instant(),
  updated_at: instant(),
  last_used_at: nullableInstant('Last use; `null` if never used.'),
};

const jobProperties: Record<string, Json> = {
  id: uuid(),
  user_id: str(1, 255),
  campaign_id: nullableUuid('`null` for a Job without campaign, or once its campaign was deleted.'),
  template_id: nullableUuid(),
  scheduled_job_id: nullableUuid('The schedule that materialized it; `null` for manual Jobs (template use).'),
  scheduled_for: nullableInstant('The occurrence instant it materializes; `null` for manual Jobs.'),
  status: enumOf(JOB_STATUSES),
  config: jsonObject('The merged job configuration: template fields, then overrides / `job_config` on top.'),
  publisher_domain: nullableStr(null, 253, { description: 'Mirrors `config.publisher_domain` when it is a string.' }),
  llm_provider: nullableStr(null, 32, { description: 'Mirrors `config.llm_provider` when it is a string.' }),
  llm_model: nullableStr(null, 128),
  writing_strategy: nullableStr(null, 32),
  country: nullableStr(null, 2),
  language: nullableStr(null, 35),
  cost_usd: { type: ['number', 'null'], minimum: 0 },
  error_message: nullableStr(null, null),
  created_at: instant(),
  started_at: nullableInstant('Set by the server when the Job first becomes `running`.'),
  completed_at: nullableInstant('Set by the server when the Job reaches a final status.'),
};

const scheduleRuleDescription =
  'Rule fields (`schedule_type`, `scheduled_at`, `recurrence_pattern`, `recurrence_end_date`, `timezone`, ' +
  '`max_runs`) are validated together; every bad field is named in the 422. A schedule that would never run ' +
  '(no occurrence before `recurrence_end_date`, or none inside its campaign\'s dates) is a 422.';

const scheduleWritable = (forCreate: boolean): Record<string, Json> => ({
  name: str(1, 255),
  description: nullableStr(null, 10_000),
  campaign_id: nullableUuid('A campaign of the caller (else 404).'),
  template_id: nullableUuid('A template of the caller (else 404).'),
  schedule_type: enumOf(SCHEDULE_TYPES),
  scheduled_at: {
    type: ['string', 'null'],
    pattern: SCHEDULE_INSTANT_PATTERN,
    description:
      'The first run, ISO 8601. With `Z` or an offset it is an absolute instant; without one it is wall-clock ' +
      'time in `timezone`. Must be in the future' +
      (forCreate ? ' (except for `POST /schedule/preview`)' : ' when changed') +
      '. Required except for `cron` (start = now). Milliseconds are dropped.',
    examples: ['2027-03-14T09:00:00', '2027-03-14T13:00:00Z'],
  },
  recurrence_pattern: {
    type: ['string', 'null'],
    description:
      '`once`, `daily`: must be absent/null. `weekly`: `weekly:monday` or `weekly:monday,thursday` (default: the ' +
      'weekday of `scheduled_at`). `monthly`: `monthly:1`, `monthly:1,15`, `monthly:last` (default: the day of ' +
      'month of `scheduled_at`). `cron` (required): 5 fields (`0 9 * * 1`) or 6 with leading seconds, ' +
      'evaluated in `timezone`. Returned normalized.',
    examples: ['weekly:monday,thursday', 'monthly:1,15', '0 9 * * 1'],
  },
  recurrence_end_date: {
    type: ['string', 'null'],
    pattern: SCHEDULE_INSTANT_PATTERN,
    description: 'No run after this instant; after `scheduled_at`. Read like `scheduled_at`.',
  },
  timezone: {
    type: ['string', 'null'],
    default: 'UTC',
    description: 'IANA time zone (`null` or absent: `UTC`).',
    examples: ['America/New_York', 'UTC'],
  },
  max_runs: { type: ['integer', 'null'], minimum: 1, maximum: MAX_RUNS_LIMIT, description: 'Stop after this many runs.' },
  job_config: jsonObject(
    'Job configuration merged over the template\'s fields (it wins), e.g. `target_url`, `anchor_text`. Not validated field by field.',
  ),
  misfire_grace_seconds: int(0, 604_800, {
    ...(forCreate ? { default: 3600 } : {}),
    description: 'How late a run missed while no worker was up may still fire.',
  }),
});

const scheduleProperties: Record<string, Json> = {
  id: uuid(),
  user_id: str(1, 255),
  campaign_id: nullableUuid(),
  template_id: nullableUuid(),
  name: str(1, 255),
  description: nullableStr(null, null),
  schedule_type: enumOf(SCHEDULE_TYPES),
  scheduled_at: instant('The first run (start of the rule), UTC.'),
  recurrence_pattern: nullableStr(null, null, { description: 'Normalized pattern; `null` for once and daily.' }),
  recurrence_end_date: nullableInstant(),
  timezone: str(1, 64),
  max_runs: { type: ['integer', 'null'], minimum: 1 },
  job_config: { type: 'object' },
  status: enumOf(SCHEDULED_JOB_STATUSES),
  next_run_at: nullableInstant('The true next fire instant; `null` while paused and once finished.'),
  last_run_at: nullableInstant(),
  run_count: int(0),
  error_count: int(0),
  last_error: nullableStr(null, null),
  misfire_grace_seconds: int(0, 604_800),
  version: int(1, undefined, { description: 'Bumped whenever what or when the schedule fires changes.' }),
  created_at: instant(),
  updated_at: instant(),
};

const schemas: Record<string, Json> = {
  FieldError: closed(
    {
      field: { type: 'string', description: 'The snake_case field (or query parameter) name; `body` for the body as a whole.' },
      message: { type: 'string' },
    },
    { description: 'One bad field of a request.' },
  ),
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details (`application/problem+json`).',
    required: ['type', 'title', 'status', 'detail'],
    properties: problemProperties,
    additionalProperties: false,
  },
  ValidationProblem: {
    type: 'object',
    description: 'A 422: problem details naming every bad field in `errors`.',
    required: ['type', 'title', 'status', 'detail', 'errors'],
    properties: problemProperties,
    additionalProperties: false,
  },

  Health: closed({ status: { const: 'ok' } }),
  Readiness: closed({
    status: enumOf(['ready', 'not ready']),
    checks: closed(
      {
        postgres: { type: 'string', enum: ['ok', 'unreachable'] },
        redis: { type: 'string', enum: ['ok', 'unreachable'] },
      },
    ),
  }),
  OpenApiDocument: {
    type: 'object',
    description: 'This document.',
    required: ['openapi', 'info', 'paths', 'components'],
    properties: {
      openapi: { const: '3.1.0' },
      info: { type: 'object' },
      jsonSchemaDialect: { type: 'string' },
      servers: { type: 'array' },
      tags: { type: 'array' },
      security: { type: 'array' },
      paths: { type: 'object' },
      components: { type: 'object' },
    },
    additionalProperties: false,
  },

  Campaign: closed(campaignProperties),
  CampaignCreate: body(campaignWritable(true), ['name'], {
    description: 'A new campaign. `end_date` must be after `start_date`.',
  }),
  CampaignUpdate: body(campaignWritable(false), [], {
    description: 'Partial update: only the fields sent change; `null` clears a nullable field.',
  }),
  UpcomingRun: closed({
    scheduled_job_id: uuid(),
    name: str(1, 255),
    run_at: instant(),
  }),
  CampaignStats: closed({
    campaign_id: uuid(),
    total_jobs: int(0, undefined, { description: 'Job records of the campaign.' }),
    total_scheduled_jobs: int(0),
    total_templates: int(0),
    job_count_progress: { type: ['number', 'null'], minimum: 0, description: '`total_jobs / target_job_count`; `null` without a target.' },
    days_remaining: {
      type: ['integer', 'null'],
      minimum: 0,
      description: 'Whole days until `end_date` (0 once past); `null` without an end date.',
    },
    status_distribution: {
      type: 'object',
      description: 'Job count per Job status (statuses without Jobs are left out).',
      propertyNames: { enum: [...JOB_STATUSES] },
      additionalProperties: int(1),
    },
    budget_spent_usd: { type: 'number', minimum: 0, description: 'Sum of the `cost_usd` of the campaign\'s Jobs.' },
    budget_progress: { type: ['number', 'null'], minimum: 0, description: '`budget_spent_usd / target_budget_usd`; `null` without a budget.' },
    upcoming_runs: {
      type: 'array',
      maxItems: 5,
      description: 'The next 5 runs of the campaign\'s active schedules, soonest first.',
      items: schemaRef('UpcomingRun'),
    },
  }),

  Template: closed(templateProperties),
  TemplateCreate: body(templateWritable(true), ['name']),
  TemplateUpdate: body(templateWritable(false), [], {
    description: 'Partial update: only the fields sent change; `null` clears a nullable field.',
  }),
  TemplateUse: body(
    {
      ...templateJobFields,
      target_url: str(null, 2048, {
        format: 'uri',
        pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
        description: 'An http(s) URL.',
      }),
      anchor_text: str(1, 500),
      keywords: tags(200),
      notes: str(null, 10_000),
    },
    [],
    {
      description:
        'Overrides for this one Job (all optional; the body may be left out). Every field sent lands in the Job\'s ' +
        '`config` on top of the template\'s fields; `null` clears a nullable setting for this Job.',
    },
  ),

  Job: closed(jobProperties),
  JobUpdate: body(
    {
      status: enumOf(JOB_STATUSES, {
        description:
          'pending → running | cancelled; running → completed | failed | cancelled. Other changes, and any change ' +
          'to a Job in a final status, are a 409.',
      }),
      cost_usd: { type: 'number', minimum: 0, maximum: 9_999_999_999, description: 'US dollars, at most 4 decimal places.' },
      error_message: nullableStr(null, 10_000),
    },
    [],
    { minProperties: 1, description: 'A progress report from the content pipeline: at least one field.' },
  ),

  Schedule: closed(scheduleProperties),
  ScheduleCreate: body(scheduleWritable(true), ['name', 'schedule_type'], {
    description: scheduleRuleDescription,
    allOf: [
      {
        if: { type: 'object', properties: { schedule_type: { enum: ['once', 'daily', 'weekly', 'monthly'] } }, required: ['schedule_type'] },
        then: { type: 'object', properties: { scheduled_at: { type: 'string' } }, required: ['scheduled_at'] },
      },
      {
        if: { type: 'object', properties: { schedule_type: { enum: ['once', 'daily'] } }, required: ['schedule_type'] },
        then: { type: 'object', properties: { recurrence_pattern: { type: 'null' } } },
      },
      {
        if: { type: 'object', properties: { schedule_type: { const: 'cron' } }, required: ['schedule_type'] },
        then: { type: 'object', properties: { recurrence_pattern: { type: 'string' } }, required: ['recurrence_pattern'] },
      },
    ],
  }),
  ScheduleUpdate: body(scheduleWritable(false), [], {
    description:
      'Partial update. ' +
      scheduleRuleDescription +
      ' When any rule field changes the whole rule (sent fields over stored ones) is re-validated. A change to the ' +
      'rule, campaign, template or `job_config` bumps `version` and recomputes `next_run_at` from now; a completed ' +
      'or expired schedule whose new rule has runs left becomes active again. `status` is not writable (use pause/resume).',
  }),
  UpcomingSchedule: closed({
    ...scheduleProperties,
    campaign: {
      oneOf: [
        closed({ id: uuid(), name: str(1, 255), color: { type: ['string', 'null'] } }),
        { type: 'null' },
      ],
      description: 'The schedule\'s campaign, or `null` without one.',
    },
  }),
  UpcomingSchedules: closed({
    time_window_hours: int(1, 8760),
    cutoff_time: instant('now + `time_window_hours`.'),
    upcoming_count: int(0, undefined, { description: 'Total number of matching schedules (all pages).' }),
    jobs: { type: 'array', items: schemaRef('UpcomingSchedule'), description: 'This page, soonest `next_run_at` first.' },
  }),
  Occurrence: closed({
    at: instant('The fire instant, UTC.'),
    local: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?[+-]\\d{2}:\\d{2}(:\\d{2})?$',
      description: 'The same instant as ISO 8601 with the zone\'s offset.',
      examples: ['2027-03-14T09:00:00-04:00'],
    },
    dst_adjusted: { type: 'boolean', description: 'True where a DST gap moved the run off its nominal wall-clock time.' },
  }),
  SchedulePreview: closed({
    timezone: { type: 'string' },
    occurrences: { type: 'array', maxItems: 100, items: schemaRef('Occurrence') },
  }),
  ScheduleRun: closed({
    occurrence_at: instant(),
    outcome: enumOf(RUN_OUTCOMES, {
      description: '`materialized` (with `job_id`), `skipped` (with `reason`), `missed`, `failed` (with `error`).',
    }),
    job_id: nullableUuid(),
    reason: nullableStr(null, null, { examples: ['campaign paused'] }),
    error: nullableStr(null, null),
    processed_at: instant(),
  }),
  ReconcileReport: {
    type: 'object',
    description: 'The last pass of the worker\'s reconciler, as the worker reported it.',
    required: ['finished_at', 'duration_ms', 'active_schedules', 'created', 'updated', 'removed', 'recreated_overdue'],
    properties: {
      finished_at: { type: 'string', format: 'date-time' },
      duration_ms: { type: 'number', minimum: 0 },
      active_schedules: int(0),
      created: int(0),
      updated: int(0),
      removed: int(0),
      recreated_overdue: int(0),
      missed_recorded: int(0),
      jobs_handed_over: int(0, undefined, { description: 'Pending Jobs handed to the content queue again.' }),
    },
    additionalProperties: false,
  },
  SchedulerStatus: closed({
    workers_seen: int(0, undefined, { description: 'Workers with a heartbeat in the last 30 s.' }),
    workers: {
      type: 'array',
      items: closed({ id: { type: 'string' }, last_seen_at: instant() }),
    },
    queue: closed(
      { waiting: int(0), active: int(0), delayed: int(0), failed: int(0), completed: int(0) },
      { description: 'Job counts of the occurrence queue.' },
    ),
    schedulers_in_redis: int(0),
    active_schedules: int(0, undefined, { description: 'Active schedules of all users.' }),
    last_reconcile: { oneOf: [schemaRef('ReconcileReport'), { type: 'null' }] },
    oldest_overdue_run_at: nullableInstant('The oldest `next_run_at` of an active schedule more than 60 s overdue.'),
    oldest_overdue_seconds: { type: ['integer', 'null'], minimum: 0 },
  }),
};

/* -------------------------------------------------------------------- parameters */

const parameters: Record<string, Json> = {
  Id: {
    name: 'id',
    in: 'path',
    required: true,
    description: 'The object\'s id. A value that is not a UUID cannot name anything: 404.',
    schema: uuid(),
  },
  Limit: {
    name: 'limit',
    in: 'query',
    description: 'Page size.',
    schema: int(1, MAX_LIMIT, { default: DEFAULT_LIMIT }),
  },
  Offset: {
    name: 'offset',
    in: 'query',
    description: 'Items to skip.',
    schema: int(0, 1_000_000_000, { default: 0 }),
  },
  CampaignIdFilter: {
    name: 'campaign_id',
    in: 'query',
    description: 'Only items of this campaign.',
    schema: uuid(),
  },
  Count: {
    name: 'count',
    in: 'query',
    description: 'Number of fire instants.',
    schema: int(1, 100, { default: 10 }),
  },
};

const boolQuery = (name: string, description: string): Json => ({
  name,
  in: 'query',
  description: `${description} Accepts \`true\`/\`1\` and \`false\`/\`0\`.`,
  schema: { type: 'string', enum: ['true', 'false', '1', '0'], default: 'false' },
});

/* ---------------------------------------------------------------------- headers */

const headers: Record<string, Json> = {
  'X-Total-Count': {
    description: 'Total number of items matching the query (all pages).',
    required: true,
    schema: int(0),
  },
  RateLimit: {
    description:
      'IETF RateLimit header (draft 8): the remaining budget of this kind of request (`writes`, `lists` or `reads`) ' +
      'for the caller. Absent when the limit store is unreachable.',
    schema: { type: 'string', examples: ['"reads";r=99;t=60'] },
  },
  'RateLimit-Policy': {
    description: 'IETF RateLimit-Policy header (draft 8): the quota and window of this kind of request.',
    schema: { type: 'string', examples: ['"reads";q=100;w=60'] },
  },
  'Retry-After': {
    description: 'Seconds until the budget is renewed.',
    required: true,
    schema: int(0),
  },
  'WWW-Authenticate': {
    description: 'Always `Bearer`.',
    required: true,
    schema: { type: 'string', const: 'Bearer' },
  },
};

const rateLimitHeaders: Json = { RateLimit: headerRef('RateLimit'), 'RateLimit-Policy': headerRef('RateLimit-Policy') };

/* -------------------------------------------------------------------- responses */

const PROBLEM_BASE = 'https://content-scheduler.dev/problems/';

/** A problem+json response whose body has exactly this status, title and type. */
const problemResponse = (
  status: number,
  code: string,
  title: string,
  description: string,
  extra: { validation?: boolean; headers?: Json } = {},
): Json => ({
  description,
  ...(extra.headers ? { headers: extra.headers } : {}),
  content: {
    'application/problem+json': {
      schema: {
        allOf: [
          schemaRef(extra.validation ? 'ValidationProblem' : 'Problem'),
          {
            type: 'object',
            properties: {
              type: { const: `${PROBLEM_BASE}${code}` },
              title: { const: title },
              status: { const: status },
            },
          },
        ],
      },
    },
  },
});

const responses: Record<string, Json> = {
  MalformedJson: problemResponse(400, 'malformed-json', 'Bad Request', 'The body is not valid JSON.'),
  Unauthorized: problemResponse(
    401,
    'unauthorized',
    'Unauthorized',
    'Missing, malformed, expired or wrongly signed token, or one without `sub`.',
    { headers: { 'WWW-Authenticate': headerRef('WWW-Authenticate'), ...rateLimitHeaders } },
  ),
  NotFound: problemResponse(
    404,
    'not-found',
    'Not Found',
    'No such object of the caller: missing, another user\'s (never 403), or an id that is not a UUID; also a ' +
      'campaign or template named in the body that is not the caller\'s.',
    { headers: rateLimitHeaders },
  ),
  Conflict: problemResponse(409, 'conflict', 'Conflict', 'The object\'s state does not allow the change.', {
    headers: rateLimitHeaders,
  }),
  PayloadTooLarge: problemResponse(413, 'payload-too-large', 'Content Too Large', 'The body is larger than `BODY_LIMIT` (default 100kb).'),
  UnsupportedMediaType: problemResponse(
    415,
    'unsupported-media-type',
    'Unsupported Media Type',
    'The body\'s charset or content encoding is not supported (JSON must be UTF-8).',
  ),
  ValidationFailed: problemResponse(
    422,
    'validation-failed',
    'Unprocessable Content',
    'Invalid input: `errors` names every bad field or query parameter. Unknown body fields, explicit `null` on a ' +
      'non-nullable field, a body that is not a JSON object (field `body`) and a query parameter given twice are 422s.',
    { validation: true, headers: rateLimitHeaders },
  ),
  RateLimited: problemResponse(
    429,
    'rate-limited',
    'Too Many Requests',
    'The caller\'s budget for this kind of request (per user, or per client address without a valid token) is used up.',
    { headers: { 'Retry-After': headerRef('Retry-After'), ...rateLimitHeaders } },
  ),
};

/* ------------------------------------------------------------------- operations */

type LimitKind = 'writes' | 'lists' | 'reads';

interface Op {
  tag: string;
  operationId: string;
  summary: string;
  description?: string;
  kind: LimitKind;
  parameters?: Json[];
  /** Request body schema (application/json). */
  requestBody?: { schema: Json; required?: boolean; description?: string };
  /** Success status and schema (null: no content). */
  success: { status: number; description: string; schema: Json | null; list?: boolean };
  /** 404 (path id or body reference), 409, 422 (validated query), besides the automatic ones. */
  notFound?: boolean;
  conflict?: string;
  validatesQuery?: boolean;
}

const KIND_TEXT: Record<LimitKind, string> = {
  writes: 'Rate limit: writes (default 30/min).',
  lists: 'Rate limit: lists (default 60/min).',
  reads: 'Rate limit: reads (default 100/min).',
};

/** An authenticated `/api/v1` operation with the error responses it can give. */
function op(spec: Op): Json {
  const out: Json = {
    tags: [spec.tag],
    operationId: spec.operationId,
    summary: spec.summary,
    description: [spec.description, KIND_TEXT[spec.kind]].filter(Boolean).join('\n\n'),
  };
  if (spec.parameters?.length) out.parameters = spec.parameters;
  if (spec.requestBody) {
    out.requestBody = {
      required: spec.requestBody.required ?? true,
      ...(spec.requestBody.description ? { description: spec.requestBody.description } : {}),
      content: { 'application/json': { schema: spec.requestBody.schema } },
    };
  }
  const success: Json = { description: spec.success.description };
  const successHeaders: Json = { ...(spec.success.list ? { 'X-Total-Count': headerRef('X-Total-Count') } : {}), ...rateLimitHeaders };
  success.headers = successHeaders;
  if (spec.success.schema) success.content = { 'application/json': { schema: spec.success.schema } };

  const res: Record<string, Json> = { [String(spec.success.status)]: success };
  if (spec.requestBody) {
    res['400'] = responseRef('MalformedJson');
  }
  res['401'] = responseRef('Unauthorized');
  if (spec.notFound) res['404'] = responseRef('NotFound');
  if (spec.conflict) res['409'] = { ...responseRef('Conflict'), description: spec.conflict };
  if (spec.requestBody) {
    res['413'] = responseRef('PayloadTooLarge');
    res['415'] = responseRef('UnsupportedMediaType');
  }
  if (spec.requestBody || spec.validatesQuery) res['422'] = responseRef('ValidationFailed');
  res['429'] = responseRef('RateLimited');
  out.responses = Object.fromEntries(Object.entries(res).sort(([a], [b]) => Number(a) - Number(b)));
  return out;
}

const page = [paramRef('Limit'), paramRef('Offset')];
const arrayOf = (name: string): Json => ({ type: 'array', items: schemaRef(name) });

const paths: Record<string, Json> = {
  /* ---------------------------------------------------------------- operations */
  '/healthz': {
    get: {
      tags: ['operations'],
      operationId: 'getHealthz',
      summary: 'Liveness: the process is up',
      security: [],
      responses: {
        '200': { description: 'The process is up.', content: { 'application/json': { schema: schemaRef('Health') } } },
      },
    },
  },
  '/readyz': {
    get: {
      tags: ['operations'],
      operationId: 'getReadyz',
      summary: 'Readiness: PostgreSQL and Redis are reachable',
      security: [],
      responses: {
        '200': {
          description: 'Ready: every check is `ok`.',
          content: {
            'application/json': {
              schema: {
                allOf: [
                  schemaRef('Readiness'),
                  {
                    type: 'object',
                    properties: {
                      status: { const: 'ready' },
                      checks: { type: 'object', properties: { postgres: { const: 'ok' }, redis: { const: 'ok' } } },
                    },
                  },
                ],
              },
            },
          },
        },
        '503': {
          description: 'Not ready: PostgreSQL or Redis is unreachable (details go to the log, not to the caller).',
          content: {
            'application/json': {
              schema: { allOf: [schemaRef('Readiness'), { type: 'object', properties: { status: { const: 'not ready' } } }] },
            },
          },
        },
      },
    },
  },
  '/metrics': {
    get: {
      tags: ['operations'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics of this API instance',
      security: [],
      responses: {
        '200': {
          description: 'Prometheus text exposition format.',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
    },
  },

  /* ---------------------------------------------------------------------- docs */
  '/api/v1/openapi.json': {
    get: {
      tags: ['docs'],
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI document',
      description: 'No token needed.',
      security: [],
      responses: {
        '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: schemaRef('OpenApiDocument') } } },
      },
    },
  },
  '/docs': {
    get: {
      tags: ['docs'],
      operationId: 'getDocs',
      summary: 'Interactive API documentation (Swagger UI)',
      description: 'No token needed. The page and its assets are served by this API (no external resources).',
      security: [],
      responses: {
        '200': { description: 'The Swagger UI page for this document.', content: { 'text/html': { schema: { type: 'string' } } } },
      },
    },
  },

  /* ----------------------------------------------------------------- campaigns */
  '/api/v1/campaigns': {
    post: op({
      tag: 'campaigns',
      operationId: 'createCampaign',
      summary: 'Create a campaign',
      kind: 'writes',
      requestBody: { schema: schemaRef('CampaignCreate') },
      success: { status: 201, description: 'The created campaign.', schema: schemaRef('Campaign') },
    }),
    get: op({
      tag: 'campaigns',
      operationId: 'listCampaigns',
      summary: 'List the caller\'s campaigns, newest first',
      kind: 'lists',
      parameters: [
        { name: 'status', in: 'query', description: 'Only campaigns with this status.', schema: enumOf(CAMPAIGN_STATUSES) },
        {
          name: 'status_filter',
          in: 'query',
          description: 'Alias of `status` (used when `status` is absent).',
          schema: enumOf(CAMPAIGN_STATUSES),
        },
        ...page,
      ],
      validatesQuery: true,
      success: { status: 200, description: 'One page of campaigns.', schema: arrayOf('Campaign'), list: true },
    }),
  },
  '/api/v1/campaigns/{id}': {
    parameters: [paramRef('Id')],
    get: op({
      tag: 'campaigns',
      operationId: 'getCampaign',
      summary: 'Get a campaign',
      kind: 'reads',
      notFound: true,
      success: { status: 200, description: 'The campaign.', schema: schemaRef('Campaign') },
    }),
    put: op({
      tag: 'campaigns',
      operationId: 'updateCampaign',
      summary: 'Update a campaign (partial)',
      description:
        'Only the fields sent change. Pausing a campaign (`paused`) stops its schedules from producing Jobs until it is ' +
        'active again; `completed` / `archived` stop them for good.',
      kind: 'writes',
      notFound: true,
      requestBody: { schema: schemaRef('CampaignUpdate') },
      success: { status: 200, description: 'The updated campaign.', schema: schemaRef('Campaign') },
    }),
    delete: op({
      tag: 'campaigns',
      operationId: 'deleteCampaign',
      summary: 'Delete a campaign with its templates and schedules',
      description: 'Its Jobs are kept, with `campaign_id` set to null.',
      kind: 'writes',
      notFound: true,
      success: { status: 204, description: 'Deleted.', schema: null },
    }),
  },
  '/api/v1/campaigns/{id}/stats': {
    parameters: [paramRef('Id')],
    get: op({
      tag: 'campaigns',
      operationId: 'getCampaignStats',
      summary: 'Progress and statistics of a campaign',
      kind: 'reads',
      notFound: true,
      success: { status: 200, description: 'The campaign\'s statistics.', schema: schemaRef('CampaignStats') },
    }),
  },

  /* ----------------------------------------------------------------- templates */
  '/api/v1/templates': {
    post: op({
      tag: 'templates',
      operationId: 'createTemplate',
      summary: 'Create a job template',
      kind: 'writes',
      notFound: true,
      requestBody: { schema: schemaRef('TemplateCreate') },
      success: { status: 201, description: 'The created template.', schema: schemaRef('Template') },
    }),
    get: op({
      tag: 'templates',
      operationId: 'listTemplates',
      summary: 'List the caller\'s templates: favorites first, then most recently used',
      kind: 'lists',
      parameters: [paramRef('CampaignIdFilter'), boolQuery('favorites_only', 'Only favorite templates.'), ...page],
      validatesQuery: true,
      success: { status: 200, description: 'One page of templates.', schema: arrayOf('Template'), list: true },
    }),
  },
  '/api/v1/templates/{id}': {
    parameters: [paramRef('Id')],
    get: op({
      tag: 'templates',
      operationId: 'getTemplate',
      summary: 'Get a template',
      kind: 'reads',
      notFound: true,
      success: { status: 200, description: 'The template.', schema: schemaRef('Template') },
    }),
    put: op({
      tag: 'templates',
      operationId: 'updateTemplate',
      summary: 'Update a template (partial)',
      kind: 'writes',
      notFound: true,
      requestBody: { schema: schemaRef('TemplateUpdate') },
      success: { status: 200, description: 'The updated template.', schema: schemaRef('Template') },
    }),
    delete: op({
      tag: 'templates',
      operationId: 'deleteTemplate',
      summary: 'Delete a template',
      description:
        'Finished schedules and Jobs made from it lose the link (`template_id` null).',
      kind: 'writes',
      notFound: true,
      conflict: 'A schedule that can still run uses the template; `detail` names those schedules.',
      success: { status: 204, description: 'Deleted.', schema: null },
    }),
  },
  '/api/v1/templates/{id}/favorite': {
    parameters: [paramRef('Id')],
    post: op({
      tag: 'templates',
      operationId: 'toggleTemplateFavorite',
      summary: 'Toggle `is_favorite`',
      description: 'Takes no body.',
      kind: 'writes',
      notFound: true,
      success: { status: 200, description: 'The template with `is_favorite` flipped.', schema: schemaRef('Template') },
    }),
  },
  '/api/v1/templates/{id}/use': {
    parameters: [paramRef('Id')],
    post: op({
      tag: 'templates',
      operationId: 'useTemplate',
      summary: 'Create a Job from the template',
      description:
        'The Job\'s config is the template\'s fields with the overrides on top (override wins); the template\'s ' +
        '`use_count` goes up by one and `last_used_at` becomes now. The Job is handed to the content pipeline.',
      kind: 'writes',
      notFound: true,
      requestBody: { schema: schemaRef('TemplateUse'), required: false },
      success: { status: 201, description: 'The created (pending) Job.', schema: schemaRef('Job') },
    }),
  },

  /* ----------------------------------------------------------------- schedules */
  '/api/v1/schedule': {
    post: op({
      tag: 'schedules',
      operationId: 'createSchedule',
      summary: 'Create a schedule',
      kind: 'writes',
      notFound: true,
      requestBody: { schema: schemaRef('ScheduleCreate') },
      success: { status: 201, description: 'The created (active) schedule.', schema: schemaRef('Schedule') },
    }),
    get: op({
      tag: 'schedules',
      operationId: 'listSchedules',
      summary: 'List the caller\'s schedules, soonest `next_run_at` first',
      description: 'Schedules without a next run come last.',
      kind: 'lists',
      parameters: [
        paramRef('CampaignIdFilter'),
        { name: 'status_filter', in: 'query', description: 'Only schedules with this status.', schema: enumOf(SCHEDULED_JOB_STATUSES) },
        {
          name: 'status',
          in: 'query',
          description: 'Alias of `status_filter` (used when `status_filter` is absent).',
          schema: enumOf(SCHEDULED_JOB_STATUSES),
        },
        boolQuery('upcoming_only', 'Only active schedules with a next run.'),
        ...page,
      ],
      validatesQuery: true,
      success: { status: 200, description: 'One page of schedules.', schema: arrayOf('Schedule'), list: true },
    }),
  },
  '/api/v1/schedule/upcoming': {
    get: op({
      tag: 'schedules',
      operationId: 'listUpcomingSchedules',
      summary: 'Active schedules whose next run is within the window',
      kind: 'lists',
      parameters: [
        { name: 'hours', in: 'query', description: 'Window from now, in hours.', schema: int(1, 8760, { default: 24 }) },
        ...page,
      ],
      validatesQuery: true,
      success: {
        status: 200,
        description: 'The window and one page of schedules, each with its campaign.',
        schema: schemaRef('UpcomingSchedules'),
        list: true,
      },
    }),
  },
  '/api/v1/schedule/status': {
    get: op({
      tag: 'schedules',
      operationId: 'getSchedulerStatus',
      summary: 'Scheduler status',
      description: 'Global, for operators: it describes the service, not the caller\'s data.',
      kind: 'reads',
      success: { status: 200, description: 'Workers, queue depth, schedulers, last reconcile, oldest overdue run.', schema: schemaRef('SchedulerStatus') },
    }),
  },
  '/api/v1/schedule/preview': {
    post: op({
      tag: 'schedules',
      operationId: 'previewScheduleBody',
      summary: 'Preview the fire instants of a schedule body',
      description:
        'The body is validated like a create, except that `scheduled_at` may be in the past: a `campaign_id` or ' +
        '`template_id` must be the caller\'s own (else 404). Nothing is stored. Occurrences start at `scheduled_at`.',
      kind: 'reads',
      notFound: true,
      parameters: [paramRef('Count')],
      validatesQuery: true,
      requestBody: { schema: schemaRef('ScheduleCreate') },
      success: { status: 200, description: 'The next `count` fire instants.', schema: schemaRef('SchedulePreview') },
    }),
  },
  '/api/v1/schedule/{id}': {
    parameters: [paramRef('Id')],
    get: op({
      tag: 'schedules',
      operationId: 'getSchedule',
      summary: 'Get a schedule',
      kind: 'reads',
      notFound: true,
      success: { status: 200, description: 'The schedule.', schema: schemaRef('Schedule') },
    }),
    put: op({
      tag: 'schedules',
      operationId: 'updateSchedule',
      summary: 'Update a schedule (partial)',
      kind: 'writes',
      notFound: true,
      requestBody: { schema: schemaRef('ScheduleUpdate') },
      success: { status: 200, description: 'The updated schedule.', schema: schemaRef('Schedule') },
    }),
    delete: op({
      tag: 'schedules',
      operationId: 'deleteSchedule',
      summary: 'Delete a schedule',
      description: 'Its Jobs are kept.',
      kind: 'writes',
      notFound: true,
      success: { status: 204, description: 'Deleted.', schema: null },
    }),
  },
  '/api/v1/schedule/{id}/preview': {
    parameters: [paramRef('Id')],
    get: op({
      tag: 'schedules',
      operationId: 'previewSchedule',
      summary: 'Preview the next fire instants of a schedule',
      description: 'Starts from the pending run (else from now) and is capped by the runs left under `max_runs`.',
      kind: 'reads',
      notFound: true,
      parameters: [paramRef('Count')],
      validatesQuery: true,
      success: { status: 200, description: 'The next fire instants (at most `count`).', schema: schemaRef('SchedulePreview') },
    }),
  },
  '/api/v1/schedule/{id}/runs': {
    parameters: [paramRef('Id')],
    get: op({
      tag: 'schedules',
      operationId: 'listScheduleRuns',
      summary: 'Run history of a schedule, newest first',
      kind: 'lists',
      notFound: true,
      parameters: page,
      validatesQuery: true,
      success: { status: 200, description: 'One page of runs.', schema: arrayOf('ScheduleRun'), list: true },
    }),
  },
  '/api/v1/schedule/{id}/pause': {
    parameters: [paramRef('Id')],
    post: op({
      tag: 'schedules',
      operationId: 'pauseSchedule',
      summary: 'Pause an active schedule',
      description: 'Takes no body. Runs until resume are skipped; `next_run_at` becomes null.',
      kind: 'writes',
      notFound: true,
      conflict: 'The schedule is not active.',
      success: { status: 200, description: 'The paused schedule.', schema: schemaRef('Schedule') },
    }),
  },
  '/api/v1/schedule/{id}/resume': {
    parameters: [paramRef('Id')],
    post: op({
      tag: 'schedules',
      operationId: 'resumeSchedule',
      summary: 'Resume a paused schedule',
      description:
        'Takes no body. `next_run_at` becomes the next occurrence after now (missed runs are skipped); a schedule ' +
        'with no run left becomes `completed` or `expired`.',
      kind: 'writes',
      notFound: true,
      conflict: 'The schedule is not paused.',
      success: { status: 200, description: 'The resumed schedule.', schema: schemaRef('Schedule') },
    }),
  },

  /* ---------------------------------------------------------------------- jobs */
  '/api/v1/jobs': {
    get: op({
      tag: 'jobs',
      operationId: 'listJobs',
      summary: 'List the caller\'s Jobs, newest first',
      kind: 'lists',
      parameters: [
        paramRef('CampaignIdFilter'),
        { name: 'scheduled_job_id', in: 'query', description: 'Only Jobs of this schedule.', schema: uuid() },
        { name: 'status', in: 'query', description: 'Only Jobs with this status.', schema: enumOf(JOB_STATUSES) },
        ...page,
      ],
      validatesQuery: true,
      success: { status: 200, description: 'One page of Jobs.', schema: arrayOf('Job'), list: true },
    }),
  },
  '/api/v1/jobs/{id}': {
    parameters: [paramRef('Id')],
    get: op({
      tag: 'jobs',
      operationId: 'getJob',
      summary: 'Get a Job',
      kind: 'reads',
      notFound: true,
      success: { status: 200, description: 'The Job.', schema: schemaRef('Job') },
    }),
    patch: op({
      tag: 'jobs',
      operationId: 'updateJob',
      summary: 'Report progress of a Job (content pipeline)',
      description: 'The server sets `started_at` (first `running`) and `completed_at` (final status).',
      kind: 'writes',
      notFound: true,
      conflict: 'Not an allowed transition, the same status again, or the Job is in a final status (completed, failed, cancelled).',
      requestBody: { schema: schemaRef('JobUpdate') },
      success: { status: 200, description: 'The updated Job.', schema: schemaRef('Job') },
    }),
  },
};

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
  info: {
    title: 'Content Scheduler API',
    version: '0.1.0',
    description:
      'Campaigns, job templates and scheduled jobs that materialize content Jobs.\n\n' +
      '- JSON in and out, `snake_case` fields. Instants in responses are UTC ISO 8601 with `Z`.\n' +
      '- Every `/api/v1` endpoint (except this document) needs `Authorization: Bearer <JWT>`; the user is the ' +
      '`sub` claim, and each user sees only their own data (another user\'s object is a 404).\n' +
      '- Errors are `application/problem+json` (RFC 9457); 422s list every bad field in `errors`.\n' +
      '- Lists are JSON arrays paginated with `limit` (default 50, max 200) and `offset`, the total in `X-Total-Count`.\n' +
      '- Rate limits per user (or client address), per kind of request: writes, lists, reads.',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'campaigns', description: 'Campaigns group templates, schedules and Jobs.' },
    { name: 'templates', description: 'Reusable Job settings.' },
    { name: 'schedules', description: 'Schedules that materialize Jobs (once, daily, weekly, monthly, cron).' },
    { name: 'jobs', description: 'Units of content work, reported on by the content pipeline.' },
    { name: 'operations', description: 'Health, readiness and metrics (no auth).' },
    { name: 'docs', description: 'This documentation (no auth).' },
  ],
  security: [{ bearerAuth: [] }],
  paths: paths as Record<string, Record<string, Json>>,
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A JWT whose `sub` is the user id (HS256 with `JWT_SECRET`, or RS256/ES256 with `JWT_PUBLIC_KEY`).',
      },
    },
    schemas,
    parameters,
    headers,
    responses,
  },
};
