import { In, IsNull, LessThanOrEqual, Not, type FindOptionsWhere } from 'typeorm';
import {
  Campaign,
  JobTemplate,
  afterEdit,
  canPause,
  canResume,
  changesFiring,
  firesAgain,
  nextRunAfter,
  notActiveReason,
  paused,
  resumed,
  ruleOf,
  ScheduledJob,
  ScheduledJobStatus,
  ScheduleEdit,
  ScheduleRun,
  skippedWhilePaused,
  upcomingRuns,
} from '@scheduler/entities';
import { describeOccurrence, nextOccurrences, parseSchedule, RecurrenceRule, ScheduleInput } from '@scheduler/recurrence';
import { AfterCommitReport, removeScheduler, syncSchedulerAfterCommit } from '@scheduler/queue';
import type { AppDeps } from '../deps';
import { copySentFields } from '../http/fields';
import { conflict, FieldError, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import type { Page } from '../http/pagination';
import { CreateScheduleDto, RULE_FIELDS, UpdateScheduleDto } from './schedule.dto';

export interface ScheduleFilters {
  campaignId?: string;
  status?: ScheduledJobStatus;
  upcomingOnly: boolean;
}

type RuleFields = Pick<CreateScheduleDto, (typeof RULE_FIELDS)[number]>;

function scheduleInputOf(dto: RuleFields): ScheduleInput {
  return {
    schedule_type: dto.schedule_type,
    scheduled_at: dto.scheduled_at,
    recurrence_pattern: dto.recurrence_pattern,
    recurrence_end_date: dto.recurrence_end_date,
    timezone: dto.timezone,
    max_runs: dto.max_runs,
  };
}

function ruleOrThrow(input: ScheduleInput, now: Date, requireFutureStart: boolean): RecurrenceRule {
  const parsed = parseSchedule(input, { now, requireFutureStart });
  if (!parsed.ok) throw validationFailed(parsed.errors);
  return parsed.rule;
}

/** Writes the rule's fields onto the row exactly as the recurrence package normalized them. */
function applyRule(schedule: ScheduledJob, rule: RecurrenceRule, maxRuns: unknown): void {
  schedule.recurrenceRule = rule;
  schedule.scheduleType = rule.type;
  schedule.scheduledAt = new Date(rule.start);
  schedule.recurrencePattern = rule.pattern;
  schedule.recurrenceEndDate = rule.end ? new Date(rule.end) : null;
  schedule.timezone = rule.timezone;
  schedule.maxRuns = typeof maxRuns === 'number' ? maxRuns : null;
}

export class ScheduleService {
  constructor(private readonly deps: AppDeps) {}

  private get repo() {
    return this.deps.dataSource.getRepository(ScheduledJob);
  }

  private async ownCampaign(userId: string, id: string | null | undefined): Promise<Campaign | null> {
    if (!id) return null;
    const campaign = await this.deps.dataSource.getRepository(Campaign).findOneBy({ id, userId });
    if (!campaign) throw notFound('Campaign');
    return campaign;
  }

  private async ownTemplate(userId: string, id: string | null | undefined): Promise<void> {
    if (!id) return;
    const found = await this.deps.dataSource.getRepository(JobTemplate).existsBy({ id, userId });
    if (!found) throw notFound('Template');
  }

  /**
   * Puts the schedule's BullMQ job scheduler in step with the row (after the commit). Redis
   * failing here loses nothing: PostgreSQL holds the schedule, and the worker's reconciler
   * repairs the scheduler within one reconcile interval (the after-commit policy of
   * `syncSchedulerAfterCommit`: logged and counted).
   */
  private async sync(schedule: ScheduledJob, rule: RecurrenceRule | null): Promise<void> {
    const firing = firesAgain(schedule) ? rule : null;
    await syncSchedulerAfterCommit(
      this.deps.occurrenceQueue,
      { id: schedule.id, version: schedule.version, rule: firing },
      this.afterCommit,
    );
  }

  private get afterCommit(): AfterCommitReport {
    return { logger: this.deps.logger, syncFailures: this.deps.metrics.api.syncFailures };
  }

  async create(userId: string, dto: CreateScheduleDto): Promise<ScheduledJob> {
    const now = this.deps.now();
    const rule = ruleOrThrow(scheduleInputOf(dto), now, true);
    const campaign = await this.ownCampaign(userId, dto.campaign_id);
    await this.ownTemplate(userId, dto.template_id);
    const nextRunAt = nextRunAfter(rule, now, campaign);
    if (!nextRunAt) {
      const field: FieldError = campaign
        ? { field: 'campaign_id', message: "the schedule has no run inside the campaign's start and end dates" }
        : { field: 'recurrence_end_date', message: 'the schedule has no run before its end date' };
      throw validationFailed([field]);
    }
    // Fields the body left out take their column's default (returned by the insert).
    const schedule = this.repo.create({
      userId,
      description: null,
      campaignId: null,
      templateId: null,
      status: 'active',
      nextRunAt,
      version: 1,
    });
    copySentFields(schedule, dto, RULE_FIELDS);
    applyRule(schedule, rule, dto.max_runs);
    const saved = await this.repo.save(schedule);
    await this.sync(saved, rule);
    return saved;
  }

  async list(userId: string, filters: ScheduleFilters, page: Page): Promise<[ScheduledJob[], number]> {
    const where: FindOptionsWhere<ScheduledJob> = { userId };
    if (filters.campaignId) where.campaignId = filters.campaignId;
    if (filters.status) where.status = filters.status;
    if (filters.upcomingOnly) {
      if (filters.status && filters.status !== 'active') return [[], 0];
      where.status = 'active';
      where.nextRunAt = Not(IsNull());
    }
    return this.repo.findAndCount({
      where,
      order: { nextRunAt: { direction: 'ASC', nulls: 'LAST' }, createdAt: 'DESC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  async upcoming(userId: string, hours: number, page: Page) {
    const now = this.deps.now();
    const cutoff = new Date(now.getTime() + hours * 3_600_000);
    const [schedules, total] = await this.repo.findAndCount({
      where: { userId, status: 'active', nextRunAt: LessThanOrEqual(cutoff) },
      order: { nextRunAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    const campaignIds = [...new Set(schedules.map((s) => s.campaignId).filter((id): id is string => !!id))];
    const campaigns = campaignIds.length ? await this.deps.dataSource.getRepository(Campaign).findBy({ userId, id: In(campaignIds) }) : [];
    return { cutoff, total, schedules, campaigns: new Map(campaigns.map((c) => [c.id, c])) };
  }

  /** The user's schedule, or a 404 (also for another user's schedule). */
  async get(userId: string, id: string): Promise<ScheduledJob> {
    const schedule = await this.repo.findOneBy({ id, userId });
    if (!schedule) throw notFound('Scheduled job');
    return schedule;
  }

  /**
   * Partial update. A change to any field that decides when or what the schedule fires bumps
   * `version`, recomputes `next_run_at` from now, and re-writes the scheduler. A finished
   * (completed or expired) schedule whose new rule has runs left becomes active again, and so
   * does one in `error` whose rule, campaign, template or `job_config` is changed.
   */
  async update(userId: string, id: string, dto: UpdateScheduleDto, expected?: IfMatch): Promise<ScheduledJob> {
    const now = this.deps.now();
    const { schedule, rule } = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(ScheduledJob);
      const schedule = await repo.findOne({ where: { id, userId }, lock: { mode: 'pessimistic_write' } });
      if (!schedule) throw notFound('Scheduled job');
      assertMatches(expected, schedule, 'Schedule');
      const ruleChanged = RULE_FIELDS.some((f) => dto[f] !== undefined);
      const campaignChanged = dto.campaign_id !== undefined && dto.campaign_id !== schedule.campaignId;
      const campaign = await this.ownCampaign(userId, dto.campaign_id === undefined ? schedule.campaignId : dto.campaign_id);
      if (dto.template_id !== undefined) await this.ownTemplate(userId, dto.template_id);

      let rule = ruleOf(schedule);
      if (ruleChanged) {
        const pick = <T>(sent: unknown, stored: T): unknown => (sent !== undefined ? sent : stored);
        const input: ScheduleInput = {
          schedule_type: pick(dto.schedule_type, schedule.scheduleType),
          // The stored rule's wall-clock start keeps a gap-shifted first run at its requested time.
          scheduled_at: pick(dto.scheduled_at, rule?.wall ?? schedule.scheduledAt),
          recurrence_pattern: pick(dto.recurrence_pattern, schedule.recurrencePattern),
          recurrence_end_date: pick(dto.recurrence_end_date, schedule.recurrenceEndDate),
          timezone: pick(dto.timezone, schedule.timezone),
          max_runs: pick(dto.max_runs, schedule.maxRuns),
        };
        // A changed type, pattern or zone is a new rule: its start must be in the future too.
        const requireFuture = dto.scheduled_at !== undefined;
        rule = ruleOrThrow(input, now, requireFuture);
        applyRule(schedule, rule, input.max_runs);
      }
      copySentFields(schedule, dto, RULE_FIELDS);

      const edit: ScheduleEdit = {
        ruleChanged,
        campaignChanged,
        templateChanged: dto.template_id !== undefined,
        jobConfigChanged: dto.job_config !== undefined,
      };
      if (changesFiring(edit)) schedule.version += 1;
      Object.assign(schedule, afterEdit(schedule, edit, rule, now, campaign));
      return { schedule: await repo.save(schedule), rule };
    });
    await this.sync(schedule, rule);
    return schedule;
  }

  async remove(userId: string, id: string, expected?: IfMatch): Promise<void> {
    const result = await this.deps.dataSource.transaction(async (tx) => {
      if (expected !== undefined) {
        const schedule = await tx.getRepository(ScheduledJob).findOne({ where: { id, userId }, lock: { mode: 'pessimistic_write' } });
        if (schedule) assertMatches(expected, schedule, 'Schedule');
      }
      return tx.getRepository(ScheduledJob).delete({ id, userId });
    });
    if (!result.affected) throw notFound('Scheduled job');
    await removeScheduler(this.deps.occurrenceQueue, id, this.afterCommit);
  }

  /** Stops an active schedule; its runs until resume are skipped. */
  async pause(userId: string, id: string): Promise<ScheduledJob> {
    const schedule = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(ScheduledJob);
      const schedule = await repo.findOne({ where: { id, userId }, lock: { mode: 'pessimistic_write' } });
      if (!schedule) throw notFound('Scheduled job');
      if (!canPause(schedule.status)) throw conflict(`Only an active schedule can be paused (status is ${schedule.status})`);
      Object.assign(schedule, paused(schedule));
      schedule.version += 1;
      return repo.save(schedule);
    });
    await this.sync(schedule, null);
    return schedule;
  }

  /**
   * Resumes a paused schedule from the next occurrence after now. The runs it did not make
   * while paused are not made up; they are recorded in its run history as `skipped` (`schedule
   * paused`, at most `MAX_MISSED_RECORDED`), in the same transaction: `skippedWhilePaused`.
   */
  async resume(userId: string, id: string): Promise<ScheduledJob> {
    const now = this.deps.now();
    const { schedule, rule } = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(ScheduledJob);
      const schedule = await repo.findOne({ where: { id, userId }, lock: { mode: 'pessimistic_write' } });
      if (!schedule) throw notFound('Scheduled job');
      if (!canResume(schedule.status)) throw conflict(`Only a paused schedule can be resumed (status is ${schedule.status})`);
      const rule = ruleOf(schedule);
      const campaign = schedule.campaignId ? await tx.getRepository(Campaign).findOneBy({ id: schedule.campaignId }) : null;
      const runs = tx.getRepository(ScheduleRun);
      const last = await runs.findOne({
        select: { occurrenceAt: true },
        where: { scheduledJobId: schedule.id },
        order: { occurrenceAt: 'DESC' },
      });
      const settled = [last?.occurrenceAt, schedule.lastRunAt].filter((d): d is Date => d instanceof Date);
      const since = settled.length ? new Date(Math.max(...settled.map((d) => d.getTime()))) : null;
      const skipped = skippedWhilePaused(schedule, rule, since, now, campaign);
      if (skipped.length > 0) {
        await runs
          .createQueryBuilder()
          .insert()
          .values(
            skipped.map((at) => ({
              scheduledJobId: schedule.id,
              userId,
              occurrenceAt: at,
              outcome: 'skipped' as const,
              reason: notActiveReason('paused'),
            })),
          )
          .orIgnore()
          .execute();
      }
      Object.assign(schedule, resumed(schedule, rule, now, campaign));
      schedule.version += 1;
      return { schedule: await repo.save(schedule), rule };
    });
    await this.sync(schedule, rule);
    return schedule;
  }

  /** The next `count` fire instants of a create body (its `scheduled_at` may be in the past). */
  async previewOf(userId: string, dto: CreateScheduleDto, count: number) {
    const rule = ruleOrThrow(scheduleInputOf(dto), this.deps.now(), false);
    // Validated like a create: references must be the user's own.
    await this.ownCampaign(userId, dto.campaign_id);
    await this.ownTemplate(userId, dto.template_id);
    const from = new Date(new Date(rule.start).getTime() - 1);
    return previewResponse(rule, nextOccurrences(rule, from, count));
  }

  async preview(userId: string, id: string, count: number) {
    const schedule = await this.get(userId, id);
    const rule = ruleOf(schedule);
    if (!rule) return { timezone: schedule.timezone, occurrences: [] };
    const now = this.deps.now();
    // From the pending run if it is still due, else from now.
    const from = schedule.nextRunAt && schedule.nextRunAt.getTime() <= now.getTime() ? new Date(schedule.nextRunAt.getTime() - 1) : now;
    const campaign = schedule.campaignId ? await this.deps.dataSource.getRepository(Campaign).findOneBy({ id: schedule.campaignId }) : null;
    // The runs it will really make: inside the campaign's dates, up to the runs left.
    return previewResponse(rule, upcomingRuns(schedule, rule, from, campaign, count));
  }

  async runs(userId: string, id: string, page: Page): Promise<[ScheduleRun[], number]> {
    await this.get(userId, id);
    return this.deps.dataSource.getRepository(ScheduleRun).findAndCount({
      where: { scheduledJobId: id, userId },
      order: { occurrenceAt: 'DESC' },
      take: page.limit,
      skip: page.offset,
    });
  }
}

function previewResponse(rule: RecurrenceRule, occurrences: Date[]) {
  return { timezone: rule.timezone, occurrences: occurrences.map((at) => describeOccurrence(rule, at)) };
}

/**
 * The next `count` runs of a user's active schedules (optionally of one campaign), soonest
 * first: each schedule contributes its own next few occurrences, so a daily schedule shows
 * several days.
 */
export async function upcomingRunsOf(
  deps: AppDeps,
  scope: { userId: string; campaign?: Campaign },
  count: number,
): Promise<{ scheduled_job_id: string; name: string; run_at: string }[]> {
  const where: FindOptionsWhere<ScheduledJob> = {
    userId: scope.userId,
    status: 'active',
    nextRunAt: Not(IsNull()),
  };
  if (scope.campaign) where.campaignId = scope.campaign.id;
  const schedules = await deps.dataSource.getRepository(ScheduledJob).find({
    where,
    order: { nextRunAt: 'ASC', id: 'ASC' },
    take: count,
  });
  const runs: { scheduled_job_id: string; name: string; at: Date }[] = [];
  for (const schedule of schedules) {
    if (!schedule.nextRunAt) continue;
    // From the pending run on, inside the campaign's window, up to the runs left.
    const from = new Date(schedule.nextRunAt.getTime() - 1);
    for (const at of upcomingRuns(schedule, ruleOf(schedule), from, scope.campaign, count)) {
      runs.push({ scheduled_job_id: schedule.id, name: schedule.name, at });
    }
  }
  runs.sort((a, b) => a.at.getTime() - b.at.getTime());
  return runs.slice(0, count).map((r) => ({ scheduled_job_id: r.scheduled_job_id, name: r.name, run_at: r.at.toISOString() }));
}
