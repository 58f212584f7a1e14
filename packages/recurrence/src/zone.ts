/**
 * Time-zone engine on top of `Intl`, with caches so that successive occurrences need
 * (almost) no Intl calls.
 *
 * Model: a zone's UTC offset is piecewise constant. The timeline is cut into "chunks" of
 * 360 days; for a chunk we sample the offset every 2 days with Intl and, where two samples
 * differ, bisect to the exact second of the transition. A chunk therefore costs ~200 Intl
 * calls once, after which the offset of any instant in it is an array scan. The 2-day
 * sampling finds every transition as long as two transitions are more than 2 days apart:
 * the closest pair in the tz database between 1900 and 2100 is ~7 days apart (Brazil 2000,
 * Gaza/Hebron in future years), so none is missed.
 *
 * A "segment" is a maximal interval [start, end) of constant offset. `end` may be a chunk
 * boundary rather than a real transition (the next segment then has prevOffset === offset);
 * `start` is always the real transition (or a chunk start far from any transition).
 */
import { DAY_MS, SECOND_MS, daysFromCivil, HOUR_MS, MINUTE_MS } from './civil';

const STEP_MS = 2 * DAY_MS;
/**
 * 400 Gregorian years: exactly 146097 days, a whole number of weeks. Once a zone follows its
 * final, annually recurring rule (the tz database has no explicit transition after the 2080s),
 * its offsets repeat with this period, so instants from 2500 on are folded back into
 * [2100, 2500): the cache stays small and far-future walks stay fast.
 */
const PERIOD_MS = 146_097 * DAY_MS;
const FOLD_FROM_MS = Date.UTC(2500, 0, 1);
const STEPS_PER_CHUNK = 180;
const CHUNK_MS = STEP_MS * STEPS_PER_CHUNK;

interface Chunk {
  start: number;
  end: number;
  /** offset just before `start` (at start - 1 s) */
  before: number;
  /** segment starts inside the chunk; starts[0] === start */
  starts: number[];
  /** offset of each segment */
  offs: number[];
  /** real start / previous offset of the chunk's first segment (set by link()) */
  firstStart: number;
  firstPrev: number;
  linked: boolean;
}

export class TimeZone {
  /** Segment found by the last {@link segment} call: [segStart, segEnd) has offset segOffset. */
  segStart = 1;
  segEnd = 0;
  segOffset = 0;
  /** Offset in force just before segStart (=== segOffset when segStart is not a transition). */
  segPrevOffset = 0;

  private readonly chunks = new Map<number, Chunk>();
  private readonly fmt: Intl.DateTimeFormat | null;

  constructor(
    /** Canonical Intl name of the zone. */
    readonly id: string,
    fixedUtc: boolean,
  ) {
    if (fixedUtc) {
      this.fmt = null;
      this.segStart = -Infinity;
      this.segEnd = Infinity;
    } else {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: id,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    }
  }

  /** Offset (local - UTC, ms) at an instant, straight from Intl. Whole seconds. */
  rawOffset(t: number): number {
    if (this.fmt === null) return 0;
    const s = Math.floor(t / SECOND_MS) * SECOND_MS;
    const m = this.fmt.format(s).match(/\d+/g);
    if (m === null || m.length < 6) throw new Error(`unexpected Intl output for ${this.id}`);
    const wall = daysFromCivil(+m[2], +m[0], +m[1]) * DAY_MS + +m[3] * HOUR_MS + +m[4] * MINUTE_MS + +m[5] * SECOND_MS;
    return wall - s;
  }

  /** Sets segStart/segEnd/segOffset/segPrevOffset to the segment containing instant t. */
  segment(t: number): void {
    if (t >= this.segStart && t < this.segEnd) return;
    if (t >= FOLD_FROM_MS) {
      const shift = Math.ceil((t - FOLD_FROM_MS + 1) / PERIOD_MS) * PERIOD_MS;
      this.lookup(t - shift);
      this.segStart += shift;
      this.segEnd += shift;
      return;
    }
    this.lookup(t);
  }

  private lookup(t: number): void {
    const k = Math.floor(t / CHUNK_MS);
    const c = this.chunk(k);
    if (!c.linked) this.link(k, c);
    const starts = c.starts;
    let i = starts.length - 1;
    while (i > 0 && starts[i] > t) i--;
    this.segOffset = c.offs[i];
    this.segEnd = i + 1 < starts.length ? starts[i + 1] : c.end;
    if (i === 0) {
      this.segStart = c.firstStart;
      this.segPrevOffset = c.firstPrev;
    } else {
      this.segStart = starts[i];
      this.segPrevOffset = c.offs[i - 1];
    }
  }

