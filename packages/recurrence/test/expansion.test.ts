import { Blackout, ExpandedOccurrence, ExpansionInput, expandOccurrences, MAX_EXPANDED, nextFiring, RecurrenceRule } from '../src';
import { rule } from './helpers/rules';

/** The occurrences of an expansion as plain rows (ISO instants). */
function rows(input: ExpansionInput, from: string, to?: string, limit?: number) {
  const out: ExpandedOccurrence[] = [...expandOccurrences(input, { from: new Date(from), to: to ? new Date(to) : null, limit })];
  return out.map((o) => {
    const row: Record<string, string | null> = { at: o.at.toISOString(), state: o.state, reason: o.reason };
    if (o.shifted_from) row.shifted_from = o.shifted_from.toISOString();
    if (o.blackout) row.blackout = o.blackout;
    return row;
  });
}
const planned = (at: string) => ({ at, state: 'planned', reason: null });
const blackout = (name: string, start_date: string, end_date: string, policy: 'skip' | 'shift', timezone = 'UTC'): Blackout => ({
  name,
  start_date,
  end_date,
  timezone,
  policy,
});

const dailyUtc = rule({ schedule_type: 'daily', scheduled_at: '2027-12-20T09:00:00', timezone: 'UTC' });
const fridays = rule({
  schedule_type: 'weekly',
  scheduled_at: '2027-12-03T09:00:00',
  recurrence_pattern: 'weekly:friday',
  timezone: 'UTC',
});

describe('expandOccurrences: a plain rule', () => {
  it('when nothing applies, then it yields the rule occurrences in [from, to), all planned', () => {
    expect(rows({ rule: dailyUtc }, '2027-12-21T09:00:00Z', '2027-12-23T09:00:00Z')).toEqual([
      planned('2027-12-21T09:00:00.000Z'),
      planned('2027-12-22T09:00:00.000Z'),
    ]);
  });

  it('when a limit is given, then it stops there; an empty window yields nothing', () => {
    expect(rows({ rule: dailyUtc }, '2027-12-21T00:00:00Z', undefined, 3)).toHaveLength(3);
    expect(rows({ rule: dailyUtc }, '2027-12-21T00:00:00Z', '2027-12-21T00:00:00Z')).toEqual([]);
  });

  it('when the rule has a campaign window, then occurrences before its start are none and the end is inclusive', () => {
    const campaign = { start: new Date('2027-12-22T09:00:00Z'), end: new Date('2027-12-24T09:00:00Z') };
    expect(rows({ rule: dailyUtc, campaign }, '2027-12-20T00:00:00Z', '2028-01-01T00:00:00Z').map((r) => r.at)).toEqual([
      '2027-12-22T09:00:00.000Z',
      '2027-12-23T09:00:00.000Z',
      '2027-12-24T09:00:00.000Z',
    ]);
    const late = { start: new Date('2027-12-22T09:00:01Z'), end: null };
    expect(rows({ rule: dailyUtc, campaign: late }, '2027-12-20T00:00:00Z', '2027-12-25T00:00:00Z').map((r) => r.at)).toEqual([
      '2027-12-23T09:00:00.000Z',
      '2027-12-24T09:00:00.000Z',
    ]);
  });

  it('when max_runs is set, then runs are counted from `since` and nothing follows the last one', () => {
    const input = { rule: dailyUtc, maxRuns: 4, runCount: 1, since: new Date('2027-12-20T12:00:00Z') };
    // Runs left: 3 (21st, 22nd, 23rd); the window starts at the 22nd but the 21st still counts.
    expect(rows(input, '2027-12-22T00:00:00Z', '2028-01-01T00:00:00Z').map((r) => r.at)).toEqual([
      '2027-12-22T09:00:00.000Z',
      '2027-12-23T09:00:00.000Z',
    ]);
    expect(rows({ ...input, runCount: 4 }, '2027-12-20T00:00:00Z')).toEqual([]);
  });
});

