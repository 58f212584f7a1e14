/**
 * Runs fuzz cases against the real app and checks the invariants every response must keep:
 *  - never a status >= 500;
 *  - every 4xx is `application/problem+json` with a numeric `status` equal to the HTTP status and
 *    a string `detail` (a 422 also lists `errors: [{field, message}]`), and leaks nothing
 *    (no stack trace, SQL or driver message);
 *  - a 4xx writes nothing: the user's rows in campaigns, job_templates, scheduled_jobs, jobs and
 *    schedule_runs (counts and contents, so also `updated_at`/`version` of the fixture objects)
 *    and the BullMQ schedulers and content jobs are exactly as before;
 *  - no request changes another user's rows, whatever its status;
 *  - a body field the endpoint does not know is never accepted (2xx), and a body the server did
 *    not read (not JSON) is never silently accepted either.
 *
 * Set FUZZ_CONTINUE=1 to keep going after a violation and get one report of all the distinct
 * violations at the end of each property (exploration); by default the first one fails the
 * property and fast-check shrinks it.
 */
import { appendFileSync } from 'node:fs';
import request from 'supertest';
import fc from 'fast-check';
import { apiAs, emptyUserRows, HOUR, inHours, newUserId, USER_TABLES, userRows, UserRows, UserTable } from '@scheduler/testkit';
import type { TestApp } from '../helpers';
import { BodyCase, UrlPiece, UrlText } from './arbitraries';
import type { Endpoint } from './endpoints';
import { csvText, encode, FIXTURE_KINDS, FixtureKind, pctEncode, Ref, topLevelKeys } from './json-text';

/** Content types express.json reads (anything else leaves the body unread). */
const READ_AS_JSON = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;
/** What the import's text parser reads. */
const READ_AS_CSV = /^text\/csv\s*(;\s*charset=utf-8\s*)?$/i;

