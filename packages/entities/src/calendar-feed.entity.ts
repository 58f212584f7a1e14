import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * An iCal feed address of a workspace's calendar (or one campaign's). The token in its URL is
 * shown only on create and rotate; the row keeps its SHA-256 (hex), the feed endpoint's lookup.
 */
@Entity({ name: 'calendar_feeds' })
export class CalendarFeed {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The member who created it. */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** The workspace it belongs to, the tenancy key. */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  /** Null: every schedule of the workspace; else that campaign's (gone with the campaign). */
  @Column({ name: 'campaign_id', type: 'uuid', nullable: true })
  campaignId: string | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** SHA-256 of the token, 64 hex characters. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
