import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { unwrap, useApi } from '../api';
import { ListState } from '../components/ListState';
import { When } from '../components/When';
import { browserZone } from '../time';

const OUTCOMES = ['materialized', 'skipped', 'missed', 'failed'] as const;
const JOB_STATUSES = ['awaiting_approval', 'pending', 'running', 'completed', 'failed', 'cancelled'] as const;

function useFilter<T extends string>(values: readonly T[], key: string): [T | undefined, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get(key) ?? '';
  const value = (values as readonly string[]).includes(raw) ? (raw as T) : undefined;
  return [value, (next: string) => setParams(next ? { [key]: next } : {})];
}

function FilterSelect({
  id,
  label,
  values,
  value,
  onChange,
}: {
  id: string;
  label: string;
  values: readonly string[];
  value?: string;
  onChange: (v: string) => void;
}) {
  return (
    <div className="toolbar">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Runs across schedules, newest first as the API gives them. */
export function RunsPage() {
  const api = useApi();
  const [outcome, setOutcome] = useFilter(OUTCOMES, 'outcome');
  const runs = useQuery({
    queryKey: ['runs', { outcome }],
    queryFn: () => unwrap(api.GET('/api/v1/runs', { params: { query: { limit: 100, ...(outcome ? { outcome } : {}) } } })),
  });
  const zone = browserZone();
  return (
    <>
      <h1>Runs</h1>
      <FilterSelect id="run-outcome" label="Outcome" values={OUTCOMES} value={outcome} onChange={setOutcome} />
      <ListState query={runs} empty={`No runs${outcome ? ` with outcome ${outcome}` : ''} yet — they appear here as schedules fire.`}>
        {(items) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Occurrence</th>
                <th scope="col">Outcome</th>
                <th scope="col">Trigger</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={`${r.schedule_id}-${r.occurrence_at}-${r.processed_at}`}>
                  <td>{r.schedule_name ?? r.schedule_id}</td>
                  <td>
                    <When at={r.occurrence_at} zone={zone} />
                  </td>
                  <td>
                    <span className={`status status-${r.outcome}`}>{r.outcome}</span>
                  </td>
                  <td>{r.trigger}</td>
                  <td className="muted">{r.error ?? r.reason ?? (r.job_id ? `Job ${r.job_id}` : '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </>
  );
}

export function JobsPage() {
  const api = useApi();
  const [status, setStatus] = useFilter(JOB_STATUSES, 'status');
  const jobs = useQuery({
    queryKey: ['jobs', { status }],
    queryFn: () => unwrap(api.GET('/api/v1/jobs', { params: { query: { limit: 100, ...(status ? { status } : {}) } } })),
  });
  const zone = browserZone();
  return (
    <>
      <h1>Jobs</h1>
      <FilterSelect id="job-status" label="Status" values={JOB_STATUSES} value={status} onChange={setStatus} />
      <ListState
        query={jobs}
        empty={`No Jobs${status ? ` with status ${status.replace(/_/g, ' ')}` : ''} yet — use a template or let a schedule run.`}
      >
        {(items) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Schedule</th>
                <th scope="col">For</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((j) => (
                <tr key={j.id}>
                  <td>
                    <code>{j.id.slice(0, 8)}</code>
                  </td>
                  <td>{j.scheduled_job_name ?? '—'}</td>
                  <td>
                    <When at={j.scheduled_for} zone={zone} />
                  </td>
                  <td>
                    <span className={`status status-${j.status}`}>{j.status.replace(/_/g, ' ')}</span>
                    {j.error_message ? <span className="muted"> {j.error_message}</span> : null}
                  </td>
                  <td>
                    <When at={j.created_at} zone={zone} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </>
  );
}
