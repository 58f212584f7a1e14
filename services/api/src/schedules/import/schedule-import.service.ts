import { createHash, randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import {
  blackoutsForCampaign,
  blackoutsFrom,
  Campaign,
  expansionBlackoutOf,
  IDEMPOTENCY_KEY_TTL_HOURS,
  IdempotencyKey,
  JobTemplate,
  ScheduledJob,
  ScheduleImport,
} from '@scheduler/entities';
import { describeOccurrence, type RecurrenceRule } from '@scheduler/recurrence';
import type { AppDeps } from '../../deps';
import type { Caller } from '../../http/auth';
import { AppError, validationFailed, type FieldError } from '../../http/errors';
import { validateBody } from '../../http/validation';
import { IDEMPOTENCY_KEY_HEADER } from '../run-now';
import { auditSnapshot, recordAudits } from '../../audit/audit';
import { CreateScheduleDto } from '../schedule.dto';
import { newSchedule, ScheduleService, type ScheduleRefs } from '../schedule.service';
import { insertAll } from './bulk-insert';
import { bodyOfCells, readHeader } from './columns';
import type { ConflictWarning } from '../../conflicts/conflicts.mapper';
import { ConflictService } from '../../conflicts/conflicts.service';
import { readCsv } from './csv';

/** Most rows one import takes (a bigger file is refused whole: 422 naming the limit). */
export const MAX_IMPORT_ROWS = 10_000;
/** The body limit of `POST /schedule/import` (CSV and JSON): room for 10,000 rows of about 1.6 kB. */
export const IMPORT_BODY_LIMIT = '16mb';

/** One error of a row: the file's row number (a CSV file's line; a JSON array's position from 1), the field, what is wrong. */
export interface RowError {
  row: number;
  field: string;
  message: string;
}

export interface RowReport {
  row: number;
  ok: boolean;
  errors: RowError[];
  name: string | null;
  /** The created schedule (a commit), else null. */
  id: string | null;
  /** The resolved first run, UTC; null when the row is invalid or its paused campaign holds it. */
  next_run_at: string | null;
  /** The same instant in the row's time zone, with its offset. */
  local: string | null;
  timezone: string | null;
  warnings: ConflictWarning[];
}

export interface ImportReport {
  dry_run: boolean;
  /** Rows of the file (the header not counted). */
  total: number;
  valid: number;
  invalid: number;
  /** The committed import (`imports` row), null on a dry run. */
  import_id: string | null;
  rows: RowReport[];
}

/** An uploaded file: CSV text, or what the JSON parser read; and its bytes as sent. */
export interface Upload {
  csv: boolean;
  body: unknown;
  raw: Buffer;
}

/** A row of the file as a create body, with what reading its cells found wrong. */
interface FileRow {
  row: number;
  body: unknown;
  errors: FieldError[];
}

interface ParsedFile {
  rows: FileRow[];
  /** The header's line and its errors (CSV only), when it has any. */
  header: { row: number; errors: FieldError[] } | null;
}

const tooMany = (found: string): AppError =>
  validationFailed([{ field: 'body', message: `an import takes at most ${MAX_IMPORT_ROWS} rows; this file has ${found}` }]);

/** The rows of an upload, or a 422 for a file that is no file of schedules (not CSV, not an array, empty, too long). */
export function parseUpload(upload: Upload): ParsedFile {
  if (upload.csv) {
    const text = typeof upload.body === 'string' ? upload.body : '';
    const records = readCsv(text, MAX_IMPORT_ROWS + 2);
    if (records.length === 0) throw validationFailed([{ field: 'body', message: 'the file is empty: it needs a header row and rows' }]);
    const [headerRecord, ...data] = records;
    if (data.length > MAX_IMPORT_ROWS) throw tooMany(`more`);
    if (data.length === 0) throw validationFailed([{ field: 'body', message: 'the file has a header but no rows' }]);
    const header = readHeader(headerRecord.cells);
    const rows = data.map((record) => {
      const errors: FieldError[] = [];
      const body = bodyOfCells(header.columns, record.cells, errors);
      return { row: record.line, body, errors };
    });
    return { rows, header: header.errors.length ? { row: headerRecord.line, errors: header.errors } : null };
  }
  if (!Array.isArray(upload.body)) {
    throw validationFailed([{ field: 'body', message: 'must be a JSON array of schedule bodies (as POST /schedule takes), or text/csv' }]);
  }
  if (upload.body.length === 0) throw validationFailed([{ field: 'body', message: 'the array is empty: nothing to import' }]);
  if (upload.body.length > MAX_IMPORT_ROWS) throw tooMany(String(upload.body.length));
  return { rows: (upload.body as unknown[]).map((body, index) => ({ row: index + 1, body, errors: [] })), header: null };
}

/** A row the create's rules accepted: its unsaved schedule. */
interface Accepted {
  report: RowReport;
  schedule?: ScheduledJob;
  rule?: RecurrenceRule;
}

function nameOf(body: unknown): string | null {
  const name = (body as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The campaigns and templates the rows name that are the caller's workspace's (one query each). */
async function referencesOf(manager: EntityManager, caller: Caller, dtos: (CreateScheduleDto | null)[], now: Date) {
  const ids = (pick: (d: CreateScheduleDto) => unknown) => [
    ...new Set(dtos.map((d) => (d ? pick(d) : null)).filter((id): id is string => typeof id === 'string' && UUID.test(id))),
  ];
  const campaignIds = ids((d) => d.campaign_id);
  const templateIds = ids((d) => d.template_id);
  const campaigns = campaignIds.length
    ? await manager.getRepository(Campaign).findBy({ workspaceId: caller.workspaceId, id: In(campaignIds) })
    : [];
  const templates = templateIds.length
    ? await manager
        .getRepository(JobTemplate)
        .find({ select: { id: true }, where: { workspaceId: caller.workspaceId, id: In(templateIds) } })
    : [];
  // The workspace's blackouts, read once for every row (each row picks its campaign's).
  const blackouts = await blackoutsFrom(manager, caller.workspaceId, now);
  const campaignById = new Map(campaigns.map((c) => [c.id.toLowerCase(), c]));
  const templateIdSet = new Set(templates.map((t) => t.id.toLowerCase()));
  // The create's 404s, as errors of the row's field.
  const refs: ScheduleRefs = {
    campaign: (id) => {
      if (!id) return Promise.resolve(null);
      const campaign = campaignById.get(id.toLowerCase());
      if (!campaign) throw validationFailed([{ field: 'campaign_id', message: 'no campaign with this id in your workspace' }]);
      return Promise.resolve(campaign);
    },
    template: (id) => {
      if (id && !templateIdSet.has(id.toLowerCase())) {
        throw validationFailed([{ field: 'template_id', message: 'no template with this id in your workspace' }]);
      }
      return Promise.resolve();
    },
    blackouts: (campaignId) => Promise.resolve(blackoutsForCampaign(blackouts, campaignId).map(expansionBlackoutOf)),
  };
  return refs;
}

/** The create's errors of a row, named by field (its 404s and 409s included). */
function rowErrorsOf(error: unknown): FieldError[] {
  if (!(error instanceof AppError)) throw error;
  if (error.errors?.length) return error.errors;
  // A closed campaign (409): the row's campaign is the problem.
  if (error.code === 'conflict') return [{ field: 'campaign_id', message: error.message }];
  throw error;
}

/**
 * Every row checked exactly like `POST /schedule` (the DTO, then `newSchedule`: the rule, a
 * future first run, the caller's own campaign and template, a run left), against one clock.
 */
async function checkRows(
  manager: EntityManager,
  caller: Caller,
  file: ParsedFile,
  now: Date,
  conflicts: ConflictService,
): Promise<Accepted[]> {
  const dtos: (CreateScheduleDto | null)[] = [];
  const bodyErrors: FieldError[][] = [];
  for (const row of file.rows) {
    try {
      dtos.push(await validateBody(CreateScheduleDto, row.body));
      bodyErrors.push([]);
    } catch (error) {
      dtos.push(null);
      bodyErrors.push(rowErrorsOf(error));
    }
  }
  const refs = await referencesOf(manager, caller, dtos, now);
  const repo = manager.getRepository(ScheduledJob);
  const accepted: Accepted[] = [];
  for (const [index, row] of file.rows.entries()) {
    const report: RowReport = {
      row: row.row,
      ok: false,
      errors: [],
      name: nameOf(row.body),
      id: null,
      next_run_at: null,
      local: null,
      timezone: null,
      warnings: [],
    };
    // A cell that could not be read is left out of the body: its own error names it, not "required".
    const unread = new Set(row.errors.map((e) => e.field));
    const errors = [...row.errors, ...bodyErrors[index].filter((e) => !unread.has(e.field))];
    const dto = dtos[index];
    let made: { schedule: ScheduledJob; rule: RecurrenceRule } | undefined;
    if (dto && errors.length === 0) {
      try {
        made = await newSchedule(caller, dto, now, refs, repo);
      } catch (error) {
        errors.push(...rowErrorsOf(error));
      }
    }
    report.errors = errors.map((e) => ({ row: row.row, field: e.field, message: e.message }));
    if (made && errors.length === 0) {
      report.ok = true;
      report.timezone = made.rule.timezone;
      if (made.schedule.nextRunAt) {
        const view = describeOccurrence(made.rule, made.schedule.nextRunAt);
        report.next_run_at = view.at;
        report.local = view.local;
      }
      accepted.push({ report, schedule: made.schedule, rule: made.rule });
    } else {
      accepted.push({ report });
    }
  }
  // The valid rows' conflict warnings, against the workspace's schedules and each other (before any insert).
  const valid = accepted.filter((a) => a.schedule && a.rule);
  const warnings = await conflicts.warningsForUnsaved(
    manager,
    caller.workspaceId,
    valid.map((a) => ({ key: `row:${a.report.row}`, schedule: a.schedule!, rule: a.rule! })),
  );
  for (const a of valid) a.report.warnings = warnings.get(`row:${a.report.row}`) ?? [];
  return accepted;
}

function reportOf(dryRun: boolean, file: ParsedFile, checked: Accepted[], importId: string | null): ImportReport {
  const valid = checked.filter((c) => c.report.ok).length;
  const rows = checked.map((c) => c.report);
  if (file.header) {
    const { row, errors } = file.header;
    rows.unshift({
      row,
      ok: false,
      errors: errors.map((e) => ({ row, ...e })),
      name: null,
      id: null,
      next_run_at: null,
      local: null,
      timezone: null,
      warnings: [],
    });
  }
  return { dry_run: dryRun, total: checked.length, valid, invalid: checked.length - valid, import_id: importId, rows };
}

/** A refused commit: a 422 naming every row's errors (`rows[<row>].<field>`), carrying the whole report. */
function refused(report: ImportReport): AppError {
  const errors = report.rows.flatMap((r) => r.errors.map((e) => ({ field: `rows[${e.row}].${e.field}`, message: e.message })));
  const bad = report.invalid + (report.rows.length > report.total ? 1 : 0);
  return new AppError(
    'validation_failed',
    `${bad} of ${report.total} rows${report.rows.length > report.total ? ' (with the header)' : ''} are invalid: nothing was imported`,
    errors,
    undefined,
    report as unknown as Record<string, unknown>,
  );
}

const OPERATION = 'schedule.import';
const FRESH = `created_at > now() - interval '${IDEMPOTENCY_KEY_TTL_HOURS} hours'`;

function keyUsedElsewhere(): AppError {
  return validationFailed([
    {
      field: IDEMPOTENCY_KEY_HEADER,
      message: `this key was already used for another request in the last ${IDEMPOTENCY_KEY_TTL_HOURS} h: send a new key for a new upload`,
    },
  ]);
}

/** What identifies an upload for its key: the media type and the bytes of the body. */
function fingerprint(upload: Upload): string {
  return createHash('sha256')
    .update(upload.csv ? 'csv\n' : 'json\n')
    .update(upload.raw)
    .digest('hex');
}

export interface ImportOutcome {
  status: 200 | 201;
  report: ImportReport;
  /** A retry with the same `Idempotency-Key`: the first upload's report, nothing created. */
  replayed: boolean;
}

export class ScheduleImportService {
  constructor(
    private readonly deps: AppDeps,
    private readonly schedules: ScheduleService,
    private readonly conflicts: ConflictService = new ConflictService(deps),
  ) {}

  /**
   * A dry run: the report, nothing written. A commit: every row valid or nothing, in one
   * transaction (with the `imports` row and the key); the schedulers after the commit.
   */
  async run(caller: Caller, upload: Upload, options: { dryRun: boolean; key?: string }): Promise<ImportOutcome> {
    const file = parseUpload(upload);
    const now = this.deps.now();
    if (options.dryRun) {
      const checked = await checkRows(this.deps.dataSource.manager, caller, file, now, this.conflicts);
      return { status: 200, report: reportOf(true, file, checked, null), replayed: false };
    }
    const digest = fingerprint(upload);
    const { key } = options;
    const outcome = await this.deps.dataSource.transaction(async (tx) => {
      if (key !== undefined) {
        // One upload per key at a time: a concurrent retry waits, then finds the first one's import.
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`import:${caller.workspaceId}:${key}`]);
        const replay = await this.replayOf(tx, caller, key, digest);
        if (replay) return { replay, created: [] as ScheduledJob[] };
      }
      const checked = await checkRows(tx, caller, file, now, this.conflicts);
      const report = reportOf(false, file, checked, null);
      if (report.invalid > 0 || file.header) throw refused(report);
      const created = checked.map((c) => c.schedule!);
      // In bulk (unnest of one array per column); the generated columns (defaults, timestamps) come back onto the entities.
      await insertAll(tx, ScheduledJob, created);
      checked.forEach((c, index) => (c.report.id = created[index].id));
      report.import_id = randomUUID();
      const table = tx.getRepository(ScheduleImport).metadata.tableName;
      await tx.query(
        `INSERT INTO ${table} (id, workspace_id, created_by, body_sha256, total, schedule_ids, result) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [report.import_id, caller.workspaceId, caller.userId, digest, created.length, created.map((s) => s.id), JSON.stringify(report)],
      );
      if (key !== undefined) await this.rememberKey(tx, caller, key, report.import_id);
      const importId = report.import_id;
      await recordAudits(
        tx,
        caller,
        created.map((s) => ({
          action: 'import',
          entityType: 'schedule' as const,
          entityId: s.id,
          after: auditSnapshot(tx, s),
          changes: { import_id: { old: null, new: importId } },
        })),
      );
      return { report, created };
    });
    if ('replay' in outcome && outcome.replay) return { status: 201, report: outcome.replay, replayed: true };
    // After the commit, in bulk; a Redis failure is logged and counted, and the reconciler creates what is missing.
    await this.schedules.syncCreated(outcome.created);
    return { status: 201, report: (outcome as { report: ImportReport }).report, replayed: false };
  }

  /** The report of the import a fresh key already made; 422 when the key served another request or another file. */
  private async replayOf(tx: EntityManager, caller: Caller, key: string, digest: string): Promise<ImportReport | undefined> {
    const rows: { operation: string; resource_id: string }[] = await tx.query(
      `SELECT operation, resource_id FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND ${FRESH}`,
      [caller.workspaceId, key],
    );
    if (rows.length === 0) return undefined;
    if (rows[0].operation !== OPERATION) throw keyUsedElsewhere();
    const found = await tx.getRepository(ScheduleImport).findOneBy({ id: rows[0].resource_id, workspaceId: caller.workspaceId });
    if (!found) return undefined;
    if (found.bodySha256 !== digest) throw keyUsedElsewhere();
    return found.result as unknown as ImportReport;
  }

  /** Records the key with the import, taking over an expired row of it (as run now does). */
  private async rememberKey(tx: EntityManager, caller: Caller, key: string, importId: string): Promise<void> {
    const table = tx.getRepository(IdempotencyKey).metadata.tableName;
    const rows: unknown[] = await tx.query(
      `INSERT INTO ${table} (workspace_id, key, operation, target_id, resource_id)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (workspace_id, key) DO UPDATE
         SET operation = EXCLUDED.operation, target_id = EXCLUDED.target_id, resource_id = EXCLUDED.resource_id, created_at = now()
         WHERE NOT (${table}.${FRESH})
       RETURNING key`,
      [caller.workspaceId, key, OPERATION, importId],
    );
    if (rows.length === 0) throw keyUsedElsewhere();
  }
}
