/**
 * Occurrence expansion: the one answer to "which runs will this schedule make, and which will it
 * not, and why", for next_run_at, previews, the calendar, feeds, the forecast and the worker.
 *
 * A schedule's nominal occurrences come from its rule (`nextOccurrence`: start, end date, DST
 * gap/fold rules). In firing order, each one then passes these checks:
 *  1. the campaign window: before the campaign's start it is no occurrence at all; after the
 *     campaign's end (or the rule's end) nothing happens any more;
 *  2. a user skip of that instant: `skipped`, reason `skipped` (no run consumed);
 *  3. the blackouts covering it (its local date, in the blackout's own zone, within
 *     `start_date`..`end_date` inclusive): any `skip` one: `skipped`, reason `blackout: <name>`;
 *     else (all `shift`) it moves to the same local time (schedule's zone, the rule's gap/fold
 *     rules) on the first later day not covered by any blackout; one landing past the schedule's
 *     or the campaign's end does not happen (`skipped` at its own instant, reason as a skip);
 *     one landing on an instant the schedule already has (another occurrence, or another shifted
 *     one) is one run with it;
 *  4. the pause at its final instant: with `until`, occurrences before it are `skipped` (the
 *     pause's reason) and those from it on are planned; without, they are `paused` (would run);
 *  5. `max_runs`, in firing order: planned and paused occurrences count, skipped ones do not;
 *     after the last run allowed nothing more is yielded.
 */
import { DAY_MS, daysFromCivil } from './civil';
import { CompiledRule, compiled } from './compile';
import { nextOccurrenceMs } from './occurrences';
import { RecurrenceRule } from './types';
import { getTimeZone, TimeZone } from './zone';

export const BLACKOUT_POLICIES = ['skip', 'shift'] as const;
export type BlackoutPolicy = (typeof BLACKOUT_POLICIES)[number];

/** A period in which a schedule does not fire: local dates, inclusive, in an IANA zone. */
export interface Blackout {
  name: string;
  /** 'YYYY-MM-DD' */
  start_date: string;
  /** 'YYYY-MM-DD', inclusive, not before start_date */
  end_date: string;
  timezone: string;
  policy: BlackoutPolicy;
}

/** The campaign's window as instants: occurrences >= start and <= end (as `nextRunAfter` applies it). */
export interface ExpansionCampaign {
  start?: Date | null;
  end?: Date | null;
}

/** A pause of the schedule or its campaign. */
export interface ExpansionPause {
  /** Reason shown on each occurrence it holds ('schedule paused', 'campaign paused'). */
  reason: string;
  /** Known end (a campaign's `resume_at`): before it occurrences are skipped, from it on planned. */
  until?: Date | null;
}

export interface ExpansionInput {
  rule: RecurrenceRule;
  /** Runs already made, up to `since` (default 0). */
  runCount?: number;
  /** Null or absent: no limit. */
  maxRuns?: number | null;
  /**
   * Occurrences (final instants, after shifts) strictly after `since` are still to come and
   * count toward `maxRuns` in firing order; those at or before it are past (default: just before
   * the window's `from`).
   */
  since?: Date;
  campaign?: ExpansionCampaign | null;
  pause?: ExpansionPause | null;
  /** Instants the user skipped (an occurrence's nominal instant or, for a shifted one, either). */
  skips?: Iterable<Date | number>;
  blackouts?: readonly Blackout[];
}

export type ExpandedState = 'planned' | 'paused' | 'skipped';

export interface ExpandedOccurrence {
  at: Date;
  state: ExpandedState;
  /** null when planned; `skipped`, `blackout: <name>`, or the pause's reason. */
  reason: string | null;
  /** For a shifted occurrence: its nominal instant. */
  shifted_from?: Date;
  /** The blackout that shifted or skipped it. */
  blackout?: string;
}

export interface ExpansionWindow {
  /** Inclusive. */
  from: Date;
  /** Exclusive; null or absent: no end (the rule's, the campaign's, or the caps end it). */
  to?: Date | null;
  /** At most this many occurrences (capped at MAX_EXPANDED). */
  limit?: number;
}

