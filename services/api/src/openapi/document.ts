/**
 * The OpenAPI 3.1 document, generated at start-up from what the code itself runs: the route
 * groups (`*.routes.ts`: operation metadata beside each handler), the DTO classes that validate
 * request bodies (`request-schemas.ts`), the query specs that read query strings
 * (`http/query.ts`), the response schemas the mappers return (TypeBox, `*.mapper.ts`) and the
 * problem kinds of `http/errors.ts`. Nothing here restates a field, a pattern, a limit or a
 * default. Served at `GET /api/v1/openapi.json` and rendered by Swagger UI at `GET /docs`.
 *
 * `test/openapi.test.ts` checks it against the official OpenAPI 3.1 schema, compiles every
 * schema in strict mode, walks the real Express router for coverage and checks real responses
 * against it; `test/openapi-lint.test.ts` runs Redocly and Spectral over it.
 */
import { DEFAULT_RATE_LIMIT } from '@scheduler/config';
import { blackoutApi } from '../blackouts/blackout.routes';
import { webhookApi } from '../webhooks/webhook.routes';
import { campaignApi } from '../campaigns/campaign.routes';
import { ROLES_FOR, type Access } from '../http/auth';
import { healthApi } from '../health.routes';
import { problemKind, UNAVAILABLE_RETRY_AFTER_SECONDS, type ErrorCode, type FieldError, type Problem } from '../http/errors';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../http/pagination';
import type { QueryParam } from '../http/query';
import type { LimitKind } from '../http/rate-limit';
import { sendsEntityTag, servedPath, type RegisteredOperation, type RouteGroup } from '../http/route';
import { jobApi } from '../jobs/job.routes';
import { libraryApi } from '../library/library.routes';
import { runApi } from '../runs/run.routes';
import { calendarApi } from '../calendar/calendar.routes';
import { feedApi } from '../calendar/feed.routes';
import { icalApi } from '../calendar/ical.routes';
import { scheduleApi } from '../schedules/schedule.routes';
import { conflictApi } from '../conflicts/conflicts.routes';
import { settingsApi } from '../settings/settings.routes';
import { notificationApi } from '../notifications/notification.routes';
import { auditApi } from '../audit/audit.routes';
import { scheduleImportApi } from '../schedules/import/schedule-import.routes';
import { templateApi } from '../templates/template.routes';
import { docsApi } from './docs.routes';
import { bodySchema, bodySchemaName } from './request-schemas';
import { Closed, named, Type, type Json, type Same, type Static } from './schema';

export type { Json } from './schema';

export interface OpenApiDocument extends Json {
  openapi: '3.1.0';
  info: Json;
  paths: Record<string, Record<string, Json>>;
  components: Json & { schemas: Record<string, Json> };
}

/** Every route group, in the order the document lists them. */
type DocumentedGroup = Pick<RouteGroup<unknown>, 'operations' | 'options' | 'secured'>;
export const GROUPS: DocumentedGroup[] = [
  healthApi,
  docsApi,
  campaignApi,
  templateApi,
  libraryApi,
  scheduleImportApi,
  conflictApi,
  scheduleApi,
  jobApi,
  runApi,
  calendarApi,
  feedApi,
  icalApi,
  blackoutApi,
  webhookApi,
  notificationApi,
  settingsApi,
  auditApi,
];

const TAG_DESCRIPTIONS: Record<string, string> = {
  operations: 'Health, readiness and metrics (no auth).',
  docs: 'This documentation (no auth).',
  campaigns: 'Campaigns group templates, schedules and Jobs.',
  templates: 'Reusable Job settings.',
  library: "Every workspace's public templates: search them, copy one into the caller's templates.",
  schedules: 'Schedules that materialize Jobs (once, daily, weekly, monthly, cron).',
  jobs: 'Units of content work, reported on by the content pipeline.',
  runs: "The run history across the caller's schedules.",
  blackouts: 'Periods (holidays, freezes) in which schedules skip or shift their runs.',
  calendar: 'Every occurrence of the schedules in a window, and iCal feeds of it.',
  webhooks: 'Signed HTTP notifications of events (Standard Webhooks), their delivery log and redelivery.',
  notifications: "Each member's email notifications of the workspace's events (SMTP).",
  settings: "The workspace's settings (conflict warnings).",
  audit: 'Who changed what: every change a member made, newest first.',
};

const ref = (section: string, name: string): Json => ({ $ref: `#/components/${section}/${name}` });

/* ------------------------------------------------------------ shared schemas */

