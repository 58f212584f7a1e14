import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** How long an `Idempotency-Key` is remembered: an older one is ignored (and taken over by its next use). */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** The operations that honour `Idempotency-Key`. */
export const IDEMPOTENT_OPERATIONS = ['schedule.run', 'schedule.import'] as const;
export type IdempotentOperation = (typeof IDEMPOTENT_OPERATIONS)[number];

/**
 * An `Idempotency-Key` a workspace sent, written in the same transaction as what the request
 * created: a retry with the key finds it and answers with the same resource.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKey {
  @PrimaryColumn({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key: string;

  @Column({ type: 'varchar', length: 64 })
  operation: IdempotentOperation;

  /** What the request acted on (the schedule of a run now; an import's own row): the key is refused for another one. */
  @Column({ name: 'target_id', type: 'uuid' })
  targetId: string;

  /** What the request created (the Job of a run now, the `imports` row of an import). */
  @Column({ name: 'resource_id', type: 'uuid' })
  resourceId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
