import type { DataSource, EntityManager } from 'typeorm';
import {
  Campaign,
  Job,
  JobTemplate,
  MAX_CONSECUTIVE_ERRORS,
  jobSettingsOf,
  mergeJobConfig,
  nextRunAfter,
  ruleOf,
  RunOutcome,
  ScheduledJob,
} from '@scheduler/entities';
import { nextOccurrence, RecurrenceRule } from '@scheduler/recurrence';

/** At most this many missed occurrences are written per processed occurrence. */
export const MAX_MISSED_RECORDED = 1000;

/** What became of one occurrence, and what the caller must do in Redis afterwards. */
export interface MaterializeResult {
  outcome: RunOutcome | 'ignored';
  reason?: string;
  /** The Job to hand to the content queue (new, or found again on a redelivery). */
  job?: Pick<Job, 'id' | 'userId' | 'scheduledJobId' | 'campaignId'>;
  /** True when the Job already existed: a repeated occurrence. */
  duplicate?: boolean;
  /** True when the schedule will not fire again and its scheduler should go. */
  removeScheduler: boolean;
  missedRecorded: number;
  /** The schedule's row after the run (null if it no longer exists). */
  schedule: ScheduledJob | null;
}

class RunFailure extends Error {}

/**
 * Turns one occurrence of a schedule into exactly one Job, in one PostgreSQL transaction:
 * lock the schedule row, re-check it, insert the Job (unique per schedule and occurrence, so a
 * repeat inserts nothing), then update the counters, `next_run_at` and status. Every
 * occurrence's outcome goes into `schedule_runs`.
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
    const schedules = tx.getRepository(ScheduledJob);
    const schedule = await schedules.findOne({ where: { id: scheduleId }, lock: { mode: 'pessimistic_write' } });
    if (!schedule) return { outcome: 'ignored', reason: 'schedule deleted', removeScheduler: true, missedRecorded: 0, schedule: null };

    // A duplicate delivery of an occurrence that already produced its Job: hand the same Job on.
    const existing = await tx.getRepository(Job).findOne({
      select: { id: true, userId: true, scheduledJobId: true, campaignId: true },
      where: { scheduledJobId: scheduleId, scheduledFor: occurrence },
    });
    if (existing) {
      return { outcome: 'materialized', job: existing, duplicate: true, removeScheduler: false, missedRecorded: 0, schedule };
    }
    if (version !== null && version !== schedule.version) {
      // Written for an older version of the schedule; the current scheduler carries the new one.
      return { outcome: 'ignored', reason: 'stale version', removeScheduler: false, missedRecorded: 0, schedule };
    }

    const now = this.now();
    const rule = ruleOf(schedule);
    const campaign = schedule.campaignId ? await tx.getRepository(Campaign).findOneBy({ id: schedule.campaignId }) : null;
    const missedRecorded = rule ? await this.recordMissedBefore(tx, schedule, rule, occurrence) : 0;
    const done = async (outcome: RunOutcome, fields: { reason?: string; error?: string; jobId?: string }, finished: boolean) => {
      await this.recordRun(tx, schedule, occurrence, outcome, fields);
      this.advance(schedule, rule, occurrence, now, campaign);
      if (finished) schedule.nextRunAt = null;
      await schedules.save(schedule);
      return {
        outcome,
        reason: fields.reason ?? fields.error,
        removeScheduler: schedule.status !== 'active' || schedule.nextRunAt === null,
        missedRecorded,
        schedule,
      } satisfies MaterializeResult;
    };

    if (schedule.status !== 'active') {
      return done('skipped', { reason: `schedule ${schedule.status}` }, false);
    }
    if (!rule) {
      schedule.status = 'error';
      schedule.lastError = 'the stored recurrence rule is no longer valid';
      return done('failed', { error: schedule.lastError }, true);
    }
    if (schedule.maxRuns !== null && schedule.runCount >= schedule.maxRuns) {
      schedule.status = 'completed';
      return done('skipped', { reason: 'max_runs reached' }, true);
    }
    if (rule.end && occurrence.getTime() > new Date(rule.end).getTime()) {
      schedule.status = 'expired';
      return done('skipped', { reason: 'after recurrence_end_date' }, true);
    }
    if (campaign) {
      if (campaign.endDate && occurrence.getTime() > campaign.endDate.getTime()) {
        schedule.status = 'expired';
        return done('skipped', { reason: 'after campaign end_date' }, true);
      }
      if (campaign.status === 'completed' || campaign.status === 'archived') {
        schedule.status = 'expired';
        return done('skipped', { reason: `campaign ${campaign.status}` }, true);
      }
      if (campaign.status === 'paused') return done('skipped', { reason: 'campaign paused' }, false);
      if (campaign.startDate && occurrence.getTime() < campaign.startDate.getTime()) {
        return done('skipped', { reason: 'before campaign start_date' }, false);
      }
    }
    const lateSeconds = (now.getTime() - occurrence.getTime()) / 1000;
    if (lateSeconds > schedule.misfireGraceSeconds) {
      return done('missed', { reason: `processed ${Math.round(lateSeconds)}s late, grace is ${schedule.misfireGraceSeconds}s` }, false);
    }

    try {
      const template = schedule.templateId ? await tx.getRepository(JobTemplate).findOneBy({ id: schedule.templateId }) : null;
      const config = mergeJobConfig(template, schedule.jobConfig);
      if (typeof config.publisher_domain !== 'string' || config.publisher_domain.length === 0) {
        throw new RunFailure('the merged job config has no publisher_domain');
      }
      const inserted: { id: string }[] = await tx.query(
        `INSERT INTO jobs (user_id, campaign_id, template_id, scheduled_job_id, scheduled_for, status, config,
                           publisher_domain, llm_provider, llm_model, writing_strategy, country, language)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (scheduled_job_id, scheduled_for) DO NOTHING
         RETURNING id`,
        (() => {
          const s = jobSettingsOf(config);
          return [
            schedule.userId,
            schedule.campaignId,
            template?.id ?? null,
            schedule.id,
            occurrence,
            JSON.stringify(config),
            s.publisherDomain,
            s.llmProvider,
            s.llmModel,
            s.writingStrategy,
            s.country?.slice(0, 2) ?? null,
            s.language?.slice(0, 35) ?? null,
          ];
        })(),
      );
      if (inserted.length === 0) {
        // Raced with another worker that committed the same occurrence after our lookup.
        return { outcome: 'materialized', duplicate: true, removeScheduler: false, missedRecorded, schedule };
      }
      const jobId = inserted[0].id;
      schedule.runCount += 1;
      schedule.lastRunAt = occurrence;
      schedule.consecutiveErrors = 0;
      const result = await done('materialized', { jobId }, false);
      return {
        ...result,
        job: { id: jobId, userId: schedule.userId, scheduledJobId: schedule.id, campaignId: schedule.campaignId },
      };
    } catch (error) {
      if (!(error instanceof RunFailure)) throw error; // PostgreSQL trouble: retried, not a schedule error
      schedule.errorCount += 1;
      schedule.consecutiveErrors += 1;
      schedule.lastError = error.message;
      const stop = schedule.consecutiveErrors >= MAX_CONSECUTIVE_ERRORS;
      if (stop) schedule.status = 'error';
      return done('failed', { error: error.message }, stop);
    }
  }

  /**
   * Moves `next_run_at` past this occurrence (and past now: occurrences between them are not
   * fired; they were recorded as missed) and settles the status when no run is left.
   */
  private advance(schedule: ScheduledJob, rule: RecurrenceRule | null, occurrence: Date, now: Date, campaign: Campaign | null): void {
    if (schedule.status !== 'active' || !rule) return;
    if (schedule.maxRuns !== null && schedule.runCount >= schedule.maxRuns) {
      schedule.status = 'completed';
      schedule.nextRunAt = null;
      return;
    }
    const after = new Date(Math.max(occurrence.getTime(), now.getTime()));
    const next = nextRunAfter(rule, after, campaign);
    schedule.nextRunAt = next;
    if (!next) schedule.status = schedule.runCount > 0 ? 'completed' : 'expired';
  }

  /**
   * Occurrences between the schedule's recorded `next_run_at` and this one never reached a
   * worker (Redis lost them, or no worker was up): record them as missed, and so those between
   * this occurrence and now, which the scheduler will not produce either.
   */
  private async recordMissedBefore(tx: EntityManager, schedule: ScheduledJob, rule: RecurrenceRule, occurrence: Date): Promise<number> {
    if (schedule.status !== 'active') return 0;
    const missed: Date[] = [];
    const now = this.now();
    let cursor = schedule.nextRunAt ? new Date(schedule.nextRunAt.getTime() - 1) : occurrence;
    while (missed.length < MAX_MISSED_RECORDED) {
      const next = nextOccurrence(rule, cursor);
      if (!next || next.getTime() > now.getTime()) break;
      if (next.getTime() !== occurrence.getTime()) missed.push(next);
      cursor = next;
    }
    for (const at of missed) {
      await this.recordRun(tx, schedule, at, 'missed', { reason: 'no worker processed this occurrence in time' }, false);
    }
    return missed.length;
  }

  private async recordRun(
    tx: EntityManager,
    schedule: ScheduledJob,
    occurrence: Date,
    outcome: RunOutcome,
    fields: { reason?: string; error?: string; jobId?: string },
    overwrite = true,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO schedule_runs (scheduled_job_id, user_id, occurrence_at, outcome, job_id, reason, error, processed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (scheduled_job_id, occurrence_at) DO ${
         overwrite
           ? `UPDATE SET outcome = EXCLUDED.outcome, job_id = EXCLUDED.job_id, reason = EXCLUDED.reason,
              error = EXCLUDED.error, processed_at = EXCLUDED.processed_at
              WHERE schedule_runs.outcome <> 'materialized'`
           : 'NOTHING'
       }`,
      [schedule.id, schedule.userId, occurrence, outcome, fields.jobId ?? null, fields.reason ?? null, fields.error ?? null],
    );
  }
}
