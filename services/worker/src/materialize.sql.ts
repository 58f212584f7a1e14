import { createHash } from 'node:crypto';
import { getMetadataArgsStorage } from 'typeorm';
import {
  Campaign,
  Job,
  JobStatus,
  LIFECYCLE_FIELDS,
  RunOutcome,
  ScheduledJob,
  ScheduleLifecycle,
  ScheduleRun,
  ScheduleSkip,
  Blackout,
  OutboxEvent,
} from '@scheduler/entities';
import type { Blackout as ExpansionBlackout } from '@scheduler/recurrence';

/**
 * The materializer's statements, generated once at module load from one description of the
 * columns they read and write. Column names, table names and parameter types come from the
 * entities' TypeORM decorators, and parameters are numbered by name in order of first use, so
 * no `$n` is maintained by hand. `materialize.sql.test.ts` prints the generated SQL.
 */

type EntityClass<E> = new () => E;

/** The table name of an entity, from its `@Entity` decorator. */
function tableOf(entity: EntityClass<unknown>): string {
  const table = getMetadataArgsStorage().tables.find((t) => t.target === entity);
  if (!table?.name) throw new Error(`${entity.name} has no @Entity name`);
  return table.name;
}

/** The column name and type of an entity property, from its `@Column` decorator. */
function columnOf<E>(entity: EntityClass<E>, property: keyof E & string): { name: string; type: string } {
  const column = getMetadataArgsStorage()
    .filterColumns(entity)
    .find((c) => c.propertyName === property);
  const type = column?.options.type;
  if (!column || typeof type !== 'string') throw new Error(`${entity.name}.${property} has no typed @Column`);
  return { name: column.options.name ?? property, type };
}

/** The named, typed parameters of a statement, numbered in order of first use. */
abstract class NamedParameters<V> {
  protected readonly names: (keyof V & string)[] = [];
  protected readonly types = new Map<string, string>();

  /** Registers a use of `name` as `type` (one type per name) and returns its 0-based position. */
  protected register(name: keyof V & string, type: string): number {
    const known = this.types.get(name);
    if (known !== undefined && known !== type) throw new Error(`parameter ${name} used as ${known} and as ${type}`);
    if (known === undefined) {
      this.names.push(name);
      this.types.set(name, type);
    }
    return this.names.indexOf(name);
  }
}

/**
 * Hands out `$n::type` for named parameters: one number per name, in order of first use.
 * `bind` turns a values object into the positional array, in that order.
 */
class Parameters<V> extends NamedParameters<V> {
  ref(name: keyof V & string, type: string): string {
    return `$${this.register(name, type) + 1}::${type}`;
  }

  statement(text: string): Statement<V> {
    const names = [...this.names];
    return { name: statementName(text), text, bind: (values: V) => names.map((name) => values[name]) };
  }
}

export interface Statement<V> {
  /**
   * The name it is prepared under on each connection (from a hash of its text): PostgreSQL
   * parses it once per connection instead of once per batch.
   */
  name: string;
  text: string;
  bind(values: V): unknown[];
}

