import { LLM_PROVIDERS, WRITING_STRATEGIES, type JobTemplate } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Instant, JsonObject, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';
import { BATCH_SIZE, HOSTNAME_LENGTH, LANGUAGE_LENGTH, LLM_MODEL_LENGTH, MAX_RETRIES } from '../templates/template.dto';

/**
 * What every workspace sees of a public template: who made it, how often it was copied, and the
 * template's own settings (what a copy gets). Never its workspace's private data: no
 * `campaign_id`, `is_favorite`, `use_count`, `last_used_at`, `copied_from` or workspace.
 */
export const LibraryTemplateResponse = named(
  'LibraryTemplate',
  Closed({
    id: Uuid(),
    author_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: "The creator's user id (`user_id`)." }),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
    description: Nullable(Type.String()),
    publisher_domain: Nullable(Type.String({ maxLength: HOSTNAME_LENGTH })),
    llm_provider: Nullable(OneOf(LLM_PROVIDERS)),
    llm_model: Nullable(Type.String({ maxLength: LLM_MODEL_LENGTH })),
    writing_strategy: Nullable(OneOf(WRITING_STRATEGIES)),
    country: Nullable(Type.String({ maxLength: 2 })),
    language: Nullable(Type.String({ maxLength: LANGUAGE_LENGTH })),
    max_retries: Type.Integer({ minimum: MAX_RETRIES.min, maximum: MAX_RETRIES.max }),
    batch_size: Type.Integer({ minimum: BATCH_SIZE.min, maximum: BATCH_SIZE.max }),
    metadata: JsonObject(),
    tags: Type.Array(Type.String()),
    copy_count: Type.Integer({ minimum: 0, description: 'Times the template was copied from the library.' }),
    created_at: Instant(),
    updated_at: Instant(),
  }),
);
export type LibraryTemplateResponse = Static<typeof LibraryTemplateResponse>;

export function libraryTemplateResponse(t: JobTemplate): LibraryTemplateResponse {
  return {
    id: t.id,
    author_id: t.userId,
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
    copy_count: t.copyCount,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
  };
}
