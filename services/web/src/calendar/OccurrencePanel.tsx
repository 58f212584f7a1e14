import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router-dom';
import { unwrap, useApi, type Job } from '../api';
import { ErrorBox } from '../components/ListState';
import { utcOffsetLabel } from '../components/Preview';
import { formatInZone, offsetOf, zoneAbbreviation } from '../time';
import { colorOf, STATES, type CalendarOccurrence } from './model';

const HOUR = 3_600_000;

/** The DST note of an occurrence: moved by a gap, the first run after a change, or none near it. */
export function dstNote(occurrence: CalendarOccurrence): string {
  const zone = occurrence.timezone;
  const now = zoneAbbreviation(occurrence.at, zone);
  const offset = utcOffsetLabel(offsetOf(occurrence.local));
  if (occurrence.dst_adjusted) return `Moved by the DST gap: the wall-clock time does not exist that day (${now}, ${offset}).`;
  const dayBefore = zoneAbbreviation(new Date(Date.parse(occurrence.at) - 24 * HOUR), zone);
  if (dayBefore !== now) return `The clocks changed in the last 24 hours: ${dayBefore} → ${now} (${offset}).`;
  return `No DST change that day (${now}, ${offset}).`;
}

/** The side panel of a clicked occurrence: times, DST note, the Job, Run now, Skip / Un-skip. */
export function OccurrencePanel({ occurrence, onClose }: { occurrence: CalendarOccurrence; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [occurrence]);
  const id = occurrence.schedule_id;
  const future = Date.parse(occurrence.at) > Date.now();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['calendar'] });
  const runNow = useMutation({
    // A new key per click: a retry of this click (the client's or the network's) makes no second Job.
    mutationFn: (): Promise<Job> =>
      unwrap(api.POST('/api/v1/schedule/{id}/run', { params: { path: { id }, header: { 'Idempotency-Key': crypto.randomUUID() } } })),
    onSuccess: refresh,
  });
  const skip = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/schedule/{id}/skip', { params: { path: { id } }, body: { occurrence_at: occurrence.at } })),
    onSuccess: refresh,
  });
  const unskip = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE('/api/v1/schedule/{id}/skips/{occurrence_at}', { params: { path: { id, occurrence_at: occurrence.at } } })),
    onSuccess: refresh,
  });
  const state = STATES[occurrence.state];
  // Only a skip made by hand can be undone; a blackout's or a pause's goes with the blackout or the pause.
  const skippedByHand = occurrence.state === 'skipped' && (occurrence.reason === null || occurrence.reason === 'skipped');
  const error = runNow.error ?? skip.error ?? unskip.error;
  return (
    <aside className="side-panel" aria-labelledby="occurrence-title" style={{ borderTopColor: colorOf(occurrence) }}>
      <div className="side-panel-head">
        <h2 id="occurrence-title" tabIndex={-1} ref={heading}>
          {occurrence.schedule_name}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close panel">
          ✕
        </button>
      </div>
      <p>
        <span className={`occurrence-state occurrence-${occurrence.state}`}>
          <span aria-hidden="true">{state.icon}</span> {state.word}
        </span>
        {occurrence.reason ? <span className="muted"> — {occurrence.reason}</span> : null}
      </p>
      <dl className="stats">
        <dt>Campaign</dt>
        <dd>
          {occurrence.campaign ? (
            <Link to={`/campaigns/${occurrence.campaign.id}`}>{occurrence.campaign.name}</Link>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <dt>Local time</dt>
        <dd>
          <time dateTime={occurrence.at}>{formatInZone(occurrence.at, occurrence.timezone)}</time>{' '}
          <span className="muted">({occurrence.timezone})</span>
        </dd>
        <dt>UTC</dt>
        <dd>{formatInZone(occurrence.at, 'UTC')}</dd>
        <dt>DST</dt>
        <dd>{dstNote(occurrence)}</dd>
        <dt>Publisher</dt>
        <dd>{occurrence.publisher_domain ?? <span className="muted">—</span>}</dd>
        <dt>Job</dt>
        <dd>
          {occurrence.job_id ? (
            <>
              <Link to={`/jobs?job=${occurrence.job_id}`}>Job {occurrence.job_id.slice(0, 8)}</Link>{' '}
              <span className={`status status-${occurrence.job_status ?? ''}`}>{occurrence.job_status?.replace(/_/g, ' ')}</span>
            </>
          ) : (
            <span className="muted">no Job</span>
          )}
        </dd>
      </dl>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => runNow.mutate()} disabled={runNow.isPending}>
          Run now
        </button>
        {future && occurrence.state === 'planned' && (
          <button type="button" onClick={() => skip.mutate()} disabled={skip.isPending}>
            Skip this one
          </button>
        )}
        {future && skippedByHand && (
          <button type="button" onClick={() => unskip.mutate()} disabled={unskip.isPending}>
            Un-skip
          </button>
        )}
        <Link className="button" to={`/schedules/${occurrence.schedule_id}/edit`}>
          Edit schedule
        </Link>
      </div>
      {runNow.data && (
        <p className="success" role="status">
          Job <Link to={`/jobs?job=${runNow.data.id}`}>{runNow.data.id.slice(0, 8)}</Link> made:{' '}
          <span className={`status status-${runNow.data.status}`}>{runNow.data.status.replace(/_/g, ' ')}</span>
        </p>
      )}
      {skip.isSuccess && (
        <p className="success" role="status">
          Skipped: it will not run.
        </p>
      )}
      {unskip.isSuccess && (
        <p className="success" role="status">
          Un-skipped: it runs as planned.
        </p>
      )}
      {error ? <ErrorBox error={error} /> : null}
    </aside>
  );
}
