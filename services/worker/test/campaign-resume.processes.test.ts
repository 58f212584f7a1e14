/**
 * Auto-resume end to end, with three real worker processes on one queue prefix: a campaign paused
 * with `resume_at` 3 s ahead, holding a schedule that fires every 2 s, is active again by itself
 * within about two seconds of `resume_at`, once (one log line across the workers, the metric sums
 * to one, one set of skipped runs with the pause's reason), and its schedule fires afterwards. A
 * campaign that came due while no worker ran is resumed as the workers start.
 *
 * Needs the build (`npm run -s build`).
 */
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { Campaign } from '@scheduler/entities';
import { createRedis } from '@scheduler/queue';
import {
  cleanUpUsers,
  deleteKeysUnder,
  insertCampaign,
  insertSchedule,
  newUserId,
  obliterateQueues,
  openDataSource,
  openQueues,
  pollUntil,
  sleep,
  TEST_REDIS_URL,
  uniqueName,
  waitUntilUp,
  wholeSecondAhead,
  WorkerProcesses,
  type WorkerProcess,
} from '@scheduler/testkit';

let ds: DataSource;
let redis: Redis;
const procs = new WorkerProcesses();
const user = newUserId();
const prefix = uniqueName('autoresume');
const queues = () => openQueues(redis, prefix);

beforeAll(async () => {
  ds = await openDataSource();
  redis = createRedis(TEST_REDIS_URL);
});
afterAll(async () => {
  await procs.killAll();
  procs.dispose();
  await obliterateQueues(queues());
  await deleteKeysUnder(redis, prefix);
  await cleanUpUsers(ds, [user]);
  await redis.quit();
  await ds.destroy();
});

/** The JSON lines a worker logged with this message. */
function logged(worker: WorkerProcess, msg: string): Record<string, unknown>[] {
  return worker.lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry.msg === msg ? [entry] : [];
    } catch {
      return [];
    }
  });
}

/** `scheduler_campaigns_auto_resumed_total` of a worker, read from its /metrics. */
async function autoResumedOf(worker: WorkerProcess): Promise<number> {
  const [started] = logged(worker, 'worker started');
  const text = await (await fetch(`http://127.0.0.1:${started.port as number}/metrics`)).text();
  const line = text.split('\n').find((l) => /^scheduler_campaigns_auto_resumed_total(\{[^}]*\})? /.test(l));
  return Number(line?.split(' ').pop() ?? NaN);
}

it('when a campaign is paused with resume_at 3 s ahead and 3 workers run, then it is active again by itself once and its schedule fires', async () => {
  // Due while no worker ran (a restart): PostgreSQL has it, the first sweep of a starting worker resumes it.
  const missed = await insertCampaign(ds, { userId: user, status: 'paused', resumeAt: new Date(Date.now() - 1_000) });
  const env = { QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '5', RECONCILE_INTERVAL_SECONDS: '1', LOG_LEVEL: 'info' };
  const workers = ['w1', 'w2', 'w3'].map((name) => procs.spawn(name, env));
  await Promise.all(workers.map((w) => waitUntilUp(redis, prefix, w)));

  const start = wholeSecondAhead(1_000);
  const resumeAt = new Date(Date.now() + 3_000);
  const campaign = await insertCampaign(ds, { userId: user, status: 'paused', pausedReason: 'legal check', resumeAt });
  // Held by the paused campaign: active, no next run, no scheduler.
  const schedule = await insertSchedule(ds, {
    userId: user,
    campaignId: campaign.id,
    scheduleType: 'cron',
    recurrencePattern: '*/2 * * * * *',
    scheduledAt: start,
    nextRunAt: null,
  });

  const statusOf = (id: string) => async () => (await ds.getRepository(Campaign).findOneByOrFail({ id })).status;
  await pollUntil(statusOf(missed.id), (s) => s === 'active', 5_000, 100);
  const status = statusOf(campaign.id);
  await pollUntil(status, (s) => s === 'active', 15_000, 100);
  const resumedAt = Date.now();
  expect(resumedAt - resumeAt.getTime()).toBeLessThan(2_500);

  const runs = () =>
    ds.query<{ at: Date; outcome: string; reason: string | null }[]>(
      'SELECT occurrence_at AS at, outcome, reason FROM schedule_runs WHERE scheduled_job_id = $1 ORDER BY occurrence_at',
      [schedule.id],
    );
  await pollUntil(runs, (r) => r.some((x) => x.outcome === 'materialized'), 15_000, 200);
  await sleep(1_500); // room for a second resume were there one

  // Once: one log line across the workers for this campaign, and the counters agree.
  const lines = workers.flatMap((w) => logged(w, 'campaign resumed at its resume_at'));
  expect(lines.filter((l) => l.campaign_id === campaign.id)).toHaveLength(1);
  expect(lines.filter((l) => l.campaign_id === missed.id)).toHaveLength(1);
  const counted = (await Promise.all(workers.map(autoResumedOf))).reduce((a, b) => a + b, 0);
  expect(counted).toBe(lines.length);

  // The held runs (the rule's every-2-s instants from start, up to the resume) are skipped with the pause's reason;
  // after the resume the schedule fires.
  const history = await runs();
  const skipped = history.filter((r) => r.outcome === 'skipped');
  expect(skipped.length).toBeGreaterThan(0);
  for (const r of skipped) {
    expect(r.reason).toBe('campaign paused: legal check');
    expect(r.at.getTime()).toBeLessThanOrEqual(resumedAt);
    expect(r.at.getTime()).toBeGreaterThanOrEqual(start.getTime());
    expect(r.at.getTime() % 2_000).toBe(0); // the rule's own instants (even seconds)
  }
  const fired = history.filter((r) => r.outcome === 'materialized');
  expect(fired.length).toBeGreaterThan(0);
  for (const r of fired) expect(r.at.getTime()).toBeGreaterThan(resumeAt.getTime() - 1_000);
  // One Job per materialized run, read in one statement (the schedule keeps firing every 2 s meanwhile).
  const [counts] = await ds.query<{ jobs: number; materialized: number }[]>(
    `SELECT (SELECT COUNT(*)::int FROM jobs WHERE scheduled_job_id = $1) AS jobs,
            (SELECT COUNT(*)::int FROM schedule_runs WHERE scheduled_job_id = $1 AND outcome = 'materialized') AS materialized`,
    [schedule.id],
  );
  expect(counts.jobs).toBe(counts.materialized);
}, 90_000);
