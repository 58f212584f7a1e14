import { EVENT_TYPES, NOTIFICATION_EMAIL_MAX_LENGTH, type NotificationSetting } from '@scheduler/entities';
import { iso } from '../http/format';
import { Closed, Instant, named, Nullable, OneOf, Type, type Static } from '../openapi/schema';

/** Whether this server sends email (`SMTP_URL` set). */
export const EMAIL_DELIVERY_STATES = ['configured', 'not_configured'] as const;
export type EmailDeliveryState = (typeof EMAIL_DELIVERY_STATES)[number];

export const NotificationsResponse = named(
  'Notifications',
  Closed({
    email: Nullable(Type.String({ format: 'email', maxLength: NOTIFICATION_EMAIL_MAX_LENGTH }), {
      description: 'Where the emails go; `null` before the first `PUT`.',
    }),
    events: Type.Array(OneOf(EVENT_TYPES), { description: 'The event types emailed (empty: nothing is sent).' }),
    email_delivery: OneOf(EMAIL_DELIVERY_STATES, {
      description:
        '`not_configured`: this server has no `SMTP_URL`, so no email is sent (the setting is stored all the same, and takes ' +
        'effect once the operator configures SMTP).',
    }),
    updated_at: Nullable(Instant('The last `PUT`; `null` before the first (its ETag is then `"0"`).')),
  }),
);
export type NotificationsResponse = Static<typeof NotificationsResponse>;

/** The caller's setting (or none yet), and whether this server sends email. */
export function notificationsResponse(n: NotificationSetting | null, delivery: EmailDeliveryState): NotificationsResponse {
  return {
    email: n?.email ?? null,
    events: n?.events ?? [],
    email_delivery: delivery,
    updated_at: n ? iso(n.updatedAt) : null,
  };
}
