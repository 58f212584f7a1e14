import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (issue #13, part 5): one row per user change, written in the change's own
 * transaction. `at` to the millisecond (the list's keyset cursor is exact in JavaScript).
 *
 * - `audit_log_workspace_idx`: the workspace's list, newest first (`at DESC, id DESC`).
 * - `audit_log_entity_idx`: one object's history (`entity_type`, `entity_id`), newest first.
 */
export class AuditLog1764300000018 implements MigrationInterface {
  name = 'AuditLog1764300000018';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        workspace_id text NOT NULL,
        at timestamptz(3) NOT NULL,
        actor text NOT NULL,
        action varchar(32) NOT NULL,
        entity_type varchar(16) NOT NULL
          CONSTRAINT audit_log_entity_type_check
          CHECK (entity_type IN ('campaign', 'template', 'schedule', 'job', 'blackout', 'feed', 'webhook', 'settings')),
        entity_id text NOT NULL,
        changes jsonb NOT NULL,
        request_id text,
        CONSTRAINT audit_log_pkey PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_entity_idx ON audit_log (workspace_id, entity_type, entity_id, at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
  }
}
