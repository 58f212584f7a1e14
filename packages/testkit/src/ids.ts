import { randomUUID } from 'node:crypto';

/** A fresh user id: tests isolate their data by user, never by truncating tables. */
export function newUserId(): string {
  return `user-${randomUUID()}`;
}

/**
 * A fresh name for a BullMQ prefix, a scratch database or the like: `<kind>-<8 hex digits>`.
 * `deleteKeysUnder` only ever deletes under a prefix of this shape.
 */
export function uniqueName(kind = 'test'): string {
  return `${kind}-${randomUUID().slice(0, 8)}`;
}

/** A well-formed UUID that names no row. */
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';
