/**
 * A tiny JSON *text* model for fuzzing: it can express what `JSON.stringify` cannot — repeated
 * keys, `__proto__` as a plain key, `-0`, number literals that overflow to Infinity (`1e400`),
 * integers beyond 2^53 — and symbolic references to objects that only exist at run time
 * (a campaign created by the property's setup, possibly re-created after a DELETE).
 */
import fc from 'fast-check';

/** A number (or other) literal written into the JSON text exactly as given. */
export class RawLiteral {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return this.text;
  }
}

/** A JSON object as a list of entries: keys may repeat (the last one wins in `JSON.parse`). */
export class Entries {
  constructor(readonly entries: [string, JsonLike][]) {}
  [fc.toStringMethod](): string {
    return `{${this.entries.map(([k, v]) => `${JSON.stringify(k)}:${fc.stringify(v)}`).join(',')}}`;
  }
}

export type FixtureKind =
  'campaign' | 'template' | 'blockedTemplate' | 'schedule' | 'pausedSchedule' | 'job' | 'runningJob' | 'blackout' | 'feed' | 'webhook';

export const FIXTURE_KINDS: readonly FixtureKind[] = [
  'campaign',
  'template',
  'blockedTemplate',
  'schedule',
  'pausedSchedule',
  'job',
  'runningJob',
  'blackout',
  'feed',
  'webhook',
];

/**
 * The id of a fixture, resolved when the case runs: `self` is the property's user, `other`
 * another user; `upper` sends the UUID in upper case (ids are case-insensitive).
 */
export class Ref {
  constructor(
    readonly kind: FixtureKind,
    readonly owner: 'self' | 'other' = 'self',
    readonly upper = false,
  ) {}
  [fc.toStringMethod](): string {
    return `<${this.owner}.${this.kind}${this.upper ? '.UPPER' : ''}>`;
  }
}

export type JsonLike = null | boolean | number | string | RawLiteral | Ref | Entries | JsonLike[];

export type RefResolver = (ref: Ref) => string;

/** A JSON string literal for any JS string, lone surrogates included (as `\uD800` escapes). */
export function stringLiteral(s: string): string {
  // JSON.stringify (ES2019+) escapes lone surrogates, so the text stays well-formed UTF-8.
  return JSON.stringify(s);
}

/** The JSON text of a value. `-0` is written as `-0` (JSON.stringify would write `0`). */
export function encode(value: JsonLike, resolve: RefResolver): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0';
    if (!Number.isFinite(value)) return value > 0 ? '1e400' : value < 0 ? '-1e400' : 'null';
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return stringLiteral(value);
  if (value instanceof RawLiteral) return value.text;
  if (value instanceof Ref) return stringLiteral(resolve(value));
  if (value instanceof Entries) {
    return `{${value.entries.map(([k, v]) => `${stringLiteral(k)}:${encode(v, resolve)}`).join(',')}}`;
  }
  return `[${value.map((v) => encode(v, resolve)).join(',')}]`;
}

/** The keys the server will see after `JSON.parse` (each key once; `__proto__` included). */
export function topLevelKeys(value: JsonLike): string[] | null {
  if (!(value instanceof Entries)) return null;
  return [...new Set(value.entries.map(([k]) => k))];
}

/**
 * Percent-encodes every byte of the UTF-8 form of `s` except unreserved characters. Unlike
 * `encodeURIComponent` it never throws (lone surrogates become U+FFFD, as Node would send them).
 */
export function pctEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A CSV cell: text as is, refs resolved, other values as their JSON text; quoted when it holds a delimiter, quote or line break. */
function csvCell(value: JsonLike, resolve: RefResolver, delimiter: string): string {
  const text = value === null ? '' : typeof value === 'string' ? value : value instanceof Ref ? resolve(value) : encode(value, resolve);
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV text of rows of fields (an import file): a header of every key in order of appearance, one line per row. */
export function csvText(rows: JsonLike[], resolve: RefResolver, delimiter: ',' | ';' = ','): string {
  const objects = rows.map((row) => (row instanceof Entries ? row.entries : []));
  const header = [...new Set(objects.flatMap((entries) => entries.map(([k]) => k)))];
  const lines = objects.map((entries) => {
    const byKey = new Map(entries);
    return header.map((k) => (byKey.has(k) ? csvCell(byKey.get(k)!, resolve, delimiter) : '')).join(delimiter);
  });
  return [header.map((k) => csvCell(k, resolve, delimiter)).join(delimiter), ...lines].join('\n') + '\n';
}