/** Hard cap on the occurrences one expansion yields. */
export const MAX_EXPANDED = 100_000;
/** Hard cap on the rule occurrences one expansion steps through (from `since`). */
export const MAX_EXPANSION_STEPS = 2_000_000;
/** A shift looks at most this many days ahead for a day outside every blackout. */
const MAX_SHIFT_DAYS = 3660;
export const SKIPPED_REASON = 'skipped';

export function blackoutReason(name: string): string {
  return `blackout: ${name}`;
}

interface CompiledBlackout {
  name: string;
  policy: BlackoutPolicy;
  zone: TimeZone;
  startDay: number;
  endDay: number;
  /** Loose instant bounds (±26 h around the local dates) for a quick reject. */
  looseStart: number;
  looseEnd: number;
  /** First instant after the blackout: 00:00 of the day after end_date in its zone. */
  afterMs: number;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayOf(text: unknown, what: string): number {
  const m = typeof text === 'string' ? DATE_RE.exec(text) : null;
  if (!m) throw new TypeError(`blackout ${what} must be 'YYYY-MM-DD'`);
  const days = daysFromCivil(+m[1], +m[2], +m[3]);
  const back = new Date(days * DAY_MS).toISOString().slice(0, 10);
  if (back !== text) throw new TypeError(`blackout ${what} is not a calendar date`);
  return days;
}

function compileBlackouts(list: readonly Blackout[]): CompiledBlackout[] {
  return list.map((b) => {
    const zone = getTimeZone(b.timezone);
    if (zone === null) throw new TypeError(`blackout timezone is not a known time zone: ${String(b.timezone)}`);
    if (b.policy !== 'skip' && b.policy !== 'shift') throw new TypeError("blackout policy must be 'skip' or 'shift'");
    const startDay = dayOf(b.start_date, 'start_date');
    const endDay = dayOf(b.end_date, 'end_date');
    if (endDay < startDay) throw new TypeError('blackout end_date is before its start_date');
    const slack = 26 * 3_600_000;
    return {
      name: b.name,
      policy: b.policy,
      zone,
      startDay,
      endDay,
      looseStart: startDay * DAY_MS - slack,
      looseEnd: (endDay + 1) * DAY_MS + slack,
      afterMs: zone.wallToInstant((endDay + 1) * DAY_MS),
    };
  });
}

function covers(b: CompiledBlackout, t: number): boolean {
  if (t < b.looseStart || t >= b.looseEnd) return false;
  const day = Math.floor(b.zone.toWall(t) / DAY_MS);
  return day >= b.startDay && day <= b.endDay;
}

/** The first skip-policy blackout covering t, else the first shift one, else null. */
function coveringBlackout(blackouts: CompiledBlackout[], t: number): CompiledBlackout | null {
  let shift: CompiledBlackout | null = null;
  for (const b of blackouts) {
    if (!covers(b, t)) continue;
    if (b.policy === 'skip') return b;
    shift ??= b;
  }
  return shift;
}

/**
 * The instant a shifted occurrence moves to: the nominal local time of day (for an occurrence
 * the DST gap moved, the wall time it was moved from) on the first later local day, in the
 * schedule's zone, whose instant no blackout covers; null when none within MAX_SHIFT_DAYS.
 */
function shiftTarget(c: CompiledRule, n: number, blackouts: CompiledBlackout[]): number | null {
  const zone = c.zone;
  zone.segment(n);
  const s = zone.segStart;
  const o = zone.segOffset;
  const p = zone.segPrevOffset;
  let wall = n + o;
  if (p < o && n < s + (o - p) && c.matcher.matches(n + p) && !c.matcher.matches(n + o)) wall = n + p;
  const day0 = Math.floor(wall / DAY_MS);
  const tod = wall - day0 * DAY_MS;
  let d = day0 + 1;
  while (d - day0 <= MAX_SHIFT_DAYS) {
    const t = zone.wallToInstant(d * DAY_MS + tod);
    if (t <= n) {
      d += 1;
      continue;
    }
    let covered = false;
    let after = d + 1;
    for (const b of blackouts) {
      if (!covers(b, t)) continue;
      covered = true;
      // Jump to the schedule-zone day holding the blackout's first free instant.
      after = Math.max(after, Math.floor(zone.toWall(b.afterMs) / DAY_MS));
    }
    if (!covered) return t;
    d = after;
  }
  return null;
}

/**
 * Where the walk may start when no run is counted (no `maxRuns`): early enough that every
 * occurrence a shift moves into the window is seen (a chain of blackouts reaching the window).
 */
function lookbackStart(blackouts: CompiledBlackout[], fromMs: number): number {
  if (!blackouts.some((b) => b.policy === 'shift')) return fromMs;
  let s = fromMs;
  for (let changed = true; changed;) {
    changed = false;
    for (const b of blackouts) {
      if (b.looseStart < s && b.looseEnd + 2 * DAY_MS >= s) {
        s = b.looseStart;
        changed = true;
      }
    }
  }
  return s;
}

function timeOf(d: unknown, name: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(t)) throw new TypeError(`${name} must be a valid Date`);
  return t;
}

