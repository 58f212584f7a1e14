import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { unwrap, useApi, type ScheduleCreate, type SchedulePreview } from '../api';
import { formatInZone, offsetOf, zoneAbbreviation } from '../time';
import { ErrorBox } from './ListState';

/** '-04:00' -> 'UTC−04:00'. */
export function utcOffsetLabel(offset: string): string {
  return offset === 'Z' || offset === '+00:00' ? 'UTC' : `UTC${offset.replace('-', '−')}`;
}

/**
 * The next runs of a preview in the schedule's zone, each with its offset; a run whose offset
 * differs from the one before it is marked as a DST change, and one a DST gap moved off its
 * wall-clock time is marked too.
 */
export function PreviewList({ preview }: { preview: SchedulePreview }) {
  const zone = preview.timezone;
  if (preview.occurrences.length === 0)
    return (
      <p className="empty">No upcoming runs{preview.not_running_reason ? ` (${preview.not_running_reason.replace(/_/g, ' ')})` : ''}.</p>
    );
  return (
    <ol className="preview-list" aria-label={`Next runs in ${zone}`}>
      {preview.occurrences.map((occurrence, index) => {
        const offset = offsetOf(occurrence.local);
        const before = index > 0 ? offsetOf(preview.occurrences[index - 1].local) : null;
        const changed = before !== null && before !== offset;
        return (
          <li key={occurrence.at} className={changed ? 'dst-change' : undefined}>
            <time dateTime={occurrence.at}>{formatInZone(occurrence.at, zone)}</time>{' '}
            {zoneAbbreviation(occurrence.at, zone) !== utcOffsetLabel(offset) && <span className="offset">{utcOffsetLabel(offset)}</span>}
            {changed && (
              <span className="badge" title={`The offset changes from ${utcOffsetLabel(before)} to ${utcOffsetLabel(offset)}`}>
                DST change: now {zoneAbbreviation(occurrence.at, zone)} ({utcOffsetLabel(offset)})
              </span>
            )}
            {occurrence.dst_adjusted && <span className="badge">moved by the DST gap</span>}
          </li>
        );
      })}
    </ol>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

/** The live preview of an editor's body through `POST /api/v1/schedule/preview` (debounced). */
export function LivePreview({ body, count = 10, delayMs = 300 }: { body: ScheduleCreate | null; count?: number; delayMs?: number }) {
  const api = useApi();
  const debounced = useDebounced(body, delayMs);
  const query = useQuery({
    queryKey: ['preview', debounced, count],
    enabled: debounced !== null,
    retry: false,
    queryFn: () => unwrap(api.POST('/api/v1/schedule/preview', { params: { query: { count } }, body: debounced! })),
  });
  return (
    <section className="preview" aria-labelledby="preview-title" aria-live="polite">
      <h2 id="preview-title">Next {count} runs</h2>
      {debounced === null ? (
        <p className="muted">Fill in the date and time to see the runs.</p>
      ) : query.isPending ? (
        <p role="status">Computing the runs…</p>
      ) : query.error ? (
        <ErrorBox error={query.error} />
      ) : (
        <PreviewList preview={query.data} />
      )}
    </section>
  );
}
