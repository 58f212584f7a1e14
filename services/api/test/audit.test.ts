/**
 * The audit log (issue #13, part 5): every write route the router serves, walked from the route
 * declarations (a new write route without a line in `WALK` fails here), leaves exactly one entry
 * with the right action, object and `changes`; a refused request, a rolled-back change and an
 * idempotent replay leave none; secrets never appear; members of a workspace share its log and
 * no other workspace sees it; the list's filters and cursor.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AuditAction, AuditEntityType } from '@scheduler/entities';
import { expectProblem, inHours, newUserId } from '@scheduler/testkit';
import { auditChanges, REDACTED } from '../src/audit/audit';
import { servedPath } from '../src/http/route';
import { GROUPS } from '../src/openapi/document';
import { makeWorkspaceObjects, useTestApp, type TestApp } from './helpers';
import { servedRoutes } from './routes';

/** `METHOD /api/v1/path/{id}` of every declared write (access `write` or `approve`). */
const DECLARED_WRITES = GROUPS.flatMap((group) =>
  group.operations
    .filter(({ spec }) => !('raw' in spec) && spec.access !== 'read')
    .map(({ method, path }) => `${method.toUpperCase()} ${servedPath(group, path).replace(/:(\w+)/g, '{$1}')}`),
);

/**
 * Write routes (access `write` or `approve`) that are no user change, so they write no entry; each
 * says why. None today: `POST /schedule/preview` takes a body but stores nothing and is declared
 * `access: 'read'`, so it is not walked.
 */
const NOT_USER_CHANGES: Record<string, string> = {};

/** What the fixture's objects are (fresh for each step), by the name of the path segment they answer. */
interface Ids {
  workspace: string;
  /** The member who made the fixture and makes the change. */
  member: string;
  campaigns: string;
  templates: string;
  schedule: string;
  jobs: string;
  blackouts: string;
  calendar: string;
  webhooks: string;
  delivery: string;
  /** A skipped occurrence (the un-skip's path). */
  occurrence?: string;
}

type Changes = Record<string, { old: unknown; new: unknown }>;

interface Step {
  /** Puts the fixture in the state the change needs; returns ids that replace the fixture's. */
  prepare?: (w: Team) => Promise<Partial<Ids>>;
  body?: (ids: Ids) => object;
  /** The URL when the path has more than `{id}` to fill in. */
  url?: (ids: Ids) => string;
  action: AuditAction;
  entity: (ids: Ids, res: request.Response) => [AuditEntityType, string];
  /**
   * `exact`: `changes` is exactly this; `includes`: these among others; `created`: these among
   * others, every one from null; `deleted`: these among others, every one to null.
   */
  kind: 'exact' | 'includes' | 'created' | 'deleted';
  changes: (ids: Ids, res: request.Response) => Changes;
}

const change = (old: unknown, next: unknown) => ({ old, new: next });
const anything = () => expect.anything() as unknown;

/**
 * One line per write route the router serves. A route added without a line here fails the walk.
 */
