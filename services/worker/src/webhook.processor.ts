import { UnrecoverableError, type Job as QueueJob } from 'bullmq';
import { Webhook as Signer } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import type { WebhookDeliveryPayload } from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';
import { sendWebhook, type SendOptions, type SendResult } from './webhook.sender';

export interface DeliveryOptions extends SendOptions {
  /** The wait before each retry, ms (`WEBHOOK_RETRY_DELAYS_SECONDS`). */
  retryDelaysMs: number[];
  /** An endpoint failing for this long is disabled (`WEBHOOK_DISABLE_AFTER_SECONDS`). */
  disableAfterMs: number;
}

/** The delivery queue's `backoffStrategy`: the configured wait before retry `attemptsMade`. */
export function webhookBackoff(retryDelaysMs: number[]) {
  return (attemptsMade: number): number => retryDelaysMs[Math.min(attemptsMade, retryDelaysMs.length) - 1] ?? 0;
}

interface DeliveryRow {
  id: string;
  status: string;
  round: number;
  attempts: number;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: Date;
  webhook_id: string;
  url: string;
  secret: string;
  enabled: boolean;
}

/** The request body of an event (PRODUCT.md: `{id, type, timestamp, data}`). */
export function eventBody(row: { event_id: string; event_type: string; created_at: Date; payload: Record<string, unknown> }): string {
  return JSON.stringify({ id: row.event_id, type: row.event_type, timestamp: row.created_at.toISOString(), data: row.payload });
}

/**
 * Makes one attempt of a delivery: waits for the dispatch that queued it to commit (its event's
 * row lock), reads the delivery, its webhook and event (nothing happens to
 * a delivery no longer pending, of an older redeliver round, or whose webhook is disabled:
 * that one is closed `failed`), signs the body per Standard Webhooks (`webhook-id` = the event
 * id, stable over every attempt and redelivery; `webhook-timestamp` = now), POSTs it
 * (`sendWebhook`), and records the attempt, with the time of the next one when a retry
 * follows. A 2xx closes the delivery `delivered` and clears the endpoint's run of failures;
 * a failure throws so BullMQ retries it (after `webhookBackoff`), the last one closes it
 * `failed`. An endpoint whose attempts have all failed since `disableAfterMs` ago is disabled
 * with its `disabled_reason`.
 */
export function createWebhookProcessor(deps: {
  dataSource: DataSource;
  logger: Logger;
  options: DeliveryOptions;
  metrics?: Pick<WorkerMetrics, 'webhookDeliveries' | 'webhookDeliveryDuration' | 'webhooksDisabled'>;
  now?: () => Date;
}) {
  const { dataSource, logger, options, metrics } = deps;
  const now = deps.now ?? (() => new Date());
  return async (job: QueueJob<WebhookDeliveryPayload>): Promise<SendResult | null> => {
    // The dispatch adds the job before its commit, holding the event's row lock: wait for it to end
    // (a committed dispatch shows the delivery row below; a rolled-back one leaves none: nothing to do).
    await dataSource.query(`SELECT id FROM outbox_events WHERE id = $1 FOR KEY SHARE`, [job.data.event_id]);
    const rows: DeliveryRow[] = await dataSource.query(
      `SELECT d.id, d.status, d.round, d.attempts, d.event_id, d.event_type, e.payload, e.created_at,
              w.id AS webhook_id, w.url, w.secret, w.enabled
         FROM webhook_deliveries d
         JOIN outbox_events e ON e.id = d.event_id
         JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.id = $1`,
      [job.data.delivery_id],
    );
    const row = rows[0];
    if (!row || row.status !== 'pending' || row.round !== job.data.round) return null;
    if (!row.enabled) {
      await dataSource.query(`UPDATE webhook_deliveries SET status = 'failed', next_retry_at = NULL, updated_at = now() WHERE id = $1`, [
        row.id,
      ]);
      return null;
    }
    const sentAt = now();
    const body = eventBody(row);
    const signature = new Signer(row.secret).sign(row.event_id, sentAt, body);
    const headers = {
      'webhook-id': row.event_id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': signature,
    };
    const result = await sendWebhook(row.url, headers, body, options);
    const ok = result.error === null;
    // BullMQ's attempts count this one after it returns or throws.
    const attemptNo = job.attemptsMade + 1;
    const last = attemptNo >= (job.opts.attempts ?? 1);
    const nextRetryAt = ok || last ? null : new Date(sentAt.getTime() + webhookBackoff(options.retryDelaysMs)(attemptNo));
    metrics?.webhookDeliveryDuration.observe(result.durationMs / 1000);
    metrics?.webhookDeliveries.inc({ outcome: ok ? 'delivered' : result.blocked ? 'blocked' : last ? 'failed' : 'retrying' });

    const disabled = await dataSource.transaction(async (tx) => {
      let disabledNow = false;
      if (ok) {
        await tx.query(`UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [row.webhook_id]);
      } else {
        // The run of failures starts at the first failed attempt; once it is `disableAfterMs` old, the endpoint is disabled.
        const since = `COALESCE(failing_since, $2::timestamptz)`;
        const due = `${since} <= $2::timestamptz - $3 * interval '1 millisecond'`;
        // An UPDATE ... RETURNING answers `[rows, affected]` through TypeORM.
        const [changed]: [{ enabled: boolean }[], number] = await tx.query(
          `UPDATE webhooks
              SET failing_since = ${since},
                  enabled = NOT (${due}),
                  disabled_reason = CASE WHEN ${due}
                    THEN 'disabled: every delivery failed since ' || to_char(${since} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') ||
                         ' (last error: ' || $4 || ')'
                    END,
                  updated_at = CASE WHEN ${due} THEN now() ELSE updated_at END
            WHERE id = $1 AND enabled
            RETURNING enabled`,
          [row.webhook_id, sentAt, options.disableAfterMs, result.error],
        );
        disabledNow = changed.length > 0 && !changed[0].enabled;
      }
      const status = ok ? 'delivered' : last || disabledNow ? 'failed' : 'pending';
      const next = status === 'pending' ? nextRetryAt : null;
      await tx.query(
        `INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, status_code, duration_ms, error, next_retry_at, attempted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [row.id, row.webhook_id, row.attempts + 1, result.statusCode, result.durationMs, result.error, next, sentAt],
      );
      await tx.query(
        `UPDATE webhook_deliveries
            SET attempts = attempts + 1, status = $2, next_retry_at = $3, delivered_at = $4, updated_at = now()
          WHERE id = $1`,
        [row.id, status, next, ok ? sentAt : null],
      );
      return disabledNow;
    });
    const log = { webhook_id: row.webhook_id, delivery_id: row.id, event_id: row.event_id, event_type: row.event_type, attempt: attemptNo };
    if (ok) {
      logger.info({ ...log, status_code: result.statusCode, duration_ms: result.durationMs }, 'webhook delivered');
      return result;
    }
    if (disabled) {
      metrics?.webhooksDisabled.inc();
      logger.warn({ ...log }, 'webhook disabled: every delivery failed for WEBHOOK_DISABLE_AFTER_SECONDS');
    }
    logger.warn(
      { ...log, status_code: result.statusCode, error: result.error, next_retry_at: nextRetryAt?.toISOString() ?? null },
      last ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
    );
    if (disabled || last) throw new UnrecoverableError(result.error ?? 'failed');
    throw new Error(result.error ?? 'failed');
  };
}
