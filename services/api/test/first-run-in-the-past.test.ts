import { apiAs, createSchedule, expectProblem, newUserId, PinnedClock, problemOf } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * Runs fall on whole seconds. A `scheduled_at` a few hundred milliseconds ahead whose second has
 * already begun has its first run in the past: the 422 names `scheduled_at` and says so (it used
 * to blame an end date nobody sent).
 */
describe('a scheduled_at whose whole second has passed', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin('2030-01-01T09:00:00.500Z'));
  afterEach(() => clock.reset());

  it('when a once schedule starts 300 ms ahead inside the current second, then the 422 names scheduled_at and the passed first run', async () => {
    const res = await apiAs(t, newUserId()).post('/schedule', {
      name: 's',
      schedule_type: 'once',
      scheduled_at: '2030-01-01T09:00:00.800Z',
    });
    expectProblem(res, 422, { fields: ['scheduled_at'] });
    expect(problemOf(res).errors![0].message).toMatch(/must be in the future.*2030-01-01T09:00:00\.000Z.*passed/);
  });

  it('when a daily schedule starts inside the current second, then it is refused the same way (its first run would be gone)', async () => {
    const res = await apiAs(t, newUserId()).post('/schedule', {
      name: 's',
      schedule_type: 'daily',
      scheduled_at: '2030-01-01T09:00:00.900Z',
    });
    expectProblem(res, 422, { fields: ['scheduled_at'] });
  });

  it('when a PUT moves scheduled_at inside the current second, then it is refused the same way', async () => {
    const user = newUserId();
    const schedule = await createSchedule(t, user, { schedule_type: 'once', scheduled_at: '2030-01-01T10:00:00Z' });
    const res = await apiAs(t, user).put(`/schedule/${schedule.id}`, { scheduled_at: '2030-01-01T09:00:00.800Z' });
    expectProblem(res, 422, { fields: ['scheduled_at'] });
  });

  it('when scheduled_at is the next whole second, then the schedule is created', async () => {
    const res = await apiAs(t, newUserId()).post('/schedule', { name: 's', schedule_type: 'once', scheduled_at: '2030-01-01T09:00:01Z' });
    expect(res.status).toBe(201);
  });

  it('when an end date leaves no run, then the 422 still names recurrence_end_date', async () => {
    const res = await apiAs(t, newUserId()).post('/schedule', {
      name: 's',
      schedule_type: 'weekly',
      recurrence_pattern: 'weekly:monday',
      scheduled_at: '2030-01-01T10:00:00Z', // a Tuesday
      recurrence_end_date: '2030-01-05T10:00:00Z',
    });
    expectProblem(res, 422, { fields: ['recurrence_end_date'] });
  });
});
