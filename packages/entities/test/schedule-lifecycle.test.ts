import fc from 'fast-check';
import { nextOccurrence, nextOccurrences, RecurrenceRule } from '@scheduler/recurrence';
import {
  afterEdit,
  canPause,
  canResume,
  changesFiring,
  decideOccurrence,
  endedStatus,
  failedRun,
  firedRun,
  FINISHED_SCHEDULE_STATUSES,
  firesAgain,
  intoCampaignWindow,
  MAX_CONSECUTIVE_ERRORS,
  nextRunOf,
  OccurrenceSchedule,
  paused,
  resumed,
  revives,
  runsLeft,
  ScheduleEdit,
  ScheduledJobStatus,
  SCHEDULED_JOB_STATUSES,
  upcomingRuns,
} from '../src';
import { at, iso, occurrenceSchedule as schedule, ruleFrom, T0 } from './fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Daily at 09:00 UTC from T0. */
const daily = ruleFrom({ schedule_type: 'daily', scheduled_at: T0.toISOString(), timezone: 'UTC' });
const dailyUntil = (end: Date) =>
  ruleFrom({ schedule_type: 'daily', scheduled_at: T0.toISOString(), timezone: 'UTC', recurrence_end_date: end.toISOString() });
/** Daily at 09:00 UTC that ended just before T0. */
const ended = ruleFrom({
  schedule_type: 'daily',
  scheduled_at: new Date(T0.getTime() - 2 * DAY).toISOString(),
  timezone: 'UTC',
  recurrence_end_date: new Date(T0.getTime() - 1000).toISOString(),
});
const once = ruleFrom({ schedule_type: 'once', scheduled_at: T0.toISOString(), timezone: 'UTC' });

const NO_EDIT: ScheduleEdit = { ruleChanged: false, campaignChanged: false, templateChanged: false, jobConfigChanged: false };
const edit = (fields: Partial<ScheduleEdit>): ScheduleEdit => ({ ...NO_EDIT, ...fields });

describe('runs left, firing and the next run', () => {
  it.each([
    [null, 0, Infinity],
    [null, 500, Infinity],
    [3, 0, 3],
    [3, 2, 1],
    [3, 3, 0],
    [3, 7, 0],
  ])('when max_runs is %p and run_count %p, then %p runs are left', (maxRuns, runCount, left) => {
    expect(runsLeft({ maxRuns, runCount })).toBe(left);
  });

  it.each<[ScheduledJobStatus, Date | null, boolean]>([
    ['active', T0, true],
    ['active', null, false],
    ['paused', null, false],
    ['paused', T0, false],
    ['completed', null, false],
    ['expired', null, false],
    ['error', null, false],
  ])('when a schedule is %s with next_run_at %p, then firesAgain is %p', (status, nextRunAt, fires) => {
    expect(firesAgain({ status, nextRunAt })).toBe(fires);
  });

  it("when runs are left, then the next run is the rule's next occurrence; when none are, or the rule is unusable, there is none", () => {
    expect(iso(nextRunOf({ maxRuns: null, runCount: 9 }, daily, T0))).toBe(iso(at(DAY)));
    expect(iso(nextRunOf({ maxRuns: 2, runCount: 1 }, daily, T0))).toBe(iso(at(DAY)));
    expect(nextRunOf({ maxRuns: 2, runCount: 2 }, daily, T0)).toBeNull();
    expect(nextRunOf({ maxRuns: null, runCount: 0 }, null, T0)).toBeNull();
  });

  it('when the campaign starts later, then the next run is its first occurrence at or after the start; past its end or the end date there is none', () => {
    const counts = { maxRuns: null, runCount: 0 };
    expect(iso(nextRunOf(counts, daily, T0, { startDate: at(3 * DAY), endDate: null }))).toBe(iso(at(3 * DAY)));
    expect(iso(nextRunOf(counts, daily, T0, { startDate: at(3 * DAY + 1), endDate: null }))).toBe(iso(at(4 * DAY)));
    expect(nextRunOf(counts, daily, T0, { startDate: null, endDate: at(DAY - 1) })).toBeNull();
    expect(iso(nextRunOf(counts, daily, T0, { startDate: null, endDate: at(DAY) }))).toBe(iso(at(DAY)));
    expect(nextRunOf(counts, dailyUntil(at(DAY - 1)), T0)).toBeNull();
  });

  it('upcoming runs stop at the runs left, the campaign end and the end date', () => {
    const from = at(-1);
    expect(upcomingRuns({ maxRuns: 5, runCount: 3 }, daily, from, null, 10).map(iso)).toEqual([iso(T0), iso(at(DAY))]);
    expect(upcomingRuns({ maxRuns: null, runCount: 0 }, daily, from, { startDate: at(DAY), endDate: at(3 * DAY) }, 10).map(iso)).toEqual([
      iso(at(DAY)),
      iso(at(2 * DAY)),
      iso(at(3 * DAY)),
    ]);
    expect(upcomingRuns({ maxRuns: null, runCount: 0 }, dailyUntil(at(DAY)), from, null, 10)).toHaveLength(2);
    expect(upcomingRuns({ maxRuns: null, runCount: 0 }, daily, from, null, 4)).toHaveLength(4);
    expect(upcomingRuns({ maxRuns: 1, runCount: 1 }, daily, from, null, 4)).toEqual([]);
    expect(upcomingRuns({ maxRuns: null, runCount: 0 }, null, from, null, 4)).toEqual([]);
  });
});

