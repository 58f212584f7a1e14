import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One future occurrence of a schedule that the user skipped: it will not fire (one row per schedule and instant). */
@Entity({ name: 'schedule_skips' })
export class ScheduleSkip {
  @PrimaryColumn({ name: 'scheduled_job_id', type: 'uuid' })
  scheduledJobId: string;

  /** The occurrence's rule instant (or the instant a blackout shifted it to). */
  @PrimaryColumn({ name: 'occurrence_at', type: 'timestamptz' })
  occurrenceAt: Date;

  /** The workspace it belongs to, the tenancy key (the schedule's). */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  /** The member (`sub`) who skipped it. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
