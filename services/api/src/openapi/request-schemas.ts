/**
 * Request body schemas, generated from the DTO classes that validate the bodies
 * (class-validator-jsonschema reads the same decorator metadata `validateBody` runs). The
 * project's own decorators get converters here; descriptions, examples and defaults come from
 * `@JSONSchema({...})` on the DTOs. Every body is closed (`additionalProperties: false`), as
 * `validateBody` rejects unknown fields.
 */
import { IS_ISO8601, IS_LOCALE, IS_URL, MATCHES, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import { ISO8601_DATE_OR_DATE_TIME } from '../http/format';
import { UUID, unlessAbsentOrNull, VISIBLE_TEXT } from '../http/validation';
import type { Json } from './schema';

/** Set by the `Nullable()` converter, then turned into `type: [T, 'null']`. */
const NULLABLE = 'x-nullable';
/** Set by the `DecimalPlaces()` converter, then said in the description. */
const DECIMAL_PLACES = 'x-decimal-places';

const caseInsensitive = (text: string) => [...text].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join('');

const converters: ISchemaConverters = {
  /** `Optional()` adds nothing; `Nullable()` also allows `null`. */
  [ValidationTypes.CONDITIONAL_VALIDATION]: (meta: ValidationMetadata) =>
    meta.constraints?.[0] === unlessAbsentOrNull ? { [NULLABLE]: true } : {},
  codePoints: (meta: ValidationMetadata) => {
    const [min, max] = meta.constraints as [number, number];
    return { type: 'string', ...(min > 0 ? { minLength: min } : {}), maxLength: max };
  },
  /** Not only spaces or invisible characters: at least one character outside that class. */
  notBlank: { type: 'string', pattern: VISIBLE_TEXT.source },
  /** Checked against the runtime's registries (`Matches` beside them gives the document its pattern). */
  isCountryCode: { type: 'string' },
  isLanguageTag: { type: 'string' },
  decimalPlaces: (meta: ValidationMetadata) => ({ type: 'number', [DECIMAL_PLACES]: meta.constraints[0] as number }),
  [MATCHES]: (meta: ValidationMetadata) => {
    const regex = meta.constraints[0] as RegExp;
    if (regex === UUID) return { type: 'string', format: 'uuid' };
    if (regex.flags !== '') throw new Error(`Matches(${regex}): a JSON Schema pattern cannot carry flags`);
    return { type: 'string', pattern: regex.source };
  },
  [IS_ISO8601]: { type: 'string', pattern: ISO8601_DATE_OR_DATE_TIME.source },
  [IS_LOCALE]: { type: 'string' },
  [IS_URL]: (meta: ValidationMetadata) => {
    const options = (meta.constraints?.[0] ?? {}) as { protocols?: string[]; require_protocol?: boolean };
    if (!options.protocols || !options.require_protocol) return { type: 'string', format: 'uri' };
    return { type: 'string', format: 'uri', pattern: `^(${options.protocols.map(caseInsensitive).join('|')})://` };
  },
};

/** Applies the converters' markers to a generated schema (and to nested property schemas). */
function finish(schema: Json): Json {
  const out: Json = { ...schema };
  if (out[NULLABLE]) {
    delete out[NULLABLE];
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  const places = out[DECIMAL_PLACES];
  if (typeof places === 'number') {
    delete out[DECIMAL_PLACES];
    const note = `At most ${places} decimal places.`;
    out.description = typeof out.description === 'string' ? `${out.description} ${note}` : note;
  }
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, Json>).map(([name, property]) => [name, finish(property)]),
    );
  }
  if (out.items && typeof out.items === 'object' && !Array.isArray(out.items)) out.items = finish(out.items as Json);
  return out;
}

/** The JSON Schema of a DTO's properties, as validation sees them (open: for embedding). */
export function dtoSchema(dto: new () => object): Json {
  return finish(targetConstructorToSchema(dto, { additionalConverters: converters }) as Json);
}

/** The schema of a request body validated with `validateBody(dto, ...)`: closed. */
export function bodySchema(dto: new () => object): Json {
  const { type, required, properties, ...rest } = dtoSchema(dto);
  return { type, ...(required ? { required } : {}), properties, additionalProperties: false, ...rest };
}

/**
 * A DTO's component name: `CreateCampaignDto` → `CampaignCreate`, `UseTemplateDto` →
 * `TemplateUse`, `UpdateJobDto` → `JobUpdate`, `RejectJobDto` → `JobReject`.
 */
export function bodySchemaName(dto: { name: string }): string {
  const m = /^(Create|Update|Use|Reject|Skip|Pause|Copy)(\w+)Dto$/.exec(dto.name);
  if (!m) throw new Error(`Cannot name the body schema of ${dto.name}`);
  return `${m[2]}${m[1]}`;
}
