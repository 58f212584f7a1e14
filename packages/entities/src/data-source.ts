import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Campaign } from './campaign.entity';
import { JobTemplate } from './job-template.entity';
import { Job } from './job.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { ScheduleRun } from './schedule-run.entity';
import { ScheduleSkip } from './schedule-skip.entity';
import { Blackout } from './blackout.entity';
import { CalendarFeed } from './calendar-feed.entity';
import { ScheduledJob } from './scheduled-job.entity';
import { ScheduleImport } from './schedule-import.entity';
import { OutboxEvent } from './outbox-event.entity';
import { Webhook, WebhookAttempt, WebhookDelivery } from './webhook.entity';
import { WorkspaceSettings } from './workspace-settings.entity';
import { EmailDelivery, NotificationSetting } from './notification.entity';
import { AuditLogEntry } from './audit-log.entity';
import { InitialSchema1764300000000 } from './migrations/1764300000000-InitialSchema';
import { JobQueuedAt1764300000001 } from './migrations/1764300000001-JobQueuedAt';
import { ScheduleRecurrenceRule1764300000002 } from './migrations/1764300000002-ScheduleRecurrenceRule';
import { ScheduleCatchupPolicy1764300000003 } from './migrations/1764300000003-ScheduleCatchupPolicy';
import { JobKeepsSchedule1764300000004 } from './migrations/1764300000004-JobKeepsSchedule';
import { ListFiltersAndSorts1764300000005 } from './migrations/1764300000005-ListFiltersAndSorts';
import { TeamWorkspaces1764300000006 } from './migrations/1764300000006-TeamWorkspaces';
import { ApprovalGate1764300000007 } from './migrations/1764300000007-ApprovalGate';
import { ScheduleSkips1764300000008 } from './migrations/1764300000008-ScheduleSkips';
import { Planning1764300000009 } from './migrations/1764300000009-Planning';
import { Imports1764300000013 } from './migrations/1764300000013-Imports';
import { TemplateLibrary1764300000014 } from './migrations/1764300000014-TemplateLibrary';
import { Outbox1764300000016 } from './migrations/1764300000016-Outbox';
import { WorkspaceSettings1764300000015 } from './migrations/1764300000015-WorkspaceSettings';
import { Notifications1764300000017 } from './migrations/1764300000017-Notifications';
import { AuditLog1764300000018 } from './migrations/1764300000018-AuditLog';
import { SchedulerSync1764300000019 } from './migrations/1764300000019-SchedulerSync';

export const ENTITIES = [
  Campaign,
  JobTemplate,
  ScheduledJob,
  Job,
  ScheduleRun,
  ScheduleSkip,
  IdempotencyKey,
  Blackout,
  CalendarFeed,
  ScheduleImport,
  OutboxEvent,
  Webhook,
  WebhookDelivery,
  WebhookAttempt,
  WorkspaceSettings,
  NotificationSetting,
  EmailDelivery,
  AuditLogEntry,
];
export const MIGRATIONS = [
  InitialSchema1764300000000,
  JobQueuedAt1764300000001,
  ScheduleRecurrenceRule1764300000002,
  ScheduleCatchupPolicy1764300000003,
  JobKeepsSchedule1764300000004,
  ListFiltersAndSorts1764300000005,
  TeamWorkspaces1764300000006,
  ApprovalGate1764300000007,
  ScheduleSkips1764300000008,
  Planning1764300000009,
  Imports1764300000013,
  TemplateLibrary1764300000014,
  WorkspaceSettings1764300000015,
  Outbox1764300000016,
  Notifications1764300000017,
  AuditLog1764300000018,
  SchedulerSync1764300000019,
];

/** Arbitrary constant: the advisory lock under which instances migrate one at a time. */
const MIGRATION_LOCK_KEY = 827_364_001;

export interface DataSourceOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  applicationName?: string;
  /** How long to wait for a new connection, in ms (default 5 000; the API's replica pools wait less). */
  connectTimeoutMs?: number;
}

export function createDataSource(databaseUrl: string, options: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'content-scheduler',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    },
  });
}

/** Creates the database named in the URL when it does not exist yet (safe to race). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return true;
    } catch (error) {
      // 42P04 duplicate_database, 23505 unique_violation: another instance won the race.
      const code = (error as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw error;
    }
  } finally {
    await client.end();
  }
}

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so that several
 * instances booting at once migrate one after another. Returns the names applied.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/** Creates the database if needed and migrates it; what `npm run migrate` and start-up do. */
export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const dataSource = createDataSource(databaseUrl, { poolSize: 2, applicationName: 'content-scheduler-migrate' });
  await dataSource.initialize();
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
