import type { DataSource, EntityManager } from 'typeorm';
import {
  decideOccurrence,
  failedRun,
  firedRun,
  firesAgain,
  JobTemplate,
  jobSettingsOf,
  mergeJobConfig,
  OccurrenceCampaign,
  ruleOf,
  RunOutcome,
  ScheduledJobStatus,
  ScheduleLifecycle,
} from '@scheduler/entities';
import { nextOccurrence, RecurrenceRule } from '@scheduler/recurrence';

/** At most this many missed occurrences are written per processed occurrence. */
export const MAX_MISSED_RECORDED = 1000;

/** The Job to hand to the content queue. */
export interface MaterializedJob {
  id: string;
  userId: string;
  scheduledJobId: string | null;
  campaignId: string | null;
}

/** What became of one occurrence, and what the caller must do in Redis afterwards. */
export interface MaterializeResult {
  outcome: RunOutcome | 'ignored';
  reason?: string;
  /** The Job to hand to the content queue (new, or found again on a redelivery). */
  job?: MaterializedJob;
  /** True when the Job already existed: a repeated occurrence. */
  duplicate?: boolean;
  /** True when the schedule will not fire again and its scheduler should go. */
  removeScheduler: boolean;
  missedRecorded: number;
}

class RunFailure extends Error {}

/** True when `at` is itself an occurrence of the rule. */
function isOccurrenceOf(rule: RecurrenceRule, at: Date): boolean {
  return nextOccurrence(rule, new Date(at.getTime() - 1))?.getTime() === at.getTime();
}

/** The schedule row, locked, with what the checks need from its campaign and Job table. */
interface LockedSchedule {
  id: string;
  userId: string;
  campaignId: string | null;
  templateId: string | null;
  scheduleType: string;
  scheduledAt: Date;
  recurrencePattern: string | null;
  recurrenceEndDate: Date | null;
  timezone: string;
  maxRuns: number | null;
  jobConfig: Record<string, unknown>;
  recurrenceRule: RecurrenceRule | null;
  status: ScheduledJobStatus;
  nextRunAt: Date | null;
  runCount: number;
  errorCount: number;
  consecutiveErrors: number;
  lastRunAt: Date | null;
  lastError: string | null;
  misfireGraceSeconds: number;
  version: number;
  campaign: OccurrenceCampaign;
  existingJobId: string | null;
}

/**
 * One round trip: the schedule row under `FOR UPDATE` (every materialization of a schedule
 * takes this lock first, so they run one after another), its campaign's state, and the Job
 * this occurrence already produced, if any.
 */
const LOCK_SQL = `
  SELECT s.id, s.user_id, s.campaign_id, s.template_id, s.schedule_type, s.scheduled_at,
         s.recurrence_pattern, s.recurrence_end_date, s.timezone, s.max_runs, s.job_config,
         s.recurrence_rule, s.status, s.next_run_at, s.run_count, s.error_count,
         s.consecutive_errors, s.last_run_at, s.last_error, s.misfire_grace_seconds, s.version,
         c.status AS campaign_status, c.start_date AS campaign_start, c.end_date AS campaign_end,
         (SELECT j.id FROM jobs j WHERE j.scheduled_job_id = s.id AND j.scheduled_for = $2) AS existing_job_id
  FROM scheduled_jobs s
  LEFT JOIN campaigns c ON c.id = s.campaign_id
  WHERE s.id = $1
  FOR UPDATE OF s`;

