import type { EntityManager } from 'typeorm';
import { DEFAULT_WORKSPACE_SETTINGS, WorkspaceSettings } from '@scheduler/entities';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { assertMatches, type IfMatch } from '../http/etag';
import type { ConflictSettings } from '../conflicts/windows';
import type { UpdateSettingsDto } from './settings.dto';

/** The workspace's settings row, or null while it has the defaults. */
export function settingsRowOf(manager: EntityManager, workspaceId: string): Promise<WorkspaceSettings | null> {
  return manager.getRepository(WorkspaceSettings).findOneBy({ workspaceId });
}

/** What the conflict check counts with in the workspace: its settings, or the defaults. */
export async function conflictSettingsOf(manager: EntityManager, workspaceId: string): Promise<ConflictSettings> {
  const row = await settingsRowOf(manager, workspaceId);
  const d = DEFAULT_WORKSPACE_SETTINGS;
  return {
    windowMinutes: row?.conflictWindowMinutes ?? d.conflictWindowMinutes,
    maxPerWindow: row?.conflictMaxPerWindow ?? d.conflictMaxPerWindow,
    scope: row?.conflictScope ?? d.conflictScope,
  };
}

/** The tag of the defaults (no row yet): `updated_at` at the epoch, ETag `"0"`. */
const NO_ROW = { updatedAt: new Date(0) };

export class SettingsService {
  constructor(private readonly deps: AppDeps) {}

  get(caller: Caller): Promise<WorkspaceSettings | null> {
    return settingsRowOf(this.deps.dataSource.manager, caller.workspaceId);
  }

  /**
   * Partial: the fields sent change, the others keep their value (their default on the first
   * PUT, which creates the row). One writer at a time per workspace (an advisory lock, as there
   * may be no row to lock yet); `If-Match` is compared with the row (or `"0"` before the first).
   */
  async put(caller: Caller, dto: UpdateSettingsDto, expected: IfMatch): Promise<WorkspaceSettings> {
    return this.deps.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`settings:${caller.workspaceId}`]);
      const repo = tx.getRepository(WorkspaceSettings);
      const row = await repo.findOneBy({ workspaceId: caller.workspaceId });
      assertMatches(expected, row ?? NO_ROW, 'The settings');
      const d = DEFAULT_WORKSPACE_SETTINGS;
      // Before the first PUT the workspace has the defaults: the entry shows them as the old values.
      const before = auditSnapshot(tx, row ?? repo.create({ workspaceId: caller.workspaceId, ...d }));
      const values = [
        caller.workspaceId,
        caller.userId,
        dto.conflict_window_minutes ?? row?.conflictWindowMinutes ?? d.conflictWindowMinutes,
        dto.conflict_max_per_window ?? row?.conflictMaxPerWindow ?? d.conflictMaxPerWindow,
        dto.conflict_scope ?? row?.conflictScope ?? d.conflictScope,
      ];
      // Always a new `updated_at` (and ETag), even when nothing changed.
      await tx.query(
        `INSERT INTO workspace_settings (workspace_id, updated_by, conflict_window_minutes, conflict_max_per_window, conflict_scope)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (workspace_id) DO UPDATE SET updated_by = EXCLUDED.updated_by,
           conflict_window_minutes = EXCLUDED.conflict_window_minutes, conflict_max_per_window = EXCLUDED.conflict_max_per_window,
           conflict_scope = EXCLUDED.conflict_scope, updated_at = clock_timestamp()`,
        values,
      );
      const saved = await repo.findOneByOrFail({ workspaceId: caller.workspaceId });
      await recordAudit(tx, caller, {
        action: 'update',
        entityType: 'settings',
        entityId: caller.workspaceId,
        before,
        after: auditSnapshot(tx, saved),
      });
      return saved;
    });
  }
}
