/**
 * Every `/api/v1` endpoint, described for the fuzzer: method and path, which fixture its path
 * id names, its query parameters and the fields of its body (with generators of valid values;
 * the fuzzer mixes them with junk).
 */
import fc, { Arbitrary } from 'fast-check';
import {
  AUDIT_ACTIONS,
  AUDIT_ENTITY_TYPES,
  CAMPAIGN_STATUSES,
  EVENT_TYPES,
  JOB_STATUSES,
  LLM_PROVIDERS,
  RUN_OUTCOMES,
  SCHEDULED_JOB_STATUSES,
  WRITING_STRATEGIES,
} from '@scheduler/entities';
import {
  BAD_ZONES,
  BOOL_VALUES,
  FieldSpec,
  futureIso,
  GOOD_ZONES,
  junkDate,
  junkObject,
  junkPattern,
  pageParams,
  plainText,
  QueryParams,
  refTo,
  SCHEDULE_TYPES,
  UrlPiece,
} from './arbitraries';
import { CAMPAIGN_SORT_KEYS } from '../../src/campaigns/campaign.service';
import { JOB_SORT_KEYS } from '../../src/jobs/job.service';
import { SCHEDULE_SORT_KEYS } from '../../src/schedules/schedule.service';
import { Entries, FixtureKind, JsonLike, Ref } from './json-text';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface BodySpec {
  fields: FieldSpec;
  required?: readonly string[];
  /** The endpoint accepts a missing body (template use). */
  allowEmpty?: boolean;
  /** Coherent valid bodies (mixed in so that cases get past validation into the services). */
  valid?: Arbitrary<Entries>;
  /** A file of such bodies (the import): JSON arrays and CSV (`fileBodyCase`). */
  files?: boolean;
}

export interface Endpoint {
  name: string;
  method: Method;
  /** Path under `/api/v1`, without the id. */
  base: string;
  /** The kind of fixture the path id names, for `/{id}` endpoints. */
  id?: FixtureKind;
  /** Path after the id (`/stats`). */
  suffix?: string;
  query?: QueryParams;
  body?: BodySpec;
  /** A 2xx may be a CSV file (the export). */
  sendsCsv?: boolean;
  /** Share of the total case budget (bodies get more). */
  weight: number;
}

/* ----------------------------------------------------------- valid values */

const hexColor: Arbitrary<string> = fc
  .string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 6, maxLength: 6 })
  .map((s) => `#${s}`);

const dateValue: Arbitrary<JsonLike> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  },
  { weight: 1, arbitrary: futureIso },
  { weight: 1, arbitrary: junkDate },
);

const tags: Arbitrary<JsonLike> = fc.oneof(
  { weight: 4, arbitrary: fc.array(plainText(20), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.array(fc.constant('t'), { minLength: 50, maxLength: 51 }) },
);

const nullable = (arb: Arbitrary<JsonLike>): Arbitrary<JsonLike> =>
  fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });

const money = (max: number, decimals: number): Arbitrary<JsonLike> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 10 ** 8 }).map((n) => n / 10 ** decimals) },
    { weight: 1, arbitrary: fc.constantFrom(0, 0.01, max, max - 0.01, max + 1) },
  );

/** `approval_timeout_hours`: 1–8760 or null, and the values just outside. */
function approvalTimeout(): Arbitrary<JsonLike> {
  return nullable(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 8760 }) },
      { weight: 1, arbitrary: fc.constantFrom<JsonLike>(0, 1, 8760, 8761, 1.5, '24', -1) },
    ),
  );
}

export const campaignFields: FieldSpec = {
  name: fc.oneof({ weight: 5, arbitrary: plainText(40) }, { weight: 1, arbitrary: fc.constantFrom('x'.repeat(255), '😀'.repeat(255)) }),
  description: nullable(plainText(200)),
  status: fc.constantFrom(...CAMPAIGN_STATUSES),
  color: nullable(hexColor),
  tags,
  target_job_count: nullable(fc.oneof(fc.integer({ min: 1, max: 1_000_000_000 }), fc.constantFrom(1, 1_000_000_000))),
  target_budget_usd: nullable(money(1_000_000_000_000, 2)),
  start_date: nullable(dateValue),
  end_date: nullable(dateValue),
  requires_approval: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<JsonLike>('true', 1, null) }),
  approval_timeout_hours: approvalTimeout(),
};