describe('completed versus expired', () => {
  it.each<[number | null, number, 'fired' | 'rescheduled', 'completed' | 'expired']>([
    [3, 3, 'fired', 'completed'],
    [3, 3, 'rescheduled', 'completed'],
    [3, 1, 'fired', 'completed'],
    [null, 1, 'fired', 'completed'],
    [null, 0, 'fired', 'expired'],
    [3, 1, 'rescheduled', 'expired'],
    [null, 4, 'rescheduled', 'expired'],
    [null, 0, 'rescheduled', 'expired'],
  ])('when max_runs is %p, run_count %p and the schedule is %s without a next run, then it is %s', (maxRuns, runCount, how, status) => {
    expect(endedStatus({ maxRuns, runCount }, how)).toBe(status);
  });
});

describe('pause and resume', () => {
  it('only an active schedule can be paused, and only a paused one resumed', () => {
    expect(SCHEDULED_JOB_STATUSES.filter(canPause)).toEqual(['active']);
    expect(SCHEDULED_JOB_STATUSES.filter(canResume)).toEqual(['paused']);
  });

  it('when paused, then it has no next run and keeps its counters', () => {
    expect(paused(schedule({ runCount: 4, errorCount: 2 }))).toEqual({
      ...stateOf(schedule({ runCount: 4, errorCount: 2 })),
      status: 'paused',
      nextRunAt: null,
    });
  });

  it.each<[string, Partial<OccurrenceSchedule>, RecurrenceRule | null, Date, ScheduledJobStatus, Date | null]>([
    ['runs left', { status: 'paused', nextRunAt: null }, daily, at(DAY + 1), 'active', at(2 * DAY)],
    ['the run due at resume time is not made up', { status: 'paused', nextRunAt: null }, daily, at(DAY), 'active', at(2 * DAY)],
    ['its end date passed meanwhile', { status: 'paused', nextRunAt: null }, dailyUntil(at(DAY)), at(DAY), 'expired', null],
    ['no runs left', { status: 'paused', nextRunAt: null, maxRuns: 2, runCount: 2 }, daily, T0, 'completed', null],
    ['an unusable rule', { status: 'paused', nextRunAt: null }, null, T0, 'expired', null],
  ])(
    'when a paused schedule is resumed with %s, then it gets the status and next run of the table',
    (_, fields, rule, now, status, next) => {
      const result = resumed(schedule(fields), rule, now, null);
      expect(result.status).toBe(status);
      expect(iso(result.nextRunAt)).toBe(iso(next));
    },
  );

  it('when the campaign window opens later, then resume moves the next run into it', () => {
    const result = resumed(schedule({ status: 'paused', nextRunAt: null }), daily, T0, { startDate: at(5 * DAY), endDate: null });
    expect(iso(result.nextRunAt)).toBe(iso(at(5 * DAY)));
  });
});

function stateOf(s: OccurrenceSchedule) {
  const { status, nextRunAt, lastRunAt, runCount, errorCount, consecutiveErrors, lastError } = s;
  return { status, nextRunAt, lastRunAt, runCount, errorCount, consecutiveErrors, lastError };
}

