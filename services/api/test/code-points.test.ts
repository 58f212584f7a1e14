import 'reflect-metadata';
import { CreateCampaignDto } from '../src/campaigns/campaign.dto';
import { AppError } from '../src/http/errors';
import { NAME_LENGTH, TAG_LENGTH, TEXT_LENGTH, validateBody } from '../src/http/validation';
import { UpdateJobDto } from '../src/jobs/job.dto';
import { CreateScheduleDto } from '../src/schedules/schedule.dto';
import { ANCHOR_TEXT_LENGTH, CreateTemplateDto, KEYWORD_LENGTH, LLM_MODEL_LENGTH, UseTemplateDto } from '../src/templates/template.dto';
import { requestContractErrors } from './contract';

/**
 * Every text length counts characters as PostgreSQL and the document's `maxLength` do: code
 * points. An emoji is one character (two UTF-16 units), so a text of emoji at the limit passes
 * and one more fails, in the validator and in the documented request schema alike.
 */
const EMOJI = '\u{1F600}';
const text = (n: number) => EMOJI.repeat(n);

interface Case {
  field: string;
  dto: new () => object;
  /** The operation whose documented body is that DTO (none when its schema needs more fields). */
  operation?: [string, string];
  limit: number;
  body: (value: string) => object;
}

const cases: Case[] = [
  { field: 'name', dto: CreateCampaignDto, operation: ['POST', '/api/v1/campaigns'], limit: NAME_LENGTH, body: (v) => ({ name: v }) },
  {
    field: 'description',
    dto: CreateCampaignDto,
    operation: ['POST', '/api/v1/campaigns'],
    limit: TEXT_LENGTH,
    body: (v) => ({ name: 'c', description: v }),
  },
  {
    field: 'tags[0]',
    dto: CreateCampaignDto,
    operation: ['POST', '/api/v1/campaigns'],
    limit: TAG_LENGTH,
    body: (v) => ({ name: 'c', tags: [v] }),
  },
  {
    field: 'tags[0]',
    dto: CreateTemplateDto,
    operation: ['POST', '/api/v1/templates'],
    limit: TAG_LENGTH,
    body: (v) => ({ name: 't', tags: [v] }),
  },
  {
    field: 'llm_model',
    dto: CreateTemplateDto,
    operation: ['POST', '/api/v1/templates'],
    limit: LLM_MODEL_LENGTH,
    body: (v) => ({ name: 't', llm_model: v }),
  },
  {
    field: 'anchor_text',
    dto: UseTemplateDto,
    operation: ['POST', '/api/v1/templates/{id}/use'],
    limit: ANCHOR_TEXT_LENGTH,
    body: (v) => ({ anchor_text: v }),
  },
  {
    field: 'keywords[0]',
    dto: UseTemplateDto,
    operation: ['POST', '/api/v1/templates/{id}/use'],
    limit: KEYWORD_LENGTH,
    body: (v) => ({ keywords: [v] }),
  },
  {
    field: 'notes',
    dto: UseTemplateDto,
    operation: ['POST', '/api/v1/templates/{id}/use'],
    limit: TEXT_LENGTH,
    body: (v) => ({ notes: v }),
  },
  {
    field: 'error_message',
    dto: UpdateJobDto,
    operation: ['PATCH', '/api/v1/jobs/{id}'],
    limit: TEXT_LENGTH,
    body: (v) => ({ error_message: v }),
  },
  {
    field: 'name',
    dto: CreateScheduleDto,
    limit: NAME_LENGTH,
    // A valid rule: a bad name alone is then the 422's one field (the rule's errors join it).
    body: (v) => ({ name: v, schedule_type: 'cron', recurrence_pattern: '0 9 * * *' }),
  },
];

/** The fields a body's 422 names, or [] when it is valid. */
async function rejectedFields(dto: new () => object, body: object): Promise<string[]> {
  try {
    await validateBody(dto, body);
    return [];
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
    return (error.errors ?? []).map((e) => e.field);
  }
}

describe('text lengths count code points', () => {
  it.each(cases.map((c) => [`${c.dto.name}.${c.field}`, c] as const))(
    '%s: emoji up to the limit pass, one more fails',
    async (_name, { field, dto, operation, limit, body }) => {
      expect(text(limit).length).toBe(2 * limit);
      expect(await rejectedFields(dto, body(text(limit)))).toEqual([]);
      expect(await rejectedFields(dto, body(text(limit + 1)))).toEqual([field.replace(/\[0\]$/, '')]);
      if (operation) {
        expect(requestContractErrors(...operation, body(text(limit)))).toEqual([]);
        expect(requestContractErrors(...operation, body(text(limit + 1)))).not.toEqual([]);
      }
    },
  );
});
