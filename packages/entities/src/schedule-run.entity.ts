import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const RUN_OUTCOMES = ['materialized', 'skipped', 'missed', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** What made a run: the schedule's own occurrence, or a run now (`POST /schedule/{id}/run`). */
export const RUN_TRIGGERS = ['schedule', 'manual'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** What became of one occurrence of a schedule: one row per (schedule, occurrence). */
@Entity({ name: 'schedule_runs' })
export class ScheduleRun {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'scheduled_job_id', type: 'uuid' })
  scheduledJobId: string;

  /** The member who created it (a Job or run of a schedule: the schedule's creator). */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** The workspace it belongs to, the tenancy key: `team:<claim>` or `user:<sub>` (personal). */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ name: 'occurrence_at', type: 'timestamptz' })
  occurrenceAt: Date;

  @Column({ type: 'varchar', length: 16 })
  outcome: RunOutcome;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId: string | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** `schedule` (an occurrence) or `manual` (a run now: `occurrence_at` is when it was made, never a whole second). */
  @Column({ type: 'varchar', length: 16, default: 'schedule' })
  trigger: RunTrigger;

  @Column({ name: 'processed_at', type: 'timestamptz', default: () => 'now()' })
  processedAt: Date;
}
