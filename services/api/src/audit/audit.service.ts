import { readManager } from '../db/read-router';
import { AuditLogEntry, type AuditAction, type AuditEntityType } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { validationFailed } from '../http/errors';

export const DEFAULT_AUDIT_LIMIT = 50;
export const MAX_AUDIT_LIMIT = 200;
/** The longest `cursor=` (a `next_cursor` is about 80 characters). */
export const MAX_AUDIT_CURSOR_LENGTH = 200;

export interface AuditFilter {
  entityType?: AuditEntityType;
  entityId?: string;
  action?: AuditAction;
  actor?: string;
  /** `at` in [from, to). */
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export interface AuditPage {
  items: AuditLogEntry[];
  nextCursor: string | null;
}

/** The position after which a page goes on: the last entry's `at` (milliseconds, as stored) and id. */
interface Cursor {
  at: number;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CURSOR_MESSAGE = 'is not a cursor of the audit log (use the next_cursor of the page before)';

export function encodeAuditCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('not base64url');
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) throw new Error('shape');
    const [at, id] = value as unknown[];
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || typeof id !== 'string' || !UUID.test(id)) throw new Error('key');
    return { at, id };
  } catch {
    throw validationFailed([{ field: 'cursor', message: CURSOR_MESSAGE }]);
  }
}

/**
 * The workspace's audit log, newest first (`at`, then id, both descending), paged by a keyset
 * cursor: the list's index (`audit_log_workspace_idx`, or `audit_log_entity_idx` for one object)
 * serves each page, however deep, and entries written meanwhile never shift a page.
 */
export class AuditService {
  constructor(private readonly deps: AppDeps) {}

  async page(caller: Caller, filter: AuditFilter): Promise<AuditPage> {
    const qb = readManager(this.deps)
      .getRepository(AuditLogEntry)
      .createQueryBuilder('a')
      .where('a.workspace_id = :workspaceId', { workspaceId: caller.workspaceId });
    if (filter.entityType) qb.andWhere('a.entity_type = :entityType', { entityType: filter.entityType });
    if (filter.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: filter.entityId });
    if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
    if (filter.actor) qb.andWhere('a.actor = :actor', { actor: filter.actor });
    if (filter.from) qb.andWhere('a.at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a.at < :to', { to: filter.to });
    if (filter.cursor) {
      const cursor = decodeCursor(filter.cursor);
      qb.andWhere('(a.at, a.id) < (:cursorAt, :cursorId)', { cursorAt: new Date(cursor.at), cursorId: cursor.id });
    }
    const rows = await qb
      .orderBy('a.at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > filter.limit && last ? encodeAuditCursor({ at: last.at.getTime(), id: last.id }) : null;
    return { items, nextCursor };
  }
}
