import type { Json } from '../openapi/schema';
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
