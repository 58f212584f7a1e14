/**
 * The columns of an import (and an export): the fields of `POST /schedule`, one column each,
 * with `job_config` as one column of JSON text or as `job_config.<key>` columns. A cell is
 * text; this turns a row's cells into the body `POST /schedule` would get (an empty cell: the
 * field is absent), so the create's own validation judges it.
 */
import type { FieldError } from '../../http/errors';

/** The create body's fields, in the order an export writes them. */
export const IMPORT_COLUMNS = [
  'name',
  'description',
  'campaign_id',
  'template_id',
  'schedule_type',
  'scheduled_at',
  'recurrence_pattern',
  'recurrence_end_date',
  'timezone',
  'max_runs',
  'job_config',
  'misfire_grace_seconds',
  'catchup_policy',
  'requires_approval',
  'approval_timeout_hours',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Columns every file must have (a `cron` row may leave `scheduled_at` empty, so it is not one). */
export const REQUIRED_COLUMNS: readonly ImportColumn[] = ['name', 'schedule_type'];

/** `job_config.<key>`: one key of `job_config` per column. */
export const JOB_CONFIG_PREFIX = 'job_config.';
const JOB_CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const INTEGER_COLUMNS = new Set<string>(['max_runs', 'misfire_grace_seconds', 'approval_timeout_hours']);
const BOOLEAN_COLUMNS = new Set<string>(['requires_approval']);
const INSTANT_COLUMNS = new Set<string>(['scheduled_at', 'recurrence_end_date']);

/** A header cell: a field column, a `job_config.<key>` column, or an error. */
export type HeaderColumn = { kind: 'field'; field: ImportColumn } | { kind: 'config'; key: string } | { kind: 'ignored' };

/**
 * The header's columns and its errors (named by column): an unknown column, a column given
 * twice, a required column missing, `job_config` both as JSON and by key.
 */
export function readHeader(names: string[]): { columns: HeaderColumn[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const columns = names.map((raw, index): HeaderColumn => {
    const name = raw.trim();
    if (name === '') {
      errors.push({ field: `column ${index + 1}`, message: 'the header cell is empty: every column needs a name' });
      return { kind: 'ignored' };
    }
    if (seen.has(name)) {
      errors.push({ field: name, message: 'the column appears twice in the header' });
      return { kind: 'ignored' };
    }
    seen.add(name);
    if ((IMPORT_COLUMNS as readonly string[]).includes(name)) return { kind: 'field', field: name as ImportColumn };
    if (name.startsWith(JOB_CONFIG_PREFIX) && JOB_CONFIG_KEY.test(name.slice(JOB_CONFIG_PREFIX.length))) {
      return { kind: 'config', key: name.slice(JOB_CONFIG_PREFIX.length) };
    }
    errors.push({
      field: name,
      message: `unknown column: the columns are ${IMPORT_COLUMNS.join(', ')} and job_config.<key> (letters, digits, _)`,
    });
    return { kind: 'ignored' };
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!seen.has(required)) errors.push({ field: required, message: 'a required column is missing from the header' });
  }
  if (seen.has('job_config') && columns.some((c) => c.kind === 'config')) {
    errors.push({ field: 'job_config', message: 'give job_config either as one JSON column or as job_config.<key> columns, not both' });
  }
  return { columns, errors };
}

/** `2026-12-24 09:00` or `2026-12-24 09:00:00` (a spreadsheet's date-time): the same wall time as ISO 8601. */
const SPREADSHEET_DATE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})(:\d{2})?$/;
/** `24/12/2026 09:00`, `12/24/2026`: the order of day and month cannot be told. */
const SLASH_DATE = /^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/;

/** An instant cell as the create reads it: ISO 8601 as is; a spreadsheet's `YYYY-MM-DD HH:mm[:ss]` as wall time. */
export function instantCell(text: string, field: string, errors: FieldError[]): string | undefined {
  const spreadsheet = SPREADSHEET_DATE_TIME.exec(text);
  if (spreadsheet) return `${spreadsheet[1]}T${spreadsheet[2]}${spreadsheet[3] ?? ':00'}`;
  if (SLASH_DATE.test(text)) {
    errors.push({
      field,
      message: `"${text}": the order of day and month is ambiguous; write the date as YYYY-MM-DD (e.g. 2026-12-24 09:00, or ISO 8601)`,
    });
    return undefined;
  }
  return text;
}

/** A `job_config.<key>` cell: a JSON number, `true` or `false` as that value, anything else as text. */
function configCell(text: string): unknown {
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/**
 * One CSV record as a create body. Empty cells are absent fields. Integers and booleans are
 * read when they are written as such (`12`, `true`/`false`, any case); otherwise the text goes
 * to the create's validation, which names the field. `job_config` is JSON text of an object.
 */
export function bodyOfCells(columns: HeaderColumn[], cells: string[], errors: FieldError[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  let config: Record<string, unknown> | undefined;
  columns.forEach((column, index) => {
    const text = cells[index] ?? '';
    if (column.kind === 'ignored' || text === '') return;
    if (column.kind === 'config') {
      config ??= {};
      config[column.key] = configCell(text);
      return;
    }
    const { field } = column;
    if (INTEGER_COLUMNS.has(field) && /^[+-]?\d+$/.test(text.trim())) body[field] = Number(text.trim());
    else if (BOOLEAN_COLUMNS.has(field) && /^(true|false)$/i.test(text.trim())) body[field] = text.trim().toLowerCase() === 'true';
    else if (INSTANT_COLUMNS.has(field)) {
      const value = instantCell(text.trim(), field, errors);
      if (value !== undefined) body[field] = value;
    } else if (field === 'job_config') {
      try {
        body[field] = JSON.parse(text) as unknown;
      } catch {
        errors.push({ field, message: 'must be a JSON object written as text, e.g. {"publisher_domain": "example.com"}' });
      }
    } else body[field] = text;
  });
  if (cells.length > columns.length) {
    errors.push({ field: 'row', message: `the row has ${cells.length} cells but the header has ${columns.length} columns` });
  }
  if (config) body.job_config = config;
  return body;
}