const WALK: Record<string, Step> = {
  'PUT /api/v1/notifications': {
    body: () => ({ email: 'walk@example.com', events: ['run.missed'] }),
    action: 'update',
    entity: (ids) => ['settings', `notifications:${ids.member}`],
    kind: 'created',
    changes: () => ({ email: change(null, 'walk@example.com'), events: change(null, ['run.missed']) }),
  },
  'POST /api/v1/campaigns': {
    body: () => ({ name: 'walked campaign', color: '#abcdef' }),
    action: 'create',
    entity: (_ids, res) => ['campaign', res.body.id],
    kind: 'created',
    changes: () => ({ name: change(null, 'walked campaign'), color: change(null, '#ABCDEF'), status: change(null, 'active') }),
  },
  'PUT /api/v1/campaigns/{id}': {
    body: () => ({ name: 'renamed campaign' }),
    action: 'update',
    entity: (ids) => ['campaign', ids.campaigns],
    kind: 'exact',
    changes: () => ({ name: change('team campaign', 'renamed campaign') }),
  },
  'POST /api/v1/campaigns/{id}/pause': {
    body: () => ({ reason: 'walk pause' }),
    action: 'pause',
    entity: (ids) => ['campaign', ids.campaigns],
    kind: 'exact',
    changes: () => ({ status: change('active', 'paused'), paused_reason: change(null, 'walk pause') }),
  },
  'POST /api/v1/campaigns/{id}/resume': {
    prepare: async (w) => {
      await w.ok('post', `/campaigns/${w.ids.campaigns}/pause`, { reason: 'before resume' });
      return {};
    },
    action: 'resume',
    entity: (ids) => ['campaign', ids.campaigns],
    kind: 'exact',
    changes: () => ({ status: change('paused', 'active'), paused_reason: change('before resume', null) }),
  },
  'DELETE /api/v1/campaigns/{id}': {
    action: 'delete',
    entity: (ids) => ['campaign', ids.campaigns],
    kind: 'deleted',
    changes: () => ({ name: change('team campaign', null), status: change('active', null) }),
  },
  'POST /api/v1/templates': {
    body: () => ({ name: 'walked template', publisher_domain: 'walk.example.com' }),
    action: 'create',
    entity: (_ids, res) => ['template', res.body.id],
    kind: 'created',
    changes: () => ({ name: change(null, 'walked template'), publisher_domain: change(null, 'walk.example.com') }),
  },
  'PUT /api/v1/templates/{id}': {
    body: () => ({ name: 'renamed template' }),
    action: 'update',
    entity: (ids) => ['template', ids.templates],
    kind: 'exact',
    changes: () => ({ name: change('team template', 'renamed template') }),
  },
  'DELETE /api/v1/templates/{id}': {
    // The fixture's template has a schedule (a 409): a spare one.
    prepare: async (w) => ({ templates: (await w.ok('post', '/templates', { name: 'spare template' })).body.id }),
    action: 'delete',
    entity: (ids) => ['template', ids.templates],
    kind: 'deleted',
    changes: () => ({ name: change('spare template', null) }),
  },
  'POST /api/v1/templates/{id}/favorite': {
    action: 'favorite',
    entity: (ids) => ['template', ids.templates],
    kind: 'exact',
    changes: () => ({ is_favorite: change(false, true) }),
  },
  'POST /api/v1/templates/{id}/use': {
    body: () => ({}),
    action: 'use',
    entity: (ids) => ['template', ids.templates],
    kind: 'exact',
    changes: (_ids, res) => ({ use_count: change(1, 2), last_used_at: change(anything(), anything()), job_id: change(null, res.body.id) }),
  },
  'POST /api/v1/library/templates/{id}/copy': {
    body: () => ({ name: 'my copy' }),
    action: 'copy',
    entity: (_ids, res) => ['template', res.body.id],
    kind: 'created',
    changes: (ids) => ({ name: change(null, 'my copy'), copied_from: change(null, ids.templates), visibility: change(null, 'private') }),
  },
  'POST /api/v1/schedule': {
    body: () => ({ name: 'walked schedule', schedule_type: 'daily', scheduled_at: inHours(5) }),
    action: 'create',
    entity: (_ids, res) => ['schedule', res.body.id],
    kind: 'created',
    changes: () => ({ name: change(null, 'walked schedule'), schedule_type: change(null, 'daily'), status: change(null, 'active') }),
  },
  'POST /api/v1/schedule/import': {
    body: () => [{ name: 'imported schedule', schedule_type: 'daily', scheduled_at: inHours(6) }],
    action: 'import',
    entity: (_ids, res) => ['schedule', res.body.rows[0].id],
    kind: 'created',
    changes: (_ids, res) => ({ name: change(null, 'imported schedule'), import_id: change(null, res.body.import_id) }),
  },
  'PUT /api/v1/schedule/{id}': {
    body: () => ({ name: 'renamed schedule' }),
    action: 'update',
    entity: (ids) => ['schedule', ids.schedule],
    kind: 'exact',
    changes: () => ({ name: change('team schedule', 'renamed schedule') }),
  },
  'POST /api/v1/schedule/{id}/pause': {
    action: 'pause',
    entity: (ids) => ['schedule', ids.schedule],
    kind: 'includes',
    changes: () => ({ status: change('active', 'paused') }),
  },
  'POST /api/v1/schedule/{id}/resume': {
    prepare: async (w) => {
      await w.ok('post', `/schedule/${w.ids.schedule}/pause`);
      return {};
    },
    action: 'resume',
    entity: (ids) => ['schedule', ids.schedule],
    kind: 'includes',
    changes: () => ({ status: change('paused', 'active') }),
  },
  'POST /api/v1/schedule/{id}/run': {
    action: 'run',
    entity: (ids) => ['schedule', ids.schedule],
    kind: 'exact',
    changes: (_ids, res) => ({ job_id: change(null, res.body.id) }),
  },
  'POST /api/v1/schedule/{id}/skip': {
    prepare: async (w) => ({ occurrence: (await w.ok('get', `/schedule/${w.ids.schedule}`)).body.next_run_at }),
    body: (ids) => ({ occurrence_at: ids.occurrence }),
    action: 'skip',
    entity: (ids) => ['schedule', ids.schedule],
    kind: 'includes',
    changes: (ids) => ({ skipped_occurrence: change(null, ids.occurrence), next_run_at: change(ids.occurrence, anything()) }),
  },
  'DELETE /api/v1/schedule/{id}/skips/{occurrence_at}': {
    prepare: async (w) => {
      const at = (await w.ok('get', `/schedule/${w.ids.schedule}`)).body.next_run_at as string;
      await w.ok('post', `/schedule/${w.ids.schedule}/skip`, { occurrence_at: at });
      return { occurrence: at };
    },
    url: (ids) => `/schedule/${ids.schedule}/skips/${encodeURIComponent(ids.occurrence!)}`,
    action: 'unskip',
    entity: (ids) => ['schedule', ids.schedule],
    kind: 'includes',
    changes: (ids) => ({ skipped_occurrence: change(ids.occurrence, null), next_run_at: change(anything(), ids.occurrence) }),
  },
  'DELETE /api/v1/schedule/{id}': {
    action: 'delete',
    entity: (ids) => ['schedule', ids.schedule],
    kind: 'deleted',
    changes: () => ({ name: change('team schedule', null) }),
  },
  'PATCH /api/v1/jobs/{id}': {
    body: () => ({ status: 'running' }),
    action: 'update',
    entity: (ids) => ['job', ids.jobs],
    kind: 'exact',
    changes: () => ({ status: change('pending', 'running'), started_at: change(null, anything()) }),
  },
  'POST /api/v1/jobs/{id}/approve': {
    prepare: async (w) => ({ jobs: await w.awaitingJob() }),
    action: 'approve',
    entity: (ids) => ['job', ids.jobs],
    kind: 'exact',
    changes: (_ids) => ({
      status: change('awaiting_approval', 'pending'),
      decided_by: change(null, anything()),
      decided_at: change(null, anything()),
    }),
  },
  'POST /api/v1/jobs/{id}/reject': {
    prepare: async (w) => ({ jobs: await w.awaitingJob() }),
    body: () => ({ reason: 'not on brand' }),
    action: 'reject',
    entity: (ids) => ['job', ids.jobs],
    kind: 'exact',
    changes: () => ({
      status: change('awaiting_approval', 'cancelled'),
      status_reason: change(null, 'not on brand'),
      decided_by: change(null, anything()),
      decided_at: change(null, anything()),
      completed_at: change(null, anything()),
    }),
  },
  'POST /api/v1/blackouts': {
    body: () => ({ name: 'walk freeze', start_date: '2099-06-01', end_date: '2099-06-02', timezone: 'UTC', policy: 'skip' }),
    action: 'create',
    entity: (_ids, res) => ['blackout', res.body.id],
    kind: 'created',
    changes: () => ({ name: change(null, 'walk freeze'), policy: change(null, 'skip'), start_date: change(null, '2099-06-01') }),
  },
  'PUT /api/v1/blackouts/{id}': {
    body: () => ({ name: 'renamed freeze' }),
    action: 'update',
    entity: (ids) => ['blackout', ids.blackouts],
    kind: 'exact',
    changes: () => ({ name: change('team freeze', 'renamed freeze') }),
  },
  'DELETE /api/v1/blackouts/{id}': {
    action: 'delete',
    entity: (ids) => ['blackout', ids.blackouts],
    kind: 'deleted',
    changes: () => ({ name: change('team freeze', null) }),
  },
  'POST /api/v1/calendar/feeds': {
    body: () => ({ name: 'walk feed' }),
    action: 'create',
    entity: (_ids, res) => ['feed', res.body.id],
    kind: 'created',
    changes: () => ({ name: change(null, 'walk feed'), token_hash: change(null, REDACTED) }),
  },
  'POST /api/v1/calendar/feeds/{id}/rotate': {
    action: 'rotate',
    entity: (ids) => ['feed', ids.calendar],
    kind: 'exact',
    changes: () => ({ token_hash: change(REDACTED, REDACTED) }),
  },
  'DELETE /api/v1/calendar/feeds/{id}': {
    action: 'delete',
    entity: (ids) => ['feed', ids.calendar],
    kind: 'deleted',
    changes: () => ({ name: change('team feed', null), token_hash: change(REDACTED, null) }),
  },
  'POST /api/v1/webhooks': {
    body: () => ({ url: 'https://93.184.216.34/walk', events: ['job.created'] }),
    action: 'create',
    entity: (_ids, res) => ['webhook', res.body.id],
    kind: 'created',
    changes: () => ({
      url: change(null, 'https://93.184.216.34/walk'),
      events: change(null, ['job.created']),
      secret: change(null, REDACTED),
    }),
  },
  'PUT /api/v1/webhooks/{id}': {
    body: () => ({ description: 'changed by the walk' }),
    action: 'update',
    entity: (ids) => ['webhook', ids.webhooks],
    kind: 'exact',
    changes: () => ({ description: change(null, 'changed by the walk') }),
  },
  'DELETE /api/v1/webhooks/{id}': {
    action: 'delete',
    entity: (ids) => ['webhook', ids.webhooks],
    kind: 'deleted',
    changes: () => ({ url: change('https://93.184.216.34/team', null), secret: change(REDACTED, null) }),
  },
  'POST /api/v1/webhooks/{id}/test': {
    action: 'test',
    entity: (ids) => ['webhook', ids.webhooks],
    kind: 'exact',
    changes: () => ({ event_id: change(null, expect.stringMatching(/^[0-9a-f-]{36}$/)) }),
  },
  'POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver': {
    url: (ids) => `/webhooks/${ids.webhooks}/deliveries/${ids.delivery}/redeliver`,
    action: 'redeliver',
    entity: (ids) => ['webhook', ids.webhooks],
    kind: 'exact',
    changes: () => ({ round: change(0, 1), status: change('failed', 'pending') }),
  },
  'PUT /api/v1/settings': {
    body: () => ({ conflict_max_per_window: 4 }),
    action: 'update',
    entity: (ids) => ['settings', `team:${ids.workspace}`],
    kind: 'exact',
    changes: () => ({ conflict_max_per_window: change(3, 4) }),
  },
};

