import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrors, unwrap, useApi } from '../api';
import { ErrorBox, ListState } from '../components/ListState';
import { formatDate } from '../time';

/** The address of a feed just created or rotated (shown once), with a Copy button. */
function FeedUrl({ name, url }: { name: string; url: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="success" role="status">
      <p>
        The address of <strong>{name}</strong> (shown only now; rotate to get a new one):
      </p>
      <input readOnly value={url} aria-label={`Address of ${name}`} onFocus={(e) => e.target.select()} className="feed-url" />{' '}
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(url).then(() => setCopied(true));
        }}
      >
        {copied ? 'Copied' : 'Copy URL'}
      </button>
    </div>
  );
}

/** Settings: the workspace's iCal feeds (create, copy the URL, rotate, delete). */
export function FeedsPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [campaign, setCampaign] = useState('');
  const [shown, setShown] = useState<{ name: string; url: string } | null>(null);
  const feeds = useQuery({ queryKey: ['feeds'], queryFn: () => unwrap(api.GET('/api/v1/calendar/feeds')) });
  const campaigns = useQuery({
    queryKey: ['campaigns', 'list'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns', { params: { query: { limit: 100 } } })),
  });
  const names = new Map((campaigns.data ?? []).map((c) => [c.id, c.name]));
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['feeds'] });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/calendar/feeds', { body: { name, campaign_id: campaign || null } })),
    onSuccess: async (feed) => {
      setShown({ name: feed.name, url: feed.url });
      setName('');
      await refresh();
    },
  });
  const rotate = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/calendar/feeds/{id}/rotate', { params: { path: { id } } })),
    onSuccess: (feed) => setShown({ name: feed.name, url: feed.url }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/calendar/feeds/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      setShown(null);
      await refresh();
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <>
      <h1>Calendar feeds</h1>
      <p className="muted">
        An iCal address to subscribe to from Google Calendar, Outlook or Apple Calendar. Anyone with the address reads it.
      </p>
      <form className="inline-form" onSubmit={submit} noValidate aria-label="New feed">
        <div className={`field${errors.name ? ' has-error' : ''}`}>
          <label htmlFor="feed-name">Feed name</label>
          <input
            id="feed-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-describedby={errors.name ? 'feed-name-error' : undefined}
          />
          {errors.name && (
            <p className="field-error" id="feed-name-error">
              {errors.name.join('; ')}
            </p>
          )}
        </div>
        <div className={`field${errors.campaign_id ? ' has-error' : ''}`}>
          <label htmlFor="feed-campaign">Campaign (optional)</label>
          <select id="feed-campaign" value={campaign} onChange={(e) => setCampaign(e.target.value)}>
            <option value="">Every schedule</option>
            {(campaigns.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          {errors.campaign_id && <p className="field-error">{errors.campaign_id.join('; ')}</p>}
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create feed
        </button>
        {create.error && !Object.keys(errors).length ? <ErrorBox error={create.error} /> : null}
      </form>
      {shown && <FeedUrl {...shown} />}
      {rotate.error ? <ErrorBox error={rotate.error} /> : null}
      {remove.error ? <ErrorBox error={remove.error} /> : null}
      <ListState query={feeds} empty="No feeds yet — create one to see the calendar in your calendar app.">
        {(items) => (
          <table aria-label="Feeds">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Covers</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((f) => (
                <tr key={f.id}>
                  <td>{f.name}</td>
                  <td>{f.campaign_id ? (names.get(f.campaign_id) ?? 'one campaign') : 'every schedule'}</td>
                  <td>{formatDate(f.created_at)}</td>
                  <td className="toolbar">
                    <button type="button" onClick={() => rotate.mutate(f.id)} disabled={rotate.isPending} aria-label={`Rotate ${f.name}`}>
                      Rotate
                    </button>
                    <button type="button" onClick={() => remove.mutate(f.id)} disabled={remove.isPending} aria-label={`Delete ${f.name}`}>
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
