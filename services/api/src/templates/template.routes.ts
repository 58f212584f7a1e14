import { Router } from 'express';
import type { AppDeps } from '../deps';
import { userIdOf } from '../http/auth';
import { readPage, sendPage } from '../http/pagination';
import { guard, RateLimiters } from '../http/rate-limit';
import { pathId, QueryReader, validateBody } from '../http/validation';
import { jobResponse } from '../jobs/job.mapper';
import { CreateTemplateDto, UpdateTemplateDto, UseTemplateDto } from './template.dto';
import { templateResponse } from './template.mapper';
import { TemplateService } from './template.service';

export function templateRoutes(deps: AppDeps, limits: RateLimiters): Router {
  const router = Router();
  const service = new TemplateService(deps);

  router.post('/', ...guard(limits, 'writes'), async (req, res) => {
    const dto = await validateBody(CreateTemplateDto, req.body);
    const template = await service.create(userIdOf(req), dto);
    res.status(201).json(templateResponse(template));
  });

  router.get('/', ...guard(limits, 'lists'), async (req, res) => {
    const query = new QueryReader(req.query);
    const campaignId = query.uuid('campaign_id');
    const favoritesOnly = query.bool('favorites_only');
    const page = readPage(query);
    query.done();
    const [items, total] = await service.list(userIdOf(req), { campaignId, favoritesOnly }, page);
    sendPage(res, items.map(templateResponse), total);
  });

  router.get('/:id', ...guard(limits, 'reads'), async (req, res) => {
    const template = await service.get(userIdOf(req), pathId(req.params.id, 'Template'));
    res.json(templateResponse(template));
  });

  router.put('/:id', ...guard(limits, 'writes'), async (req, res) => {
    const id = pathId(req.params.id, 'Template');
    const dto = await validateBody(UpdateTemplateDto, req.body);
    res.json(templateResponse(await service.update(userIdOf(req), id, dto)));
  });

  router.delete('/:id', ...guard(limits, 'writes'), async (req, res) => {
    await service.remove(userIdOf(req), pathId(req.params.id, 'Template'));
    res.status(204).end();
  });

  router.post('/:id/favorite', ...guard(limits, 'writes'), async (req, res) => {
    const template = await service.toggleFavorite(userIdOf(req), pathId(req.params.id, 'Template'));
    res.json(templateResponse(template));
  });

  router.post('/:id/use', ...guard(limits, 'writes'), async (req, res) => {
    const id = pathId(req.params.id, 'Template');
    const overrides = await validateBody(UseTemplateDto, req.body, { allowEmpty: true });
    const job = await service.use(userIdOf(req), id, overrides);
    res.status(201).json(jobResponse(job));
  });

  return router;
}
