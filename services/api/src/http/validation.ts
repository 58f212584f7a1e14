import {
  ArrayMaxSize,
  ArrayUnique,
  getMetadataStorage,
  IsArray,
  IsNumber,
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

/**
 * Constraints that check a value's JSON type, in the order they are reported. When one fails it
 * is the field's only message: the other rules (a length, a maximum) say nothing true about a
 * value of the wrong type.
 */
const TYPE_CONSTRAINTS: Record<string, string> = {
  isArray: 'an array',
  isObject: 'an object',
  isString: 'a string',
  isInt: 'an integer',
  isNumber: 'a number',
  isBoolean: 'a boolean',
};

/** The message of a field's failed constraints: a wrong type alone, else the first rule broken. */
function messageOf(property: string, constraints: Record<string, string>): string {
  const typeRule = Object.keys(TYPE_CONSTRAINTS).find((name) => name in constraints);
  if (typeRule === undefined) return Object.values(constraints)[0];
  // `each: true` rules apply to the items of an array: class-validator's message says so.
  const each = constraints[typeRule].startsWith('each value in ') ? 'each value in ' : '';
  return `${each}${property} must be ${TYPE_CONSTRAINTS[typeRule]}`;
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) out.push({ field, message: messageOf(error.property, error.constraints) });
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}

/**
 * A rule over several fields of a body (or over a field as a whole, such as a schedule's rule),
 * run by `validateBody` after the fields' own decorators so that one 422 names every bad field.
 * `failed` holds the fields already refused (unknown, their own decorators, an earlier check): a
 * check skips those. Returns
 * the errors, named by top-level field (`validateBody` adds the body's position).
 */
export type BodyCheckFn = (body: Record<string, unknown>, failed: ReadonlySet<string>) => FieldError[] | Promise<FieldError[]>;

const bodyChecks = new Map<object, BodyCheckFn[]>();

/** Declares a `BodyCheckFn` on a DTO class; subclasses inherit it (a class may declare several). */
export function BodyCheck(check: BodyCheckFn): ClassDecorator {
  return (target) => {
    bodyChecks.set(target, [...(bodyChecks.get(target) ?? []), check]);
  };
}

/** The checks a DTO class declares and inherits, base classes first. */
function checksOf(dto: object): BodyCheckFn[] {
  const chain: object[] = [];
  for (let c: object | null = dto; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as object | null) chain.unshift(c);
  return chain.flatMap((c) => bodyChecks.get(c) ?? []);
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

interface BodyOptions {
  allowEmpty?: boolean;
  /** Validate the fields the DTO declares and let others through (open-ended objects). */
  allowUnknown?: boolean;
  /** Where the object sits in the request, for error field names (`job_config`). */
  field?: string;
}

/**
 * Validates an untrusted JSON body against a DTO class: unknown fields and explicit nulls on
 * non-nullable fields are 422s naming every bad field. Returns the body typed as the DTO.
 */
export async function validateBody<T extends object>(dto: new () => T, body: unknown, options: BodyOptions = {}): Promise<T> {
  const { instance, problems } = await examineBody(dto, body, options);
  if (problems.length > 0) throw validationFailed(problems);
  return instance;
}

/** What `validateBody` would refuse, as a list (for a check that validates a nested object). */
export async function bodyErrors(dto: new () => object, body: unknown, options: BodyOptions = {}): Promise<FieldError[]> {
  return (await examineBody(dto, body, options)).problems;
}

/** The top-level field of an error's field name (`job_config.country` → `job_config`). */
function topField(field: string, where: string): string {
  const own = where && field.startsWith(`${where}.`) ? field.slice(where.length + 1) : field;
  return own.split(/[.[]/)[0];
}

async function examineBody<T extends object>(
  dto: new () => T,
  body: unknown,
  options: BodyOptions,
): Promise<{ instance: T; problems: FieldError[] }> {
  if (body === undefined && options.allowEmpty) body = {};
  const where = options.field ?? '';
  const instance = new dto() as Record<string, unknown>;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { instance: instance as T, problems: [{ field: where || 'body', message: 'must be a JSON object' }] };
  }
  const problems: FieldError[] = [];
  unsafeJson(body, where, 0, problems);
  if (problems.length) return { instance: instance as T, problems };

  // Copy only the declared fields the body sent (absent ones stay absent: partial updates).
  const declared = declaredFields(dto);
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
  // The rules over several fields, on the fields that passed their own: one 422 names them all.
  const failed = new Set(problems.map((p) => topField(p.field, where)));
  for (const check of checksOf(dto)) {
    for (const error of await check(instance, failed)) {
      problems.push({ ...error, field: where ? `${where}.${error.field}` : error.field });
      failed.add(topField(error.field, ''));
    }
  }
  return { instance: instance as T, problems };
}

/**
 * Optional list of up to `MAX_TAGS` distinct tags, each 1 to `TAG_LENGTH` characters (campaigns
 * and templates). Distinct as JSON Schema's `uniqueItems` compares them: exactly.
 */
export function Tags(): PropertyDecorator {
  return (target, property) => {
    for (const decorate of [
      Optional(),
      IsArray(),
      ArrayMaxSize(MAX_TAGS),
      ArrayUnique({ message: (args) => `${args.property} must not contain a tag twice (${repeatedOf(args.value)})` }),
      IsString({ each: true }),
      CodePoints(1, TAG_LENGTH, { each: true }),
    ]) {
      decorate(target, property);
    }
  };
}

/** The first value an array holds twice, as JSON (for the message naming it). */
function repeatedOf(value: unknown): string {
  if (!Array.isArray(value)) return '';
  const seen = new Set<unknown>();
  const repeated = (value as unknown[]).find((item) => seen.has(item) || !seen.add(item));
  return JSON.stringify(repeated) ?? '';
}

/**
 * Characters that show nothing: white space, and the invisible format and filler characters
 * (zero-width space and joiners, word joiner, BOM, soft hyphen, bidi marks and isolates, Hangul
 * and Braille blanks, Mongolian vowel separator). Written without `\p{...}` so that the same
 * class is a valid JSON Schema pattern with or without the `u` flag.
 */
const INVISIBLE =
  '\\s\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u2800\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0';
/** Text with at least one character that shows: the `NotBlank()` rule, and its JSON Schema pattern. */
// eslint-disable-next-line no-misleading-character-class -- it lists invisible combining marks (U+034F, variation selectors) one by one, on purpose
export const VISIBLE_TEXT = new RegExp(`[^${INVISIBLE}]`);

/** A string that is not only spaces or invisible characters. */
export function NotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notBlank',
      validator: {
        validate: (value) => typeof value === 'string' && VISIBLE_TEXT.test(value),
        defaultMessage: (args) => `${args?.property} must not be blank (only spaces or invisible characters)`,
      },
    },
    options,
  );
}