interface Pending {
  at: number;
  state: ExpandedState;
  reason: string | null;
  shiftedFrom?: number;
  blackout?: string;
}

function output(e: Pending): ExpandedOccurrence {
  const o: ExpandedOccurrence = { at: new Date(e.at), state: e.state, reason: e.reason };
  if (e.shiftedFrom !== undefined) o.shifted_from = new Date(e.shiftedFrom);
  if (e.blackout !== undefined) o.blackout = e.blackout;
  return o;
}

/**
 * The schedule's occurrences in `[from, to)`, soonest first, each at most once (a lazy
 * generator: take what you need). See the module comment for the checks.
 */
export function* expandOccurrences(input: ExpansionInput, window: ExpansionWindow): Generator<ExpandedOccurrence, void, undefined> {
  const c = compiled(input.rule);
  const fromMs = timeOf(window.from, 'from');
  const toMs = window.to === null || window.to === undefined ? Infinity : timeOf(window.to, 'to');
  const asked = window.limit ?? MAX_EXPANDED;
  const limit = asked > 0 ? Math.min(MAX_EXPANDED, Math.floor(asked)) : 0; // NaN, 0 or negative: none
  const sinceMs = input.since === undefined ? fromMs - 1 : timeOf(input.since, 'since');
  const maxRuns = input.maxRuns ?? null;
  const left = maxRuns === null ? Infinity : Math.max(0, maxRuns - (input.runCount ?? 0));
  if (left === 0 || limit === 0 || !(toMs > fromMs)) return;

  const campStart = input.campaign?.start ? timeOf(input.campaign.start, 'campaign.start') : -Infinity;
  const campEnd = input.campaign?.end ? timeOf(input.campaign.end, 'campaign.end') : Infinity;
  /** No occurrence happens after this instant (the rule's end date or the campaign's end). */
  const lastMs = Math.min(c.endMs, campEnd);
  const blackouts = compileBlackouts(input.blackouts ?? []);
  const skips = new Set<number>();
  for (const s of input.skips ?? []) skips.add(typeof s === 'number' ? s : timeOf(s, 'skip'));
  const pause = input.pause ?? null;
  const untilMs = pause?.until ? timeOf(pause.until, 'pause.until') : null;

  const stateAt = (at: number): Pending => {
    if (skips.has(at)) return { at, state: 'skipped', reason: SKIPPED_REASON };
    if (pause === null || (untilMs !== null && at >= untilMs)) return { at, state: 'planned', reason: null };
    return { at, state: untilMs !== null ? 'skipped' : 'paused', reason: pause.reason };
  };
  const decide = (n: number): Pending => {
    if (skips.has(n)) return { at: n, state: 'skipped', reason: SKIPPED_REASON };
    const b = blackouts.length ? coveringBlackout(blackouts, n) : null;
    if (b === null) return stateAt(n);
    const skipped: Pending = { at: n, state: 'skipped', reason: blackoutReason(b.name), blackout: b.name };
    if (b.policy === 'skip') return skipped;
    const t = shiftTarget(c, n, blackouts);
    if (t === null || t > lastMs) return skipped;
    return { ...stateAt(t), shiftedFrom: n, blackout: b.name };
  };

  // Events waiting to be yielded, by instant (ascending keys). An event at k is final once the
  // walk has passed k: later rule occurrences only produce events at or after themselves.
  const pending = new Map<number, Pending>();
  const keys: number[] = [];
  const add = (e: Pending): void => {
    const old = pending.get(e.at);
    if (old) {
      // One run per instant: the schedule's own occurrence absorbs the shifted ones.
      if (old.shiftedFrom !== undefined && e.shiftedFrom === undefined) pending.set(e.at, e);
      return;
    }
    pending.set(e.at, e);
    let i = keys.length;
    while (i > 0 && keys[i - 1] > e.at) i--;
    keys.splice(i, 0, e.at);
  };

  // Without a run limit nothing before the window needs counting. Either way the walk starts
  // early enough to see the occurrences a shift moves past its start.
  let walkFrom = left === Infinity ? Math.max(sinceMs, fromMs - 1) : sinceMs;
  walkFrom = lookbackStart(blackouts, walkFrom + 1) - 1;
  if (campStart - 1 > walkFrom) walkFrom = campStart - 1;

  let fired = 0;
  let yielded = 0;
  let steps = 0;
  let n = nextOccurrenceMs(c, walkFrom);
  for (;;) {
    const done = n === null || n > lastMs || n >= toMs || steps >= MAX_EXPANSION_STEPS;
    const bound = done ? Infinity : (n as number);
    while (keys.length > 0 && keys[0] < bound) {
      const k = keys.shift() as number;
      const e = pending.get(k) as Pending;
      pending.delete(k);
      if (k <= sinceMs) continue; // past: already counted in runCount
      if (k >= toMs || fired >= left) return;
      if (e.state !== 'skipped') fired += 1;
      if (k >= fromMs) {
        yield output(e);
        if (++yielded >= limit) return;
      }
    }
    if (done) return;
    steps += 1;
    add(decide(n as number));
    n = nextOccurrenceMs(c, n as number);
  }
}

