import { readManager } from '../db/read-router';
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { checkWebhookTarget, PING_EVENT, recordEvent, Webhook, WebhookDelivery, type HostResolver } from '@scheduler/entities';
import { createWebhookDeliveryQueue, enqueueWebhookDelivery, type WebhookDeliveryPayload } from '@scheduler/queue';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { conflict, notFound, validationFailed } from '../http/errors';
import { assertMatches, type IfMatch } from '../http/etag';
import type { Page } from '../http/pagination';
import { CreateWebhookDto, MAX_WEBHOOKS_PER_WORKSPACE, UpdateWebhookDto } from './webhook.dto';
import type { AttemptRow } from './webhook.mapper';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks' format). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The workspace's webhook endpoints, their delivery log, `ping` and redeliver. A URL is checked
 * by the SSRF guard on create and update (its host resolved, every address public unless
 * `WEBHOOK_ALLOW_PRIVATE_NETWORKS`), a `422` naming `url` otherwise; the worker checks it again at
 * every connect.
 */
export class WebhookService {
  private queue: Queue<WebhookDeliveryPayload> | null = null;

  constructor(
    private readonly deps: AppDeps,
    private readonly resolve?: HostResolver,
  ) {}

  private get deliveryQueue(): Queue<WebhookDeliveryPayload> {
    this.queue ??= createWebhookDeliveryQueue({ connection: this.deps.redis, prefix: this.deps.config.queuePrefix });
    return this.queue;
  }

  /** The SSRF guard's 422 (before any write). */
  private async checkUrl(url: string): Promise<void> {
    const check = await checkWebhookTarget(new URL(url), this.deps.config.webhooks.allowPrivateNetworks, this.resolve);
    if (check.problem) throw validationFailed([{ field: 'url', message: check.problem }]);
  }

  async create(caller: Caller, dto: CreateWebhookDto): Promise<Webhook> {
    await this.checkUrl(dto.url);
    return this.deps.dataSource.transaction(async (tx) => {
      // One create at a time per workspace, so the cap holds under concurrent requests.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`webhooks:${caller.workspaceId}`]);
      const repo = tx.getRepository(Webhook);
      if ((await repo.countBy({ workspaceId: caller.workspaceId })) >= MAX_WEBHOOKS_PER_WORKSPACE) {
        throw conflict(`A workspace has at most ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks (MAX_WEBHOOKS_PER_WORKSPACE): delete one first`);
      }
      const webhook = await repo.save(
        repo.create({
          userId: caller.userId,
          workspaceId: caller.workspaceId,
          url: dto.url,
          events: dto.events,
          description: dto.description ?? null,
          secret: newWebhookSecret(),
          enabled: true,
          disabledReason: null,
          failingSince: null,
        }),
      );
      await recordAudit(tx, caller, { action: 'create', entityType: 'webhook', entityId: webhook.id, after: auditSnapshot(tx, webhook) });
      return webhook;
    });
  }

  async list(caller: Caller, page: Page): Promise<[Webhook[], number]> {
    return readManager(this.deps)
      .getRepository(Webhook)
      .findAndCount({
        where: { workspaceId: caller.workspaceId },
        order: { createdAt: 'ASC', id: 'ASC' },
        take: page.limit,
        skip: page.offset,
      });
  }

  /** The workspace's webhook, or a 404 (also for another workspace's). */
  async get(caller: Caller, id: string): Promise<Webhook> {
    const webhook = await readManager(this.deps).getRepository(Webhook).findOneBy({ id, workspaceId: caller.workspaceId });
    if (!webhook) throw notFound('Webhook');
    return webhook;
  }

  private async locked(tx: EntityManager, caller: Caller, id: string, expected?: IfMatch): Promise<Webhook> {
    const webhook = await tx
      .getRepository(Webhook)
      .findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
    if (!webhook) throw notFound('Webhook');
    assertMatches(expected, webhook, 'Webhook');
    return webhook;
  }

  async update(caller: Caller, id: string, dto: UpdateWebhookDto, expected?: IfMatch): Promise<Webhook> {
    if (Object.values(dto).every((v) => v === undefined)) {
      throw validationFailed([{ field: 'body', message: 'must set at least one of url, events, description, enabled' }]);
    }
    await this.get(caller, id); // a 404 before the URL's DNS
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    return this.deps.dataSource.transaction(async (tx) => {
      const webhook = await this.locked(tx, caller, id, expected);
      const before = auditSnapshot(tx, webhook);
      if (dto.url !== undefined) webhook.url = dto.url;
      if (dto.events !== undefined) webhook.events = dto.events;
      if (dto.description !== undefined) webhook.description = dto.description;
      if (dto.enabled !== undefined) {
        if (dto.enabled && !webhook.enabled) webhook.failingSince = null;
        webhook.enabled = dto.enabled;
        webhook.disabledReason = null;
      }
      const saved = await tx.getRepository(Webhook).save(webhook);
      await recordAudit(tx, caller, { action: 'update', entityType: 'webhook', entityId: id, before, after: auditSnapshot(tx, saved) });
      return saved;
    });
  }

