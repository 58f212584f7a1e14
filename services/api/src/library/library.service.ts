import { readManager } from '../db/read-router';
import { JobTemplate } from '@scheduler/entities';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { notFound } from '../http/errors';
import type { Page } from '../http/pagination';
import type { CopyTemplateDto } from './library.dto';

export interface LibraryFilter {
  /** Case-insensitive substring of the name or the description. */
  q?: string;
  /** One of the template's tags (exact). */
  tag?: string;
  /** The template's `publisher_domain` (case-insensitive). */
  publisherDomain?: string;
}

/** `%`, `_` and `\` in a search text are taken literally. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The template library: every workspace's public templates, read and copied by any workspace.
 * Nothing here changes a template but its `copy_count`; changes stay with `TemplateService`,
 * which is scoped to the caller's workspace.
 */
export class LibraryService {
  constructor(private readonly deps: AppDeps) {}

  private get repo() {
    return readManager(this.deps).getRepository(JobTemplate);
  }

  /** Public templates, most copied first, then oldest, then by id (`job_templates_library_idx`). */
  async list(filter: LibraryFilter, page: Page): Promise<[JobTemplate[], number]> {
    const qb = this.repo.createQueryBuilder('t').where(`t.visibility = 'public'`);
    // The expression of `job_templates_library_text_idx` (a pg_trgm GIN index), as written there.
    if (filter.q) qb.andWhere(`(t.name || ' ' || coalesce(t.description, '')) ILIKE :pattern`, { pattern: likePattern(filter.q) });
    if (filter.tag) qb.andWhere('t.tags @> ARRAY[:tag]::text[]', { tag: filter.tag });
    if (filter.publisherDomain) qb.andWhere('lower(t.publisher_domain) = lower(:domain)', { domain: filter.publisherDomain });
    return qb
      .orderBy('t.copyCount', 'DESC')
      .addOrderBy('t.createdAt', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .take(page.limit)
      .skip(page.offset)
      .getManyAndCount();
  }

  /** A public template (any workspace's), or a 404: a private one is a 404 for everyone here, its owner too. */
  async get(id: string): Promise<JobTemplate> {
    const template = await this.repo.findOneBy({ id, visibility: 'public' });
    if (!template) throw notFound('Template');
    return template;
  }

  /**
   * Copies a public template into the caller's workspace as a private template (`copied_from`
   * the source, no campaign, not a favourite, unused) and counts the copy on the source with
   * one atomic `copy_count + 1` in the same transaction. The update's row lock orders concurrent
   * copies (each counts) and the source's own changes: a source made private meanwhile is a 404.
   */
  async copy(caller: Caller, id: string, dto: CopyTemplateDto): Promise<JobTemplate> {
    return this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(JobTemplate);
      const counted = await repo
        .createQueryBuilder()
        .update()
        // A copy is not an edit of the source: its `updated_at` (and entity tag) stay.
        .set({ copyCount: () => 'copy_count + 1', updatedAt: () => 'updated_at' })
        .where(`id = :id AND visibility = 'public'`, { id })
        .execute();
      if (!counted.affected) throw notFound('Template');
      const source = await repo.findOneByOrFail({ id });
      const copy = await repo.save(
        repo.create({
          userId: caller.userId,
          workspaceId: caller.workspaceId,
          campaignId: null,
          name: dto.name ?? source.name,
          description: source.description,
          publisherDomain: source.publisherDomain,
          llmProvider: source.llmProvider,
          llmModel: source.llmModel,
          writingStrategy: source.writingStrategy,
          country: source.country,
          language: source.language,
          maxRetries: source.maxRetries,
          batchSize: source.batchSize,
          metadata: source.metadata,
          tags: source.tags,
          visibility: 'private',
          copiedFrom: source.id,
        }),
      );
      await recordAudit(tx, caller, { action: 'copy', entityType: 'template', entityId: copy.id, after: auditSnapshot(tx, copy) });
      return copy;
    });
  }
}
