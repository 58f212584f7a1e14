import { readRouterOf } from '../db/read-router';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Json, Static, TSchema } from '../openapi/schema';
import { allows, callerOfRequest, ROLES_FOR, type Access, type Caller } from './auth';
import { AppError, validationFailed } from './errors';
import { entityTag, parseIfMatch, type IfMatch } from './etag';
import { guard, type LimitKind, type RateLimiters } from './rate-limit';
import { readQuery, type QuerySpec, type QueryValues } from './query';
import { pathId, validateBody } from './validation';

/**
 * A feature's routes with the operation metadata the OpenAPI document is built from, declared
 * side by side:
 *
 *   campaignApi.get('/:id', { operationId: 'getCampaign', summary: 'Get a campaign', kind: 'reads',
 *     success: { status: 200, description: 'The campaign.', schema: CampaignResponse } },
 *     async ({ caller, id }, service) => campaignResponse(await service.get(caller, id)));
 *
 * The wrapper does what the metadata says, so it cannot drift from the document: the rate
 * limit and token check of `kind`, the path id (not a UUID: 404), the query spec (a bad value:
 * 422), the body DTO (`validateBody`), and the success status; the handler returns the response
 * body, typed by the response schema. `router()` builds the Express router; the document reads
 * `operations`.
 */

/** Where the authenticated API (the secured groups) is mounted. */
export const API_BASE = '/api/v1';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A paged result: this page's body, and the total of all pages (sent as `X-Total-Count`). */
export interface Paged<T> {
  body: T;
  total: number;
}

export interface Success<R extends TSchema | undefined, P extends boolean> {
  status: 200 | 201 | 204;
  description: string;
  /** The response body's schema; none for a 204. */
  schema?: R;
  /** A list: the handler returns `{ body, total }` and the total goes in `X-Total-Count`. */
  paged?: P;
}

export interface OperationSpec<Q extends QuerySpec, B extends object, R extends TSchema | undefined, P extends boolean> {
  operationId: string;
  summary: string;
  description?: string;
  /** The rate-limit budget it counts against (and the token check every `/api/v1` route has). */
  kind: LimitKind;
  /**
   * `'replica'`: a read that tolerates replication lag (a list, the calendar, stats, a preview): the
   * services' `readManager(deps)` reads go to a usable PostgreSQL replica (`db/read-router.ts`),
   * else to the primary. Only on routes that write nothing (a `post` preview too); every other route
   * reads and writes on the primary.
   */
  read?: 'replica';
  /** The roles it needs (`auth.ts` `ROLES_FOR`): a caller without one gets a 403 before anything else is read. */
  access: Access;
  query?: Q;
  /** The body's DTO class, validated with `validateBody`. */
  body?: new () => B;
  /** The body may be left out (it is then `{}`). */
  bodyOptional?: boolean;
  /** A campaign or template named in the body can be a 404 too (besides the path id). */
  notFound?: boolean;
  /** The object's state can refuse the change: this is the 409's description. */
  conflict?: string;
  /**
   * The write honours `If-Match` (optimistic concurrency): the handler hands `ifMatch` to the
   * service, which compares it with the row it locks (`assertMatches`): a stale tag is a 412.
   */
  ifMatch?: boolean;
  /**
   * Header or further path parameters the handler reads itself (`Idempotency-Key`, a path
   * instant): documented as given (OpenAPI parameter objects).
   */
  parameters?: ParameterDoc[];
  /**
   * A body that is no JSON object (a file: CSV text or a JSON array): documented as given (an
   * OpenAPI request body object); the handler reads and checks `req.body` itself.
   */
  requestBody?: Json;
  /** The handler sends the success response itself (a file): its documented `content`. */
  sendsFile?: Json;
  /** Responses documented as given, over the generated ones (a 422 that carries more than `errors`). */
  responses?: Record<string, Json>;
  success: Success<R, P>;
}

/** `res.locals` key: the success status a handler answers instead of its spec's (documented in its `responses`). */
export const SUCCESS_STATUS = 'successStatus';

/** An OpenAPI parameter the handler reads from the request itself. */
export interface ParameterDoc {
  name: string;
  in: 'header' | 'path';
  required: boolean;
  description: string;
  schema: Json;
}

export interface Input<Q extends QuerySpec, B> {
  req: Request;
  res: Response;
  /** Who calls: the member (`userId`), the workspace every query is scoped by, the roles. */
  caller: Caller;
  /** The member's id (`caller.userId`). */
  userId: string;
  /** The path id (lower-cased UUID) for `/:id` routes, else ''. */
  id: string;
  query: QueryValues<Q>;
  body: B;
  /** The request's `If-Match` for `ifMatch` operations (undefined when not sent, or not honoured). */
  ifMatch: IfMatch;
}

