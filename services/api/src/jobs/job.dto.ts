import { IsIn, IsString, Max, MaxLength, Min } from 'class-validator';
import { JOB_STATUSES, JobStatus } from '@scheduler/entities';
import { DecimalPlaces, Nullable, Optional } from '../http/validation';

/** What the content pipeline reports with `PATCH /jobs/{id}`. */
export class UpdateJobDto {
  @Optional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;

  @Optional()
  @DecimalPlaces(4)
  @Min(0)
  @Max(9_999_999_999)
  cost_usd?: number;

  @Nullable()
  @IsString()
  @MaxLength(10_000)
  error_message?: string | null;
}