  offsetAt(t: number): number {
    this.segment(t);
    return this.segOffset;
  }

  /** Local wall value of an instant. */
  toWall(t: number): number {
    return t + this.offsetAt(t);
  }

  /**
   * Instant of a local wall value. Nonexistent wall time (gap): the offset in force before
   * the gap is used, i.e. the result is shifted forward by the gap length. Ambiguous wall
   * time (fold): the earlier instant.
   */
  wallToInstant(wall: number): number {
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    if (before === after) return wall - before;
    const c1 = wall - before;
    const c2 = wall - after;
    const v1 = this.offsetAt(c1) === before;
    const v2 = this.offsetAt(c2) === after;
    if (v1 && v2) return Math.min(c1, c2);
    if (v1) return c1;
    if (v2) return c2;
    return c1; // gap: keep the pre-transition offset
  }

  private chunk(k: number): Chunk {
    let c = this.chunks.get(k);
    if (c === undefined) {
      c = this.build(k);
      this.chunks.set(k, c);
    }
    return c;
  }

  private build(k: number): Chunk {
    const start = k * CHUNK_MS;
    const end = start + CHUNK_MS;
    const starts = [start];
    let prevO = this.rawOffset(start);
    const offs = [prevO];
    const before = this.rawOffset(start - SECOND_MS);
    let prevT = start;
    for (let i = 1; i <= STEPS_PER_CHUNK; i++) {
      const t = start + i * STEP_MS;
      const o = this.rawOffset(t);
      if (o !== prevO) {
        let lo = prevT;
        let hi = t;
        while (hi - lo > SECOND_MS) {
          const mid = lo + Math.floor((hi - lo) / (2 * SECOND_MS)) * SECOND_MS;
          if (this.rawOffset(mid) === o) hi = mid;
          else lo = mid;
        }
        if (hi < end) {
          starts.push(hi);
          offs.push(o);
        }
        prevO = o;
      }
      prevT = t;
    }
    return { start, end, before, starts, offs, firstStart: start, firstPrev: before, linked: false };
  }

  /** Finds the real start of the chunk's first segment when it began in the previous chunk. */
  private link(k: number, c: Chunk): void {
    c.linked = true;
    if (c.before !== c.offs[0]) return; // a transition exactly at the chunk start
    const p = this.chunk(k - 1);
    const n = p.starts.length;
    if (n > 1) {
      c.firstStart = p.starts[n - 1];
      c.firstPrev = p.offs[n - 2];
    } else if (p.before !== p.offs[0]) {
      c.firstStart = p.start;
      c.firstPrev = p.before;
    }
    // else: no transition within a whole chunk before: a pseudo boundary, harmless.
  }
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const byName = new Map<string, TimeZone | null>();
const byId = new Map<string, TimeZone>();

/** The zone for an IANA name, or null when Intl does not know it. Cached. */
export function getTimeZone(name: string): TimeZone | null {
  const hit = byName.get(name);
  if (hit !== undefined) return hit;
  let zone: TimeZone | null = null;
  if (name.length <= 64 && NAME_RE.test(name)) {
    let id: string | null;
    try {
      id = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      id = null;
    }
    if (id) {
      zone = byId.get(id) ?? null;
      if (zone === null) {
        zone = new TimeZone(id, id === 'UTC' || id === 'Etc/UTC');
        byId.set(id, zone);
      }
    }
  }
  if (byName.size >= 5000) byName.clear(); // junk input must not grow memory without bound
  byName.set(name, zone);
  return zone;
}

/**
 * The name to store for a zone name that Intl knows, in its canonical spelling: Intl's name when
 * the two differ only in case (`america/new_york` → `America/New_York`, `utc` → `UTC`). A link
 * to another zone (`Asia/Kolkata`, `US/Eastern`, `Etc/UTC`) is kept as sent, because this
 * runtime's Intl resolves some current IANA names to retired ones (`Asia/Kolkata` →
 * `Asia/Calcutta`). Null for a name Intl does not know.
 */
export function canonicalTimeZone(name: string): string | null {
  const zone = typeof name === 'string' ? getTimeZone(name) : null;
  if (zone === null) return null;
  return zone.id.toLowerCase() === name.toLowerCase() ? zone.id : name;
}

/** True when `tz` is an IANA time-zone name that this runtime's Intl knows ('UTC' and 'Etc/UTC' included). */
export function isValidTimeZone(tz: string): boolean {
  return typeof tz === 'string' && getTimeZone(tz) !== null;
}
