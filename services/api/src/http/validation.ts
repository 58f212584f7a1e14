import { ValidateIf, ValidationError, validate } from 'class-validator';
import { AppError, FieldError, validationFailed } from './errors';

/** The field may be left out, but an explicit `null` is rejected like any wrong value. */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** The field may be left out or set to `null` (which clears it). */
export function Nullable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined && value !== null);
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      const messages = Object.entries(error.constraints);
      // whitelistValidation is the "unknown field" message; say it plainly.
      const unknown = messages.find(([k]) => k === 'whitelistValidation');
      out.push({ field, message: unknown ? 'unknown field' : messages[0][1] });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
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
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationFailed([{ field: options.field ?? 'body', message: 'must be a JSON object' }]);
  }
  const instance = Object.assign(new dto(), body) as T;
  // Fields the DTO declares but the body did not send must stay absent (partial updates).
  for (const key of Object.keys(instance)) {
    if (!Object.prototype.hasOwnProperty.call(body, key)) delete (instance as Record<string, unknown>)[key];
  }
  const errors = await validate(instance, {
    whitelist: !options.allowUnknown,
    forbidNonWhitelisted: !options.allowUnknown,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw validationFailed(flatten(errors, options.field ?? ''));
  return instance;
}

type Query = Record<string, unknown>;

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
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
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
