/**
 * The outbox and signed webhooks in the worker, in process (dispatcher + delivery worker on a
 * unique queue prefix) against a real receiver on 127.0.0.1 that verifies every request with the
 * `standardwebhooks` package; and once end to end with a real worker process. The dispatcher is
 * the only one on the test database's outbox in this file (spawned workers of other suites run
 * with `WEBHOOK_DISPATCH=false`).
 *
 * The process test needs the build (`npm run -s build`).
 */
import { randomUUID } from 'node:crypto';
import { Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { Campaign, recordEvent, Webhook, type EventType } from '@scheduler/entities';
import { createRedis, createWebhookDeliveryQueue, WEBHOOK_DELIVERIES_QUEUE, type WebhookDeliveryPayload } from '@scheduler/queue';
import { createLogger } from '@scheduler/telemetry';
import { MaterializeService } from '../src/materialize.service';
import { OutboxDispatcher } from '../src/outbox.dispatcher';
import { createWebhookProcessor, webhookBackoff } from '../src/webhook.processor';
import { newWebhookSecretForTests } from './webhook-secret';
import { WebhookReceiver } from './webhook-receiver';
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
import { applyCampaignChange, campaignBefore, setCampaignStatus } from '@scheduler/entities';

const logger = createLogger('silent', 'test');
const RETRY_DELAYS_MS = [100, 200, 300];

let ds: DataSource;
let redis: Redis;
let workerRedis: Redis;
let receiver: WebhookReceiver;
const prefix = uniqueName('webhooks');
let queue: Queue<WebhookDeliveryPayload>;
let dispatcher: OutboxDispatcher;
let delivery: Worker<WebhookDeliveryPayload>;

beforeAll(async () => {
  ds = await openDataSource();
  redis = createRedis(TEST_REDIS_URL);
  workerRedis = createRedis(TEST_REDIS_URL, 'worker');
  receiver = new WebhookReceiver();
  await receiver.start();
  queue = createWebhookDeliveryQueue({ connection: redis, prefix });
  dispatcher = new OutboxDispatcher(ds, queue, logger, { retries: RETRY_DELAYS_MS.length, lostAfterMs: 0 });
  delivery = new Worker<WebhookDeliveryPayload>(
    WEBHOOK_DELIVERIES_QUEUE,
    createWebhookProcessor({
      dataSource: ds,
      logger,
      options: { timeoutMs: 2_000, allowPrivateNetworks: true, retryDelaysMs: RETRY_DELAYS_MS, disableAfterMs: 86_400_000 },
    }),
    { connection: workerRedis, prefix, concurrency: 4, settings: { backoffStrategy: webhookBackoff(RETRY_DELAYS_MS) } },
  );
});
afterAll(async () => {
  await delivery.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await deleteKeysUnder(redis, prefix);
  await receiver.stop();
  await Promise.allSettled([redis.quit(), workerRedis.quit()]);
  await ds.destroy();
});

/** A webhook of a fresh workspace at its own receiver path, with a known secret. */
async function webhookFor(events: EventType[], fields: Partial<Webhook> = {}): Promise<{ webhook: Webhook; path: string; userId: string }> {
  const userId = newUserId();
  const path = `/${randomUUID()}`;
  const secret = newWebhookSecretForTests();
  receiver.secrets.set(path, secret);
  const repo = ds.getRepository(Webhook);
  const webhook = await repo.save(
    repo.create({ userId, workspaceId: `user:${userId}`, url: `${receiver.url}${path}`, events, secret, enabled: true, ...fields }),
  );
  return { webhook, path, userId };
}

/** Polls `probe` (every 100 ms) until it gives a value; fails the test after `timeoutMs`. */
async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function dispatchUntil<T>(what: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  return until(async () => {
    await dispatcher.dispatch();
    return what() || undefined;
  }, timeoutMs);
}

describe('events after the real action, delivered signed', () => {
  it('when an occurrence makes a Job, then job.created reaches the webhook, verified by standardwebhooks, webhook-id = the event id', async () => {
    const { webhook, path, userId } = await webhookFor(['job.created']);
    const schedule = await insertSchedule(ds, { userId });
    const made = await new MaterializeService(ds, () => new Date('2030-01-01T09:00:01Z')).materialize(
      schedule.id,
      1,
      new Date('2030-01-01T09:00:00Z'),
    );
    expect(made.outcome).toBe('materialized');
    const [got] = await dispatchUntil(() => receiver.at(path).length > 0 && receiver.at(path));
    expect(got.verified).toBe(true);
    expect(got.event).toMatchObject({ type: 'job.created', data: { job_id: made.job!.id, schedule_id: schedule.id, status: 'pending' } });
    expect(got.headers['webhook-id']).toBe(got.event!.id);
    const [row] = await ds.query(`SELECT id, dispatched_at FROM outbox_events WHERE id = $1`, [got.event!.id]);
    expect(row.dispatched_at).not.toBeNull();
    const delivered = await until(async () => {
      const [d] = await ds.query(`SELECT status, attempts FROM webhook_deliveries WHERE webhook_id = $1`, [webhook.id]);
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(delivered.attempts).toBe(1);
  });

  it('when a schedule with one run left fires, then job.created and schedule.completed are delivered', async () => {
    const { path, userId } = await webhookFor(['job.created', 'schedule.completed']);
    const schedule = await insertSchedule(ds, { userId, maxRuns: 1 });
    await new MaterializeService(ds, () => new Date('2030-01-01T09:00:01Z')).materialize(schedule.id, 1, new Date('2030-01-01T09:00:00Z'));
    const got = await dispatchUntil(() => receiver.at(path).length >= 2 && receiver.at(path));
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got.map((r) => r.event!.type).sort()).toEqual(['job.created', 'schedule.completed']);
  });

  it('when occurrences were missed (the backlog), then run.missed is delivered for each one recorded', async () => {
    const { path, userId } = await webhookFor(['run.missed']);
    const schedule = await insertSchedule(ds, { userId, misfireGraceSeconds: 60 });
    // Three days late: the older occurrences of the backlog are recorded missed.
    await new MaterializeService(ds, () => new Date('2030-01-04T09:00:01Z')).materialize(schedule.id, 1, new Date('2030-01-04T09:00:00Z'));
    const got = await dispatchUntil(() => receiver.at(path).length >= 3 && receiver.at(path));
    expect(got.every((r) => r.verified && r.event!.type === 'run.missed')).toBe(true);
    expect(new Set(got.map((r) => r.event!.data.occurrence)).size).toBe(got.length);
  });

  it('when a schedule whose config lacks publisher_domain fires 5 times, then run.failed each time and schedule.error are delivered', async () => {
    const { path, userId } = await webhookFor(['run.failed', 'schedule.error']);
    const schedule = await insertSchedule(ds, { userId, jobConfig: { country: 'us' } });
    for (let i = 1; i < 5; i++) {
      const day = Date.UTC(2030, 0, i, 9);
      await new MaterializeService(ds, () => new Date(day + 1000)).materialize(schedule.id, 1, new Date(day));
    }
    const made = await new MaterializeService(ds, () => new Date('2030-01-05T09:00:01Z')).materialize(
      schedule.id,
      1,
      new Date('2030-01-05T09:00:00Z'),
    );
    expect(made.outcome).toBe('failed');
    const got = await dispatchUntil(() => receiver.at(path).length >= 6 && receiver.at(path));
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got.map((r) => r.event!.type).sort()).toEqual([...Array(5).fill('run.failed'), 'schedule.error']);
    expect(got.find((r) => r.event!.type === 'schedule.error')!.event!.data).toMatchObject({ schedule_id: schedule.id, status: 'error' });
  });

  it('when a campaign is paused and resumed (the shared status change), then campaign.paused and campaign.resumed are delivered', async () => {
    const { path, userId } = await webhookFor(['campaign.paused', 'campaign.resumed']);
    const campaign = await insertCampaign(ds, { userId });
    for (const status of ['paused', 'active'] as const) {
      await ds.transaction(async (tx) => {
        const c = await tx.getRepository(Campaign).findOneByOrFail({ id: campaign.id });
        const before = campaignBefore(c);
        setCampaignStatus(c, status, status === 'paused' ? { reason: 'holiday', resumeAt: null } : undefined);
        await applyCampaignChange(tx, await tx.getRepository(Campaign).save(c), before, new Date());
      });
    }
    const got = await dispatchUntil(() => receiver.at(path).length >= 2 && receiver.at(path));
    // Deliveries are concurrent: no order between two events is promised.
    expect(got.map((r) => r.event!.type).sort()).toEqual(['campaign.paused', 'campaign.resumed']);
    expect(got.find((r) => r.event!.type === 'campaign.paused')!.event!.data).toMatchObject({
      campaign_id: campaign.id,
      reason: 'holiday',
    });
  });
});

describe('the outbox', () => {
  it('when the change rolls back, then its event does not exist and nothing is delivered', async () => {
    const { path, webhook } = await webhookFor(['job.completed']);
    await expect(
      ds.transaction(async (tx) => {
        await recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const rows = await ds.query(`SELECT id FROM outbox_events WHERE workspace_id = $1`, [webhook.workspaceId]);
    expect(rows).toEqual([]);
    await dispatcher.dispatch();
    await sleep(300);
    expect(receiver.at(path)).toEqual([]);
  });

  it('when the dispatch is redone after a crash before its commit (events not marked), then no delivery is added twice', async () => {
    const { path, webhook } = await webhookFor(['job.completed']);
    const eventId = await ds.transaction((tx) => recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() }));
    await dispatcher.dispatch();
    // The crash: the jobs were added, the commit marking the events was lost.
    await ds.query(`UPDATE outbox_events SET dispatched_at = NULL WHERE id = $1`, [eventId]);
    await dispatcher.dispatch();
    await dispatchUntil(() => receiver.at(path).length > 0);
    await sleep(500);
    expect(receiver.at(path).map((r) => r.headers['webhook-id'])).toEqual([eventId]);
    expect(await ds.query(`SELECT id FROM webhook_deliveries WHERE event_id = $1`, [eventId])).toHaveLength(1);
  });

  it("when workspace A has an event, then only A's endpoint gets it, never B's", async () => {
    const a = await webhookFor(['job.failed']);
    const b = await webhookFor(['job.failed']);
    await ds.transaction((tx) => recordEvent(tx, a.webhook.workspaceId, 'job.failed', { job_id: randomUUID() }));
    await dispatchUntil(() => receiver.at(a.path).length > 0);
    await sleep(300);
    expect(receiver.at(b.path)).toEqual([]);
  });

  it('when an endpoint does not subscribe to the type, or is disabled, then it gets nothing', async () => {
    const other = await webhookFor(['job.created']);
    const off = await webhookFor(['job.failed'], { enabled: false });
    await ds.transaction((tx) => recordEvent(tx, other.webhook.workspaceId, 'job.failed', { job_id: randomUUID() }));
    await ds.transaction((tx) => recordEvent(tx, off.webhook.workspaceId, 'job.failed', { job_id: randomUUID() }));
    await dispatcher.dispatch();
    await sleep(400);
    expect(receiver.at(other.path)).toEqual([]);
    expect(receiver.at(off.path)).toEqual([]);
  });

  it('when Redis lost the queued delivery (flushed), then the sweep of pending deliveries queues it again and it is delivered once', async () => {
    const { path, webhook } = await webhookFor(['job.completed']);
    await delivery.pause();
    try {
      const eventId = await ds.transaction((tx) => recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() }));
      await dispatcher.dispatch();
      const [d] = await ds.query(`SELECT id, round FROM webhook_deliveries WHERE event_id = $1`, [eventId]);
      // The flush: the job is gone from Redis, the delivery row still pending.
      await queue.remove(`whd-${d.id}-${d.round}`);
      expect(await queue.getJob(`whd-${d.id}-${d.round}`)).toBeUndefined();
      expect(await dispatcher.sweepLost()).toBeGreaterThanOrEqual(1);
    } finally {
      await delivery.resume();
    }
    await until(() => (receiver.at(path).length > 0 ? true : undefined), 10_000);
    await sleep(300);
    expect(receiver.at(path)).toHaveLength(1);
  });
});

