import { IsIn, IsInt, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { CONFLICT_MAX_PER_WINDOW, CONFLICT_SCOPES, CONFLICT_WINDOW_MINUTES, type ConflictScope } from '@scheduler/entities';
import { Optional } from '../http/validation';

@JSONSchema({ description: "The workspace's settings to change (partial: a field left out keeps its value, or its default)." })
export class UpdateSettingsDto {
  @Optional()
  @IsInt({ message: 'conflict_window_minutes must be a whole number of minutes' })
  @Min(CONFLICT_WINDOW_MINUTES.min)
  @Max(CONFLICT_WINDOW_MINUTES.max)
  @JSONSchema({ description: 'The length of a conflict window, in minutes (default 60).', examples: [60] })
  conflict_window_minutes?: number;

  @Optional()
  @IsInt({ message: 'conflict_max_per_window must be a whole number' })
  @Min(CONFLICT_MAX_PER_WINDOW.min)
  @Max(CONFLICT_MAX_PER_WINDOW.max)
  @JSONSchema({ description: 'The most planned runs one window takes; one more is a conflict (default 3).', examples: [3] })
  conflict_max_per_window?: number;

  @Optional()
  @IsIn(CONFLICT_SCOPES)
  @JSONSchema({
    description: '`publisher_domain` (default): a window counts the runs of one publisher domain; `all`: every run of the workspace.',
  })
  conflict_scope?: ConflictScope;
}
