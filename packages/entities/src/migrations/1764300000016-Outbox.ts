import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox and webhooks (issue #13, parts 1–3):
 *
 * - `outbox_events`: events written in the same transaction as their change; the dispatcher
 *   reads the undispatched ones oldest first (`outbox_events_undispatched_idx`).
 * - `webhooks`: a workspace's endpoints, with their signing secret and event filter.
 * - `webhook_deliveries`: one per (event, webhook), unique, the truth about a delivery.
 * - `webhook_attempts`: every HTTP attempt of a delivery (the delivery log).
 */
export class Outbox1764300000016 implements MigrationInterface {
  name = 'Outbox1764300000016';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_events (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        workspace_id text NOT NULL,
        type varchar(64) NOT NULL,
        payload jsonb NOT NULL,
        webhook_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        CONSTRAINT outbox_events_pkey PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX outbox_events_undispatched_idx ON outbox_events (created_at) WHERE dispatched_at IS NULL`);
    await q.query(`
      CREATE TABLE webhooks (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id text NOT NULL,
        workspace_id text NOT NULL,
        url text NOT NULL,
        events text[] NOT NULL,
        description text,
        secret text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhooks_pkey PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX webhooks_workspace_idx ON webhooks (workspace_id, created_at, id)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        workspace_id text NOT NULL,
        event_id uuid NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
        event_type varchar(64) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending'
          CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        round integer NOT NULL DEFAULT 0,
        next_retry_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id),
        CONSTRAINT webhook_deliveries_event_webhook_key UNIQUE (event_id, webhook_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (updated_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        status_code integer,
        duration_ms integer NOT NULL,
        error text,
        next_retry_at timestamptz,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_attempts_pkey PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX webhook_attempts_webhook_idx ON webhook_attempts (webhook_id, attempted_at DESC, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
    await q.query(`DROP TABLE outbox_events`);
  }
}