/** What must never appear in an error body: stack frames, SQL/driver messages, internals. */
const LEAK =
  /QueryFailedError|EntityNotFound|node_modules|\n\s+at |\bat [\w$.<>]+ \(\/|duplicate key value|violates [a-z ]*constraint|relation "|column "|invalid input syntax|unsupported Unicode escape|numeric field overflow|value too long for type|TypeError|ReferenceError|Cannot read propert|\bpg_|typeorm/i;

export interface FuzzCase {
  id?: UrlPiece;
  query: [UrlPiece, UrlPiece][];
  body: BodyCase;
}

export interface UserState {
  user: string;
  fixtures: Record<FixtureKind, string>;
  /** Each fixture's row as it was made (JSON text): a case that changes it gets it made anew. */
  pristine: Record<FixtureKind, string>;
  /** Rows of the user by table, id -> row JSON text, as last seen. */
  rows: UserRows;
}

/** The table each kind of fixture lives in. */
const FIXTURE_TABLE: Record<FixtureKind, UserTable> = {
  campaign: 'campaigns',
  template: 'job_templates',
  blockedTemplate: 'job_templates',
  schedule: 'scheduled_jobs',
  pausedSchedule: 'scheduled_jobs',
  job: 'jobs',
  runningJob: 'jobs',
  blackout: 'blackouts',
  feed: 'calendar_feeds',
  webhook: 'webhooks',
};

interface Sent {
  method: string;
  url: string;
  contentType?: string;
  body?: string;
}

interface Counts {
  schedulers: number;
  contentJobs: number;
}

const MAX_URL = 12_000;

function short(text: string | undefined, max = 600): string {
  if (text === undefined) return '(none)';
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

export class Violation extends Error {
  constructor(
    readonly signature: string,
    message: string,
  ) {
    super(message);
    this.name = 'Violation';
  }
}

export class FuzzHarness {
  readonly explore = process.env.FUZZ_CONTINUE === '1';
  /** Cases run per endpoint name, and the statuses seen. */
  readonly stats = new Map<string, { cases: number; statuses: Map<number, number> }>();
  private other!: UserState;
  private otherRows!: UserRows;

  /** Errors the app's error handler logged (a 500's cause), captured for the violation message. */
  private readonly serverErrors: unknown[] = [];
  private readonly trace = process.env.FUZZ_TRACE;

  constructor(readonly t: TestApp) {
    // The error handler logs through `deps.logger.error` (read at call time): capture what it logs.
    const original = t.deps.logger;
    const errors = this.serverErrors;
    t.deps.logger = new Proxy(original, {
      get(target, prop) {
        if (prop === 'error') {
          return (obj: unknown, ...rest: unknown[]) => {
            errors.push((obj as { err?: unknown } | null)?.err ?? obj);
            Reflect.apply(target.error, target, [obj, ...rest]);
          };
        }
        return Reflect.get(target, prop, target);
      },
    });
  }

  /** What the server logged as the cause of the last 5xx, in one line. */
  private takeServerError(): string | null {
    const err = this.serverErrors.splice(0).pop();
    if (err === undefined) return null;
    if (err instanceof Error) {
      const frame = (err.stack ?? '').split('\n').find((l) => /\/src\/|node_modules/.test(l));
      return `${err.name}: ${err.message}${
        frame
          ? ` (${frame
              .trim()
              .replace(/^at /, 'at ')
              .replace(/.*\/work\/main\//, '')})`
          : ''
      }`;
    }
    return typeof err === 'string' ? err : (JSON.stringify(err) ?? 'undefined');
  }

  get totalCases(): number {
    let n = 0;
    for (const s of this.stats.values()) n += s.cases;
    return n;
  }

  /** Creates the other tenant, whose rows no request of the fuzzed users may ever change. */
  async init(): Promise<void> {
    this.other = await this.newUser();
    this.otherRows = this.other.rows;
  }

  private created(res: request.Response, what: string): string {
    if (res.status !== 201 && res.status !== 200) throw new Error(`fixture ${what} could not be made: ${res.status} ${res.text}`);
    return res.body.id as string;
  }

  /** A fresh user with one of everything (see FixtureKind). */
  async newUser(): Promise<UserState> {
    const state: UserState = {
      user: newUserId(),
      fixtures: {} as Record<FixtureKind, string>,
      pristine: {} as Record<FixtureKind, string>,
      rows: emptyUserRows(),
    };
    await this.remake(state, new Set(FIXTURE_KINDS));
    return state;
  }

  /**
   * Makes the given fixtures (and what depends on them) anew, then records every fixture's row
   * as its pristine state: each case starts from fixtures as they were made, whatever earlier
   * cases did to them (a campaign whose dates an earlier PUT moved could hold no schedule).
   */
  private async remake(state: UserState, kinds: Set<FixtureKind>): Promise<void> {
    await this.ensureFixtures(state, kinds);
    state.rows = await this.rowsOf(state.user);
    for (const kind of FIXTURE_KINDS) {
      const row = state.rows[FIXTURE_TABLE[kind]].get(state.fixtures[kind]);
      if (row === undefined) throw new Error(`fixture ${kind} ${state.fixtures[kind]} has no row`);
      state.pristine[kind] = row;
    }
  }

  /** (Re)creates the given fixtures and what they depend on. */
  private async ensureFixtures(state: UserState, missing: Set<FixtureKind>): Promise<void> {
    const api = apiAs(this.t, state.user);
    const f = state.fixtures;
    const soon = () => inHours(2);
    if (missing.has('campaign')) {
      f.campaign = this.created(
        await api.post('/campaigns', {
          name: 'fuzz campaign',
          description: 'the fixture',
          color: '#1E88E5',
          tags: ['fuzz'],
          target_job_count: 10,
          target_budget_usd: 250.5,
          start_date: new Date(Date.now() - 24 * HOUR).toISOString(),
          end_date: new Date(Date.now() + 4 * 365 * 24 * HOUR).toISOString(),
        }),
        'campaign',
      );
      // Templates and schedules of a deleted campaign are gone with it.
      for (const k of ['template', 'blockedTemplate', 'schedule', 'pausedSchedule'] as const) missing.add(k);
    }
    if (missing.has('template')) {
      f.template = this.created(
        await api.post('/templates', {
          name: 'fuzz template',
          campaign_id: f.campaign,
          publisher_domain: 'forbes.com',
          llm_provider: 'anthropic',
          language: 'en-GB',
          metadata: { tone: 'neutral', nested: { a: [1, 2] } },
          tags: ['fuzz'],
        }),
        'template',
      );
      missing.add('job');
      missing.add('runningJob');
    }
    if (missing.has('blockedTemplate')) {
      f.blockedTemplate = this.created(
        await api.post('/templates', { name: 'used by a schedule', campaign_id: f.campaign }),
        'blockedTemplate',
      );
      missing.add('schedule');
    }
    if (missing.has('schedule')) {
      f.schedule = this.created(
        await api.post('/schedule', {
          name: 'fuzz schedule',
          campaign_id: f.campaign,
          template_id: f.blockedTemplate,
          schedule_type: 'daily',
          scheduled_at: soon(),
          timezone: 'America/New_York',
          job_config: { target_url: 'https://example.com/a' },
          max_runs: 30,
        }),
        'schedule',
      );
      await this.t.deps.dataSource.query(
        `INSERT INTO schedule_runs (scheduled_job_id, user_id, workspace_id, occurrence_at, outcome, reason) VALUES ($1, $2, 'user:' || $2, $3, 'skipped', 'campaign paused')`,
        [f.schedule, state.user, new Date(Date.now() - 24 * HOUR)],
      );
    }
    if (missing.has('pausedSchedule')) {
      f.pausedSchedule = this.created(
        await api.post('/schedule', {
          name: 'paused fuzz schedule',
          campaign_id: f.campaign,
          template_id: f.blockedTemplate,
          schedule_type: 'weekly',
          recurrence_pattern: 'weekly:monday,thursday',
          scheduled_at: soon(),
        }),
        'pausedSchedule',
      );
      this.created(await api.post(`/schedule/${f.pausedSchedule}/pause`), 'pause');
    }
    if (missing.has('job')) {
      f.job = this.created(await api.post(`/templates/${f.template}/use`, { anchor_text: 'fixture' }), 'job');
    }
    if (missing.has('runningJob')) {
      f.runningJob = this.created(await api.post(`/templates/${f.template}/use`, {}), 'runningJob');
      this.created(await api.patch(`/jobs/${f.runningJob}`, { status: 'running' }), 'running');
    }
    if (missing.has('blackout')) {
      // Workspace-wide and far ahead: it moves no run of the other fixtures until a case changes it.
      f.blackout = this.created(
        await api.post('/blackouts', {
          name: 'fuzz freeze',
          start_date: '2099-12-24',
          end_date: '2099-12-26',
          timezone: 'Europe/Berlin',
          policy: 'shift',
        }),
        'blackout',
      );
    }
    if (missing.has('feed')) {
      f.feed = this.created(await api.post('/calendar/feeds', { name: 'fuzz feed' }), 'feed');
    }
    if (missing.has('webhook')) {
      f.webhook = this.created(await api.post('/webhooks', { url: 'https://93.184.216.34/fuzz', events: ['job.created'] }), 'webhook');
    }
  }

  /** Which fixtures a request has deleted or changed in any way since they were made. */
  private brokenFixtures(state: UserState): Set<FixtureKind> {
    const broken = new Set<FixtureKind>();
    for (const kind of FIXTURE_KINDS) {
      if (state.rows[FIXTURE_TABLE[kind]].get(state.fixtures[kind]) !== state.pristine[kind]) broken.add(kind);
    }
    return broken;
  }

  /** Every row the user owns in the five tables, as JSON text, keyed by table and id. */
  rowsOf(user: string): Promise<UserRows> {
    return userRows(this.t.deps.dataSource, user);
  }

  private async queueCounts(): Promise<Counts> {
    const [schedulers, content] = await Promise.all([
      this.t.deps.occurrenceQueues.all[0].getJobSchedulersCount(),
      this.t.deps.contentQueue.getJobCountByTypes('waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'),
    ]);
    return { schedulers, contentJobs: content };
  }

  private resolver(state: UserState) {
    return (ref: Ref): string => {
      const owner = ref.owner === 'self' ? state : this.other;
      const id = owner.fixtures[ref.kind];
      return ref.upper ? id.toUpperCase() : id;
    };
  }

  private urlText(piece: UrlPiece, state: UserState): string {
    if (piece instanceof UrlText) return piece.text;
    if (piece instanceof Ref) return this.resolver(state)(piece);
    return pctEncode(piece.slice(0, 1000));
  }

  /** The concrete request of a case. */
  private build(endpoint: Endpoint, c: FuzzCase, state: UserState): Sent {
    let path = `/api/v1${endpoint.base}`;
    if (endpoint.id) path += `/${this.urlText(c.id ?? new Ref(endpoint.id), state)}`;
    path += endpoint.suffix ?? '';
    // Node itself answers 431 (no body) to a request head over 16 KiB, before the app sees it:
    // keep URLs below that so that the app is what is tested.
    const pairs = c.query.map(([k, v]) => `${this.urlText(k, state)}=${this.urlText(v, state)}`);
    while (pairs.length && path.length + pairs.join('&').length > MAX_URL) pairs.pop();
    if (pairs.length) path += `?${pairs.join('&')}`;
    const sent: Sent = { method: endpoint.method.toUpperCase(), url: path };
    if (c.body.kind === 'json') {
      sent.contentType = c.body.contentType;
      sent.body = encode(c.body.value, this.resolver(state));
    } else if (c.body.kind === 'raw') {
      sent.contentType = c.body.contentType;
      sent.body = c.body.text;
    } else if (c.body.kind === 'csv') {
      sent.contentType = 'text/csv';
      sent.body = csvText(c.body.rows, this.resolver(state), c.body.delimiter);
    }
    return sent;
  }

  private async send(sent: Sent, user: string): Promise<request.Response> {
    const agent = request(this.t.app);
    const method = sent.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    let req = agent[method](sent.url).set('Authorization', this.t.auth(user));
    if (sent.contentType !== undefined) req = req.set('Content-Type', sent.contentType).send(sent.body ?? '');
    return req;
  }

  private count(endpoint: Endpoint, status: number): void {
    let s = this.stats.get(endpoint.name);
    if (!s) this.stats.set(endpoint.name, (s = { cases: 0, statuses: new Map() }));
    s.cases += 1;
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
  }

  /** Runs one case and checks every invariant; throws a Violation describing the first broken one(s). */
  async run(endpoint: Endpoint, c: FuzzCase, state: UserState, sink?: ViolationSink): Promise<request.Response> {
    const sent = this.build(endpoint, c, state);
    const queuesBefore = await this.queueCounts();
    const res = await this.send(sent, state.user);
    this.count(endpoint, res.status);
    const problems: [string, string][] = [];
    const text = res.text ?? '';
    const ct = String(res.headers['content-type'] ?? '');

    const cause = this.takeServerError();
    if (res.status >= 500) {
      const why = cause ? cause.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>') : 'no error logged';
      problems.push([
        `${res.status} ${why.split(' (at ')[0].slice(0, 120)}`,
        `status ${res.status} (never >= 500 for any input); server logged: ${why}`,
      ]);
    }
    if (this.trace) {
      let detail: string;
      try {
        detail = String(JSON.parse(text).detail ?? '');
      } catch {
        detail = '';
      }
      appendFileSync(this.trace, `${endpoint.name}\t${res.status}\t${detail.replace(/\s+/g, ' ').slice(0, 200)}\n`);
    }
    if (res.status >= 400) {
      if (!/^application\/problem\+json/.test(ct)) problems.push(['not problem+json', `a ${res.status} with content-type "${ct}"`]);
      let body: { status?: unknown; detail?: unknown; title?: unknown; type?: unknown; errors?: unknown } | null = null;
      try {
        body = JSON.parse(text);
      } catch {
        problems.push(['unparsable problem', `a ${res.status} whose body is not JSON`]);
      }
      if (body) {
        if (body.status !== res.status)
          problems.push(['problem.status', `problem status ${JSON.stringify(body.status)} != HTTP ${res.status}`]);
        if (typeof body.detail !== 'string') problems.push(['problem.detail', 'problem has no string detail']);
        if (typeof body.title !== 'string' || typeof body.type !== 'string')
          problems.push(['problem.title/type', 'problem lacks string title/type']);
        if (res.status === 422) {
          const errors = body.errors;
          const ok =
            Array.isArray(errors) &&
            errors.length > 0 &&
            errors.every((e) => e && typeof e.field === 'string' && typeof e.message === 'string');
          if (!ok)
            problems.push([
              '422 errors[]',
              `422 without errors: [{field: string, message: string}] (got ${short(JSON.stringify(errors), 200)})`,
            ]);
        }
      }
      if (LEAK.test(text)) problems.push(['leak', `error body leaks internals: ${short(text, 300)}`]);
    } else if (res.status !== 204 && !/^application\/json/.test(ct) && !(endpoint.sendsCsv && /^text\/csv/.test(ct))) {
      problems.push(['2xx content-type', `a ${res.status} with content-type "${ct}"`]);
    }

    if (endpoint.body && res.status < 300) {
      // An import reads CSV too.
      const readAsJson =
        sent.contentType !== undefined &&
        (READ_AS_JSON.test(sent.contentType) || (endpoint.body.files === true && READ_AS_CSV.test(sent.contentType)));
      if (c.body.kind === 'json' && readAsJson) {
        const keys = topLevelKeys(c.body.value) ?? [];
        const unknown = keys.filter((k) => !Object.prototype.hasOwnProperty.call(endpoint.body!.fields, k));
        if (unknown.length)
          problems.push(['unknown field accepted', `unknown body field(s) ${JSON.stringify(unknown)} accepted with ${res.status}`]);
      }
      if (sent.body !== undefined && sent.body.trim() !== '' && !readAsJson) {
        problems.push([
          'unread body accepted',
          `a ${JSON.stringify(sent.contentType)} body was not read, yet the request succeeded with ${res.status}`,
        ]);
      }
    }

    // Database and queues.
    const [rows, otherRows, queuesAfter] = await Promise.all([this.rowsOf(state.user), this.rowsOf(this.other.user), this.queueCounts()]);
    const otherDiff = diffRows(this.otherRows, otherRows);
    if (otherDiff) problems.push(['tenancy', `another user's rows changed: ${otherDiff}`]);
    if (res.status >= 400 && res.status < 500) {
      const diff = diffRows(state.rows, rows);
      if (diff) problems.push(['write on 4xx', `a ${res.status} wrote to the database: ${diff}`]);
      if (queuesAfter.schedulers !== queuesBefore.schedulers)
        problems.push([
          'scheduler on 4xx',
          `a ${res.status} changed the BullMQ schedulers (${queuesBefore.schedulers} -> ${queuesAfter.schedulers})`,
        ]);
      if (queuesAfter.contentJobs !== queuesBefore.contentJobs)
        problems.push([
          'content job on 4xx',
          `a ${res.status} queued content jobs (${queuesBefore.contentJobs} -> ${queuesAfter.contentJobs})`,
        ]);
    }
    state.rows = rows;
    this.otherRows = otherRows;

    if (res.status < 400 || problems.length) {
      const broken = this.brokenFixtures(state);
      if (broken.size) await this.remake(state, broken);
    }

    if (problems.length) {
      const message = [
        `${endpoint.name}: ${problems.map((p) => p[1]).join('; ')}`,
        `  request:  ${sent.method} ${short(sent.url, 300)}`,
        `  content-type: ${sent.contentType ?? '(no body)'}`,
        `  body:     ${short(sent.body)}`,
        `  response: ${res.status} ${ct}`,
        `            ${short(text)}`,
      ].join('\n');
      const violation = new Violation(`${endpoint.name} | ${problems.map((p) => p[0]).join(', ')}`, message);
      violation.stack = `Violation: ${message}`; // the message says it all; no code frame
      if (sink) sink.add(violation);
      else throw violation;
    }
    return res;
  }
}

/** Collects violations in exploration mode (FUZZ_CONTINUE=1): one example per signature. */
export class ViolationSink {
  private readonly seen = new Map<string, { count: number; example: Violation }>();
  add(v: Violation): void {
    const entry = this.seen.get(v.signature);
    if (entry) entry.count += 1;
    else this.seen.set(v.signature, { count: 1, example: v });
  }
  get size(): number {
    return this.seen.size;
  }
  report(): string {
    return [...this.seen.values()].map((e) => `[${e.count}x] ${e.example.message}`).join('\n\n');
  }
}

/** A readable summary of what differs between two snapshots, or null when equal. */
export function diffRows(before: UserRows, after: UserRows): string | null {
  const out: string[] = [];
  for (const table of USER_TABLES) {
    const a = before[table];
    const b = after[table];
    if (a.size !== b.size) out.push(`${table} count ${a.size} -> ${b.size}`);
    for (const [id, row] of b) {
      const old = a.get(id);
      if (old === undefined) out.push(`${table} new row ${id}`);
      else if (old !== row) {
        const o = JSON.parse(old) as Record<string, unknown>;
        const n = JSON.parse(row) as Record<string, unknown>;
        const changed = Object.keys(n).filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]));
        out.push(
          `${table} row ${id} changed: ${changed.map((k) => `${k} ${short(JSON.stringify(o[k]), 60)} -> ${short(JSON.stringify(n[k]), 60)}`).join(', ')}`,
        );
      }
    }
    for (const id of a.keys()) if (!b.has(id)) out.push(`${table} row ${id} deleted`);
  }
  return out.length ? out.join('; ') : null;
}

/** Arbitrary of whole cases for an endpoint. */
export function caseArbitrary(parts: {
  id?: fc.Arbitrary<UrlPiece>;
  query: fc.Arbitrary<[UrlPiece, UrlPiece][]>;
  body: fc.Arbitrary<BodyCase>;
}): fc.Arbitrary<FuzzCase> {
  return fc.record({
    id: parts.id ?? fc.constant(undefined),
    query: parts.query,
    body: parts.body,
  });
}
