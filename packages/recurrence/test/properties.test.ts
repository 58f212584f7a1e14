/**
 * Property tests: random rules, zones and instants, checked against the independent
 * brute-force oracle in helpers/oracle.ts (minute-by-minute, or second-by-second for
 * 6-field cron, over short windows around real DST transitions).
 */
import fc from 'fast-check';
import { deserializeRule, describeOccurrence, nextOccurrence, nextOccurrences, parseSchedule, RecurrenceRule, serializeRule } from '../src';
import { resolveInstant } from '../src/iso';
import { occurrencesBetween } from '../src/occurrences';
import {
  bruteForceOccurrences,
  CronFieldSpec,
  CronSpecData,
  cronPredicate,
  cronText,
  dailyPredicate,
  fieldsOfWall,
  localFields,
  localWallMs,
  monthlyPredicate,
  TimeOfDay,
  transitionsInYear,
  WallPredicate,
  WEEKDAY_NAMES,
  weeklyPredicate,
} from './helpers/oracle';

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Stockholm',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Europe/Moscow',
  'Europe/London',
  'Australia/Lord_Howe', // 30-minute DST
  'America/Sao_Paulo', // DST at midnight (until 2019)
  'America/Santiago', // DST at midnight
  'Pacific/Chatham', // +12:45 / +13:45
  'Africa/Casablanca', // "negative" DST around Ramadan
  'Asia/Tehran', // DST until 2022
  'Pacific/Apia', // skipped 2011-12-30 entirely
  'America/St_Johns', // -03:30 / -02:30
];

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const transitionCache = new Map<string, number[]>();
function transitions(zone: string, year: number): number[] {
  const key = `${zone}@${year}`;
  let ts = transitionCache.get(key);
  if (!ts) {
    ts = transitionsInYear(zone, year);
    transitionCache.set(key, ts);
  }
  return ts;
}

