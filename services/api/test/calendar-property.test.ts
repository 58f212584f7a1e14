/**
 * Property: the calendar's future never disagrees with what the worker fires. For random
 * schedules (type, zone, max_runs, end date), random user skips and random blackouts (inserted
 * straight into the table, both policies, their own zones), the calendar's `planned`
 * occurrences in a window equal, one for one, the occurrences the worker's own functions fire
 * when stepped from `next_run_at` (`settleOccurrences` on time, the state after each run giving
 * the next `next_run_at`); no occurrence the calendar shows skipped ever fires.
 */
import fc from 'fast-check';
import { Blackout, nextRunOf, ruleOf, ScheduledJob, settleOccurrences } from '@scheduler/entities';
import { apiAs, newUserId } from '@scheduler/testkit';
import { withPlanning } from '../src/schedules/planning';
import { useTestApp } from './helpers';

const DAY = 86_400_000;
const WINDOW_DAYS = 45;
const ZONES = ['UTC', 'America/New_York', 'Europe/Paris', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo'];

const scheduleBody = fc.record({
  kind: fc.constantFrom('daily', 'weekly', 'monthly', 'cron'),
  zone: fc.constantFrom(...ZONES),
  startHours: fc.integer({ min: 1, max: 24 * 10 }),
  maxRuns: fc.option(fc.integer({ min: 1, max: 25 }), { nil: null }),
  endDays: fc.option(fc.integer({ min: 3, max: 60 }), { nil: null }),
  weekdays: fc.subarray(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'], { minLength: 1 }),
  monthDays: fc.subarray(['1', '15', '29', '30', '31', 'last'], { minLength: 1 }),
  cron: fc.constantFrom('0 9 * * 1-5', '30 */8 * * *', '0 2 * * *', '15 3 1,31 * *'),
  skipIndexes: fc.subarray([0, 1, 2, 4, 7, 11]),
});
const blackout = fc.record({
  startDay: fc.integer({ min: -3, max: WINDOW_DAYS }),
  length: fc.integer({ min: 0, max: 6 }),
  zone: fc.constantFrom(...ZONES),
  policy: fc.constantFrom('skip' as const, 'shift' as const),
});

describe('calendar property: the future equals what the worker fires', () => {
  const t = useTestApp();

  it('for random schedules, skips and blackouts, planned occurrences = stepped worker fires', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(scheduleBody, { minLength: 1, maxLength: 3 }),
        fc.array(blackout, { maxLength: 3 }),
        async (bodies, blackouts) => {
          const user = newUserId();
          const api = apiAs(t, user);
          const now = Date.now();
          // Blackouts first: a schedule's next_run_at is computed with the blackouts there are when it is written.
          const repo = t.deps.dataSource.getRepository(Blackout);
          for (const [i, b] of blackouts.entries()) {
            const startDate = new Date(now + b.startDay * DAY).toISOString().slice(0, 10);
            const endDate = new Date(now + (b.startDay + b.length) * DAY).toISOString().slice(0, 10);
            await repo.save(
              repo.create({
                userId: user,
                workspaceId: `user:${user}`,
                campaignId: null,
                name: `b${i}`,
                startDate,
                endDate,
                timezone: b.zone,
                policy: b.policy,
              }),
            );
          }

          const ids: string[] = [];
          for (const [i, b] of bodies.entries()) {
            const start = new Date(Math.ceil((now + b.startHours * 3_600_000) / 1000) * 1000);
            const pattern =
              b.kind === 'weekly'
                ? `weekly:${b.weekdays.join(',')}`
                : b.kind === 'monthly'
                  ? `monthly:${b.monthDays.join(',')}`
                  : b.kind === 'cron'
                    ? b.cron
                    : undefined;
            const res = await api.post('/schedule', {
              name: `p${i}`,
              schedule_type: b.kind,
              scheduled_at: start.toISOString(),
              timezone: b.zone,
              ...(pattern ? { recurrence_pattern: pattern } : {}),
              max_runs: b.maxRuns,
              recurrence_end_date: b.endDays === null ? null : new Date(start.getTime() + b.endDays * DAY).toISOString(),
            });
            // A rule with no run before its end date is refused: nothing to compare for it.
            if (res.status === 422 && b.endDays !== null) continue;
            expect(res.status).toBe(201);
            ids.push(res.body.id);
            const preview = await api.get(`/schedule/${res.body.id}/preview?count=12`);
            const occurrences = preview.body.occurrences.map((o: { at: string }) => o.at);
            for (const k of b.skipIndexes) {
              if (!occurrences[k]) continue;
              const skipped = await api.post(`/schedule/${res.body.id}/skip`, { occurrence_at: occurrences[k] });
              // Skips the API refuses (an occurrence an earlier skip pushed past max_runs) are simply not made.
              if (skipped.status !== 422) expect([skipped.status, skipped.text]).toEqual([200, expect.any(String)]);
            }
          }
          const from = new Date(now);
          const to = new Date(now + WINDOW_DAYS * DAY);
          const shown: { schedule_id: string; at: string; state: string }[] = [];
          let cursor: string | null = null;
          do {
            const page = await api.get(
              `/calendar?from=${from.toISOString()}&to=${to.toISOString()}&limit=5000${cursor ? `&cursor=${cursor}` : ''}`,
            );
            expect(page.status).toBe(200);
            shown.push(...page.body.occurrences);
            cursor = page.body.next_cursor;
          } while (cursor);

          for (const id of ids) {
            const row = await t.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id });
            const schedule = await withPlanning(t.deps.dataSource.manager, row, new Date(now));
            const rule = ruleOf(schedule)!;
            // The worker, stepped: each occurrence processed on time at next_run_at, the state after it giving the next.
            // Its first run as the lifecycle computes it with the blackouts loaded (a blackout written after the schedule's
            // next_run_at does not move the stored column here: that is the blackout writes' job, not the calendar's).
            let state = { ...schedule, campaign: null, nextRunAt: nextRunOf(schedule, rule, new Date(now), null) };
            const fired: string[] = [];
            for (let steps = 0; state.status === 'active' && state.nextRunAt && state.nextRunAt < to && steps < 2000; steps++) {
              const at = state.nextRunAt;
              const settlement = settleOccurrences(state, rule, at, at, null);
              for (const step of settlement.settled) {
                if (step.outcome === 'materialized' && step.at >= from && step.at < to) fired.push(step.at.toISOString());
                state = { ...state, ...step.state };
              }
            }
            const mine = shown.filter((o) => o.schedule_id === id);
            expect({ id, planned: mine.filter((o) => o.state === 'planned').map((o) => o.at) }).toEqual({ id, planned: fired });
            const skipped = new Set(mine.filter((o) => o.state === 'skipped').map((o) => o.at));
            expect(fired.filter((at) => skipped.has(at))).toEqual([]);
          }
        },
      ),
      { numRuns: Number(process.env.CALENDAR_PROPERTY_RUNS ?? 25) },
    );
  }, 180_000);
});
