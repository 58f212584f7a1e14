import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables whose rows belong to a workspace. */
const TABLES = ['campaigns', 'job_templates', 'scheduled_jobs', 'jobs', 'schedule_runs'] as const;

/**
 * Every list index led by `user_id`, by table: its name, and the columns after `user_id`. Each is
 * replaced by the same index led by `workspace_id` (`<table>_user_…` → `<table>_workspace_…`).
 */
const LIST_INDEXES: { table: (typeof TABLES)[number]; suffix: string; columns: string }[] = [
  { table: 'campaigns', suffix: 'created_idx', columns: 'created_at DESC, id' },
  { table: 'campaigns', suffix: 'status_created_idx', columns: 'status, created_at DESC, id' },
  { table: 'campaigns', suffix: 'name_idx', columns: 'name, id' },
  { table: 'job_templates', suffix: 'order_idx', columns: 'is_favorite DESC, last_used_at DESC NULLS LAST, created_at DESC, id' },
  { table: 'scheduled_jobs', suffix: 'status_idx', columns: 'status' },
  { table: 'scheduled_jobs', suffix: 'next_run_idx', columns: 'next_run_at, id' },
  { table: 'scheduled_jobs', suffix: 'next_run_desc_idx', columns: 'next_run_at DESC NULLS LAST, id DESC' },
  { table: 'scheduled_jobs', suffix: 'created_idx', columns: 'created_at DESC, id DESC' },
  { table: 'scheduled_jobs', suffix: 'name_idx', columns: 'name, id' },
  { table: 'scheduled_jobs', suffix: 'type_next_run_idx', columns: 'schedule_type, next_run_at, id' },
  { table: 'jobs', suffix: 'created_idx', columns: 'created_at DESC, id' },
  { table: 'jobs', suffix: 'status_idx', columns: 'status, created_at DESC' },
  { table: 'jobs', suffix: 'scheduled_for_idx', columns: 'scheduled_for, id' },
  { table: 'jobs', suffix: 'scheduled_for_desc_idx', columns: 'scheduled_for DESC NULLS LAST, id DESC' },
  { table: 'schedule_runs', suffix: 'occurrence_idx', columns: 'occurrence_at DESC, id DESC' },
  { table: 'schedule_runs', suffix: 'outcome_occurrence_idx', columns: 'outcome, occurrence_at DESC, id DESC' },
];

/**
 * Team workspaces: every row belongs to a workspace (`workspace_id`, the tenancy key every query
 * is scoped by: `team:<claim>` or `user:<sub>`). Existing rows go to their owner's personal
 * workspace, `'user:' || user_id`, which is exactly what a personal token of that owner resolves
 * to, so no data changes meaning. `user_id` stays: the member who created the row. The list
 * indexes led by `user_id` are replaced by the same ones led by `workspace_id`.
 */
export class TeamWorkspaces1764300000006 implements MigrationInterface {
  name = 'TeamWorkspaces1764300000006';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN workspace_id text`);
      await q.query(`UPDATE ${table} SET workspace_id = 'user:' || user_id`);
      await q.query(`ALTER TABLE ${table} ALTER COLUMN workspace_id SET NOT NULL`);
    }
    for (const { table, suffix, columns } of LIST_INDEXES) {
      await q.query(`DROP INDEX ${table}_user_${suffix}`);
      await q.query(`CREATE INDEX ${table}_workspace_${suffix} ON ${table} (workspace_id, ${columns})`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { table, suffix, columns } of [...LIST_INDEXES].reverse()) {
      await q.query(`DROP INDEX ${table}_workspace_${suffix}`);
      await q.query(`CREATE INDEX ${table}_user_${suffix} ON ${table} (user_id, ${columns})`);
    }
    // Team rows keep their creator in user_id: going back, they fall to that member's personal data.
    for (const table of [...TABLES].reverse()) await q.query(`ALTER TABLE ${table} DROP COLUMN workspace_id`);
  }
}
