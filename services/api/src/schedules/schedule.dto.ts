import { Allow, IsInt, IsObject, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { CodePoints, Nullable, Optional } from '../http/validation';

/**
 * Schedule fields other than `name`, shared by create and update. The rule fields
 * (`schedule_type`, `scheduled_at`, `recurrence_pattern`, `timezone`, `recurrence_end_date`,
 * `max_runs`) are only declared here (`@Allow`): their rules live in `@scheduler/recurrence`, the
 * one implementation of schedule maths, which reports every bad field for the 422.
 */
class ScheduleFieldsDto {
  @Nullable()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @Nullable()
  @IsUUID('all')
  campaign_id?: string | null;

  @Nullable()
  @IsUUID('all')
  template_id?: string | null;

  @Allow()
  schedule_type?: unknown;

  @Allow()
  scheduled_at?: unknown;

  @Allow()
  recurrence_pattern?: unknown;

  @Allow()
  recurrence_end_date?: unknown;

  @Allow()
  timezone?: unknown;

  @Allow()
  max_runs?: unknown;

  @Optional()
  @IsObject()
  job_config?: Record<string, unknown>;

  @Optional()
  @IsInt()
  @Min(0)
  @Max(604_800)
  misfire_grace_seconds?: number;
}

export class CreateScheduleDto extends ScheduleFieldsDto {
  @IsString()
  @CodePoints(1, 255)
  name: string;
}

export class UpdateScheduleDto extends ScheduleFieldsDto {
  @Optional()
  @IsString()
  @CodePoints(1, 255)
  name?: string;
}

/** Fields of a schedule that decide when it fires. */
export const RULE_FIELDS = [
  'schedule_type',
  'scheduled_at',
  'recurrence_pattern',
  'recurrence_end_date',
  'timezone',
  'max_runs',
] as const;