describe('delivery', () => {
  it('when the receiver fails twice then answers 200, then it is delivered after retries with the same webhook-id, each attempt logged', async () => {
    const { path, webhook } = await webhookFor(['job.completed']);
    receiver.answers = [];
    const eventId = await ds.transaction((tx) => recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() }));
    // The next two requests (this test's, the others are idle) fail.
    receiver.answers = [500, 503];
    await dispatchUntil(() => receiver.at(path).some((r) => r.status === 200));
    const got = receiver.at(path);
    expect(got.map((r) => r.status)).toEqual([500, 503, 200]);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));
    expect(got.every((r) => r.verified)).toBe(true);
    const attempts = await until(async () => {
      const rows = await ds.query(
        `SELECT attempt, status_code, error, next_retry_at FROM webhook_attempts WHERE webhook_id = $1 ORDER BY attempt`,
        [webhook.id],
      );
      return rows.length === 3 ? rows : undefined;
    });
    expect(attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 503, 200]);
    expect(attempts[0].next_retry_at).not.toBeNull();
    expect(attempts[2]).toMatchObject({ error: null, next_retry_at: null });
    const [d] = await ds.query(`SELECT status FROM webhook_deliveries WHERE event_id = $1`, [eventId]);
    expect(d.status).toBe('delivered');
  });

  it('when the receiver answers a redirect, then it is not followed and counts as a failure', async () => {
    const { path, webhook } = await webhookFor(['job.completed']);
    receiver.answers = [302];
    await ds.transaction((tx) => recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() }));
    await dispatchUntil(() => receiver.at(path).some((r) => r.status === 200));
    const [first] = await ds.query(`SELECT status_code, error FROM webhook_attempts WHERE webhook_id = $1 AND attempt = 1`, [webhook.id]);
    expect(first).toMatchObject({ status_code: 302, error: 'redirect (302) not followed' });
  });

  it('when every attempt fails for longer than the disable window, then the endpoint is disabled with its reason', async () => {
    const { webhook } = await webhookFor(['job.completed'], {
      failingSince: new Date(Date.now() - 2 * 86_400_000),
      url: 'http://127.0.0.1:1/closed',
    });
    await ds.transaction((tx) => recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() }));
    const row = await until(async () => {
      await dispatcher.dispatch();
      const w = await ds.getRepository(Webhook).findOneByOrFail({ id: webhook.id });
      return w.enabled ? undefined : w;
    });
    expect(row.disabledReason).toMatch(/^disabled: every delivery failed since /);
    const [d] = await ds.query(`SELECT status FROM webhook_deliveries WHERE webhook_id = $1`, [webhook.id]);
    expect(d.status).toBe('failed');
  });
});

