import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Job, ScheduledJob, ScheduleRun } from '@scheduler/entities';
import { MaterializeResult, MaterializeService, OccurrenceItem } from '../src/materialize.service';
import { LOCK, MATERIALIZE, PLANNING } from '../src/materialize.sql';
import { insertCampaign, insertSchedule, insertTemplate, newUserId, openDataSource } from './helpers';

const T0 = new Date('2030-01-01T09:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0.getTime() + ms);

/** A way a schedule can stand when its occurrence arrives: made twice, once per path. */
type Shape = (ds: DataSource, userId: string) => Promise<OccurrenceItem>;

const SHAPES: Record<string, Shape> = {
  plain: async (ds, userId) => ({ scheduleId: (await insertSchedule(ds, { userId })).id, version: 1, occurrence: T0 }),
  'with a template under job_config': async (ds, userId) => {
    const template = await insertTemplate(ds, { userId, publisherDomain: 'forbes.com', llmProvider: 'anthropic', country: 'us' });
    const s = await insertSchedule(ds, { userId, templateId: template.id, jobConfig: { country: 'gb' } });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'a config without publisher_domain (failed run)': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId, jobConfig: {} });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'awaiting approval': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId, requiresApproval: true, approvalTimeoutHours: 4 });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'in an active campaign': async (ds, userId) => {
    const campaign = await insertCampaign(ds, { userId, name: 'c', status: 'active' });
    const s = await insertSchedule(ds, { userId, campaignId: campaign.id });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'a once schedule (completes)': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId, scheduleType: 'once' });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'max_runs reached': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId, maxRuns: 1 });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  paused: async (ds, userId) => {
    const s = await insertSchedule(ds, { userId, status: 'paused' });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'a stale version at an instant the rule no longer fires': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId, version: 2 });
    return { scheduleId: s.id, version: 1, occurrence: at(HOUR) };
  },
  deleted: () => Promise.resolve({ scheduleId: randomUUID(), version: 1, occurrence: T0 }),
  'a backlog caught up (policy all)': async (ds, userId) => {
    const s = await insertSchedule(ds, {
      userId,
      scheduledAt: at(-2 * DAY),
      nextRunAt: at(-2 * DAY),
      catchupPolicy: 'all',
      misfireGraceSeconds: 3 * 86_400,
    });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'past its grace (missed)': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId, misfireGraceSeconds: 1 });
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'skipped by the user': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId });
    await ds.query('INSERT INTO schedule_skips (scheduled_job_id, occurrence_at, workspace_id, created_by) VALUES ($1, $2, $3, $4)', [
      s.id,
      T0,
      s.workspaceId,
      userId,
    ]);
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'in a skip blackout': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId });
    await ds.query(
      `INSERT INTO blackouts (user_id, workspace_id, name, start_date, end_date, timezone, policy) VALUES ($1, $2, 'b', '2030-01-01', '2030-01-01', 'UTC', 'skip')`,
      [userId, s.workspaceId],
    );
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
  'in a shift blackout': async (ds, userId) => {
    const s = await insertSchedule(ds, { userId });
    await ds.query(
      `INSERT INTO blackouts (user_id, workspace_id, name, start_date, end_date, timezone, policy) VALUES ($1, $2, 'b', '2030-01-02', '2030-01-02', 'UTC', 'shift')`,
      [userId, s.workspaceId],
    );
    return { scheduleId: s.id, version: 1, occurrence: T0 };
  },
};

