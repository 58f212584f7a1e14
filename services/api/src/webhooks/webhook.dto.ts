import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, MaxLength, ValidateBy } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { EVENT_TYPES, WEBHOOK_URL_MAX_LENGTH, webhookUrlFormProblem, type EventType } from '@scheduler/entities';
import { Nullable, Optional } from '../http/validation';

/** A workspace holds at most this many webhooks. */
export const MAX_WEBHOOKS_PER_WORKSPACE = 50;
/** Longest `description`. */
export const WEBHOOK_DESCRIPTION_LENGTH = 1000;

/** An http(s) URL without credentials (the addresses it resolves to are checked by the service). */
function WebhookUrl(): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    ValidateBy({
      name: 'webhookUrl',
      validator: {
        validate: (value) => typeof value === 'string' && webhookUrlFormProblem(value) === null,
        defaultMessage: (args) => webhookUrlFormProblem(String(args?.value)) ?? 'url is not a valid webhook URL',
      },
    })(target, property);
    JSONSchema({
      description:
        'Where events are POSTed: an `https` (or `http`) URL without user name or password, at most ' +
        `${WEBHOOK_URL_MAX_LENGTH} characters. Its host must resolve to public addresses only (no loopback, private, ` +
        'link-local, CGNAT, multicast or metadata address) unless the operator set `WEBHOOK_ALLOW_PRIVATE_NETWORKS=true`.',
      examples: ['https://example.com/hooks/scheduler'],
      format: 'uri',
      maxLength: WEBHOOK_URL_MAX_LENGTH,
    })(target, property as string);
  };
}

/** A non-empty list of distinct event types. */
function EventTypes(): PropertyDecorator {
  return (target, property) => {
    IsArray()(target, property);
    ArrayMinSize(1, { message: 'events must name at least one event type' })(target, property);
    ArrayMaxSize(EVENT_TYPES.length)(target, property);
    ArrayUnique({ message: 'events must not repeat an event type' })(target, property);
    IsIn(EVENT_TYPES, { each: true, message: `each value in events must be one of ${EVENT_TYPES.join(', ')}` })(target, property);
    JSONSchema({
      description: 'The event types it receives (a `ping` from `/test` always goes).',
      examples: [['job.completed', 'run.missed']],
    })(target, property as string);
  };
}

const descriptionDoc = JSONSchema({ description: 'What it is for (free text).', maxLength: WEBHOOK_DESCRIPTION_LENGTH });

@JSONSchema({ description: 'A new webhook endpoint.' })
export class CreateWebhookDto {
  @WebhookUrl()
  url: string;

  @EventTypes()
  events: EventType[];

  @Nullable()
  @IsString()
  @MaxLength(WEBHOOK_DESCRIPTION_LENGTH)
  @descriptionDoc
  description?: string | null;
}

@JSONSchema({ description: 'Partial update: only the fields sent change. `enabled: true` re-enables a disabled endpoint.' })
export class UpdateWebhookDto {
  @Optional()
  @WebhookUrl()
  url?: string;

  @Optional()
  @EventTypes()
  events?: EventType[];

  @Nullable()
  @IsString()
  @MaxLength(WEBHOOK_DESCRIPTION_LENGTH)
  @descriptionDoc
  description?: string | null;

  @Optional()
  @IsBoolean()
  @JSONSchema({ description: 'False stops deliveries; true re-enables it (clearing `disabled_reason`).' })
  enabled?: boolean;
}