/**
 * The first occurrence strictly after `after` that will actually fire (state `planned`), or
 * null: what `next_run_at` and the BullMQ repeat strategy need. Runs counted from `since`
 * (default `after`). A pause without a known end has none.
 */
export function nextFiring(input: ExpansionInput, after: Date): Date | null {
  const t = timeOf(after, 'after');
  if (input.pause && !input.pause.until) return null;
  const since = input.since ?? after;
  for (const o of expandOccurrences({ ...input, since }, { from: new Date(t + 1) })) {
    if (o.state === 'planned') return o.at;
  }
  return null;
}

/** What the blackouts make of one of the rule's nominal occurrences (`blackoutFate`). */
export interface BlackoutFate {
  /** The blackout that covers it (a `skip` one wins over a `shift` one). */
  blackout: string;
  policy: BlackoutPolicy;
  /** For `shift`: the instant it moves to; null when it does not happen (past the rule's or the campaign's end, or no free day). */
  shifted_to: Date | null;
}

/**
 * What the blackouts of `input` make of the nominal occurrence `at` (the same checks as step 3
 * of the expansion, for one instant): null when none covers it. The worker asks this of an
 * occurrence the scheduler delivered, which the expansion then does not yield at that instant.
 */
export function blackoutFate(input: Pick<ExpansionInput, 'rule' | 'blackouts' | 'campaign'>, at: Date): BlackoutFate | null {
  if (!input.blackouts || input.blackouts.length === 0) return null;
  const n = timeOf(at, 'at');
  const blackouts = compileBlackouts(input.blackouts);
  const b = coveringBlackout(blackouts, n);
  if (b === null) return null;
  if (b.policy === 'skip') return { blackout: b.name, policy: 'skip', shifted_to: null };
  const c = compiled(input.rule);
  const campEnd = input.campaign?.end ? timeOf(input.campaign.end, 'campaign.end') : Infinity;
  const t = shiftTarget(c, n, blackouts);
  return { blackout: b.name, policy: 'shift', shifted_to: t === null || t > Math.min(c.endMs, campEnd) ? null : new Date(t) };
}
