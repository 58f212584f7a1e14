import { In, QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import {
  approvalGateOf,
  catchUpPlan,
  firesAgain,
  jobQueuedMarker,
  jobSettingsOf,
  JobTemplate,
  expansionCampaignOf,
  isSkipped,
  ruleOf,
  RunOutcome,
  ScheduleJobConfig,
  scheduleJobConfigWith,
  settleOccurrences,
  shiftedReason,
  shiftedRunFate,
} from '@scheduler/entities';
import { isRuleOccurrence } from '@scheduler/queue';
import { blackoutFate, deserializeRule, SKIPPED_REASON, type RecurrenceRule } from '@scheduler/recurrence';
import {
  LOCK,
  LockedSchedule,
  lockedFrom,
  LockValues,
  MATERIALIZE,
  MaterializeValues,
  PLANNING,
  planningFrom,
  PlanningRow,
  PlanningValues,
  RECORD_EVENTS,
  RECORD_MISSED,
  RunValues,
  SETTLE,
  SettlementEvent,
  Statement,
} from './materialize.sql';

/** The Job the occurrence made (or found again), for the content queue. */
export interface MaterializedJob {
  id: string;
  userId: string;
  workspaceId: string;
  scheduledJobId: string | null;
  campaignId: string | null;
  /**
   * True when it must not go to the content queue: it awaits an approval (the approval hands
   * it over), or it was rejected, timed out or cancelled before a redelivery found it again.
   */
  withheld?: boolean;
}

/** A Job the catch-up made for another occurrence than the processed one. */
export interface CaughtUpJob extends MaterializedJob {
  occurrence: Date;
}

/** What became of one occurrence, and what the caller must do in Redis afterwards. */
export interface MaterializeResult {
  outcome: RunOutcome | 'ignored';
  reason?: string;
  /** The Job of the occurrence (new, or found again on a redelivery); handed over unless `withheld`. */
  job?: MaterializedJob;
  /** True when the Job already existed: a repeated occurrence. */
  duplicate?: boolean;
  /**
   * Jobs the catch-up policy fired for other occurrences of the backlog, oldest first: to hand
   * over after the commit and mark (`markQueued`); a crash before that leaves them to the reconciler.
   */
  caughtUp?: CaughtUpJob[];
  /** True when the schedule will not fire again and its scheduler should go. */
  removeScheduler: boolean;
  missedRecorded: number;
  /**
   * The schedule's next run when a `shift` blackout moved it off the rule's occurrences (which
   * its scheduler does not produce): the caller queues its delayed job after the commit.
   */
  shifted?: { at: Date; version: number };
  /**
   * The instant the processed occurrence was shifted to when the user skipped that shifted run
   * beforehand: it gets its delayed job all the same, which records it `skipped` at its instant.
   */
  skippedShift?: { at: Date; version: number };
}

/**
 * The instant a nominal occurrence just recorded `skipped` as shifted (`reason`) moved to, when
 * the user skipped that shifted run and it is still to come (and is no occurrence of the rule,
 * which its scheduler delivers anyway); else null.
 */
function skippedShiftOf(
  schedule: LockedSchedule,
  rule: RecurrenceRule,
  occurrence: Date,
  reason: string | undefined,
  now: Date,
): Date | null {
  if (!schedule.blackouts || schedule.blackouts.length === 0) return null;
  const fate = blackoutFate({ rule, blackouts: schedule.blackouts, campaign: expansionCampaignOf(schedule.campaign) }, occurrence);
  const to = fate?.shifted_to;
  if (!fate || !to || reason !== shiftedReason(to, fate.blackout)) return null;
  return isSkipped(schedule, to) && to.getTime() > now.getTime() && !isOccurrenceOf(rule, to) ? to : null;
}

/** The run history row of an occurrence. */
function runOf(schedule: LockedSchedule, occurrence: Date, outcome: RunOutcome, fields: { reason?: string; error?: string }): RunValues {
  return {
    scheduleId: schedule.id,
    userId: schedule.userId,
    workspaceId: schedule.workspaceId,
    occurrence,
    outcome,
    reason: fields.reason ?? null,
    error: fields.error ?? null,
  };
}

/**
 * Schedules' rules by their stored text (`recurrence_rule`), at most `max` kept: schedules due
 * together often share a rule, and the recurrence package keeps a rule's compiled form per rule
 * object, so a shared rule is deserialized and compiled once rather than twice per occurrence.
 * What `of` returns is what `ruleOf` returns (rules are values, never changed once made); a
 * schedule without a stored rule, or whose stored rule does not read, takes `ruleOf` itself.
 */
export class StoredRules {
  private readonly rules = new Map<string, RecurrenceRule>();

  constructor(private readonly max = 1000) {}

  of(schedule: Parameters<typeof ruleOf>[0]): RecurrenceRule | null {
    if (!schedule.recurrenceRule) return ruleOf(schedule);
    const text = JSON.stringify(schedule.recurrenceRule);
    const known = this.rules.get(text);
    if (known) return known;
    const stored = deserializeRule(text);
    if (!stored) return ruleOf(schedule);
    if (this.rules.size >= this.max) this.rules.clear();
    this.rules.set(text, stored);
    return stored;
  }

  get size(): number {
    return this.rules.size;
  }
}

/** True when `at` is itself an occurrence of the rule. */
const isOccurrenceOf = isRuleOccurrence;

/** Two days: a local date ends at most 14 h after its UTC day (as the API reads blackouts). */
const BLACKOUT_SLACK_MS = 2 * 86_400_000;

/** One occurrence to materialize. */
export interface OccurrenceItem {
  scheduleId: string;
  /** The version its scheduler was written for; null: unknown (any). */
  version: number | null;
  occurrence: Date;
  /** The occurrence is the delayed job of a shifted run (`enqueueShiftedOccurrence`). */
  shifted?: boolean;
}

/** Reads or writes for several occurrences at once: one result per argument, in order. */
type Loader<A, R> = (args: A[]) => Promise<R[]>;

interface Waiter {
  arg: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs the decisions of a batch's occurrences side by side and gathers what they ask of
 * PostgreSQL: a decision that calls `load` waits until every other decision of the batch also
 * waits or is done; then each loader asked for runs once, for all of them. So a batch costs one
 * lock, one planning read, one template read and one write statement whatever its size, while
 * every occurrence is decided by the same code as a single one (a batch of one). The rare
 * branches' own statements (missed runs, failed runs, events) run as the decision reaches them.
 */
class Gathering {
  private running = 0;
  private waiting = new Map<Loader<never, unknown>, Waiter[]>();
  private flushing = false;

  load<A, R>(loader: Loader<A, R>, arg: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const key = loader as Loader<never, unknown>;
      const waiters = this.waiting.get(key) ?? [];
      waiters.push({ arg, resolve: resolve as (value: unknown) => void, reject });
      this.waiting.set(key, waiters);
      this.running -= 1;
      this.flush();
    });
  }

  run<T>(tasks: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    this.running = tasks.length;
    return Promise.allSettled(
      tasks.map(async (task) => {
        try {
          return await task();
        } finally {
          this.running -= 1;
          this.flush();
        }
      }),
    );
  }

  /** Once no decision runs: every loader that was asked, one after another, for all who asked. */
  private flush(): void {
    if (this.running > 0 || this.flushing || this.waiting.size === 0) return;
    const asked = [...this.waiting];
    this.waiting = new Map();
    this.flushing = true;
    void (async () => {
      for (const [loader, waiters] of asked) {
        try {
          const results = await loader(waiters.map((w) => w.arg as never));
          this.running += waiters.length;
          waiters.forEach((w, i) => w.resolve(results[i]));
        } catch (error) {
          this.running += waiters.length;
          for (const w of waiters) w.reject(error);
        }
      }
    })().finally(() => {
      this.flushing = false;
      this.flush();
    });
  }
}

