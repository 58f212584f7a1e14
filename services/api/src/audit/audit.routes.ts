import { AUDIT_ACTIONS, AUDIT_ENTITY_TYPES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { checkRange, listQuery, query, type QueryParam } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { auditPageResponse, AuditPageResponse } from './audit.mapper';
import { AuditService, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_CURSOR_LENGTH, MAX_AUDIT_LIMIT } from './audit.service';

/** `cursor=`: the opaque `next_cursor` of the page before (checked by the service). */
const cursorParam: QueryParam<string | undefined> = {
  read: (reader, name) =>
    reader.parsed(name, (raw) =>
      raw.length > MAX_AUDIT_CURSOR_LENGTH
        ? { message: 'is not a cursor of the audit log (use the next_cursor of the page before)' }
        : { value: raw === '' ? undefined : raw },
    ),
  description: 'The `next_cursor` of the previous page.',
  schema: { type: 'string', maxLength: MAX_AUDIT_CURSOR_LENGTH },
};

export const auditApi = new RouteGroup<AuditService>({ base: '/audit', tag: 'audit' });

auditApi.get(
  '/',
  {
    operationId: 'listAuditLog',
    summary: "The workspace's audit log, newest first",
    description:
      'Every change a member of the workspace made (create, update, delete, pause, resume, use, copy, run, skip, import, ' +
      'approve, reject, cancel, feed, webhook and settings changes), one entry per change, written in the same transaction ' +
      'as the change: a refused or rolled-back request leaves none. Every member sees the workspace’s entries (members ' +
      'share its objects); another workspace’s are never listed. Paged by an opaque `cursor`.',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      entity_type: query.oneOf(AUDIT_ENTITY_TYPES, 'Only entries about this kind of object.'),
      entity_id: listQuery.text(200, "Only entries about this object (its id; for `settings`, the workspace's)."),
      action: query.oneOf(AUDIT_ACTIONS, 'Only entries of this action.'),
      actor: listQuery.text(255, 'Only changes made by this member (`sub`).'),
      from: listQuery.instant('Only entries at or after this instant.'),
      to: listQuery.instant('Only entries before this instant.'),
      limit: query.int({ min: 1, max: MAX_AUDIT_LIMIT, default: DEFAULT_AUDIT_LIMIT, description: 'Entries per page.' }),
      cursor: cursorParam,
    },
    success: { status: 200, description: 'One page of the audit log.', schema: AuditPageResponse },
  },
  async ({ caller, query }, service) => {
    checkRange([{ from: ['from', query.from], to: ['to', query.to] }]);
    return auditPageResponse(
      await service.page(caller, {
        entityType: query.entity_type,
        entityId: query.entity_id,
        action: query.action,
        actor: query.actor,
        from: query.from,
        to: query.to,
        limit: query.limit,
        cursor: query.cursor,
      }),
    );
  },
);

export function auditRoutes(deps: AppDeps, limits: RateLimiters) {
  return auditApi.router(new AuditService(deps), limits);
}
