import { nextOccurrences, SCHEDULE_TYPES } from '../src';
import { runExpansionBench, runRecurrenceBench } from '../src/bench';
import { rule } from './helpers/rules';

describe('speed', () => {
  it('when the bench runs, then every schedule type reports a throughput far above the targets', () => {
    const results = runRecurrenceBench({ steps: 30_000 });
    expect(results.map((r) => r.type)).toEqual([...SCHEDULE_TYPES]);
    for (const r of results) {
      // targets are 200k/s (50k/s for cron); a quarter of them leaves room for a busy CI machine
      expect(r.occurrences_per_second).toBeGreaterThan(r.type === 'cron' ? 12_500 : 50_000);
    }
  });

  it('when a zone is used for the first time, then 10 years of daily runs still take well under a second', () => {
    const r = rule({ schedule_type: 'daily', scheduled_at: '2030-01-01T09:00:00', timezone: 'America/Chicago' });
    const t0 = Date.now();
    const runs = nextOccurrences(r, new Date('2030-01-01T00:00:00Z'), 1000);
    const more = nextOccurrences(r, runs[runs.length - 1], 1000);
    const more2 = nextOccurrences(r, more[more.length - 1], 1000);
    const more3 = nextOccurrences(r, more2[more2.length - 1], 653);
    expect(more3[more3.length - 1].toISOString().slice(0, 10)).toBe('2040-01-01');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('when a cron fires only on February 29th, then finding the next run is still fast', () => {
    const r = rule({
      schedule_type: 'cron',
      scheduled_at: '2097-03-01T00:00:00',
      recurrence_pattern: '0 0 29 2 *',
      timezone: 'Europe/Stockholm',
    });
    const t0 = Date.now();
    const runs = nextOccurrences(r, new Date('2097-03-01T00:00:00Z'), 20);
    expect(runs[0].toISOString()).toBe('2104-02-28T23:00:00.000Z');
    expect(runs).toHaveLength(20);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('expansion speed (a figure, printed, not asserted)', () => {
  it('when a month of 500 schedules is expanded (npm run bench: 2,000), then every occurrence is counted and the rate reported', () => {
    const results = runExpansionBench({ schedules: 500, rounds: 1 });
    expect(results).toHaveLength(2);
    // 100 of each type: daily 31, weekly 13-14, monthly 3, cron 9-17 on 23 weekdays, once 1 (in March 2027).
    expect(results[0].occurrences).toBeGreaterThan(100 * (31 + 13 + 3 + 23 * 9));
    for (const r of results) expect(r.occurrences_per_second).toBeGreaterThan(0);
    console.log(
      results
        .map((r) => `${r.case}: ${r.occurrences} occurrences, ${Math.round(r.occurrences_per_second).toLocaleString('en')}/s`)
        .join('\n'),
    );
  });
});
