import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workspace_settings`: one row per workspace (created by its first `PUT /settings`; a workspace
 * without one has the defaults): the conflict check's window, the most runs a window takes, and
 * what it counts (one publisher's runs, or all).
 */
export class WorkspaceSettings1764300000015 implements MigrationInterface {
  name = 'WorkspaceSettings1764300000015';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspace_settings (
        workspace_id text NOT NULL,
        updated_by text NOT NULL,
        conflict_window_minutes integer NOT NULL
          CONSTRAINT workspace_settings_window_check CHECK (conflict_window_minutes BETWEEN 5 AND 1440),
        conflict_max_per_window integer NOT NULL
          CONSTRAINT workspace_settings_max_check CHECK (conflict_max_per_window BETWEEN 1 AND 1000),
        conflict_scope varchar(16) NOT NULL
          CONSTRAINT workspace_settings_scope_check CHECK (conflict_scope IN ('publisher_domain', 'all')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT workspace_settings_pkey PRIMARY KEY (workspace_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE workspace_settings`);
  }
}
