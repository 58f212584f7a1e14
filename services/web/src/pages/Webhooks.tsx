import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrors, unwrap, useApi, type Schema } from '../api';
import { ErrorBox, ListState } from '../components/ListState';
import { browserZone, formatInZone } from '../time';

type Webhook = Schema<'Webhook'>;
type WebhookEvent = Webhook['events'][number];

/** Every event type a webhook may receive (a `ping` from "Send test" always goes). */
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'job.created',
  'job.completed',
  'job.failed',
  'run.missed',
  'run.failed',
  'schedule.completed',
  'schedule.error',
  'campaign.paused',
  'campaign.resumed',
];

/** The signing secret of a webhook just created: shown once, with Copy and the warning. */
function SecretOnce({ url, secret, onDone }: { url: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="success" role="status">
      <p>
        <strong>Copy the signing secret of {url} now: it is shown only once.</strong> The receiver checks each delivery's signature with it
        (Standard Webhooks). If you lose it, delete the webhook and create a new one.
      </p>
      <input readOnly value={secret} aria-label="Signing secret" onFocus={(e) => e.target.select()} className="feed-url" />{' '}
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
        }}
      >
        {copied ? 'Copied' : 'Copy secret'}
      </button>{' '}
      <button type="button" onClick={onDone}>
        I have saved it
      </button>
    </div>
  );
}

/** Event checkboxes of a webhook form. */
function EventBoxes({
  idPrefix,
  value,
  onChange,
  error,
}: {
  idPrefix: string;
  value: WebhookEvent[];
  onChange: (events: WebhookEvent[]) => void;
  error?: string[];
}) {
  return (
    <fieldset className={`chips${error ? ' has-error' : ''}`} aria-describedby={error ? `${idPrefix}-events-error` : undefined}>
      <legend>Events</legend>
      {WEBHOOK_EVENTS.map((event) => (
        <label key={event} className="chip">
          <input
            type="checkbox"
            name="events"
            value={event}
            checked={value.includes(event)}
            onChange={() =>
              onChange(
                value.includes(event) ? value.filter((e) => e !== event) : WEBHOOK_EVENTS.filter((e) => e === event || value.includes(e)),
              )
            }
          />
          {event}
        </label>
      ))}
      {error && (
        <p className="field-error" id={`${idPrefix}-events-error`}>
          {error.join('; ')}
        </p>
      )}
    </fieldset>
  );
}

/** A text field with its label and the API's messages under it. */
function TextField({
  id,
  label,
  value,
  onChange,
  error,
  type = 'text',
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string[];
  type?: string;
}) {
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error.join('; ')}
        </p>
      )}
    </div>
  );
}