describe('expandOccurrences: skips', () => {
  it('when the user skipped an occurrence, then it is skipped with reason "skipped" and consumes no run', () => {
    const input = { rule: dailyUtc, maxRuns: 3, skips: [new Date('2027-12-21T09:00:00Z')] };
    expect(rows(input, '2027-12-20T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      planned('2027-12-20T09:00:00.000Z'),
      { at: '2027-12-21T09:00:00.000Z', state: 'skipped', reason: 'skipped' },
      planned('2027-12-22T09:00:00.000Z'),
      planned('2027-12-23T09:00:00.000Z'),
    ]);
  });

  it('when a skip is after the last run max_runs allows, then it is not yielded either', () => {
    const input = { rule: dailyUtc, maxRuns: 1, skips: [Date.parse('2027-12-21T09:00:00Z')] };
    expect(rows(input, '2027-12-20T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([planned('2027-12-20T09:00:00.000Z')]);
  });
});

describe('expandOccurrences: blackouts', () => {
  it('when a skip blackout covers occurrences, then they are skipped with its name and consume no run', () => {
    const input = { rule: dailyUtc, maxRuns: 2, blackouts: [blackout('Christmas', '2027-12-24', '2027-12-25', 'skip')] };
    expect(rows(input, '2027-12-23T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      planned('2027-12-23T09:00:00.000Z'),
      { at: '2027-12-24T09:00:00.000Z', state: 'skipped', reason: 'blackout: Christmas', blackout: 'Christmas' },
      { at: '2027-12-25T09:00:00.000Z', state: 'skipped', reason: 'blackout: Christmas', blackout: 'Christmas' },
      planned('2027-12-26T09:00:00.000Z'),
    ]);
  });

  it("when the blackout's zone differs, then its local dates decide", () => {
    // 2027-12-23T09:00Z is 18:00 on the 23rd in Tokyo; 2027-12-24T09:00Z is the 24th there.
    const input = { rule: dailyUtc, blackouts: [blackout('Tokyo 24th', '2027-12-24', '2027-12-24', 'skip', 'Asia/Tokyo')] };
    expect(rows(input, '2027-12-23T00:00:00Z', '2027-12-26T00:00:00Z').map((r) => r.state)).toEqual(['planned', 'skipped', 'planned']);
    const honolulu = { rule: dailyUtc, blackouts: [blackout('HNL 24th', '2027-12-24', '2027-12-24', 'skip', 'Pacific/Honolulu')] };
    // 2027-12-24T09:00Z is 23:00 on the 23rd in Honolulu; 2027-12-25T09:00Z is the 24th there.
    expect(rows(honolulu, '2027-12-23T00:00:00Z', '2027-12-26T00:00:00Z').map((r) => r.state)).toEqual(['planned', 'planned', 'skipped']);
  });

  it('when a shift blackout covers an occurrence, then it runs at the same local time on the first day after it', () => {
    const input = { rule: fridays, blackouts: [blackout('Christmas', '2027-12-24', '2027-12-26', 'shift')] };
    expect(rows(input, '2027-12-20T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      { at: '2027-12-27T09:00:00.000Z', state: 'planned', reason: null, shifted_from: '2027-12-24T09:00:00.000Z', blackout: 'Christmas' },
      planned('2027-12-31T09:00:00.000Z'),
    ]);
  });

  it('when the schedule already has an occurrence on the day a shift lands, then the two are one run', () => {
    const input = { rule: dailyUtc, maxRuns: 3, blackouts: [blackout('Christmas', '2027-12-24', '2027-12-26', 'shift')] };
    // 24th, 25th and 26th all move to the 27th, which has its own run: one run there.
    expect(rows(input, '2027-12-23T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      planned('2027-12-23T09:00:00.000Z'),
      planned('2027-12-27T09:00:00.000Z'),
      planned('2027-12-28T09:00:00.000Z'),
    ]);
    const monTue = rule({ schedule_type: 'weekly', scheduled_at: '2027-12-06T09:00:00', recurrence_pattern: 'weekly:monday,tuesday' });
    const shifted = rows(
      { rule: monTue, blackouts: [blackout('Monday off', '2027-12-13', '2027-12-13', 'shift')] },
      '2027-12-13T00:00:00Z',
      '2027-12-15T00:00:00Z',
    );
    expect(shifted).toEqual([planned('2027-12-14T09:00:00.000Z')]);
  });

  it('when several shifted occurrences land on one day without a run of its own, then they are one run (from the earliest)', () => {
    const twiceDaily = rule({ schedule_type: 'cron', scheduled_at: '2027-12-01T00:00:00', recurrence_pattern: '0 9 * * 1' });
    // Mondays 09:00; a blackout of two Mondays in a row: the first shifts past the whole span.
    const input = { rule: twiceDaily, blackouts: [blackout('Two weeks', '2027-12-13', '2027-12-20', 'shift')] };
    expect(rows(input, '2027-12-13T00:00:00Z', '2027-12-28T00:00:00Z')).toEqual([
      { at: '2027-12-21T09:00:00.000Z', state: 'planned', reason: null, shifted_from: '2027-12-13T09:00:00.000Z', blackout: 'Two weeks' },
      planned('2027-12-27T09:00:00.000Z'),
    ]);
  });

  it('when blackouts overlap or touch, then the shift lands after all of them (a skip one too)', () => {
    const overlapping = [blackout('A', '2027-12-24', '2027-12-26', 'shift'), blackout('B', '2027-12-26', '2027-12-28', 'shift')];
    expect(rows({ rule: fridays, blackouts: overlapping }, '2027-12-20T00:00:00Z', '2027-12-30T00:00:00Z')).toEqual([
      { at: '2027-12-29T09:00:00.000Z', state: 'planned', reason: null, shifted_from: '2027-12-24T09:00:00.000Z', blackout: 'A' },
    ]);
    const touching = [blackout('A', '2027-12-24', '2027-12-26', 'shift'), blackout('Freeze', '2027-12-27', '2027-12-27', 'skip')];
    expect(rows({ rule: fridays, blackouts: touching }, '2027-12-20T00:00:00Z', '2027-12-30T00:00:00Z').map((r) => r.at)).toEqual([
      '2027-12-28T09:00:00.000Z',
    ]);
    // Covered by a skip and a shift blackout at once: skipped.
    const both = [blackout('A', '2027-12-24', '2027-12-26', 'shift'), blackout('Freeze', '2027-12-24', '2027-12-24', 'skip')];
    expect(rows({ rule: fridays, blackouts: both }, '2027-12-20T00:00:00Z', '2027-12-30T00:00:00Z')).toEqual([
      { at: '2027-12-24T09:00:00.000Z', state: 'skipped', reason: 'blackout: Freeze', blackout: 'Freeze' },
    ]);
  });

  it('when a shift lands past the end date or the campaign end, then it does not happen (skipped with the blackout)', () => {
    const until = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-12-03T09:00:00',
      recurrence_pattern: 'weekly:friday',
      recurrence_end_date: '2027-12-26T23:59:59',
    });
    const xmas = [blackout('Christmas', '2027-12-24', '2027-12-26', 'shift')];
    const skipped = { at: '2027-12-24T09:00:00.000Z', state: 'skipped', reason: 'blackout: Christmas', blackout: 'Christmas' };
    expect(rows({ rule: until, blackouts: xmas }, '2027-12-20T00:00:00Z', '2028-01-10T00:00:00Z')).toEqual([skipped]);
    const campaign = { start: null, end: new Date('2027-12-27T08:59:59Z') };
    expect(rows({ rule: fridays, campaign, blackouts: xmas }, '2027-12-20T00:00:00Z', '2028-01-10T00:00:00Z')).toEqual([skipped]);
    const inTime = { start: null, end: new Date('2027-12-27T09:00:00Z') };
    expect(
      rows({ rule: fridays, campaign: inTime, blackouts: xmas }, '2027-12-20T00:00:00Z', '2028-01-10T00:00:00Z').map((r) => r.at),
    ).toEqual(['2027-12-27T09:00:00.000Z']);
  });

  it('when a shifted occurrence lands on an instant the user skipped, then it is skipped there', () => {
    const input = {
      rule: fridays,
      skips: [new Date('2027-12-27T09:00:00Z')],
      blackouts: [blackout('Christmas', '2027-12-24', '2027-12-26', 'shift')],
    };
    expect(rows(input, '2027-12-20T00:00:00Z', '2027-12-30T00:00:00Z')).toEqual([
      {
        at: '2027-12-27T09:00:00.000Z',
        state: 'skipped',
        reason: 'skipped',
        shifted_from: '2027-12-24T09:00:00.000Z',
        blackout: 'Christmas',
      },
    ]);
  });

  it('when max_runs applies, then it counts in firing order after skips and shifts', () => {
    const input = { rule: fridays, maxRuns: 2, runCount: 0, blackouts: [blackout('Christmas', '2027-12-24', '2027-12-24', 'shift')] };
    expect(rows(input, '2027-12-17T00:00:00Z', '2028-02-01T00:00:00Z').map((r) => r.at)).toEqual([
      '2027-12-17T09:00:00.000Z',
      '2027-12-25T09:00:00.000Z',
    ]);
  });

  it('when a shifted occurrence from before the window (or before `since`) lands inside it, then it is yielded', () => {
    const input = { rule: fridays, blackouts: [blackout('Christmas', '2027-12-24', '2027-12-26', 'shift')] };
    expect(rows(input, '2027-12-25T00:00:00Z', '2027-12-28T00:00:00Z').map((r) => r.at)).toEqual(['2027-12-27T09:00:00.000Z']);
    const counted = { ...input, maxRuns: 1, since: new Date('2027-12-25T00:00:00Z') };
    expect(rows(counted, '2027-12-25T00:00:00Z', '2028-02-01T00:00:00Z').map((r) => r.at)).toEqual(['2027-12-27T09:00:00.000Z']);
  });

  it('when a blackout is malformed, then the expansion throws a TypeError (callers validate first)', () => {
    for (const bad of [
      blackout('x', '2027-02-30', '2027-03-01', 'skip'),
      blackout('x', '2027-03-02', '2027-03-01', 'skip'),
      blackout('x', '2027-03-01', '2027-03-01', 'skip', 'Mars/Olympus'),
      { ...blackout('x', '2027-03-01', '2027-03-01', 'skip'), policy: 'later' as 'skip' },
    ]) {
      expect(() => [...expandOccurrences({ rule: dailyUtc, blackouts: [bad] }, { from: new Date('2027-01-01T00:00:00Z') })]).toThrow(
        TypeError,
      );
    }
  });
});

