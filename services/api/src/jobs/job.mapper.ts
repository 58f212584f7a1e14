import { JOB_STATUSES, type Job } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { Closed, Instant, JsonObject, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';
import { NAME_LENGTH } from '../http/validation';
import { HOSTNAME_LENGTH, LANGUAGE_LENGTH, LLM_MODEL_LENGTH } from '../templates/template.dto';
import type { JobUpdate } from './job.service';

/** The `varchar(32)` columns of a Job's provider and strategy. */
const SETTING_NAME_LENGTH = 32;

/** What a client sees of a Job (also returned by a template use). */
export const JobResponse = named(
  'Job',
  Closed({
    id: Uuid(),
    user_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH }),
    campaign_id: Nullable(Uuid('`null` for a Job without campaign, or once its campaign was deleted.')),
    template_id: Nullable(Uuid()),
    scheduled_job_id: Nullable(
      Uuid(
        'The schedule that materialized it; `null` for manual Jobs (template use). Kept after the schedule is deleted ' +
          '(it then names no schedule), so `GET /jobs?scheduled_job_id=` still finds its Jobs.',
      ),
    ),
    scheduled_job_name: Nullable(
      Type.String({
        minLength: 1,
        maxLength: NAME_LENGTH,
        description: "The schedule's name when it materialized the Job (kept after a rename or delete); `null` for manual Jobs.",
      }),
    ),
    scheduled_for: Nullable(Instant('The occurrence instant it materializes; `null` for manual Jobs.')),
    status: OneOf(JOB_STATUSES),
    config: JsonObject({ description: 'The merged job configuration: template fields, then overrides / `job_config` on top.' }),
    publisher_domain: Nullable(
      Type.String({ maxLength: HOSTNAME_LENGTH, description: 'Mirrors `config.publisher_domain` when it is a string.' }),
    ),
    llm_provider: Nullable(
      Type.String({ maxLength: SETTING_NAME_LENGTH, description: 'Mirrors `config.llm_provider` when it is a string.' }),
    ),
    llm_model: Nullable(Type.String({ maxLength: LLM_MODEL_LENGTH })),
    writing_strategy: Nullable(Type.String({ maxLength: SETTING_NAME_LENGTH })),
    country: Nullable(Type.String({ maxLength: 2 })),
    language: Nullable(Type.String({ maxLength: LANGUAGE_LENGTH })),
    cost_usd: Nullable(Type.Number({ minimum: 0 })),
    error_message: Nullable(Type.String()),
    created_at: Instant(),
    started_at: Nullable(Instant('Set by the server when the Job first becomes `running`.')),
    completed_at: Nullable(Instant('Set by the server when the Job reaches a final status.')),
    approval_deadline: Nullable(
      Instant(
        'An `awaiting_approval` Job not approved or rejected by then is cancelled (`status_reason` `approval timed out after N ' +
          'h`); `null` without a timeout or for a Job that was never gated.',
      ),
    ),
    decided_by: Nullable(
      Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: 'The member (`sub`) who approved or rejected it.' }),
    ),
    decided_at: Nullable(Instant('When it was approved or rejected.')),
    status_reason: Nullable(
      Type.String({ description: 'Why it is in its status, when the server knows: the rejection reason, an approval timeout.' }),
    ),
    updated_at: Instant('The last change (its `ETag` is made from it).'),
  }),
);
export type JobResponse = Static<typeof JobResponse>;

export function jobResponse(j: Job): JobResponse {
  return {
    id: j.id,
    user_id: j.userId,
    campaign_id: j.campaignId,
    template_id: j.templateId,
    scheduled_job_id: j.scheduledJobId,
    scheduled_job_name: j.scheduledJobName,
    scheduled_for: iso(j.scheduledFor),
    status: j.status,
    config: j.config,
    publisher_domain: j.publisherDomain,
    llm_provider: j.llmProvider,
    llm_model: j.llmModel,
    writing_strategy: j.writingStrategy,
    country: j.country,
    language: j.language,
    cost_usd: j.costUsd,
    error_message: j.errorMessage,
    created_at: iso(j.createdAt),
    started_at: iso(j.startedAt),
    completed_at: iso(j.completedAt),
    approval_deadline: iso(j.approvalDeadline),
    decided_by: j.decidedBy,
    decided_at: iso(j.decidedAt),
    status_reason: j.statusReason,
    updated_at: iso(j.updatedAt),
  };
}

/** The answer to a progress report (`PATCH /jobs/{id}`): the Job, and what a cancel did to the queue. */
export const JobUpdateResponse = named(
  'UpdatedJob',
  Closed({
    ...JobResponse.properties,
    dequeued: Type.Optional(
      Type.Boolean({
        description:
          'Present only when this report cancelled the Job: `true` if its entry was removed from the `content-jobs` ' +
          'queue (no pipeline had taken it), `false` if it was left (a pipeline holds it, it was not on the queue, or ' +
          'Redis failed).',
      }),
    ),
  }),
);
export type JobUpdateResponse = Static<typeof JobUpdateResponse>;

export function jobUpdateResponse(update: JobUpdate): JobUpdateResponse {
  const job = jobResponse(update.job);
  return update.dequeued === null ? job : { ...job, dequeued: update.dequeued };
}
