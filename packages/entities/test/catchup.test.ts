import fc from 'fast-check';
import { Client } from 'pg';
import { nextOccurrence, RecurrenceRule } from '@scheduler/recurrence';
import {
  CATCHUP_POLICIES,
  catchUpPlan,
  CatchupPolicy,
  createDataSource,
  MAX_MISSED_RECORDED,
  MISSED_REASONS,
  OccurrenceSchedule,
  ScheduledJob,
  settleOccurrences,
} from '../src';
import { at, iso, occurrenceSchedule, ruleFrom, T0 } from './fixtures';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const cron = (pattern: string) =>
  ruleFrom({ schedule_type: 'cron', recurrence_pattern: pattern, scheduled_at: T0.toISOString(), timezone: 'UTC' });
const everySecond = cron('* * * * * *');
const everyFiveSeconds = cron('*/5 * * * * *');
const everyMinute = cron('0 * * * * *');
const daily = ruleFrom({ schedule_type: 'daily', scheduled_at: T0.toISOString(), timezone: 'UTC' });
const once = ruleFrom({ schedule_type: 'once', scheduled_at: T0.toISOString(), timezone: 'UTC' });

/** The catch-up tests' schedules: a 5 s grace and the default policy unless overridden. */
const schedule = (fields: Partial<OccurrenceSchedule> = {}): OccurrenceSchedule =>
  occurrenceSchedule({ misfireGraceSeconds: 5, catchupPolicy: 'latest', ...fields });

/** The rule's occurrences in [from, to]. */
function occurrencesIn(rule: RecurrenceRule, from: Date, to: Date): Date[] {
  const out: Date[] = [];
  for (let t = nextOccurrence(rule, new Date(from.getTime() - 1)); t && t.getTime() <= to.getTime(); t = nextOccurrence(rule, t))
    out.push(t);
  return out;
}