describe('expandOccurrences: shifts across DST (the rule package gap/fold rules)', () => {
  const saturdays = (at: string, timezone: string): RecurrenceRule =>
    rule({ schedule_type: 'weekly', scheduled_at: at, recurrence_pattern: 'weekly:saturday', timezone });
  const cases: [string, RecurrenceRule, string, string, string][] = [
    // zone, rule, blackout day (a Saturday), nominal instant, shifted instant (the Sunday)
    [
      'Berlin spring gap: 02:30 does not exist, 03:30 CEST',
      saturdays('2027-03-06T02:30:00', 'Europe/Berlin'),
      '2027-03-27',
      '2027-03-27T01:30:00.000Z',
      '2027-03-28T01:30:00.000Z',
    ],
    [
      'Berlin autumn fold: 02:30 twice, the first (CEST)',
      saturdays('2027-10-02T02:30:00', 'Europe/Berlin'),
      '2027-10-30',
      '2027-10-30T00:30:00.000Z',
      '2027-10-31T00:30:00.000Z',
    ],
    [
      'New York spring gap: 02:30 does not exist, 03:30 EDT',
      saturdays('2027-03-06T02:30:00', 'America/New_York'),
      '2027-03-13',
      '2027-03-13T07:30:00.000Z',
      '2027-03-14T07:30:00.000Z',
    ],
    [
      'New York autumn fold: 01:30 twice, the first (EDT)',
      saturdays('2027-10-02T01:30:00', 'America/New_York'),
      '2027-11-06',
      '2027-11-06T05:30:00.000Z',
      '2027-11-07T05:30:00.000Z',
    ],
  ];
  it.each(cases)('when %s, then the shift follows it', (_label, r, day, nominal, shifted) => {
    const out = rows(
      { rule: r, blackouts: [blackout('Off', day, day, 'shift', r.timezone)] },
      `${day}T00:00:00Z`,
      `${day}T00:00:00Z`.replace(day, '2027-12-31'),
    );
    expect(out[0]).toEqual({ at: shifted, state: 'planned', reason: null, shifted_from: nominal, blackout: 'Off' });
    expect(out[1].state).toBe('planned');
  });

  it('when the occurrence itself was moved by a gap, then the shift keeps its nominal wall time', () => {
    // Daily 02:30 Berlin: on 2027-03-28 it runs 03:30 CEST (gap); shifted to the 29th it is 02:30 CEST again.
    const daily = rule({ schedule_type: 'daily', scheduled_at: '2027-03-20T02:30:00', timezone: 'Europe/Berlin' });
    const out = rows(
      { rule: daily, blackouts: [blackout('Off', '2027-03-28', '2027-03-28', 'skip', 'Europe/Berlin')] },
      '2027-03-28T00:00:00Z',
      '2027-03-30T00:00:00Z',
    );
    expect(out.map((o) => o.at)).toEqual(['2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z']);
    const weekly = rule({
      schedule_type: 'weekly',
      scheduled_at: '2027-03-07T02:30:00',
      recurrence_pattern: 'weekly:sunday',
      timezone: 'Europe/Berlin',
    });
    const shifted = rows(
      { rule: weekly, blackouts: [blackout('Off', '2027-03-28', '2027-03-28', 'shift', 'Europe/Berlin')] },
      '2027-03-28T00:00:00Z',
      '2027-03-30T00:00:00Z',
    );
    expect(shifted).toEqual([
      { at: '2027-03-29T00:30:00.000Z', state: 'planned', reason: null, shifted_from: '2027-03-28T01:30:00.000Z', blackout: 'Off' },
    ]);
  });
});

