import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A committed bulk import of schedules (`POST /schedule/import`): what it created and what it answered. */
@Entity({ name: 'imports' })
export class ScheduleImport {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The workspace it belongs to, the tenancy key. */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  /** The member (`sub`) who uploaded it. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  /** SHA-256 (hex) of the uploaded body and its media type: a retry with the same key must send the same file. */
  @Column({ name: 'body_sha256', type: 'varchar', length: 64 })
  bodySha256: string;

  /** Rows imported. */
  @Column({ type: 'integer' })
  total: number;

  /** The schedules it created, in the file's order. */
  @Column({ name: 'schedule_ids', type: 'uuid', array: true })
  scheduleIds: string[];

  /** The report answered (201), answered again to a retry with the same `Idempotency-Key`. */
  @Column({ type: 'jsonb' })
  result: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
