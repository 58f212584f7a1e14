/**
 * Security properties of the API: authentication (pinned algorithms, claims), tenancy (another
 * workspace's objects, another user's, another team's, a member's personal workspace against the
 * team's, are 404 for every method and stay untouched), rate limits that
 * X-Forwarded-For cannot dodge, the body size limit, mass assignment, and hostile strings
 * (SQL, script, template) stored and returned as plain data.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import {
  allRows,
  apiAs,
  createCampaign,
  createTemplate,
  expectProblem,
  expectUnauthorized,
  inHours,
  newUserId,
  TEST_JWT_SECRET,
  USER_TABLES,
  userRows,
  type UserRows,
  type UserTable,
} from '@scheduler/testkit';
import { startTestApp, TestApp, useTestApp } from './helpers';
import { claims, ecToken, hmacToken, rsaToken, unsignedToken } from './fuzz/jwt';

/** Every row a user owns, as JSON text: equal means byte-for-byte unchanged. */
const rowsOf = (t: TestApp, user: string) => userRows(t.deps.dataSource, user);

/** A POST with exact bytes and headers, through a real listening server. */
async function rawPost(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; contentType: string; text: string }> {
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path, headers: { ...headers, 'content-length': String(body.length) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/* ------------------------------------------------------------------- JWT */

describe('security: JWT verification', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const ISSUER = 'https://auth.example.test/';
  const AUDIENCE = 'content-scheduler-api';

  let hsOnly: TestApp;
  let hsAndRs: TestApp;
  let issAud: TestApp;
  beforeAll(async () => {
    [hsOnly, hsAndRs, issAud] = await Promise.all([
      startTestApp(),
      startTestApp({ JWT_PUBLIC_KEY: publicPem }),
      startTestApp({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([hsOnly.close(), hsAndRs.close(), issAud.close()]);
  });

  const call = (t: TestApp, token: string) => request(t.app).get('/api/v1/campaigns').set('Authorization', `Bearer ${token}`);

  async function expect401(t: TestApp, token: string): Promise<void> {
    const res = await call(t, token);
    expectUnauthorized(res);
    const signature = token.split('.')[2] ?? '';
    if (signature.length > 16) expect(res.text).not.toContain(signature); // the token is not echoed back
  }
  async function expect200(t: TestApp, token: string): Promise<void> {
    const res = await call(t, token);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
  }

  it('the configured algorithm families are as intended (HS256; HS256 + RS256 with a public key)', () => {
    expect(hsOnly.config.jwt.algorithms).toEqual(['HS256']);
    expect(hsAndRs.config.jwt.algorithms).toEqual(['HS256', 'RS256']);
    expect(hsAndRs.config.jwt.publicKey).toBe(publicPem.trim());
  });

  it('a valid HS256 token passes (control)', async () => {
    await expect200(hsOnly, hmacToken(claims(newUserId()), TEST_JWT_SECRET));
  });

  it.each([
    ['none', ''],
    ['None', ''],
    ['NONE', ''],
    ['nOnE', ''],
    ['none', 'c2lnbmF0dXJl'],
  ])('alg %s (signature "%s") is rejected, even with a valid-looking payload', async (alg, signature) => {
    await expect401(hsOnly, unsignedToken(claims(newUserId()), alg, signature));
    await expect401(hsAndRs, unsignedToken(claims(newUserId()), alg, signature));
  });

  it('an HS256 token signed with a correct HMAC but an empty secret or the wrong secret is rejected', async () => {
    await expect401(hsOnly, hmacToken(claims(newUserId()), ''));
    await expect401(hsOnly, hmacToken(claims(newUserId()), `${TEST_JWT_SECRET}x`));
  });

  it('HS384/HS512 tokens signed with the right secret are rejected: only HS256 is pinned', async () => {
    await expect401(hsOnly, hmacToken(claims(newUserId()), TEST_JWT_SECRET, { alg: 'HS384', typ: 'JWT' }, 'sha384'));
    await expect401(hsOnly, hmacToken(claims(newUserId()), TEST_JWT_SECRET, { alg: 'HS512', typ: 'JWT' }, 'sha512'));
  });

  it('HS/RS confusion: an HS256 token whose HMAC key is the RSA public key text is rejected', async () => {
    const user = newUserId();
    for (const key of [publicPem, publicPem.trim(), `${publicPem.trim()}\n`, publicPem.replace(/\n/g, '\\n')]) {
      await expect401(hsAndRs, hmacToken(claims(user), key));
    }
    const der = rsa.publicKey.export({ type: 'spki', format: 'der' });
    await expect401(hsAndRs, hmacToken(claims(user), der));
  });

  it('an RS256 token signed by the matching private key passes, as its sub', async () => {
    const user = newUserId();
    await expect200(hsAndRs, rsaToken(claims(user), rsa.privateKey));
    const created = await request(hsAndRs.app)
      .post('/api/v1/campaigns')
      .set('Authorization', `Bearer ${rsaToken(claims(user), rsa.privateKey)}`)
      .send({ name: 'made with RS256' });
    expect(created.status).toBe(201);
    expect(created.body.user_id).toBe(user);
  });

  it('the HS256 secret still works next to the public key (control)', async () => {
    await expect200(hsAndRs, hmacToken(claims(newUserId()), TEST_JWT_SECRET));
  });

  it('an RS256 token signed by another private key, or with RS512/PS256/ES256, is rejected', async () => {
    const user = newUserId();
    await expect401(hsAndRs, rsaToken(claims(user), otherRsa.privateKey));
    await expect401(hsAndRs, rsaToken(claims(user), rsa.privateKey, { alg: 'RS512', typ: 'JWT' }, 'RSA-SHA512'));
    await expect401(hsAndRs, rsaToken(claims(user), rsa.privateKey, { alg: 'PS256', typ: 'JWT' }));
    await expect401(hsAndRs, ecToken(claims(user), ec.privateKey));
  });

  it('an RS256 token is rejected when only HS256 is configured', async () => {
    await expect401(hsOnly, rsaToken(claims(newUserId()), rsa.privateKey));
  });

  it('an expired token is rejected (also one expired a second ago)', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    await expect401(hsOnly, hmacToken(claims(newUserId(), { iat: t0 - 7200, exp: t0 - 3600 }), TEST_JWT_SECRET));
    await expect401(hsOnly, hmacToken(claims(newUserId(), { iat: t0 - 60, exp: t0 - 1 }), TEST_JWT_SECRET));
    await expect401(hsAndRs, rsaToken(claims(newUserId(), { exp: t0 - 10 }), rsa.privateKey));
  });

  it('a token that is not yet valid (nbf in the future) is rejected', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    await expect401(hsOnly, hmacToken(claims(newUserId(), { nbf: t0 + 3600 }), TEST_JWT_SECRET));
    await expect401(hsAndRs, rsaToken(claims(newUserId(), { nbf: t0 + 600 }), rsa.privateKey));
  });

  it.each([
    ['no sub', undefined],
    ['a numeric sub', 12345],
    ['a zero sub', 0],
    ['a boolean sub', true],
    ['an object sub', { id: 'user-1' }],
    ['an array sub', ['user-1']],
    ['a null sub', null],
    ['an empty sub', ''],
    ['a sub of 256 characters', 'u'.repeat(256)],
  ])('a token with %s is rejected', async (_label, sub) => {
    const payload = claims(sub);
    if (sub === undefined) delete payload.sub;
    await expect401(hsOnly, hmacToken(payload, TEST_JWT_SECRET));
    await expect401(hsAndRs, rsaToken(payload, rsa.privateKey));
  });

  it('a token whose payload is not a JSON object, or that is malformed, is rejected', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    for (const payloadText of ['"user-1"', '[]', '123', 'not json']) {
      const data = `${header}.${Buffer.from(payloadText).toString('base64url')}`;
      const { createHmac } = await import('node:crypto');
      await expect401(hsOnly, `${data}.${createHmac('sha256', TEST_JWT_SECRET).update(data).digest('base64url')}`);
    }
    for (const junk of ['a.b.c', 'a.b', '...', `${header}..`, 'x'.repeat(5000)]) await expect401(hsOnly, junk);
  });

  it('with JWT_ISSUER and JWT_AUDIENCE set, the right ones pass', async () => {
    await expect200(issAud, hmacToken(claims(newUserId(), { iss: ISSUER, aud: AUDIENCE }), TEST_JWT_SECRET));
    await expect200(issAud, hmacToken(claims(newUserId(), { iss: ISSUER, aud: ['another-api', AUDIENCE] }), TEST_JWT_SECRET));
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.example.test/', aud: AUDIENCE }],
    ['an issuer differing by a trailing slash', { iss: ISSUER.replace(/\/$/, ''), aud: AUDIENCE }],
    ['no issuer', { aud: AUDIENCE }],
    ['a wrong audience', { iss: ISSUER, aud: 'another-api' }],
    ['an audience list without ours', { iss: ISSUER, aud: ['a', 'b'] }],
    ['no audience', { iss: ISSUER }],
  ])('with JWT_ISSUER and JWT_AUDIENCE set, a token with %s is rejected', async (_label, extra) => {
    await expect401(issAud, hmacToken(claims(newUserId(), extra), TEST_JWT_SECRET));
  });

  it('without JWT_ISSUER/JWT_AUDIENCE the claims are not required (control)', async () => {
    await expect200(hsOnly, hmacToken(claims(newUserId(), { iss: 'anyone', aud: 'anything' }), TEST_JWT_SECRET));
  });
});

/* --------------------------------------------------------------- tenancy */

/** Who calls: a member (`sub`) and, for a team, its workspace claim (absent: the personal workspace `user:<sub>`). */
interface Tenant {
  sub: string;
  workspace?: string;
}
const workspaceOf = (tenant: Tenant) => (tenant.workspace === undefined ? `user:${tenant.sub}` : `team:${tenant.workspace}`);

/**
 * The isolation matrix runs for each pair: the owner A makes objects, the intruder B (another
 * workspace in every case) must see and change none of them. A team claim equal to a user's
 * `sub`, and a member's own personal workspace, are other workspaces too.
 */
const TENANCY_CASES: [string, () => { owner: Tenant; intruder: Tenant }][] = [
  ['another user', () => ({ owner: { sub: newUserId() }, intruder: { sub: newUserId() } })],
  [
    'another team workspace',
    () => ({
      owner: { sub: newUserId(), workspace: `team-a-${randomUUID()}` },
      intruder: { sub: newUserId(), workspace: `team-b-${randomUUID()}` },
    }),
  ],
  [
    "the owner's own personal workspace (a team member without the claim)",
    () => {
      const sub = newUserId();
      return { owner: { sub, workspace: `team-${randomUUID()}` }, intruder: { sub } };
    },
  ],
  [
    "a team whose claim equals the owner's sub",
    () => {
      const sub = newUserId();
      return { owner: { sub }, intruder: { sub: newUserId(), workspace: sub } };
    },
  ],
];

/** Every row of a workspace, as JSON text by table and id (as `userRows`, by `workspace_id`). */
async function workspaceRows(t: TestApp, workspaceId: string): Promise<UserRows> {
  const sql = USER_TABLES.map(
    (table) => `SELECT '${table}' AS tbl, t.id::text AS id, row_to_json(t)::text AS row FROM ${table} t WHERE t.workspace_id = $1`,
  ).join(' UNION ALL ');
  const rows = await t.deps.dataSource.query<{ tbl: UserTable; id: string; row: string }[]>(sql, [workspaceId]);
  const out = Object.fromEntries(USER_TABLES.map((table) => [table, new Map<string, string>()])) as UserRows;
  for (const r of rows.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) out[r.tbl].set(r.id, r.row);
  return out;
}

describe.each(TENANCY_CASES)('security: tenancy against %s', (_label, tenants) => {
  const t = useTestApp();
  const { owner, intruder } = tenants();
  const a = owner.sub;
  const ids = {
    campaign: '',
    template: '',
    schedule: '',
    pausedSchedule: '',
    job: '',
    skipped: '',
    nextRun: '',
    blackout: '',
    feed: '',
    webhook: '',
  };
  /** A calendar window around A's runs (fixed for the suite, so A's view compares byte for byte). */
  const calendarWindow = `from=${new Date(Date.now() - 3 * 86_400_000).toISOString()}&to=${new Date(Date.now() + 30 * 86_400_000).toISOString()}`;
  /** The conflict check's window (at most 92 days). */
  const conflictWindow = `from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 60 * 86_400_000).toISOString()}`;

  const asTenant = (tenant: Tenant) => apiAs({ app: t.app, auth: (u) => t.auth(u, { workspace: tenant.workspace }) }, tenant.sub);
  const asOwner = () => asTenant(owner);
  /** Requests as the intruder, or as another member `sub` of the intruder's workspace (its personal one, for a personal intruder). */
  const asIntruder = (sub = intruder.sub) => asTenant({ ...intruder, sub });
  const ownerRows = () => workspaceRows(t, workspaceOf(owner));
  const intruderRows = (sub = intruder.sub) => workspaceRows(t, workspaceOf({ ...intruder, sub }));

  /** Everything A can read of their objects: what must not change whatever B does. */
  async function viewOfA() {
    const A = asOwner();
    const paths = [
      `/campaigns/${ids.campaign}`,
      `/campaigns/${ids.campaign}/stats`,
      `/templates/${ids.template}`,
      `/schedule/${ids.schedule}`,
      `/schedule/${ids.schedule}/runs`,
      `/schedule/${ids.schedule}/skips`,
      `/schedule/${ids.pausedSchedule}`,
      `/schedule/${ids.schedule}/preview?count=5`,
      `/jobs/${ids.job}`,
      `/blackouts/${ids.blackout}`,
      '/blackouts',
      `/webhooks/${ids.webhook}`,
      `/webhooks/${ids.webhook}/deliveries`,
      '/webhooks',
      '/campaigns',
      '/templates',
      '/schedule',
      '/jobs',
      '/runs',
      '/calendar/feeds',
      `/calendar?${calendarWindow}`,
      `/calendar/days?${calendarWindow}&timezone=Europe/Berlin`,
      `/schedule/conflicts?${conflictWindow}`,
      '/schedule/suggestions?publisher_domain=a.example.com&count=10',
      '/settings',
      '/notifications',
      // A's audit log: B's refused attempts add nothing to it.
      '/audit?limit=200',
    ];
    const responses: Record<string, string> = {};
    for (const path of paths) {
      const res = await A.get(path);
      expect(res.status).toBe(200);
      responses[path] = res.text;
    }
    const scheduler = await t.deps.occurrenceQueues.of(ids.schedule).getJobScheduler(ids.schedule);
    // The skips and idempotency keys (tables without `user_id`/`id`) of A's workspace.
    const [skips, keys] = await Promise.all(
      ['schedule_skips', 'idempotency_keys'].map((table) =>
        t.deps.dataSource.query(`SELECT row_to_json(t)::text AS row FROM ${table} t WHERE t.workspace_id = $1 ORDER BY 1`, [
          workspaceOf(owner),
        ]),
      ),
    );
    return { responses, rows: await ownerRows(), skips, keys, scheduler: JSON.stringify(scheduler ?? null) };
  }

  beforeAll(async () => {
    const A = asOwner();
    const campaign = await A.post('/campaigns', {
      name: 'A campaign',
      color: '#123456',
      target_budget_usd: 100,
      end_date: inHours(24 * 365),
    });
    ids.campaign = campaign.body.id;
    const template = await A.post('/templates', {
      name: 'A template',
      campaign_id: ids.campaign,
      publisher_domain: 'a.example.com',
      metadata: { secret: 'A only' },
    });
    ids.template = template.body.id;
    const schedule = await A.post('/schedule', {
      name: 'A schedule',
      campaign_id: ids.campaign,
      template_id: ids.template,
      schedule_type: 'daily',
      scheduled_at: inHours(2),
      job_config: { secret: 'A only' },
    });
    ids.schedule = schedule.body.id;
    const paused = await A.post('/schedule', { name: 'A paused', schedule_type: 'weekly', scheduled_at: inHours(3) });
    ids.pausedSchedule = paused.body.id;
    expect((await A.post(`/schedule/${ids.pausedSchedule}/pause`)).status).toBe(200);
    const job = await A.post(`/templates/${ids.template}/use`, { anchor_text: 'A only' });
    ids.job = job.body.id;
    // A campaign blackout far ahead (it moves none of the runs the matrix looks at).
    const blackout = await A.post('/blackouts', {
      name: 'A freeze',
      start_date: '2099-12-24',
      end_date: '2099-12-26',
      timezone: 'Europe/Berlin',
      campaign_id: ids.campaign,
      policy: 'skip',
    });
    ids.blackout = blackout.body.id;
    const feed = await A.post('/calendar/feeds', { name: 'A feed', campaign_id: ids.campaign });
    ids.feed = feed.body.id;
    // A webhook at a public address literal (no DNS; nothing is delivered: no worker runs here).
    const webhook = await A.post('/webhooks', { url: 'https://93.184.216.34/a-hooks', events: ['job.created'] });
    ids.webhook = webhook.body.id;
    for (const res of [campaign, template, schedule, paused, job, blackout, feed, webhook]) expect(res.status).toBe(201);
    // A's own settings: B keeps the defaults.
    expect((await A.put('/settings', { conflict_window_minutes: 1440, conflict_max_per_window: 1, conflict_scope: 'all' })).status).toBe(
      200,
    );
    // A's email notifications: B (another workspace, or A in another one) has none.
    expect((await A.put('/notifications', { email: 'a-only@example.com', events: ['job.created', 'run.missed'] })).status).toBe(200);
    // A skipped occurrence (the second run) and a run now with a key: B must not see or touch either.
    ids.nextRun = schedule.body.next_run_at;
    ids.skipped = new Date(new Date(ids.nextRun).getTime() + 86_400_000).toISOString();
    expect((await A.post(`/schedule/${ids.schedule}/skip`, { occurrence_at: ids.skipped })).status).toBe(200);
    expect((await A.post(`/schedule/${ids.schedule}/run`).set('Idempotency-Key', 'A key')).status).toBe(201);
    await t.deps.dataSource.query(
      `INSERT INTO schedule_runs (scheduled_job_id, user_id, workspace_id, occurrence_at, outcome, reason) VALUES ($1, $2, $3, now() - interval '1 day', 'skipped', 'campaign paused')`,
      [ids.schedule, a, workspaceOf(owner)],
    );
  });

  it("B gets 404 for every id of A with every method of every endpoint, and A's objects stay byte-for-byte unchanged", async () => {
    const before = await viewOfA();
    const B = asIntruder();
    const variants = (id: string) => [id, id.toUpperCase()];
    const attempts: [string, () => request.Test][] = [];
    for (const id of variants(ids.campaign)) {
      attempts.push(
        [`GET campaign ${id}`, () => B.get(`/campaigns/${id}`)],
        [`GET campaign stats ${id}`, () => B.get(`/campaigns/${id}/stats`)],
        [`PUT campaign ${id}`, () => B.put(`/campaigns/${id}`, { name: 'stolen', status: 'archived' })],
        [`PUT campaign (empty) ${id}`, () => B.put(`/campaigns/${id}`, {})],
        [`DELETE campaign ${id}`, () => B.delete(`/campaigns/${id}`)],
        [`pause campaign ${id}`, () => B.post(`/campaigns/${id}/pause`, { reason: 'stolen', resume_at: inHours(5) })],
        [`resume campaign ${id}`, () => B.post(`/campaigns/${id}/resume`)],
      );
    }
    for (const id of variants(ids.template)) {
      attempts.push(
        [`GET template ${id}`, () => B.get(`/templates/${id}`)],
        [`PUT template ${id}`, () => B.put(`/templates/${id}`, { name: 'stolen', metadata: {} })],
        [`DELETE template ${id}`, () => B.delete(`/templates/${id}`)],
        [`use template ${id}`, () => B.post(`/templates/${id}/use`, {})],
        [`use template with overrides ${id}`, () => B.post(`/templates/${id}/use`, { notes: 'x' })],
        [`favorite template ${id}`, () => B.post(`/templates/${id}/favorite`)],
      );
    }
    for (const id of [...variants(ids.schedule), ...variants(ids.pausedSchedule)]) {
      attempts.push(
        [`GET schedule ${id}`, () => B.get(`/schedule/${id}`)],
        [`GET schedule preview ${id}`, () => B.get(`/schedule/${id}/preview?count=5`)],
        [`GET schedule runs ${id}`, () => B.get(`/schedule/${id}/runs`)],
        [`PUT schedule ${id}`, () => B.put(`/schedule/${id}`, { name: 'stolen' })],
        [`PUT schedule rule ${id}`, () => B.put(`/schedule/${id}`, { schedule_type: 'once', scheduled_at: inHours(5) })],
        [`pause schedule ${id}`, () => B.post(`/schedule/${id}/pause`)],
        [`resume schedule ${id}`, () => B.post(`/schedule/${id}/resume`)],
        [`run schedule now ${id}`, () => B.post(`/schedule/${id}/run`)],
        [`run schedule now with A's key ${id}`, () => B.post(`/schedule/${id}/run`).set('Idempotency-Key', 'A key')],
        [`skip an occurrence ${id}`, () => B.post(`/schedule/${id}/skip`, { occurrence_at: ids.nextRun })],
        [`GET schedule skips ${id}`, () => B.get(`/schedule/${id}/skips`)],
        [`un-skip an occurrence ${id}`, () => B.delete(`/schedule/${id}/skips/${encodeURIComponent(ids.skipped)}`)],
        [`DELETE schedule ${id}`, () => B.delete(`/schedule/${id}`)],
      );
    }
    for (const id of variants(ids.blackout)) {
      attempts.push(
        [`GET blackout ${id}`, () => B.get(`/blackouts/${id}`)],
        [`PUT blackout ${id}`, () => B.put(`/blackouts/${id}`, { name: 'stolen', start_date: '2000-01-01', end_date: '2000-01-02' })],
        [`PUT blackout (empty) ${id}`, () => B.put(`/blackouts/${id}`, {})],
        [`DELETE blackout ${id}`, () => B.delete(`/blackouts/${id}`)],
      );
    }
    for (const id of variants(ids.webhook)) {
      attempts.push(
        [`GET webhook ${id}`, () => B.get(`/webhooks/${id}`)],
        [`PUT webhook ${id}`, () => B.put(`/webhooks/${id}`, { url: 'https://93.184.216.35/stolen' })],
        [`DELETE webhook ${id}`, () => B.delete(`/webhooks/${id}`)],
        [`test webhook ${id}`, () => B.post(`/webhooks/${id}/test`)],
        [`GET webhook deliveries ${id}`, () => B.get(`/webhooks/${id}/deliveries`)],
        [`redeliver ${id}`, () => B.post(`/webhooks/${id}/deliveries/${randomUUID()}/redeliver`)],
      );
    }
    for (const id of variants(ids.feed)) {
      attempts.push(
        [`DELETE feed ${id}`, () => B.delete(`/calendar/feeds/${id}`)],
        [`rotate feed ${id}`, () => B.post(`/calendar/feeds/${id}/rotate`)],
      );
    }
    attempts.push([`feed of A's campaign`, () => B.post('/calendar/feeds', { name: 'stolen', campaign_id: ids.campaign })]);
    for (const id of variants(ids.job)) {
      attempts.push(
        [`GET job ${id}`, () => B.get(`/jobs/${id}`)],
        [`PATCH job ${id}`, () => B.patch(`/jobs/${id}`, { status: 'running' })],
        [`PATCH job cost ${id}`, () => B.patch(`/jobs/${id}`, { cost_usd: 1 })],
      );
    }
    const outcomes: string[] = [];
    for (const [label, send] of attempts) {
      const res = await send();
      if (res.status !== 404 || !/^application\/problem\+json/.test(String(res.headers['content-type']))) {
        outcomes.push(`${label}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    expect(outcomes).toEqual([]);
    // B got nothing from its refused attempts (no row, no audit entry).
    expect(allRows(await intruderRows())).toEqual([]);
    // B's own notification setting (the same path, no id to aim at: B's row and B's audit entry) leaves A's as it was.
    expect((await B.put('/notifications', { email: 'stolen@example.com', events: ['job.created'] })).status).toBe(200);
    const after = await viewOfA();
    expect(after.responses).toEqual(before.responses);
    expect(after.rows).toEqual(before.rows);
    expect(after.scheduler).toEqual(before.scheduler);
  });

  it("B's lists, filtered by A's ids or not, never include anything of A", async () => {
    const B = asIntruder();
    await B.post('/campaigns', { name: 'B campaign' });
    const lists = [
      '/campaigns',
      '/campaigns?status=active',
      '/templates',
      `/templates?campaign_id=${ids.campaign}`,
      '/templates?favorites_only=false',
      '/schedule',
      `/schedule?campaign_id=${ids.campaign}`,
      '/schedule?upcoming_only=true',
      '/schedule?status_filter=paused',
      '/schedule/upcoming?hours=8760',
      '/schedule/export',
      '/schedule/export?format=json',
      `/schedule/export?format=json&campaign_id=${ids.campaign}`,
      `/schedule/export?template_id=${ids.template}`,
      '/jobs',
      `/jobs?campaign_id=${ids.campaign}`,
      `/jobs?scheduled_job_id=${ids.schedule}`,
      '/runs',
      `/runs?schedule_id=${ids.schedule}`,
      `/runs?campaign_id=${ids.campaign}&outcome=skipped`,
      '/blackouts',
      `/blackouts?campaign_id=${ids.campaign}`,
      '/blackouts?active_on=2099-12-25',
      '/webhooks',
      '/calendar/feeds',
      `/calendar?${calendarWindow}`,
      `/calendar?${calendarWindow}&campaign_id=${ids.campaign}`,
      `/calendar?${calendarWindow}&publisher_domain=a.example.com`,
      `/calendar?${calendarWindow}&state=skipped`,
      `/calendar/days?${calendarWindow}`,
      `/calendar/days?${calendarWindow}&campaign_id=${ids.campaign}&per_day=50`,
      `/calendar/days?${calendarWindow}&timezone=America/New_York&state=planned`,
      `/schedule/conflicts?${conflictWindow}`,
      '/schedule/suggestions?publisher_domain=a.example.com&count=50',
      '/settings',
      '/notifications',
      '/audit',
      `/audit?entity_id=${ids.campaign}`,
      `/audit?entity_type=campaign&entity_id=${ids.campaign}`,
      `/audit?entity_type=schedule&entity_id=${ids.schedule}&action=skip`,
      `/audit?actor=${a}`,
    ];
    const allOfA = Object.values(ids);
    for (const path of lists) {
      const res = await B.get(path);
      expect(res.status).toBe(200);
      for (const id of allOfA) expect({ path, leaked: res.text.includes(id) }).toEqual({ path, leaked: false });
      // B's own objects carry B's sub, which is A's when B is A's personal workspace.
      if (intruder.sub !== a) expect(res.text).not.toContain(a);
      expect(res.text).not.toContain('A only');
    }
    const filtered = await B.get(`/jobs?campaign_id=${ids.campaign}`);
    expect(filtered.headers['x-total-count']).toBe('0');
    expect((await B.get('/settings')).body).toMatchObject({ conflict_window_minutes: 60, conflict_max_per_window: 3, updated_at: null });
    expect((await B.get('/notifications')).text).not.toContain('a-only@example.com');
  });

  it("a body of B that references A's campaign or template is a 404 and writes nothing", async () => {
    const user = newUserId();
    const B = asIntruder(user);
    const own = (await B.post('/templates', { name: 'B template' })).body;
    const ownSchedule = (await B.post('/schedule', { name: 'B schedule', schedule_type: 'daily', scheduled_at: inHours(4) })).body;
    const before = await intruderRows(user);
    const attempts: [string, () => request.Test][] = [
      ['template create with A campaign', () => B.post('/templates', { name: 'x', campaign_id: ids.campaign })],
      ['template create with A campaign (upper case)', () => B.post('/templates', { name: 'x', campaign_id: ids.campaign.toUpperCase() })],
      ['template update to A campaign', () => B.put(`/templates/${own.id}`, { campaign_id: ids.campaign })],
      [
        'schedule create with A campaign',
        () => B.post('/schedule', { name: 'x', schedule_type: 'daily', scheduled_at: inHours(4), campaign_id: ids.campaign }),
      ],
      [
        'schedule create with A template',
        () => B.post('/schedule', { name: 'x', schedule_type: 'daily', scheduled_at: inHours(4), template_id: ids.template }),
      ],
      [
        'schedule create with A template (upper case)',
        () => B.post('/schedule', { name: 'x', schedule_type: 'daily', scheduled_at: inHours(4), template_id: ids.template.toUpperCase() }),
      ],
      ['schedule update to A campaign', () => B.put(`/schedule/${ownSchedule.id}`, { campaign_id: ids.campaign })],
      ['schedule update to A template', () => B.put(`/schedule/${ownSchedule.id}`, { template_id: ids.template })],
      [
        'blackout create with A campaign',
        () =>
          B.post('/blackouts', {
            name: 'x',
            start_date: '2030-01-01',
            end_date: '2030-01-02',
            timezone: 'UTC',
            campaign_id: ids.campaign,
            policy: 'skip',
          }),
      ],
      [
        'schedule update to A template with a rule change',
        () => B.put(`/schedule/${ownSchedule.id}`, { template_id: ids.template, scheduled_at: inHours(6) }),
      ],
    ];
    const outcomes: string[] = [];
    for (const [label, send] of attempts) {
      const res = await send();
      if (res.status !== 404) outcomes.push(`${label}: ${res.status} ${res.text.slice(0, 200)}`);
      else expectProblem(res, 404);
    }
    expect(outcomes).toEqual([]);
    expect(await intruderRows(user)).toEqual(before);
  });

  it("a workspace-wide blackout of B covering the next year moves none of A's runs", async () => {
    const before = await viewOfA();
    const B = asIntruder(newUserId());
    const today = new Date().toISOString().slice(0, 10);
    const yearOn = new Date(Date.now() + 360 * 86_400_000).toISOString().slice(0, 10);
    const res = await B.post('/blackouts', { name: 'B freeze', start_date: today, end_date: yearOn, timezone: 'UTC', policy: 'skip' });
    expect(res.status).toBe(201);
    const after = await viewOfA();
    expect(after.responses).toEqual(before.responses);
    expect(after.rows).toEqual(before.rows);
    expect(after.scheduler).toEqual(before.scheduler);
    expect((await B.delete(`/blackouts/${res.body.id}`)).status).toBe(204);
  });

  it("an import of B that references A's campaign or template names the row's field (422) and writes nothing, dry run or not", async () => {
    const user = newUserId();
    const before = await intruderRows(user);
    const start = inHours(4);
    const csv =
      'name,schedule_type,scheduled_at,campaign_id,template_id\n' +
      `x,daily,${start},${ids.campaign},\n` +
      `y,daily,${start},,${ids.template.toUpperCase()}\n`;
    const send = (query: string, body: string | object[]) => {
      const req = request(t.app)
        .post(`/api/v1/schedule/import${query}`)
        .set('Authorization', t.auth(user, { workspace: intruder.workspace }));
      return typeof body === 'string' ? req.set('Content-Type', 'text/csv').send(body) : req.send(body);
    };
    const json = [
      { name: 'x', schedule_type: 'daily', scheduled_at: start, campaign_id: ids.campaign },
      { name: 'y', schedule_type: 'daily', scheduled_at: start, template_id: ids.template },
    ];
    for (const [query, body] of [
      ['?dry_run=true', csv],
      ['', csv],
      ['', json],
    ] as const) {
      const res = await send(query, body);
      expect(res.status).toBe(query ? 200 : 422);
      const fields = (res.body.rows as { errors: { field: string }[] }[]).map((r) => r.errors.map((e) => e.field));
      expect(fields).toEqual([['campaign_id'], ['template_id']]);
      expect(res.text).not.toContain('A only');
    }
    expect(await intruderRows(user)).toEqual(before);
  });

  it("B sees A's public template in the library and copies it, but never changes it; A's private template stays a 404 there", async () => {
    const A = asOwner();
    const tag = `lib-${randomUUID()}`;
    const shared = await A.post('/templates', { name: 'A shared', visibility: 'public', tags: [tag], campaign_id: ids.campaign });
    expect(shared.status).toBe(201);
    const hidden = await A.post('/templates', { name: 'A hidden', tags: [tag], metadata: { secret: 'A only' } });
    const sharedBefore = (await A.get(`/templates/${shared.body.id}`)).text;
    const before = await viewOfA();
    const user = newUserId();
    const B = asIntruder(user);
    const intruderBefore = await intruderRows(user);
    // The library: the public one only, without A's campaign.
    const listed = await B.get(`/library/templates?tag=${tag}`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((x: { id: string }) => x.id)).toEqual([shared.body.id]);
    expect(listed.text).not.toContain(ids.campaign);
    expect(listed.text).not.toContain(hidden.body.id);
    expect((await B.get(`/library/templates/${shared.body.id}`)).status).toBe(200);
    // Neither changes through /templates (public or not), nor anything of A's private one in the library.
    const outcomes: string[] = [];
    for (const id of [shared.body.id, shared.body.id.toUpperCase(), hidden.body.id]) {
      for (const [label, send] of [
        ['GET', () => B.get(`/templates/${id}`)],
        ['PUT', () => B.put(`/templates/${id}`, { name: 'stolen', visibility: 'private' })],
        ['DELETE', () => B.delete(`/templates/${id}`)],
        ['use', () => B.post(`/templates/${id}/use`, {})],
        ['favorite', () => B.post(`/templates/${id}/favorite`)],
      ] as [string, () => request.Test][]) {
        const res = await send();
        if (res.status !== 404) outcomes.push(`${label} ${id}: ${res.status}`);
      }
    }
    for (const [label, send] of [
      ['library get', () => B.get(`/library/templates/${hidden.body.id}`)],
      ['library copy', () => B.post(`/library/templates/${hidden.body.id}/copy`)],
      ['library copy (upper case)', () => B.post(`/library/templates/${hidden.body.id.toUpperCase()}/copy`, { name: 'x' })],
    ] as [string, () => request.Test][]) {
      const res = await send();
      if (res.status !== 404) outcomes.push(`${label}: ${res.status}`);
    }
    expect(outcomes).toEqual([]);
    const after = await viewOfA();
    expect(after.rows).toEqual(before.rows);
    expect((await A.get(`/templates/${shared.body.id}`)).text).toBe(sharedBefore);
    expect(await intruderRows(user)).toEqual(intruderBefore);
    // A copy is B's: a private template of B's workspace; A's source counts it and is otherwise unchanged.
    const copied = await B.post(`/library/templates/${shared.body.id}/copy`);
    expect(copied.status).toBe(201);
    expect(copied.body).toMatchObject({ copied_from: shared.body.id, campaign_id: null, visibility: 'private', user_id: user });
    expect((await B.put(`/templates/${copied.body.id}`, { name: 'B now' })).status).toBe(200);
    const source = (await A.get(`/templates/${shared.body.id}`)).body;
    expect({ ...source, copy_count: 0 }).toEqual(JSON.parse(sharedBefore));
    expect(source.copy_count).toBe(1);
    expect((await A.delete(`/templates/${shared.body.id}`)).status).toBe(204);
    expect((await A.delete(`/templates/${hidden.body.id}`)).status).toBe(204);
  });

  it("a schedule preview body of B that references A's campaign or template is a 404 (validated like a create)", async () => {
    const B = asIntruder(newUserId());
    const body = { name: 'x', schedule_type: 'daily', scheduled_at: inHours(4) };
    const withCampaign = await B.post('/schedule/preview', { ...body, campaign_id: ids.campaign });
    const withTemplate = await B.post('/schedule/preview', { ...body, template_id: ids.template });
    expect([withCampaign.status, withTemplate.status]).toEqual([404, 404]);
  });
});

/* ----------------------------------------------------------- rate limits */

describe('security: rate limits and X-Forwarded-For', () => {
  const LIMIT = 3;
  let direct: TestApp;
  let proxied: TestApp;
  let consoleError: jest.SpyInstance;
  beforeAll(async () => {
    // express-rate-limit logs a validation warning when X-Forwarded-For arrives untrusted.
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    [direct, proxied] = await Promise.all([
      startTestApp({ RATE_LIMIT_LISTS: String(LIMIT) }),
      startTestApp({ RATE_LIMIT_LISTS: String(LIMIT), TRUST_PROXY: '1' }),
    ]);
  });
  afterAll(async () => {
    consoleError.mockRestore();
    await Promise.all([direct.close(), proxied.close()]);
  });

  /** `remaining` of the lists policy from the IETF `RateLimit` header (`"lists"; r=2; t=60`). */
  const remaining = (res: request.Response): number | null => {
    const m = /r=(\d+)/.exec(String(res.headers['ratelimit'] ?? ''));
    return m ? Number(m[1]) : null;
  };
  /** A fresh /56 in the IPv6 documentation range: never used by any earlier run's keys. */
  const freshV6 = (host = '1') => {
    const r = randomBytes(3).toString('hex');
    return `2001:db8:${r.slice(0, 4)}:${r.slice(4)}00::${host}`;
  };
  const unauthenticated = (t: TestApp, xff: string) => request(t.app).get('/api/v1/campaigns').set('X-Forwarded-For', xff);

  it('the limiter keys unauthenticated calls by address: rate limiting happens before the 401', async () => {
    const res = await unauthenticated(proxied, freshV6());
    expectProblem(res, 401);
    expect(remaining(res)).toBe(LIMIT - 1);
    expect(String(res.headers['ratelimit-policy'])).toContain(`q=${LIMIT}`);
  });

  it('without a trusted proxy, rotating X-Forwarded-For values does not dodge the limit', async () => {
    // The budget is the test process's own address (127.0.0.1), which other suites' unauthenticated
    // calls may share: so check that every call spends the same budget, not absolute values.
    // A window that happens to roll over mid-sequence is retried once.
    for (let attempt = 0; attempt < 2; attempt++) {
      const seen: { status: number; remaining: number | null }[] = [];
      for (let i = 0; i <= LIMIT; i++) {
        const res = await unauthenticated(direct, `198.51.100.${(i * 37 + attempt) % 250}, ${freshV6()}`);
        expect([401, 429]).toContain(res.status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        seen.push({ status: res.status, remaining: remaining(res) });
      }
      const left = seen.filter((s) => s.status === 401).map((s) => s.remaining as number);
      const rolledOver = left.some((r, i) => i > 0 && r >= left[i - 1]);
      if (rolledOver && attempt === 0) continue;
      expect(left.every((r, i) => i === 0 || r < left[i - 1])).toBe(true);
      expect(seen[seen.length - 1].status).toBe(429);
      const limited = await unauthenticated(direct, freshV6());
      expectProblem(limited, 429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      return;
    }
  });

  it('with TRUST_PROXY=1, each client address has its own budget', async () => {
    const first = freshV6();
    const second = freshV6();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await unauthenticated(proxied, first);
      statuses.push(res.status);
      expect(remaining(res)).toBe(LIMIT - 1 - i);
    }
    expect(statuses).toEqual(Array(LIMIT).fill(401));
    const limited = await unauthenticated(proxied, first);
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const other = await unauthenticated(proxied, second);
    expectProblem(other, 401);
    expect(remaining(other)).toBe(LIMIT - 1);
  });

  it('with TRUST_PROXY=1, a client cannot dodge by prepending its own X-Forwarded-For entries', async () => {
    const client = freshV6();
    for (let i = 0; i < LIMIT; i++) expect((await unauthenticated(proxied, client)).status).toBe(401);
    // The trusted proxy appends the real address last; whatever the client put before it is ignored.
    const spoofed = await unauthenticated(proxied, `${freshV6()}, 203.0.113.7, ${client}`);
    expectProblem(spoofed, 429);
  });

  it('with TRUST_PROXY=1, addresses in the same IPv6 /56 share one budget', async () => {
    const base = freshV6('1');
    const sibling = base.replace(/::1$/, '::beef');
    for (let i = 0; i < LIMIT; i++) expect((await unauthenticated(proxied, base)).status).toBe(401);
    expectProblem(await unauthenticated(proxied, sibling), 429);
  });

  it('an authenticated user has one budget whatever X-Forwarded-For says', async () => {
    const user = newUserId();
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const res = await request(proxied.app)
        .get('/api/v1/campaigns')
        .set('Authorization', proxied.auth(user))
        .set('X-Forwarded-For', freshV6());
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
  });
});

/* ------------------------------------------------------------ body limit */

describe('security: request body size (BODY_LIMIT=1kb)', () => {
  const t = useTestApp({ BODY_LIMIT: '1kb' });

  it('a body under the limit is accepted (control)', async () => {
    const res = await request(t.app)
      .post('/api/v1/campaigns')
      .set('Authorization', t.auth(newUserId()))
      .send({ name: 'small', description: 'd'.repeat(900) });
    expect(res.status).toBe(201);
  });

  it('a body over the limit is a 413 problem+json and nothing is written, on create, update and use', async () => {
    const user = newUserId();
    const auth = t.auth(user);
    const campaign = await createCampaign(t, user, { name: 'c' });
    const template = await createTemplate(t, user, { name: 't' });
    const before = await rowsOf(t, user);
    const big = 'x'.repeat(2048);
    const responses = [
      await request(t.app).post('/api/v1/campaigns').set('Authorization', auth).send({ name: 'big', description: big }),
      await request(t.app).put(`/api/v1/campaigns/${campaign.id}`).set('Authorization', auth).send({ description: big }),
      await request(t.app).post(`/api/v1/templates/${template.id}/use`).set('Authorization', auth).send({ notes: big }),
      await request(t.app)
        .post('/api/v1/schedule')
        .set('Authorization', auth)
        .send({ name: 'n', schedule_type: 'daily', scheduled_at: inHours(2), job_config: { big } }),
      await request(t.app)
        .post('/api/v1/campaigns')
        .set('Authorization', auth)
        .set('Content-Type', 'application/json')
        .send(`{"name":"big","description":"${big}"}`),
    ];
    for (const res of responses) expectProblem(res, 413);
    expect(await rowsOf(t, user)).toEqual(before);
  });

  it('a small gzip body that inflates past the limit is a 413 too (no decompression bomb)', async () => {
    const user = newUserId();
    const json = JSON.stringify({ name: 'bomb', description: ' '.repeat(200_000) });
    const gz = gzipSync(Buffer.from(json));
    expect(gz.length).toBeLessThan(1024);
    // Sent with node:http: superagent would re-serialize a Buffer body as JSON.
    const headers = { authorization: t.auth(user), 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const res = await rawPost(t, '/api/v1/campaigns', headers, gz);
    expect(res.status).toBe(413);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text).status).toBe(413);
    expect(allRows(await rowsOf(t, user))).toEqual([]);
    // A gzip body within the limit is read (control: the 413 is the limit, not the encoding).
    const ok = await rawPost(t, '/api/v1/campaigns', headers, gzipSync(Buffer.from(JSON.stringify({ name: 'gzipped' }))));
    expect(ok.status).toBe(201);
  });

  it('an oversized body without a token is refused before anything else (413 or 401, never 5xx)', async () => {
    const res = await request(t.app)
      .post('/api/v1/campaigns')
      .send({ name: 'x', description: 'y'.repeat(4096) });
    expect([401, 413]).toContain(res.status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

/* ------------------------------------------------------- mass assignment */

describe('security: server-kept fields cannot be set by a client', () => {
  const t = useTestApp();

  it('user_id, id, counters, status and timestamps in a body are 422 naming them, and nothing is written', async () => {
    const user = newUserId();
    const victim = newUserId();
    const api = apiAs(t, user);
    const campaign = (await api.post('/campaigns', { name: 'c' })).body;
    const template = (await api.post('/templates', { name: 't', publisher_domain: 'example.com' })).body;
    const schedule = (await api.post('/schedule', { name: 's', schedule_type: 'daily', scheduled_at: inHours(2) })).body;
    const job = (await api.post(`/templates/${template.id}/use`, {})).body;
    const before = await rowsOf(t, user);
    const attempts: [string, () => request.Test, string][] = [
      ['campaign user_id', () => api.post('/campaigns', { name: 'x', user_id: victim }), 'user_id'],
      ['campaign id', () => api.post('/campaigns', { name: 'x', id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }), 'id'],
      ['campaign created_at', () => api.put(`/campaigns/${campaign.id}`, { created_at: '2000-01-01T00:00:00Z' }), 'created_at'],
      ['template use_count', () => api.put(`/templates/${template.id}`, { use_count: 1000 }), 'use_count'],
      ['template last_used_at', () => api.post('/templates', { name: 'x', last_used_at: '2000-01-01T00:00:00Z' }), 'last_used_at'],
      ['template user_id', () => api.put(`/templates/${template.id}`, { user_id: victim }), 'user_id'],
      ['template copy_count', () => api.put(`/templates/${template.id}`, { copy_count: 1000 }), 'copy_count'],
      ['template copied_from', () => api.post('/templates', { name: 'x', copied_from: template.id }), 'copied_from'],
      ['schedule status', () => api.put(`/schedule/${schedule.id}`, { status: 'completed' }), 'status'],
      ['schedule version', () => api.put(`/schedule/${schedule.id}`, { version: 99 }), 'version'],
      ['schedule run_count', () => api.put(`/schedule/${schedule.id}`, { run_count: 99 }), 'run_count'],
      [
        'schedule next_run_at',
        () => api.post('/schedule', { name: 'x', schedule_type: 'daily', scheduled_at: inHours(2), next_run_at: inHours(1) }),
        'next_run_at',
      ],
      ['schedule recurrence_rule', () => api.put(`/schedule/${schedule.id}`, { recurrence_rule: { type: 'once' } }), 'recurrence_rule'],
      ['job user_id', () => api.patch(`/jobs/${job.id}`, { status: 'running', user_id: victim }), 'user_id'],
      ['job started_at', () => api.patch(`/jobs/${job.id}`, { started_at: '2000-01-01T00:00:00Z' }), 'started_at'],
      ['job config', () => api.patch(`/jobs/${job.id}`, { config: { x: 1 } }), 'config'],
    ];
    const outcomes: string[] = [];
    for (const [label, send, field] of attempts) {
      const res = await send();
      const fields = ((res.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
      if (res.status !== 422 || !fields.includes(field)) outcomes.push(`${label}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(outcomes).toEqual([]);
    expect(await rowsOf(t, user)).toEqual(before);
    expect(allRows(await rowsOf(t, victim))).toEqual([]);
  });
});

/* ----------------------------------------------------- hostile strings */

describe('security: SQL-, script- and template-looking strings are plain data', () => {
  const t = useTestApp();

  const HOSTILE = [
    "'; DROP TABLE campaigns; --",
    '" OR 1=1 --',
    "' OR '1'='1",
    "1'); DELETE FROM jobs WHERE ('1'='1",
    '1; SELECT pg_sleep(5)',
    '$1',
    ':id',
    '\\',
    "\\'",
    '%s%n',
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    '{{7*7}}',
    '${7*7}',
    '#{7*7}',
    '<%= 7*7 %>',
    '{"$gt": ""}',
  ];

  const api = (user: string) => apiAs(t, user);

  async function tablesExist(): Promise<void> {
    for (const table of USER_TABLES) {
      const [row] = await t.deps.dataSource.query<
        {
          present: boolean;
          readable: boolean;
        }[]
      >(`SELECT to_regclass($1) IS NOT NULL AS present, (SELECT count(*) FROM ${table}) >= 0 AS readable`, [`public.${table}`]);
      expect(row).toEqual({ present: true, readable: true });
    }
  }

  it.each(HOSTILE.map((s) => [s]))('%s round-trips through campaign name, description and tags', async (s) => {
    const user = newUserId();
    const startedAt = Date.now();
    const created = await api(user).post('/campaigns', { name: s, description: `before ${s} after`, tags: [s, `${s}2`] });
    expect(created.status).toBe(201);
    expect(Date.now() - startedAt).toBeLessThan(4000); // pg_sleep(5) never ran
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    expect(created.body).toMatchObject({ name: s, description: `before ${s} after`, tags: [s, `${s}2`] });
    const read = await api(user).get(`/campaigns/${created.body.id}`);
    expect(read.body).toMatchObject({ name: s, description: `before ${s} after`, tags: [s, `${s}2`] });
    const [row] = await t.deps.dataSource.query<
      {
        name: string;
        description: string;
        tags: string[];
      }[]
    >('SELECT name, description, tags FROM campaigns WHERE id = $1', [created.body.id]);
    expect(row).toEqual({ name: s, description: `before ${s} after`, tags: [s, `${s}2`] });
    const list = await api(user).get('/campaigns');
    expect(list.body.map((c: { name: string }) => c.name)).toEqual([s]);
    await tablesExist();
  });

  it('all of them round-trip as keys and values of template metadata, a schedule job_config and a template use', async () => {
    const user = newUserId();
    const metadata: Record<string, unknown> = { list: HOSTILE, nested: { deeper: HOSTILE.map((s) => ({ [s]: s })) } };
    for (const s of HOSTILE) metadata[s] = s;
    const template = await api(user).post('/templates', {
      name: HOSTILE[0],
      description: HOSTILE[10],
      metadata,
      tags: HOSTILE.slice(0, 5),
    });
    expect(template.status).toBe(201);
    expect(template.body.metadata).toEqual(metadata);
    expect((await api(user).get(`/templates/${template.body.id}`)).body).toMatchObject({
      name: HOSTILE[0],
      description: HOSTILE[10],
      metadata,
      tags: HOSTILE.slice(0, 5),
    });
    const [stored] = await t.deps.dataSource.query<{ metadata: unknown }[]>('SELECT metadata FROM job_templates WHERE id = $1', [
      template.body.id,
    ]);
    expect(stored.metadata).toEqual(metadata);

    const jobConfig: Record<string, unknown> = { values: HOSTILE };
    for (const s of HOSTILE) jobConfig[s] = { s };
    const schedule = await api(user).post('/schedule', {
      name: HOSTILE[1],
      description: HOSTILE[12],
      schedule_type: 'daily',
      scheduled_at: inHours(2),
      template_id: template.body.id,
      job_config: jobConfig,
    });
    expect(schedule.status).toBe(201);
    expect(schedule.body.job_config).toEqual(jobConfig);
    expect((await api(user).get(`/schedule/${schedule.body.id}`)).body).toMatchObject({
      name: HOSTILE[1],
      description: HOSTILE[12],
      job_config: jobConfig,
    });
    const [storedConfig] = await t.deps.dataSource.query<{ job_config: unknown }[]>('SELECT job_config FROM scheduled_jobs WHERE id = $1', [
      schedule.body.id,
    ]);
    expect(storedConfig.job_config).toEqual(jobConfig);

    const used = await api(user).post(`/templates/${template.body.id}/use`, {
      publisher_domain: 'example.com',
      anchor_text: HOSTILE[0],
      notes: HOSTILE[13],
      keywords: HOSTILE.slice(0, 8),
    });
    expect(used.status).toBe(201);
    expect(used.body.config).toMatchObject({ anchor_text: HOSTILE[0], notes: HOSTILE[13], keywords: HOSTILE.slice(0, 8), metadata });
    expect((await api(user).get(`/jobs/${used.body.id}`)).body.config).toEqual(used.body.config);
    await tablesExist();
  });

  it('in query parameters they are validated (422 naming the parameter), never interpolated', async () => {
    const user = newUserId();
    for (const s of HOSTILE) {
      const q = encodeURIComponent(s);
      for (const path of [
        `/campaigns?status=${q}`,
        `/jobs?campaign_id=${q}`,
        `/templates?campaign_id=${q}`,
        `/schedule?status_filter=${q}`,
        `/campaigns?limit=${q}`,
      ]) {
        const res = await api(user).get(path);
        expectProblem(res, 422);
        expect(res.text).not.toMatch(/syntax error|QueryFailedError|pg_/i);
      }
      const byId = await api(user).get(`/campaigns/${q}`);
      expectProblem(byId, 404);
    }
    await tablesExist();
  });
});