/** A window centre: a real transition of the zone that year (+ jitter), or a random day when it has none. */
function centre(zone: string, year: number, pick: number, jitterMinutes: number): number {
  const ts = transitions(zone, year);
  const base = ts.length > 0 ? ts[pick % ts.length] : Date.UTC(year, 0, 1) + (pick % 365) * DAY;
  return Math.floor((base + jitterMinutes * MINUTE) / MINUTE) * MINUTE;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Wall-clock text of (utc date of `t`) at the given time of day. */
function wallText(t: number, tod: TimeOfDay): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(tod.hour)}:${pad(tod.minute)}:${pad(tod.second)}`;
}

function mustParse(input: Parameters<typeof parseSchedule>[0]): RecurrenceRule {
  const r = parseSchedule(input);
  if (!r.ok) throw new Error(`unexpected errors ${JSON.stringify(r.errors)} for ${JSON.stringify(input)}`);
  return r.rule;
}

const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());
const isoDates = (ds: Date[]) => ds.map((d) => d.toISOString());

/* ------------------------------------------------------------------ arbitraries */

const zoneArb = fc.constantFrom(...ZONES);
const yearArb = fc.integer({ min: 2005, max: 2035 });
// transitions happen at night local time: bias the time of day towards it
const hourArb = fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 1, 2, 3, 23));
const minuteArb = fc.oneof(fc.constantFrom(0, 15, 30, 45), fc.integer({ min: 0, max: 59 }));
const todArb = fc.record({ hour: hourArb, minute: minuteArb, second: fc.constant(0) });

const weekdaysArb = fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 });
const monthDaysArb = fc.uniqueArray(fc.integer({ min: 1, max: 32 }), { minLength: 1, maxLength: 5 }); // 32 = 'last'

function starStep(min: number, max: number): fc.Arbitrary<CronFieldSpec> {
  return fc.integer({ min, max }).map((step) => ({ kind: 'starStep' as const, step }));
}
function list(min: number, max: number, maxLength: number): fc.Arbitrary<CronFieldSpec> {
  return fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength }).map((values) => ({ kind: 'list' as const, values }));
}
function range(min: number, max: number, maxStep: number): fc.Arbitrary<CronFieldSpec> {
  return fc
    .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max: maxStep }))
    .map(([a, b, step]) => ({ kind: 'range' as const, from: Math.min(a, b), to: Math.max(a, b), step }));
}
const star: fc.Arbitrary<CronFieldSpec> = fc.constant({ kind: 'star' as const });

/** minute-level cron: at most ~12 firings an hour so a 2-day window stays under 1000 */
const cron5Arb: fc.Arbitrary<CronSpecData> = fc.record({
  seconds: fc.constant(null),
  minute: fc.oneof(
    starStep(5, 30),
    list(0, 59, 4),
    range(0, 59, 1).map((r) => (r.kind === 'range' ? { ...r, step: Math.max(r.step, 5) } : r)),
  ),
  hour: fc.oneof(star, starStep(1, 8), list(0, 23, 4), list(0, 3, 2), range(0, 23, 3)),
  dom: fc.oneof(
    { weight: 3, arbitrary: star },
    { weight: 1, arbitrary: starStep(1, 10) },
    { weight: 1, arbitrary: list(1, 31, 6) },
    { weight: 1, arbitrary: range(1, 31, 3) },
  ),
  month: fc.oneof({ weight: 4, arbitrary: star }, { weight: 1, arbitrary: list(1, 12, 6) }, { weight: 1, arbitrary: range(1, 12, 2) }),
  dow: fc.oneof(
    { weight: 3, arbitrary: star },
    { weight: 1, arbitrary: list(0, 7, 4) },
    { weight: 1, arbitrary: range(0, 7, 2) },
    { weight: 1, arbitrary: starStep(1, 3) },
  ),
});

type Kind = 'daily' | 'weekly' | 'monthly' | 'cron';

interface Case {
  input: Parameters<typeof parseSchedule>[0];
  predicate: WallPredicate;
  label: string;
}

/** Builds a rule and its oracle predicate; `include` is the local date the window centres on. */
function buildCase(
  kind: Kind,
  zone: string,
  startWall: string,
  tod: TimeOfDay,
  weekdays: number[],
  monthDays: number[],
  cron: CronSpecData,
  include: { weekday: number; day: number } | null,
): Case {
  const base = { timezone: zone, scheduled_at: startWall };
  switch (kind) {
    case 'daily':
      return { input: { ...base, schedule_type: 'daily' }, predicate: dailyPredicate(tod), label: `daily ${startWall}` };
    case 'weekly': {
      const days = include && !weekdays.includes(include.weekday) ? [...weekdays, include.weekday] : weekdays;
      const pattern = 'weekly:' + days.map((d, i) => (i % 2 ? WEEKDAY_NAMES[d].slice(0, 3).toUpperCase() : WEEKDAY_NAMES[d])).join(',');
      return {
        input: { ...base, schedule_type: 'weekly', recurrence_pattern: pattern },
        predicate: weeklyPredicate(tod, days),
        label: pattern,
      };
    }
    case 'monthly': {
      const days = include && !monthDays.includes(include.day) ? [...monthDays, include.day] : monthDays;
      const pattern = 'monthly:' + days.map((d) => (d === 32 ? 'last' : String(d))).join(',');
      return {
        input: { ...base, schedule_type: 'monthly', recurrence_pattern: pattern },
        predicate: monthlyPredicate(
          tod,
          days.map((d) => (d === 32 ? 31 : d)),
        ),
        label: pattern,
      };
    }
    case 'cron': {
      const text = cronText(cron);
      return { input: { ...base, schedule_type: 'cron', recurrence_pattern: text }, predicate: cronPredicate(cron), label: text };
    }
  }
}

const caseArb = fc.record({
  kind: fc.constantFrom<Kind>('daily', 'weekly', 'monthly', 'cron'),
  zone: zoneArb,
  year: yearArb,
  pick: fc.nat(1000),
  jitter: fc.integer({ min: -18 * 60, max: 18 * 60 }),
  tod: todArb,
  weekdays: weekdaysArb,
  monthDays: monthDaysArb,
  cron: cron5Arb,
  includeCentreDay: fc.boolean(),
});

type CaseValue = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function setup(c: CaseValue) {
  const mid = centre(c.zone, c.year, c.pick, c.jitter);
  const local = localFields(c.zone, mid);
  const startWall = wallText(mid - 20 * DAY, c.tod);
  const built = buildCase(c.kind, c.zone, startWall, c.tod, c.weekdays, c.monthDays, c.cron, c.includeCentreDay ? local : null);
  return { mid, rule: mustParse(built.input), ...built };
}

/* ------------------------------------------------------------------ properties */

describe('properties (fast-check)', () => {
  it('when compared with a minute-by-minute brute force around DST transitions, then no occurrence is missing or extra', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { mid, rule, predicate } = setup(c);
        const from = mid - DAY;
        const to = mid + DAY;
        const expected = bruteForceOccurrences(c.zone, predicate, from, to, MINUTE);
        const actual = occurrencesBetween(rule, new Date(from), new Date(to), 1000);
        expect(isoDates(actual)).toEqual(iso(expected));
      }),
      { numRuns: 160 },
    );
  });

  it('when a 6-field cron is compared with a second-by-second brute force around a transition, then they agree', () => {
    const secondsArb: fc.Arbitrary<CronFieldSpec> = fc.oneof(
      starStep(10, 30),
      list(0, 59, 3),
      range(0, 59, 20).map((r) => (r.kind === 'range' ? { ...r, step: Math.max(r.step, 10) } : r)),
    );
    const arb = fc.record({
      zone: fc.constantFrom(...ZONES.filter((z) => !['UTC', 'Asia/Kolkata', 'Asia/Kathmandu'].includes(z))),
      year: fc.integer({ min: 2005, max: 2035 }),
      pick: fc.nat(1000),
      seconds: secondsArb,
      minute: fc.oneof(starStep(10, 30), list(0, 59, 3)),
      hourStar: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const ts = transitions(c.zone, c.year);
        fc.pre(ts.length > 0);
        const t = ts[c.pick % ts.length];
        // the local hours around the transition, so that the expression fires inside the window
        const hours = [...new Set([-50, -10, 10, 50].map((m) => localFields(c.zone, t + m * MINUTE).hour))];
        const spec: CronSpecData = {
          seconds: c.seconds,
          minute: c.minute,
          hour: c.hourStar ? { kind: 'star' } : { kind: 'list', values: hours },
          dom: { kind: 'star' },
          month: { kind: 'star' },
          dow: { kind: 'star' },
        };
        const rule = mustParse({
          schedule_type: 'cron',
          timezone: c.zone,
          recurrence_pattern: cronText(spec),
          scheduled_at: new Date(t - 2 * DAY).toISOString(),
        });
        const from = t - 45 * MINUTE;
        const to = t + 45 * MINUTE;
        const expected = bruteForceOccurrences(c.zone, cronPredicate(spec), from, to, 1000);
        expect(isoDates(occurrencesBetween(rule, new Date(from), new Date(to), 1000))).toEqual(iso(expected));
      }),
      { numRuns: 25 },
    );
  });

  it('when walking 150 occurrences from a random instant, then they strictly increase and each matches its rule (or is a documented gap shift)', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 300 }), (c, dayOffset) => {
        const { mid, rule, predicate } = setup(c);
        let after = mid - 10 * DAY + dayOffset * DAY;
        const seq = nextOccurrences(rule, new Date(after), 150).map((d) => d.getTime());
        expect(seq.length).toBe(150);
        for (const t of seq) {
          expect(t).toBeGreaterThan(after);
          after = t;
          if (predicate(localFields(c.zone, t))) continue;
          // otherwise: t must lie just after a spring-forward transition and its wall time
          // minus the gap (i.e. with the offset from before the gap) must match
          const before = localWallMs(c.zone, t - 25 * HOUR) - (t - 25 * HOUR);
          const now = localWallMs(c.zone, t) - t;
          expect(before).toBeLessThan(now);
          expect(predicate(fieldsOfWall(t + before))).toBe(true);
          expect(describeOccurrence(rule, new Date(t)).dst_adjusted).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('when a daily/weekly/monthly rule runs for a year, then it runs on exactly the calendar days its definition lists', () => {
    const arb = caseArb.filter((c) => c.kind !== 'cron' && !(c.zone === 'Pacific/Apia' && c.year === 2011));
    fc.assert(
      fc.property(arb, (c) => {
        const { mid, rule, predicate } = setup(c);
        const occurrences = occurrencesBetween(rule, new Date(mid - 10 * DAY), new Date(mid + 400 * DAY), 1000);
        // nominal local date of each run: its own wall time, or the wall time it was shifted from
        const actual = occurrences.map((d) => {
          const t = d.getTime();
          const f = localFields(c.zone, t);
          if (predicate(f)) return `${f.year}-${pad(f.month)}-${pad(f.day)}`;
          const before = localWallMs(c.zone, t - 25 * HOUR) - (t - 25 * HOUR);
          const g = fieldsOfWall(t + before);
          return `${g.year}-${pad(g.month)}-${pad(g.day)}`;
        });
        // every calendar day whose wall time at the rule's time of day matches, one year from mid
        const expected: string[] = [];
        const firstDay = Math.floor(localWallMs(c.zone, mid) / DAY) + 1;
        for (let day = firstDay; day < firstDay + 366; day++) {
          const f = fieldsOfWall(day * DAY + c.tod.hour * HOUR + c.tod.minute * MINUTE);
          if (predicate(f)) expected.push(`${f.year}-${pad(f.month)}-${pad(f.day)}`);
        }
        const lo = fieldsOfWall(firstDay * DAY);
        const hi = fieldsOfWall((firstDay + 365) * DAY);
        const inRange = (s: string) =>
          s >= `${lo.year}-${pad(lo.month)}-${pad(lo.day)}` && s <= `${hi.year}-${pad(hi.month)}-${pad(hi.day)}`;
        expect(actual.filter(inRange)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('when occurrencesBetween is compared with repeated nextOccurrence, then they are equal', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), (c, days, limit) => {
        const { mid, rule } = setup(c);
        const from = new Date(mid - 3 * DAY + 12_345);
        const to = new Date(from.getTime() + days * DAY);
        const between = occurrencesBetween(rule, from, to, limit);
        const repeated: Date[] = [];
        let at = new Date(from.getTime() - 1);
        while (repeated.length < limit) {
          const n = nextOccurrence(rule, at);
          if (n === null || n > to) break;
          repeated.push(n);
          at = n;
        }
        expect(isoDates(between)).toEqual(isoDates(repeated));
      }),
      { numRuns: 80 },
    );
  });

  it('when asked from any instant between two consecutive occurrences, then the next one is always the same (no drift)', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), (c, frac) => {
        const { mid, rule } = setup(c);
        const [a, b] = nextOccurrences(rule, new Date(mid), 2);
        const t = a.getTime() + Math.floor(frac * (b.getTime() - a.getTime() - 1));
        expect(nextOccurrence(rule, new Date(t))?.toISOString()).toBe(b.toISOString());
        // and a cold module instance (empty caches), handed the rule as JSON, agrees
        let cold: Date | null = null;
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const fresh = require('../src') as typeof import('../src');
          cold = fresh.nextOccurrence(fresh.deserializeRule(serializeRule(rule))!, new Date(t));
        });
        expect((cold as Date | null)?.toISOString()).toBe(b.toISOString());
      }),
      { numRuns: 25 },
    );
  });

  it('when a rule is serialized and deserialized, then it is the same rule with the same occurrences', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { mid, rule } = setup(c);
        const text = serializeRule(rule);
        const back = deserializeRule(text);
        expect(back).toEqual(rule);
        expect(JSON.parse(text)).toEqual(rule);
        expect(isoDates(nextOccurrences(back!, new Date(mid), 5))).toEqual(isoDates(nextOccurrences(rule, new Date(mid), 5)));
      }),
      { numRuns: 100 },
    );
  });

  it('when a wall-clock time is resolved, then it is that local time, or the gap-shifted one, and never a second instance', () => {
    fc.assert(
      fc.property(zoneArb, yearArb, fc.nat(1000), fc.integer({ min: -180, max: 180 }), (zone, year, pick, jitter) => {
        const mid = centre(zone, year, pick, 0);
        const wall = Math.floor((localWallMs(zone, mid) + jitter * MINUTE) / MINUTE) * MINUTE;
        const f = fieldsOfWall(wall);
        const text = `${f.year}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:00`;
        const t = resolveInstant(text, zone)!.getTime();
        const local = localWallMs(zone, t);
        if (local !== wall) {
          const before = localWallMs(zone, t - 25 * HOUR) - (t - 25 * HOUR);
          expect(t + before).toBe(wall); // shifted with the pre-gap offset
          expect(local).toBeGreaterThan(wall);
        }
        for (const k of [15, 30, 60, 120]) expect(localWallMs(zone, t - k * MINUTE)).not.toBe(local);
      }),
      { numRuns: 200 },
    );
  });

  describe('junk never throws', () => {
    const junk = fc.oneof(
      fc.anything(),
      fc.string(),
      fc.constantFrom(
        '2027-03-14T02:30:00',
        '2027-02-30',
        'weekly:monday',
        'monthly:31,last',
        '0 9 * * 1',
        '*/5 * * * * *',
        'America/New_York',
        'UTC',
        '',
        null,
        NaN,
        -1,
        1e308,
      ),
      fc.date({ noInvalidDate: false }),
    );
    const junkInput = fc.record(
      {
        schedule_type: fc.oneof(fc.constantFrom('once', 'daily', 'weekly', 'monthly', 'cron'), junk),
        scheduled_at: junk,
        recurrence_pattern: junk,
        timezone: junk,
        recurrence_end_date: junk,
        max_runs: junk,
      },
      { requiredKeys: [] },
    );

    it('when parseSchedule gets random junk, then it returns field errors or a usable rule, never an exception', () => {
      const known = ['schedule_type', 'scheduled_at', 'recurrence_pattern', 'timezone', 'recurrence_end_date', 'max_runs'];
      fc.assert(
        fc.property(junkInput, fc.boolean(), (input, future) => {
          const r = parseSchedule(input as Parameters<typeof parseSchedule>[0], { requireFutureStart: future });
          if (r.ok) {
            nextOccurrences(r.rule, new Date(Date.parse(r.rule.start) - 1), 3);
          } else {
            expect(r.errors.length).toBeGreaterThan(0);
            for (const e of r.errors) {
              expect(known).toContain(e.field);
              expect(typeof e.message).toBe('string');
            }
          }
        }),
        { numRuns: 1500 },
      );
    });

    it('when a cron pattern is random text built from cron characters, then parsing never throws', () => {
      const cronish = fc
        .array(fc.constantFrom('*', '/', '-', ',', ' ', '0', '1', '5', '7', '12', '31', '60', 'L', 'W', '#', '?', 'MON', 'jan', '@daily'), {
          maxLength: 20,
        })
        .map((parts) => parts.join(''));
      fc.assert(
        fc.property(cronish, (pattern) => {
          const r = parseSchedule({ schedule_type: 'cron', recurrence_pattern: pattern, scheduled_at: '2027-01-01T00:00:00Z' });
          if (r.ok) expect(nextOccurrence(r.rule, new Date('2027-01-01T00:00:00Z'))).not.toBeNull();
          else expect(r.errors.map((e) => e.field)).toEqual(['recurrence_pattern']);
        }),
        { numRuns: 1500 },
      );
    });

    it('when deserializeRule gets random text or a corrupted rule, then it returns null or a valid rule, never throws', () => {
      const valid = serializeRule(
        mustParse({ schedule_type: 'weekly', scheduled_at: '2027-01-01T09:00:00', timezone: 'Europe/Stockholm' }),
      );
      const corrupted = fc
        .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 5 }))
        .map(([i, j, s]) => valid.slice(0, Math.min(i, j)) + s + valid.slice(Math.max(i, j)));
      const mutatedField = fc.tuple(fc.constantFrom('type', 'timezone', 'start', 'wall', 'pattern', 'end'), fc.anything()).map(([k, v]) => {
        const o = JSON.parse(valid);
        o[k] = v;
        return JSON.stringify(o) ?? '';
      });
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.json(), corrupted, mutatedField), (text) => {
          const r = deserializeRule(text);
          if (r !== null) {
            expect(deserializeRule(serializeRule(r))).toEqual(r);
            expect(Array.isArray(nextOccurrences(r, new Date('2027-01-01T00:00:00Z'), 2))).toBe(true);
          }
        }),
        { numRuns: 1500 },
      );
    });
  });
});