interface Entry {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string;
  changes: Changes;
  request_id: string | null;
}

/** A team workspace with one of each object, made by `member` (each create leaves its own entry). */
class Team {
  readonly workspace = `audit-${randomUUID()}`;
  readonly member = newUserId();
  ids!: Ids;

  constructor(private readonly t: TestApp) {}

  get workspaceId(): string {
    return `team:${this.workspace}`;
  }

  auth(member = this.member): string {
    return this.t.auth(member, { workspace: this.workspace });
  }

  send(method: string, path: string, body?: object, member = this.member): request.Test {
    const req = request(this.t.app)[method as 'get'](`/api/v1${path}`).set('Authorization', this.auth(member));
    return body === undefined ? req : req.send(body);
  }

  async ok(method: string, path: string, body?: object): Promise<request.Response> {
    const res = await this.send(method, path, body);
    if (res.status < 200 || res.status > 299) throw new Error(`${method.toUpperCase()} ${path}: ${res.status} ${res.text}`);
    return res;
  }

  async setUp(): Promise<this> {
    const post = async (path: string, body: object) => (await this.ok('post', path, body)).body.id as string;
    this.ids = { workspace: this.workspace, member: this.member, ...(await makeWorkspaceObjects(this.t, this.workspaceId, post)) };
    return this;
  }