const jobSettingFields: FieldSpec = {
  publisher_domain: nullable(
    fc.oneof(
      { weight: 3, arbitrary: fc.domain() },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'forbes.com',
          'example.co.uk',
          'xn--bcher-kva.example',
          'bücher.example',
          'localhost',
          `${'a'.repeat(63)}.com`,
          `${'a'.repeat(64)}.com`,
        ),
      },
    ),
  ),
  llm_provider: nullable(fc.constantFrom(...LLM_PROVIDERS)),
  llm_model: nullable(fc.oneof(fc.constantFrom('claude-sonnet-4', 'gpt-4o', 'gemini-2.5-pro'), plainText(30))),
  writing_strategy: nullable(fc.constantFrom(...WRITING_STRATEGIES)),
  country: nullable(fc.constantFrom('US', 'gb', 'FR', 'de', 'U1', 'USA')),
  language: nullable(fc.constantFrom('en', 'en-GB', 'fr', 'zh-Hant-TW', 'pt-BR', 'en_US', 'x-klingon', 'i-default', 'en-', 'EN-gb')),
  max_retries: fc.integer({ min: -1, max: 11 }),
  batch_size: fc.integer({ min: 0, max: 101 }),
  metadata: junkObject,
};

export const templateFields: FieldSpec = {
  name: plainText(40),
  description: nullable(plainText(200)),
  campaign_id: nullable(refTo('campaign')),
  ...jobSettingFields,
  tags,
  is_favorite: fc.boolean(),
  visibility: fc.constantFrom<JsonLike>('private', 'public', 'PUBLIC', 'shared', ''),
};

export const useFields: FieldSpec = {
  ...jobSettingFields,
  target_url: fc.oneof(
    { weight: 3, arbitrary: fc.webUrl() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'https://example.com/landing',
        'http://localhost:8000/',
        'ftp://example.com/x',
        'javascript:alert(1)',
        'https://',
        `https://example.com/${'a'.repeat(2040)}`,
      ),
    },
  ),
  anchor_text: plainText(60),
  keywords: fc.array(plainText(20), { maxLength: 6 }),
  notes: plainText(200),
};

export const scheduleFields: FieldSpec = {
  name: plainText(40),
  description: nullable(plainText(200)),
  campaign_id: nullable(refTo('campaign')),
  template_id: nullable(refTo('template', 'blockedTemplate')),
  schedule_type: fc.constantFrom(...SCHEDULE_TYPES),
  scheduled_at: fc.oneof({ weight: 4, arbitrary: futureIso }, { weight: 1, arbitrary: junkDate }),
  recurrence_pattern: junkPattern,
  recurrence_end_date: fc.oneof({ weight: 3, arbitrary: futureIso }, { weight: 1, arbitrary: junkDate }),
  timezone: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...GOOD_ZONES) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_ZONES) }),
  max_runs: nullable(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0, 2_147_483_647, 2_147_483_648))),
  job_config: junkObject,
  misfire_grace_seconds: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: 604_800 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 604_800, -1, 604_801) },
  ),
  requires_approval: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<JsonLike>('true', 1, null) }),
  approval_timeout_hours: approvalTimeout(),
};

/** A schedule rule whose type, pattern and dates fit together. */
const validRule: Arbitrary<[string, JsonLike][]> = fc
  .tuple(
    fc.oneof(
      fc.constant<[string, JsonLike][]>([['schedule_type', 'once']]),
      fc.constant<[string, JsonLike][]>([['schedule_type', 'daily']]),
      fc
        .constantFrom('weekly:monday', 'weekly:monday,thursday', 'weekly:sunday,saturday', 'weekly:friday')
        .map((p): [string, JsonLike][] => [
          ['schedule_type', 'weekly'],
          ['recurrence_pattern', p],
        ]),
      fc.constant<[string, JsonLike][]>([['schedule_type', 'weekly']]),
      fc.constantFrom('monthly:1', 'monthly:31', 'monthly:last', 'monthly:1,15,last', 'monthly:29').map((p): [string, JsonLike][] => [
        ['schedule_type', 'monthly'],
        ['recurrence_pattern', p],
      ]),
      fc
        .constantFrom('0 9 * * 1', '*/15 * * * *', '0 0 0 * * *', '30 2 * * *', '0 9 1 * *', '0 0 29 2 *')
        .map((p): [string, JsonLike][] => [
          ['schedule_type', 'cron'],
          ['recurrence_pattern', p],
        ]),
    ),
    futureIso,
    fc.option(fc.constantFrom(...GOOD_ZONES), { nil: undefined }),
    fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
    fc.option(fc.integer({ min: 24 * 400, max: 24 * 3000 }), { nil: undefined }),
  )
  .map(([rule, at, timezone, maxRuns, endHours]) => {
    const out: [string, JsonLike][] = [...rule, ['scheduled_at', at]];
    if (timezone !== undefined) out.push(['timezone', timezone]);
    if (maxRuns !== undefined) out.push(['max_runs', maxRuns]);
    if (endHours !== undefined) out.push(['recurrence_end_date', new Date(Date.now() + endHours * 3_600_000).toISOString()]);
    return out;
  });

