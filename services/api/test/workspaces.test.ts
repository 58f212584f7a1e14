/**
 * Team workspaces (issue #17): two members of one workspace (tokens with the same workspace
 * claim, different `sub`) share every object, `user_id` stays the member who created it, and the
 * rate-limit budget is the workspace's. The other side, that another workspace and the members'
 * personal workspaces see nothing, is the isolation matrix of security.test.ts.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { apiAs, expectProblem, inHours, newUserId } from '@scheduler/testkit';
import { TestApp, TestClaims, useTestApp } from './helpers';

/** Requests as a member of a workspace (or as a personal token, without claims). */
const member = (t: TestApp, userId: string, claims?: TestClaims) => apiAs({ app: t.app, auth: (u) => t.auth(u, claims) }, userId);

describe('workspaces: two members of one team share everything', () => {
  const t = useTestApp();
  const workspace = `acme-${randomUUID()}`;
  const alice = newUserId();
  const bob = newUserId();
  const A = () => member(t, alice, { workspace });
  const B = () => member(t, bob, { workspace });

  it("when one member creates a campaign, a template and a schedule, then the other lists, reads, updates, pauses, uses and deletes them; user_id stays the creator's", async () => {
    const campaign = await A().post('/campaigns', { name: 'Team campaign' });
    const template = await A().post('/templates', { name: 'Team template', campaign_id: campaign.body.id, publisher_domain: 'acme.test' });
    const schedule = await A().post('/schedule', {
      name: 'Team schedule',
      campaign_id: campaign.body.id,
      template_id: template.body.id,
      schedule_type: 'daily',
      scheduled_at: inHours(2),
    });
    for (const res of [campaign, template, schedule]) {
      expect(res.status).toBe(201);
      expect(res.body.user_id).toBe(alice);
    }
    const ids = { campaign: campaign.body.id as string, template: template.body.id as string, schedule: schedule.body.id as string };

    // Bob lists and reads them.
    const listed = async (path: string) => ((await B().get(path)).body as { id: string }[]).map((o) => o.id);
    expect(await listed('/campaigns')).toEqual([ids.campaign]);
    expect(await listed('/templates')).toEqual([ids.template]);
    expect(await listed('/schedule')).toEqual([ids.schedule]);
    expect(await listed(`/schedule?campaign_id=${ids.campaign}`)).toEqual([ids.schedule]);
    expect((await B().get('/schedule/upcoming?hours=48')).body.jobs.map((j: { id: string }) => j.id)).toEqual([ids.schedule]);
    for (const path of [`/campaigns/${ids.campaign}`, `/templates/${ids.template}`, `/schedule/${ids.schedule}`]) {
      const res = await B().get(path);
      expect(res.status).toBe(200);
      expect(res.body.user_id).toBe(alice);
    }
    const stats = await B().get(`/campaigns/${ids.campaign}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ total_scheduled_jobs: 1, total_templates: 1 });
    expect(stats.body.upcoming_runs.map((r: { scheduled_job_id: string }) => r.scheduled_job_id)).toContain(ids.schedule);
    expect((await B().get(`/schedule/${ids.schedule}/preview?count=2`)).body.occurrences).toHaveLength(2);
    expect((await B().get(`/schedule/${ids.schedule}/runs`)).status).toBe(200);

    // Bob changes them; the creator stays Alice.
    const renamed = await B().put(`/campaigns/${ids.campaign}`, { name: 'Renamed by Bob' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed by Bob', user_id: alice });
    expect((await B().put(`/templates/${ids.template}`, { name: 'Template by Bob' })).body.user_id).toBe(alice);
    expect((await B().put(`/schedule/${ids.schedule}`, { name: 'Schedule by Bob' })).body.user_id).toBe(alice);
    expect((await B().post(`/templates/${ids.template}/favorite`)).body.is_favorite).toBe(true);
    expect((await B().post(`/schedule/${ids.schedule}/pause`)).body).toMatchObject({ status: 'paused', user_id: alice });
    expect((await A().get(`/schedule/${ids.schedule}`)).body).toMatchObject({ status: 'paused', name: 'Schedule by Bob' });
    expect((await B().post(`/schedule/${ids.schedule}/resume`)).body.status).toBe('active');

    // A body naming the other member's campaign and template is the workspace's own reference.
    const bobs = await B().post('/schedule', {
      name: "Bob's schedule",
      campaign_id: ids.campaign,
      template_id: ids.template,
      schedule_type: 'weekly',
      scheduled_at: inHours(3),
    });
    expect(bobs.status).toBe(201);
    expect(bobs.body.user_id).toBe(bob);
    expect(
      (await B().post('/schedule/preview', { name: 'p', schedule_type: 'daily', scheduled_at: inHours(1), campaign_id: ids.campaign }))
        .status,
    ).toBe(200);

    // A template use is the calling member's Job, in the workspace: Alice sees it and can report on it.
    const job = await B().post(`/templates/${ids.template}/use`, {});
    expect(job.status).toBe(201);
    expect(job.body.user_id).toBe(bob);
    expect(((await A().get('/jobs')).body as { id: string }[]).map((j) => j.id)).toEqual([job.body.id]);
    expect((await A().patch(`/jobs/${job.body.id}`, { status: 'running' })).body).toMatchObject({ status: 'running', user_id: bob });
    expect((await A().get(`/templates/${ids.template}`)).body.use_count).toBe(1);

    // Bob deletes what Alice made.
    expect((await B().delete(`/schedule/${ids.schedule}`)).status).toBe(204);
    expect((await B().delete(`/schedule/${bobs.body.id}`)).status).toBe(204);
    expect((await B().delete(`/templates/${ids.template}`)).status).toBe(204);
    expect((await B().delete(`/campaigns/${ids.campaign}`)).status).toBe(204);
    for (const path of [`/campaigns/${ids.campaign}`, `/templates/${ids.template}`, `/schedule/${ids.schedule}`]) {
      expectProblem(await A().get(path), 404);
    }
    // The Job stays, in the workspace.
    expect((await A().get(`/jobs/${job.body.id}`)).status).toBe(200);
  });

  it('when the members list the run history, then each sees the runs of every schedule of the workspace', async () => {
    const schedule = (await A().post('/schedule', { name: 'runs', schedule_type: 'daily', scheduled_at: inHours(1) })).body;
    await t.deps.dataSource.query(
      `INSERT INTO schedule_runs (scheduled_job_id, user_id, workspace_id, occurrence_at, outcome, reason)
       VALUES ($1, $2, $3, now() - interval '1 day', 'skipped', 'campaign paused')`,
      [schedule.id, alice, `team:${workspace}`],
    );
    const runs = await B().get('/runs');
    expect(runs.status).toBe(200);
    expect(runs.body.map((r: { schedule_id: string }) => r.schedule_id)).toEqual([schedule.id]);
    expect((await member(t, alice).get('/runs')).body).toEqual([]); // Alice's personal workspace has none
  });
});

describe('workspaces: the rate-limit budget is the workspace', () => {
  const LIMIT = 3;
  const t = useTestApp({ RATE_LIMIT_LISTS: String(LIMIT) });

  it("when two members spend the workspace's list budget, then the next call of either is a 429, while another workspace and a member's personal token keep their own", async () => {
    const workspace = `budget-${randomUUID()}`;
    const alice = newUserId();
    const bob = newUserId();
    const statuses = [];
    for (const user of [alice, bob, alice]) statuses.push((await member(t, user, { workspace }).get('/campaigns')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await member(t, bob, { workspace }).get('/campaigns');
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await member(t, newUserId(), { workspace }).get('/campaigns')).status).toBe(429); // a third member too
    expect((await member(t, alice).get('/campaigns')).status).toBe(200); // her personal workspace
    expect((await member(t, bob, { workspace: `other-${randomUUID()}` }).get('/campaigns')).status).toBe(200);
    // Reads are another budget.
    expect((await request(t.app).get('/api/v1/schedule/status').set('Authorization', t.auth(bob, { workspace }))).status).toBe(200);
  });
});