  /** A Job awaiting approval: from a template of a campaign that requires it. */
  async awaitingJob(): Promise<string> {
    const campaign = (await this.ok('post', '/campaigns', { name: 'gated', requires_approval: true })).body.id;
    const template = (await this.ok('post', '/templates', { name: 'gated', campaign_id: campaign, publisher_domain: 'example.com' })).body
      .id;
    const job = await this.ok('post', `/templates/${template}/use`, {});
    expect(job.body.status).toBe('awaiting_approval');
    return job.body.id as string;
  }

  /** The workspace's entries, newest first, straight from the table. */
  async entries(): Promise<Entry[]> {
    const rows: (Omit<Entry, 'at'> & { at: Date })[] = await this.t.deps.dataSource.query(
      `SELECT id, at, actor, action, entity_type, entity_id, changes, request_id FROM audit_log WHERE workspace_id = $1 ORDER BY at DESC, id DESC`,
      [this.workspaceId],
    );
    return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
  }

  /** The secrets the workspace holds: webhook signing secrets and feed token hashes. */
  async secrets(): Promise<string[]> {
    const rows: { secret: string }[] = await this.t.deps.dataSource.query(
      `SELECT secret FROM webhooks WHERE workspace_id = $1 UNION ALL SELECT token_hash FROM calendar_feeds WHERE workspace_id = $1`,
      [this.workspaceId],
    );
    return rows.map((r) => r.secret);
  }
}

