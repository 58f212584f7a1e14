import createFetchClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };

/** A response body schema of the API by its component name (`Schema<'CampaignResponse'>`). */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

/** The API's problem+json body (RFC 9457); 422s list every bad field in `errors`. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export interface ClientOptions {
  /** Origin of the API (`http://localhost:8000`); '' for the same origin. The paths carry `/api/v1`. */
  baseUrl: string;
  /** The bearer token (a JWT whose `sub` is the user id). */
  token?: string;
  /** Another fetch (tests, or a fetch with a proxy). */
  fetch?: typeof globalThis.fetch;
}

export type ApiClient = Client<paths>;

/**
 * A typed client of the REST API: `client.GET('/api/v1/campaigns', { params: { query: { limit: 10 } } })`
 * gives `{ data, error, response }`, with `data` typed from the OpenAPI document and `error` the
 * problem+json body of a 4xx/5xx.
 */
export function createClient(options: ClientOptions): ApiClient {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return createFetchClient<paths>({ baseUrl: options.baseUrl, headers, fetch: options.fetch });
}
