import { expandOccurrences, nextFiring } from '@scheduler/recurrence';
import { expansionCampaignOf, expansionOf, nextRunAfter, nextRunOf, upcomingRuns } from '../src';
import { at, iso, ruleFrom, T0 } from './fixtures';

const DAY = 86_400_000;
const daily = ruleFrom({ schedule_type: 'daily', scheduled_at: T0.toISOString(), timezone: 'UTC' });

describe('the lifecycle reads future runs from the recurrence package expansion', () => {
  it('when a schedule has runs made, max_runs and a campaign window, then expansionOf passes them all', () => {
    const campaign = { startDate: at(2 * DAY), endDate: at(9 * DAY) };
    expect(expansionOf({ maxRuns: 5, runCount: 2 }, daily, T0, campaign)).toEqual({
      rule: daily,
      runCount: 2,
      maxRuns: 5,
      since: T0,
      campaign: { start: campaign.startDate, end: campaign.endDate },
    });
    expect(expansionCampaignOf(null)).toBeNull();
    expect(expansionCampaignOf({ startDate: null, endDate: null })).toEqual({ start: null, end: null });
  });

  it('when the lifecycle computes next and upcoming runs, then they are the planned occurrences of that expansion', () => {
    const campaign = { startDate: at(2 * DAY + 1), endDate: at(9 * DAY) };
    const counts = { maxRuns: 6, runCount: 2 };
    const input = expansionOf(counts, daily, T0, campaign);
    const planned = [...expandOccurrences(input, { from: at(1) })].filter((o) => o.state === 'planned').map((o) => iso(o.at));
    expect(planned).toEqual([iso(at(3 * DAY)), iso(at(4 * DAY)), iso(at(5 * DAY)), iso(at(6 * DAY))]);
    expect(upcomingRuns(counts, daily, T0, campaign, 10).map(iso)).toEqual(planned);
    expect(iso(nextRunOf(counts, daily, T0, campaign))).toBe(planned[0]);
    expect(iso(nextRunAfter(daily, T0, campaign))).toBe(iso(nextFiring({ rule: daily, campaign: expansionCampaignOf(campaign) }, T0)));
  });
});
