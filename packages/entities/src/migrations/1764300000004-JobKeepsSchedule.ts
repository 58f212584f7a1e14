import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A Job keeps its schedule: `jobs.scheduled_job_id` loses its foreign key (which nulled it when
 * the schedule was deleted), so a deleted schedule's Jobs are still found by its id, which then
 * names no schedule, by design; and `jobs.scheduled_job_name` keeps the schedule's name as it was
 * when the Job was materialized (existing Jobs get their schedule's current name).
 */
export class JobKeepsSchedule1764300000004 implements MigrationInterface {
  name = 'JobKeepsSchedule1764300000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_scheduled_job_id_fkey`);
    await q.query(`ALTER TABLE jobs ADD COLUMN scheduled_job_name varchar(255)`);
    await q.query(`UPDATE jobs j SET scheduled_job_name = s.name FROM scheduled_jobs s WHERE s.id = j.scheduled_job_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN scheduled_job_name`);
    await q.query(
      `UPDATE jobs j SET scheduled_job_id = NULL
        WHERE j.scheduled_job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scheduled_jobs s WHERE s.id = j.scheduled_job_id)`,
    );
    await q.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_scheduled_job_id_fkey
         FOREIGN KEY (scheduled_job_id) REFERENCES scheduled_jobs (id) ON DELETE SET NULL`,
    );
  }
}
