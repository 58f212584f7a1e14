import { readManager } from '../db/read-router';
import { In, IsNull, LessThanOrEqual, Not, type FindOptionsWhere, type Repository } from 'typeorm';
import {
  Campaign,
  JobTemplate,
  afterEdit,
  canPause,
  canResume,
  changesFiring,
  firesAgain,
  heldByCampaign,
  nextRunAfter,
  notActiveReason,
  notRunningReason,
  paused,
  resumed,
  ruleOf,
  ScheduledJob,
  ScheduledJobStatus,
  ScheduleEdit,
  recordSkippedWhilePaused,
  ScheduleRun,
  nextRunOf,
  upcomingOccurrences,
  schedulerSyncLedger,
} from '@scheduler/entities';
import {
  describeOccurrence,
  nextOccurrence,
  parseSchedule,
  RecurrenceRule,
  ScheduleInput,
  ScheduleType,
  type Blackout,
} from '@scheduler/recurrence';
import {
  AfterCommitReport,
  BULK_SYNC_CONCURRENCY,
  removeScheduler,
  syncSchedulerAfterCommit,
  syncSchedulersAfterCommit,
} from '@scheduler/queue';
import { refuseClosedCampaign } from '../campaigns/closed-campaign';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { copySentFields } from '../http/fields';
import { conflict, FieldError, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import type { Page } from '../http/pagination';
import type { SortOrder } from '../http/query';
import { containing, sortOrder, type SortColumn } from '../http/sorting';
import { blackoutsCovering, withPlanning } from './planning';
import { previewOccurrenceResponse } from './schedule.mapper';
import { CreateScheduleDto, RULE_FIELDS, scheduleInputOf, UpdateScheduleDto } from './schedule.dto';

export interface ScheduleFilters {
  campaignId?: string;
  status?: ScheduledJobStatus;
  upcomingOnly: boolean;
  scheduleType?: ScheduleType;
  templateId?: string;
  /** Case-insensitive substring of the name. */
  nameContains?: string;
  sort?: SortOrder<ScheduleSortKey>;
}

/** The keys of `GET /schedule?sort=` (schedules without a next run come last either way). */
export const SCHEDULE_SORTS = {
  next_run_at: { property: 'nextRunAt', nullable: true },
  created_at: { property: 'createdAt' },
  name: { property: 'name' },
} satisfies Record<string, SortColumn>;
export type ScheduleSortKey = keyof typeof SCHEDULE_SORTS;
export const SCHEDULE_SORT_KEYS = Object.keys(SCHEDULE_SORTS) as ScheduleSortKey[];

function ruleOrThrow(input: ScheduleInput, now: Date, requireFutureStart: boolean): RecurrenceRule {
  const parsed = parseSchedule(input, { now, requireFutureStart });
  if (!parsed.ok) throw validationFailed(parsed.errors);
  return parsed.rule;
}

/**
 * The rule's first run when it has already passed: `scheduled_at` was in the future, but runs
 * fall on whole seconds, so one a few hundred milliseconds ahead whose second has begun is not.
 */
function passedFirstRun(rule: RecurrenceRule, now: Date): Date | null {
  const first = nextOccurrence(rule, new Date(new Date(rule.start).getTime() - 1));
  return first && first.getTime() <= now.getTime() ? first : null;
}

function firstRunPassed(first: Date): FieldError {
  return {
    field: 'scheduled_at',
    message: `must be in the future: the first run would be at ${first.toISOString()} (runs fall on whole seconds), which has passed`,
  };
}

/**
 * A rule whose `scheduled_at` must be in the future (create, or a PUT that sends it), after the
 * recurrence package parsed it: its first run must be too. 422 naming `scheduled_at` when not.
 */
function refusePassedFirstRun(rule: RecurrenceRule, now: Date): void {
  const first = passedFirstRun(rule, now);
  if (first) throw validationFailed([firstRunPassed(first)]);
}

/** Why a new rule with a future first run has no run after now (the 422 of a create). */
function noRunError(rule: RecurrenceRule, now: Date, campaign: Campaign | null): FieldError {
  if (campaign && nextOccurrence(rule, now)) {
    return { field: 'campaign_id', message: "the schedule has no run inside the campaign's start and end dates" };
  }
  return { field: 'recurrence_end_date', message: 'the schedule has no run before its end date' };
}

/** Shared with the campaign's status change (`@scheduler/entities` `campaign-status`). */
export { recordSkippedWhilePaused };

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

/** How a new schedule's references are checked: the caller's own campaign (else a 404), template (else a 404). */
export interface ScheduleRefs {
  campaign(id: string | null | undefined): Promise<Campaign | null>;
  template(id: string | null | undefined): Promise<void>;
  /** The workspace's blackouts (and the campaign's) that cover a new schedule of the campaign, from `now`. */
  blackouts(campaignId: string | null): Promise<Blackout[]>;
}

/**
 * The rules of `POST /schedule` for one validated body, in their order (the rule, a future first
 * run, the campaign and template, a run left): the unsaved row and its rule, or the create's
 * error (422, 404, 409). Shared by the create and the import.
 */
export async function newSchedule(
  caller: Caller,
  dto: CreateScheduleDto,
  now: Date,
  refs: ScheduleRefs,
  repo: Repository<ScheduledJob>,
): Promise<{ schedule: ScheduledJob; rule: RecurrenceRule }> {
  const rule = ruleOrThrow(scheduleInputOf(dto), now, true);
  refusePassedFirstRun(rule, now);
  const campaign = await refs.campaign(dto.campaign_id);
  refuseClosedCampaign(campaign, 'schedules');
  await refs.template(dto.template_id);
  if (!nextRunAfter(rule, now, campaign)) throw validationFailed([noRunError(rule, now, campaign)]);
  // The workspace's blackouts (and its campaign's) apply from the first run on.
  const blackouts = await refs.blackouts(campaign?.id ?? null);
  const next = nextRunOf({ maxRuns: null, runCount: 0, blackouts }, rule, now, campaign);
  if (!next) throw validationFailed([{ field: 'scheduled_at', message: 'every run of the schedule falls in a skip blackout' }]);
  // Active, but without a next run while its campaign is paused.
  const { status, nextRunAt } = heldByCampaign({ status: 'active' as const, nextRunAt: next }, campaign);
  // Fields the body left out take their column's default (returned by the insert).
  const schedule = repo.create({
    userId: caller.userId,
    workspaceId: caller.workspaceId,
    description: null,
    campaignId: null,
    templateId: null,
    approvalTimeoutHours: null,
    status,
    nextRunAt,
    version: 1,
  });
  copySentFields(schedule, dto, RULE_FIELDS);
  applyRule(schedule, rule, dto.max_runs);
  return { schedule, rule };
}

export class ScheduleService {
  constructor(private readonly deps: AppDeps) {}

  private get repo() {
    return readManager(this.deps).getRepository(ScheduledJob);
  }

  /** A campaign named in a body: the caller's workspace's, else a 404. */
  private async ownCampaign(caller: Caller, id: string | null | undefined): Promise<Campaign | null> {
    if (!id) return null;
    const campaign = await readManager(this.deps).getRepository(Campaign).findOneBy({ id, workspaceId: caller.workspaceId });
    if (!campaign) throw notFound('Campaign');
    return campaign;
  }

  /** A template named in a body: the caller's workspace's, else a 404. */
  private async ownTemplate(caller: Caller, id: string | null | undefined): Promise<void> {
    if (!id) return;
    const found = await readManager(this.deps).getRepository(JobTemplate).existsBy({ id, workspaceId: caller.workspaceId });
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
      this.deps.occurrenceQueues.of(schedule.id),
      { id: schedule.id, version: schedule.version, rule: firing, nextRunAt: schedule.nextRunAt },
      this.afterCommit,
    );
  }

  /** After a commit that changed when the schedule fires (a skip, an un-skip): its scheduler in step with the row. */
  async syncAfterCommit(schedule: ScheduledJob): Promise<void> {
    await this.sync(schedule, ruleOf(schedule));
  }

  private get afterCommit(): AfterCommitReport {
    return {
      logger: this.deps.logger,
      syncFailures: this.deps.metrics.api.syncFailures,
      ledger: schedulerSyncLedger(this.deps.dataSource),
    };
  }

  async create(caller: Caller, dto: CreateScheduleDto): Promise<ScheduledJob> {
    const now = this.deps.now();
    const refs: ScheduleRefs = {
      campaign: (id) => this.ownCampaign(caller, id),
      template: (id) => this.ownTemplate(caller, id),
      blackouts: (campaignId) => blackoutsCovering(readManager(this.deps), caller.workspaceId, campaignId, now),
    };
    const { schedule, rule } = await newSchedule(caller, dto, now, refs, this.repo);
    const saved = await this.deps.dataSource.transaction(async (tx) => {
      const created = await tx.getRepository(ScheduledJob).save(schedule);
      await recordAudit(tx, caller, { action: 'create', entityType: 'schedule', entityId: created.id, after: auditSnapshot(tx, created) });
      return created;
    });
    await this.sync(saved, rule);
    return saved;
  }

  /** After the commit of schedules created together (an import): their schedulers, `concurrency` writes in flight. */
  async syncCreated(schedules: ScheduledJob[], concurrency = BULK_SYNC_CONCURRENCY): Promise<void> {
    const specs = schedules.map((s) => ({ id: s.id, version: s.version, rule: firesAgain(s) ? ruleOf(s) : null, nextRunAt: s.nextRunAt }));
    await syncSchedulersAfterCommit(this.deps.occurrenceQueues, specs, this.afterCommit, concurrency);
  }

  async list(caller: Caller, filters: ScheduleFilters, page: Page): Promise<[ScheduledJob[], number]> {
    const where: FindOptionsWhere<ScheduledJob> = { workspaceId: caller.workspaceId };
    if (filters.campaignId) where.campaignId = filters.campaignId;
    if (filters.status) where.status = filters.status;
    if (filters.scheduleType) where.scheduleType = filters.scheduleType;
    if (filters.templateId) where.templateId = filters.templateId;
    if (filters.nameContains) where.name = containing(filters.nameContains);
    if (filters.upcomingOnly) {
      if (filters.status && filters.status !== 'active') return [[], 0];
      where.status = 'active';
      where.nextRunAt = Not(IsNull());
    }
    return this.repo.findAndCount({
      where,
      order: filters.sort
        ? sortOrder(filters.sort, SCHEDULE_SORTS)
        : { nextRunAt: { direction: 'ASC', nulls: 'LAST' }, createdAt: 'DESC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  async upcoming(caller: Caller, hours: number, page: Page) {
    const now = this.deps.now();
    const cutoff = new Date(now.getTime() + hours * 3_600_000);
    const [schedules, total] = await this.repo.findAndCount({
      where: { workspaceId: caller.workspaceId, status: 'active', nextRunAt: LessThanOrEqual(cutoff) },
      order: { nextRunAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    const campaignIds = [...new Set(schedules.map((s) => s.campaignId).filter((id): id is string => !!id))];
    const campaigns = campaignIds.length
      ? await readManager(this.deps)
          .getRepository(Campaign)
          .findBy({ workspaceId: caller.workspaceId, id: In(campaignIds) })
      : [];
    return { cutoff, total, schedules, campaigns: new Map(campaigns.map((c) => [c.id, c])) };
  }

  /** The workspace's schedule, or a 404 (also for another workspace's schedule). */
  async get(caller: Caller, id: string): Promise<ScheduledJob> {
    const schedule = await this.repo.findOneBy({ id, workspaceId: caller.workspaceId });
    if (!schedule) throw notFound('Scheduled job');
    return schedule;
  }

  /**
   * Partial update. A change to any field that decides when or what the schedule fires bumps
   * `version`, recomputes `next_run_at` from now, and re-writes the scheduler. A finished
   * (completed or expired) schedule whose new rule has runs left becomes active again, and so
   * does one in `error` whose rule, campaign, template or `job_config` is changed.
   */
  async update(caller: Caller, id: string, dto: UpdateScheduleDto, expected?: IfMatch): Promise<ScheduledJob> {
    const now = this.deps.now();
    const { schedule, rule } = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(ScheduledJob);
      const schedule = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!schedule) throw notFound('Scheduled job');
      assertMatches(expected, schedule, 'Schedule');
      const before = auditSnapshot(tx, schedule);
      const ruleChanged = RULE_FIELDS.some((f) => dto[f] !== undefined);
      const campaignChanged = dto.campaign_id !== undefined && dto.campaign_id !== schedule.campaignId;
      const campaign = await this.ownCampaign(caller, dto.campaign_id === undefined ? schedule.campaignId : dto.campaign_id);
      if (campaignChanged) refuseClosedCampaign(campaign, 'schedules');
      if (dto.template_id !== undefined) await this.ownTemplate(caller, dto.template_id);

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
        if (requireFuture) refusePassedFirstRun(rule, now);
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
      // The user's skips stay: the new rule's next run passes over them too.
      Object.assign(schedule, afterEdit(await withPlanning(tx, schedule, now), edit, rule, now, campaign));
      const saved = await repo.save(schedule);
      await recordAudit(tx, caller, { action: 'update', entityType: 'schedule', entityId: id, before, after: auditSnapshot(tx, saved) });
      return { schedule: saved, rule };
    });
    await this.sync(schedule, rule);
    return schedule;
  }

  async remove(caller: Caller, id: string, expected?: IfMatch): Promise<void> {
    const result = await this.deps.dataSource.transaction(async (tx) => {
      const schedule = await tx
        .getRepository(ScheduledJob)
        .findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!schedule) return { affected: 0 };
      assertMatches(expected, schedule, 'Schedule');
      const deleted = await tx.getRepository(ScheduledJob).delete({ id, workspaceId: caller.workspaceId });
      if (deleted.affected) {
        await recordAudit(tx, caller, {
          action: 'delete',
          entityType: 'schedule',
          entityId: id,
          before: auditSnapshot(tx, schedule),
          after: null,
        });
      }
      return deleted;
    });
    if (!result.affected) throw notFound('Scheduled job');
    await removeScheduler(this.deps.occurrenceQueues.of(id), id, this.afterCommit);
  }

  /** Stops an active schedule; its runs until resume are skipped. */
  async pause(caller: Caller, id: string, expected?: IfMatch): Promise<ScheduledJob> {
    const schedule = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(ScheduledJob);
      const schedule = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!schedule) throw notFound('Scheduled job');
      assertMatches(expected, schedule, 'Schedule');
      if (!canPause(schedule.status)) throw conflict(`Only an active schedule can be paused (status is ${schedule.status})`);
      const before = auditSnapshot(tx, schedule);
      Object.assign(schedule, paused(schedule));
      schedule.version += 1;
      const saved = await repo.save(schedule);
      await recordAudit(tx, caller, { action: 'pause', entityType: 'schedule', entityId: id, before, after: auditSnapshot(tx, saved) });
      return saved;
    });
    await this.sync(schedule, null);
    return schedule;
  }

  /**
   * Resumes a paused schedule from the next occurrence after now. The runs it did not make
   * while paused are not made up; they are recorded in its run history as `skipped` (`schedule
   * paused`, at most `MAX_MISSED_RECORDED`), in the same transaction: `skippedWhilePaused`.
   */
  async resume(caller: Caller, id: string, expected?: IfMatch): Promise<ScheduledJob> {
    const now = this.deps.now();
    const { schedule, rule } = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(ScheduledJob);
      const schedule = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!schedule) throw notFound('Scheduled job');
      assertMatches(expected, schedule, 'Schedule');
      if (!canResume(schedule.status)) throw conflict(`Only a paused schedule can be resumed (status is ${schedule.status})`);
      const before = auditSnapshot(tx, schedule);
      const rule = ruleOf(schedule);
      const campaign = schedule.campaignId ? await tx.getRepository(Campaign).findOneBy({ id: schedule.campaignId }) : null;
      await withPlanning(tx, schedule, now);
      await recordSkippedWhilePaused(tx, schedule, rule, now, campaign, notActiveReason('paused'));
      Object.assign(schedule, resumed(schedule, rule, now, campaign));
      schedule.version += 1;
      const saved = await repo.save(schedule);
      await recordAudit(tx, caller, { action: 'resume', entityType: 'schedule', entityId: id, before, after: auditSnapshot(tx, saved) });
      return { schedule: saved, rule };
    });
    await this.sync(schedule, rule);
    return schedule;
  }

  /** The next `count` fire instants of a create body (its `scheduled_at` may be in the past). */
  async previewOf(caller: Caller, dto: CreateScheduleDto, count: number) {
    const rule = ruleOrThrow(scheduleInputOf(dto), this.deps.now(), false);
    // Validated like a create: references must be the workspace's own.
    await this.ownCampaign(caller, dto.campaign_id);
    await this.ownTemplate(caller, dto.template_id);
    const from = new Date(new Date(rule.start).getTime() - 1);
    // The rule's own occurrences (the recurrence package's expansion, without a run count), with
    // the blackouts that would cover the schedule (the workspace's and its campaign's).
    const blackouts = await blackoutsCovering(readManager(this.deps), caller.workspaceId, dto.campaign_id ?? null, from);
    const occurrences = upcomingOccurrences({ maxRuns: null, runCount: 0, blackouts }, rule, from, null, count);
    return {
      timezone: rule.timezone,
      occurrences: occurrences.map((o) => previewOccurrenceResponse(describeOccurrence(rule, o.at), o)),
      not_running_reason: null,
    };
  }

  /**
   * The runs the schedule will really make. None while it does not run (paused, in error,
   * finished, or held by its paused campaign): `not_running_reason` says why.
   */
  async preview(caller: Caller, id: string, count: number) {
    const schedule = await this.get(caller, id);
    const reason = notRunningReason(schedule);
    const rule = ruleOf(schedule);
    if (!rule || reason) return { timezone: schedule.timezone, occurrences: [], not_running_reason: reason ?? 'schedule_error' };
    const now = this.deps.now();
    // From the pending run if it is still due, else from now.
    const from = schedule.nextRunAt && schedule.nextRunAt.getTime() <= now.getTime() ? new Date(schedule.nextRunAt.getTime() - 1) : now;
    const campaign = schedule.campaignId
      ? await readManager(this.deps).getRepository(Campaign).findOneBy({ id: schedule.campaignId })
      : null;
    // The runs it will really make: inside the campaign's dates, up to the runs left.
    const loaded = await withPlanning(readManager(this.deps), schedule, now);
    const occurrences = upcomingOccurrences(loaded, rule, from, campaign, count);
    return {
      timezone: rule.timezone,
      occurrences: occurrences.map((o) => previewOccurrenceResponse(describeOccurrence(rule, o.at), o)),
      not_running_reason: null,
    };
  }

  async runs(caller: Caller, id: string, page: Page): Promise<[ScheduleRun[], number]> {
    await this.get(caller, id);
    return readManager(this.deps)
      .getRepository(ScheduleRun)
      .findAndCount({
        where: { scheduledJobId: id, workspaceId: caller.workspaceId },
        order: { occurrenceAt: 'DESC' },
        take: page.limit,
        skip: page.offset,
      });
  }
}

