import type { ScheduleRun } from '@scheduler/entities';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Nullable, Type, Uuid, named, type Static } from '../openapi/schema';
import { runResponse, ScheduleRunResponse } from '../schedules/schedule.mapper';

/** A row of the run history across schedules: the schedule's own run fields, and which schedule. */
export const RunResponse = named(
  'Run',
  Closed({
    schedule_id: Uuid('The schedule the occurrence belongs to.'),
    schedule_name: Nullable(Type.String({ minLength: 1, maxLength: NAME_LENGTH, description: "The schedule's current name." })),
    ...ScheduleRunResponse.properties,
  }),
);
export type RunResponse = Static<typeof RunResponse>;

export function crossScheduleRunResponse(r: ScheduleRun, scheduleName: string | null): RunResponse {
  return { schedule_id: r.scheduledJobId, schedule_name: scheduleName, ...runResponse(r) };
}
