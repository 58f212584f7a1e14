import { ArrayMaxSize, ArrayUnique, IsArray, IsEmail, IsIn, IsString, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { EVENT_TYPES, NOTIFICATION_EMAIL_MAX_LENGTH, type EventType } from '@scheduler/entities';

@JSONSchema({ description: "The caller's email notifications in this workspace (the whole setting: both fields)." })
export class UpdateNotificationsDto {
  @IsString()
  @MaxLength(NOTIFICATION_EMAIL_MAX_LENGTH, { message: `email must be at most ${NOTIFICATION_EMAIL_MAX_LENGTH} characters` })
  @IsEmail({ allow_display_name: false, allow_ip_domain: false }, { message: 'email must be an email address such as ana@example.com' })
  @JSONSchema({
    description: `Where the emails go: one address (no display name), at most ${NOTIFICATION_EMAIL_MAX_LENGTH} characters.`,
    examples: ['ana@example.com'],
    maxLength: NOTIFICATION_EMAIL_MAX_LENGTH,
  })
  email: string;

  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @ArrayUnique({ message: 'events must not repeat an event type' })
  @IsIn(EVENT_TYPES, { each: true, message: `each value in events must be one of ${EVENT_TYPES.join(', ')}` })
  @JSONSchema({
    description: 'The event types emailed, from the webhook event types; an empty list sends nothing.',
    examples: [['run.missed', 'schedule.error', 'job.awaiting_approval']],
  })
  events: EventType[];
}
