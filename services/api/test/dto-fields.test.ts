import { getMetadataStorage } from 'class-validator';
import { getMetadataArgsStorage } from 'typeorm';
import { ScheduledJob } from '@scheduler/entities';
import { copySentFields, propertyOf } from '../src/http/fields';
import { CreateScheduleDto, RULE_FIELDS, UpdateScheduleDto } from '../src/schedules/schedule.dto';

/** The fields a DTO class declares (its own and inherited validation decorators). */
function declaredFields(dto: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

function columnProperties(entity: new () => object): Set<string> {
  return new Set(
    getMetadataArgsStorage()
      .filterColumns(entity)
      .map((c) => c.propertyName),
  );
}

describe('copying a body onto its entity', () => {
  it('maps snake_case fields to camelCase properties', () => {
    expect(propertyOf('job_config')).toBe('jobConfig');
    expect(propertyOf('misfire_grace_seconds')).toBe('misfireGraceSeconds');
    expect(propertyOf('name')).toBe('name');
  });

  it('copies what the body sent (null included), leaves out what it did not and what the service writes itself', () => {
    const row = { name: 'old', description: 'kept', templateId: 'x', scheduleType: 'daily' };
    copySentFields(row, { name: 'new', template_id: null, description: undefined, schedule_type: 'cron' }, RULE_FIELDS);
    expect(row).toEqual({ name: 'new', description: 'kept', templateId: null, scheduleType: 'daily' });
  });

  it.each([
    ['CreateScheduleDto', CreateScheduleDto],
    ['UpdateScheduleDto', UpdateScheduleDto],
  ])('every field of %s other than the rule names a column of ScheduledJob', (_name, dto) => {
    const columns = columnProperties(ScheduledJob);
    const fields = declaredFields(dto).filter((f) => !(RULE_FIELDS as readonly string[]).includes(f));
    expect(fields.length).toBeGreaterThan(5);
    expect(fields.filter((f) => !columns.has(propertyOf(f)))).toEqual([]);
  });
});
