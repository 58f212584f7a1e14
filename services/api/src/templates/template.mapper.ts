import type { JobTemplate } from '@scheduler/entities';
import { iso } from '../http/format';

export function templateResponse(t: JobTemplate) {
  return {
    id: t.id,
    user_id: t.userId,
    campaign_id: t.campaignId,
    name: t.name,
    description: t.description,
    publisher_domain: t.publisherDomain,
    llm_provider: t.llmProvider,
    llm_model: t.llmModel,
    writing_strategy: t.writingStrategy,
    country: t.country,
    language: t.language,
    max_retries: t.maxRetries,
    batch_size: t.batchSize,
    metadata: t.metadata,
    tags: t.tags,
    use_count: t.useCount,
    is_favorite: t.isFavorite,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
    last_used_at: iso(t.lastUsedAt),
  };
}