/** A valid create body; `partial` drops some fields (for PUT). */
const validSchedule = (partial: boolean): Arbitrary<Entries> =>
  fc
    .tuple(
      plainText(40),
      validRule,
      fc.option(fc.constantFrom<JsonLike>(new Ref('campaign'), new Ref('campaign', 'self', true), null), { nil: undefined }),
      fc.option(fc.constantFrom<JsonLike>(new Ref('template'), new Ref('blockedTemplate'), null), { nil: undefined }),
      fc.option(
        fc.oneof(
          junkObject,
          fc.constant<JsonLike>(
            new Entries([
              ['target_url', 'https://example.com/a'],
              ['anchor_text', 'a'],
            ]),
          ),
        ),
        { nil: undefined },
      ),
      fc.option(fc.integer({ min: 0, max: 604_800 }), { nil: undefined }),
      fc.nat(),
    )
    .map(([name, rule, campaign, template, config, grace, pick]) => {
      const entries: [string, JsonLike][] = [['name', name], ...rule];
      if (campaign !== undefined) entries.push(['campaign_id', campaign]);
      if (template !== undefined) entries.push(['template_id', template]);
      if (config !== undefined) entries.push(['job_config', config]);
      if (grace !== undefined) entries.push(['misfire_grace_seconds', grace]);
      // For an update, keep a random subset (a partial update).
      return new Entries(partial ? entries.filter((_e, i) => (pick >> i) & 1) : entries);
    });

export const jobPatchFields: FieldSpec = {
  status: fc.constantFrom(...JOB_STATUSES),
  cost_usd: money(9_999_999_999, 4),
  error_message: nullable(plainText(200)),
};

/* --------------------------------------------------------- query params */

const uuidParam = (...kinds: FixtureKind[]): Arbitrary<UrlPiece> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...kinds).map((k) => new Ref(k)) },
    { weight: 1, arbitrary: fc.constantFrom(...kinds).map((k) => new Ref(k, 'other')) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('', 'x', '00000000-0000-0000-0000-000000000000') },
  );
const oneOf = (values: readonly string[]): Arbitrary<UrlPiece> => fc.constantFrom(...values, '', 'ACTIVE', 'unknown');

const countParam: Arbitrary<UrlPiece> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('1', '10', '100', '') },
  { weight: 1, arbitrary: fc.constantFrom('0', '101', '-1', '1e2', '5.5', ' 5') },
);

/** A calendar window end: any instant parameter, or instants a few days from now (windows that get past the 366-day check). */
const calendarInstant: Arbitrary<UrlPiece> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: -40, max: 40 })
      .map((days) => new Date(Math.floor(Date.now() / 86_400_000 + days) * 86_400_000).toISOString()),
  },
  { weight: 1, arbitrary: fc.constant('') },
);

/** An instant parameter: valid instants (with `Z` or an offset) and near misses. */
const instantParam: Arbitrary<UrlPiece> = fc.oneof(
  { weight: 3, arbitrary: futureIso },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '2026-01-05T14:00:00Z',
      '2026-01-05T14:00:00.123+02:00',
      '2026-01-05T14:00:00',
      '2026-01-05',
      '2026-02-30T00:00:00Z',
      '2026-01-05T24:00:00Z',
      '0001-01-01T00:00:00Z',
      '1e12',
      '',
    ),
  },
);
const sortParam = (keys: readonly string[]): Arbitrary<UrlPiece> =>
  fc.constantFrom(...keys.flatMap((k) => [k, `-${k}`]), '', '--name', 'id', 'name,-created_at', ' name');
const textParam: Arbitrary<UrlPiece> = fc.oneof(
  { weight: 3, arbitrary: plainText(20) },
  { weight: 1, arbitrary: fc.constantFrom('%', '_', '\\', "' OR 1=1 --", 'x'.repeat(256), '  ') },
);

