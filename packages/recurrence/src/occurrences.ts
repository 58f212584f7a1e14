/**
 * Occurrences of a rule.
 *
 * The occurrence set of a recurring rule is defined on the local wall clock:
 *  - a matching wall time that exists once fires at that instant;
 *  - a matching wall time that exists twice (fall-back fold) fires at its FIRST instance only;
 *  - a matching wall time that does not exist (spring-forward gap) fires at the instant it
 *    would have with the offset in force before the gap, i.e. shifted forward by the gap
 *    length (02:30 -> 03:30 on a 1-hour gap);
 *  - several wall times landing on the same instant fire once (it is a set of instants);
 *  - only instants >= start and <= end count.
 *
 * nextOccurrence walks the zone's constant-offset segments from `after`: inside a segment the
 * wall clock is a plain shift of UTC, so the next matching wall time (matcher.next) gives the
 * candidate directly; a segment that starts with a gap also considers the shifted gap walls,
 * and one that starts with a fold skips the walls already seen before the fold.
 */
import { MAX_INSTANT_MS, SECOND_MS } from './civil';
import { CompiledRule, compiled } from './compile';
import { formatLocal } from './iso';
import { OccurrenceView, RecurrenceRule } from './types';

/** Search horizon of one nextOccurrence call: ~1000 years. */
const HORIZON_MS = 1000 * 365.2425 * 86_400_000;
/** Max occurrences returned by nextOccurrences. */
export const MAX_OCCURRENCES = 1000;
/** Hard cap on occurrencesBetween's `limit` (memory guard; far above any preview). */
export const MAX_OCCURRENCES_BETWEEN = 100_000;

/** First occurrence strictly after afterMs (ms), or null. */
export function nextOccurrenceMs(c: CompiledRule, afterMs: number): number | null {
  if (c.type === 'once') return c.startMs > afterMs && c.startMs <= c.endMs ? c.startMs : null;
  let u = Math.floor(afterMs / SECOND_MS) * SECOND_MS + SECOND_MS;
  if (u < c.startMs) u = Math.ceil(c.startMs / SECOND_MS) * SECOND_MS;
  const limit = Math.min(c.endMs, MAX_INSTANT_MS, u + HORIZON_MS);
  const zone = c.zone;
  const m = c.matcher;
  while (u <= limit) {
    zone.segment(u);
    const s = zone.segStart;
    const e = zone.segEnd;
    const o = zone.segOffset;
    const p = zone.segPrevOffset;
    let best = Infinity;
    if (p < o && u < s + (o - p)) {
      // u lies in the stretch right after a spring-forward transition at s: the skipped wall
      // times [s + p, s + o) fire at wall - p (shifted forward by the gap o - p).
      const wb = m.next(u + p, s + o - SECOND_MS);
      if (wb !== Infinity) best = wb - p;
    }
    let lowA = u + o;
    // After a fall-back transition at s, the wall times [s + o, s + p) were already lived
    // through before s (first instances): skip their second instances.
    if (p > o && lowA < s + p) lowA = s + p;
    const wa = m.next(lowA, Math.min(e - SECOND_MS, limit) + o);
    if (wa !== Infinity && wa - o < best) best = wa - o;
    if (best !== Infinity) return best <= limit ? best : null;
    if (e === Infinity) break;
    u = e;
  }
  return null;
}

export function firstOccurrenceMs(c: CompiledRule): number | null {
  return nextOccurrenceMs(c, c.startMs - 1);
}

function timeOf(d: Date, name: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(t)) throw new TypeError(`${name} must be a valid Date`);
  return t;
}

/** First occurrence >= rule.start (null if none before end). */
export function firstOccurrence(rule: RecurrenceRule): Date | null {
  const t = firstOccurrenceMs(compiled(rule));
  return t === null ? null : new Date(t);
}

/** First occurrence strictly after `after` (and >= start, <= end); null if none. */
export function nextOccurrence(rule: RecurrenceRule, after: Date): Date | null {
  const t = nextOccurrenceMs(compiled(rule), timeOf(after, 'after'));
  return t === null ? null : new Date(t);
}

function capCount(count: number, max: number): number {
  if (typeof count !== 'number' || !(count > 0)) return 0;
  return Math.min(Math.floor(count), max);
}

/** Repeated nextOccurrence: up to `count` (capped at 1000) occurrences strictly after `after`. */
export function nextOccurrences(rule: RecurrenceRule, after: Date, count: number): Date[] {
  const c = compiled(rule);
  const n = capCount(count, MAX_OCCURRENCES);
  const out: Date[] = [];
  let t: number | null = timeOf(after, 'after');
  while (out.length < n) {
    t = nextOccurrenceMs(c, t);
    if (t === null) break;
    out.push(new Date(t));
  }
  return out;
}

/** All occurrences in [from, to] (inclusive), at most `limit` (capped at 100,000). */
export function occurrencesBetween(rule: RecurrenceRule, from: Date, to: Date, limit: number): Date[] {
  const c = compiled(rule);
  const n = capCount(limit, MAX_OCCURRENCES_BETWEEN);
  const toMs = timeOf(to, 'to');
  const out: Date[] = [];
  let t: number | null = timeOf(from, 'from') - 1;
  while (out.length < n) {
    t = nextOccurrenceMs(c, t);
    if (t === null || t > toMs) break;
    out.push(new Date(t));
  }
  return out;
}

/**
 * View of an instant for previews. dst_adjusted is true when the instant lies just after a
 * spring-forward transition, the wall time it was shifted from (instant + offset before the
 * gap) matches the rule, and its own wall time does not (i.e. it only exists because of the
 * gap rule).
 */
export function describeOccurrence(rule: RecurrenceRule, at: Date): OccurrenceView {
  const c = compiled(rule);
  const t = timeOf(at, 'at');
  const zone = c.zone;
  zone.segment(t);
  const s = zone.segStart;
  const o = zone.segOffset;
  const p = zone.segPrevOffset;
  const adjusted = p < o && t < s + (o - p) && c.matcher.matches(t + p) && !c.matcher.matches(t + o);
  return { at: new Date(t).toISOString(), local: formatLocal(t, zone), dst_adjusted: adjusted };
}
