import type { Job } from '@scheduler/entities';
import { iso } from '../http/format';

/** What a client sees of a Job (also embedded by the schedules feature). */
export function jobResponse(j: Job) {
  return {
    id: j.id,
    user_id: j.userId,
    campaign_id: j.campaignId,
    template_id: j.templateId,
    scheduled_job_id: j.scheduledJobId,
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
  };
}
