/**
 * Roles (issue #17): every route declares its access, walked from the real Express router (a
 * route without one fails here), and the matrix over every operation of the route groups, with
 * the expectation derived from each operation's declared access (`ROLES_FOR`), so routes added
 * later (the approval gate's) join by themselves: a `viewer` gets 403 on every write and 2xx on
 * every read, an `editor` 403 only where approving is needed, a token whose roles claim names
 * none of the service's roles 403 everywhere; a refused call writes nothing.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { expectProblem, inHours, newUserId } from '@scheduler/testkit';
import { ROLES_FOR, type Access } from '../src/http/auth';
import { RouteGroup, servedPath } from '../src/http/route';
import { GROUPS } from '../src/openapi/document';
import { makeWorkspaceObjects, TestClaims, useTestApp, type WorkspaceObjects } from './helpers';
import { servedRoutes } from './routes';

interface DeclaredOperation {
  method: string;
  /** OpenAPI form: `/api/v1/campaigns/{id}`. */
  path: string;
  access: Access | undefined;
  secured: boolean;
}

/** Every operation the route groups declare, with its access (undefined for a raw route). */
const declared: DeclaredOperation[] = GROUPS.flatMap((group) =>
  group.operations.map(({ method, path, spec }) => ({
    method: method.toUpperCase(),
    path: servedPath(group, path).replace(/:(\w+)/g, '{$1}'),
    access: 'raw' in spec ? undefined : spec.access,
    secured: group.secured,
  })),
);

/**
 * The served routes that declare no access: served by no route group, or served by a secured
 * group without one of `ROLES_FOR`'s accesses (a raw route in a secured group has no token check
 * or role check at all). Public groups' routes (health, documentation) take no token by design.
 */
function routesWithoutAccess(app: express.Express): string[] {
  return servedRoutes(app).filter((route) => {
    const op = declared.find((o) => `${o.method} ${o.path}` === route);
    if (!op) return true;
    if (!op.secured) return false;
    return op.access === undefined || !Object.hasOwn(ROLES_FOR, op.access);
  });
}

describe('roles: the route walk', () => {
  const t = useTestApp();

  it('every route the app serves is declared in a route group, and every secured one declares its access', () => {
    const served = servedRoutes(t.unwrapped);
    expect(served.length).toBeGreaterThan(30);
    expect(routesWithoutAccess(t.unwrapped)).toEqual([]);
    // Every `/api/v1` route but the document itself is secured.
    const publicApi = declared.filter((o) => !o.secured && o.path.startsWith('/api/v1/')).map((o) => `${o.method} ${o.path}`);
    expect(publicApi).toEqual(['GET /api/v1/openapi.json']);
  });

  it('when a route is added beside the route groups (no declared access), then the walk names it', () => {
    const app = express();
    app.use(t.unwrapped);
    const sneaky = express.Router();
    sneaky.get('/export', (_req, res) => {
      res.json([]);
    });
    app.use('/api/v1/campaigns', sneaky);
    expect(routesWithoutAccess(app)).toEqual(['GET /api/v1/campaigns/export']);
  });

  it('when a route group operation leaves out its access (plain JS, a cast), or a secured group takes a raw route, then registering it throws', () => {
    const group = new RouteGroup<unknown>({ base: '/things', tag: 'things' });
    const spec = { operationId: 'listThings', summary: 'List things', kind: 'lists', success: { status: 204, description: 'None.' } };
    expect(() => group.get('/', spec as never, () => Promise.resolve(undefined))).toThrow(/declare its access/);
    expect(() => group.get('/', { ...spec, access: 'everything' } as never, () => Promise.resolve(undefined))).toThrow(
      /declare its access/,
    );
    expect(() =>
      group.raw('get', '/raw', { operationId: 'raw', summary: 'Raw', description: 'Raw.', responses: {} }, () => undefined),
    ).toThrow(/no raw routes/);
    expect(group.operations).toEqual([]);
  });
});

/* ----------------------------------------------------------------- the matrix */

/** A valid body for each write (and the body-taking read), so that the role is what refuses. */
const BODIES: Record<string, object> = {
  'POST /api/v1/campaigns': { name: 'by role' },
  'PUT /api/v1/campaigns/{id}': { name: 'renamed by role' },
  'POST /api/v1/campaigns/{id}/pause': { reason: 'by role' },
  'POST /api/v1/templates': { name: 'by role', publisher_domain: 'example.com' },
  'PUT /api/v1/templates/{id}': { name: 'renamed by role' },
  'POST /api/v1/templates/{id}/use': {},
  'POST /api/v1/schedule': { name: 'by role', schedule_type: 'daily', scheduled_at: inHours(2) },
  'POST /api/v1/schedule/preview': { name: 'preview', schedule_type: 'daily', scheduled_at: inHours(2) },
  'POST /api/v1/schedule/import': [{ name: 'imported by role', schedule_type: 'daily', scheduled_at: inHours(2) }],
  'PUT /api/v1/schedule/{id}': { name: 'renamed by role' },
  'PATCH /api/v1/jobs/{id}': { status: 'running' },
  'POST /api/v1/blackouts': { name: 'by role', start_date: '2099-01-01', end_date: '2099-01-02', timezone: 'UTC', policy: 'skip' },
  'PUT /api/v1/blackouts/{id}': { name: 'renamed by role' },
  'POST /api/v1/calendar/feeds': { name: 'by role' },
  'POST /api/v1/webhooks': { url: 'https://93.184.216.34/by-role', events: ['job.created'] },
  'PUT /api/v1/webhooks/{id}': { description: 'changed by role' },
  'PUT /api/v1/settings': { conflict_max_per_window: 4 },
  'PUT /api/v1/notifications': { email: 'by-role@example.com', events: ['job.created'] },
};

