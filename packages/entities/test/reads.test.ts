import type { EntityManager } from 'typeorm';
import { createDataSource, readAll } from '../src';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scheduler_test';

/** Two reads that record when each started and ended (the first one sleeps, so an overlap would show). */
function tracedReads(manager: EntityManager) {
  const events: string[] = [];
  const read = (name: string, sleep: number) => async () => {
    events.push(`${name} start`);
    const rows: { v: number }[] = await manager.query(`SELECT $1::int AS v FROM pg_sleep($2)`, [name === 'a' ? 1 : 2, sleep]);
    events.push(`${name} end`);
    return rows[0].v;
  };
  return { events, reads: [read('a', 0.05), read('b', 0)] as const };
}

describe('readAll', () => {
  const ds = createDataSource(url, { poolSize: 3 });
  beforeAll(() => ds.initialize());
  afterAll(() => ds.destroy());

  it('runs the reads side by side on the pool, results in order', async () => {
    const { events, reads } = tracedReads(ds.manager);
    await expect(readAll(ds.manager, reads)).resolves.toEqual([1, 2]);
    expect(events.slice(0, 2)).toEqual(['a start', 'b start']);
  });

  it("runs them one after another on a transaction's single connection, results in order", async () => {
    await ds.transaction(async (tx) => {
      const { events, reads } = tracedReads(tx);
      await expect(readAll(tx, reads)).resolves.toEqual([1, 2]);
      expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
    });
  });
});
