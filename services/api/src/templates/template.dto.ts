import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsFQDN,
  IsIn,
  IsInt,
  IsLocale,
  IsObject,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_RETRIES,
  LLM_PROVIDERS,
  LlmProvider,
  TEMPLATE_VISIBILITIES,
  TemplateVisibility,
  WRITING_STRATEGIES,
  WritingStrategy,
} from '@scheduler/entities';
import { CodePoints, IsCountryCode, IsLanguageTag, Name, Nullable, Optional, Tags, TEXT_LENGTH, UUID } from '../http/validation';

export const COUNTRY_CODE = /^[A-Za-z]{2}$/;
/** BCP 47 separates subtags with hyphens only (IsLocale alone also lets `en_US` through). */
export const HYPHENATED_TAG = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
/** Longest host name (RFC 1035). */
export const HOSTNAME_LENGTH = 253;
export const LLM_MODEL_LENGTH = 128;
/** Longest BCP 47 tag stored (`varchar(35)`). */
export const LANGUAGE_LENGTH = 35;
export const MAX_RETRIES = { min: 0, max: 10 };
export const BATCH_SIZE = { min: 1, max: 100 };
export const URL_LENGTH = 2048;
export const ANCHOR_TEXT_LENGTH = 500;
export const MAX_KEYWORDS = 50;
export const KEYWORD_LENGTH = 200;

/**
 * The generation settings a template holds and a template use may override. Settings whose
 * column is nullable accept `null` (clears it); the ones with a default reject `null`.
 */
export class TemplateJobFieldsDto {
  @Nullable()
  @IsString()
  @CodePoints(0, HOSTNAME_LENGTH)
  @IsFQDN({}, { message: 'publisher_domain must be a hostname such as forbes.com' })
  @JSONSchema({ description: 'A fully qualified host name with a top-level domain, such as `forbes.com`.', examples: ['forbes.com'] })
  publisher_domain?: string | null;

  @Nullable()
  @IsIn(LLM_PROVIDERS)
  llm_provider?: LlmProvider | null;

  @Nullable()
  @IsString()
  @CodePoints(1, LLM_MODEL_LENGTH)
  @JSONSchema({ examples: ['claude-sonnet-4'] })
  llm_model?: string | null;

  @Nullable()
  @IsIn(WRITING_STRATEGIES)
  writing_strategy?: WritingStrategy | null;

  @Nullable()
  @IsString()
  @Matches(COUNTRY_CODE, { message: 'country must be a 2-letter country code such as US' })
  @IsCountryCode()
  @JSONSchema({
    description: 'Two-letter code of a country or territory (ISO 3166-1 as the runtime knows it; any case), stored as sent.',
    examples: ['US'],
  })
  country?: string | null;

  @Nullable()
  @IsString()
  @CodePoints(0, LANGUAGE_LENGTH)
  @Matches(HYPHENATED_TAG, { message: 'language must be a BCP 47 language tag such as en or en-GB' })
  @IsLocale({ message: 'language must be a BCP 47 language tag such as en or en-GB' })
  @IsLanguageTag()
  @JSONSchema({
    description: 'BCP 47 language tag with hyphens (`en`, `en-GB`) of a known language (and script and region, when given).',
    examples: ['en', 'en-GB'],
  })
  language?: string | null;

  @Optional()
  @IsInt()
  @Min(MAX_RETRIES.min)
  @Max(MAX_RETRIES.max)
  max_retries?: number;

  @Optional()
  @IsInt()
  @Min(BATCH_SIZE.min)
  @Max(BATCH_SIZE.max)
  batch_size?: number;

  @Optional()
  @IsObject({ message: 'metadata must be a JSON object' })
  @JSONSchema({ description: 'Free-form JSON object.' })
  metadata?: Record<string, unknown>;
}

/** Template fields other than `name`, shared by create and update. */
class TemplateFieldsDto extends TemplateJobFieldsDto {
  @Nullable()
  @IsString()
  @CodePoints(0, TEXT_LENGTH)
  description?: string | null;

  @Nullable()
  @Matches(UUID, { message: 'campaign_id must be a UUID' })
  @JSONSchema({ description: "A campaign of the caller (another user's or a missing one is a 404). `null` detaches." })
  campaign_id?: string | null;

  @Tags()
  tags?: string[];

  @Optional()
  @IsBoolean()
  is_favorite?: boolean;

  @Optional()
  @IsIn(TEMPLATE_VISIBILITIES)
  @JSONSchema({
    description:
      '`public` lists the template in the library (`GET /library/templates`): every workspace can read and copy it, ' +
      'only its own workspace changes or deletes it. `private` takes it out again.',
  })
  visibility?: TemplateVisibility;
}

@JSONSchema({
  properties: {
    max_retries: { default: DEFAULT_MAX_RETRIES },
    batch_size: { default: DEFAULT_BATCH_SIZE },
    is_favorite: { default: false },
    visibility: { default: 'private' },
  },
})
export class CreateTemplateDto extends TemplateFieldsDto {
  @Name()
  name: string;
}

@JSONSchema({ description: 'Partial update: only the fields sent change; `null` clears a nullable field.' })
export class UpdateTemplateDto extends TemplateFieldsDto {
  @Optional()
  @Name()
  name?: string;
}

/**
 * Body of `POST /templates/{id}/use`: overrides of the template's job fields (validated as on
 * the template; `null` clears a nullable setting for this Job) plus the job inputs below.
 * Everything sent lands in the Job's `config`, on top of the template's fields.
 */
@JSONSchema({
  description:
    "Overrides for this one Job (all optional; the body may be left out). Every field sent lands in the Job's " +
    "`config` on top of the template's fields; `null` clears a nullable setting for this Job.",
})
export class UseTemplateDto extends TemplateJobFieldsDto {
  @Optional()
  @IsString()
  @CodePoints(0, URL_LENGTH)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'target_url must be an http(s) URL' })
  @JSONSchema({ description: 'An http(s) URL.' })
  target_url?: string;

  @Optional()
  @IsString()
  @CodePoints(1, ANCHOR_TEXT_LENGTH)
  anchor_text?: string;

  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_KEYWORDS)
  @IsString({ each: true })
  @CodePoints(1, KEYWORD_LENGTH, { each: true })
  keywords?: string[];

  @Optional()
  @IsString()
  @CodePoints(0, TEXT_LENGTH)
  notes?: string;
}
