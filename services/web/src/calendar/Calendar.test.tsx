import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createClient } from '@scheduler/client';
import { describe, expect, it } from 'vitest';
import { renderWithApi } from '../test-utils';
import { apiWindow, fetchCalendar, STATE_NAMES, step, visibleDays, wallClockStart, type CalendarOccurrence } from './model';
import { OccurrenceChip } from './OccurrenceChip';
import { dstNote, OccurrencePanel } from './OccurrencePanel';

const SCHEDULE = '11111111-1111-4111-8111-111111111111';
const future = new Date(Date.now() + 30 * 86_400_000);
const futureAt = `${future.toISOString().slice(0, 10)}T14:00:00.000Z`;

function occurrence(over: Partial<CalendarOccurrence> = {}): CalendarOccurrence {
  return {
    schedule_id: SCHEDULE,
    schedule_name: 'Morning post',
    campaign: { id: '22222222-2222-4222-8222-222222222222', name: 'Spring', color: '#1E88E5' },
    publisher_domain: 'example.com',
    at: '2027-03-15T13:00:00.000Z',
    local: '2027-03-15T09:00:00-04:00',
    timezone: 'America/New_York',
    dst_adjusted: false,
    state: 'planned',
    job_id: null,
    job_status: null,
    reason: null,
    ...over,
  };
}

describe('OccurrenceChip', () => {
  const ICONS = { planned: '◷', paused: '‖', skipped: '⤼', materialized: '✓', missed: '⚠', failed: '✕' };
  it.each(STATE_NAMES)('shows the %s state as an icon and a word, not by colour alone', (state) => {
    const { container } = render(<OccurrenceChip occurrence={occurrence({ state })} />);
    const chip = container.querySelector('.occurrence') as HTMLElement;
    expect(chip.querySelector('.occurrence-word')?.textContent).toBe(state);
    expect(chip.querySelector('[aria-hidden="true"]')?.textContent).toBe(ICONS[state]);
    expect(chip.getAttribute('title')).toContain(state);
    expect(chip.classList.contains('occurrence-muted')).toBe(state === 'paused' || state === 'skipped');
  });

  it("is in the campaign's colour with the schedule's name and local time in its zone", () => {
    const { container } = render(<OccurrenceChip occurrence={occurrence()} />);
    const chip = container.querySelector('.occurrence') as HTMLElement;
    expect(chip.style.borderLeftColor.toLowerCase()).toMatch(/#1e88e5|rgb\(30, 136, 229\)/);
    expect(chip.textContent).toContain('09:00 EDT');
    expect(chip.textContent).toContain('Morning post');
  });

  it('is grey without a campaign', () => {
    const { container } = render(<OccurrenceChip occurrence={occurrence({ campaign: null })} />);
    expect((container.querySelector('.occurrence') as HTMLElement).dataset.color).toBe('#6E7781');
  });
});

describe('the calendar model', () => {
  it("places an occurrence at its schedule's wall-clock time", () => {
    expect(wallClockStart('2027-03-14T09:00:00-04:00')).toBe('2027-03-14T09:00:00Z');
  });

  it('widens the visible days by 14 h each side for the API window', () => {
    expect(visibleDays('month', '2027-03-01')).toEqual({ start: '2027-03-01', end: '2027-04-12' });
    expect(visibleDays('week', '2027-03-17')).toEqual({ start: '2027-03-15', end: '2027-03-22' });
    expect(apiWindow({ start: '2027-03-15', end: '2027-03-22' })).toEqual({
      from: '2027-03-14T10:00:00.000Z',
      to: '2027-03-22T14:00:00.000Z',
    });
    expect(step('month', '2027-12-01', 1)).toEqual({ month: '2028-01', day: null });
    expect(step('week', '2027-03-31', 1)).toEqual({ month: '2027-04', day: '2027-04-05' });
  });

  it('follows next_cursor to the last page, with the same window and filters', async () => {
    const asked: URLSearchParams[] = [];
    const fetch = (input: RequestInfo | URL): Promise<Response> => {
      const query = new URL((input as Request).url).searchParams;
      asked.push(query);
      const page = asked.length;
      const body = {
        from: '2027-03-01T00:00:00.000Z',
        to: '2027-04-01T00:00:00.000Z',
        occurrences: [occurrence({ at: `2027-03-0${page}T13:00:00.000Z` })],
        next_cursor: page < 3 ? `c${page}` : null,
      };
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }));
    };
    const api = createClient({ baseUrl: 'http://localhost', token: 't', fetch });
    const window = { from: '2027-03-01T00:00:00.000Z', to: '2027-04-01T00:00:00.000Z' };
    const result = await fetchCalendar(api, window, { state: 'planned' });
    expect(result.truncated).toBe(false);
    expect(result.occurrences.map((o) => o.at)).toEqual([
      '2027-03-01T13:00:00.000Z',
      '2027-03-02T13:00:00.000Z',
      '2027-03-03T13:00:00.000Z',
    ]);
    expect(asked.map((q) => q.get('cursor'))).toEqual([null, 'c1', 'c2']);
    for (const q of asked) {
      expect(q.get('from')).toBe(window.from);
      expect(q.get('to')).toBe(window.to);
      expect(q.get('state')).toBe('planned');
    }
  });

  it('dst note: the first run after spring-forward says the clocks changed', () => {
    expect(dstNote(occurrence({ at: '2027-03-14T13:00:00.000Z', local: '2027-03-14T09:00:00-04:00' }))).toContain('EST → EDT');
    expect(dstNote(occurrence())).toBe('No DST change that day (EDT, UTC−04:00).');
    expect(dstNote(occurrence({ dst_adjusted: true }))).toMatch(/^Moved by the DST gap/);
  });
});

