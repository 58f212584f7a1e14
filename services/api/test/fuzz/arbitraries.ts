/**
 * fast-check generators of hostile input for the API: junk strings (huge, unicode, lone
 * surrogates, NUL, RTL, emoji, variation selectors), out-of-range numbers, bad dates, zones and
 * recurrence patterns, nested junk, prototype-pollution keys, repeated keys, raw non-JSON
 * bodies and query strings with repeated and array parameters — mixed with valid values so
 * that cases also get past the first validation layer and reach the services and the database.
 */
import fc, { Arbitrary } from 'fast-check';
import { inHours } from '@scheduler/testkit';
import { Entries, FIXTURE_KINDS, FixtureKind, JsonLike, RawLiteral, Ref } from './json-text';

/* ------------------------------------------------------------------ strings */

/** Characters that break naive code: NUL and other controls, lone surrogates, bidi, emoji. */
export const SPECIAL_CHARS = [
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\ud83d', // half of an emoji
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u200f', // RIGHT-TO-LEFT MARK
  '\u2066', // LEFT-TO-RIGHT ISOLATE
  '\u200b', // ZERO WIDTH SPACE
  '\ufeff', // BOM
  '\ufe0f', // VARIATION SELECTOR-16 (not counted by class-validator's length checks)
  '\u0301', // combining acute accent
  '\uffff',
  '\u2028',
  '😀',
  '👩‍👩‍👧‍👦',
  '🇫🇷',
  'ﷺ',
  'ß',
  'İ',
  'ǅ',
  '\\',
  '"',
  "'",
  '`',
  '%',
  '%00',
  '&',
  '=',
  '?',
  '#',
  '/',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '\u00a0',
  'مرحبا',
  'שלום',
  '漢字',
];

/** Strings that mean something to some layer (SQL, templates, HTML, paths, JS). */
export const LOADED_STRINGS = [
  '',
  ' ',
  'null',
  'undefined',
  'true',
  'false',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  "'; DROP TABLE campaigns; --",
  '" OR 1=1 --',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${7*7}',
  '#{7*7}',
  '../../../../etc/passwd',
  '%s%s%s%n',
  'A'.repeat(256),
  'x'.repeat(255),
  '\u0000',
  'a\u0000b',
  '\ud800',
  'a\udc00b',
  '\u202egnp.exe',
];

const LENGTH_BOUNDARIES = [2, 35, 36, 100, 101, 128, 129, 200, 201, 253, 254, 255, 256, 500, 501, 2048, 2049, 10_000, 10_001, 30_000];

/** A long string: exact length boundaries of the DTOs, in ASCII or in multi-unit characters. */
export const hugeString: Arbitrary<string> = fc
  .tuple(fc.constantFrom(...LENGTH_BOUNDARIES), fc.constantFrom('a', 'é', '😀', '\ufe0f', 'x\ufe0f', '\u0000', '\ud800', '漢'))
  .map(([n, unit]) => unit.repeat(Math.max(1, Math.floor(n / unit.length))));

export const specialString: Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...SPECIAL_CHARS), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(''));

export const junkString: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: specialString },
  { weight: 2, arbitrary: fc.constantFrom(...LOADED_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: hugeString },
);

/** A short string that a validator accepts as text (for fields that only check type/length). */
export const plainText = (maxLength = 40): Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: Math.min(maxLength, 20) }) },
  );

/* ------------------------------------------------------------------ numbers */

export const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  0.1 + 0.2,
  1.005,
  0.001,
  0.00001,
  1e-7,
  5e-324,
  -5e-324,
  2.5,
  99.999,
  100,
  101,
  604_800,
  604_801,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e9,
  1e9 + 1,
  9_999_999_999,
  9_999_999_999.9999,
  10_000_000_000,
  999_999_999_999.99,
  1e12,
  1e12 + 0.01,
  1e15,
  1e21,
  1e300,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
];

