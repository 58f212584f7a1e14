import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderWithApi } from '../test-utils';
import { ImportPage, type ImportReport } from './Import';

const CSV = 'name,schedule_type,scheduled_at,timezone\nGood,once,2027-03-15 09:00,America/New_York\nBad,once,yesterday,Mars/Base\n';

function row(over: Partial<ImportReport['rows'][number]>): ImportReport['rows'][number] {
  return { row: 2, ok: true, errors: [], name: 'Good', id: null, next_run_at: null, local: null, timezone: null, warnings: [], ...over };
}

const WITH_ERRORS: ImportReport = {
  dry_run: true,
  total: 2,
  valid: 1,
  invalid: 1,
  import_id: null,
  rows: [
    row({
      row: 2,
      name: 'Good',
      next_run_at: '2027-03-15T13:00:00.000Z',
      local: '2027-03-15T09:00:00-04:00',
      timezone: 'America/New_York',
    }),
    row({
      row: 3,
      ok: false,
      name: 'Bad',
      errors: [
        { row: 3, field: 'scheduled_at', message: 'must be an ISO 8601 date-time' },
        { row: 3, field: 'timezone', message: 'unknown time zone' },
      ],
    }),
  ],
};

async function pick(text: string) {
  const file = new File([text], 'plan.csv', { type: 'text/csv' });
  await userEvent.upload(screen.getByLabelText('CSV file'), file);
}

describe('ImportPage', () => {
  it('dry-runs the picked CSV and shows each row with its errors per field; commit stays disabled', async () => {
    const { calls } = renderWithApi(<ImportPage />, { 'POST /api/v1/schedule/import': { status: 200, body: WITH_ERRORS } });
    await pick(CSV);
    const table = await screen.findByRole('table', { name: 'Import rows' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('Good');
    expect(rows[0].textContent).toMatch(/09:00 AM EDT/);
    expect(rows[0].textContent).toContain('ok');
    expect(rows[1].getAttribute('aria-invalid')).toBe('true');
    const errors = within(rows[1])
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(errors).toEqual(['scheduled_at: must be an ISO 8601 date-time', 'timezone: unknown time zone']);
    expect(screen.getByRole('heading', { name: /Dry run: 1 of 2 rows ok, 1 with errors/ })).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Commit import' }).disabled).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0].query).toBe('?dry_run=true');
    expect(calls[0].headers['content-type']).toBe('text/csv');
    expect(calls[0].body).toBe(CSV);
  });

  it('commits a clean file once with an Idempotency-Key and shows the result', async () => {
    const clean: ImportReport = { ...WITH_ERRORS, valid: 1, invalid: 0, total: 1, rows: [WITH_ERRORS.rows[0]] };
    const { calls } = renderWithApi(<ImportPage />, {
      'POST /api/v1/schedule/import': (call) =>
        call.query === '?dry_run=true'
          ? { status: 200, body: clean }
          : { status: 201, body: { ...clean, dry_run: false, import_id: '44444444-4444-4444-8444-444444444444' } },
    });
    await pick('name,schedule_type,scheduled_at,timezone\nGood,once,2027-03-15 09:00,America/New_York\n');
    const commit = await screen.findByRole('button', { name: 'Commit import' });
    await waitFor(() => expect((commit as HTMLButtonElement).disabled).toBe(false));
    await userEvent.click(commit);
    expect(await screen.findByText(/1 schedules created/)).toBeTruthy();
    expect(calls.map((c) => c.query)).toEqual(['?dry_run=true', '?dry_run=false']);
    expect(calls[1].headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shows a refused commit's rows from the 422", async () => {
    renderWithApi(<ImportPage />, {
      'POST /api/v1/schedule/import': {
        status: 422,
        body: {
          type: 'x',
          title: 'Unprocessable Content',
          status: 422,
          detail: 'rows with errors',
          errors: [{ field: 'rows[3].timezone', message: 'unknown time zone' }],
          ...WITH_ERRORS,
        },
      },
    });
    await pick(CSV);
    expect(await screen.findByText('unknown time zone', { exact: false })).toBeTruthy();
  });
});
