/**
 * The building blocks of the response shapes (TypeBox): each is a JSON Schema and, through
 * `Static<>`, the TypeScript type the mappers return. Shared pieces (instants, ids, nullable)
 * are defined here once; a schema given an `$id` becomes a named component of the document.
 */
import { Type, type SchemaOptions, type Static, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';

export type * from '@sinclair/typebox';
export { Type } from '@sinclair/typebox';

/** A JSON Schema (2020-12) or OpenAPI object: plain JSON. */
export type Json = { [key: string]: unknown };

/** Instants leave the API as UTC ISO 8601 with `Z` and milliseconds (`Date.toISOString()`). */
export const INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';

export const Instant = (description?: string) =>
  Type.String({
    format: 'date-time',
    pattern: INSTANT_PATTERN,
    ...(description ? { description } : {}),
    examples: ['2026-01-05T14:00:00.000Z'],
  });

export const Uuid = (description?: string) => Type.String({ format: 'uuid', ...(description ? { description } : {}) });

/** `T` or `null`, written as one `type: [T, 'null']` schema (enums gain a `null` member). */
export function Nullable<T extends TSchema>(schema: T, options: SchemaOptions = {}): TUnsafe<Static<T> | null> {
  const { type, enum: members, ...rest } = schema as Json;
  if (typeof type !== 'string') throw new Error('Nullable() needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({
    ...rest,
    type: [type, 'null'],
    ...(Array.isArray(members) ? { enum: [...(members as unknown[]), null] } : {}),
    ...options,
  });
}

/** One of a list of string constants (`enum`), typed as their union. */
export const OneOf = <T extends string>(values: readonly T[], options: SchemaOptions = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/** A free-form JSON object. */
export const JsonObject = (options: SchemaOptions = {}) => Type.Unsafe<Record<string, unknown>>({ type: 'object', ...options });

/** A closed response object: every listed property is always present, nothing else is. */
export const Closed = <P extends TProperties>(properties: P, options: SchemaOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/** A named schema: it appears once under `components/schemas/<name>` and is referenced elsewhere. */
export const named = <T extends TSchema>(name: string, schema: T): T => {
  (schema as Json).$id = name;
  return schema;
};

/**
 * True when two types are the same shape (each assignable to the other). Used to keep a schema
 * in step with a type declared elsewhere: `const _: Same<Static<typeof S>, T> = true`.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
