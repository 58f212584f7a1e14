import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What an audit entry is about (PRODUCT.md Part 2, "Audit log"). */
export const AUDIT_ENTITY_TYPES = ['campaign', 'template', 'schedule', 'job', 'blackout', 'feed', 'webhook', 'settings'] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/** What a user did (a field changed by each is in the entry's `changes`). */
export const AUDIT_ACTIONS = [
  'create',
  'update',
  'delete',
  'pause',
  'resume',
  'favorite',
  'use',
  'copy',
  'run',
  'skip',
  'unskip',
  'import',
  'cancel',
  'approve',
  'reject',
  'rotate',
  'test',
  'redeliver',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One field's change: its value before and after (null for a field that did not exist: a create, a delete). */
export interface AuditFieldChange {
  old: unknown;
  new: unknown;
}

/**
 * One change a user made, written in the transaction of the change itself (it exists exactly
 * when the change committed). `at` is kept to the millisecond, so the list's cursor is exact.
 */
@Entity({ name: 'audit_log' })
export class AuditLogEntry {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The workspace whose members see it. */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;

  /** The `sub` of whoever acted. */
  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'varchar', length: 32 })
  action: AuditAction;

  @Column({ name: 'entity_type', type: 'varchar', length: 16 })
  entityType: AuditEntityType;

  /** The changed object's id (for settings: the workspace's settings row's key, the workspace). */
  @Column({ name: 'entity_id', type: 'text' })
  entityId: string;

  /** Each changed field: `{ old, new }`; secrets appear as `"[redacted]"`. */
  @Column({ type: 'jsonb' })
  changes: Record<string, AuditFieldChange>;

  /** The request's `X-Request-Id` (as logged). */
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;
}
