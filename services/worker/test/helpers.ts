import { randomUUID } from 'node:crypto';
import { createDataSource, ScheduledJob, Campaign, JobTemplate } from '@scheduler/entities';
import type { DataSource } from 'typeorm';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scheduler_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function newUserId(): string {
  return `user-${randomUUID()}`;
}

export async function openDataSource(): Promise<DataSource> {
  const ds = createDataSource(TEST_DATABASE_URL, { poolSize: 6 });
  await ds.initialize();
  return ds;
}

/** Inserts a schedule row directly, as the API would have stored it. */
export async function insertSchedule(ds: DataSource, fields: Partial<ScheduledJob> & { userId: string }): Promise<ScheduledJob> {
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
      ...fields,
    }),
  );
}

export async function insertCampaign(ds: DataSource, fields: Partial<Campaign> & { userId: string }): Promise<Campaign> {
  const repo = ds.getRepository(Campaign);
  return repo.save(repo.create({ name: 'campaign', status: 'active', tags: [], ...fields }));
}

export async function insertTemplate(ds: DataSource, fields: Partial<JobTemplate> & { userId: string }): Promise<JobTemplate> {
  const repo = ds.getRepository(JobTemplate);
  return repo.save(repo.create({ name: 'template', metadata: {}, tags: [], ...fields }));
}
