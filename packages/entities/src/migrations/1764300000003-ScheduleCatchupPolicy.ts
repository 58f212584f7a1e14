import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `scheduled_jobs.catchup_policy`: what a worker coming back fires of the occurrences no worker
 * processed in time (`latest`, `all`, `none`; see `CATCHUP_POLICIES`). Existing schedules get
 * the default, `latest`. The list is written out here, not imported: a committed migration must
 * do the same thing whatever the code says later (a test checks it against `CATCHUP_POLICIES`).
 */
export class ScheduleCatchupPolicy1764300000003 implements MigrationInterface {
  name = 'ScheduleCatchupPolicy1764300000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE scheduled_jobs ADD COLUMN catchup_policy varchar(16) NOT NULL DEFAULT 'latest'
         CONSTRAINT scheduled_jobs_catchup_policy_check CHECK (catchup_policy IN ('latest', 'all', 'none'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scheduled_jobs DROP COLUMN catchup_policy`);
  }
}
