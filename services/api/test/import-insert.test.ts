/**
 * The import's bulk INSERT (`insertAll`: unnest of one array per column) against the
 * repository's `insert` it replaced: the same rows, the same values read back onto the
 * entities (defaults, timestamps), over several chunks and rows that leave different columns
 * to their defaults; and a value the column refuses fails the statement instead of being cut.
 */
import { ScheduledJob } from '@scheduler/entities';
import { cleanUpUsers, newUserId } from '@scheduler/testkit';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { insertAll } from '../src/schedules/import/bulk-insert';
import { useTestApp } from './helpers';

describe("the import's bulk insert", () => {
  const t = useTestApp();
  const repo = () => t.deps.dataSource.getRepository(ScheduledJob);

  /** Seven schedules of one user: some leave misfire/catch-up/approval/job_config to their defaults, some give them. */
  function entities(user: string): ScheduledJob[] {
    return Array.from({ length: 7 }, (_, i) => {
      const at = new Date(Date.UTC(2029, 0, 1 + i, 9));
      const s = repo().create({
        userId: user,
        workspaceId: `user:${user}`,
        name: `bulk ${i}`,
        description: i % 2 ? `row ${i}, "quoted"\nwith a line break` : null,
        campaignId: null,
        templateId: null,
        scheduleType: 'daily',
        scheduledAt: at,
        recurrencePattern: null,
        recurrenceEndDate: i === 3 ? new Date(Date.UTC(2029, 5, 1)) : null,
        timezone: 'Europe/Berlin',
        maxRuns: i === 4 ? 5 : null,
        recurrenceRule: {
          type: 'daily',
          timezone: 'Europe/Berlin',
          start: at.toISOString(),
          wall: '2029-01-01T10:00:00',
          pattern: null,
          end: null,
        },
        status: 'active',
        nextRunAt: at,
        approvalTimeoutHours: null,
        version: 1,
      });
      if (i % 3 === 0) {
        s.misfireGraceSeconds = 60 * i;
        s.catchupPolicy = 'all';
        s.requiresApproval = true;
        s.jobConfig = { publisher_domain: `p${i}.example.com`, word_count: 800 + i, tags: ['a', 'b'] };
      }
      return s;
    });
  }

  /** An entity's values, without what each insert draws itself. */
  const comparable = (s: ScheduledJob) => {
    const { id, createdAt, updatedAt, userId, workspaceId, ...rest } = s;
    expect(typeof id).toBe('string');
    expect(createdAt).toBeInstanceOf(Date);
    expect(updatedAt).toBeInstanceOf(Date);
    expect(userId).toMatch(/./);
    expect(workspaceId).toBe(`user:${userId}`);
    return rest;
  };

  it('when rows leaving different columns to their defaults are inserted in chunks, then entities and rows match what the repository insert gives', async () => {
    const viaRepo = newUserId();
    const viaBulk = newUserId();
    try {
      const expected = entities(viaRepo);
      await repo().insert(expected as unknown as QueryDeepPartialEntity<ScheduledJob>[]);
      const got = entities(viaBulk);
      // Chunks of 2: several statements per group of rows.
      await t.deps.dataSource.transaction((tx) => insertAll(tx, ScheduledJob, got, 2));

      expect(new Set(got.map((s) => s.id)).size).toBe(got.length);
      // The defaults and timestamps came back onto the entities, as the repository's insert does.
      expect(got.map(comparable)).toEqual(expected.map(comparable));
      expect(got[1]).toMatchObject({ misfireGraceSeconds: 3600, catchupPolicy: 'latest', requiresApproval: false, jobConfig: {} });
      expect(got[3]).toMatchObject({ misfireGraceSeconds: 180, catchupPolicy: 'all', requiresApproval: true });
      // What PostgreSQL holds is what the entities say (a nullable column without a default stays undefined on them, as there).
      const stored = await repo().find({ where: { userId: viaBulk }, order: { name: 'ASC' } });
      // The scheduler bookkeeping columns come back from the insert (they have defaults) but a find
      // does not select them (`select: false`): compared without them.
      const unselected = new Set(['schedulerChangeSeq', 'schedulerSyncedSeq']);
      const nullOfUndefined = (s: ScheduledJob) =>
        Object.fromEntries(Object.entries(s).flatMap(([k, v]) => (unselected.has(k) ? [] : [[k, v === undefined ? null : v]])));
      expect(stored.map(nullOfUndefined)).toEqual([...got].sort((a, b) => a.name.localeCompare(b.name)).map(nullOfUndefined));
      const storedViaRepo = await repo().find({ where: { userId: viaRepo }, order: { name: 'ASC' } });
      expect(stored.map(comparable)).toEqual(storedViaRepo.map(comparable));
    } finally {
      await cleanUpUsers(t.deps.dataSource, [viaRepo, viaBulk]);
    }
  });

  it('when a value is too long for its column, then the statement fails and no row of the transaction is left', async () => {
    const user = newUserId();
    try {
      const rows = entities(user);
      rows[5].name = 'x'.repeat(256);
      await expect(t.deps.dataSource.transaction((tx) => insertAll(tx, ScheduledJob, rows, 2))).rejects.toThrow(/too long/);
      expect(await repo().countBy({ userId: user })).toBe(0);
    } finally {
      await cleanUpUsers(t.deps.dataSource, [user]);
    }
  });
});
