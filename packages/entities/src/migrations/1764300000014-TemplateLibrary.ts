import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The template library (issue #12, part 3):
 *
 * - `job_templates.visibility`: `private` (default) or `public` (CHECK). A public template is
 *   readable and copyable by every workspace, changed only by its own.
 * - `job_templates.copy_count`: how often the template was copied from the library (kept by the
 *   server, `copy_count + 1` in the copy's transaction).
 * - `job_templates.copied_from`: the library template a copy was made from. No foreign key: a
 *   copy outlives its source (and a source's delete must not write rows of other workspaces),
 *   so it may name a template that is gone or private again.
 * - `job_templates_library_idx`: the library's order over public templates only
 *   (`copy_count DESC, created_at, id`).
 * - Search: `q` is a case-insensitive substring of the name and description. `pg_trgm` (a
 *   trusted extension shipped with PostgreSQL) gives the GIN trigram index that serves that
 *   `ILIKE '%…%'`; tags get a GIN index for `tag = ANY(tags)`; both partial on public templates.
 */
export class TemplateLibrary1764300000014 implements MigrationInterface {
  name = 'TemplateLibrary1764300000014';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(
      `ALTER TABLE job_templates ADD COLUMN visibility varchar(8) NOT NULL DEFAULT 'private' ` +
        `CONSTRAINT job_templates_visibility_check CHECK (visibility IN ('private', 'public'))`,
    );
    await q.query(`ALTER TABLE job_templates ADD COLUMN copy_count integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE job_templates ADD COLUMN copied_from uuid`);
    await q.query(`CREATE INDEX job_templates_library_idx ON job_templates (copy_count DESC, created_at, id) WHERE visibility = 'public'`);
    await q.query(
      `CREATE INDEX job_templates_library_text_idx ON job_templates ` +
        `USING gin ((name || ' ' || coalesce(description, '')) gin_trgm_ops) WHERE visibility = 'public'`,
    );
    await q.query(`CREATE INDEX job_templates_library_tags_idx ON job_templates USING gin (tags) WHERE visibility = 'public'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX job_templates_library_tags_idx`);
    await q.query(`DROP INDEX job_templates_library_text_idx`);
    await q.query(`DROP INDEX job_templates_library_idx`);
    await q.query(`ALTER TABLE job_templates DROP COLUMN copied_from`);
    await q.query(`ALTER TABLE job_templates DROP COLUMN copy_count`);
    await q.query(`ALTER TABLE job_templates DROP COLUMN visibility`);
  }
}
