import { Router } from 'express';
import { JOB_STATUSES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { userIdOf } from '../http/auth';
import { readPage, sendPage } from '../http/pagination';
import { guard, RateLimiters } from '../http/rate-limit';
import { pathId, QueryReader, validateBody } from '../http/validation';
import { UpdateJobDto } from './job.dto';
import { jobResponse } from './job.mapper';
import { JobService } from './job.service';

export function jobRoutes(deps: AppDeps, limits: RateLimiters): Router {
  const router = Router();
  const service = new JobService(deps);

  router.get('/', ...guard(limits, 'lists'), async (req, res) => {
    const query = new QueryReader(req.query);
    const campaignId = query.uuid('campaign_id');
    const scheduledJobId = query.uuid('scheduled_job_id');
    const status = query.oneOf('status', JOB_STATUSES);
    const page = readPage(query);
    query.done();
    const [items, total] = await service.list(userIdOf(req), { campaignId, scheduledJobId, status }, page);
    sendPage(res, items.map(jobResponse), total);
  });

  router.get('/:id', ...guard(limits, 'reads'), async (req, res) => {
    const job = await service.get(userIdOf(req), pathId(req.params.id, 'Job'));
    res.json(jobResponse(job));
  });

  router.patch('/:id', ...guard(limits, 'writes'), async (req, res) => {
    const id = pathId(req.params.id, 'Job');
    const dto = await validateBody(UpdateJobDto, req.body);
    res.json(jobResponse(await service.update(userIdOf(req), id, dto)));
  });

  return router;
}