/** The served write routes (the router's, each declared with its access). */
function servedWrites(t: TestApp): string[] {
  return servedRoutes(t.unwrapped).filter((route) => DECLARED_WRITES.includes(route));
}

function urlOf(route: string, step: Step | undefined, ids: Ids): string {
  if (step?.url) return step.url(ids);
  const path = route.split(' ')[1].replace('/api/v1', '');
  const segment = path.split('/')[1];
  const resource = (segment === 'library' ? 'templates' : segment) as keyof Ids;
  return path.replace('{id}', ids[resource] ?? randomUUID());
}

describe('audit: every write route leaves exactly one entry with the right diff', () => {
  const t = useTestApp();

  it('every write route the router serves has a step in the walk, or is listed as no user change', () => {
    const served = servedWrites(t);
    expect(served.length).toBeGreaterThan(30);
    const missing = served.filter((route) => !WALK[route] && !NOT_USER_CHANGES[route]);
    expect({ missing }).toEqual({ missing: [] });
    // And the walk names no route that is not served (a renamed route would leave its line behind).
    expect(Object.keys(WALK).filter((route) => !served.includes(route))).toEqual([]);
    expect(Object.keys(NOT_USER_CHANGES).filter((route) => !served.includes(route) || route in WALK)).toEqual([]);
    // The walk reads the router: every declared write is served (none is walked by its declaration alone).
    expect(DECLARED_WRITES.filter((route) => !served.includes(route))).toEqual([]);
  });

  const routes = Object.keys(WALK);
  it.each(routes)('%s: one entry, its action, object, actor, request id and changes', async (route) => {
    const step = WALK[route];
    const team = await new Team(t).setUp();
    team.ids = { ...team.ids, ...(await step.prepare?.(team)) };
    const before = await team.entries();
    const [method] = route.split(' ');
    const requestId = `audit-walk-${randomUUID()}`;
    const body = step.body?.(team.ids);
    const req = team.send(method.toLowerCase(), urlOf(route, step, team.ids)).set('X-Request-Id', requestId);
    const res = await (body === undefined ? req : req.send(body));
    expect({ route, status: res.status }).toEqual({ route, status: expect.any(Number) });
    if (res.status < 200 || res.status > 299) throw new Error(`${route}: ${res.status} ${res.text}`);

    const known = new Set(before.map((e) => e.id));
    const added = (await team.entries()).filter((e) => !known.has(e.id));
    expect(added).toHaveLength(1);
    const [entry] = added;
    const [entityType, entityId] = step.entity(team.ids, res);
    expect(entry).toMatchObject({ action: step.action, entity_type: entityType, entity_id: entityId, actor: team.member });
    expect(entry.request_id).toBe(requestId);
    const expected = step.changes(team.ids, res);
    if (step.kind === 'exact') expect(entry.changes).toEqual(expected);
    else expect(entry.changes).toMatchObject(expected);
    if (step.kind === 'created') expect(Object.values(entry.changes).filter((c) => c.old !== null)).toEqual([]);
    if (step.kind === 'deleted') expect(Object.values(entry.changes).filter((c) => c.new !== null)).toEqual([]);
    // Dates as ISO 8601 instants; never a bookkeeping column.
    for (const name of ['id', 'workspace_id', 'user_id', 'created_at', 'updated_at']) expect(entry.changes).not.toHaveProperty(name);

    // No secret of the workspace, nor one the response showed once, is in any entry.
    const text = JSON.stringify(await team.entries());
    const shown = [
      res.body?.secret,
      typeof res.body?.url === 'string'
        ? res.body.url
            .split('/')
            .pop()
            ?.replace(/\.ics$/, '')
        : undefined,
    ];
    for (const secret of [...(await team.secrets()), ...shown].filter((s): s is string => typeof s === 'string' && s.length > 20)) {
      expect(text).not.toContain(secret);
    }

    // The list answers it first, filtered by its object too.
    const listed = await team.ok('get', `/audit?entity_type=${entityType}&entity_id=${encodeURIComponent(entityId)}&limit=1`);
    expect(listed.body.items[0]).toEqual(entry);
  });
});

