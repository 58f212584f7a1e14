/**
 * The database side of tests: a DataSource on the test database, factories that insert rows
 * directly (as the API would have stored them), snapshots of everything a user owns, and
 * scratch databases made and dropped by one test.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Campaign, createDataSource, Job, JobTemplate, ScheduledJob } from '@scheduler/entities';
import { databaseUrl, TEST_DATABASE_URL } from './env';

export async function openDataSource(options: { poolSize?: number; url?: string } = {}): Promise<DataSource> {
  const ds = createDataSource(options.url ?? TEST_DATABASE_URL, { poolSize: options.poolSize ?? 6 });
  await ds.initialize();
  return ds;
}

/** A row's fields: the owner, and anything else to set (the workspace defaults to the owner's personal one). */
type Fields<T> = Partial<T> & { userId: string };

/** The fields with `workspaceId` defaulted to the owner's personal workspace (`user:<userId>`), as a personal token stores it. */
function owned<T extends { workspaceId?: string }>(fields: T & { userId: string }): T & { workspaceId: string } {
  return { ...fields, workspaceId: fields.workspaceId ?? `user:${fields.userId}` };
}

/** Inserts a schedule row directly: daily at 09:00 UTC from 2030-01-01, active, with a publisher. */
export async function insertSchedule(ds: DataSource, fields: Fields<ScheduledJob>): Promise<ScheduledJob> {
  const repo = ds.getRepository(ScheduledJob);
  return repo.save(
    repo.create({
      name: 'test schedule',
      scheduleType: 'daily',
      scheduledAt: new Date('2030-01-01T09:00:00Z'),
      timezone: 'UTC',
      jobConfig: { publisher_domain: 'forbes.com' },
      status: 'active',
      nextRunAt: new Date('2030-01-01T09:00:00Z'),
      ...owned(fields),
    }),
  );
}

export async function insertCampaign(ds: DataSource, fields: Fields<Campaign>): Promise<Campaign> {
  const repo = ds.getRepository(Campaign);
  return repo.save(repo.create({ name: 'campaign', status: 'active', tags: [], ...owned(fields) }));
}

export async function insertTemplate(ds: DataSource, fields: Fields<JobTemplate>): Promise<JobTemplate> {
  const repo = ds.getRepository(JobTemplate);
  return repo.save(repo.create({ name: 'template', metadata: {}, tags: [], ...owned(fields) }));
}

/** Inserts a Job directly: pending, empty config, not yet handed to the content queue. */
export async function insertJob(ds: DataSource, fields: Fields<Job>): Promise<Job> {
  const repo = ds.getRepository(Job);
  return repo.save(repo.create({ status: 'pending', config: {}, ...owned(fields) }));
}

/** The tables whose rows belong to a user (each has `user_id`, or another column in `OWNER_COLUMN`). */
export const USER_TABLES = [
  'campaigns',
  'job_templates',
  'scheduled_jobs',
  'jobs',
  'schedule_runs',
  'blackouts',
  'calendar_feeds',
  'webhooks',
  'audit_log',
] as const;
export type UserTable = (typeof USER_TABLES)[number];

/** Who a row belongs to where it is not `user_id`: an audit entry is its actor's. */
const OWNER_COLUMN: Partial<Record<UserTable, string>> = { audit_log: 'actor' };

/** Every row of a user, as JSON text by table and id: equal snapshots mean byte-for-byte unchanged rows. */
export type UserRows = Record<UserTable, Map<string, string>>;

export function emptyUserRows(): UserRows {
  return Object.fromEntries(USER_TABLES.map((t) => [t, new Map<string, string>()])) as UserRows;
}

export async function userRows(ds: DataSource, userId: string): Promise<UserRows> {
  const sql = USER_TABLES.map(
    (table) =>
      `SELECT '${table}' AS tbl, t.id::text AS id, row_to_json(t)::text AS row FROM ${table} t WHERE t.${OWNER_COLUMN[table] ?? 'user_id'} = $1`,
  ).join(' UNION ALL ');
  const rows = await ds.query<{ tbl: UserTable; id: string; row: string }[]>(sql, [userId]);
  const out = emptyUserRows();
  for (const r of rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) out[r.tbl].set(r.id, r.row);
  return out;
}

/** All the rows of a snapshot, in one list (empty when the user owns nothing). */
export function allRows(rows: UserRows): string[] {
  return USER_TABLES.flatMap((t) => [...rows[t].values()]);
}

/** Runs `fn` with a client on the server's `postgres` database (to create and drop databases). */
export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh name for a scratch database: `scheduler_<kind>_<8 hex digits>`. */
export function scratchDatabaseName(kind: string): string {
  if (!/^[a-z]+$/.test(kind)) throw new Error(`a scratch database kind is lower-case letters, not "${kind}"`);
  return `scheduler_${kind}_${randomUUID().slice(0, 8)}`;
}

/** Drops a scratch database, cutting any session still on it; only names of `scratchDatabaseName`. */
export async function dropDatabase(name: string): Promise<void> {
  if (!/^scheduler_[a-z]+_[0-9a-f]{8}$/.test(name)) throw new Error(`refusing to drop unexpected database "${name}"`);
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
