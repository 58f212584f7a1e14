import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `jobs.queued_at`: when the Job was handed to the content-jobs queue. A pending Job without
 * it (the enqueue after the commit failed) is handed over again by the reconciler.
 */
export class JobQueuedAt1764300000001 implements MigrationInterface {
  name = 'JobQueuedAt1764300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN queued_at timestamptz`);
    // Jobs that exist before this migration were handed over when they were made.
    await q.query(`UPDATE jobs SET queued_at = created_at`);
    await q.query(`CREATE INDEX jobs_unqueued_idx ON jobs (created_at) WHERE queued_at IS NULL AND status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_unqueued_idx`);
    await q.query(`ALTER TABLE jobs DROP COLUMN queued_at`);
  }
}
