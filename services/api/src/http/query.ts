import type { Json } from '../openapi/schema';
import { validationFailed, type FieldError } from './errors';
import { FALSE_TEXTS, QueryReader, TRUE_TEXTS } from './validation';

/**
 * One query parameter, declared once: how it is read (a bad value is a 422 naming it) and how
 * it is documented. A route declares its parameters as a `QuerySpec`; `readQuery` reads them
 * and the OpenAPI generator turns them into `parameters`.
 */
export interface QueryParam<T> {
  read(reader: QueryReader, name: string): T;
  description: string;
  /** The parameter's JSON Schema. */
  schema: Json;
  /** Shared parameters are documented once, under `components/parameters/<component>`. */
  component?: string;
  /** An alias of an earlier parameter: read only when that one is absent, into that one. */
  aliasOf?: string;
}

export type QuerySpec = Record<string, QueryParam<unknown>>;

/** What `readQuery` returns for a spec (an alias adds nothing of its own). */
export type QueryValues<Q extends QuerySpec> = {
  [K in keyof Q]: Q[K] extends QueryParam<infer T> ? T : never;
};

interface Options {
  component?: string;
}

export const query = {
  int(opts: { min: number; max: number; default: number; description: string } & Options): QueryParam<number> {
    return {
      read: (reader, name) => reader.int(name, opts.default, opts.min, opts.max),
      description: opts.description,
      schema: { type: 'integer', minimum: opts.min, maximum: opts.max, default: opts.default },
      component: opts.component,
    };
  },

  bool(description: string, opts: Options = {}): QueryParam<boolean> {
    return {
      read: (reader, name) => reader.bool(name),
      description: `${description} Accepts ${TRUE_TEXTS.map((t) => `\`${t}\``).join('/')} and ${FALSE_TEXTS.map((t) => `\`${t}\``).join('/')}.`,
      schema: { type: 'string', enum: [...TRUE_TEXTS, ...FALSE_TEXTS], default: 'false' },
      component: opts.component,
    };
  },

  uuid(description: string, opts: Options = {}): QueryParam<string | undefined> {
    return {
      read: (reader, name) => reader.uuid(name),
      description,
      schema: { type: 'string', format: 'uuid' },
      component: opts.component,
    };
  },

  oneOf<T extends string>(values: readonly T[], description: string, opts: Options = {}): QueryParam<T | undefined> {
    return {
      read: (reader, name) => reader.oneOf(name, values),
      description,
      schema: { type: 'string', enum: [...values] },
      component: opts.component,
    };
  },

  /** `param`, read only when `primary` is absent, as `primary` (`status_filter` for `status`); one that contradicts it is a 422. */
  alias<T>(primary: string, param: QueryParam<T>): QueryParam<undefined> {
    return {
      read: (reader, name) => param.read(reader, name) as undefined,
      description: `Alias of \`${primary}\` (used when \`${primary}\` is absent; both with different values is a 422).`,
      schema: param.schema,
      aliasOf: primary,
    };
  },
};

/**
 * Reads every parameter of the spec, in its order; throws one 422 naming each bad one: a bad
 * value, a parameter the spec does not declare (a typo such as `stauts` must not be ignored),
 * and an alias whose value contradicts its primary (`status=active&status_filter=paused`).
 */
export function readQuery<Q extends QuerySpec>(raw: Record<string, unknown>, spec: Q): QueryValues<Q> {
  const reader = new QueryReader(raw);
  const out: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(spec)) {
    if (param.aliasOf === undefined) {
      out[name] = param.read(reader, name);
      continue;
    }
    const value = param.read(reader, name);
    if (out[param.aliasOf] === undefined) out[param.aliasOf] = value;
    else if (value !== undefined && value !== out[param.aliasOf]) reader.refuse(name, `contradicts ${param.aliasOf} (an alias of it)`);
  }
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(spec, name)) reader.refuse(name, unknownParameter(spec));
  }
  reader.done();
  return out as QueryValues<Q>;
}

