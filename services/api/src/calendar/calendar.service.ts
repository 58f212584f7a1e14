import { readManager } from '../db/read-router';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  Campaign,
  CLOSED_CAMPAIGN_STATUSES,
  expansionOf,
  loadPlanningAll,
  pauseOf,
  readAll,
  ruleOf,
  ScheduledJob,
  type JobStatus,
  type RunOutcome,
} from '@scheduler/entities';
import {
  describeOccurrence,
  expandOccurrences,
  nextOccurrence,
  type Blackout,
  type ExpandedOccurrence,
  type ExpansionInput,
  type RecurrenceRule,
} from '@scheduler/recurrence';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { validationFailed, type FieldError } from '../http/errors';

/** Every state an occurrence of the calendar can have. */
export const CALENDAR_STATES = ['planned', 'paused', 'skipped', 'materialized', 'missed', 'failed'] as const;
export type CalendarState = (typeof CALENDAR_STATES)[number];
const FUTURE_STATES: readonly CalendarState[] = ['planned', 'paused', 'skipped'];
const PAST_STATES: readonly CalendarState[] = ['materialized', 'missed', 'failed', 'skipped'];

export const DEFAULT_CALENDAR_LIMIT = 500;
export const MAX_CALENDAR_LIMIT = 5_000;
/** The longest window one request may ask for. */
export const MAX_WINDOW_DAYS = 366;
/** The longest window of `GET /calendar/days` (a month grid shows six weeks). */
export const MAX_DAYS_WINDOW_DAYS = 62;
export const DEFAULT_PER_DAY = 6;
export const MAX_PER_DAY = 50;
/** The runs `days` reads at a time and the merge's batch (the past of a 62-day window can be tens of thousands). */
const DAYS_BATCH = 5_000;
const DAY_MS = 86_400_000;

export interface CalendarFilter {
  campaignId?: string;
  publisherDomain?: string;
  state?: CalendarState;
}

export interface CalendarQuery extends CalendarFilter {
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

/** One occurrence of the calendar, before it becomes a response. */
export interface CalendarItem {
  /** `run`: from run history (the past); `plan`: from the expansion (the future). */
  kind: 'run' | 'plan';
  at: Date;
  scheduleId: string;
  scheduleName: string;
  campaign: Pick<Campaign, 'id' | 'name' | 'color'> | null;
  publisherDomain: string | null;
  timezone: string;
  local: string;
  dstAdjusted: boolean;
  state: CalendarState;
  jobId: string | null;
  jobStatus: JobStatus | null;
  reason: string | null;
}

export interface CalendarDaysQuery extends CalendarFilter {
  from?: Date;
  to?: Date;
  /** A canonical IANA zone (checked by the route). */
  timezone: string;
  perDay: number;
}

/** One local day of `days`: how many occurrences it has and its first `perDay`. */
export interface CalendarDay {
  date: string;
  count: number;
  items: CalendarItem[];
}

export interface CalendarDays {
  from: Date;
  to: Date;
  timezone: string;
  days: CalendarDay[];
}

/**
 * One occurrence of the merge: its key, and either its past item or what its planned item is built
 * from (`itemOf`, on demand; the schedule is also what its publisher domain is read for).
 */
interface MergedOccurrence {
  at: number;
  scheduleId: string;
  past: CalendarItem | null;
  plan: { schedule: PlanSchedule; rule: RecurrenceRule; head: ExpandedOccurrence } | null;
}

function itemOf(o: MergedOccurrence): CalendarItem {
  return o.past ?? planItem(o.plan!.schedule, o.plan!.rule, o.plan!.head);
}

export interface CalendarPage {
  from: Date;
  to: Date;
  items: CalendarItem[];
  nextCursor: string | null;
}

/** The position after which a page continues: the last item's (at, schedule_id, kind), and the filters it was made with. */
interface Cursor {
  at: number;
  scheduleId: string;
  kind: 'run' | 'plan';
  hash: string;
}

function filterHash(from: Date, to: Date, filter: CalendarFilter): string {
  const text = JSON.stringify([
    from.getTime(),
    to.getTime(),
    filter.campaignId ?? null,
    filter.publisherDomain ?? null,
    filter.state ?? null,
  ]);
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.scheduleId, c.kind, c.hash])).toString('base64url');
}

