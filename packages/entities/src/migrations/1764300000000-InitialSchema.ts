import { MigrationInterface, QueryRunner } from 'typeorm';

/** Campaigns, job templates, scheduled jobs, jobs and the run history of schedules. */
export class InitialSchema1764300000000 implements MigrationInterface {
  name = 'InitialSchema1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id text NOT NULL,
        name varchar(255) NOT NULL,
        description text,
        status varchar(16) NOT NULL DEFAULT 'active'
          CHECK (status IN ('active', 'paused', 'completed', 'archived')),
        color varchar(7),
        tags text[] NOT NULL DEFAULT '{}',
        target_job_count integer CHECK (target_job_count >= 1),
        target_budget_usd numeric(14, 2) CHECK (target_budget_usd >= 0),
        start_date timestamptz,
        end_date timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (end_date IS NULL OR start_date IS NULL OR end_date > start_date)
      )`);
    await q.query(`CREATE INDEX campaigns_user_created_idx ON campaigns (user_id, created_at DESC, id)`);
    await q.query(`CREATE INDEX campaigns_user_status_created_idx ON campaigns (user_id, status, created_at DESC, id)`);

    await q.query(`
      CREATE TABLE job_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id text NOT NULL,
        campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
        name varchar(255) NOT NULL,
        description text,
        publisher_domain varchar(253),
        llm_provider varchar(32),
        llm_model varchar(128),
        writing_strategy varchar(32),
        country varchar(2),
        language varchar(35),
        max_retries integer NOT NULL DEFAULT 3 CHECK (max_retries BETWEEN 0 AND 10),
        batch_size integer NOT NULL DEFAULT 1 CHECK (batch_size BETWEEN 1 AND 100),
        metadata jsonb NOT NULL DEFAULT '{}',
        tags text[] NOT NULL DEFAULT '{}',
        use_count integer NOT NULL DEFAULT 0,
        is_favorite boolean NOT NULL DEFAULT false,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX job_templates_user_order_idx ON job_templates (user_id, is_favorite DESC, last_used_at DESC NULLS LAST, created_at DESC, id)`,
    );
    await q.query(`CREATE INDEX job_templates_campaign_idx ON job_templates (campaign_id)`);

    await q.query(`
      CREATE TABLE scheduled_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id text NOT NULL,
        campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
        template_id uuid REFERENCES job_templates (id) ON DELETE SET NULL,
        name varchar(255) NOT NULL,
        description text,
        schedule_type varchar(16) NOT NULL
          CHECK (schedule_type IN ('once', 'daily', 'weekly', 'monthly', 'cron')),
        scheduled_at timestamptz NOT NULL,
        recurrence_pattern varchar(255),
        recurrence_end_date timestamptz,
        timezone varchar(64) NOT NULL DEFAULT 'UTC',
        max_runs integer CHECK (max_runs >= 1),
        job_config jsonb NOT NULL DEFAULT '{}',
        status varchar(16) NOT NULL DEFAULT 'active'
          CHECK (status IN ('active', 'paused', 'completed', 'expired', 'error')),
        next_run_at timestamptz,
        last_run_at timestamptz,
        run_count integer NOT NULL DEFAULT 0,
        error_count integer NOT NULL DEFAULT 0,
        consecutive_errors integer NOT NULL DEFAULT 0,
        last_error text,
        misfire_grace_seconds integer NOT NULL DEFAULT 3600 CHECK (misfire_grace_seconds >= 0),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX scheduled_jobs_user_status_idx ON scheduled_jobs (user_id, status)`);
    await q.query(`CREATE INDEX scheduled_jobs_user_next_run_idx ON scheduled_jobs (user_id, next_run_at, id)`);
    await q.query(`CREATE INDEX scheduled_jobs_campaign_idx ON scheduled_jobs (campaign_id)`);
    await q.query(`CREATE INDEX scheduled_jobs_template_idx ON scheduled_jobs (template_id)`);
    await q.query(`CREATE INDEX scheduled_jobs_scheduled_at_idx ON scheduled_jobs (scheduled_at)`);
    await q.query(`CREATE INDEX scheduled_jobs_active_next_run_idx ON scheduled_jobs (next_run_at) WHERE status = 'active'`);

    await q.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id text NOT NULL,
        campaign_id uuid REFERENCES campaigns (id) ON DELETE SET NULL,
        template_id uuid REFERENCES job_templates (id) ON DELETE SET NULL,
        scheduled_job_id uuid REFERENCES scheduled_jobs (id) ON DELETE SET NULL,
        scheduled_for timestamptz,
        status varchar(16) NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
        config jsonb NOT NULL DEFAULT '{}',
        publisher_domain varchar(253),
        llm_provider varchar(32),
        llm_model varchar(128),
        writing_strategy varchar(32),
        country varchar(2),
        language varchar(35),
        cost_usd numeric(14, 4) CHECK (cost_usd >= 0),
        error_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz,
        CONSTRAINT jobs_schedule_occurrence_unique UNIQUE (scheduled_job_id, scheduled_for)
      )`);
    await q.query(`CREATE INDEX jobs_user_created_idx ON jobs (user_id, created_at DESC, id)`);
    await q.query(`CREATE INDEX jobs_user_status_idx ON jobs (user_id, status, created_at DESC)`);
    await q.query(`CREATE INDEX jobs_campaign_status_idx ON jobs (campaign_id, status)`);
    await q.query(`CREATE INDEX jobs_template_idx ON jobs (template_id)`);
    await q.query(`CREATE INDEX jobs_scheduled_for_idx ON jobs (scheduled_for)`);

    await q.query(`
      CREATE TABLE schedule_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scheduled_job_id uuid NOT NULL REFERENCES scheduled_jobs (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        occurrence_at timestamptz NOT NULL,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('materialized', 'skipped', 'missed', 'failed')),
        job_id uuid REFERENCES jobs (id) ON DELETE SET NULL,
        reason text,
        error text,
        processed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT schedule_runs_occurrence_unique UNIQUE (scheduled_job_id, occurrence_at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE schedule_runs`);
    await q.query(`DROP TABLE jobs`);
    await q.query(`DROP TABLE scheduled_jobs`);
    await q.query(`DROP TABLE job_templates`);
    await q.query(`DROP TABLE campaigns`);
  }
}
