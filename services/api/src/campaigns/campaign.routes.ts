import { Router } from 'express';
import { CAMPAIGN_STATUSES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { userIdOf } from '../http/auth';
import { readPage, sendPage } from '../http/pagination';
import { guard, RateLimiters } from '../http/rate-limit';
import { pathId, QueryReader, validateBody } from '../http/validation';
import { CreateCampaignDto, UpdateCampaignDto } from './campaign.dto';
import { campaignResponse } from './campaign.mapper';
import { CampaignService } from './campaign.service';

export function campaignRoutes(deps: AppDeps, limits: RateLimiters): Router {
  const router = Router();
  const service = new CampaignService(deps);

  router.post('/', ...guard(limits, 'writes'), async (req, res) => {
    const dto = await validateBody(CreateCampaignDto, req.body);
    const campaign = await service.create(userIdOf(req), dto);
    res.status(201).json(campaignResponse(campaign));
  });

  router.get('/', ...guard(limits, 'lists'), async (req, res) => {
    const query = new QueryReader(req.query);
    const status = query.oneOf('status', CAMPAIGN_STATUSES) ?? query.oneOf('status_filter', CAMPAIGN_STATUSES);
    const page = readPage(query);
    query.done();
    const [items, total] = await service.list(userIdOf(req), status, page);
    sendPage(res, items.map(campaignResponse), total);
  });

  router.get('/:id', ...guard(limits, 'reads'), async (req, res) => {
    const campaign = await service.get(userIdOf(req), pathId(req.params.id, 'Campaign'));
    res.json(campaignResponse(campaign));
  });

  router.get('/:id/stats', ...guard(limits, 'reads'), async (req, res) => {
    res.json(await service.stats(userIdOf(req), pathId(req.params.id, 'Campaign')));
  });

  router.put('/:id', ...guard(limits, 'writes'), async (req, res) => {
    const id = pathId(req.params.id, 'Campaign');
    const dto = await validateBody(UpdateCampaignDto, req.body);
    res.json(campaignResponse(await service.update(userIdOf(req), id, dto)));
  });

  router.delete('/:id', ...guard(limits, 'writes'), async (req, res) => {
    await service.remove(userIdOf(req), pathId(req.params.id, 'Campaign'));
    res.status(204).end();
  });

  return router;
}