const CURSOR_MESSAGE = 'is not a cursor of this calendar (use the next_cursor of a page asked with the same from, to and filters)';

function decodeCursor(text: string): Cursor {
  try {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) throw new Error('not base64url');
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 4) throw new Error('shape');
    const [at, scheduleId, kind, hash] = value as unknown[];
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || typeof scheduleId !== 'string' || !/^[0-9a-f-]{36}$/.test(scheduleId))
      throw new Error('key');
    if ((kind !== 'run' && kind !== 'plan') || typeof hash !== 'string') throw new Error('kind');
    return { at, scheduleId, kind, hash };
  } catch {
    throw validationFailed([{ field: 'cursor', message: CURSOR_MESSAGE }]);
  }
}

/** Calendar order: soonest first, then schedule id (the same instant of one schedule is one item). */
function compare(a: { at: number; scheduleId: string }, b: { at: number; scheduleId: string }): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0;
}

/** `from`, `to` both given, `from` before `to`, at most `maxDays` (default `MAX_WINDOW_DAYS`) apart. */
export function checkWindow(from: Date | undefined, to: Date | undefined, maxDays = MAX_WINDOW_DAYS): { from: Date; to: Date } {
  const errors: FieldError[] = [];
  if (!from) errors.push({ field: 'from', message: 'is required: the start of the window (an instant, inclusive)' });
  if (!to) errors.push({ field: 'to', message: 'is required: the end of the window (an instant, exclusive)' });
  if (from && to) {
    if (to.getTime() <= from.getTime()) errors.push({ field: 'to', message: 'must be after from' });
    else if (to.getTime() - from.getTime() > maxDays * DAY_MS)
      errors.push({ field: 'to', message: `must be at most ${maxDays} days after from` });
  }
  if (errors.length) throw validationFailed(errors);
  return { from: from as Date, to: to as Date };
}

/** A min-heap of the schedules' next occurrences (the k-way merge of their expansions). */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * One schedule's expansion in the merge. A stream starts lazily: until it reaches the top of the
 * heap its key is a lower bound of its first occurrence (the rule's first nominal occurrence in
 * the window, which no expansion without a `shift` blackout can precede), so a schedule that has
 * nothing on the page never starts its expansion.
 */
interface Stream {
  schedule: PlanSchedule;
  rule: RecurrenceRule;
  /** Null until started. */
  it: Iterator<ExpandedOccurrence> | null;
  /** The expansion's input and window, to start it with. */
  input: ExpansionInput;
  window: { from: Date; to: Date };
  /** Null until started. */
  head: ExpandedOccurrence | null;
  /** The head's (at, schedule id) once started; a lower bound of it before. */
  key: { at: number; scheduleId: string };
  /** The state filter of the request. */
  state: CalendarState | undefined;
  /** The cursor, for the first occurrence after it (used once, at the start). */
  after: { at: number; scheduleId: string } | null;
}

/** A started stream's head (only started streams are read: `top`). */
interface Started extends Stream {
  it: Iterator<ExpandedOccurrence>;
  head: ExpandedOccurrence;
}

/**
 * Compiled rules by schedule id, with the version they were read at, shared by every request of
 * this process: a bounded LRU of derived data (the recurrence package compiles a rule once per
 * rule object, so reusing the object across pages is what keeps a page at ~one generator start
 * per schedule). A schedule's version changes with every edit of its rule; a miss reads the
 * stored rule again, so nothing here is needed for correctness.
 */
export class RuleCache {
  private readonly map = new Map<string, { version: number; rule: RecurrenceRule | null }>();
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The rule cached for (id, version), else undefined (and a stale entry is dropped). */
  get(id: string, version: number): RecurrenceRule | null | undefined {
    const hit = this.map.get(id);
    if (!hit) return undefined;
    this.map.delete(id);
    if (hit.version !== version) return undefined;
    this.map.set(id, hit); // most recently used last
    return hit.rule;
  }

  set(id: string, version: number, rule: RecurrenceRule | null): void {
    this.map.delete(id);
    this.map.set(id, { version, rule });
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }
}

const RULE_CACHE = new RuleCache(50_000);

