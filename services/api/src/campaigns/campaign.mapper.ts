import type { Campaign } from '@scheduler/entities';
import { iso } from '../http/format';

export function campaignResponse(c: Campaign) {
  return {
    id: c.id,
    user_id: c.userId,
    name: c.name,
    description: c.description,
    status: c.status,
    color: c.color,
    tags: c.tags,
    target_job_count: c.targetJobCount,
    target_budget_usd: c.targetBudgetUsd,
    start_date: iso(c.startDate),
    end_date: iso(c.endDate),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}