/** Edit a webhook's URL, events, description and whether it is enabled (`PUT`). */
function EditWebhook({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState(webhook.url);
  const [events, setEvents] = useState<WebhookEvent[]>(webhook.events);
  const [description, setDescription] = useState(webhook.description ?? '');
  const [enabled, setEnabled] = useState(webhook.enabled);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/v1/webhooks/{id}', {
          params: { path: { id: webhook.id } },
          body: {
            ...(url !== webhook.url ? { url } : {}),
            events,
            description: description.trim() ? description : null,
            enabled,
          },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const prefix = `webhook-edit-${webhook.id}`;
  return (
    <form
      className="panel"
      noValidate
      aria-label={`Edit webhook ${webhook.url}`}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <TextField id={`${prefix}-url`} label="URL" type="url" value={url} onChange={setUrl} error={errors.url} />
      <EventBoxes idPrefix={prefix} value={events} onChange={setEvents} error={errors.events} />
      <TextField
        id={`${prefix}-description`}
        label="Description"
        value={description}
        onChange={setDescription}
        error={errors.description}
      />
      <label className="checkbox">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (deliveries are sent)
      </label>
      <div className="toolbar">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save webhook
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
      {save.error && !Object.keys(errors).length ? <ErrorBox error={save.error} /> : null}
    </form>
  );
}

/** The delivery log of one webhook (every attempt, newest first) with Redeliver. */
function Deliveries({ webhook }: { webhook: Webhook }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const zone = browserZone();
  const deliveries = useQuery({
    queryKey: ['webhooks', webhook.id, 'deliveries'],
    queryFn: () => unwrap(api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: webhook.id }, query: { limit: 100 } } })),
    // Pending deliveries move on their own: look again now and then.
    refetchInterval: 5000,
  });
  const redeliver = useMutation({
    mutationFn: (deliveryId: string) =>
      unwrap(
        api.POST('/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver', {
          params: { path: { id: webhook.id, delivery_id: deliveryId } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks', webhook.id, 'deliveries'] }),
  });
  return (
    <section aria-labelledby={`deliveries-${webhook.id}`}>
      <h2 id={`deliveries-${webhook.id}`}>Deliveries to {webhook.url}</h2>
      {redeliver.error ? <ErrorBox error={redeliver.error} /> : null}
      {redeliver.isSuccess && (
        <p className="success" role="status">
          Sent again: the new attempt appears below.
        </p>
      )}
      <ListState query={deliveries} empty="No deliveries yet — send a test ping, or wait for an event it receives.">
        {(items) => (
          <table aria-label="Deliveries">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Attempt</th>
                <th scope="col">Status code</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
                <th scope="col">Next retry</th>
                <th scope="col">Delivery</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>
                    <time dateTime={a.attempted_at}>{formatInZone(a.attempted_at, zone)}</time>
                  </td>
                  <td>{a.event_type}</td>
                  <td>{a.attempt}</td>
                  <td>{a.status_code ?? <span className="muted">no response</span>}</td>
                  <td>{a.duration_ms} ms</td>
                  <td>{a.error ?? <span className="muted">—</span>}</td>
                  <td>
                    {a.next_retry_at ? (
                      <time dateTime={a.next_retry_at}>{formatInZone(a.next_retry_at, zone)}</time>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    <span className={`status status-${a.delivery_status}`}>{a.delivery_status}</span>
                  </td>
                  <td>
                    <button
                      type="button"
                      onClick={() => redeliver.mutate(a.delivery_id)}
                      disabled={redeliver.isPending || a.delivery_status === 'pending'}
                      aria-label={`Redeliver ${a.event_type} attempt ${a.attempt}`}
                    >
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </section>
  );
}

/** Settings: the workspace's webhooks (create with the secret shown once, edit, delete, ping, delivery log). */
export function WebhooksPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['job.completed', 'job.failed', 'run.missed']);
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [logOf, setLogOf] = useState<string | null>(null);
  const webhooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: () => unwrap(api.GET('/api/v1/webhooks', { params: { query: { limit: 100 } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/webhooks', { body: { url, events, description: description.trim() || null } })),
    onSuccess: async (webhook) => {
      setSecret({ url: webhook.url, secret: webhook.secret });
      setUrl('');
      setDescription('');
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } })),
    onSuccess: async (_, id) => {
      if (logOf === id) setLogOf(null);
      await refresh();
    },
  });
  const ping = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/webhooks/{id}/test', { params: { path: { id } } })),
    onSuccess: async (_, id) => {
      setLogOf(id);
      await queryClient.invalidateQueries({ queryKey: ['webhooks', id, 'deliveries'] });
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const shownLog = (webhooks.data ?? []).find((w) => w.id === logOf);
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">
        Each event it receives is POSTed to the URL, signed with its secret (Standard Webhooks), and retried when the receiver fails.
      </p>
      <form className="panel" onSubmit={submit} noValidate aria-label="New webhook">
        <TextField id="webhook-url" label="Webhook URL" type="url" value={url} onChange={setUrl} error={errors.url} />
        <EventBoxes idPrefix="webhook-new" value={events} onChange={setEvents} error={errors.events} />
        <TextField
          id="webhook-description"
          label="Description (optional)"
          value={description}
          onChange={setDescription}
          error={errors.description}
        />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create webhook
        </button>
        {create.error && !Object.keys(errors).length ? <ErrorBox error={create.error} /> : null}
      </form>
      {secret && <SecretOnce {...secret} onDone={() => setSecret(null)} />}
      {remove.error ? <ErrorBox error={remove.error} /> : null}
      {ping.error ? <ErrorBox error={ping.error} /> : null}
      {ping.isSuccess && (
        <p className="success" role="status">
          Test ping sent: its delivery shows in the log.
        </p>
      )}
      <ListState query={webhooks} empty="No webhooks yet — add a URL above to be told when Jobs complete or runs are missed.">
        {(items) => (
          <table aria-label="Webhooks">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((w) => (
                <tr key={w.id}>
                  <td>
                    <code>{w.url}</code>
                    {w.description ? <div className="muted">{w.description}</div> : null}
                    {editing === w.id && <EditWebhook webhook={w} onClose={() => setEditing(null)} />}
                  </td>
                  <td>{w.events.join(', ')}</td>
                  <td>
                    {w.enabled ? 'enabled' : 'disabled'}
                    {w.disabled_reason ? <div className="muted">{w.disabled_reason}</div> : null}
                  </td>
                  <td className="toolbar">
                    <button
                      type="button"
                      onClick={() => setEditing(editing === w.id ? null : w.id)}
                      aria-expanded={editing === w.id}
                      aria-label={`Edit ${w.url}`}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      onClick={() => ping.mutate(w.id)}
                      disabled={ping.isPending}
                      aria-label={`Send test ping to ${w.url}`}
                    >
                      Send test
                    </button>
                    <button
                      type="button"
                      onClick={() => setLogOf(logOf === w.id ? null : w.id)}
                      aria-pressed={logOf === w.id}
                      aria-label={`Deliveries of ${w.url}`}
                    >
                      Deliveries
                    </button>
                    <button type="button" onClick={() => remove.mutate(w.id)} disabled={remove.isPending} aria-label={`Delete ${w.url}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
      {shownLog && <Deliveries webhook={shownLog} />}
    </>
  );
}