export const RAW_NUMBER_LITERALS = [
  '-0',
  '-0.0',
  '0.0',
  '1.0',
  '1E2',
  '1e400', // parses to Infinity
  '-1e400',
  '1e-400', // parses to 0
  '123456789012345678901234567890',
  '-123456789012345678901234567890',
  '0.000000000000000000000000000001',
  '1.00000000000000000000000000001',
  '100.0000000000000000001',
];

export const junkNumber: Arbitrary<JsonLike> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_NUMBER_LITERALS).map((t) => new RawLiteral(t)) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);

/* -------------------------------------------------------------------- dates */

/** A valid instant in the future (relative to when the case is generated). */
export const futureIso: Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 24 * 365 * 3 }), fc.constantFrom('Z', 'naive', '+05:30', '-08:00', 'date'))
  .map(([hours, form]) => {
    const d = new Date(inHours(hours));
    const iso = d.toISOString();
    if (form === 'Z') return iso;
    if (form === 'naive') return iso.slice(0, 19);
    if (form === 'date') return iso.slice(0, 10);
    return `${iso.slice(0, 19)}${form}`;
  });

export const BAD_DATES = [
  '',
  'tomorrow',
  'now',
  '2026-02-30',
  '2026-02-29',
  '2028-02-29T00:00:00Z',
  '2026-13-01',
  '2026-00-10',
  '2026-01-32',
  '2026-01-01T25:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:59:60Z',
  '2026-01-01T10:00:00+99:99',
  '2026-01-01T10:00:00+14:00',
  '2026-01-01T10:00:00-12:00',
  '2026-01-01T10:00:00+0530',
  '2026-01-01T10:00:00.123456789Z',
  '2026-01-01 10:00:00',
  '2026-01-01t10:00:00z',
  '2026-W01-1',
  '2026-001',
  '20260101T100000Z',
  '0000-01-01',
  '0001-01-01T00:00:00Z',
  '1899-12-31T23:59:59Z',
  '1900-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '2020-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59-23:59',
  '9999-12-31T23:59:59',
  '10000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2027-03-14T02:30:00', // a spring-forward gap in New York
  '2027-11-07T01:30:00', // a fall-back overlap in New York
  '2026-01-01T10:00:00Z\u0000',
  ' 2026-01-01T10:00:00Z',
];

export const junkDate: Arbitrary<JsonLike> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_DATES) },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.integer().map((n): JsonLike => n) },
  { weight: 1, arbitrary: junkString },
);

/* -------------------------------------------------------------- zones, rules */

export const GOOD_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Kiritimati',
  'Pacific/Chatham',
  'Etc/GMT+12',
  'Etc/GMT-14',
  'America/Sao_Paulo',
  'Asia/Gaza',
];
export const BAD_ZONES = [
  '',
  'utc',
  'Mars/Olympus',
  'America/New_york',
  'america/new_york',
  'EST',
  'EST5EDT',
  'GMT+5',
  '+05:00',
  'Z',
  'Local',
  'Europe/London\u0000',
  '../../etc/localtime',
  'America/'.repeat(20),
  'A'.repeat(65),
];

export const SCHEDULE_TYPES = ['once', 'daily', 'weekly', 'monthly', 'cron'];

export const PATTERNS = [
  'weekly:monday',
  'weekly:monday,thursday',
  'weekly:sunday,saturday,monday',
  'weekly:MONDAY',
  'weekly:',
  'weekly:funday',
  'weekly:monday,monday',
  'monthly:1',
  'monthly:31',
  'monthly:last',
  'monthly:1,15,last',
  'monthly:0',
  'monthly:32',
  'monthly:-1',
  'monthly:1.5',
  'monthly:',
  '0 9 * * 1',
  '*/15 * * * *',
  '0 9 * * MON-FRI',
  '0 9 * * 7',
  '0 0 0 * * *',
  '* * * * * *',
  '0 0 29 2 *',
  '0 0 30 2 *',
  '0 0 31 4,6,9,11 *',
  '61 * * * *',
  '* 24 * * *',
  '*/0 * * * *',
  '1-60/0 * * * *',
  '5-1 * * * *',
  '0 9 L * *',
  '0 9 ? * *',
  '@daily',
  '@reboot',
  '0 9 * *',
  '0 9 * * * * *',
  ' ',
  '',
  `${'0,'.repeat(120)}0 * * * *`,
  'x'.repeat(300),
];

