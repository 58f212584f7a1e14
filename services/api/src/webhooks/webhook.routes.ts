import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { Type } from '../openapi/schema';
import { CreateWebhookDto, MAX_WEBHOOKS_PER_WORKSPACE, UpdateWebhookDto } from './webhook.dto';
import {
  attemptResponse,
  DeliveryAttemptResponse,
  deliveryResponse,
  DeliveryResponse,
  PingResponse,
  webhookResponse,
  WebhookResponse,
  WebhookWithSecretResponse,
} from './webhook.mapper';
import { WebhookService } from './webhook.service';

export const webhookApi = new RouteGroup<WebhookService>({ base: '/webhooks', tag: 'webhooks', resource: 'Webhook' });

const SIGNING =
  'Each event is POSTed as `{id, type, timestamp, data}`, signed per Standard Webhooks (`webhook-id`: the event id, the ' +
  'same on every retry and redelivery; `webhook-timestamp`; `webhook-signature: v1,<base64 HMAC-SHA256>`). Retried with ' +
  'exponential backoff for about a day (`WEBHOOK_RETRY_DELAYS_SECONDS`); 10 s timeout; redirects are not followed; an ' +
  'endpoint whose deliveries all failed for a day is disabled (`disabled_reason`).';

webhookApi.post(
  '/',
  {
    operationId: 'createWebhook',
    summary: 'Create a webhook endpoint (its secret is shown only here)',
    description: `${SIGNING} A workspace holds at most ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks.`,
    kind: 'writes',
    access: 'write',
    body: CreateWebhookDto,
    conflict: `The workspace already has ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks (MAX_WEBHOOKS_PER_WORKSPACE).`,
    success: { status: 201, description: 'The webhook, with its signing secret.', schema: WebhookWithSecretResponse },
  },
  async ({ caller, body }, service) => {
    const webhook = await service.create(caller, body);
    return { ...webhookResponse(webhook), secret: webhook.secret };
  },
);

webhookApi.get(
  '/',
  {
    operationId: 'listWebhooks',
    summary: "List the workspace's webhooks, oldest first (without their secrets)",
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: { ...PAGE_QUERY },
    success: { status: 200, description: 'One page of webhooks.', schema: Type.Array(WebhookResponse), paged: true },
  },
  async ({ caller, query }, service) => {
    const [items, total] = await service.list(caller, pageOf(query));
    return { body: items.map(webhookResponse), total };
  },
);

webhookApi.get(
  '/:id',
  {
    operationId: 'getWebhook',
    summary: 'Get a webhook',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The webhook.', schema: WebhookResponse },
  },
  async ({ caller, id }, service) => webhookResponse(await service.get(caller, id)),
);

webhookApi.put(
  '/:id',
  {
    operationId: 'updateWebhook',
    summary: 'Update a webhook (partial)',
    description: 'Only the fields sent change; a new `url` is checked as on create. The secret stays.',
    kind: 'writes',
    access: 'write',
    body: UpdateWebhookDto,
    ifMatch: true,
    success: { status: 200, description: 'The updated webhook.', schema: WebhookResponse },
  },
  async ({ caller, id, body, ifMatch }, service) => webhookResponse(await service.update(caller, id, body, ifMatch)),
);

webhookApi.delete(
  '/:id',
  {
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook',
    description: 'Its deliveries and their log go with it; queued attempts do nothing.',
    kind: 'writes',
    access: 'write',
    ifMatch: true,
    success: { status: 204, description: 'Deleted.' },
  },
  async ({ caller, id, ifMatch }, service) => service.remove(caller, id, ifMatch),
);

webhookApi.post(
  '/:id/test',
  {
    operationId: 'testWebhook',
    summary: 'Send a ping event to the webhook',
    description: 'A `ping` event for this webhook alone, delivered through the outbox like any event (see the delivery log).',
    kind: 'writes',
    access: 'write',
    bodyOptional: true,
    conflict: 'The webhook is disabled.',
    success: { status: 200, description: 'The ping event, on its way.', schema: PingResponse },
  },
  async ({ caller, id }, service) => ({ event_id: await service.ping(caller, id) }),
);

webhookApi.get(
  '/:id/deliveries',
  {
    operationId: 'listWebhookDeliveries',
    summary: 'The delivery log: every attempt, newest first',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: { ...PAGE_QUERY },
    success: { status: 200, description: 'One page of attempts.', schema: Type.Array(DeliveryAttemptResponse), paged: true },
  },
  async ({ caller, id, query }, service) => {
    const [items, total] = await service.attempts(caller, id, pageOf(query));
    return { body: items.map(attemptResponse), total };
  },
);

webhookApi.post(
  '/:id/deliveries/:delivery_id/redeliver',
  {
    operationId: 'redeliverWebhookDelivery',
    summary: 'Send a delivery again',
    description: 'A new round of attempts (with retries) of the same event, with the same `webhook-id`.',
    kind: 'writes',
    access: 'write',
    bodyOptional: true,
    conflict: 'The webhook is disabled.',
    parameters: [
      {
        name: 'delivery_id',
        in: 'path',
        required: true,
        description: 'The delivery (`delivery_id` in the delivery log).',
        schema: { type: 'string', format: 'uuid' },
      },
    ],
    success: { status: 200, description: 'The delivery, pending again.', schema: DeliveryResponse },
  },
  async ({ caller, id, req }, service) => deliveryResponse(await service.redeliver(caller, id, String(req.params.delivery_id))),
);

export function webhookRoutes(deps: AppDeps, limits: RateLimiters) {
  return webhookApi.router(new WebhookService(deps), limits);
}