const FieldErrorSchema = named(
  'FieldError',
  Closed(
    {
      field: Type.String({ description: 'The snake_case field (or query parameter) name; `body` for the body as a whole.' }),
      message: Type.String(),
    },
    { description: 'One bad field of a request.' },
  ),
);
const problemProperties = {
  type: Type.String({
    format: 'uri',
    description: 'Identifies the kind of problem: `https://content-scheduler.dev/problems/<code>`.',
    examples: [problemKind('not_found').type],
  }),
  title: Type.String({ description: 'Short summary of the kind of problem (the HTTP reason phrase).' }),
  status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code.' }),
  detail: Type.String({ description: 'Explanation of this occurrence. Never contains stack traces or SQL.' }),
};
const fieldErrors = Type.Array(FieldErrorSchema, { description: 'Validation errors (422 only): one entry per bad field.', minItems: 1 });
const ProblemSchema = named(
  'Problem',
  Closed(
    { ...problemProperties, errors: Type.Optional(fieldErrors) },
    { description: 'RFC 9457 problem details (`application/problem+json`).' },
  ),
);
const ValidationProblemSchema = named(
  'ValidationProblem',
  Closed({ ...problemProperties, errors: fieldErrors }, { description: 'A 422: problem details naming every bad field in `errors`.' }),
);
const NoBodySchema = named(
  'NoBody',
  Closed({}, { description: 'This operation takes no body: leave it out, or send `{}`. Any field is a 422 (unknown field).' }),
);
// The schemas follow the types `http/errors.ts` sends.
const problemIsTheSentType: Same<Static<typeof ProblemSchema>, Problem> = true;
const fieldErrorIsTheSentType: Same<Static<typeof FieldErrorSchema>, FieldError> = true;
void problemIsTheSentType;
void fieldErrorIsTheSentType;

/* ------------------------------------------------------------ the generator */

class DocumentBuilder {
  readonly schemas: Record<string, Json> = {};
  /** Error responses an operation documents itself (`OperationSpec.responses`), by component name. */
  readonly responses: Record<string, Json> = {};
  readonly parameters: Record<string, Json> = {
    Id: {
      name: 'id',
      in: 'path',
      required: true,
      description: "The object's id. A value that is not a UUID cannot name anything: 404.",
      schema: { type: 'string', format: 'uuid' },
    },
    IfMatch: {
      name: 'If-Match',
      in: 'header',
      required: false,
      description:
        'Optimistic concurrency: the `ETag` of the object as last read. The write happens only if the object still has ' +
        'it (`*`: any version), else 412 and nothing changes. Without it the last write wins.',
      schema: { type: 'string', examples: ['"1-mabc123"'] },
    },
  };

  /**
   * A schema as plain JSON, with every named (`$id`) schema inside it moved to
   * `components/schemas` and referenced.
   */
  schema(node: unknown, root = false): unknown {
    if (Array.isArray(node)) return node.map((item) => this.schema(item));
    if (node === null || typeof node !== 'object') return node;
    const { $id, ...rest } = node as Json;
    if (typeof $id === 'string' && !root) {
      if (!this.schemas[$id]) {
        this.schemas[$id] = {}; // reserved first: a schema may refer to itself
        this.schemas[$id] = this.schema(node, true) as Json;
      }
      return ref('schemas', $id);
    }
    return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, this.schema(value)]));
  }

  /** A component schema by name (`FieldError`, `Problem`, a body DTO's). */
  component(name: string, schema: Json): Json {
    this.schemas[name] ??= this.schema(schema, true) as Json;
    return ref('schemas', name);
  }

  queryParameter(name: string, param: QueryParam<unknown>): Json {
    const parameter: Json = { name, in: 'query', description: param.description, schema: param.schema };
    if (!param.component) return parameter;
    this.parameters[param.component] ??= parameter;
    return ref('parameters', param.component);
  }
}

