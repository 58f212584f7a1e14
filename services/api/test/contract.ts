/**
 * Contract checks against the OpenAPI document (`src/openapi/document.ts`), for any test file:
 *
 *   const res = await request(app).get(`/api/v1/campaigns/${id}`).set('Authorization', auth);
 *   expectMatchesContract('GET', '/api/v1/campaigns/{id}', res);
 *
 * fails unless the status is documented for that operation and the response (media type,
 * required headers, body) matches what the document says for it. Request bodies can be
 * checked too (`requestContractErrors`), to keep the documented request schemas honest.
 *
 * Schemas are compiled with Ajv in JSON Schema 2020-12 mode (OpenAPI 3.1's dialect), strict,
 * with formats (`uuid`, `date-time`, `hostname`, `uri`) checked.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument, type Json } from '../src/openapi/document';

const DOC_ID = 'openapi.json';
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** What the helper reads of a response (supertest's `Response` has all of it). */
export interface ContractResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  text?: string;
}

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  // The whole document under one id, so that `#/components/...` references resolve inside it.
  // Ajv compiles that root too: its OpenAPI members are declared as (inert) keywords so strict
  // mode accepts them, while any unknown keyword inside a schema still fails.
  for (const keyword of Object.keys(openApiDocument)) ajv.addKeyword({ keyword });
  ajv.addSchema(openApiDocument, DOC_ID);
  return ajv;
}

let ajvInstance: Ajv2020 | null = null;
const ajv = (): Ajv2020 => (ajvInstance ??= createAjv());
const validators = new Map<string, ValidateFunction>();

