import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, unwrap, useApi, type Schema } from '../api';
import { ErrorBox } from '../components/ListState';
import { formatInZone } from '../time';

export type ImportReport = Schema<'ImportReport'>;

/** A refused commit's 422 carries the report beside `errors`; other refusals do not. */
function reportOf(error: unknown): ImportReport | null {
  if (!(error instanceof ApiError)) return null;
  const problem = error.problem as Partial<ImportReport>;
  return Array.isArray(problem.rows) ? (problem as ImportReport) : null;
}

/** The dry run's (or a commit's) rows: row, name, first run in its zone, errors per field. */
export function ImportTable({ report }: { report: ImportReport }) {
  return (
    <table aria-label="Import rows">
      <thead>
        <tr>
          <th scope="col">Row</th>
          <th scope="col">Name</th>
          <th scope="col">First run (local)</th>
          <th scope="col">Errors</th>
        </tr>
      </thead>
      <tbody>
        {report.rows.map((row) => (
          <tr key={row.row} className={row.ok ? undefined : 'row-error'} aria-invalid={row.ok ? undefined : true}>
            <td>{row.row}</td>
            <td>{row.name ?? <span className="muted">—</span>}</td>
            <td>
              {row.next_run_at && row.timezone ? (
                <time dateTime={row.next_run_at} title={row.local ?? undefined}>
                  {formatInZone(row.next_run_at, row.timezone)}
                </time>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
            <td>
              {row.errors.length === 0 ? (
                <span className="muted">✓ ok</span>
              ) : (
                <ul className="row-errors">
                  {row.errors.map((e, i) => (
                    <li key={i}>
                      <strong>{e.field}</strong>: {e.message}
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Import: pick or drop a CSV, see the dry run, commit when no row has errors. */
export function ImportPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const upload = (text: string, dryRun: boolean, key?: string) =>
    unwrap(
      api.POST('/api/v1/schedule/import', {
        params: { query: { dry_run: dryRun ? 'true' : 'false' }, ...(key ? { header: { 'Idempotency-Key': key } } : {}) },
        body: text as never,
        bodySerializer: (body: unknown) => body as string,
        headers: { 'Content-Type': 'text/csv' },
      }),
    );
  const dryRun = useMutation({ mutationFn: (text: string) => upload(text, true) });
  const commit = useMutation({
    // One key per file picked: pressing Commit again (or a retry) imports it once.
    mutationFn: ({ text, key }: { text: string; key: string }) => upload(text, false, key),
    onSuccess: () =>
      Promise.all([queryClient.invalidateQueries({ queryKey: ['schedules'] }), queryClient.invalidateQueries({ queryKey: ['calendar'] })]),
  });
  const [key, setKey] = useState('');
  const take = async (picked: File | undefined) => {
    if (!picked) return;
    const text = await picked.text();
    setFile({ name: picked.name, text });
    setKey(crypto.randomUUID());
    commit.reset();
    dryRun.mutate(text);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void take(e.dataTransfer.files[0]);
  };
  const report = commit.data ?? reportOf(commit.error) ?? dryRun.data ?? reportOf(dryRun.error);
  const otherError =
    (commit.error && !reportOf(commit.error) ? commit.error : null) ?? (dryRun.error && !reportOf(dryRun.error) ? dryRun.error : null);
  const blocked = !report || report.invalid > 0 || report.rows.some((r) => !r.ok);
  return (
    <>
      <h1>Import schedules</h1>
      <p className="muted">
        A CSV with a header row of the schedule fields (name, schedule_type, scheduled_at, timezone, recurrence_pattern, campaign_id, …). It
        is checked first; nothing is created until you commit, and then all rows or none.
      </p>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label htmlFor="import-file">CSV file</label>
        <input id="import-file" type="file" accept=".csv,text/csv" onChange={(e) => void take(e.target.files?.[0])} />
        <p className="muted">or drop it here</p>
      </div>
      {dryRun.isPending && <p role="status">Checking {file?.name}…</p>}
      {otherError ? <ErrorBox error={otherError} /> : null}
      {report && (
        <section aria-labelledby="import-report">
          <h2 id="import-report">
            {commit.data ? 'Imported' : 'Dry run'}: {report.valid} of {report.total} rows ok
            {report.invalid ? `, ${report.invalid} with errors` : ''}
          </h2>
          <ImportTable report={report} />
          {commit.data ? (
            <p className="success" role="status">
              {commit.data.valid} schedules created. <Link to="/schedules">See the schedules</Link> or{' '}
              <Link to="/calendar">the calendar</Link>.
            </p>
          ) : (
            <p>
              <button
                type="button"
                className="primary"
                disabled={blocked || commit.isPending || !file}
                onClick={() => file && commit.mutate({ text: file.text, key })}
              >
                Commit import
              </button>{' '}
              {blocked && <span className="muted">Fix the rows with errors and pick the file again.</span>}
            </p>
          )}
        </section>
      )}
    </>
  );
}
