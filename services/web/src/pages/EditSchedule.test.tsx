import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../api';
import { stateOf, updateOf } from '../components/ScheduleEditor';
import { renderWithApi, type Call } from '../test-utils';
import { EditSchedulePage, SchedulesPage } from './Schedules';

const ID = '7d1f2c9e-1111-4a4a-8888-0123456789ab';

function scheduleOf(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: ID,
    user_id: 'u1',
    campaign_id: null,
    template_id: null,
    name: 'Weekly digest',
    description: null,
    schedule_type: 'weekly',
    // Monday 15 March 2027, 09:00 in New York (EDT, UTC−04:00).
    scheduled_at: '2027-03-15T13:00:00.000Z',
    recurrence_pattern: 'weekly:monday,thursday',
    recurrence_end_date: '2027-06-01T03:59:59.000Z',
    timezone: 'America/New_York',
    max_runs: 10,
    job_config: { publisher_domain: 'example.com', target_url: 'https://blog.example.com/a' },
    status: 'active',
    next_run_at: '2027-03-15T13:00:00.000Z',
    not_running_reason: null,
    last_run_at: null,
    run_count: 0,
    error_count: 0,
    last_error: null,
    misfire_grace_seconds: 300,
    catchup_policy: 'latest',
    requires_approval: false,
    approval_timeout_hours: null,
    version: 3,
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-01T10:00:00.000Z',
    ...overrides,
  } as Schedule;
}

const BASE = {
  'GET /api/v1/campaigns': { status: 200, body: [] },
  'GET /api/v1/templates': { status: 200, body: [] },
  'POST /api/v1/schedule/preview': { status: 200, body: { timezone: 'America/New_York', occurrences: [], not_running_reason: null } },
};

function renderEdit(routes: Parameters<typeof renderWithApi>[1]) {
  return renderWithApi(
    <Routes>
      <Route path="/schedules/:id/edit" element={<EditSchedulePage />} />
      <Route path="/schedules" element={<p>The list</p>} />
    </Routes>,
    { ...BASE, ...routes },
    { at: `/schedules/${ID}/edit` },
  );
}

const puts = (calls: Call[]) => calls.filter((c) => c.method === 'PUT' && c.path === `/api/v1/schedule/${ID}`);

