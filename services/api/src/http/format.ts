import { FieldError } from './errors';

/** Instants always leave the API as UTC ISO 8601 with `Z`. */
export function iso(value: Date): string;
export function iso(value: Date | null | undefined): string | null;
export function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}

/**
 * The ISO 8601 forms `parseInstant` reads (campaign dates, validated with `IsISO8601`): a date,
 * or a date-time with or without seconds, fraction and offset.
 */
export const ISO8601_DATE_OR_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses an ISO 8601 date-time that validation already accepted. A value without an offset
 * is read as UTC; a date alone is midnight UTC.
 */
export function parseInstant(value: string, field: string, errors: FieldError[]): Date | null {
  const [datePart, timePart] = value.split('T');
  const hasZone = timePart !== undefined && /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(timePart);
  const date = new Date(timePart === undefined ? `${datePart}T00:00:00Z` : hasZone ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) {
    errors.push({ field, message: 'must be a valid ISO 8601 date-time' });
    return null;
  }
  return date;
}