describe('revival on edit', () => {
  const rule = edit({ ruleChanged: true });
  const campaign = edit({ campaignChanged: true });
  const template = edit({ templateChanged: true });
  const config = edit({ jobConfigChanged: true });

  const edits: Record<string, ScheduleEdit> = { rule, campaign, template, job_config: config, 'nothing it fires': NO_EDIT };
  it.each<[ScheduledJobStatus, string, boolean]>([
    ['error', 'rule', true],
    ['error', 'campaign', true],
    ['error', 'template', true],
    ['error', 'job_config', true],
    ['error', 'nothing it fires', false],
    ['completed', 'rule', true],
    ['expired', 'rule', true],
    ['completed', 'job_config', false],
    ['expired', 'template', false],
    ['expired', 'campaign', false],
    ['paused', 'rule', false],
    ['active', 'rule', false],
  ])('when a schedule in %s gets a new %s, then revives is %p', (status, change, expected) => {
    expect(revives(status, edits[change])).toBe(expected);
  });

  it('the finished statuses are exactly those that only an edit revives', () => {
    const everything = edit({ ruleChanged: true, campaignChanged: true, templateChanged: true, jobConfigChanged: true });
    expect(SCHEDULED_JOB_STATUSES.filter((status) => revives(status, everything))).toEqual([...FINISHED_SCHEDULE_STATUSES]);
  });

  it('an edit that changes nothing it fires (a rename) changes no state, whatever the status', () => {
    for (const status of SCHEDULED_JOB_STATUSES) {
      const before = schedule({ status, nextRunAt: status === 'active' ? T0 : null, consecutiveErrors: 3 });
      expect(changesFiring(NO_EDIT)).toBe(false);
      expect(afterEdit(before, NO_EDIT, daily, at(-HOUR), null)).toEqual(stateOf(before));
    }
  });

  it.each<[string, Partial<OccurrenceSchedule>, ScheduleEdit, RecurrenceRule | null, ScheduledJobStatus, Date | null, number]>([
    [
      'an error schedule whose job_config is fixed',
      { status: 'error', nextRunAt: null, consecutiveErrors: 5 },
      config,
      daily,
      'active',
      at(DAY),
      0,
    ],
    [
      'an error schedule whose template changes',
      { status: 'error', nextRunAt: null, consecutiveErrors: 5 },
      template,
      daily,
      'active',
      at(DAY),
      0,
    ],
    [
      'an error schedule whose new rule has no run',
      { status: 'error', nextRunAt: null, consecutiveErrors: 5 },
      rule,
      ended,
      'error',
      null,
      5,
    ],
    [
      'a completed schedule whose new max_runs leaves runs',
      { status: 'completed', nextRunAt: null, maxRuns: 5, runCount: 3 },
      rule,
      daily,
      'active',
      at(DAY),
      0,
    ],
    [
      'a completed schedule whose new rule has no runs left',
      { status: 'completed', nextRunAt: null, maxRuns: 3, runCount: 3 },
      rule,
      daily,
      'completed',
      null,
      0,
    ],
    [
      'a completed schedule whose job_config changes',
      { status: 'completed', nextRunAt: null, runCount: 1 },
      config,
      daily,
      'completed',
      null,
      0,
    ],
    [
      'an expired schedule with a later end date',
      { status: 'expired', nextRunAt: null },
      rule,
      dailyUntil(at(3 * DAY)),
      'active',
      at(DAY),
      0,
    ],
    ['a paused schedule with a new rule', { status: 'paused', nextRunAt: null }, rule, daily, 'paused', null, 0],
    ['an active schedule with a new rule', { consecutiveErrors: 2 }, rule, daily, 'active', at(DAY), 0],
    ['an active schedule whose new end date leaves no run', { runCount: 2 }, rule, ended, 'expired', null, 0],
    ['an active schedule whose new max_runs is used up', { runCount: 2, maxRuns: 2 }, rule, daily, 'completed', null, 0],
  ])(
    'when %s is edited, then it gets the status, next run and error count of the table',
    (_, fields, change, newRule, status, next, consecutive) => {
      const result = afterEdit(schedule(fields), change, newRule, T0, null);
      expect(result.status).toBe(status);
      expect(iso(result.nextRunAt)).toBe(iso(next));
      expect(result.consecutiveErrors).toBe(consecutive);
    },
  );

  it('when the new campaign opens later, then the next run is inside its window', () => {
    const result = afterEdit(schedule(), campaign, daily, T0, { startDate: at(2 * DAY), endDate: null });
    expect(iso(result.nextRunAt)).toBe(iso(at(2 * DAY)));
  });
});