/**
 * The batch in rounds of distinct schedules (indexes into `items`): a schedule's occurrences go
 * one per round, oldest first, so each round's statements touch a schedule once and a later
 * occurrence sees what the earlier one wrote (the lock is already held: no new lock order).
 */
function roundsOf(items: OccurrenceItem[]): number[][] {
  const bySchedule = new Map<string, number[]>();
  items.forEach((item, i) => {
    const list = bySchedule.get(item.scheduleId) ?? [];
    list.push(i);
    bySchedule.set(item.scheduleId, list);
  });
  const rounds: number[][] = [];
  for (const list of bySchedule.values()) {
    list.sort((a, b) => items[a].occurrence.getTime() - items[b].occurrence.getTime());
    list.forEach((index, round) => (rounds[round] ??= []).push(index));
  }
  return rounds;
}

/** The batch statements of one transaction, as loaders for `Gathering`. */
interface Loaders {
  lock: Loader<LockValues, LockedSchedule | null>;
  planning: Loader<PlanningValues, ReturnType<typeof planningFrom>>;
  config: Loader<Pick<LockedSchedule, 'templateId' | 'jobConfig'>, ScheduleJobConfig>;
  write: Loader<MaterializeValues, string | null>;
}

/** Rows that carry their batch `item` (1-based), back in the batch's order. */
function byItem<R extends { item: number }>(count: number, rows: R[]): R[][] {
  const out: R[][] = Array.from({ length: count }, () => []);
  for (const row of rows) out[row.item - 1].push(row);
  return out;
}

