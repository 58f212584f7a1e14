import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from './columns';

export const JOB_STATUSES = ['awaiting_approval', 'pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Allowed status changes; completed, failed and cancelled are final. `awaiting_approval` (a Job
 * of a schedule or campaign with `requires_approval`) becomes `pending` only by an approval
 * (`POST /jobs/{id}/approve`), and `cancelled` by a rejection, its approval timeout or a cancel.
 */
export const JOB_TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  awaiting_approval: ['pending', 'cancelled'],
  pending: ['running', 'cancelled'],
  running: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

@Entity({ name: 'jobs' })
export class Job {
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

  /**
   * The schedule that materialized this Job; null for manual Jobs. Kept when the schedule is
   * deleted (no foreign key: the id then names no schedule), so its history stays findable.
   */
  @Column({ name: 'scheduled_job_id', type: 'uuid', nullable: true })
  scheduledJobId: string | null;

  /** The schedule's name when it materialized this Job (a snapshot, kept after a rename or delete). */
  @Column({ name: 'scheduled_job_name', type: 'varchar', length: 255, nullable: true })
  scheduledJobName: string | null;

  /** The occurrence instant this Job materializes; null for manual jobs. */
  @Column({ name: 'scheduled_for', type: 'timestamptz', nullable: true })
  scheduledFor: Date | null;

  @Column({ type: 'varchar', length: 32, default: 'pending' })
  status: JobStatus;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  config: Record<string, unknown>;

  @Column({ name: 'publisher_domain', type: 'varchar', length: 253, nullable: true })
  publisherDomain: string | null;

  @Column({ name: 'llm_provider', type: 'varchar', length: 32, nullable: true })
  llmProvider: string | null;

  @Column({ name: 'llm_model', type: 'varchar', length: 128, nullable: true })
  llmModel: string | null;

  @Column({ name: 'writing_strategy', type: 'varchar', length: 32, nullable: true })
  writingStrategy: string | null;

  @Column({ type: 'varchar', length: 2, nullable: true })
  country: string | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  language: string | null;

  @Column({ name: 'cost_usd', type: 'numeric', precision: 14, scale: 4, nullable: true, transformer: numericTransformer })
  costUsd: number | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  /** An awaiting Job not decided by then is cancelled by the worker's sweep; null = it waits for ever. */
  @Column({ name: 'approval_deadline', type: 'timestamptz', nullable: true })
  approvalDeadline: Date | null;

  /** The member (`sub`) who approved or rejected the Job; null otherwise. */
  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy: string | null;

  /** When it was approved or rejected; null otherwise. */
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  /** Why the Job is in its status, when the server knows: a rejection's reason, an approval timeout. */
  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  /** When the Job was handed to the content-jobs queue; null until then. */
  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true })
  queuedAt: Date | null;
}
