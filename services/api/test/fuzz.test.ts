/**
 * Property-based fuzzing of every `/api/v1` endpoint with fast-check: hostile bodies, query
 * strings and path ids (see test/fuzz/arbitraries.ts), checked against the invariants of
 * test/fuzz/harness.ts — no 5xx ever, every 4xx a well-formed problem+json, nothing written by a
 * 4xx (row counts and contents of the user's campaigns, templates, schedules, jobs and runs,
 * fixture objects' updated_at/version, BullMQ schedulers and content jobs), no change to
 * another user's rows, no unknown field accepted.
 *
 * FUZZ_RUNS (default 600) is the total number of generated cases, shared by the properties in
 * proportion to their weight (FUZZ_RUNS=10000 runs >= 10,000 cases when no property fails).
 * FUZZ_SEED (default 20260105) fixes the seeds: each property uses FUZZ_SEED plus a hash of its
 * name, so `-t '<property>'` with the same FUZZ_SEED and FUZZ_RUNS replays it; fast-check prints
 * the seed and path of any failure. FUZZ_CONTINUE=1 keeps going after a violation and reports
 * every distinct one per property (exploration); FUZZ_TRACE=<file> appends one line per case
 * (endpoint, status, problem detail).
 */
import request from 'supertest';
import fc from 'fast-check';
import { expectProblem, inHours } from '@scheduler/testkit';
import { startTestApp, TestApp } from './helpers';
import { bodyCase, dtoBody, fileBodyCase, junkObject, noBodyCase, pathIdCase, queryCase, specialString, UrlText } from './fuzz/arbitraries';
import { ENDPOINTS, Endpoint } from './fuzz/endpoints';
import { caseArbitrary, FuzzCase, FuzzHarness, UserState, Violation, ViolationSink } from './fuzz/harness';
import { Entries, JsonLike, RawLiteral, Ref } from './fuzz/json-text';

const TOTAL_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 600));
const SEED = Number(process.env.FUZZ_SEED ?? 20260105);

interface RoundTrip {
  name: string;
  path: string;
  body: fc.Arbitrary<Entries>;
  weight: number;
}

/** Text that a client may legitimately store: any Unicode the JSON carries. */
const anyText = (min: number, max: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: min, maxLength: max }) },
      { weight: 2, arbitrary: specialString },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: max }) },
    )
    .filter((s) => s.length >= min && s.length <= max);

const ROUND_TRIPS: RoundTrip[] = [
  {
    name: 'POST /campaigns',
    path: '/campaigns',
    body: fc
      .record({ name: anyText(1, 60), description: anyText(0, 200), tags: fc.array(anyText(1, 30), { maxLength: 4 }) })
      .map((b) => new Entries(Object.entries(b) as [string, JsonLike][])),
    weight: 1,
  },
  {
    name: 'POST /templates',
    path: '/templates',
    body: fc
      .record({
        name: anyText(1, 60),
        description: anyText(0, 100),
        metadata: junkObject,
        tags: fc.array(anyText(1, 30), { maxLength: 3 }),
      })
      .map((b) => new Entries(Object.entries(b) as [string, JsonLike][])),
    weight: 1,
  },
  {
    name: 'POST /schedule',
    path: '/schedule',
    body: fc
      .record({ name: anyText(1, 60), description: anyText(0, 100), job_config: junkObject })
      .map((b) => new Entries([...(Object.entries(b) as [string, JsonLike][]), ['schedule_type', 'daily'], ['scheduled_at', inHours(1)]])),
    weight: 1,
  },
];

/** Each property's seed: FUZZ_SEED plus a hash of its name (stable when run alone with -t). */
function seedOf(name: string): number {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) % 1_000_003;
  return (SEED + hash) | 0;
}

const totalWeight = ENDPOINTS.reduce((n, e) => n + e.weight, 0) + ROUND_TRIPS.reduce((n, r) => n + r.weight, 0);
const runsFor = (weight: number): number => Math.max(1, Math.ceil((TOTAL_RUNS * weight) / totalWeight));
/** Generous: a failing property also spends time shrinking. */
const timeoutFor = (runs: number): number => 120_000 + runs * 250;

