import { readManager } from '../db/read-router';
import { createHash, randomBytes } from 'node:crypto';
import { Campaign, CalendarFeed } from '@scheduler/entities';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { notFound } from '../http/errors';
import type { Page } from '../http/pagination';
import type { CreateFeedDto } from './feed.dto';

/** A feed token: 32 random bytes, base64url (43 characters, 256 bits). */
export function newFeedToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the row keeps of a token: its SHA-256, hex. */
export function feedTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export const FEED_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A feed and the token of its address (only right after create or rotate). */
export interface IssuedFeed {
  feed: CalendarFeed;
  token: string;
}

/** The workspace's iCal feeds. */
export class FeedService {
  constructor(private readonly deps: AppDeps) {}

  private get repo() {
    return readManager(this.deps).getRepository(CalendarFeed);
  }

  async create(caller: Caller, dto: CreateFeedDto): Promise<IssuedFeed> {
    const campaignId = dto.campaign_id ?? null;
    if (campaignId) {
      const exists = await readManager(this.deps)
        .getRepository(Campaign)
        .exists({ where: { id: campaignId, workspaceId: caller.workspaceId } });
      if (!exists) throw notFound('Campaign');
    }
    const token = newFeedToken();
    const feed = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(CalendarFeed);
      const saved = await repo.save(
        repo.create({
          userId: caller.userId,
          workspaceId: caller.workspaceId,
          campaignId,
          name: dto.name,
          tokenHash: feedTokenHash(token),
        }),
      );
      await recordAudit(tx, caller, { action: 'create', entityType: 'feed', entityId: saved.id, after: auditSnapshot(tx, saved) });
      return saved;
    });
    return { feed, token };
  }

  async list(caller: Caller, page: Page): Promise<[CalendarFeed[], number]> {
    return this.repo.findAndCount({
      where: { workspaceId: caller.workspaceId },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  async remove(caller: Caller, id: string): Promise<void> {
    await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(CalendarFeed);
      const feed = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!feed) throw notFound('Feed');
      await repo.delete({ id, workspaceId: caller.workspaceId });
      await recordAudit(tx, caller, { action: 'delete', entityType: 'feed', entityId: id, before: auditSnapshot(tx, feed), after: null });
    });
  }

  /** A new token for the feed; the old address stops working at once. */
  async rotate(caller: Caller, id: string): Promise<IssuedFeed> {
    const token = newFeedToken();
    const feed = await this.deps.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(CalendarFeed);
      const feed = await repo.findOne({ where: { id, workspaceId: caller.workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!feed) throw notFound('Feed');
      const before = auditSnapshot(tx, feed);
      feed.tokenHash = feedTokenHash(token);
      const saved = await repo.save(feed);
      await recordAudit(tx, caller, { action: 'rotate', entityType: 'feed', entityId: id, before, after: auditSnapshot(tx, saved) });
      return saved;
    });
    return { feed, token };
  }

  /** The feed a token opens, or null (unknown, rotated away or deleted). */
  async byToken(token: string): Promise<CalendarFeed | null> {
    if (!FEED_TOKEN.test(token)) return null;
    return this.repo.findOne({ where: { tokenHash: feedTokenHash(token) } });
  }
}
