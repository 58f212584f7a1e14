import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes of the list filters and sorts (`GET /schedule`, `/jobs`, `/campaigns`, `/runs`), each
 * per user like the existing ones, so every filter and `sort=` key of a list reads an index:
 *
 * - schedules: `sort=-next_run_at` (nulls last), `created_at`, `name`; `schedule_type`; `q=` (a
 *   substring of the name, `ILIKE`) through a pg_trgm GIN index. `template_id` already has
 *   `scheduled_jobs_template_idx`.
 * - Jobs: `scheduled_for` ranges and both sorts on it (nulls last). `created_at` ranges and sorts
 *   use `jobs_user_created_idx`, `template_id` uses `jobs_template_idx`.
 * - campaigns: `sort=name`.
 * - run history across schedules: newest first, optionally by outcome.
 *
 * pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it; it ships
 * with PostgreSQL's contrib modules.
 */
export class ListFiltersAndSorts1764300000005 implements MigrationInterface {
  name = 'ListFiltersAndSorts1764300000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE INDEX scheduled_jobs_user_next_run_desc_idx ON scheduled_jobs (user_id, next_run_at DESC NULLS LAST, id DESC)`);
    await q.query(`CREATE INDEX scheduled_jobs_user_created_idx ON scheduled_jobs (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX scheduled_jobs_user_name_idx ON scheduled_jobs (user_id, name, id)`);
    await q.query(`CREATE INDEX scheduled_jobs_user_type_next_run_idx ON scheduled_jobs (user_id, schedule_type, next_run_at, id)`);
    await q.query(`CREATE INDEX scheduled_jobs_name_trgm_idx ON scheduled_jobs USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX jobs_user_scheduled_for_idx ON jobs (user_id, scheduled_for, id)`);
    await q.query(`CREATE INDEX jobs_user_scheduled_for_desc_idx ON jobs (user_id, scheduled_for DESC NULLS LAST, id DESC)`);
    await q.query(`CREATE INDEX campaigns_user_name_idx ON campaigns (user_id, name, id)`);
    await q.query(`CREATE INDEX schedule_runs_user_occurrence_idx ON schedule_runs (user_id, occurrence_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX schedule_runs_user_outcome_occurrence_idx ON schedule_runs (user_id, outcome, occurrence_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [
      'schedule_runs_user_outcome_occurrence_idx',
      'schedule_runs_user_occurrence_idx',
      'campaigns_user_name_idx',
      'jobs_user_scheduled_for_desc_idx',
      'jobs_user_scheduled_for_idx',
      'scheduled_jobs_name_trgm_idx',
      'scheduled_jobs_user_type_next_run_idx',
      'scheduled_jobs_user_name_idx',
      'scheduled_jobs_user_created_idx',
      'scheduled_jobs_user_next_run_desc_idx',
    ]) {
      await q.query(`DROP INDEX ${index}`);
    }
    // The extension stays: dropping it could break objects other than ours that use it.
  }
}
