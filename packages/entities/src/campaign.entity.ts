import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from './columns';

export const CAMPAIGN_STATUSES = ['active', 'paused', 'completed', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/** Statuses that stop a campaign's schedules for good: it takes no new schedules or template uses. */
export const CLOSED_CAMPAIGN_STATUSES = ['completed', 'archived'] as const satisfies readonly CampaignStatus[];

export function isClosedCampaign(status: CampaignStatus): boolean {
  return (CLOSED_CAMPAIGN_STATUSES as readonly CampaignStatus[]).includes(status);
}

@Entity({ name: 'campaigns' })
export class Campaign {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The member who created it (a Job or run of a schedule: the schedule's creator). */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** The workspace it belongs to, the tenancy key: `team:<claim>` or `user:<sub>` (personal). */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: CampaignStatus;

  @Column({ type: 'varchar', length: 7, nullable: true })
  color: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  @Column({ name: 'target_job_count', type: 'integer', nullable: true })
  targetJobCount: number | null;

  @Column({ name: 'target_budget_usd', type: 'numeric', precision: 14, scale: 2, nullable: true, transformer: numericTransformer })
  targetBudgetUsd: number | null;

  @Column({ name: 'start_date', type: 'timestamptz', nullable: true })
  startDate: Date | null;

  @Column({ name: 'end_date', type: 'timestamptz', nullable: true })
  endDate: Date | null;

  /** Its Jobs wait for an approval (`awaiting_approval`) before they go to the content pipeline. */
  @Column({ name: 'requires_approval', type: 'boolean', default: false })
  requiresApproval: boolean;

  /** Hours an awaiting Job waits for a decision before it is cancelled; null = no timeout. */
  @Column({ name: 'approval_timeout_hours', type: 'integer', nullable: true })
  approvalTimeoutHours: number | null;

  /** Why it is paused (given on pause); null when not paused or no reason was given. */
  @Column({ name: 'paused_reason', type: 'text', nullable: true })
  pausedReason: string | null;

  /** When a paused campaign becomes active again by itself (the workers' due-resume sweep); null: only by resume. */
  @Column({ name: 'resume_at', type: 'timestamptz', nullable: true })
  resumeAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
