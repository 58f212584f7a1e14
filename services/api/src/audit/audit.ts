import { createHash } from 'node:crypto';
import type { EntityManager, EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { AuditAction, AuditEntityType, AuditFieldChange } from '@scheduler/entities';
import type { Caller } from '../http/auth';

/** What a secret's value is written as: the entry says it changed, never what it is. */
export const REDACTED = '[redacted]';

/** Columns whose value is a secret (a webhook's signing secret, a feed's token hash): redacted in every entry. */
const SECRET_COLUMN = /secret|token/;

/**
 * Columns no entry records: the key and tenancy (the entry has its own), the creator and last
 * editor (the entry has the actor), the bookkeeping the database keeps (timestamps of the row, its version), and
 * a schedule's normalized `recurrence_rule` (its own fields, recorded, say the same).
 */
const SKIPPED_COLUMNS = new Set(['id', 'workspace_id', 'user_id', 'updated_by', 'created_at', 'updated_at', 'version', 'recurrence_rule']);

/**
 * A secret's value in a snapshot: only its fingerprint (SHA-256), so that a rotation shows as a
 * change while the entry holds `[redacted]` on both sides and never the value.
 */
class Redacted {
  constructor(readonly fingerprint: string) {}
  toJSON(): string {
    return REDACTED;
  }
}

/** An object's fields as an entry records them: column names, dates as ISO strings, numbers as numbers. */
export type AuditSnapshot = Record<string, unknown>;

function normalize(value: unknown, type: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  // decimal / numeric columns read back as strings.
  if (typeof value === 'string' && (type === 'decimal' || type === 'numeric')) return Number(value);
  return value;
}

/**
 * The snapshot of an entity (any TypeORM entity, by its metadata): each column by its database
 * name, secrets redacted. Take it before changing the entity (the "before") and after (the "after").
 */
export function auditSnapshot(manager: EntityManager, entity: object): AuditSnapshot {
  const out: AuditSnapshot = {};
  for (const { column, name, secret } of recordedColumns(manager.connection.getMetadata(entity.constructor))) {
    const value = normalize(column.getEntityValue(entity), column.type);
    out[name] = secret && value !== null ? new Redacted(createHash('sha256').update(JSON.stringify(value)).digest('hex')) : value;
  }
  return out;
}

interface RecordedColumn {
  column: ColumnMetadata;
  name: string;
  secret: boolean;
}

/** The columns an entity's snapshot records, worked out once per entity (an import snapshots 10,000 rows). */
const recorded = new WeakMap<EntityMetadata, RecordedColumn[]>();

function recordedColumns(metadata: EntityMetadata): RecordedColumn[] {
  let columns = recorded.get(metadata);
  if (!columns) {
    columns = metadata.columns
      .filter((c) => !SKIPPED_COLUMNS.has(c.databaseName) && !c.isCreateDate && !c.isUpdateDate && !c.isVersion)
      .map((column) => ({ column, name: column.databaseName, secret: SECRET_COLUMN.test(column.databaseName) }));
    recorded.set(metadata, columns);
  }
  return columns;
}

/** A JSON text with object keys in order: jsonb returns keys in its own order, which is no change. */
function canonical(value: unknown): string {
  if (value instanceof Redacted) return `redacted:${value.fingerprint}`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** What an entry holds of a snapshot's value: a secret as `[redacted]`. */
const outward = (value: unknown): unknown => (value instanceof Redacted ? REDACTED : value);

/**
 * Each field whose value differs between the snapshots, `{ old, new }`: a create (no before) has
 * every field from null, a delete (no after) every field to null, an update only what changed.
 * A secret that changed (a rotation) shows as `[redacted]` → `[redacted]`: that it changed, not what.
 */
export function auditChanges(before: AuditSnapshot | null, after: AuditSnapshot | null): Record<string, AuditFieldChange> {
  const changes: Record<string, AuditFieldChange> = {};
  // A create or a delete: nothing to compare, every field that has a value.
  if (!before || !after) {
    for (const [name, value] of Object.entries(before ?? after ?? {})) {
      if (value === null || value === undefined) continue;
      changes[name] = before ? { old: outward(value), new: null } : { old: null, new: outward(value) };
    }
    return changes;
  }
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const name of names) {
    const old = before?.[name] ?? null;
    const next = after?.[name] ?? null;
    if (canonical(old) === canonical(next)) continue;
    changes[name] = { old: outward(old), new: outward(next) };
  }
  return changes;
}

export interface AuditChange {
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: string;
  /** The object before the change (null: it was created), as `auditSnapshot` made it. */
  before?: AuditSnapshot | null;
  /** The object after the change (null: it was deleted). */
  after?: AuditSnapshot | null;
  /** Changes given as they are, over the snapshots' (what an action did besides the object's fields: run now's Job, a skip's occurrence). */
  changes?: Record<string, AuditFieldChange>;
}

const TABLE = 'audit_log';

/**
 * Records the caller's changes in the transaction (`manager`) that makes them: they exist
 * exactly when the change commits. One INSERT for any number of entries, its rows read from one
 * JSON parameter (`jsonb_to_recordset`), so an import's ten thousand schedules cost one
 * statement with four parameters. `at` is the transaction's time (`now()`, to the millisecond),
 * the same for every entry of one change.
 */
export async function recordAudits(manager: EntityManager, caller: Caller, entries: readonly AuditChange[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((entry) => {
    const snapshots =
      entry.before === undefined && entry.after === undefined ? {} : auditChanges(entry.before ?? null, entry.after ?? null);
    return { action: entry.action, entity_type: entry.entityType, entity_id: entry.entityId, changes: { ...snapshots, ...entry.changes } };
  });
  await manager.query(
    `INSERT INTO ${TABLE} (workspace_id, at, actor, action, entity_type, entity_id, changes, request_id)
     SELECT $1, date_trunc('milliseconds', now()), $2, r.action, r.entity_type, r.entity_id, r.changes, $3
       FROM jsonb_to_recordset($4::jsonb) AS r(action text, entity_type text, entity_id text, changes jsonb)`,
    [caller.workspaceId, caller.userId, caller.requestId ?? null, JSON.stringify(rows)],
  );
}

/** Records one change (see `recordAudits`). */
export async function recordAudit(manager: EntityManager, caller: Caller, entry: AuditChange): Promise<void> {
  await recordAudits(manager, caller, [entry]);
}
