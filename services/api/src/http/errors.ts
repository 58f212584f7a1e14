import type { ErrorRequestHandler, RequestHandler } from 'express';

export interface FieldError {
  field: string;
  message: string;
}

/** Every failure a client can cause, each with one HTTP status (the map below). */
export type ErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'route_not_found'
  | 'validation_failed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'malformed_json'
  | 'malformed_url'
  | 'method_not_allowed'
  | 'precondition_failed'
  | 'rate_limited'
  | 'service_unavailable'
  | 'internal';

const STATUS = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  validation_failed: 422,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  malformed_json: 400,
  malformed_url: 400,
  method_not_allowed: 405,
  precondition_failed: 412,
  rate_limited: 429,
  service_unavailable: 503,
  internal: 500,
} satisfies Record<ErrorCode, number>;

const TITLE = {
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not Found',
  route_not_found: 'Not Found',
  validation_failed: 'Unprocessable Content',
  conflict: 'Conflict',
  payload_too_large: 'Content Too Large',
  unsupported_media_type: 'Unsupported Media Type',
  malformed_json: 'Bad Request',
  malformed_url: 'Bad Request',
  method_not_allowed: 'Method Not Allowed',
  precondition_failed: 'Precondition Failed',
  rate_limited: 'Too Many Requests',
  service_unavailable: 'Service Unavailable',
  internal: 'Internal Server Error',
} satisfies Record<ErrorCode, string>;

export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly errors?: FieldError[],
    public readonly headers?: Record<string, string>,
    /** Members the problem carries besides the standard ones (an import's report), as its operation documents them. */
    public readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
export const conflict = (message: string): AppError => new AppError('conflict', message);
export const validationFailed = (errors: FieldError[]): AppError =>
  new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export const PROBLEM_TYPE_BASE = 'https://content-scheduler.dev/problems/';

/** What every problem of a kind has in common: its `type` URI, `title` and `status`. */
export function problemKind(code: ErrorCode): Pick<Problem, 'type' | 'title' | 'status'> {
  return { type: `${PROBLEM_TYPE_BASE}${code.replace(/_/g, '-')}`, title: TITLE[code], status: STATUS[code] };
}

export function problemFor(code: ErrorCode, detail: string, errors?: FieldError[]): Problem {
  const problem: Problem = { ...problemKind(code), detail };
  if (errors) problem.errors = errors;
  return problem;
}

export function sendProblem(
  res: Parameters<RequestHandler>[1],
  code: ErrorCode,
  detail: string,
  errors?: FieldError[],
  extra?: Record<string, unknown>,
): void {
  res
    .status(STATUS[code])
    .type('application/problem+json')
    .send(JSON.stringify({ ...extra, ...problemFor(code, detail, errors) }));
}

/** Body-parser and other http-errors style failures carry `status` and `type`. */
function fromHttpError(err: { status?: number; type?: string }): AppError | null {
  if (err.type === 'entity.parse.failed') return new AppError('malformed_json', 'The request body is not valid JSON');
  if (err.type === 'entity.too.large') return new AppError('payload_too_large', 'The request body is too large');
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'Unsupported body encoding');
  }
  // The router could not percent-decode a path parameter (`/campaigns/%E0%A4%A`).
  if (err instanceof URIError && err.status === 400) return new AppError('malformed_url', 'The URL is not valid percent-encoded UTF-8');
  if (err.status === 400) return new AppError('malformed_json', 'The request body could not be read');
  return null;
}

/** What a client is told to wait before retrying while PostgreSQL or Redis is away (`Retry-After`). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** What a 503 can be waiting for: the database, the queue, or the identity provider's key set (`JWT_JWKS_URL`). */
export type Dependency = 'postgres' | 'redis' | 'jwks';

/** A 503 for a dependency the code knows is away (not a driver's error): answered and counted like one. */
export class DependencyUnavailable extends AppError {
  constructor(
    readonly dependency: Dependency,
    message: string,
  ) {
    super('service_unavailable', message, undefined, { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) });
  }
}

