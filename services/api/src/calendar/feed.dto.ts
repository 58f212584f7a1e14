import { IsUUID } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Name, Nullable } from '../http/validation';

@JSONSchema({ description: 'A new iCal feed: of every schedule of the workspace, or of one campaign.' })
export class CreateFeedDto {
  @Name()
  name: string;

  @Nullable()
  @IsUUID('all', { message: 'campaign_id must be a UUID' })
  @JSONSchema({ description: "Only this campaign's schedules; absent or null: every schedule of the workspace." })
  campaign_id?: string | null;
}
