import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { fieldErrors, unwrap, useApi, type Campaign } from '../api';
import { ErrorBox, ListState } from '../components/ListState';
import { When } from '../components/When';
import { browserZone, formatDate } from '../time';

function Progress({ value, label }: { value: number | null; label: string }) {
  if (value === null) return <p className="muted">{label}: no target</p>;
  const percent = Math.round(Math.min(value, 1) * 100);
  return (
    <div className="progress-wrap">
      <span>
        {label}: {Math.round(value * 100)}%
      </span>
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

function CampaignCard({ campaign }: { campaign: Campaign }) {
  const api = useApi();
  const stats = useQuery({
    queryKey: ['campaigns', campaign.id, 'stats'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns/{id}/stats', { params: { path: { id: campaign.id } } })),
  });
  return (
    <li className="card" style={{ borderLeftColor: campaign.color ?? '#9aa0a6' }}>
      <h3>
        <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link>{' '}
        <span className={`status status-${campaign.status}`}>{campaign.status}</span>
      </h3>
      {stats.isPending ? (
        <div className="skeleton-row" role="status" aria-label="Loading stats" />
      ) : stats.error ? (
        <ErrorBox error={stats.error} />
      ) : (
        <>
          <Progress
            value={stats.data.job_count_progress}
            label={`Jobs ${stats.data.total_jobs}${campaign.target_job_count ? ` of ${campaign.target_job_count}` : ''}`}
          />
          <p className="muted">
            {stats.data.days_remaining === null ? 'No end date' : `${stats.data.days_remaining} days left`} ·{' '}
            {stats.data.total_scheduled_jobs} schedules
          </p>
        </>
      )}
    </li>
  );
}

function NewCampaign() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [color, setColor] = useState('#3b82f6');
  const [target, setTarget] = useState('');
  const [endDate, setEndDate] = useState('');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/campaigns', {
          body: {
            name,
            color,
            ...(target ? { target_job_count: Number(target) } : {}),
            ...(endDate ? { end_date: `${endDate}T23:59:59Z` } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      setName('');
      setTarget('');
      setEndDate('');
      await queryClient.invalidateQueries({ queryKey: ['campaigns'] });
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit} noValidate aria-label="New campaign">
      <div className="field">
        <label htmlFor="campaign-name">Campaign name</label>
        <input id="campaign-name" value={name} onChange={(e) => setName(e.target.value)} />
        {errors.name && <p className="field-error">{errors.name.join('; ')}</p>}
      </div>
      <div className="field">
        <label htmlFor="campaign-color">Colour</label>
        <input id="campaign-color" type="color" value={color} onChange={(e) => setColor(e.target.value)} />
        {errors.color && <p className="field-error">{errors.color.join('; ')}</p>}
      </div>
      <div className="field">
        <label htmlFor="campaign-target">Target Jobs (optional)</label>
        <input id="campaign-target" type="number" min={1} value={target} onChange={(e) => setTarget(e.target.value)} />
        {errors.target_job_count && <p className="field-error">{errors.target_job_count.join('; ')}</p>}
      </div>
      <div className="field">
        <label htmlFor="campaign-end">Ends on (optional)</label>
        <input id="campaign-end" type="date" value={endDate} onChange={(e) => setEndDate(e.target.value)} />
        {errors.end_date && <p className="field-error">{errors.end_date.join('; ')}</p>}
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create campaign
      </button>
      {create.error && !Object.keys(errors).length ? <ErrorBox error={create.error} /> : null}
    </form>
  );
}

export function CampaignsPage() {
  const api = useApi();
  const campaigns = useQuery({
    queryKey: ['campaigns', 'list'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns', { params: { query: { limit: 100 } } })),
  });
  return (
    <>
      <h1>Campaigns</h1>
      <NewCampaign />
      <ListState query={campaigns} empty="No campaigns yet — create one above.">
        {(items) => (
          <ul className="cards">
            {items.map((c) => (
              <CampaignCard key={c.id} campaign={c} />
            ))}
          </ul>
        )}
      </ListState>
    </>
  );
}

export function CampaignPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const campaign = useQuery({
    queryKey: ['campaigns', id],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns/{id}', { params: { path: { id } } })),
  });
  const stats = useQuery({
    queryKey: ['campaigns', id, 'stats'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns/{id}/stats', { params: { path: { id } } })),
  });
  const schedules = useQuery({
    queryKey: ['schedules', { campaign: id }],
    queryFn: () => unwrap(api.GET('/api/v1/schedule', { params: { query: { campaign_id: id, limit: 100 } } })),
  });
  if (campaign.error) return <ErrorBox error={campaign.error} />;
  if (campaign.isPending) return <p role="status">Loading…</p>;
  const c = campaign.data;
  return (
    <>
      <p>
        <Link to="/campaigns">← Campaigns</Link>
      </p>
      <h1 style={{ borderLeft: `6px solid ${c.color ?? '#9aa0a6'}`, paddingLeft: 8 }}>{c.name}</h1>
      <p className="muted">
        {c.status}
        {c.end_date ? ` · ends ${formatDate(c.end_date)}` : ''}
        {c.description ? ` · ${c.description}` : ''}
      </p>
      <section aria-labelledby="stats-title">
        <h2 id="stats-title">Stats</h2>
        {stats.error ? (
          <ErrorBox error={stats.error} />
        ) : stats.isPending ? (
          <p role="status">Loading…</p>
        ) : (
          <>
            <Progress
              value={stats.data.job_count_progress}
              label={`Jobs ${stats.data.total_jobs}${c.target_job_count ? ` of ${c.target_job_count}` : ''}`}
            />
            <Progress
              value={stats.data.budget_progress}
              label={`Budget $${stats.data.budget_spent_usd.toFixed(2)}${c.target_budget_usd ? ` of $${c.target_budget_usd}` : ''}`}
            />
            <dl className="stats">
              <dt>Days left</dt>
              <dd>{stats.data.days_remaining ?? 'no end date'}</dd>
              <dt>Schedules</dt>
              <dd>{stats.data.total_scheduled_jobs}</dd>
              <dt>Templates</dt>
              <dd>{stats.data.total_templates}</dd>
              <dt>Awaiting approval</dt>
              <dd>{stats.data.awaiting_approval}</dd>
            </dl>
          </>
        )}
      </section>
      <section aria-labelledby="schedules-title">
        <h2 id="schedules-title">Schedules</h2>
        <ListState
          query={schedules}
          empty={
            <>
              No schedules in this campaign — <Link to="/schedules/new">create one</Link>.
            </>
          }
        >
          {(items) => (
            <ul className="rows">
              {items.map((s) => (
                <li key={s.id}>
                  <strong>{s.name}</strong> <span className="muted">{s.schedule_type}</span> · next{' '}
                  <When at={s.next_run_at} zone={s.timezone || browserZone()} />{' '}
                  <span className={`status status-${s.status}`}>{s.status}</span>
                </li>
              ))}
            </ul>
          )}
        </ListState>
      </section>
    </>
  );
}