/** What the calendar reads of each schedule (raw SQL, only these columns; its campaign's are read once per campaign). */
interface ScheduleRow {
  id: string;
  name: string;
  workspace_id: string;
  campaign_id: string | null;
  status: ScheduledJob['status'];
  next_run_at: Date | null;
  run_count: number;
  max_runs: number | null;
  version: number;
}

/** What the calendar reads of the schedules' campaigns. */
interface CampaignRow {
  id: string;
  workspace_id: string;
  name: string;
  color: string | null;
  status: Campaign['status'];
  start_date: Date | null;
  end_date: Date | null;
  paused_reason: string | null;
  resume_at: Date | null;
}

/** A schedule of the calendar: the columns the lifecycle reads, then its planning (skips, blackouts). */
interface PlanSchedule {
  id: string;
  name: string;
  workspaceId: string;
  campaignId: string | null;
  status: ScheduledJob['status'];
  nextRunAt: Date | null;
  runCount: number;
  maxRuns: number | null;
  version: number;
  /** Read for the occurrences a page shows only (`withPublisherDomains`), unless asked for all. */
  publisherDomain: string | null;
  campaign: CampaignView | null;
  skips?: Date[];
  blackouts?: Blackout[];
}

/** What the calendar reads of a campaign: the response's fields, its window and its pause. */
type CampaignView = Pick<Campaign, 'id' | 'name' | 'color' | 'status' | 'startDate' | 'endDate' | 'pausedReason' | 'resumeAt'>;

/** The columns `ruleOf` reads, for the schedules whose rule is not cached. */
interface RuleRow {
  id: string;
  schedule_type: ScheduledJob['scheduleType'];
  scheduled_at: Date;
  recurrence_pattern: string | null;
  timezone: string;
  recurrence_end_date: Date | null;
  max_runs: number | null;
  recurrence_rule: ScheduledJob['recurrenceRule'];
}

/** The SQL condition of a schedule's publisher domain (its job_config's, else its template's). */
const PUBLISHER_DOMAIN_SQL = `COALESCE(s.job_config->>'publisher_domain', t.publisher_domain)`;

/**
 * The calendar: every occurrence of a workspace's schedules in a window, the past from run
 * history and Jobs, the future from the lifecycle's expansion (with `pauseOf`), merged soonest
 * first and paged with an opaque cursor.
 */
export class CalendarService {
  constructor(private readonly deps: AppDeps) {}

  async page(caller: Caller, q: CalendarQuery, options: { includeManual?: boolean } = {}): Promise<CalendarPage> {
    const { from, to } = checkWindow(q.from, q.to);
    const filter: CalendarFilter = { campaignId: q.campaignId, publisherDomain: q.publisherDomain, state: q.state };
    const hash = filterHash(from, to, filter);
    const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
    if (cursor && cursor.hash !== hash) throw validationFailed([{ field: 'cursor', message: CURSOR_MESSAGE }]);
    const now = this.deps.now();
    const limit = q.limit;
    const manager = readManager(this.deps);

    const items: CalendarItem[] = [];
    const planned: { item: CalendarItem; schedule: PlanSchedule }[] = [];
    let more = false;
    read: for await (const batch of this.merged(manager, caller, from, to, now, filter, cursor, limit + 1, options.includeManual ?? true)) {
      for (const o of batch) {
        if (items.length >= limit) {
          more = true;
          break read;
        }
        const item = itemOf(o);
        items.push(item);
        if (o.plan) planned.push({ item, schedule: o.plan.schedule });
      }
    }
    await withPublisherDomains(manager, caller.workspaceId, planned);
    const last = items[items.length - 1];
    const nextCursor = more && last ? encodeCursor({ at: last.at.getTime(), scheduleId: last.scheduleId, kind: last.kind, hash }) : null;
    return { from, to, items, nextCursor };
  }

