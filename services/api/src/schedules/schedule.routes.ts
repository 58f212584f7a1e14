import { Router } from 'express';
import { SCHEDULED_JOB_STATUSES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { userIdOf } from '../http/auth';
import { readPage, sendPage } from '../http/pagination';
import { guard, RateLimiters } from '../http/rate-limit';
import { pathId, QueryReader, validateBody } from '../http/validation';
import { TemplateJobFieldsDto } from '../templates/template.dto';
import { CreateScheduleDto, UpdateScheduleDto } from './schedule.dto';
import { runResponse, scheduleResponse, upcomingScheduleResponse } from './schedule.mapper';
import { ScheduleService } from './schedule.service';
import { schedulerStatus } from './scheduler-status';

/**
 * `job_config` is open-ended (job inputs such as `target_url` ride along), but the generation
 * settings it may override follow the template's rules, so a bad one is a 422 now rather than a
 * failed run later.
 */
async function validateJobConfig(jobConfig: Record<string, unknown> | undefined): Promise<void> {
  if (jobConfig !== undefined) await validateBody(TemplateJobFieldsDto, jobConfig, { allowUnknown: true, field: 'job_config' });
}

export function scheduleRoutes(deps: AppDeps, limits: RateLimiters): Router {
  const router = Router();
  const service = new ScheduleService(deps);
  const id = (value: unknown) => pathId(value, 'Scheduled job');

  router.post('/', ...guard(limits, 'writes'), async (req, res) => {
    const dto = await validateBody(CreateScheduleDto, req.body);
    await validateJobConfig(dto.job_config);
    res.status(201).json(scheduleResponse(await service.create(userIdOf(req), dto)));
  });

  router.get('/', ...guard(limits, 'lists'), async (req, res) => {
    const query = new QueryReader(req.query);
    const filters = {
      campaignId: query.uuid('campaign_id'),
      status: query.oneOf('status_filter', SCHEDULED_JOB_STATUSES) ?? query.oneOf('status', SCHEDULED_JOB_STATUSES),
      upcomingOnly: query.bool('upcoming_only'),
    };
    const page = readPage(query);
    query.done();
    const [items, total] = await service.list(userIdOf(req), filters, page);
    sendPage(res, items.map(scheduleResponse), total);
  });

  router.get('/upcoming', ...guard(limits, 'lists'), async (req, res) => {
    const query = new QueryReader(req.query);
    const hours = query.int('hours', 24, 1, 8760);
    const page = readPage(query);
    query.done();
    const result = await service.upcoming(userIdOf(req), hours, page);
    res.set('X-Total-Count', String(result.total));
    res.json({
      time_window_hours: hours,
      cutoff_time: result.cutoff.toISOString(),
      upcoming_count: result.total,
      jobs: result.schedules.map((s) => upcomingScheduleResponse(s, s.campaignId ? result.campaigns.get(s.campaignId) : undefined)),
    });
  });

  router.get('/status', ...guard(limits, 'reads'), async (_req, res) => {
    res.json(await schedulerStatus(deps));
  });

  router.post('/preview', ...guard(limits, 'reads'), async (req, res) => {
    const query = new QueryReader(req.query);
    const count = query.int('count', 10, 1, 100);
    query.done();
    const dto = await validateBody(CreateScheduleDto, req.body);
    await validateJobConfig(dto.job_config);
    res.json(await service.previewOf(userIdOf(req), dto, count));
  });

  router.get('/:id', ...guard(limits, 'reads'), async (req, res) => {
    res.json(scheduleResponse(await service.get(userIdOf(req), id(req.params.id))));
  });

  router.get('/:id/preview', ...guard(limits, 'reads'), async (req, res) => {
    const scheduleId = id(req.params.id);
    const query = new QueryReader(req.query);
    const count = query.int('count', 10, 1, 100);
    query.done();
    res.json(await service.preview(userIdOf(req), scheduleId, count));
  });

  router.get('/:id/runs', ...guard(limits, 'lists'), async (req, res) => {
    const scheduleId = id(req.params.id);
    const query = new QueryReader(req.query);
    const page = readPage(query);
    query.done();
    const [runs, total] = await service.runs(userIdOf(req), scheduleId, page);
    sendPage(res, runs.map(runResponse), total);
  });

  router.put('/:id', ...guard(limits, 'writes'), async (req, res) => {
    const scheduleId = id(req.params.id);
    const dto = await validateBody(UpdateScheduleDto, req.body);
    await validateJobConfig(dto.job_config);
    res.json(scheduleResponse(await service.update(userIdOf(req), scheduleId, dto)));
  });

  router.post('/:id/pause', ...guard(limits, 'writes'), async (req, res) => {
    res.json(scheduleResponse(await service.pause(userIdOf(req), id(req.params.id))));
  });

  router.post('/:id/resume', ...guard(limits, 'writes'), async (req, res) => {
    res.json(scheduleResponse(await service.resume(userIdOf(req), id(req.params.id))));
  });

  router.delete('/:id', ...guard(limits, 'writes'), async (req, res) => {
    await service.remove(userIdOf(req), id(req.params.id));
    res.status(204).end();
  });

  return router;
}
