/**
 * A full-size import: 10,000 CSV rows committed in one request, each with its scheduler, and a
 * sample of them firing through the worker's `MaterializeService` (an injected clock); and a
 * Redis failure after the commit, which the reconciler repairs by creating the schedulers.
 */
import request from 'supertest';
import { Job, ScheduledJob } from '@scheduler/entities';
import { createOccurrenceQueue, createRedis, occurrenceQueuesOver } from '@scheduler/queue';
import { createLogger } from '@scheduler/telemetry';
import { cleanUpUsers, newUserId } from '@scheduler/testkit';
import { MaterializeService } from '../../worker/src/materialize.service';
import { Reconciler } from '../../worker/src/reconciler';
import { MAX_IMPORT_ROWS } from '../src/schedules/import/schedule-import.service';
import { useTestApp } from './helpers';

jest.setTimeout(180_000);

/** Row `i` of the big file: the five types in turn, each with a different publisher. */
function rowOf(i: number): string {
  const day = String(1 + (i % 28)).padStart(2, '0');
  const minute = String(i % 60).padStart(2, '0');
  const domain = `p${i}.example.com`;
  switch (i % 5) {
    case 0:
      return `once ${i},once,2028-03-${day} 09:${minute},Europe/Berlin,,${domain}`;
    case 1:
      return `daily ${i},daily,2028-03-${day} 10:${minute},America/New_York,,${domain}`;
    case 2:
      return `weekly ${i},weekly,2028-03-${day} 11:${minute},UTC,"weekly:monday,thursday",${domain}`;
    case 3:
      return `monthly ${i},monthly,2028-03-${day} 12:${minute},Asia/Tokyo,monthly:last,${domain}`;
    default:
      return `cron ${i},cron,,UTC,${minute} 13 * * *,${domain}`;
  }
}

