import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { unwrap, useApi, type Schedule } from '../api';
import { ErrorBox, ListState } from '../components/ListState';
import { ScheduleEditor } from '../components/ScheduleEditor';
import { When } from '../components/When';

const STATUSES = ['active', 'paused', 'completed', 'expired', 'error'] as const;

export function SchedulesPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const status = (STATUSES as readonly string[]).includes(params.get('status') ?? '')
    ? (params.get('status') as (typeof STATUSES)[number])
    : undefined;
  const schedules = useQuery({
    queryKey: ['schedules', { status }],
    queryFn: () => unwrap(api.GET('/api/v1/schedule', { params: { query: { limit: 100, ...(status ? { status } : {}) } } })),
  });
  return (
    <>
      <h1>Schedules</h1>
      <div className="toolbar">
        <Link className="button primary" to="/schedules/new">
          New schedule
        </Link>
        <label htmlFor="schedule-status">Status</label>
        <select id="schedule-status" value={status ?? ''} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}>
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <ListState
        query={schedules}
        empty={
          <>
            No schedules{status ? ` with status ${status}` : ''} yet — <Link to="/schedules/new">create one</Link>.
          </>
        }
      >
        {(items) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Repeats</th>
                <th scope="col">Next run</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/schedules/${s.id}/edit`} aria-label={`Edit ${s.name}`}>
                      {s.name}
                    </Link>
                  </td>
                  <td>
                    {s.schedule_type}
                    {s.recurrence_pattern ? <span className="muted"> {s.recurrence_pattern}</span> : null}
                  </td>
                  <td>
                    <When at={s.next_run_at} zone={s.timezone} />
                  </td>
                  <td>
                    <span className={`status status-${s.status}`}>{s.status}</span>
                    {s.not_running_reason ? <span className="muted"> ({s.not_running_reason.replace(/_/g, ' ')})</span> : null}
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

export function NewSchedulePage() {
  const navigate = useNavigate();
  return (
    <>
      <p>
        <Link to="/schedules">← Schedules</Link>
      </p>
      <ScheduleEditor onCreated={() => void navigate('/schedules')} />
    </>
  );
}

/** A stored schedule in the editor: read with its `ETag`, saved with `PUT` and `If-Match`. */
export function EditSchedulePage() {
  const api = useApi();
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const schedule = useQuery({
    queryKey: ['schedule', id],
    // The ETag travels with the object: the save sends it back as If-Match.
    queryFn: async (): Promise<{ schedule: Schedule; etag: string | null }> => {
      let etag: string | null = null;
      const data = await unwrap(
        api.GET('/api/v1/schedule/{id}', { params: { path: { id } } }).then((r) => {
          etag = r.response.headers.get('ETag');
          return r;
        }),
      );
      return { schedule: data, etag };
    },
    staleTime: 0,
    // A refetch in the background would start the form again under the user's hands.
    refetchOnWindowFocus: false,
  });
  return (
    <>
      <p>
        <Link to="/schedules">← Schedules</Link>
      </p>
      {schedule.isPending ? (
        <p role="status">Loading…</p>
      ) : schedule.error ? (
        <ErrorBox error={schedule.error} />
      ) : (
        <ScheduleEditor
          // A reload (after a 412) brings a new ETag: the form starts again from what is stored.
          key={schedule.data.etag ?? schedule.data.schedule.updated_at}
          editing={schedule.data}
          onReload={() => void schedule.refetch()}
          onSaved={() => void navigate('/schedules')}
        />
      )}
    </>
  );
}