/** Socket-level failures of a connection (node's `code`), from the pg driver in practice. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/** PostgreSQL shutting down or starting (`57P01` admin shutdown, `57P02` crash, `57P03` cannot connect now), or class 08. */
const UNAVAILABLE_SQLSTATE = /^(57P0[123]|08[0-9A-Z]{3})$/;
/** pg's own messages when a connection drops or cannot be had. */
const PG_CONNECTION_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;
/**
 * TypeORM releases a query runner whose connection broke (it listens to the pg client's `error`,
 * e.g. the server's "terminating connection" during a restart); the transaction's next query then
 * fails with this. Our services only use runners through `dataSource.transaction`, so nothing else
 * releases one under a request.
 */
const PG_RUNNER_RELEASED = 'QueryRunnerAlreadyReleasedError';
/**
 * ioredis: a command given up while the connection is down (`maxRetriesPerRequest`), or sent on a
 * closed one, or to a Redis Cluster that is not reachable (no offline queue for producers).
 */
const REDIS_CONNECTION_MESSAGE =
  /^(Reached the max retries per request limit|Connection is closed|Stream isn't writeable|Cluster isn't ready|Failed to refresh slots cache)/;

/**
 * The dependency a connection-class error comes from (PostgreSQL or Redis away or restarting),
 * or null for any other error. Looks through TypeORM's `driverError`, `cause` and an
 * `AggregateError`'s errors (a host name that resolves to several addresses).
 */
export function unavailableDependency(err: unknown, depth = 0): Dependency | null {
  if (depth > 4 || err === null || typeof err !== 'object') return null;
  const { name, message, code } = err as { name?: unknown; message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (name === 'MaxRetriesPerRequestError' || REDIS_CONNECTION_MESSAGE.test(text)) return 'redis';
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return 'postgres';
  if (PG_CONNECTION_MESSAGE.test(text) || name === PG_RUNNER_RELEASED) return 'postgres';
  const nested = [
    (err as { driverError?: unknown }).driverError,
    (err as { cause?: unknown }).cause,
    ...((err as { errors?: unknown }).errors instanceof Array ? (err as { errors: unknown[] }).errors : []),
  ];
  for (const inner of nested) {
    const found = unavailableDependency(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

export interface ErrorReporting {
  /** An unexpected error (answered 500). */
  log: (message: string, error: unknown) => void;
  /** A connection-class error of a dependency (answered 503 with `Retry-After`): logged and counted. */
  unavailable?: (dependency: Dependency, error: unknown) => void;
}

export function createErrorHandler({ log, unavailable }: ErrorReporting): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const appError = err instanceof AppError ? err : fromHttpError((err ?? {}) as { status?: number; type?: string });
    if (appError) {
      if (appError instanceof DependencyUnavailable) unavailable?.(appError.dependency, err);
      if (appError.headers) res.set(appError.headers);
      if (appError.code === 'unauthorized') res.set('WWW-Authenticate', 'Bearer');
      sendProblem(res, appError.code, appError.message, appError.errors, appError.extra);
      return;
    }
    const dependency = unavailableDependency(err);
    if (dependency) {
      unavailable?.(dependency, err);
      res.set('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      sendProblem(
        res,
        'service_unavailable',
        `The service is briefly unavailable (its database or queue cannot be reached): retry after ${UNAVAILABLE_RETRY_AFTER_SECONDS} seconds`,
      );
      return;
    }
    log('unhandled error', err);
    sendProblem(res, 'internal', 'An unexpected error occurred');
  };
}

export const routeNotFound: RequestHandler = (req, res) => {
  sendProblem(res, 'route_not_found', `No route for ${req.method} ${req.path}`);
};

/**
 * A request that carries a body the JSON parser did not read (text, form, multipart...) is a
 * 415: otherwise an endpoint whose body is optional would silently ignore it.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  // A CSV file read by the parser of the one route that takes it (the schedule import) is fine.
  const csvRead = typeof req.body === 'string' && req.is('text/csv');
  if (hasBody && !req.is('application/json') && !csvRead) {
    next(new AppError('unsupported_media_type', 'The request body must be application/json'));
    return;
  }
  next();
};