export const junkPattern: Arbitrary<JsonLike> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PATTERNS) },
  { weight: 1, arbitrary: junkString },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.oneof(fc.constant('*'), fc.integer({ min: -2, max: 70 }).map(String), fc.constantFrom('*/5', '1-5', '1,2', 'L', 'MON', '?')),
        { minLength: 4, maxLength: 7 },
      )
      .map((f) => f.join(' ')),
  },
);

/* -------------------------------------------------------------------- misc */

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString', 'valueOf'];

/** Values of prototype-pollution keys: the interesting ones are objects, null and functions' names. */
export const protoValue = (junk: Arbitrary<JsonLike>): Arbitrary<JsonLike> =>
  fc.oneof(
    fc.constant(null),
    fc.constant(new Entries([])),
    fc.constant(new Entries([['polluted', true]])),
    fc.constant(new Entries([['name', 'x']])),
    fc.constant(new Entries([['prototype', new Entries([['polluted', true]])]])),
    junk,
  );

export const junkKey: Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: specialString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'id',
      'user_id',
      'created_at',
      'updated_at',
      'version',
      'use_count',
      'run_count',
      'next_run_at',
      'NAME',
      'name ',
      'shedule_type',
      'Name',
    ),
  },
);

/** Any JSON value, nested, with junk at every level. */
export const junkValue: Arbitrary<JsonLike> = fc.letrec<{ value: JsonLike; leaf: JsonLike }>((tie) => ({
  leaf: fc.oneof(
    { weight: 4, arbitrary: junkString },
    { weight: 3, arbitrary: junkNumber },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: junkDate },
    { weight: 1, arbitrary: fc.uuid() },
  ),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: tie('leaf') },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(junkKey, tie('value')), { maxLength: 4 }).map((e) => new Entries(e)),
    },
  ),
})).value;

/** Deeply nested arrays or objects, as raw literal text (below the 100kb body limit). */
export const deepNesting: Arbitrary<RawLiteral> = fc
  .tuple(fc.constantFrom(10, 100, 1000, 5000, 20_000), fc.constantFrom('array', 'object'))
  .map(
    ([depth, shape]) =>
      new RawLiteral(shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );

/** A JSON object value (for `metadata`, `job_config`): junk content, sometimes deep. */
export const junkObject: Arbitrary<JsonLike> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(junkKey, junkValue), { maxLength: 5 }).map((e) => new Entries(e)) },
  { weight: 1, arbitrary: deepNesting.map((d) => new Entries([['deep', d]])) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom(...PROTO_KEYS), protoValue(junkValue)), { minLength: 1, maxLength: 2 })
      .map((e) => new Entries(e)),
  },
);

/** A uuid-valued field: the user's own object, another user's, a random or malformed one. */
export const refTo = (...kinds: FixtureKind[]): Arbitrary<JsonLike> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...kinds).map((k) => new Ref(k, 'self')) },
    { weight: 1, arbitrary: fc.constantFrom(...kinds).map((k) => new Ref(k, 'self', true)) },
    { weight: 1, arbitrary: fc.constantFrom(...kinds).map((k) => new Ref(k, 'other')) },
    { weight: 1, arbitrary: fc.constantFrom(...FIXTURE_KINDS).map((k) => new Ref(k, 'self')) },
    { weight: 1, arbitrary: fc.uuid() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
        'not-a-uuid',
        '{00000000-0000-0000-0000-000000000000}',
        '00000000000000000000000000000000',
        ' 6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      ),
    },
  );

/* --------------------------------------------------------------- DTO bodies */

/** How a field is generated: a valid value (reaching deeper code) or junk. */
export type FieldSpec = Record<string, Arbitrary<JsonLike>>;