/* ------------------------------------------------------------- blackouts */

/** Local dates: real ones near now and far ahead, and the ones just wrong. */
const localDate: Arbitrary<JsonLike> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<JsonLike>('2026-02-30', '2026-13-01', '2026-1-5', '0000-01-01', '2026-01-05T00:00:00Z', '', 20260105, null),
  },
  { weight: 1, arbitrary: junkDate },
);
const localDateParam: Arbitrary<UrlPiece> = fc.constantFrom('2026-12-25', '2099-12-25', '2026-02-30', '2026-12-25T00:00:00Z', '', 'x');

const blackoutFields: FieldSpec = {
  name: fc.oneof({ weight: 5, arbitrary: plainText(40) }, { weight: 1, arbitrary: fc.constantFrom('x'.repeat(255), 'x'.repeat(256), ' ') }),
  start_date: localDate,
  end_date: localDate,
  timezone: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOOD_ZONES) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_ZONES) }),
  campaign_id: nullable(refTo('campaign')),
  policy: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('skip', 'shift') },
    { weight: 1, arbitrary: fc.constantFrom<JsonLike>('Skip', '', 1) },
  ),
};

/** A coherent blackout: a real span of up to 400 days (past the 366 limit now and then). */
const validBlackout: Arbitrary<Entries> = fc
  .record({
    start: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2099-01-01T00:00:00Z'), noInvalidDate: true }),
    days: fc.integer({ min: 0, max: 400 }),
    timezone: fc.constantFrom(...GOOD_ZONES),
    policy: fc.constantFrom('skip', 'shift'),
  })
  .map(
    ({ start, days, timezone, policy }) =>
      new Entries([
        ['name', 'fuzz blackout'],
        ['start_date', start.toISOString().slice(0, 10)],
        ['end_date', new Date(start.getTime() + days * 86_400_000).toISOString().slice(0, 10)],
        ['timezone', timezone],
        ['policy', policy],
      ]),
  );

/* ------------------------------------------------------------- webhooks */

/** Webhook URLs: public address literals (no DNS in the suite), and the refused forms and ranges. */
const webhookUrl: Arbitrary<JsonLike> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('https://93.184.216.34/hook', 'http://8.8.8.8:8080/x?y=1', 'https://[2606:4700::1111]/h') },
  {
    weight: 2,
    arbitrary: fc.constantFrom<JsonLike>(
      'http://127.0.0.1/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::ffff:10.0.0.1]/',
      'http://169.254.169.254/',
      'http://localhost/',
      'ftp://93.184.216.34/',
      'https://u:p@93.184.216.34/',
      '/relative',
      '',
      'x'.repeat(3000),
      7,
      null,
    ),
  },
);

const webhookFields: FieldSpec = {
  url: webhookUrl,
  events: fc.oneof(
    { weight: 4, arbitrary: fc.subarray([...EVENT_TYPES], { minLength: 1 }) },
    { weight: 1, arbitrary: fc.constantFrom<JsonLike>([], ['ping'], ['job.created', 'job.created'], ['nope'], 'job.created', [1], null) },
  ),
  description: nullable(fc.oneof({ weight: 4, arbitrary: plainText(60) }, { weight: 1, arbitrary: fc.constantFrom('x'.repeat(1001)) })),
};

const notificationFields: FieldSpec = {
  email: fc.oneof(
    { weight: 4, arbitrary: fc.emailAddress() },
    {
      weight: 1,
      arbitrary: fc.constantFrom<JsonLike>(
        '',
        'not-an-address',
        'Ana <ana@example.com>',
        'a@example.com,b@example.com',
        'a@example.com\r\nBcc: x@example.com',
        `${'a'.repeat(250)}@example.com`,
        42,
        null,
      ),
    },
  ),
  events: fc.oneof(
    { weight: 4, arbitrary: fc.subarray([...EVENT_TYPES]) },
    { weight: 1, arbitrary: fc.constantFrom<JsonLike>(['ping'], ['job.created', 'job.created'], ['nope'], 'job.created', [1], null) },
  ),
};

/* ------------------------------------------------------------- endpoints */

