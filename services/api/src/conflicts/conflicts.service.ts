import { readManager } from '../db/read-router';
import { In, type EntityManager } from 'typeorm';
import {
  blackoutsForCampaign,
  blackoutsFrom,
  Campaign,
  expansionBlackoutOf,
  expansionOf,
  JobTemplate,
  pauseOf,
  readAll,
  type ScheduledJob,
} from '@scheduler/entities';
import { describeOccurrence, expandOccurrences, parseSchedule, type RecurrenceRule } from '@scheduler/recurrence';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { validationFailed, type FieldError } from '../http/errors';
import { plannedOccurrences } from '../calendar/calendar.service';
import { conflictSettingsOf } from '../settings/settings.service';
import { conflictWarning, conflictWindowResponse, type ConflictsResponse, type ConflictWarning } from './conflicts.mapper';
import {
  conflictWindows,
  fitsOneMore,
  groupOf,
  groupOccurrences,
  loadAround,
  MINUTE_MS,
  type ConflictSettings,
  type Occurrence,
} from './windows';

const DAY_MS = 86_400_000;
/** The longest window `GET /schedule/conflicts` takes. */
export const MAX_CONFLICT_DAYS = 92;
/** At most this many windows in one response (`truncated` says when there were more). */
export const MAX_CONFLICTS = 1000;
/** A write's warnings look this far ahead. */
export const WARNING_DAYS = 30;
/** At most this many warnings per schedule (or import row). */
export const MAX_WARNINGS = 10;
/** Suggestions look this many days ahead of `from`. */
export const SUGGESTION_DAYS = 14;
/** The grid of suggested slots, in minutes (from the full local hour). */
export const SLOT_MINUTES = 30;
/** The cron minute field of that grid. */
const SLOT_CRON_MINUTES = '0,30';

/** The workspace's planned occurrences in [from, to) as the conflict check counts them. */
async function occurrencesOf(
  manager: EntityManager,
  workspaceId: string,
  from: Date,
  to: Date,
  now: Date,
  publisherDomain?: string,
): Promise<Occurrence[]> {
  const out: Occurrence[] = [];
  for await (const o of plannedOccurrences(manager, workspaceId, { from, to }, now, { publisherDomain })) {
    out.push({ at: o.at.getTime(), scheduleId: o.scheduleId, publisherDomain: o.publisherDomain });
  }
  return out;
}

/** The warnings of each schedule (or row key) among the windows: those it has a run in, soonest first, at most `MAX_WARNINGS`. */
function warningsByKey(windows: ReturnType<typeof conflictWindows>, settings: ConflictSettings): Map<string, ConflictWarning[]> {
  const byKey = new Map<string, ConflictWarning[]>();
  for (const w of windows) {
    let warning: ConflictWarning | null = null;
    for (const key of new Set(w.occurrences.map((o) => o.scheduleId))) {
      const list = byKey.get(key) ?? [];
      if (list.length >= MAX_WARNINGS) continue;
      warning ??= conflictWarning(w, settings);
      list.push(warning);
      byKey.set(key, list);
    }
  }
  return byKey;
}

/** A schedule not written yet (an import row): its placeholder key, the unsaved row and its rule. */
export interface UnsavedSchedule {
  key: string;
  schedule: ScheduledJob;
  rule: RecurrenceRule;
}

export interface SuggestionQuery {
  publisherDomain: string;
  timezone: string;
  count: number;
  from?: Date;
  /** Local working hours [start, end) in whole hours. */
  hours: { start: number; end: number };
  /** Working days, 0 = Sunday … 6 = Saturday. */
  days: number[];
}

export interface Suggestion {
  at: string;
  local: string;
  timezone: string;
}

export class ConflictService {
  constructor(private readonly deps: AppDeps) {}

