/**
 * Throughput of nextOccurrence per schedule type, in America/New_York (single thread), and of
 * the occurrence expansion over a month of 2,000 schedules (`runExpansionBench`).
 *
 * For each type a rule starting 2026-01-01 is stepped with nextOccurrence; every ~40 years of
 * occurrences the walk restarts at the beginning, so the time-zone caches are warm as in a
 * long-running worker (the cold cost of a zone-year is ~0.2 ms and is paid once per process).
 */
import { Blackout, ExpansionInput, expandOccurrences } from './expansion';
import { nextOccurrence } from './occurrences';
import { parseSchedule } from './rule';
import { RecurrenceRule, ScheduleInput } from './types';

export interface BenchResult {
  type: string;
  occurrences_per_second: number;
}

export interface BenchOptions {
  /** nextOccurrence calls per type (default 500_000) */
  steps?: number;
}

const CASES: { label: string; input: ScheduleInput }[] = [
  { label: 'once', input: { schedule_type: 'once', scheduled_at: '2026-01-01T09:00:00' } },
  { label: 'daily', input: { schedule_type: 'daily', scheduled_at: '2026-01-01T09:00:00' } },
  {
    label: 'weekly',
    input: { schedule_type: 'weekly', scheduled_at: '2026-01-01T09:00:00', recurrence_pattern: 'weekly:monday,wednesday,friday' },
  },
  {
    label: 'monthly',
    input: { schedule_type: 'monthly', scheduled_at: '2026-01-01T09:00:00', recurrence_pattern: 'monthly:1,15,last' },
  },
  { label: 'cron', input: { schedule_type: 'cron', scheduled_at: '2026-01-01T00:00:00', recurrence_pattern: '*/15 9-17 * * 1-5' } },
];

const RESTART_MS = Date.UTC(2066, 0, 1);

function walk(rule: RecurrenceRule, steps: number): number {
  const begin = new Date(Date.parse(rule.start) - 1);
  let at = begin;
  let sink = 0;
  for (let i = 0; i < steps; i++) {
    const next = nextOccurrence(rule, at);
    if (next === null || next.getTime() > RESTART_MS) {
      at = begin;
      continue;
    }
    sink += next.getTime() % 7;
    at = next;
  }
  return sink;
}

/** Measures nextOccurrence throughput for every schedule type (~1-3 s in total with defaults). */
export function runRecurrenceBench(options: BenchOptions = {}): BenchResult[] {
  const steps = Math.max(1000, Math.floor(options.steps ?? 500_000));
  const results: BenchResult[] = [];
  for (const { label, input } of CASES) {
    const parsed = parseSchedule({ ...input, timezone: 'America/New_York' });
    if (!parsed.ok) throw new Error(`bench rule for ${label} is invalid: ${JSON.stringify(parsed.errors)}`);
    walk(parsed.rule, Math.min(steps, 20_000)); // warm-up: JIT and zone caches
    const t0 = process.hrtime.bigint();
    walk(parsed.rule, steps);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    results.push({ type: label, occurrences_per_second: Math.round(steps / seconds) });
  }
  return results;
}

export interface ExpansionBenchResult {
  case: string;
  schedules: number;
  occurrences: number;
  seconds: number;
  occurrences_per_second: number;
}

/** The calendar's shape of work: 2,000 schedules of every type across zones, expanded over a 31-day month. */
function expansionSchedules(count: number): RecurrenceRule[] {
  const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney'];
  const patterns: ScheduleInput[] = [
    { schedule_type: 'daily', scheduled_at: '2026-01-01T09:00:00' },
    { schedule_type: 'weekly', scheduled_at: '2026-01-01T10:30:00', recurrence_pattern: 'weekly:monday,wednesday,friday' },
    { schedule_type: 'monthly', scheduled_at: '2026-01-01T08:00:00', recurrence_pattern: 'monthly:1,15,last' },
    { schedule_type: 'cron', scheduled_at: '2026-01-01T00:00:00', recurrence_pattern: '0 9-17 * * 1-5' },
    { schedule_type: 'once', scheduled_at: '2027-03-14T09:00:00' },
  ];
  const rules: RecurrenceRule[] = [];
  for (let i = 0; i < count; i++) {
    const parsed = parseSchedule({ ...patterns[i % patterns.length], timezone: zones[Math.floor(i / patterns.length) % zones.length] });
    if (!parsed.ok) throw new Error(`bench rule is invalid: ${JSON.stringify(parsed.errors)}`);
    rules.push(parsed.rule);
  }
  return rules;
}

/**
 * Throughput of `expandOccurrences`: a 31-day month (March 2027, a DST change in both zones that
 * have one) for `schedules` schedules, plain and with two blackouts (a skip and a shift one) and
 * a few skips each, as the calendar will call it. Occurrences yielded per second, single thread.
 */
export function runExpansionBench(options: { schedules?: number; rounds?: number } = {}): ExpansionBenchResult[] {
  const n = Math.max(1, Math.floor(options.schedules ?? 2000));
  const rounds = Math.max(1, Math.floor(options.rounds ?? 3));
  const rules = expansionSchedules(n);
  const from = new Date('2027-03-01T00:00:00Z');
  const to = new Date('2027-04-01T00:00:00Z');
  const blackouts: Blackout[] = [
    { name: 'Freeze', start_date: '2027-03-08', end_date: '2027-03-09', timezone: 'UTC', policy: 'skip' },
    { name: 'Offsite', start_date: '2027-03-18', end_date: '2027-03-20', timezone: 'Europe/Berlin', policy: 'shift' },
  ];
  const cases: { label: string; input: (rule: RecurrenceRule) => ExpansionInput }[] = [
    { label: `month of ${n} schedules`, input: (rule) => ({ rule, since: from }) },
    {
      label: `month of ${n} schedules, max_runs, 2 blackouts, 3 skips`,
      input: (rule) => ({
        rule,
        since: from,
        maxRuns: 10_000,
        runCount: 0,
        blackouts,
        skips: [Date.parse('2027-03-03T09:00:00Z'), Date.parse('2027-03-10T09:00:00Z'), Date.parse('2027-03-24T13:00:00Z')],
      }),
    },
  ];
  const results: ExpansionBenchResult[] = [];
  for (const { label, input } of cases) {
    const inputs = rules.map(input);
    const once = (): number => {
      let total = 0;
      for (const x of inputs) for (const _ of expandOccurrences(x, { from, to })) total += 1;
      return total;
    };
    once(); // warm-up: JIT and zone caches
    const t0 = process.hrtime.bigint();
    let occurrences = 0;
    for (let r = 0; r < rounds; r++) occurrences = once();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9 / rounds;
    results.push({ case: label, schedules: n, occurrences, seconds, occurrences_per_second: Math.round(occurrences / seconds) });
  }
  return results;
}
