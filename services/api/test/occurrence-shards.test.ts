import { occurrenceShardOf } from '@scheduler/queue';
import { apiAs, createSchedule, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * With `OCCURRENCE_SHARDS=3` every scheduler write of the API goes to the schedule's shard, and
 * `GET /schedule/status` reports each shard's schedulers and job counts beside the totals.
 */
describe('the API with three occurrence shards', () => {
  const t = useTestApp({ OCCURRENCE_SHARDS: '3' });

  it('when schedules are created, paused and deleted, then each scheduler is written and removed in its own shard only', async () => {
    const user = newUserId();
    const ids: string[] = [];
    // Enough schedules that every shard gets some.
    for (let i = 0; i < 12; i++) ids.push(String((await createSchedule(t, user, { name: `s${i}` })).id));
    expect(new Set(ids.map((id) => occurrenceShardOf(id, 3))).size).toBe(3);
    const holders = (id: string) =>
      Promise.all(t.deps.occurrenceQueues.all.map(async (queue) => (await queue.getJobScheduler(id)) !== undefined));
    for (const id of ids) expect(await holders(id)).toEqual([0, 1, 2].map((shard) => shard === occurrenceShardOf(id, 3)));

    expect((await apiAs(t, user).post(`/schedule/${ids[0]}/pause`)).status).toBe(200);
    expect((await apiAs(t, user).delete(`/schedule/${ids[1]}`)).status).toBe(204);
    for (const id of ids.slice(0, 2)) expect(await holders(id)).toEqual([false, false, false]);
    for (const id of ids.slice(2)) expect(await holders(id)).toEqual([0, 1, 2].map((shard) => shard === occurrenceShardOf(id, 3)));
  });

  it('when the status is read, then it lists every shard with its schedulers, and the totals add them up', async () => {
    const user = newUserId();
    const id = String((await createSchedule(t, user)).id);
    const res = await apiAs(t, user).get('/schedule/status');
    expect(res.status).toBe(200);
    const shards = res.body.occurrence_shards as { shard: number; queue: string; schedulers_in_redis: number; delayed: number }[];
    expect(shards.map((s) => s.shard)).toEqual([0, 1, 2]);
    expect(shards.map((s) => s.queue)).toEqual(t.deps.occurrenceQueues.all.map((queue) => queue.name));
    const counts = await Promise.all(t.deps.occurrenceQueues.all.map((queue) => queue.getJobSchedulersCount()));
    expect(shards.map((s) => s.schedulers_in_redis)).toEqual(counts);
    expect(shards[occurrenceShardOf(id, 3)].schedulers_in_redis).toBeGreaterThanOrEqual(1);
    expect(res.body.schedulers_in_redis).toBe(counts.reduce((a, b) => a + b, 0));
    expect(res.body.queue.delayed).toBe(shards.reduce((sum, s) => sum + s.delayed, 0));
  });
});
