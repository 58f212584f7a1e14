import { DELIVERY_STATUSES, EVENT_TYPES, PING_EVENT, type Webhook, type WebhookDelivery } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { Closed, Instant, named, Nullable, OneOf, Type, Uuid, type Static } from '../openapi/schema';
import { WEBHOOK_DESCRIPTION_LENGTH } from './webhook.dto';

const fields = {
  id: Uuid(),
  url: Type.String({ minLength: 1 }),
  events: Type.Array(OneOf(EVENT_TYPES)),
  description: Nullable(Type.String({ maxLength: WEBHOOK_DESCRIPTION_LENGTH })),
  enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String(), {
    description: 'Why it was disabled automatically (every delivery failed for a day); null otherwise.',
  }),
  user_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: 'The member who created it.' }),
  created_at: Instant(),
  updated_at: Instant(),
};

/** What a client sees of a webhook (never its secret, except once on create). */
export const WebhookResponse = named('Webhook', Closed(fields));
export type WebhookResponse = Static<typeof WebhookResponse>;

export const WebhookWithSecretResponse = named(
  'WebhookWithSecret',
  Closed({
    ...fields,
    secret: Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=]+$',
      description: 'The Standard Webhooks signing secret (`whsec_` + base64 of 32 random bytes). Shown only here: keep it.',
    }),
  }),
);
export type WebhookWithSecretResponse = Static<typeof WebhookWithSecretResponse>;

export function webhookResponse(w: Webhook): WebhookResponse {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    description: w.description,
    enabled: w.enabled,
    disabled_reason: w.disabledReason,
    user_id: w.userId,
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
  };
}

export const EventTypeSchema = OneOf([...EVENT_TYPES, PING_EVENT]);

/** One delivery attempt, as the delivery log lists it. */
export const DeliveryAttemptResponse = named(
  'WebhookDeliveryAttempt',
  Closed({
    id: Uuid(),
    delivery_id: Uuid('The delivery (one event to this webhook): `redeliver` takes it.'),
    event_id: Uuid('The event: the `webhook-id` header of every attempt of it.'),
    event_type: EventTypeSchema,
    attempt: Type.Integer({ minimum: 1 }),
    status_code: Nullable(Type.Integer(), { description: "The receiver's status; null when no response came." }),
    duration_ms: Type.Integer({ minimum: 0 }),
    error: Nullable(Type.String(), { description: 'Why it failed; null for a 2xx.' }),
    next_retry_at: Nullable(Instant(), { description: 'When the next attempt is due; null when none follows.' }),
    attempted_at: Instant(),
    delivery_status: OneOf(DELIVERY_STATUSES, { description: 'The delivery now: pending (more attempts follow), delivered, failed.' }),
  }),
);
export type DeliveryAttemptResponse = Static<typeof DeliveryAttemptResponse>;

export interface AttemptRow {
  id: string;
  delivery_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  next_retry_at: Date | null;
  attempted_at: Date;
  delivery_status: WebhookDelivery['status'];
}

export function attemptResponse(a: AttemptRow): DeliveryAttemptResponse {
  return {
    id: a.id,
    delivery_id: a.delivery_id,
    event_id: a.event_id,
    event_type: a.event_type as DeliveryAttemptResponse['event_type'],
    attempt: a.attempt,
    status_code: a.status_code,
    duration_ms: a.duration_ms,
    error: a.error,
    next_retry_at: a.next_retry_at ? iso(a.next_retry_at) : null,
    attempted_at: iso(a.attempted_at),
    delivery_status: a.delivery_status,
  };
}

export const DeliveryResponse = named(
  'WebhookDelivery',
  Closed({
    id: Uuid(),
    event_id: Uuid(),
    event_type: EventTypeSchema,
    status: OneOf(DELIVERY_STATUSES),
    attempts: Type.Integer({ minimum: 0, description: 'Attempts made so far (over every round).' }),
  }),
);
export type DeliveryResponse = Static<typeof DeliveryResponse>;

export function deliveryResponse(d: WebhookDelivery): DeliveryResponse {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType as DeliveryResponse['event_type'],
    status: d.status,
    attempts: d.attempts,
  };
}

export const PingResponse = named('WebhookPing', Closed({ event_id: Uuid('The `ping` event: its deliveries show in the delivery log.') }));
export type PingResponse = Static<typeof PingResponse>;
