import { CAMPAIGN_STATUSES } from '@scheduler/entities';
import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import { listQuery, query } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { Type } from '../openapi/schema';
import { CreateCampaignDto, PauseCampaignDto, UpdateCampaignDto } from './campaign.dto';
import { campaignResponse, CampaignResponse, CampaignStatsResponse } from './campaign.mapper';
import { CAMPAIGN_SORT_KEYS, CampaignService } from './campaign.service';

export const campaignApi = new RouteGroup<CampaignService>({ base: '/campaigns', tag: 'campaigns', resource: 'Campaign' });

campaignApi.post(
  '/',
  {
    operationId: 'createCampaign',
    summary: 'Create a campaign',
    kind: 'writes',
    access: 'write',
    body: CreateCampaignDto,
    success: { status: 201, description: 'The created campaign.', schema: CampaignResponse },
  },
  async ({ caller, body }, service) => campaignResponse(await service.create(caller, body)),
);

const status = query.oneOf(CAMPAIGN_STATUSES, 'Only campaigns with this status.');

campaignApi.get(
  '/',
  {
    operationId: 'listCampaigns',
    summary: "List the caller's campaigns, newest first",
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: {
      status,
      status_filter: query.alias('status', status),
      sort: listQuery.sort(CAMPAIGN_SORT_KEYS, 'Order of the list (default: newest `created_at` first).'),
      ...PAGE_QUERY,
    },
    success: { status: 200, description: 'One page of campaigns.', schema: Type.Array(CampaignResponse), paged: true },
  },
  async ({ caller, query }, service) => {
    const [items, total] = await service.list(caller, query.status, pageOf(query), query.sort);
    return { body: items.map(campaignResponse), total };
  },
);

campaignApi.get(
  '/:id',
  {
    operationId: 'getCampaign',
    summary: 'Get a campaign',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The campaign.', schema: CampaignResponse },
  },
  async ({ caller, id }, service) => campaignResponse(await service.get(caller, id)),
);

campaignApi.get(
  '/:id/stats',
  {
    operationId: 'getCampaignStats',
    summary: 'Progress and statistics of a campaign',
    kind: 'reads',
    access: 'read',
    read: 'replica',
    success: { status: 200, description: "The campaign's statistics.", schema: CampaignStatsResponse },
  },
  async ({ caller, id }, service) => service.stats(caller, id),
);

campaignApi.put(
  '/:id',
  {
    operationId: 'updateCampaign',
    summary: 'Update a campaign (partial)',
    description:
      'Only the fields sent change. Pausing a campaign (`paused`) stops its schedules from producing Jobs until it is ' +
      'active again (as `POST /campaigns/{id}/pause` without a reason or `resume_at`; a paused campaign keeps its pause); ' +
      'any other status clears `paused_reason` and `resume_at`. `completed` / `archived` stop the schedules for good.',
    kind: 'writes',
    access: 'write',
    body: UpdateCampaignDto,
    ifMatch: true,
    success: { status: 200, description: 'The updated campaign.', schema: CampaignResponse },
  },
  async ({ caller, id, body, ifMatch }, service) => campaignResponse(await service.update(caller, id, body, ifMatch)),
);

campaignApi.post(
  '/:id/pause',
  {
    operationId: 'pauseCampaign',
    summary: 'Pause a campaign',
    description:
      'Its active schedules make no run until it is active again (they keep status `active` with `next_run_at` null and ' +
      "`not_running_reason: campaign_paused`). On resume (this campaign's `POST …/resume`, `PUT` with `status: active`, " +
      'or by itself at `resume_at`, once whatever the number of workers) the runs they did not make are recorded ' +
      '`skipped` with reason `campaign paused` or `campaign paused: <reason>`, and they go on from their next run after ' +
      'the resume. Pausing a paused campaign replaces its `reason` and `resume_at`.',
    kind: 'writes',
    access: 'write',
    body: PauseCampaignDto,
    bodyOptional: true,
    ifMatch: true,
    conflict: 'The campaign is completed or archived.',
    success: { status: 200, description: 'The paused campaign.', schema: CampaignResponse },
  },
  async ({ caller, id, body, ifMatch }, service) => campaignResponse(await service.pause(caller, id, body, ifMatch)),
);

campaignApi.post(
  '/:id/resume',
  {
    operationId: 'resumeCampaign',
    summary: 'Resume a paused campaign',
    description:
      'Takes no body. The campaign becomes `active`, `paused_reason` and `resume_at` are cleared; the runs its schedules ' +
      "did not make during the pause are recorded `skipped` with the pause's reason, and they go on from their next run.",
    kind: 'writes',
    access: 'write',
    ifMatch: true,
    conflict: 'The campaign is not paused.',
    success: { status: 200, description: 'The resumed campaign.', schema: CampaignResponse },
  },
  async ({ caller, id, ifMatch }, service) => campaignResponse(await service.resume(caller, id, ifMatch)),
);

campaignApi.delete(
  '/:id',
  {
    operationId: 'deleteCampaign',
    summary: 'Delete a campaign with its templates and schedules',
    description: 'Its Jobs are kept, with `campaign_id` set to null.',
    kind: 'writes',
    access: 'write',
    ifMatch: true,
    success: { status: 204, description: 'Deleted.' },
  },
  async ({ caller, id, ifMatch }, service) => service.remove(caller, id, ifMatch),
);

export function campaignRoutes(deps: AppDeps, limits: RateLimiters) {
  return campaignApi.router(new CampaignService(deps), limits);
}
