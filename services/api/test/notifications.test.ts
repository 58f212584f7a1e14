/**
 * The email notifications API: one setting per member of a workspace (GET before any PUT, the
 * PUT/GET round trip, If-Match), the 422s naming the field (nothing written), the server without
 * `SMTP_URL` (stored, says `not_configured`) and with it (`configured`), and members and
 * workspaces kept apart.
 */
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { apiAs, expectProblem, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

describe('notifications API (no SMTP_URL on this server)', () => {
  const t = useTestApp();
  const as = (userId: string) => apiAs(t, userId);
  const rowsOf = (userId: string) =>
    t.deps.dataSource.query(`SELECT email, events FROM notification_settings WHERE user_id = $1`, [userId]);

  it('when a member never set anything, then GET answers no address, no events, ETag "0", and delivery not configured', async () => {
    const res = await as(newUserId()).get('/notifications');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ email: null, events: [], email_delivery: 'not_configured', updated_at: null });
    expect(res.headers.etag).toBe('"0"');
  });

  it('when a member PUTs an address and events, then GET answers them with the same ETag, and the row is stored', async () => {
    const user = newUserId();
    const api = as(user);
    const put = await api.put('/notifications', { email: 'ana@example.com', events: ['job.created', 'run.missed'] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ email: 'ana@example.com', events: ['job.created', 'run.missed'], email_delivery: 'not_configured' });
    expect(put.body.updated_at).toEqual(expect.any(String));
    const got = await api.get('/notifications');
    expect(got.body).toEqual(put.body);
    expect(got.headers.etag).toBe(put.headers.etag);
    expect(await rowsOf(user)).toEqual([{ email: 'ana@example.com', events: ['job.created', 'run.missed'] }]);
    // An empty list is a setting too: nothing is sent.
    const none = await api.put('/notifications', { email: 'ana@example.com', events: [] });
    expect(none.status).toBe(200);
    expect((await api.get('/notifications')).body.events).toEqual([]);
  });

  it('when If-Match names an older ETag, then the PUT is a 412 with the current ETag and nothing changes; "0" works only before the first', async () => {
    const api = as(newUserId());
    const first = await api.put('/notifications', { email: 'a@example.com', events: ['job.failed'] }).set('If-Match', '"0"');
    expect(first.status).toBe(200);
    const again = await api.put('/notifications', { email: 'b@example.com', events: [] }).set('If-Match', '"0"');
    expectProblem(again, 412);
    expect(again.headers.etag).toBe(first.headers.etag);
    const fresh = await api
      .put('/notifications', { email: 'c@example.com', events: ['job.awaiting_approval'] })
      .set('If-Match', first.headers.etag);
    expect(fresh.status).toBe(200);
    expect((await api.get('/notifications')).body).toMatchObject({ email: 'c@example.com', events: ['job.awaiting_approval'] });
  });

  it.each([
    ['not an address', 'email', { email: 'not-an-address', events: [] }],
    ['a display name', 'email', { email: 'Ana <ana@example.com>', events: [] }],
    ['two addresses', 'email', { email: 'a@example.com,b@example.com', events: [] }],
    ['a newline (header injection)', 'email', { email: 'a@example.com\r\nBcc: x@example.com', events: [] }],
    ['too long', 'email', { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, events: [] }],
    ['no email', 'email', { events: ['job.created'] }],
    ['a number', 'email', { email: 42, events: [] }],
    ['no events', 'events', { email: 'a@example.com' }],
    ['an unknown event', 'events', { email: 'a@example.com', events: ['job.exploded'] }],
    ['ping', 'events', { email: 'a@example.com', events: ['ping'] }],
    ['a repeated event', 'events', { email: 'a@example.com', events: ['job.created', 'job.created'] }],
    ['events not a list', 'events', { email: 'a@example.com', events: 'job.created' }],
    ['an unknown field', 'sms', { email: 'a@example.com', events: [], sms: '+100' }],
  ])('when the body has %s, then 422 naming %s and nothing is written', async (_what, field, body) => {
    const user = newUserId();
    const res = await as(user).put('/notifications', body);
    expectProblem(res, 422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await rowsOf(user)).toEqual([]);
  });

  it('when two members of one team workspace set theirs, then each reads only their own; another workspace sees none', async () => {
    const workspace = `team-${randomUUID()}`;
    const [ana, ben] = [newUserId(), newUserId()];
    const member = (sub: string, ws = workspace) => ({
      get: () =>
        request(t.app)
          .get('/api/v1/notifications')
          .set('Authorization', t.auth(sub, { workspace: ws })),
      put: (body: object) =>
        request(t.app)
          .put('/api/v1/notifications')
          .set('Authorization', t.auth(sub, { workspace: ws }))
          .send(body),
    });
    expect((await member(ana).put({ email: 'ana@example.com', events: ['run.missed'] })).status).toBe(200);
    expect((await member(ben).put({ email: 'ben@example.com', events: ['job.created'] })).status).toBe(200);
    expect((await member(ana).get()).body).toMatchObject({ email: 'ana@example.com', events: ['run.missed'] });
    expect((await member(ben).get()).body).toMatchObject({ email: 'ben@example.com', events: ['job.created'] });
    // Ana in another workspace (and in her personal one) has no setting there.
    expect((await member(ana, `team-${randomUUID()}`).get()).body).toMatchObject({ email: null, events: [] });
    expect((await as(ana).get('/notifications')).body).toMatchObject({ email: null, events: [] });
  });
});

describe('notifications API (SMTP_URL set)', () => {
  const t = useTestApp({ SMTP_URL: 'smtp://127.0.0.1:2525' });

  it('when the server has SMTP_URL, then the setting says email delivery is configured', async () => {
    const api = apiAs(t, newUserId());
    expect((await api.get('/notifications')).body.email_delivery).toBe('configured');
    const put = await api.put('/notifications', { email: 'ops@example.com', events: ['schedule.error'] });
    expect(put.body).toMatchObject({ email: 'ops@example.com', events: ['schedule.error'], email_delivery: 'configured' });
  });
});