/** What the batch's statements need of the transaction's pg client. */
interface PreparedClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * The batch's transaction, one statement at a time: its decisions run side by side, and a pg
 * client takes one query at a time (pg 9 refuses a query sent while one runs). The
 * materializer's statements go to the transaction's pg client as named (prepared) statements,
 * so PostgreSQL parses each once per connection rather than once per batch; a failure throws
 * TypeORM's `QueryFailedError`, as `EntityManager.query` does.
 */
class SerialTx {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly tx: EntityManager) {}

  run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const next = this.last.then(() => work(this.tx));
    this.last = next.catch(() => undefined);
    return next;
  }

  query<V, R = unknown>(statement: Statement<V>, values: V): Promise<R[]> {
    return this.run(async (tx) => {
      const params = statement.bind(values);
      const client = (await tx.queryRunner!.connect()) as PreparedClient;
      try {
        const result = await client.query({ name: statement.name, text: statement.text, values: params });
        return result.rows as R[];
      } catch (error) {
        throw new QueryFailedError(statement.text, params, error as Error);
      }
    });
  }
}

function loadersOf(tx: SerialTx): Loaders {
  return {
    lock: async (args) => {
      const rows = await tx.query<LockValues[], Record<string, unknown> & { item: number }>(LOCK, args);
      return byItem(args.length, rows).map((found) => (found[0] ? lockedFrom(found[0]) : null));
    },
    planning: async (args) => {
      const rows = await tx.query<PlanningValues[], PlanningRow>(PLANNING, args);
      return byItem(args.length, rows).map(planningFrom);
    },
    config: async (schedules) => {
      // PostgreSQL trouble throws: retried, not a schedule error.
      const ids = [...new Set(schedules.map((s) => s.templateId).filter((id): id is string => id !== null))];
      const templates = ids.length > 0 ? await tx.run((m) => m.getRepository(JobTemplate).findBy({ id: In(ids) })) : [];
      const byId = new Map(templates.map((t) => [t.id, t]));
      return schedules.map((s) => scheduleJobConfigWith(s.templateId ? (byId.get(s.templateId) ?? null) : null, s));
    },
    write: async (values) => {
      const rows = await tx.query<MaterializeValues[], { item: number; id: string }>(MATERIALIZE, values);
      return byItem(values.length, rows).map((found) => found[0]?.id ?? null);
    },
  };
}

