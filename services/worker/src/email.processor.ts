import { Queue, UnrecoverableError, type Job as QueueJob } from 'bullmq';
import { createTransport } from 'nodemailer';
import type { DataSource } from 'typeorm';
import type { EmailConfig } from '@scheduler/config';
import { EMAIL_DELIVERIES_QUEUE, queueNameOn, type EmailDeliveryPayload, type RedisClient } from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';
import { renderEmail } from './email.message';

/** The email queue (`email-deliveries`); finished jobs are kept a while for inspection, the rows are the record. */
export function createEmailDeliveryQueue(options: { connection: RedisClient; prefix: string }): Queue<EmailDeliveryPayload> {
  return new Queue<EmailDeliveryPayload>(queueNameOn(options.connection, EMAIL_DELIVERIES_QUEUE), {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { removeOnComplete: { count: 10_000 }, removeOnFail: { count: 10_000 } },
  });
}

/** What the processor sends with: nodemailer's transporter, or anything with its `sendMail`. */
export interface MailSender {
  sendMail(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
    messageId: string;
    headers: Record<string, string>;
  }): Promise<unknown>;
  close?(): void;
}

/** nodemailer's SMTP transport for `SMTP_URL`, with `EMAIL_TIMEOUT_MS` on connect, greeting and socket. */
export function createSmtpSender(config: Pick<EmailConfig, 'timeoutMs'> & { smtpUrl: string }): MailSender {
  return createTransport({
    url: config.smtpUrl,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  });
}

/** The wait before retry `attemptNo` + 1 (BullMQ's `exponential` backoff: `delay * 2^(attemptNo - 1)`). */
export function emailRetryDelayMs(retryDelayMs: number, attemptNo: number): number {
  return retryDelayMs * 2 ** (attemptNo - 1);
}

interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  recipient: string;
  workspace_id: string;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: Date;
  schedule_id: string | null;
  schedule_name: string | null;
  timezone: string | null;
  campaign_id: string | null;
  campaign_name: string | null;
}

/** An SMTP reply that no retry changes (5xx: mailbox unknown, message refused). */
function permanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The domain of the `From` address, for the `Message-ID`. */
function domainOf(from: string): string {
  const match = /@([^\s>]+)>?\s*$/.exec(from);
  return match ? match[1] : 'scheduler.invalid';
}

/**
 * Sends one email delivery: waits for the dispatch that queued it to commit (its event's row
 * lock), reads the delivery with its event and the schedule and campaign the event names (in the
 * event's workspace; a deleted one is left out), and does nothing for a delivery no longer
 * `pending` (a redelivered job of a `sent` email sends nothing). Renders the plain-text and HTML
 * bodies (`renderEmail`) and sends them through `sender` with a `Message-ID` made of the
 * delivery id (the same on every attempt, so a receiver can deduplicate the one resend a crash
 * between the SMTP acceptance and our commit can cause). Success closes the row `sent`; a
 * failure records the error and the next retry and throws so BullMQ retries it (exponential
 * backoff); the last attempt, or a permanent SMTP refusal (5xx), closes it `failed`.
 */
export function createEmailProcessor(deps: {
  dataSource: DataSource;
  logger: Logger;
  sender: MailSender;
  from: string;
  /** `EMAIL_RETRY_DELAY_MS`: for the `next_retry_at` the row shows. */
  retryDelayMs: number;
  metrics?: Pick<WorkerMetrics, 'emailDeliveries' | 'emailDeliveryDuration'>;
  now?: () => Date;
}) {
  const { dataSource, logger, sender, from, metrics } = deps;
  const now = deps.now ?? (() => new Date());
  const domain = domainOf(from);
  return async (job: QueueJob<EmailDeliveryPayload>): Promise<'sent' | null> => {
    await dataSource.query(`SELECT id FROM outbox_events WHERE id = $1 FOR KEY SHARE`, [job.data.event_id]);
    const rows: DeliveryRow[] = await dataSource.query(
      `SELECT d.id, d.status, d.attempts, d.recipient, d.workspace_id, d.event_id, d.event_type, e.payload, e.created_at,
              s.id AS schedule_id, s.name AS schedule_name, s.timezone, c.id AS campaign_id, c.name AS campaign_name
         FROM email_deliveries d
         JOIN outbox_events e ON e.id = d.event_id
         LEFT JOIN scheduled_jobs s ON s.id::text = e.payload->>'schedule_id' AND s.workspace_id = d.workspace_id
         LEFT JOIN campaigns c ON c.id::text = COALESCE(e.payload->>'campaign_id', s.campaign_id::text) AND c.workspace_id = d.workspace_id
        WHERE d.id = $1`,
      [job.data.delivery_id],
    );
    const row = rows[0];
    if (!row || row.status !== 'pending') return null;
    const content = renderEmail({
      eventId: row.event_id,
      eventType: row.event_type,
      eventAt: row.created_at,
      workspaceId: row.workspace_id,
      payload: row.payload,
      schedule: row.schedule_id ? { id: row.schedule_id, name: row.schedule_name ?? '', timezone: row.timezone ?? 'UTC' } : null,
      campaign: row.campaign_id ? { id: row.campaign_id, name: row.campaign_name ?? '' } : null,
    });
    const messageId = `<${row.id}@${domain}>`;
    const startedAt = now();
    let error: unknown = null;
    try {
      await sender.sendMail({
        from,
        to: row.recipient,
        ...content,
        messageId,
        headers: { 'X-Scheduler-Event-Id': row.event_id, 'X-Scheduler-Event-Type': row.event_type },
      });
    } catch (caught) {
      error = caught;
    }
    const durationMs = now().getTime() - startedAt.getTime();
    metrics?.emailDeliveryDuration.observe(durationMs / 1000);
    // BullMQ's attempts count this one after it returns or throws.
    const attemptNo = job.attemptsMade + 1;
    const log = { delivery_id: row.id, event_id: row.event_id, event_type: row.event_type, attempt: attemptNo };
    if (error === null) {
      await dataSource.query(
        `UPDATE email_deliveries
            SET status = 'sent', attempts = attempts + 1, last_error = NULL, next_retry_at = NULL, message_id = $2, sent_at = $3,
                updated_at = now()
          WHERE id = $1`,
        [row.id, messageId, startedAt],
      );
      metrics?.emailDeliveries.inc({ outcome: 'sent' });
      logger.info({ ...log, duration_ms: durationMs }, 'email notification sent');
      return 'sent';
    }
    const message = error instanceof Error ? error.message : JSON.stringify(error);
    const refused = permanent(error);
    const last = refused || attemptNo >= (job.opts.attempts ?? 1);
    const nextRetryAt = last ? null : new Date(startedAt.getTime() + emailRetryDelayMs(deps.retryDelayMs, attemptNo));
    await dataSource.query(
      `UPDATE email_deliveries
          SET status = $2, attempts = attempts + 1, last_error = $3, next_retry_at = $4, updated_at = now()
        WHERE id = $1`,
      [row.id, last ? 'failed' : 'pending', message.slice(0, 2000), nextRetryAt],
    );
    metrics?.emailDeliveries.inc({ outcome: last ? 'failed' : 'retrying' });
    logger.warn(
      { ...log, error: message, permanent: refused, next_retry_at: nextRetryAt?.toISOString() ?? null },
      last ? 'email notification failed for good' : 'email notification failed; will retry',
    );
    if (refused) throw new UnrecoverableError(message);
    throw new Error(message);
  };
}
