import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { EventType } from './outbox-event.entity';

/** A webhook endpoint of a workspace: where its events are POSTed, signed with `secret`. */
@Entity({ name: 'webhooks' })
export class Webhook {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The member who created it. */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** The workspace it belongs to, the tenancy key. */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ type: 'text' })
  url: string;

  /** The event types it receives. */
  @Column({ type: 'text', array: true })
  events: EventType[];

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** `whsec_` + base64 of 32 random bytes: the Standard Webhooks signing secret (shown once, on create). */
  @Column({ type: 'text' })
  secret: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Why it was disabled (auto-disable after a day of failures); null while enabled or disabled by a user. */
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  /** The first failed attempt of the current run of failures; null after a success. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event to one webhook: the truth about a delivery (the BullMQ job only carries it out). A
 * `pending` row whose job was lost (Redis flushed) is queued again by the dispatcher's sweep.
 */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'webhook_id', type: 'uuid' })
  webhookId: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: DeliveryStatus;

  /** Attempts made so far. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Bumped by each redeliver: part of the BullMQ job id, so a redelivery is a new job. */
  @Column({ type: 'integer', default: 0 })
  round: number;

  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** One HTTP attempt of a delivery, as the delivery log shows it. */
@Entity({ name: 'webhook_attempts' })
export class WebhookAttempt {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId: string;

  @Column({ name: 'webhook_id', type: 'uuid' })
  webhookId: string;

  /** 1 for the first attempt of the delivery. */
  @Column({ type: 'integer' })
  attempt: number;

  /** The receiver's status code; null when no response came (refused, timed out, blocked address). */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  /** Why it failed; null for a 2xx. */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** When the next attempt is due; null when this was the last one (delivered, or given up). */
  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt: Date | null;

  @CreateDateColumn({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt: Date;
}
