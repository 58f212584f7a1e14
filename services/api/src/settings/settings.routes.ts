import type { AppDeps } from '../deps';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { UpdateSettingsDto } from './settings.dto';
import { settingsResponse, SettingsResponse } from './settings.mapper';
import { SettingsService } from './settings.service';

export const settingsApi = new RouteGroup<SettingsService>({ base: '/settings', tag: 'settings' });

settingsApi.get(
  '/',
  {
    operationId: 'getSettings',
    summary: "The workspace's settings (conflict warnings)",
    description: 'A workspace that never saved its settings has the defaults (`updated_at` null, ETag `"0"`).',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The settings.', schema: SettingsResponse },
  },
  async ({ caller }, service) => settingsResponse(await service.get(caller)),
);

settingsApi.put(
  '/',
  {
    operationId: 'updateSettings',
    summary: "Change the workspace's settings (partial)",
    description:
      "Only the fields sent change; the first PUT stores the workspace's row (the rest at their defaults). Editors and " +
      'admins may change them. With `If-Match` (the ETag of a GET; `"0"` before the first PUT) a stale write is a 412.',
    kind: 'writes',
    access: 'write',
    body: UpdateSettingsDto,
    bodyOptional: true,
    ifMatch: true,
    success: { status: 200, description: 'The settings as stored.', schema: SettingsResponse },
  },
  async ({ caller, body, ifMatch }, service) => settingsResponse(await service.put(caller, body, ifMatch)),
);

export function settingsRoutes(deps: AppDeps, limits: RateLimiters) {
  return settingsApi.router(new SettingsService(deps), limits);
}