/**
 * Turns one occurrence of a schedule into exactly one Job, in one PostgreSQL transaction:
 * lock the schedule row, re-check it, insert the Job (unique per schedule and occurrence, so a
 * repeat inserts nothing), then update the counters, `next_run_at` and status. Every
 * occurrence's outcome goes into `schedule_runs`. The occurrences of the schedule no worker
 * processed in time are settled in the same transaction under its `catchup_policy` (the
 * lifecycle's `settleOccurrences`): recorded missed in one statement, and those it fires made
 * into Jobs one after another. A typical occurrence costs five round trips (begin,
 * lock-and-read, the user's skips and blackouts, write, commit): its `job.created` outbox event
 * is part of the write; a failed run or an ended schedule adds one INSERT of its events. A batch
 * of occurrences (`materializeBatch`) costs the same five round trips (plus one template read
 * when any has a template) whatever its size.
 */
export class MaterializeService {
  /** Records that a Job was handed to the content queue (`jobs.queued_at`). */
  readonly markQueued: (jobId: string) => Promise<unknown>;
  private readonly rules = new StoredRules();

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.markQueued = jobQueuedMarker(dataSource);
  }

  /** `shifted`: the occurrence is a delayed job of a shifted run (`enqueueShiftedOccurrence`). */
  async materialize(scheduleId: string, version: number | null, occurrence: Date, shifted = false): Promise<MaterializeResult> {
    const [result] = await this.materializeBatch([{ scheduleId, version, occurrence, shifted }]);
    return result;
  }

  /**
   * Materializes a batch of occurrences in ONE transaction: each round (`roundsOf`: distinct
   * schedules) locks its schedules in one statement, reads their skips and blackouts in one, their
   * templates in one, and writes all plain materializations (Jobs, run rows, `job.created`,
   * schedules) in one; each occurrence is decided as `materialize` decides a single one. One
   * result per item, in order. A failure anywhere rolls the whole batch back and throws: the
   * caller retries its occurrences one by one (`materialize`), so one bad occurrence fails alone.
   */
  async materializeBatch(items: OccurrenceItem[]): Promise<MaterializeResult[]> {
    if (items.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      const tx = new SerialTx(manager);
      const results: MaterializeResult[] = new Array<MaterializeResult>(items.length);
      for (const round of roundsOf(items)) {
        const gathering = new Gathering();
        const loaders = loadersOf(tx);
        const settled = await gathering.run(round.map((i) => () => this.decide(tx, gathering, loaders, items[i])));
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
        settled.forEach((s, k) => {
          if (s.status === 'fulfilled') results[round[k]] = s.value;
        });
      }
      return results;
    });
  }

  /** What becomes of one occurrence (inside the batch's transaction, its reads and write gathered). */
  private async decide(tx: SerialTx, gathering: Gathering, loaders: Loaders, item: OccurrenceItem): Promise<MaterializeResult> {
    const { scheduleId, version, occurrence } = item;
    const shifted = item.shifted === true;
    const schedule = await gathering.load(loaders.lock, { scheduleId, occurrence });
    if (!schedule) return { outcome: 'ignored', reason: 'schedule deleted', removeScheduler: true, missedRecorded: 0 };

    // A duplicate delivery of an occurrence that already produced its Job: hand the same Job on.
    // One awaiting approval, or cancelled (rejected, timed out) before it was approved, is not.
    if (schedule.existingJobId) {
      const withheld = schedule.existingJobStatus === 'awaiting_approval' || schedule.existingJobStatus === 'cancelled';
      const job = {
        id: schedule.existingJobId,
        userId: schedule.userId,
        workspaceId: schedule.workspaceId,
        scheduledJobId: schedule.id,
        campaignId: schedule.campaignId,
        withheld,
      };
      return { outcome: 'materialized', job, duplicate: true, removeScheduler: false, missedRecorded: 0 };
    }
    const rule = this.rules.of(schedule);
    // The delayed job of a shifted run (an instant the rule does not fire at): the expansion with
    // the current rule, skips and blackouts decides it below, whatever version queued it (an
    // edit or a skip elsewhere bumps the version; the job's id, and so the job, stays the same).
    const shiftedRun = shifted && rule !== null && !isOccurrenceOf(rule, occurrence);
    if (!shiftedRun && version !== null && version !== schedule.version && !(rule && isOccurrenceOf(rule, occurrence))) {
      // Written for an older rule that no longer fires at this instant; the current scheduler
      // carries the new one. (After a change of config only, the instant still fires, with the
      // current config: the update must not swallow an occurrence already on its way.)
      return { outcome: 'ignored', reason: 'stale version', removeScheduler: false, missedRecorded: 0 };
    }

    // Taken right after the lock, as before the skips' read (lateness is measured from here).
    const now = this.now();
    // The user's skips and the blackouts the settlement can reach, read under the lock (a skip
    // or a blackout change and an occurrence serialize on it), in one round trip.
    const from = new Date(Math.min(occurrence.getTime(), schedule.nextRunAt?.getTime() ?? Infinity));
    const planning = await gathering.load(loaders.planning, {
      scheduleId: schedule.id,
      from,
      workspaceId: schedule.workspaceId,
      campaignId: schedule.campaignId,
      fromDate: new Date(from.getTime() - BLACKOUT_SLACK_MS).toISOString().slice(0, 10),
    });
    Object.assign(schedule, planning);
    if (shiftedRun && rule) {
      // Paused, ended or in error since it was queued: nothing fires and nothing is recorded (as
      // for the rule's occurrences, whose scheduler such a schedule no longer has).
      if (schedule.status !== 'active')
        return { outcome: 'ignored', reason: 'schedule not active', removeScheduler: false, missedRecorded: 0 };
      const fate = shiftedRunFate(schedule, rule, occurrence, schedule.campaign);
      if (fate === 'skipped') {
        // The user skipped the shifted run: recorded `skipped` at its instant, as the user's other
        // skips, once (a redelivery finds the row and writes nothing; `next_run_at` already moved
        // past it when the skip was made).
        await tx.query(RECORD_MISSED, {
          scheduleId: schedule.id,
          userId: schedule.userId,
          workspaceId: schedule.workspaceId,
          missed: [occurrence],
          reasons: [SKIPPED_REASON],
          outcomes: ['skipped'],
        });
        return { outcome: 'skipped', reason: SKIPPED_REASON, removeScheduler: false, missedRecorded: 0 };
      }
      // The delayed job of a shifted run that no longer happens (its blackout was changed or deleted).
      if (fate === 'withdrawn') return { outcome: 'ignored', reason: 'shifted run withdrawn', removeScheduler: false, missedRecorded: 0 };
    }

    const plan = schedule.status === 'active' && rule ? catchUpPlan(schedule, rule, occurrence, now) : null;
    // The Job's config, needed only when something fires.
    let job: { config: Record<string, unknown>; templateId: string | null } | null = null;
    let configError: string | null = null;
    if (plan && plan.fire.length > 0) {
      // PostgreSQL trouble throws: retried, not a schedule error.
      const made = await gathering.load(loaders.config, schedule);
      if (made.problem) configError = made.problem.message;
      else job = { config: made.config, templateId: made.templateId };
    }

    const settlement = settleOccurrences(schedule, rule, occurrence, now, configError, plan);
    // Events the statements below do not write themselves (`job.created` and the missed runs'
    // `run.missed` are part of MATERIALIZE and RECORD_MISSED): one more statement, only when any.
    const events: SettlementEvent[] = [];
    const statusBefore = schedule.status;
    if (settlement.missed.length > 0) {
      await tx.query(RECORD_MISSED, {
        scheduleId: schedule.id,
        userId: schedule.userId,
        workspaceId: schedule.workspaceId,
        missed: settlement.missed.map((m) => m.at),
        reasons: settlement.missed.map((m) => m.reason),
        outcomes: settlement.missed.map((m) => m.outcome ?? 'missed'),
      });
    }
    const missedRecorded = settlement.missed.filter((m) => m.at.getTime() !== occurrence.getTime()).length;
    const result: MaterializeResult = { outcome: 'missed', removeScheduler: false, missedRecorded };
    const own = settlement.missed.find((m) => m.at.getTime() === occurrence.getTime());
    if (own) Object.assign(result, { outcome: own.outcome ?? 'missed', reason: own.reason });
    const caughtUp: CaughtUpJob[] = [];
    // A gated Job is written `awaiting_approval` with its deadline, and is not handed over.
    const gate = approvalGateOf(schedule, schedule.campaign);

    for (const step of settlement.settled) {
      const processed = step.at.getTime() === occurrence.getTime();
      Object.assign(schedule, step.state);
      if (step.outcome !== 'materialized' || !job) {
        await tx.query(SETTLE, { ...runOf(schedule, step.at, step.outcome, step), ...step.state });
        if (step.outcome === 'failed' || step.outcome === 'missed') {
          events.push({
            type: `run.${step.outcome}`,
            data: {
              schedule_id: schedule.id,
              occurrence: step.at.toISOString(),
              outcome: step.outcome,
              reason: step.reason ?? null,
              error: step.error ?? null,
            },
          });
        }
        if (processed) Object.assign(result, { outcome: step.outcome, reason: step.reason ?? step.error });
        continue;
      }
      const s = jobSettingsOf(job.config);
      const insertedId = await gathering.load(loaders.write, {
        ...runOf(schedule, step.at, 'materialized', {}),
        ...step.state,
        campaignId: schedule.campaignId,
        templateId: job.templateId,
        scheduledJobName: schedule.name,
        config: JSON.stringify(job.config),
        ...s,
        country: s.country?.slice(0, 2) ?? null,
        language: s.language?.slice(0, 35) ?? null,
        jobStatus: gate.gated ? 'awaiting_approval' : 'pending',
        approvalTimeoutHours: gate.timeoutHours,
        queuedNow: processed && !gate.gated,
      });
      if (insertedId === null) {
        // Only reachable if something wrote the Job without taking the schedule lock (the
        // schedule's state was not written either): stop here.
        return { ...result, outcome: 'materialized', reason: undefined, duplicate: processed, caughtUp };
      }
      const made = {
        id: insertedId,
        userId: schedule.userId,
        workspaceId: schedule.workspaceId,
        scheduledJobId: schedule.id,
        campaignId: schedule.campaignId,
        withheld: gate.gated,
      };
      if (processed) Object.assign(result, { outcome: 'materialized', reason: undefined, job: made });
      else caughtUp.push({ ...made, occurrence: step.at });
    }
    if (caughtUp.length > 0) result.caughtUp = caughtUp;
    if (schedule.status !== statusBefore && (schedule.status === 'completed' || schedule.status === 'error')) {
      events.push({
        type: `schedule.${schedule.status}`,
        data: {
          schedule_id: schedule.id,
          campaign_id: schedule.campaignId,
          status: schedule.status,
          run_count: schedule.runCount,
          ...(schedule.status === 'error' ? { error: schedule.lastError } : {}),
        },
      });
    }
    if (events.length > 0) {
      await tx.query(RECORD_EVENTS, {
        workspaceId: schedule.workspaceId,
        types: events.map((e) => e.type),
        payloads: events.map((e) => JSON.stringify(e.data)),
      });
    }
    result.removeScheduler = !firesAgain(schedule);
    if (rule && firesAgain(schedule) && schedule.nextRunAt && !isOccurrenceOf(rule, schedule.nextRunAt)) {
      result.shifted = { at: schedule.nextRunAt, version: schedule.version };
    }
    const skippedShift = rule && result.outcome === 'skipped' ? skippedShiftOf(schedule, rule, occurrence, result.reason, now) : null;
    if (skippedShift) result.skippedShift = { at: skippedShift, version: schedule.version };
    return result;
  }
}
