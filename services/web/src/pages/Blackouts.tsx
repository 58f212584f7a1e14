import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrors, unwrap, useApi, type Schema } from '../api';
import { ErrorBox, ListState } from '../components/ListState';
import { TimeZonePicker } from '../components/TimeZonePicker';
import { browserZone } from '../time';

export type Blackout = Schema<'Blackout'>;

function FieldError({ id, messages }: { id: string; messages?: string[] }) {
  if (!messages) return null;
  return (
    <p className="field-error" id={id}>
      {messages.join('; ')}
    </p>
  );
}

/** The blackouts of the workspace (or of one campaign), each with a Delete button. */
export function BlackoutList({ campaignId, campaignNames }: { campaignId?: string; campaignNames?: Map<string, string> }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const blackouts = useQuery({
    queryKey: ['blackouts', { campaignId }],
    queryFn: () =>
      unwrap(api.GET('/api/v1/blackouts', { params: { query: { limit: 100, ...(campaignId ? { campaign_id: campaignId } : {}) } } })),
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/blackouts/{id}', { params: { path: { id } } })),
    onSuccess: () =>
      Promise.all([queryClient.invalidateQueries({ queryKey: ['blackouts'] }), queryClient.invalidateQueries({ queryKey: ['calendar'] })]),
  });
  return (
    <>
      {remove.error ? <ErrorBox error={remove.error} /> : null}
      <ListState query={blackouts} empty="No blackouts — add one for a holiday or a freeze period.">
        {(items) => (
          <table aria-label="Blackouts">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Dates</th>
                <th scope="col">Time zone</th>
                <th scope="col">Covers</th>
                <th scope="col">Policy</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr key={b.id}>
                  <td>{b.name}</td>
                  <td>
                    {b.start_date}
                    {b.end_date !== b.start_date ? ` – ${b.end_date}` : ''}
                  </td>
                  <td>{b.timezone}</td>
                  <td>{b.campaign_id ? (campaignNames?.get(b.campaign_id) ?? 'one campaign') : 'every schedule'}</td>
                  <td>{b.policy === 'skip' ? 'skip the runs' : 'shift to the day after'}</td>
                  <td>
                    <button type="button" onClick={() => remove.mutate(b.id)} disabled={remove.isPending} aria-label={`Delete ${b.name}`}>
                      Delete
                    </button>
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

function NewBlackout({ campaigns }: { campaigns: { id: string; name: string }[] }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [zone, setZone] = useState(browserZone());
  const [campaign, setCampaign] = useState('');
  const [policy, setPolicy] = useState<'skip' | 'shift'>('skip');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/blackouts', {
          body: { name, start_date: start, end_date: end || start, timezone: zone, policy, campaign_id: campaign || null },
        }),
      ),
    onSuccess: async () => {
      setName('');
      setStart('');
      setEnd('');
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['blackouts'] }),
        queryClient.invalidateQueries({ queryKey: ['calendar'] }),
      ]);
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const described = (field: string) => (errors[field] ? { 'aria-describedby': `blackout-${field}-error`, 'aria-invalid': true } : {});
  return (
    <form className="inline-form blackout-form" onSubmit={submit} noValidate aria-label="New blackout">
      <div className={`field${errors.name ? ' has-error' : ''}`}>
        <label htmlFor="blackout-name">Blackout name</label>
        <input id="blackout-name" value={name} onChange={(e) => setName(e.target.value)} {...described('name')} />
        <FieldError id="blackout-name-error" messages={errors.name} />
      </div>
      <div className={`field${errors.start_date ? ' has-error' : ''}`}>
        <label htmlFor="blackout-start">First day</label>
        <input id="blackout-start" type="date" value={start} onChange={(e) => setStart(e.target.value)} {...described('start_date')} />
        <FieldError id="blackout-start_date-error" messages={errors.start_date} />
      </div>
      <div className={`field${errors.end_date ? ' has-error' : ''}`}>
        <label htmlFor="blackout-end">Last day</label>
        <input id="blackout-end" type="date" value={end} onChange={(e) => setEnd(e.target.value)} {...described('end_date')} />
        <FieldError id="blackout-end_date-error" messages={errors.end_date} />
      </div>
      <div className={`field${errors.campaign_id ? ' has-error' : ''}`}>
        <label htmlFor="blackout-campaign">Campaign (optional)</label>
        <select id="blackout-campaign" value={campaign} onChange={(e) => setCampaign(e.target.value)} {...described('campaign_id')}>
          <option value="">Every schedule</option>
          {campaigns.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <FieldError id="blackout-campaign_id-error" messages={errors.campaign_id} />
      </div>
      <fieldset className="field">
        <legend>Runs inside</legend>
        <label>
          <input type="radio" name="policy" checked={policy === 'skip'} onChange={() => setPolicy('skip')} /> skip them
        </label>
        <label>
          <input type="radio" name="policy" checked={policy === 'shift'} onChange={() => setPolicy('shift')} /> shift to the first day after
        </label>
        <FieldError id="blackout-policy-error" messages={errors.policy} />
      </fieldset>
      <div className="field">
        <TimeZonePicker value={zone} onChange={setZone} errorId={errors.timezone ? 'blackout-timezone-error' : undefined} />
        <FieldError id="blackout-timezone-error" messages={errors.timezone} />
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create blackout
      </button>
      {create.error && !Object.keys(errors).length ? <ErrorBox error={create.error} /> : null}
    </form>
  );
}

export function BlackoutsPage() {
  const api = useApi();
  const campaigns = useQuery({
    queryKey: ['campaigns', 'list'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns', { params: { query: { limit: 100 } } })),
  });
  const list = campaigns.data ?? [];
  return (
    <>
      <h1>Blackouts</h1>
      <p className="muted">Days on which schedules do not run: their runs are skipped, or shifted to the first day after.</p>
      <NewBlackout campaigns={list} />
      <h2>All blackouts</h2>
      <BlackoutList campaignNames={new Map(list.map((c) => [c.id, c.name]))} />
    </>
  );
}