/** The message for a parameter the route does not take, listing those it does. */
function unknownParameter(spec: QuerySpec): string {
  const names = Object.keys(spec);
  return names.length
    ? `unknown query parameter (this route takes ${names.join(', ')})`
    : 'unknown query parameter (this route takes none)';
}

/** `campaign_id`: the filter the lists of templates, schedules and Jobs share. */
export const campaignIdFilter = query.uuid('Only items of this campaign.', { component: 'CampaignIdFilter' });

/* ------------------------------------------------ list filters and sorts */

/** An instant in a query: a date-time with `Z` or an offset (a wall-clock time names no instant). */
export const QUERY_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
export const INSTANT_MESSAGE = 'must be an ISO 8601 date-time with Z or an offset, such as 2026-01-05T14:00:00Z';
/** The instants a query accepts (as the schedule rules do). */
const MIN_QUERY_YEAR = 1900;
const MAX_QUERY_YEAR = 9999;

/** Parses a query instant; null for anything else (calendar fields range checked: no Feb 30, no 24:00). */
export function parseQueryInstant(raw: string): Date | null {
  const m = QUERY_INSTANT.exec(raw);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0));
  if (year < MIN_QUERY_YEAR || year > MAX_QUERY_YEAR || hour > 23 || minute > 59 || second > 59) return null;
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  const at = new Date(raw);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** A sort key as sent: `name` ascending, `-name` descending. */
export interface SortOrder<K extends string> {
  key: K;
  descending: boolean;
}

/** The text of a sort parameter's values: each key, ascending and with `-` descending. */
const sortValues = (keys: readonly string[]): string[] => keys.flatMap((k) => [k, `-${k}`]);

/** The kinds of the list filters and sorts, declared like `query`'s. */
export const listQuery = {
  /** An instant (`Z` or an offset), or undefined when absent. */
  instant(description: string): QueryParam<Date | undefined> {
    return {
      read: (reader, name) =>
        reader.parsed(name, (raw) => {
          const at = parseQueryInstant(raw);
          return at ? { value: at } : { message: INSTANT_MESSAGE };
        }),
      description: `${description} An ISO 8601 date-time with \`Z\` or an offset.`,
      schema: { type: 'string', format: 'date-time', pattern: QUERY_INSTANT.source },
    };
  },

  /**
   * `sort=`: one of `keys`, `-` in front for descending; undefined when absent (the list's
   * default order). Ties are broken by id, so pages never overlap.
   */
  sort<K extends string>(keys: readonly K[], description: string): QueryParam<SortOrder<K> | undefined> {
    const values = sortValues(keys);
    return {
      read: (reader, name) =>
        reader.parsed(name, (raw) => {
          if (!values.includes(raw)) return { message: `must be one of ${values.join(', ')}` };
          const descending = raw.startsWith('-');
          return { value: { key: (descending ? raw.slice(1) : raw) as K, descending } };
        }),
      description: `${description} A key sorts ascending, \`-key\` descending; ties are broken by id.`,
      schema: { type: 'string', enum: values },
    };
  },

  /** Free text of 1 to `maxLength` characters (trimmed; blank is absent). */
  text(maxLength: number, description: string): QueryParam<string | undefined> {
    return {
      read: (reader, name) =>
        reader.parsed(name, (raw) => {
          const text = raw.trim();
          if ([...text].length > maxLength) return { message: `must be at most ${maxLength} characters long` };
          return { value: text === '' ? undefined : text };
        }),
      description,
      schema: { type: 'string', maxLength },
    };
  },
};

/** `from` must not be after `to` (both given): else a 422 naming `from`. */
export function checkRange(ranges: { from: [string, Date | undefined]; to: [string, Date | undefined] }[]): void {
  const errors: FieldError[] = [];
  for (const { from, to } of ranges) {
    if (from[1] && to[1] && from[1].getTime() > to[1].getTime()) {
      errors.push({ field: from[0], message: `must not be after ${to[0]}` });
    }
  }
  if (errors.length) throw validationFailed(errors);
}