describe('OccurrencePanel', () => {
  const JOB = { id: '33333333-3333-4333-8333-333333333333', status: 'pending' };

  it('Run now posts to the schedule with a new Idempotency-Key per click and shows the Job', async () => {
    const keys: (string | null)[] = [];
    const { calls } = renderWithApi(<OccurrencePanel occurrence={occurrence({ at: futureAt })} onClose={() => {}} />, {
      [`POST /api/v1/schedule/${SCHEDULE}/run`]: () => ({ status: 201, body: JOB }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    expect(await screen.findByText(/made:/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2));
    for (const call of calls) keys.push(call.headers['idempotency-key'] ?? null);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[0]).not.toBe(keys[1]);
    expect(screen.getByRole('status').textContent).toContain('pending');
  });

  it('Skip this one posts the occurrence instant to the skip endpoint', async () => {
    const { calls } = renderWithApi(<OccurrencePanel occurrence={occurrence({ at: futureAt })} onClose={() => {}} />, {
      [`POST /api/v1/schedule/${SCHEDULE}/skip`]: {
        status: 200,
        body: { schedule_id: SCHEDULE, occurrence_at: futureAt, created_by: 'u', created_at: futureAt },
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Skip this one' }));
    expect(await screen.findByText('Skipped: it will not run.')).toBeTruthy();
    expect(calls).toEqual([
      expect.objectContaining({ method: 'POST', path: `/api/v1/schedule/${SCHEDULE}/skip`, body: { occurrence_at: futureAt } }),
    ]);
    expect(screen.queryByRole('button', { name: 'Un-skip' })).toBeNull();
  });

  it('Un-skip deletes the skip of a skipped occurrence', async () => {
    const { calls } = renderWithApi(
      <OccurrencePanel occurrence={occurrence({ at: futureAt, state: 'skipped', reason: 'skipped' })} onClose={() => {}} />,
      { [`DELETE /api/v1/schedule/${SCHEDULE}/skips/${encodeURIComponent(futureAt)}`]: { status: 204, body: null } },
    );
    expect(screen.queryByRole('button', { name: 'Skip this one' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Un-skip' }));
    expect(await screen.findByText('Un-skipped: it runs as planned.')).toBeTruthy();
    expect(calls.map((c) => `${c.method} ${decodeURIComponent(c.path)}`)).toEqual([
      `DELETE /api/v1/schedule/${SCHEDULE}/skips/${futureAt}`,
    ]);
  });

  it("offers no Un-skip for a blackout's skip, and shows the API's problem", async () => {
    renderWithApi(
      <OccurrencePanel occurrence={occurrence({ at: futureAt, state: 'skipped', reason: 'blackout: Easter' })} onClose={() => {}} />,
      {
        [`POST /api/v1/schedule/${SCHEDULE}/run`]: {
          status: 403,
          body: { title: 'Forbidden', status: 403, detail: 'Your role may not write.' },
        },
      },
    );
    expect(screen.queryByRole('button', { name: 'Un-skip' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    expect(await screen.findByText('Your role may not write.')).toBeTruthy();
  });

  it('shows local and UTC times and the Job of a materialized occurrence', () => {
    renderWithApi(
      <OccurrencePanel occurrence={occurrence({ state: 'materialized', job_id: JOB.id, job_status: 'completed' })} onClose={() => {}} />,
      {},
    );
    expect(screen.getByText(/09:00 AM EDT/)).toBeTruthy();
    expect(screen.getByText(/01:00 PM UTC/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Job 33333333' }).getAttribute('href')).toBe(`/jobs?job=${JOB.id}`);
    expect(screen.getByText('completed')).toBeTruthy();
  });
});
