import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import { campaignIdFilter, query } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { jobResponse, JobResponse } from '../jobs/job.mapper';
import { Type } from '../openapi/schema';
import { CreateTemplateDto, UpdateTemplateDto, UseTemplateDto } from './template.dto';
import { templateResponse, TemplateResponse } from './template.mapper';
import { TemplateService } from './template.service';

export const templateApi = new RouteGroup<TemplateService>({ base: '/templates', tag: 'templates', resource: 'Template' });

templateApi.post(
  '/',
  {
    operationId: 'createTemplate',
    summary: 'Create a job template',
    kind: 'writes',
    access: 'write',
    body: CreateTemplateDto,
    notFound: true,
    success: { status: 201, description: 'The created template.', schema: TemplateResponse },
  },
  async ({ caller, body }, service) => templateResponse(await service.create(caller, body)),
);

templateApi.get(
  '/',
  {
    operationId: 'listTemplates',
    summary: "List the caller's templates: favorites first, then most recently used",
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: { campaign_id: campaignIdFilter, favorites_only: query.bool('Only favorite templates.'), ...PAGE_QUERY },
    success: { status: 200, description: 'One page of templates.', schema: Type.Array(TemplateResponse), paged: true },
  },
  async ({ caller, query }, service) => {
    const filter = { campaignId: query.campaign_id, favoritesOnly: query.favorites_only };
    const [items, total] = await service.list(caller, filter, pageOf(query));
    return { body: items.map(templateResponse), total };
  },
);

templateApi.get(
  '/:id',
  {
    operationId: 'getTemplate',
    summary: 'Get a template',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The template.', schema: TemplateResponse },
  },
  async ({ caller, id }, service) => templateResponse(await service.get(caller, id)),
);

templateApi.put(
  '/:id',
  {
    operationId: 'updateTemplate',
    summary: 'Update a template (partial)',
    kind: 'writes',
    access: 'write',
    body: UpdateTemplateDto,
    ifMatch: true,
    success: { status: 200, description: 'The updated template.', schema: TemplateResponse },
  },
  async ({ caller, id, body, ifMatch }, service) => templateResponse(await service.update(caller, id, body, ifMatch)),
);

templateApi.delete(
  '/:id',
  {
    operationId: 'deleteTemplate',
    summary: 'Delete a template',
    description: 'Finished schedules and Jobs made from it lose the link (`template_id` null).',
    kind: 'writes',
    access: 'write',
    conflict: 'A schedule that can still run uses the template; `detail` names those schedules.',
    ifMatch: true,
    success: { status: 204, description: 'Deleted.' },
  },
  async ({ caller, id, ifMatch }, service) => service.remove(caller, id, ifMatch),
);

templateApi.post(
  '/:id/favorite',
  {
    operationId: 'toggleTemplateFavorite',
    summary: 'Toggle `is_favorite`',
    description: 'Takes no body.',
    kind: 'writes',
    access: 'write',
    success: { status: 200, description: 'The template with `is_favorite` flipped.', schema: TemplateResponse },
  },
  async ({ caller, id }, service) => templateResponse(await service.toggleFavorite(caller, id)),
);

templateApi.post(
  '/:id/use',
  {
    operationId: 'useTemplate',
    summary: 'Create a Job from the template',
    description:
      "The Job's config is the template's fields with the overrides on top (override wins); the template's " +
      '`use_count` goes up by one and `last_used_at` becomes now. The Job is handed to the content pipeline, unless the ' +
      "template's campaign has `requires_approval`: it is then `awaiting_approval` (with the campaign's timeout) until " +
      'approved.',
    kind: 'writes',
    access: 'write',
    body: UseTemplateDto,
    bodyOptional: true,
    conflict: "The template's campaign is completed or archived: it takes no new Jobs.",
    success: {
      status: 201,
      description: 'The created Job: pending, or awaiting_approval in a campaign that requires approval.',
      schema: JobResponse,
    },
  },
  async ({ caller, id, body }, service) => jobResponse(await service.use(caller, id, body)),
);

export function templateRoutes(deps: AppDeps, limits: RateLimiters) {
  return templateApi.router(new TemplateService(deps), limits);
}