describe('the schedule edit form', () => {
  it('opens the stored schedule in the editor: wall-clock start in its zone, the weekdays ticked, the end, the target', async () => {
    renderEdit({ [`GET /api/v1/schedule/${ID}`]: { status: 200, body: scheduleOf(), headers: { ETag: '"3-abc"' } } });
    await screen.findByRole('heading', { name: 'Edit “Weekly digest”' });
    expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Weekly digest');
    expect(screen.getByLabelText<HTMLSelectElement>('Repeats').value).toBe('weekly');
    expect(screen.getByLabelText<HTMLInputElement>('Starts on').value).toBe('2027-03-15');
    expect(screen.getByLabelText<HTMLInputElement>('Time').value).toBe('09:00');
    const days = screen.getByRole('group', { name: 'On these days' });
    const ticked = within(days)
      .getAllByRole('checkbox')
      .filter((b) => (b as HTMLInputElement).checked)
      .map((b) => (b as HTMLInputElement).value);
    expect(ticked).toEqual(['monday', 'thursday']);
    expect(screen.getByLabelText<HTMLInputElement>('Ends on (optional)').value).toBe('2027-05-31');
    expect(screen.getByLabelText<HTMLInputElement>('At most this many runs (optional)').value).toBe('10');
    expect(screen.getByLabelText<HTMLInputElement>('Target URL of the Jobs (optional)').value).toBe('https://blog.example.com/a');
    expect(screen.getByRole('button', { name: 'Save changes' })).toBeTruthy();
  });

  it('saves only what changed with PUT and the ETag as If-Match, then goes back to the list', async () => {
    const user = userEvent.setup();
    const { calls } = renderEdit({
      [`GET /api/v1/schedule/${ID}`]: { status: 200, body: scheduleOf(), headers: { ETag: '"3-abc"' } },
      [`PUT /api/v1/schedule/${ID}`]: { status: 200, body: { ...scheduleOf({ name: 'Weekly roundup' }), warnings: [] } },
    });
    const name = await screen.findByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Weekly roundup');
    await user.click(screen.getByLabelText('Fri'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByText('The list');
    const [put] = puts(calls);
    expect(put.headers['if-match']).toBe('"3-abc"');
    // The start (in the past by then, perhaps) is not re-sent: a partial update.
    expect(put.body).toEqual({ name: 'Weekly roundup', recurrence_pattern: 'weekly:monday,thursday,friday' });
  });

  it('on a 412 says someone else changed it and reloads the stored schedule on request', async () => {
    const user = userEvent.setup();
    let version = 1;
    const { calls } = renderEdit({
      [`GET /api/v1/schedule/${ID}`]: () =>
        version === 1
          ? { status: 200, body: scheduleOf(), headers: { ETag: '"3-abc"' } }
          : {
              status: 200,
              body: scheduleOf({ name: 'Renamed by Ana', updated_at: '2026-11-02T10:00:00.000Z' }),
              headers: { ETag: '"3-def"' },
            },
      [`PUT /api/v1/schedule/${ID}`]: () => {
        version = 2;
        return {
          status: 412,
          body: { type: 'https://content-scheduler.dev/problems/precondition-failed', title: 'Precondition Failed', status: 412 },
          headers: { ETag: '"3-def"' },
        };
      },
    });
    const name = await screen.findByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Mine');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Someone else changed this schedule since you opened it.');
    expect(puts(calls)).toHaveLength(1);
    await user.click(within(alert).getByRole('button', { name: 'Reload the schedule' }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Renamed by Ana'));
    expect(screen.queryByRole('alert')).toBeNull();

    // The next save carries the new tag.
    await user.clear(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Name'), 'Mine after all');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(puts(calls)).toHaveLength(2));
    expect(puts(calls)[1].headers['if-match']).toBe('"3-def"');
  });

  it('shows a 422 under its fields and stays on the form', async () => {
    const user = userEvent.setup();
    renderEdit({
      [`GET /api/v1/schedule/${ID}`]: { status: 200, body: scheduleOf(), headers: { ETag: '"3-abc"' } },
      [`PUT /api/v1/schedule/${ID}`]: {
        status: 422,
        body: {
          title: 'Unprocessable Content',
          status: 422,
          detail: 'scheduled_at: must be in the future',
          errors: [{ field: 'scheduled_at', message: 'scheduled_at must be in the future' }],
        },
      },
    });
    const date = await screen.findByLabelText('Starts on');
    await user.clear(date);
    await user.type(date, '2020-01-06');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const error = await screen.findByText('scheduled_at must be in the future');
    expect(screen.getByLabelText('Starts on').getAttribute('aria-describedby')).toBe(error.id);
    expect(screen.getByLabelText('Starts on').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByText('The list')).toBeNull();
  });

  it('links each schedule of the list to its editor', async () => {
    renderWithApi(<SchedulesPage />, { 'GET /api/v1/schedule': { status: 200, body: [scheduleOf()] } });
    const link = await screen.findByRole('link', { name: 'Edit Weekly digest' });
    expect(link.getAttribute('href')).toBe(`/schedules/${ID}/edit`);
  });
});

describe('updateOf', () => {
  const stored = stateOf(
    scheduleOf({ schedule_type: 'monthly', recurrence_pattern: 'monthly:1,15,last', recurrence_end_date: null, max_runs: null }),
  );

  it('reads monthly chips and "last day" from the pattern', () => {
    expect(stored.monthDays).toEqual([1, 15]);
    expect(stored.lastDay).toBe(true);
  });

  it('sends nothing for an unchanged form; null for a cleared field; the start again in a new zone', () => {
    expect(updateOf(stored, stored)).toEqual({});
    const withMax = { ...stored, maxRuns: '4' };
    expect(updateOf(withMax, { ...withMax, maxRuns: '' })).toEqual({ max_runs: null });
    expect(updateOf(stored, { ...stored, timezone: 'Europe/Paris' })).toEqual({
      timezone: 'Europe/Paris',
      scheduled_at: '2027-03-15T09:00:00',
    });
    // To daily: the pattern is cleared.
    expect(updateOf(stored, { ...stored, type: 'daily' })).toEqual({ schedule_type: 'daily', recurrence_pattern: null });
  });

  it('changes the target URL inside job_config and keeps its other keys', () => {
    const config = { publisher_domain: 'example.com', target_url: 'https://blog.example.com/a' };
    expect(updateOf(stored, { ...stored, targetUrl: 'https://blog.example.com/b' }, config)).toEqual({
      job_config: { publisher_domain: 'example.com', target_url: 'https://blog.example.com/b' },
    });
    expect(updateOf(stored, { ...stored, targetUrl: '' }, config)).toEqual({ job_config: { publisher_domain: 'example.com' } });
  });
});
