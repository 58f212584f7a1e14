/**
 * Drift check: the committed migrations must build the schema the entities describe. It is
 * TypeORM's `migration:generate --check` over a real database: migrate a fresh scratch database,
 * then ask the driver's schema builder what it would run to make that database match the
 * entities (`createSchemaBuilder().log()`, the SQL `migration:generate` would write).
 *
 * The entities describe tables and columns (type, length, nullability, default, primary key);
 * the indexes, foreign keys, CHECK and UNIQUE constraints are declared only in the migrations'
 * SQL (partial and DESC indexes, named constraints). So the schema builder, which drops what
 * the entities do not declare, also lists `DROP INDEX` / `DROP CONSTRAINT` for each of those:
 * they are the one kind of statement set aside here. That hides nothing an entity declares: an
 * index or constraint an entity declares differently from the database is dropped and created
 * again, and the create is drift. Any other statement is drift: add a migration for it (or fix
 * the entity).
 */
import type { DataSource } from 'typeorm';
import { databaseUrl, dropDatabase, scratchDatabaseName } from '@scheduler/testkit';
import { createDataSource, prepareDatabase } from '../src';

/** What the schema builder would drop because only the migrations declare it. */
const MIGRATION_ONLY_OBJECT = /^(DROP INDEX "public"\."\w+"|ALTER TABLE "\w+" DROP CONSTRAINT "\w+")$/;

/** The statements the entities still need on this database, less the drops of migration-only indexes and constraints. */
async function schemaDrift(ds: DataSource): Promise<string[]> {
  const sql = await ds.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query).filter((q) => !MIGRATION_ONLY_OBJECT.test(q));
}

describe('schema drift between the entities and the committed migrations', () => {
  const opened: { name: string; ds: DataSource }[] = [];

  /** A scratch database, created and migrated with the committed migrations, and a DataSource on it. */
  async function migratedScratchDatabase(): Promise<DataSource> {
    const name = scratchDatabaseName('drift');
    const applied = await prepareDatabase(databaseUrl(name));
    const ds = createDataSource(databaseUrl(name), { poolSize: 2 });
    opened.push({ name, ds });
    await ds.initialize();
    expect(applied).toEqual(ds.migrations.map((m) => m.name)); // a fresh database: every migration ran
    return ds;
  }

  afterAll(async () => {
    for (const { name, ds } of opened) {
      await ds.destroy().catch(() => undefined);
      await dropDatabase(name);
    }
  });

  it('when a fresh database is migrated, then the entities need no further change (migration:generate --check is clean)', async () => {
    const ds = await migratedScratchDatabase();
    expect(await schemaDrift(ds)).toEqual([]);
  });

  it('when the migrated schema disagrees with an entity (a column missing, a default, a jsonb default, a type, nullability), then the check names each', async () => {
    // The disagreements an entity change without its migration leaves, made on the database side.
    const ds = await migratedScratchDatabase();
    await ds.query('ALTER TABLE campaigns DROP COLUMN color');
    await ds.query('ALTER TABLE job_templates ALTER COLUMN max_retries SET DEFAULT 5');
    await ds.query(`ALTER TABLE jobs ALTER COLUMN config SET DEFAULT '{"x": 1}'`);
    await ds.query('ALTER TABLE jobs ALTER COLUMN llm_model TYPE varchar(64)');
    await ds.query('ALTER TABLE scheduled_jobs ALTER COLUMN last_error SET NOT NULL');
    const drift = await schemaDrift(ds);
    for (const expected of [
      /^ALTER TABLE "campaigns" ADD "color" character varying\(7\)$/,
      /^ALTER TABLE "job_templates" ALTER COLUMN "max_retries" SET DEFAULT '3'$/,
      /^ALTER TABLE "jobs" ALTER COLUMN "config" SET DEFAULT '\{\}'$/,
      /"jobs" .*"llm_model" .*character varying\(128\)/,
      /^ALTER TABLE "scheduled_jobs" ALTER COLUMN "last_error" DROP NOT NULL$/,
    ]) {
      expect(drift).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    }
  });
});
