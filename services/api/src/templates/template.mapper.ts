import { LLM_PROVIDERS, TEMPLATE_VISIBILITIES, WRITING_STRATEGIES, type JobTemplate } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Instant, JsonObject, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';
import { BATCH_SIZE, HOSTNAME_LENGTH, LANGUAGE_LENGTH, LLM_MODEL_LENGTH, MAX_RETRIES } from './template.dto';

/**
 * A template's own generation settings as responses show them (its own templates' and the
 * library's): what a use merges and what a copy gets.
 */
export const TEMPLATE_SETTINGS = {
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
};

export function templateSettingsOf(t: JobTemplate) {
  return {
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
  };
}

/** What a client sees of a template. */
export const TemplateResponse = named(
  'Template',
  Closed({
    id: Uuid(),
    user_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH }),
    campaign_id: Nullable(Uuid()),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
    description: Nullable(Type.String()),
    ...TEMPLATE_SETTINGS,
    use_count: Type.Integer({ minimum: 0, description: 'Times the template was used (kept by the server).' }),
    is_favorite: Type.Boolean(),
    visibility: OneOf(TEMPLATE_VISIBILITIES),
    copy_count: Type.Integer({ minimum: 0, description: 'Times the template was copied from the library (kept by the server).' }),
    copied_from: Nullable(Uuid('The library template this one was copied from (it may since be gone or private); `null` if none.')),
    created_at: Instant(),
    updated_at: Instant(),
    last_used_at: Nullable(Instant('Last use; `null` if never used.')),
  }),
);
export type TemplateResponse = Static<typeof TemplateResponse>;

export function templateResponse(t: JobTemplate): TemplateResponse {
  return {
    id: t.id,
    user_id: t.userId,
    campaign_id: t.campaignId,
    name: t.name,
    description: t.description,
    ...templateSettingsOf(t),
    use_count: t.useCount,
    is_favorite: t.isFavorite,
    visibility: t.visibility,
    copy_count: t.copyCount,
    copied_from: t.copiedFrom,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
    last_used_at: iso(t.lastUsedAt),
  };
}
