/**
 * The webhooks API: create (secret shown once, Standard Webhooks format), list/get without the
 * secret, partial update, delete, the `ping` through the outbox, the delivery log and redeliver;
 * 422 naming the field for unknown events and bad URLs, the SSRF guard on create and update
 * (without `WEBHOOK_ALLOW_PRIVATE_NETWORKS`), isolation (another workspace's webhook is a 404),
 * and the events the API writes in the same transaction as its change (`PATCH /jobs/{id}` to
 * completed or failed; a Job made by run now or a template use; a campaign's pause and resume),
 * none for a change refused.
 */
import { randomUUID } from 'node:crypto';
import { Webhook as Verifier } from 'standardwebhooks';
import {
  apiAs,
  createCampaign,
  createSchedule,
  createTemplate,
  expectProblem,
  inHours,
  insertJob,
  newUserId,
  useTemplate,
} from '@scheduler/testkit';
import { useTestApp } from './helpers';

/** A public address literal: passes the guard without DNS (nothing is delivered from these tests). */
const PUBLIC_URL = 'https://93.184.216.34/hooks/scheduler';

describe('webhooks API', () => {
  const t = useTestApp();
  const as = (userId: string) => apiAs(t, userId);

  const eventsOf = (workspaceId: string) =>
    t.deps.dataSource.query<{ id: string; type: string; payload: Record<string, unknown>; webhook_id: string | null }[]>(
      `SELECT id, type, payload, webhook_id FROM outbox_events WHERE workspace_id = $1 ORDER BY created_at`,
      [workspaceId],
    );

  it('when a webhook is created, then it answers 201 with a whsec_ secret that signs and verifies, shown only there', async () => {
    const api = as(newUserId());
    const res = await api.post('/webhooks', { url: PUBLIC_URL, events: ['job.completed', 'run.missed'], description: 'ops' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      url: PUBLIC_URL,
      events: ['job.completed', 'run.missed'],
      description: 'ops',
      enabled: true,
      disabled_reason: null,
    });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(res.body.secret.slice(6), 'base64')).toHaveLength(32);
    // The secret is a Standard Webhooks key: what it signs, the library verifies.
    const v = new Verifier(res.body.secret);
    const at = new Date();
    const sig = v.sign('msg_1', at, '{"a":1}');
    expect(
      v.verify('{"a":1}', {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': sig,
      }),
    ).toEqual({ a: 1 });
    const got = await api.get(`/webhooks/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    const list = await api.get('/webhooks');
    expect(list.body.map((w: { id: string }) => w.id)).toEqual([res.body.id]);
    expect(list.body[0].secret).toBeUndefined();
  });

  it.each([
    ['an unknown event', { url: PUBLIC_URL, events: ['job.exploded'] }, 'events'],
    ['no events', { url: PUBLIC_URL, events: [] }, 'events'],
    ['a repeated event', { url: PUBLIC_URL, events: ['job.created', 'job.created'] }, 'events'],
    ['ping as a filter', { url: PUBLIC_URL, events: ['ping'] }, 'events'],
    ['an ftp URL', { url: 'ftp://example.com/x', events: ['job.created'] }, 'url'],
    ['credentials in the URL', { url: 'https://user:secret@93.184.216.34/', events: ['job.created'] }, 'url'],
    ['no URL', { events: ['job.created'] }, 'url'],
    ['a relative URL', { url: '/hooks', events: ['job.created'] }, 'url'],
    ['loopback', { url: 'http://127.0.0.1:8080/', events: ['job.created'] }, 'url'],
    ['IPv6 loopback', { url: 'http://[::1]/', events: ['job.created'] }, 'url'],
    ['10/8', { url: 'http://10.0.0.5/', events: ['job.created'] }, 'url'],
    ['172.16/12', { url: 'http://172.20.1.1/', events: ['job.created'] }, 'url'],
    ['192.168/16', { url: 'http://192.168.1.1/', events: ['job.created'] }, 'url'],
    ['the metadata address', { url: 'http://169.254.169.254/latest/meta-data/', events: ['job.created'] }, 'url'],
    ['ULA', { url: 'http://[fd00::1]/', events: ['job.created'] }, 'url'],
    ['localhost', { url: 'http://localhost:3000/', events: ['job.created'] }, 'url'],
    ['decimal loopback', { url: 'http://2130706433/', events: ['job.created'] }, 'url'],
    ['hex loopback', { url: 'http://0x7f.1/', events: ['job.created'] }, 'url'],
    ['octal loopback', { url: 'http://017700000001/', events: ['job.created'] }, 'url'],
    ['IPv4-mapped IPv6 loopback', { url: 'http://[::ffff:127.0.0.1]/', events: ['job.created'] }, 'url'],
    ['a description too long', { url: PUBLIC_URL, events: ['job.created'], description: 'x'.repeat(1001) }, 'description'],
  ])('when the body has %s, then it is a 422 naming the field and nothing is written', async (_what, body, field) => {
    const userId = newUserId();
    const res = await as(userId).post('/webhooks', body);
    expectProblem(res, 422, { fields: [field] });
    expect(await t.deps.dataSource.query(`SELECT id FROM webhooks WHERE workspace_id = $1`, [`user:${userId}`])).toEqual([]);
  });

  it('when a webhook is updated, then only the fields sent change; a private URL is refused; enabled: false and back works', async () => {
    const api = as(newUserId());
    const { body: created } = await api.post('/webhooks', { url: PUBLIC_URL, events: ['job.created'] });
    const res = await api.put(`/webhooks/${created.id}`, { events: ['job.failed', 'schedule.error'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: PUBLIC_URL, events: ['job.failed', 'schedule.error'] });
    expectProblem(await api.put(`/webhooks/${created.id}`, { url: 'http://192.168.0.1/' }), 422, { fields: ['url'] });
    expect((await api.get(`/webhooks/${created.id}`)).body.url).toBe(PUBLIC_URL);
    expect((await api.put(`/webhooks/${created.id}`, { enabled: false })).body.enabled).toBe(false);
    expectProblem(await api.post(`/webhooks/${created.id}/test`, {}), 409);
    expect((await api.put(`/webhooks/${created.id}`, { enabled: true })).body.enabled).toBe(true);
    expectProblem(await api.put(`/webhooks/${created.id}`, {}), 422, { fields: ['body'] });
  });

  it('when a webhook is tested, then a ping event for it alone is in the outbox; its log is empty until an attempt', async () => {
    const userId = newUserId();
    const api = as(userId);
    const { body: created } = await api.post('/webhooks', { url: PUBLIC_URL, events: ['job.created'] });
    const res = await api.post(`/webhooks/${created.id}/test`, {});
    expect(res.status).toBe(200);
    const events = await eventsOf(`user:${userId}`);
    expect(events).toEqual([
      { id: res.body.event_id, type: 'ping', payload: expect.objectContaining({ webhook_id: created.id }), webhook_id: created.id },
    ]);
    const log = await api.get(`/webhooks/${created.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual([]);
  });

  it('when a delivery is redelivered, then it is pending again with a new round, and its attempts show in the log', async () => {
    const userId = newUserId();
    const api = as(userId);
    const { body: created } = await api.post('/webhooks', { url: PUBLIC_URL, events: ['job.created'] });
    const ds = t.deps.dataSource;
    const [{ id: eventId }] = await ds.query(
      `INSERT INTO outbox_events (workspace_id, type, payload, dispatched_at) VALUES ($1, 'job.created', '{}', now()) RETURNING id`,
      [`user:${userId}`],
    );
    const [{ id: deliveryId }] = await ds.query(
      `INSERT INTO webhook_deliveries (webhook_id, workspace_id, event_id, event_type, status, attempts) VALUES ($1, $2, $3, 'job.created', 'failed', 1) RETURNING id`,
      [created.id, `user:${userId}`, eventId],
    );
    await ds.query(
      `INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, status_code, duration_ms, error) VALUES ($1, $2, 1, 500, 12, 'receiver answered 500')`,
      [deliveryId, created.id],
    );
    const log = await api.get(`/webhooks/${created.id}/deliveries`);
    expect(log.body).toEqual([
      expect.objectContaining({
        delivery_id: deliveryId,
        event_id: eventId,
        event_type: 'job.created',
        attempt: 1,
        status_code: 500,
        duration_ms: 12,
        error: 'receiver answered 500',
        next_retry_at: null,
        delivery_status: 'failed',
      }),
    ]);
    const res = await api.post(`/webhooks/${created.id}/deliveries/${deliveryId}/redeliver`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: deliveryId, event_id: eventId, status: 'pending' });
    const [row] = await ds.query(`SELECT round, status FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
    expect(row).toEqual({ round: 1, status: 'pending' });
    expectProblem(await api.post(`/webhooks/${created.id}/deliveries/${randomUUID()}/redeliver`, {}), 404);
    expectProblem(await api.post(`/webhooks/${created.id}/deliveries/not-a-uuid/redeliver`, {}), 404);
  });

  it('when another workspace asks for a webhook, then every operation on it is a 404 and it is unchanged', async () => {
    const owner = as(newUserId());
    const other = as(newUserId());
    const { body: created } = await owner.post('/webhooks', { url: PUBLIC_URL, events: ['job.created'] });
    for (const res of [
      await other.get(`/webhooks/${created.id}`),
      await other.put(`/webhooks/${created.id}`, { url: 'https://93.184.216.35/' }),
      await other.delete(`/webhooks/${created.id}`),
      await other.post(`/webhooks/${created.id}/test`, {}),
      await other.get(`/webhooks/${created.id}/deliveries`),
      await other.post(`/webhooks/${created.id}/deliveries/${randomUUID()}/redeliver`, {}),
    ]) {
      expectProblem(res, 404);
    }
    expect((await other.get('/webhooks')).body).toEqual([]);
    expect((await owner.get(`/webhooks/${created.id}`)).body.url).toBe(PUBLIC_URL);
    expect((await owner.delete(`/webhooks/${created.id}`)).status).toBe(204);
    expectProblem(await owner.get(`/webhooks/${created.id}`), 404);
  });

  it('when a Job is reported completed or failed, then job.completed / job.failed is written with the change; a refused report writes none', async () => {
    const userId = newUserId();
    const api = as(userId);
    const done = await insertJob(t.deps.dataSource, { userId, status: 'running' });
    const broken = await insertJob(t.deps.dataSource, { userId, status: 'running' });
    expect((await api.patch(`/jobs/${done.id}`, { status: 'completed' })).status).toBe(200);
    expect((await api.patch(`/jobs/${broken.id}`, { status: 'failed', error_message: 'LLM timeout' })).status).toBe(200);
    // Refused (a final status no longer changes): no event.
    expect((await api.patch(`/jobs/${done.id}`, { status: 'failed' })).status).toBe(409);
    const events = await eventsOf(`user:${userId}`);
    expect(events.map((e) => [e.type, e.payload.job_id])).toEqual([
      ['job.completed', done.id],
      ['job.failed', broken.id],
    ]);
    expect(events[1].payload).toMatchObject({ status: 'failed', error_message: 'LLM timeout' });
  });

  it('when a Job is made by run now or a template use, then job.created is written with it (and job.awaiting_approval when gated); a replayed run now writes none', async () => {
    const userId = newUserId();
    const api = as(userId);
    const template = await createTemplate(t, userId);
    const schedule = await createSchedule(t, userId, { template_id: template.id, schedule_type: 'daily', scheduled_at: inHours(2) });
    const ran = await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'events-once');
    expect(ran.status).toBe(201);
    expect((await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'events-once')).body.id).toBe(ran.body.id);
    const used = await useTemplate(t, userId, template.id as string);
    const gated = await createCampaign(t, userId, { requires_approval: true });
    const held = await useTemplate(t, userId, (await createTemplate(t, userId, { campaign_id: gated.id })).id as string);
    expect(held.status).toBe('awaiting_approval');
    const events = await eventsOf(`user:${userId}`);
    expect(events.map((e) => [e.type, e.payload.job_id])).toEqual([
      ['job.created', ran.body.id],
      ['job.created', used.id],
      ['job.created', held.id],
      ['job.awaiting_approval', held.id],
    ]);
    expect(events[0].payload).toMatchObject({ status: 'pending', schedule_id: schedule.id });
    expect(events[3].payload).toMatchObject({ status: 'awaiting_approval', campaign_id: gated.id });
  });

  it('when a campaign is paused and resumed through the API, then campaign.paused and campaign.resumed are written', async () => {
    const userId = newUserId();
    const api = as(userId);
    const campaign = await createCampaign(t, userId);
    expect((await api.post(`/campaigns/${campaign.id}/pause`, { reason: 'holiday' })).status).toBe(200);
    expect((await api.post(`/campaigns/${campaign.id}/resume`, {})).status).toBe(200);
    const events = await eventsOf(`user:${userId}`);
    expect(events.map((e) => e.type)).toEqual(['campaign.paused', 'campaign.resumed']);
    expect(events[0].payload).toMatchObject({ campaign_id: campaign.id, reason: 'holiday' });
  });
});

describe('webhooks API with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true', () => {
  const t = useTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });

  it('when the URL is a loopback receiver, then the operator override lets it be created', async () => {
    const res = await apiAs(t, newUserId()).post('/webhooks', {
      url: 'http://127.0.0.1:9999/hook',
      events: ['job.created'],
    });
    expect(res.status).toBe(201);
  });
});
