import {
  ArrayMaxSize,
  getMetadataStorage,
  IsArray,
  IsString,
  ValidateBy,
  ValidateIf,
  ValidationError,
  validate,
  type ValidationOptions,
} from 'class-validator';
import { AppError, FieldError, validationFailed } from './errors';

/** `Optional()`'s condition: validate unless the field was left out. */
export const unlessAbsent = (_object: object, value: unknown): boolean => value !== undefined;
/** `Nullable()`'s condition (the document generator recognizes it): validate unless absent or null. */
export const unlessAbsentOrNull = (_object: object, value: unknown): boolean => value !== undefined && value !== null;

/** The field may be left out, but an explicit `null` is rejected like any wrong value. */
export function Optional(): PropertyDecorator {
  return ValidateIf(unlessAbsent);
}

/** The field may be left out or set to `null` (which clears it). */
export function Nullable(): PropertyDecorator {
  return ValidateIf(unlessAbsentOrNull);
}

/** Names and other short texts (`varchar(255)` columns). */
export const NAME_LENGTH = 255;
/** Descriptions, notes and other long texts. */
export const TEXT_LENGTH = 10_000;
/** `Tags()`: at most this many tags, each of 1 to `TAG_LENGTH` characters. */
export const MAX_TAGS = 50;
export const TAG_LENGTH = 100;

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) out.push({ field, message: Object.values(error.constraints)[0] });
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}

/** A UTF-16 surrogate without its pair: not text PostgreSQL can store. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** JSON nested deeper than this is refused (nothing in the product needs more). */
export const MAX_JSON_DEPTH = 32;

/**
 * Problems PostgreSQL or the ORM would turn into a 500, or silently alter: NUL characters and
 * unpaired UTF-16 surrogates in strings or keys, keys that name `Object.prototype` members
 * (`__proto__`, `constructor`, `hasOwnProperty`, ...), and absurd nesting.
 */
function unsafeJson(value: unknown, path: string, depth: number, errors: FieldError[]): void {
  if (errors.length >= 20) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) errors.push({ field: path, message: 'must not contain NUL characters' });
    else if (LONE_SURROGATE.test(value)) errors.push({ field: path, message: 'must be well-formed Unicode text' });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_JSON_DEPTH) {
    errors.push({ field: path, message: `must not be nested more than ${MAX_JSON_DEPTH} levels deep` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => unsafeJson(item, `${path}[${index}]`, depth + 1, errors));
    return;
  }
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (key in Object.prototype) errors.push({ field, message: 'is a reserved name' });
    else if (key.includes('\u0000') || LONE_SURROGATE.test(key))
      errors.push({ field: path || 'body', message: 'has a key that is not well-formed text' });
    else unsafeJson((value as Record<string, unknown>)[key], field, depth + 1, errors);
  }
}

/** The property names a DTO class declares (its own and inherited validation decorators). */
function declaredFields(dto: new () => object): Set<string> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return new Set(metadata.map((m) => m.propertyName));
}

/**
 * Validates an untrusted JSON body against a DTO class: unknown fields and explicit nulls on
 * non-nullable fields are 422s naming every bad field. Returns the body typed as the DTO.
 */
export async function validateBody<T extends object>(
  dto: new () => T,
  body: unknown,
  options: {
    allowEmpty?: boolean;
    /** Validate the fields the DTO declares and let others through (open-ended objects). */
    allowUnknown?: boolean;
    /** Where the object sits in the request, for error field names (`job_config`). */
    field?: string;
  } = {},
): Promise<T> {
  if (body === undefined && options.allowEmpty) body = {};
  const where = options.field ?? '';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationFailed([{ field: where || 'body', message: 'must be a JSON object' }]);
  }
  const problems: FieldError[] = [];
  unsafeJson(body, where, 0, problems);
  if (problems.length) throw validationFailed(problems);

  // Copy only the declared fields the body sent (absent ones stay absent: partial updates).
  const declared = declaredFields(dto);
  const instance = new dto() as Record<string, unknown>;
  for (const key of Object.keys(instance)) delete instance[key];
  for (const key of Object.keys(body)) {
    if (declared.has(key)) instance[key] = (body as Record<string, unknown>)[key];
    else if (!options.allowUnknown) problems.push({ field: where ? `${where}.${key}` : key, message: 'unknown field' });
  }
  const errors = await validate(instance, {
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  problems.push(...flatten(errors, where));
  if (problems.length > 0) throw validationFailed(problems);
  return instance as T;
}

/** Optional list of up to `MAX_TAGS` tags, each 1 to `TAG_LENGTH` characters (campaigns and templates). */
export function Tags(): PropertyDecorator {
  return (target, property) => {
    for (const decorate of [
      Optional(),
      IsArray(),
      ArrayMaxSize(MAX_TAGS),
      IsString({ each: true }),
      CodePoints(1, TAG_LENGTH, { each: true }),
    ]) {
      decorate(target, property);
    }
  };
}

function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}

