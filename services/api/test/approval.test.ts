/**
 * The approval gate in the API: a Job `awaiting_approval` reaches the real `content-jobs` queue
 * only through `POST /jobs/{id}/approve` (once, however often or concurrently it is approved);
 * `reject` cancels it with the reason; only approvers and admins decide; the queue listing; the
 * settings' validation on campaigns and schedules; template uses of a gated campaign.
 */
import request from 'supertest';
import { Job } from '@scheduler/entities';
import { apiAs, createCampaign, createTemplate, expectProblem, inHours, insertJob, newUserId, useTemplate } from '@scheduler/testkit';
import { signToken } from '../src/http/auth';
import { useTestApp } from './helpers';

describe('the approval gate', () => {
  const t = useTestApp();
  const rows = () => t.deps.dataSource.getRepository(Job);

  /** Requests as `user` with a token carrying exactly these roles. */
  const withRoles = (user: string, roles: string[]) => {
    const auth = `Bearer ${signToken(user, t.config.jwt, 3600, { roles: roles as never })}`;
    return {
      post: (path: string, body: object = {}) => request(t.app).post(`/api/v1${path}`).set('Authorization', auth).send(body),
    };
  };

  /** The content-jobs entries of this Job id (BullMQ keeps one per id, so 0 or 1). */
  const onContentQueue = async (jobId: string): Promise<string[]> => {
    const entries = await t.deps.contentQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
    return entries.filter((e) => e.id === jobId).map((e) => e.id as string);
  };

  /** A user with a campaign that requires approval (timeout as given) and a usable template in it. */
  async function gatedTemplate(campaign: object = {}) {
    const user = newUserId();
    const c = await createCampaign(t, user, { requires_approval: true, ...campaign });
    const template = await createTemplate(t, user, { campaign_id: c.id });
    return { user, campaignId: c.id as string, templateId: template.id as string };
  }

  describe('a template use in a campaign that requires approval', () => {
    it('when the campaign requires approval, then the Job awaits approval with the deadline of its timeout and is not handed over', async () => {
      const { user, templateId } = await gatedTemplate({ approval_timeout_hours: 48 });
      const before = Date.now();
      const job = await useTemplate(t, user, templateId);
      expect(job).toMatchObject({ status: 'awaiting_approval', decided_by: null, decided_at: null, status_reason: null });
      const deadline = new Date(job.approval_deadline as string).getTime();
      expect(deadline).toBeGreaterThanOrEqual(before + 48 * 3_600_000 - 1000);
      expect(deadline).toBeLessThanOrEqual(Date.now() + 48 * 3_600_000);
      expect(await onContentQueue(job.id)).toEqual([]);
      expect((await rows().findOneByOrFail({ id: job.id })).queuedAt).toBeNull();
    });

    it('when the campaign sets no timeout, then the Job has no deadline; a campaign without the gate makes pending Jobs as before', async () => {
      const { user, templateId } = await gatedTemplate();
      expect(await useTemplate(t, user, templateId)).toMatchObject({ status: 'awaiting_approval', approval_deadline: null });
      const open = await createTemplate(t, user);
      const job = await useTemplate(t, user, open.id);
      expect(job).toMatchObject({ status: 'pending', approval_deadline: null });
      expect(await onContentQueue(job.id)).toEqual([job.id]);
    });
  });

  describe('POST /jobs/{id}/approve', () => {
    it('when an awaiting Job is approved, then it is pending, decided by the caller, and on content-jobs once (queued_at set)', async () => {
      const { user, templateId } = await gatedTemplate();
      const job = await useTemplate(t, user, templateId);
      const res = await apiAs(t, user).post(`/jobs/${job.id}/approve`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: job.id, status: 'pending', decided_by: user, status_reason: null, completed_at: null });
      expect(res.body.decided_at).not.toBeNull();
      expect(await onContentQueue(job.id)).toEqual([job.id]);
      const queued = await t.deps.contentQueue.getJob(job.id);
      expect(queued?.data).toEqual({
        job_id: job.id,
        user_id: user,
        workspace_id: `user:${user}`,
        scheduled_job_id: null,
        campaign_id: job.campaign_id,
      });
      expect((await rows().findOneByOrFail({ id: job.id })).queuedAt).not.toBeNull();
    });

    it('when it is approved a second time, then 409, and content-jobs still holds it once', async () => {
      const { user, templateId } = await gatedTemplate();
      const job = await useTemplate(t, user, templateId);
      expect((await apiAs(t, user).post(`/jobs/${job.id}/approve`)).status).toBe(200);
      const decidedAt = (await rows().findOneByOrFail({ id: job.id })).decidedAt;
      expectProblem(await apiAs(t, user).post(`/jobs/${job.id}/approve`), 409, { detail: 'Job is pending, not awaiting_approval' });
      expect(await onContentQueue(job.id)).toEqual([job.id]);
      expect((await rows().findOneByOrFail({ id: job.id })).decidedAt).toEqual(decidedAt);
    });

    it('when two approvals race, then exactly one succeeds and the Job is handed over once', async () => {
      const { user, templateId } = await gatedTemplate();
      const jobs = await Promise.all([1, 2, 3].map(() => useTemplate(t, user, templateId)));
      for (const job of jobs) {
        const answers = await Promise.all([1, 2, 3, 4].map(() => apiAs(t, user).post(`/jobs/${job.id}/approve`)));
        expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
        expect(await onContentQueue(job.id)).toEqual([job.id]);
      }
    });

    it('when the Job is not awaiting approval (pending, running, rejected), then 409 and nothing changes', async () => {
      const user = newUserId();
      for (const status of ['pending', 'running', 'cancelled'] as const) {
        const row = await insertJob(t.deps.dataSource, { userId: user, status });
        expectProblem(await apiAs(t, user).post(`/jobs/${row.id}/approve`), 409, { detail: `Job is ${status}, not awaiting_approval` });
        expectProblem(await apiAs(t, user).post(`/jobs/${row.id}/reject`, { reason: 'no' }), 409);
        expect(await rows().findOneByOrFail({ id: row.id })).toMatchObject({
          status,
          decidedBy: null,
          decidedAt: null,
          statusReason: null,
        });
        expect(await onContentQueue(row.id)).toEqual([]);
      }
    });

    it("when the Job is another user's, then 404 (approve and reject) and it still awaits", async () => {
      const { user, templateId } = await gatedTemplate();
      const job = await useTemplate(t, user, templateId);
      const stranger = newUserId();
      expectProblem(await apiAs(t, stranger).post(`/jobs/${job.id}/approve`), 404, { detail: 'Job not found' });
      expectProblem(await apiAs(t, stranger).post(`/jobs/${job.id}/reject`, { reason: 'no' }), 404, { detail: 'Job not found' });
      expect((await rows().findOneByOrFail({ id: job.id })).status).toBe('awaiting_approval');
    });
  });

  describe('POST /jobs/{id}/reject', () => {
    it('when an awaiting Job is rejected, then it is cancelled with the reason, completed_at set, never on content-jobs', async () => {
      const { user, templateId } = await gatedTemplate();
      const job = await useTemplate(t, user, templateId);
      const res = await apiAs(t, user).post(`/jobs/${job.id}/reject`, { reason: 'Off-brand tone' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'cancelled', status_reason: 'Off-brand tone', decided_by: user });
      expect(res.body.completed_at).not.toBeNull();
      expect(await onContentQueue(job.id)).toEqual([]);
      expectProblem(await apiAs(t, user).post(`/jobs/${job.id}/approve`), 409, { detail: 'Job is cancelled, not awaiting_approval' });
      expect(await onContentQueue(job.id)).toEqual([]);
    });

    it('when the reason is missing, empty, blank, too long or not text, then 422 naming reason, and the Job still awaits', async () => {
      const { user, templateId } = await gatedTemplate();
      const job = await useTemplate(t, user, templateId);
      for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(1001) }, { reason: 7 }, { reason: 'ok', extra: 1 }]) {
        const res = await apiAs(t, user).post(`/jobs/${job.id}/reject`, body);
        expectProblem(res, 422, { fieldsInclude: 'extra' in body ? ['extra'] : ['reason'] });
      }
      expect(await rows().findOneByOrFail({ id: job.id })).toMatchObject({ status: 'awaiting_approval', statusReason: null });
      expect((await apiAs(t, user).post(`/jobs/${job.id}/reject`, { reason: 'x'.repeat(1000) })).status).toBe(200);
    });
  });

  describe('who may decide', () => {
    it('when an editor or viewer approves or rejects, then 403 and nothing changes; an approver or admin may', async () => {
      const { user, templateId } = await gatedTemplate();
      const [a, b] = [await useTemplate(t, user, templateId), await useTemplate(t, user, templateId)];
      for (const roles of [['editor'], ['viewer'], ['viewer', 'editor']]) {
        expectProblem(await withRoles(user, roles).post(`/jobs/${a.id}/approve`), 403);
        expectProblem(await withRoles(user, roles).post(`/jobs/${a.id}/reject`, { reason: 'no' }), 403);
      }
      expect(await rows().findOneByOrFail({ id: a.id })).toMatchObject({ status: 'awaiting_approval', decidedBy: null });
      expect(await onContentQueue(a.id)).toEqual([]);
      expect((await withRoles(user, ['approver']).post(`/jobs/${a.id}/approve`)).body.status).toBe('pending');
      expect((await withRoles(user, ['admin']).post(`/jobs/${b.id}/reject`, { reason: 'no' })).body.status).toBe('cancelled');
    });

    it('when an editor PATCHes an awaiting Job to pending or running, then 409 (only approve releases it); cancelling it is allowed', async () => {
      const { user, templateId } = await gatedTemplate();
      const job = await useTemplate(t, user, templateId);
      for (const status of ['pending', 'running', 'completed']) {
        expectProblem(await apiAs(t, user).patch(`/jobs/${job.id}`, { status }), 409);
      }
      expect(await onContentQueue(job.id)).toEqual([]);
      const res = await apiAs(t, user).patch(`/jobs/${job.id}`, { status: 'cancelled' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'cancelled', dequeued: false });
      expectProblem(await apiAs(t, user).post(`/jobs/${job.id}/approve`), 409);
    });
  });

  describe('the approval queue: GET /jobs?status=awaiting_approval', () => {
    it('when Jobs await approval, then the queue lists only them, nearest deadline first, those without one last (oldest first)', async () => {
      const user = newUserId();
      const at = (h: number) => new Date(Date.now() + h * 3_600_000);
      const late = await insertJob(t.deps.dataSource, { userId: user, status: 'awaiting_approval', approvalDeadline: at(10) });
      const none1 = await insertJob(t.deps.dataSource, { userId: user, status: 'awaiting_approval' });
      const soon = await insertJob(t.deps.dataSource, { userId: user, status: 'awaiting_approval', approvalDeadline: at(1) });
      const none2 = await insertJob(t.deps.dataSource, { userId: user, status: 'awaiting_approval' });
      await insertJob(t.deps.dataSource, { userId: user, status: 'pending' });
      const res = await apiAs(t, user).get('/jobs?status=awaiting_approval');
      expect(res.status).toBe(200);
      expect(res.body.map((j: { id: string }) => j.id)).toEqual([soon.id, late.id, none1.id, none2.id]);
      expect(res.headers['x-total-count']).toBe('4');
      const sorted = await apiAs(t, user).get('/jobs?status=awaiting_approval&sort=-approval_deadline');
      expect(sorted.body.map((j: { id: string }) => j.id).slice(0, 2)).toEqual([late.id, soon.id]);
    });
  });

  describe('campaign stats', () => {
    it('when a campaign has awaiting Jobs, then its stats count them (awaiting_approval and status_distribution)', async () => {
      const { user, campaignId, templateId } = await gatedTemplate();
      const [a] = [await useTemplate(t, user, templateId), await useTemplate(t, user, templateId)];
      await apiAs(t, user).post(`/jobs/${a.id}/approve`);
      const stats = await apiAs(t, user).get(`/campaigns/${campaignId}/stats`);
      expect(stats.body).toMatchObject({ total_jobs: 2, awaiting_approval: 1, status_distribution: { awaiting_approval: 1, pending: 1 } });
      const other = await createCampaign(t, user);
      expect((await apiAs(t, user).get(`/campaigns/${other.id}/stats`)).body.awaiting_approval).toBe(0);
    });
  });

  describe('the settings on campaigns and schedules', () => {
    it('when left out, then requires_approval is false and approval_timeout_hours null; sent ones are stored and returned; PUT changes them', async () => {
      const user = newUserId();
      expect(await createCampaign(t, user)).toMatchObject({ requires_approval: false, approval_timeout_hours: null });
      const c = await createCampaign(t, user, { requires_approval: true, approval_timeout_hours: 8760 });
      expect(c).toMatchObject({ requires_approval: true, approval_timeout_hours: 8760 });
      const put = await apiAs(t, user).put(`/campaigns/${c.id}`, { requires_approval: false, approval_timeout_hours: null });
      expect(put.body).toMatchObject({ requires_approval: false, approval_timeout_hours: null });

      const base = { name: 's', schedule_type: 'daily', scheduled_at: inHours(2) };
      const plain = await apiAs(t, user).post('/schedule', base);
      expect(plain.body).toMatchObject({ requires_approval: false, approval_timeout_hours: null });
      const gated = await apiAs(t, user).post('/schedule', { ...base, requires_approval: true, approval_timeout_hours: 1 });
      expect(gated.status).toBe(201);
      expect(gated.body).toMatchObject({ requires_approval: true, approval_timeout_hours: 1 });
      const changed = await apiAs(t, user).put(`/schedule/${gated.body.id}`, { approval_timeout_hours: 72 });
      expect(changed.body).toMatchObject({ requires_approval: true, approval_timeout_hours: 72 });
    });

    it('when a value is out of range or of the wrong type, then 422 naming the field, and nothing is written', async () => {
      const user = newUserId();
      const campaign = await createCampaign(t, user);
      const schedule = (await apiAs(t, user).post('/schedule', { name: 's', schedule_type: 'daily', scheduled_at: inHours(2) })).body;
      const bad = [
        { requires_approval: 'yes' },
        { requires_approval: null },
        { requires_approval: 1 },
        { approval_timeout_hours: 0 },
        { approval_timeout_hours: 8761 },
        { approval_timeout_hours: 1.5 },
        { approval_timeout_hours: '24' },
      ];
      for (const fields of bad) {
        const field = Object.keys(fields)[0];
        expectProblem(await apiAs(t, user).post('/campaigns', { name: 'c', ...fields }), 422, { fields: [field] });
        expectProblem(await apiAs(t, user).put(`/campaigns/${campaign.id}`, fields), 422, { fields: [field] });
        const create = { name: 's', schedule_type: 'daily', scheduled_at: inHours(2), ...fields };
        expectProblem(await apiAs(t, user).post('/schedule', create), 422, { fields: [field] });
        expectProblem(await apiAs(t, user).put(`/schedule/${schedule.id}`, fields), 422, { fields: [field] });
      }
      const campaigns = (await apiAs(t, user).get('/campaigns')).body;
      expect(campaigns).toHaveLength(1);
      expect(campaigns[0]).toMatchObject({ requires_approval: false, approval_timeout_hours: null, updated_at: campaign.updated_at });
      const schedules = (await apiAs(t, user).get('/schedule')).body;
      expect(schedules).toHaveLength(1);
      expect(schedules[0]).toMatchObject({ requires_approval: false, approval_timeout_hours: null, updated_at: schedule.updated_at });
    });
  });
});
