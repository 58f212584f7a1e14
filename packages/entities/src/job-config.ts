import { JobSettingField, JobTemplate } from './job-template.entity';
import { Job } from './job.entity';

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

/** `markQueued` for `handOverJob`: records when a Job reached the content queue. */
export function jobQueuedMarker(db: { query: (sql: string, params: unknown[]) => Promise<unknown> }) {
  return (jobId: string) => db.query('UPDATE jobs SET queued_at = now() WHERE id = $1 AND queued_at IS NULL', [jobId]);
}
