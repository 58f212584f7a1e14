import {
  CONFLICT_MAX_PER_WINDOW,
  CONFLICT_SCOPES,
  CONFLICT_WINDOW_MINUTES,
  DEFAULT_WORKSPACE_SETTINGS,
  type WorkspaceSettings,
} from '@scheduler/entities';
import { iso } from '../http/format';
import { Closed, Instant, Nullable, OneOf, Type, named, type Static } from '../openapi/schema';

export const SettingsResponse = named(
  'Settings',
  Closed({
    conflict_window_minutes: Type.Integer({
      minimum: CONFLICT_WINDOW_MINUTES.min,
      maximum: CONFLICT_WINDOW_MINUTES.max,
      default: DEFAULT_WORKSPACE_SETTINGS.conflictWindowMinutes,
    }),
    conflict_max_per_window: Type.Integer({
      minimum: CONFLICT_MAX_PER_WINDOW.min,
      maximum: CONFLICT_MAX_PER_WINDOW.max,
      default: DEFAULT_WORKSPACE_SETTINGS.conflictMaxPerWindow,
    }),
    conflict_scope: OneOf(CONFLICT_SCOPES, { default: DEFAULT_WORKSPACE_SETTINGS.conflictScope }),
    updated_at: Nullable(Instant('The last `PUT`; `null` while the workspace has the defaults (its ETag is then `"0"`).')),
  }),
);
export type SettingsResponse = Static<typeof SettingsResponse>;

/** The settings a workspace has: its row's, or the defaults (no row). */
export function settingsResponse(s: WorkspaceSettings | null): SettingsResponse {
  const d = DEFAULT_WORKSPACE_SETTINGS;
  return {
    conflict_window_minutes: s?.conflictWindowMinutes ?? d.conflictWindowMinutes,
    conflict_max_per_window: s?.conflictMaxPerWindow ?? d.conflictMaxPerWindow,
    conflict_scope: s?.conflictScope ?? d.conflictScope,
    updated_at: s ? iso(s.updatedAt) : null,
  };
}