const headers: Record<string, Json> = {
  'X-Total-Count': {
    description: 'Total number of items matching the query (all pages).',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  RateLimit: {
    description:
      'IETF RateLimit header (draft 8): the remaining budget of this kind of request (`writes`, `lists` or `reads`) ' +
      'for the caller. Absent when the limit store is unreachable.',
    schema: { type: 'string', examples: [`"reads";r=${DEFAULT_RATE_LIMIT.reads - 1};t=${DEFAULT_RATE_LIMIT.windowSeconds}`] },
  },
  'RateLimit-Policy': {
    description: 'IETF RateLimit-Policy header (draft 8): the quota and window of this kind of request.',
    schema: { type: 'string', examples: [`"reads";q=${DEFAULT_RATE_LIMIT.reads};w=${DEFAULT_RATE_LIMIT.windowSeconds}`] },
  },
  'Retry-After': { description: 'Seconds until the budget is renewed.', required: true, schema: { type: 'integer', minimum: 0 } },
  'Retry-After-Unavailable': {
    description: 'Seconds to wait before retrying while a dependency is away.',
    required: true,
    schema: { type: 'integer', minimum: 0, examples: [UNAVAILABLE_RETRY_AFTER_SECONDS] },
  },
  'WWW-Authenticate': { description: 'Always `Bearer`.', required: true, schema: { type: 'string', const: 'Bearer' } },
  ETag: {
    description: "The object's strong entity tag (from its `updated_at`, and `version` for a schedule): send it back in `If-Match`.",
    required: true,
    schema: { type: 'string', pattern: '^"[^"]*"$' },
  },
  Allow: {
    description: 'The methods the path serves.',
    required: true,
    schema: { type: 'string', examples: ['DELETE, GET, HEAD, OPTIONS, PUT'] },
  },
};
const rateLimitHeaders: Json = { RateLimit: ref('headers', 'RateLimit'), 'RateLimit-Policy': ref('headers', 'RateLimit-Policy') };

/** A problem+json response whose body has exactly the status, title and type of its kinds. */
function problemResponse(codes: ErrorCode[], description: string, extra: { validation?: boolean; headers?: Json } = {}): Json {
  const kinds = codes.map(problemKind);
  const one = <T>(values: T[]): Json => (new Set(values).size === 1 ? { const: values[0] } : { enum: [...new Set(values)] });
  return {
    description,
    ...(extra.headers ? { headers: extra.headers } : {}),
    content: {
      'application/problem+json': {
        schema: {
          allOf: [
            ref('schemas', extra.validation ? 'ValidationProblem' : 'Problem'),
            {
              type: 'object',
              properties: {
                type: one(kinds.map((k) => k.type)),
                title: one(kinds.map((k) => k.title)),
                status: one(kinds.map((k) => k.status)),
              },
            },
          ],
        },
      },
    },
  };
}

const BAD_BODY = 'The body is not valid JSON.';
const BAD_URL = 'A path segment is not valid percent-encoded UTF-8 (`%E0%A4%A`).';

const responses: Record<string, Json> = {
  MalformedJson: problemResponse(['malformed_json'], BAD_BODY),
  MalformedUrl: problemResponse(['malformed_url'], BAD_URL),
  MalformedJsonOrUrl: problemResponse(['malformed_json', 'malformed_url'], `${BAD_BODY} Or: ${BAD_URL}`),
  Unauthorized: problemResponse(
    ['unauthorized'],
    'Missing, malformed, expired or wrongly signed token, one without `exp` (unless `JWT_REQUIRE_EXP=false`), ' +
      'one whose `sub` is missing, longer than 255 characters or not valid text (control characters), whose workspace ' +
      'or roles claim is malformed, whose algorithm is not accepted, or whose `kid` names no key of the identity ' +
      "provider's key set (`unknown signing key`; a key set that cannot be fetched is a 503, `key set unavailable`).",
    {
      headers: { 'WWW-Authenticate': ref('headers', 'WWW-Authenticate'), ...rateLimitHeaders },
    },
  ),
  Forbidden: problemResponse(
    ['forbidden'],
    "The token's roles do not allow the operation (a `viewer` writing; a roles claim naming none of `viewer`, " +
      '`editor`, `approver`, `admin`, on any operation). `detail` names the roles it needs. A token without a roles ' +
      'claim has every role.',
    { headers: rateLimitHeaders },
  ),
  NotFound: problemResponse(
    ['not_found'],
    "No such object in the caller's workspace: missing, another workspace's (never 403), or an id that is not a " +
      "UUID; also a campaign or template named in the body that is not the workspace's.",
    { headers: rateLimitHeaders },
  ),
  Conflict: problemResponse(['conflict'], "The object's state does not allow the change.", { headers: rateLimitHeaders }),
  PayloadTooLarge: problemResponse(['payload_too_large'], 'The body is larger than `BODY_LIMIT` (default 100kb).'),
  UnsupportedMediaType: problemResponse(
    ['unsupported_media_type'],
    "The body's charset or content encoding is not supported (JSON must be UTF-8).",
  ),
  ValidationFailed: problemResponse(
    ['validation_failed'],
    'Invalid input: `errors` names every bad field or query parameter. Unknown body fields, explicit `null` on a ' +
      'non-nullable field, a body that is not a JSON object (field `body`), a query parameter the operation does not ' +
      'declare and one given twice are 422s.',
    { validation: true, headers: rateLimitHeaders },
  ),
  PreconditionFailed: problemResponse(
    ['precondition_failed'],
    '`If-Match` names a version the object no longer has: nothing changed. `ETag` carries the current one.',
    { headers: { ETag: ref('headers', 'ETag'), ...rateLimitHeaders } },
  ),
  MethodNotAllowed: problemResponse(
    ['method_not_allowed'],
    'Any path of this document called with a method it does not list (e.g. `PATCH /api/v1/campaigns/{id}`): ' +
      '`Allow` lists the methods it serves.',
    { headers: { Allow: ref('headers', 'Allow') } },
  ),
  ServiceUnavailable: problemResponse(
    ['service_unavailable'],
    'PostgreSQL or Redis is unreachable (restarting, connection refused or dropped), or the identity provider key set ' +
      `(\`JWT_JWKS_URL\`) cannot be fetched to check the token: retry after \`Retry-After\` seconds (${UNAVAILABLE_RETRY_AFTER_SECONDS}).`,
    { headers: { 'Retry-After': ref('headers', 'Retry-After-Unavailable') } },
  ),
  RateLimited: problemResponse(
    ['rate_limited'],
    "The caller's budget for this kind of request (per workspace, or per client address without a valid token) is used up.",
    { headers: { 'Retry-After': ref('headers', 'Retry-After'), ...rateLimitHeaders } },
  ),
};

/** The 403 of an operation: the roles its access needs (`ROLES_FOR`). */
const forbiddenText = (access: Access) =>
  `The token's roles include none of ${ROLES_FOR[access].map((role) => `\`${role}\``).join(', ')} (this operation's access: ` +
  `\`${access}\`); a token without a roles claim has every role.`;

const accessText = (access: Access) => `Roles: ${ROLES_FOR[access].map((role) => `\`${role}\``).join(', ')} (access \`${access}\`).`;

const rateLimitText = (kind: LimitKind) =>
  `Rate limit: ${kind} (default ${DEFAULT_RATE_LIMIT[kind]} per ${DEFAULT_RATE_LIMIT.windowSeconds} s).`;

/** `/campaigns` + `/:id/stats` → `/api/v1/campaigns/{id}/stats`. */
function openapiPath(group: DocumentedGroup, path: string): string {
  return servedPath(group, path).replace(/:(\w+)/g, '{$1}');
}

function operationOf(builder: DocumentBuilder, group: DocumentedGroup, { method, path, spec }: RegisteredOperation): Json {
  const head = { tags: [group.options.tag], operationId: spec.operationId, summary: spec.summary };
  if ('raw' in spec) {
    const rawResponses = Object.fromEntries(Object.entries(spec.responses).map(([status, response]) => [status, builder.schema(response)]));
    const parameters = spec.parameters ? { parameters: spec.parameters as unknown as Json } : {};
    return { ...head, description: spec.description, security: [], ...parameters, responses: rawResponses };
  }
  const out: Json = {
    ...head,
    description: [spec.description, accessText(spec.access), rateLimitText(spec.kind)].filter(Boolean).join('\n\n'),
  };
  const query = Object.entries(spec.query ?? {});
  const parameters = query.map(([name, param]) => builder.queryParameter(name, param));
  if (spec.ifMatch) parameters.push(ref('parameters', 'IfMatch'));
  for (const parameter of spec.parameters ?? []) parameters.push({ ...parameter, schema: builder.schema(parameter.schema) });
  if (parameters.length) out.parameters = parameters;
  // A write without a body DTO takes none: `{}` at most (any field is a 422), see `refuseBody`.
  const takesBody = Boolean(spec.body) || method !== 'get';
  if (spec.requestBody) {
    out.requestBody = builder.schema(spec.requestBody);
  } else if (spec.body) {
    out.requestBody = {
      required: !spec.bodyOptional,
      content: { 'application/json': { schema: builder.component(bodySchemaName(spec.body), bodySchema(spec.body)) } },
    };
  } else if (takesBody) {
    out.requestBody = { required: false, content: { 'application/json': { schema: ref('schemas', 'NoBody') } } };
  }
  const { status, description, schema, paged } = spec.success;
  const success: Json = {
    description,
    headers: {
      ...(paged ? { 'X-Total-Count': ref('headers', 'X-Total-Count') } : {}),
      ...(sendsEntityTag(spec.success) ? { ETag: ref('headers', 'ETag') } : {}),
      ...rateLimitHeaders,
    },
  };
  if (schema) success.content = { 'application/json': { schema: builder.schema(schema) } };
  if (spec.sendsFile) success.content = builder.schema(spec.sendsFile);

  const hasId = path.includes(':id');
  const res: Record<string, Json> = { [String(status)]: success };
  if (takesBody || hasId)
    res['400'] = ref('responses', takesBody && hasId ? 'MalformedJsonOrUrl' : takesBody ? 'MalformedJson' : 'MalformedUrl');
  res['401'] = ref('responses', 'Unauthorized');
  res['403'] = { ...ref('responses', 'Forbidden'), description: forbiddenText(spec.access) };
  if (hasId || spec.notFound) res['404'] = ref('responses', 'NotFound');
  if (spec.conflict) res['409'] = { ...ref('responses', 'Conflict'), description: spec.conflict };
  if (spec.ifMatch) res['412'] = ref('responses', 'PreconditionFailed');
  if (takesBody) {
    res['413'] = ref('responses', 'PayloadTooLarge');
    res['415'] = ref('responses', 'UnsupportedMediaType');
  }
  // Every operation refuses query parameters it does not declare (`readQuery`), so every one can 422.
  res['422'] = ref('responses', 'ValidationFailed');
  res['429'] = ref('responses', 'RateLimited');
  res['503'] = ref('responses', 'ServiceUnavailable');
  for (const [code, response] of Object.entries(spec.responses ?? {})) {
    if (Number(code) < 400) {
      res[code] = builder.schema(response) as Json;
      continue;
    }
    // Errors are shared response objects (`ImportSchedules422`), as every other error response is.
    const name = `${spec.operationId[0].toUpperCase()}${spec.operationId.slice(1)}${code}`;
    builder.responses[name] = builder.schema(response) as Json;
    res[code] = ref('responses', name);
  }
  out.responses = Object.fromEntries(Object.entries(res).sort(([a], [b]) => Number(a) - Number(b)));
  return out;
}

/** Builds the document from the route groups. */
export function buildOpenApiDocument(): OpenApiDocument {
  const builder = new DocumentBuilder();
  for (const schema of [FieldErrorSchema, ProblemSchema, ValidationProblemSchema, NoBodySchema]) builder.schema(schema);
  const paths: Record<string, Record<string, Json>> = {};
  for (const group of GROUPS) {
    for (const operation of group.operations) {
      const path = openapiPath(group, operation.path);
      paths[path] ??= path.includes('{id}') ? { parameters: [ref('parameters', 'Id')] as unknown as Json } : {};
      paths[path][operation.method] = operationOf(builder, group, operation);
    }
  }
  const limits = (['writes', 'lists', 'reads'] as const).map((k) => `${k} ${DEFAULT_RATE_LIMIT[k]}`).join(', ');
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'Content Scheduler API',
      version: '0.1.0',
      description:
        'Campaigns, job templates and scheduled jobs that materialize content Jobs.\n\n' +
        '- JSON in and out, `snake_case` fields. Instants in responses are UTC ISO 8601 with `Z`.\n' +
        '- Every `/api/v1` endpoint (except this document) needs `Authorization: Bearer <JWT>`; the user is the ' +
        "`sub` claim, and each user sees only their own data (another user's object is a 404).\n" +
        '- Errors are `application/problem+json` (RFC 9457); 422s list every bad field in `errors`.\n' +
        `- Lists are JSON arrays paginated with \`limit\` (default ${DEFAULT_LIMIT}, max ${MAX_LIMIT}) and \`offset\`, the total in \`X-Total-Count\`.\n` +
        `- Rate limits per user (or client address), per kind of request (default budgets per ${DEFAULT_RATE_LIMIT.windowSeconds} s: ${limits}).`,
      contact: { name: 'Content Scheduler maintainers' },
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/' }],
    // Groups may share a tag (the import's routes beside the schedules'): each tag once.
    tags: [...new Set(GROUPS.map((g) => g.options.tag))].map((tag) => ({ name: tag, description: TAG_DESCRIPTIONS[tag] })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT whose `sub` is the user id (HS256 with `JWT_SECRET`, or RS256/ES256 with `JWT_PUBLIC_KEY`).',
        },
      },
      schemas: builder.schemas,
      parameters: builder.parameters,
      headers,
      responses: { ...responses, ...builder.responses },
    },
  };
  // Plain JSON: what is served, and what the tests compile.
  return JSON.parse(JSON.stringify(document)) as OpenApiDocument;
}

export const openApiDocument: OpenApiDocument = buildOpenApiDocument();
