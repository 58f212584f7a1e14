import { FieldError } from './errors';

/** Instants always leave the API as UTC ISO 8601 with `Z`. */
export function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}

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
