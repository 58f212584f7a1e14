import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk import of schedules (issue #12, part 1): `imports` holds one committed import per row
 * (who, when, a SHA-256 of the uploaded body, the schedules it created and the report it
 * answered). An `Idempotency-Key` of an import points at it (`resource_id`), so a retried
 * upload answers with the same report and creates nothing.
 */
export class Imports1764300000013 implements MigrationInterface {
  name = 'Imports1764300000013';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imports (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        workspace_id text NOT NULL,
        created_by text NOT NULL,
        body_sha256 varchar(64) NOT NULL,
        total integer NOT NULL,
        schedule_ids uuid[] NOT NULL,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT imports_pkey PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX imports_workspace_idx ON imports (workspace_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE imports`);
  }
}
