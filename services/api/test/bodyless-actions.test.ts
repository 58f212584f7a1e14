import { apiAs, createSchedule, createTemplate, expectProblem, newUserId } from '@scheduler/testkit';
import request from 'supertest';
import { useTestApp } from './helpers';

/** Write routes that take no body reject fields as every other route does (422), `{}` stays fine. */
describe('a body on a body-less action', () => {
  const t = useTestApp();

  it('when pause, resume or favorite get a field, then 422 naming it and nothing changes', async () => {
    const user = newUserId();
    const api = apiAs(t, user);
    const schedule = await createSchedule(t, user);
    const template = await createTemplate(t, user);

    expectProblem(await api.post(`/schedule/${schedule.id}/pause`, { x: 1 }), 422, { fields: ['x'] });
    expect((await api.get(`/schedule/${schedule.id}`)).body.status).toBe('active');
    expectProblem(await api.post(`/templates/${template.id}/favorite`, { x: 1, is_favorite: true }), 422, {
      fields: ['x', 'is_favorite'],
    });
    expect((await api.get(`/templates/${template.id}`)).body.is_favorite).toBe(false);

    expect((await api.post(`/schedule/${schedule.id}/pause`, {})).status).toBe(200);
    expectProblem(await api.post(`/schedule/${schedule.id}/resume`, { x: 1 }), 422, { fields: ['x'] });
    expect((await api.get(`/schedule/${schedule.id}`)).body.status).toBe('paused');
  });

  it('when the body is not an object, then 422 on `body`', async () => {
    const user = newUserId();
    const template = await createTemplate(t, user);
    for (const body of ['[]', '1', 'null', '"x"']) {
      const res = await request(t.app)
        .post(`/api/v1/templates/${template.id}/favorite`)
        .set('Authorization', t.auth(user))
        .set('Content-Type', 'application/json')
        .send(body);
      expectProblem(res, 422, { fields: ['body'] });
    }
  });

  it('when the body is left out or `{}`, then the action runs', async () => {
    const user = newUserId();
    const template = await createTemplate(t, user);
    const none = await request(t.app).post(`/api/v1/templates/${template.id}/favorite`).set('Authorization', t.auth(user));
    expect(none.status).toBe(200);
    expect(none.body.is_favorite).toBe(true);
    const empty = await apiAs(t, user).post(`/templates/${template.id}/favorite`, {});
    expect(empty.body.is_favorite).toBe(false);
  });

  it('when DELETE gets a field, then 422 and the object stays', async () => {
    const user = newUserId();
    const template = await createTemplate(t, user);
    const res = await request(t.app).delete(`/api/v1/templates/${template.id}`).set('Authorization', t.auth(user)).send({ force: true });
    expectProblem(res, 422, { fields: ['force'] });
    expect((await apiAs(t, user).get(`/templates/${template.id}`)).status).toBe(200);
  });
});
