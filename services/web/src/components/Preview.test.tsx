import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LivePreview, PreviewList, utcOffsetLabel } from './Preview';
import { renderWithApi } from '../test-utils';

/** Daily 09:00 in New York across the 2027 spring-forward (14 March). */
const ACROSS_DST = {
  timezone: 'America/New_York',
  not_running_reason: null,
  occurrences: [
    { at: '2027-03-12T14:00:00.000Z', local: '2027-03-12T09:00:00-05:00', dst_adjusted: false },
    { at: '2027-03-13T14:00:00.000Z', local: '2027-03-13T09:00:00-05:00', dst_adjusted: false },
    { at: '2027-03-14T13:00:00.000Z', local: '2027-03-14T09:00:00-04:00', dst_adjusted: false },
    { at: '2027-03-15T13:00:00.000Z', local: '2027-03-15T09:00:00-04:00', dst_adjusted: false },
  ],
};

describe('PreviewList', () => {
  it('shows each run at its wall-clock time in the zone with the offset', () => {
    render(<PreviewList preview={ACROSS_DST} />);
    const items = within(screen.getByRole('list', { name: 'Next runs in America/New_York' })).getAllByRole('listitem');
    expect(items).toHaveLength(4);
    expect(items[0].textContent).toMatch(/09:00/);
    expect(items[0].textContent).toMatch(/EST/);
    expect(items[0].textContent).toContain('UTC−05:00');
    expect(items[2].textContent).toMatch(/09:00/);
    expect(items[2].textContent).toMatch(/EDT/);
    expect(items[2].textContent).toContain('UTC−04:00');
  });

  it('marks the first run after the offset changes, and only that one', () => {
    render(<PreviewList preview={ACROSS_DST} />);
    const items = screen.getAllByRole('listitem');
    const marked = items.filter((li) => /DST change/.test(li.textContent ?? ''));
    expect(marked).toEqual([items[2]]);
    expect(items[2].textContent).toContain('DST change: now EDT (UTC−04:00)');
  });

  it('marks a run a DST gap moved', () => {
    render(
      <PreviewList
        preview={{
          timezone: 'America/New_York',
          not_running_reason: null,
          occurrences: [{ at: '2027-03-14T07:00:00.000Z', local: '2027-03-14T03:00:00-04:00', dst_adjusted: true }],
        }}
      />,
    );
    expect(screen.getByText('moved by the DST gap')).toBeTruthy();
  });

  it('says why there are no runs', () => {
    render(<PreviewList preview={{ timezone: 'UTC', occurrences: [], not_running_reason: 'campaign_paused' }} />);
    expect(screen.getByText('No upcoming runs (campaign paused).')).toBeTruthy();
  });

  it('labels offsets', () => {
    expect(utcOffsetLabel('+05:30')).toBe('UTC+05:30');
    expect(utcOffsetLabel('+00:00')).toBe('UTC');
  });
});

describe('LivePreview', () => {
  it('shows the runs the API previews', async () => {
    renderWithApi(
      <LivePreview
        body={{ name: 'x', schedule_type: 'daily', scheduled_at: '2027-03-12T09:00:00', timezone: 'America/New_York' }}
        delayMs={0}
      />,
      {
        'POST /api/v1/schedule/preview': { status: 200, body: ACROSS_DST },
      },
    );
    expect(await screen.findByText(/DST change: now EDT/)).toBeTruthy();
  });

  it("shows the problem's detail when the API refuses the body", async () => {
    renderWithApi(<LivePreview body={{ name: 'x', schedule_type: 'cron', recurrence_pattern: 'nope', timezone: 'UTC' }} delayMs={0} />, {
      'POST /api/v1/schedule/preview': {
        status: 422,
        body: {
          title: 'Unprocessable Content',
          status: 422,
          detail: 'recurrence_pattern: not a cron expression',
          errors: [{ field: 'recurrence_pattern', message: 'not a cron expression' }],
        },
      },
    });
    expect(await screen.findByText('recurrence_pattern: not a cron expression')).toBeTruthy();
  });
});
