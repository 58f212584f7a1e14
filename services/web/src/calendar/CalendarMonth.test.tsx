import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { CalendarPage } from '../pages/Calendar';
import { renderWithApi } from '../test-utils';
import { dayWindow, localWindow, onDay, viewerZone, type CalendarOccurrence } from './model';

const SCHEDULE = '11111111-1111-4111-8111-111111111111';

function occurrence(n: number, day = '2027-03-10'): CalendarOccurrence {
  const hour = String(n).padStart(2, '0');
  return {
    schedule_id: SCHEDULE.replace(/1$/, String(n % 10)),
    schedule_name: `Post ${n}`,
    campaign: { id: '22222222-2222-4222-8222-222222222222', name: 'Spring', color: '#1E88E5' },
    publisher_domain: null,
    at: `${day}T${hour}:00:00.000Z`,
    local: `${day}T${hour}:00:00+00:00`,
    timezone: 'UTC',
    dst_adjusted: false,
    state: n === 2 ? 'skipped' : 'planned',
    job_id: null,
    job_status: null,
    reason: n === 2 ? 'skipped' : null,
  };
}

describe('the month view', () => {
  it('reads GET /calendar/days once (viewer zone, 6 a day), shows the day\'s runs and "+N more" from its real count', async () => {
    const { calls, container } = renderWithApi(
      <Routes>
        <Route path="/calendar/:month" element={<CalendarPage />} />
      </Routes>,
      {
        'GET /api/v1/campaigns': { status: 200, body: [] },
        'GET /api/v1/calendar/days': (call) => {
          const q = new URLSearchParams(call.query);
          return {
            status: 200,
            body: {
              from: q.get('from'),
              to: q.get('to'),
              timezone: q.get('timezone'),
              days: [
                { date: '2027-03-10', count: 20, occurrences: [1, 2, 3, 4, 5, 6].map((n) => occurrence(n)) },
                { date: '2027-03-11', count: 1, occurrences: [occurrence(9, '2027-03-11')] },
              ],
            },
          };
        },
        'GET /api/v1/calendar': (call) => {
          const q = new URLSearchParams(call.query);
          return {
            status: 200,
            body: {
              from: q.get('from'),
              to: q.get('to'),
              occurrences: Array.from({ length: 20 }, (_, i) => occurrence(i + 1)),
              next_cursor: null,
            },
          };
        },
      },
      { at: '/calendar/2027-03?view=month' },
    );
    await screen.findByText('21 occurrences');
    const asked = calls.filter((c) => c.path === '/api/v1/calendar/days');
    expect(asked).toHaveLength(1);
    const q = new URLSearchParams(asked[0].query);
    // The grid's six weeks (1 March 2027 is a Monday) in the viewer's zone.
    expect({ from: q.get('from'), to: q.get('to') }).toEqual(localWindow({ start: '2027-03-01', end: '2027-04-12' }));
    expect(q.get('timezone')).toBe(viewerZone());
    expect(q.get('per_day')).toBe('6');
    // The paged calendar is not read for the month.
    expect(calls.filter((c) => c.path === '/api/v1/calendar')).toHaveLength(0);

    const cell = container.querySelector('[data-date="2027-03-10"]') as HTMLElement;
    await waitFor(() => expect(cell.querySelectorAll('.occurrence')).toHaveLength(6));
    expect(cell.querySelector('.occurrence-skipped')?.textContent).toContain('skipped');
    expect((container.querySelector('[data-date="2027-03-11"]') as HTMLElement).querySelector('.more-runs')).toBeNull();
    const more = cell.querySelector('.more-runs') as HTMLElement;
    expect(more.textContent).toBe('+14 more');
    // It is the cell's last entry, a button of the grid (keyboard: FullCalendar's event buttons).
    expect(more.closest('[role="button"]')).not.toBeNull();

    // "+14 more": that day's runs from GET /calendar, each opening its details.
    fireEvent.click(more);
    const panel = await screen.findByRole('complementary', { name: /March 10|10 March/ });
    await screen.findByText('20 runs');
    const day = new URLSearchParams(calls.filter((c) => c.path === '/api/v1/calendar').at(-1)!.query);
    expect({ from: day.get('from'), to: day.get('to') }).toEqual(dayWindow('2027-03-10'));
    expect(panel.querySelectorAll('.occurrence')).toHaveLength(20);
    fireEvent.click(screen.getByRole('button', { name: /17:00 UTC Post 17$/ }));
    await screen.findByRole('complementary', { name: 'Post 17' });
  });

  it("places a day's runs on the viewer's day at their schedule's wall time", () => {
    expect(onDay('2027-03-11', '2027-03-10T23:30:00-04:00')).toBe('2027-03-11T23:30:00Z');
  });
});
