import { IsBoolean, IsIn, IsInt, IsISO8601, IsString, Matches, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { CAMPAIGN_STATUSES, CampaignStatus, MAX_APPROVAL_TIMEOUT_HOURS } from '@scheduler/entities';
import type { FieldError } from '../http/errors';
import { parseInstant } from '../http/format';
import { BodyCheck, CodePoints, DecimalPlaces, Name, Nullable, Optional, Tags, TEXT_LENGTH } from '../http/validation';

export const HEX_COLOR = /^#[0-9A-Fa-f]{6}$/;
/** A new campaign's status when the body names none. */
export const DEFAULT_CAMPAIGN_STATUS: CampaignStatus = 'active';
export const MAX_TARGET_JOB_COUNT = 1_000_000_000;
/** The largest budget `numeric(14,2)` holds. */
export const MAX_TARGET_BUDGET_USD = 999_999_999_999.99;

const campaignDate = (what: string) =>
  JSONSchema({
    description: `${what}: ISO 8601 date or date-time. Without an offset it is read as UTC; a bare date is midnight UTC. \`null\` clears it.`,
    examples: ['2026-01-01T00:00:00Z', '2026-03-31'],
  });

/** `end_date` after `start_date`: checked on a body's own dates here, on the stored ones by the service. */
export function dateOrderErrors(start: Date | null | undefined, end: Date | null | undefined): FieldError[] {
  return start && end && end <= start ? [{ field: 'end_date', message: 'end_date must be after start_date' }] : [];
}

/** A body that sends both dates has them checked in the same 422 as its other fields. */
const checkDateOrder = BodyCheck((body, failed) => {
  const { start_date: start, end_date: end } = body;
  if (typeof start !== 'string' || typeof end !== 'string' || failed.has('start_date') || failed.has('end_date')) return [];
  const errors: FieldError[] = [];
  const order = dateOrderErrors(parseInstant(start, 'start_date', errors), parseInstant(end, 'end_date', errors));
  return [...errors, ...order];
});

/** Campaign fields other than `name`, shared by create and update. */
@checkDateOrder
class CampaignFieldsDto {
  @Nullable()
  @IsString()
  @CodePoints(0, TEXT_LENGTH)
  description?: string | null;

  @Optional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: CampaignStatus;

  @Nullable()
  @IsString()
  @Matches(HEX_COLOR, { message: 'color must be a hex colour like #1E88E5' })
  @JSONSchema({ description: 'Hex colour `#RRGGBB` (stored upper-case).', examples: ['#1E88E5'] })
  color?: string | null;

  @Tags()
  tags?: string[];

  @Nullable()
  @IsInt()
  @Min(1)
  @Max(MAX_TARGET_JOB_COUNT)
  target_job_count?: number | null;

  @Nullable()
  @DecimalPlaces(2)
  @Min(0)
  @Max(MAX_TARGET_BUDGET_USD)
  @JSONSchema({ description: 'US dollars.' })
  target_budget_usd?: number | null;

  @Nullable()
  @IsISO8601({ strict: true, strictSeparator: true })
  @campaignDate('Start of the campaign')
  start_date?: string | null;

  @Nullable()
  @IsISO8601({ strict: true, strictSeparator: true })
  @campaignDate('End of the campaign, after `start_date`')
  end_date?: string | null;

  @Optional()
  @IsBoolean()
  @JSONSchema({
    description:
      'Every Job of the campaign (its schedules and template uses) waits as `awaiting_approval` until an approver approves ' +
      '(`POST /jobs/{id}/approve`) or rejects it. Jobs already made keep their status when this changes.',
  })
  requires_approval?: boolean;

  @Nullable()
  @IsInt()
  @Min(1)
  @Max(MAX_APPROVAL_TIMEOUT_HOURS)
  @JSONSchema({
    description:
      'Hours a gated Job waits for a decision before it is cancelled (`status_reason` `approval timed out after N h`); a ' +
      "schedule's own `approval_timeout_hours` wins. `null`: no timeout.",
  })
  approval_timeout_hours?: number | null;
}

@JSONSchema({
  description: 'A new campaign. `end_date` must be after `start_date`.',
  properties: { status: { default: DEFAULT_CAMPAIGN_STATUS }, requires_approval: { default: false } },
})
export class CreateCampaignDto extends CampaignFieldsDto {
  @Name()
  name: string;
}

@JSONSchema({ description: 'Partial update: only the fields sent change; `null` clears a nullable field.' })
export class UpdateCampaignDto extends CampaignFieldsDto {
  @Optional()
  @Name()
  name?: string;
}

/** The longest `reason` a pause takes (code points); it is repeated on every run the pause skips. */
export const MAX_PAUSED_REASON_LENGTH = 500;

@JSONSchema({
  description:
    'A pause. Pausing a paused campaign replaces its `reason` and `resume_at` with the ones sent (a field left out ' +
    'becomes null). The body may be left out.',
})
export class PauseCampaignDto {
  @Nullable()
  @IsString()
  @CodePoints(1, MAX_PAUSED_REASON_LENGTH)
  @JSONSchema({
    description:
      'Why it is paused: the runs the pause skips are recorded with reason `campaign paused: <reason>` (without one: ' +
      '`campaign paused`).',
    examples: ['waiting for the new brand guidelines'],
  })
  reason?: string | null;

  @Nullable()
  @IsISO8601({ strict: true, strictSeparator: true })
  @JSONSchema({
    description:
      'When the campaign becomes active again by itself: ISO 8601 (without an offset it is read as UTC), in the future ' +
      "and before the campaign's `end_date`. Null or left out: only `POST /campaigns/{id}/resume` (or `PUT` with " +
      '`status: active`) resumes it.',
    examples: ['2026-01-05T09:00:00Z'],
  })
  resume_at?: string | null;
}
