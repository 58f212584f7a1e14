import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `scheduled_jobs.recurrence_rule`: the rule exactly as the recurrence package compiled it
 * from the request, so the worker and later updates use the same rule (a naive 02:30 inside a
 * DST gap stays 02:30 on other days; `scheduled_at` alone holds only the shifted instant).
 * Rows without it are rebuilt from their columns.
 */
export class ScheduleRecurrenceRule1764300000002 implements MigrationInterface {
  name = 'ScheduleRecurrenceRule1764300000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scheduled_jobs ADD COLUMN recurrence_rule jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scheduled_jobs DROP COLUMN recurrence_rule`);
  }
}