  /** `GET /schedule/conflicts`: the overfull windows starting in [from, to) (from now on). */
  async conflicts(caller: Caller, from: Date | undefined, to: Date | undefined): Promise<ConflictsResponse> {
    const errors: FieldError[] = [];
    if (!from) errors.push({ field: 'from', message: 'is required: the start of the window (an instant, inclusive)' });
    if (!to) errors.push({ field: 'to', message: 'is required: the end of the window (an instant, exclusive)' });
    if (from && to) {
      if (to.getTime() <= from.getTime()) errors.push({ field: 'to', message: 'must be after from' });
      else if (to.getTime() - from.getTime() > MAX_CONFLICT_DAYS * DAY_MS)
        errors.push({ field: 'to', message: `must be at most ${MAX_CONFLICT_DAYS} days after from` });
    }
    if (errors.length || !from || !to) throw validationFailed(errors);
    const manager = readManager(this.deps);
    const settings = await conflictSettingsOf(manager, caller.workspaceId);
    const n = settings.windowMinutes * MINUTE_MS;
    // Occurrences up to one window past `to`, so that a window starting before `to` is counted whole.
    const occurrences = await occurrencesOf(manager, caller.workspaceId, from, new Date(to.getTime() + n), this.deps.now());
    const windows = conflictWindows(occurrences, settings, to.getTime());
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      window_minutes: settings.windowMinutes,
      max_per_window: settings.maxPerWindow,
      scope: settings.scope,
      conflicts: windows.slice(0, MAX_CONFLICTS).map((w) => conflictWindowResponse(w, settings)),
      truncated: windows.length > MAX_CONFLICTS,
    };
  }

  /** The warnings of a written schedule: overfull windows of the next 30 days with one of its runs. */
  async warningsFor(workspaceId: string, scheduleId: string): Promise<ConflictWarning[]> {
    const manager = readManager(this.deps);
    const now = this.deps.now();
    const settings = await conflictSettingsOf(manager, workspaceId);
    const until = now.getTime() + WARNING_DAYS * DAY_MS;
    const occurrences = await occurrencesOf(manager, workspaceId, now, new Date(until + settings.windowMinutes * MINUTE_MS), now);
    if (!occurrences.some((o) => o.scheduleId === scheduleId)) return [];
    return warningsByKey(conflictWindows(occurrences, settings, until), settings).get(scheduleId) ?? [];
  }

  /**
   * The warnings of schedules not written yet (an import's rows), by key: against the
   * workspace's existing schedules and each other, with the same expansion (their campaign's
   * window and pause, the blackouts that cover them).
   */
  async warningsForUnsaved(manager: EntityManager, workspaceId: string, rows: UnsavedSchedule[]): Promise<Map<string, ConflictWarning[]>> {
    const result = new Map<string, ConflictWarning[]>();
    if (rows.length === 0) return result;
    const now = this.deps.now();
    const settings = await conflictSettingsOf(manager, workspaceId);
    const until = now.getTime() + WARNING_DAYS * DAY_MS;
    const to = new Date(until + settings.windowMinutes * MINUTE_MS);
    const campaignIds = [...new Set(rows.map((r) => r.schedule.campaignId).filter((id): id is string => !!id))];
    const templateIds = [...new Set(rows.map((r) => r.schedule.templateId).filter((id): id is string => !!id))];
    const [campaigns, templates, blackouts, existing] = await readAll(manager, [
      () => (campaignIds.length ? manager.getRepository(Campaign).findBy({ workspaceId, id: In(campaignIds) }) : Promise.resolve([])),
      () =>
        templateIds.length
          ? manager
              .getRepository(JobTemplate)
              .find({ select: { id: true, publisherDomain: true }, where: { workspaceId, id: In(templateIds) } })
          : Promise.resolve([]),
      () => blackoutsFrom(manager, workspaceId, now),
      () => occurrencesOf(manager, workspaceId, now, to, now),
    ] as const);
    const campaignById = new Map(campaigns.map((c) => [c.id, c]));
    const domainOfTemplate = new Map(templates.map((t) => [t.id, t.publisherDomain]));
    const occurrences = existing;
    for (const { key, schedule, rule } of rows) {
      const campaign = schedule.campaignId ? (campaignById.get(schedule.campaignId) ?? null) : null;
      const own = (schedule.jobConfig as Record<string, unknown> | undefined)?.publisher_domain;
      const publisherDomain =
        typeof own === 'string' && own !== '' ? own : schedule.templateId ? (domainOfTemplate.get(schedule.templateId) ?? null) : null;
      if (groupOf(publisherDomain, settings.scope) === null) continue;
      const planned = {
        ...schedule,
        skips: [],
        blackouts: blackoutsForCampaign(blackouts, schedule.campaignId).map(expansionBlackoutOf),
      };
      const input = { ...expansionOf(planned, rule, now, campaign), pause: pauseOf(schedule, campaign) };
      for (const o of expandOccurrences(input, { from: now, to })) {
        if (o.state === 'planned') occurrences.push({ at: o.at.getTime(), scheduleId: key, publisherDomain });
      }
    }
    const byKey = warningsByKey(conflictWindows(occurrences, settings, until), settings);
    for (const { key } of rows) result.set(key, byKey.get(key) ?? []);
    return result;
  }

  /**
   * `GET /schedule/suggestions`: the next free slots for a publisher, on a grid of 30 minutes
   * in the local working hours and days, in the `SUGGESTION_DAYS` days from `from` (or now): a
   * slot is free when one more run there overfills no window. Spread: round after round, each
   * working day with a free slot gets one (its emptiest: fewest runs within a window length
   * either side; the earliest of equals) before any day gets another; soonest first.
   */
  async suggestions(caller: Caller, q: SuggestionQuery): Promise<Suggestion[]> {
    const manager = readManager(this.deps);
    const now = this.deps.now();
    const settings = await conflictSettingsOf(manager, caller.workspaceId);
    const n = settings.windowMinutes * MINUTE_MS;
    const start = new Date(Math.max(now.getTime(), q.from?.getTime() ?? 0));
    const end = new Date(start.getTime() + SUGGESTION_DAYS * DAY_MS);
    // The grid: a cron rule of the recurrence package in the zone (its DST handling, no second one).
    const parsed = parseSchedule(
      {
        schedule_type: 'cron',
        recurrence_pattern: `${SLOT_CRON_MINUTES} ${q.hours.start}-${q.hours.end - 1} * * ${q.days.join(',')}`,
        timezone: q.timezone,
        scheduled_at: new Date(start.getTime() - 1).toISOString(),
      },
      { now: new Date(start.getTime() - 1) },
    );
    if (!parsed.ok) throw validationFailed(parsed.errors);
    const rule = parsed.rule;
    const scope = settings.scope === 'all' ? undefined : q.publisherDomain;
    const all = await occurrencesOf(manager, caller.workspaceId, new Date(start.getTime() - n), new Date(end.getTime() + n), now, scope);
    const group = groupOccurrences(all, settings.scope).get(groupOf(q.publisherDomain, settings.scope) ?? '') ?? [];

    // Free slots by local day, in order.
    const days = new Map<string, { at: Date; local: string; load: number }[]>();
    const input = { rule, runCount: 0, maxRuns: null, since: new Date(start.getTime() - 1) };
    for (const o of expandOccurrences(input, { from: start, to: end })) {
      const view = describeOccurrence(rule, o.at);
      // A slot the DST gap moved off its wall time is no working-hours slot.
      if (view.dst_adjusted) continue;
      const t = o.at.getTime();
      if (!fitsOneMore(group, t, settings)) continue;
      const day = view.local.slice(0, 10);
      const list = days.get(day) ?? [];
      list.push({ at: o.at, local: view.local, load: loadAround(group, t, settings) });
      days.set(day, list);
    }
    const picked: { at: Date; local: string }[] = [];
    const chosen: { at: number }[] = [];
    const queues = [...days.values()];
    while (picked.length < q.count) {
      let any = false;
      for (const slots of queues) {
        if (picked.length >= q.count) break;
        // Each pick counts as a run: the next ones must fit with it too.
        const busy = [...group, ...chosen].sort((a, b) => a.at - b.at);
        let best: { at: Date; local: string; load: number } | null = null;
        for (const s of slots) {
          if (!fitsOneMore(busy, s.at.getTime(), settings)) continue;
          const load = loadAround(busy, s.at.getTime(), settings);
          if (!best || load < best.load) best = { ...s, load };
        }
        if (!best) continue;
        any = true;
        picked.push(best);
        chosen.push({ at: best.at.getTime() });
        slots.splice(
          slots.findIndex((s) => s.at.getTime() === best.at.getTime()),
          1,
        );
      }
      if (!any) break;
    }
    return picked
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((s) => ({ at: s.at.toISOString(), local: s.local, timezone: rule.timezone }));
  }
}
