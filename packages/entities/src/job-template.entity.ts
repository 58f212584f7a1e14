import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const LLM_PROVIDERS = ['anthropic', 'openai', 'google'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export const WRITING_STRATEGIES = ['standard', 'expert', 'comprehensive'] as const;
export type WritingStrategy = (typeof WRITING_STRATEGIES)[number];
/** Who sees a template: its workspace only, or every workspace through the library. */
export const TEMPLATE_VISIBILITIES = ['private', 'public'] as const;
export type TemplateVisibility = (typeof TEMPLATE_VISIBILITIES)[number];

/** The generation settings a template, a schedule's `job_config` and a Job all share. */
export const JOB_SETTING_FIELDS = ['publisher_domain', 'llm_provider', 'llm_model', 'writing_strategy', 'country', 'language'] as const;
export type JobSettingField = (typeof JOB_SETTING_FIELDS)[number];
/** Column defaults of a new template (also shown in the API's documentation). */
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_BATCH_SIZE = 1;

@Entity({ name: 'job_templates' })
export class JobTemplate {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The member who created it (a Job or run of a schedule: the schedule's creator). */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** The workspace it belongs to, the tenancy key: `team:<claim>` or `user:<sub>` (personal). */
  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId: string;

  @Column({ name: 'campaign_id', type: 'uuid', nullable: true })
  campaignId: string | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'publisher_domain', type: 'varchar', length: 253, nullable: true })
  publisherDomain: string | null;

  @Column({ name: 'llm_provider', type: 'varchar', length: 32, nullable: true })
  llmProvider: LlmProvider | null;

  @Column({ name: 'llm_model', type: 'varchar', length: 128, nullable: true })
  llmModel: string | null;

  @Column({ name: 'writing_strategy', type: 'varchar', length: 32, nullable: true })
  writingStrategy: WritingStrategy | null;

  @Column({ type: 'varchar', length: 2, nullable: true })
  country: string | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  language: string | null;

  @Column({ name: 'max_retries', type: 'integer', default: DEFAULT_MAX_RETRIES })
  maxRetries: number;

  @Column({ name: 'batch_size', type: 'integer', default: DEFAULT_BATCH_SIZE })
  batchSize: number;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  @Column({ name: 'use_count', type: 'integer', default: 0 })
  useCount: number;

  @Column({ name: 'is_favorite', type: 'boolean', default: false })
  isFavorite: boolean;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  /** `public`: listed in the library, readable and copyable by every workspace (changed only by its own). */
  @Column({ type: 'varchar', length: 8, default: 'private' })
  visibility: TemplateVisibility;

  /** Copies made of it from the library (kept by the server). */
  @Column({ name: 'copy_count', type: 'integer', default: 0 })
  copyCount: number;

  /** The library template this one was copied from (no foreign key: the copy outlives it). */
  @Column({ name: 'copied_from', type: 'uuid', nullable: true })
  copiedFrom: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
