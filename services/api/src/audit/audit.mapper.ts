import { AUDIT_ACTIONS, AUDIT_ENTITY_TYPES, type AuditLogEntry } from '@scheduler/entities';
import { Closed, Instant, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';
import type { AuditPage } from './audit.service';

export const AuditFieldChangeResponse = named(
  'AuditFieldChange',
  Closed(
    {
      old: Type.Unknown({ description: 'The value before (null: the object was created, or the field was empty).' }),
      new: Type.Unknown({ description: 'The value after (null: the object was deleted, or the field was emptied).' }),
    },
    { description: 'One field: dates as ISO 8601 strings; a secret as `"[redacted]"`.' },
  ),
);

export const AuditEntryResponse = named(
  'AuditEntry',
  Closed({
    id: Uuid(),
    at: Instant('When the change committed (its transaction’s time).'),
    actor: Type.String({ description: 'The `sub` of the member who made the change.' }),
    action: OneOf(AUDIT_ACTIONS, { description: 'What the member did.' }),
    entity_type: OneOf(AUDIT_ENTITY_TYPES, { description: 'What kind of object changed.' }),
    entity_id: Type.String({ description: "The object's id (for `settings`: the workspace)." }),
    changes: Type.Record(Type.String(), AuditFieldChangeResponse, {
      description: 'Each changed field by its API name: a create has every field from null, a delete every field to null.',
    }),
    request_id: Nullable(Type.String({ description: 'The request’s `X-Request-Id` (as in the request log).' })),
  }),
);
export type AuditEntryResponse = Static<typeof AuditEntryResponse>;

export const AuditPageResponse = named(
  'AuditLog',
  Closed({
    items: Type.Array(AuditEntryResponse, { description: 'This page, newest first (ties by id, descending).' }),
    next_cursor: Nullable(Type.String({ description: 'Pass as `cursor=` (with the same filters) for the next page; null on the last.' })),
  }),
);
export type AuditPageResponse = Static<typeof AuditPageResponse>;

export function auditEntryResponse(e: AuditLogEntry): AuditEntryResponse {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    entity_type: e.entityType,
    entity_id: e.entityId,
    changes: e.changes,
    request_id: e.requestId,
  };
}

export function auditPageResponse(p: AuditPage): AuditPageResponse {
  return { items: p.items.map(auditEntryResponse), next_cursor: p.nextCursor };
}