/** DTO-shaped bodies (valid and junk values mixed), plus coherent valid ones where defined. */
function bodyShape(endpoint: Endpoint): fc.Arbitrary<Entries> {
  const dto = dtoBody(endpoint.body!.fields, endpoint.body!.required);
  return endpoint.body!.valid ? fc.oneof({ weight: 2, arbitrary: dto }, { weight: 1, arbitrary: endpoint.body!.valid }) : dto;
}

function arbitraryFor(endpoint: Endpoint): fc.Arbitrary<FuzzCase> {
  return caseArbitrary({
    id: endpoint.id ? pathIdCase(endpoint.id) : undefined,
    query: queryCase(endpoint.query ?? {}),
    body: endpoint.body ? (endpoint.body.files ? fileBodyCase : bodyCase)(bodyShape(endpoint)) : noBodyCase,
  });
}

/** Sorted-keys JSON, for comparing representations regardless of jsonb key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('fuzz: every endpoint against hostile input', () => {
  let t: TestApp;
  let h: FuzzHarness;
  const started = Date.now();

  beforeAll(async () => {
    t = await startTestApp();
    h = new FuzzHarness(t);
    await h.init();
  });
  afterAll(async () => {
    const lines = [...h.stats.entries()].map(
      ([name, s]) =>
        `  ${name.padEnd(32)} ${String(s.cases).padStart(6)}  ${[...s.statuses.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([st, n]) => `${st}:${n}`)
          .join(' ')}`,
    );
    console.log(
      `fuzz: ${h.totalCases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s (FUZZ_RUNS=${TOTAL_RUNS}, FUZZ_SEED=${SEED})\n${lines.join('\n')}`,
    );
    await t.close();
  });

  /** Runs a property over a fresh user; in exploration mode collects instead of stopping. */
  async function check(
    name: string,
    runs: number,
    arbitrary: fc.Arbitrary<FuzzCase>,
    body: (c: FuzzCase, state: UserState, sink?: ViolationSink) => Promise<void>,
  ) {
    const seed = seedOf(name);
    const state = await h.newUser();
    const sink = h.explore ? new ViolationSink() : undefined;
    await fc.assert(
      fc.asyncProperty(arbitrary, (c) => body(c, state, sink)),
      { numRuns: runs, seed, endOnFailure: false },
    );
    if (sink && sink.size) throw new Error(`${name}: ${sink.size} distinct violation(s)\n\n${sink.report()}`);
  }

  for (const endpoint of ENDPOINTS) {
    const runs = runsFor(endpoint.weight);
    it(
      `${endpoint.name}: no 5xx, 4xx are problem+json and write nothing (${runs} cases)`,
      async () => {
        await check(endpoint.name, runs, arbitraryFor(endpoint), async (c, state, sink) => {
          await h.run(endpoint, c, state, sink);
        });
      },
      timeoutFor(runs),
    );
  }

  for (const rt of ROUND_TRIPS) {
    const runs = runsFor(rt.weight);
    const endpoint = ENDPOINTS.find((e) => e.name === rt.name)!;
    it(
      `${rt.name} with valid bodies of any Unicode: what is created reads back exactly as returned (${runs} cases)`,
      async () => {
        const arbitrary = rt.body.map((value): FuzzCase => ({ query: [], body: { kind: 'json', value, contentType: 'application/json' } }));
        await check(`${rt.name} round trip`, runs, arbitrary, async (c, state, sink) => {
          const res = await h.run(endpoint, c, state, sink);
          if (!res || res.status !== 201) return;
          const again = await request(t.app).get(`/api/v1${rt.path}/${res.body.id}`).set('Authorization', t.auth(state.user));
          // A schedule's create also answers its conflict `warnings` (about the plan, not a field of the object).
          const created = { ...(res.body as Record<string, unknown>) };
          if (rt.path === '/schedule') delete created.warnings;
          if (canonical(again.body) !== canonical(created)) {
            const message = `${rt.name}: the created object reads back differently\n  created:  ${canonical(created).slice(0, 600)}\n  read:     ${canonical(again.body).slice(0, 600)}`;
            if (sink) sink.add(new Violation(`${rt.name} | round trip`, message));
            else throw new Error(message);
          }
        });
      },
      timeoutFor(runs),
    );
  }
});