describe('the catch-up plan of a worker back from an outage (the issue: cron every second, grace 5 s, worker away 9 s)', () => {
  // The worker took 09:00:00 and stopped; the scheduler's next job, 09:00:01, waits in Redis.
  // The worker is back at 09:00:10.059 and takes it: 09:00:01 .. 09:00:10 are all due.
  const backAt = at(10 * SECOND + 59);
  const state = (policy: CatchupPolicy) => schedule({ catchupPolicy: policy, nextRunAt: at(SECOND), lastRunAt: T0, runCount: 1 });
  const seconds = (dates: Date[]) => dates.map((d) => (d.getTime() - T0.getTime()) / SECOND);

  it('latest: the most recent occurrence within grace (59 ms late) fires once; the others are missed', () => {
    const plan = catchUpPlan(state('latest'), everySecond, at(SECOND), backAt);
    expect(seconds(plan.fire)).toEqual([10]);
    expect(seconds(plan.missed.map((m) => m.at))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plan.missed.filter((m) => m.reason === MISSED_REASONS.superseded).map((m) => seconds([m.at])[0])).toEqual([6, 7, 8, 9]);
  });

  it('all: every occurrence within grace fires, oldest first; those past grace are missed', () => {
    const plan = catchUpPlan(state('all'), everySecond, at(SECOND), backAt);
    expect(seconds(plan.fire)).toEqual([6, 7, 8, 9, 10]);
    expect(seconds(plan.missed.map((m) => m.at))).toEqual([1, 2, 3, 4, 5]);
    expect(plan.missed[0].reason).toBe('processed 9s late, grace is 5s');
    expect(plan.missed.slice(1).every((m) => m.reason === MISSED_REASONS.pastGrace)).toBe(true);
  });

  it('none: nothing fires; every occurrence is missed', () => {
    const plan = catchUpPlan(state('none'), everySecond, at(SECOND), backAt);
    expect(plan.fire).toEqual([]);
    expect(seconds(plan.missed.map((m) => m.at))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it.each(CATCHUP_POLICIES)('%s: an occurrence on time with nothing newer due fires', (policy) => {
    const plan = catchUpPlan(state(policy), everySecond, at(SECOND), at(SECOND + 40));
    expect(seconds(plan.fire)).toEqual([1]);
    expect(plan.missed).toEqual([]);
  });

  it.each(CATCHUP_POLICIES)(
    '%s: the next run after the catch-up is the rule occurrence after now (the time of day does not drift)',
    (policy) => {
      const { settled } = settleOccurrences(state(policy), everySecond, at(SECOND), backAt, null);
      expect(iso(settled[settled.length - 1].state.nextRunAt)).toBe(iso(at(11 * SECOND)));
    },
  );

  it.each(CATCHUP_POLICIES)('%s: a once schedule taken late but within grace fires (nothing newer is due)', (policy) => {
    const plan = catchUpPlan(schedule({ catchupPolicy: policy, misfireGraceSeconds: 3600 }), once, T0, at(10 * 60 * SECOND));
    expect(plan.fire.map(iso)).toEqual([iso(T0)]);
  });

  it('the absent policy is latest (the column default)', () => {
    const { catchupPolicy: _omitted, ...rest } = state('all');
    expect(catchUpPlan(rest, everySecond, at(SECOND), backAt)).toEqual(catchUpPlan(state('latest'), everySecond, at(SECOND), backAt));
  });

  it('an occurrence at or before the last run never fires again (a redelivery after the catch-up)', () => {
    const plan = catchUpPlan(
      schedule({ nextRunAt: at(11 * SECOND), lastRunAt: at(10 * SECOND) }),
      everySecond,
      at(SECOND),
      at(10 * SECOND + 500),
    );
    expect(plan.fire).toEqual([]);
    expect(plan.missed).toEqual([{ at: at(SECOND), reason: MISSED_REASONS.alreadyPast }]);
  });

  it(`a long outage records at most ${MAX_MISSED_RECORDED} missed occurrences besides the processed one, and still fires the latest`, () => {
    const plan = catchUpPlan(schedule({ nextRunAt: at(SECOND) }), everySecond, at(SECOND), at(2 * HOUR + 300));
    expect(plan.missed).toHaveLength(MAX_MISSED_RECORDED + 1);
    expect(iso(plan.fire[0])).toBe(iso(at(2 * HOUR)));
  });

  it(`all: at most ${MAX_MISSED_RECORDED} fire at once, the most recent; the older ones within grace are missed as too many`, () => {
    const plan = catchUpPlan(
      schedule({ catchupPolicy: 'all', misfireGraceSeconds: 3600, nextRunAt: at(SECOND) }),
      everySecond,
      at(SECOND),
      at(HOUR),
    );
    expect(plan.fire).toHaveLength(MAX_MISSED_RECORDED);
    expect(iso(plan.fire[plan.fire.length - 1])).toBe(iso(at(HOUR)));
    expect(plan.missed.some((m) => m.reason === MISSED_REASONS.tooMany)).toBe(true);
  });
});

describe('settling a backlog', () => {
  it('all with max_runs: the catch-up fires until max_runs, then the schedule is completed and nothing after fires', () => {
    const { settled } = settleOccurrences(
      schedule({ catchupPolicy: 'all', maxRuns: 3, runCount: 1, nextRunAt: at(SECOND), lastRunAt: T0 }),
      everySecond,
      at(SECOND),
      at(4 * SECOND + 100),
      null,
    );
    expect(settled.map((s) => [iso(s.at), s.outcome])).toEqual([
      [iso(at(SECOND)), 'materialized'],
      [iso(at(2 * SECOND)), 'materialized'],
    ]);
    expect(settled[1].state).toMatchObject({ status: 'completed', runCount: 3, nextRunAt: null });
  });

  it('a processed occurrence the schedule ends before still gets its row', () => {
    const { settled } = settleOccurrences(
      schedule({ catchupPolicy: 'all', maxRuns: 1, nextRunAt: at(SECOND) }),
      everySecond,
      at(3 * SECOND),
      at(3 * SECOND + 100),
      null,
    );
    expect(settled.map((s) => [iso(s.at), s.outcome, s.reason])).toEqual([
      [iso(at(SECOND)), 'materialized', undefined],
      [iso(at(3 * SECOND)), 'skipped', 'schedule completed'],
    ]);
  });

  it('an unusable config fails each occurrence the catch-up fires', () => {
    const { settled } = settleOccurrences(
      schedule({ catchupPolicy: 'all', nextRunAt: at(SECOND) }),
      everySecond,
      at(SECOND),
      at(2 * SECOND + 1),
      'no publisher_domain',
    );
    expect(settled.map((s) => s.outcome)).toEqual(['failed', 'failed']);
    expect(settled[1].state).toMatchObject({ errorCount: 2, consecutiveErrors: 2 });
  });

  it('a paused campaign skips the occurrence the catch-up would fire; the others are missed', () => {
    const { missed, settled } = settleOccurrences(
      schedule({ nextRunAt: at(SECOND), campaign: { status: 'paused', startDate: null, endDate: null } }),
      everySecond,
      at(SECOND),
      at(3 * SECOND + 1),
      null,
    );
    expect(settled.map((s) => [iso(s.at), s.outcome, s.reason])).toEqual([[iso(at(3 * SECOND)), 'skipped', 'campaign paused']]);
    expect(missed.map((m) => iso(m.at))).toEqual([iso(at(SECOND)), iso(at(2 * SECOND))]);
  });
});

describe('properties: a worker stopped and restarted, with an injected clock', () => {
  /**
   * A model of the system: while the worker is up it takes each occurrence at its instant plus a
   * small lag; while it is down the scheduler's one pending occurrence waits in Redis, and the
   * worker takes it when it is back. The scheduler then produces the occurrence after the instant
   * it was taken (BullMQ computes the next one from max(now, the previous one)). Each take is
   * settled with `settleOccurrences` from the schedule's state, as the materializer does.
   */
  // Each rule with the longest outage tried for it (a few hundred occurrences at most).
  const rules = [
    { name: 'every second', rule: everySecond, maxDownMs: 90 * SECOND },
    { name: 'every 5 s', rule: everyFiveSeconds, maxDownMs: 10 * 60 * SECOND },
    { name: 'every minute', rule: everyMinute, maxDownMs: 5 * HOUR },
    { name: 'daily', rule: daily, maxDownMs: 30 * DAY },
  ];
  const scenario = fc.integer({ min: 0, max: rules.length - 1 }).chain((which) =>
    fc.record({
      which: fc.constant(which),
      policy: fc.constantFrom<CatchupPolicy>(...CATCHUP_POLICIES),
      graceSeconds: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 30, max: 2 * 86_400 })),
      // How long the worker runs before it stops, and how long it stays away (ms).
      upMs: fc.integer({ min: 0, max: 90_000 }),
      downMs: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: rules[which].maxDownMs })),
      lagMs: fc.integer({ min: 0, max: 300 }),
      afterMs: fc.integer({ min: 1_000, max: 10_000 }),
    }),
  );

  interface Outcome {
    jobs: Date[];
    rows: Map<number, { outcome: string; reason?: string }>;
    takes: { occurrence: Date; takenAt: Date; fired: Date[] }[];
    state: OccurrenceSchedule;
  }

  function run(
    rule: RecurrenceRule,
    policy: CatchupPolicy,
    graceSeconds: number,
    stop: Date,
    restart: Date,
    lagMs: number,
    end: Date,
  ): Outcome {
    let state = schedule({
      catchupPolicy: policy,
      misfireGraceSeconds: graceSeconds,
      nextRunAt: nextOccurrence(rule, new Date(T0.getTime() - 1)),
    });
    const jobs: Date[] = [];
    const rows = new Map<number, { outcome: string; reason?: string }>();
    const takes: Outcome['takes'] = [];
    let pending = state.nextRunAt;
    while (pending && pending.getTime() <= end.getTime() && state.status === 'active') {
      const due = pending.getTime() + lagMs;
      const takenAt = new Date(due >= stop.getTime() && due < restart.getTime() ? restart.getTime() + lagMs : due);
      if (takenAt.getTime() > end.getTime()) break;
      const settlement = settleOccurrences(state, rule, pending, takenAt, null);
      for (const m of settlement.missed) if (!rows.has(m.at.getTime())) rows.set(m.at.getTime(), { outcome: 'missed', reason: m.reason });
      const fired: Date[] = [];
      for (const step of settlement.settled) {
        const previous = rows.get(step.at.getTime());
        if (previous?.outcome !== 'materialized') rows.set(step.at.getTime(), { outcome: step.outcome, reason: step.reason });
        if (step.outcome === 'materialized') {
          jobs.push(step.at);
          fired.push(step.at);
        }
        state = { ...state, ...step.state };
      }
      takes.push({ occurrence: pending, takenAt, fired });
      pending = nextOccurrence(rule, new Date(Math.max(takenAt.getTime(), pending.getTime())));
    }
    return { jobs, rows, takes, state };
  }

  it('no occurrence fires twice; Jobs are made in occurrence order, each within grace of its take; the time of day never drifts', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { rule } = rules[s.which];
        const stop = at(s.upMs);
        const restart = at(s.upMs + s.downMs);
        const out = run(rule, s.policy, s.graceSeconds, stop, restart, s.lagMs, new Date(restart.getTime() + s.afterMs));
        const times = out.jobs.map((d) => d.getTime());
        expect(new Set(times).size).toBe(times.length);
        expect([...times].sort((a, b) => a - b)).toEqual(times);
        for (const take of out.takes) {
          for (const fired of take.fired) expect(take.takenAt.getTime() - fired.getTime()).toBeLessThanOrEqual(s.graceSeconds * SECOND);
        }
        if (out.state.nextRunAt) {
          // A rule occurrence, after the last take.
          expect(iso(nextOccurrence(rule, new Date(out.state.nextRunAt.getTime() - 1)))).toBe(iso(out.state.nextRunAt));
          const last = out.takes[out.takes.length - 1];
          if (last) expect(out.state.nextRunAt.getTime()).toBeGreaterThan(last.takenAt.getTime());
        }
      }),
    );
  });

  it('the take at restart fires exactly what the policy says of the backlog, and records every other occurrence of it as missed', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { rule } = rules[s.which];
        const stop = at(s.upMs);
        const restart = at(s.upMs + s.downMs);
        const out = run(rule, s.policy, s.graceSeconds, stop, restart, s.lagMs, new Date(restart.getTime() + s.afterMs));
        const take = out.takes.find((t) => t.takenAt.getTime() === restart.getTime() + s.lagMs);
        fc.pre(take !== undefined);
        const backlog = occurrencesIn(rule, take.occurrence, take.takenAt);
        fc.pre(backlog.length <= MAX_MISSED_RECORDED);
        const withinGrace = backlog.filter((d) => take.takenAt.getTime() - d.getTime() <= s.graceSeconds * SECOND);
        const expected =
          s.policy === 'all'
            ? withinGrace
            : s.policy === 'latest'
              ? withinGrace.slice(-1)
              : backlog.length === 1 && withinGrace.length === 1
                ? withinGrace
                : [];
        expect(take.fired.map(iso)).toEqual(expected.map(iso));
        for (const d of backlog) {
          const row = out.rows.get(d.getTime());
          expect(row?.outcome).toBe(expected.some((e) => e.getTime() === d.getTime()) ? 'materialized' : 'missed');
        }
      }),
    );
  });

  it('while the worker is up, every occurrence taken within grace fires under every policy', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { rule } = rules[s.which];
        const stop = at(s.upMs);
        const out = run(rule, s.policy, s.graceSeconds, stop, at(s.upMs + s.downMs), s.lagMs, at(s.upMs + s.downMs + s.afterMs));
        const onTime = occurrencesIn(rule, T0, new Date(stop.getTime() - s.lagMs - 1));
        // The lag is shorter than any rule's period, so nothing newer is due when one is taken.
        fc.pre(s.lagMs <= s.graceSeconds * SECOND);
        expect(out.jobs.filter((d) => d.getTime() < stop.getTime() - s.lagMs).map(iso)).toEqual(onTime.map(iso));
      }),
    );
  });

  it('a redelivery of the occurrence taken at restart (a crash after the commit) fires nothing the first take fired, nor anything older than it', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 60_000 }), (s, laterMs) => {
        const { rule } = rules[s.which];
        const stop = at(s.upMs);
        const restart = at(s.upMs + s.downMs);
        const takenAt = new Date(restart.getTime() + s.lagMs);
        const out = run(rule, s.policy, s.graceSeconds, stop, restart, s.lagMs, takenAt);
        const take = out.takes[out.takes.length - 1];
        fc.pre(
          take !== undefined && take.takenAt.getTime() === takenAt.getTime() && take.fired.length > 0 && out.state.status === 'active',
        );
        const again = settleOccurrences(out.state, rule, take.occurrence, new Date(takenAt.getTime() + laterMs), null);
        const refired = again.settled.filter((x) => x.outcome === 'materialized').map((x) => x.at.getTime());
        const lastFired = Math.max(...take.fired.map((d) => d.getTime()));
        expect(refired.filter((t) => t <= lastFired)).toEqual([]);
      }),
    );
  });
});