  /** Deletes it with its deliveries and their log. */
  async remove(caller: Caller, id: string, expected?: IfMatch): Promise<void> {
    await this.deps.dataSource.transaction(async (tx) => {
      const webhook = await this.locked(tx, caller, id, expected);
      await tx.getRepository(Webhook).delete({ id: webhook.id, workspaceId: caller.workspaceId });
      await recordAudit(tx, caller, {
        action: 'delete',
        entityType: 'webhook',
        entityId: id,
        before: auditSnapshot(tx, webhook),
        after: null,
      });
    });
  }

  /** Records a `ping` event for this webhook alone: the dispatcher and the delivery send it like any event. */
  async ping(caller: Caller, id: string): Promise<string> {
    return this.deps.dataSource.transaction(async (tx) => {
      const webhook = await this.locked(tx, caller, id);
      if (!webhook.enabled) throw conflict('Webhook is disabled: enable it (PUT enabled: true) before testing it');
      const eventId = await recordEvent(
        tx,
        caller.workspaceId,
        PING_EVENT,
        { webhook_id: webhook.id, message: 'ping from content-scheduler' },
        webhook.id,
      );
      await recordAudit(tx, caller, {
        action: 'test',
        entityType: 'webhook',
        entityId: id,
        changes: { event_id: { old: null, new: eventId } },
      });
      return eventId;
    });
  }

  /** The delivery log: every attempt, newest first. */
  async attempts(caller: Caller, id: string, page: Page): Promise<[AttemptRow[], number]> {
    await this.get(caller, id);
    const rows: AttemptRow[] = await readManager(this.deps).query(
      `SELECT a.id, a.delivery_id, d.event_id, d.event_type, a.attempt, a.status_code, a.duration_ms, a.error,
              a.next_retry_at, a.attempted_at, d.status AS delivery_status
         FROM webhook_attempts a
         JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE a.webhook_id = $1
        ORDER BY a.attempted_at DESC, a.id DESC
        LIMIT $2 OFFSET $3`,
      [id, page.limit, page.offset],
    );
    const [{ total }]: { total: string }[] = await readManager(this.deps).query(
      `SELECT count(*) AS total FROM webhook_attempts WHERE webhook_id = $1`,
      [id],
    );
    return [rows, Number(total)];
  }

  /**
   * Sends a delivery again (same event, same `webhook-id`): a new round of attempts, whatever
   * became of the last one. The job is added after the commit; if Redis refuses it, the worker's
   * sweep of lost deliveries adds it within about a minute (the row is `pending`).
   */
  async redeliver(caller: Caller, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const delivery = await this.deps.dataSource.transaction(async (tx) => {
      const webhook = await this.locked(tx, caller, id);
      if (!UUID.test(deliveryId)) throw notFound('Delivery');
      const repo = tx.getRepository(WebhookDelivery);
      const delivery = await repo.findOne({
        where: { id: deliveryId.toLowerCase(), webhookId: webhook.id, workspaceId: caller.workspaceId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!delivery) throw notFound('Delivery');
      if (!webhook.enabled) throw conflict('Webhook is disabled: enable it (PUT enabled: true) before redelivering');
      const before = { delivery_id: delivery.id, round: delivery.round, status: delivery.status };
      delivery.round += 1;
      delivery.status = 'pending';
      delivery.nextRetryAt = null;
      delivery.deliveredAt = null;
      const saved = await repo.save(delivery);
      await recordAudit(tx, caller, {
        action: 'redeliver',
        entityType: 'webhook',
        entityId: id,
        before,
        after: { delivery_id: saved.id, round: saved.round, status: saved.status },
      });
      return saved;
    });
    await enqueueWebhookDelivery(this.deliveryQueue, delivery, this.deps.config.webhooks.retryDelaysMs.length).catch((error: unknown) =>
      this.deps.logger.warn({ err: error, delivery_id: delivery.id }, 'redeliver: queueing failed; the sweep will queue it'),
    );
    return delivery;
  }

  async close(): Promise<void> {
    await this.queue?.close();
  }
}