describe('a 10,000-row import', () => {
  const t = useTestApp();

  it('when 10,000 rows are committed in one request, then every schedule and scheduler exists and a sample fires as planned', async () => {
    const user = newUserId();
    try {
      await bigImport(user);
    } finally {
      // 10,000 active schedules left behind would slow every later reconciler pass over the shared test database.
      await cleanUpUsers(t.deps.dataSource, [user]);
    }
  });

  async function bigImport(user: string) {
    const header = 'name,schedule_type,scheduled_at,timezone,recurrence_pattern,job_config.publisher_domain';
    const csv = `${header}\n${Array.from({ length: MAX_IMPORT_ROWS }, (_, i) => rowOf(i)).join('\n')}\n`;
    const started = Date.now();
    const res = await request(t.app)
      .post('/api/v1/schedule/import')
      .set('Authorization', t.auth(user))
      .set('Content-Type', 'text/csv')
      .send(csv);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ total: MAX_IMPORT_ROWS, valid: MAX_IMPORT_ROWS, invalid: 0 });
    // Measured once, for the report (no timed assertion).
    process.stdout.write(`10,000-row import committed with its schedulers in ${elapsed} ms (${csv.length} bytes)\n`);
    const repo = t.deps.dataSource.getRepository(ScheduledJob);
    expect(await repo.countBy({ userId: user, status: 'active' })).toBe(MAX_IMPORT_ROWS);
    expect(await t.deps.occurrenceQueues.all[0].getJobSchedulersCount()).toBe(MAX_IMPORT_ROWS);

    // A sample of each type: its first occurrence materializes a Job of its own config, and the next run follows the rule.
    const worker = new MaterializeService(t.deps.dataSource, () => clock);
    let clock = new Date();
    const sample: Record<number, { first: string; next: string | null }> = {
      0: { first: '2028-03-01T08:00:00.000Z', next: null },
      1: { first: '2028-03-02T15:01:00.000Z', next: '2028-03-03T15:01:00.000Z' },
      // 2028-03-03 is a Friday: Monday 6th, then Thursday 9th.
      2: { first: '2028-03-06T11:02:00.000Z', next: '2028-03-09T11:02:00.000Z' },
      3: { first: '2028-03-31T03:03:00.000Z', next: '2028-04-30T03:03:00.000Z' },
    };
    for (const [index, expected] of Object.entries(sample)) {
      const i = Number(index);
      const schedule = await repo.findOneByOrFail({ userId: user, name: rowOf(i).split(',')[0] });
      expect(schedule.nextRunAt?.toISOString()).toBe(expected.first);
      expect(await t.deps.occurrenceQueues.of(schedule.id).getJobScheduler(schedule.id)).toBeDefined();
      clock = new Date(schedule.nextRunAt!.getTime() + 1_000);
      const result = await worker.materialize(schedule.id, schedule.version, schedule.nextRunAt!);
      expect(result.outcome).toBe('materialized');
      const job = await t.deps.dataSource.getRepository(Job).findOneByOrFail({ id: result.job!.id });
      expect(job).toMatchObject({ scheduledJobId: schedule.id, publisherDomain: `p${i}.example.com`, status: 'pending' });
      expect(job.scheduledFor?.toISOString()).toBe(expected.first);
      const after = await repo.findOneByOrFail({ id: schedule.id });
      expect(after.runCount).toBe(1);
      expect(after.nextRunAt?.toISOString() ?? null).toBe(expected.next);
    }
    // The cron row started at the import: its first run is the next 13:04 UTC, then daily.
    const cron = await repo.findOneByOrFail({ userId: user, name: 'cron 4' });
    const first = cron.nextRunAt!;
    expect([first.getUTCHours(), first.getUTCMinutes()]).toEqual([13, 4]);
    clock = new Date(first.getTime() + 1_000);
    expect((await worker.materialize(cron.id, cron.version, first)).outcome).toBe('materialized');
    expect((await repo.findOneByOrFail({ id: cron.id })).nextRunAt?.getTime()).toBe(first.getTime() + 86_400_000);
  }

  it('when Redis fails after the commit, then 201 all the same, and the reconciler creates the missing schedulers', async () => {
    const user = newUserId();
    const realQueues = t.deps.occurrenceQueues;
    const realQueue = realQueues.all[0];
    const connection = createRedis(t.config.redisUrl);
    const broken = createOccurrenceQueue({ connection, prefix: t.config.queuePrefix });
    broken.on('error', () => undefined);
    await broken.waitUntilReady();
    connection.disconnect();
    const logger = t.deps.logger;
    const warned: string[] = [];
    t.deps.logger = createLogger('warn', 'api', { write: (line: string) => void warned.push(String(JSON.parse(line).msg)) });
    t.deps.occurrenceQueues = occurrenceQueuesOver([broken]);
    let res: request.Response;
    try {
      res = await request(t.app)
        .post('/api/v1/schedule/import')
        .set('Authorization', t.auth(user))
        .set('Content-Type', 'text/csv')
        .send('name,schedule_type,scheduled_at\nr1,daily,2028-09-01 09:00\nr2,weekly,2028-09-01 09:00\n');
    } finally {
      t.deps.occurrenceQueues = realQueues;
      t.deps.logger = logger;
      await broken.close().catch(() => undefined);
    }
    expect(res.status).toBe(201);
    const ids = (res.body.rows as { id: string }[]).map((r) => r.id);
    expect(warned.filter((m) => /after the commit/.test(m))).toHaveLength(2);
    for (const id of ids) expect(await realQueue.getJobScheduler(id)).toBeUndefined();
    const report = await new Reconciler(t.deps.dataSource, realQueue, t.deps.contentQueue, createLogger('silent', 'test')).reconcile();
    expect(report.created).toBeGreaterThanOrEqual(2);
    for (const id of ids) {
      expect((await realQueue.getJobScheduler(id))?.template?.data).toEqual({ schedule_id: id, version: 1 });
    }
  });
});