  /**
   * Every occurrence of the workspace's calendar in one window, bucketed by local day of `timezone`:
   * each day's count and first `perDay` (one pass over the same merge as `page`).
   */
  async days(caller: Caller, q: CalendarDaysQuery): Promise<CalendarDays> {
    const { from, to } = checkWindow(q.from, q.to, MAX_DAYS_WINDOW_DAYS);
    const filter: CalendarFilter = { campaignId: q.campaignId, publisherDomain: q.publisherDomain, state: q.state };
    const manager = readManager(this.deps);
    const dayOf = localDayOf(q.timezone);
    const byDate = new Map<string, CalendarDay>();
    const planned: { item: CalendarItem; schedule: PlanSchedule }[] = [];
    let day: CalendarDay | undefined;
    for await (const batch of this.merged(manager, caller, from, to, this.deps.now(), filter, null, DAYS_BATCH, true)) {
      for (const o of batch) {
        const date = dayOf(o.at);
        if (day?.date !== date) {
          // (A map, not "the last day": where a zone falls back across midnight, the local date goes back.)
          day = byDate.get(date);
          if (!day) {
            day = { date, count: 0, items: [] };
            byDate.set(date, day);
          }
        }
        day.count += 1;
        if (day.items.length < q.perDay) {
          const item = itemOf(o);
          day.items.push(item);
          if (o.plan) planned.push({ item, schedule: o.plan.schedule });
        }
      }
    }
    await withPublisherDomains(manager, caller.workspaceId, planned);
    const days = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    return { from, to, timezone: q.timezone, days };
  }

  /**
   * The calendar's occurrences in [from, to) after `after`, soonest first (ties by schedule id),
   * in batches of `batch`: the past (runs, read `batch` at a time by key) merged with the future
   * (the expansions' heap). Batches, not one `yield` each: an async step per occurrence costs more
   * than the merge itself on a month of 100,000. An item is built on demand (`itemOf`), so a reader
   * that only counts does not describe every occurrence.
   */
  private async *merged(
    manager: EntityManager,
    caller: Caller,
    from: Date,
    to: Date,
    now: Date,
    filter: CalendarFilter,
    after: { at: number; scheduleId: string } | null,
    batch: number,
    includeManual: boolean,
  ): AsyncGenerator<MergedOccurrence[], void, undefined> {
    let past = await this.past(manager, caller, from, to, now, filter, after, batch, includeManual);
    let morePast = past.length >= batch;
    const futureFrom = new Date(Math.max(from.getTime(), now.getTime(), after ? after.at : -Infinity));
    const wantsFuture = !filter.state || FUTURE_STATES.includes(filter.state);
    const future = wantsFuture && futureFrom < to ? await this.future(manager, caller, futureFrom, to, now, filter, after) : null;
    let pi = 0;
    let out: MergedOccurrence[] = [];
    for (;;) {
      if (out.length >= batch) {
        yield out;
        out = [];
      }
      if (pi >= past.length && morePast) {
        const last = past[past.length - 1];
        past = await this.past(
          manager,
          caller,
          from,
          to,
          now,
          filter,
          { at: last.at.getTime(), scheduleId: last.scheduleId },
          batch,
          includeManual,
        );
        morePast = past.length >= batch;
        pi = 0;
      }
      const p = past[pi];
      const f = future ? top(future) : undefined;
      if (!p && !f) break;
      if (p && (!f || compare({ at: p.at.getTime(), scheduleId: p.scheduleId }, f.key) <= 0)) {
        pi += 1;
        out.push({ at: p.at.getTime(), scheduleId: p.scheduleId, past: p, plan: null });
      } else if (f && future) {
        const { schedule, rule, head } = f;
        advance(future, f);
        out.push({ at: head.at.getTime(), scheduleId: schedule.id, past: null, plan: { schedule, rule, head } });
      }
    }
    if (out.length > 0) yield out;
  }