/**
 * The next `count` runs of a workspace's active schedules (optionally of one campaign), soonest
 * first: each schedule contributes its own next few occurrences, so a daily schedule shows
 * several days.
 */
export async function upcomingRunsOf(
  deps: AppDeps,
  scope: { workspaceId: string; campaign?: Campaign },
  count: number,
): Promise<{ scheduled_job_id: string; name: string; run_at: string }[]> {
  const where: FindOptionsWhere<ScheduledJob> = {
    workspaceId: scope.workspaceId,
    status: 'active',
    nextRunAt: Not(IsNull()),
  };
  if (scope.campaign) where.campaignId = scope.campaign.id;
  const schedules = await readManager(deps)
    .getRepository(ScheduledJob)
    .find({
      where,
      order: { nextRunAt: 'ASC', id: 'ASC' },
      take: count,
    });
  const runs: { scheduled_job_id: string; name: string; at: Date; blackout?: string }[] = [];
  for (const schedule of schedules) {
    if (!schedule.nextRunAt) continue;
    // From the pending run on, inside the campaign's window, up to the runs left.
    const from = new Date(schedule.nextRunAt.getTime() - 1);
    const loaded = await withPlanning(readManager(deps), schedule, deps.now());
    for (const o of upcomingOccurrences(loaded, ruleOf(schedule), from, scope.campaign, count)) {
      runs.push({
        scheduled_job_id: schedule.id,
        name: schedule.name,
        at: o.at,
        ...(o.shifted_from && o.blackout ? { blackout: o.blackout } : {}),
      });
    }
  }
  runs.sort((a, b) => a.at.getTime() - b.at.getTime());
  return runs.slice(0, count).map((r) => ({
    scheduled_job_id: r.scheduled_job_id,
    name: r.name,
    run_at: r.at.toISOString(),
    ...(r.blackout !== undefined ? { blackout: r.blackout } : {}),
  }));
}
