/**
 * Migration 1764300000006 (team workspaces): rows written before it, with the schema as it was,
 * land in their owner's personal workspace (`user:<user_id>`), the list indexes are led by
 * `workspace_id` instead of `user_id`, and `down()` gives back the schema it found.
 */
import { DataSource } from 'typeorm';
import { databaseUrl, dropDatabase, scratchDatabaseName } from '@scheduler/testkit';
import { ensureDatabase, MIGRATIONS } from '../src';

const TEAM_MIGRATION = 'TeamWorkspaces1764300000006';
const TABLES = ['campaigns', 'job_templates', 'scheduled_jobs', 'jobs', 'schedule_runs'];

/** A DataSource on the scratch database that knows only the given migrations (no entities: raw SQL only). */
function dataSourceWith(url: string, migrations: (typeof MIGRATIONS)[number][]): DataSource {
  return new DataSource({ type: 'postgres', url, migrations, synchronize: false, logging: false, extra: { max: 2 } });
}

/** The columns of each index on the table, as `pg_indexes` shows its definition. */
async function indexesOf(ds: DataSource, table: string): Promise<Record<string, string>> {
  const rows: { indexname: string; indexdef: string }[] = await ds.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY indexname`,
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef.replace(/^.* USING \w+ /, '')]));
}

async function schemaSnapshot(ds: DataSource) {
  const snapshot: Record<string, { columns: string[]; indexes: Record<string, string> }> = {};
  for (const table of TABLES) {
    const columns: { column_name: string; is_nullable: string }[] = await ds.query(
      `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`,
      [table],
    );
    snapshot[table] = { columns: columns.map((c) => `${c.column_name} ${c.is_nullable}`), indexes: await indexesOf(ds, table) };
  }
  return snapshot;
}

describe('migration: team workspaces', () => {
  const name = scratchDatabaseName('teams');
  const url = databaseUrl(name);
  const opened: DataSource[] = [];
  const open = async (migrations: (typeof MIGRATIONS)[number][]) => {
    const ds = dataSourceWith(url, migrations);
    await ds.initialize();
    opened.push(ds);
    return ds;
  };

  beforeAll(async () => {
    await ensureDatabase(url);
  });
  afterAll(async () => {
    for (const ds of opened) await ds.destroy().catch(() => undefined);
    await dropDatabase(name);
  });

  it("when rows were written before it, then each lands in its owner's personal workspace, the list indexes lead with workspace_id, and down() restores the schema", async () => {
    const index = MIGRATIONS.findIndex((m) => new m().name === TEAM_MIGRATION);
    expect(index).toBeGreaterThan(0);
    const before = await open(MIGRATIONS.slice(0, index));
    await before.runMigrations({ transaction: 'each' });
    const schemaBefore = await schemaSnapshot(before);
    expect(schemaBefore.campaigns.columns).not.toContain('workspace_id NO');

    // Rows of two owners (one with a sub that looks like a team claim), as the old schema took them.
    const owners = ['alice', 'team:acme'];
    const ids: Record<string, Record<string, string>> = {};
    for (const owner of owners) {
      const [campaign] = await before.query(`INSERT INTO campaigns (user_id, name) VALUES ($1, 'c') RETURNING id`, [owner]);
      const [template] = await before.query(`INSERT INTO job_templates (user_id, campaign_id, name) VALUES ($1, $2, 't') RETURNING id`, [
        owner,
        campaign.id,
      ]);
      const [schedule] = await before.query(
        `INSERT INTO scheduled_jobs (user_id, campaign_id, template_id, name, schedule_type, scheduled_at)
         VALUES ($1, $2, $3, 's', 'daily', now()) RETURNING id`,
        [owner, campaign.id, template.id],
      );
      const [job] = await before.query(
        `INSERT INTO jobs (user_id, campaign_id, scheduled_job_id, scheduled_for) VALUES ($1, $2, $3, now()) RETURNING id`,
        [owner, campaign.id, schedule.id],
      );
      const [run] = await before.query(
        `INSERT INTO schedule_runs (scheduled_job_id, user_id, occurrence_at, outcome, job_id) VALUES ($1, $2, now(), 'materialized', $3) RETURNING id`,
        [schedule.id, owner, job.id],
      );
      ids[owner] = { campaigns: campaign.id, job_templates: template.id, scheduled_jobs: schedule.id, jobs: job.id, schedule_runs: run.id };
    }

    const after = await open(MIGRATIONS.slice(0, index + 1));
    const applied = await after.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual([TEAM_MIGRATION]);
    for (const table of TABLES) {
      const rows: { id: string; user_id: string; workspace_id: string }[] = await after.query(
        `SELECT id, user_id, workspace_id FROM ${table} ORDER BY user_id`,
      );
      expect(rows).toEqual(
        owners
          .map((owner) => ({ id: ids[owner][table], user_id: owner, workspace_id: `user:${owner}` }))
          .sort((x, y) => (x.user_id < y.user_id ? -1 : 1)),
      );
    }

    const schemaAfter = await schemaSnapshot(after);
    for (const table of TABLES) {
      expect(schemaAfter[table].columns).toContain('workspace_id NO');
      const indexes = Object.entries(schemaAfter[table].indexes);
      // No list index is led by user_id any more; each one it had is there, led by workspace_id.
      expect(indexes.filter(([, columns]) => columns.startsWith('(user_id'))).toEqual([]);
      const userLed = Object.entries(schemaBefore[table].indexes).filter(([, columns]) => columns.startsWith('(user_id'));
      expect(userLed.length).toBeGreaterThan(0);
      for (const [indexName, columns] of userLed) {
        expect(schemaAfter[table].indexes[indexName.replace(`${table}_user_`, `${table}_workspace_`)]).toBe(
          columns.replace('(user_id', '(workspace_id'),
        );
      }
    }
    // A NOT NULL column without a default: a row without a workspace is refused.
    await expect(after.query(`INSERT INTO campaigns (user_id, name) VALUES ('bob', 'c')`)).rejects.toThrow(/workspace_id/);

    await after.undoLastMigration({ transaction: 'each' });
    expect(await schemaSnapshot(after)).toEqual(schemaBefore);
    const kept: { n: number }[] = await after.query(`SELECT count(*)::int AS n FROM campaigns`);
    expect(kept[0].n).toBe(owners.length);
  });
});
