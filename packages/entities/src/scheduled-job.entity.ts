import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { RecurrenceRule } from '@scheduler/recurrence';

export const SCHEDULED_JOB_STATUSES = ['active', 'paused', 'completed', 'expired', 'error'] as const;
export type ScheduledJobStatus = (typeof SCHEDULED_JOB_STATUSES)[number];
/**
 * Statuses in which a schedule does not fire again on its own: only an edit revives it (see
 * `revives` in schedule-lifecycle.ts). `paused` is not one of them: resume restarts it.
 */
export const FINISHED_SCHEDULE_STATUSES: readonly ScheduledJobStatus[] = ['completed', 'expired', 'error'];

export const DEFAULT_MISFIRE_GRACE_SECONDS = 3600;

/**
 * What the worker does with the occurrences of a schedule that no worker processed in time (no
 * worker was up, Redis lost them), when one comes back: `latest` fires the most recent one still
 * within `misfire_grace_seconds`, once; `all` fires every one within grace, in order; `none` fires
 * none of them. The rest are recorded `missed`. See `catchUpPlan` in schedule-lifecycle.ts.
 */
export const CATCHUP_POLICIES = ['latest', 'all', 'none'] as const;
export type CatchupPolicy = (typeof CATCHUP_POLICIES)[number];
export const DEFAULT_CATCHUP_POLICY: CatchupPolicy = 'latest';
/** Consecutive failed runs after which a schedule stops with status `error`. */
export const MAX_CONSECUTIVE_ERRORS = 5;

@Entity({ name: 'scheduled_jobs' })
export class ScheduledJob {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The member who created it (a Job or run of a schedule: the schedule's creator). */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** The workspace it belongs to, the tenancy key: `team:<claim>` or `user:<sub>` (personal). */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ name: 'campaign_id', type: 'uuid', nullable: true })
  campaignId: string | null;

  @Column({ name: 'template_id', type: 'uuid', nullable: true })
  templateId: string | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'schedule_type', type: 'varchar', length: 16 })
  scheduleType: string;

  @Column({ name: 'scheduled_at', type: 'timestamptz' })
  scheduledAt: Date;

  @Column({ name: 'recurrence_pattern', type: 'varchar', length: 255, nullable: true })
  recurrencePattern: string | null;

  @Column({ name: 'recurrence_end_date', type: 'timestamptz', nullable: true })
  recurrenceEndDate: Date | null;

  @Column({ type: 'varchar', length: 64, default: 'UTC' })
  timezone: string;

  @Column({ name: 'max_runs', type: 'integer', nullable: true })
  maxRuns: number | null;

  /** The compiled recurrence rule (see `ruleOf`); null on rows written before it existed. */
  @Column({ name: 'recurrence_rule', type: 'jsonb', nullable: true })
  recurrenceRule: RecurrenceRule | null;

  @Column({ name: 'job_config', type: 'jsonb', default: () => "'{}'" })
  jobConfig: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: ScheduledJobStatus;

  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt: Date | null;

  @Column({ name: 'last_run_at', type: 'timestamptz', nullable: true })
  lastRunAt: Date | null;

  @Column({ name: 'run_count', type: 'integer', default: 0 })
  runCount: number;

  @Column({ name: 'error_count', type: 'integer', default: 0 })
  errorCount: number;

  @Column({ name: 'consecutive_errors', type: 'integer', default: 0 })
  consecutiveErrors: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'misfire_grace_seconds', type: 'integer', default: DEFAULT_MISFIRE_GRACE_SECONDS })
  misfireGraceSeconds: number;

  /** What a worker coming back fires of the occurrences it missed (`CATCHUP_POLICIES`). */
  @Column({ name: 'catchup_policy', type: 'varchar', length: 16, default: DEFAULT_CATCHUP_POLICY })
  catchupPolicy: CatchupPolicy;

  /** Its Jobs wait for an approval (`awaiting_approval`) before they go to the content pipeline. */
  @Column({ name: 'requires_approval', type: 'boolean', default: false })
  requiresApproval: boolean;

  /** Hours an awaiting Job waits for a decision before it is cancelled; null = no timeout. */
  @Column({ name: 'approval_timeout_hours', type: 'integer', nullable: true })
  approvalTimeoutHours: number | null;

  /** Bumped whenever what the schedule fires (rule, config, status) changes. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  /**
   * Bumped (by a trigger, in the same transaction) whenever what the schedule's job scheduler is
   * made of changes, or by `outOfStep` of `schedulerSyncLedger` after a failed Redis write. Differs from
   * `schedulerSyncedSeq` while Redis is out of step. Written by PostgreSQL only (bigint: a string).
   */
  @Column({ name: 'scheduler_change_seq', type: 'bigint', default: 1, select: false, insert: false, update: false })
  schedulerChangeSeq?: string;

  /** The `schedulerChangeSeq` last written to Redis (by an after-commit sync or the reconciler). */
  @Column({ name: 'scheduler_synced_seq', type: 'bigint', default: 0, select: false, insert: false, update: false })
  schedulerSyncedSeq?: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