describe('expandOccurrences: pauses', () => {
  it('when paused without an end, then occurrences are `paused` with the reason and still count as runs', () => {
    const input = { rule: dailyUtc, maxRuns: 2, pause: { reason: 'campaign paused' } };
    expect(rows(input, '2027-12-20T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      { at: '2027-12-20T09:00:00.000Z', state: 'paused', reason: 'campaign paused' },
      { at: '2027-12-21T09:00:00.000Z', state: 'paused', reason: 'campaign paused' },
    ]);
    expect(nextFiring(input, new Date('2027-12-19T00:00:00Z'))).toBeNull();
  });

  it('when paused until an instant, then occurrences before it are skipped (no run) and planned from it on', () => {
    const input = { rule: dailyUtc, maxRuns: 2, pause: { reason: 'campaign paused', until: new Date('2027-12-21T09:00:00Z') } };
    expect(rows(input, '2027-12-20T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      { at: '2027-12-20T09:00:00.000Z', state: 'skipped', reason: 'campaign paused' },
      planned('2027-12-21T09:00:00.000Z'),
      planned('2027-12-22T09:00:00.000Z'),
    ]);
    expect(nextFiring(input, new Date('2027-12-19T00:00:00Z'))?.toISOString()).toBe('2027-12-21T09:00:00.000Z');
  });
});

