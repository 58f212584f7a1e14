import type { DataSource, EntityManager } from 'typeorm';
import {
  decideOccurrence,
  failedRun,
  firedRun,
  firesAgain,
  JobTemplate,
  jobSettingsOf,
  mergeJobConfig,
  ruleOf,
  RunOutcome,
  ScheduleLifecycle,
} from '@scheduler/entities';
import { nextOccurrence, RecurrenceRule } from '@scheduler/recurrence';
import { LOCK, LockedSchedule, lockedFrom, MATERIALIZE, RECORD_MISSED, RunValues, SETTLE } from './materialize.sql';

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

/** The run history row of an occurrence. */
function runOf(schedule: LockedSchedule, occurrence: Date, outcome: RunOutcome, fields: { reason?: string; error?: string }): RunValues {
  return { scheduleId: schedule.id, userId: schedule.userId, occurrence, outcome, reason: fields.reason ?? null, error: fields.error ?? null };
}

/** True when `at` is itself an occurrence of the rule. */
function isOccurrenceOf(rule: RecurrenceRule, at: Date): boolean {
  return nextOccurrence(rule, new Date(at.getTime() - 1))?.getTime() === at.getTime();
}

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
    const rows: Record<string, unknown>[] = await tx.query(LOCK.text, LOCK.bind({ scheduleId, occurrence }));
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
      await tx.query(SETTLE.text, SETTLE.bind({ ...runOf(schedule, occurrence, outcome, fields), ...state }));
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
    let templateId: string | null;
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

    const state = firedRun(schedule, decision.rule, occurrence, now);
    Object.assign(schedule, state);
    const s = jobSettingsOf(config);
    const inserted: { id: string }[] = await tx.query(
      MATERIALIZE.text,
      MATERIALIZE.bind({
        ...runOf(schedule, occurrence, 'materialized', {}),
        ...state,
        campaignId: schedule.campaignId,
        templateId,
        config: JSON.stringify(config),
        ...s,
        country: s.country?.slice(0, 2) ?? null,
        language: s.language?.slice(0, 35) ?? null,
      }),
    );
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
    await tx.query(RECORD_MISSED.text, RECORD_MISSED.bind({ scheduleId: schedule.id, userId: schedule.userId, missed }));
    return missed.length;
  }
}

