import type { Queue } from 'bullmq';
import type { DataSource, EntityManager } from 'typeorm';
import {
  EMAIL_DELIVERY_JOB_NAME,
  emailDeliveryJobId,
  WEBHOOK_DELIVERY_JOB_NAME,
  webhookDeliveryJobId,
  type EmailDeliveryPayload,
  type WebhookDeliveryPayload,
} from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';

/** Events one dispatch transaction takes. */
export const DISPATCH_BATCH = 200;
/** A `pending` delivery untouched for this long is queued again by the sweep (its job may be gone with Redis). */
export const LOST_DELIVERY_AFTER_MS = 60_000;
/** How often the sweep for lost deliveries runs. */
export const LOST_DELIVERY_SWEEP_MS = 30_000;

export interface DispatcherOptions {
  /** Retries of a delivery (`WEBHOOK_RETRY_DELAYS_SECONDS`' length): the job gets one more attempt. */
  retries: number;
  batchSize?: number;
  lostAfterMs?: number;
  /**
   * The email queue and its retries (`EMAIL_RETRIES`, the first wait `EMAIL_RETRY_DELAY_MS`, doubling).
   * Without it the email deliveries are still written (rows are the truth), and queued by the
   * sweep of a dispatcher that has it.
   */
  email?: { queue: Queue<EmailDeliveryPayload>; retries: number; retryDelayMs: number };
}

/**
 * Moves the outbox to the delivery queues. One transaction per batch: take the oldest undispatched
 * events no other worker holds (`FOR UPDATE SKIP LOCKED`, any number of workers dispatch at
 * once), write one `webhook_deliveries` row per (event, enabled webhook of its workspace whose
 * filter has the type; a `ping` only to its webhook) in one statement and one `email_deliveries`
 * row per (event, member setting of its workspace whose `events` has the type; never a `ping`)
 * in another, add their jobs to `webhook-deliveries` and `email-deliveries` with deterministic
 * ids, and only then mark the events dispatched and commit. Redis down: the add throws, the transaction rolls back, nothing is marked, the next
 * poll tries again. A crash after the add and before the commit: the next dispatch writes the
 * same rows again (the unique (event, webhook) keeps the first row if it committed) and adds
 * jobs whose ids exist already, so nothing is delivered twice by the dispatcher itself.
 *
 * Redis flushed after the commit loses the queued jobs, not the deliveries: a `pending` row is
 * the truth, and `sweepLost` adds the job of every pending delivery (webhook or email) untouched
 * for `LOST_DELIVERY_AFTER_MS` again (a no-op for a job still in Redis: same id).
 */