/**
 * Pinned cases: inputs that once broke an invariant (or are easy to get wrong), each run through
 * the same checks as the properties so that every one of them is reported on its own.
 */
describe('fuzz: pinned edge cases', () => {
  let t: TestApp;
  let h: FuzzHarness;
  let state: UserState;
  beforeAll(async () => {
    t = await startTestApp();
    h = new FuzzHarness(t);
    await h.init();
    state = await h.newUser();
  });
  afterAll(async () => {
    await t.close();
  });

  const json = (value: JsonLike): FuzzCase['body'] => ({ kind: 'json', value, contentType: 'application/json' });
  const raw = (text: string, contentType = 'application/json'): FuzzCase['body'] => ({ kind: 'raw', text, contentType });
  const obj = (o: Record<string, JsonLike>) => new Entries(Object.entries(o));
  const daily = () => ({ schedule_type: 'daily', scheduled_at: new Date(Date.now() + 7_200_000).toISOString() });
  const byName = (name: string) => ENDPOINTS.find((e) => e.name === name)!;

  /** Label, endpoint, the case, and for some the fields a 422 must name (always: the invariants). */
  const cases: [string, string, () => FuzzCase, string[]?][] = [
    ['NUL in a campaign name', 'POST /campaigns', () => ({ query: [], body: json(obj({ name: 'a\u0000b' })) })],
    ['NUL in a campaign tag', 'POST /campaigns', () => ({ query: [], body: json(obj({ name: 'n', tags: ['x\u0000'] })) })],
    ['NUL in a campaign description (update)', 'PUT /campaigns/{id}', () => ({ query: [], body: json(obj({ description: '\u0000' })) })],
    [
      'target_budget_usd at its documented maximum 1e12 (numeric(14,2) holds < 1e12)',
      'POST /campaigns',
      () => ({ query: [], body: json(obj({ name: 'n', target_budget_usd: 1e12 })) }),
    ],
    [
      'target_budget_usd 1e-7 (exponent notation)',
      'POST /campaigns',
      () => ({ query: [], body: json(obj({ name: 'n', target_budget_usd: 1e-7 })) }),
    ],
    ['target_budget_usd 5e-324', 'PUT /campaigns/{id}', () => ({ query: [], body: json(obj({ target_budget_usd: 5e-324 })) })],
    [
      'a name of 200 "x\\uFE0F" (400 code points, 200 by class-validator)',
      'POST /campaigns',
      () => ({ query: [], body: json(obj({ name: 'x\ufe0f'.repeat(200) })) }),
    ],
    [
      'an llm_model of 100 "a\\uFE0F" (varchar(128))',
      'POST /templates',
      () => ({ query: [], body: json(obj({ name: 'n', llm_model: 'a\ufe0f'.repeat(100) })) }),
    ],
    [
      'NUL in template metadata (jsonb)',
      'POST /templates',
      () => ({ query: [], body: json(obj({ name: 'n', metadata: obj({ a: '\u0000' }) })) }),
    ],
    ['NUL as a template metadata key', 'PUT /templates/{id}', () => ({ query: [], body: json(obj({ metadata: obj({ '\u0000': 1 }) })) })],
    [
      'deeply nested template metadata',
      'POST /templates',
      () => ({
        query: [],
        body: json(obj({ name: 'n', metadata: obj({ x: new RawLiteral(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) }) })),
      }),
    ],
    ['{"__proto__": null} as the body', 'POST /campaigns', () => ({ query: [], body: raw('{"__proto__":null,"name":"x"}') })],
    ['{"constructor": null} as the body', 'POST /campaigns', () => ({ query: [], body: raw('{"constructor":null}') })],
    ['{"__proto__": {...}} as the body names its field', 'POST /campaigns', () => ({ query: [], body: raw('{"__proto__":{"name":"x"}}') })],
    ['{"constructor": {...}} as a use body', 'POST /templates/{id}/use', () => ({ query: [], body: raw('{"constructor":{}}') })],
    ['{"__proto__": null} as a use body', 'POST /templates/{id}/use', () => ({ query: [], body: raw('{"__proto__":null}') })],
    ['NUL in use notes', 'POST /templates/{id}/use', () => ({ query: [], body: json(obj({ notes: '\u0000' })) })],
    [
      'use with a text/plain body',
      'POST /templates/{id}/use',
      () => ({ query: [], body: raw('{"target_url":"https://example.com/x"}', 'text/plain') }),
    ],
    ['NUL in a schedule name', 'POST /schedule', () => ({ query: [], body: json(obj({ name: 'a\u0000', ...daily() })) })],
    [
      'NUL in job_config',
      'POST /schedule',
      () => ({ query: [], body: json(obj({ name: 'n', ...daily(), job_config: obj({ x: '\u0000' }) })) }),
    ],
    ['NUL in job_config (update)', 'PUT /schedule/{id}', () => ({ query: [], body: json(obj({ job_config: obj({ x: '\u0000' }) })) })],
    ['cost_usd 1e-9', 'PATCH /jobs/{id}', () => ({ query: [], body: json(obj({ cost_usd: 1e-9 })) })],
    ['NUL in error_message', 'PATCH /jobs/{id}', () => ({ query: [], body: json(obj({ error_message: 'x\u0000' })) })],
    [
      'a malformed percent-encoded path id',
      'GET /campaigns/{id}',
      () => ({ id: new UrlText('%E0%A4%A'), query: [], body: { kind: 'none' } }),
    ],
    [
      'a parameter given twice',
      'GET /jobs',
      () => ({
        query: [
          ['limit', '1'],
          ['limit', '2'],
        ],
        body: { kind: 'none' },
      }),
    ],
    ['a body that is valid JSON followed by junk', 'POST /campaigns', () => ({ query: [], body: raw('{"name":"a"} x') })],
    ['a repeated key (last wins, validated)', 'POST /campaigns', () => ({ query: [], body: raw('{"name":"a","name":5}') })],
    [
      '-0 and 1e400 numbers',
      'POST /schedule',
      () => ({
        query: [],
        body: raw(`{"name":"n","schedule_type":"daily","scheduled_at":"2099-01-01T00:00:00Z","misfire_grace_seconds":-0,"max_runs":1e400}`),
      }),
    ],
    [
      "another user's campaign in a template body",
      'POST /templates',
      () => ({ query: [], body: json(obj({ name: 'n', campaign_id: new Ref('campaign', 'other') })) }),
    ],
    ['{"constructor": "x"} as the body', 'PATCH /jobs/{id}', () => ({ query: [], body: raw('{"constructor":"x","status":"running"}') })],
    [
      '"hasOwnProperty" as a body field is a 422 naming it',
      'POST /campaigns',
      () => ({ query: [], body: json(obj({ name: 'n', hasOwnProperty: 'x' })) }),
      ['hasOwnProperty'],
    ],
    [
      '"__defineGetter__" as a body field is a 422 naming it',
      'PUT /schedule/{id}',
      () => ({ query: [], body: json(obj({ __defineGetter__: obj({}) })) }),
      ['__defineGetter__'],
    ],
    [
      '"hasOwnProperty" as a use field is a 422 naming it (never lands in the Job config)',
      'POST /templates/{id}/use',
      () => ({ query: [], body: json(obj({ hasOwnProperty: 'x' })) }),
      ['hasOwnProperty'],
    ],
    [
      '"hasOwnProperty" as a metadata key is a 422 naming it',
      'PUT /templates/{id}',
      () => ({ query: [], body: json(obj({ metadata: obj({ hasOwnProperty: obj({}) }) })) }),
      ['metadata.hasOwnProperty'],
    ],
    [
      'a lone surrogate in template metadata (jsonb)',
      'POST /templates',
      () => ({ query: [], body: json(obj({ name: 'n', metadata: obj({ a: 'x\ud800' }) })) }),
    ],
    [
      'a lone surrogate in job_config (jsonb)',
      'POST /schedule',
      () => ({ query: [], body: json(obj({ name: 'n', ...daily(), job_config: obj({ a: '\udfff' }) })) }),
    ],
    [
      'a lone surrogate in a use override (jsonb config)',
      'POST /templates/{id}/use',
      () => ({ query: [], body: json(obj({ notes: '\ud83d' })) }),
    ],
    [
      'job_config nested 5000 levels deep',
      'POST /schedule',
      () => ({
        query: [],
        body: json(
          obj({ name: 'n', ...daily(), job_config: obj({ deep: new RawLiteral(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`) }) }),
        ),
      }),
    ],
    [
      'use with a multipart body',
      'POST /templates/{id}/use',
      () => ({
        query: [],
        body: raw('--x\r\nContent-Disposition: form-data; name="notes"\r\n\r\nhi\r\n--x--', 'multipart/form-data; boundary=x'),
      }),
    ],
  ];

  // Every row as long as the test's parameter list (a shorter row would make jest pass `done`).
  it.each(cases.map(([label, endpoint, make, fields]) => [label, endpoint, make, fields ?? null] as const))(
    '%s (%s)',
    async (_label, endpointName, make, fields) => {
      const res = await h.run(byName(endpointName), make(), state);
      if (fields) expectProblem(res, 422, { fields });
    },
  );

  it('a first run past 9999-12-31 in local time (Pacific/Kiritimati, UTC+14) is a 422 naming scheduled_at', async () => {
    const res = await h.run(
      byName('POST /schedule'),
      {
        query: [],
        body: json(obj({ name: 'n', schedule_type: 'daily', scheduled_at: '9999-12-31T23:59:00Z', timezone: 'Pacific/Kiritimati' })),
      },
      state,
    );
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('scheduled_at');
  });

  it('a template whose metadata holds a "hasOwnProperty" key is refused with a 422 naming it (the ORM could not update such a row)', async () => {
    const created = await h.run(
      byName('POST /templates'),
      { query: [], body: json(obj({ name: 'n', metadata: obj({ hasOwnProperty: 1 }) })) },
      state,
    );
    expect(created.status).toBe(422);
    expect(created.body.errors).toContainEqual({ field: 'metadata.hasOwnProperty', message: 'is a reserved name' });
  });

  it('a schedule whose job_config holds a "hasOwnProperty" key is refused with a 422 naming it', async () => {
    const created = await h.run(
      byName('POST /schedule'),
      { query: [], body: json(obj({ name: 'n', ...daily(), job_config: obj({ hasOwnProperty: 1 }) })) },
      state,
    );
    expect(created.status).toBe(422);
    expect(created.body.errors).toContainEqual({ field: 'job_config.hasOwnProperty', message: 'is a reserved name' });
  });

  it.each([
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
  ])('a campaign named with %s is refused with a 422 (PostgreSQL would store a replacement character)', async (_label, name) => {
    const res = await h.run(byName('POST /campaigns'), { query: [], body: json(obj({ name, description: name, tags: [name] })) }, state);
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['name', 'description', 'tags[0]']);
  });

  it('a campaign named with an emoji reads back exactly as the create returned it', async () => {
    const name = 'a😀b';
    const res = await h.run(byName('POST /campaigns'), { query: [], body: json(obj({ name, description: name, tags: [name] })) }, state);
    expect(res.status).toBe(201);
    const again = await request(t.app).get(`/api/v1/campaigns/${res.body.id}`).set('Authorization', t.auth(state.user));
    expect({ name: again.body.name, description: again.body.description, tags: again.body.tags }).toEqual({
      name,
      description: name,
      tags: [name],
    });
  });
});
