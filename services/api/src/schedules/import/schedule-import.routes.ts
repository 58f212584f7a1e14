import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { IDEMPOTENCY_KEY_TTL_HOURS } from '@scheduler/entities';
import { ConflictWarning } from '../../conflicts/conflicts.mapper';
import type { AppDeps } from '../../deps';
import { problemKind } from '../../http/errors';
import { query } from '../../http/query';
import type { RateLimiters } from '../../http/rate-limit';
import { RouteGroup, SUCCESS_STATUS, type ParameterDoc } from '../../http/route';
import { Closed, Instant, Nullable, Type, Uuid, named, type Json } from '../../openapi/schema';
import { idempotencyKeyOf, MAX_IDEMPOTENCY_KEY_LENGTH } from '../run-now';
import { SCHEDULE_LIST_FILTERS, scheduleFiltersOf } from '../schedule.routes';
import { ScheduleService } from '../schedule.service';
import { IMPORT_COLUMNS } from './columns';
import { csvOf, EXPORT_FORMATS, exportRows, MAX_EXPORT_ROWS } from './schedule-export';
import { IMPORT_BODY_LIMIT, MAX_IMPORT_ROWS, ScheduleImportService } from './schedule-import.service';

interface Context {
  imports: ScheduleImportService;
  service: ScheduleService;
  deps: AppDeps;
}

/** Import and export, served at `/schedule` beside the schedule routes (mounted before them, so `/schedule/export` is no id). */
export const scheduleImportApi = new RouteGroup<Context>({ base: '/schedule', tag: 'schedules' });

/** The import's body bytes, by request. */
const RAW_BODIES = new WeakMap<IncomingMessage, Buffer>();

/** The import path, for its own body parsers. */
export const IMPORT_PATH = '/schedule/import';

/**
 * The body parsers of `POST /schedule/import`, mounted before the API's JSON parser: CSV text
 * and JSON arrays up to `IMPORT_BODY_LIMIT` (the API's `BODY_LIMIT` stays for every other route).
 */
export function importBodyParsers(): RequestHandler[] {
  const onImport = (parser: RequestHandler): RequestHandler => {
    return (req, res, next) => (req.method === 'POST' && req.path.replace(/\/$/, '') === IMPORT_PATH ? parser(req, res, next) : next());
  };
  // The bytes as sent: what an `Idempotency-Key` retry must send again.
  const keep = (req: IncomingMessage, _res: unknown, buf: Buffer) => {
    RAW_BODIES.set(req, buf);
  };
  return [
    onImport(express.text({ type: 'text/csv', limit: IMPORT_BODY_LIMIT, verify: keep })),
    onImport(express.json({ limit: IMPORT_BODY_LIMIT, strict: false, verify: keep })),
  ];
}

const RowErrorSchema = Closed({
  row: Type.Integer({ minimum: 1, description: "The file's row number (a CSV line; a JSON array's position from 1)." }),
  field: Type.String({ description: 'The field (column), `row` for the row as a whole, `body` for the file.' }),
  message: Type.String(),
});

const RowReportSchema = Closed({
  row: Type.Integer({
    minimum: 1,
    description: "The file's row number: a CSV file's line (the header is line 1), a JSON array's position from 1.",
  }),
  ok: Type.Boolean(),
  errors: Type.Array(RowErrorSchema),
  name: Nullable(Type.String()),
  id: Nullable(Uuid('The created schedule (a commit); `null` on a dry run or for a bad row.')),
  next_run_at: Nullable(Instant('The resolved first run, UTC (`null` for a bad row, or while its paused campaign holds it).')),
  local: Nullable(Type.String({ description: 'The first run in the row’s time zone, ISO 8601 with its offset.' })),
  timezone: Nullable(Type.String()),
  warnings: Type.Array(ConflictWarning, {
    description:
      "Conflict windows the row's runs of the next 30 days overfill, against the workspace's schedules and the file's other valid rows (at most 10; empty when none).",
  }),
});

const reportProperties = {
  dry_run: Type.Boolean(),
  total: Type.Integer({ minimum: 0, description: 'Rows of the file (the header not counted).' }),
  valid: Type.Integer({ minimum: 0 }),
  invalid: Type.Integer({ minimum: 0 }),
  import_id: Nullable(Uuid('The committed import; `null` on a dry run or a refused commit.')),
  rows: Type.Array(RowReportSchema, {
    description: "One entry per row, in the file's order; a CSV header with errors comes first as its own entry.",
  }),
};

export const ImportReportSchema = named('ImportReport', Closed(reportProperties));

/** The 422 of a refused commit: a problem naming every row's errors, with the whole report. */
const ImportRefusedSchema = named(
  'ImportRefused',
  Closed(
    {
      type: Type.Literal(problemKind('validation_failed').type),
      title: Type.String(),
      status: Type.Literal(422),
      detail: Type.String(),
      errors: Type.Array(
        Closed({
          field: Type.String({
            description:
              '`rows[<row>].<field>`, `<row>` the file’s row number; `body`, a query parameter or `Idempotency-Key` for the request.',
          }),
          message: Type.String(),
        }),
        { minItems: 1 },
      ),
      ...Object.fromEntries(Object.entries(reportProperties).map(([k, v]) => [k, Type.Optional(v)])),
    },
    {
      description:
        'Nothing was imported. A refused commit carries the report (`dry_run` … `rows`) beside `errors`; a file that is ' +
        'not one (not CSV or an array, empty, more than 10,000 rows) and a bad `Idempotency-Key` have `errors` only.',
    },
  ),
);