  /** The workspace's runs in [from, min(to, now)), after the cursor, at most `take`. */
  private async past(
    manager: EntityManager,
    caller: Caller,
    from: Date,
    to: Date,
    now: Date,
    filter: CalendarFilter,
    cursor: { at: number; scheduleId: string } | null,
    take: number,
    includeManual: boolean,
  ): Promise<CalendarItem[]> {
    if (filter.state && !PAST_STATES.includes(filter.state)) return [];
    const until = new Date(Math.min(to.getTime(), now.getTime()));
    if (until <= from) return [];
    const params: unknown[] = [caller.workspaceId, from, until];
    const where: string[] = ['r.workspace_id = $1', 'r.occurrence_at >= $2', 'r.occurrence_at < $3'];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (!includeManual) where.push(`r.trigger = 'schedule'`);
    if (filter.state) where.push(`r.outcome = ${param(filter.state)}`);
    if (filter.campaignId) where.push(`s.campaign_id = ${param(filter.campaignId)}`);
    if (filter.publisherDomain) where.push(`lower(${PUBLISHER_DOMAIN_SQL}) = lower(${param(filter.publisherDomain)})`);
    if (cursor) {
      const at = param(new Date(cursor.at));
      where.push(
        `(date_trunc('milliseconds', r.occurrence_at) > ${at} OR (date_trunc('milliseconds', r.occurrence_at) = ${at} AND r.scheduled_job_id::text > ${param(cursor.scheduleId)}))`,
      );
    }
    const rows: PastRow[] = await manager.query(
      `SELECT r.occurrence_at, r.scheduled_job_id, r.outcome, r.job_id, r.reason, r.error, j.status AS job_status,
              s.name AS schedule_name, s.timezone, ${PUBLISHER_DOMAIN_SQL} AS publisher_domain,
              c.id AS campaign_id, c.name AS campaign_name, c.color AS campaign_color
         FROM schedule_runs r
         JOIN scheduled_jobs s ON s.id = r.scheduled_job_id AND s.workspace_id = r.workspace_id
         LEFT JOIN job_templates t ON t.id = s.template_id
         LEFT JOIN campaigns c ON c.id = s.campaign_id
         LEFT JOIN jobs j ON j.id = r.job_id
        WHERE ${where.join(' AND ')}
        ORDER BY r.occurrence_at, r.scheduled_job_id
        LIMIT ${Math.floor(take)}`,
      params,
    );
    return rows.map(pastItem);
  }

  /** The heap of the schedules' expansions in [from, to), each past the cursor. */
  private async future(
    manager: EntityManager,
    caller: Caller,
    from: Date,
    to: Date,
    now: Date,
    filter: CalendarFilter,
    after: { at: number; scheduleId: string } | null,
  ): Promise<Heap<Stream>> {
    return planStreams(manager, caller.workspaceId, from, to, now, filter, after ? { at: after.at, scheduleId: after.scheduleId } : null);
  }
}

/**
 * The heap of a workspace's schedules' expansions in [from, to) (active and paused schedules,
 * their campaigns, skips and blackouts loaded), each past `after`: the calendar's future.
 */