export type Result<R extends TSchema | undefined, P extends boolean> = R extends TSchema
  ? P extends true
    ? Paged<Static<R>>
    : Static<R>
  : void;

/** An operation outside `/api/v1`'s conventions (health, documentation): its own responses. */
export interface RawSpec {
  operationId: string;
  summary: string;
  description: string;
  /** OpenAPI response objects by status; schemas may be TypeBox schemas. */
  responses: Record<string, Json>;
  /** Path parameters it reads (OpenAPI parameter objects). */
  parameters?: ParameterDoc[];
}

export interface RegisteredOperation {
  method: HttpMethod;
  /** Express path inside the group (`/:id/stats`). */
  path: string;
  spec: OperationSpec<QuerySpec, object, TSchema | undefined, boolean> | (RawSpec & { raw: true });
}

type AnyHandler<C> = (req: Request, res: Response, ctx: C) => Promise<void> | void;

export interface GroupOptions {
  /** Mount path: below `/api/v1` for secured groups (`/campaigns`), else from the root. */
  base: string;
  /** The document's tag of its operations. */
  tag: string;
  /** What a `/:id` names, for the 404 (`Campaign not found`). */
  resource?: string;
  /** `false` for public routes (no token, no rate limit): health, documentation. */
  secured?: boolean;
}

/**
 * A write route that declares no body takes none: leaving it out or sending `{}` is fine, any
 * field is an unknown field (422), as on every other route; anything but an object is a 422 too.
 */
function refuseBody(body: unknown): void {
  if (body === undefined) return;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationFailed([{ field: 'body', message: 'must be left out or an empty JSON object: this operation takes no body' }]);
  }
  const fields = Object.keys(body);
  if (fields.length) throw validationFailed(fields.map((field) => ({ field, message: 'unknown field' })));
}

/** A success response that is one object with `updated_at` (not a list) carries its `ETag`. */
export function sendsEntityTag(success: Success<TSchema | undefined, boolean>): boolean {
  const properties = (success.schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return !success.paged && properties?.updated_at !== undefined;
}

function entityTagOfResponse(body: { updated_at: string; version?: number }): string {
  return entityTag({ updatedAt: new Date(body.updated_at), version: body.version });
}

/** A group's path as served (`/campaigns` + `/:id/stats` → `/api/v1/campaigns/:id/stats`). */
export function servedPath(group: Pick<RouteGroup<unknown>, 'options' | 'secured'>, path: string): string {
  return `${group.secured ? API_BASE : ''}${group.options.base}${path === '/' ? '' : path}`;
}

/**
 * The 405: a request no route took whose path the route groups serve with other methods gets
 * `405 Method Not Allowed` with `Allow` listing them (the methods of every served path it matches;
 * `HEAD` with `GET`, and `OPTIONS`, which Express's router answers by itself). Mounted after the
 * routers and before the 404 for unknown paths. Matching follows Express's: case-insensitive, an
 * optional trailing slash.
 */
export function methodNotAllowed(groups: readonly Pick<RouteGroup<unknown>, 'operations' | 'options' | 'secured'>[]): RequestHandler {
  const byPath = new Map<string, Set<string>>();
  for (const group of groups) {
    for (const { method, path } of group.operations) {
      const full = servedPath(group, path);
      const methods = byPath.get(full) ?? new Set<string>();
      methods.add(method.toUpperCase());
      if (method === 'get') methods.add('HEAD');
      methods.add('OPTIONS');
      byPath.set(full, methods);
    }
  }
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(`^${path.split(/:\w+/).map(escape).join('[^/]+')}/?$`, 'i'),
    methods,
  }));
  return (req, res, next) => {
    const allowed = new Set(patterns.filter((p) => p.pattern.test(req.path)).flatMap((p) => [...p.methods]));
    if (allowed.size === 0) {
      next();
      return;
    }
    const allow = [...allowed].sort().join(', ');
    next(
      new AppError('method_not_allowed', `${req.method} is not allowed on ${req.path} (allowed: ${allow})`, undefined, { Allow: allow }),
    );
  };
}

export class RouteGroup<C> {
  readonly operations: RegisteredOperation[] = [];
  private readonly handlers: { method: HttpMethod; path: string; kind?: LimitKind; handle: AnyHandler<C> }[] = [];

  constructor(readonly options: GroupOptions) {}

  get secured(): boolean {
    return this.options.secured !== false;
  }

