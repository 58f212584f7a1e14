import type { ConflictScope } from '@scheduler/entities';

/**
 * The conflict windows (pure: no I/O). A window is `[t, t + N minutes)` starting at a planned
 * occurrence `t`; it is overfull when more than `max` occurrences of one group (one publisher
 * domain, case-insensitive, or the whole workspace with scope `all`) fall in it. Overfull windows
 * of a group that overlap (the next one starts before the last one ends) are reported as one,
 * from the first one's start to the last one's end, with every occurrence in that span.
 */

export const MINUTE_MS = 60_000;

export interface ConflictSettings {
  windowMinutes: number;
  maxPerWindow: number;
  scope: ConflictScope;
}

/** One planned occurrence: `scheduleId` may be a placeholder for a schedule not yet written (an import row). */
export interface Occurrence {
  at: number;
  scheduleId: string;
  publisherDomain: string | null;
}

export interface ConflictWindow {
  start: number;
  end: number;
  /** The group: the publisher domain (lower case); null with scope `all`. */
  publisherDomain: string | null;
  occurrences: Occurrence[];
}

/**
 * The group an occurrence counts in: with scope `publisher_domain`, its publisher domain in lower
 * case (an occurrence without one publishes nowhere, and counts in no group); with `all`, one group.
 */
export function groupOf(publisherDomain: string | null, scope: ConflictScope): string | null {
  if (scope === 'all') return '*';
  return publisherDomain ? publisherDomain.toLowerCase() : null;
}

function byTime(a: Occurrence, b: Occurrence): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0;
}

/** The occurrences by group, each soonest first. */
export function groupOccurrences(occurrences: Iterable<Occurrence>, scope: ConflictScope): Map<string, Occurrence[]> {
  const groups = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    const key = groupOf(o.publisherDomain, scope);
    if (key === null) continue;
    const list = groups.get(key);
    if (list) list.push(o);
    else groups.set(key, [o]);
  }
  for (const list of groups.values()) list.sort(byTime);
  return groups;
}

/** The first index of `sorted` (by `at`) whose instant is at or after `t`. */
export function lowerBound(sorted: readonly { at: number }[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The overfull windows of every group, soonest first (then by group), of windows that start
 * before `startsBefore` (the occurrences should reach `startsBefore + N` so that such windows are
 * counted whole).
 */
export function conflictWindows(occurrences: Iterable<Occurrence>, settings: ConflictSettings, startsBefore = Infinity): ConflictWindow[] {
  const n = settings.windowMinutes * MINUTE_MS;
  const windows: ConflictWindow[] = [];
  for (const [key, list] of groupOccurrences(occurrences, settings.scope)) {
    let open: { start: number; end: number; first: number; last: number } | null = null;
    const close = () => {
      if (!open) return;
      windows.push({
        start: open.start,
        end: open.end,
        publisherDomain: key === '*' ? null : key,
        occurrences: list.slice(open.first, open.last),
      });
      open = null;
    };
    let j = 0;
    for (let i = 0; i < list.length && list[i].at < startsBefore; i += 1) {
      const start = list[i].at;
      if (j < i) j = i;
      while (j < list.length && list[j].at < start + n) j += 1;
      if (j - i <= settings.maxPerWindow) continue;
      if (open && start < open.end) {
        open.end = start + n;
        open.last = j;
      } else {
        close();
        open = { start, end: start + n, first: i, last: j };
      }
    }
    close();
  }
  return windows.sort((a, b) => a.start - b.start || String(a.publisherDomain).localeCompare(String(b.publisherDomain)));
}

/**
 * True when one more occurrence at `t` overfills no window of the group (`sorted`, soonest
 * first): no window starting at an occurrence in `(t - N, t]`, nor the one starting at `t`, would
 * hold more than `max` with it.
 */
export function fitsOneMore(sorted: readonly { at: number }[], t: number, settings: ConflictSettings): boolean {
  const n = settings.windowMinutes * MINUTE_MS;
  const room = settings.maxPerWindow - 1;
  if (lowerBound(sorted, t + n) - lowerBound(sorted, t) > room) return false;
  for (let i = lowerBound(sorted, t - n + 1); i < sorted.length && sorted[i].at <= t; i += 1) {
    const s = sorted[i].at;
    if (lowerBound(sorted, s + n) - i > room) return false;
  }
  return true;
}

/** How many occurrences of the group lie within one window length of `t` (either side): how busy a slot is. */
export function loadAround(sorted: readonly { at: number }[], t: number, settings: ConflictSettings): number {
  const n = settings.windowMinutes * MINUTE_MS;
  return lowerBound(sorted, t + n) - lowerBound(sorted, t - n + 1);
}