/**
 * String length in characters as PostgreSQL (and JSON Schema's `minLength`/`maxLength`) counts
 * them: code points, so an emoji is one character. The one length check for every text field.
 */
export function CodePoints(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'codePoints',
      constraints: [min, max],
      validator: {
        validate: (value) => {
          if (typeof value !== 'string') return false;
          const length = codePointLength(value);
          return length >= min && length <= max;
        },
        defaultMessage: (args) =>
          `${options?.each ? 'each value in ' : ''}${args?.property} must be ` +
          (min > 0 ? `${min} to ${max} characters long` : `at most ${max} characters long`),
      },
    },
    options,
  );
}

/** A finite number with at most `places` decimals (also for numbers JSON wrote as `1e-9`). */
export function DecimalPlaces(places: number): PropertyDecorator {
  return ValidateBy({
    name: 'decimalPlaces',
    constraints: [places],
    validator: {
      validate: (value) => typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value,
      defaultMessage: (args) => `${args?.property} must be a number with at most ${places} decimal places`,
    },
  });
}

type Query = Record<string, unknown>;

/** How a boolean query parameter may be written. */
export const TRUE_TEXTS = ['true', '1'] as const;
export const FALSE_TEXTS = ['false', '0'] as const;

/** Query-string readers: each throws a 422 naming the parameter on a bad value. */
export class QueryReader {
  private readonly errors: FieldError[] = [];
  constructor(private readonly query: Query) {}

  private single(name: string): string | undefined {
    const raw = this.query[name];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') {
      this.errors.push({ field: name, message: 'must be given once, as a plain value' });
      return undefined;
    }
    return raw;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.single(name);
    if (raw === undefined || raw === '') return fallback;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.errors.push({ field: name, message: `must be a whole number from ${min} to ${max}` });
      return fallback;
    }
    return Number(raw);
  }

  bool(name: string): boolean {
    const raw = this.single(name);
    if (raw === undefined || raw === '') return false;
    if ((TRUE_TEXTS as readonly string[]).includes(raw)) return true;
    if ((FALSE_TEXTS as readonly string[]).includes(raw)) return false;
    this.errors.push({ field: name, message: 'must be true or false' });
    return false;
  }

  uuid(name: string): string | undefined {
    const raw = this.single(name);
    if (raw === undefined || raw === '') return undefined;
    if (!UUID.test(raw)) {
      this.errors.push({ field: name, message: 'must be a UUID' });
      return undefined;
    }
    return raw.toLowerCase();
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.single(name);
    if (raw === undefined || raw === '') return undefined;
    if (!allowed.includes(raw as T)) {
      this.errors.push({ field: name, message: `must be one of ${allowed.join(', ')}` });
      return undefined;
    }
    return raw as T;
  }

  /** A value `parse` reads: its result, or its message as this parameter's 422 (undefined when absent or empty). */
  parsed<T>(name: string, parse: (raw: string) => { value: T } | { message: string }): T | undefined {
    const raw = this.single(name);
    if (raw === undefined || raw === '') return undefined;
    const result = parse(raw);
    if ('message' in result) {
      this.errors.push({ field: name, message: result.message });
      return undefined;
    }
    return result.value;
  }

  /** Throws the collected 422, if any. */
  done(): void {
    if (this.errors.length) throw validationFailed(this.errors);
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID cannot name anything: 404, like a missing object. */
export function pathId(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new AppError('not_found', `${what} not found`);
  return value.toLowerCase();
}