  private add<Q extends QuerySpec, B extends object, R extends TSchema | undefined, P extends boolean>(
    method: HttpMethod,
    path: string,
    spec: OperationSpec<Q, B, R, P>,
    handler: (input: Input<Q, B>, ctx: C) => Promise<Result<R, P>>,
  ): void {
    if (!this.secured) throw new Error('Public route groups declare raw routes only');
    // The one authorization check needs the access declared (TypeScript asks for it; this also stops plain JS).
    if (!Object.hasOwn(ROLES_FOR, spec.access))
      throw new Error(`${method.toUpperCase()} ${path}: declare its access (${Object.keys(ROLES_FOR).join(', ')})`);
    if (path.includes(':id') && !this.options.resource) throw new Error(`${path}: the group names no resource for its ids`);
    this.operations.push({ method, path, spec });
    const resource = this.options.resource ?? '';
    this.handlers.push({
      method,
      path,
      kind: spec.kind,
      handle: async (req, res, ctx) => {
        const caller = callerOfRequest(req);
        if (!allows(caller, spec.access)) {
          throw new AppError(
            'forbidden',
            `This needs the role ${ROLES_FOR[spec.access].join(' or ')}; the token has ${caller.roles.join(', ') || 'none of the roles'}`,
          );
        }
        const id = path.includes(':id') ? pathId(req.params.id, resource) : '';
        // A route without a query spec takes no parameters: any one is a 422, as an unknown one is elsewhere.
        const query = readQuery(req.query as Record<string, unknown>, spec.query ?? {}) as QueryValues<Q>;
        if (!spec.body && !spec.requestBody && method !== 'get') refuseBody(req.body);
        const body = (spec.body ? await validateBody(spec.body, req.body, { allowEmpty: spec.bodyOptional }) : undefined) as B;
        const ifMatch = spec.ifMatch ? parseIfMatch(req.headers['if-match']) : undefined;
        const run = () => handler({ req, res, caller, userId: caller.userId, id, query, body, ifMatch }, ctx);
        const reads = readRouterOf(req);
        const result = spec.read === 'replica' && reads ? await reads.route(caller.workspaceId, run) : await run();
        // Read-your-writes: the workspace's reads wait for a replica that has replayed this write.
        if (method !== 'get' && !spec.read) await reads?.noteWrite(caller.workspaceId);
        const { status, paged } = spec.success;
        if (spec.sendsFile) {
          // The handler has answered (a file).
        } else if (status === 204) {
          res.status(204).end();
        } else if (paged) {
          const page = result as Paged<unknown>;
          res.set('X-Total-Count', String(page.total));
          res.status(status).json(page.body);
        } else {
          if (sendsEntityTag(spec.success)) res.set('ETag', entityTagOfResponse(result as { updated_at: string; version?: number }));
          // A handler may answer another documented success (`SUCCESS_STATUS`: an import's dry run is a 200).
          res.status((res.locals[SUCCESS_STATUS] as number | undefined) ?? status).json(result);
        }
      },
    });
  }

  readonly get = this.verb('get');
  readonly post = this.verb('post');
  readonly put = this.verb('put');
  readonly patch = this.verb('patch');
  readonly delete = this.verb('delete');

  private verb(method: HttpMethod) {
    return <
      Q extends QuerySpec = Record<never, never>,
      B extends object = Record<never, never>,
      R extends TSchema | undefined = undefined,
      P extends boolean = false,
    >(
      path: string,
      spec: OperationSpec<Q, B, R, P>,
      handler: (input: Input<Q, B>, ctx: C) => Promise<Result<R, P>>,
    ): void => this.add(method, path, spec, handler);
  }

  /** A route that answers by itself (`res`), documented by its own `responses`. */
  raw(method: HttpMethod, path: string, spec: RawSpec, handler: AnyHandler<C>): void {
    if (this.secured)
      throw new Error(`${method.toUpperCase()} ${path}: a secured group has no raw routes (they would skip the token and role checks)`);
    this.operations.push({ method, path, spec: { ...spec, raw: true } });
    this.handlers.push({ method, path, handle: handler });
  }

  /** The Express router serving the group's routes (`limits` for secured groups). */
  router(ctx: C, limits?: RateLimiters): Router {
    const router = Router();
    for (const { method, path, kind, handle } of this.handlers) {
      const run = async (req: Request, res: Response) => handle(req, res, ctx);
      if (kind) {
        if (!limits) throw new Error(`${this.options.base}: a secured group needs the rate limiters`);
        router[method](path, ...guard(limits, kind), run);
      } else {
        router[method](path, run);
      }
    }
    return router;
  }
}
