import express, { type Express, type Response } from 'express';
import { loadConfig, Config } from '@scheduler/config';
import { inHours, TEST_DATABASE_URL, TEST_JWT_SECRET, TEST_REDIS_URL, uniqueName } from '@scheduler/testkit';
import { createApp } from '../src/app';
import { createDeps, type AppDeps } from '../src/deps';
import { signToken, type Role } from '../src/http/auth';
import { contractErrors, operationOf } from './contract';

/**
 * Every response a test app sends to a documented route is checked against the OpenAPI
 * document as a side effect (the contract test of the whole suite); `close()` fails the suite on
 * any mismatch. Responses that never reached a route (malformed JSON, 413, 415) are checked by
 * the OpenAPI suite itself.
 */
function withContractCheck(app: Express, violations: string[]): Express {
  const outer = express();
  outer.use((req, res, next) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk) chunks.push(Buffer.from(chunk as string));
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as string));
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.on('finish', () => {
      const route =
        (res.locals.route as string | undefined) ?? (['/healthz', '/readyz', '/metrics'].includes(req.path) ? req.path : undefined);
      if (!route) return;
      const openapiPath = route.replace(/:(\w+)/g, '{$1}');
      try {
        operationOf(req.method.toLowerCase(), openapiPath);
      } catch {
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text && /json/.test(String(res.getHeader('content-type'))) ? JSON.parse(text) : text;
      } catch {
        body = text;
      }
      const headers = Object.fromEntries(
        Object.entries(res.getHeaders()).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : v === undefined ? undefined : String(v)]),
      );
      violations.push(...contractErrors(req.method, openapiPath, { status: res.statusCode, headers, body, text }));
    });
    next();
  });
  outer.use(app);
  return outer as Express;
}

export { newUserId, TEST_JWT_SECRET } from '@scheduler/testkit';

/** The fields of a Job as the API returns it (GET /jobs/{id}, a template use), sorted. */
export const JOB_FIELDS = [
  'id',
  'user_id',
  'campaign_id',
  'template_id',
  'scheduled_job_id',
  'scheduled_job_name',
  'scheduled_for',
  'status',
  'config',
  'publisher_domain',
  'llm_provider',
  'llm_model',
  'writing_strategy',
  'country',
  'language',
  'cost_usd',
  'error_message',
  'created_at',
  'started_at',
  'completed_at',
  'approval_deadline',
  'decided_by',
  'decided_at',
  'status_reason',
  'updated_at',
].sort();

/** What a test token says besides its member: a team workspace, and roles (any names: a provider's `offline_access` too). */
export interface TestClaims {
  workspace?: string;
  roles?: readonly (Role | (string & {}))[];
}

const sign = (config: Config, userId: string, claims: TestClaims = {}) =>
  signToken(userId, config.jwt, 3600, claims as { workspace?: string; roles?: readonly Role[] });

export interface TestApp {
  /** The app behind a recorder that checks every response against the OpenAPI document. */
  app: Express;
  /** The app itself, for inspecting its router. */
  unwrapped: Express;
  deps: AppDeps;
  config: Config;
  /** A valid token for the user (a personal one, every role, unless `claims` names a workspace or roles). */
  token(userId: string, claims?: TestClaims): string;
  /** `Authorization` header value for the user (with `claims`: a team workspace, roles). */
  auth(userId: string, claims?: TestClaims): string;
  close(): Promise<void>;
}

/**
 * Starts the real app on the test database and Redis, with its own BullMQ prefix so queue
 * state never leaks between suites. Extra env overrides the defaults (e.g. rate limits).
 */
