import type { DataSource } from 'typeorm';
import { resumeOneDueCampaign, schedulerSyncLedger, type CampaignSync } from '@scheduler/entities';
import {
  asOccurrenceQueues,
  removeScheduler,
  syncSchedulerAfterCommit,
  type AfterCommitReport,
  type OccurrenceQueues,
  type OccurrenceTarget,
} from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';

/** How often each worker looks for paused campaigns whose `resume_at` has come. */
export const RESUME_SWEEP_INTERVAL_MS = 1_000;
/** At most this many campaigns are resumed by one sweep (the next sweep takes the rest). */
const MAX_PER_SWEEP = 100;

/** One campaign the sweep resumed. */
export interface AutoResumed {
  campaignId: string;
  resumeAt: Date;
  schedulesResumed: number;
}

/**
 * The due-resume sweep: every paused campaign whose `resume_at` is at or before now becomes
 * active again, each in its own transaction (`resumeOneDueCampaign`: a conditional UPDATE under
 * `FOR UPDATE SKIP LOCKED`, then the same change of its schedules as the API's resume, skipped
 * runs recorded with the pause's reason), then its schedulers are written after the commit. Any
 * number of workers may sweep at once: PostgreSQL lets each pause end once, and a restarted
 * worker finds what is due in the table. A scheduler write that fails after the commit is
 * logged and counted, and the reconciler repairs it.
 */
export class CampaignResumeSweep {
  private readonly queues: OccurrenceQueues;

  constructor(
    private readonly dataSource: DataSource,
    queues: OccurrenceTarget,
    private readonly logger: Logger,
    private readonly metrics?: Pick<WorkerMetrics, 'campaignsAutoResumed' | 'syncFailures'>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.queues = asOccurrenceQueues(queues);
  }

  private get afterCommit(): AfterCommitReport {
    return {
      logger: this.logger,
      syncFailures: this.metrics?.syncFailures ?? { inc: () => undefined },
      ledger: schedulerSyncLedger(this.dataSource),
    };
  }

  /** Resumes what is due; the campaigns this process resumed. */
  async sweep(): Promise<AutoResumed[]> {
    const resumed: AutoResumed[] = [];
    while (resumed.length < MAX_PER_SWEEP) {
      const now = this.now();
      const done = await this.dataSource.transaction((tx) => resumeOneDueCampaign(tx, now));
      if (!done) break;
      await this.syncAfterCommit(done.sync);
      const entry = { campaignId: done.campaign.id, resumeAt: done.resumeAt, schedulesResumed: done.sync.reopened.length };
      resumed.push(entry);
      this.metrics?.campaignsAutoResumed.inc();
      this.logger.info(
        {
          campaign_id: entry.campaignId,
          workspace_id: done.campaign.workspaceId,
          resume_at: entry.resumeAt.toISOString(),
          lag_ms: now.getTime() - entry.resumeAt.getTime(),
          schedules_resumed: entry.schedulesResumed,
        },
        'campaign resumed at its resume_at',
      );
    }
    return resumed;
  }

  private async syncAfterCommit(sync: CampaignSync): Promise<void> {
    for (const id of sync.expired) await removeScheduler(this.queues.of(id), id, this.afterCommit);
    for (const spec of sync.reopened) await syncSchedulerAfterCommit(this.queues.of(spec.id), spec, this.afterCommit);
  }
}
