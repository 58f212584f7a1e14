import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { bodyOf, initialState, ScheduleEditor } from './ScheduleEditor';
import { renderWithApi } from '../test-utils';

const EMPTY_PREVIEW = { status: 200, body: { timezone: 'America/New_York', occurrences: [], not_running_reason: null } };
const ROUTES = {
  'GET /api/v1/campaigns': { status: 200, body: [] },
  'GET /api/v1/templates': { status: 200, body: [] },
  'POST /api/v1/schedule/preview': EMPTY_PREVIEW,
};

describe('ScheduleEditor fields per type', () => {
  it('shows weekday toggles only for weekly, day chips only for monthly, the expression only for cron', async () => {
    const user = userEvent.setup();
    renderWithApi(<ScheduleEditor initial={{ timezone: 'America/New_York' }} />, ROUTES);
    const type = screen.getByLabelText('Repeats');
    expect(screen.getByLabelText('Time')).toBeTruthy();
    expect(screen.queryByRole('group', { name: 'On these days' })).toBeNull();

    await user.selectOptions(type, 'weekly');
    const weekdays = screen.getByRole('group', { name: 'On these days' });
    expect(within(weekdays).getAllByRole('checkbox')).toHaveLength(7);
    expect(screen.queryByLabelText(/Cron expression/)).toBeNull();

    await user.selectOptions(type, 'monthly');
    expect(screen.queryByRole('group', { name: 'On these days' })).toBeNull();
    const days = screen.getByRole('group', { name: 'On these days of the month' });
    expect(within(days).getAllByRole('checkbox')).toHaveLength(32);
    expect(within(days).getByLabelText('Last day')).toBeTruthy();

    await user.selectOptions(type, 'cron');
    expect(screen.getByLabelText(/Cron expression/)).toBeTruthy();
    expect(screen.queryByLabelText('Time')).toBeNull();
    expect(screen.getByLabelText('Starts on (optional)')).toBeTruthy();

    await user.selectOptions(type, 'once');
    expect(screen.queryByLabelText(/Ends on/)).toBeNull();
    expect(screen.queryByLabelText(/At most this many runs/)).toBeNull();
    expect(screen.getByLabelText('Date')).toBeTruthy();
  });

  it('builds the body of each type: wall-clock start in the zone, the normalised pattern', () => {
    const base = initialState({ name: 'N', date: '2027-03-14', time: '09:30', timezone: 'America/New_York' });
    expect(bodyOf({ ...base, type: 'once' })).toEqual({
      name: 'N',
      schedule_type: 'once',
      timezone: 'America/New_York',
      scheduled_at: '2027-03-14T09:30:00',
    });
    expect(bodyOf({ ...base, type: 'weekly', weekdays: ['monday', 'thursday'] }).recurrence_pattern).toBe('weekly:monday,thursday');
    expect(bodyOf({ ...base, type: 'monthly', monthDays: [15, 1], lastDay: true }).recurrence_pattern).toBe('monthly:1,15,last');
    expect(bodyOf({ ...base, type: 'daily', endDate: '2027-04-01', maxRuns: '5' })).toMatchObject({
      recurrence_end_date: '2027-04-01T23:59:59',
      max_runs: 5,
    });
    const cron = bodyOf({ ...base, type: 'cron', date: '', cron: '0 9 * * 1' });
    expect(cron.recurrence_pattern).toBe('0 9 * * 1');
    expect(cron).not.toHaveProperty('scheduled_at');
  });

  it('sends the form and shows the API problem+json errors under their fields', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithApi(<ScheduleEditor initial={{ timezone: 'America/New_York', type: 'weekly', date: '2020-01-01' }} />, {
      ...ROUTES,
      'POST /api/v1/schedule': {
        status: 422,
        body: {
          type: 'https://content-scheduler.dev/problems/validation-failed',
          title: 'Unprocessable Content',
          status: 422,
          detail: 'scheduled_at: must be in the future; recurrence_pattern: bad weekday',
          errors: [
            { field: 'scheduled_at', message: 'scheduled_at must be in the future' },
            { field: 'recurrence_pattern', message: 'recurrence_pattern has an unknown weekday' },
            { field: 'misfire_grace_seconds', message: 'misfire_grace_seconds is too large' },
          ],
        },
      },
    });
    await user.type(screen.getByLabelText('Name'), 'Weekly post');
    await user.click(screen.getByLabelText('Mon'));
    await user.click(screen.getByRole('button', { name: 'Create schedule' }));

    const dateError = await screen.findByText('scheduled_at must be in the future');
    const dateInput = screen.getByLabelText('Starts on');
    expect(dateInput.getAttribute('aria-describedby')).toBe(dateError.id);
    expect(dateInput.getAttribute('aria-invalid')).toBe('true');
    const weekdays = screen.getByRole('group', { name: 'On these days' });
    expect(within(weekdays).getByText('recurrence_pattern has an unknown weekday')).toBeTruthy();
    // A field the form has no control for is listed in the summary.
    expect(within(screen.getByRole('alert')).getByText(/misfire_grace_seconds: misfire_grace_seconds is too large/)).toBeTruthy();

    const sent = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/schedule');
    expect(sent?.body).toEqual({
      name: 'Weekly post',
      schedule_type: 'weekly',
      timezone: 'America/New_York',
      scheduled_at: '2020-01-01T09:00:00',
      recurrence_pattern: 'weekly:monday',
    });
  });

  it('previews what the form says, through POST /schedule/preview', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithApi(
      <ScheduleEditor initial={{ timezone: 'Europe/Paris', type: 'daily', date: '2027-03-27', time: '10:15' }} />,
      ROUTES,
    );
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/schedule/preview')).toBe(true));
    await user.selectOptions(screen.getByLabelText('Repeats'), 'monthly');
    await user.click(screen.getByLabelText('Last day'));
    await waitFor(() => {
      const last = calls.filter((c) => c.path === '/api/v1/schedule/preview').at(-1);
      expect(last?.query).toBe('?count=10');
      expect(last?.body).toMatchObject({
        schedule_type: 'monthly',
        recurrence_pattern: 'monthly:last',
        timezone: 'Europe/Paris',
        scheduled_at: '2027-03-27T10:15:00',
      });
    });
  });
});