describe('end to end with a real worker process', () => {
  const procs = new WorkerProcesses();
  const processPrefix = uniqueName('webhookprocess');
  afterAll(async () => {
    await procs.killAll();
    procs.dispose();
    const q = createWebhookDeliveryQueue({ connection: redis, prefix: processPrefix });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    await deleteKeysUnder(redis, processPrefix);
  });

  const env = {
    QUEUE_PREFIX: processPrefix,
    WEBHOOK_DISPATCH: 'true',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_DELAYS_SECONDS: '0.2,0.3,0.5',
    WEBHOOK_DISPATCH_INTERVAL_MS: '100',
  };

  it('when the receiver fails twice, and a worker is killed -9 with an event pending, then each event arrives verified, once per webhook-id', async () => {
    const { path, webhook } = await webhookFor(['job.completed']);
    // Written while no worker runs: the outbox keeps it.
    const first = await ds.transaction((tx) => recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() }));
    receiver.answers = [503, 500];
    const w1 = procs.spawn('w1', env);
    await waitUntilUp(redis, processPrefix, w1);
    await until(() => receiver.at(path).some((r) => r.status === 200 && r.headers['webhook-id'] === first), 20_000);
    expect(receiver.at(path).map((r) => [r.headers['webhook-id'], r.status])).toEqual([
      [first, 503],
      [first, 500],
      [first, 200],
    ]);
    expect(receiver.at(path).every((r) => r.verified)).toBe(true);

    // kill -9, then an event while it is down; a new worker delivers it.
    w1.child.kill('SIGKILL');
    await w1.exited;
    const second = await ds.transaction((tx) => recordEvent(tx, webhook.workspaceId, 'job.completed', { job_id: randomUUID() }));
    const w2 = procs.spawn('w2', env);
    await waitUntilUp(redis, processPrefix, w2);
    await until(() => receiver.at(path).some((r) => r.headers['webhook-id'] === second), 20_000);
    await sleep(1_000);
    const delivered = receiver
      .at(path)
      .filter((r) => r.status === 200)
      .map((r) => r.headers['webhook-id']);
    expect(delivered).toEqual([first, second]);
  }, 60_000);
});
