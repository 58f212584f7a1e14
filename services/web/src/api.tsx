import { createClient, type ApiClient, type Problem, type Schema } from '@scheduler/client';
import { createContext, useContext, type ReactNode } from 'react';

export type { Problem, Schema };
export type Campaign = Schema<'Campaign'>;
export type CampaignStats = Schema<'CampaignStats'>;
export type Template = Schema<'Template'>;
export type Job = Schema<'Job'>;
export type Schedule = Schema<'Schedule'>;
export type ScheduleCreate = Schema<'ScheduleCreate'>;
export type ScheduleUpdate = Schema<'ScheduleUpdate'>;
export type SchedulePreview = Schema<'SchedulePreview'>;
export type Occurrence = Schema<'PreviewOccurrence'>;
export type Run = Schema<'Run'>;

/** A failed call: the API's problem+json (or a stand-in for a network failure). */
export class ApiError extends Error {
  constructor(
    public readonly problem: Problem,
    public readonly status: number,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** `{ data, error, response }` of openapi-fetch to the data, or an ApiError carrying the problem. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    throw new ApiError({ title: 'Network error', detail: `The API did not answer (${String(error)}).` }, 0);
  }
  if (!result.response.ok) {
    const problem = (
      result.error && typeof result.error === 'object'
        ? result.error
        : { detail: typeof result.error === 'string' ? result.error : `HTTP ${result.response.status}` }
    ) as Problem;
    throw new ApiError(problem, result.response.status);
  }
  return result.data as T;
}

/** Field name -> messages of a 422's `errors[]`. */
export function fieldErrors(error: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!(error instanceof ApiError)) return out;
  for (const e of error.problem.errors ?? []) (out[e.field] ??= []).push(e.message);
  return out;
}

const ApiContext = createContext<ApiClient | null>(null);

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi outside ApiProvider');
  return client;
}

/** The client for this origin and token. */
export function apiFor(token: string): ApiClient {
  return createClient({ baseUrl: window.location.origin, token });
}
