import FullCalendar, { type CalendarRef, type EventClickInfo, type EventDisplayInfo } from '@fullcalendar/react';
import dayGridPlugin from '@fullcalendar/react/daygrid';
import listPlugin from '@fullcalendar/react/list';
import timeGridPlugin from '@fullcalendar/react/timegrid';
import '@fullcalendar/react/skeleton.css';
import { experimental_streamedQuery as streamedQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Navigate, useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { unwrap, useApi } from '../api';
import { ErrorBox } from '../components/ListState';
import { OccurrenceChip } from '../calendar/OccurrenceChip';
import { DayPanel } from '../calendar/DayPanel';
import { OccurrencePanel } from '../calendar/OccurrencePanel';
import {
  anchorDay,
  apiWindow,
  addPage,
  fetchDays,
  localWindow,
  MONTH_PER_DAY,
  onDay,
  streamCalendar,
  viewerZone,
  type CalendarData,
  isMonth,
  monthOf,
  STATE_NAMES,
  STATES,
  step,
  todayIso,
  VIEWS,
  visibleDays,
  wallClockStart,
  type CalendarFilters,
  type CalendarOccurrence,
  type CalendarView,
  type OccurrenceState,
} from '../calendar/model';

/** What a grid entry carries: a run, or a month cell's "+N more". */
interface EventProps {
  occurrence?: CalendarOccurrence;
  more?: { date: string; count: number };
}

const FC_VIEW: Record<CalendarView, string> = { month: 'dayGridMonth', week: 'timeGridWeek', list: 'listMonth' };
const NARROW = '(max-width: 600px)';

function useNarrow(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const query = window.matchMedia?.(NARROW);
      query?.addEventListener('change', onChange);
      return () => query?.removeEventListener('change', onChange);
    },
    () => window.matchMedia?.(NARROW).matches ?? false,
  );
}

/** `/calendar` -> this month's calendar (the filters kept). */
export function CalendarHome() {
  const { search } = useLocation();
  return <Navigate to={`/calendar/${monthOf(todayIso())}${search}`} replace />;
}

/**
 * The calendar: `/calendar/YYYY-MM?view=month|week|list[&day=YYYY-MM-DD]` (a link shows the same
 * thing), FullCalendar's grids fed from `GET /calendar` over the visible days, filters in a side bar,
 * a side panel for the clicked occurrence. At 375 px wide it is the list view.
 */