describe('audit: what leaves no entry', () => {
  const t = useTestApp();

  it('a refused request (4xx: an unknown field, an unknown id) to any write route leaves no entry', async () => {
    const team = await new Team(t).setUp();
    const before = await team.entries();
    const outcomes: string[] = [];
    for (const route of servedWrites(t)) {
      const [method] = route.split(' ');
      for (const ids of [team.ids, { ...team.ids, campaigns: randomUUID(), templates: randomUUID(), schedule: randomUUID() }]) {
        const res = await team.send(method.toLowerCase(), urlOf(route, WALK[route], ids), { audit_walk_unknown_field: 1 });
        if (res.status < 400 || res.status > 499) outcomes.push(`${route}: ${res.status}`);
      }
    }
    expect(outcomes).toEqual([]);
    expect(await team.entries()).toEqual(before);
  });

  it('a 409 (resume an active campaign), a 412 (stale If-Match) and a 422 (a bad body) leave none', async () => {
    const team = await new Team(t).setUp();
    const before = await team.entries();
    expectProblem(await team.send('post', `/campaigns/${team.ids.campaigns}/resume`), 409);
    expectProblem(await team.send('put', `/campaigns/${team.ids.campaigns}`, { name: 'x' }).set('If-Match', '"stale"'), 412);
    expectProblem(await team.send('post', '/schedule', { name: 'no rule' }), 422);
    expectProblem(await team.send('post', '/schedule/import', [{ name: 'bad row', schedule_type: 'nope' }]), 422);
    expect(await team.entries()).toEqual(before);
  });

  it('when the change rolls back at commit, neither the change nor its entry exists', async () => {
    const team = await new Team(t).setUp();
    const before = await team.entries();
    const name = `rolled back ${randomUUID()}`;
    const fn = `audit_test_refuse_${randomUUID().replace(/-/g, '')}`;
    const ds = t.deps.dataSource;
    // A deferred constraint trigger: it fails the transaction at COMMIT, after the entry was inserted.
    await ds.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$`);
    await ds.query(
      `CREATE CONSTRAINT TRIGGER ${fn} AFTER INSERT ON campaigns DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
       WHEN (NEW.name = '${name}') EXECUTE FUNCTION ${fn}()`,
    );
    try {
      // The app itself (not behind the contract recorder): a failed commit is an undocumented 500.
      const res = await request(t.unwrapped).post('/api/v1/campaigns').set('Authorization', team.auth()).send({ name });
      expect(res.status).toBe(500);
    } finally {
      await ds.query(`DROP TRIGGER ${fn} ON campaigns`);
      await ds.query(`DROP FUNCTION ${fn}()`);
    }
    expect(await ds.query(`SELECT id FROM campaigns WHERE name = $1`, [name])).toEqual([]);
    expect(await team.entries()).toEqual(before);
    // And the same request afterwards is recorded (the trigger was what refused it).
    const ok = await team.ok('post', '/campaigns', { name });
    expect((await team.entries())[0]).toMatchObject({ action: 'create', entity_id: ok.body.id });
  });

  it('an idempotent replay (same Idempotency-Key) of run now or of an import leaves no second entry', async () => {
    const team = await new Team(t).setUp();
    const key = `audit-${randomUUID()}`;
    const run = () => team.send('post', `/schedule/${team.ids.schedule}/run`).set('Idempotency-Key', key);
    const first = await run();
    const count = (await team.entries()).length;
    const again = await run();
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    expect(await team.entries()).toHaveLength(count);

    const file = [
      { name: 'imported a', schedule_type: 'daily', scheduled_at: inHours(4) },
      { name: 'imported b', schedule_type: 'weekly', scheduled_at: inHours(5) },
    ];
    const importKey = `audit-${randomUUID()}`;
    const upload = () => team.send('post', '/schedule/import', file).set('Idempotency-Key', importKey);
    const imported = await upload();
    expect(imported.status).toBe(201);
    const afterImport = await team.entries();
    const importEntries = afterImport.filter((e) => e.action === 'import');
    expect(importEntries.map((e) => e.entity_id).sort()).toEqual(imported.body.rows.map((r: { id: string }) => r.id).sort());
    expect((await upload()).body.import_id).toBe(imported.body.import_id);
    expect(await team.entries()).toEqual(afterImport);
  });

  it('a skip of an occurrence already skipped (which changes nothing) leaves no second entry', async () => {
    const team = await new Team(t).setUp();
    const at = (await team.ok('get', `/schedule/${team.ids.schedule}`)).body.next_run_at;
    await team.ok('post', `/schedule/${team.ids.schedule}/skip`, { occurrence_at: at });
    const count = (await team.entries()).length;
    await team.ok('post', `/schedule/${team.ids.schedule}/skip`, { occurrence_at: at });
    expect(await team.entries()).toHaveLength(count);
  });
});

describe('audit: who sees the log', () => {
  const t = useTestApp();

  it("members of a workspace see each other's entries; another workspace, and a member's personal one, see none", async () => {
    const team = await new Team(t).setUp();
    const colleague = newUserId();
    const renamed = await team.send('put', `/campaigns/${team.ids.campaigns}`, { name: 'by the colleague' }, colleague);
    expect(renamed.status).toBe(200);
    const seen = await request(t.app).get('/api/v1/audit?limit=200').set('Authorization', team.auth(team.member));
    expect(seen.status).toBe(200);
    expect(seen.body.items[0]).toMatchObject({ actor: colleague, action: 'update', entity_id: team.ids.campaigns });
    expect(seen.body.items.map((e: Entry) => e.actor)).toEqual(expect.arrayContaining([team.member, colleague]));
    expect(seen.body.items).toEqual(await team.entries());

    const outsiders = [
      t.auth(newUserId(), { workspace: `other-${randomUUID()}` }),
      t.auth(newUserId()),
      // The member without the team claim: their personal workspace.
      t.auth(team.member),
    ];
    for (const auth of outsiders) {
      for (const query of ['', `?entity_type=campaign&entity_id=${team.ids.campaigns}`, `?actor=${team.member}`]) {
        const res = await request(t.app).get(`/api/v1/audit${query}`).set('Authorization', auth);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ items: [], next_cursor: null });
      }
    }
  });

  it('a viewer reads the log (access read)', async () => {
    const team = await new Team(t).setUp();
    const res = await request(t.app)
      .get('/api/v1/audit')
      .set('Authorization', t.auth(newUserId(), { workspace: team.workspace, roles: ['viewer'] }));
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
  });
});

describe('audit: the list', () => {
  const t = useTestApp();
  let team: Team;
  let all: Entry[];

  beforeAll(async () => {
    team = await new Team(t).setUp();
    for (let i = 0; i < 4; i++) await team.ok('put', `/campaigns/${team.ids.campaigns}`, { name: `rename ${i}` });
    await team.ok('put', `/templates/${team.ids.templates}`, { name: 'renamed once' });
    all = await team.entries();
  });

  const list = (query: string) => request(t.app).get(`/api/v1/audit${query}`).set('Authorization', team.auth());

  it('newest first, and a cursor walks every entry once, whatever the page size', async () => {
    expect(all.length).toBe(12);
    const whole = await list('?limit=200');
    expect(whole.body).toEqual({ items: all, next_cursor: null });
    for (const limit of [1, 2, 5]) {
      const seen: Entry[] = [];
      let cursor: string | null = null;
      do {
        const res = await list(`?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.items);
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all);
    }
    const ats = all.map((e) => e.at);
    expect([...ats].sort().reverse()).toEqual(ats);
  });

  it('filters: entity_type, entity_id, action, actor, from and to', async () => {
    const campaignEntries = all.filter((e) => e.entity_type === 'campaign');
    expect((await list('?entity_type=campaign&limit=200')).body.items).toEqual(campaignEntries);
    const one = all.filter((e) => e.entity_id === team.ids.campaigns);
    expect(one).toHaveLength(5);
    expect((await list(`?entity_type=campaign&entity_id=${team.ids.campaigns}`)).body.items).toEqual(one);
    expect((await list(`?entity_id=${team.ids.templates}&action=update`)).body.items).toEqual([
      expect.objectContaining({ changes: { name: change('team template', 'renamed once') } }),
    ]);
    expect((await list(`?actor=${team.member}&limit=200`)).body.items).toEqual(all);
    expect((await list(`?actor=${newUserId()}`)).body.items).toEqual([]);
    const middle = all[Math.floor(all.length / 2)].at;
    const from = (await list(`?from=${middle}&limit=200`)).body.items as Entry[];
    const to = (await list(`?to=${middle}&limit=200`)).body.items as Entry[];
    expect(from.every((e) => e.at >= middle)).toBe(true);
    expect(to.every((e) => e.at < middle)).toBe(true);
    expect(from.length + to.length).toBe(all.length);
    expect((await list(`?from=${new Date(Date.now() + 3_600_000).toISOString()}`)).body.items).toEqual([]);
  });

  it.each([
    ['entity_type=nope', 'entity_type'],
    ['action=steal', 'action'],
    ['from=yesterday', 'from'],
    ['to=2026-01-05', 'to'],
    ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['cursor=not-a-cursor!', 'cursor'],
    [`cursor=${Buffer.from('[1,"x"]').toString('base64url')}`, 'cursor'],
    [`entity_id=${'x'.repeat(201)}`, 'entity_id'],
    ['workspace_id=team:other', 'workspace_id'],
  ])('?%s is a 422 naming %s', async (query, field) => {
    expectProblem(await list(`?${query}`), 422, { fields: [field] });
  });
});

