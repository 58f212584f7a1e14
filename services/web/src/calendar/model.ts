import type { ApiClient, Schema } from '@scheduler/client';
import { unwrap } from '../api';

export type CalendarOccurrence = Schema<'CalendarOccurrence'>;
export type OccurrenceState = CalendarOccurrence['state'];
export type CalendarView = 'month' | 'week' | 'list';

export const VIEWS: readonly CalendarView[] = ['month', 'week', 'list'];

/** Each state's icon and word: the state is never told by colour alone. */
export const STATES: Record<OccurrenceState, { icon: string; word: string; muted: boolean }> = {
  planned: { icon: '◷', word: 'planned', muted: false },
  paused: { icon: '‖', word: 'paused', muted: true },
  skipped: { icon: '⤼', word: 'skipped', muted: true },
  materialized: { icon: '✓', word: 'materialized', muted: false },
  missed: { icon: '⚠', word: 'missed', muted: false },
  failed: { icon: '✕', word: 'failed', muted: false },
};
export const STATE_NAMES = Object.keys(STATES) as OccurrenceState[];

/** The colour of an occurrence's chip: its campaign's, a neutral grey without one. */
export function colorOf(occurrence: CalendarOccurrence): string {
  return occurrence.campaign?.color ?? '#6E7781';
}

/**
 * The grid shows each occurrence at its wall-clock time in its schedule's zone: the calendar runs in
 * UTC and gets the local wall time written as if it were UTC ('2027-03-14T09:00:00-04:00' ->
 * '2027-03-14T09:00:00Z'), so a New York 09:00 is on its New York day at 09:00 whatever the viewer's zone.
 */
export function wallClockStart(local: string): string {
  return `${local.slice(0, 19)}Z`;
}

const DAY = 86_400_000;
/** Zones are at most 14 h from UTC: the API window is widened by that much each side. */
const ZONE_MARGIN = 14 * 3_600_000;

export function isMonth(text: string | undefined): text is string {
  return !!text && /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

export function isDay(text: string | null | undefined): text is string {
  return !!text && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export function todayIso(now = new Date()): string {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, '0');
  const d = String(now.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

function addMonths(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1 + months, 1));
  return date.toISOString().slice(0, 7);
}

/** Monday of the week holding `day` (weeks start on Monday). */
export function weekStart(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

/** The day the calendar shows: `day` for a week, else the 1st of the month. */
export function anchorDay(month: string, view: CalendarView, day: string | null): string {
  if (view === 'week' && isDay(day) && monthOf(day) === month) return day;
  return `${month}-01`;
}

/** Wall-clock days [start, end) the view shows (a month grid shows up to 6 weeks). */
export function visibleDays(view: CalendarView, anchor: string): { start: string; end: string } {
  if (view === 'week') {
    const start = weekStart(anchor);
    return { start, end: addDays(start, 7) };
  }
  const month = monthOf(anchor);
  if (view === 'list') return { start: `${month}-01`, end: `${addMonths(month, 1)}-01` };
  const start = weekStart(`${month}-01`);
  return { start, end: addDays(start, 42) };
}

/** The API window (UTC instants) that holds every occurrence whose local day is visible, in any zone. */
export function apiWindow(days: { start: string; end: string }): { from: string; to: string } {
  return {
    from: new Date(Date.parse(`${days.start}T00:00:00Z`) - ZONE_MARGIN).toISOString(),
    to: new Date(Date.parse(`${days.end}T00:00:00Z`) + ZONE_MARGIN).toISOString(),
  };
}

/** Where the arrows go: a month (or a week) back or forward; the URL's month and day. */
export function step(view: CalendarView, anchor: string, direction: -1 | 1): { month: string; day: string | null } {
  if (view === 'week') {
    const day = addDays(weekStart(anchor), 7 * direction);
    return { month: monthOf(day), day };
  }
  return { month: addMonths(monthOf(anchor), direction), day: null };
}

export interface CalendarFilters {
  campaign_id?: string;
  publisher_domain?: string;
  state?: OccurrenceState;
}

/** Page size and the most pages followed (a window holds at most 20,000 occurrences here). */
export const PAGE_LIMIT = 1000;
export const MAX_PAGES = 20;

/** A window's occurrences so far and whether pages were left unread (more than MAX_PAGES). */
export interface CalendarData {
  occurrences: CalendarOccurrence[];
  truncated: boolean;
}

/**
 * The window page by page (follows `next_cursor`, at most MAX_PAGES): each page as it arrives, so
 * the calendar paints the first one while the next are read.
 */
export async function* streamCalendar(
  api: ApiClient,
  window: { from: string; to: string },
  filters: CalendarFilters,
): AsyncGenerator<CalendarData> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await unwrap(
      api.GET('/api/v1/calendar', {
        params: { query: { ...window, ...filters, limit: PAGE_LIMIT, ...(cursor ? { cursor } : {}) } },
      }),
    );
    const last = !data.next_cursor;
    yield { occurrences: data.occurrences, truncated: !last && page === MAX_PAGES - 1 };
    if (last || !data.next_cursor) return;
    cursor = data.next_cursor;
  }
}

/** The pages of streamCalendar added up. */
export function addPage(acc: CalendarData, page: CalendarData): CalendarData {
  return { occurrences: acc.occurrences.concat(page.occurrences), truncated: page.truncated };
}

/** Every occurrence of the window: follows `next_cursor` to the last page. */
export async function fetchCalendar(api: ApiClient, window: { from: string; to: string }, filters: CalendarFilters): Promise<CalendarData> {
  let acc: CalendarData = { occurrences: [], truncated: false };
  for await (const page of streamCalendar(api, window, filters)) acc = addPage(acc, page);
  return acc;
}

export type CalendarDays = Schema<'CalendarDays'>;
export type CalendarDay = CalendarDays['days'][number];

/** The runs a month cell shows; the rest of the day is behind "+N more" (with the day's real count). */
export const MONTH_PER_DAY = 6;

/** The viewer's IANA zone (the browser's): the month grid's days are its days. */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The instant a day starts in the browser's zone. */
export function localMidnight(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toISOString();
}

/** The instants [from, to) of wall-clock days in the browser's zone (the month grid's window of `GET /calendar/days`). */
export function localWindow(days: { start: string; end: string }): { from: string; to: string } {
  return { from: localMidnight(days.start), to: localMidnight(days.end) };
}

/** The instants of one day of the browser's zone (what "+N more" reads from `GET /calendar`). */
export function dayWindow(day: string): { from: string; to: string } {
  return localWindow({ start: day, end: addDays(day, 1) });
}

/** The month grid: each viewer's day with its count and first `perDay` (`GET /calendar/days`, one request). */
export async function fetchDays(
  api: ApiClient,
  window: { from: string; to: string },
  filters: CalendarFilters,
  timezone: string,
  perDay: number,
): Promise<CalendarDays> {
  return unwrap(api.GET('/api/v1/calendar/days', { params: { query: { ...window, ...filters, timezone, per_day: perDay } } }));
}

/**
 * Where a month cell puts an occurrence: on its viewer's day (the day `/calendar/days` counted it
 * in) at its schedule's wall-clock time, so a cell's chips and its "+N more" agree.
 */
export function onDay(date: string, local: string): string {
  return `${date}${wallClockStart(local).slice(10)}`;
}