describe('the catchup_policy column', () => {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scheduler_test';

  it('accepts exactly CATCHUP_POLICIES, and a schedule written without one gets latest', async () => {
    const ds = createDataSource(url, { poolSize: 1 });
    await ds.initialize();
    const client = new Client({ connectionString: url });
    await client.connect();
    const userId = `user-catchup-${Date.now()}`;
    try {
      const repo = ds.getRepository(ScheduledJob);
      const base = {
        userId,
        workspaceId: `user:${userId}`,
        name: 'c',
        scheduleType: 'once',
        scheduledAt: T0,
        timezone: 'UTC',
        jobConfig: {},
        status: 'active' as const,
        nextRunAt: T0,
      };
      const plain = await repo.save(repo.create(base));
      expect((await repo.findOneByOrFail({ id: plain.id })).catchupPolicy).toBe('latest');
      for (const policy of CATCHUP_POLICIES) {
        const saved = await repo.save(repo.create({ ...base, catchupPolicy: policy }));
        expect((await repo.findOneByOrFail({ id: saved.id })).catchupPolicy).toBe(policy);
      }
      await expect(
        client.query(
          `INSERT INTO scheduled_jobs (user_id, workspace_id, name, schedule_type, scheduled_at, catchup_policy) VALUES ($1, 'user:' || $1, 'c', 'once', now(), 'some')`,
          [userId],
        ),
      ).rejects.toThrow(/scheduled_jobs_catchup_policy_check/);
    } finally {
      await client.query('DELETE FROM scheduled_jobs WHERE user_id = $1', [userId]);
      await client.end();
      await ds.destroy();
    }
  });
});
