import { readManager } from '../db/read-router';
import { In, Raw, type FindOptionsWhere } from 'typeorm';
import { RunOutcome, ScheduledJob, ScheduleRun } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import type { Page } from '../http/pagination';
import { inRange, type Range } from '../jobs/job.service';

export interface RunFilter {
  outcome?: RunOutcome;
  /** `occurrence_at` in [from, to). */
  occurrenceAt?: Range;
  scheduleId?: string;
  campaignId?: string;
}

export interface RunsPage {
  runs: ScheduleRun[];
  total: number;
  /** The current name of each schedule on the page, by id. */
  names: Map<string, string>;
}

/** The run history of all of a workspace's schedules. */
export class RunService {
  constructor(private readonly deps: AppDeps) {}

  /** Newest occurrence first (ties by id); only the workspace's own runs. */
  async list(caller: Caller, filter: RunFilter, page: Page): Promise<RunsPage> {
    const where: FindOptionsWhere<ScheduleRun> = { workspaceId: caller.workspaceId };
    if (filter.outcome) where.outcome = filter.outcome;
    const occurrenceAt = inRange(filter.occurrenceAt);
    if (occurrenceAt) where.occurrenceAt = occurrenceAt;
    if (filter.scheduleId) where.scheduledJobId = filter.scheduleId;
    if (filter.campaignId) {
      const inCampaign = (column: string) =>
        `${column} IN (SELECT s.id FROM scheduled_jobs s WHERE s.workspace_id = :workspaceId AND s.campaign_id = :campaignId)`;
      where.scheduledJobId = filter.scheduleId
        ? Raw((column) => `${column} = :scheduleId AND ${inCampaign(column)}`, {
            scheduleId: filter.scheduleId,
            workspaceId: caller.workspaceId,
            campaignId: filter.campaignId,
          })
        : Raw(inCampaign, { workspaceId: caller.workspaceId, campaignId: filter.campaignId });
    }
    const [runs, total] = await readManager(this.deps)
      .getRepository(ScheduleRun)
      .findAndCount({
        where,
        order: { occurrenceAt: 'DESC', id: 'DESC' },
        take: page.limit,
        skip: page.offset,
      });
    const scheduleIds = [...new Set(runs.map((r) => r.scheduledJobId))];
    const schedules = scheduleIds.length
      ? await readManager(this.deps)
          .getRepository(ScheduledJob)
          .find({ select: { id: true, name: true }, where: { workspaceId: caller.workspaceId, id: In(scheduleIds) } })
      : [];
    return { runs, total, names: new Map(schedules.map((s) => [s.id, s.name])) };
  }
}