async function planStreams(
  manager: EntityManager,
  workspaceId: string,
  from: Date,
  to: Date,
  now: Date,
  filter: CalendarFilter,
  after: { at: number; scheduleId: string } | null,
  options: { publisherDomains?: boolean } = {},
): Promise<Heap<Stream>> {
  const params: unknown[] = [workspaceId, [...CLOSED_CAMPAIGN_STATUSES], from];
  // Nothing of a schedule whose campaign or rule has ended before the window.
  const where = [
    's.workspace_id = $1',
    `s.status IN ('active', 'paused')`,
    '(c.id IS NULL OR c.status <> ALL($2::text[]))',
    '(c.end_date IS NULL OR c.end_date >= $3)',
    '(s.recurrence_end_date IS NULL OR s.recurrence_end_date >= $3)',
  ];
  if (filter.campaignId) {
    params.push(filter.campaignId);
    where.push(`s.campaign_id = $${params.length}`);
  }
  if (filter.publisherDomain) {
    params.push(filter.publisherDomain);
    where.push(`lower(${PUBLISHER_DOMAIN_SQL}) = lower($${params.length})`);
  }
  // The template is joined only to filter by publisher domain (the domains of the occurrences a
  // page shows are read for those only, `withPublisherDomains`).
  const templates = filter.publisherDomain ? 'LEFT JOIN job_templates t ON t.id = s.template_id' : '';
  // The workspace's campaigns are read beside the schedules (a schedule's campaign of another
  // workspace is none, as the campaign lookup by the workspace has it).
  const [rows, campaigns] = await readAll(manager, [
    () =>
      manager.query<ScheduleRow[]>(
        `SELECT s.id, s.name, s.workspace_id, s.campaign_id, s.status, s.next_run_at, s.run_count, s.max_runs, s.version
         FROM scheduled_jobs s
         ${templates}
         LEFT JOIN campaigns c ON c.id = s.campaign_id
        WHERE ${where.join(' AND ')}
        ORDER BY s.id`,
        params,
      ),
    () => campaignsOf(manager, workspaceId),
  ] as const);
  const [rules, domains] = await readAll(manager, [
    () => rulesOf(manager, workspaceId, rows),
    () => (options.publisherDomains ? publisherDomainsOf(manager, workspaceId, rows) : Promise.resolve(null)),
  ] as const);
  const schedules = rows.map((r) => planScheduleOf(r, campaigns, domains));
  await loadPlanningAll(manager, schedules, now);

  const heap = new Heap<Stream>((a, b) => compare(a.key, b.key) < 0);
  const window = { from, to };
  for (const schedule of schedules) {
    const rule = rules.get(schedule.id);
    if (!rule) continue;
    const campaign = schedule.campaign;
    const pending = schedule.nextRunAt && schedule.nextRunAt < now ? schedule.nextRunAt.getTime() - 1 : now.getTime();
    const input = { ...expansionOf(schedule, rule, new Date(pending), campaign), pause: pauseOf(schedule, campaign) };
    // Without a `shift` blackout every occurrence is one of the rule's: the rule's first in the
    // window bounds the stream's first from below (and none means the stream is empty).
    const shifts = schedule.blackouts?.some((b) => b.policy === 'shift') ?? false;
    const stream: Stream = {
      schedule,
      rule,
      it: null,
      input,
      window,
      head: null,
      key: { at: from.getTime(), scheduleId: schedule.id },
      state: filter.state,
      after,
    };
    if (!shifts) {
      const bound = nextOccurrence(rule, new Date(Math.max(from.getTime(), after?.at ?? -Infinity) - 1));
      if (bound === null || bound >= to) continue;
      stream.key = { at: bound.getTime(), scheduleId: schedule.id };
      heap.push(stream);
    } else if (start(stream)) heap.push(stream);
  }
  return heap;
}

/** A planned occurrence of the plan: when, which schedule, and its publisher (the merged job config's). */
export interface PlannedOccurrence {
  at: Date;
  scheduleId: string;
  publisherDomain: string | null;
}

/**
 * The workspace's planned occurrences in [from, to) (from at least now), soonest first: the
 * calendar's own merge of its schedules' expansions, with the state `planned` only (a paused
 * schedule's or campaign's, a skipped or blacked-out occurrence never fires, so it is left out).
 * Optionally one publisher's only. The conflict check and the slot suggestions read it.
 */
export async function* plannedOccurrences(
  manager: EntityManager,
  workspaceId: string,
  window: { from: Date; to: Date },
  now: Date,
  filter: { publisherDomain?: string } = {},
): AsyncGenerator<PlannedOccurrence, void, undefined> {
  const from = new Date(Math.max(window.from.getTime(), now.getTime()));
  if (from >= window.to) return;
  const heap = await planStreams(manager, workspaceId, from, window.to, now, { ...filter, state: 'planned' }, null, {
    publisherDomains: true,
  });
  for (let f = top(heap); f; f = top(heap)) {
    yield { at: f.head.at, scheduleId: f.schedule.id, publisherDomain: f.schedule.publisherDomain };
    advance(heap, f);
  }
}

function planScheduleOf(r: ScheduleRow, campaigns: Map<string, CampaignRow>, domains: Map<string, string | null> | null): PlanSchedule {
  const c = r.campaign_id ? campaigns.get(r.campaign_id) : undefined;
  return {
    id: r.id,
    name: r.name,
    workspaceId: r.workspace_id,
    campaignId: r.campaign_id,
    status: r.status,
    nextRunAt: r.next_run_at,
    runCount: r.run_count,
    maxRuns: r.max_runs,
    version: r.version,
    publisherDomain: domains?.get(r.id) ?? null,
    campaign:
      // (As the campaign lookup by the workspace: another workspace's campaign is none.)
      c && c.workspace_id === r.workspace_id
        ? {
            id: c.id,
            name: c.name ?? '',
            color: c.color,
            status: c.status,
            startDate: c.start_date,
            endDate: c.end_date,
            pausedReason: c.paused_reason,
            resumeAt: c.resume_at,
          }
        : null,
  };
}