export async function startTestApp(env: Record<string, string> = {}, options: { now?: () => Date } = {}): Promise<TestApp> {
  const contractViolations: string[] = [];
  const config = loadConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    JWT_SECRET: TEST_JWT_SECRET,
    QUEUE_PREFIX: uniqueName('test'),
    RATE_LIMIT_WRITES: '100000',
    RATE_LIMIT_LISTS: '100000',
    RATE_LIMIT_READS: '100000',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const deps = await createDeps(config, { now: options.now, poolSize: 4 });
  const unwrapped = createApp(deps);
  const app = withContractCheck(unwrapped, contractViolations);
  return {
    app,
    unwrapped,
    deps,
    config,
    token: (userId, claims) => sign(config, userId, claims),
    auth: (userId, claims) => `Bearer ${sign(config, userId, claims)}`,
    close: async () => {
      for (const queue of deps.occurrenceQueues.all) await queue.obliterate({ force: true }).catch(() => undefined);
      await deps.contentQueue.obliterate({ force: true }).catch(() => undefined);
      await deps.close();
      if (contractViolations.length > 0) {
        throw new Error(`Responses broke the OpenAPI contract:\n${contractViolations.slice(0, 20).join('\n')}`);
      }
    },
  };
}

/**
 * One test app for the enclosing describe block (or file): started in beforeAll, closed in
 * afterAll. The returned object stands for it inside hooks and tests.
 */
export function useTestApp(env: Record<string, string> = {}, options: { now?: () => Date } = {}): TestApp {
  let current: TestApp | undefined;
  beforeAll(async () => {
    current = await startTestApp(env, options);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestApp, {
    get(_target, prop) {
      if (!current) throw new Error(`the test app's ${String(prop)} was used before beforeAll started it`);
      return Reflect.get(current, prop);
    },
  });
}

/** One object of each kind a route's path can name, in one workspace, by the path segment that names it. */
export type WorkspaceObjects = Record<
  'campaigns' | 'templates' | 'schedule' | 'jobs' | 'blackouts' | 'calendar' | 'webhooks' | 'delivery',
  string
>;

/**
 * Makes a workspace's objects through the API (`post` answers the created id): a campaign, a
 * public template in it (so the library's routes name it too), a schedule of both, a Job from a
 * template use, a shifting blackout, a feed, a webhook, and one failed delivery of an event already
 * dispatched (the worker's rows, written here) to redeliver. Shared by the roles matrix and the
 * audit walk, which both call every route with these ids.
 */
export async function makeWorkspaceObjects(
  t: TestApp,
  workspaceId: string,
  post: (path: string, body: object) => Promise<string>,
): Promise<WorkspaceObjects> {
  const campaigns = await post('/campaigns', { name: 'team campaign' });
  const templates = await post('/templates', {
    name: 'team template',
    campaign_id: campaigns,
    publisher_domain: 'example.com',
    visibility: 'public',
  });
  const schedule = await post('/schedule', {
    name: 'team schedule',
    campaign_id: campaigns,
    template_id: templates,
    schedule_type: 'daily',
    scheduled_at: inHours(3),
  });
  const jobs = await post(`/templates/${templates}/use`, {});
  const blackouts = await post('/blackouts', {
    name: 'team freeze',
    start_date: '2099-12-24',
    end_date: '2099-12-26',
    timezone: 'UTC',
    campaign_id: campaigns,
    policy: 'shift',
  });
  const calendar = await post('/calendar/feeds', { name: 'team feed' });
  const webhooks = await post('/webhooks', { url: 'https://93.184.216.34/team', events: ['job.created'] });
  const [{ id: eventId }] = await t.deps.dataSource.query(
    `INSERT INTO outbox_events (workspace_id, type, payload, dispatched_at) VALUES ($1, 'job.created', '{}', now()) RETURNING id`,
    [workspaceId],
  );
  const [{ id: delivery }] = await t.deps.dataSource.query(
    `INSERT INTO webhook_deliveries (webhook_id, workspace_id, event_id, event_type, status) VALUES ($1, $2, $3, 'job.created', 'failed') RETURNING id`,
    [webhooks, workspaceId, eventId],
  );
  return { campaigns, templates, schedule, jobs, blackouts, calendar, webhooks, delivery };
}