/* eslint-disable @typescript-eslint/no-explicit-any */
function lockedFrom(row: any): LockedSchedule {
  return {
    id: row.id,
    userId: row.user_id,
    campaignId: row.campaign_id,
    templateId: row.template_id,
    scheduleType: row.schedule_type,
    scheduledAt: row.scheduled_at,
    recurrencePattern: row.recurrence_pattern,
    recurrenceEndDate: row.recurrence_end_date,
    timezone: row.timezone,
    maxRuns: row.max_runs,
    jobConfig: row.job_config ?? {},
    recurrenceRule: row.recurrence_rule,
    status: row.status,
    nextRunAt: row.next_run_at,
    runCount: row.run_count,
    errorCount: row.error_count,
    consecutiveErrors: row.consecutive_errors,
    lastRunAt: row.last_run_at,
    lastError: row.last_error,
    misfireGraceSeconds: row.misfire_grace_seconds,
    version: row.version,
    campaign: row.campaign_id
      ? { status: row.campaign_status, startDate: row.campaign_start, endDate: row.campaign_end }
      : null,
    existingJobId: row.existing_job_id,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Writes the run history row and the schedule's new state in one statement. */
const SETTLE_SQL = `
  WITH run AS (
    INSERT INTO schedule_runs (scheduled_job_id, user_id, occurrence_at, outcome, job_id, reason, error, processed_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, now())
    ON CONFLICT (scheduled_job_id, occurrence_at) DO UPDATE
      SET outcome = EXCLUDED.outcome, job_id = EXCLUDED.job_id, reason = EXCLUDED.reason,
          error = EXCLUDED.error, processed_at = EXCLUDED.processed_at
      WHERE schedule_runs.outcome <> 'materialized'
  )
  UPDATE scheduled_jobs
     SET status = $8, next_run_at = $9, last_run_at = $10, run_count = $11, error_count = $12,
         consecutive_errors = $13, last_error = $14, updated_at = now()
   WHERE id = $1`;

/**
 * Inserts the Job, its run row and the schedule's new state in one statement. `queued_at` is
 * set here: the occurrence's BullMQ job is acknowledged only after the hand-over to the content
 * queue, so a hand-over that fails or is cut short by a crash is redone by the redelivery (the
 * duplicate path hands the same Job on). No second write per Job after the commit.
 */
const MATERIALIZE_SQL = `
  WITH job AS (
    INSERT INTO jobs (user_id, campaign_id, template_id, scheduled_job_id, scheduled_for, status, config,
                      publisher_domain, llm_provider, llm_model, writing_strategy, country, language, queued_at)
    VALUES ($2, $15, $16, $1, $3, 'pending', $17, $18, $19, $20, $21, $22, $23, now())
    ON CONFLICT (scheduled_job_id, scheduled_for) DO NOTHING
    RETURNING id
  ), run AS (
    INSERT INTO schedule_runs (scheduled_job_id, user_id, occurrence_at, outcome, job_id, reason, error, processed_at)
    SELECT $1::uuid, $2::text, $3::timestamptz, $4::varchar, COALESCE($5::uuid, job.id), $6::text, $7::text, now() FROM job
    ON CONFLICT (scheduled_job_id, occurrence_at) DO UPDATE
      SET outcome = EXCLUDED.outcome, job_id = EXCLUDED.job_id, reason = EXCLUDED.reason,
          error = EXCLUDED.error, processed_at = EXCLUDED.processed_at
      WHERE schedule_runs.outcome <> 'materialized'
  ), settled AS (
    UPDATE scheduled_jobs
       SET status = $8, next_run_at = $9, last_run_at = $10, run_count = $11, error_count = $12,
           consecutive_errors = $13, last_error = $14, updated_at = now()
     WHERE id = $1 AND EXISTS (SELECT 1 FROM job)
  )
  SELECT id FROM job`;

/**
 * Turns one occurrence of a schedule into exactly one Job, in one PostgreSQL transaction:
 * lock the schedule row, re-check it, insert the Job (unique per schedule and occurrence, so a
 * repeat inserts nothing), then update the counters, `next_run_at` and status. Every
 * occurrence's outcome goes into `schedule_runs`. A typical occurrence costs four round trips
 * (begin, lock-and-read, write, commit).
 */
export class MaterializeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async materialize(scheduleId: string, version: number | null, occurrence: Date): Promise<MaterializeResult> {
    return this.dataSource.transaction(async (tx) => this.inTransaction(tx, scheduleId, version, occurrence));
  }

  private async inTransaction(
    tx: EntityManager,
    scheduleId: string,
    version: number | null,
    occurrence: Date,
  ): Promise<MaterializeResult> {
    const rows: unknown[] = await tx.query(LOCK_SQL, [scheduleId, occurrence]);
    if (rows.length === 0) return { outcome: 'ignored', reason: 'schedule deleted', removeScheduler: true, missedRecorded: 0 };
    const schedule = lockedFrom(rows[0]);

    // A duplicate delivery of an occurrence that already produced its Job: hand the same Job on.
    if (schedule.existingJobId) {
      const job = { id: schedule.existingJobId, userId: schedule.userId, scheduledJobId: schedule.id, campaignId: schedule.campaignId };
      return { outcome: 'materialized', job, duplicate: true, removeScheduler: false, missedRecorded: 0 };
    }
    const rule = ruleOf(schedule);
    if (version !== null && version !== schedule.version && !(rule && isOccurrenceOf(rule, occurrence))) {
      // Written for an older rule that no longer fires at this instant; the current scheduler
      // carries the new one. (After a change of config only, the instant still fires, with the
      // current config: the update must not swallow an occurrence already on its way.)
      return { outcome: 'ignored', reason: 'stale version', removeScheduler: false, missedRecorded: 0 };
    }

    const now = this.now();
    const missedRecorded = rule ? await this.recordMissed(tx, schedule, rule, occurrence, now) : 0;
    const settle = async (outcome: RunOutcome, fields: { reason?: string; error?: string }, state: ScheduleLifecycle) => {
      Object.assign(schedule, state);
      await tx.query(SETTLE_SQL, [...this.runParams(schedule, occurrence, outcome, fields), ...this.stateParams(schedule)]);
      return {
        outcome,
        reason: fields.reason ?? fields.error,
        removeScheduler: !firesAgain(schedule),
        missedRecorded,
      } satisfies MaterializeResult;
    };

    const decision = decideOccurrence(schedule, rule, occurrence, now);
    if (!decision.fire) return settle(decision.outcome, decision, decision.state);

    let config: Record<string, unknown>;
    let templateId: string | null = null;
    try {
      const template = schedule.templateId ? await tx.getRepository(JobTemplate).findOneBy({ id: schedule.templateId }) : null;
      templateId = template?.id ?? null;
      config = mergeJobConfig(template, schedule.jobConfig);
      if (typeof config.publisher_domain !== 'string' || config.publisher_domain.length === 0) {
        throw new RunFailure('the merged job config has no publisher_domain');
      }
    } catch (error) {
      if (!(error instanceof RunFailure)) throw error; // PostgreSQL trouble: retried, not a schedule error
      return settle('failed', { error: error.message }, failedRun(schedule, decision.rule, occurrence, now, error.message));
    }

    Object.assign(schedule, firedRun(schedule, decision.rule, occurrence, now));
    const s = jobSettingsOf(config);
    const inserted: { id: string }[] = await tx.query(MATERIALIZE_SQL, [
      ...this.runParams(schedule, occurrence, 'materialized', {}),
      ...this.stateParams(schedule),
      schedule.campaignId,
      templateId,
      JSON.stringify(config),
      s.publisherDomain,
      s.llmProvider,
      s.llmModel,
      s.writingStrategy,
      s.country?.slice(0, 2) ?? null,
      s.language?.slice(0, 35) ?? null,
    ]);
    if (inserted.length === 0) {
      // Only reachable if something wrote the Job without taking the schedule lock.
      return { outcome: 'materialized', duplicate: true, removeScheduler: false, missedRecorded };
    }
    return {
      outcome: 'materialized',
      job: { id: inserted[0].id, userId: schedule.userId, scheduledJobId: schedule.id, campaignId: schedule.campaignId },
      removeScheduler: !firesAgain(schedule),
      missedRecorded,
    };
  }

  /** $1..$7 of both statements: the run history row. */
  private runParams(schedule: LockedSchedule, occurrence: Date, outcome: RunOutcome, fields: { reason?: string; error?: string }) {
    return [schedule.id, schedule.userId, occurrence, outcome, null, fields.reason ?? null, fields.error ?? null];
  }

  /** $8..$14 of both statements: the schedule's state after the run. */
  private stateParams(schedule: LockedSchedule) {
    return [
      schedule.status,
      schedule.nextRunAt,
      schedule.lastRunAt,
      schedule.runCount,
      schedule.errorCount,
      schedule.consecutiveErrors,
      schedule.lastError,
    ];
  }

  /**
   * Occurrences between the schedule's recorded `next_run_at` and this one never reached a
   * worker (Redis lost them, or no worker was up): record them as missed, and so those between
   * this occurrence and now, which the scheduler will not produce either. One statement.
   */
  private async recordMissed(tx: EntityManager, schedule: LockedSchedule, rule: RecurrenceRule, occurrence: Date, now: Date): Promise<number> {
    if (schedule.status !== 'active') return 0;
    const missed: Date[] = [];
    let cursor = schedule.nextRunAt ? new Date(schedule.nextRunAt.getTime() - 1) : occurrence;
    while (missed.length < MAX_MISSED_RECORDED) {
      const next = nextOccurrence(rule, cursor);
      if (!next || next.getTime() > now.getTime()) break;
      if (next.getTime() !== occurrence.getTime()) missed.push(next);
      cursor = next;
    }
    if (missed.length === 0) return 0;
    await tx.query(
      `INSERT INTO schedule_runs (scheduled_job_id, user_id, occurrence_at, outcome, reason, processed_at)
       SELECT $1, $2, at, 'missed', 'no worker processed this occurrence in time', now()
       FROM unnest($3::timestamptz[]) AS at
       ON CONFLICT (scheduled_job_id, occurrence_at) DO NOTHING`,
      [schedule.id, schedule.userId, missed],
    );
    return missed.length;
  }
}

