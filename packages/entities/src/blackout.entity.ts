import type { Blackout as ExpansionBlackout, BlackoutPolicy } from '@scheduler/recurrence';
import { Column, CreateDateColumn, Entity, type EntityManager, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A period in which the workspace's schedules (or one campaign's) do not fire: local dates,
 * inclusive, in an IANA zone. `skip`: the occurrence is recorded skipped (`blackout: <name>`);
 * `shift`: it runs at the same local time on the first day after the blackout. The recurrence
 * package's expansion applies them (`expansionBlackoutOf`).
 */
@Entity({ name: 'blackouts' })
export class Blackout {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The member who created it. */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** The workspace it belongs to, the tenancy key. */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  /** Null: every schedule of the workspace; else only that campaign's (gone with the campaign). */
  @Column({ name: 'campaign_id', type: 'uuid', nullable: true })
  campaignId: string | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** 'YYYY-MM-DD' (a PostgreSQL `date`, read as text). */
  @Column({ name: 'start_date', type: 'date' })
  startDate: string;

  /** 'YYYY-MM-DD', inclusive, not before `startDate`. */
  @Column({ name: 'end_date', type: 'date' })
  endDate: string;

  @Column({ type: 'varchar', length: 64 })
  timezone: string;

  @Column({ type: 'varchar', length: 8 })
  policy: BlackoutPolicy;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** A stored blackout as the recurrence package's expansion reads it. */
export function expansionBlackoutOf(b: Pick<Blackout, 'name' | 'startDate' | 'endDate' | 'timezone' | 'policy'>): ExpansionBlackout {
  return { name: b.name, start_date: b.startDate, end_date: b.endDate, timezone: b.timezone, policy: b.policy };
}

/** The blackouts that apply to a schedule of `campaignId`: the workspace-wide ones and that campaign's. */
export function blackoutsForCampaign<B extends Pick<Blackout, 'campaignId'>>(all: readonly B[], campaignId: string | null): B[] {
  return all.filter((b) => b.campaignId === null || b.campaignId === campaignId);
}

/** What the expansion and `blackoutsForCampaign` read of a stored blackout. */
export type LoadedBlackout = Pick<Blackout, 'campaignId' | 'name' | 'startDate' | 'endDate' | 'timezone' | 'policy'>;

/**
 * The workspace's blackouts that can still decide an occurrence at or after `since`, oldest
 * first, in one query: those whose end date is not wholly before it (two days of slack: a local
 * date ends at most 14 h after its UTC day), and, recursively, older ones ending at most two days
 * before one of them starts: a chain of blackouts a `shift` walks over, out of which an earlier
 * occurrence can still land after `since` (the worker's `PLANNING` statement reads the same set).
 * Reads `blackouts_workspace_idx`.
 */
export async function blackoutsFrom(manager: EntityManager, workspaceId: string, since: Date): Promise<LoadedBlackout[]> {
  const fromDate = new Date(since.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
  const rows: {
    campaign_id: string | null;
    name: string;
    start_date: string;
    end_date: string;
    timezone: string;
    policy: LoadedBlackout['policy'];
  }[] = await manager.query(
    `WITH RECURSIVE reaching AS (
           SELECT x.id, x.campaign_id, x.name, x.start_date, x.end_date, x.timezone, x.policy
             FROM blackouts x
            WHERE x.workspace_id = $1 AND x.end_date >= $2::date
         UNION
           SELECT y.id, y.campaign_id, y.name, y.start_date, y.end_date, y.timezone, y.policy
             FROM blackouts y
             JOIN reaching r ON y.end_date >= r.start_date - 2
            WHERE y.workspace_id = $1 AND y.end_date < $2::date
       )
       SELECT campaign_id, name, start_date::text AS start_date, end_date::text AS end_date, timezone, policy
         FROM reaching
        ORDER BY reaching.start_date, reaching.id`,
    [workspaceId, fromDate],
  );
  return rows.map((r) => ({
    campaignId: r.campaign_id,
    name: r.name,
    startDate: r.start_date,
    endDate: r.end_date,
    timezone: r.timezone,
    policy: r.policy,
  }));
}