/** A prepared statement's name: a hash of its text, so two texts never share one. */
function statementName(text: string): string {
  return `materialize_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}

/** What the statement builders need of a parameter source: a reference to a named, typed value. */
interface Refs<V> {
  ref(name: keyof V & string, type: string): string;
}

/**
 * The batch statements' parameters: one array per name (`$n::type[]`), unnested into the rows of
 * `alias` (`source()`, with each row's 1-based `idx`), so `ref` gives the column of the row
 * (`alias."name"`). `bind` turns the rows' values objects into the positional arrays; one
 * statement serves a batch of any size (and a single occurrence is a batch of one).
 */
class RowParameters<V> extends NamedParameters<V> implements Refs<V> {
  constructor(readonly alias: string) {
    super();
  }

  ref(name: keyof V & string, type: string): string {
    this.register(name, type);
    return `${this.alias}."${name}"`;
  }

  /** The FROM item of the rows: `unnest($1::t1[], …) WITH ORDINALITY AS alias("a", …, idx)`. */
  source(): string {
    const arrays = this.names.map((name, i) => `$${i + 1}::${this.types.get(name)}[]`);
    const columns = this.names.map((name) => `"${name}"`);
    return `unnest(${wrap(arrays, '         ')})\n         WITH ORDINALITY AS ${this.alias}(${wrap([...columns, 'idx'], '           ')})`;
  }

  statement(text: string): Statement<V[]> {
    const names = [...this.names];
    return { name: statementName(text), text, bind: (rows: V[]) => names.map((name) => rows.map((row) => row[name])) };
  }
}

/** Joins list items with commas, starting a new line (at `indent`) before one that passes 100 characters. */
function wrap(items: string[], indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && indent.length + line.length + item.length + 2 > 100) {
      lines.push(`${line},`);
      line = item;
    } else line = line ? `${line}, ${item}` : item;
  }
  lines.push(line);
  return lines.join(`\n${indent}`);
}

/**
 * Where a written column's value comes from: a named parameter, an SQL expression, or an SQL
 * expression over parameters of its own (numbered where the column comes in the list).
 */
type Source<V> = { param: keyof V & string } | { sql: string } | { expr: (p: Refs<V>) => string };

function writeList<E, V>(entity: EntityClass<E>, p: Refs<V>, sources: [keyof E & string, Source<V>][]) {
  const columns = sources.map(([property]) => columnOf(entity, property).name);
  const values = sources.map(([property, source]) => {
    if ('param' in source) return p.ref(source.param, columnOf(entity, property).type);
    return 'sql' in source ? source.sql : source.expr(p);
  });
  return { columns, values };
}

// ---- The lock: what the checks read -------------------------------------------------------

/** The schedule columns the lock reads (the lifecycle among them). */
const LOCKED_SCHEDULE_FIELDS = [
  'id',
  'userId',
  'workspaceId',
  'campaignId',
  'templateId',
  'name',
  'scheduleType',
  'scheduledAt',
  'recurrencePattern',
  'recurrenceEndDate',
  'timezone',
  'maxRuns',
  'jobConfig',
  'recurrenceRule',
  ...LIFECYCLE_FIELDS,
  'misfireGraceSeconds',
  'catchupPolicy',
  'requiresApproval',
  'approvalTimeoutHours',
  'version',
] as const satisfies readonly (keyof ScheduledJob)[];
/** What the checks (and the approval gate) need of the schedule's campaign. */
const LOCKED_CAMPAIGN_FIELDS = [
  'status',
  'startDate',
  'endDate',
  'requiresApproval',
  'approvalTimeoutHours',
] as const satisfies readonly (keyof Campaign)[];

/** The schedule row, locked, with what the checks need from its campaign and Job table. */
export type LockedSchedule = Pick<ScheduledJob, (typeof LOCKED_SCHEDULE_FIELDS)[number]> & {
  campaign: Pick<Campaign, (typeof LOCKED_CAMPAIGN_FIELDS)[number]> | null;
  existingJobId: string | null;
  /** The status of that Job (an awaiting or cancelled one is not handed on again). */
  existingJobStatus: JobStatus | null;
  /** The user's skips, read after the lock (`PLANNING`); absent until then. */
  skips?: Date[];
  /** The blackouts that cover it (the workspace's and its campaign's), read with the skips. */
  blackouts?: ExpansionBlackout[];
};

const campaignAlias = (column: string) => `campaign_${column}`;

/** One occurrence the lock reads for. */
export interface LockValues {
  scheduleId: string;
  occurrence: Date;
}

function buildLock(): Statement<LockValues[]> {
  const p = new RowParameters<LockValues>('w');
  const schedule = LOCKED_SCHEDULE_FIELDS.map((f) => `s.${columnOf(ScheduledJob, f).name}`);
  const campaign = LOCKED_CAMPAIGN_FIELDS.map((f) => `c.${columnOf(Campaign, f).name} AS ${campaignAlias(columnOf(Campaign, f).name)}`);
  const job = {
    id: columnOf(Job, 'id').name,
    status: columnOf(Job, 'status').name,
    schedule: columnOf(Job, 'scheduledJobId'),
    occurrence: columnOf(Job, 'scheduledFor'),
  };
  const scheduleId = columnOf(ScheduledJob, 'id');
  const wanted = `JOIN ${tableOf(ScheduledJob)} s ON s.${scheduleId.name} = ${p.ref('scheduleId', scheduleId.type)}`;
  const existing = `LEFT JOIN ${tableOf(Job)} j ON j.${job.schedule.name} = s.${scheduleId.name} AND j.${job.occurrence.name} = ${p.ref('occurrence', job.occurrence.type)}`;
  return p.statement(`
SELECT w.idx::integer AS item,
       ${wrap([...schedule, ...campaign], '       ')},
       j.${job.id} AS existing_job_id, j.${job.status} AS existing_job_status
  FROM ${p.source()}
  ${wanted}
  LEFT JOIN ${tableOf(Campaign)} c ON c.${columnOf(Campaign, 'id').name} = s.${columnOf(ScheduledJob, 'campaignId').name}
  ${existing}
 ORDER BY s.${scheduleId.name}
   FOR UPDATE OF s`);
}

/**
 * One round trip for a batch of occurrences (of distinct schedules): their schedule rows under
 * `FOR UPDATE` (every materialization of a schedule takes this lock first, so they run one after
 * another; the rows are locked in id order, so two workers' batches cannot deadlock), each one's
 * campaign state, and the Job each occurrence already produced, if any. A row per occurrence
 * whose schedule exists, `item` its 1-based place in the batch.
 */
export const LOCK = buildLock();

const SCHEDULE_FROM_ROW = LOCKED_SCHEDULE_FIELDS.map((f) => [f, columnOf(ScheduledJob, f).name] as const);
const CAMPAIGN_FROM_ROW = LOCKED_CAMPAIGN_FIELDS.map((f) => [f, campaignAlias(columnOf(Campaign, f).name)] as const);

/** The locked schedule from a row of `LOCK` (a plain loop: it runs for every occurrence). */
export function lockedFrom(row: Record<string, unknown>): LockedSchedule {
  const schedule: Record<string, unknown> = {};
  for (const [f, column] of SCHEDULE_FROM_ROW) schedule[f] = row[column];
  let campaign: Record<string, unknown> | null = null;
  if (schedule.campaignId) {
    campaign = {};
    for (const [f, column] of CAMPAIGN_FROM_ROW) campaign[f] = row[column];
  }
  schedule.campaign = campaign;
  schedule.existingJobId = row.existing_job_id ?? null;
  schedule.existingJobStatus = row.existing_job_status ?? null;
  return schedule as LockedSchedule;
}

/** A row of `PLANNING`: a skip (`at`) or a blackout (the other columns), of the batch's `item`. */
export interface PlanningRow {
  item: number;
  at: Date | null;
  name: string | null;
  start_date: string | null;
  end_date: string | null;
  timezone: string | null;
  policy: ExpansionBlackout['policy'] | null;
}

/** The `PLANNING` statement's parameters. */
export interface PlanningValues {
  scheduleId: string;
  from: Date;
  workspaceId: string;
  campaignId: string | null;
  fromDate: string;
}

/**
 * What the user planned around the schedule, in one round trip, read after the lock (a skip or
 * a blackout written while the lock was waited for is seen: the lock statement's own snapshot
 * predates it): the user's skips from `from` on (the earliest occurrence the settlement can
 * reach: the processed one or the pending run), and the blackouts that cover the schedule (the
 * workspace's, and its campaign's) that can still decide an occurrence from `from` on: those
 * whose end date is not wholly before `fromDate` (two days before `from`: a local date ends at
 * most 14 h after its UTC day), and, recursively, older ones that end at most two days before one of
 * them starts (a chain of blackouts a `shift` walks over: an occurrence shifted out of an earlier
 * one can still land after `from`).
 */
export const PLANNING = ((): Statement<PlanningValues[]> => {
  const p = new RowParameters<PlanningValues>('k');
  const schedule = columnOf(ScheduleSkip, 'scheduledJobId');
  const at = columnOf(ScheduleSkip, 'occurrenceAt');
  const b = (f: keyof Blackout) => columnOf(Blackout, f).name;
  const workspace = p.ref('workspaceId', columnOf(Blackout, 'workspaceId').type);
  const campaign = p.ref('campaignId', columnOf(Blackout, 'campaignId').type);
  const covers = (a: string) =>
    `${a}.${b('workspaceId')} = ${workspace}\n         AND (${a}.${b('campaignId')} IS NULL OR ${a}.${b('campaignId')} = ${campaign})`;
  const fields = (alias: string) =>
    ['id', 'name', 'startDate', 'endDate', 'timezone', 'policy'].map((f) => `${alias}.${b(f as keyof Blackout)}`).join(', ');
  const reaching = `WITH RECURSIVE reaching AS (
      SELECT ${fields('x')}
        FROM ${tableOf(Blackout)} x
       WHERE ${covers('x')}
         AND x.${b('endDate')} >= ${p.ref('fromDate', columnOf(Blackout, 'endDate').type)}
    UNION
      SELECT ${fields('y')}
        FROM ${tableOf(Blackout)} y
        JOIN reaching r ON y.${b('endDate')} >= r.${b('startDate')} - 2
       WHERE ${covers('y')}
         AND y.${b('endDate')} < ${p.ref('fromDate', columnOf(Blackout, 'endDate').type)}
  )`;
  const skips = `SELECT ${at.name} AS at, NULL AS name, NULL AS start_date, NULL AS end_date, NULL AS timezone, NULL AS policy, NULL AS id
    FROM ${tableOf(ScheduleSkip)}
   WHERE ${schedule.name} = ${p.ref('scheduleId', schedule.type)} AND ${at.name} >= ${p.ref('from', at.type)}`;
  return p.statement(`
SELECT k.idx::integer AS item, planned.at, planned.name, planned.start_date, planned.end_date, planned.timezone, planned.policy
  FROM ${p.source()}
 CROSS JOIN LATERAL (
  ${reaching}
  ${skips}
  UNION ALL
  SELECT NULL, ${b('name')}, ${b('startDate')}::text, ${b('endDate')}::text, ${b('timezone')}, ${b('policy')}, ${b('id')}::text
    FROM reaching
 ) planned
 ORDER BY k.idx, planned.start_date, planned.id`);
})();

/** The skips and blackouts of `PLANNING`'s rows (of one item). */
export function planningFrom(rows: PlanningRow[]): { skips: Date[]; blackouts: ExpansionBlackout[] } {
  const skips: Date[] = [];
  const blackouts: ExpansionBlackout[] = [];
  for (const r of rows) {
    if (r.at !== null) skips.push(r.at);
    else {
      blackouts.push({
        name: r.name as string,
        start_date: r.start_date as string,
        end_date: r.end_date as string,
        timezone: r.timezone as string,
        policy: r.policy as ExpansionBlackout['policy'],
      });
    }
  }
  return { skips, blackouts };
}

// ---- The writes: the run row, the schedule's lifecycle, the Job ----------------------------

/** The run history row of an occurrence (its `job_id` is set by the statement). */
export interface RunValues {
  scheduleId: string;
  /** The schedule's creator and workspace, copied onto the run row (and the Job). */
  userId: string;
  workspaceId: string;
  occurrence: Date;
  outcome: RunOutcome;
  reason: string | null;
  error: string | null;
}

/**
 * The Job's own columns (the schedule, user and occurrence come from `RunValues`). `queuedNow`:
 * the Job of the processed occurrence is handed to the content queue before that occurrence is
 * acknowledged, so `queued_at` is set here (a redelivery hands it on again); a catch-up Job of
 * another occurrence is written with `queued_at` null and marked when handed over after the
 * commit, so a crash in between leaves it to the reconciler's hand-over.
 */
export type JobValues = Pick<
  Job,
  | 'campaignId'
  | 'templateId'
  | 'scheduledJobName'
  | 'publisherDomain'
  | 'llmProvider'
  | 'llmModel'
  | 'writingStrategy'
  | 'country'
  | 'language'
> & {
  config: string;
  /** The Job's status (`status` is the schedule's, in `ScheduleLifecycle`): pending, or awaiting_approval when gated. */
  jobStatus: Extract<JobStatus, 'pending' | 'awaiting_approval'>;
  queuedNow: boolean;
  /** Hours from now to the approval deadline of an awaiting Job; null: no deadline. */
  approvalTimeoutHours: number | null;
};

/** The run row's columns; `jobId` is the statement's to give. */
function runSources<V extends RunValues>(jobId: string): [keyof ScheduleRun, Source<V>][] {
  return [
    ['scheduledJobId', { param: 'scheduleId' }],
    ['userId', { param: 'userId' }],
    ['workspaceId', { param: 'workspaceId' }],
    ['occurrenceAt', { param: 'occurrence' }],
    ['outcome', { param: 'outcome' }],
    ['reason', { param: 'reason' }],
    ['error', { param: 'error' }],
    ['jobId', { sql: jobId }],
    ['processedAt', { sql: 'now()' }],
  ];
}

/** The run row is unique per (schedule, occurrence); a materialized one is never overwritten. */
const RUN_KEY = ['scheduledJobId', 'occurrenceAt'] as const satisfies readonly (keyof ScheduleRun)[];

function runUpsert<V extends RunValues>(p: Refs<V>, jobId: string, from?: string): string {
  const sources = runSources<V>(jobId);
  const list = writeList(ScheduleRun, p, sources);
  const key = RUN_KEY.map((f) => columnOf(ScheduleRun, f).name);
  const outcome = columnOf(ScheduleRun, 'outcome').name;
  // A conflict is the same schedule and occurrence, so the same user and workspace: the rest is overwritten.
  const kept = [...key, columnOf(ScheduleRun, 'userId').name, columnOf(ScheduleRun, 'workspaceId').name];
  const updates = list.columns.filter((c) => !kept.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  const values = from ? `SELECT ${wrap(list.values, '           ')} FROM ${from}` : `VALUES (${wrap(list.values, '            ')})`;
  return `INSERT INTO ${tableOf(ScheduleRun)} (${wrap(list.columns, '      ')})
    ${values}
    ON CONFLICT (${key.join(', ')}) DO UPDATE
      SET ${wrap(updates, '          ')}
      WHERE ${tableOf(ScheduleRun)}.${outcome} <> 'materialized'`;
}

/** The schedule's lifecycle columns after the occurrence (`from`: the FROM item of batch rows). */
function lifecycleSet<V extends ScheduleLifecycle & RunValues>(p: Refs<V>, from?: string): string {
  const set = LIFECYCLE_FIELDS.map((f) => {
    const column = columnOf(ScheduledJob, f);
    return `${column.name} = ${p.ref(f, column.type)}`;
  });
  const id = `${tableOf(ScheduledJob)}.${columnOf(ScheduledJob, 'id').name}`;
  return `UPDATE ${tableOf(ScheduledJob)}
       SET ${wrap([...set, `${columnOf(ScheduledJob, 'updatedAt').name} = now()`], '           ')}${from ? `\n      FROM ${from}` : ''}
     WHERE ${id} = ${p.ref('scheduleId', columnOf(ScheduledJob, 'id').type)}`;
}

export type SettleValues = RunValues & ScheduleLifecycle;

/** Writes the run history row and the schedule's new state in one statement. */
export const SETTLE = ((): Statement<SettleValues> => {
  const p = new Parameters<SettleValues>();
  const run = runUpsert(p, 'NULL');
  const settle = lifecycleSet(p);
  return p.statement(`
  WITH run AS (
    ${run}
  )
  ${settle}`);
})();

export type MaterializeValues = RunValues & ScheduleLifecycle & JobValues;

/**
 * Inserts the Jobs of a batch of occurrences (of distinct schedules; a single one is a batch of
 * one), their run rows, `job.created` events and their schedules' new states in one statement;
 * returns each inserted Job's id with its `item` (no row for one whose Job already existed). For the processed occurrence `queued_at` is set
 * here: the occurrence's BullMQ job is acknowledged only after the hand-over to the content
 * queue, so a hand-over that fails or is cut short by a crash is redone by the redelivery (the
 * duplicate path hands the same Job on), and there is no second write per Job after the commit.
 * A catch-up Job (`queuedNow` false) is marked after its hand-over instead.
 */
export const MATERIALIZE = ((): Statement<MaterializeValues[]> => {
  const p = new RowParameters<MaterializeValues>('v');
  const job = writeList<Job, MaterializeValues>(Job, p, [
    ['userId', { param: 'userId' }],
    ['workspaceId', { param: 'workspaceId' }],
    ['campaignId', { param: 'campaignId' }],
    ['templateId', { param: 'templateId' }],
    ['scheduledJobId', { param: 'scheduleId' }],
    ['scheduledJobName', { param: 'scheduledJobName' }],
    ['scheduledFor', { param: 'occurrence' }],
    ['status', { param: 'jobStatus' }],
    ['config', { param: 'config' }],
    ['publisherDomain', { param: 'publisherDomain' }],
    ['llmProvider', { param: 'llmProvider' }],
    ['llmModel', { param: 'llmModel' }],
    ['writingStrategy', { param: 'writingStrategy' }],
    ['country', { param: 'country' }],
    ['language', { param: 'language' }],
    ['queuedAt', { expr: (q) => `CASE WHEN ${q.ref('queuedNow', 'boolean')} THEN now() END` }],
    ['approvalDeadline', { expr: (q) => `now() + ${q.ref('approvalTimeoutHours', 'integer')} * interval '1 hour'` }],
  ]);
  const unique = (['scheduledJobId', 'scheduledFor'] as const).map((f) => columnOf(Job, f).name);
  const id = columnOf(Job, 'id').name;
  const scheduleId = p.ref('scheduleId', columnOf(Job, 'scheduledJobId').type);
  const occurrence = p.ref('occurrence', columnOf(Job, 'scheduledFor').type);
  // Each inserted Job with its row (a schedule comes once per batch; the occurrence is checked too).
  const made = `job JOIN v ON job.${unique[0]} = ${scheduleId} AND job.${unique[1]} = ${occurrence}`;
  const run = runUpsert(p, `job.${id}`, made);
  const settle = lifecycleSet(p, 'v');
  const status = p.ref('jobStatus', columnOf(Job, 'status').type);
  const data = {
    job_id: `job.${id}`,
    status,
    schedule_id: scheduleId,
    campaign_id: p.ref('campaignId', columnOf(Job, 'campaignId').type),
    scheduled_for: isoText(occurrence),
  };
  const event = eventInsert(p, `'job.created'`, made, data);
  // A gated Job also notifies its approvers: `job.awaiting_approval`, in the same statement.
  const awaiting = eventInsert(p, `'job.awaiting_approval'`, `${made} WHERE ${status} = 'awaiting_approval'`, data);
  return p.statement(`
  WITH v AS (
    SELECT * FROM ${p.source()}
  ), job AS (
    INSERT INTO ${tableOf(Job)} (${wrap(job.columns, '      ')})
    SELECT ${wrap(job.values, '           ')}
      FROM v
    ON CONFLICT (${unique.join(', ')}) DO NOTHING
    RETURNING ${id}, ${unique.join(', ')}
  ), run AS (
    ${run}
  ), settled AS (
    ${settle} AND EXISTS (SELECT 1 FROM job WHERE job.${unique[0]} = ${scheduleId})
  ), event AS (
    ${event}
  ), awaiting AS (
    ${awaiting}
  )
  SELECT v.idx::integer AS item, job.${id} FROM ${made}`);
})();

export interface MissedValues {
  scheduleId: string;
  userId: string;
  workspaceId: string;
  /** The occurrences, and each one's reason and outcome (`missed`, or `skipped` for a user skip) at the same index. */
  missed: Date[];
  reasons: string[];
  outcomes: RunOutcome[];
}

/** The occurrences a catch-up plan records as missed (or skipped), each with its reason (existing rows win). */
export const RECORD_MISSED = ((): Statement<MissedValues> => {
  const p = new Parameters<MissedValues>();
  const list = writeList<ScheduleRun, MissedValues>(ScheduleRun, p, [
    ['scheduledJobId', { param: 'scheduleId' }],
    ['userId', { param: 'userId' }],
    ['workspaceId', { param: 'workspaceId' }],
    ['occurrenceAt', { sql: 'm.at' }],
    ['outcome', { sql: 'm.outcome' }],
    ['reason', { sql: 'm.reason' }],
    ['processedAt', { sql: 'now()' }],
  ]);
  const key = RUN_KEY.map((f) => columnOf(ScheduleRun, f).name);
  const at = p.ref('missed', `${columnOf(ScheduleRun, 'occurrenceAt').type}[]`);
  const reasons = p.ref('reasons', `${columnOf(ScheduleRun, 'reason').type}[]`);
  const outcomes = p.ref('outcomes', `${columnOf(ScheduleRun, 'outcome').type}[]`);
  const occurrence = columnOf(ScheduleRun, 'occurrenceAt').name;
  const outcome = columnOf(ScheduleRun, 'outcome').name;
  const reason = columnOf(ScheduleRun, 'reason').name;
  // `run.missed` for each missed run this statement recorded (a row already there emits nothing again).
  const event = eventInsert(p, `'run.missed'`, `recorded WHERE recorded.${outcome} = 'missed'`, {
    schedule_id: p.ref('scheduleId', columnOf(ScheduleRun, 'scheduledJobId').type),
    occurrence: isoText(`recorded.${occurrence}`),
    outcome: `recorded.${outcome}`,
    reason: `recorded.${reason}`,
  });
  return p.statement(`
  WITH recorded AS (
    INSERT INTO ${tableOf(ScheduleRun)} (${list.columns.join(', ')})
    SELECT ${list.values.join(', ')}
      FROM unnest(${at}, ${reasons}, ${outcomes}) AS m(at, reason, outcome)
    ON CONFLICT (${key.join(', ')}) DO NOTHING
    RETURNING ${occurrence}, ${outcome}, ${reason}
  )
  ${event}`);
})();

// ---- Outbox events -------------------------------------------------------------------------

/** An instant as the API writes it (`2026-01-01T09:00:00.000Z`). */
function isoText(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** An INSERT of one outbox event per row of `from` (a CTE, with an optional WHERE), `data` built from SQL expressions. */
function eventInsert<V extends { workspaceId: string }>(p: Refs<V>, type: string, from: string, data: Record<string, string>): string {
  const e = (f: keyof OutboxEvent) => columnOf(OutboxEvent, f).name;
  const workspace = p.ref('workspaceId', columnOf(OutboxEvent, 'workspaceId').type);
  const payload = `jsonb_build_object(${Object.entries(data)
    .map(([k, v]) => `'${k}', ${v}`)
    .join(', ')})`;
  return `INSERT INTO ${tableOf(OutboxEvent)} (${e('workspaceId')}, ${e('type')}, ${e('payload')})
    SELECT ${workspace}, ${type}, ${payload}
      FROM ${from}`;
}

/** An event of the settlement that no statement above writes (`run.failed`, `schedule.completed`, `schedule.error`). */
export interface SettlementEvent {
  type: 'run.failed' | 'run.missed' | 'schedule.completed' | 'schedule.error';
  data: Record<string, unknown>;
}

/** The settlement's other events, in one statement (sent only when there are any). */
export const RECORD_EVENTS = ((): Statement<{ workspaceId: string; types: string[]; payloads: string[] }> => {
  const p = new Parameters<{ workspaceId: string; types: string[]; payloads: string[] }>();
  const e = (f: keyof OutboxEvent) => columnOf(OutboxEvent, f).name;
  const workspace = p.ref('workspaceId', columnOf(OutboxEvent, 'workspaceId').type);
  return p.statement(`
  INSERT INTO ${tableOf(OutboxEvent)} (${e('workspaceId')}, ${e('type')}, ${e('payload')})
  SELECT ${workspace}, x.type, x.payload::jsonb
    FROM unnest(${p.ref('types', 'text[]')}, ${p.ref('payloads', 'text[]')}) AS x(type, payload)`);
})();
