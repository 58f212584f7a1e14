import type { DataSource } from 'typeorm';
import {
  apiAs,
  createCampaign,
  createSchedule,
  insertCampaign,
  insertSchedule,
  newUserId,
  openDataSource,
  startPgReplicaPair,
  type PgReplicaPair,
} from '@scheduler/testkit';
import { startTestApp, type TestApp } from './helpers';

/**
 * Read replicas against the real thing: a PostgreSQL primary with a streaming replica of its own
 * (testkit `startPgReplicaPair`), and the app with DATABASE_URL = the primary and
 * DATABASE_REPLICA_URLS = the replica. Pausing the replica's replay makes what each server knows
 * differ, so a list shows which one answered it.
 */
jest.setTimeout(60_000);

/** Long enough for a few requests on a loaded box, short enough to wait out in the lag test. */
const MAX_LAG_SECONDS = 4;

describe('read replicas', () => {
  let pair: PgReplicaPair;
  let t: TestApp;
  let primary: DataSource;

  beforeAll(async () => {
    pair = await startPgReplicaPair();
    t = await startTestApp({
      DATABASE_URL: pair.primaryUrl,
      DATABASE_REPLICA_URLS: pair.replicaUrl,
      REPLICA_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS),
    });
    primary = await openDataSource({ url: pair.primaryUrl, poolSize: 2 });
  }, 120_000);

  afterAll(async () => {
    await primary?.destroy();
    await t?.close();
    await pair?.stop();
  });

  afterEach(async () => {
    // Every test leaves the replica running and replaying.
    await pair.startReplica().catch(() => undefined);
    await pair.resumeReplay().catch(() => undefined);
  });

  const reads = async (target: 'primary' | 'replica', reason: string) => {
    const metric = await t.deps.metrics.registry.getSingleMetric('db_routed_reads_total')!.get();
    return metric.values.find((v) => v.labels.target === target && v.labels.reason === reason)?.value ?? 0;
  };
  /** The names in the user's campaign list. */
  const campaignNames = async (user: string) => {
    const res = await apiAs(t, user).get('/campaigns');
    expect(res.status).toBe(200);
    return (res.body as { name: string }[]).map((c) => c.name).sort();
  };
  /** Replay caught up and checked: the replica takes reads again. */
  const replicaCaughtUp = async () => {
    await pair.waitForReplay();
    await t.deps.reads.check();
    expect(t.deps.reads.health()[0]).toMatchObject({ usable: true, problem: null });
  };

  it('when the replica has not replayed a row yet and lags less than the limit, then lists come from the replica without it; once replayed, with it', async () => {
    const user = newUserId();
    await createCampaign(t, user, { name: 'through the API' });
    await replicaCaughtUp();
    await pair.pauseReplay();
    // Written straight on the primary: the API notes no write position for it.
    await insertCampaign(primary, { userId: user, name: 'only on the primary' });
    await t.deps.reads.check();
    expect(t.deps.reads.health()[0].usable).toBe(true);

    const before = await reads('replica', 'replica');
    expect(await campaignNames(user)).toEqual(['through the API']);
    // The schedule list and the calendar go the same way.
    expect((await apiAs(t, user).get('/schedule')).status).toBe(200);
    expect(await reads('replica', 'replica')).toBe(before + 2);

    await pair.resumeReplay();
    await replicaCaughtUp();
    expect(await campaignNames(user)).toEqual(['only on the primary', 'through the API']);
    expect(await reads('replica', 'replica')).toBe(before + 3);
  });

  it('when a workspace has just written, then its lists come from the primary until the replica has replayed the write (read-your-writes)', async () => {
    const user = newUserId();
    await replicaCaughtUp();
    await pair.pauseReplay();
    const before = await reads('primary', 'read_your_writes');
    await createSchedule(t, user, { name: 'just created' });
    const list = await apiAs(t, user).get('/schedule');
    expect(list.status).toBe(200);
    expect((list.body as { name: string }[]).map((s) => s.name)).toEqual(['just created']);
    expect(await reads('primary', 'read_your_writes')).toBe(before + 1);

    // Another workspace has written nothing: the replica serves it meanwhile.
    const other = newUserId();
    const replicaBefore = await reads('replica', 'replica');
    expect(await campaignNames(other)).toEqual([]);
    expect(await reads('replica', 'replica')).toBe(replicaBefore + 1);

    await pair.resumeReplay();
    await replicaCaughtUp();
    const again = await apiAs(t, user).get('/schedule');
    expect((again.body as { name: string }[]).map((s) => s.name)).toEqual(['just created']);
    expect(await reads('replica', 'replica')).toBe(replicaBefore + 2);
  });

  it('when a write reads rows the replica lacks (the campaign of a new schedule), then it reads and writes them on the primary', async () => {
    const user = newUserId();
    await replicaCaughtUp();
    await pair.pauseReplay();
    const campaign = await insertCampaign(primary, { userId: user, name: 'new on the primary' });
    const schedule = await createSchedule(t, user, { name: 'in it', campaign_id: campaign.id });
    expect(schedule.campaign_id).toBe(campaign.id);
    const stored = await pair.query<{ name: string }>('primary', 'SELECT name FROM scheduled_jobs WHERE id = $1', [schedule.id]);
    expect(stored).toEqual([{ name: 'in it' }]);
    expect(await pair.query('replica', 'SELECT 1 FROM scheduled_jobs WHERE id = $1', [schedule.id])).toEqual([]);
  });

  it('when the replica lags more than REPLICA_MAX_LAG_SECONDS, then it is skipped and the primary serves; when it catches up, it is used again', async () => {
    const user = newUserId();
    await replicaCaughtUp();
    await pair.pauseReplay();
    await insertSchedule(primary, { userId: user, name: 'while lagging' });
    const deadline = Date.now() + (MAX_LAG_SECONDS + 10) * 1000;
    while (t.deps.reads.health()[0].usable && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await t.deps.reads.check();
    }
    const health = t.deps.reads.health()[0];
    expect(health.usable).toBe(false);
    expect(health.lagSeconds).toBeGreaterThan(MAX_LAG_SECONDS);
    expect(health.problem).toMatch(/REPLICA_MAX_LAG_SECONDS/);
    const metrics = await t.deps.metrics.registry.metrics();
    expect(metrics).toMatch(/db_replica_usable\{replica="127\.0\.0\.1:\d+\/scheduler",service="api"\} 0/);

    const before = await reads('primary', 'none_usable');
    const list = await apiAs(t, user).get('/schedule');
    expect((list.body as { name: string }[]).map((s) => s.name)).toEqual(['while lagging']);
    expect(await reads('primary', 'none_usable')).toBe(before + 1);

    await pair.resumeReplay();
    await replicaCaughtUp();
    const replicaBefore = await reads('replica', 'replica');
    const again = await apiAs(t, user).get('/schedule');
    expect((again.body as { name: string }[]).map((s) => s.name)).toEqual(['while lagging']);
    expect(await reads('replica', 'replica')).toBe(replicaBefore + 1);
  });

  it('when the replica is stopped, then the primary answers with no error to the client; when it is back, it is used again', async () => {
    const user = newUserId();
    await createCampaign(t, user, { name: 'kept' });
    await replicaCaughtUp();
    await pair.stopReplica();
    const failedOver = async () => (await reads('primary', 'replica_failed')) + (await reads('primary', 'none_usable'));
    const failedBefore = await failedOver();
    // Before a health check has noticed (else it is skipped): the request fails over to the primary by itself.
    expect(await campaignNames(user)).toEqual(['kept']);
    expect(await failedOver()).toBe(failedBefore + 1);
    await t.deps.reads.check();
    expect(t.deps.reads.health()[0].usable).toBe(false);
    const before = await reads('primary', 'none_usable');
    expect(await campaignNames(user)).toEqual(['kept']);
    expect((await apiAs(t, user).get('/calendar/days?from=2030-01-01T00:00:00Z&to=2030-01-08T00:00:00Z')).status).toBe(200);
    expect(await reads('primary', 'none_usable')).toBe(before + 2);

    await pair.startReplica();
    await replicaCaughtUp();
    const replicaBefore = await reads('replica', 'replica');
    expect(await campaignNames(user)).toEqual(['kept']);
    expect(await reads('replica', 'replica')).toBe(replicaBefore + 1);
  });
});
