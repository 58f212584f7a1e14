import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** What the conflict check counts in one window: one publisher's runs, or every run of the workspace. */
export const CONFLICT_SCOPES = ['publisher_domain', 'all'] as const;
export type ConflictScope = (typeof CONFLICT_SCOPES)[number];

/** The settings a workspace has before its first `PUT /settings` (no row). */
export const DEFAULT_WORKSPACE_SETTINGS = {
  conflictWindowMinutes: 60,
  conflictMaxPerWindow: 3,
  conflictScope: 'publisher_domain' as ConflictScope,
};
export const CONFLICT_WINDOW_MINUTES = { min: 5, max: 1440 } as const;
export const CONFLICT_MAX_PER_WINDOW = { min: 1, max: 1000 } as const;

/** A workspace's settings (conflict warnings): one row per workspace, written by its first `PUT /settings`. */
@Entity({ name: 'workspace_settings' })
export class WorkspaceSettings {
  /** The workspace it belongs to, the tenancy key (and the primary key). */
  @PrimaryColumn({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  /** The member who wrote it last. */
  @Column({ name: 'updated_by', type: 'text' })
  updatedBy: string;

  @Column({ name: 'conflict_window_minutes', type: 'integer' })
  conflictWindowMinutes: number;

  @Column({ name: 'conflict_max_per_window', type: 'integer' })
  conflictMaxPerWindow: number;

  @Column({ name: 'conflict_scope', type: 'varchar', length: 16 })
  conflictScope: ConflictScope;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
