/**
 * Calls and factories through the API itself, for suites that run the app in process
 * (`startTestApp` of services/api/test/helpers.ts is such a target): objects made the way a
 * client makes them, each asserting its 2xx so that a broken factory fails where it is used.
 */
import request from 'supertest';
import { inHours } from './time';

/** An app to send requests to, and the `Authorization` value of any user. */
export interface ApiTarget {
  app: Parameters<typeof request>[0];
  auth(userId: string): string;
}

/** Bodies and responses are JSON objects of any shape (the tests assert on them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests assert on these bodies; a type here would restate the document
export type JsonObject = Record<string, any>;

/** Requests as one user, paths under `/api/v1`. A POST without a body sends `{}`. */
export function apiAs(t: ApiTarget, userId: string) {
  const auth = t.auth(userId);
  const at = (path: string) => `/api/v1${path}`;
  return {
    get: (path: string) => request(t.app).get(at(path)).set('Authorization', auth),
    post: (path: string, body?: object) =>
      request(t.app)
        .post(at(path))
        .set('Authorization', auth)
        .send(body ?? {}),
    put: (path: string, body: object) => request(t.app).put(at(path)).set('Authorization', auth).send(body),
    patch: (path: string, body: object) => request(t.app).patch(at(path)).set('Authorization', auth).send(body),
    delete: (path: string) => request(t.app).delete(at(path)).set('Authorization', auth),
  };
}

export type UserApi = ReturnType<typeof apiAs>;

function created(res: request.Response, what: string): JsonObject {
  if (res.status !== 201) throw new Error(`${what} could not be made: ${res.status} ${res.text}`);
  return res.body as JsonObject;
}

/** POST /campaigns (name "Campaign" unless given); the created campaign. */
export async function createCampaign(t: ApiTarget, userId: string, body: JsonObject = {}): Promise<JsonObject> {
  return created(await apiAs(t, userId).post('/campaigns', { name: 'Campaign', ...body }), 'campaign');
}

/** POST /templates (name "Template", publisher_domain "example.com" unless given: a usable template); the created template. */
export async function createTemplate(t: ApiTarget, userId: string, body: JsonObject = {}): Promise<JsonObject> {
  return created(await apiAs(t, userId).post('/templates', { name: 'Template', publisher_domain: 'example.com', ...body }), 'template');
}

/** POST /schedule: a daily schedule starting in an hour unless the body says otherwise. */
export async function createSchedule(t: ApiTarget, userId: string, body: JsonObject = {}): Promise<JsonObject> {
  return created(
    await apiAs(t, userId).post('/schedule', { name: 'schedule', schedule_type: 'daily', scheduled_at: inHours(1), ...body }),
    'schedule',
  );
}

/** POST /templates/{id}/use: the Job it creates. */
export async function useTemplate(t: ApiTarget, userId: string, templateId: string, overrides: JsonObject = {}): Promise<JsonObject> {
  return created(await apiAs(t, userId).post(`/templates/${templateId}/use`, overrides), 'Job');
}
