import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useApi } from '../api';
import { ErrorBox } from '../components/ListState';
import { OccurrenceChip } from './OccurrenceChip';
import { dayWindow, fetchCalendar, type CalendarFilters, type CalendarOccurrence } from './model';

/**
 * "+N more" of a month cell: every run of that day of the viewer's zone, read from the paged
 * `GET /calendar` with `from`/`to` of that day (a day is small), each a button to its details.
 */
export function DayPanel({
  date,
  filters,
  onPick,
  onClose,
}: {
  date: string;
  filters: CalendarFilters;
  onPick: (occurrence: CalendarOccurrence) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [date]);
  const window = dayWindow(date);
  const runs = useQuery({
    queryKey: ['calendar', 'day', window, filters],
    queryFn: () => fetchCalendar(api, window, filters),
  });
  const title = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' }).format(
    new Date(`${date}T12:00:00Z`),
  );
  const list = runs.data?.occurrences ?? [];
  return (
    <aside className="side-panel day-panel" aria-labelledby="day-panel-title">
      <div className="side-panel-head">
        <h2 id="day-panel-title" tabIndex={-1} ref={heading}>
          {title}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close panel">
          ✕
        </button>
      </div>
      {runs.error ? <ErrorBox error={runs.error} /> : null}
      <p className="muted" role="status">
        {runs.isPending
          ? 'Loading…'
          : `${list.length} run${list.length === 1 ? '' : 's'}${runs.data?.truncated ? ' (more not shown)' : ''}`}
      </p>
      <ul className="day-panel-runs">
        {list.map((o) => (
          <li key={`${o.schedule_id}@${o.at}`}>
            <button type="button" className="day-panel-run" onClick={() => onPick(o)}>
              <OccurrenceChip occurrence={o} />
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
