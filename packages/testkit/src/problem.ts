/**
 * Assertions on the API's errors: every 4xx is `application/problem+json` with a numeric
 * `status` equal to the HTTP status and string `type`, `title` and `detail`; a 422 also lists
 * `errors: [{field, message}]`.
 *
 *   expectProblem(res, 422, { fields: ['name', 'country'] });   // exactly these fields
 *   expectProblem(res, 422, { fieldsInclude: ['end_date'] });    // at least these
 *   expectProblem(res, 404, { detail: 'Job not found' });
 *   expectUnauthorized(res);                                     // 401 + WWW-Authenticate: Bearer
 */

/** What the assertions read of a response (supertest's `Response` has all of it). */
export interface ProblemResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface ProblemExpectation {
  /** The 422's `errors[].field`, exactly (in any order). */
  fields?: readonly string[];
  /** Fields the 422's `errors` must name, among others. */
  fieldsInclude?: readonly string[];
  detail?: string | RegExp;
  title?: string;
}

interface ProblemBody {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  errors?: { field?: unknown; message?: unknown }[];
}

/** The problem document of a response, parsed from its text (whatever the client parsed). */
export function problemOf(res: ProblemResponse): ProblemBody {
  return JSON.parse(res.text) as ProblemBody;
}

/** The fields a 422 names, in the order given. */
export function fieldsOf(res: ProblemResponse): string[] {
  return (problemOf(res).errors ?? []).map((e) => e.field as string);
}

export function expectProblem(res: ProblemResponse, status: number, expected: ProblemExpectation = {}): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = problemOf(res);
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  if (status === 422) {
    expect(Array.isArray(body.errors) && body.errors.length > 0).toBe(true);
    for (const e of body.errors!)
      expect({ field: typeof e.field, message: typeof e.message }).toEqual({ field: 'string', message: 'string' });
  }
  if (expected.title !== undefined) expect(body.title).toBe(expected.title);
  if (typeof expected.detail === 'string') expect(body.detail).toBe(expected.detail);
  else if (expected.detail) expect(body.detail).toMatch(expected.detail);
  if (expected.fields) expect(fieldsOf(res).sort()).toEqual([...expected.fields].sort());
  for (const field of expected.fieldsInclude ?? []) expect(fieldsOf(res)).toContain(field);
}

/** A 401 problem that asks for a bearer token. */
export function expectUnauthorized(res: ProblemResponse): void {
  expectProblem(res, 401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
}