const IMPORT_KEY_PARAMETER: ParameterDoc = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    `Makes a retried upload safe: a commit with a key this workspace used for an import in the last ${IDEMPOTENCY_KEY_TTL_HOURS} h ` +
    'answers 201 with the first one’s report and creates nothing. The key with another file, or a key used for a run now, is a ' +
    `422. Ignored on a dry run. 1–${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.`,
  schema: {
    type: 'string',
    minLength: 1,
    maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
    pattern: `^[\\x20-\\x7E]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`,
  },
};

const CSV_EXAMPLE =
  'name,schedule_type,scheduled_at,timezone,recurrence_pattern,job_config.publisher_domain\n' +
  'Advent post,once,2027-12-24 09:00,Europe/Berlin,,blog.example.com\n' +
  'Monday digest,weekly,2027-01-04 08:30,America/New_York,weekly:monday,news.example.com\n';

const importRequestBody: Json = {
  required: true,
  description:
    `At most ${MAX_IMPORT_ROWS} rows and ${IMPORT_BODY_LIMIT}. CSV: a header row of the create fields (${IMPORT_COLUMNS.join(', ')}), ` +
    '`job_config` as one column of JSON text or as `job_config.<key>` columns; `,` or `;` (detected from the header), quoted ' +
    'fields with line breaks, a UTF-8 BOM; an empty cell is an absent field. Instants as ISO 8601 or `YYYY-MM-DD HH:mm[:ss]` ' +
    '(wall time in the row’s `timezone`). JSON: an array of `POST /schedule` bodies.',
  content: {
    'text/csv': { schema: { type: 'string' }, example: CSV_EXAMPLE },
    'application/json': { schema: { type: 'array', maxItems: MAX_IMPORT_ROWS, items: { $ref: '#/components/schemas/ScheduleCreate' } } },
  },
};

scheduleImportApi.post(
  '/import',
  {
    operationId: 'importSchedules',
    summary: 'Import schedules from a CSV file or a JSON array',
    description:
      'Every row is checked exactly like `POST /schedule` (against one clock). `dry_run=true`: 200 with the report, nothing ' +
      'written. Otherwise all or nothing in one transaction: any bad row (or header) is a 422 with the report and nothing ' +
      'created; else 201, every schedule created with its scheduler (written after the commit, in bulk; if Redis fails ' +
      'meanwhile the worker’s reconciler creates the missing ones).',
    kind: 'writes',
    access: 'write',
    query: { dry_run: query.bool('Check the file and report, writing nothing.') },
    parameters: [IMPORT_KEY_PARAMETER],
    requestBody: importRequestBody,
    responses: {
      '200': {
        description: 'A dry run: the report (`dry_run: true`, no `id`), nothing written.',
        content: { 'application/json': { schema: ImportReportSchema } },
      },
      '422': {
        description: 'Nothing was imported: a bad row or header (with the report), or a file that is not one.',
        content: { 'application/problem+json': { schema: ImportRefusedSchema } },
      },
    },
    success: {
      status: 201,
      description: 'The import report (a dry run answers 200 with the same shape). A retry with the same key: the same report.',
      schema: ImportReportSchema,
    },
  },
  async ({ caller, query, req, res }, { imports }) => {
    const key = query.dry_run ? undefined : idempotencyKeyOf(req.headers['idempotency-key']);
    const csv = typeof req.body === 'string';
    const raw = RAW_BODIES.get(req) ?? Buffer.alloc(0);
    const outcome = await imports.run(caller, { csv, body: req.body, raw }, { dryRun: query.dry_run, key });
    // A dry run answers 200 (documented in `responses`).
    if (outcome.status === 200) res.locals[SUCCESS_STATUS] = 200;
    return outcome.report;
  },
);

const ExportRowSchema = named(
  'ScheduleExportRow',
  Type.Object(Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, Type.Optional(Type.Unknown())])), {
    additionalProperties: false,
    description: 'A `POST /schedule` body (its absent fields left out), as `POST /schedule/import` takes it back.',
  }),
);

scheduleImportApi.get(
  '/export',
  {
    operationId: 'exportSchedules',
    summary: 'Export schedules as CSV or JSON (the list’s filters)',
    description:
      `The file \`POST /schedule/import\` takes back: the create fields of each schedule the filters match, in the list's order, at ` +
      `most ${MAX_EXPORT_ROWS} (more is a 422: narrow the filters). CSV: a UTF-8 BOM, the header of every column, \`job_config\` ` +
      'as JSON text. `scheduled_at` is the start as wall time in `timezone`; once the start has passed, the next run (with its ' +
      'offset) and `max_runs` less the runs made; a cron without `scheduled_at`.',
    kind: 'lists',
    access: 'read',
    query: { ...SCHEDULE_LIST_FILTERS, format: query.oneOf(EXPORT_FORMATS, 'The file format (default `csv`).') },
    sendsFile: {
      'text/csv': { schema: { type: 'string' } },
      'application/json': { schema: Type.Array(ExportRowSchema) },
    },
    success: {
      status: 200,
      description: 'The file (`Content-Disposition: attachment`); `X-Total-Count` the schedules in it.',
      paged: true,
    },
  },
  async ({ caller, query, res }, { service, deps }) => {
    const rows = await exportRows(service, caller, scheduleFiltersOf(query), deps.now());
    const format = query.format ?? 'csv';
    res.set('Content-Disposition', `attachment; filename="schedules.${format}"`);
    res.set('X-Total-Count', String(rows.length));
    if (format === 'json') res.status(200).json(rows);
    else res.status(200).type('text/csv; charset=utf-8').send(csvOf(rows));
  },
);

export function scheduleImportRoutes(deps: AppDeps, limits: RateLimiters) {
  const service = new ScheduleService(deps);
  return scheduleImportApi.router({ imports: new ScheduleImportService(deps, service), service, deps }, limits);
}
