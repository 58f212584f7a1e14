import { ILike, type FindOperator, type FindOptionsOrderValue } from 'typeorm';
import type { SortOrder } from './query';

/** What a list's sort key orders by: an entity property, and whether it can be null (nulls always come last). */
export interface SortColumn {
  property: string;
  nullable?: boolean;
}

/**
 * The TypeORM order of a `sort=` value: the key's column in the asked direction, then the id in
 * the same direction, so the order is total and pages never overlap or skip a row.
 */
export function sortOrder<K extends string>(sort: SortOrder<K>, columns: Record<K, SortColumn>): Record<string, FindOptionsOrderValue> {
  const { property, nullable } = columns[sort.key];
  const direction = sort.descending ? 'DESC' : 'ASC';
  return { [property]: nullable ? { direction, nulls: 'LAST' } : direction, id: direction };
}

/** Case-insensitive substring match (`ILIKE`), with `%`, `_` and `\` in the text taken literally. */
export function containing(text: string): FindOperator<string> {
  return ILike(`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}
