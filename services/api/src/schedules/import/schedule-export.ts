import { stringify } from 'csv-stringify/sync';
import { ruleOf, type ScheduledJob } from '@scheduler/entities';
import { describeOccurrence } from '@scheduler/recurrence';
import { iso } from '../../http/format';
import { validationFailed } from '../../http/errors';
import type { Caller } from '../../http/auth';
import type { ScheduleFilters, ScheduleService } from '../schedule.service';
import { IMPORT_COLUMNS, type ImportColumn } from './columns';

/** Most schedules one export holds; more matching the filters is a 422 asking to narrow them. */
export const MAX_EXPORT_ROWS = 10_000;
/** Schedules read per query while exporting. */
const EXPORT_PAGE = 1_000;

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One exported schedule: the fields of its create body (absent ones left out). */
export type ExportRow = Partial<Record<ImportColumn, unknown>>;

/**
 * A schedule as the create body that makes it again: its own rule, start as wall-clock time in
 * its zone (`rule.wall`, so a start a DST gap moved stays as asked). A start that has passed is
 * written as what is left of the schedule: a cron without `scheduled_at` (it starts when
 * imported), another type from its next run (`local`, with its offset) and `max_runs` less the
 * runs made; a finished one keeps its past start (an import refuses it: past time).
 */
export function exportRowOf(s: ScheduledJob, now: Date): ExportRow {
  const rule = ruleOf(s);
  const row: ExportRow = {
    name: s.name,
    description: s.description,
    campaign_id: s.campaignId,
    template_id: s.templateId,
    schedule_type: s.scheduleType,
    scheduled_at: rule?.wall ?? iso(s.scheduledAt),
    recurrence_pattern: s.recurrencePattern,
    recurrence_end_date: iso(s.recurrenceEndDate),
    timezone: s.timezone,
    max_runs: s.maxRuns,
    job_config: s.jobConfig,
    misfire_grace_seconds: s.misfireGraceSeconds,
    catchup_policy: s.catchupPolicy,
    requires_approval: s.requiresApproval,
    approval_timeout_hours: s.approvalTimeoutHours,
  };
  if (rule && new Date(rule.start).getTime() <= now.getTime()) {
    if (s.scheduleType === 'cron') row.scheduled_at = null;
    else if (s.nextRunAt) row.scheduled_at = describeOccurrence(rule, s.nextRunAt).local;
    if (s.maxRuns !== null && s.runCount > 0 && (s.scheduleType === 'cron' || s.nextRunAt))
      row.max_runs = Math.max(1, s.maxRuns - s.runCount);
  }
  for (const column of IMPORT_COLUMNS) if (row[column] === null) delete row[column];
  return row;
}

/** The caller's schedules the filters match, in the list's order, read a page at a time (at most `MAX_EXPORT_ROWS`). */
export async function exportRows(service: ScheduleService, caller: Caller, filters: ScheduleFilters, now: Date): Promise<ExportRow[]> {
  const rows: ExportRow[] = [];
  for (let offset = 0; ; offset += EXPORT_PAGE) {
    const [page, total] = await service.list(caller, filters, { limit: EXPORT_PAGE, offset });
    if (total > MAX_EXPORT_ROWS) {
      throw validationFailed([
        {
          field: 'query',
          message: `the filters match ${total} schedules; an export holds at most ${MAX_EXPORT_ROWS}: narrow them (campaign_id, status, schedule_type, template_id, q)`,
        },
      ]);
    }
    rows.push(...page.map((s) => exportRowOf(s, now)));
    if (page.length < EXPORT_PAGE) return rows;
  }
}

/** The CSV of an export: a UTF-8 BOM (for spreadsheets), a header of every column, `job_config` as JSON text, `true`/`false`. */
export function csvOf(rows: ExportRow[]): string {
  const records = rows.map((row) =>
    IMPORT_COLUMNS.map((column) => {
      const value = row[column];
      if (value === undefined || value === null) return '';
      // Text as is; numbers, booleans and `job_config` as their JSON text (`12`, `true`, `{...}`).
      return typeof value === 'string' ? value : JSON.stringify(value);
    }),
  );
  return stringify(records, { bom: true, header: true, columns: [...IMPORT_COLUMNS] });
}