/** A body for a DTO: each field valid, junk or absent, plus sometimes unknown and repeated keys. */
export function dtoBody(fields: FieldSpec, required: readonly string[] = []): Arbitrary<Entries> {
  const names = Object.keys(fields);
  const mixed = (name: string): Arbitrary<JsonLike> =>
    fc.oneof({ weight: 6, arbitrary: fields[name] }, { weight: 1, arbitrary: junkValue }, { weight: 1, arbitrary: fc.constant(null) });
  // A third of the bodies use only the valid-looking generators, to get deep into the services.
  return fc.oneof(
    { weight: 1, arbitrary: dtoBodyWith(fields, required, (name) => fields[name], names) },
    { weight: 2, arbitrary: dtoBodyWith(fields, required, mixed, names) },
  );
}

function dtoBodyWith(
  fields: FieldSpec,
  required: readonly string[],
  fieldValue: (name: string) => Arbitrary<JsonLike>,
  names: string[],
): Arbitrary<Entries> {
  const present = (name: string): Arbitrary<[string, JsonLike] | null> =>
    fc.option(
      fieldValue(name).map((v): [string, JsonLike] => [name, v]),
      { freq: required.includes(name) ? 10 : 2, nil: null },
    );
  const extra = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(junkKey, junkValue) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROTO_KEYS), protoValue(junkValue)) },
  );
  return fc
    .tuple(
      fc.tuple(...names.map(present)),
      fc.oneof(
        { weight: 5, arbitrary: fc.constant([] as [string, JsonLike][]) },
        { weight: 1, arbitrary: fc.array(extra, { minLength: 1, maxLength: 2 }) },
      ),
      // A repeated key: the same field twice, the junk copy first or last.
      fc.option(fc.tuple(fc.constantFrom(...names), junkValue, fc.boolean()), { freq: 6, nil: null }),
    )
    .map(([fieldEntries, extras, dup]) => {
      const entries = [...fieldEntries.filter((e): e is [string, JsonLike] => e !== null), ...extras];
      if (dup) {
        const [key, value, first] = dup;
        if (first) entries.unshift([key, value]);
        else entries.push([key, value]);
      }
      return new Entries(entries);
    });
}

/** Fully random objects: junk keys and values only. */
export const randomObject: Arbitrary<Entries> = fc.array(fc.tuple(junkKey, junkValue), { maxLength: 6 }).map((e) => new Entries(e));

export const JSON_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/JSON',
  'application/merge-patch+json',
];

/** Bodies that are not a JSON object, or not JSON at all, sent as JSON or with odd content types. */
export const RAW_BODIES = [
  '',
  ' ',
  '{',
  '}',
  '{"a":}',
  '{"name": "x",}',
  "{'name': 'x'}",
  '{"name": "x"} trailing',
  '{"name": "x"}{"name": "y"}',
  'NaN',
  'Infinity',
  'undefined',
  '-',
  '\u0000',
  '\ufeff{"name":"bom"}',
  '{"name":"\\ud800"}',
  '{"name":"\\u0000"}',
  '{"name":"\\x41"}',
  '{"__proto__":{"polluted":true}}',
  '{"__proto__":null}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"constructor":null}',
  '{"name":"a","name":"b"}',
  '{"name":"a","__proto__":[]}',
  '[{"name":"x"}]',
  '"just a string"',
  '42',
  'null',
  'true',
  '[]',
  '[[[[[[[[[[]]]]]]]]]]',
  '{"a":' + '['.repeat(3000) + ']'.repeat(3000) + '}',
  '\xff\xfe{',
  'name=x&schedule_type=daily',
];

export const rawBody = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_BODIES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))) }, // truncated JSON
);

export const OTHER_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=bogus',
  'application/vnd.api+json',
  'application/json, text/plain',
  'json',
];

