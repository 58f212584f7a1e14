import { Client } from 'pg';
import { databaseUrl as urlFor, dropDatabase, scratchDatabaseName } from '@scheduler/testkit';
import { prepareDatabase } from '../src';

describe('database preparation', () => {
  const name = scratchDatabaseName('mig');
  afterAll(async () => {
    await dropDatabase(name);
  });

  it('when three instances boot at once on a missing database, then it is created and migrated exactly once', async () => {
    const results = await Promise.all([prepareDatabase(urlFor(name)), prepareDatabase(urlFor(name)), prepareDatabase(urlFor(name))]);
    // Exactly one instance applied the migration; the others found it done.
    expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
    const client = new Client({ connectionString: urlFor(name) });
    await client.connect();
    try {
      const tables = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['campaigns', 'job_templates', 'jobs', 'migrations', 'schedule_runs', 'scheduled_jobs']),
      );
      const migrations = await client.query('SELECT count(*)::int AS n FROM migrations');
      expect(migrations.rows[0].n).toBe(results.find((r) => r.length > 0)!.length);
      const unique = await client.query("SELECT 1 FROM pg_constraint WHERE conname = 'jobs_schedule_occurrence_unique' AND contype = 'u'");
      expect(unique.rowCount).toBe(1);
    } finally {
      await client.end();
    }
    expect(await prepareDatabase(urlFor(name))).toEqual([]);
  });
});
