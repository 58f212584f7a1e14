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
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { LLM_PROVIDERS, LlmProvider, WRITING_STRATEGIES, WritingStrategy } from '@scheduler/entities';
import { CodePoints, Nullable, Optional, Tags, UUID } from '../http/validation';

export const COUNTRY_CODE = /^[A-Za-z]{2}$/;
/** BCP 47 separates subtags with hyphens only (IsLocale alone also lets `en_US` through). */
export const HYPHENATED_TAG = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;

/**
 * The generation settings a template holds and a template use may override. Settings whose
 * column is nullable accept `null` (clears it); the ones with a default reject `null`.
 */
export class TemplateJobFieldsDto {
  @Nullable()
  @IsString()
  @MaxLength(253)
  @IsFQDN({}, { message: 'publisher_domain must be a hostname such as forbes.com' })
  publisher_domain?: string | null;

  @Nullable()
  @IsIn(LLM_PROVIDERS)
  llm_provider?: LlmProvider | null;

  @Nullable()
  @IsString()
  @CodePoints(1, 128)
  llm_model?: string | null;

  @Nullable()
  @IsIn(WRITING_STRATEGIES)
  writing_strategy?: WritingStrategy | null;

  @Nullable()
  @IsString()
  @Matches(COUNTRY_CODE, { message: 'country must be a 2-letter country code such as US' })
  country?: string | null;

  @Nullable()
  @IsString()
  @MaxLength(35)
  @Matches(HYPHENATED_TAG, { message: 'language must be a BCP 47 language tag such as en or en-GB' })
  @IsLocale({ message: 'language must be a BCP 47 language tag such as en or en-GB' })
  language?: string | null;

  @Optional()
  @IsInt()
  @Min(0)
  @Max(10)
  max_retries?: number;

  @Optional()
  @IsInt()
  @Min(1)
  @Max(100)
  batch_size?: number;

  @Optional()
  @IsObject({ message: 'metadata must be a JSON object' })
  metadata?: Record<string, unknown>;
}

/** Template fields other than `name`, shared by create and update. */
class TemplateFieldsDto extends TemplateJobFieldsDto {
  @Nullable()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @Nullable()
  @Matches(UUID, { message: 'campaign_id must be a UUID' })
  campaign_id?: string | null;

  @Tags()
  tags?: string[];

  @Optional()
  @IsBoolean()
  is_favorite?: boolean;
}

export class CreateTemplateDto extends TemplateFieldsDto {
  @IsString()
  @CodePoints(1, 255)
  name: string;
}

export class UpdateTemplateDto extends TemplateFieldsDto {
  @Optional()
  @IsString()
  @CodePoints(1, 255)
  name?: string;
}

/**
 * Body of `POST /templates/{id}/use`: overrides of the template's job fields (validated as on
 * the template; `null` clears a nullable setting for this Job) plus the job inputs below.
 * Everything sent lands in the Job's `config`, on top of the template's fields.
 */
export class UseTemplateDto extends TemplateJobFieldsDto {
  @Optional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true },
    { message: 'target_url must be an http(s) URL' },
  )
  target_url?: string;

  @Optional()
  @IsString()
  @Length(1, 500)
  anchor_text?: string;

  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  keywords?: string[];

  @Optional()
  @IsString()
  @MaxLength(10_000)
  notes?: string;
}
