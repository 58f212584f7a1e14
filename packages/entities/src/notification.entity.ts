import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { EventType } from './outbox-event.entity';

/** Longest email address a setting takes (RFC 5321: a path of at most 256 octets, less the angle brackets). */
export const NOTIFICATION_EMAIL_MAX_LENGTH = 254;

/**
 * One member's email notifications in one workspace (`PUT /notifications`): where to send and
 * which event types. Keyed by (workspace, member `sub`): a member of two workspaces has one
 * setting in each; an empty `events` sends nothing.
 */
@Entity({ name: 'notification_settings' })
export class NotificationSetting {
  @PrimaryColumn({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  /** The member (`sub`) it belongs to. */
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ type: 'varchar', length: NOTIFICATION_EMAIL_MAX_LENGTH })
  email: string;

  /** The event types emailed. */
  @Column({ type: 'text', array: true })
  events: EventType[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export const EMAIL_DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
export type EmailDeliveryStatus = (typeof EMAIL_DELIVERY_STATUSES)[number];

/**
 * One event emailed to one member: the truth about the email (the BullMQ job only carries it
 * out). Written by the dispatcher in the batch transaction that writes the webhook deliveries;
 * a `pending` row whose job was lost is queued again by the dispatcher's sweep; a `sent` row is
 * never sent again.
 */
@Entity({ name: 'email_deliveries' })
export class EmailDelivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  /** The member whose setting it follows. */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  /** The address, as the setting had it when the event was dispatched. */
  @Column({ type: 'varchar', length: NOTIFICATION_EMAIL_MAX_LENGTH })
  recipient: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: EmailDeliveryStatus;

  /** SMTP attempts made so far. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** The last attempt's error; null after a success. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt: Date | null;

  /** The `Message-ID` it was sent with (deterministic: `<delivery id@…>`). */
  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