export function CalendarPage() {
  const { month: monthParam } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const api = useApi();
  const narrow = useNarrow();
  const calendar = useRef<CalendarRef>(null);
  const [selected, setSelected] = useState<CalendarOccurrence | null>(null);
  /** The month cell whose "+N more" is open (its day's runs in the side panel). */
  const [openDay, setOpenDay] = useState<string | null>(null);

  const asked = (VIEWS as readonly string[]).includes(params.get('view') ?? '') ? (params.get('view') as CalendarView) : 'month';
  const view: CalendarView = narrow ? 'list' : asked;
  const month = isMonth(monthParam) ? monthParam : monthOf(todayIso());
  const anchor = anchorDay(month, view, params.get('day'));
  const filters: CalendarFilters = {
    ...(params.get('campaign') ? { campaign_id: params.get('campaign')! } : {}),
    ...(params.get('publisher') ? { publisher_domain: params.get('publisher')! } : {}),
    ...(STATE_NAMES.includes(params.get('state') as OccurrenceState) ? { state: params.get('state') as OccurrenceState } : {}),
  };
  const days = visibleDays(view, anchor);
  const range = apiWindow(days);
  const monthly = view === 'month';
  const zone = viewerZone();
  const monthWindow = localWindow(days);

  // The month grid: one request, each of the viewer's days with its count and the first runs it shows.
  const monthDays = useQuery({
    queryKey: ['calendar', 'days', monthWindow, filters, zone],
    queryFn: () => fetchDays(api, monthWindow, filters, zone, MONTH_PER_DAY),
    enabled: monthly,
    placeholderData: (previous) => previous,
  });
  // Week and list: the paged calendar (a week is small).
  const occurrences = useQuery({
    queryKey: ['calendar', range, filters],
    enabled: !monthly,
    // Streamed: the first page paints at once, the next ones are added as they come.
    queryFn: streamedQuery<CalendarData, CalendarData>({
      streamFn: () => streamCalendar(api, range, filters),
      reducer: addPage,
      initialValue: { occurrences: [], truncated: false },
      // A refetch (after run now, skip) keeps the shown month until the new one is complete.
      refetchMode: 'replace',
    }),
    placeholderData: (previous) => previous,
  });
  const campaigns = useQuery({
    queryKey: ['campaigns', 'list'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns', { params: { query: { limit: 100 } } })),
  });

  const go = useCallback(
    (next: { month?: string; view?: CalendarView; day?: string | null; set?: Record<string, string | null> }) => {
      const search = new URLSearchParams(params);
      const nextView = next.view ?? asked;
      search.set('view', nextView);
      if (next.day !== undefined) {
        if (next.day && nextView === 'week') search.set('day', next.day);
        else search.delete('day');
      }
      for (const [key, value] of Object.entries(next.set ?? {})) {
        if (value) search.set(key, value);
        else search.delete(key);
      }
      void navigate(`/calendar/${next.month ?? month}?${search.toString()}`);
    },
    [params, asked, month, navigate],
  );
  const move = useCallback(
    (direction: -1 | 1) => {
      const to = step(view, anchor, direction);
      go({ month: to.month, day: to.day });
    },
    [view, anchor, go],
  );
  const today = useCallback(() => {
    const day = todayIso();
    go({ month: monthOf(day), day });
  }, [go]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.altKey || e.ctrlKey || e.metaKey || target?.closest('input, select, textarea, [contenteditable="true"]')) return;
      if (e.key === 'Escape') {
        setSelected(null);
        setOpenDay(null);
      } else if (e.key === 't') today();
      else if (e.key === 'ArrowLeft') move(-1);
      else if (e.key === 'ArrowRight') move(1);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [move, today]);

  useEffect(() => {
    calendar.current?.getApi().changeView(FC_VIEW[view], anchor);
  }, [view, anchor]);

  const shown = useMemo(
    () =>
      monthly
        ? (monthDays.data?.days ?? []).flatMap((d) => d.occurrences.map((o) => ({ o, start: onDay(d.date, o.local) })))
        : (occurrences.data?.occurrences ?? []).map((o) => ({ o, start: wallClockStart(o.local) })),
    [monthly, monthDays.data, occurrences.data],
  );
  const events = useMemo(
    () => [
      ...shown.map(({ o, start }) => ({
        id: `${o.schedule_id}@${o.at}`,
        title: o.schedule_name,
        start,
        allDay: false,
        extendedProps: { occurrence: o },
      })),
      // A month cell's "+N more" (the day's real count less the runs it shows): the cell's last entry.
      ...(monthly ? (monthDays.data?.days ?? []) : [])
        .filter((d) => d.count > d.occurrences.length)
        .map((d) => ({
          id: `more@${d.date}`,
          title: `+${d.count - d.occurrences.length} more`,
          start: `${d.date}T23:59:59.999Z`,
          allDay: false,
          extendedProps: { more: { date: d.date, count: d.count - d.occurrences.length } },
        })),
    ],
    [shown, monthly, monthDays.data],
  );
  // Keep the open panel on the fresh copy of its occurrence after a refetch.
  useEffect(() => {
    if (!selected) return;
    const fresh = shown.find(({ o }) => o.schedule_id === selected.schedule_id && o.at === selected.at)?.o;
    if (fresh && fresh !== selected) setSelected(fresh);
  }, [shown, selected]);
  useEffect(() => {
    if (!monthly) setOpenDay(null);
  }, [monthly]);

  const title = new Intl.DateTimeFormat(undefined, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'long',
    ...(view === 'week' ? { day: 'numeric' } : {}),
  }).format(new Date(`${anchor}T12:00:00Z`));
  const count = monthly ? (monthDays.data?.days ?? []).reduce((sum, d) => sum + d.count, 0) : (occurrences.data?.occurrences.length ?? 0);
  const fetching = monthly ? monthDays.isFetching : occurrences.isFetching;
  const error = monthly ? monthDays.error : occurrences.error;

  return (
    <div className={`calendar-page${selected || openDay ? ' with-panel' : ''}`} data-view={view}>
      <aside className="calendar-filters" aria-label="Filters">
        <h2>Filters</h2>
        <fieldset>
          <legend>Campaign</legend>
          <div className="chips">
            <button type="button" className="chip" aria-pressed={!filters.campaign_id} onClick={() => go({ set: { campaign: null } })}>
              All
            </button>
            {(campaigns.data ?? []).map((c) => (
              <button
                key={c.id}
                type="button"
                className="chip"
                aria-pressed={filters.campaign_id === c.id}
                style={{ borderLeft: `6px solid ${c.color ?? '#6E7781'}` }}
                onClick={() => go({ set: { campaign: filters.campaign_id === c.id ? null : c.id } })}
              >
                {c.name}
              </button>
            ))}
          </div>
        </fieldset>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const value = new FormData(e.currentTarget).get('publisher');
            go({ set: { publisher: typeof value === 'string' ? value.trim() : null } });
          }}
        >
          <label htmlFor="calendar-publisher">Publisher</label>
          <input id="calendar-publisher" name="publisher" defaultValue={filters.publisher_domain ?? ''} placeholder="example.com" />
        </form>
        <label htmlFor="calendar-state">State</label>
        <select id="calendar-state" value={filters.state ?? ''} onChange={(e) => go({ set: { state: e.target.value || null } })}>
          <option value="">All</option>
          {STATE_NAMES.map((s) => (
            <option key={s} value={s}>
              {STATES[s].icon} {STATES[s].word}
            </option>
          ))}
        </select>
      </aside>
      <section className="calendar-main" aria-labelledby="calendar-title">
        <div className="calendar-toolbar">
          <h1 id="calendar-title">{title}</h1>
          <div className="toolbar" role="group" aria-label="Move">
            <button type="button" onClick={() => move(-1)} aria-label={view === 'week' ? 'Previous week' : 'Previous month'}>
              ←
            </button>
            <button type="button" onClick={today} aria-keyshortcuts="t">
              Today
            </button>
            <button type="button" onClick={() => move(1)} aria-label={view === 'week' ? 'Next week' : 'Next month'}>
              →
            </button>
          </div>
          {!narrow && (
            <div className="toolbar" role="group" aria-label="View">
              {VIEWS.map((v) => (
                <button key={v} type="button" aria-pressed={view === v} onClick={() => go({ view: v, day: v === 'week' ? anchor : null })}>
                  {v[0].toUpperCase() + v.slice(1)}
                </button>
              ))}
            </div>
          )}
          <span className="muted" role="status">
            {fetching
              ? count && !monthly
                ? `${count} occurrences so far, loading more…`
                : 'Loading…'
              : `${count} occurrence${count === 1 ? '' : 's'}`}
            {!monthly && occurrences.data?.truncated ? ' (more not shown: narrow the filters)' : ''}
          </span>
        </div>
        {error ? <ErrorBox error={error} /> : null}
        <p className="muted calendar-note">
          Each run is shown at its local time in its schedule&apos;s time zone
          {monthly ? `; the month's days are yours (${zone})` : ''}.
        </p>
        <FullCalendar
          ref={calendar}
          plugins={[dayGridPlugin, timeGridPlugin, listPlugin]}
          initialView={FC_VIEW[view]}
          initialDate={anchor}
          timeZone="UTC"
          firstDay={1}
          headerToolbar={false}
          height="auto"
          // The month shows what /calendar/days gave: 6 runs a day and the day's own "+N more".
          dayMaxEvents={monthly ? false : 6}
          events={events}
          eventClick={(info: EventClickInfo) => {
            info.jsEvent.preventDefault();
            const props = info.event.extendedProps as EventProps;
            if (props.more) {
              setSelected(null);
              setOpenDay(props.more.date);
            } else if (props.occurrence) setSelected(props.occurrence);
          }}
          eventContent={(info: EventDisplayInfo) => {
            const props = info.event.extendedProps as EventProps;
            return props.more ? (
              <span className="more-runs" title={`${props.more.count} more runs on this day`}>
                +{props.more.count} more
              </span>
            ) : props.occurrence ? (
              <OccurrenceChip occurrence={props.occurrence} compact={view === 'month'} />
            ) : null;
          }}
          noEventsContent="No runs in this period — create a schedule or import a CSV."
        />
      </section>
      {selected ? (
        <OccurrencePanel occurrence={selected} onClose={() => setSelected(null)} />
      ) : openDay ? (
        <DayPanel date={openDay} filters={filters} onPick={setSelected} onClose={() => setOpenDay(null)} />
      ) : null}
    </div>
  );
}