export class OutboxDispatcher {
  private readonly batchSize: number;
  private readonly lostAfterMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: Queue<WebhookDeliveryPayload>,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
    private readonly metrics?: Pick<WorkerMetrics, 'outboxDispatched'>,
  ) {
    this.batchSize = options.batchSize ?? DISPATCH_BATCH;
    this.lostAfterMs = options.lostAfterMs ?? LOST_DELIVERY_AFTER_MS;
  }

  /** Dispatches until the outbox is empty (or another worker holds the rest); the events this call dispatched. */
  async dispatch(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.dataSource.transaction((tx) => this.dispatchBatch(tx));
      total += n;
      if (n < this.batchSize) return total;
    }
  }

  private async dispatchBatch(tx: EntityManager): Promise<number> {
    const events: { id: string }[] = await tx.query(
      `SELECT id FROM outbox_events WHERE dispatched_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [this.batchSize],
    );
    if (events.length === 0) return 0;
    const ids = events.map((e) => e.id);
    const deliveries: { id: string; round: number; status: string; event_id: string; webhook_id: string }[] = await tx.query(
      `INSERT INTO webhook_deliveries (webhook_id, workspace_id, event_id, event_type)
       SELECT w.id, e.workspace_id, e.id, e.type
         FROM outbox_events e
         JOIN webhooks w ON w.workspace_id = e.workspace_id AND w.enabled
          AND (CASE WHEN e.webhook_id IS NOT NULL THEN w.id = e.webhook_id ELSE e.type = ANY (w.events) END)
        WHERE e.id = ANY ($1::uuid[])
       ON CONFLICT (event_id, webhook_id) DO UPDATE SET event_type = EXCLUDED.event_type
       RETURNING id, round, status, event_id, webhook_id`,
      [ids],
    );
    // An address changed after the event keeps the one the row has: a redispatch rewrites nothing but the type.
    const emails: { id: string; status: string; event_id: string }[] = await tx.query(
      `INSERT INTO email_deliveries (workspace_id, user_id, event_id, event_type, recipient)
       SELECT e.workspace_id, n.user_id, e.id, e.type, n.email
         FROM outbox_events e
         JOIN notification_settings n ON n.workspace_id = e.workspace_id AND e.type = ANY (n.events)
        WHERE e.id = ANY ($1::uuid[]) AND e.webhook_id IS NULL
       ON CONFLICT (event_id, user_id) DO UPDATE SET event_type = EXCLUDED.event_type
       RETURNING id, status, event_id`,
      [ids],
    );
    const pending = deliveries.filter((d) => d.status === 'pending');
    const pendingEmails = emails.filter((d) => d.status === 'pending');
    if (pending.length > 0) await this.enqueue(pending);
    if (pendingEmails.length > 0) await this.enqueueEmails(pendingEmails);
    await tx.query(`UPDATE outbox_events SET dispatched_at = now() WHERE id = ANY ($1::uuid[])`, [ids]);
    this.metrics?.outboxDispatched.inc(events.length);
    this.logger.debug({ events: events.length, deliveries: pending.length, emails: pendingEmails.length }, 'outbox dispatched');
    return events.length;
  }

  private async enqueue(deliveries: { id: string; round: number; event_id: string }[]): Promise<void> {
    await this.queue.addBulk(
      deliveries.map((d) => ({
        name: WEBHOOK_DELIVERY_JOB_NAME,
        data: { delivery_id: d.id, event_id: d.event_id, round: d.round },
        opts: { jobId: webhookDeliveryJobId(d.id, d.round), attempts: this.options.retries + 1, backoff: { type: 'webhook' } },
      })),
    );
  }

  private async enqueueEmails(deliveries: { id: string; event_id: string }[]): Promise<void> {
    const email = this.options.email;
    if (!email) return;
    await email.queue.addBulk(
      deliveries.map((d) => ({
        name: EMAIL_DELIVERY_JOB_NAME,
        data: { delivery_id: d.id, event_id: d.event_id },
        opts: {
          jobId: emailDeliveryJobId(d.id),
          attempts: email.retries + 1,
          backoff: { type: 'exponential', delay: email.retryDelayMs },
        },
      })),
    );
  }

  /** Queues again the pending deliveries (webhook and email) untouched for a while (their job may have been lost); how many it re-added. */
  async sweepLost(limit = 1000): Promise<number> {
    return (await this.sweepLostWebhooks(limit)) + (await this.sweepLostEmails(limit));
  }

  /** The pending email deliveries untouched for a while with no job in Redis, queued again; how many. */
  async sweepLostEmails(limit = 1000): Promise<number> {
    const email = this.options.email;
    if (!email) return 0;
    const rows: { id: string; event_id: string }[] = await this.dataSource.query(
      `SELECT id, event_id FROM email_deliveries
        WHERE status = 'pending' AND updated_at < now() - $1 * interval '1 millisecond'
        ORDER BY updated_at LIMIT $2`,
      [this.lostAfterMs, limit],
    );
    if (rows.length === 0) return 0;
    const existing = await Promise.all(rows.map((r) => email.queue.getJob(emailDeliveryJobId(r.id))));
    const lost = rows.filter((_, i) => !existing[i]);
    if (lost.length > 0) {
      await this.enqueueEmails(lost);
      this.logger.warn({ emails: lost.length }, 'pending email deliveries had no job in Redis: queued again');
    }
    return lost.length;
  }

  private async sweepLostWebhooks(limit: number): Promise<number> {
    const rows: { id: string; round: number; event_id: string }[] = await this.dataSource.query(
      `SELECT id, round, event_id FROM webhook_deliveries
        WHERE status = 'pending' AND updated_at < now() - $1 * interval '1 millisecond'
        ORDER BY updated_at LIMIT $2`,
      [this.lostAfterMs, limit],
    );
    if (rows.length === 0) return 0;
    const existing = await Promise.all(rows.map((r) => this.queue.getJob(webhookDeliveryJobId(r.id, r.round))));
    const lost = rows.filter((_, i) => !existing[i]);
    if (lost.length > 0) {
      await this.enqueue(lost);
      this.logger.warn({ deliveries: lost.length }, 'pending webhook deliveries had no job in Redis: queued again');
    }
    return lost.length;
  }
}

/** Undispatched outbox events and the age of the oldest, for the metrics. */
export async function outboxStats(dataSource: DataSource): Promise<{ depth: number; oldestAgeSeconds: number }> {
  const rows: { depth: string; age: number | null }[] = await dataSource.query(
    `SELECT count(*) AS depth, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age FROM outbox_events WHERE dispatched_at IS NULL`,
  );
  return { depth: Number(rows[0].depth), oldestAgeSeconds: Math.max(0, rows[0].age ?? 0) };
}
