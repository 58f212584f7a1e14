import type { AppDeps } from '../deps';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { UpdateNotificationsDto } from './notification.dto';
import { notificationsResponse, NotificationsResponse } from './notification.mapper';
import { NotificationService } from './notification.service';

export const notificationApi = new RouteGroup<NotificationService>({ base: '/notifications', tag: 'notifications' });

notificationApi.get(
  '/',
  {
    operationId: 'getNotifications',
    summary: "The caller's email notifications in this workspace",
    description:
      'Each member of a workspace has their own setting. Before the first `PUT`: `email` null, no events, `updated_at` null, ' +
      'ETag `"0"`. `email_delivery` says whether this server sends email at all (`SMTP_URL`).',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The setting.', schema: NotificationsResponse },
  },
  async ({ caller }, service) => notificationsResponse(await service.get(caller), service.delivery),
);

notificationApi.put(
  '/',
  {
    operationId: 'putNotifications',
    summary: "Set the caller's email notifications (address and event types)",
    description:
      'Replaces the setting: the events of this workspace whose type is listed are emailed to the address (an empty list ' +
      'stops them). Stored even when this server has no `SMTP_URL` (`email_delivery: not_configured`: nothing is sent ' +
      'until the operator configures it). With `If-Match` (the ETag of a GET; `"0"` before the first PUT) a stale write is a 412.',
    kind: 'writes',
    access: 'write',
    body: UpdateNotificationsDto,
    ifMatch: true,
    success: { status: 200, description: 'The setting as stored.', schema: NotificationsResponse },
  },
  async ({ caller, body, ifMatch }, service) => notificationsResponse(await service.put(caller, body, ifMatch), service.delivery),
);

export function notificationRoutes(deps: AppDeps, limits: RateLimiters) {
  return notificationApi.router(new NotificationService(deps), limits);
}
