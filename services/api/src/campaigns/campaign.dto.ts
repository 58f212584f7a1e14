import {
  IsIn,
  IsInt,
  IsISO8601,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CAMPAIGN_STATUSES, CampaignStatus } from '@scheduler/entities';
import { CodePoints, DecimalPlaces, Nullable, Optional, Tags } from '../http/validation';

export const HEX_COLOR = /^#[0-9A-Fa-f]{6}$/;

/** Campaign fields other than `name`, shared by create and update. */
class CampaignFieldsDto {
  @Nullable()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @Optional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: CampaignStatus;

  @Nullable()
  @IsString()
  @Matches(HEX_COLOR, { message: 'color must be a hex colour like #1E88E5' })
  color?: string | null;

  @Tags()
  tags?: string[];

  @Nullable()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  target_job_count?: number | null;

  @Nullable()
  @DecimalPlaces(2)
  @Min(0)
  @Max(999_999_999_999.99)
  target_budget_usd?: number | null;

  @Nullable()
  @IsISO8601({ strict: true, strictSeparator: true })
  start_date?: string | null;

  @Nullable()
  @IsISO8601({ strict: true, strictSeparator: true })
  end_date?: string | null;
}

export class CreateCampaignDto extends CampaignFieldsDto {
  @IsString()
  @CodePoints(1, 255)
  name: string;
}

export class UpdateCampaignDto extends CampaignFieldsDto {
  @Optional()
  @IsString()
  @CodePoints(1, 255)
  name?: string;
}