/** JSON pointer (RFC 6901) of a location in the document, as a URI fragment. */
export function pointer(...segments: string[]): string {
  return '#' + segments.map((s) => '/' + encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('');
}

/** A validator for the schema at a location of the document (compiled once). */
export function validatorAt(location: string): ValidateFunction {
  let validate = validators.get(location);
  if (!validate) {
    validate = ajv().compile({ $ref: `${DOC_ID}${location}` });
    validators.set(location, validate);
  }
  return validate;
}

function resolve<T = Json>(value: unknown): T {
  let current = value as Json;
  for (let i = 0; i < 10 && current && typeof current.$ref === 'string'; i++) {
    const ref = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`Unsupported $ref ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<Json>((node, key) => node?.[key] as Json, openApiDocument as Json);
  }
  return current as T;
}

export function operationOf(method: string, openapiPath: string): Json {
  const item = openApiDocument.paths[openapiPath];
  if (!item) throw new Error(`The OpenAPI document has no path ${openapiPath}`);
  const operation = item[method.toLowerCase()];
  if (!operation) throw new Error(`The OpenAPI document has no ${method.toUpperCase()} ${openapiPath}`);
  return operation;
}

const describeErrors = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `  ${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('\n');

const headerValue = (headers: ContractResponse['headers'], name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Every (METHOD path) → statuses checked by `expectMatchesContract` in this test file. */
export const contractCoverage = new Map<string, Set<number>>();

/**
 * Problems of a response against the documented one for its status; empty when it matches.
 * `openapiPath` is the documented path template (`/api/v1/campaigns/{id}`).
 */
export function contractErrors(method: string, openapiPath: string, response: ContractResponse): string[] {
  const m = method.toLowerCase();
  const operation = operationOf(m, openapiPath);
  const where = `${m.toUpperCase()} ${openapiPath} → ${response.status}`;
  const responses = operation.responses as Record<string, unknown>;
  const key = String(response.status);
  if (!responses[key]) {
    return [`${where}: status ${key} is not documented (documented: ${Object.keys(responses).join(', ')})`];
  }
  const documented = resolve(responses[key]);
  // Where the documented response lives (a shared one under components, or inline).
  const responseRef = (responses[key] as Json).$ref;
  const responseAt = typeof responseRef === 'string' ? responseRef : pointer('paths', openapiPath, m, 'responses', key);
  const problems: string[] = [];

  // Headers the document marks required must be there; any documented header must be valid.
  const headers = (documented.headers ?? {}) as Record<string, Json>;
  for (const [name, raw] of Object.entries(headers)) {
    const header = resolve(raw);
    const value = headerValue(response.headers, name);
    if (value === undefined) {
      if (header.required) problems.push(`${where}: required header ${name} is missing`);
      continue;
    }
    const schema = (header.schema ?? {}) as Json;
    if (schema.type === 'integer' && !/^\d+$/.test(value)) {
      problems.push(`${where}: header ${name} must be an integer, got ${JSON.stringify(value)}`);
      continue;
    }
    const headerAt = typeof raw.$ref === 'string' ? raw.$ref : `${responseAt}${pointer('headers', name).slice(1)}`;
    const validate = validatorAt(`${headerAt}/schema`);
    if (!validate(schema.type === 'integer' ? Number(value) : value)) {
      problems.push(`${where}: header ${name}=${JSON.stringify(value)} does not match:\n${describeErrors(validate.errors)}`);
    }
  }

  // Body: no content documented → none sent; else the media type and schema must match.
  const content = documented.content as Record<string, Json> | undefined;
  const contentType = headerValue(response.headers, 'content-type')?.split(';')[0].trim().toLowerCase();
  if (!content) {
    const text = response.text ?? '';
    if (text.length > 0) problems.push(`${where}: no body is documented, but one was sent (${text.slice(0, 100)})`);
    return problems;
  }
  if (!contentType || !content[contentType]) {
    problems.push(`${where}: content type ${contentType ?? '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`);
    return problems;
  }
  const isJson = /^application\/json$|\+json$/.test(contentType);
  const value = isJson ? response.body : response.text;
  const validate = validatorAt(`${responseAt}${pointer('content', contentType, 'schema').slice(1)}`);
  if (!validate(value)) {
    problems.push(
      `${where}: body does not match the documented schema:\n${describeErrors(validate.errors)}\nbody: ${JSON.stringify(value)?.slice(0, 2000)}`,
    );
  }
  return problems;
}

/**
 * Fails the test unless the response is what the OpenAPI document promises for this operation
 * and status. Returns the response for chaining.
 */
export function expectMatchesContract<R extends ContractResponse>(method: string, openapiPath: string, response: R): R {
  const problems = contractErrors(method, openapiPath, response);
  const coverageKey = `${method.toUpperCase()} ${openapiPath}`;
  if (!contractCoverage.has(coverageKey)) contractCoverage.set(coverageKey, new Set());
  contractCoverage.get(coverageKey)!.add(response.status);
  if (problems.length > 0) throw new Error(`Response breaks the API contract:\n${problems.join('\n')}`);
  return response;
}

/**
 * Problems of a request body against the documented request schema (empty when it is valid).
 * `undefined` stands for "no body", allowed only when the body is optional.
 */
export function requestContractErrors(method: string, openapiPath: string, body: unknown): string[] {
  const m = method.toLowerCase();
  const operation = operationOf(m, openapiPath);
  const where = `${m.toUpperCase()} ${openapiPath} request`;
  const requestBody = operation.requestBody as Json | undefined;
  if (!requestBody) return body === undefined ? [] : [`${where}: the operation documents no request body`];
  if (body === undefined) return requestBody.required ? [`${where}: the body is required`] : [];
  const validate = validatorAt(pointer('paths', openapiPath, m, 'requestBody', 'content', 'application/json', 'schema'));
  return validate(body) ? [] : [`${where} does not match the documented schema:\n${describeErrors(validate.errors)}`];
}

/** Fails the test unless the body is valid for the operation's documented request schema. */
export function expectRequestMatchesContract(method: string, openapiPath: string, body: unknown): void {
  const problems = requestContractErrors(method, openapiPath, body);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** Every documented (METHOD, path) pair with its operation. */
export function documentedOperations(): { method: string; path: string; operation: Json }[] {
  const out: { method: string; path: string; operation: Json }[] = [];
  for (const [path, item] of Object.entries(openApiDocument.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) out.push({ method: method.toUpperCase(), path, operation });
    }
  }
  return out;
}
