/**
 * Property tests of the occurrence expansion against an independent reference: step the rule
 * with `nextOccurrence` from its start and apply the checks one by one, as the worker's
 * materializer would (campaign window, user skip, blackouts with local dates read through
 * Intl, the shift searched day by day, one run per instant, the pause, then max_runs in firing
 * order). Only the shifted instant's wall-clock resolution uses the package (`resolveInstant`:
 * its DST gap/fold rules are the contract).
 */
import fc from 'fast-check';
import {
  Blackout,
  describeOccurrence,
  ExpandedOccurrence,
  ExpansionInput,
  expandOccurrences,
  nextFiring,
  nextOccurrence,
  parseSchedule,
  RecurrenceRule,
} from '../src';
import { resolveInstant } from '../src/iso';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago'];

// ---- the reference ---------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Local 'YYYY-MM-DD' and 'HH:mm:ss' of an instant in a zone, straight from Intl. */
function local(t: number, zone: string): { date: string; time: string; wall: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const date = `${p.year}-${p.month}-${p.day}`;
  const time = `${p.hour}:${p.minute}:${p.second}`;
  return { date, time, wall: Date.parse(`${date}T${time}Z`) };
}
const offsetAt = (t: number, zone: string) => local(t, zone).wall - Math.floor(t / 1000) * 1000;
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const coveredBy = (b: Blackout, t: number) => {
  const d = local(t, b.timezone).date;
  return d >= b.start_date && d <= b.end_date;
};

interface Ref {
  at: number;
  state: 'planned' | 'paused' | 'skipped';
  reason: string | null;
  shifted_from?: number;
  blackout?: string;
}

function reference(input: ExpansionInput, fromMs: number, toMs: number): Ref[] {
  const { rule } = input;
  const skips = new Set([...(input.skips ?? [])].map((s) => (typeof s === 'number' ? s : s.getTime())));
  const blackouts = input.blackouts ?? [];
  const campStart = input.campaign?.start?.getTime() ?? -Infinity;
  const campEnd = input.campaign?.end?.getTime() ?? Infinity;
  const end = Math.min(rule.end ? Date.parse(rule.end) : Infinity, campEnd);
  const since = input.since ? input.since.getTime() : fromMs - 1;
  const left = input.maxRuns == null ? Infinity : Math.max(0, input.maxRuns - (input.runCount ?? 0));
  const stateAt = (at: number): Ref => {
    if (skips.has(at)) return { at, state: 'skipped', reason: 'skipped' };
    const p = input.pause;
    if (!p) return { at, state: 'planned', reason: null };
    if (p.until) return at >= p.until.getTime() ? { at, state: 'planned', reason: null } : { at, state: 'skipped', reason: p.reason };
    return { at, state: 'paused', reason: p.reason };
  };
  const events = new Map<number, Ref>();
  const put = (e: Ref) => {
    const old = events.get(e.at);
    if (!old || (old.shifted_from !== undefined && e.shifted_from === undefined)) events.set(e.at, e);
  };
  for (let d = nextOccurrence(rule, new Date(Date.parse(rule.start) - 1)); d; d = nextOccurrence(rule, d)) {
    const n = d.getTime();
    if (n >= toMs || n > end) break;
    if (n < campStart) continue;
    if (skips.has(n)) {
      put({ at: n, state: 'skipped', reason: 'skipped' });
      continue;
    }
    const covering = blackouts.filter((b) => coveredBy(b, n));
    const skipBy = covering.find((b) => b.policy === 'skip');
    if (skipBy) {
      put({ at: n, state: 'skipped', reason: `blackout: ${skipBy.name}`, blackout: skipBy.name });
      continue;
    }
    if (covering.length === 0) {
      put(stateAt(n));
      continue;
    }
    // Shift: the nominal wall time (an occurrence moved by a DST gap keeps the wall it came from)
    // on the first later day whose instant no blackout covers.
    let nominal: { date: string; time: string } = local(n, rule.timezone);
    if (describeOccurrence(rule, new Date(n)).dst_adjusted) {
      // The wall it was moved from: its own wall minus the gap (02:30 for 03:30 after a 1-hour gap).
      const gap = offsetAt(n, rule.timezone) - offsetAt(n - 6 * HOUR, rule.timezone);
      const wall = new Date(local(n, rule.timezone).wall - gap).toISOString();
      nominal = { date: wall.slice(0, 10), time: wall.slice(11, 19) };
    }
    let target: number | null = null;
    for (let i = 1; i < 400 && target === null; i++) {
      const t = resolveInstant(`${addDays(nominal.date, i)}T${nominal.time}`, rule.timezone)!.getTime();
      if (t > n && !blackouts.some((b) => coveredBy(b, t))) target = t;
    }
    const name = covering[0].name;
    if (target === null || target > end) put({ at: n, state: 'skipped', reason: `blackout: ${name}`, blackout: name });
    else put({ ...stateAt(target), shifted_from: n, blackout: name });
  }
  const out: Ref[] = [];
  let fired = 0;
  for (const e of [...events.values()].sort((a, b) => a.at - b.at)) {
    if (e.at <= since) continue;
    if (e.at >= toMs || fired >= left) break;
    if (e.state !== 'skipped') fired += 1;
    if (e.at >= fromMs) out.push(e);
  }
  return out;
}