describe('a campaign whose dates change', () => {
  it.each<[string, { startDate: Date | null; endDate: Date | null }, ScheduledJobStatus, Date | null]>([
    ['a later start', { startDate: at(4 * DAY), endDate: null }, 'active', at(4 * DAY)],
    ['an end before the next run', { startDate: null, endDate: at(DAY - 1) }, 'expired', null],
    ['no dates', { startDate: null, endDate: null }, 'active', at(DAY)],
  ])('when it gets %s, then its active schedule gets the status and next run of the table', (_, window, status, next) => {
    const result = intoCampaignWindow(schedule({ runCount: 1 }), daily, T0, window);
    expect(result.status).toBe(status);
    expect(iso(result.nextRunAt)).toBe(iso(next));
  });
});

describe('an occurrence in the worker', () => {
  const now = at(1500);
  const decide = (fields: Partial<OccurrenceSchedule>, rule: RecurrenceRule | null = daily, occurrence = T0, clock = now) =>
    decideOccurrence(schedule(fields), rule, occurrence, clock);

  it('when every check passes, then it fires with the rule', () => {
    expect(decide({})).toEqual({ fire: true, rule: daily });
  });

  it.each<[string, Partial<OccurrenceSchedule>, RecurrenceRule | null, string, string, ScheduledJobStatus, Date | null]>([
    ['the schedule is paused', { status: 'paused', nextRunAt: null }, daily, 'skipped', 'schedule paused', 'paused', null],
    ['the schedule is completed', { status: 'completed', nextRunAt: null }, daily, 'skipped', 'schedule completed', 'completed', null],
    ['the rule is unusable', {}, null, 'failed', 'the stored recurrence rule is no longer valid', 'error', null],
    ['max_runs is reached', { maxRuns: 2, runCount: 2 }, daily, 'skipped', 'max_runs reached', 'completed', null],
    ['it is after the end date', {}, ended, 'skipped', 'after recurrence_end_date', 'expired', null],
    [
      'it is after the campaign end',
      { campaign: { status: 'active', startDate: null, endDate: at(-1) } },
      daily,
      'skipped',
      'after campaign end_date',
      'expired',
      null,
    ],
    [
      'the campaign is archived',
      { campaign: { status: 'archived', startDate: null, endDate: null } },
      daily,
      'skipped',
      'campaign archived',
      'expired',
      null,
    ],
    [
      'the campaign is completed',
      { campaign: { status: 'completed', startDate: null, endDate: null } },
      daily,
      'skipped',
      'campaign completed',
      'expired',
      null,
    ],
    [
      'the campaign is paused',
      { campaign: { status: 'paused', startDate: null, endDate: null } },
      daily,
      'skipped',
      'campaign paused',
      'active',
      null, // held: no next run until the campaign's resume (issue 10)
    ],
    [
      'it is before the campaign start',
      { campaign: { status: 'active', startDate: at(2 * DAY), endDate: null } },
      daily,
      'skipped',
      'before campaign start_date',
      'active',
      at(2 * DAY),
    ],
  ])('when %s, then the occurrence and the schedule settle as the table says', (_, fields, rule, outcome, text, status, next) => {
    const decision = decide(fields, rule);
    if (decision.fire) throw new Error('expected no fire');
    expect(decision.outcome).toBe(outcome);
    expect(decision.reason ?? decision.error).toBe(text);
    expect(decision.state.status).toBe(status);
    expect(iso(decision.state.nextRunAt)).toBe(iso(next));
  });

  it('the checks go in order: a paused schedule of an archived campaign is skipped as paused, not expired', () => {
    const decision = decide({ status: 'paused', nextRunAt: null, campaign: { status: 'archived', startDate: null, endDate: null } });
    expect(decision).toMatchObject({ fire: false, reason: 'schedule paused', state: { status: 'paused' } });
  });

  it('when the rule is unusable, then the error is recorded on the schedule but not counted as a run error', () => {
    const decision = decide({ errorCount: 1 }, null);
    expect(decision).toMatchObject({
      fire: false,
      state: { status: 'error', errorCount: 1, lastError: 'the stored recurrence rule is no longer valid' },
    });
  });

  it('when it is processed within grace it fires; one second past grace it is missed and the next run keeps its time of day', () => {
    expect(decide({ misfireGraceSeconds: 600 }, daily, T0, at(600_000)).fire).toBe(true);
    const late = decide({ misfireGraceSeconds: 600 }, daily, T0, at(601_000));
    expect(late).toMatchObject({ fire: false, outcome: 'missed', reason: 'processed 601s late, grace is 600s' });
    expect(late.fire === false && iso(late.state.nextRunAt)).toBe(iso(at(DAY)));
  });

  it('when a missed occurrence was the last before the end date, then the schedule ends: completed if it ran, else expired', () => {
    const rule = dailyUntil(at(HOUR));
    const ran = decide({ runCount: 1, misfireGraceSeconds: 0 }, rule, T0, at(1000));
    const never = decide({ runCount: 0, misfireGraceSeconds: 0 }, rule, T0, at(1000));
    expect(ran.fire === false && ran.state).toMatchObject({ status: 'completed', nextRunAt: null });
    expect(never.fire === false && never.state).toMatchObject({ status: 'expired', nextRunAt: null });
  });

  it('when a run fires, then it counts, resets the errors in a row and moves to the next occurrence after now', () => {
    const result = firedRun(schedule({ runCount: 2, consecutiveErrors: 3, errorCount: 3 }), daily, T0, at(DAY + HOUR));
    expect(result).toMatchObject({ status: 'active', runCount: 3, consecutiveErrors: 0, errorCount: 3, lastRunAt: T0 });
    expect(iso(result.nextRunAt)).toBe(iso(at(2 * DAY)));
  });

  it('when the last run fires, then the schedule is completed: a once, or max_runs reached', () => {
    expect(firedRun(schedule(), once, T0, now)).toMatchObject({ status: 'completed', nextRunAt: null, runCount: 1 });
    expect(firedRun(schedule({ maxRuns: 3, runCount: 2 }), daily, T0, now)).toMatchObject({
      status: 'completed',
      nextRunAt: null,
      runCount: 3,
    });
  });

  it(`when runs fail, then they count; the ${MAX_CONSECUTIVE_ERRORS}th in a row stops the schedule in error`, () => {
    let state = schedule();
    for (let i = 1; i < MAX_CONSECUTIVE_ERRORS; i++) {
      state = { ...state, ...failedRun(state, daily, at((i - 1) * DAY), at((i - 1) * DAY + 1000), 'no publisher_domain') };
      expect(state).toMatchObject({ status: 'active', errorCount: i, consecutiveErrors: i, lastError: 'no publisher_domain' });
      expect(iso(state.nextRunAt)).toBe(iso(at(i * DAY)));
    }
    const last = failedRun(state, daily, at(4 * DAY), at(4 * DAY + 1000), 'no publisher_domain');
    expect(last).toMatchObject({ status: 'error', nextRunAt: null, consecutiveErrors: MAX_CONSECUTIVE_ERRORS });
  });
});