/** A name (campaign, template, schedule): a string of 1 to `NAME_LENGTH` characters, not blank. */
export function Name(): PropertyDecorator {
  return (target, property) => {
    for (const decorate of [IsString(), CodePoints(1, NAME_LENGTH), NotBlank()]) decorate(target, property);
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
  return (target, property) => {
    IsNumber({ allowNaN: false, allowInfinity: false })(target, property);
    ValidateBy({
      name: 'decimalPlaces',
      constraints: [places],
      validator: {
        // A value that is not a number is `IsNumber`'s to report.
        validate: (value) => typeof value !== 'number' || (Number.isFinite(value) && Number(value.toFixed(places)) === value),
        defaultMessage: (args) => `${args?.property} must be a number with at most ${places} decimal places`,
      },
    })(target, property);
  };
}

/** The registry's name of a code, or undefined when it has none (`of` throws on some codes: `und`). */
function registryName(names: Intl.DisplayNames, code: string): string | undefined {
  try {
    return names.of(code);
  } catch {
    return undefined;
  }
}

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const SCRIPT_NAMES = new Intl.DisplayNames(['en'], { type: 'script', fallback: 'none' });
/**
 * Region codes that CLDR names but that are no country: unknown (`ZZ`), groupings (`EU`, `EZ`,
 * `UN`, `QO`) and pseudo-locales (`XA`, `XB`).
 */
export const NOT_COUNTRIES: readonly string[] = ['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB'];

/**
 * Codes that the registry maps to another but that ISO 3166 reserves exceptionally for the same
 * country, in everyday use: `UK` (for `GB`).
 */
export const EXCEPTIONAL_COUNTRY_CODES: readonly string[] = ['UK'];

/**
 * A two-letter code (any case) of a country or territory that the runtime's region registry
 * (ICU/CLDR, through `Intl.DisplayNames`) knows under that code: not a retired code that it maps
 * to another (`YU` → `RS`, `SU`, `AN`) unless it is one of `EXCEPTIONAL_COUNTRY_CODES`, nor one
 * of `NOT_COUNTRIES`.
 */
export function isCountryCode(value: string): boolean {
  if (!/^[A-Za-z]{2}$/.test(value)) return false;
  const code = value.toUpperCase();
  if (NOT_COUNTRIES.includes(code) || registryName(REGION_NAMES, code) === undefined) return false;
  return EXCEPTIONAL_COUNTRY_CODES.includes(code) || new Intl.Locale(`und-${code}`).region === code;
}

/**
 * A BCP 47 language tag whose language (and script and region, when present) the runtime's
 * registries know: `en`, `en-GB`, `zh-Hant-TW`; not `klingon`, `xx` or `und`.
 */
export function isLanguageTag(value: string): boolean {
  let locale: Intl.Locale;
  try {
    locale = new Intl.Locale(value);
  } catch {
    return false; // not well-formed BCP 47
  }
  if (locale.language === 'und' || registryName(LANGUAGE_NAMES, locale.language) === undefined) return false;
  if (locale.script !== undefined && registryName(SCRIPT_NAMES, locale.script) === undefined) return false;
  if (locale.region === undefined) return true;
  // A UN M.49 area (`es-419`) or a country.
  return /^\d{3}$/.test(locale.region) ? registryName(REGION_NAMES, locale.region) !== undefined : isCountryCode(locale.region);
}

/** `isCountryCode` as a decorator (the value is stored as sent). */
export function IsCountryCode(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCountryCode',
      validator: {
        validate: (value) => typeof value === 'string' && isCountryCode(value),
        defaultMessage: (args) => `${args?.property} must be a 2-letter country code such as US`,
      },
    },
    options,
  );
}

/** `isLanguageTag` as a decorator (the value is stored as sent). */
export function IsLanguageTag(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLanguageTag',
      validator: {
        validate: (value) => typeof value === 'string' && isLanguageTag(value),
        defaultMessage: (args) => `${args?.property} must be a BCP 47 language tag of a known language, such as en or en-GB`,
      },
    },
    options,
  );
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

  /** Records a 422 for `name` that no reader above found (an unknown or contradictory parameter). */
  refuse(name: string, message: string): void {
    this.errors.push({ field: name, message });
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