function plain(o: ExpandedOccurrence): Ref {
  const r: Ref = { at: o.at.getTime(), state: o.state, reason: o.reason };
  if (o.shifted_from) r.shifted_from = o.shifted_from.getTime();
  if (o.blackout !== undefined) r.blackout = o.blackout;
  return r;
}
const expand = (input: ExpansionInput, from: number, to: number) =>
  [...expandOccurrences(input, { from: new Date(from), to: new Date(to) })].map(plain);

// ---- generators ------------------------------------------------------------------------------

/** Starts near DST changes of 2027 (both hemispheres) and plain days. */
const startDay = fc.constantFrom(
  '2027-01-10',
  '2027-03-08',
  '2027-03-25',
  '2027-03-30',
  '2027-09-28',
  '2027-10-25',
  '2027-11-01',
  '2027-12-20',
);
const wallTime = fc.constantFrom('00:00:00', '00:30:00', '01:30:00', '02:30:00', '03:00:00', '09:00:00', '23:30:00');
const weekdays = fc.subarray(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'], { minLength: 1 });
const ruleArb = fc
  .record({
    type: fc.constantFrom('once', 'daily', 'weekly', 'monthly', 'cron'),
    day: startDay,
    time: wallTime,
    zone: fc.constantFrom(...ZONES),
    weekly: weekdays,
    monthly: fc.constantFrom('monthly:31', 'monthly:1,15,last', 'monthly:29,30', 'monthly:2'),
    cron: fc.constantFrom('0 9 * * 1-5', '30 2 * * *', '0 */6 * * *', '15 1,2,3 * * 0', '0 0 29-31 * *'),
    endDays: fc.option(fc.integer({ min: 5, max: 90 }), { nil: null }),
  })
  .map((g): RecurrenceRule => {
    const input = {
      schedule_type: g.type,
      scheduled_at: `${g.day}T${g.time}`,
      timezone: g.zone,
      recurrence_pattern:
        g.type === 'weekly' ? `weekly:${g.weekly.join(',')}` : g.type === 'monthly' ? g.monthly : g.type === 'cron' ? g.cron : null,
      recurrence_end_date: g.endDays === null ? null : `${addDays(g.day, g.endDays)}T12:00:00`,
    };
    // An end date before the rule's first run is refused: then the rule has none.
    const parsed = parseSchedule(input);
    const retried = parsed.ok ? parsed : parseSchedule({ ...input, recurrence_end_date: null });
    if (!retried.ok) throw new Error(JSON.stringify(retried.errors));
    return retried.rule;
  });

const blackoutArb = (day0: string) =>
  fc
    .record({
      name: fc.constantFrom('A', 'B', 'C'),
      // Mostly in the first days, where the start days' DST changes are.
      offset: fc.oneof(fc.integer({ min: -3, max: 6 }), fc.integer({ min: -3, max: 100 })),
      length: fc.integer({ min: 0, max: 6 }),
      timezone: fc.constantFrom(...ZONES),
      policy: fc.constantFrom('skip' as const, 'shift' as const),
    })
    .map((b): Blackout => ({
      name: b.name,
      start_date: addDays(day0, b.offset),
      end_date: addDays(day0, b.offset + b.length),
      timezone: b.timezone,
      policy: b.policy,
    }));

/** A whole expansion case: rule, counts, window, campaign, pause, skips (mostly real occurrences) and blackouts. */
const caseArb = ruleArb.chain((rule) => {
  const start = Date.parse(rule.start);
  const day0 = rule.start.slice(0, 10);
  return fc
    .record({
      rule: fc.constant(rule),
      fromDays: fc.double({ min: -2, max: 60, noNaN: true }),
      lengthDays: fc.double({ min: 0.5, max: 60, noNaN: true }),
      sinceBack: fc.option(fc.double({ min: 0, max: 30, noNaN: true }), { nil: undefined }),
      maxRuns: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
      runCount: fc.integer({ min: 0, max: 5 }),
      campaign: fc.option(
        fc.record({
          start: fc.option(fc.integer({ min: -5, max: 30 }), { nil: null }),
          end: fc.option(fc.integer({ min: 10, max: 100 }), { nil: null }),
        }),
        { nil: null },
      ),
      pause: fc.option(
        fc.record({ reason: fc.constant('campaign paused'), until: fc.option(fc.integer({ min: 0, max: 80 }), { nil: null }) }),
        { nil: null },
      ),
      skipIndexes: fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 6 }),
      blackouts: fc.array(blackoutArb(day0), { maxLength: 3 }),
    })
    .map((g) => {
      const occurrences: number[] = [];
      for (let d = nextOccurrence(rule, new Date(start - 1)); d && occurrences.length <= 120; d = nextOccurrence(rule, d))
        occurrences.push(d.getTime());
      const fromMs = Math.round(start + g.fromDays * DAY);
      const input: ExpansionInput = {
        rule,
        maxRuns: g.maxRuns,
        runCount: g.runCount,
        since: g.sinceBack === undefined ? undefined : new Date(Math.round(fromMs - g.sinceBack * DAY)),
        campaign: g.campaign && {
          start: g.campaign.start === null ? null : new Date(start + g.campaign.start * DAY + 7 * HOUR),
          end: g.campaign.end === null ? null : new Date(start + g.campaign.end * DAY),
        },
        pause: g.pause && { reason: g.pause.reason, until: g.pause.until === null ? null : new Date(start + g.pause.until * DAY) },
        skips: g.skipIndexes.map((i) => occurrences[i]).filter((t) => t !== undefined),
        blackouts: g.blackouts,
      };
      return { input, fromMs, toMs: Math.round(fromMs + g.lengthDays * DAY) };
    });
});