/** The query a read needs to be valid (the calendar's window). */
const QUERIES: Record<string, string> = {
  'GET /api/v1/calendar': `?from=${new Date().toISOString()}&to=${new Date(Date.now() + 7 * 86_400_000).toISOString()}`,
  'GET /api/v1/calendar/days': `?from=${new Date().toISOString()}&to=${new Date(Date.now() + 7 * 86_400_000).toISOString()}&timezone=Europe/Berlin`,
  'GET /api/v1/schedule/conflicts': `?from=${new Date().toISOString()}&to=${new Date(Date.now() + 7 * 86_400_000).toISOString()}`,
  'GET /api/v1/schedule/suggestions': '?publisher_domain=example.com&timezone=Europe/Berlin',
};

/** What a `{id}` names, by the path's first segment. */
type Fixture = WorkspaceObjects;

const securedOperations = declared.filter((o) => o.secured);
const TABLES = [
  'campaigns',
  'job_templates',
  'scheduled_jobs',
  'jobs',
  'schedule_runs',
  'blackouts',
  'calendar_feeds',
  'webhooks',
  'outbox_events',
  'webhook_deliveries',
  'workspace_settings',
  'notification_settings',
  'email_deliveries',
  'audit_log',
];

describe('roles: the matrix over every operation', () => {
  const t = useTestApp();

  /** A fresh team workspace with a campaign, a template, a schedule, a Job and a blackout, made by an editor. */
  async function teamWithObjects(): Promise<{ workspace: string; ids: Fixture }> {
    const workspace = `roles-${randomUUID()}`;
    const editor = { Authorization: t.auth(newUserId(), { workspace, roles: ['editor'] }) };
    const post = async (path: string, body: object) => {
      const res = await request(t.app).post(`/api/v1${path}`).set(editor).send(body);
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    return { workspace, ids: await makeWorkspaceObjects(t, `team:${workspace}`, post) };
  }

  /** Every row of the workspace, as JSON text: equal snapshots mean nothing was written. */
  async function rowsOf(workspace: string): Promise<string[]> {
    const sql = TABLES.map((table) => `SELECT row_to_json(t)::text AS row FROM ${table} t WHERE t.workspace_id = $1`).join(' UNION ALL ');
    const rows: { row: string }[] = await t.deps.dataSource.query(sql, [`team:${workspace}`]);
    return rows.map((r) => r.row).sort();
  }

  function call(op: DeclaredOperation, ids: Fixture, claims: TestClaims & { workspace: string }) {
    // `/library/templates/{id}`: the (public) template.
    const segment = op.path.split('/')[3];
    const resource = (segment === 'library' ? 'templates' : segment) as keyof Fixture;
    const url =
      op.path.replace('{id}', ids[resource] ?? randomUUID()).replace('{delivery_id}', ids.delivery) +
      (QUERIES[`${op.method} ${op.path}`] ?? '');
    const req = request(t.app)[op.method.toLowerCase() as 'get'](url).set('Authorization', t.auth(newUserId(), claims));
    const body = BODIES[`${op.method} ${op.path}`];
    return body ? req.send(body) : req;
  }

  /** Writes before reads, so that an allowed write cannot remove what a read is then asked for. */
  const inOrder = [...securedOperations].sort((a, b) => Number(a.access === 'read') - Number(b.access === 'read'));

  it.each([
    ['viewer', ['viewer']],
    ['a roles claim naming none of the service roles', ['offline_access']],
    ['an empty roles claim', []],
  ])(
    'when the token is %s, then every operation its roles do not allow is a 403 problem, every other one 2xx, and nothing is written',
    async (_label, roles) => {
      const { workspace, ids } = await teamWithObjects();
      const before = await rowsOf(workspace);
      const outcomes: string[] = [];
      for (const op of inOrder) {
        const allowed = roles.some((role) => (ROLES_FOR[op.access!] as readonly string[]).includes(role));
        const res = await call(op, ids, { workspace, roles });
        if (allowed) {
          if (res.status < 200 || res.status > 299) outcomes.push(`${op.method} ${op.path}: ${res.status} ${res.text.slice(0, 160)}`);
        } else if (res.status !== 403) {
          outcomes.push(`${op.method} ${op.path}: ${res.status}, expected 403`);
        } else {
          expectProblem(res, 403);
          expect(res.body.detail).toContain(ROLES_FOR[op.access!].join(' or '));
        }
      }
      expect(outcomes).toEqual([]);
      expect(await rowsOf(workspace)).toEqual(before);
    },
  );

  it.each([['editor'], ['approver'], ['admin']])(
    'when the token is an %s, then exactly the operations whose access needs another role are a 403 (and none is a 5xx)',
    async (role) => {
      const { workspace, ids } = await teamWithObjects();
      const outcomes: string[] = [];
      for (const op of inOrder) {
        const allowed = (ROLES_FOR[op.access!] as readonly string[]).includes(role);
        const res = await call(op, ids, { workspace, roles: [role] });
        if (allowed ? res.status === 403 || res.status >= 500 : res.status !== 403) {
          outcomes.push(`${op.method} ${op.path}: ${res.status} (${allowed ? 'allowed' : 'not allowed'})`);
        }
      }
      expect(outcomes).toEqual([]);
    },
  );

  it('the matrix covers every secured operation, and the viewer has at least one refused write and one allowed read', () => {
    expect(securedOperations.length).toBeGreaterThan(20);
    expect(securedOperations.every((o) => o.access !== undefined)).toBe(true);
    expect(securedOperations.some((o) => o.access === 'write')).toBe(true);
    expect(securedOperations.some((o) => o.access === 'read')).toBe(true);
  });
});