describe('materializing a batch of occurrences', () => {
  let ds: DataSource;
  let service: MaterializeService;
  beforeAll(async () => {
    ds = await openDataSource();
    service = new MaterializeService(ds, () => at(1500));
  });
  afterAll(async () => {
    await ds.destroy();
  });

  /** Everything an occurrence leaves behind, with ids and write times left out. */
  async function stateOf(scheduleId: string, userId: string) {
    const schedule = await ds.getRepository(ScheduledJob).findOneBy({ id: scheduleId });
    const runs = await ds.getRepository(ScheduleRun).find({ where: { scheduledJobId: scheduleId }, order: { occurrenceAt: 'ASC' } });
    const jobs = await ds.getRepository(Job).find({ where: { scheduledJobId: scheduleId }, order: { scheduledFor: 'ASC' } });
    const events: { type: string; payload: Record<string, unknown> }[] = await ds.query(
      'SELECT type, payload FROM outbox_events WHERE workspace_id = $1 ORDER BY type, payload::text',
      [`user:${userId}`],
    );
    return {
      schedule: schedule && {
        status: schedule.status,
        runCount: schedule.runCount,
        errorCount: schedule.errorCount,
        consecutiveErrors: schedule.consecutiveErrors,
        lastError: schedule.lastError,
        lastRunAt: schedule.lastRunAt,
        nextRunAt: schedule.nextRunAt,
      },
      runs: runs.map((r) => ({ at: r.occurrenceAt, outcome: r.outcome, reason: r.reason, error: r.error, job: r.jobId !== null })),
      jobs: jobs.map((j) => ({
        at: j.scheduledFor,
        status: j.status,
        config: j.config,
        publisherDomain: j.publisherDomain,
        country: j.country,
        queued: j.queuedAt !== null,
        deadline: j.approvalDeadline !== null,
      })),
      events: events.map((e) => ({ type: e.type, keys: Object.keys(e.payload).sort(), outcome: e.payload.outcome ?? null })),
    };
  }

  /** A result with the Job ids left out (each path makes its own). */
  const comparable = (r: MaterializeResult) => ({
    ...r,
    job: r.job && {
      ...r.job,
      id: 'JOB',
      scheduledJobId: 'SCHEDULE',
      userId: 'USER',
      workspaceId: 'WORKSPACE',
      campaignId: r.job.campaignId && 'CAMPAIGN',
    },
    caughtUp: r.caughtUp?.map((j) => ({ occurrence: j.occurrence, withheld: j.withheld })),
  });

  it('when every kind of occurrence is materialized in one batch, then each result and everything written equals materializing it alone', async () => {
    const names = Object.keys(SHAPES);
    const singles: { item: OccurrenceItem; user: string }[] = [];
    const batched: { item: OccurrenceItem; user: string }[] = [];
    for (const name of names) {
      const a = newUserId();
      singles.push({ item: await SHAPES[name](ds, a), user: a });
      const b = newUserId();
      batched.push({ item: await SHAPES[name](ds, b), user: b });
    }

    const alone: MaterializeResult[] = [];
    for (const { item } of singles) alone.push(await service.materialize(item.scheduleId, item.version, item.occurrence, item.shifted));
    const together = await service.materializeBatch(batched.map((b) => b.item));

    expect(together).toHaveLength(names.length);
    for (const [i, name] of names.entries()) {
      expect({ name, result: comparable(together[i]) }).toEqual({ name, result: comparable(alone[i]) });
      const [one, other] = [
        await stateOf(singles[i].item.scheduleId, singles[i].user),
        await stateOf(batched[i].item.scheduleId, batched[i].user),
      ];
      expect({ name, state: other }).toEqual({ name, state: one });
    }
    // The shapes cover what they claim (a sample): a Job, a failure, a catch-up, an ignore.
    expect(alone.map((r) => r.outcome)).toEqual(expect.arrayContaining(['materialized', 'failed', 'missed', 'skipped', 'ignored']));
    expect(alone[names.indexOf('a backlog caught up (policy all)')].caughtUp).toHaveLength(2);
  });

  it('when two occurrences of the same schedule come in one batch, then they are taken in order as two single deliveries would be', async () => {
    const [a, b] = [newUserId(), newUserId()];
    const one = await insertSchedule(ds, { userId: a });
    const other = await insertSchedule(ds, { userId: b });
    await service.materialize(one.id, 1, T0);
    await service.materialize(one.id, 1, at(DAY));
    // Given newest first: the batch still takes the older one first.
    const results = await service.materializeBatch([
      { scheduleId: other.id, version: 1, occurrence: at(DAY) },
      { scheduleId: other.id, version: 1, occurrence: T0 },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['materialized', 'materialized']);
    expect(results[0].job?.id).not.toBe(results[1].job?.id);
    expect(await stateOf(other.id, b)).toEqual(await stateOf(one.id, a));
  });

  it('when a batch is delivered again, then every occurrence takes the duplicate path and hands on the same Job', async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => (await insertSchedule(ds, { userId: newUserId() })).id));
    const items = ids.map((scheduleId) => ({ scheduleId, version: 1, occurrence: T0 }));
    const first = await service.materializeBatch(items);
    const again = await service.materializeBatch(items);
    expect(again.map((r) => r.duplicate)).toEqual([true, true, true]);
    expect(again.map((r) => r.job?.id)).toEqual(first.map((r) => r.job?.id));
    for (const id of ids) expect(await ds.getRepository(Job).countBy({ scheduledJobId: id })).toBe(1);
  });

  it('when a batch of plain occurrences is materialized, then it costs the same statements as one: begin, lock, planning, write, commit', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map(async () => (await insertSchedule(ds, { userId: newUserId() })).id));
    const sent: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied below with the spied client as `this`
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      sent.push(
        String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text)
          .trim()
          .split(/\s+/)
          .slice(0, 3)
          .join(' '),
      );
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    });
    let results: MaterializeResult[];
    try {
      results = await service.materializeBatch(ids.map((scheduleId) => ({ scheduleId, version: 1, occurrence: T0 })));
    } finally {
      spy.mockRestore();
    }
    expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'materialized'));
    expect(sent).toEqual(['START TRANSACTION', 'SELECT w.idx::integer AS', 'SELECT k.idx::integer AS', 'WITH v AS', 'COMMIT']);
  });

  it('when batches are materialized, then the lock, planning and write go as named statements PostgreSQL keeps prepared', async () => {
    const sent: { text: string; name?: string }[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied below with the spied client as `this`
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      if (typeof args[0] === 'object' && args[0] !== null) sent.push(args[0] as { text: string; name?: string });
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    });
    // One connection: the session whose prepared statements are read afterwards.
    const single = await openDataSource({ poolSize: 1 });
    const alone = new MaterializeService(single);
    let prepared: string[];
    try {
      for (let round = 0; round < 2; round++) {
        const ids = await Promise.all([1, 2].map(async () => (await insertSchedule(ds, { userId: newUserId() })).id));
        const results = await alone.materializeBatch(ids.map((scheduleId) => ({ scheduleId, version: 1, occurrence: T0 })));
        expect(results.map((r) => r.outcome)).toEqual(['materialized', 'materialized']);
      }
      prepared = (await single.query<{ name: string }[]>('SELECT name FROM pg_prepared_statements')).map((r) => r.name);
    } finally {
      spy.mockRestore();
      await single.destroy();
    }
    const statements = [LOCK, PLANNING, MATERIALIZE];
    for (const statement of statements) {
      const uses = sent.filter((q) => q.text === statement.text);
      expect(uses).toHaveLength(2);
      expect(uses.map((q) => q.name)).toEqual([statement.name, statement.name]);
    }
    expect(new Set(statements.map((s) => s.name)).size).toBe(3);
    expect(prepared).toEqual(expect.arrayContaining(statements.map((s) => s.name)));
  });

  it('when two batches lock overlapping schedules given in opposite orders at the same time, then both commit (the lock takes rows in id order)', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, async () => (await insertSchedule(ds, { userId: newUserId() })).id));
    const forward = ids.map((scheduleId) => ({ scheduleId, version: 1, occurrence: T0 }));
    const backward = [...forward].reverse().map((i) => ({ ...i, occurrence: at(DAY) }));
    const [a, b] = await Promise.all([service.materializeBatch(forward), service.materializeBatch(backward)]);
    expect(b.map((r) => r.outcome)).toEqual(backward.map(() => 'materialized'));
    // Whichever batch locks first goes first (a connection that has its statements prepared
    // already can win): T0 then materializes before the next day, or finds it ran already.
    const first = a[0].outcome === 'materialized';
    expect(a.map((r) => [r.outcome, r.reason])).toEqual(
      forward.map(() => (first ? ['materialized', undefined] : ['missed', 'a later occurrence already ran'])),
    );
    for (const id of ids) expect(await ds.getRepository(Job).countBy({ scheduledJobId: id })).toBe(first ? 2 : 1);
  });

  it('when one occurrence of a batch makes its statement fail, then the whole batch rolls back and throws (nothing is half-written)', async () => {
    const good = await insertSchedule(ds, { userId: newUserId() });
    // A publisher_domain longer than the Job column takes: the write of the batch fails.
    const bad = await insertSchedule(ds, { userId: newUserId(), jobConfig: { publisher_domain: `${'x'.repeat(300)}.com` } });
    await expect(
      service.materializeBatch([
        { scheduleId: good.id, version: 1, occurrence: T0 },
        { scheduleId: bad.id, version: 1, occurrence: T0 },
      ]),
    ).rejects.toThrow(/too long/);
    expect(await ds.getRepository(Job).countBy({ scheduledJobId: good.id })).toBe(0);
    expect((await ds.getRepository(ScheduledJob).findOneByOrFail({ id: good.id })).runCount).toBe(0);
  });
});