export type BodyCase =
  | { kind: 'none' }
  | { kind: 'json'; value: JsonLike; contentType: string }
  | { kind: 'raw'; text: string; contentType: string }
  /** An import file: the rows as CSV text (refs resolved when the case runs). */
  | { kind: 'csv'; rows: Entries[]; delimiter: ',' | ';' };

/** Every kind of body for an endpoint that reads one. */
export function bodyCase(dto: Arbitrary<Entries>): Arbitrary<BodyCase> {
  const ct = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES) },
  );
  return fc.oneof(
    { weight: 14, arbitrary: fc.tuple(dto, ct).map(([value, contentType]): BodyCase => ({ kind: 'json', value, contentType })) },
    { weight: 2, arbitrary: fc.tuple(randomObject, ct).map(([value, contentType]): BodyCase => ({ kind: 'json', value, contentType })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(junkValue, deepNesting), ct)
        .map(([value, contentType]): BodyCase => ({ kind: 'json', value, contentType })),
    },
    { weight: 2, arbitrary: fc.tuple(rawBody, ct).map(([text, contentType]): BodyCase => ({ kind: 'raw', text, contentType })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof(
            rawBody,
            dto.map((d) => fc.stringify(d)),
          ),
          fc.constantFrom(...OTHER_CONTENT_TYPES),
        )
        .map(([text, contentType]): BodyCase => ({ kind: 'raw', text, contentType })),
    },
    { weight: 1, arbitrary: fc.constant<BodyCase>({ kind: 'none' }) },
  );
}

/**
 * For an import (a file of bodies): JSON arrays and CSV files of one to three bodies (valid ones
 * mixed with junk), and every other kind of body (a lone object, junk, other media types).
 */
export function fileBodyCase(row: Arbitrary<Entries>): Arbitrary<BodyCase> {
  const rows = fc.array(row, { minLength: 1, maxLength: 3 });
  return fc.oneof(
    { weight: 4, arbitrary: rows.map((value): BodyCase => ({ kind: 'json', value, contentType: 'application/json' })) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(rows, fc.constantFrom<',' | ';'>(',', ';'))
        .map(([r, delimiter]): BodyCase => ({ kind: 'csv', rows: r, delimiter })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(rawBody, fc.constant('text/csv')).map(([text, contentType]): BodyCase => ({ kind: 'raw', text, contentType })),
    },
    { weight: 3, arbitrary: bodyCase(row) },
  );
}

/** For endpoints that take no body: mostly none, sometimes junk anyway (it must be harmless). */
export const noBodyCase: Arbitrary<BodyCase> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<BodyCase>({ kind: 'none' }) },
  { weight: 1, arbitrary: randomObject.map((value): BodyCase => ({ kind: 'json', value, contentType: 'application/json' })) },
  { weight: 1, arbitrary: rawBody.map((text): BodyCase => ({ kind: 'raw', text, contentType: 'application/json' })) },
);

/* ----------------------------------------------------------- query strings */

/** A piece of URL text: a plain string (percent-encoded when sent), literal URL text, or a fixture id. */
export class UrlText {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `raw(${JSON.stringify(this.text)})`;
  }
}
export type UrlPiece = string | UrlText | Ref;

/** Literal URL text that is badly encoded on purpose. */
export const BAD_URL_TEXT = ['%', '%Z', '%ZZ', '%E0%A4%A', '%C0%AF', '%00', '%FF%FE', '%2e%2e', '%2F', '+', '%20', '%u0041', '&&', '=='];

export type QueryParams = Record<string, Arbitrary<UrlPiece>>;

export const LIMIT_VALUES = [
  '1',
  '50',
  '200',
  '0',
  '201',
  '-1',
  '-0',
  '1.5',
  '1e2',
  '0x10',
  ' 5',
  '５',
  '',
  '00000000000000000000050',
  '999999999999999999999999',
  'NaN',
  'null',
];
export const OFFSET_VALUES = ['0', '1', '-0', '1000000000', '1000000001', '-1', '9007199254740993', '1e3', '', 'abc'];
export const BOOL_VALUES = ['true', 'false', '1', '0', 'TRUE', 'yes', '', 'on', 'null'];

