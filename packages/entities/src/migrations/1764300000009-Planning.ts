import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The planning layer's tables (issue #11):
 *
 * - `blackouts`: periods in which schedules do not fire (local dates, inclusive, in an IANA
 *   zone), for the whole workspace (`campaign_id` null) or one campaign (gone with it); policy
 *   `skip` or `shift`. Read per workspace (`blackouts_workspace_idx`: every schedule's expansion
 *   loads its workspace's blackouts that have not ended).
 * - `campaigns.paused_reason`, `campaigns.resume_at`: why a paused campaign is paused, and when it
 *   becomes active again by itself; the leader's sweep reads `campaigns_resume_due_idx`.
 * - `calendar_feeds`: iCal feed addresses; the token is stored only as its SHA-256
 *   (`token_hash`, unique: the feed endpoint's one lookup).
 */
export class Planning1764300000009 implements MigrationInterface {
  name = 'Planning1764300000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE blackouts (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id text NOT NULL,
        workspace_id text NOT NULL,
        campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
        name varchar(255) NOT NULL,
        start_date date NOT NULL,
        end_date date NOT NULL,
        timezone varchar(64) NOT NULL,
        policy varchar(8) NOT NULL CONSTRAINT blackouts_policy_check CHECK (policy IN ('skip', 'shift')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT blackouts_pkey PRIMARY KEY (id),
        CONSTRAINT blackouts_dates_check CHECK (end_date >= start_date)
      )`);
    await q.query(`CREATE INDEX blackouts_workspace_idx ON blackouts (workspace_id, end_date, id)`);
    await q.query(`CREATE INDEX blackouts_campaign_idx ON blackouts (campaign_id) WHERE campaign_id IS NOT NULL`);
    await q.query(`ALTER TABLE campaigns ADD COLUMN paused_reason text`);
    await q.query(`ALTER TABLE campaigns ADD COLUMN resume_at timestamptz`);
    await q.query(`CREATE INDEX campaigns_resume_due_idx ON campaigns (resume_at) WHERE status = 'paused' AND resume_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE calendar_feeds (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id text NOT NULL,
        workspace_id text NOT NULL,
        campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
        name varchar(255) NOT NULL,
        token_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT calendar_feeds_pkey PRIMARY KEY (id),
        CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash)
      )`);
    await q.query(`CREATE INDEX calendar_feeds_workspace_idx ON calendar_feeds (workspace_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calendar_feeds`);
    await q.query(`DROP INDEX campaigns_resume_due_idx`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN resume_at`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN paused_reason`);
    await q.query(`DROP TABLE blackouts`);
  }
}
