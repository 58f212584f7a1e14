/**
 * The commit's INSERT of an import's schedules: one statement per chunk of rows, each column
 * sent as one array parameter and spread by `unnest` (so a chunk is not bound by PostgreSQL's
 * 65,535 parameters, and nothing is built per row but the values). It does what the
 * repository's `insert` does for these entities: a property left undefined takes its column's
 * default, and the columns the repository reads back (those with a default, the generated and
 * date columns: `getInsertionReturningColumns`) are set on the entities from `RETURNING`, with
 * the values as the driver reads them; a nullable column without a default left undefined stays
 * undefined on the entity, as there.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** Rows per INSERT statement. */
export const INSERT_CHUNK = 2500;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Inserts the entities (all of `target`, unsaved) in the transaction. The primary key, a
 * generated uuid, is drawn here (`randomUUID`, a v4 like the column's `gen_random_uuid()`), so
 * the rows read back are matched to their entities by it.
 */
export async function insertAll<T extends ObjectLiteral>(
  tx: EntityManager,
  target: new () => T,
  entities: T[],
  chunk = INSERT_CHUNK,
): Promise<void> {
  const metadata = tx.connection.getMetadata(target);
  const driver = tx.connection.driver;
  const [primary, ...more] = metadata.primaryColumns;
  if (!primary || more.length || primary.generationStrategy !== 'uuid') {
    throw new Error(`insertAll: ${metadata.name} needs one generated uuid primary key`);
  }
  const columns = metadata.columns.filter((c) => c.isInsert && !c.isVirtual && c !== primary);
  const table = quote(metadata.tableName);
  for (const entity of entities) {
    if (primary.getEntityValue(entity) === undefined) primary.setEntityValue(entity, randomUUID());
  }
  // Rows that leave the same columns to their defaults go in one statement (the others' list of columns differs).
  const groups = new Map<string, { given: ColumnMetadata[]; rows: T[] }>();
  for (const entity of entities) {
    const given: ColumnMetadata[] = [];
    let signature = '';
    for (const column of columns) {
      const useDefault = column.getEntityValue(entity) === undefined || column.isCreateDate || column.isUpdateDate;
      if (!useDefault) given.push(column);
      signature += useDefault ? '0' : '1';
    }
    const group = groups.get(signature);
    if (group) group.rows.push(entity);
    else groups.set(signature, { given, rows: [entity] });
  }
  const readBack = metadata.getInsertionReturningColumns().filter((c) => c !== primary);
  const byId = new Map(entities.map((e) => [primary.getEntityValue(e) as string, e]));
  for (const { given, rows } of groups.values()) {
    const inserted = [primary, ...given];
    const arrays = inserted.map((c) => `$${inserted.indexOf(c) + 1}::${driver.normalizeType(c)}[]`);
    const sql =
      `INSERT INTO ${table} (${inserted.map((c) => quote(c.databaseName)).join(', ')}) ` +
      `SELECT * FROM unnest(${arrays.join(', ')}) ` +
      `RETURNING ${[primary, ...readBack].map((c) => quote(c.databaseName)).join(', ')}`;
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      const params = inserted.map((column) => part.map((e) => driver.preparePersistentValue(column.getEntityValue(e), column) as unknown));
      const returned: Record<string, unknown>[] = await tx.query(sql, params);
      for (const row of returned) {
        const entity = byId.get(row[primary.databaseName] as string)!;
        for (const column of readBack) column.setEntityValue(entity, row[column.databaseName]);
      }
    }
  }
}
