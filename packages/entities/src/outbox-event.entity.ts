import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, type EntityManager } from 'typeorm';

/** The events a change can emit (PRODUCT.md Part 2, "Webhooks and email"), and `ping` (a webhook's test). */
export const EVENT_TYPES = [
  'job.created',
  'job.awaiting_approval',
  'job.completed',
  'job.failed',
  'run.missed',
  'run.failed',
  'schedule.completed',
  'schedule.error',
  'campaign.paused',
  'campaign.resumed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** A webhook's test event: sent only to that webhook, whatever its filter. */
export const PING_EVENT = 'ping';
export type OutboxEventType = EventType | typeof PING_EVENT;

/**
 * One event of the outbox: written in the same transaction as the change that causes it, moved
 * to the delivery queue by the worker's dispatcher (`dispatched_at`). Its `id` is the stable
 * `webhook-id` of every delivery of it.
 */
@Entity({ name: 'outbox_events' })
export class OutboxEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The workspace it belongs to: only this workspace's webhooks receive it. */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ type: 'varchar', length: 64 })
  type: OutboxEventType;

  /** The event's `data`. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /** Set for a `ping`: the one webhook it goes to; null: every enabled webhook whose filter matches. */
  @Column({ name: 'webhook_id', type: 'uuid', nullable: true })
  webhookId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** When the dispatcher put its deliveries on the queue; null: still to dispatch. */
  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt: Date | null;
}

/**
 * Records an event in the caller's transaction: it exists exactly when the change commits (a
 * rolled-back change emits nothing). Returns the event's id.
 */
export async function recordEvent(
  manager: EntityManager,
  workspaceId: string,
  type: OutboxEventType,
  data: Record<string, unknown>,
  webhookId: string | null = null,
): Promise<string> {
  const rows: { id: string }[] = await manager.query(
    `INSERT INTO outbox_events (workspace_id, type, payload, webhook_id) VALUES ($1, $2, $3::jsonb, $4) RETURNING id`,
    [workspaceId, type, JSON.stringify(data), webhookId],
  );
  return rows[0].id;
}

/** The `data` of a Job's events (`job.created`, `job.completed`, `job.failed`). */
export function jobEventData(job: {
  id: string;
  status: string;
  scheduledJobId: string | null;
  campaignId: string | null;
  scheduledFor: Date | null;
  costUsd?: number | string | null;
  errorMessage?: string | null;
}): Record<string, unknown> {
  return {
    job_id: job.id,
    status: job.status,
    schedule_id: job.scheduledJobId,
    campaign_id: job.campaignId,
    scheduled_for: job.scheduledFor ? job.scheduledFor.toISOString() : null,
    ...(job.errorMessage ? { error_message: job.errorMessage } : {}),
  };
}

/**
 * The events of a Job the API just made (run now, a template use), in its transaction: `job.created`,
 * and `job.awaiting_approval` as well when an approval gate holds it — the same pair, with the same
 * data, as the worker's materialize statement writes for a schedule's occurrence.
 */
export async function recordJobCreated(
  manager: EntityManager,
  job: Parameters<typeof jobEventData>[0] & { workspaceId: string },
): Promise<void> {
  const data = jobEventData(job);
  await recordEvent(manager, job.workspaceId, 'job.created', data);
  if (job.status === 'awaiting_approval') await recordEvent(manager, job.workspaceId, 'job.awaiting_approval', data);
}