/**
 * The workspace's campaigns, by id (a workspace has few; closed ones too, so that a campaign closed
 * between this query and the schedules' still shows on the schedules read with it).
 */
async function campaignsOf(manager: EntityManager, workspaceId: string): Promise<Map<string, CampaignRow>> {
  const found: CampaignRow[] = await manager.query(
    `SELECT id, workspace_id, name, color, status, start_date, end_date, paused_reason, resume_at
       FROM campaigns WHERE workspace_id = $1`,
    [workspaceId],
  );
  const campaigns = new Map<string, CampaignRow>();
  for (const c of found) campaigns.set(c.id, c);
  return campaigns;
}

/** The publisher domain of each schedule (its job_config's, else its template's), by schedule id. */
async function publisherDomainsOf(
  manager: EntityManager,
  workspaceId: string,
  schedules: readonly { id: string }[],
): Promise<Map<string, string | null>> {
  const domains = new Map<string, string | null>();
  if (schedules.length === 0) return domains;
  const rows: { id: string; publisher_domain: string | null }[] = await manager.query(
    `SELECT s.id, ${PUBLISHER_DOMAIN_SQL} AS publisher_domain
       FROM scheduled_jobs s LEFT JOIN job_templates t ON t.id = s.template_id
      WHERE s.workspace_id = $1 AND s.id = ANY($2::uuid[])`,
    [workspaceId, [...new Set(schedules.map((s) => s.id))]],
  );
  for (const r of rows) domains.set(r.id, r.publisher_domain);
  return domains;
}

/**
 * The publisher domains of a page's planned occurrences, read for their schedules only (one
 * query) rather than for every schedule of the workspace; a schedule deleted meanwhile has none.
 */
async function withPublisherDomains(
  manager: EntityManager,
  workspaceId: string,
  planned: { item: CalendarItem; schedule: PlanSchedule }[],
): Promise<void> {
  if (planned.length === 0) return;
  const domains = await publisherDomainsOf(
    manager,
    workspaceId,
    planned.map((p) => p.schedule),
  );
  for (const p of planned) p.item.publisherDomain = domains.get(p.schedule.id) ?? null;
}