// ---- properties ------------------------------------------------------------------------------

describe('expandOccurrences properties', () => {
  it('when rules, skips, blackouts, pauses and windows are random, then the expansion equals the step-by-step reference', () => {
    fc.assert(
      fc.property(caseArb, ({ input, fromMs, toMs }) => {
        expect(expand(input, fromMs, toMs)).toEqual(reference(input, fromMs, toMs));
      }),
      { numRuns: 300 },
    );
  });

  it('when a shift blackout covers a DST gap day, then shifted occurrences keep the wall time the gap moved (reference)', () => {
    // Spring-forward days of 2027 and a wall time inside each gap.
    const gaps = [
      { zone: 'Europe/Berlin', day: '2027-03-28', hour: '02' },
      { zone: 'America/New_York', day: '2027-03-14', hour: '02' },
      { zone: 'Australia/Sydney', day: '2027-10-03', hour: '02' },
      { zone: 'America/Santiago', day: '2027-09-05', hour: '00' },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...gaps),
        fc.constantFrom('00', '15', '30', '59'),
        fc.constantFrom('daily', 'cron'),
        fc.integer({ min: 0, max: 2 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
        (gap, minute, type, length, maxRuns) => {
          const start = addDays(gap.day, -3);
          const parsed = parseSchedule({
            schedule_type: type,
            scheduled_at: `${start}T${gap.hour}:${minute}:00`,
            timezone: gap.zone,
            recurrence_pattern: type === 'cron' ? `${+minute} ${+gap.hour} * * *` : null,
          });
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
          const input: ExpansionInput = {
            rule: parsed.rule,
            maxRuns,
            blackouts: [{ name: 'Gap', start_date: gap.day, end_date: addDays(gap.day, length), timezone: gap.zone, policy: 'shift' }],
          };
          const fromMs = Date.parse(parsed.rule.start);
          expect(expand(input, fromMs, fromMs + 12 * DAY)).toEqual(reference(input, fromMs, fromMs + 12 * DAY));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('when expanded, then it is sorted, unique, inside the window, and planned only where nothing stops it', () => {
    fc.assert(
      fc.property(caseArb, ({ input, fromMs, toMs }) => {
        const out = expand(input, fromMs, toMs);
        for (let i = 0; i < out.length; i++) {
          expect(out[i].at).toBeGreaterThanOrEqual(fromMs);
          expect(out[i].at).toBeLessThan(toMs);
          if (i > 0) expect(out[i].at).toBeGreaterThan(out[i - 1].at);
          if (out[i].state === 'planned') expect(out[i].reason).toBeNull();
          else expect(out[i].reason).toEqual(expect.any(String));
        }
        const runs = out.filter((o) => o.state !== 'skipped').length;
        if (input.maxRuns != null) expect(runs).toBeLessThanOrEqual(Math.max(0, input.maxRuns - (input.runCount ?? 0)));
      }),
      { numRuns: 200 },
    );
  });

  it("when no blackout shifts, then the rule's first occurrence in the window bounds the expansion's first from below (the calendar's lazy start)", () => {
    fc.assert(
      fc.property(caseArb, ({ input, fromMs, toMs }) => {
        const noShift = { ...input, blackouts: (input.blackouts ?? []).filter((b) => b.policy !== 'shift') };
        const out = expand(noShift, fromMs, toMs);
        const bound = nextOccurrence(input.rule, new Date(fromMs - 1));
        if (bound === null || bound.getTime() >= toMs) expect(out).toEqual([]);
        else if (out.length > 0) expect(out[0].at).toBeGreaterThanOrEqual(bound.getTime());
        // Every occurrence is one of the rule's own.
        for (const o of out) expect(nextOccurrence(input.rule, new Date(o.at - 1))?.getTime()).toBe(o.at);
      }),
      { numRuns: 300 },
    );
  });

  it('when a window is split in two (same `since`), then the two halves concatenate to the whole', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ input, fromMs, toMs }, cut) => {
        const fixed = { ...input, since: input.since ?? new Date(fromMs - 1) };
        const mid = Math.round(fromMs + (toMs - fromMs) * cut);
        expect([...expand(fixed, fromMs, mid), ...expand(fixed, mid, toMs)]).toEqual(expand(fixed, fromMs, toMs));
      }),
      { numRuns: 200 },
    );
  });

  it('when asked for the next firing, then it is the first planned occurrence of the reference', () => {
    fc.assert(
      fc.property(caseArb, ({ input, fromMs }) => {
        const after = fromMs - 1;
        const firstPlanned = reference({ ...input, since: input.since ?? new Date(after) }, after + 1, after + 400 * DAY).find(
          (o) => o.state === 'planned',
        );
        const expected = input.pause && !input.pause.until ? null : (firstPlanned?.at ?? null);
        expect(nextFiring(input, new Date(after))?.getTime() ?? null).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
