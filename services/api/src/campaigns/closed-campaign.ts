import { isClosedCampaign, type Campaign } from '@scheduler/entities';
import { conflict } from '../http/errors';

/**
 * A completed or archived campaign takes no new work: a schedule created in it (or moved into it
 * by `PUT`) and a template use there are a 409 naming its status (its schedules stopped for good).
 */
export function refuseClosedCampaign(campaign: Pick<Campaign, 'status'> | null, what: 'schedules' | 'Jobs'): void {
  if (campaign && isClosedCampaign(campaign.status)) {
    throw conflict(`The campaign is ${campaign.status}: it takes no new ${what} (its schedules have stopped for good)`);
  }
}