describe('audit: changes of a snapshot pair', () => {
  it('a create has every field from null, a delete every field to null, an update only what differs', () => {
    const before = { name: 'a', tags: ['x'], metadata: { b: 1, a: 2 }, end_date: '2026-01-05T14:00:00.000Z' };
    const after = { name: 'b', tags: ['x'], metadata: { a: 2, b: 1 }, end_date: null };
    expect(auditChanges(null, after)).toEqual({
      name: change(null, 'b'),
      tags: change(null, ['x']),
      metadata: change(null, { a: 2, b: 1 }),
    });
    expect(auditChanges(before, null)).toEqual({
      name: change('a', null),
      tags: change(['x'], null),
      metadata: change({ b: 1, a: 2 }, null),
      end_date: change('2026-01-05T14:00:00.000Z', null),
    });
    // Key order in an object (jsonb's own) is no change.
    expect(auditChanges(before, after)).toEqual({ name: change('a', 'b'), end_date: change('2026-01-05T14:00:00.000Z', null) });
  });

  it('a secret that changed shows as redacted on both sides, one that did not is left out', () => {
    expect(auditChanges({ secret: REDACTED }, { secret: REDACTED })).toEqual({});
    expect(auditChanges({ token_hash: REDACTED }, { token_hash: REDACTED, name: 'x' })).toEqual({ name: change(null, 'x') });
  });
});
