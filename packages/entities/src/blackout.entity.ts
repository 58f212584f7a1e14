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

/**
 * The workspace's blackouts that can still affect an occurrence at or after `since` (those whose
 * end date, in any zone, is not wholly before it), oldest first: what a schedule's expansion
 * needs from `since` on, before `blackoutsForCampaign` picks a schedule's own. One indexed read
 * (`blackouts_workspace_idx`).
 */
export async function blackoutsFrom(manager: EntityManager, workspaceId: string, since: Date): Promise<Blackout[]> {
  // A local date ends at most 14 h after its UTC day ends (UTC+14); two days of slack covers every zone.
  const fromDate = new Date(since.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
  return manager
    .getRepository(Blackout)
    .createQueryBuilder('b')
    .where('b.workspace_id = :workspaceId AND b.end_date >= :fromDate', { workspaceId, fromDate })
    .orderBy('b.start_date', 'ASC')
    .addOrderBy('b.id', 'ASC')
    .getMany();
}
