import type { EntityManager } from 'typeorm';
import { Campaign, expansionOf, Job, pauseOf, ruleOf, ScheduledJob } from '@scheduler/entities';
import { expandOccurrences, MAX_EXPANDED, type ExpansionInput } from '@scheduler/recurrence';
import { withPlanningAll } from '../schedules/planning';

/** Without an `end_date`, `projected_target_date` is looked for this many days ahead (the by-end-date figures are null). */
export const FORECAST_HORIZON_DAYS = 366;
/**
 * At most this many future runs are counted for one forecast (2,000 daily schedules over a year
 * are 730,000); past it the counting stops, so the figures are a lower bound.
 */
export const MAX_FORECAST_RUNS = 2_000_000;
/** Schedules loaded (and their skips and blackouts) per query. */
const BATCH = 500;

const DAY_MS = 86_400_000;

export interface Forecast {
  projected_jobs_by_end_date: number | null;
  will_meet_target: boolean | null;
  projected_target_date: string | null;
  projected_spend_usd: number | null;
}

/**
 * The planned runs of one expansion strictly after `after` and before `to` (exclusive), soonest
 * first, as epoch ms, without materializing them: a schedule with more than `MAX_EXPANDED` runs
 * is expanded again from its last one (the runs counted so far carried in `runCount`, so
 * `max_runs` still holds).
 */
export function* plannedRuns(input: ExpansionInput, after: Date, to: Date): Generator<number, void, undefined> {
  let since = after;
  let runCount = input.runCount ?? 0;
  for (;;) {
    let yielded = 0;
    let last: number | null = null;
    const expansion = expandOccurrences({ ...input, since, runCount }, { from: new Date(since.getTime() + 1), to, limit: MAX_EXPANDED });
    for (const o of expansion) {
      yielded += 1;
      last = o.at.getTime();
      // What the expansion counts against max_runs: every occurrence not skipped.
      if (o.state !== 'skipped') runCount += 1;
      if (o.state === 'planned') yield last;
    }
    if (yielded < MAX_EXPANDED || last === null) return;
    since = new Date(last);
  }
}

/** A min-heap of the schedules' next planned runs (k-way merge). */
class RunHeap {
  private readonly items: { at: number; runs: Iterator<number> }[] = [];

  push(runs: Iterator<number>): void {
    const next = runs.next();
    if (next.done) return;
    this.items.push({ at: next.value, runs });
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.items[parent].at <= this.items[i].at) break;
      [this.items[parent], this.items[i]] = [this.items[i], this.items[parent]];
      i = parent;
    }
  }

  /** Counts the runs left in the heap (at most `max`), in no order, and empties it. */
  drain(max: number): number {
    let count = 0;
    for (const item of this.items) {
      if (count >= max) break;
      count += 1;
      while (count < max && !item.runs.next().done) count += 1;
    }
    this.items.length = 0;
    return count;
  }

  /** The soonest run of all, and its schedule's next one takes its place. */
  pop(): number | null {
    if (this.items.length === 0) return null;
    const top = this.items[0];
    const at = top.at;
    const next = top.runs.next();
    if (next.done) {
      const last = this.items.pop()!;
      if (this.items.length === 0) return at;
      this.items[0] = last;
    } else {
      top.at = next.value;
    }
    const n = this.items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.items[l].at < this.items[min].at) min = l;
      if (r < n && this.items[r].at < this.items[min].at) min = r;
      if (min === i) break;
      [this.items[min], this.items[i]] = [this.items[i], this.items[min]];
      i = min;
    }
    return at;
  }
}

/**
 * Counts the runs of the given expansions after `after` and before `to`, and the instant of the
 * `needed`-th across all of them, soonest first (null when `needed` is null or never reached):
 * merged in time order until that run, counted schedule by schedule after it. `capped` when it
 * stopped at `MAX_FORECAST_RUNS`.
 */
export function countRuns(
  inputs: readonly ExpansionInput[],
  after: Date,
  to: Date,
  needed: number | null,
): { count: number; reachedAt: Date | null; capped: boolean } {
  const heap = new RunHeap();
  for (const input of inputs) heap.push(plannedRuns(input, after, to));
  let count = 0;
  let reachedAt: Date | null = null;
  while (needed !== null && reachedAt === null && count < MAX_FORECAST_RUNS) {
    const at = heap.pop();
    if (at === null) return { count, reachedAt, capped: false };
    count += 1;
    if (count === needed) reachedAt = new Date(at);
  }
  count += heap.drain(MAX_FORECAST_RUNS - count);
  return { count, reachedAt, capped: count >= MAX_FORECAST_RUNS };
}

/**
 * The forecast of `GET /campaigns/{id}/stats`: Jobs so far plus the runs the campaign's active
 * schedules will still make after `now` up to its `end_date` (through the expansion: recurrence,
 * `max_runs`, skips, blackouts, and the campaign's pause with its `resume_at`; a paused schedule
 * makes none); the instant of the run that reaches `target_job_count`; and the projected spend,
 * projected Jobs × the mean `cost_usd` of the completed Jobs.
 */
export async function forecastOf(ds: EntityManager, campaign: Campaign, totalJobs: number, now: Date): Promise<Forecast> {
  const to = campaign.endDate ? new Date(campaign.endDate.getTime() + 1) : new Date(now.getTime() + FORECAST_HORIZON_DAYS * DAY_MS);
  const target = campaign.targetJobCount;
  const needed = target !== null && target > totalJobs ? target - totalJobs : null;

  const inputs: ExpansionInput[] = [];
  if (to > now) {
    const repo = ds.getRepository(ScheduledJob);
    for (let offset = 0; ; offset += BATCH) {
      const batch = await repo.find({
        where: { campaignId: campaign.id, status: 'active' },
        order: { id: 'ASC' },
        skip: offset,
        take: BATCH,
      });
      if (batch.length === 0) break;
      await withPlanningAll(ds, batch, now);
      for (const schedule of batch) {
        const rule = ruleOf(schedule);
        if (!rule) continue;
        inputs.push({ ...expansionOf(schedule, rule, now, campaign), pause: pauseOf(schedule, campaign) });
      }
      if (batch.length < BATCH) break;
    }
  }
  const { count, reachedAt } = countRuns(inputs, now, to, needed);

  const [costRow, reachedRow] = await Promise.all([
    ds
      .getRepository(Job)
      .createQueryBuilder('j')
      .select('AVG(j.cost_usd)::float8', 'mean')
      .where('j.campaign_id = :id', { id: campaign.id })
      .andWhere("j.status = 'completed'")
      .andWhere('j.cost_usd IS NOT NULL')
      .getRawOne<{ mean: number | null }>(),
    // Reached already: the Job that reached it.
    target !== null && needed === null
      ? ds.getRepository(Job).find({
          select: { createdAt: true },
          where: { campaignId: campaign.id },
          order: { createdAt: 'ASC', id: 'ASC' },
          skip: target - 1,
          take: 1,
        })
      : Promise.resolve([]),
  ]);
  const projected = campaign.endDate ? totalJobs + count : null;
  const mean = costRow?.mean ?? null;
  const targetDate = needed === null ? (reachedRow[0]?.createdAt ?? null) : reachedAt;
  return {
    projected_jobs_by_end_date: projected,
    will_meet_target: projected !== null && target !== null ? projected >= target : null,
    projected_target_date: target !== null && targetDate ? targetDate.toISOString() : null,
    projected_spend_usd: projected !== null && mean !== null ? Math.round(projected * mean * 10_000) / 10_000 : null,
  };
}
