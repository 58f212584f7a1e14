import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The approval gate before the content pipeline:
 *
 * - `requires_approval` and `approval_timeout_hours` (1–8760, null = no timeout) on campaigns and
 *   schedules;
 * - Job status `awaiting_approval` (17 characters: `status` widens to varchar(32)), and the Job's
 *   `approval_deadline`, `decided_by`, `decided_at`, `status_reason`;
 * - the approval queue (`GET /jobs?status=awaiting_approval`, most urgent first) and the timeout
 *   sweep each read a partial index of the awaiting Jobs only.
 *
 * `jobs_unqueued_idx` (the reconciler's re-hand-over) stays `WHERE status = 'pending'`: an awaiting
 * Job is never handed over before it is approved.
 */
export class ApprovalGate1764300000007 implements MigrationInterface {
  name = 'ApprovalGate1764300000007';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['campaigns', 'scheduled_jobs']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN requires_approval boolean NOT NULL DEFAULT false`);
      await q.query(
        `ALTER TABLE ${table} ADD COLUMN approval_timeout_hours integer
           CONSTRAINT ${table}_approval_timeout_hours_check CHECK (approval_timeout_hours BETWEEN 1 AND 8760)`,
      );
    }
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_status_check`);
    await q.query(`ALTER TABLE jobs ALTER COLUMN status TYPE varchar(32)`);
    await q.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
         CHECK (status IN ('awaiting_approval', 'pending', 'running', 'completed', 'failed', 'cancelled'))`,
    );
    await q.query(`ALTER TABLE jobs ADD COLUMN approval_deadline timestamptz`);
    await q.query(`ALTER TABLE jobs ADD COLUMN decided_by text`);
    await q.query(`ALTER TABLE jobs ADD COLUMN decided_at timestamptz`);
    await q.query(`ALTER TABLE jobs ADD COLUMN status_reason text`);
    await q.query(
      `CREATE INDEX jobs_approval_queue_idx ON jobs (workspace_id, approval_deadline NULLS LAST, created_at, id)
         WHERE status = 'awaiting_approval'`,
    );
    await q.query(
      `CREATE INDEX jobs_approval_deadline_idx ON jobs (approval_deadline)
         WHERE status = 'awaiting_approval' AND approval_deadline IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_approval_deadline_idx`);
    await q.query(`DROP INDEX jobs_approval_queue_idx`);
    // Awaiting Jobs cannot exist without the gate: they are cancelled, with the reason.
    await q.query(
      `UPDATE jobs SET status = 'cancelled', status_reason = 'approval gate removed', completed_at = now()
         WHERE status = 'awaiting_approval'`,
    );
    for (const column of ['status_reason', 'decided_at', 'decided_by', 'approval_deadline']) {
      await q.query(`ALTER TABLE jobs DROP COLUMN ${column}`);
    }
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_status_check`);
    await q.query(`ALTER TABLE jobs ALTER COLUMN status TYPE varchar(16)`);
    await q.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled'))`,
    );
    for (const table of ['scheduled_jobs', 'campaigns']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN approval_timeout_hours`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN requires_approval`);
    }
  }
}
