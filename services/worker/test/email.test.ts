/**
 * Email notifications in the worker, in process: the real dispatcher and the real email
 * processor (nodemailer) on a unique queue prefix, sending to a real SMTP server on 127.0.0.1
 * (`smtp-server`, messages read back with `mailparser`). Events come from the real actions: an
 * occurrence materialized by the worker's `MaterializeService`, a campaign paused through the
 * shared status change.
 *
 * The test database's outbox is shared with `webhooks.test.ts`, whose dispatcher may take this
 * file's events first: it writes their email deliveries too (rows are the truth) and this file's
 * sweep queues them. The other way round, this file's dispatcher queues that file's webhook
 * deliveries on its own queue, so it runs a webhook delivery worker as the real worker does.
 *
 * The last test sends through a real worker process (`SMTP_URL` from its environment) and needs the
 * build (`npm run -s build`).
 */
import { randomUUID } from 'node:crypto';
import { Worker, type Job as QueueJob, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { applyCampaignChange, Campaign, campaignBefore, setCampaignStatus, type EventType } from '@scheduler/entities';
import {
  createRedis,
  createWebhookDeliveryQueue,
  EMAIL_DELIVERIES_QUEUE,
  WEBHOOK_DELIVERIES_QUEUE,
  type EmailDeliveryPayload,
  type WebhookDeliveryPayload,
} from '@scheduler/queue';
import { createLogger } from '@scheduler/telemetry';
import {
  deleteKeysUnder,
  insertCampaign,
  insertSchedule,
  newUserId,
  openDataSource,
  sleep,
  TEST_REDIS_URL,
  uniqueName,
  waitUntilUp,
  WorkerProcesses,
} from '@scheduler/testkit';
import { createEmailDeliveryQueue, createEmailProcessor, createSmtpSender, type MailSender } from '../src/email.processor';
import { MaterializeService } from '../src/materialize.service';
import { OutboxDispatcher } from '../src/outbox.dispatcher';
import { createWebhookProcessor, webhookBackoff } from '../src/webhook.processor';
import { SmtpReceiver } from './smtp-receiver';

const logger = createLogger('silent', 'test');
const FROM = 'Scheduler <notify@scheduler.test>';
const RETRY_DELAY_MS = 200;
const RETRIES = 5;
const WEBHOOK_RETRY_DELAYS_MS = [100, 200, 300];

let ds: DataSource;
let redis: Redis;
let emailRedis: Redis;
let webhookRedis: Redis;
let smtp: SmtpReceiver;
let sender: MailSender;
const prefix = uniqueName('email');
let emailQueue: Queue<EmailDeliveryPayload>;
let webhookQueue: Queue<WebhookDeliveryPayload>;
let dispatcher: OutboxDispatcher;
let emailWorker: Worker<EmailDeliveryPayload>;
let webhookWorker: Worker<WebhookDeliveryPayload>;
let processor: ReturnType<typeof createEmailProcessor>;

beforeAll(async () => {
  ds = await openDataSource();
  redis = createRedis(TEST_REDIS_URL);
  emailRedis = createRedis(TEST_REDIS_URL, 'worker');
  webhookRedis = createRedis(TEST_REDIS_URL, 'worker');
  smtp = new SmtpReceiver();
  await smtp.start();
  sender = createSmtpSender({ smtpUrl: smtp.url, timeoutMs: 2_000 });
  emailQueue = createEmailDeliveryQueue({ connection: redis, prefix });
  webhookQueue = createWebhookDeliveryQueue({ connection: redis, prefix });
  dispatcher = new OutboxDispatcher(ds, webhookQueue, logger, {
    retries: WEBHOOK_RETRY_DELAYS_MS.length,
    lostAfterMs: 0,
    email: { queue: emailQueue, retries: RETRIES, retryDelayMs: RETRY_DELAY_MS },
  });
  processor = createEmailProcessor({ dataSource: ds, logger, sender, from: FROM, retryDelayMs: RETRY_DELAY_MS });
  emailWorker = new Worker<EmailDeliveryPayload>(EMAIL_DELIVERIES_QUEUE, processor, { connection: emailRedis, prefix, concurrency: 4 });
  webhookWorker = new Worker<WebhookDeliveryPayload>(
    WEBHOOK_DELIVERIES_QUEUE,
    createWebhookProcessor({
      dataSource: ds,
      logger,
      options: { timeoutMs: 2_000, allowPrivateNetworks: true, retryDelaysMs: WEBHOOK_RETRY_DELAYS_MS, disableAfterMs: 86_400_000 },
    }),
    { connection: webhookRedis, prefix, concurrency: 4, settings: { backoffStrategy: webhookBackoff(WEBHOOK_RETRY_DELAYS_MS) } },
  );
});
afterAll(async () => {
  await Promise.all([emailWorker.close(), webhookWorker.close()]);
  for (const queue of [emailQueue, webhookQueue]) {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  await deleteKeysUnder(redis, prefix);
  sender.close?.();
  await smtp.stop();
  await Promise.allSettled([redis.quit(), emailRedis.quit(), webhookRedis.quit()]);
  await ds.destroy();
});

/** A member's setting in a workspace, with a fresh address. */
async function subscribe(workspaceId: string, events: EventType[], userId = newUserId()): Promise<{ userId: string; email: string }> {
  const email = `${userId.slice(0, 8)}-${randomUUID().slice(0, 8)}@example.com`;
  await ds.query(`INSERT INTO notification_settings (workspace_id, user_id, email, events) VALUES ($1, $2, $3, $4)`, [
    workspaceId,
    userId,
    email,
    events,
  ]);
  return { userId, email };
}

/** Dispatches (and sweeps this file's emails) every 100 ms until `probe` gives a value; fails after `timeoutMs`. */
async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await dispatcher.dispatch();
    await dispatcher.sweepLostEmails();
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const deliveriesTo = (recipient: string) =>
  ds.query<{ id: string; status: string; attempts: number; event_type: string; last_error: string | null; message_id: string | null }[]>(
    `SELECT id, status, attempts, event_type, last_error, message_id FROM email_deliveries WHERE recipient = $1 ORDER BY created_at`,
    [recipient],
  );

/** A team workspace with a campaign and a daily 10:00 Berlin schedule in it. */
async function scheduleIn(fields: { campaignName?: string; scheduleName?: string; requiresApproval?: boolean } = {}) {
  const workspaceId = `team:email-${randomUUID()}`;
  const userId = newUserId();
  const campaign = await insertCampaign(ds, { userId, workspaceId, name: fields.campaignName ?? 'Spring launch' });
  const schedule = await insertSchedule(ds, {
    userId,
    workspaceId,
    campaignId: campaign.id,
    name: fields.scheduleName ?? 'Weekly digest',
    timezone: 'Europe/Berlin',
    scheduledAt: new Date('2030-01-07T09:00:00Z'),
    nextRunAt: new Date('2030-01-07T09:00:00Z'),
    requiresApproval: fields.requiresApproval ?? false,
  });
  return { workspaceId, campaign, schedule };
}

const fire = (scheduleId: string) =>
  new MaterializeService(ds, () => new Date('2030-01-07T09:00:01Z')).materialize(scheduleId, 1, new Date('2030-01-07T09:00:00Z'));

describe('emails after the real action', () => {
  it('when a schedule fires, then the subscribed member gets job.created in text and HTML naming the schedule, campaign and instant; the others nothing', async () => {
    const { workspaceId, campaign, schedule } = await scheduleIn();
    const ana = await subscribe(workspaceId, ['job.created']);
    const ben = await subscribe(workspaceId, ['run.missed', 'campaign.paused']);
    const elsewhere = await subscribe(`team:other-${randomUUID()}`, ['job.created']);
    const made = await fire(schedule.id);
    expect(made.outcome).toBe('materialized');

    const [mail] = await until(() => smtp.to(ana.email).length > 0 && smtp.to(ana.email));
    expect(mail.subject).toBe('Job created: schedule "Weekly digest", campaign "Spring launch" [job.created]');
    expect(mail.from?.value).toEqual([{ name: 'Scheduler', address: 'notify@scheduler.test' }]);
    for (const body of [mail.text!, mail.html as string]) {
      expect(body).toContain('Weekly digest');
      expect(body).toContain('Spring launch');
      expect(body).toContain('2030-01-07 10:00:00 +01:00 (Europe/Berlin)');
      expect(body).toContain('2030-01-07 09:00:00 UTC');
      expect(body).toContain(made.job!.id);
      expect(body).toContain(campaign.id);
    }
    expect(mail.html).toMatch(/^<!doctype html>/);
    const [row] = await until(async () => {
      const rows = await deliveriesTo(ana.email);
      return rows[0]?.status === 'sent' && rows;
    });
    expect(row).toMatchObject({ event_type: 'job.created', attempts: 1, last_error: null });
    expect(mail.messageId).toBe(row.message_id);
    // Ben subscribed to other types, the other workspace's member is in another workspace.
    await sleep(300);
    expect(smtp.to(ben.email)).toEqual([]);
    expect(smtp.to(elsewhere.email)).toEqual([]);
    expect(await deliveriesTo(ben.email)).toEqual([]);
    expect(await deliveriesTo(elsewhere.email)).toEqual([]);
  });

  it('when a campaign is paused, then campaign.paused is emailed naming the campaign and the reason', async () => {
    const { workspaceId, campaign } = await scheduleIn({ campaignName: 'Autumn sale' });
    const ana = await subscribe(workspaceId, ['campaign.paused']);
    await ds.transaction(async (tx) => {
      const c = await tx.getRepository(Campaign).findOneByOrFail({ id: campaign.id });
      const before = campaignBefore(c);
      setCampaignStatus(c, 'paused', { reason: 'budget review', resumeAt: null });
      await applyCampaignChange(tx, await tx.getRepository(Campaign).save(c), before, new Date());
    });
    const [mail] = await until(() => smtp.to(ana.email).length > 0 && smtp.to(ana.email));
    expect(mail.subject).toBe('Campaign paused: campaign "Autumn sale" [campaign.paused]');
    expect(mail.text).toContain('budget review');
    expect(mail.html).toContain('budget review');
  });

  it('when a gated schedule fires, then job.awaiting_approval is written with job.created and emailed to the approver', async () => {
    const { workspaceId, schedule } = await scheduleIn({ requiresApproval: true });
    const approver = await subscribe(workspaceId, ['job.awaiting_approval']);
    const made = await fire(schedule.id);
    expect(made.job?.withheld).toBe(true);
    const events = await ds.query(`SELECT type, payload FROM outbox_events WHERE workspace_id = $1 ORDER BY type`, [workspaceId]);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['job.awaiting_approval', 'job.created']);
    expect(events[0].payload).toMatchObject({ job_id: made.job!.id, status: 'awaiting_approval', schedule_id: schedule.id });
    const [mail] = await until(() => smtp.to(approver.email).length > 0 && smtp.to(approver.email));
    expect(mail.subject).toBe('Job awaiting approval: schedule "Weekly digest", campaign "Spring launch" [job.awaiting_approval]');
    expect(mail.text).toContain('awaiting_approval');
  });

  it('when the campaign and schedule names hold markup, then the HTML shows them as text and the plain text as they are', async () => {
    const { workspaceId, schedule } = await scheduleIn({ campaignName: '<script>alert(1)</script>', scheduleName: 'Tom & "Jerry" <b>' });
    const ana = await subscribe(workspaceId, ['job.created']);
    await fire(schedule.id);
    const [mail] = await until(() => smtp.to(ana.email).length > 0 && smtp.to(ana.email));
    const html = mail.html as string;
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Tom &amp; &quot;Jerry&quot; &lt;b&gt;');
    expect(mail.text).toContain('<script>alert(1)</script>');
    expect(mail.text).toContain('Tom & "Jerry" <b>');
    expect(mail.subject).toContain('<script>alert(1)</script>');
  });
});

describe('delivery', () => {
  it('when the SMTP server is down, then the email is retried with backoff and sent once when it is back', async () => {
    const { workspaceId, schedule } = await scheduleIn();
    const ana = await subscribe(workspaceId, ['job.created']);
    await smtp.stop();
    try {
      await fire(schedule.id);
      const failing = await until(async () => {
        const rows = await deliveriesTo(ana.email);
        return rows[0]?.attempts >= 2 && rows[0];
      });
      expect(failing.status).toBe('pending');
      expect(failing.last_error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await smtp.start();
    }
    const [row] = await until(async () => {
      const rows = await deliveriesTo(ana.email);
      return rows[0]?.status === 'sent' && rows;
    });
    expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(row.last_error).toBeNull();
    await sleep(500);
    expect(smtp.to(ana.email)).toHaveLength(1);
    expect(await deliveriesTo(ana.email)).toHaveLength(1);
  });

  it('when a sent email is delivered to the processor again (a redelivered job, a redispatch), then nothing more is sent', async () => {
    const { workspaceId, schedule } = await scheduleIn();
    const ana = await subscribe(workspaceId, ['job.created']);
    await fire(schedule.id);
    const [row] = await until(async () => {
      const rows = await deliveriesTo(ana.email);
      return rows[0]?.status === 'sent' && rows;
    });
    const [{ event_id }] = await ds.query(`SELECT event_id FROM email_deliveries WHERE id = $1`, [row.id]);
    const again = { data: { delivery_id: row.id, event_id }, attemptsMade: 0, opts: { attempts: 1 } } as QueueJob<EmailDeliveryPayload>;
    expect(await processor(again)).toBeNull();
    // The event dispatched again (a crash before the commit): the same row, still sent.
    await ds.query(`UPDATE outbox_events SET dispatched_at = NULL WHERE id = $1`, [event_id]);
    await until(async () => {
      const [e] = await ds.query(`SELECT dispatched_at FROM outbox_events WHERE id = $1`, [event_id]);
      return e.dispatched_at !== null;
    });
    await sleep(300);
    expect(await deliveriesTo(ana.email)).toEqual([row]);
    expect(smtp.to(ana.email)).toHaveLength(1);
  });

  it('when the email job is lost (Redis flushed), then the sweep queues it again and it is sent', async () => {
    const { workspaceId, schedule } = await scheduleIn();
    const ana = await subscribe(workspaceId, ['job.created']);
    await emailWorker.pause();
    try {
      await fire(schedule.id);
      const [row] = await until(async () => {
        const rows = await deliveriesTo(ana.email);
        return rows.length > 0 && rows;
      });
      const job = await until(() => emailQueue.getJob(`eml-${row.id}`));
      await job.remove();
    } finally {
      await emailWorker.resume();
    }
    await until(async () => {
      const rows = await deliveriesTo(ana.email);
      return rows[0]?.status === 'sent';
    });
    expect(smtp.to(ana.email)).toHaveLength(1);
  });

  it('when the SMTP server refuses the recipient for good (5xx), then the delivery fails at once with the reply, without retries', async () => {
    const { workspaceId, schedule } = await scheduleIn();
    const ana = await subscribe(workspaceId, ['job.created']);
    await ds.query(`UPDATE notification_settings SET email = $2 WHERE user_id = $1`, [ana.userId, 'nobody@refused.invalid']);
    smtp.refuse.add('nobody@refused.invalid');
    await fire(schedule.id);
    const row = await until(async () => {
      const rows = await deliveriesTo('nobody@refused.invalid');
      return rows[0]?.status === 'failed' && rows[0];
    });
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/550/);
  });
});

describe('a real worker process', () => {
  const procs = new WorkerProcesses();
  const processPrefix = uniqueName('emailprocess');
  let processQueue: Queue<EmailDeliveryPayload>;
  beforeAll(() => {
    processQueue = createEmailDeliveryQueue({ connection: redis, prefix: processPrefix });
  });
  afterAll(async () => {
    await procs.killAll();
    procs.dispose();
    await processQueue.obliterate({ force: true }).catch(() => undefined);
    await processQueue.close();
    await deleteKeysUnder(redis, processPrefix);
  });

  it('when a worker starts with SMTP_URL and EMAIL_FROM, then it sends the emails queued for it and counts them in its metrics', async () => {
    // The worker only sends (WEBHOOK_DISPATCH=false, as every spawned worker): this file's dispatcher queues for it.
    const worker = procs.spawn('email', {
      QUEUE_PREFIX: processPrefix,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Ops <ops@process.test>',
      EMAIL_RETRY_DELAY_MS: '100',
      LOG_LEVEL: 'info',
    });
    await waitUntilUp(redis, processPrefix, worker);
    const toProcess = new OutboxDispatcher(ds, webhookQueue, logger, {
      retries: WEBHOOK_RETRY_DELAYS_MS.length,
      lostAfterMs: 0,
      email: { queue: processQueue, retries: RETRIES, retryDelayMs: RETRY_DELAY_MS },
    });
    const { workspaceId, schedule } = await scheduleIn({ scheduleName: 'Process digest' });
    const ana = await subscribe(workspaceId, ['job.created']);
    await fire(schedule.id);
    const deadline = Date.now() + 20_000;
    while (smtp.to(ana.email).length === 0) {
      if (Date.now() > deadline) throw new Error(`no email from the worker process:\n${worker.lines.join('\n')}`);
      await toProcess.dispatch();
      await toProcess.sweepLostEmails();
      await sleep(100);
    }
    const [mail] = smtp.to(ana.email);
    expect(mail.from?.value).toEqual([{ name: 'Ops', address: 'ops@process.test' }]);
    expect(mail.subject).toContain('schedule "Process digest"');
    expect(mail.text).toContain('2030-01-07 10:00:00 +01:00 (Europe/Berlin)');
    const started = worker.lines.map((l) => JSON.parse(l) as { msg?: string; port?: number }).find((l) => l.msg === 'worker started');
    // The count follows the row's update, just after the SMTP server accepted the message.
    let metrics = '';
    for (let tries = 0; tries < 50 && !/^email_deliveries_total\{outcome="sent",service="worker"\} 1$/m.test(metrics); tries++) {
      metrics = await (await fetch(`http://127.0.0.1:${started!.port}/metrics`)).text();
      await sleep(100);
    }
    expect(metrics).toMatch(/^email_deliveries_total\{outcome="sent",service="worker"\} 1$/m);
    expect(metrics).toMatch(/^scheduler_queue_depth\{queue="email-deliveries",state="waiting",service="worker"\} 0$/m);
    const [row] = await deliveriesTo(ana.email);
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
  });
});
