import { apiAs, createSchedule, insertJob, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * A Job keeps `scheduled_job_id` and the schedule's name after the schedule is deleted, so its
 * history is still found by schedule (`GET /jobs?scheduled_job_id=`).
 */
describe("a deleted schedule's Jobs", () => {
  const t = useTestApp();

  it('when a schedule is deleted, then its Jobs keep its id and name and are still listed by scheduled_job_id', async () => {
    const user = newUserId();
    const schedule = await createSchedule(t, user, { name: 'Daily Forbes', job_config: { publisher_domain: 'forbes.com' } });
    const job = await insertJob(t.deps.dataSource, {
      userId: user,
      scheduledJobId: schedule.id as string,
      scheduledJobName: 'Daily Forbes',
      scheduledFor: new Date('2030-01-01T09:00:00Z'),
    });
    expect((await apiAs(t, user).delete(`/schedule/${schedule.id}`)).status).toBe(204);

    const res = await apiAs(t, user).get(`/jobs?scheduled_job_id=${schedule.id}`);
    expect(res.status).toBe(200);
    expect(res.body.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect(res.body[0]).toMatchObject({ scheduled_job_id: schedule.id, scheduled_job_name: 'Daily Forbes' });
    expect((await apiAs(t, user).get(`/jobs/${job.id}`)).body).toMatchObject({ scheduled_job_id: schedule.id });
  });
});
