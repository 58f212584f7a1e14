import { AppError } from './errors';

/**
 * Optimistic concurrency. A single object's responses carry a strong `ETag` made of its
 * `updated_at` (and its `version` where it has one: a schedule's `version` only moves when what
 * or when it fires changes, so it alone would miss a rename). A write with `If-Match` is refused
 * with a 412 unless the object, read under the write's own row lock, still has that tag; without
 * `If-Match` the last write wins, as before. `*` matches any existing object.
 */
export interface Versioned {
  updatedAt: Date;
  version?: number;
}

/** The strong entity tag of an object (`"<version>-<updated_at>"` or `"<updated_at>"`, base 36 ms). */
export function entityTag({ updatedAt, version }: Versioned): string {
  const stamp = updatedAt.getTime().toString(36);
  return version === undefined ? `"${stamp}"` : `"${version}-${stamp}"`;
}

/** A request's `If-Match`: not sent (undefined: no check), `*`, or the entity tags listed. */
export type IfMatch = '*' | string[] | undefined;

/** Reads `If-Match` (RFC 9110 §13.1.1): `*` or a comma-separated list of entity tags. */
export function parseIfMatch(header: string | string[] | undefined): IfMatch {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header.join(',') : header).trim();
  if (text === '*') return '*';
  // A weak tag (`W/"..."`) never matches strongly: it stays in the list but cannot equal a tag we send.
  return text.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/**
 * The services' hook, called with the row they hold locked for the write: a 412 (with the current
 * `ETag`) unless `If-Match` was left out, is `*`, or lists the row's current tag.
 */
export function assertMatches(expected: IfMatch, row: Versioned, what: string): void {
  if (expected === undefined || expected === '*') return;
  const current = entityTag(row);
  if (expected.includes(current)) return;
  throw new AppError(
    'precondition_failed',
    `${what} has changed since the version your If-Match names: fetch it again (its ETag is ${current}) and retry`,
    undefined,
    { ETag: current },
  );
}