describe('nextFiring', () => {
  it('when occurrences are skipped, blacked out or shifted, then it is the first one that fires', () => {
    const after = new Date('2027-12-23T09:00:00Z');
    expect(nextFiring({ rule: dailyUtc }, after)?.toISOString()).toBe('2027-12-24T09:00:00.000Z');
    const skips = [new Date('2027-12-24T09:00:00Z')];
    expect(nextFiring({ rule: dailyUtc, skips }, after)?.toISOString()).toBe('2027-12-25T09:00:00.000Z');
    const blackouts = [blackout('Christmas', '2027-12-24', '2027-12-26', 'skip')];
    expect(nextFiring({ rule: dailyUtc, blackouts }, after)?.toISOString()).toBe('2027-12-27T09:00:00.000Z');
    expect(nextFiring({ rule: fridays, blackouts: [{ ...blackouts[0], policy: 'shift' }] }, after)?.toISOString()).toBe(
      '2027-12-27T09:00:00.000Z',
    );
  });

  it('when max_runs is used up, the campaign has ended or the rule ran out, then it is null', () => {
    const after = new Date('2027-12-23T09:00:00Z');
    expect(nextFiring({ rule: dailyUtc, maxRuns: 3, runCount: 3 }, after)).toBeNull();
    expect(nextFiring({ rule: dailyUtc, campaign: { end: new Date('2027-12-24T08:59:59Z') } }, after)).toBeNull();
    const once = rule({ schedule_type: 'once', scheduled_at: '2027-12-23T09:00:00' });
    expect(nextFiring({ rule: once }, after)).toBeNull();
    expect(nextFiring({ rule: once }, new Date('2027-12-23T08:59:59Z'))?.toISOString()).toBe('2027-12-23T09:00:00.000Z');
  });
});

describe('expandOccurrences: caps', () => {
  it('when a window holds more than MAX_EXPANDED occurrences, then it stops at the cap (or the smaller limit)', () => {
    const everySecond = rule({ schedule_type: 'cron', scheduled_at: '2027-01-01T00:00:00', recurrence_pattern: '* * * * * *' });
    const window = { from: new Date('2027-01-02T00:00:00Z'), to: new Date('2027-01-05T00:00:00Z') };
    let n = 0;
    for (const o of expandOccurrences({ rule: everySecond }, { ...window, limit: 1e9 })) n += o.state === 'planned' ? 1 : 0;
    expect(n).toBe(MAX_EXPANDED);
    expect([...expandOccurrences({ rule: everySecond }, { ...window, limit: 7.9 })]).toHaveLength(7);
    expect([...expandOccurrences({ rule: everySecond }, { ...window, limit: -1 })]).toHaveLength(0);
    expect([...expandOccurrences({ rule: everySecond }, { ...window, limit: NaN })]).toHaveLength(0);
  });

  it('when the window or since is not a valid Date, then it throws a TypeError', () => {
    expect(() => [...expandOccurrences({ rule: dailyUtc }, { from: new Date(NaN) })]).toThrow(TypeError);
    expect(() => nextFiring({ rule: dailyUtc, since: new Date('nope') }, new Date())).toThrow(TypeError);
  });
});
