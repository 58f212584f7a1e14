import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { fieldErrors, unwrap, useApi, type Campaign, type CampaignStats } from '../api';
import { ErrorBox, ListState } from '../components/ListState';
import { When } from '../components/When';
import { BlackoutList } from './Blackouts';
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

/** The forecast as a sentence: "On track to reach 90 by 31 Mar 2027" / "Will reach 62 of 90 by 31 Mar 2027". */
export function forecastSentence(campaign: Campaign, stats: CampaignStats): string | null {
  const f = stats.forecast;
  const target = campaign.target_job_count;
  const end = campaign.end_date ? formatDate(campaign.end_date) : null;
  if (target) {
    if (f.projected_target_date && f.will_meet_target !== false)
      return `On track to reach ${target} by ${formatDate(f.projected_target_date)}`;
    if (f.projected_jobs_by_end_date !== null && end) return `Will reach ${f.projected_jobs_by_end_date} of ${target} by ${end}`;
    return `Will not reach ${target} at the current plan`;
  }
  if (f.projected_jobs_by_end_date !== null && end) return `Will make ${f.projected_jobs_by_end_date} Jobs by ${end}`;
  return null;
}

function Forecast({ campaign, stats }: { campaign: Campaign; stats: CampaignStats }) {
  const sentence = forecastSentence(campaign, stats);
  if (!sentence) return null;
  const spend = stats.forecast.projected_spend_usd;
  return (
    <p className={`forecast${stats.forecast.will_meet_target === false ? ' forecast-short' : ''}`}>
      {stats.forecast.will_meet_target === false ? '⚠ ' : ''}
      {sentence}
      {spend !== null ? <span className="muted"> · projected spend ${spend.toFixed(2)}</span> : null}
    </p>
  );
}

function Budget({ campaign, stats }: { campaign: Campaign; stats: CampaignStats }) {
  return (
    <Progress
      value={stats.budget_progress}
      label={`Budget $${stats.budget_spent_usd.toFixed(2)}${campaign.target_budget_usd ? ` of $${campaign.target_budget_usd}` : ''}`}
    />
  );
}

/** Pause with a reason and an optional resume time (the browser's zone), or resume. */
function PauseControls({ campaign }: { campaign: Campaign }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [resumeAt, setResumeAt] = useState('');
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ['campaigns'] }), queryClient.invalidateQueries({ queryKey: ['calendar'] })]);
  const pause = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/campaigns/{id}/pause', {
          params: { path: { id: campaign.id } },
          body: { reason: reason.trim() || null, resume_at: resumeAt ? new Date(resumeAt).toISOString() : null },
        }),
      ),
    onSuccess: refresh,
  });
  const resume = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/campaigns/{id}/resume', { params: { path: { id: campaign.id } } })),
    onSuccess: refresh,
  });
  const errors = fieldErrors(pause.error);
  if (campaign.status === 'paused')
    return (
      <div className="panel" aria-label="Pause">
        <p>
          ‖ Paused{campaign.paused_reason ? `: ${campaign.paused_reason}` : ''}
          {campaign.resume_at ? (
            <>
              {' '}
              · resumes by itself <When at={campaign.resume_at} zone={browserZone()} />
            </>
          ) : (
            ' · until resumed'
          )}
        </p>
        <button type="button" className="primary" onClick={() => resume.mutate()} disabled={resume.isPending}>
          Resume campaign
        </button>
        {resume.error ? <ErrorBox error={resume.error} /> : null}
      </div>
    );
  if (campaign.status !== 'active') return null;
  return (
    <form
      className="inline-form"
      aria-label="Pause campaign"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        pause.mutate();
      }}
    >
      <div className={`field${errors.reason ? ' has-error' : ''}`}>
        <label htmlFor="pause-reason">Reason (optional)</label>
        <input id="pause-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        {errors.reason && <p className="field-error">{errors.reason.join('; ')}</p>}
      </div>
      <div className={`field${errors.resume_at ? ' has-error' : ''}`}>
        <label htmlFor="pause-resume">Resume at (optional, your time)</label>
        <input id="pause-resume" type="datetime-local" value={resumeAt} onChange={(e) => setResumeAt(e.target.value)} />
        {errors.resume_at && <p className="field-error">{errors.resume_at.join('; ')}</p>}
      </div>
      <button type="submit" disabled={pause.isPending}>
        Pause campaign
      </button>
      {pause.error && !Object.keys(errors).length ? <ErrorBox error={pause.error} /> : null}
    </form>
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
          <Budget campaign={campaign} stats={stats.data} />
          <Forecast campaign={campaign} stats={stats.data} />
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
        {c.description ? ` · ${c.description}` : ''} · <Link to={`/calendar?campaign=${c.id}`}>calendar</Link>
      </p>
      <PauseControls campaign={c} />
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
            <Budget campaign={c} stats={stats.data} />
            <Forecast campaign={c} stats={stats.data} />
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
      <section aria-labelledby="blackouts-title">
        <h2 id="blackouts-title">Blackouts</h2>
        <p className="muted">
          This campaign&apos;s own blackouts; the workspace-wide ones on <Link to="/blackouts">Blackouts</Link> apply too.
        </p>
        <BlackoutList campaignId={c.id} campaignNames={new Map([[c.id, c.name]])} />
      </section>
    </>
  );
}
