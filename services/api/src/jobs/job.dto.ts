import { IsIn, IsString, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { JOB_STATUSES, JobStatus } from '@scheduler/entities';
import { CodePoints, DecimalPlaces, NotBlank, Nullable, Optional, TEXT_LENGTH } from '../http/validation';

/** The largest cost `numeric(14,4)` holds. */
export const MAX_COST_USD = 9_999_999_999;

/** What the content pipeline reports with `PATCH /jobs/{id}`. */
@JSONSchema({ minProperties: 1, description: 'A progress report from the content pipeline: at least one field.' })
export class UpdateJobDto {
  @Optional()
  @IsIn(JOB_STATUSES)
  @JSONSchema({
    description:
      'pending → running | cancelled; running → completed | failed | cancelled; awaiting_approval → cancelled (only ' +
      '`POST /jobs/{id}/approve` makes it pending). Other changes, and any change to a Job in a final status, are a 409.',
  })
  status?: JobStatus;

  @Optional()
  @DecimalPlaces(4)
  @Min(0)
  @Max(MAX_COST_USD)
  @JSONSchema({ description: 'US dollars.' })
  cost_usd?: number;

  @Nullable()
  @IsString()
  @CodePoints(0, TEXT_LENGTH)
  error_message?: string | null;
}

/** The longest reason of a rejection. */
export const MAX_REJECT_REASON_LENGTH = 1000;

/** `POST /jobs/{id}/reject`. */
@JSONSchema({ description: 'Why the Job is rejected: kept as its `status_reason`.' })
export class RejectJobDto {
  @IsString()
  @CodePoints(1, MAX_REJECT_REASON_LENGTH)
  @NotBlank()
  @JSONSchema({ examples: ['Off-brand tone for this client'] })
  reason: string;
}
