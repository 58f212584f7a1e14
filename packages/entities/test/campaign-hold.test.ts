import {
  afterEdit,
  CampaignStatus,
  decideOccurrence,
  heldByCampaign,
  intoCampaignWindow,
  notRunningReason,
  NotRunningReason,
  reopenedByCampaignWindow,
  resumed,
  ScheduledJobStatus,
  ScheduleEdit,
} from '../src';
import { at, iso, occurrenceSchedule as schedule, ruleFrom, T0 } from './fixtures';

const DAY = 86_400_000;
/** Daily at 09:00 UTC from T0. */
const daily = ruleFrom({ schedule_type: 'daily', scheduled_at: T0.toISOString(), timezone: 'UTC' });
const campaign = (status: CampaignStatus) => ({ status, startDate: null, endDate: null });
const ruleEdit: ScheduleEdit = { ruleChanged: true, campaignChanged: false, templateChanged: false, jobConfigChanged: false };

describe("a campaign's hold on its schedules (heldByCampaign)", () => {
  it.each<[ScheduledJobStatus, CampaignStatus | null, ScheduledJobStatus, Date | null]>([
    ['active', null, 'active', T0],
    ['active', 'active', 'active', T0],
    ['active', 'paused', 'active', null],
    ['active', 'completed', 'expired', null],
    ['active', 'archived', 'expired', null],
    ['paused', 'paused', 'paused', null],
    ['paused', 'archived', 'paused', null],
    ['completed', 'paused', 'completed', null],
    ['error', 'completed', 'error', null],
  ])('when a %s schedule is in a %s campaign, then it is %s with next run %p', (status, campaignStatus, held, next) => {
    const state = { status, nextRunAt: status === 'active' ? T0 : null };
    expect(heldByCampaign(state, campaignStatus ? campaign(campaignStatus) : null)).toEqual({ status: held, nextRunAt: next });
  });

  it('when the campaign window carries no status, then it holds nothing (an active campaign)', () => {
    expect(heldByCampaign({ status: 'active' as const, nextRunAt: T0 }, { startDate: null, endDate: null })).toEqual({
      status: 'active',
      nextRunAt: T0,
    });
  });
});

describe('why a schedule will not run (notRunningReason)', () => {
  it.each<[ScheduledJobStatus, Date | null, NotRunningReason | null]>([
    ['active', T0, null],
    ['active', null, 'campaign_paused'],
    ['paused', null, 'schedule_paused'],
    ['error', null, 'schedule_error'],
    ['completed', null, 'schedule_completed'],
    ['expired', null, 'schedule_expired'],
  ])('when a schedule is %s with next run %p, then the reason is %p', (status, nextRunAt, reason) => {
    expect(notRunningReason({ status, nextRunAt })).toBe(reason);
  });
});

describe('every place that gives a schedule its next run applies the hold', () => {
  const now = at(-DAY / 2);

  it('resume: a paused schedule of a paused campaign is active without a next run; of an active one, at its next run', () => {
    const paused = schedule({ status: 'paused', nextRunAt: null });
    expect(resumed(paused, daily, now, campaign('paused'))).toMatchObject({ status: 'active', nextRunAt: null });
    expect(iso(resumed(paused, daily, now, campaign('active')).nextRunAt)).toBe(iso(T0));
  });

  it("an edit: an active schedule of a paused campaign stays without a next run; a completed campaign's expires", () => {
    expect(afterEdit(schedule(), ruleEdit, daily, now, campaign('paused'))).toMatchObject({ status: 'active', nextRunAt: null });
    expect(afterEdit(schedule(), ruleEdit, daily, now, campaign('completed'))).toMatchObject({ status: 'expired', nextRunAt: null });
  });

  it('a campaign change: pausing holds, archiving expires, and a reopened schedule of a paused campaign is held', () => {
    expect(intoCampaignWindow(schedule(), daily, now, campaign('paused'))).toMatchObject({ status: 'active', nextRunAt: null });
    expect(intoCampaignWindow(schedule(), daily, now, campaign('archived'))).toMatchObject({ status: 'expired', nextRunAt: null });
    const expired = schedule({ status: 'expired', nextRunAt: null });
    const closedWindow = { startDate: null, endDate: at(-DAY) };
    expect(reopenedByCampaignWindow(expired, daily, now, closedWindow, campaign('paused'))).toMatchObject({
      status: 'active',
      nextRunAt: null,
    });
  });

  it('the worker: an occurrence of a paused campaign is skipped and leaves the schedule active without a next run', () => {
    const decision = decideOccurrence(schedule({ campaign: campaign('paused') }), daily, T0, at(1000));
    expect(decision).toMatchObject({ fire: false, outcome: 'skipped', reason: 'campaign paused' });
    if (decision.fire) throw new Error('fired');
    expect(decision.state).toMatchObject({ status: 'active', nextRunAt: null });
  });
});
