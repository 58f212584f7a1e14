import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduler bookkeeping (issue #15, part 2): PostgreSQL knows which schedules' BullMQ job
 * schedulers are out of step with their rows, so the periodic reconcile pass reads only those.
 *
 * - `scheduled_jobs.scheduler_change_seq`: bumped by the trigger below, in the transaction that
 *   changes anything the schedule's scheduler is made of (its status, version, rule columns, or
 *   whether it has a next run); bumped by `outOfStep` of `schedulerSyncLedger` when an after-commit Redis
 *   write failed (a blackout's shift, which moves `next_run_at` only). New rows start at 1.
 * - `scheduled_jobs.scheduler_synced_seq`: the `scheduler_change_seq` last written to Redis
 *   (the after-commit syncs and the reconciler set it). Existing rows start in step (0 = 0): the
 *   first pass after this migration is a full sweep anyway (no `reconciler_state` row).
 * - `scheduled_jobs_scheduler_out_of_step_idx`: the partial index of the rows that differ (empty
 *   when all is in step), so "what is out of step" is an indexed read of the changed rows only.
 * - `reconciler_state`: one row per queue prefix: the token the reconciler also keeps in Redis
 *   (a Redis flush or restart loses it, and the next pass sweeps everything), and when the last
 *   full sweep started and finished.
 */
export class SchedulerSync1764300000019 implements MigrationInterface {
  name = 'SchedulerSync1764300000019';

  async up(q: QueryRunner): Promise<void> {
    // Added with default 0 (no rewrite, every existing row in step), then new rows default out of step.
    await q.query(`
      ALTER TABLE scheduled_jobs
        ADD COLUMN scheduler_change_seq bigint NOT NULL DEFAULT 0,
        ADD COLUMN scheduler_synced_seq bigint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE scheduled_jobs ALTER COLUMN scheduler_change_seq SET DEFAULT 1`);
    await q.query(`
      CREATE INDEX scheduled_jobs_scheduler_out_of_step_idx ON scheduled_jobs (id)
       WHERE scheduler_change_seq <> scheduler_synced_seq`);
    await q.query(`
      CREATE FUNCTION scheduled_jobs_scheduler_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status
           OR NEW.version IS DISTINCT FROM OLD.version
           OR (NEW.next_run_at IS NULL) <> (OLD.next_run_at IS NULL)
           OR NEW.schedule_type IS DISTINCT FROM OLD.schedule_type
           OR NEW.scheduled_at IS DISTINCT FROM OLD.scheduled_at
           OR NEW.recurrence_pattern IS DISTINCT FROM OLD.recurrence_pattern
           OR NEW.recurrence_end_date IS DISTINCT FROM OLD.recurrence_end_date
           OR NEW.timezone IS DISTINCT FROM OLD.timezone
           OR NEW.max_runs IS DISTINCT FROM OLD.max_runs
           OR NEW.recurrence_rule IS DISTINCT FROM OLD.recurrence_rule THEN
          NEW.scheduler_change_seq := OLD.scheduler_change_seq + 1;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER scheduled_jobs_scheduler_change BEFORE UPDATE ON scheduled_jobs
        FOR EACH ROW EXECUTE FUNCTION scheduled_jobs_scheduler_change()`);
    await q.query(`
      CREATE TABLE reconciler_state (
        queue_prefix text NOT NULL,
        redis_token text NOT NULL,
        full_sweep_started_at timestamptz,
        full_sweep_finished_at timestamptz,
        CONSTRAINT reconciler_state_pkey PRIMARY KEY (queue_prefix)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciler_state`);
    await q.query(`DROP TRIGGER scheduled_jobs_scheduler_change ON scheduled_jobs`);
    await q.query(`DROP FUNCTION scheduled_jobs_scheduler_change()`);
    await q.query(`ALTER TABLE scheduled_jobs DROP COLUMN scheduler_change_seq, DROP COLUMN scheduler_synced_seq`);
  }
}
