import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Skip and run now (issue #11, part 4):
 *
 * - `schedule_skips`: the future occurrences a user skipped, one row per (schedule, instant),
 *   gone with their schedule; the expansion reads them (`next_run_at`, previews, the worker).
 * - `schedule_runs.trigger`: `schedule` (every row so far) or `manual` (a run now). A manual row's
 *   `occurrence_at` is when it was made and never falls on a whole second, where every scheduled
 *   occurrence falls, so `schedule_runs_occurrence_unique` keeps serving the worker's upserts.
 * - `idempotency_keys`: the `Idempotency-Key`s of run now, per workspace, written in the Job's
 *   transaction (`target_id` the schedule, `resource_id` the Job); older than 24 h they are ignored.
 */
export class ScheduleSkips1764300000008 implements MigrationInterface {
  name = 'ScheduleSkips1764300000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedule_skips (
        scheduled_job_id uuid NOT NULL REFERENCES scheduled_jobs (id) ON DELETE CASCADE,
        occurrence_at timestamptz NOT NULL,
        workspace_id text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT schedule_skips_pkey PRIMARY KEY (scheduled_job_id, occurrence_at)
      )`);
    await q.query(`CREATE INDEX schedule_skips_workspace_idx ON schedule_skips (workspace_id, scheduled_job_id)`);
    await q.query(
      `ALTER TABLE schedule_runs ADD COLUMN trigger varchar(16) NOT NULL DEFAULT 'schedule'
         CONSTRAINT schedule_runs_trigger_check CHECK (trigger IN ('schedule', 'manual'))`,
    );
    await q.query(`
      CREATE TABLE idempotency_keys (
        workspace_id text NOT NULL,
        key varchar(255) NOT NULL,
        operation varchar(64) NOT NULL,
        target_id uuid NOT NULL,
        resource_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (workspace_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`ALTER TABLE schedule_runs DROP COLUMN trigger`);
    await q.query(`DROP TABLE schedule_skips`);
  }
}
