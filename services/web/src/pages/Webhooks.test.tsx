import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Schema } from '../api';
import { renderWithApi } from '../test-utils';
import { WebhooksPage } from './Webhooks';

const ID = '5e5e5e5e-0000-4000-8000-00000000005e';
const SECRET = 'whsec_c2VjcmV0LW9mLXRoZS13ZWJob29rLTMyLWJ5dGVzISE=';

function webhook(overrides: Partial<Schema<'Webhook'>> = {}): Schema<'Webhook'> {
  return {
    id: ID,
    url: 'https://hooks.example.com/in',
    events: ['job.completed', 'job.failed', 'run.missed'],
    description: null,
    enabled: true,
    disabled_reason: null,
    user_id: 'me',
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-01T10:00:00.000Z',
    ...overrides,
  };
}

describe('the webhooks page', () => {
  it('creates a webhook and shows its secret once, with the warning and a copy button', async () => {
    const user = userEvent.setup();
    let list: Schema<'Webhook'>[] = [];
    const { calls } = renderWithApi(<WebhooksPage />, {
      'GET /api/v1/webhooks': () => ({ status: 200, body: list }),
      'POST /api/v1/webhooks': (call) => {
        list = [webhook(call.body as Partial<Schema<'Webhook'>>)];
        return { status: 201, body: { ...list[0], secret: SECRET } };
      },
    });
    await screen.findByText(/No webhooks yet/);
    await user.type(screen.getByLabelText('Webhook URL'), 'https://hooks.example.com/in');
    await user.click(screen.getByLabelText('run.missed'));
    await user.click(screen.getByLabelText('schedule.error'));
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));
    const secret = await screen.findByLabelText<HTMLInputElement>('Signing secret');
    expect(secret.value).toBe(SECRET);
    expect(screen.getByText(/it is shown only once/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy secret' })).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      url: 'https://hooks.example.com/in',
      events: ['job.completed', 'job.failed', 'schedule.error'],
      description: null,
    });
    // The list (which never carries it) shows the new webhook; dismissed, the secret is gone for good.
    await screen.findByRole('table', { name: 'Webhooks' });
    await user.click(screen.getByRole('button', { name: 'I have saved it' }));
    expect(screen.queryByLabelText('Signing secret')).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it('shows a refused URL under its field and writes nothing', async () => {
    const user = userEvent.setup();
    renderWithApi(<WebhooksPage />, {
      'GET /api/v1/webhooks': { status: 200, body: [] },
      'POST /api/v1/webhooks': {
        status: 422,
        body: { title: 'Unprocessable Content', status: 422, errors: [{ field: 'url', message: 'url resolves to a private address' }] },
      },
    });
    await user.type(await screen.findByLabelText('Webhook URL'), 'http://10.0.0.1/x');
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));
    const error = await screen.findByText('url resolves to a private address');
    expect(screen.getByLabelText('Webhook URL').getAttribute('aria-describedby')).toBe(error.id);
    expect(screen.queryByLabelText('Signing secret')).toBeNull();
  });

  it('edits, pings, shows the delivery log (status code, duration, error, next retry) and redelivers', async () => {
    const user = userEvent.setup();
    const attempt = {
      id: 'a1a1a1a1-0000-4000-8000-0000000000a1',
      delivery_id: 'd1d1d1d1-0000-4000-8000-0000000000d1',
      event_id: 'e1e1e1e1-0000-4000-8000-0000000000e1',
      event_type: 'ping',
      attempt: 1,
      status_code: 503,
      duration_ms: 42,
      error: 'HTTP 503',
      next_retry_at: '2026-11-01T10:05:00.000Z',
      attempted_at: '2026-11-01T10:00:00.000Z',
      delivery_status: 'failed',
    };
    const { calls } = renderWithApi(<WebhooksPage />, {
      'GET /api/v1/webhooks': { status: 200, body: [webhook()] },
      [`PUT /api/v1/webhooks/${ID}`]: (call) => ({ status: 200, body: webhook(call.body as Partial<Schema<'Webhook'>>) }),
      [`POST /api/v1/webhooks/${ID}/test`]: { status: 200, body: { event_id: attempt.event_id } },
      [`GET /api/v1/webhooks/${ID}/deliveries`]: { status: 200, body: [attempt] },
      [`POST /api/v1/webhooks/${ID}/deliveries/${attempt.delivery_id}/redeliver`]: {
        status: 200,
        body: { id: attempt.delivery_id, event_id: attempt.event_id, event_type: 'ping', status: 'pending', attempts: 1 },
      },
    });
    await user.click(await screen.findByRole('button', { name: 'Edit https://hooks.example.com/in' }));
    const form = screen.getByRole('form', { name: 'Edit webhook https://hooks.example.com/in' });
    await user.type(within(form).getByLabelText('Description'), 'Slack relay');
    await user.click(within(form).getByLabelText(/^Enabled/));
    await user.click(within(form).getByRole('button', { name: 'Save webhook' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      events: ['job.completed', 'job.failed', 'run.missed'],
      description: 'Slack relay',
      enabled: false,
    });

    await user.click(screen.getByRole('button', { name: 'Send test ping to https://hooks.example.com/in' }));
    const log = await screen.findByRole('table', { name: 'Deliveries' });
    const row = within(log).getAllByRole('row')[1];
    expect(row.textContent).toContain('ping');
    expect(row.textContent).toContain('503');
    expect(row.textContent).toContain('42 ms');
    expect(row.textContent).toContain('HTTP 503');
    expect(row.querySelectorAll('time')).toHaveLength(2);
    await user.click(within(row).getByRole('button', { name: 'Redeliver ping attempt 1' }));
    await screen.findByText(/Sent again/);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([
      `/api/v1/webhooks/${ID}/test`,
      `/api/v1/webhooks/${ID}/deliveries/${attempt.delivery_id}/redeliver`,
    ]);
  });
});
