import type { EntityManager } from 'typeorm';
import { JobSettingField, JobTemplate } from './job-template.entity';
import { Job } from './job.entity';
import type { ApprovalGate } from './approval';
import type { ScheduledJob } from './scheduled-job.entity';

/** A template's generation settings and defaults, as the flat snake_case object a Job's config holds. */
export function templateConfig(template: JobTemplate): Record<string, unknown> {
  const config: Record<string, unknown> = {
    publisher_domain: template.publisherDomain,
    llm_provider: template.llmProvider,
    llm_model: template.llmModel,
    writing_strategy: template.writingStrategy,
    country: template.country,
    language: template.language,
    max_retries: template.maxRetries,
    batch_size: template.batchSize,
    metadata: template.metadata,
  };
  for (const key of Object.keys(config)) if (config[key] === null) delete config[key];
  return config;
}

/**
 * The one rule for a Job's config, used by template use (API) and by the worker: the
 * template's fields (if any), then the overrides (`job_config` or the use body) on top.
 */
export function mergeJobConfig(template: JobTemplate | null, overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...(template ? templateConfig(template) : {}), ...overrides };
}

/** Why a merged config cannot make a Job the content pipeline can run: the field and the reason. */
export interface JobConfigProblem {
  field: 'publisher_domain';
  message: string;
}

/**
 * The one check that a merged config (`mergeJobConfig`) can make a runnable Job: it needs a
 * non-empty `publisher_domain`. The worker fails a run that does not pass it (a schedule error);
 * a template use refuses it (422). Null when the config passes.
 */
export function jobConfigProblem(config: Record<string, unknown>): JobConfigProblem | null {
  const domain = config.publisher_domain;
  if (typeof domain === 'string' && domain.length > 0) return null;
  return { field: 'publisher_domain', message: 'the merged job config has no publisher_domain' };
}

/** The Job columns that mirror config fields (null where the config lacks a string). */
export function jobSettingsOf(
  config: Record<string, unknown>,
): Pick<Job, 'publisherDomain' | 'llmProvider' | 'llmModel' | 'writingStrategy' | 'country' | 'language'> {
  const pick = (field: JobSettingField): string | null => {
    const value = config[field];
    return typeof value === 'string' ? value : null;
  };
  return {
    publisherDomain: pick('publisher_domain'),
    llmProvider: pick('llm_provider'),
    llmModel: pick('llm_model'),
    writingStrategy: pick('writing_strategy'),
    country: pick('country'),
    language: pick('language'),
  };
}

/** Who and what a Job the API makes (a template use, a run now) belongs to. */
export type NewJobOwner = Pick<
  Job,
  'userId' | 'workspaceId' | 'campaignId' | 'templateId' | 'scheduledJobId' | 'scheduledJobName' | 'config'
>;

/**
 * The columns of a Job the API makes now (a template use, a run now): not yet started, and
 * `awaiting_approval` with its deadline (`now` + the gate's timeout) when the gate holds it,
 * else `pending`. The worker writes the same values in SQL (`materialize.sql.ts`).
 */
export function newJobValues(owner: NewJobOwner, gate: ApprovalGate, now: Date): Omit<Job, 'id' | 'createdAt' | 'updatedAt' | 'queuedAt'> {
  return {
    ...owner,
    scheduledFor: null,
    status: gate.gated ? 'awaiting_approval' : 'pending',
    approvalDeadline: gate.timeoutHours === null ? null : new Date(now.getTime() + gate.timeoutHours * 3_600_000),
    decidedBy: null,
    decidedAt: null,
    statusReason: null,
    ...jobSettingsOf(owner.config),
    costUsd: null,
    errorMessage: null,
    startedAt: null,
    completedAt: null,
  };
}

/** `markQueued` for `handOverJob`: records when a Job reached the content queue. */
export function jobQueuedMarker(db: { query: (sql: string, params: unknown[]) => Promise<unknown> }) {
  return (jobId: string) => db.query('UPDATE jobs SET queued_at = now() WHERE id = $1 AND queued_at IS NULL', [jobId]);
}

/** What a schedule's run makes: its merged config and template, or why it cannot make a Job. */
export type ScheduleJobConfig =
  | { config: Record<string, unknown>; templateId: string | null; problem: null }
  | { config: Record<string, unknown>; templateId: string | null; problem: JobConfigProblem };

/**
 * The config a schedule's Job gets, the one rule for the worker's occurrences and run now: its
 * template's fields (read through `manager`, so inside the caller's transaction) with `job_config`
 * on top (`mergeJobConfig`), checked by `jobConfigProblem`.
 */
export async function scheduleJobConfig(
  manager: EntityManager,
  schedule: Pick<ScheduledJob, 'templateId' | 'jobConfig'>,
): Promise<ScheduleJobConfig> {
  const template = schedule.templateId ? await manager.getRepository(JobTemplate).findOneBy({ id: schedule.templateId }) : null;
  return scheduleJobConfigWith(template, schedule);
}

/**
 * `scheduleJobConfig` with the template already read (null: none, or not found): the worker's
 * batches read the templates of all their schedules at once.
 */
export function scheduleJobConfigWith(template: JobTemplate | null, schedule: Pick<ScheduledJob, 'jobConfig'>): ScheduleJobConfig {
  const config = mergeJobConfig(template, schedule.jobConfig);
  const problem = jobConfigProblem(config);
  return problem ? { config, templateId: template?.id ?? null, problem } : { config, templateId: template?.id ?? null, problem: null };
}
