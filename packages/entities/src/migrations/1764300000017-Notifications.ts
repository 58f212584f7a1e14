import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email notifications (issue #13, part 4):
 *
 * - `notification_settings`: one per (workspace, member): the address and the event types.
 *   The dispatcher joins it by workspace (`notification_settings_pkey` leads with it).
 * - `email_deliveries`: one per (event, member), unique, the truth about an email; the sweep
 *   reads the pending ones by age (`email_deliveries_pending_idx`).
 */
export class Notifications1764300000017 implements MigrationInterface {
  name = 'Notifications1764300000017';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_settings (
        workspace_id text NOT NULL,
        user_id text NOT NULL,
        email varchar(254) NOT NULL,
        events text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_settings_pkey PRIMARY KEY (workspace_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE email_deliveries (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        workspace_id text NOT NULL,
        user_id text NOT NULL,
        event_id uuid NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
        event_type varchar(64) NOT NULL,
        recipient varchar(254) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending'
          CONSTRAINT email_deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_retry_at timestamptz,
        message_id text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT email_deliveries_pkey PRIMARY KEY (id),
        CONSTRAINT email_deliveries_event_user_key UNIQUE (event_id, user_id)
      )`);
    await q.query(`CREATE INDEX email_deliveries_pending_idx ON email_deliveries (updated_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE email_deliveries`);
    await q.query(`DROP TABLE notification_settings`);
  }
}