export const pageParams: QueryParams = {
  limit: fc.constantFrom(...LIMIT_VALUES),
  offset: fc.constantFrom(...OFFSET_VALUES),
};

export function queryCase(params: QueryParams): Arbitrary<[UrlPiece, UrlPiece][]> {
  const names = Object.keys(params);
  const value = (name: string): Arbitrary<UrlPiece> =>
    fc.oneof(
      { weight: 5, arbitrary: params[name] },
      { weight: 1, arbitrary: junkString },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_URL_TEXT).map((t) => new UrlText(t)) },
    );
  // Names a list endpoint reads, plus the page parameters everywhere (a 422 where a query spec lacks them).
  const all = [...new Set([...names, 'limit', 'offset'])];
  const junk = fc.tuple(
    fc.oneof(
      junkKey,
      fc.constantFrom(...BAD_URL_TEXT).map((t) => new UrlText(t)),
    ),
    fc.oneof(
      junkString,
      fc.constantFrom(...BAD_URL_TEXT).map((t) => new UrlText(t)),
    ),
  );
  const arrayStyle = fc
    .tuple(fc.constantFrom(...all), fc.constantFrom('[]', '[0]', '[a]', '.x', '[__proto__]'), fc.string({ maxLength: 4 }))
    .map(([n, s, v]): [UrlPiece, UrlPiece] => [new UrlText(`${n}${s}`), v]);
  // Each known parameter at most once (often valid), then junk and array-style extras.
  const known = fc.tuple(
    ...names.map((name) =>
      fc.option(
        value(name).map((v): [UrlPiece, UrlPiece] => [name, v]),
        { freq: 2, nil: null },
      ),
    ),
  );
  const extras = fc.oneof(
    { weight: 4, arbitrary: fc.constant([] as [UrlPiece, UrlPiece][]) },
    { weight: 2, arbitrary: fc.array(fc.oneof(junk, arrayStyle), { minLength: 1, maxLength: 3 }) },
  );
  return fc
    .tuple(
      known,
      extras,
      fc.integer({ min: 0, max: 5 }).map((n) => n === 0), // sometimes a parameter given twice
      fc.nat(),
    )
    .map(([k, x, repeat, at]) => {
      const pairs = [...k.filter((p): p is [UrlPiece, UrlPiece] => p !== null), ...x];
      if (repeat && pairs.length) pairs.splice(at % (pairs.length + 1), 0, pairs[at % pairs.length]);
      return pairs;
    });
}

/* ---------------------------------------------------------------- path ids */

export const BAD_IDS: UrlPiece[] = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  '6BA7B810-9DAD-11D1-80B4-00C04FD430C8',
  '{6ba7b810-9dad-11d1-80b4-00c04fd430c8}',
  '6ba7b8109dad11d180b400c04fd430c8',
  "1' OR '1'='1",
  '1;DROP TABLE campaigns',
  '..',
  '__proto__',
  'constructor',
  new UrlText('x'.repeat(5000)),
  '\u0000',
  '😀',
  new UrlText('%E0%A4%A'),
  new UrlText('%00'),
  new UrlText('%2e%2e'),
  new UrlText('%2F'),
  new UrlText('%ZZ'),
  new UrlText('%'),
];

/** A path id for an endpoint about `kind`: mostly the real object, else every other kind of id. */
export const pathIdCase = (kind: FixtureKind): Arbitrary<UrlPiece> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(new Ref(kind, 'self')) },
    { weight: 1, arbitrary: fc.constant(new Ref(kind, 'self', true)) },
    { weight: 1, arbitrary: fc.constant(new Ref(kind, 'other')) },
    { weight: 1, arbitrary: fc.constantFrom(...FIXTURE_KINDS).map((k) => new Ref(k, 'self')) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_IDS) },
    { weight: 1, arbitrary: junkString.filter((s) => s.length > 0) },
  );
