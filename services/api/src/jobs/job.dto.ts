import { IsIn, IsString, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { JOB_STATUSES, JobStatus } from '@scheduler/entities';
import { CodePoints, DecimalPlaces, Nullable, Optional, TEXT_LENGTH } from '../http/validation';

/** The largest cost `numeric(14,4)` holds. */
export const MAX_COST_USD = 9_999_999_999;

/** What the content pipeline reports with `PATCH /jobs/{id}`. */
@JSONSchema({ minProperties: 1, description: 'A progress report from the content pipeline: at least one field.' })
export class UpdateJobDto {
  @Optional()
  @IsIn(JOB_STATUSES)
  @JSONSchema({
    description:
      'pending → running | cancelled; running → completed | failed | cancelled. Other changes, and any change ' +
      'to a Job in a final status, are a 409.',
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