describe('properties', () => {
  const window = fc.record({
    startDays: fc.option(fc.integer({ min: -3, max: 20 }), { nil: null }),
    lengthDays: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
  });
  const windowOf = (w: { startDays: number | null; lengthDays: number | null }) => {
    const startDate = w.startDays === null ? null : at(w.startDays * DAY + 3 * HOUR);
    const endDate = w.lengthDays === null ? null : new Date((startDate ?? T0).getTime() + w.lengthDays * DAY);
    return { startDate, endDate };
  };
  const endDays = fc.option(fc.integer({ min: 0, max: 40 }), { nil: null });
  const ruleWith = (end: number | null) => (end === null ? daily : dailyUntil(at(end * DAY + HOUR)));

  it('upcoming runs are increasing, inside the window and the end date, at most the runs left, and each is the next run after the one before', () => {
    fc.assert(
      fc.property(
        window,
        endDays,
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 40 }),
        (w, end, maxRuns, runCount, count) => {
          const campaign = windowOf(w);
          const rule = ruleWith(end);
          const counts = { maxRuns, runCount };
          const runs = upcomingRuns(counts, rule, at(-1), campaign, count);
          expect(runs.length).toBeLessThanOrEqual(Math.min(count, runsLeft(counts)));
          let previous = at(-1);
          for (const run of runs) {
            expect(run.getTime()).toBeGreaterThan(previous.getTime());
            if (campaign.startDate) expect(run.getTime()).toBeGreaterThanOrEqual(campaign.startDate.getTime());
            if (campaign.endDate) expect(run.getTime()).toBeLessThanOrEqual(campaign.endDate.getTime());
            if (rule.end) expect(run.getTime()).toBeLessThanOrEqual(Date.parse(rule.end));
            expect(iso(nextRunOf(counts, rule, previous, campaign))).toBe(iso(run));
            previous = run;
          }
          // Fewer than asked only when the runs left, the window or the end date ran out.
          if (runs.length < Math.min(count, runsLeft(counts))) expect(nextRunOf(counts, rule, previous, campaign)).toBeNull();
        },
      ),
    );
  });

  it('a worker firing every due run on time makes exactly the upcoming runs, then ends completed', () => {
    fc.assert(
      fc.property(window, endDays, fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }), (w, end, maxRuns) => {
        const campaign = windowOf(w);
        const rule = ruleWith(end);
        const fresh = { maxRuns, runCount: 0 };
        const expected = upcomingRuns(fresh, rule, at(-1), campaign, 60);
        fc.pre(expected.length > 0); // the API refuses a schedule without a run
        let state: OccurrenceSchedule = schedule({
          maxRuns,
          nextRunAt: nextRunOf(fresh, rule, at(-1), campaign),
          campaign: { status: 'active', ...campaign },
        });
        const fired: Date[] = [];
        // The scheduler produces every rule occurrence; the worker decides each one.
        for (const occurrence of nextOccurrences(rule, at(-1), 80)) {
          if (!firesAgain(state)) break;
          const decision = decideOccurrence(state, rule, occurrence, occurrence);
          const next = decision.fire ? firedRun(state, decision.rule, occurrence, occurrence) : decision.state;
          if (decision.fire) fired.push(occurrence);
          state = { ...state, ...next };
          if (firesAgain(state)) expect(state.nextRunAt!.getTime()).toBeGreaterThan(occurrence.getTime());
        }
        if (expected.length < 60) {
          expect(fired.map(iso)).toEqual(expected.map(iso));
          expect(state.runCount).toBe(expected.length);
          expect(state).toMatchObject({ status: 'completed', nextRunAt: null });
        }
      }),
    );
  });

  it('a rescheduling edit, resume or window change leaves a schedule active exactly when it has a next run', () => {
    const status = fc.constantFrom<ScheduledJobStatus>(...SCHEDULED_JOB_STATUSES);
    const anEdit = fc.record({
      ruleChanged: fc.boolean(),
      campaignChanged: fc.boolean(),
      templateChanged: fc.boolean(),
      jobConfigChanged: fc.boolean(),
    });
    fc.assert(
      fc.property(
        status,
        anEdit,
        window,
        endDays,
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: -2, max: 45 }),
        (s, change, w, end, maxRuns, runCount, nowDays) => {
          const before = schedule({ status: s, nextRunAt: s === 'active' ? T0 : null, maxRuns, runCount });
          const rule = ruleWith(end);
          const now = at(nowDays * DAY + 7 * HOUR);
          const campaign = windowOf(w);
          const results = changesFiring(change) ? [afterEdit(before, change, rule, now, campaign)] : [];
          if (s === 'paused') results.push(resumed(before, rule, now, campaign));
          if (s === 'active') results.push(intoCampaignWindow(before, rule, now, campaign));
          for (const result of results) {
            expect(result.status === 'active').toBe(result.nextRunAt !== null);
            if (result.nextRunAt) {
              expect(result.nextRunAt.getTime()).toBeGreaterThan(now.getTime());
              expect(runsLeft({ maxRuns, runCount })).toBeGreaterThan(0);
              expect(iso(result.nextRunAt)).toBe(iso(nextRunOf({ maxRuns, runCount }, rule, now, campaign)));
            }
            expect(result.runCount).toBe(runCount);
          }
        },
      ),
    );
  });

  it('the next run is never before the rule would fire: it is a rule occurrence', () => {
    fc.assert(
      fc.property(window, endDays, fc.integer({ min: -2, max: 45 }), (w, end, nowDays) => {
        const rule = ruleWith(end);
        const now = at(nowDays * DAY + 5 * HOUR);
        const next = nextRunOf({ maxRuns: null, runCount: 0 }, rule, now, windowOf(w));
        if (next) expect(iso(nextOccurrence(rule, new Date(next.getTime() - 1)))).toBe(iso(next));
      }),
    );
  });
});
