import type { EntityManager } from 'typeorm';

type Reads = readonly (() => Promise<unknown>)[];
type Results<T extends Reads> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

/**
 * Runs independent reads side by side when the manager draws connections from the pool, and one
 * after another on a transaction's single connection: pg would queue them there anyway, and warns
 * that queueing a query on a busy client is deprecated (removed in pg 9).
 */
export async function readAll<T extends Reads>(manager: EntityManager, reads: T): Promise<Results<T>> {
  if (!manager.queryRunner) return (await Promise.all(reads.map((read) => read()))) as Results<T>;
  const out: unknown[] = [];
  for (const read of reads) out.push(await read());
  return out as Results<T>;
}