export const ENDPOINTS: Endpoint[] = [
  // campaigns
  { name: 'POST /campaigns', method: 'post', base: '/campaigns', body: { fields: campaignFields, required: ['name'] }, weight: 4 },
  {
    name: 'GET /campaigns',
    method: 'get',
    base: '/campaigns',
    query: {
      ...pageParams,
      status: oneOf(CAMPAIGN_STATUSES),
      status_filter: oneOf(CAMPAIGN_STATUSES),
      sort: sortParam(CAMPAIGN_SORT_KEYS),
    },
    weight: 2,
  },
  { name: 'GET /campaigns/{id}', method: 'get', base: '/campaigns', id: 'campaign', weight: 1 },
  { name: 'PUT /campaigns/{id}', method: 'put', base: '/campaigns', id: 'campaign', body: { fields: campaignFields }, weight: 4 },
  { name: 'DELETE /campaigns/{id}', method: 'delete', base: '/campaigns', id: 'campaign', weight: 1 },
  { name: 'GET /campaigns/{id}/stats', method: 'get', base: '/campaigns', id: 'campaign', suffix: '/stats', weight: 1 },
  {
    name: 'POST /campaigns/{id}/pause',
    method: 'post',
    base: '/campaigns',
    id: 'campaign',
    suffix: '/pause',
    body: {
      fields: {
        reason: nullable(fc.oneof({ weight: 4, arbitrary: plainText(60) }, { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(501)) })),
        resume_at: nullable(dateValue),
      },
      allowEmpty: true,
      valid: fc
        .tuple(plainText(60), futureIso)
        .map(([reason, at]) => new Entries([...(reason.trim() ? [['reason', reason] as [string, JsonLike]] : []), ['resume_at', at]])),
    },
    weight: 2,
  },
  { name: 'POST /campaigns/{id}/resume', method: 'post', base: '/campaigns', id: 'campaign', suffix: '/resume', weight: 1 },
  // templates
  { name: 'POST /templates', method: 'post', base: '/templates', body: { fields: templateFields, required: ['name'] }, weight: 4 },
  {
    name: 'GET /templates',
    method: 'get',
    base: '/templates',
    query: { ...pageParams, campaign_id: uuidParam('campaign'), favorites_only: fc.constantFrom(...BOOL_VALUES) },
    weight: 2,
  },
  { name: 'GET /templates/{id}', method: 'get', base: '/templates', id: 'template', weight: 1 },
  { name: 'PUT /templates/{id}', method: 'put', base: '/templates', id: 'template', body: { fields: templateFields }, weight: 4 },
  { name: 'DELETE /templates/{id}', method: 'delete', base: '/templates', id: 'template', weight: 1 },
  {
    name: 'POST /templates/{id}/use',
    method: 'post',
    base: '/templates',
    id: 'template',
    suffix: '/use',
    body: { fields: useFields, allowEmpty: true },
    weight: 4,
  },
  { name: 'POST /templates/{id}/favorite', method: 'post', base: '/templates', id: 'template', suffix: '/favorite', weight: 1 },
  // the template library
  {
    name: 'GET /library/templates',
    method: 'get',
    base: '/library/templates',
    query: {
      ...pageParams,
      q: textParam,
      tag: fc.oneof({ weight: 3, arbitrary: textParam }, { weight: 1, arbitrary: fc.constantFrom('fuzz', 't'.repeat(101), '\u0007') }),
      publisher_domain: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('forbes.com', 'FORBES.COM', 'example.com', 'd'.repeat(254)) },
        { weight: 1, arbitrary: textParam },
      ),
    },
    weight: 2,
  },
  { name: 'GET /library/templates/{id}', method: 'get', base: '/library/templates', id: 'template', weight: 1 },
  {
    name: 'POST /library/templates/{id}/copy',
    method: 'post',
    base: '/library/templates',
    id: 'template',
    suffix: '/copy',
    body: { fields: { name: plainText(40) }, allowEmpty: true },
    weight: 2,
  },
  // schedules
  {
    name: 'POST /schedule',
    method: 'post',
    base: '/schedule',
    body: { fields: scheduleFields, required: ['name', 'schedule_type', 'scheduled_at'], valid: validSchedule(false) },
    weight: 5,
  },
  {
    name: 'GET /schedule',
    method: 'get',
    base: '/schedule',
    query: {
      ...pageParams,
      campaign_id: uuidParam('campaign'),
      status_filter: oneOf(SCHEDULED_JOB_STATUSES),
      status: oneOf(SCHEDULED_JOB_STATUSES),
      upcoming_only: fc.constantFrom(...BOOL_VALUES),
      schedule_type: oneOf(SCHEDULE_TYPES),
      template_id: uuidParam('template'),
      q: textParam,
      sort: sortParam(SCHEDULE_SORT_KEYS),
    },
    weight: 2,
  },
  {
    name: 'GET /schedule/upcoming',
    method: 'get',
    base: '/schedule/upcoming',
    query: { ...pageParams, hours: fc.constantFrom('1', '24', '8760', '0', '8761', '-1', '1.5', '1e3', '') },
    weight: 2,
  },
  { name: 'GET /schedule/status', method: 'get', base: '/schedule/status', weight: 1 },
  {
    name: 'POST /schedule/preview',
    method: 'post',
    base: '/schedule/preview',
    query: { count: countParam },
    body: { fields: scheduleFields, required: ['name', 'schedule_type', 'scheduled_at'], valid: validSchedule(false) },
    weight: 4,
  },
  {
    name: 'POST /schedule/import',
    method: 'post',
    base: '/schedule/import',
    query: { dry_run: fc.constantFrom('true', 'true', 'false', ...BOOL_VALUES) },
    body: { fields: scheduleFields, required: ['name', 'schedule_type', 'scheduled_at'], valid: validSchedule(false), files: true },
    weight: 4,
  },
  {
    name: 'GET /schedule/export',
    method: 'get',
    base: '/schedule/export',
    query: {
      format: fc.constantFrom('csv', 'json', 'xml', ''),
      campaign_id: uuidParam('campaign'),
      status_filter: oneOf(SCHEDULED_JOB_STATUSES),
      schedule_type: oneOf(SCHEDULE_TYPES),
      template_id: uuidParam('template'),
      q: textParam,
      sort: sortParam(SCHEDULE_SORT_KEYS),
    },
    sendsCsv: true,
    weight: 2,
  },
  { name: 'GET /schedule/{id}', method: 'get', base: '/schedule', id: 'schedule', weight: 1 },
  {
    name: 'GET /schedule/{id}/preview',
    method: 'get',
    base: '/schedule',
    id: 'schedule',
    suffix: '/preview',
    query: { count: countParam },
    weight: 1,
  },
  { name: 'GET /schedule/{id}/runs', method: 'get', base: '/schedule', id: 'schedule', suffix: '/runs', query: pageParams, weight: 1 },
  {
    name: 'PUT /schedule/{id}',
    method: 'put',
    base: '/schedule',
    id: 'schedule',
    body: { fields: scheduleFields, valid: validSchedule(true) },
    weight: 5,
  },
  { name: 'POST /schedule/{id}/pause', method: 'post', base: '/schedule', id: 'schedule', suffix: '/pause', weight: 1 },
  { name: 'POST /schedule/{id}/resume', method: 'post', base: '/schedule', id: 'pausedSchedule', suffix: '/resume', weight: 1 },
  { name: 'POST /schedule/{id}/run', method: 'post', base: '/schedule', id: 'schedule', suffix: '/run', weight: 1 },
  {
    name: 'POST /schedule/{id}/skip',
    method: 'post',
    base: '/schedule',
    id: 'schedule',
    suffix: '/skip',
    body: { fields: { occurrence_at: dateValue }, required: ['occurrence_at'] },
    weight: 2,
  },
  { name: 'GET /schedule/{id}/skips', method: 'get', base: '/schedule', id: 'schedule', suffix: '/skips', query: pageParams, weight: 1 },
  {
    name: 'DELETE /schedule/{id}/skips/{occurrence_at}',
    method: 'delete',
    base: '/schedule',
    id: 'schedule',
    suffix: `/skips/${encodeURIComponent('2030-01-01T09:00:00Z')}`,
    weight: 1,
  },
  { name: 'DELETE /schedule/{id}', method: 'delete', base: '/schedule', id: 'schedule', weight: 1 },
  // jobs
  {
    name: 'GET /jobs',
    method: 'get',
    base: '/jobs',
    query: {
      ...pageParams,
      campaign_id: uuidParam('campaign'),
      scheduled_job_id: uuidParam('schedule'),
      status: oneOf(JOB_STATUSES),
      template_id: uuidParam('template'),
      scheduled_from: instantParam,
      scheduled_to: instantParam,
      created_from: instantParam,
      created_to: instantParam,
      sort: sortParam(JOB_SORT_KEYS),
    },
    weight: 2,
  },
  { name: 'GET /jobs/{id}', method: 'get', base: '/jobs', id: 'job', weight: 1 },
  { name: 'PATCH /jobs/{id}', method: 'patch', base: '/jobs', id: 'job', body: { fields: jobPatchFields }, weight: 3 },
  { name: 'POST /jobs/{id}/approve', method: 'post', base: '/jobs', id: 'job', suffix: '/approve', weight: 1 },
  {
    name: 'POST /jobs/{id}/reject',
    method: 'post',
    base: '/jobs',
    id: 'job',
    suffix: '/reject',
    body: {
      fields: {
        reason: fc.oneof(
          { weight: 3, arbitrary: plainText(200) },
          { weight: 1, arbitrary: fc.constantFrom<JsonLike>('', ' ', 'x'.repeat(1001), 7) },
        ),
      },
      required: ['reason'],
    },
    weight: 1,
  },
  // blackouts
  {
    name: 'POST /blackouts',
    method: 'post',
    base: '/blackouts',
    body: { fields: blackoutFields, required: ['name', 'start_date', 'end_date', 'timezone', 'policy'], valid: validBlackout },
    weight: 4,
  },
  {
    name: 'GET /blackouts',
    method: 'get',
    base: '/blackouts',
    query: { ...pageParams, campaign_id: uuidParam('campaign'), active_on: localDateParam },
    weight: 2,
  },
  { name: 'GET /blackouts/{id}', method: 'get', base: '/blackouts', id: 'blackout', weight: 1 },
  {
    name: 'PUT /blackouts/{id}',
    method: 'put',
    base: '/blackouts',
    id: 'blackout',
    body: { fields: blackoutFields, valid: validBlackout },
    weight: 4,
  },
  { name: 'DELETE /blackouts/{id}', method: 'delete', base: '/blackouts', id: 'blackout', weight: 1 },
  // runs across schedules
  {
    name: 'GET /runs',
    method: 'get',
    base: '/runs',
    query: {
      ...pageParams,
      outcome: oneOf(RUN_OUTCOMES),
      from: instantParam,
      to: instantParam,
      schedule_id: uuidParam('schedule'),
      campaign_id: uuidParam('campaign'),
    },
    weight: 2,
  },
  // calendar and feeds
  {
    name: 'GET /calendar',
    method: 'get',
    base: '/calendar',
    query: {
      from: calendarInstant,
      to: calendarInstant,
      campaign_id: uuidParam('campaign'),
      publisher_domain: fc.constantFrom('forbes.com', 'FORBES.COM', '', 'x'.repeat(254), '%00'),
      state: oneOf(['planned', 'paused', 'skipped', 'materialized', 'missed', 'failed']),
      limit: fc.constantFrom('1', '7', '500', '5000', '5001', '0', '-1', 'x', ''),
      cursor: fc.oneof(
        fc.constantFrom('', 'x', 'WzEsImEiLCJydW4iLCJoIl0', 'W10', '%FF', 'a'.repeat(401)),
        fc.string({ maxLength: 60 }).map((text) => Buffer.from(text).toString('base64url')),
      ),
    },
    weight: 3,
  },
  {
    name: 'GET /calendar/days',
    method: 'get',
    base: '/calendar/days',
    query: {
      from: calendarInstant,
      to: calendarInstant,
      campaign_id: uuidParam('campaign'),
      publisher_domain: fc.constantFrom('forbes.com', 'FORBES.COM', '', 'x'.repeat(254), '%00'),
      state: oneOf(['planned', 'paused', 'skipped', 'materialized', 'missed', 'failed']),
      timezone: fc.constantFrom(
        'UTC',
        'Europe/Berlin',
        'america/new_york',
        'Asia/Kathmandu',
        '',
        'Mars/Olympus',
        'x'.repeat(65),
        '%00',
        '+02:00',
      ),
      per_day: fc.constantFrom('1', '6', '50', '51', '0', '-1', 'x', ''),
    },
    weight: 3,
  },
  {
    name: 'POST /calendar/feeds',
    method: 'post',
    base: '/calendar/feeds',
    body: {
      fields: { name: fc.oneof(plainText(255), fc.constantFrom<JsonLike>('', ' ', 7, null)), campaign_id: refTo('campaign') },
      required: ['name'],
    },
    weight: 2,
  },
  { name: 'GET /calendar/feeds', method: 'get', base: '/calendar/feeds', query: pageParams, weight: 1 },
  { name: 'POST /calendar/feeds/{id}/rotate', method: 'post', base: '/calendar/feeds', id: 'feed', suffix: '/rotate', weight: 1 },
  { name: 'DELETE /calendar/feeds/{id}', method: 'delete', base: '/calendar/feeds', id: 'feed', weight: 1 },
  // webhooks
  { name: 'POST /webhooks', method: 'post', base: '/webhooks', body: { fields: webhookFields, required: ['url', 'events'] }, weight: 3 },
  { name: 'GET /webhooks', method: 'get', base: '/webhooks', query: pageParams, weight: 1 },
  { name: 'GET /webhooks/{id}', method: 'get', base: '/webhooks', id: 'webhook', weight: 1 },
  {
    name: 'PUT /webhooks/{id}',
    method: 'put',
    base: '/webhooks',
    id: 'webhook',
    body: { fields: { ...webhookFields, enabled: fc.constantFrom<JsonLike>(true, false, 'true', 0, null) } },
    weight: 3,
  },
  { name: 'DELETE /webhooks/{id}', method: 'delete', base: '/webhooks', id: 'webhook', weight: 1 },
  { name: 'POST /webhooks/{id}/test', method: 'post', base: '/webhooks', id: 'webhook', suffix: '/test', weight: 1 },
  {
    name: 'GET /webhooks/{id}/deliveries',
    method: 'get',
    base: '/webhooks',
    id: 'webhook',
    suffix: '/deliveries',
    query: pageParams,
    weight: 1,
  },
  // email notifications
  { name: 'GET /notifications', method: 'get', base: '/notifications', weight: 1 },
  {
    name: 'PUT /notifications',
    method: 'put',
    base: '/notifications',
    body: { fields: notificationFields, required: ['email', 'events'] },
    weight: 2,
  },
  // conflicts, suggestions and settings
  {
    name: 'GET /schedule/conflicts',
    method: 'get',
    base: '/schedule/conflicts',
    query: { from: calendarInstant, to: calendarInstant },
    weight: 2,
  },
  {
    name: 'GET /schedule/suggestions',
    method: 'get',
    base: '/schedule/suggestions',
    query: {
      publisher_domain: fc.constantFrom('forbes.com', 'FORBES.COM', '', 'x'.repeat(254), '%00'),
      timezone: fc.constantFrom(...GOOD_ZONES, ...BAD_ZONES, ''),
      count: fc.constantFrom('1', '5', '50', '51', '0', '-1', 'x', ''),
      from: instantParam,
      hours: fc.constantFrom('09-17', '0-24', '23-24', '17-09', '9', '09-17-18', '24-25', 'x', ''),
      days: fc.constantFrom('mon,tue,wed,thu,fri', 'sat', 'sun,sat', 'mon,mon', 'funday', 'MON', ',', ''),
    },
    weight: 2,
  },
  { name: 'GET /settings', method: 'get', base: '/settings', weight: 1 },
  // the audit log
  {
    name: 'GET /audit',
    method: 'get',
    base: '/audit',
    query: {
      entity_type: oneOf(AUDIT_ENTITY_TYPES),
      entity_id: fc.oneof(uuidParam('campaign', 'template', 'schedule', 'job', 'feed', 'webhook'), fc.constantFrom('x'.repeat(201), '%00')),
      action: oneOf(AUDIT_ACTIONS),
      actor: fc.constantFrom('user-1', '', ' ', 'x'.repeat(256), "' OR 1=1 --"),
      from: instantParam,
      to: instantParam,
      limit: fc.constantFrom('1', '50', '200', '0', '201', '-1', 'x', ''),
      cursor: fc.oneof(
        fc.constantFrom('', 'x', 'WzEsImEiXQ', 'W10', '%FF', 'a'.repeat(201)),
        fc.string({ maxLength: 60 }).map((text) => Buffer.from(text).toString('base64url')),
      ),
    },
    weight: 2,
  },
  {
    name: 'PUT /settings',
    method: 'put',
    base: '/settings',
    body: {
      fields: {
        conflict_window_minutes: fc.constantFrom<JsonLike>(5, 60, 1440, 4, 1441, 30.5, '60', null),
        conflict_max_per_window: fc.constantFrom<JsonLike>(1, 3, 1000, 0, 1001, -1, '3', null),
        conflict_scope: fc.constantFrom<JsonLike>('publisher_domain', 'all', 'ALL', '', null, 3),
      },
      allowEmpty: true,
    },
    weight: 2,
  },
];