/** Each schedule's rule: from the cache at its version, else read (one query for all the misses) and cached. */
async function rulesOf(
  manager: EntityManager,
  workspaceId: string,
  schedules: readonly { id: string; version: number }[],
): Promise<Map<string, RecurrenceRule>> {
  const rules = new Map<string, RecurrenceRule>();
  const missing: { id: string; version: number }[] = [];
  for (const s of schedules) {
    const rule = RULE_CACHE.get(s.id, s.version);
    if (rule === undefined) missing.push(s);
    else if (rule) rules.set(s.id, rule);
  }
  if (missing.length === 0) return rules;
  const rows: (RuleRow & { version: number })[] = await manager.query(
    `SELECT id, version, schedule_type, scheduled_at, recurrence_pattern, timezone, recurrence_end_date, max_runs, recurrence_rule
       FROM scheduled_jobs WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
    [workspaceId, missing.map((s) => s.id)],
  );
  for (const r of rows) {
    const rule = ruleOf({
      scheduleType: r.schedule_type,
      scheduledAt: r.scheduled_at,
      recurrencePattern: r.recurrence_pattern,
      timezone: r.timezone,
      recurrenceEndDate: r.recurrence_end_date,
      maxRuns: r.max_runs,
      recurrenceRule: r.recurrence_rule,
    });
    RULE_CACHE.set(r.id, r.version, rule);
    if (rule) rules.set(r.id, rule);
  }
  return rules;
}

/**
 * Moves a stream to its expansion's next occurrence that passes the state filter (and, on its
 * start, lies after the cursor); false when it has none left.
 */
function next(stream: Stream, it: Iterator<ExpandedOccurrence>, after: { at: number; scheduleId: string } | null): boolean {
  for (;;) {
    const n = it.next();
    if (n.done) return false;
    const o = n.value;
    if (stream.state && o.state !== stream.state) continue;
    const key = { at: o.at.getTime(), scheduleId: stream.schedule.id };
    if (after && compare(key, after) <= 0) continue;
    stream.head = o;
    stream.key = key;
    return true;
  }
}

/** Starts a stream's expansion at its first occurrence after the cursor; false when it has none. */
function start(stream: Stream): boolean {
  const it = expandOccurrences(stream.input, stream.window);
  stream.it = it;
  return next(stream, it, stream.after);
}

/** The heap's first occurrence: its top stream, started (lazy ones are started as they reach the top). */
function top(heap: Heap<Stream>): Started | undefined {
  for (let s = heap.peek(); s; s = heap.peek()) {
    if (s.it) return s as Started;
    heap.pop();
    if (start(s)) heap.push(s);
  }
  return undefined;
}

/** Past the top stream's head: on to its next occurrence, or out of the heap when it has none. */
function advance(heap: Heap<Stream>, f: Started): void {
  heap.pop();
  if (next(f, f.it, null)) heap.push(f);
}

interface PastRow {
  occurrence_at: Date;
  scheduled_job_id: string;
  outcome: RunOutcome;
  job_id: string | null;
  reason: string | null;
  error: string | null;
  job_status: JobStatus | null;
  schedule_name: string;
  timezone: string;
  publisher_domain: string | null;
  campaign_id: string | null;
  campaign_workspace_id: string | null;
  campaign_name: string | null;
  campaign_color: string | null;
}

/** 15 minutes: every zone's offsets (and so its local midnights and changes) fall on these in UTC since 1980. */
const QUARTER_MS = 900_000;

/**
 * The local date (`YYYY-MM-DD`) of an instant in a zone, as a function cached per quarter hour of
 * UTC (a 62-day window has at most ~6,000; `Intl` is asked once each).
 */
export function localDayOf(timezone: string): (at: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cache = new Map<number, string>();
  return (at) => {
    const quarter = Math.floor(at / QUARTER_MS);
    let date = cache.get(quarter);
    if (date === undefined) {
      const parts = format.formatToParts(new Date(quarter * QUARTER_MS));
      const part = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
      date = `${part('year')}-${part('month')}-${part('day')}`;
      cache.set(quarter, date);
    }
    return date;
  };
}

/** Wall time with offset in a zone (`2026-03-29T09:00:00+02:00`), for runs of any instant. */
function localOf(at: Date, timezone: string): { local: string; dstAdjusted: boolean } {
  const rule = ruleOf({
    scheduleType: 'once',
    scheduledAt: at,
    recurrencePattern: null,
    timezone,
    recurrenceEndDate: null,
    maxRuns: null,
  });
  if (!rule) return { local: at.toISOString().replace('Z', '+00:00'), dstAdjusted: false };
  const view = describeOccurrence(rule, at);
  return { local: view.local, dstAdjusted: false };
}

function pastItem(r: PastRow): CalendarItem {
  const at = new Date(r.occurrence_at);
  const { local } = localOf(at, r.timezone);
  return {
    kind: 'run',
    at,
    scheduleId: r.scheduled_job_id,
    scheduleName: r.schedule_name,
    campaign: r.campaign_id ? { id: r.campaign_id, name: r.campaign_name ?? '', color: r.campaign_color } : null,
    publisherDomain: r.publisher_domain,
    timezone: r.timezone,
    local,
    dstAdjusted: false,
    state: r.outcome,
    jobId: r.job_id,
    jobStatus: r.job_id ? r.job_status : null,
    reason: r.outcome === 'failed' ? (r.error ?? r.reason) : r.reason,
  };
}

function planItem(schedule: PlanSchedule, rule: RecurrenceRule, o: ExpandedOccurrence): CalendarItem {
  const view = describeOccurrence(rule, o.at);
  const campaign = schedule.campaign;
  return {
    kind: 'plan',
    at: o.at,
    scheduleId: schedule.id,
    scheduleName: schedule.name,
    campaign: campaign ? { id: campaign.id, name: campaign.name, color: campaign.color } : null,
    publisherDomain: schedule.publisherDomain,
    timezone: rule.timezone,
    local: view.local,
    dstAdjusted: view.dst_adjusted,
    state: o.state,
    jobId: null,
    jobStatus: null,
    reason: o.reason,
  };
}
